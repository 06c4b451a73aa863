"""Facilitators message attendees or people who RSVP'd, and export attendance as CSV."""

import csv
import datetime as dt
import io

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Notification
from events.models import Attendance, Rsvp, SessionSeries

pytestmark = pytest.mark.django_db


def _message(client, session, **data):
    payload = {"audience": "rsvp", "subject": "Materials for tomorrow", "body": "Read p. 4."}
    payload.update(data)
    return client.post(f"/events/sessions/{session.pk}/message/", payload)


def test_message_to_everyone_who_rsvpd(sign_in, facilitator, members, make_session, commit):
    session = make_session(capacity=1, title="Case consultation")
    Rsvp.objects.create(session=session, user=members[0], status=Rsvp.Status.GOING)
    Rsvp.objects.create(session=session, user=members[1], status=Rsvp.Status.WAITLISTED)
    Rsvp.objects.create(session=session, user=members[2], status=Rsvp.Status.NOT_GOING)

    with commit():
        response = _message(sign_in(facilitator), session)

    assert response.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == sorted([members[0].email, members[1].email])
    assert mail.outbox[0].subject == "Case consultation: Materials for tomorrow"
    assert "Read p. 4." in mail.outbox[0].body
    assert set(
        Notification.objects.filter(kind="session-message").values_list("user_id", flat=True)
    ) == {members[0].pk, members[1].pk}


def test_message_to_attendees_only(sign_in, facilitator, members, past_session, commit):
    Attendance.objects.create(session=past_session, user=members[0], status="present", minutes=90)
    Attendance.objects.create(session=past_session, user=members[1], status="absent", minutes=0)

    with commit():
        _message(sign_in(facilitator), past_session, audience="attendees")

    assert [m.to for m in mail.outbox] == [[members[0].email]]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"subject": ""}, "This field is required."),
        ({"body": ""}, "This field is required."),
        ({"audience": "everyone"}, "Select a valid choice."),
        ({"audience": "attendees"}, "Nobody to send to yet: nobody attended."),
    ],
)
def test_bad_message_input_sends_nothing(
    sign_in, facilitator, members, make_session, commit, data, message
):
    session = make_session()
    Rsvp.objects.create(session=session, user=members[0], status=Rsvp.Status.GOING)

    with commit():
        response = _message(sign_in(facilitator), session, **data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_member_cannot_message(sign_in, members, make_session, commit):
    session = make_session()
    Rsvp.objects.create(session=session, user=members[1], status=Rsvp.Status.GOING)

    with commit():
        response = _message(sign_in(members[0]), session)

    assert response.status_code == 404
    assert mail.outbox == []


# --- CSV export --------------------------------------------------------------------------------


def _export(client, cohort, **params):
    return client.get(
        f"/events/export/{cohort.collaborative.slug}/attendance.csv", {"export": "1", **params}
    )


def _rows(response):
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_export_of_a_series_neutralises_formulas(
    sign_in, facilitator, members, cohort, make_session
):
    series = SessionSeries.objects.create(
        collaborative=cohort.collaborative,
        title="=HYPERLINK(evil)",
        rrule="FREQ=WEEKLY;COUNT=2",
        first_start=timezone.now(),
    )
    start = timezone.now() - dt.timedelta(days=3)
    in_series = make_session(
        series=series,
        title="=HYPERLINK(evil)",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
    )
    other = make_session(title="Other", starts_at=start, ends_at=start + dt.timedelta(hours=1))
    members[0].first_name, members[0].last_name = "+Eve", "@Mallory"
    members[0].display_name = ""
    members[0].save()
    Attendance.objects.create(session=in_series, user=members[0], status="present", minutes=60)
    Attendance.objects.create(session=other, user=members[1], status="present", minutes=60)

    response = _export(sign_in(facilitator), cohort, series=series.pk)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    header, *rows = _rows(response)
    assert header[0] == "session"
    assert len(rows) == 1
    assert rows[0][0] == "'=HYPERLINK(evil)"
    assert rows[0][5] == "'+Eve @Mallory"
    assert rows[0][7:] == ["present", "60"]


def test_export_by_date_range(sign_in, facilitator, members, cohort, make_session):
    def held(day):
        start = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
        session = make_session(starts_at=start, ends_at=start + dt.timedelta(hours=1))
        Attendance.objects.create(session=session, user=members[0], status="present", minutes=60)
        return session

    held(dt.date(2026, 9, 1))
    inside = held(dt.date(2026, 10, 15))
    held(dt.date(2026, 11, 20))

    response = _export(sign_in(facilitator), cohort, date_from="2026-10-01", date_to="2026-10-31")

    _header, *rows = _rows(response)
    assert [row[0] for row in rows] == [inside.title]


def test_export_with_bad_dates_gets_a_form_error(sign_in, facilitator, cohort):
    response = _export(sign_in(facilitator), cohort, date_from="2026-10-31", date_to="2026-10-01")

    assert response.status_code == 400
    assert "The end date comes before the start date." in response.content.decode()
    assert response["Content-Type"].startswith("text/html")


def test_export_is_for_facilitators_only(sign_in, members, outsider, cohort):
    for user in (members[0], outsider):
        assert _export(sign_in(user), cohort).status_code == 404
