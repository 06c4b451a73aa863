"""End to end across the layers: a facilitator closes attendance in events, hours appear in the
member's ledger and progress; the member's calendar feeds carry what they RSVP'd to."""

import datetime as dt
from decimal import Decimal

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from collaboratives.models import Role
from competencies.models import Competency
from endorsement.models import Source, TrainingEntry
from events import feed_services
from events.models import Kind, Rsvp, Visibility
from events.services import AttendanceEntry, attendance_save
from tests.factories import CohortFactory, MembershipFactory, SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort_people():
    cohort = CohortFactory()
    facilitator = MembershipFactory(cohort=cohort, role=Role.FACILITATOR).user
    member = MembershipFactory(cohort=cohort).user
    member.date_joined = timezone.now() - dt.timedelta(days=400)
    member.save(update_fields=["date_joined"])
    return cohort, facilitator, member


def test_closing_attendance_adds_hours_with_the_sessions_competencies(cohort_people, client):
    cohort, facilitator, member = cohort_people
    starts = timezone.now() - dt.timedelta(days=1)
    session = SessionFactory(
        collaborative=cohort.collaborative,
        cohort=cohort,
        kind=Kind.DIDACTIC,
        title="Attachment in the first year",
        starts_at=starts,
        ends_at=starts + dt.timedelta(minutes=90),
    )
    competencies = list(Competency.objects.order_by("id")[:2])
    session.competencies.set(competencies)
    Rsvp.objects.create(session=session, user=member, status=Rsvp.Status.GOING)

    attendance_save(
        actor=facilitator,
        session=session,
        entries=[AttendanceEntry(user_id=member.pk, status="present", minutes=0)],
        close=True,
    )

    entry = TrainingEntry.objects.get(member=member, session=session)
    assert entry.source == Source.SESSION
    assert entry.hours == Decimal("1.5")
    assert set(entry.competencies.all()) == set(competencies)
    client.force_login(member)
    assert (
        "Attachment in the first year" in client.get("/endorsement/portfolio.csv").content.decode()
    )

    attendance_save(
        actor=facilitator,
        session=session,
        entries=[AttendanceEntry(user_id=member.pk, status="partial", minutes=45)],
    )
    assert TrainingEntry.objects.get(member=member, session=session).hours == Decimal("0.75")

    attendance_save(
        actor=facilitator,
        session=session,
        entries=[AttendanceEntry(user_id=member.pk, status="absent", minutes=0)],
    )
    assert not TrainingEntry.objects.filter(member=member, session=session).exists()


def test_members_import_their_feeds_with_the_session_they_rsvpd_to(cohort_people, client):
    cohort, _, member = cohort_people
    session = SessionFactory(
        collaborative=cohort.collaborative,
        cohort=cohort,
        visibility=Visibility.COHORT,
        title="Reflective group, March",
    )
    Rsvp.objects.create(session=session, user=member, status=Rsvp.Status.GOING)
    token = feed_services.calendar_feed_token_rotate(user=member)

    personal = client.get(reverse("events:member_calendar", args=[token]))
    shared = client.get(
        reverse("events:collaborative_calendar", args=[cohort.collaborative.slug]),
        {"token": token},
    )

    for response in (personal, shared):
        calendar = icalendar.Calendar.from_ical(response.content)
        (event,) = calendar.walk("VEVENT")
        assert str(event["SUMMARY"]) == "Reflective group, March"
        assert event.decoded("DTSTART") == session.starts_at.replace(microsecond=0)
        assert event["DTSTART"].params["TZID"] == session.timezone
