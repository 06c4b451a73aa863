"""Writes on cohorts: invitations, joining, leaving and roles, with the rules they carry."""

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_record
from accounts.errors import AccessDenied, DomainError
from accounts.services import user_register
from collaboratives.broadcast import user_publish
from collaboratives.models import Cohort, Invitation, Membership, Role
from collaboratives.selectors import invitation_for_token, invitation_usable, token_hash

__all__ = [
    "invitation_accept",
    "invitation_create",
    "invitation_for_token",
    "invitation_revoke",
    "invitation_url",
    "membership_change_role",
    "membership_remove",
]


def invitation_url(token: str) -> str:
    """The absolute link a person follows to accept an invitation."""
    path = reverse("collaboratives:invitation-accept", kwargs={"token": token})
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def _clean_role(role: str) -> str:
    if role not in Role.values:
        raise DomainError("Choose member or facilitator.", field="role")
    return role


def _send_invitation_email(*, invitation: Invitation, token: str) -> None:
    cohort = invitation.cohort
    inviter = invitation.invited_by.name if invitation.invited_by else "The IMH Collaborative team"
    role = Role(invitation.role).label.lower()
    expires = timezone.localtime(invitation.expires_at)
    send_mail(
        subject=f"You are invited to join {cohort.name}",
        message=(
            f"Hello,\n\n"
            f"{inviter} invites you to join {cohort.name} of {cohort.collaborative.name} "
            f"as a {role}.\n\n"
            f"Follow this link to accept (it works once and expires on "
            f"{expires:%B} {expires.day}, {expires.year}):\n\n"
            f"{invitation_url(token)}\n\n"
            f"If you did not expect this invitation, you can ignore this email.\n"
        ),
        from_email=None,
        recipient_list=[invitation.email],
    )


def invitation_create(
    *, cohort: Cohort, email: str, role: str, invited_by
) -> tuple[Invitation, str]:
    """Invite an email address to a cohort; returns the invitation and its one-time token.

    Only the token's hash is stored, so the returned token is the only copy besides the email
    sent after commit. Older pending invitations of the same address to the cohort are revoked,
    so only the newest link works. `invited_by=None` means the platform's operator at the
    command line (`manage.py invite`); every web request passes its user and is checked.
    """
    if invited_by is not None and not invited_by.has_perm(
        "collaboratives.invite_to_cohort", cohort
    ):
        raise AccessDenied("You may not invite people to this cohort.")
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError as error:
        raise DomainError("Enter a valid email address.", field="email") from error
    role = _clean_role(role)
    if Membership.objects.filter(
        cohort=cohort, user__email__iexact=email, left_at__isnull=True
    ).exists():
        raise DomainError(f"{email} is already a member of {cohort.name}.", field="email")

    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        Invitation.objects.filter(
            cohort=cohort, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        invitation = Invitation.objects.create(
            cohort=cohort,
            email=email,
            role=role,
            token_hash=token_hash(token),
            invited_by=invited_by,
            expires_at=now + dt.timedelta(days=settings.INVITATION_VALID_DAYS),
        )
        # Only once the invitation is stored: a rolled-back invitation must not be mailed.
        transaction.on_commit(lambda: _send_invitation_email(invitation=invitation, token=token))
    return invitation, token


def invitation_revoke(*, invitation: Invitation, by) -> Invitation:
    """Withdraw a pending invitation so its link stops working."""
    if not by.has_perm("collaboratives.manage_cohort", invitation.cohort):
        raise AccessDenied("You may not manage this cohort.")
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.accepted_at is not None:
            raise DomainError("This invitation has already been used.", code="used")
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at"])
    return locked


def invitation_accept(
    *,
    token: str,
    user=None,
    username: str | None = None,
    password: str | None = None,
    display_name: str = "",
) -> Membership:
    """Accept an invitation: a signed-in `user` joins the cohort; otherwise a new account is
    registered with the invitation's email address and joins it.

    The invitation row is locked and re-checked inside the transaction, so a link works exactly
    once even when it is clicked twice at the same time; any failed check creates nothing.
    """
    with transaction.atomic():
        invitation = invitation_usable(
            Invitation.objects.select_for_update()
            .filter(token_hash=token_hash(token))
            .select_related("cohort")
            .first()
        )
        cohort = invitation.cohort
        if user is not None and user.is_authenticated:
            joiner = user
            if Membership.objects.filter(cohort=cohort, user=joiner, left_at__isnull=True).exists():
                raise DomainError(
                    f"You are already a member of {cohort.name}.", code="already_member"
                )
        else:
            # Raises DomainError with the offending field; the atomic block undoes everything.
            joiner = user_register(
                username=username or "",
                email=invitation.email,
                password=password or "",
                display_name=display_name or "",
            )
        membership = Membership.objects.create(
            cohort=cohort, user=joiner, role=invitation.role, invited_by=invitation.invited_by
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = joiner
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


def _active_membership_locked(*, cohort: Cohort, user) -> Membership:
    membership = (
        Membership.objects.select_for_update()
        .select_related("user")
        .filter(cohort=cohort, user=user, left_at__isnull=True)
        .first()
    )
    if membership is None:
        raise DomainError(f"{user} is not a member of {cohort.name}.", code="not_found")
    return membership


def _refuse_if_last_facilitator(*, cohort: Cohort, membership: Membership, action: str) -> None:
    # Locking every facilitator row serialises two facilitators removing each other.
    facilitators = list(
        Membership.objects.select_for_update()
        .filter(cohort=cohort, role=Role.FACILITATOR, left_at__isnull=True)
        .values_list("pk", flat=True)
    )
    if facilitators == [membership.pk]:
        raise DomainError(
            f"{membership.user} is the only facilitator of {cohort.name}. "
            f"Make someone else a facilitator before you {action}.",
            code="last_facilitator",
        )


def membership_remove(*, cohort: Cohort, user, by) -> Membership:
    """Take a person out of a cohort. The row stays, with left_at, for the record."""
    if not by.has_perm("collaboratives.manage_cohort", cohort):
        raise AccessDenied("You may not manage this cohort.")
    with transaction.atomic():
        membership = _active_membership_locked(cohort=cohort, user=user)
        if membership.role == Role.FACILITATOR:
            _refuse_if_last_facilitator(
                cohort=cohort, membership=membership, action=f"remove {membership.user}"
            )
        membership.left_at = timezone.now()
        membership.save(update_fields=["left_at"])
        audit_record(actor=by, action="cohort.member.remove", target=membership)
        # Their open room sockets re-check access at once and close.
        user_publish(user.pk, "access.changed")
    return membership


def membership_change_role(*, cohort: Cohort, user, role: str, by) -> Membership:
    """Make a member a facilitator or a facilitator a member."""
    if not by.has_perm("collaboratives.manage_cohort", cohort):
        raise AccessDenied("You may not manage this cohort.")
    role = _clean_role(role)
    with transaction.atomic():
        membership = _active_membership_locked(cohort=cohort, user=user)
        if membership.role == role:
            return membership
        if membership.role == Role.FACILITATOR:
            _refuse_if_last_facilitator(
                cohort=cohort, membership=membership, action=f"make {membership.user} a member"
            )
        membership.role = role
        membership.save(update_fields=["role"])
        audit_record(
            actor=by, action="cohort.member.role", target=membership, detail={"role": role}
        )
        user_publish(user.pk, "access.changed")
    return membership
