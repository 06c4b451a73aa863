"""The search index app: registers the resources app's sources and keeps the index current."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SearchIndexConfig(AppConfig):
    name = "resources.search"
    label = "resources_search"
    verbose_name = "Search index"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from resources.search import signals
        from resources.search.sources import register_all

        register_all()
        signals.connect()
        post_migrate.connect(signals.fill_empty_index, sender=self)
