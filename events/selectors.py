"""Reads of sessions with the visibility rules they carry."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from events.models import Session, Visibility


def sessions_visible_to(*, user) -> QuerySet[Session]:
    """Sessions this person may see: public ones, plus those of their collaboratives/cohorts."""
    visible = Q(visibility=Visibility.PUBLIC)
    if user.is_authenticated:
        active = {"memberships__user": user, "memberships__left_at__isnull": True}
        from collaboratives.models import Cohort

        cohort_ids = Cohort.objects.filter(**active).values("id")
        collaborative_ids = Cohort.objects.filter(**active).values("collaborative_id")
        visible |= Q(visibility=Visibility.COLLABORATIVE, collaborative_id__in=collaborative_ids)
        visible |= Q(visibility=Visibility.COHORT, cohort_id__in=cohort_ids)
        if user.is_superuser:
            visible = Q()
    return Session.objects.filter(visible)


def sessions_upcoming_for(*, user, limit: int | None = 50) -> QuerySet[Session]:
    sessions = (
        sessions_visible_to(user=user)
        .filter(ends_at__gte=timezone.now(), cancelled_at__isnull=True)
        .select_related("collaborative", "cohort")
        .order_by("starts_at", "id")
    )
    return sessions[:limit] if limit else sessions
