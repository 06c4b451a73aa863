"""Facilitators schedule, edit and cancel sessions and series through the forms."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from accounts.models import AuditEntry, Notification
from competencies.models import Competency
from events.models import Rsvp, Session, SessionSeries, Visibility

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")


def _competency():
    competency = Competency.objects.first()
    assert competency is not None, "the framework migration loads competencies"
    return competency


def _form(**overrides):
    data = {
        "title": "Case consultation",
        "kind": "case-consultation",
        "description": "Bring a de-identified case.",
        "start": "2027-01-12T12:00",
        "end": "2027-01-12T13:30",
        "timezone": "America/New_York",
        "cohort": "",
        "visibility": Visibility.COLLABORATIVE,
        "location": "Harrisburg, Room 4B",
        "video_url": "https://video.example.org/consult",
        "capacity": "12",
        "materials": "Reading list | /resources/reading-list/\nSlides | https://example.org/s.pdf",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def _schedule_url(cohort, series=False):
    suffix = "series/" if series else ""
    return f"/events/schedule/{cohort.collaborative.slug}/{suffix}"


def test_facilitator_schedules_a_one_off_session(sign_in, facilitator, cohort, members):
    competency = _competency()
    data = _form(competencies=[competency.pk], facilitators=[facilitator.pk])

    response = sign_in(facilitator).post(_schedule_url(cohort), data)

    session = Session.objects.get()
    assert response.status_code == 302
    assert response["Location"] == session.get_absolute_url()
    assert session.timezone == "America/New_York"
    assert session.starts_at == dt.datetime(2027, 1, 12, 17, 0, tzinfo=dt.UTC)
    assert session.ends_at - session.starts_at == dt.timedelta(minutes=90)
    assert session.capacity == 12
    assert list(session.competencies.all()) == [competency]
    assert list(session.facilitators.all()) == [facilitator]
    assert session.materials == [
        {"title": "Reading list", "url": "/resources/reading-list/"},
        {"title": "Slides", "url": "https://example.org/s.pdf"},
    ]
    assert AuditEntry.objects.filter(action="events.session_scheduled").count() == 1


def test_schedule_form_is_accessible_markup(sign_in, facilitator, cohort):
    html = sign_in(facilitator).get(_schedule_url(cohort)).content.decode()

    assert '<label for="id_start">' in html
    assert 'type="datetime-local"' in html
    assert "<legend>Competencies addressed</legend>" in html
    assert "<script>" not in html and 'style="' not in html


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"end": "2027-01-12T11:00"}, "end", "The end comes before the start."),
        ({"end": "2027-01-12T12:00"}, "end", "no length"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "is not a known time zone"),
        ({"timezone": "EST5EDT; DROP"}, "timezone", "is not a known time zone"),
        ({"start": "next tuesday"}, "start", "Enter a date and time"),
        ({"capacity": "0"}, "capacity", "greater than or equal to 1"),
        ({"visibility": Visibility.COHORT}, "cohort", "A cohort-only session needs a cohort."),
        ({"materials": "just a title"}, "materials", "a vertical bar"),
        ({"materials": "Bad | javascript:alert(1)"}, "materials", "must start with https://"),
        ({"title": ""}, "title", "This field is required."),
        (
            {"start": "2027-03-14T02:30", "end": "2027-03-14T04:00"},
            "start",
            "does not exist on that day",
        ),
    ],
)
def test_bad_session_input_gets_a_clear_error_and_stores_nothing(
    sign_in, facilitator, cohort, overrides, field, message
):
    response = sign_in(facilitator).post(_schedule_url(cohort), _form(**overrides))

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert f'id="id_{field}_error"' in response.content.decode()
    assert Session.objects.count() == 0


def test_member_and_outsider_cannot_schedule(sign_in, members, outsider, cohort):
    for user in (members[0], outsider):
        response = sign_in(user).post(_schedule_url(cohort), _form())
        assert response.status_code == 404
    assert Session.objects.count() == 0


def test_visitor_is_sent_to_sign_in(client, cohort):
    response = client.post(_schedule_url(cohort), _form())

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert Session.objects.count() == 0


# --- Series ------------------------------------------------------------------------------------


def test_facilitator_schedules_a_monthly_series_on_the_second_tuesday(sign_in, facilitator, cohort):
    competency = _competency()
    data = _form(
        title="Monthly learning session",
        kind="learning-session",
        start="2026-12-08T12:00",
        end="2026-12-08T13:30",
        rrule="FREQ=MONTHLY;BYDAY=2TU",
        count="4",
        cohort=cohort.pk,
        visibility=Visibility.COHORT,
        competencies=[competency.pk],
    )

    response = sign_in(facilitator).post(_schedule_url(cohort, series=True), data)

    assert response.status_code == 302
    series = SessionSeries.objects.get()
    assert series.rrule == "FREQ=MONTHLY;BYDAY=2TU;COUNT=4"
    sessions = list(series.sessions.order_by("starts_at"))
    local = [s.starts_at.astimezone(NEW_YORK) for s in sessions]
    assert [d.date() for d in local] == [
        dt.date(2026, 12, 8),
        dt.date(2027, 1, 12),
        dt.date(2027, 2, 9),
        dt.date(2027, 3, 9),
    ]
    assert {(d.hour, d.minute) for d in local} == {(12, 0)}
    assert all(list(s.competencies.all()) == [competency] for s in sessions)
    assert {s.cohort_id for s in sessions} == {cohort.pk}
    assert {s.capacity for s in sessions} == {12}


def test_weekly_series_keeps_wall_clock_time_across_both_dst_changes(sign_in, facilitator, cohort):
    data = _form(
        start="2026-10-27T12:00",
        end="2026-10-27T13:00",
        rrule="FREQ=WEEKLY",
        until="2027-03-23",
    )

    response = sign_in(facilitator).post(_schedule_url(cohort, series=True), data)

    assert response.status_code == 302
    sessions = list(Session.objects.order_by("starts_at"))
    assert len(sessions) == 22
    local = [s.starts_at.astimezone(NEW_YORK) for s in sessions]
    assert {(d.hour, d.minute) for d in local} == {(12, 0)}
    utc = {s.starts_at.date(): s.starts_at.hour for s in sessions}
    assert utc[dt.date(2026, 10, 27)] == 16  # EDT before 2026-11-01
    assert utc[dt.date(2026, 11, 3)] == 17  # EST after
    assert utc[dt.date(2027, 3, 9)] == 17  # EST before 2027-03-14
    assert utc[dt.date(2027, 3, 16)] == 16  # EDT after


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"rrule": "FREQ=SECONDLY", "count": "5"}, "rrule", "repeats too often"),
        ({"rrule": "FREQ=MINUTELY", "count": "5"}, "rrule", "repeats too often"),
        ({"rrule": "FREQ=HOURLY", "count": "5"}, "rrule", "repeats too often"),
        ({"rrule": "FREQ=WEEKLY", "count": ""}, "count", "repeats without end"),
        ({"rrule": "FREQ=WEEKLY;BYHOUR=1,2,3", "count": "5"}, "rrule", "BYHOUR is not allowed"),
        ({"rrule": "FREQ=WEEKLY", "count": "5", "until": "2027-06-01"}, "count", "not both"),
        ({"rrule": "FREQ=DAILY;UNTIL=20991231"}, "rrule", "more than 200"),
        ({"rrule": "FREQ=WEEKLY\nBEGIN:VEVENT", "count": "3"}, "rrule", "one line"),
        ({"rrule": "FREQ=SOMETIMES", "count": "3"}, "rrule", "repeats too often or is unknown"),
        ({"rrule": "FREQ=WEEKLY;BYDAY=XX", "count": "3"}, "rrule", "not valid"),
        ({"rrule": "FREQ=WEEKLY", "count": "500"}, "count", "less than or equal to 200"),
        ({"rrule": "FREQ=WEEKLY", "count": "3", "timezone": "Nowhere/City"}, "timezone", "known"),
        ({"rrule": "FREQ=WEEKLY", "count": "3", "end": "2027-01-12T11:00"}, "end", "before"),
    ],
)
def test_bad_series_input_gets_a_clear_error_and_stores_nothing(
    sign_in, facilitator, cohort, overrides, field, message
):
    data = _form(**overrides)

    response = sign_in(facilitator).post(_schedule_url(cohort, series=True), data)

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert SessionSeries.objects.count() == 0
    assert Session.objects.count() == 0


def test_series_rrule_prefix_and_rule_count_are_accepted(sign_in, facilitator, cohort):
    data = _form(rrule="RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=3", count="")

    response = sign_in(facilitator).post(_schedule_url(cohort, series=True), data)

    assert response.status_code == 302
    starts = list(Session.objects.order_by("starts_at").values_list("starts_at", flat=True))
    assert [b - a for a, b in zip(starts, starts[1:], strict=False)] == [dt.timedelta(days=14)] * 2


# --- Editing -----------------------------------------------------------------------------------


@pytest.fixture
def weekly(sign_in, facilitator, cohort):
    """A weekly series of five sessions from 2027-01-05, noon New York time."""
    data = _form(start="2027-01-05T12:00", end="2027-01-05T13:00", rrule="FREQ=WEEKLY", count="5")
    sign_in(facilitator).post(_schedule_url(cohort, series=True), data)
    return list(Session.objects.order_by("starts_at"))


def _edit(client, session, scope, **overrides):
    local = session.starts_at.astimezone(NEW_YORK)
    data = _form(
        start=f"{local:%Y-%m-%d}T14:00",
        end=f"{local:%Y-%m-%d}T15:00",
        scope=scope,
        title="Moved consultation",
    )
    data.update(overrides)
    return client.post(f"/events/sessions/{session.pk}/edit/", data)


def _hours(sessions):
    return [Session.objects.get(pk=s.pk).starts_at.astimezone(NEW_YORK).hour for s in sessions]


def test_edit_one_occurrence_moves_only_it(sign_in, facilitator, weekly):
    response = _edit(sign_in(facilitator), weekly[2], "one")

    assert response.status_code == 302
    assert _hours(weekly) == [12, 12, 14, 12, 12]
    assert Session.objects.get(pk=weekly[2].pk).title == "Moved consultation"
    assert Session.objects.get(pk=weekly[3].pk).title == "Case consultation"


def test_edit_this_and_following(sign_in, facilitator, weekly):
    response = _edit(sign_in(facilitator), weekly[2], "following")

    assert response.status_code == 302
    assert _hours(weekly) == [12, 12, 14, 14, 14]
    dates = [Session.objects.get(pk=s.pk).starts_at.astimezone(NEW_YORK).date() for s in weekly]
    assert dates == [dt.date(2027, 1, 5) + dt.timedelta(weeks=n) for n in range(5)]
    series = weekly[0].series
    series.refresh_from_db()
    assert series.template["start_time"] == "14:00"


def test_edit_all(sign_in, facilitator, weekly):
    response = _edit(sign_in(facilitator), weekly[2], "all")

    assert response.status_code == 302
    assert _hours(weekly) == [14] * 5


def test_moved_occurrence_is_not_recreated_by_expanding_again(sign_in, facilitator, weekly):
    from events.services import series_expand

    _edit(sign_in(facilitator), weekly[1], "one")

    assert series_expand(series=weekly[0].series) == []
    assert Session.objects.count() == 5


def test_capacity_below_going_rsvps_is_refused_and_changes_nothing(
    sign_in, facilitator, members, weekly
):
    for member in members[:3]:
        Rsvp.objects.create(session=weekly[3], user=member, status=Rsvp.Status.GOING)

    response = _edit(sign_in(facilitator), weekly[1], "following", capacity="2")

    assert response.status_code == 400
    assert "cannot be lower" in " ".join(response.context["form"].errors["capacity"])
    assert _hours(weekly) == [12] * 5
    assert set(Session.objects.values_list("capacity", flat=True)) == {12}


def test_edit_with_bad_input_changes_nothing(sign_in, facilitator, weekly):
    response = _edit(sign_in(facilitator), weekly[0], "all", end="2027-01-05T13:00")

    assert response.status_code == 400
    assert "before the start" in " ".join(response.context["form"].errors["end"])
    assert _hours(weekly) == [12] * 5


def test_member_cannot_edit(sign_in, members, weekly):
    response = _edit(sign_in(members[0]), weekly[0], "all")

    assert response.status_code == 404
    assert _hours(weekly) == [12] * 5


def test_moving_an_occurrence_tells_people_going(sign_in, facilitator, members, weekly, commit):
    Rsvp.objects.create(session=weekly[0], user=members[0], status=Rsvp.Status.GOING)

    with commit():
        _edit(sign_in(facilitator), weekly[0], "one")

    assert Notification.objects.filter(user=members[0], kind="session-moved").exists()
    assert [m.to for m in mail.outbox] == [[members[0].email]]


# --- Cancelling --------------------------------------------------------------------------------


def test_cancel_one_occurrence_tells_those_who_rsvpd(sign_in, facilitator, members, weekly, commit):
    Rsvp.objects.create(session=weekly[1], user=members[0], status=Rsvp.Status.GOING)
    Rsvp.objects.create(session=weekly[1], user=members[1], status=Rsvp.Status.NOT_GOING)

    with commit():
        response = sign_in(facilitator).post(
            f"/events/sessions/{weekly[1].pk}/cancel/", {"note": "Snow day."}
        )

    assert response.status_code == 302
    cancelled = Session.objects.filter(cancelled_at__isnull=False)
    assert list(cancelled) == [weekly[1]]
    note = Notification.objects.get(kind="session-cancelled")
    assert note.user == members[0]
    assert "Snow day." in note.text
    assert [m.to for m in mail.outbox] == [[members[0].email]]
    assert "Cancelled" in mail.outbox[0].subject


def test_cancel_twice_is_refused_with_a_message(sign_in, facilitator, weekly):
    client = sign_in(facilitator)
    client.post(f"/events/sessions/{weekly[1].pk}/cancel/", {})

    response = client.post(f"/events/sessions/{weekly[1].pk}/cancel/", {})

    assert response.status_code == 400
    assert "already cancelled" in response.content.decode()


def test_member_cannot_cancel(sign_in, members, weekly):
    response = sign_in(members[0]).post(f"/events/sessions/{weekly[1].pk}/cancel/", {})

    assert response.status_code == 404
    assert not Session.objects.filter(cancelled_at__isnull=False).exists()


def test_staff_editor_may_schedule(sign_in, staff_editor, cohort):
    response = sign_in(staff_editor).post(_schedule_url(cohort), _form())

    assert response.status_code == 302
    assert Session.objects.count() == 1
