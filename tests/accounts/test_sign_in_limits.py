"""Sign-in limits beyond the (account, address) lockout: per address and per account."""

import pytest
from django.urls import reverse

from accounts.forms import SIGN_IN_REFUSED
from tests.factories import PASSWORD, UserFactory

LOGIN = "/accounts/login/"


WRONG = "wrong-guess"


def attempt(client, username, password=WRONG, address="203.0.113.9"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


@pytest.fixture
def limits(settings):
    settings.SIGNIN_ADDRESS_FAILURE_LIMIT = 6
    settings.SIGNIN_ACCOUNT_FAILURE_LIMIT = 4
    return settings


def test_one_address_spraying_many_accounts_is_stopped(client, limits, outsider):
    # Two failures each on three accounts: never five on one, so django-axes alone lets it go.
    for _ in range(2):
        for user in UserFactory.create_batch(3):
            assert attempt(client, user.username).status_code == 200

    response = attempt(client, outsider.username, PASSWORD)

    assert response.status_code == 429
    assert "from your network" in response.content.decode()
    assert signed_in_user_id(client) is None


def test_the_address_limit_leaves_other_addresses_alone(client, limits, outsider):
    for user in UserFactory.create_batch(6):
        attempt(client, user.username)

    response = attempt(client, outsider.username, PASSWORD, address="198.51.100.7")

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(outsider.pk)


def test_many_addresses_guessing_one_account_are_stopped(client, limits, outsider):
    for n in range(4):
        assert attempt(client, outsider.username, address=f"192.0.2.{n + 1}").status_code == 200

    response = attempt(client, outsider.email, PASSWORD, address="192.0.2.200")

    assert response.status_code == 429
    assert "to this account" in response.content.decode()
    assert signed_in_user_id(client) is None


def test_a_success_clears_the_account_count_but_not_the_address_count(client, limits, outsider):
    attacker = UserFactory()
    for _ in range(3):
        attempt(client, outsider.username)
    assert attempt(client, outsider.username, PASSWORD).status_code == 302
    client.post(reverse("logout"))
    # The account starts again (3 more failures are allowed before its limit of 4)...
    for _ in range(3):
        assert attempt(client, outsider.username, address="192.0.2.50").status_code == 200
    # ...while the address keeps counting (3 + 3 = 6 failures from 203.0.113.9 and .50 each).
    for _ in range(3):
        attempt(client, UserFactory().username)

    response = attempt(client, attacker.username, PASSWORD)

    assert response.status_code == 429


def test_unknown_accounts_count_toward_the_address_limit_with_the_same_message(
    client, limits, outsider
):
    responses = [attempt(client, f"nobody-{n}") for n in range(6)]

    assert all(SIGN_IN_REFUSED in r.content.decode() for r in responses)
    assert attempt(client, outsider.username, PASSWORD).status_code == 429


def test_the_admin_login_obeys_the_address_limit(client, limits, outsider):
    for user in UserFactory.create_batch(6):
        attempt(client, user.username)

    response = client.post(
        "/admin/login/",
        {"username": outsider.username, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.9",
    )

    assert response.status_code == 429
    assert signed_in_user_id(client) is None


def test_a_password_reset_lifts_the_account_limit(client, limits, outsider):
    from accounts.services import signin_lockout_clear

    for n in range(4):
        attempt(client, outsider.username, address=f"192.0.2.{n + 1}")
    signin_lockout_clear(user=outsider)

    response = attempt(client, outsider.username, PASSWORD, address="192.0.2.99")

    assert response.status_code == 302
