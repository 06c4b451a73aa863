"""Reads of boards and topics with their access rules."""

from django.db.models import Q, QuerySet

from forums.models import Board


def boards_readable_by(*, user) -> QuerySet[Board]:
    """Community boards for any signed-in person; cohort and collaborative boards for members."""
    if not user.is_authenticated:
        return Board.objects.none()
    if user.is_superuser:
        return Board.objects.all()
    active = {"memberships__user": user, "memberships__left_at__isnull": True}
    from collaboratives.models import Cohort

    return Board.objects.filter(
        Q(scope=Board.Scope.COMMUNITY)
        | Q(scope=Board.Scope.COHORT, cohort__in=Cohort.objects.filter(**active))
        | Q(
            scope=Board.Scope.COLLABORATIVE,
            collaborative__in=Cohort.objects.filter(**active).values("collaborative_id"),
        )
    )
