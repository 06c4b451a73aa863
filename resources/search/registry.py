"""Searchable sources: each app registers what it indexes; resources.search imports none of them.

A source says which objects belong in the index (`indexable`), what a document of one looks like
(`document`), who may read what (`visible`, the app's own selector: hits are loaded through it,
so an index that lags behind never shows a person something they may not read), and how a hit
is shown (`hit`). An app registers its sources in its AppConfig.ready():

    from resources.search.registry import register
    register(TopicSource())

Index updates follow automatically: Wagtail pages on publish, unpublish, move, delete and
privacy changes; other models on save and delete (resources/search/signals.py).
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import models
from django.utils import timezone

from resources.search.query import (
    ACCESS_KIND,
    AUDIENCE_KIND,
    MEMBERS,
    PUBLIC,
    RESTRICTED,
    label_token,
    plain_text,
)


@dataclass
class IndexedDocument:
    """What the index holds about one object, the same for every backend."""

    source: str
    object_id: int
    type: str
    title: str
    summary: str = ""
    body: str = ""
    members_only: bool = False
    published_at: dt.datetime | None = None
    # Filter labels by kind: "competency", "area", "sector", "age" (slugs).
    labels: dict[str, Sequence[str]] = field(default_factory=dict)
    # Audience keys (SearchSource.audience_keys): when set, only members holding one of them
    # find the document. Restricted documents are members-only too.
    restricted_to: Sequence[str] = ()

    @property
    def key(self) -> str:
        return f"{self.source}:{self.object_id}"

    @property
    def audience(self) -> str:
        return MEMBERS if self.members_only else PUBLIC

    def all_labels(self) -> list[tuple[str, str]]:
        """Every (kind, slug) the document can be filtered or counted by."""
        pairs = [("type", self.type), (AUDIENCE_KIND, self.audience)]
        for kind, values in self.labels.items():
            pairs.extend((kind, value) for value in values if value)
        if self.restricted_to:
            pairs.append((ACCESS_KIND, RESTRICTED))
            pairs.extend((ACCESS_KIND, key) for key in self.restricted_to)
        return list(dict.fromkeys(pairs))

    def label_text(self) -> str:
        return " ".join(label_token(kind, value) for kind, value in self.all_labels())


class SearchSource:
    """One kind of searchable object. Subclass, fill in the class attributes, register()."""

    key: str = ""
    model: type[models.Model] | None = None
    # (slug, name) of every type this source's documents can have: the type facet's names.
    type_choices: Sequence[tuple[str, str]] = ()
    batch_size = 500

    def indexable(self) -> models.QuerySet:
        """Everything that belongs in the index, for any audience, ready for document()."""
        raise NotImplementedError

    def document(self, obj) -> IndexedDocument:
        raise NotImplementedError

    def visible(self, *, user) -> models.QuerySet:
        """What `user` may read: the app's selector."""
        raise NotImplementedError

    def audience_keys(self, *, user) -> Sequence[str]:
        """The restricted_to keys `user` holds (letters and digits only), for sources whose
        documents some members may not read."""
        return ()

    def hit(self, obj, *, request=None) -> dict:
        """Title and address of one hit."""
        return {"title": str(obj), "url": obj.get_absolute_url()}

    def below(self, page) -> models.QuerySet | None:
        """Objects whose visibility or address follows `page` (moves, privacy). None: unrelated."""
        return None


def _text(obj, name: str) -> str:
    """Plain text of a field, as Wagtail's own indexer sees it (rich text and StreamField too)."""
    value = getattr(obj, name, "")
    try:
        model_field = obj._meta.get_field(name)
    except Exception:  # a property or method, not a field
        model_field = None
    if model_field is not None and hasattr(model_field, "get_searchable_content"):
        value = " ".join(str(part) for part in model_field.get_searchable_content(value))
    return plain_text(value)


class PageSearchSource(SearchSource):
    """A Wagtail page model: live pages without view restrictions are indexed; `members_only`
    pages only for members; competencies (and their areas) become labels."""

    summary_field = "summary"
    body_fields: Sequence[str] = ("body",)
    competencies_field = "competencies"

    def indexable(self) -> models.QuerySet:
        field = self.competencies_field
        return self.model.objects.live().public().prefetch_related(field, f"{field}__area")

    def type_of(self, obj) -> str:
        return self.type_choices[0][0]

    def extra_labels(self, obj) -> dict[str, list[str]]:
        return {}

    def document(self, obj) -> IndexedDocument:
        competencies = list(getattr(obj, self.competencies_field).all())
        labels = {
            "competency": sorted(competency.slug for competency in competencies),
            "area": sorted({competency.area.slug for competency in competencies}),
            **self.extra_labels(obj),
        }
        return IndexedDocument(
            source=self.key,
            object_id=obj.pk,
            type=self.type_of(obj),
            title=plain_text(obj.title),
            summary=_text(obj, self.summary_field),
            body=" ".join(filter(None, (_text(obj, name) for name in self.body_fields))),
            members_only=bool(getattr(obj, "members_only", False)),
            published_at=obj.first_published_at or obj.last_published_at or timezone.now(),
            labels=labels,
        )

    def hit(self, obj, *, request=None) -> dict:
        return {"title": obj.title, "url": obj.get_url(request)}

    def below(self, page) -> models.QuerySet:
        return self.model.objects.descendant_of(page, inclusive=True)


_sources: dict[str, SearchSource] = {}
_by_model: dict[type, SearchSource] = {}


def register(source: SearchSource) -> SearchSource:
    """Add a source (once per key); its model's deletes and saves then update the index."""
    if not source.key or source.model is None:
        raise ValueError("A search source needs a key and a model.")
    existing = _sources.get(source.key)
    if existing is not None and type(existing) is not type(source):
        raise ValueError(f"Another search source already uses the key {source.key!r}.")
    _sources[source.key] = source
    _by_model[source.model] = source
    from resources.search import signals

    signals.watch(source)
    return source


def unregister(key: str) -> None:
    """Remove a source (tests); its documents stay until the next search_reindex."""
    found = _sources.pop(key, None)
    if found is not None:
        _by_model.pop(found.model, None)
        from resources.search import signals

        signals.unwatch(found)


def sources() -> list[SearchSource]:
    return list(_sources.values())


def source(key: str) -> SearchSource | None:
    return _sources.get(key)


def source_for(model_or_obj) -> SearchSource | None:
    model = model_or_obj if isinstance(model_or_obj, type) else type(model_or_obj)
    return _by_model.get(model)


def audience_keys(user) -> tuple[str, ...] | None:
    """Every restricted key `user` holds; None for visitors (restricted documents are
    members-only, so the audience already leaves them out)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    keys = [key for item in _sources.values() for key in item.audience_keys(user=user)]
    return tuple(dict.fromkeys(keys))


def type_names() -> dict[str, str]:
    return {slug: name for item in _sources.values() for slug, name in item.type_choices}


def page_sources() -> Iterable[SearchSource]:
    from wagtail.models import Page

    return [item for item in _sources.values() if issubclass(item.model, Page)]
