"""The home page's recent resources: a fixed number of queries, and a cache that never shows a
visitor a members-only resource and never shows anyone a stale list after an edit."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from competencies.models import Competency
from events.models import Visibility
from resources.models import ResourcePage
from tests.factories import CohortFactory, MembershipFactory, SessionFactory, UserFactory
from tests.resources import builders

ATTACHMENT = "attachment-separation-trauma-grief-loss"
SCREENING = "screening-assessment"


@pytest.fixture(autouse=True)
def empty_cache():
    """The recent lists live in the cache, which outlives each test's rolled-back rows."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def library(db):
    return builders.library()


@pytest.fixture
def member(db):
    """A member of a cohort with a room and upcoming sessions, so every home section renders."""
    user = UserFactory()
    cohort = CohortFactory()
    MembershipFactory(user=user, cohort=cohort)
    for _ in range(4):
        SessionFactory(collaborative=cohort.collaborative, visibility=Visibility.PUBLIC)
    return user


def _recent_titles(client) -> list[str]:
    response = client.get("/")
    assert response.status_code == 200
    return [card.title for card in response.context["recent_resources"]]


def _queries(client) -> tuple[int, int]:
    """Queries of the home page with the recent list not yet cached, then cached."""
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        assert client.get("/").status_code == 200
    with CaptureQueriesContext(connection) as warm:
        assert client.get("/").status_code == 200
    return len(cold), len(warm)


@pytest.mark.parametrize("signed_in", [False, True])
def test_home_page_query_count_is_the_same_at_1_and_12_resources(
    library, member, client, signed_in
):
    if signed_in:
        client.force_login(member)
    builders.resource(library, "Resource 0", competencies=[ATTACHMENT, SCREENING])
    client.get("/")  # Wagtail's site-root paths, as every request after the first finds them
    one = _queries(client)

    for number in range(1, 12):
        builders.resource(library, f"Resource {number}", competencies=[ATTACHMENT, SCREENING])
    twelve = _queries(client)

    assert one == twelve
    # Cached, the list costs nothing: the warm page makes fewer queries than the cold one.
    assert twelve[1] < twelve[0]


def test_home_page_lists_a_resource_published_after_the_list_was_cached(library, client):
    builders.resource(library, "First resource")
    assert _recent_titles(client) == ["First resource"]

    builders.resource(library, "Second resource")

    assert _recent_titles(client) == ["Second resource", "First resource"]


def test_home_page_hides_a_resource_from_visitors_as_soon_as_it_becomes_members_only(
    library, client
):
    page = builders.resource(library, "Soon for members")
    assert _recent_titles(client) == ["Soon for members"]

    page.members_only = True
    builders.publish(page)

    assert _recent_titles(client) == []
    assert "Soon for members" not in client.get("/").content.decode()


def test_home_page_never_serves_the_members_list_to_a_visitor(library, member, client):
    builders.resource(library, "Open resource")
    builders.resource(library, "Members resource", members_only=True)
    client.force_login(member)
    assert _recent_titles(client) == ["Members resource", "Open resource"]

    client.logout()

    assert _recent_titles(client) == ["Open resource"]
    assert "Members resource" not in client.get("/").content.decode()


def test_home_page_drops_an_unpublished_resource(library, client):
    page = builders.resource(library, "Withdrawn resource")
    assert _recent_titles(client) == ["Withdrawn resource"]

    page.unpublish()

    assert _recent_titles(client) == []


def test_home_page_shows_a_renamed_competency_on_the_cached_list(library, client):
    builders.resource(library, "Tagged resource", competencies=[SCREENING])
    assert "Screening renamed" not in client.get("/").content.decode()

    competency = Competency.objects.get(slug=SCREENING)
    competency.name = "Screening renamed"
    competency.save()

    assert "Screening renamed" in client.get("/").content.decode()


def test_home_page_shows_the_new_title_of_a_republished_resource(library, client):
    page = builders.resource(library, "Old title")
    assert _recent_titles(client) == ["Old title"]

    page = ResourcePage.objects.get(pk=page.pk)
    page.title = "New title"
    builders.publish(page)

    assert _recent_titles(client) == ["New title"]


def test_home_page_never_lists_a_resource_in_a_view_restricted_section(library, member, client):
    builders.resource(library, "Open resource")
    private = builders.library(title="Private shelf", slug="private-shelf")
    builders.resource(private, "Restricted resource")
    assert _recent_titles(client) == ["Restricted resource", "Open resource"]

    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)

    # Wagtail's public(): a restricted section is left out of lists for everyone.
    assert _recent_titles(client) == ["Open resource"]
    client.force_login(member)
    assert _recent_titles(client) == ["Open resource"]
