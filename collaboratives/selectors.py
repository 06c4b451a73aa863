"""Reads of collaboratives, cohorts and rooms, with the access rules they carry."""

from django.db.models import QuerySet

from collaboratives.models import Membership


def memberships_active_for(*, user) -> QuerySet[Membership]:
    """The cohorts a person belongs to now, with their collaborative and rooms."""
    if not user.is_authenticated:
        return Membership.objects.none()
    return (
        Membership.objects.filter(user=user, left_at__isnull=True)
        .select_related("cohort__collaborative")
        .prefetch_related("cohort__rooms")
        .order_by("cohort__collaborative__name", "cohort__name")
    )
