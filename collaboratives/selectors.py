"""Reads of collaboratives, cohorts, rooms and invitations, with the access rules they carry.

A missing object and a forbidden one give the same answer (Http404), so nobody can probe
which cohorts or rooms exist.
"""

import hashlib

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.errors import DomainError
from accounts.request_scope import remembered
from accounts.rules import is_administrator, is_signed_in
from collaboratives.models import (
    Cohort,
    Invitation,
    Membership,
    Room,
)
from collaboratives.room_selectors import unread_count_sql


def cohort_roles_for(user) -> dict[int, tuple[int, str]]:
    """{cohort id: (its collaborative's id, role)} for each cohort `user` belongs to now; read
    once per request (accounts.request_scope), as each of a page's access checks asks it."""
    if not is_signed_in(user):
        return {}

    def read():
        rows = Membership.objects.filter(user=user, left_at__isnull=True).values_list(
            "cohort_id", "cohort__collaborative_id", "role"
        )
        return {cohort: (collaborative, role) for cohort, collaborative, role in rows}

    return remembered(("cohort-roles", user.pk), read)


def token_hash(token: str) -> str:
    """The stored form of an invitation token: only its SHA-256 ever reaches the database."""
    return hashlib.sha256((token or "").encode()).hexdigest()


def memberships_active_for(*, user) -> QuerySet[Membership]:
    """The cohorts a person belongs to now, with their collaborative and rooms."""
    if not user.is_authenticated:
        return Membership.objects.none()
    return (
        Membership.objects.filter(user=user, left_at__isnull=True)
        .select_related("cohort__collaborative")
        .prefetch_related("cohort__rooms")
        # The id keeps each collaborative's cohorts together even when two share a name.
        .order_by("cohort__collaborative__name", "cohort__collaborative_id", "cohort__name")
    )


def _cohort_by_slugs(*, collaborative_slug: str, cohort_slug: str) -> Cohort:
    cohort = (
        Cohort.objects.select_related("collaborative")
        .filter(collaborative__slug=collaborative_slug, slug=cohort_slug)
        .first()
    )
    if cohort is None:
        raise Http404("No such cohort.")
    return cohort


def cohort_for_viewer(*, user, collaborative_slug: str, cohort_slug: str) -> Cohort:
    """The cohort, if the user may see it; Http404 when it is missing or forbidden."""
    cohort = _cohort_by_slugs(collaborative_slug=collaborative_slug, cohort_slug=cohort_slug)
    if not user.has_perm("collaboratives.view_cohort", cohort):
        raise Http404("No such cohort.")
    return cohort


def cohort_for_manager(*, user, collaborative_slug: str, cohort_slug: str) -> Cohort:
    """The cohort, if the user may manage it; Http404 when it is missing or forbidden."""
    cohort = _cohort_by_slugs(collaborative_slug=collaborative_slug, cohort_slug=cohort_slug)
    if not user.has_perm("collaboratives.manage_cohort", cohort):
        raise Http404("No such cohort.")
    return cohort


def cohort_memberships(*, cohort: Cohort) -> QuerySet[Membership]:
    """Active memberships of a cohort, facilitators first. Callers checked view_cohort."""
    return (
        Membership.objects.filter(cohort=cohort, left_at__isnull=True)
        .select_related("user")
        # "facilitator" sorts before "member": facilitators come first.
        .order_by("role", "user__display_name", "user__username")
    )


def invitations_pending_for(*, cohort: Cohort) -> QuerySet[Invitation]:
    """Invitations of a cohort that can still be accepted. Callers checked manage_cohort."""
    return Invitation.objects.filter(
        cohort=cohort,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).select_related("invited_by")


def rooms_for_member(*, user) -> QuerySet[Room]:
    """Every room the user may join (the `collaboratives.join_room` rule, as one query):
    the rooms of their active cohorts; every room for an administrator."""
    if not user.is_authenticated:
        return Room.objects.none()
    rooms = Room.objects.select_related("cohort__collaborative").order_by(
        "cohort__collaborative__name", "cohort__name", "id"
    )
    if is_administrator(user):
        return rooms
    return rooms.filter(
        cohort__in=Membership.objects.filter(user=user, left_at__isnull=True).values("cohort_id")
    )


def rooms_with_unread_for(*, user) -> QuerySet[Room]:
    """The rooms `user` may join, each annotated with `unread` (room_selectors.unread_count_sql).
    One query, however many rooms."""
    return rooms_for_member(user=user).annotate(unread=unread_count_sql(user))


def room_for_member(*, user, room_id: int) -> Room:
    """The room, if the user may join it; Http404 when it is missing or forbidden."""
    room = Room.objects.select_related("cohort__collaborative").filter(pk=room_id).first()
    if room is None or not user.has_perm("collaboratives.join_room", room):
        raise Http404("No such room.")
    return room


def invitation_usable(invitation: Invitation | None) -> Invitation:
    """The invitation if it can still be accepted; DomainError saying why not otherwise."""
    # The order matters: a used link says so even after it expired, and so does a revoked one.
    if invitation is None:
        raise DomainError("This invitation link is not valid.", code="not_found")
    if invitation.accepted_at is not None:
        raise DomainError("This invitation has already been used.", code="used")
    if invitation.revoked_at is not None:
        raise DomainError(
            "This invitation was withdrawn. Ask your facilitator for a new one.", code="revoked"
        )
    if invitation.expires_at <= timezone.now():
        raise DomainError(
            "This invitation has expired. Ask your facilitator for a new one.", code="expired"
        )
    return invitation


def invitation_for_token(token: str) -> Invitation:
    """The pending invitation a link carries; DomainError (code not_found, used, revoked or
    expired) with a message for the person holding the link otherwise."""
    invitation = (
        Invitation.objects.select_related("cohort__collaborative", "invited_by")
        .filter(token_hash=token_hash(token))
        .first()
    )
    return invitation_usable(invitation)
