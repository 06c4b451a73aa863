"""Reads of resource pages, with the members-only rule applied in one place."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, QuerySet
from wagtail.models import Page, ReferenceIndex

from competencies.models import AreaOfExpertise
from competencies.selectors import areas_with_competencies
from resources.models import (
    IMHContentPage,
    ResearchUpdatePage,
    ResourcePage,
    ResourcePageCompetency,
)


def _visible(queryset: QuerySet, *, user) -> QuerySet:
    queryset = queryset.live().public()
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
