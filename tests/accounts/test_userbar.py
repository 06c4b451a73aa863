"""Wagtail's user bar: shown to people with admin access, and not costing members a query."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import role_grant
from tests.factories import MembershipFactory, UserFactory

USERBAR = "wagtail-userbar"


def test_a_member_gets_no_user_bar_and_no_permission_queries(client):
    client.force_login(MembershipFactory().user)

    with CaptureQueriesContext(connection) as queries:
        page = client.get("/events/").content.decode()

    assert USERBAR not in page
    assert not [q for q in queries.captured_queries if "auth_permission" in q["sql"]]


def test_a_staff_editor_gets_the_user_bar(client, db):
    editor = UserFactory()
    role_grant(user=editor, role="staff-editor")
    client.force_login(editor)

    assert USERBAR in client.get("/events/").content.decode()


def test_a_superuser_without_a_role_gets_the_user_bar(client, db):
    client.force_login(UserFactory(is_superuser=True))

    assert USERBAR in client.get("/events/").content.decode()


def test_a_visitor_gets_no_user_bar(client, db):
    assert USERBAR not in client.get("/events/").content.decode()
