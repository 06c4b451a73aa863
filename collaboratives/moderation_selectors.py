"""Reads of the moderation pages: the room a moderator may act on, reports, mutes, audit trail.

A missing room and one the person may not moderate give the same answer (Http404), as do a
missing message and another room's message.
"""

from itertools import groupby

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.errors import DomainError
from accounts.models import AuditEntry
from collaboratives.models import (
    Membership,
    MessageReport,
    Role,
    Room,
    RoomMessage,
    RoomMessageRevision,
    RoomMute,
)
from collaboratives.room_selectors import is_room_moderator, message_in_room, room_if_joinable

RECENTLY_HANDLED = 20
AUDIT_ON_PAGE = 20


def room_for_member_or_404(*, user, room_id: int) -> Room:
    room = room_if_joinable(user=user, room_id=room_id)
    if room is None:
        raise Http404("No such room.")
    return room


def room_for_moderator_or_404(*, user, room_id: int) -> Room:
    """The room when `user` moderates it; Http404 when it is missing or they do not."""
    room = room_for_member_or_404(user=user, room_id=room_id)
    if not is_room_moderator(user=user, room=room):
        raise Http404("No such room.")
    return room


def message_in_room_or_404(*, room: Room, message_id: int) -> RoomMessage:
    try:
        return message_in_room(room=room, message_id=message_id)
    except DomainError as error:
        raise Http404("No such message.") from error


def _reports(room: Room) -> QuerySet[MessageReport]:
    return MessageReport.objects.filter(message__room=room).select_related(
        "message__author", "reporter", "resolved_by"
    )


def reports_open_by_message(*, room: Room) -> list[tuple[RoomMessage, list[MessageReport]]]:
    """Open reports grouped by message, the message reported first on top; three queries
    (the room was loaded before) whatever the number of reports."""
    reports = list(_reports(room).filter(outcome=MessageReport.Outcome.OPEN).order_by("created_at"))
    first_seen = {}
    for report in reports:
        first_seen.setdefault(report.message_id, report.created_at)
    reports.sort(key=lambda report: (first_seen[report.message_id], report.message_id))
    return [
        (group[0].message, group)
        for group in (list(items) for _, items in groupby(reports, key=lambda r: r.message_id))
    ]


def reports_handled_recently(*, room: Room) -> list[MessageReport]:
    return list(
        _reports(room)
        .exclude(outcome=MessageReport.Outcome.OPEN)
        .order_by("-resolved_at", "-id")[:RECENTLY_HANDLED]
    )


def report_open_in_room(*, room: Room, report_id) -> MessageReport | None:
    return (
        _reports(room).filter(pk=report_id, outcome=MessageReport.Outcome.OPEN).first()
        if report_id is not None
        else None
    )


def reports_open_count(*, room: Room) -> int:
    return (
        MessageReport.objects.filter(message__room=room, outcome=MessageReport.Outcome.OPEN)
        .values("message_id")
        .distinct()
        .count()
    )


def members_mutable(*, room: Room) -> list:
    """The people a moderator may mute here: the cohort's active members who are not
    facilitators (administrators who are not in the cohort are not in the room)."""
    memberships = (
        Membership.objects.filter(cohort_id=room.cohort_id, left_at__isnull=True, role=Role.MEMBER)
        .select_related("user")
        .order_by("user__display_name", "user__first_name", "user__username")
    )
    return [membership.user for membership in memberships]


def mutes_active(*, room: Room) -> list[RoomMute]:
    """Each muted person once, with the mute that lasts longest."""
    mutes = (
        RoomMute.objects.filter(room=room, until__gt=timezone.now())
        .select_related("user", "muted_by")
        .order_by("user_id", "-until")
    )
    latest = {}
    for mute in mutes:
        latest.setdefault(mute.user_id, mute)
    return sorted(latest.values(), key=lambda mute: mute.until)


def member_in_room(*, room: Room, user_id) -> object | None:
    """An active member of the room's cohort (any role), or None."""
    membership = (
        Membership.objects.filter(cohort_id=room.cohort_id, user_id=user_id, left_at__isnull=True)
        .select_related("user")
        .first()
    )
    return membership.user if membership else None


def revisions_of(*, message: RoomMessage) -> list[RoomMessageRevision]:
    """Earlier texts of a message, the newest first."""
    return list(message.revisions.select_related("replaced_by").order_by("-replaced_at", "-id"))


def audit_entries_for_room(*, room: Room, limit: int = AUDIT_ON_PAGE) -> list[AuditEntry]:
    """The room's latest moderation trail: entries about the room itself and entries about its
    messages and reports (those name the room in their detail). Each entry gets `.subject`, the
    person the action was about (muted, unmuted, whose message was removed), loaded at once."""
    entries = list(
        AuditEntry.objects.filter(
            Q(target_type=Room._meta.label_lower, target_id=str(room.pk)) | Q(detail__room=room.pk)
        )
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )
    subject_ids = {
        entry.detail.get("user") or entry.detail.get("author")
        for entry in entries
        if isinstance(entry.detail, dict)
    }
    subject_ids = {pk for pk in subject_ids if isinstance(pk, int)}
    people = get_user_model().objects.in_bulk(subject_ids) if subject_ids else {}
    for entry in entries:
        detail = entry.detail if isinstance(entry.detail, dict) else {}
        entry.subject = people.get(detail.get("user") or detail.get("author"))
    return entries
