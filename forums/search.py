"""What the forums index in the one search entry point (resources.search): topics and replies.

Hits are loaded through the forums' own selectors (`visible`), so a person only ever sees, and
gets snippets of, posts on boards they may read; hidden topics and posts are not indexed.
"""

from django.db.models import OuterRef, Subquery
from django.utils.html import strip_tags

from forums import selectors
from forums.models import Post, Topic
from resources.search.query import plain_text
from resources.search.registry import IndexedDocument, SearchSource, register


def _text(html: str) -> str:
    # The stored HTML is sanitized; its text (entities decoded) is what people wrote.
    from html import unescape

    return plain_text(unescape(strip_tags(html)))


def _key(board_id: int) -> str:
    return f"forumboard{int(board_id)}"


def _restricted_to(board) -> list[str]:
    """Community boards are for every member; the others only for their board's readers."""
    return [] if board.scope == board.Scope.COMMUNITY else [_key(board.pk)]


def _audience_keys(user) -> list[str]:
    return [_key(pk) for pk in selectors.boards_readable_by(user=user).values_list("pk", flat=True)]


def _labels(topic) -> dict[str, list[str]]:
    competencies = list(topic.competencies.all())
    return {
        "competency": sorted(c.slug for c in competencies),
        "area": sorted({c.area.slug for c in competencies}),
    }


class TopicSource(SearchSource):
    key = "forums.topic"
    model = Topic
    type_choices = (("forum-topic", "Forum topic"),)

    def indexable(self):
        first_post = Post.objects.filter(topic=OuterRef("pk")).order_by("id").values("html")[:1]
        return (
            Topic.objects.filter(is_hidden=False)
            .annotate(first_html=Subquery(first_post))
            .select_related("board")
            .prefetch_related("competencies", "competencies__area")
        )

    def document(self, obj) -> IndexedDocument:
        return IndexedDocument(
            source=self.key,
            object_id=obj.pk,
            type="forum-topic",
            title=plain_text(obj.title),
            body=_text(getattr(obj, "first_html", "") or ""),
            members_only=True,
            published_at=obj.created_at,
            labels=_labels(obj),
            restricted_to=_restricted_to(obj.board),
        )

    def visible(self, *, user):
        return selectors.topics_searchable_by(user=user)

    def audience_keys(self, *, user):
        return _audience_keys(user)

    def hit(self, obj, *, request=None) -> dict:
        return {"title": obj.title, "url": obj.get_absolute_url()}


class PostSource(SearchSource):
    """Replies: every post but a topic's first (the topic's document holds that one)."""

    key = "forums.post"
    model = Post
    type_choices = (("forum-post", "Forum reply"),)

    def indexable(self):
        first_post = Post.objects.filter(topic=OuterRef("topic_id")).order_by("id").values("id")[:1]
        return (
            Post.objects.filter(is_hidden=False, topic__is_hidden=False)
            .exclude(pk=Subquery(first_post))
            .select_related("topic", "topic__board")
            .prefetch_related("topic__competencies", "topic__competencies__area")
        )

    def document(self, obj) -> IndexedDocument:
        return IndexedDocument(
            source=self.key,
            object_id=obj.pk,
            type="forum-post",
            title=plain_text(f"Re: {obj.topic.title}"),
            body=_text(obj.html),
            members_only=True,
            published_at=obj.created_at,
            labels=_labels(obj.topic),
            restricted_to=_restricted_to(obj.topic.board),
        )

    def visible(self, *, user):
        return selectors.posts_searchable_by(user=user)

    def hit(self, obj, *, request=None) -> dict:
        return {"title": f"Re: {obj.topic.title}", "url": obj.get_absolute_url()}


def reindex_topic(topic) -> None:
    """A topic moved, was hidden or restored: its replies' documents follow it."""
    from resources.search import indexing

    indexing.update_object(topic)
    for post in topic.posts.all():
        indexing.update_object(post)


def register_all() -> None:
    register(TopicSource())
    register(PostSource())
