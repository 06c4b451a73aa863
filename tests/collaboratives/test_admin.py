"""Administrators set up collaboratives in the Wagtail admin; others cannot."""

import pytest

from accounts.roles import role_grant
from collaboratives.models import Collaborative
from tests.factories import ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db

ADD = "/admin/snippets/collaboratives/collaborative/add/"
INDEX = "/admin/snippets/collaboratives/collaborative/"


def _form(program, **overrides):
    data = {
        "name": "Statewide 2027",
        "slug": "statewide-2027",
        "program": program.pk,
        "description": "A year of learning together.",
        "starts_on": "2027-01-15",
        "ends_on": "2027-12-15",
        "is_public": "on",
        "message_retention_days": "730",
    }
    data.update(overrides)
    return data


@pytest.fixture
def administrator():
    user = UserFactory()
    role_grant(user=user, role="administrator")
    return user


def test_administrator_adds_a_collaborative_with_retention(client, administrator):
    program = ProgramFactory()
    client.force_login(administrator)

    assert client.get(INDEX).status_code == 200
    response = client.post(ADD, _form(program))

    assert response.status_code == 302
    collaborative = Collaborative.objects.get(slug="statewide-2027")
    assert collaborative.message_retention_days == 730


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("message_retention_days", "5", "greater than or equal to 30"),
        ("slug", "not a slug!", "Enter a valid"),
        ("name", "", "This field is required."),
    ],
    ids=["short-retention", "bad-slug", "no-name"],
)
def test_bad_collaborative_input_changes_nothing(client, administrator, field, value, error):
    program = ProgramFactory()
    client.force_login(administrator)

    response = client.post(ADD, _form(program, **{field: value}))

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Collaborative.objects.exists()


def test_members_and_staff_editors_cannot_reach_collaborative_admin(client):
    program = ProgramFactory()
    editor = UserFactory()
    role_grant(user=editor, role="staff-editor")
    client.force_login(editor)

    response = client.post(ADD, _form(program))

    assert response.status_code in (302, 403)
    assert not Collaborative.objects.exists()
    client.force_login(UserFactory())
    assert client.get(INDEX).status_code in (302, 403)
