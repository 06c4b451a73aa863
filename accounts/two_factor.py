"""Two-step sign-in (django-otp): set up an authenticator app, check codes, backup codes.

One authenticator app (a TOTP device) per person, confirmed by a first correct code; confirming
also issues BACKUP_CODE_COUNT single-use backup codes (a static device) for a lost phone.
Codes are checked on one device picked by their shape (6 digits: the app; otherwise a backup
code), so a wrong code slows down only the device it was meant for (django-otp's throttling).
"""

import re
from base64 import b32encode
from datetime import timedelta

import segno
from django.db import transaction
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django_otp import devices_for_user, user_has_device
from django_otp import verify_token as otp_verify_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.audit import audit_record
from accounts.errors import DomainError

APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"
BACKUP_CODE_COUNT = 10
CODE_REFUSED = (
    "That code did not match. Enter the 6-digit code your authenticator app shows now, "
    "or one of your unused backup codes."
)
CODES_PAUSED = (
    "Too many wrong codes in a row, so codes from the app are paused for a little while. "
    "Wait a minute and try again, or use one of your backup codes."
)
PAUSE_WORTH_SAYING = timedelta(seconds=3)
_TOTP_SHAPE = re.compile(r"\d{6}")
_BACKUP_SHAPE = re.compile(r"[a-z2-7]{8}")


def code_normalize(code: str) -> str:
    """The code as typed, without spaces or dashes, lower case (backup codes are base32)."""
    return re.sub(r"[\s-]", "", code or "").lower()


def two_factor_enabled(*, user) -> bool:
    return user_has_device(user, confirmed=True)


def second_factor_device(*, user) -> TOTPDevice | None:
    """The person's confirmed authenticator-app device, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def backup_codes_left(*, user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def two_factor_setup_begin(*, user) -> TOTPDevice:
    """The unconfirmed authenticator-app device to show while setting up (made once, reused on
    reload so the QR code the person already scanned stays right)."""
    if two_factor_enabled(user=user):
        raise DomainError("Two-step sign-in is already on.", code="already_enabled")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def setup_qr_svg(*, device: TOTPDevice) -> SafeString:
    """The device's otpauth:// address as an inline SVG QR code (no style attribute, so the
    strict Content-Security-Policy allows it; no data: URL needed)."""
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, border=2, dark="#000", light="#fff", title="QR code for your authenticator app"
    )
    return mark_safe(svg)  # noqa: S308 - segno's own markup, built from our own secret


def setup_secret(*, device: TOTPDevice) -> str:
    """The secret in the base32 form apps accept when typed, in groups of four."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[index : index + 4] for index in range(0, len(secret), 4))


def two_factor_setup_confirm(*, user, code: str) -> list[str]:
    """Turn two-step sign-in on with a first correct code; returns the new backup codes.

    Raises DomainError and changes nothing when the code is wrong or there is nothing to
    confirm."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None or two_factor_enabled(user=user):
        raise DomainError(
            "There is no set-up in progress. Start again from your profile.", code="no_setup"
        )
    code = code_normalize(code)
    if (
        not _TOTP_SHAPE.fullmatch(code)
        or otp_verify_token(user, device.persistent_id, code) is None
    ):
        raise DomainError(CODE_REFUSED, code="code_refused", field="code")
    with transaction.atomic():
        device.refresh_from_db()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        codes = _backup_codes_replace(user=user)
        audit_record(actor=user, action="two_factor.enable", target=user)
    return codes


def _backup_codes_replace(*, user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def second_factor_check(*, user, code: str):
    """The confirmed device that accepts `code` (and consumes it), or None.

    A TOTP code is accepted once (django-otp refuses the same time step twice); a backup code
    is deleted when used."""
    code = code_normalize(code)
    if _TOTP_SHAPE.fullmatch(code):
        model = TOTPDevice
    elif _BACKUP_SHAPE.fullmatch(code):
        model = StaticDevice
    else:
        return None
    for device in devices_for_user(user, confirmed=True):
        if isinstance(device, model):
            return otp_verify_token(user, device.persistent_id, code)
    return None


def second_factor_refusal(*, user) -> str:
    """The message for a refused code: plain "did not match", or that the app's codes are
    paused (django-otp's growing delay after wrong codes), so nobody retypes in vain."""
    device = second_factor_device(user=user)
    if device is None:
        return CODE_REFUSED
    allowed, data = device.verify_is_allowed()
    locked_until = (data or {}).get("locked_until")
    # The first delays (1 s, 2 s) are over before anyone has retyped: not worth a word.
    if not allowed and locked_until and locked_until - timezone.now() > PAUSE_WORTH_SAYING:
        return CODES_PAUSED
    return CODE_REFUSED


def two_factor_disable(*, user, code: str) -> None:
    """Turn two-step sign-in off, proven by a current code; raises DomainError otherwise."""
    if not two_factor_enabled(user=user):
        raise DomainError("Two-step sign-in is already off.", code="not_enabled")
    if second_factor_check(user=user, code=code) is None:
        raise DomainError(CODE_REFUSED, code="code_refused", field="code")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        audit_record(actor=user, action="two_factor.disable", target=user)


def two_factor_forget(*, user) -> None:
    """Delete the person's authenticator secret and backup codes (account deletion)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def backup_codes_renew(*, user, code: str) -> list[str]:
    """Replace the backup codes, proven by a current code; returns the new ones."""
    if not two_factor_enabled(user=user):
        raise DomainError("Two-step sign-in is off.", code="not_enabled")
    if second_factor_check(user=user, code=code) is None:
        raise DomainError(CODE_REFUSED, code="code_refused", field="code")
    with transaction.atomic():
        codes = _backup_codes_replace(user=user)
        audit_record(actor=user, action="two_factor.backup_codes_renew", target=user)
    return codes
