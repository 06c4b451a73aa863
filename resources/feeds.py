"""RSS and Atom feeds of research updates: public items only, whoever asks.

A feed is copied into readers and caches that no one signs in to, so it is always written for a
visitor: members-only updates never appear in it, not even when a member fetches it.
"""

import datetime as dt

from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from resources.selectors import research_updates_visible_to

FEED_SIZE = 20


class ResearchUpdatesFeed(Feed):
    description = "Plain-language summaries of research that matters for practice."

    def __init__(self, *, index):
        super().__init__()
        self.index = index

    def __call__(self, request, *args, **kwargs):
        # Item links are resolved for this request's site (Wagtail caches the site root paths
        # on the request), then made absolute by the feed with the request's host.
        self.request = request
        return super().__call__(request, *args, **kwargs)

    def title(self):
        return self.index.title

    def link(self):
        return self.index.get_url(self.request)

    def items(self):
        return list(
            research_updates_visible_to(user=AnonymousUser())
            .child_of(self.index)
            .order_by("-date", "-id")
            .prefetch_related("competencies")[:FEED_SIZE]
        )

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_link(self, item):
        return item.get_url(self.request)

    def item_pubdate(self, item):
        return timezone.make_aware(dt.datetime.combine(item.date, dt.time(12, 0)))

    def item_updateddate(self, item):
        return item.last_published_at

    def item_author_name(self, item):
        return item.authors or None

    def item_categories(self, item):
        return [competency.name for competency in item.competencies.all()]


class ResearchUpdatesAtomFeed(ResearchUpdatesFeed):
    feed_type = Atom1Feed
    subtitle = ResearchUpdatesFeed.description
