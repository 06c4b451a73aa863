"""Reads of sessions with the visibility rules they carry.

A session someone may not see and one that does not exist give the same answer (404).
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from accounts.rules import is_administrator, is_staff_editor
from collaboratives.models import Collaborative, Membership, Role
from collaboratives.selectors import cohort_roles_for
from competencies.models import Competency
from events.models import Attendance, Rsvp, Session, Visibility


def sessions_visible_to(*, user) -> QuerySet[Session]:
    """Sessions this person may see: public ones, those of their collaboratives/cohorts, every
    session of a collaborative they facilitate, and all of them for staff and administrators."""
    visible = Q(visibility=Visibility.PUBLIC)
    if user.is_authenticated:
        if is_staff_editor(user) or is_administrator(user):
            return Session.objects.all()
        # The person's memberships read once per request, as ids: the same rule as subqueries,
        # which Django rebuilt (and relabelled) inside every query this one is combined into.
        roles = cohort_roles_for(user)
        cohort_ids = set(roles)
        collaborative_ids = {collaborative for collaborative, _ in roles.values()}
        facilitated = {
            collaborative for collaborative, role in roles.values() if role == Role.FACILITATOR
        }
        visible |= Q(visibility=Visibility.COLLABORATIVE, collaborative_id__in=collaborative_ids)
        visible |= Q(visibility=Visibility.COHORT, cohort_id__in=cohort_ids)
        visible |= Q(collaborative_id__in=facilitated)
    return Session.objects.filter(visible)


def _listed(sessions: QuerySet[Session], *, user) -> QuerySet[Session]:
    """What every list shows per session, fetched in a fixed number of queries."""
    sessions = sessions.select_related("collaborative", "cohort").prefetch_related(
        Prefetch("competencies", queryset=Competency.objects.order_by("name"))
    )
    sessions = sessions.annotate(
        going_count=Count("rsvps", filter=Q(rsvps__status=Rsvp.Status.GOING), distinct=True)
    )
    if user.is_authenticated:
        mine = Rsvp.objects.filter(session=OuterRef("pk"), user=user).values("status")[:1]
        sessions = sessions.annotate(my_rsvp=Subquery(mine))
    return sessions


def sessions_upcoming_for(
    *,
    user,
    limit: int | None = 50,
    collaborative: str = "",
    kind: str = "",
    competency: str = "",
) -> QuerySet[Session]:
    """Upcoming, not cancelled sessions this person may see, optionally filtered by the
    collaborative's slug, the kind and a competency's slug."""
    sessions = sessions_visible_to(user=user).filter(
        ends_at__gte=timezone.now(), cancelled_at__isnull=True
    )
    if collaborative:
        sessions = sessions.filter(collaborative__slug=collaborative)
    if kind:
        sessions = sessions.filter(kind=kind)
    if competency:
        sessions = sessions.filter(
            pk__in=Session.competencies.through.objects.filter(competency__slug=competency).values(
                "session_id"
            )
        )
    sessions = _listed(sessions, user=user).order_by("starts_at", "id")
    return sessions[:limit] if limit else sessions


def sessions_next_for(*, user, limit: int = 3) -> list[Session]:
    """The next few sessions this person may see, for a glance (the home page): no counts,
    no RSVP state, no competencies, so it costs one query beside the visibility rules."""
    return list(
        sessions_visible_to(user=user)
        .filter(ends_at__gte=timezone.now(), cancelled_at__isnull=True)
        .select_related("collaborative")
        .order_by("starts_at", "id")[:limit]
    )


def sessions_of_member(*, user) -> QuerySet[Session]:
    """The sessions someone RSVP'd to (going or waitlisted) or attended, newest last."""
    # Subqueries, not joins: a join on rsvps here would also narrow the going count to the
    # member's own RSVP.
    answered = Rsvp.objects.filter(
        user=user, status__in=[Rsvp.Status.GOING, Rsvp.Status.WAITLISTED]
    ).values("session_id")
    attended = Attendance.objects.filter(
        user=user, status__in=[Attendance.Status.PRESENT, Attendance.Status.PARTIAL]
    ).values("session_id")
    return _listed(
        sessions_visible_to(user=user).filter(Q(pk__in=answered) | Q(pk__in=attended)),
        user=user,
    ).order_by("starts_at", "id")


def sessions_in_month(*, user, year: int, month: int) -> QuerySet[Session]:
    """Sessions this person may see that fall in a month (a day of slack for time zones)."""
    first = dt.datetime(year, month, 1, tzinfo=dt.UTC)
    after = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=dt.UTC)
    return _listed(
        sessions_visible_to(user=user).filter(
            starts_at__gte=first - dt.timedelta(days=1), starts_at__lt=after + dt.timedelta(days=1)
        ),
        user=user,
    ).order_by("starts_at", "id")


def session_get_visible(*, user, session_id: int) -> Session:
    session = (
        sessions_visible_to(user=user)
        .select_related("collaborative", "cohort", "series")
        .filter(pk=session_id)
        .first()
    )
    if session is None:
        raise Http404("No such session.")
    return session


def session_get_managed(*, user, session_id: int) -> Session:
    """A session this person may change; 404 otherwise (also when they may only see it)."""
    session = session_get_visible(user=user, session_id=session_id)
    if not user.has_perm("events.change_session", session):
        raise Http404("No such session.")
    return session


def collaborative_get_managed(*, user, slug: str) -> Collaborative:
    collaborative = Collaborative.objects.filter(slug=slug).first()
    if collaborative is None or not user.has_perm("events.schedule_session", collaborative):
        raise Http404("No such collaborative.")
    return collaborative


def collaboratives_managed_by(*, user) -> QuerySet[Collaborative]:
    if not user.is_authenticated:
        return Collaborative.objects.none()
    if is_staff_editor(user) or is_administrator(user):
        return Collaborative.objects.all()
    facilitated = {
        collaborative
        for collaborative, role in cohort_roles_for(user).values()
        if role == Role.FACILITATOR
    }
    if not facilitated:
        return Collaborative.objects.none()
    return Collaborative.objects.filter(pk__in=facilitated)


def session_people(*, session: Session):
    """Everyone a session is for: its cohort's members, or all of its collaborative's."""
    from accounts.models import User

    memberships = Membership.objects.filter(left_at__isnull=True)
    if session.visibility == Visibility.COHORT and session.cohort_id:
        memberships = memberships.filter(cohort_id=session.cohort_id)
    else:
        memberships = memberships.filter(cohort__collaborative_id=session.collaborative_id)
    return User.objects.filter(pk__in=memberships.values("user_id"), is_active=True)


def attendance_roster(*, session: Session) -> list[dict]:
    """One row per person for the facilitator's roster: what was recorded, or a prefill.

    Prefill: people going are present for the whole session; people the cohort room saw during
    the session (collaboratives.RoomPresence) are present; everyone else the session is for is
    absent. RoomPresence keeps only live connections (its `seen_at` is refreshed while a socket
    lives and the row goes when it closes), so it tells who was there, not join/leave minutes.
    """
    recorded = {row.user_id: row for row in Attendance.objects.filter(session=session)}
    going = set(
        Rsvp.objects.filter(session=session, status=Rsvp.Status.GOING).values_list(
            "user_id", flat=True
        )
    )
    seen = set()
    if session.cohort_id:
        from collaboratives.models import RoomPresence

        seen = set(
            RoomPresence.objects.filter(
                room__cohort_id=session.cohort_id,
                seen_at__gte=session.starts_at,
                seen_at__lte=session.ends_at,
            ).values_list("user_id", flat=True)
        )
    from accounts.models import User

    people = User.objects.filter(
        Q(pk__in=session_people(session=session).values("pk"))
        | Q(pk__in=going)
        | Q(pk__in=list(recorded))
    ).order_by("last_name", "first_name", "username")
    full = session.duration_minutes
    rows = []
    for person in people:
        if person.pk in recorded:
            row = recorded[person.pk]
            status, minutes, source = row.status, row.minutes, "recorded"
        elif person.pk in going or person.pk in seen:
            status, minutes = Attendance.Status.PRESENT, full
            source = "room" if person.pk in seen else "rsvp"
        else:
            status, minutes, source = Attendance.Status.ABSENT, 0, ""
        rows.append(
            {
                "user": person,
                "status": status,
                "minutes": minutes,
                "source": source,
                "going": person.pk in going,
            }
        )
    return rows


def attendance_certificate(*, user, session_id: int) -> tuple[Session, Attendance]:
    """The closed attendance of this person at this session, or 404 for anyone who was not there."""
    if not user.is_authenticated:
        raise Http404("No such certificate.")
    attendance = (
        Attendance.objects.select_related("session__collaborative", "session__cohort", "user")
        .filter(
            session_id=session_id,
            user=user,
            status__in=[Attendance.Status.PRESENT, Attendance.Status.PARTIAL],
            minutes__gt=0,
            session__attendance_closed_at__isnull=False,
        )
        .first()
    )
    if attendance is None:
        raise Http404("No such certificate.")
    return attendance.session, attendance


def attendance_export_rows(
    *, collaborative: Collaborative, series_id: int | None, date_from, date_to
) -> QuerySet[Attendance]:
    """Attendance records of a collaborative's sessions, by series and/or local date range."""
    rows = Attendance.objects.filter(session__collaborative=collaborative)
    if series_id:
        rows = rows.filter(session__series_id=series_id)
    if date_from:
        rows = rows.filter(session__starts_at__gte=_day_start(date_from))
    if date_to:
        rows = rows.filter(session__starts_at__lt=_day_start(date_to + dt.timedelta(days=1)))
    return rows.select_related("session", "user").order_by(
        "session__starts_at", "session_id", "user__last_name", "user__username"
    )


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=ZoneInfo("America/New_York"))


def session_message_recipients(*, session: Session, audience: str):
    """People a facilitator's message goes to: "attendees" (present or partly) or "rsvp"
    (going or waitlisted)."""
    from accounts.models import User

    if audience == "attendees":
        ids = Attendance.objects.filter(
            session=session,
            status__in=[Attendance.Status.PRESENT, Attendance.Status.PARTIAL],
        ).values("user_id")
    else:
        ids = Rsvp.objects.filter(
            session=session, status__in=[Rsvp.Status.GOING, Rsvp.Status.WAITLISTED]
        ).values("user_id")
    return User.objects.filter(pk__in=ids, is_active=True).order_by("pk")


def reminder_choice_of(*, user) -> str:
    from events.models import ReminderPreference

    choice = ReminderPreference.objects.filter(user=user).values_list("choice", flat=True).first()
    return choice or ReminderPreference.Choice.BOTH
