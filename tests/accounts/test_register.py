"""user_register, which the invitation flow calls: its refusals carry the field and the reason."""

import pytest

from accounts.errors import DomainError
from accounts.models import User
from accounts.services import user_register

GOOD = {
    "username": "newcomer",
    "email": "newcomer@example.org",
    "password": "Quiet-harbor-42-lamps",
}


def test_user_register_creates_a_member_who_can_sign_in(client, db):
    user = user_register(**GOOD, display_name="  New Comer ")

    assert user.display_name == "New Comer"
    assert user.check_password(GOOD["password"])
    response = client.post(
        "/accounts/login/", {"username": "NEWCOMER", "password": GOOD["password"]}
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"password": "12345678"}, "password", "This password is entirely numeric."),
        ({"password": "short"}, "password", "This password is too short."),
        ({"password": "password123"}, "password", "This password is too common."),
        ({"password": "newcomer-example"}, "password", "too similar to the"),
        ({"display_name": "New\u202eComer"}, "display_name", "invisible formatting characters"),
        ({"display_name": "N" * 81}, "display_name", "at most 80 characters"),
        ({"email": "not an address"}, "email", "Enter a valid email address."),
        ({"username": "bad name!"}, "username", "Enter a valid username."),
    ],
)
def test_user_register_refusals_name_the_field_and_create_nothing(db, overrides, field, message):
    with pytest.raises(DomainError) as raised:
        user_register(**{**GOOD, **overrides})

    assert raised.value.field == field
    assert message in raised.value.message
    assert not User.objects.filter(username__iexact=GOOD["username"]).exists()


def test_user_register_refuses_a_taken_email_in_any_case(db):
    user_register(**GOOD)

    with pytest.raises(DomainError) as raised:
        user_register(**{**GOOD, "username": "someone-else", "email": GOOD["email"].upper()})

    assert raised.value.field == "email"
    assert User.objects.count() == 1
