"""The facilitator's cohort view: each member's progress within what the member shares."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from collaboratives.models import Membership, Role
from endorsement.models import RscEntry, Sharing, TrainingEntry
from endorsement.overview import Overview, member_overview
from endorsement.selectors import audit_read, profile_for
from events.models import Session


@dataclass
class CohortRow:
    member: object
    shares_details: bool
    overview: Overview
    last_activity: dt.date | None
    recent: bool


def _last_activity(member) -> dt.date | None:
    dates = [
        model.objects.filter(member=member).aggregate(last=Max("date"))["last"]
        for model in (TrainingEntry, RscEntry)
    ]
    dates = [d for d in dates if d]
    return max(dates) if dates else None


def cohort_rows(*, viewer, cohort) -> list[CohortRow]:
    since = timezone.localdate() - dt.timedelta(days=settings.ENDORSEMENT_RECENT_ACTIVITY_DAYS)
    rows = []
    memberships = Membership.objects.filter(
        cohort=cohort, role=Role.MEMBER, left_at__isnull=True
    ).select_related("user", "user__goal_category")
    for membership in memberships:
        member = membership.user
        shares = profile_for(member).sharing == Sharing.DETAILS
        audit_read(
            viewer=viewer,
            member=member,
            what=f"cohort {cohort.pk} progress ({'details' if shares else 'status'})",
        )
        last = _last_activity(member)
        rows.append(
            CohortRow(
                member=member,
                shares_details=shares,
                overview=member_overview(member=member),
                last_activity=last if shares else None,
                recent=bool(last and last >= since),
            )
        )
    return rows


def sessions_without_attendance(*, cohort) -> list | None:
    """Past sessions of the cohort whose attendance was never closed, or None when events keeps
    no such record (then the page says so instead of guessing)."""
    field_names = {f.name for f in Session._meta.get_fields()}
    if "attendance_closed_at" not in field_names:
        return None
    return list(
        Session.objects.filter(
            cohort=cohort,
            ends_at__lt=timezone.now(),
            cancelled_at__isnull=True,
            attendance_closed_at__isnull=True,
        ).order_by("-starts_at")[:20]
    )
