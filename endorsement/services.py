"""Writes to the ledger with their rules: validation, reconciliation, confirmation, sharing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage, send_mail
from django.db import transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_record
from accounts.errors import DomainError
from accounts.notifications import notify
from accounts.rules import ADMINISTRATORS
from accounts.uploads import image_without_metadata
from endorsement.models import (
    ContactRequest,
    Credential,
    EndorsementProfile,
    RscEntry,
    SkippedCredit,
    Source,
    TrainingEntry,
)
from endorsement.selectors import provider_qualifies, qualifying_provider_ids, qualifying_providers

MAX_HOURS_PER_DAY = Decimal("24")  # a day has 24 hours: a fact, not an association rule
HOURS_STEP = Decimal("0.01")
TRAINING_KINDS = {"didactic", "case-consultation", "learning-session"}
RSC_KINDS = {"reflective-group"}
CERTIFICATE_TYPES = {  # leading bytes -> content type; anything else is refused
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}


# --- validation shared by every entry ------------------------------------------------------------


def _hours(value) -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(HOURS_STEP, rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        raise DomainError("Enter the clock hours as a number, e.g. 1.5.", field="hours") from None
    if hours <= 0:
        raise DomainError("Clock hours must be more than zero.", field="hours", code="hours")
    if hours > MAX_HOURS_PER_DAY:
        raise DomainError("No entry can have more than 24 hours.", field="hours", code="hours")
    return hours


def _day_total(member, date: dt.date, *, exclude: object | None = None) -> Decimal:
    total = Decimal("0")
    for model in (TrainingEntry, RscEntry):
        rows = model.objects.filter(member=member, date=date)
        if exclude is not None and isinstance(exclude, model):
            rows = rows.exclude(pk=exclude.pk)
        total += rows.aggregate(total=Sum("hours"))["total"] or Decimal("0")
    return total


def _check_entry(member, *, date: dt.date, hours: Decimal, automatic: bool, exclude=None) -> None:
    if date is None:
        raise DomainError("Enter the date.", field="date")
    if date > timezone.localdate():
        raise DomainError("The date cannot be in the future.", field="date", code="future")
    if automatic and date < timezone.localtime(member.date_joined).date():
        raise DomainError(
            "The session took place before this account existed.", field="date", code="early"
        )
    already = _day_total(member, date, exclude=exclude)
    if already + hours > MAX_HOURS_PER_DAY:
        raise DomainError(
            f"That would make {already + hours} hours on {date:%d %B %Y}; a day has 24.",
            field="hours",
            code="day-limit",
        )


def _check_certificate(upload) -> str:
    """The content type of an acceptable certificate (PDF, PNG or JPEG within the size limit)."""
    if upload.size > settings.ENDORSEMENT_CERTIFICATE_MAX_BYTES:
        limit = settings.ENDORSEMENT_CERTIFICATE_MAX_BYTES // 1_000_000
        raise DomainError(f"The certificate must be under {limit} MB.", field="certificate")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for magic, content_type in CERTIFICATE_TYPES.items():
        if head.startswith(magic):
            return content_type
    raise DomainError("Upload the certificate as a PDF, PNG or JPEG file.", field="certificate")


def _without_metadata(upload, content_type: str):
    """A photographed certificate can carry where it was taken: store images without EXIF."""
    if not content_type.startswith("image/"):
        return upload
    upload.seek(0)
    cleaned = image_without_metadata(data=upload.read())
    upload.seek(0)
    return ContentFile(cleaned, name=upload.name) if cleaned else upload


def _audit(actor, action: str, entry, **detail) -> None:
    audit_record(actor=actor, action=f"endorsement.{action}", target=entry, detail=detail)


def _snapshot(entry) -> dict:
    return {"date": str(entry.date), "hours": str(entry.hours)}


# --- training entries ----------------------------------------------------------------------------


def _training_checks(member, *, title, provider, date, hours, exclude=None):
    title = (title or "").strip()
    if not title:
        raise DomainError("Enter the training's title.", field="title")
    hours = _hours(hours)
    _check_entry(member, date=date, hours=hours, automatic=False, exclude=exclude)
    provider = (provider or "").strip()
    duplicate = TrainingEntry.objects.filter(
        member=member, date=date, title__iexact=title, provider__iexact=provider
    )
    if exclude is not None:
        duplicate = duplicate.exclude(pk=exclude.pk)
    if duplicate.exists():
        raise DomainError(
            "You already logged this training on this date.", field="title", code="duplicate"
        )
    return title, provider, hours


@transaction.atomic
def training_entry_create(
    *,
    member,
    title: str,
    date: dt.date,
    hours,
    provider: str = "",
    format: str = TrainingEntry.Format.IN_PERSON,
    competencies: Iterable = (),
    areas: Iterable = (),
    about_providing_rsc: bool = False,
    certificate=None,
) -> TrainingEntry:
    """Log an outside training the member attended."""
    title, provider, hours = _training_checks(
        member, title=title, provider=provider, date=date, hours=hours
    )
    content_type = _check_certificate(certificate) if certificate else ""
    if certificate:
        certificate = _without_metadata(certificate, content_type)
    entry = TrainingEntry.objects.create(
        member=member,
        title=title,
        provider=provider,
        date=date,
        hours=hours,
        format=format,
        about_providing_rsc=about_providing_rsc,
        source=Source.SELF_LOGGED,
        certificate=certificate or "",
        certificate_content_type=content_type,
    )
    entry.competencies.set(list(competencies))
    entry.areas.set(list(areas))
    _audit(member, "training_logged", entry, **_snapshot(entry))
    return entry


def _editable(*, actor, entry) -> None:
    if entry.member_id != actor.pk:
        raise DomainError("No such entry.", code="not-found")
    if entry.is_automatic:
        raise DomainError(
            "Entries made from attendance cannot be edited; dispute them instead.",
            code="automatic",
        )


@transaction.atomic
def training_entry_update(
    *,
    actor,
    entry: TrainingEntry,
    title: str,
    date: dt.date,
    hours,
    provider: str = "",
    format: str = TrainingEntry.Format.IN_PERSON,
    competencies: Iterable = (),
    areas: Iterable = (),
    about_providing_rsc: bool = False,
    certificate=None,
) -> TrainingEntry:
    """The member corrects a training they logged; entries from attendance stay as they are."""
    _editable(actor=actor, entry=entry)
    before = _snapshot(entry)
    title, provider, hours = _training_checks(
        entry.member, title=title, provider=provider, date=date, hours=hours, exclude=entry
    )
    if certificate:
        entry.certificate_content_type = _check_certificate(certificate)
        entry.certificate = _without_metadata(certificate, entry.certificate_content_type)
    entry.title, entry.provider, entry.date, entry.hours = title, provider, date, hours
    entry.format, entry.about_providing_rsc = format, about_providing_rsc
    entry.save()
    entry.competencies.set(list(competencies))
    entry.areas.set(list(areas))
    _audit(actor, "entry_edited", entry, before=before, after=_snapshot(entry))
    return entry


@transaction.atomic
def entry_delete(*, actor, entry) -> None:
    """The member removes an entry they logged themselves."""
    _editable(actor=actor, entry=entry)
    _audit(actor, "entry_deleted", entry, kind=entry._meta.model_name, **_snapshot(entry))
    entry.delete()


@transaction.atomic
def entry_dispute(*, actor, entry, reason: str) -> None:
    """The member says an entry made from attendance is wrong; its facilitators are told."""
    reason = (reason or "").strip()
    if entry.member_id != actor.pk:
        raise DomainError("No such entry.", code="not-found")
    if not entry.is_automatic:
        raise DomainError("Entries you logged yourself can be deleted; no dispute is needed.")
    if not reason:
        raise DomainError("Say what is wrong with this entry.", field="reason")
    entry.disputed_at = timezone.now()
    entry.dispute_reason = reason[:500]
    entry.save(update_fields=["disputed_at", "dispute_reason", "updated_at"])
    _audit(actor, "entry_disputed", entry, reason=entry.dispute_reason)
    if entry.session_id:
        facilitator_ids = list(entry.session.facilitators.values_list("pk", flat=True))
        notify(
            user_ids=facilitator_ids,
            kind="endorsement-dispute",
            text=f"{actor.name} disputes their hours for {entry.session.title}: {reason}",
            url="/events/",
        )


# --- RSC entries ---------------------------------------------------------------------------------


def _email_provider(entry: RscEntry) -> None:
    link = settings.WAGTAILADMIN_BASE_URL + reverse("endorsement:provider_queue")
    send_mail(
        subject="A member logged reflective supervision with you",
        message=(
            f"{entry.member.name} logged {entry.hours} hours of reflective "
            f"supervision/consultation with you on {entry.date:%d %B %Y}.\n\n"
            f"Confirm or decline it here: {link}\n"
        ),
        from_email=None,
        recipient_list=[entry.provider.email],
    )
    notify(
        user_ids=[entry.provider_id],
        kind="endorsement-rsc",
        text=f"{entry.member.name} logged RSC hours with you: please confirm or decline.",
        url=reverse("endorsement:provider_queue"),
    )


def _rsc_values(
    member,
    *,
    date,
    hours,
    format,
    provider,
    provider_name,
    provider_endorsement_id,
    group_size,
    age_group,
    about_rsc_provided,
    peer_group,
    exclude=None,
) -> dict:
    """The checked field values of an RSC entry the member logs (or corrects)."""
    hours = _hours(hours)
    provider_name = (provider_name or "").strip()
    provider_endorsement_id = (provider_endorsement_id or "").strip()
    if format not in RscEntry.Format.values:
        raise DomainError("Choose individual or group.", field="format")
    if format == RscEntry.Format.GROUP and not group_size:
        raise DomainError("Enter how many people were in the group.", field="group_size")
    if format == RscEntry.Format.GROUP and group_size < 2:
        raise DomainError("A group has at least 2 people.", field="group_size")
    if provider is not None:
        if provider.pk == member.pk:
            raise DomainError("You cannot name yourself as your provider.", field="provider")
        if not peer_group and not provider_qualifies(provider):
            raise DomainError(
                "That person is not a qualifying RSC provider on the platform.",
                field="provider",
                code="unknown-provider",
            )
    elif not peer_group and not (provider_name and provider_endorsement_id):
        raise DomainError(
            "Pick your provider from the directory, or enter their name and endorsement ID.",
            field="provider",
            code="unknown-provider",
        )
    _check_entry(member, date=date, hours=hours, automatic=False, exclude=exclude)
    duplicate = RscEntry.objects.filter(member=member, date=date, hours=hours, format=format)
    duplicate = (
        duplicate.filter(provider=provider)
        if provider is not None
        else duplicate.filter(provider__isnull=True, provider_name__iexact=provider_name)
    )
    if exclude is not None:
        duplicate = duplicate.exclude(pk=exclude.pk)
    if duplicate.exists():
        raise DomainError(
            "You already logged this supervision on this date.", field="date", code="duplicate"
        )
    return {
        "provider": provider,
        "provider_name": provider_name if provider is None else "",
        "provider_endorsement_id": provider_endorsement_id if provider is None else "",
        "format": format,
        "group_size": group_size if format == RscEntry.Format.GROUP else None,
        "date": date,
        "hours": hours,
        "age_group": age_group,
        "about_rsc_provided": about_rsc_provided,
        "peer_group": peer_group,
        "note": "Peer supervision: recorded, but it does not count." if peer_group else "",
    }


@transaction.atomic
def rsc_entry_create(
    *,
    member,
    date: dt.date,
    hours,
    format: str,
    provider=None,
    provider_name: str = "",
    provider_endorsement_id: str = "",
    group_size: int | None = None,
    age_group: str = "",
    about_rsc_provided: bool = False,
    peer_group: bool = False,
) -> RscEntry:
    """Log RSC received, naming a provider on the platform or by name and endorsement ID."""
    values = _rsc_values(
        member,
        date=date,
        hours=hours,
        format=format,
        provider=provider,
        provider_name=provider_name,
        provider_endorsement_id=provider_endorsement_id,
        group_size=group_size,
        age_group=age_group,
        about_rsc_provided=about_rsc_provided,
        peer_group=peer_group,
    )
    entry = RscEntry.objects.create(member=member, source=Source.SELF_LOGGED, **values)
    _audit(member, "rsc_logged", entry, **_snapshot(entry))
    if provider is not None:
        transaction.on_commit(lambda: _email_provider(entry))
    return entry


@transaction.atomic
def rsc_entry_update(*, actor, entry: RscEntry, **fields) -> RscEntry:
    """The member corrects RSC they logged. A changed entry needs its provider's word again, so
    it goes back to pending (and the provider is emailed)."""
    _editable(actor=actor, entry=entry)
    before = _snapshot(entry)
    values = _rsc_values(entry.member, exclude=entry, **fields)
    changed = any(getattr(entry, name) != value for name, value in values.items())
    if not changed:
        return entry
    for name, value in values.items():
        setattr(entry, name, value)
    entry.status, entry.decided_at, entry.decline_reason = RscEntry.Status.PENDING, None, ""
    entry.save()
    _audit(actor, "entry_edited", entry, before=before, after=_snapshot(entry))
    if entry.provider_id:
        transaction.on_commit(lambda: _email_provider(entry))
    return entry


@transaction.atomic
def rsc_entry_decide(*, actor, entry: RscEntry, confirm: bool, reason: str = "") -> RscEntry:
    """The named provider confirms or declines an entry; only they may."""
    entry = RscEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.provider_id != actor.pk:
        raise DomainError("No such entry.", code="not-found")
    if entry.status != RscEntry.Status.PENDING:
        raise DomainError("This entry was already decided.", code="decided")
    if not confirm and not (reason or "").strip():
        raise DomainError("Say why you decline, so the member can correct it.", field="reason")
    entry.status = RscEntry.Status.CONFIRMED if confirm else RscEntry.Status.DECLINED
    entry.decided_at = timezone.now()
    entry.decline_reason = "" if confirm else reason.strip()[:300]
    entry.save(update_fields=["status", "decided_at", "decline_reason", "updated_at"])
    action = "rsc_confirmed" if confirm else "rsc_declined"
    _audit(actor, action, entry, reason=entry.decline_reason)
    notify(
        user_ids=[entry.member_id],
        kind="endorsement-rsc",
        text=f"{actor.name} {'confirmed' if confirm else 'declined'} your RSC hours of "
        f"{entry.date:%d %B %Y}.",
        url=reverse("endorsement:progress"),
    )
    return entry


# --- attendance -> entries -----------------------------------------------------------------------


def _session_date(session) -> dt.date:
    return session.starts_at.astimezone(ZoneInfo(session.timezone)).date()


def _skip(member_id: int, session, reason: str) -> None:
    SkippedCredit.objects.update_or_create(
        member_id=member_id, session=session, defaults={"reason": reason}
    )


def _remove(model, *, member_id: int, session, actor, why: str) -> None:
    for entry in model.objects.filter(member_id=member_id, session=session):
        _audit(actor, "entry_removed", entry, reason=why, **_snapshot(entry))
        entry.delete()


@transaction.atomic
def attendance_reconcile(*, session, outcomes: Sequence, actor) -> None:
    """Make the ledger match a session's closed attendance; sending it again changes nothing.

    present/partial: a training entry (training kinds) or an RSC entry (reflective group led by a
    qualifying provider), hours = minutes / 60. absent, or a member no longer on the roster: the
    entry goes. Office hours give no hours. Every change is audit-logged.
    """
    User = get_user_model()
    kind = session.kind
    date = _session_date(session)
    on_roster = {outcome.member_id for outcome in outcomes}
    for model in (TrainingEntry, RscEntry):
        for member_id in (
            model.objects.filter(session=session)
            .exclude(member_id__in=on_roster)
            .values_list("member_id", flat=True)
        ):
            _remove(model, member_id=member_id, session=session, actor=actor, why="off roster")
    SkippedCredit.objects.filter(session=session).exclude(member_id__in=on_roster).delete()

    facilitator_ids = list(session.facilitators.values_list("pk", flat=True))
    qualifying = sorted(qualifying_provider_ids(facilitator_ids))
    competencies = list(session.competencies.all())
    members = User.objects.in_bulk(list(on_roster))
    for outcome in outcomes:
        member = members.get(outcome.member_id)
        attended = outcome.status in {"present", "partial"} and outcome.minutes > 0
        wanted = None
        if attended and kind in TRAINING_KINDS:
            wanted = TrainingEntry
        elif attended and kind in RSC_KINDS:
            if qualifying:
                wanted = RscEntry
            else:
                _skip(
                    outcome.member_id,
                    session,
                    "No RSC hours: no facilitator of this reflective group is a qualifying "
                    "RSC provider, so it counts as peer supervision.",
                )
        for model in (TrainingEntry, RscEntry):
            if model is not wanted:
                why = "absent" if not attended else f"session kind is {kind}"
                _remove(model, member_id=outcome.member_id, session=session, actor=actor, why=why)
        if wanted is None:
            if not (attended and kind in RSC_KINDS):
                SkippedCredit.objects.filter(member_id=outcome.member_id, session=session).delete()
            continue
        hours = (Decimal(outcome.minutes) / 60).quantize(HOURS_STEP, rounding=ROUND_HALF_UP)
        existing = wanted.objects.filter(member_id=outcome.member_id, session=session).first()
        try:
            if member is None:
                raise DomainError("No such member.")
            _hours(hours)
            _check_entry(member, date=date, hours=hours, automatic=True, exclude=existing)
        except DomainError as error:
            if existing is not None:
                _remove(wanted, member_id=member.pk, session=session, actor=actor, why="invalid")
            _skip(outcome.member_id, session, f"No hours recorded: {error.message}")
            continue
        SkippedCredit.objects.filter(member_id=outcome.member_id, session=session).delete()
        if wanted is TrainingEntry:
            _training_from_session(member, session, date, hours, competencies, existing, actor)
        else:
            _rsc_from_session(member, session, date, hours, qualifying[0], existing, actor)


def _training_from_session(member, session, date, hours, competencies, existing, actor) -> None:
    values = {
        "title": session.title[:200],
        "provider": str(session.collaborative)[:200],
        "date": date,
        "hours": hours,
        "format": TrainingEntry.Format.IN_PERSON
        if session.location
        else TrainingEntry.Format.VIRTUAL,
    }
    competency_ids = {c.pk for c in competencies}
    if existing is None:
        entry = TrainingEntry.objects.create(
            member=member, session=session, source=Source.SESSION, **values
        )
        entry.competencies.set(competencies)
        _audit(actor, "entry_from_attendance", entry, **_snapshot(entry))
        return
    changed = {k: str(v) for k, v in values.items() if getattr(existing, k) != v}
    old_ids = set(existing.competencies.values_list("pk", flat=True))
    if changed or old_ids != competency_ids:
        for name, value in values.items():
            setattr(existing, name, value)
        existing.save()
        existing.competencies.set(competencies)
        _audit(actor, "entry_updated_from_attendance", existing, **changed)


def _rsc_from_session(member, session, date, hours, provider_id, existing, actor) -> None:
    values = {
        "date": date,
        "hours": hours,
        "provider_id": provider_id,
        "format": RscEntry.Format.GROUP,
        "group_size": None,
    }
    if existing is None:
        entry = RscEntry.objects.create(
            member=member,
            session=session,
            source=Source.SESSION,
            status=RscEntry.Status.CONFIRMED,
            decided_at=timezone.now(),
            note="Confirmed by the facilitator's attendance record.",
            **values,
        )
        _audit(actor, "entry_from_attendance", entry, **_snapshot(entry))
        return
    changed = {
        k: str(v) for k, v in values.items() if k != "group_size" and getattr(existing, k) != v
    }
    if changed:
        for name, value in values.items():
            setattr(existing, name, value)
        existing.save()
        _audit(actor, "entry_updated_from_attendance", existing, **changed)


# --- goal, documents, sharing, credentials -------------------------------------------------------


def _profile(member) -> EndorsementProfile:
    profile, _ = EndorsementProfile.objects.get_or_create(member=member)
    return profile


@transaction.atomic
def goal_set(*, member, category, is_renewal: bool) -> None:
    """The member's goal: a category to earn, or (renewal) one they hold."""
    if category is None:
        raise DomainError("Choose a goal.", field="goal")
    if is_renewal and not Credential.objects.filter(member=member, category=category).exists():
        raise DomainError("You can only renew an endorsement you hold.", field="goal")
    member.goal_category = category
    member.goal_is_renewal = is_renewal
    member.save(update_fields=["goal_category", "goal_is_renewal"])
    audit_record(
        actor=member,
        action="endorsement.goal_set",
        target=member,
        detail={"category": category.code, "renewal": is_renewal},
    )


@transaction.atomic
def documents_set(*, member, keys: Iterable[str], allowed: Iterable[str]) -> None:
    allowed = set(allowed)
    keys = list(dict.fromkeys(keys))
    unknown = [key for key in keys if key not in allowed]
    if unknown:
        raise DomainError("That checklist item is not part of your goal.", field="documents")
    profile = _profile(member)
    profile.documents_done = keys
    profile.save(update_fields=["documents_done"])


SHARING_FIELDS = {
    "sharing",
    "organization",
    "in_directory",
    "show_sector",
    "show_county",
    "show_organization",
    "show_collaboratives",
    "show_badge",
    "provider_listed",
    "provider_virtual",
    "provider_individual",
    "provider_group",
    "accepting_supervisees",
}


@transaction.atomic
def sharing_update(*, member, **fields) -> EndorsementProfile:
    unknown = set(fields) - SHARING_FIELDS
    if unknown:
        raise DomainError(f"Unknown setting: {', '.join(sorted(unknown))}.")
    if fields.get("provider_listed") and not provider_qualifies(member):
        raise DomainError(
            "Only qualifying RSC providers can be listed in the provider directory.",
            field="provider_listed",
        )
    profile = _profile(member)
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.save()
    audit_record(
        actor=member,
        action="endorsement.sharing_updated",
        target=member,
        detail={k: str(v) for k, v in fields.items()},
    )
    return profile


@transaction.atomic
def credential_add(
    *, member, category, endorsement_id: str = "", earned_on=None, association=None
) -> Credential:
    if Credential.objects.filter(member=member, category=category).exists():
        raise DomainError("You already listed this endorsement.", field="category")
    if earned_on and earned_on > timezone.localdate():
        raise DomainError("The date cannot be in the future.", field="earned_on")
    credential = Credential.objects.create(
        member=member,
        category=category,
        endorsement_id=(endorsement_id or "").strip(),
        earned_on=earned_on,
        association=association,
    )
    audit_record(actor=member, action="endorsement.credential_added", target=credential)
    return credential


@transaction.atomic
def credential_request_verification(*, member, credential: Credential) -> None:
    if credential.member_id != member.pk:
        raise DomainError("No such endorsement.", code="not-found")
    if credential.verified_at:
        raise DomainError("This endorsement is already verified.")
    if not credential.endorsement_id:
        raise DomainError("Add your endorsement ID so staff can check it.", field="endorsement_id")
    credential.verification_requested_at = timezone.now()
    credential.save(update_fields=["verification_requested_at"])
    audit_record(actor=member, action="endorsement.verification_requested", target=credential)
    admin_ids = (
        get_user_model()
        .objects.filter(Q(is_superuser=True) | Q(groups__name=ADMINISTRATORS), is_active=True)
        .values_list("pk", flat=True)
        .distinct()
    )
    notify(
        user_ids=list(admin_ids),
        kind="endorsement-verify",
        text=f"{member.name} asks you to verify their {credential.category.code} endorsement.",
        url="/admin/snippets/endorsement/credential/",
    )


@transaction.atomic
def credential_verify(*, actor, credential: Credential) -> None:
    """Staff checked the association's registry: the badge now says "verified"."""
    if not actor.has_perm("endorsement.verify_credential", credential):
        raise DomainError("Only administrators verify endorsements.", code="forbidden")
    credential.verified_at = timezone.now()
    credential.verified_by = actor
    credential.save(update_fields=["verified_at", "verified_by"])
    audit_record(actor=actor, action="endorsement.credential_verified", target=credential)


@transaction.atomic
def credential_unverify(*, actor, credential: Credential) -> None:
    """A verification made in error is withdrawn: the badge no longer says "verified"."""
    if not actor.has_perm("endorsement.verify_credential", credential):
        raise DomainError("Only administrators verify endorsements.", code="forbidden")
    credential.verified_at = None
    credential.verified_by = None
    credential.save(update_fields=["verified_at", "verified_by"])
    audit_record(actor=actor, action="endorsement.credential_unverified", target=credential)


# --- provider directory contact ------------------------------------------------------------------


@transaction.atomic
def contact_request_send(*, sender, provider, message: str) -> ContactRequest:
    """Email a listed provider for the sender; the provider's address stays hidden."""
    message = (message or "").strip()
    if not message:
        raise DomainError("Write a short message to the provider.", field="message")
    if len(message) > 2000:
        raise DomainError("Keep the message under 2000 characters.", field="message")
    listed = qualifying_providers().filter(
        pk=provider.pk, endorsement_profile__provider_listed=True
    )
    if provider.pk == sender.pk or not listed.exists():
        raise DomainError("No such provider.", code="not-found")
    since = timezone.now() - dt.timedelta(days=1)
    recent = ContactRequest.objects.filter(sender=sender, created_at__gte=since)
    if recent.count() >= settings.ENDORSEMENT_CONTACT_REQUESTS_PER_DAY:
        raise DomainError(
            "You have sent as many contact requests as allowed today; try again tomorrow.",
            code="rate-limited",
        )
    if recent.filter(provider=provider).exists():
        raise DomainError("You already contacted this provider today.", code="rate-limited")
    request = ContactRequest.objects.create(sender=sender, provider=provider, message=message)
    EmailMessage(
        subject=f"{sender.name} asks about reflective supervision",
        body=(
            f"{sender.name} found you in the RSC provider directory and wrote:\n\n{message}\n\n"
            "Reply to this email to answer them; they do not see your address unless you do."
        ),
        to=[provider.email],
        reply_to=[sender.email],
    ).send()
    audit_record(actor=sender, action="endorsement.contact_request", target=request)
    return request
