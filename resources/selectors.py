"""Reads of resource pages, with the members-only rule applied in one place."""

from django.db.models import QuerySet

from resources.models import ResearchUpdatePage, ResourcePage


def _visible(queryset: QuerySet, *, user) -> QuerySet:
    queryset = queryset.live().public()
    if not user.is_authenticated:
        queryset = queryset.filter(members_only=False)
    return queryset


def resources_visible_to(*, user) -> QuerySet[ResourcePage]:
    return _visible(ResourcePage.objects.all(), user=user)


def research_updates_visible_to(*, user) -> QuerySet[ResearchUpdatePage]:
    return _visible(ResearchUpdatePage.objects.all(), user=user)


def resources_recent_for(*, user, limit: int = 6) -> list[ResourcePage]:
    """The newest resources this person may read, newest first."""
    return list(
        resources_visible_to(user=user)
        .order_by("-first_published_at", "-id")
        .prefetch_related("competencies")[:limit]
    )
