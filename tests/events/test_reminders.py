"""Reminders a day and an hour before, per member preference, never sent twice."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from events.models import ReminderPreference, ReminderSent, Rsvp
from events.services import reminders_send

pytestmark = pytest.mark.django_db


@pytest.fixture
def upcoming(make_session, members):
    """A session starting in 23 hours that all three members are going to."""
    start = timezone.now() + dt.timedelta(hours=23)
    session = make_session(
        title="Learning session", starts_at=start, ends_at=start + dt.timedelta(hours=1)
    )
    for member in members:
        Rsvp.objects.create(session=session, user=member, status=Rsvp.Status.GOING)
    return session


def test_day_reminders_go_to_those_who_want_them_once(upcoming, members):
    ReminderPreference.objects.create(user=members[1], choice="hour")
    ReminderPreference.objects.create(user=members[2], choice="none")

    first = reminders_send()
    second = reminders_send()

    assert first == 1
    assert second == 0
    assert [m.to for m in mail.outbox] == [[members[0].email]]
    assert "tomorrow" in mail.outbox[0].subject
    assert ReminderSent.objects.filter(kind="day").count() == 1


def test_hour_reminder_after_the_day_one(upcoming, members):
    ReminderPreference.objects.create(user=members[1], choice="day")
    reminders_send()
    mail.outbox.clear()

    sent = reminders_send(now=upcoming.starts_at - dt.timedelta(minutes=50))
    again = reminders_send(now=upcoming.starts_at - dt.timedelta(minutes=40))

    assert (sent, again) == (2, 0)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([members[0].email, members[2].email])
    assert all("in an hour" in m.subject for m in mail.outbox)


def test_no_reminders_for_cancelled_sessions_or_people_not_going(upcoming, members):
    Rsvp.objects.filter(user=members[0]).update(status=Rsvp.Status.NOT_GOING)
    Rsvp.objects.filter(user=members[1]).update(status=Rsvp.Status.WAITLISTED)
    upcoming.cancelled_at = timezone.now()
    upcoming.save()

    assert reminders_send() == 0
    assert mail.outbox == []


def test_no_reminder_for_sessions_more_than_a_day_away(make_session, members):
    start = timezone.now() + dt.timedelta(hours=30)
    session = make_session(starts_at=start, ends_at=start + dt.timedelta(hours=1))
    Rsvp.objects.create(session=session, user=members[0], status=Rsvp.Status.GOING)

    assert reminders_send() == 0


def test_scheduler_runs_the_reminder_job_idempotently(upcoming, members):
    from home.management.commands.scheduler import JOBS

    job = dict(JOBS)["session reminders"]
    job()
    job()

    assert len(mail.outbox) == 3


def test_preferences_page_saves_the_choice(sign_in, members):
    client = sign_in(members[0])

    page = client.get("/events/reminders/")
    response = client.post("/events/reminders/", {"choice": "hour"})

    assert page.status_code == 200
    assert 'value="both" ' in page.content.decode() or 'value="both"' in page.content.decode()
    assert response.status_code == 302
    assert ReminderPreference.objects.get(user=members[0]).choice == "hour"


def test_preferences_page_refuses_an_unknown_choice(sign_in, members):
    response = sign_in(members[0]).post("/events/reminders/", {"choice": "hourly"})

    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert not ReminderPreference.objects.exists()


def test_preferences_page_needs_sign_in(client):
    assert client.get("/events/reminders/").status_code == 302
