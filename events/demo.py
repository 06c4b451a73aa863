"""Demo sessions beyond the command's own: a past reflective group whose attendance is closed."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

from events.models import Kind, Rsvp, Session, Visibility
from events.services import AttendanceEntry, attendance_save

PAST_TITLE = "Reflective group: getting started"


def demo_load(*, cohort, users) -> None:
    """Idempotent: a session last week that member1 attended (closed, so hours and a
    certificate exist), and member1 going to the next occurrence of the monthly series."""
    zone = ZoneInfo("America/New_York")
    start = dt.datetime.combine(
        timezone.localdate() - dt.timedelta(days=7), dt.time(10, 0), tzinfo=zone
    )
    facilitator, member1 = users["facilitator"], users["member1"]
    session, created = Session.objects.get_or_create(
        collaborative=cohort.collaborative,
        title=PAST_TITLE,
        defaults={
            "cohort": cohort,
            "kind": Kind.REFLECTIVE_GROUP,
            "visibility": Visibility.COHORT,
            "starts_at": start,
            "ends_at": start + dt.timedelta(minutes=90),
            "video_url": "https://video.example.org/reflective",
        },
    )
    if created:
        session.facilitators.add(facilitator)
        competencies = Session.competencies.rel.model.objects.filter(
            slug__in=["relationship-focused-practice", "reflective-practice"]
        )
        session.competencies.add(*competencies)
        Rsvp.objects.create(session=session, user=member1, status=Rsvp.Status.GOING)
        entries = [AttendanceEntry(user_id=member1.pk, status="present", minutes=90)]
        if "member2" in users:
            entries.append(AttendanceEntry(user_id=users["member2"].pk, status="absent", minutes=0))
        attendance_save(actor=facilitator, session=session, entries=entries, close=True)
    upcoming = (
        Session.objects.filter(
            series__collaborative=cohort.collaborative,
            starts_at__gte=timezone.now(),
            cancelled_at__isnull=True,
        )
        .order_by("starts_at")
        .first()
    )
    if upcoming is not None:
        Rsvp.objects.get_or_create(
            session=upcoming, user=member1, defaults={"status": Rsvp.Status.GOING}
        )
