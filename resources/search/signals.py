"""Index updates: publish, unpublish, move, delete and privacy changes reach every backend.

The database index changes inside the editor's transaction, so it can never disagree with the
pages once that commits; Elasticsearch gets the same documents after the commit (a cluster that
is down then costs the editor at most the timeout, and `search_reindex` catches it up).
"""

import logging

from django.db import DatabaseError, connection
from django.db.models.signals import post_delete, post_save

logger = logging.getLogger(__name__)


def watch(source) -> None:
    """Follow one source's model: deletes always; saves for models that are not Wagtail pages
    (a page's save may be a draft; pages follow publish and unpublish instead)."""
    from wagtail.models import Page

    uid = f"resources.search:{source.key}"
    post_delete.connect(_deleted, sender=source.model, dispatch_uid=uid + ":delete")
    if not issubclass(source.model, Page):
        post_save.connect(_saved, sender=source.model, dispatch_uid=uid + ":save")


def unwatch(source) -> None:
    uid = f"resources.search:{source.key}"
    post_delete.disconnect(sender=source.model, dispatch_uid=uid + ":delete")
    post_save.disconnect(sender=source.model, dispatch_uid=uid + ":save")


def connect() -> None:
    from wagtail.models import PageViewRestriction
    from wagtail.signals import page_published, page_unpublished, post_page_move

    page_published.connect(_published, dispatch_uid="resources.search:published")
    page_unpublished.connect(_unpublished, dispatch_uid="resources.search:unpublished")
    post_page_move.connect(_moved, dispatch_uid="resources.search:moved")
    post_save.connect(
        _privacy_changed, sender=PageViewRestriction, dispatch_uid="resources.search:restricted"
    )
    post_delete.connect(
        _privacy_changed, sender=PageViewRestriction, dispatch_uid="resources.search:unrestricted"
    )


def _published(sender, instance, **kwargs):
    from resources.search import indexing

    indexing.update_object(instance)


def _unpublished(sender, instance, **kwargs):
    from resources.search import indexing

    indexing.update_object(instance)


def _saved(sender, instance, raw=False, **kwargs):
    if raw:  # loading fixtures: the objects' relations may not exist yet
        return
    from resources.search import indexing

    indexing.update_object(instance)


def _deleted(sender, instance, **kwargs):
    from resources.search import indexing

    indexing.remove_object(instance)


def _moved(sender, instance, **kwargs):
    from resources.search import indexing

    # The page and everything below it: addresses changed, and so may privacy (a new parent).
    indexing.update_below(instance)


def _privacy_changed(sender, instance, **kwargs):
    from resources.search import indexing

    indexing.update_below(instance.page)


def fill_empty_index(sender, **kwargs):
    """After `migrate`: a site that had pages before this index existed gets them indexed once."""
    from resources.search import indexing

    using = kwargs.get("using")
    if using and using != connection.alias:
        return
    try:
        report = indexing.fill_if_empty()
    except DatabaseError as error:  # a partial migration state: leave it to search_reindex
        logger.warning("Search index not filled after migrate (%s); run search_reindex.", error)
        return
    if report and kwargs.get("verbosity", 1):
        print(f"  Search index: {report} documents indexed.")  # noqa: T201
