"""Writes on sessions: scheduling one-off sessions and recurring series, editing and cancelling,
RSVPs with a waitlist, attendance, messages to attendees and reminders."""

import datetime as dt
import logging
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from django.conf import settings
from django.core import mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_record
from accounts.errors import AccessDenied, DomainError
from accounts.notifications import notify
from events.models import (
    Attendance,
    Kind,
    ReminderPreference,
    ReminderSent,
    Rsvp,
    Session,
    SessionSeries,
    Visibility,
    validate_timezone,
)
from events.signals import AttendanceOutcome, attendance_closed

logger = logging.getLogger(__name__)

# How far ahead a series is expanded into stored sessions; later ones appear as time passes.
SERIES_HORIZON = dt.timedelta(days=400)
SERIES_MAX_OCCURRENCES = 200
# Sessions are meetings: a rule may repeat them at most daily.
SERIES_FREQUENCIES = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
# The time of day comes from the start field, never from the rule.
SERIES_FORBIDDEN_PARTS = {"BYHOUR", "BYMINUTE", "BYSECOND", "DTSTART", "WKST_"}
SERIES_MIN_GAP = dt.timedelta(hours=20)
SESSION_MAX_LENGTH = dt.timedelta(hours=12)
MESSAGE_SUBJECT_MAX = 150


def _absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def _require(actor, perm: str, obj) -> None:
    if not actor.has_perm(perm, obj):
        raise AccessDenied("You may not do that here.")


# --- Session fields -----------------------------------------------------------------------------


@dataclass
class SessionFields:
    """What a facilitator sets on a session; starts_at/ends_at are aware datetimes."""

    title: str
    kind: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: str
    description: str = ""
    cohort: object = None
    visibility: str = Visibility.COLLABORATIVE
    location: str = ""
    video_url: str = ""
    capacity: int | None = None
    competencies: list = None
    facilitators: list = None
    presenters: list = None
    materials: list = None


def _check_fields(*, fields: SessionFields, collaborative) -> None:
    if not fields.title.strip():
        raise DomainError("Give the session a title.", field="title")
    if fields.kind not in Kind.values:
        raise DomainError("Choose a kind of session.", field="kind")
    if fields.visibility not in Visibility.values:
        raise DomainError("Choose who may see the session.", field="visibility")
    try:
        validate_timezone(fields.timezone)
    except Exception as error:
        raise DomainError(
            f"{fields.timezone!r} is not a known time zone; use an IANA name such as "
            "America/New_York.",
            field="timezone",
        ) from error
    if fields.ends_at == fields.starts_at:
        raise DomainError("The session has no length: the end equals the start.", field="end")
    if fields.ends_at < fields.starts_at:
        raise DomainError("The end comes before the start.", field="end")
    if fields.ends_at - fields.starts_at > SESSION_MAX_LENGTH:
        raise DomainError("A session lasts at most 12 hours.", field="end")
    if fields.cohort is not None and fields.cohort.collaborative_id != collaborative.pk:
        raise DomainError("Choose a cohort of this collaborative.", field="cohort")
    if fields.visibility == Visibility.COHORT and fields.cohort is None:
        raise DomainError("A cohort-only session needs a cohort.", field="cohort")
    if fields.capacity is not None and fields.capacity < 1:
        raise DomainError("Capacity is at least 1 (leave it empty for no limit).", field="capacity")


def _scalar_values(fields: SessionFields) -> dict:
    return {
        "title": fields.title.strip(),
        "kind": fields.kind,
        "description": fields.description,
        "cohort": fields.cohort,
        "visibility": fields.visibility,
        "location": fields.location,
        "video_url": fields.video_url,
        "capacity": fields.capacity,
        "timezone": fields.timezone,
        "materials": list(fields.materials or []),
    }


def _set_relations(session: Session, fields: SessionFields) -> None:
    session.competencies.set(fields.competencies or [])
    session.facilitators.set(fields.facilitators or [])
    session.presenters.set(fields.presenters or [])


def _going_count(session: Session) -> int:
    return Rsvp.objects.filter(session=session, status=Rsvp.Status.GOING).count()


def _check_capacity(session: Session, capacity: int | None) -> None:
    if capacity is None or session.pk is None:
        return
    going = _going_count(session)
    if capacity < going:
        when = timezone.localtime(session.starts_at, ZoneInfo(session.timezone))
        raise DomainError(
            f"{going} people are already going on {when:%b %d, %Y}; the capacity cannot be "
            f"lower than that ({capacity}).",
            field="capacity",
        )


@transaction.atomic
def session_schedule(*, actor, collaborative, fields: SessionFields) -> Session:
    """Schedule a one-off session of a collaborative."""
    _require(actor, "events.schedule_session", collaborative)
    _check_fields(fields=fields, collaborative=collaborative)
    session = Session.objects.create(
        collaborative=collaborative,
        starts_at=fields.starts_at,
        ends_at=fields.ends_at,
        **_scalar_values(fields),
    )
    _set_relations(session, fields)
    audit_record(actor=actor, action="events.session_scheduled", target=session)
    return session


# --- Recurring series ---------------------------------------------------------------------------


def rrule_normalize(*, rule: str, count: int | None, until: dt.date | None) -> str:
    """A recurrence rule facilitators may use, with its end: COUNT or UNTIL (local, inclusive).

    Refuses what would expand without bound or too often: no end, more than
    SERIES_MAX_OCCURRENCES, a frequency under a day, or a time of day in the rule.
    """
    text = (rule or "").strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    text = text.upper()
    if not text:
        raise DomainError("Enter a recurrence rule, e.g. FREQ=WEEKLY.", field="rrule")
    if not re.fullmatch(r"[A-Z0-9=;,+\-]+", text):
        raise DomainError(
            "The recurrence rule may hold only letters, digits and = ; , + - (one line).",
            field="rrule",
        )
    parts = {}
    for piece in filter(None, text.split(";")):
        name, sep, value = piece.partition("=")
        if not sep or not value or name in parts:
            raise DomainError(f"The recurrence rule is not valid near {piece!r}.", field="rrule")
        parts[name] = value
    frequency = parts.get("FREQ")
    if frequency is None:
        raise DomainError("The rule needs a frequency, e.g. FREQ=WEEKLY.", field="rrule")
    if frequency not in SERIES_FREQUENCIES:
        raise DomainError(
            f"FREQ={frequency} repeats too often or is unknown: sessions repeat daily, weekly, "
            "monthly or yearly.",
            field="rrule",
        )
    forbidden = sorted(set(parts) & SERIES_FORBIDDEN_PARTS)
    if forbidden:
        raise DomainError(
            f"{forbidden[0]} is not allowed: the time of day comes from the start field.",
            field="rrule",
        )
    if "COUNT" in parts and count is None:
        if not parts["COUNT"].isdigit():
            raise DomainError("COUNT must be a whole number.", field="rrule")
        count = int(parts.pop("COUNT"))
    parts.pop("COUNT", None)
    if "UNTIL" in parts and until is None:
        match = re.fullmatch(r"(\d{4})(\d{2})(\d{2})(T\d{6}Z?)?", parts.pop("UNTIL"))
        if not match:
            raise DomainError("UNTIL must be a date such as 20270630.", field="rrule")
        try:
            until = dt.date(*(int(group) for group in match.groups()[:3]))
        except ValueError as error:
            raise DomainError("UNTIL is not a real date.", field="rrule") from error
    parts.pop("UNTIL", None)
    if count is not None and until is not None:
        raise DomainError("Give a number of sessions or an end date, not both.", field="count")
    if count is None and until is None:
        raise DomainError(
            "This rule repeats without end: give a number of sessions or an end date.",
            field="count",
        )
    if count is not None and not 1 <= count <= SERIES_MAX_OCCURRENCES:
        raise DomainError(
            f"A series has between 1 and {SERIES_MAX_OCCURRENCES} sessions.", field="count"
        )
    interval = parts.get("INTERVAL", "1")
    if not interval.isdigit() or not 1 <= int(interval) <= 52:
        raise DomainError("INTERVAL must be a whole number from 1 to 52.", field="rrule")
    if count is not None:
        parts["COUNT"] = str(count)
    else:
        parts["UNTIL"] = f"{until:%Y%m%d}T235959"
    return ";".join(f"{name}={value}" for name, value in parts.items())


def _rule_starts(*, rrule: str, first_local: dt.datetime, limit: int) -> list[dt.datetime]:
    try:
        rule = rrulestr(rrule, dtstart=first_local)
    except (ValueError, TypeError) as error:
        raise DomainError(f"The recurrence rule is not valid: {error}", field="rrule") from error
    starts = []
    for local_start in rule:
        starts.append(local_start)
        if len(starts) >= limit:
            break
    return starts


def series_occurrences(*, series: SessionSeries, until: dt.datetime) -> list[dt.datetime]:
    """Start times (aware, UTC) of a series up to `until`, keeping the local wall-clock time.

    The rule is evaluated on naive local times and each is then placed in the series' zone, so
    a noon session stays at noon across daylight-saving changes.
    """
    zone = ZoneInfo(series.timezone)
    first_local = timezone.localtime(series.first_start, zone).replace(tzinfo=None)
    until_local = timezone.localtime(until, zone).replace(tzinfo=None)
    try:
        rule = rrulestr(series.rrule, dtstart=first_local)
    except (ValueError, TypeError) as error:
        raise DomainError(f"The recurrence rule is not valid: {error}", field="rrule") from error
    starts = []
    for local_start in rule:
        if local_start > until_local or len(starts) >= SERIES_MAX_OCCURRENCES:
            break
        starts.append(local_start.replace(tzinfo=zone).astimezone(dt.UTC))
    return starts


def _template_from(fields: SessionFields) -> dict:
    template = _scalar_values(fields)
    cohort = template.pop("cohort")
    template.pop("title")
    template.pop("timezone")
    template["cohort_id"] = cohort.pk if cohort else None
    template["competency_ids"] = [c.pk for c in fields.competencies or []]
    template["facilitator_ids"] = [u.pk for u in fields.facilitators or []]
    template["presenter_ids"] = [u.pk for u in fields.presenters or []]
    local = timezone.localtime(fields.starts_at, ZoneInfo(fields.timezone))
    template["start_time"] = f"{local:%H:%M}"
    return template


SCALAR_TEMPLATE_KEYS = ("kind", "description", "visibility", "location", "video_url", "capacity")


@transaction.atomic
def series_expand(*, series: SessionSeries, template: dict | None = None) -> list[Session]:
    """Store the occurrences of a series within the horizon that are not stored yet.

    An occurrence is known by the start the rule gave it (`occurrence_start`), so one that was
    moved or cancelled is never made again. `template` adds fields (the demo's way in).
    """
    stored = series.template or {}
    existing = {
        original or start
        for original, start in series.sessions.values_list("occurrence_start", "starts_at")
    }
    zone = ZoneInfo(series.timezone)
    start_time = None
    if stored.get("start_time"):
        hour, minute = (int(part) for part in stored["start_time"].split(":"))
        start_time = dt.time(hour, minute)
    values = {key: stored[key] for key in SCALAR_TEMPLATE_KEYS if key in stored}
    values["materials"] = stored.get("materials", [])
    values.update(template or {})
    cohort_id = stored.get("cohort_id", series.cohort_id)
    duration = dt.timedelta(minutes=series.duration_minutes)
    created = []
    for original in series_occurrences(series=series, until=timezone.now() + SERIES_HORIZON):
        if original in existing:
            continue
        start = original
        if start_time is not None:
            local_day = original.astimezone(zone).date()
            start = dt.datetime.combine(local_day, start_time, tzinfo=zone).astimezone(dt.UTC)
        session = Session.objects.create(
            collaborative=series.collaborative,
            cohort_id=cohort_id,
            series=series,
            title=series.title,
            starts_at=start,
            ends_at=start + duration,
            timezone=series.timezone,
            occurrence_start=original,
            **values,
        )
        if stored.get("competency_ids"):
            session.competencies.set(stored["competency_ids"])
        if stored.get("facilitator_ids"):
            session.facilitators.set(stored["facilitator_ids"])
        if stored.get("presenter_ids"):
            session.presenters.set(stored["presenter_ids"])
        created.append(session)
    return created


@transaction.atomic
def series_schedule(
    *,
    actor,
    collaborative,
    fields: SessionFields,
    rrule: str,
    count: int | None = None,
    until: dt.date | None = None,
) -> SessionSeries:
    """Schedule a recurring series; its first start and length are those of `fields`."""
    _require(actor, "events.schedule_session", collaborative)
    _check_fields(fields=fields, collaborative=collaborative)
    normalized = rrule_normalize(rule=rrule, count=count, until=until)
    zone = ZoneInfo(fields.timezone)
    first_local = timezone.localtime(fields.starts_at, zone).replace(tzinfo=None)
    starts = _rule_starts(
        rrule=normalized, first_local=first_local, limit=SERIES_MAX_OCCURRENCES + 1
    )
    if not starts:
        raise DomainError("This rule gives no dates from the start you chose.", field="rrule")
    if len(starts) > SERIES_MAX_OCCURRENCES:
        raise DomainError(
            f"This rule gives more than {SERIES_MAX_OCCURRENCES} sessions; end it sooner.",
            field="until" if until else "rrule",
        )
    if any(b - a < SERIES_MIN_GAP for a, b in zip(starts, starts[1:], strict=False)):
        raise DomainError("Sessions of a series must be at least a day apart.", field="rrule")
    series = SessionSeries.objects.create(
        collaborative=collaborative,
        cohort=fields.cohort,
        title=fields.title.strip(),
        rrule=normalized,
        first_start=fields.starts_at,
        duration_minutes=int((fields.ends_at - fields.starts_at).total_seconds() // 60),
        timezone=fields.timezone,
        template=_template_from(fields),
    )
    created = series_expand(series=series)
    if not created:
        raise DomainError(
            "None of this series' sessions falls within the next 400 days.", field="rrule"
        )
    audit_record(
        actor=actor,
        action="events.series_scheduled",
        target=series,
        detail={"rrule": normalized, "sessions": len(created)},
    )
    return series


def series_extend_all() -> int:
    """Store occurrences that came within the horizon as time passed (the scheduler runs it)."""
    total = 0
    for series in SessionSeries.objects.all():
        try:
            total += len(series_expand(series=series))
        except DomainError:
            logger.warning("Series %s has a rule that no longer expands", series.pk)
    return total


# --- Editing and cancelling ---------------------------------------------------------------------

SCOPE_ONE, SCOPE_FOLLOWING, SCOPE_ALL = "one", "following", "all"


def _occurrences_in_scope(session: Session, scope: str) -> list[Session]:
    if scope == SCOPE_ONE or session.series_id is None:
        return [session]
    occurrences = Session.objects.filter(series_id=session.series_id, cancelled_at__isnull=True)
    key = session.occurrence_start or session.starts_at
    if scope == SCOPE_FOLLOWING:
        occurrences = occurrences.filter(
            Q(occurrence_start__gte=key) | Q(occurrence_start__isnull=True, starts_at__gte=key)
        )
    else:
        # "All" reaches every occurrence not over yet, and this one: finished sessions keep
        # the details their attendance was taken under.
        occurrences = occurrences.filter(Q(ends_at__gte=timezone.now()) | Q(pk=session.pk))
    return list(occurrences.select_for_update().order_by("starts_at", "id"))


@transaction.atomic
def session_update(
    *, actor, session: Session, fields: SessionFields, scope: str = SCOPE_ONE
) -> list[Session]:
    """Change one occurrence, this and the following ones, or all of a series.

    For several occurrences the new time of day, length and any shift of the date apply to
    each, in the (new) zone, so every one keeps its own day and the same wall-clock time.
    Nothing changes unless every occurrence accepts the change (capacity, etc.).
    """
    _require(actor, "events.change_session", session)
    if scope not in {SCOPE_ONE, SCOPE_FOLLOWING, SCOPE_ALL}:
        raise DomainError("Choose which sessions to change.", field="scope")
    _check_fields(fields=fields, collaborative=session.collaborative)
    targets = _occurrences_in_scope(session, scope)
    old_zone = ZoneInfo(session.timezone)
    new_zone = ZoneInfo(fields.timezone)
    new_local = timezone.localtime(fields.starts_at, new_zone)
    shift_days = new_local.date() - timezone.localtime(session.starts_at, old_zone).date()
    duration = fields.ends_at - fields.starts_at
    values = _scalar_values(fields)
    moved, changed = [], []
    for target in targets:
        if target.pk == session.pk:
            start = fields.starts_at
        else:
            day = timezone.localtime(target.starts_at, ZoneInfo(target.timezone)).date()
            start = dt.datetime.combine(day + shift_days, new_local.time(), tzinfo=new_zone)
        _check_capacity(target, fields.capacity)
        if start != target.starts_at or start + duration != target.ends_at:
            moved.append(target)
        for name, value in values.items():
            setattr(target, name, value)
        target.starts_at = start
        target.ends_at = start + duration
        if target.occurrence_start is None and target.series_id:
            target.occurrence_start = target.starts_at
        target.save()
        _set_relations(target, fields)
        changed.append(target)
        _promote_waitlist(target)
    if scope != SCOPE_ONE and session.series_id:
        series = session.series
        series.template = _template_from(fields)
        series.title = values["title"]
        series.duration_minutes = int(duration.total_seconds() // 60)
        series.timezone = fields.timezone
        series.save()
    for target in moved:
        _tell_rsvps(
            target,
            kind="session-moved",
            subject=f"New time: {target.title}",
            text=f"{target.title} moved to {_when(target)}.",
        )
    audit_record(
        actor=actor,
        action="events.session_changed",
        target=session,
        detail={"scope": scope, "sessions": [target.pk for target in changed]},
    )
    return changed


def _when(session: Session) -> str:
    local = timezone.localtime(session.starts_at, ZoneInfo(session.timezone))
    return f"{local:%A, %B} {local.day}, {local:%Y} at {local:%I:%M %p} ({session.timezone})"


def _tell_rsvps(session: Session, *, kind: str, subject: str, text: str) -> None:
    """In-app notification and email to everyone going or waitlisted, after commit."""
    people = list(
        Rsvp.objects.filter(
            session=session, status__in=[Rsvp.Status.GOING, Rsvp.Status.WAITLISTED]
        ).select_related("user")
    )
    if not people:
        return
    url = session.get_absolute_url()
    notify(user_ids=[rsvp.user_id for rsvp in people], kind=kind, text=text, url=url)
    addresses = [rsvp.user.email for rsvp in people if rsvp.user.email]
    body = f"{text}\n\n{_absolute(url)}\n"
    transaction.on_commit(lambda: _send_each(subject=subject, body=body, addresses=addresses))


def _send_each(*, subject: str, body: str, addresses: list[str]) -> None:
    with mail.get_connection() as connection:
        messages = [
            mail.EmailMessage(subject=subject, body=body, to=[address], connection=connection)
            for address in addresses
        ]
        connection.send_messages(messages)


@transaction.atomic
def session_cancel(*, actor, session: Session, note: str = "") -> Session:
    """Cancel one occurrence; everyone who RSVP'd is told in-app and by email."""
    _require(actor, "events.change_session", session)
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.cancelled_at:
        raise DomainError("This session is already cancelled.")
    if session.ends_at < timezone.now():
        raise DomainError("This session is over; it can no longer be cancelled.")
    session.cancelled_at = timezone.now()
    session.save(update_fields=["cancelled_at"])
    text = f"Cancelled: {session.title} on {_when(session)}."
    if note.strip():
        text += f" {note.strip()}"
    _tell_rsvps(session, kind="session-cancelled", subject=f"Cancelled: {session.title}", text=text)
    audit_record(
        actor=actor, action="events.session_cancelled", target=session, detail={"note": note}
    )
    return session


# --- RSVPs and the waitlist ---------------------------------------------------------------------


def _rsvp_one(*, user, session_id: int, going: bool) -> tuple[Session, str, list[int]]:
    """Set one RSVP under the session's row lock, so two people never take the last seat.

    Returns the session, the person's status and the ids of people promoted from the waitlist.
    """
    session = Session.objects.select_for_update().get(pk=session_id)
    if not user.has_perm("events.attend_session", session):
        # An occurrence of a series may have been narrowed to another cohort on its own.
        raise AccessDenied("Only members this session is for may RSVP.")
    if session.cancelled_at:
        raise DomainError("This session was cancelled.", code="cancelled")
    if session.ends_at < timezone.now():
        raise DomainError("This session is over.", code="over")
    rsvp = Rsvp.objects.filter(session=session, user=user).first()
    if going:
        if rsvp and rsvp.status in (Rsvp.Status.GOING, Rsvp.Status.WAITLISTED):
            return session, rsvp.status, []
        full = session.capacity is not None and _going_count(session) >= session.capacity
        status = Rsvp.Status.WAITLISTED if full else Rsvp.Status.GOING
        waitlisted_at = timezone.now() if full else None
        if rsvp is None:
            Rsvp.objects.create(
                session=session, user=user, status=status, waitlisted_at=waitlisted_at
            )
        else:
            rsvp.status, rsvp.waitlisted_at = status, waitlisted_at
            rsvp.save(update_fields=["status", "waitlisted_at", "updated_at"])
        return session, status, []
    was_going = rsvp is not None and rsvp.status == Rsvp.Status.GOING
    if rsvp is None:
        Rsvp.objects.create(session=session, user=user, status=Rsvp.Status.NOT_GOING)
    else:
        rsvp.status, rsvp.waitlisted_at = Rsvp.Status.NOT_GOING, None
        rsvp.save(update_fields=["status", "waitlisted_at", "updated_at"])
    promoted = _promote_waitlist(session) if was_going else []
    return session, Rsvp.Status.NOT_GOING, promoted


def _promote_waitlist(session: Session) -> list[int]:
    """Give free seats to the waitlist, earliest first, and tell each person promoted.

    Call with the session's row locked (inside the transaction that freed the seat)."""
    promoted = []
    while True:
        if session.capacity is not None and _going_count(session) >= session.capacity:
            break
        nxt = (
            Rsvp.objects.select_for_update()
            .filter(session=session, status=Rsvp.Status.WAITLISTED)
            .order_by("waitlisted_at", "id")
            .select_related("user")
            .first()
        )
        if nxt is None:
            break
        nxt.status, nxt.waitlisted_at = Rsvp.Status.GOING, None
        nxt.save(update_fields=["status", "waitlisted_at", "updated_at"])
        promoted.append(nxt.user)
    if promoted:
        text = f"A seat freed up: you are now going to {session.title} on {_when(session)}."
        notify(
            user_ids=[person.pk for person in promoted],
            kind="session-promoted",
            text=text,
            url=session.get_absolute_url(),
        )
        for person in promoted:
            transaction.on_commit(
                lambda person=person: _confirmation_send(
                    user=person, sessions=[session], status=Rsvp.Status.GOING, promoted=True
                )
            )
    return [person.pk for person in promoted]


def rsvps_release(*, user, only_lost_access: bool = False) -> int:
    """Drop RSVPs of `user`: every one (their account is going away), or with only_lost_access
    those of upcoming sessions they may no longer attend (they left the cohort). Each seat they
    held goes to that session's waitlist. Returns how many seats were freed.

    No permission check: the person may already have left their cohorts when this runs.
    """
    freed = 0
    upcoming = Rsvp.objects.filter(user=user, session__starts_at__gt=timezone.now())
    if only_lost_access:
        sessions = Session.objects.filter(pk__in=upcoming.values("session_id"))
        lost = sorted(s.pk for s in sessions if not user.has_perm("events.attend_session", s))
        upcoming = upcoming.filter(session_id__in=lost)
    going = sorted(upcoming.filter(status=Rsvp.Status.GOING).values_list("session_id", flat=True))
    for session_id in going:  # in id order, as rsvp_set locks, so the two never deadlock
        with transaction.atomic():
            session = Session.objects.select_for_update().get(pk=session_id)
            Rsvp.objects.filter(session=session, user=user).delete()
            if not session.cancelled_at:
                _promote_waitlist(session)
            freed += 1
    # Waitlist places (and, for a departing account, past answers) hold no seat.
    (upcoming if only_lost_access else Rsvp.objects.filter(user=user)).delete()
    return freed


def rsvp_set(*, user, session: Session, going: bool, whole_series: bool = False) -> dict:
    """RSVP going or not going to one occurrence, or to every upcoming one of its series.

    Returns {session_id: status}. A full occurrence puts the person on its waitlist. Each
    occurrence is set under its own row lock (in id order, so two series RSVPs never deadlock).
    """
    if not user.has_perm("events.attend_session", session):
        raise AccessDenied("Only members this session is for may RSVP.")
    if whole_series and session.series_id:
        ids = list(
            Session.objects.filter(
                series_id=session.series_id,
                cancelled_at__isnull=True,
                ends_at__gte=timezone.now(),
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    else:
        ids = [session.pk]
    results, sessions = {}, []
    with transaction.atomic():
        for session_id in ids:
            try:
                occurrence, status, _promoted = _rsvp_one(
                    user=user, session_id=session_id, going=going
                )
            except DomainError:
                if len(ids) == 1:
                    raise
                continue
            results[session_id] = status
            sessions.append(occurrence)
        if not results:
            raise DomainError("No upcoming session of this series takes RSVPs.")
        statuses = set(results.values())
        summary = statuses.pop() if len(statuses) == 1 else "mixed"
        transaction.on_commit(
            lambda: _confirmation_send(
                user=user, sessions=sessions, status=summary, results=results
            )
        )
    return results


def _confirmation_send(
    *,
    user,
    sessions: list[Session],
    status: str,
    results: dict | None = None,
    promoted: bool = False,
) -> None:
    """The RSVP confirmation email, with the session(s) as an .ics attachment when going."""
    if not user.email or not sessions:
        return
    from events import ical

    first = sessions[0]
    label = {
        Rsvp.Status.GOING: "You're going",
        Rsvp.Status.WAITLISTED: "You're on the waitlist",
        Rsvp.Status.NOT_GOING: "You're not going",
    }.get(status, "Your RSVPs")
    if promoted:
        label = "A seat freed up: you're going"
    more = f" (+{len(sessions) - 1} more)" if len(sessions) > 1 else ""
    subject = f"{label}: {first.title}{more}"
    lines = [f"Hello {user.name},", ""]
    statuses = dict(Rsvp.Status.choices)
    for session in sessions:
        state = statuses.get((results or {}).get(session.pk, status), label)
        lines.append(f"- {session.title}, {_when(session)}: {state}")
    lines += ["", _absolute(first.get_absolute_url())]
    message = mail.EmailMessage(subject=subject, body="\n".join(lines) + "\n", to=[user.email])
    going = [s for s in sessions if (results or {}).get(s.pk, status) == Rsvp.Status.GOING]
    if going:
        if len(going) == 1:
            data = ical.session_ics(session=going[0], viewer=user)
        else:
            data = ical.sessions_ics(sessions=going, viewer=user, name=going[0].title)
        message.attach("session.ics", data, "text/calendar; charset=utf-8; method=PUBLISH")
    message.send()


# --- Attendance ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceEntry:
    user_id: int
    status: str
    minutes: int


@transaction.atomic
def attendance_save(
    *, actor, session: Session, entries: list[AttendanceEntry], close: bool = False
) -> bool:
    """Record the roster of an occurrence; `close` closes attendance.

    Closing, and every change after closing, sends `attendance_closed` with the whole roster
    and writes an audit entry. Returns whether the signal was sent. Bad rows change nothing.
    """
    from events.selectors import attendance_roster

    _require(actor, "events.take_attendance", session)
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.cancelled_at:
        raise DomainError("This session was cancelled; it has no attendance.")
    if session.starts_at > timezone.now():
        raise DomainError("Attendance opens when the session starts.")
    roster = {row["user"].pk: row for row in attendance_roster(session=session)}
    full = session.duration_minutes
    cleaned = {}
    for entry in entries:
        person = roster.get(entry.user_id)
        if person is None:
            raise DomainError("Someone on the list is not among this session's members.")
        name = person["user"].name
        if entry.status not in Attendance.Status.values:
            raise DomainError(f"Choose present, partly present or absent for {name}.")
        minutes = entry.minutes
        if minutes < 0 or minutes > full:
            raise DomainError(f"Minutes for {name} must be between 0 and {full}.")
        if entry.status == Attendance.Status.ABSENT:
            minutes = 0
        elif entry.status == Attendance.Status.PRESENT and minutes == 0:
            minutes = full
        elif entry.status == Attendance.Status.PARTIAL and not 0 < minutes < full:
            raise DomainError(
                f"Partly present means some minutes: between 1 and {full - 1} for {name}."
            )
        cleaned[entry.user_id] = (entry.status, minutes)
    existing = {row.user_id: row for row in Attendance.objects.filter(session=session)}
    changed = False
    for user_id, (status, minutes) in cleaned.items():
        row = existing.get(user_id)
        if row is None:
            existing[user_id] = Attendance.objects.create(
                session=session, user_id=user_id, status=status, minutes=minutes, updated_by=actor
            )
            changed = True
        elif (row.status, row.minutes) != (status, minutes):
            row.status, row.minutes, row.updated_by = status, minutes, actor
            row.save(update_fields=["status", "minutes", "updated_by", "updated_at"])
            changed = True
    was_closed = session.attendance_closed_at is not None
    if close and not was_closed:
        session.attendance_closed_at = timezone.now()
        session.save(update_fields=["attendance_closed_at"])
    if not session.attendance_closed_at or (was_closed and not changed):
        return False
    outcomes = [
        AttendanceOutcome(member_id=row.user_id, status=row.status, minutes=row.minutes)
        for row in sorted(existing.values(), key=lambda row: row.user_id)
    ]
    audit_record(
        actor=actor,
        action="events.attendance_changed" if was_closed else "events.attendance_closed",
        target=session,
        detail={
            "outcomes": [
                {"member_id": o.member_id, "status": o.status, "minutes": o.minutes}
                for o in outcomes
            ]
        },
    )
    attendance_closed.send(sender=Session, session=session, outcomes=outcomes, actor=actor)
    return True


# --- Messages -----------------------------------------------------------------------------------


def session_message_send(*, actor, session: Session, audience: str, subject: str, body: str) -> int:
    """Email and notify attendees ("attendees") or people who RSVP'd ("rsvp"); returns how many."""
    from events.selectors import session_message_recipients

    _require(actor, "events.message_attendees", session)
    if audience not in {"attendees", "rsvp"}:
        raise DomainError("Choose who gets the message.", field="audience")
    subject, body = subject.strip(), body.strip()
    if not subject:
        raise DomainError("Give the message a subject.", field="subject")
    if len(subject) > MESSAGE_SUBJECT_MAX:
        raise DomainError("The subject is too long.", field="subject")
    if not body:
        raise DomainError("Write the message.", field="body")
    people = list(session_message_recipients(session=session, audience=audience))
    if not people:
        raise DomainError(
            "Nobody to send to yet: nobody attended."
            if audience == "attendees"
            else "Nobody to send to yet: nobody RSVP'd.",
            field="audience",
        )
    with transaction.atomic():
        notify(
            user_ids=[person.pk for person in people],
            kind="session-message",
            text=f"{session.title}: {subject}",
            url=session.get_absolute_url(),
        )
        audit_record(
            actor=actor,
            action="events.message_sent",
            target=session,
            detail={"audience": audience, "subject": subject, "recipients": len(people)},
        )
        text = f"{body}\n\n{actor.name}, about {session.title} ({_when(session)})\n"
        text += _absolute(session.get_absolute_url()) + "\n"
        addresses = [person.email for person in people if person.email]
        transaction.on_commit(
            lambda: _send_each(
                subject=f"{session.title}: {subject}", body=text, addresses=addresses
            )
        )
    return len(people)


# --- Reminders ----------------------------------------------------------------------------------

REMINDER_BEFORE = {
    ReminderSent.Kind.DAY: dt.timedelta(days=1),
    ReminderSent.Kind.HOUR: dt.timedelta(hours=1),
}
WANTS = {
    ReminderPreference.Choice.BOTH: {ReminderSent.Kind.DAY, ReminderSent.Kind.HOUR},
    ReminderPreference.Choice.DAY: {ReminderSent.Kind.DAY},
    ReminderPreference.Choice.HOUR: {ReminderSent.Kind.HOUR},
    ReminderPreference.Choice.NONE: set(),
}


def reminder_preference_set(*, user, choice: str) -> ReminderPreference:
    if choice not in ReminderPreference.Choice.values:
        raise DomainError("Choose which reminders you want.", field="choice")
    preference, _ = ReminderPreference.objects.update_or_create(
        user=user, defaults={"choice": choice}
    )
    return preference


def reminders_send(*, now: dt.datetime | None = None) -> int:
    """Email the day-before and hour-before reminders that are due; returns how many were sent.

    A day reminder is due from 24 h before the start until the hour reminder takes over; an
    hour reminder from 1 h before until the start. Each (session, person, kind) is recorded
    before its email goes, under a unique constraint, so a second run (or a parallel one)
    never sends it again. A lost email is not retried: one missed reminder beats a duplicate.
    """
    now = now or timezone.now()
    preferences = dict(ReminderPreference.objects.values_list("user_id", "choice"))
    sent = 0
    going = (
        Rsvp.objects.filter(
            status=Rsvp.Status.GOING,
            session__cancelled_at__isnull=True,
            session__starts_at__gt=now,
            session__starts_at__lte=now + REMINDER_BEFORE[ReminderSent.Kind.DAY],
            user__is_active=True,
        )
        .select_related("session", "user")
        .order_by("session__starts_at", "id")
    )
    for rsvp in going:
        session = rsvp.session
        wanted = WANTS[preferences.get(rsvp.user_id, ReminderPreference.Choice.BOTH)]
        left = session.starts_at - now
        kind = (
            ReminderSent.Kind.HOUR
            if left <= REMINDER_BEFORE[ReminderSent.Kind.HOUR]
            else (ReminderSent.Kind.DAY)
        )
        if kind not in wanted or not rsvp.user.email:
            continue
        try:
            with transaction.atomic():
                ReminderSent.objects.create(session=session, user=rsvp.user, kind=kind)
        except IntegrityError:
            continue
        when = "tomorrow" if kind == ReminderSent.Kind.DAY else "in an hour"
        body = (
            f"Hello {rsvp.user.name},\n\n{session.title} starts {when}: {_when(session)}.\n\n"
            f"{_absolute(session.get_absolute_url())}\n\n"
            f"Choose your reminders: {_absolute(reverse('events:reminders'))}\n"
        )
        try:
            mail.EmailMessage(
                subject=f"Reminder: {session.title} {when}", body=body, to=[rsvp.user.email]
            ).send()
            sent += 1
        except Exception:
            logger.exception("Reminder for session %s to user %s failed", session.pk, rsvp.user_id)
    return sent


def reminders_job() -> None:
    """The scheduler's job: extend series to the horizon, then send due reminders."""
    series_extend_all()
    reminders_send()
