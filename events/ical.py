"""iCalendar (RFC 5545) files of sessions: one session, a collaborative's feed, a member's feed.

Each stored occurrence is its own VEVENT with its own UID, never a recurrence master with
RECURRENCE-ID overrides: occurrences are edited and cancelled one by one, and independent events
are what Outlook and Google import without surprises. Times carry the session's IANA zone (TZID)
with a VTIMEZONE made from the zone database, so a subscriber abroad sees the right hour.

Feeds hold no case content: title, kind, collaborative, times, status and the session's address;
the location and video link only for someone who may attend. Text escaping and line folding are
the icalendar library's, which follows RFC 5545.
"""

import datetime as dt
from collections.abc import Iterable
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from events.models import Rsvp, Session

PRODUCT_ID = "-//IMH Learning Collaborative//Sessions//EN"
# Calendar apps poll feeds; this tells them how often is enough.
REFRESH_INTERVAL = dt.timedelta(hours=1)


def _clean(text: str) -> str:
    """Drop control characters (line breaks included) so a title stays one line of text.

    icalendar would escape a line break correctly; removing it keeps titles on one line in every
    client, and a stray carriage return can never reach a client that mis-parses escapes.
    """
    return "".join(ch if ch >= " " and ch != "\x7f" else " " for ch in text).strip()


def _absolute(path: str) -> str:
    return f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}{path}"


def _uid_domain() -> str:
    # A UID must stay the same across feed fetches, so it is built from the site's address.
    return urlsplit(settings.WAGTAILADMIN_BASE_URL).hostname or "localhost"


def _session_path(session: Session) -> str:
    if hasattr(session, "get_absolute_url"):
        return session.get_absolute_url()
    return reverse("events:list")


def _event(session: Session, *, show_location: bool, status: str | None) -> icalendar.Event:
    zone = ZoneInfo(session.timezone)
    event = icalendar.Event()
    event.add("uid", f"session-{session.pk}@{_uid_domain()}")
    event.add("dtstamp", timezone.now().astimezone(dt.UTC))
    event.add("dtstart", session.starts_at.astimezone(zone))
    event.add("dtend", session.ends_at.astimezone(zone))
    event.add("summary", _clean(session.title))
    lines = [session.get_kind_display(), session.collaborative.name]
    event.add("description", _clean(" · ".join(lines)))
    event.add("url", _absolute(_session_path(session)))
    if show_location:
        where = [part for part in (session.location, session.video_url) if part]
        if where:
            event.add("location", _clean(" · ".join(where)))
    if session.cancelled_at:
        event.add("status", "CANCELLED")
    elif status == Rsvp.Status.WAITLISTED:
        event.add("status", "TENTATIVE")
    else:
        event.add("status", "CONFIRMED")
    return event


def _calendar(name: str) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _clean(name))
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    return calendar


def _may_attend(viewer, session: Session) -> bool:
    return bool(viewer is not None and viewer.has_perm("events.attend_session", session))


def sessions_ics(
    *,
    sessions: Iterable[Session],
    viewer,
    name: str,
    statuses: dict[int, str] | None = None,
) -> bytes:
    """A calendar of these sessions (already filtered to what `viewer` may see)."""
    calendar = _calendar(name)
    statuses = statuses or {}
    for session in sessions:
        calendar.add_component(
            _event(
                session,
                show_location=_may_attend(viewer, session),
                status=statuses.get(session.pk),
            )
        )
    calendar.add_missing_timezones()
    return calendar.to_ical()


def session_ics(*, session: Session, viewer) -> bytes:
    """One session as a calendar file ("add to calendar", the RSVP confirmation attachment)."""
    status = None
    if viewer is not None and viewer.is_authenticated:
        status = (
            Rsvp.objects.filter(session=session, user=viewer)
            .values_list("status", flat=True)
            .first()
        )
    return sessions_ics(
        sessions=[session],
        viewer=viewer,
        name=session.title,
        statuses={session.pk: status} if status else None,
    )
