"""The resources app: Wagtail content pages, the library and search."""

from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = "Resources"

    def ready(self):
        from django.db.models.signals import post_delete, post_save
        from wagtail.models import Site
        from wagtail.signals import page_published, page_unpublished, post_page_move

        from resources.routing import forget_sites
        from resources.selectors import cached_reads_forget

        # Any model's saves reach the receiver; it keeps only those that change the lists.
        for name, signal in (
            ("post_save", post_save),
            ("post_delete", post_delete),
            ("page_published", page_published),
            ("page_unpublished", page_unpublished),
            ("post_page_move", post_page_move),
        ):
            signal.connect(cached_reads_forget, dispatch_uid=f"resources-cached-reads-{name}")
        for signal in (post_save, post_delete):
            signal.connect(forget_sites, sender=Site, dispatch_uid="resources-forget-sites")
