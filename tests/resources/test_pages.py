import pytest
from django.core.management import call_command

from accounts.models import User
from resources.models import ResourcePage


@pytest.fixture
def demo(db):
    call_command("demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_members_only_resource_shows_a_sign_in_prompt_to_visitors(demo, client):
    page = ResourcePage.objects.filter(members_only=True).first()

    response = client.get(page.url)

    assert response.status_code == 403
    html = response.content.decode()
    assert "Sign in" in html
    assert page.summary not in html


def test_members_only_resource_is_readable_by_members(demo, client):
    page = ResourcePage.objects.filter(members_only=True).first()
    client.force_login(User.objects.get(username="member2"))

    response = client.get(page.url)

    assert response.status_code == 200
    assert page.summary in response.content.decode()


def test_resource_library_lists_only_public_items_to_visitors(demo, client):
    hidden = ResourcePage.objects.filter(members_only=True).values_list("title", flat=True)

    html = (
        client.get("/resources/").content.decode()
        + client.get("/resources/", {"page": 2}).content.decode()
    )

    for title in hidden:
        assert title not in html


def test_resource_library_query_count_is_constant(demo, client, django_assert_max_num_queries):
    client.get("/resources/")

    with django_assert_max_num_queries(15):
        client.get("/resources/")
