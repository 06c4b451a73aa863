"""Reads of the ledger with their access rules; reads by anyone but the member are audited."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.audit import audit_record
from accounts.rules import RSC_PROVIDERS, is_administrator
from collaboratives.models import Membership, Role
from endorsement.models import (
    Credential,
    EndorsementProfile,
    RscEntry,
    Sharing,
    SkippedCredit,
    TrainingEntry,
)


def qualifying_provider_q() -> Q:
    """Users who may provide RSC that counts: a verified endorsement whose category qualifies
    (per the framework data), or the "RSC providers" role that administrators grant after the
    same check. Deactivated accounts never qualify."""
    return Q(is_active=True) & (
        Q(
            credentials__verified_at__isnull=False,
            credentials__category__qualifies_rsc_provider=True,
        )
        | Q(groups__name=RSC_PROVIDERS)
    )


def qualifying_providers() -> QuerySet:
    return get_user_model().objects.filter(qualifying_provider_q()).distinct()


def qualifying_provider_ids(user_ids) -> set[int]:
    ids = [pk for pk in user_ids if pk]
    if not ids:
        return set()
    return set(qualifying_providers().filter(pk__in=ids).values_list("pk", flat=True))


def provider_qualifies(user) -> bool:
    return bool(user and user.pk and qualifying_providers().filter(pk=user.pk).exists())


def profile_for(member) -> EndorsementProfile:
    """The member's profile, or an unsaved default one (nothing shared, nothing listed)."""
    try:
        return member.endorsement_profile
    except EndorsementProfile.DoesNotExist:
        return EndorsementProfile(member=member)


def facilitated_member_ids(user) -> set[int]:
    """Members of the active cohorts `user` facilitates."""
    cohort_ids = Membership.objects.filter(
        user=user, role=Role.FACILITATOR, left_at__isnull=True
    ).values("cohort_id")
    return set(
        Membership.objects.filter(cohort_id__in=cohort_ids, left_at__isnull=True, role=Role.MEMBER)
        .values_list("user_id", flat=True)
        .distinct()
    )


def facilitates(user, member) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return member.pk in facilitated_member_ids(user)


def access_level(*, viewer, member) -> str | None:
    """How much of `member`'s ledger `viewer` sees: owner, admin, details, status or None."""
    if not getattr(viewer, "is_authenticated", False):
        return None
    if viewer.pk == member.pk:
        return "owner"
    if is_administrator(viewer):
        return "admin"
    if facilitates(viewer, member):
        return "details" if profile_for(member).sharing == Sharing.DETAILS else "status"
    return None


def audit_read(*, viewer, member, what: str) -> None:
    """Every read of a member's ledger by someone else leaves a trace."""
    if viewer.pk != member.pk:
        audit_record(actor=viewer, action="endorsement.read", target=member, detail={"what": what})


def training_entries_of(member) -> QuerySet[TrainingEntry]:
    return (
        TrainingEntry.objects.filter(member=member)
        .select_related("session")
        .prefetch_related("competencies__area", "areas")
    )


def rsc_entries_of(member) -> QuerySet[RscEntry]:
    return RscEntry.objects.filter(member=member).select_related("provider", "session")


def skipped_credits_of(member) -> QuerySet[SkippedCredit]:
    return SkippedCredit.objects.filter(member=member).select_related("session")


def entry_for_owner(*, user, kind: str, pk: int):
    """The member's own entry (training or rsc) or 404."""
    model = {"training": TrainingEntry, "rsc": RscEntry}.get(kind)
    if model is None:
        raise Http404("No such entry.")
    entry = model.objects.filter(pk=pk, member=user).first()
    if entry is None:
        raise Http404("No such entry.")
    return entry


def training_entry_for_certificate(*, user, pk: int) -> TrainingEntry:
    """A training entry whose certificate `user` may download (the member or an administrator)."""
    entry = TrainingEntry.objects.select_related("member").filter(pk=pk).first()
    if (
        entry is None
        or not entry.certificate
        or not user.has_perm("endorsement.view_certificate", entry)
    ):
        raise Http404("No such certificate.")
    audit_read(viewer=user, member=entry.member, what=f"certificate of training {entry.pk}")
    return entry


def provider_queue(*, provider) -> QuerySet[RscEntry]:
    """RSC entries naming `provider` that wait for their decision (only those naming them)."""
    return (
        RscEntry.objects.filter(provider=provider, status=RscEntry.Status.PENDING)
        .select_related("member")
        .order_by("date", "id")
    )


def provider_entries(*, provider) -> QuerySet[RscEntry]:
    return RscEntry.objects.filter(provider=provider).select_related("member")


def rsc_entry_for_provider(*, provider, pk: int) -> RscEntry:
    entry = RscEntry.objects.select_related("member").filter(pk=pk, provider=provider).first()
    if entry is None:
        raise Http404("No such entry.")
    audit_read(viewer=provider, member=entry.member, what=f"rsc entry {entry.pk}")
    return entry


def credentials_of(member) -> QuerySet[Credential]:
    return Credential.objects.filter(member=member).select_related("category", "association")


def recent_activity_since(days: int) -> dt.date:
    from django.utils import timezone

    return timezone.localdate() - dt.timedelta(days=days)
