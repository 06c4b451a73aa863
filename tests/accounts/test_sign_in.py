"""Signing in: username or email, one refusal message, lockout after failed attempts."""

import re

import pytest
from django.urls import reverse

from accounts.forms import SIGN_IN_REFUSED
from tests.factories import PASSWORD, UserFactory

LOGIN = "/accounts/login/"


def sign_in(client, username, password=PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def test_login_url_is_the_contract_path():
    assert reverse("login") == LOGIN


def test_login_page_has_labelled_fields_csrf_and_reset_link(client, db):
    response = client.get(LOGIN)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in html
    assert re.search(r'<label for="id_username">Username or email</label>', html)
    assert re.search(r'<label for="id_password">Password</label>', html)
    assert 'name="username"' in html and 'name="password"' in html
    assert f'href="{reverse("password_reset")}"' in html


def test_sign_in_with_username_succeeds(client, outsider):
    response = sign_in(client, outsider.username)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_user_id(client) == str(outsider.pk)


def test_sign_in_with_email_in_any_case_succeeds(client, outsider):
    response = sign_in(client, f"  {outsider.email.upper()} ")

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(outsider.pk)


def test_sign_in_with_username_in_other_case_succeeds(client, outsider):
    response = sign_in(client, outsider.username.upper())

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(outsider.pk)


def test_sign_in_with_wrong_password_shows_the_refusal(client, outsider):
    response = sign_in(client, outsider.username, "not-the-password")

    assert response.status_code == 200
    assert SIGN_IN_REFUSED in response.content.decode()
    assert signed_in_user_id(client) is None


def _page_without_variables(response, typed):
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return html.replace(typed, "TYPED")


def test_sign_in_unknown_user_page_is_the_same_as_wrong_password(client, outsider):
    wrong_password = sign_in(client, outsider.username, "not-the-password")
    unknown_user = sign_in(client, "nobody-by-this-name", "not-the-password")

    assert unknown_user.status_code == wrong_password.status_code == 200
    assert SIGN_IN_REFUSED in unknown_user.content.decode()
    assert _page_without_variables(unknown_user, "nobody-by-this-name") == (
        _page_without_variables(wrong_password, outsider.username)
    )


def test_sign_in_inactive_account_with_right_password_shows_the_same_refusal(client, db):
    user = UserFactory(is_active=False)

    response = sign_in(client, user.username)

    assert response.status_code == 200
    assert SIGN_IN_REFUSED in response.content.decode()
    assert signed_in_user_id(client) is None


def test_sign_in_keeps_next_and_goes_there(client, outsider):
    page = client.get(LOGIN, {"next": "/accounts/profile/"})
    assert 'name="next" value="/accounts/profile/"' in page.content.decode()

    response = sign_in(client, outsider.username, next="/accounts/profile/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"


def test_sign_in_ignores_next_pointing_off_site(client, outsider):
    response = sign_in(client, outsider.username, next="https://evil.example/phish")

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_sign_in_rotates_the_session_key(client, outsider):
    session = client.session  # the test client creates and stores a session on first access
    session["seen"] = True
    session.save()
    before = client.cookies["sessionid"].value

    sign_in(client, outsider.username)

    after = client.cookies["sessionid"].value
    assert after != before
    assert signed_in_user_id(client) == str(outsider.pk)


def test_sign_in_locks_out_after_five_failures_even_with_the_right_password(client, outsider):
    for _ in range(5):
        sign_in(client, outsider.username, "wrong-guess")

    response = sign_in(client, outsider.username)

    assert response.status_code == 429
    html = response.content.decode()
    assert "too many failed attempts" in html
    assert "15 minutes" in html
    assert f'href="{reverse("password_reset")}"' in html
    assert signed_in_user_id(client) is None


def test_sign_in_lockout_counts_every_spelling_of_one_account(client, outsider):
    for typed in [
        outsider.username,
        outsider.username.upper(),
        outsider.email,
        outsider.email.upper(),
        outsider.username.title(),
    ]:
        sign_in(client, typed, "wrong-guess")

    response = sign_in(client, outsider.email)

    assert response.status_code == 429
    assert signed_in_user_id(client) is None


def test_sign_in_lockout_is_per_account(client, outsider):
    other = UserFactory()
    for _ in range(5):
        sign_in(client, other.username, "wrong-guess")

    response = sign_in(client, outsider.username)

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(outsider.pk)


def test_sign_in_success_resets_only_its_own_failures(client, outsider):
    # An attacker fails four times on a victim, signs in to their own account from the same
    # place, and tries again: their success must not wipe the victim's count.
    attacker = UserFactory()
    for _ in range(4):
        sign_in(client, outsider.username, "wrong-guess")
    assert sign_in(client, attacker.username).status_code == 302
    client.post(reverse("logout"))
    sign_in(client, outsider.username, "wrong-guess")

    response = sign_in(client, outsider.username)

    assert response.status_code == 429


def test_sign_in_success_clears_the_failures_before_it(client, outsider):
    for _ in range(4):
        sign_in(client, outsider.username, "wrong-guess")
    assert sign_in(client, outsider.username).status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        sign_in(client, outsider.username, "wrong-guess")

    response = sign_in(client, outsider.username)

    assert response.status_code == 302


def test_sign_in_lockout_holds_for_the_address_that_failed_only(client, outsider):
    # Locking the pair (account, address) keeps a stranger from locking a member out everywhere.
    for _ in range(5):
        client.post(
            LOGIN, {"username": outsider.username, "password": "wrong"}, REMOTE_ADDR="203.0.113.9"
        )

    locked = client.post(
        LOGIN, {"username": outsider.username, "password": PASSWORD}, REMOTE_ADDR="203.0.113.9"
    )
    elsewhere = client.post(
        LOGIN, {"username": outsider.username, "password": PASSWORD}, REMOTE_ADDR="198.51.100.7"
    )

    assert locked.status_code == 429
    assert elsewhere.status_code == 302


@pytest.mark.parametrize(
    ("typed", "message"),
    [("", "This field is required."), ("x" * 300, "at most 254 characters")],
)
def test_sign_in_with_malformed_username_shows_a_field_message(client, outsider, typed, message):
    response = sign_in(client, typed)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_username_error"' in html
    assert message in html
    assert 'aria-describedby="id_username_error"' in html
    assert signed_in_user_id(client) is None


def test_sign_out_ends_the_session(client, outsider):
    sign_in(client, outsider.username)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert signed_in_user_id(client) is None
