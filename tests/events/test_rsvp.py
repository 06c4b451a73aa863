"""RSVPs: going, not going, the waitlist and its promotions, series-wide answers, emails."""

import datetime as dt

import icalendar
import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Notification
from events.models import Rsvp, SessionSeries, Visibility
from events.services import series_expand

pytestmark = pytest.mark.django_db


def _rsvp(client, session, going="yes", **extra):
    return client.post(f"/events/sessions/{session.pk}/rsvp/", {"going": going, **extra})


def _status(session, user):
    return Rsvp.objects.filter(session=session, user=user).values_list("status", flat=True).first()


def test_member_rsvps_going_and_gets_a_confirmation_with_a_calendar_file(
    sign_in, members, make_session, commit
):
    session = make_session(title="Learning session", video_url="https://video.example.org/x")

    with commit():
        response = _rsvp(sign_in(members[0]), session)

    assert response.status_code == 302
    assert _status(session, members[0]) == Rsvp.Status.GOING
    (message,) = mail.outbox
    assert message.to == [members[0].email]
    assert message.subject == "You're going: Learning session"
    (name, content, mimetype) = message.attachments[0]
    assert name.endswith(".ics")
    assert mimetype.startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(content)
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Learning session"


def test_not_going(sign_in, members, make_session, commit):
    session = make_session()

    with commit():
        _rsvp(sign_in(members[0]), session, going="no")

    assert _status(session, members[0]) == Rsvp.Status.NOT_GOING
    assert all(not m.attachments for m in mail.outbox)


def test_full_session_waitlists_then_promotes_the_first_when_a_seat_frees(
    sign_in, members, make_session, commit
):
    session = make_session(capacity=1, title="Small group")
    first, second, third = members

    with commit():
        _rsvp(sign_in(first), session)
        waitlisted = _rsvp(sign_in(second), session)
        _rsvp(sign_in(third), session)

    assert _status(session, first) == Rsvp.Status.GOING
    assert _status(session, second) == Rsvp.Status.WAITLISTED
    assert _status(session, third) == Rsvp.Status.WAITLISTED
    assert waitlisted.status_code == 302
    mail.outbox.clear()

    with commit():
        _rsvp(sign_in(first), session, going="no")

    assert _status(session, first) == Rsvp.Status.NOT_GOING
    assert _status(session, second) == Rsvp.Status.GOING
    assert _status(session, third) == Rsvp.Status.WAITLISTED
    note = Notification.objects.get(kind="session-promoted")
    assert note.user == second
    assert "Small group" in note.text
    promoted_mail = [m for m in mail.outbox if m.to == [second.email]]
    assert len(promoted_mail) == 1
    assert "seat freed up" in promoted_mail[0].subject


def test_rsvp_going_twice_keeps_the_place(sign_in, members, make_session):
    session = make_session(capacity=1)
    _rsvp(sign_in(members[0]), session)
    _rsvp(sign_in(members[1]), session)

    _rsvp(sign_in(members[1]), session)

    assert _status(session, members[1]) == Rsvp.Status.WAITLISTED
    assert Rsvp.objects.filter(session=session).count() == 2


def test_waitlist_page_says_so(sign_in, members, make_session):
    session = make_session(capacity=1)
    _rsvp(sign_in(members[0]), session)

    response = _rsvp(sign_in(members[1]), session)
    page = sign_in(members[1]).get(response["Location"]).content.decode()

    assert "You&#x27;re on the waitlist" in page or "You're on the waitlist" in page


def test_raising_capacity_promotes_the_waitlist(sign_in, facilitator, members, make_session):
    from events.forms import SessionForm

    session = make_session(capacity=1)
    _rsvp(sign_in(members[0]), session)
    _rsvp(sign_in(members[1]), session)
    data = {k: v for k, v in SessionForm.initial_for(session).items() if v not in (None, [])}
    data.update(capacity="2", cohort="")

    response = sign_in(facilitator).post(f"/events/sessions/{session.pk}/edit/", data)

    assert response.status_code == 302
    assert _status(session, members[1]) == Rsvp.Status.GOING


def test_rsvp_to_all_in_a_series(sign_in, members, cohort, commit):
    start = timezone.now() + dt.timedelta(days=2)
    series = SessionSeries.objects.create(
        collaborative=cohort.collaborative,
        title="Weekly consultation",
        rrule="FREQ=WEEKLY;COUNT=4",
        first_start=start,
        duration_minutes=60,
        timezone="America/New_York",
    )
    sessions = series_expand(series=series)

    with commit():
        response = _rsvp(sign_in(members[0]), sessions[1], series="on")

    assert response.status_code == 302
    assert [_status(s, members[0]) for s in sessions] == [Rsvp.Status.GOING] * 4
    (message,) = mail.outbox
    calendar = icalendar.Calendar.from_ical(message.attachments[0][1])
    assert len(calendar.walk("VEVENT")) == 4


def test_rsvp_one_in_a_series_leaves_the_others(sign_in, members, cohort):
    start = timezone.now() + dt.timedelta(days=2)
    series = SessionSeries.objects.create(
        collaborative=cohort.collaborative,
        title="Weekly",
        rrule="FREQ=WEEKLY;COUNT=3",
        first_start=start,
        timezone="America/New_York",
    )
    sessions = series_expand(series=series)

    _rsvp(sign_in(members[0]), sessions[1])

    assert [_status(s, members[0]) for s in sessions] == [None, Rsvp.Status.GOING, None]


def test_outsider_cannot_rsvp_even_to_a_public_session(sign_in, outsider, make_session):
    session = make_session(visibility=Visibility.PUBLIC)

    response = _rsvp(sign_in(outsider), session)
    page = sign_in(outsider).get(response["Location"]).content.decode()

    assert Rsvp.objects.count() == 0
    assert "Only members this session is for may RSVP." in page


def test_rsvp_to_an_invisible_session_is_404(sign_in, outsider, make_session):
    session = make_session(visibility=Visibility.COLLABORATIVE)

    assert _rsvp(sign_in(outsider), session).status_code == 404
    assert Rsvp.objects.count() == 0


def test_rsvp_to_a_cancelled_or_past_session_is_refused(sign_in, members, make_session):
    cancelled = make_session(cancelled_at=timezone.now())
    past_start = timezone.now() - dt.timedelta(days=2)
    past = make_session(starts_at=past_start, ends_at=past_start + dt.timedelta(hours=1))
    client = sign_in(members[0])

    first = client.get(_rsvp(client, cancelled)["Location"]).content.decode()
    second = client.get(_rsvp(client, past)["Location"]).content.decode()

    assert "This session was cancelled." in first
    assert "This session is over." in second
    assert Rsvp.objects.count() == 0


def test_bad_rsvp_value_changes_nothing(sign_in, members, make_session):
    session = make_session()
    client = sign_in(members[0])

    response = _rsvp(client, session, going="maybe")

    assert "Choose going or not going." in client.get(response["Location"]).content.decode()
    assert Rsvp.objects.count() == 0


def test_rsvp_needs_post(sign_in, members, make_session):
    session = make_session()

    response = sign_in(members[0]).get(f"/events/sessions/{session.pk}/rsvp/")

    assert response.status_code == 405


def test_a_member_removed_from_the_cohort_gives_up_their_seat_to_the_waitlist(
    sign_in, members, facilitator, cohort, make_session, commit
):
    from collaboratives.services import membership_remove

    session = make_session(capacity=1, title="Small group")
    public = make_session(capacity=1, visibility=Visibility.PUBLIC, title="Open to all")
    leaving, waiting, _ = members
    with commit():
        _rsvp(sign_in(leaving), session)
        _rsvp(sign_in(waiting), session)
        _rsvp(sign_in(leaving), public)
    assert _status(session, waiting) == Rsvp.Status.WAITLISTED

    with commit():
        membership_remove(cohort=cohort, user=leaving, by=facilitator)

    assert _status(session, leaving) is None
    assert _status(session, waiting) == Rsvp.Status.GOING
    # A public session is still theirs to attend only while they are a member: it goes too.
    assert _status(public, leaving) is None


def test_a_member_who_stays_keeps_their_seat_when_someone_else_leaves(
    sign_in, members, facilitator, cohort, make_session, commit
):
    from collaboratives.services import membership_remove

    session = make_session(capacity=2)
    staying, leaving, _ = members
    with commit():
        _rsvp(sign_in(staying), session)
        membership_remove(cohort=cohort, user=leaving, by=facilitator)

    assert _status(session, staying) == Rsvp.Status.GOING
