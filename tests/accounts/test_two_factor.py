"""Two-step sign-in: set-up from the profile, the code step of sign-in, backup codes, the admin.

Codes are real TOTP codes computed here from the device's secret (django_otp.oath.totp).
"""

import re
import time
from base64 import b32decode

import pytest
from django.test import override_settings
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from accounts.models import AuditEntry
from accounts.roles import role_grant
from accounts.views import PENDING_SIGN_IN
from tests.factories import PASSWORD, UserFactory

LOGIN = "/accounts/login/"
CODE_STEP = "/accounts/login/code/"
SETUP = "/accounts/two-step/"

# django-otp slows a device down after each wrong code (1 s, 2 s, 4 s...); tests that follow a
# wrong code with a right one at once switch that delay off. Its own tests cover the delay.
no_throttle = override_settings(OTP_TOTP_THROTTLE_FACTOR=0, OTP_STATIC_THROTTLE_FACTOR=0)


def code_now(device, steps_ago=0) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, drift=-steps_ago):06d}"


def enable(user) -> tuple[TOTPDevice, list[str]]:
    """Two-step sign-in switched on through the services, as the set-up page does."""
    device = two_factor.two_factor_setup_begin(user=user)
    codes = two_factor.two_factor_setup_confirm(user=user, code=code_now(device))
    device.refresh_from_db()
    # The set-up used this time step's code; sign-in tests need the next one to be new.
    device.last_t -= 1
    device.save()
    return device, codes


def password_step(client, user, **extra):
    return client.post(LOGIN, {"username": user.username, "password": PASSWORD, **extra})


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


# --- Set-up from the profile -------------------------------------------------------------


def test_profile_offers_two_step_sign_in_set_up(client, outsider):
    client.force_login(outsider)

    html = client.get("/accounts/profile/").content.decode()

    assert 'href="/accounts/two-step/"' in html
    assert "Set up two-step sign-in" in html


def test_setup_page_shows_the_secret_and_an_inline_svg_qr_code(client, outsider):
    client.force_login(outsider)

    response = client.get(SETUP)

    html = response.content.decode()
    device = TOTPDevice.objects.get(user=outsider, confirmed=False)
    shown = re.search(r'<code id="two-factor-secret">([A-Z2-7 ]+)</code>', html).group(1)
    assert b32decode(shown.replace(" ", "") + "=" * (-len(shown.replace(" ", "")) % 8)) == (
        device.bin_key
    )
    assert "<svg" in html and "QR code for your authenticator app" in html
    assert "no-store" in response["Cache-Control"]
    assert "data:" not in html
    assert 'for="id_code"' in html


def test_setup_page_reload_keeps_the_same_secret(client, outsider):
    client.force_login(outsider)

    client.get(SETUP)
    client.get(SETUP)

    assert TOTPDevice.objects.filter(user=outsider).count() == 1


def test_setup_with_the_right_code_turns_it_on_and_shows_backup_codes(client, outsider):
    client.force_login(outsider)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=outsider)

    response = client.post(SETUP, {"code": code_now(device)})

    assert response.status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    codes = list(StaticToken.objects.filter(device__user=outsider).values_list("token", flat=True))
    assert len(codes) == two_factor.BACKUP_CODE_COUNT
    html = response.content.decode()
    assert all(f"<code>{code}</code>" in html for code in codes)
    assert AuditEntry.objects.filter(
        action="two_factor.enable", target_id=str(outsider.pk)
    ).exists()
    # The session that proved the code counts as verified.
    assert client.session.get("otp_device_id") == device.persistent_id


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("000000", two_factor.CODE_REFUSED),
        ("abc", two_factor.CODE_REFUSED),
        ("", "This field is required."),
        ("1" * 25, "at most 20 characters"),
    ],
)
def test_setup_with_a_bad_code_shows_a_field_message_and_changes_nothing(
    client, outsider, typed, message
):
    client.force_login(outsider)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=outsider)
    if typed == "000000" and code_now(device) == "000000":
        typed = "000001"

    response = client.post(SETUP, {"code": typed})

    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'aria-describedby="id_code_helptext id_code_error"' in html
    device.refresh_from_db()
    assert not device.confirmed
    assert not StaticDevice.objects.filter(user=outsider).exists()


def test_setup_with_an_expired_code_is_refused(client, outsider):
    client.force_login(outsider)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=outsider)

    response = client.post(SETUP, {"code": code_now(device, steps_ago=4)})

    assert response.status_code == 400
    assert two_factor.CODE_REFUSED in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed


def test_setup_page_when_already_on_goes_back_to_the_profile(client, outsider):
    enable(outsider)
    client.force_login(outsider)

    response = client.get(SETUP)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    assert TOTPDevice.objects.filter(user=outsider).count() == 1


# --- The code step of sign-in --------------------------------------------------------------


def test_sign_in_without_two_step_signs_in_at_once(client, outsider):
    response = password_step(client, outsider)

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(outsider.pk)


def test_sign_in_with_two_step_asks_for_the_code_before_signing_in(client, outsider):
    enable(outsider)

    response = password_step(client, outsider)

    assert response.status_code == 302
    assert response["Location"] == CODE_STEP
    assert signed_in_user_id(client) is None
    assert client.get("/accounts/profile/").status_code == 302  # not signed in yet
    page = client.get(CODE_STEP).content.decode()
    assert 'autocomplete="one-time-code"' in page


def test_code_step_with_the_right_code_signs_in_rotates_the_session_and_verifies(client, outsider):
    device, _ = enable(outsider)
    password_step(client, outsider, next="/accounts/profile/")
    before = client.cookies["sessionid"].value

    response = client.post(CODE_STEP, {"code": code_now(device)})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    assert signed_in_user_id(client) == str(outsider.pk)
    assert client.cookies["sessionid"].value != before
    assert client.session.get("otp_device_id") == device.persistent_id
    assert PENDING_SIGN_IN not in client.session


@pytest.mark.parametrize("kind", ["wrong", "expired", "malformed"])
def test_code_step_with_a_bad_code_refuses_and_stays_signed_out(client, outsider, kind):
    device, _ = enable(outsider)
    password_step(client, outsider)
    right = code_now(device)
    typed = {
        "wrong": f"{(int(right) + 1) % 1_000_000:06d}",
        "expired": code_now(device, steps_ago=4),
        "malformed": "<script>",
    }[kind]

    response = client.post(CODE_STEP, {"code": typed})

    assert response.status_code == 400
    assert two_factor.CODE_REFUSED in response.content.decode()
    assert signed_in_user_id(client) is None


@no_throttle
def test_code_step_refuses_a_code_used_once_already(client, outsider):
    device, _ = enable(outsider)
    password_step(client, outsider)
    code = code_now(device)
    client.post(CODE_STEP, {"code": code})
    client.post("/accounts/logout/")
    password_step(client, outsider)

    response = client.post(CODE_STEP, {"code": code})

    assert response.status_code == 400
    assert signed_in_user_id(client) is None


@no_throttle
def test_code_step_accepts_a_backup_code_once(client, outsider):
    _, codes = enable(outsider)
    password_step(client, outsider)

    first = client.post(CODE_STEP, {"code": codes[0].upper()})
    client.post("/accounts/logout/")
    password_step(client, outsider)
    again = client.post(CODE_STEP, {"code": codes[0]})

    assert first.status_code == 302
    assert again.status_code == 400
    assert StaticToken.objects.filter(device__user=outsider).count() == len(codes) - 1


def test_code_step_says_when_codes_are_paused_after_wrong_ones(client, outsider):
    device, _ = enable(outsider)
    password_step(client, outsider)
    wrong = f"{(int(code_now(device)) + 1) % 1_000_000:06d}"
    client.post(CODE_STEP, {"code": wrong})
    device.refresh_from_db()
    device.throttling_failure_timestamp = timezone.now()  # the last wrong code: just now
    device.throttling_failure_count = 5  # django-otp waits 2**4 s after five
    device.save()

    response = client.post(CODE_STEP, {"code": code_now(device)})

    assert response.status_code == 400
    assert two_factor.CODES_PAUSED in response.content.decode()
    assert signed_in_user_id(client) is None


def test_code_step_without_the_password_step_sends_to_sign_in(client, outsider):
    device, _ = enable(outsider)

    response = client.post(CODE_STEP, {"code": code_now(device)})

    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert signed_in_user_id(client) is None


@no_throttle
def test_code_step_gives_up_after_five_wrong_codes(client, outsider):
    device, _ = enable(outsider)
    password_step(client, outsider)
    wrong = f"{(int(code_now(device)) + 1) % 1_000_000:06d}"

    for _ in range(4):
        assert client.post(CODE_STEP, {"code": wrong}).status_code == 400
    fifth = client.post(CODE_STEP, {"code": wrong})
    after = client.post(CODE_STEP, {"code": code_now(device)})

    assert fifth.status_code == 302 and fifth["Location"] == LOGIN
    assert after["Location"] == LOGIN
    assert signed_in_user_id(client) is None


def test_code_step_expires(client, outsider):
    device, _ = enable(outsider)
    password_step(client, outsider)
    session = client.session
    session[PENDING_SIGN_IN] = {**session[PENDING_SIGN_IN], "at": time.time() - 3600}
    session.save()

    response = client.post(CODE_STEP, {"code": code_now(device)})

    assert response["Location"] == LOGIN
    assert signed_in_user_id(client) is None


def test_code_step_wrong_password_never_reaches_the_code(client, outsider):
    enable(outsider)

    response = client.post(LOGIN, {"username": outsider.username, "password": "wrong"})

    assert response.status_code == 200
    assert PENDING_SIGN_IN not in client.session


# --- Turning it off, new backup codes ------------------------------------------------------


@no_throttle
def test_disable_needs_a_current_code_and_a_wrong_one_changes_nothing(client, outsider):
    device, _ = enable(outsider)
    client.force_login(outsider)
    wrong = f"{(int(code_now(device)) + 1) % 1_000_000:06d}"

    refused = client.post("/accounts/two-step/off/", {"code": wrong})
    still_on = two_factor.two_factor_enabled(user=outsider)
    done = client.post("/accounts/two-step/off/", {"code": code_now(device)})

    assert refused.status_code == 400
    assert two_factor.CODE_REFUSED in refused.content.decode()
    assert still_on
    assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=outsider).exists()
    assert not StaticDevice.objects.filter(user=outsider).exists()
    assert AuditEntry.objects.filter(action="two_factor.disable").exists()


def test_backup_codes_renew_replaces_the_old_ones(client, outsider):
    device, old = enable(outsider)
    client.force_login(outsider)

    response = client.post("/accounts/two-step/backup-codes/", {"code": code_now(device)})

    assert response.status_code == 200
    new = set(StaticToken.objects.filter(device__user=outsider).values_list("token", flat=True))
    assert len(new) == two_factor.BACKUP_CODE_COUNT
    assert not new & set(old)


# --- The Wagtail admin ---------------------------------------------------------------------


@pytest.fixture
def editor(db):
    user = UserFactory()
    role_grant(user=user, role="staff-editor")
    return user


def admin_login(client, user, code=None):
    data = {"username": user.username, "password": PASSWORD, "next": "/admin/"}
    if code is not None:
        data["otp_code"] = code
    return client.post("/admin/login/", data)


def test_admin_login_page_has_a_labelled_code_field(client, db):
    html = client.get("/admin/login/").content.decode()

    assert 'name="otp_code"' in html
    assert re.search(r'<label[^>]*for="id_otp_code"[^>]*>\s*Code \(only if', html)


def test_admin_login_without_two_step_needs_the_password_only(client, editor):
    response = admin_login(client, editor)

    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("code", [None, "", "123"])
def test_admin_login_for_an_enrolled_editor_refuses_without_the_code(client, editor, code):
    enable(editor)

    response = admin_login(client, editor, code)

    assert response.status_code == 200
    assert two_factor.CODE_REFUSED in response.content.decode()
    assert signed_in_user_id(client) is None


def test_admin_login_for_an_enrolled_editor_accepts_the_code(client, editor):
    device, _ = enable(editor)

    response = admin_login(client, editor, code_now(device))

    assert response.status_code == 302
    assert client.session.get("otp_device_id") == device.persistent_id
    assert client.get("/admin/").status_code == 200


def test_admin_sends_an_enrolled_editor_without_the_second_factor_to_sign_in(client, editor):
    # A session that began before set-up (or any other way around the forms).
    enable(editor)
    client.force_login(editor)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/"
    assert signed_in_user_id(client) is None


def test_admin_login_wrong_password_gets_the_site_refusal(client, editor):
    response = client.post("/admin/login/", {"username": editor.username, "password": "nope"})

    assert response.status_code == 200
    assert "did not match" in response.content.decode()
    assert signed_in_user_id(client) is None


def test_deleting_the_account_deletes_the_authenticator_secret_and_backup_codes(client, outsider):
    enable(outsider)
    client.force_login(outsider)

    response = client.post(
        "/accounts/privacy/", {"password": PASSWORD, "confirmation": "Delete my account"}
    )

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=outsider).exists()
    assert not StaticDevice.objects.filter(user=outsider).exists()
