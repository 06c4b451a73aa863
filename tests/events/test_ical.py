"""Calendar files and feeds: what they contain, who gets which, and hostile text staying inert."""

import datetime as dt
import hashlib
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from events import feed_services, ical
from events.models import CalendarFeedToken, Rsvp, Visibility
from tests.factories import CohortFactory, MembershipFactory, SessionFactory, UserFactory

NEW_YORK = ZoneInfo("America/New_York")


def _events(body: bytes) -> list:
    calendar = icalendar.Calendar.from_ical(body)
    return list(calendar.walk("VEVENT"))


def _summaries(body: bytes) -> set[str]:
    return {str(event["SUMMARY"]) for event in _events(body)}


@pytest.fixture
def cohort_member(db):
    membership = MembershipFactory()
    return membership.user, membership.cohort


def test_session_ics_carries_zone_uid_and_times(cohort_member):
    user, cohort = cohort_member
    start = dt.datetime(2027, 1, 12, 12, 0, tzinfo=NEW_YORK)
    session = SessionFactory(
        collaborative=cohort.collaborative,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=90),
        timezone="America/New_York",
    )

    first = ical.session_ics(session=session, viewer=user)
    second = ical.session_ics(session=session, viewer=user)

    (event,) = _events(first)
    assert event["UID"] == _events(second)[0]["UID"]
    assert event.decoded("DTSTART") == start
    assert event["DTSTART"].params["TZID"] == "America/New_York"
    assert event.decoded("DTEND") - event.decoded("DTSTART") == dt.timedelta(minutes=90)
    zones = icalendar.Calendar.from_ical(first).walk("VTIMEZONE")
    assert [str(zone["TZID"]) for zone in zones] == ["America/New_York"]
    assert not [e for e in _events(first) if "RECURRENCE-ID" in e]


def test_feed_keeps_local_wall_clock_across_daylight_saving_changes(cohort_member):
    user, cohort = cohort_member
    starts = [
        dt.datetime(2026, 10, 27, 12, 0, tzinfo=NEW_YORK),  # EDT
        dt.datetime(2026, 11, 3, 12, 0, tzinfo=NEW_YORK),  # EST, after 2026-11-01
        dt.datetime(2027, 3, 16, 12, 0, tzinfo=NEW_YORK),  # EDT again, after 2027-03-14
    ]
    sessions = [
        SessionFactory(
            collaborative=cohort.collaborative, starts_at=s, ends_at=s + dt.timedelta(hours=1)
        )
        for s in starts
    ]

    body = ical.sessions_ics(sessions=sessions, viewer=user, name="Cohort")

    local = [event.decoded("DTSTART").astimezone(NEW_YORK) for event in _events(body)]
    assert [(moment.hour, moment.minute) for moment in local] == [(12, 0)] * 3
    utc_hours = [event.decoded("DTSTART").astimezone(dt.UTC).hour for event in _events(body)]
    assert utc_hours == [16, 17, 16]


@pytest.mark.parametrize(
    "title",
    [
        "Evil\r\nBEGIN:VEVENT\r\nSUMMARY:Injected\r\nEND:VEVENT",
        "Evil\nEND:VCALENDAR\nBEGIN:VCALENDAR",
        "Line\\nbreak; semi, comma: colon",
        # No NUL: PostgreSQL text cannot hold one, and forms refuse it before it is stored.
        "Tab\there, a bell\x07 and an escape\x1b[31m",
    ],
    ids=["crlf-vevent", "lf-vcalendar", "escapes", "control-characters"],
)
def test_hostile_titles_stay_one_event_with_one_line_summary(cohort_member, title):
    user, cohort = cohort_member
    session = SessionFactory(collaborative=cohort.collaborative, title=title)

    body = ical.session_ics(session=session, viewer=user)

    assert len(_events(body)) == 1
    lines = body.split(b"\r\n")
    # The words may appear inside the escaped summary, never as a line of their own.
    assert lines.count(b"BEGIN:VCALENDAR") == lines.count(b"END:VCALENDAR") == 1
    assert lines.count(b"BEGIN:VEVENT") == lines.count(b"END:VEVENT") == 1
    assert not [line for line in lines if line.startswith(b"SUMMARY:Injected")]
    (summary,) = _summaries(body)
    assert not [ch for ch in summary if ch < " " or ch == "\x7f"]
    for line in body.split(b"\r\n"):
        assert b"\n" not in line and b"\r" not in line


def test_escaped_text_round_trips_exactly(cohort_member):
    user, cohort = cohort_member
    title = 'Reflective practice; "holding", the baby \\ in mind'
    session = SessionFactory(collaborative=cohort.collaborative, title=title)

    assert _summaries(ical.session_ics(session=session, viewer=user)) == {title}


def test_long_lines_are_folded_at_75_octets(cohort_member):
    user, cohort = cohort_member
    session = SessionFactory(collaborative=cohort.collaborative, title="Ä long title " * 15)

    body = ical.session_ics(session=session, viewer=user)

    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    assert _summaries(body) == {("Ä long title " * 15).strip()}


def test_feed_carries_no_description_or_case_content(cohort_member):
    user, cohort = cohort_member
    session = SessionFactory(
        collaborative=cohort.collaborative, description="Case: Mom Jane Doe, DOB 2025-01-02"
    )

    body = ical.session_ics(session=session, viewer=user)

    assert b"Jane" not in body and b"2025-01-02" not in body


def test_location_only_for_people_who_may_attend(cohort_member):
    user, cohort = cohort_member
    session = SessionFactory(
        collaborative=cohort.collaborative,
        visibility=Visibility.PUBLIC,
        location="Room 12, Harrisburg",
        video_url="https://video.example.org/join/secret-room",
    )

    for_member = _events(ical.session_ics(session=session, viewer=user))[0]
    for_visitor = _events(ical.session_ics(session=session, viewer=AnonymousUser()))[0]

    assert "secret-room" in str(for_member["LOCATION"])
    assert "LOCATION" not in for_visitor


def test_cancelled_session_is_marked_cancelled(cohort_member):
    user, cohort = cohort_member
    session = SessionFactory(collaborative=cohort.collaborative, cancelled_at=timezone.now())

    (event,) = _events(ical.session_ics(session=session, viewer=user))

    assert event["STATUS"] == "CANCELLED"


# --- feed tokens -------------------------------------------------------------------------------


def test_token_is_128_bits_and_stored_only_as_hash(db):
    user = UserFactory()

    token = feed_services.calendar_feed_token_rotate(user=user)

    record = CalendarFeedToken.objects.get(user=user)
    assert len(token) == 22  # 16 bytes, URL-safe base64 without padding
    assert record.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in record.token_hash
    assert feed_services.calendar_feed_user_for(token=token) == user


@pytest.mark.parametrize(
    "token",
    ["", "short", "x" * 200, "../../etc/passwd-xxxxxx", "AAAAAAAAAAAAAAAAAAAAA%", None, 12],
    ids=["empty", "short", "long", "path", "bad-char", "none", "number"],
)
def test_malformed_tokens_find_nobody(db, token):
    UserFactory()

    assert feed_services.calendar_feed_user_for(token=token) is None


def test_rotate_invalidates_old_address_and_revoke_stops_the_feed(client, db):
    user = UserFactory()
    old = feed_services.calendar_feed_token_rotate(user=user)
    new = feed_services.calendar_feed_token_rotate(user=user)

    assert client.get(reverse("events:member_calendar", args=[old])).status_code == 404
    assert client.get(reverse("events:member_calendar", args=[new])).status_code == 200

    assert feed_services.calendar_feed_token_revoke(user=user) is True
    assert client.get(reverse("events:member_calendar", args=[new])).status_code == 404
    actions = list(
        AuditEntry.objects.filter(actor=user).order_by("id").values_list("action", flat=True)
    )
    assert actions == ["calendar_feed.create", "calendar_feed.rotate", "calendar_feed.revoke"]


def test_deactivated_member_feed_stops(client, db):
    user = UserFactory()
    token = feed_services.calendar_feed_token_rotate(user=user)
    user.is_active = False
    user.save()

    assert client.get(reverse("events:member_calendar", args=[token])).status_code == 404


# --- personal feed -----------------------------------------------------------------------------


def test_personal_feed_lists_rsvps_going_and_waitlisted_only(client, cohort_member):
    user, cohort = cohort_member
    going = SessionFactory(collaborative=cohort.collaborative, title="Going one")
    waiting = SessionFactory(collaborative=cohort.collaborative, title="Waitlisted one")
    declined = SessionFactory(collaborative=cohort.collaborative, title="Declined one")
    SessionFactory(collaborative=cohort.collaborative, title="No answer")
    Rsvp.objects.create(session=going, user=user, status=Rsvp.Status.GOING)
    Rsvp.objects.create(session=waiting, user=user, status=Rsvp.Status.WAITLISTED)
    Rsvp.objects.create(session=declined, user=user, status=Rsvp.Status.NOT_GOING)
    token = feed_services.calendar_feed_token_rotate(user=user)

    response = client.get(reverse("events:member_calendar", args=[token]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in response["Cache-Control"]
    statuses = {str(e["SUMMARY"]): str(e["STATUS"]) for e in _events(response.content)}
    assert statuses == {"Going one": "CONFIRMED", "Waitlisted one": "TENTATIVE"}


def test_personal_feed_drops_sessions_of_a_cohort_the_member_left(client, db):
    membership = MembershipFactory()
    session = SessionFactory(
        collaborative=membership.cohort.collaborative,
        cohort=membership.cohort,
        visibility=Visibility.COHORT,
        title="Cohort only",
    )
    Rsvp.objects.create(session=session, user=membership.user, status=Rsvp.Status.GOING)
    token = feed_services.calendar_feed_token_rotate(user=membership.user)
    url = reverse("events:member_calendar", args=[token])
    assert _summaries(client.get(url).content) == {"Cohort only"}

    membership.left_at = timezone.now()
    membership.save()

    assert _summaries(client.get(url).content) == set()


# --- collaborative feed ------------------------------------------------------------------------


@pytest.fixture
def collaborative_sessions(db):
    cohort = CohortFactory()
    other_cohort = CohortFactory(collaborative=cohort.collaborative)
    for title, visibility, session_cohort in [
        ("Public talk", Visibility.PUBLIC, None),
        ("Members session", Visibility.COLLABORATIVE, None),
        ("Our cohort", Visibility.COHORT, cohort),
        ("Their cohort", Visibility.COHORT, other_cohort),
    ]:
        SessionFactory(
            collaborative=cohort.collaborative,
            title=title,
            visibility=visibility,
            cohort=session_cohort,
        )
    SessionFactory(title="Another collaborative", visibility=Visibility.PUBLIC)
    return cohort


def test_collaborative_feed_for_visitors_has_public_sessions_only(client, collaborative_sessions):
    url = reverse("events:collaborative_calendar", args=[collaborative_sessions.collaborative.slug])

    response = client.get(url)

    assert response.status_code == 200
    assert _summaries(response.content) == {"Public talk"}


def test_collaborative_feed_with_token_adds_what_the_member_may_attend(
    client, collaborative_sessions
):
    member = MembershipFactory(cohort=collaborative_sessions).user
    token = feed_services.calendar_feed_token_rotate(user=member)
    url = reverse("events:collaborative_calendar", args=[collaborative_sessions.collaborative.slug])

    response = client.get(url, {"token": token})

    assert _summaries(response.content) == {"Public talk", "Members session", "Our cohort"}
    assert "private" in response["Cache-Control"]


def test_collaborative_feed_with_outsiders_token_stays_public(client, collaborative_sessions):
    outsider = UserFactory()
    token = feed_services.calendar_feed_token_rotate(user=outsider)
    url = reverse("events:collaborative_calendar", args=[collaborative_sessions.collaborative.slug])

    assert _summaries(client.get(url, {"token": token}).content) == {"Public talk"}


@pytest.mark.parametrize("token", ["", "not-a-token", "A" * 22])
def test_collaborative_feed_with_bad_token_is_refused(client, collaborative_sessions, token):
    url = reverse("events:collaborative_calendar", args=[collaborative_sessions.collaborative.slug])

    response = client.get(url, {"token": token})

    assert response.status_code == 404
    assert b"BEGIN:VCALENDAR" not in response.content


def test_unknown_collaborative_feed_is_404(client, db):
    assert client.get("/events/no-such-collaborative/calendar.ics").status_code == 404


# --- one session download ----------------------------------------------------------------------


def test_session_download_is_an_attachment_for_those_who_may_see_it(client, cohort_member):
    user, cohort = cohort_member
    session = SessionFactory(
        collaborative=cohort.collaborative,
        cohort=cohort,
        visibility=Visibility.COHORT,
        title="Case consultation",
    )
    url = reverse("events:session_ics", args=[session.pk])

    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(user)
    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert _summaries(response.content) == {"Case consultation"}


def test_public_session_download_for_visitors(client, db):
    session = SessionFactory(visibility=Visibility.PUBLIC, title="Open webinar")

    response = client.get(reverse("events:session_ics", args=[session.pk]))

    assert response.status_code == 200
    assert _summaries(response.content) == {"Open webinar"}


# --- the feed page -----------------------------------------------------------------------------


def test_feed_page_needs_sign_in(client, db):
    response = client.get(reverse("events:calendar_feed"))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_feed_page_shows_the_address_once(client, cohort_member):
    user, _ = cohort_member
    client.force_login(user)

    made = client.post(reverse("events:calendar_feed"), {"action": "rotate"})
    later = client.get(reverse("events:calendar_feed"))

    token_url = made.context["personal_url"]
    token = token_url.rsplit("/", 1)[1].removesuffix(".ics")
    assert feed_services.calendar_feed_user_for(token=token) == user
    assert token in made.content.decode()
    assert made["Cache-Control"] == "no-store"
    assert token not in later.content.decode()
    assert "Make a new address" in later.content.decode()


def test_feed_page_unknown_action_changes_nothing(client, db):
    user = UserFactory()
    client.force_login(user)

    response = client.post(reverse("events:calendar_feed"), {"action": "steal"}, follow=True)

    assert "Choose to make a new address" in response.content.decode()
    assert not CalendarFeedToken.objects.filter(user=user).exists()


def test_feed_page_revoke(client, db):
    user = UserFactory()
    token = feed_services.calendar_feed_token_rotate(user=user)
    client.force_login(user)

    response = client.post(reverse("events:calendar_feed"), {"action": "revoke"}, follow=True)

    assert "no longer works" in response.content.decode()
    assert feed_services.calendar_feed_user_for(token=token) is None
