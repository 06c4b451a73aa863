"""Attendance: the roster, closing it (the signal the endorsement ledger hears), changes,
the audit trail, and certificates of attendance."""

import datetime as dt

import pytest
from django.utils import timezone
from django.utils.html import escape

from accounts.models import AuditEntry
from collaboratives.models import RoomPresence
from events.models import Attendance, Rsvp
from events.signals import AttendanceOutcome, attendance_closed
from tests.factories import RoomFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    """Every attendance_closed send, as (session, outcomes, actor)."""
    calls = []

    def receiver(sender, session, outcomes, actor, **kwargs):
        calls.append((session, outcomes, actor))

    attendance_closed.connect(receiver, dispatch_uid="test-attendance-receiver")
    yield calls
    attendance_closed.disconnect(dispatch_uid="test-attendance-receiver")


def _url(session, suffix="attendance/"):
    return f"/events/sessions/{session.pk}/{suffix}"


def _post(client, session, rows, close=False):
    data = {}
    for user, status, minutes in rows:
        data[f"status-{user.pk}"] = status
        data[f"minutes-{user.pk}"] = str(minutes)
    if close:
        data["close"] = "1"
    return client.post(_url(session), data)


def test_roster_is_prefilled_from_rsvps(sign_in, facilitator, members, past_session):
    Rsvp.objects.create(session=past_session, user=members[0], status=Rsvp.Status.GOING)
    Rsvp.objects.create(session=past_session, user=members[1], status=Rsvp.Status.NOT_GOING)

    response = sign_in(facilitator).get(_url(past_session))

    assert response.status_code == 200
    roster = {row["user"].pk: row for row in response.context["roster"]}
    assert roster[members[0].pk]["status"] == "present"
    assert roster[members[0].pk]["minutes"] == 90
    assert roster[members[1].pk]["status"] == "absent"
    assert roster[members[2].pk]["status"] == "absent"
    html = response.content.decode()
    assert f'<label for="status-{members[0].pk}" class="visually-hidden">' in html


def test_roster_uses_room_presence_during_the_session(
    sign_in, facilitator, members, cohort, past_session
):
    room = RoomFactory(cohort=cohort)
    RoomPresence.objects.create(
        room=room,
        user=members[2],
        channel_name="specific.test!1",
        seen_at=past_session.starts_at + dt.timedelta(minutes=20),
    )

    response = sign_in(facilitator).get(_url(past_session))

    roster = {row["user"].pk: row for row in response.context["roster"]}
    assert roster[members[2].pk]["status"] == "present"
    assert roster[members[2].pk]["source"] == "room"


def test_closing_attendance_sends_the_whole_roster_and_is_audited(
    sign_in, facilitator, members, past_session, received
):
    overrides = {members[0].pk: ("present", 90), members[1].pk: ("partial", 45)}
    rows = [(p, *overrides.get(p.pk, ("absent", 0))) for p in [*members, facilitator]]

    response = _post(sign_in(facilitator), past_session, rows, close=True)

    assert response.status_code == 302
    ((session, outcomes, actor),) = received
    assert session == past_session
    assert actor == facilitator
    assert set(outcomes) == {
        AttendanceOutcome(member_id=members[0].pk, status="present", minutes=90),
        AttendanceOutcome(member_id=members[1].pk, status="partial", minutes=45),
        AttendanceOutcome(member_id=members[2].pk, status="absent", minutes=0),
        AttendanceOutcome(member_id=facilitator.pk, status="absent", minutes=0),
    }
    past_session.refresh_from_db()
    assert past_session.attendance_closed_at is not None
    entry = AuditEntry.objects.get(action="events.attendance_closed")
    assert entry.target_id == str(past_session.pk)
    assert len(entry.detail["outcomes"]) == 4


def test_saving_without_closing_sends_nothing(
    sign_in, facilitator, members, past_session, received
):
    rows = [(p, "present", 90) for p in [*members, facilitator]]

    _post(sign_in(facilitator), past_session, rows)

    assert received == []
    assert Attendance.objects.count() == 4
    past_session.refresh_from_db()
    assert past_session.attendance_closed_at is None


def test_a_later_change_resends_the_whole_roster_and_is_audited(
    sign_in, facilitator, members, past_session, received
):
    client = sign_in(facilitator)
    rows = [(p, "present", 90) for p in [*members, facilitator]]
    _post(client, past_session, rows, close=True)
    rows[0] = (members[0], "absent", 0)

    response = _post(client, past_session, rows)

    assert response.status_code == 302
    assert len(received) == 2
    latest = {o.member_id: o for o in received[1][1]}
    assert len(latest) == 4
    assert latest[members[0].pk] == AttendanceOutcome(members[0].pk, "absent", 0)
    assert AuditEntry.objects.filter(action="events.attendance_changed").count() == 1


def test_saving_a_closed_roster_unchanged_sends_nothing_again(
    sign_in, facilitator, members, past_session, received
):
    client = sign_in(facilitator)
    rows = [(p, "present", 90) for p in [*members, facilitator]]
    _post(client, past_session, rows, close=True)

    _post(client, past_session, rows)

    assert len(received) == 1


@pytest.mark.parametrize(
    ("status", "minutes", "message"),
    [
        ("present", 500, "must be between 0 and 90"),
        ("partial", 90, "Partly present means some minutes"),
        ("partial", 0, "Partly present means some minutes"),
        ("maybe", 10, "Choose present, partly present or absent"),
        ("present", "-5", "must be a whole number"),
        ("present", "ten", "must be a whole number"),
    ],
)
def test_bad_attendance_rows_change_nothing(
    sign_in, facilitator, members, past_session, received, status, minutes, message
):
    rows = [(p, "present", 90) for p in [*members, facilitator]]
    rows[0] = (members[0], status, minutes)

    response = _post(sign_in(facilitator), past_session, rows, close=True)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert Attendance.objects.count() == 0
    assert received == []
    past_session.refresh_from_db()
    assert past_session.attendance_closed_at is None


def test_attendance_of_a_future_session_is_refused(
    sign_in, facilitator, members, make_session, received
):
    session = make_session()
    rows = [(members[0], "present", 60)]

    response = _post(sign_in(facilitator), session, rows, close=True)

    assert response.status_code == 400
    assert "Attendance opens when the session starts." in response.content.decode()
    assert received == []


def test_members_cannot_take_attendance(sign_in, members, past_session, received):
    rows = [(members[0], "present", 90)]

    for method in ("get", "post"):
        client = sign_in(members[0])
        response = (
            client.get(_url(past_session))
            if method == "get"
            else _post(client, past_session, rows, close=True)
        )
        assert response.status_code == 404
    assert Attendance.objects.count() == 0
    assert received == []


# --- Certificates ------------------------------------------------------------------------------


@pytest.fixture
def closed(sign_in, facilitator, members, past_session, client):
    from competencies.models import Competency

    competency = Competency.objects.first()
    past_session.competencies.add(competency)
    rows = [(members[0], "present", 90), (members[1], "partial", 45), (members[2], "absent", 0)]
    _post(sign_in(facilitator), past_session, [*rows, (facilitator, "absent", 0)], close=True)
    client.logout()
    return past_session, competency


def test_certificate_prints_for_the_attendee(sign_in, facilitator, members, closed):
    session, competency = closed

    response = sign_in(members[1]).get(_url(session, "certificate/"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Certificate of attendance" in html
    assert members[1].name in html
    assert session.title in html
    assert "0.75" in html
    assert escape(competency.name) in html
    assert facilitator.name in html
    assert timezone.localtime(session.starts_at).strftime("%B") in html
    assert "css/events" in html


@pytest.mark.parametrize("who", ["absent", "facilitator", "outsider", "visitor"])
def test_certificate_is_404_for_anyone_who_did_not_attend(
    sign_in, client, facilitator, members, outsider, closed, who
):
    session, _competency = closed
    user = {"absent": members[2], "facilitator": facilitator, "outsider": outsider}.get(who)
    if user:
        sign_in(user)

    response = client.get(_url(session, "certificate/"))

    assert response.status_code in (404, 302)
    if user:
        assert response.status_code == 404


def test_certificate_waits_for_attendance_to_close(sign_in, facilitator, members, past_session):
    _post(sign_in(facilitator), past_session, [(members[0], "present", 90)])

    response = sign_in(members[0]).get(_url(past_session, "certificate/"))

    assert response.status_code == 404
