"""Demo ledger: the facilitator is a listed RSC provider; member1 has a goal and some hours."""

import datetime as dt

from django.utils import timezone

from competencies.models import AreaOfExpertise, Competency, EndorsementCategory
from endorsement.models import Credential, EndorsementProfile, RscEntry, Source, TrainingEntry


def demo_load(*, cohort, users) -> None:
    """Idempotent: the provider's endorsement and listing are upserted; member1's entries are
    made only when member1 has none, so a second run (even another day) adds nothing."""
    facilitator, member1, staff = users["facilitator"], users["member1"], users.get("staff")
    Credential.objects.get_or_create(
        member=facilitator,
        category=EndorsementCategory.objects.get(code="IMHM-C"),
        defaults={
            "endorsement_id": "PA-IMHM-C-0042",
            "earned_on": dt.date(2019, 6, 1),
            "verified_at": timezone.now(),
            "verified_by": staff,
        },
    )
    EndorsementProfile.objects.update_or_create(
        member=facilitator,
        defaults={
            "provider_listed": True,
            "provider_virtual": True,
            "provider_individual": True,
            "provider_group": True,
            "accepting_supervisees": True,
            "in_directory": True,
            "show_county": True,
            "show_badge": True,
        },
    )
    EndorsementProfile.objects.get_or_create(
        member=member1,
        defaults={"in_directory": True, "show_sector": True, "show_county": True},
    )
    if member1.goal_category_id is None:
        member1.goal_category = EndorsementCategory.objects.get(code="IFS")
        member1.save(update_fields=["goal_category"])
    if TrainingEntry.objects.filter(member=member1).exists():
        return
    today = timezone.localdate()
    trainings = [
        ("Attachment and early relationships", "theoretical-foundations", 80, "6"),
        ("Observation and listening skills", "direct-service-skills", 50, "4.5"),
        ("Ethics in home visiting", "law-regulation-agency-policy", 20, "3"),
    ]
    for title, area_slug, days, hours in trainings:
        entry = TrainingEntry.objects.create(
            member=member1,
            title=title,
            provider="PA-AIMH",
            date=today - dt.timedelta(days=days),
            hours=hours,
            format=TrainingEntry.Format.VIRTUAL,
            source=Source.SELF_LOGGED,
        )
        area = AreaOfExpertise.objects.get(slug=area_slug)
        entry.areas.add(area)
        entry.competencies.add(*Competency.objects.filter(area=area).order_by("order")[:2])
    for months_back in (5, 4, 3, 2, 1):
        RscEntry.objects.create(
            member=member1,
            provider=facilitator,
            format=RscEntry.Format.INDIVIDUAL,
            date=today - dt.timedelta(days=30 * months_back),
            hours="1.5",
            age_group="0-3",
            source=Source.SELF_LOGGED,
            status=RscEntry.Status.CONFIRMED,
            decided_at=timezone.now(),
        )
