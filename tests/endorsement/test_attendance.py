"""Closed attendance (the events signal) becomes ledger entries, idempotently."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.utils import timezone

from accounts.models import AuditEntry
from endorsement.models import RscEntry, SkippedCredit, Source, TrainingEntry
from events.models import Kind
from events.signals import AttendanceOutcome, attendance_closed
from tests.endorsement.conftest import make_provider
from tests.factories import SessionFactory, UserFactory


def past_session(kind=Kind.DIDACTIC, days=3, **fields):
    starts = timezone.now() - dt.timedelta(days=days)
    return SessionFactory(
        kind=kind, starts_at=starts, ends_at=starts + dt.timedelta(hours=2), **fields
    )


def close(session, outcomes, actor=None):
    attendance_closed.send(sender=type(session), session=session, outcomes=outcomes, actor=actor)


@pytest.fixture
def facilitator(db):
    return UserFactory()


def test_present_at_didactic_session_gives_training_with_its_competencies(
    old_member, competency, facilitator
):
    session = past_session()
    session.competencies.add(competency)

    close(session, [AttendanceOutcome(old_member.pk, "present", 90)], facilitator)

    entry = TrainingEntry.objects.get(member=old_member)
    assert entry.hours == D("1.50") and entry.source == Source.SESSION
    assert entry.session == session
    assert list(entry.competencies.all()) == [competency]
    assert AuditEntry.objects.filter(action="endorsement.entry_from_attendance").count() == 1


@pytest.mark.parametrize("kind", [Kind.CASE_CONSULTATION, Kind.LEARNING_SESSION])
def test_partial_attendance_counts_the_minutes(old_member, kind):
    session = past_session(kind=kind)

    close(session, [AttendanceOutcome(old_member.pk, "partial", 40)])

    assert TrainingEntry.objects.get(member=old_member).hours == D("0.67")


def test_repeated_sends_are_idempotent(old_member, facilitator):
    session = past_session()
    outcomes = [AttendanceOutcome(old_member.pk, "present", 60)]

    close(session, outcomes, facilitator)
    close(session, outcomes, facilitator)

    assert TrainingEntry.objects.filter(member=old_member).count() == 1
    assert AuditEntry.objects.filter(action__startswith="endorsement.entry").count() == 1


def test_changed_minutes_update_the_entry_and_are_audited(old_member, facilitator):
    session = past_session()
    close(session, [AttendanceOutcome(old_member.pk, "present", 60)], facilitator)

    close(session, [AttendanceOutcome(old_member.pk, "partial", 30)], facilitator)

    assert TrainingEntry.objects.get(member=old_member).hours == D("0.50")
    assert AuditEntry.objects.filter(action="endorsement.entry_updated_from_attendance").exists()


def test_absent_removes_the_entry(old_member, facilitator):
    session = past_session()
    close(session, [AttendanceOutcome(old_member.pk, "present", 60)], facilitator)

    close(session, [AttendanceOutcome(old_member.pk, "absent", 0)], facilitator)

    assert not TrainingEntry.objects.exists()
    assert AuditEntry.objects.filter(action="endorsement.entry_removed").exists()


def test_office_hours_give_nothing(old_member):
    session = past_session(kind=Kind.OFFICE_HOURS)

    close(session, [AttendanceOutcome(old_member.pk, "present", 60)])

    assert not TrainingEntry.objects.exists() and not RscEntry.objects.exists()


def test_reflective_group_led_by_a_qualifying_provider_gives_confirmed_rsc(old_member):
    provider = make_provider()
    session = past_session(kind=Kind.REFLECTIVE_GROUP)
    session.facilitators.add(provider)

    close(session, [AttendanceOutcome(old_member.pk, "present", 90)], provider)

    entry = RscEntry.objects.get(member=old_member)
    assert entry.provider == provider and entry.status == RscEntry.Status.CONFIRMED
    assert entry.hours == D("1.50") and entry.format == RscEntry.Format.GROUP
    assert not TrainingEntry.objects.exists()


def test_reflective_group_without_a_qualifying_provider_gives_no_rsc_and_says_why(
    old_member, facilitator
):
    session = past_session(kind=Kind.REFLECTIVE_GROUP)
    session.facilitators.add(facilitator)

    close(session, [AttendanceOutcome(old_member.pk, "present", 60)], facilitator)

    assert not RscEntry.objects.exists()
    assert "qualifying" in SkippedCredit.objects.get(member=old_member).reason


def test_session_before_the_account_existed_gives_no_hours(member):
    member.date_joined = timezone.now()
    member.save(update_fields=["date_joined"])
    session = past_session(days=10)

    close(session, [AttendanceOutcome(member.pk, "present", 60)])

    assert not TrainingEntry.objects.exists()
    assert "before this account" in SkippedCredit.objects.get(member=member).reason


def test_member_cannot_delete_an_entry_from_attendance_but_can_dispute_it(
    client, old_member, facilitator
):
    session = past_session()
    session.facilitators.add(facilitator)
    close(session, [AttendanceOutcome(old_member.pk, "present", 60)], facilitator)
    entry = TrainingEntry.objects.get()
    client.force_login(old_member)

    client.post(f"/endorsement/training/{entry.pk}/delete/")
    assert TrainingEntry.objects.filter(pk=entry.pk).exists()

    empty = client.post(f"/endorsement/training/{entry.pk}/dispute/", {"reason": ""})
    assert empty.status_code == 400
    entry.refresh_from_db()
    assert entry.disputed_at is None

    response = client.post(
        f"/endorsement/training/{entry.pk}/dispute/", {"reason": "I stayed the whole 2 hours"}
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.disputed_at is not None
    assert facilitator.notifications.filter(kind="endorsement-dispute").count() == 1
