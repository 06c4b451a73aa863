"""Reads of resource pages, with the members-only rule applied in one place."""

import uuid
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from taggit.models import TagBase
from wagtail.documents.models import AbstractDocument
from wagtail.images.models import AbstractImage, AbstractRendition
from wagtail.models import Page, PageViewRestriction, ReferenceIndex, Site

from competencies.models import AreaOfExpertise, Competency
from competencies.selectors import areas_with_competencies
from resources.models import (
    AudienceSector,
    IMHContentPage,
    ResearchUpdatePage,
    ResourcePage,
    ResourcePageCompetency,
)


def private_sections() -> tuple[tuple[str, int], ...]:
    """(path, depth) of every page whose section is view-restricted: each restricted page, and
    each alias of one (Wagtail applies a source page's restrictions to its aliases and their
    children), transitively. Cached as the reads below (forgotten on any page or restriction
    change), because every served page and every listing asks it."""
    key = f"resources:private-sections:{_cache_version()}"
    sections = cache.get(key)
    if sections is None:
        restricted = set(PageViewRestriction.objects.values_list("page_id", flat=True))
        sources = restricted
        while sources:  # an alias of an alias: a few rounds at most, only on a cache miss
            sources = set(
                Page.objects.filter(alias_of_id__in=sources)
                .exclude(pk__in=restricted)
                .values_list("pk", flat=True)
            )
            restricted |= sources
        sections = tuple(Page.objects.filter(pk__in=restricted).values_list("path", "depth"))
        cache.set(key, sections, CACHED_READS_SECONDS)
    return sections


def in_private_section(page) -> bool:
    return any(page.path.startswith(path) for path, _depth in private_sections())


def _outside_private_sections(queryset: QuerySet) -> QuerySet:
    """Wagtail's `public()`: no page in a view-restricted section (the restricted page and its
    descendants), nor in an alias of one; the same test on `path` and `depth`."""
    private = Q()
    for path, depth in private_sections():
        private |= Q(path__startswith=path, depth__gte=depth)
    return queryset.exclude(private) if private else queryset


def _visible(queryset: QuerySet, *, user) -> QuerySet:
    queryset = _outside_private_sections(queryset.live())
    if not user.is_authenticated:
        queryset = queryset.filter(members_only=False)
    return queryset


def resources_visible_to(*, user) -> QuerySet[ResourcePage]:
    return _visible(ResourcePage.objects.all(), user=user)


def research_updates_visible_to(*, user) -> QuerySet[ResearchUpdatePage]:
    return _visible(ResearchUpdatePage.objects.all(), user=user)


def content_pages_visible_to(*, user) -> QuerySet[IMHContentPage]:
    return _visible(IMHContentPage.objects.all(), user=user)


def resources_recent_for(*, user, limit: int = 6) -> list[ResourcePage]:
    """The newest resources this person may read, newest first."""
    return list(
        resources_visible_to(user=user)
        .order_by("-first_published_at", "-id")
        .prefetch_related("competencies")[:limit]
    )


@dataclass(frozen=True)
class ResourceCard:
    """What a short resource list shows of one resource: plain values, safe to cache."""

    url: str
    title: str
    type_label: str
    members_only: bool
    competency_names: tuple[str, ...]


# The timeout bounds what the forgetting below cannot reach: a change made in another process
# when each process has its own local-memory cache (the embedded default's scheduler publishing
# or expiring scheduled pages every 60 s), raw SQL, a data migration's historical models.
CACHED_READS_SECONDS = 60
_VERSION_KEY = "resources:cached-reads:version"
# Saving or deleting any of these can change a cached read below or a cached article: a page
# (publish, unpublish, members-only, title, slug or a parent's slug), a view restriction, the
# site (URLs), the framework (names, order), a resource's competency tags, the audience
# sectors, a document or image an article shows (title, file, renditions), a keyword's name.
_CACHED_READS_DEPEND_ON = (
    Page,
    PageViewRestriction,
    Site,
    AreaOfExpertise,
    Competency,
    ResourcePageCompetency,
    AudienceSector,
    AbstractDocument,
    AbstractImage,
    AbstractRendition,
    TagBase,
)


def _cache_version() -> str:
    return cache.get_or_set(_VERSION_KEY, uuid.uuid4().hex, None)


def cached_reads_version() -> str:
    """For cache keys elsewhere (templates' cached fragments) that must change with these reads."""
    return _cache_version()


def _new_cache_version() -> None:
    cache.set(_VERSION_KEY, uuid.uuid4().hex, None)


def cached_reads_forget(*, instance=None, **kwargs) -> None:
    """Signal receiver: forget every cached read above when `instance` may change one.

    Now, so this process's next read inside the same transaction recomputes, and again on
    commit, so a read recomputed by another request before the commit (from the old rows) is
    not kept. With Redis (REDIS_URL) every process shares the cache and so the forgetting;
    otherwise CACHED_READS_SECONDS bounds how long another process's change goes unseen.
    """
    if instance is not None and not isinstance(instance, _CACHED_READS_DEPEND_ON):
        return
    _new_cache_version()
    transaction.on_commit(_new_cache_version)


def resource_cards_recent_for(*, user, limit: int = 6) -> list[ResourceCard]:
    """The newest resources this person may read, newest first, as cards.

    Cached per audience, never per person: the only thing `_visible` asks of the viewer is
    whether they are signed in, so there are two lists (visitors', without members-only
    resources, and members'), forgotten on any change that could alter them.
    """
    audience = "members" if user.is_authenticated else "public"
    key = f"resources:recent-cards:{_cache_version()}:{audience}:{limit}"
    cards = cache.get(key)
    if cards is None:
        cards = [
            ResourceCard(
                url=page.url,
                title=page.title,
                type_label=page.get_resource_type_display(),
                members_only=page.members_only,
                competency_names=tuple(c.name for c in page.competencies.all()),
            )
            for page in resources_recent_for(user=user, limit=limit)
        ]
        cache.set(key, cards, CACHED_READS_SECONDS)
    return cards


def search_filter_choices() -> tuple[list[AreaOfExpertise], list[tuple[str, str]]]:
    """The search form's choices: areas in framework order (each with `.competencies.all()`
    prefetched) and the audience sectors as (slug, name). Public reference data, the same for
    everyone, so cached for all viewers and forgotten when the framework or a sector changes."""
    key = f"resources:search-filter-choices:{_cache_version()}"
    choices = cache.get(key)
    if choices is None:
        choices = (
            list(areas_with_competencies()),
            list(AudienceSector.objects.values_list("slug", "name")),
        )
        cache.set(key, choices, CACHED_READS_SECONDS)
    return choices


def resources_listed(
    *,
    user,
    library,
    competency: str = "",
    resource_type: str = "",
    sector: str = "",
    age_band: str = "",
) -> QuerySet[ResourcePage]:
    """The library's resources `user` may read, filtered by the slugs given, newest first.

    Each filter matches one value, so the joins cannot repeat a page and no DISTINCT is needed.
    """
    items = resources_visible_to(user=user).child_of(library)
    if competency:
        items = items.filter(competencies__slug=competency)
    if resource_type:
        items = items.filter(resource_type=resource_type)
    if sector:
        items = items.filter(audience_sectors__slug=sector)
    if age_band:
        items = items.filter(age_band=age_band)
    return items.order_by("-first_published_at", "-id").prefetch_related(
        "competencies", "audience_sectors"
    )


def research_updates_listed(*, user, index, competency: str = "") -> QuerySet[ResearchUpdatePage]:
    items = research_updates_visible_to(user=user).child_of(index)
    if competency:
        items = items.filter(competencies__slug=competency)
    return items.order_by("-date", "-id").prefetch_related("competencies")


def content_pages_listed(*, user, parent, competency: str = "") -> QuerySet[IMHContentPage]:
    items = content_pages_visible_to(user=user).child_of(parent)
    if competency:
        items = items.filter(competencies__slug=competency)
    return items.order_by("title", "id").prefetch_related("competencies")


def competencies_with_resource_counts(*, user, library=None) -> list[AreaOfExpertise]:
    """Areas in framework order; each competency carries `resource_count`, the number of
    resources `user` may read that are tagged with it (three queries however many there are)."""
    resources = resources_visible_to(user=user)
    if library is not None:
        resources = resources.child_of(library)
    counts = dict(
        ResourcePageCompetency.objects.filter(content_object__in=resources)
        .values("tag_id")
        .annotate(count=Count("content_object_id", distinct=True))
        .values_list("tag_id", "count")
    )
    areas = list(areas_with_competencies())
    for area in areas:
        for competency in area.competencies.all():
            competency.resource_count = counts.get(competency.pk, 0)
    return areas


def document_is_members_only(*, document) -> bool:
    """Whether any members-only page (live or not) uses `document`: as a resource's file, or in
    a StreamField or rich text body, found through Wagtail's reference index (which Wagtail
    updates whenever a page is saved). When in doubt the document stays members-only."""
    if ResourcePage.objects.filter(document=document, members_only=True).exists():
        return True
    page_ids = [
        int(object_id)
        for object_id in ReferenceIndex.get_references_to(document)
        .filter(base_content_type=ContentType.objects.get_for_model(Page))
        .values_list("object_id", flat=True)
        .distinct()
    ]
    if not page_ids:
        return False
    return any(
        model.objects.filter(pk__in=page_ids, members_only=True).exists()
        for model in (IMHContentPage, ResourcePage, ResearchUpdatePage)
    )
