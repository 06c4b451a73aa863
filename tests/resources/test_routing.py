"""Remembered routing (resources/routing.py), cached view restrictions and cached articles: each
saves queries, and none may ever serve a page that Wagtail itself would not serve, or serve it
to someone Wagtail would refuse, or show content older than the last publish."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction, Site

from resources.routing import GENERATION_KEY
from tests.factories import UserFactory
from tests.resources import builders


@pytest.fixture
def tree(db):
    library = builders.library()
    return {
        "library": library,
        "open": builders.resource(library, "Open handout"),
        "members": builders.resource(library, "Cohort toolkit", members_only=True),
    }


def _queries(client, url) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return len(captured.captured_queries), response


def test_a_remembered_address_costs_fewer_queries_and_serves_the_same_page(tree, client):
    url = tree["open"].url
    cold, first = _queries(client, url)
    warm, second = _queries(client, url)

    assert first.status_code == second.status_code == 200
    assert "Open handout" in second.content.decode()
    # Site lookup, root, two levels of child + specific, two restriction queries, the article.
    assert warm <= cold - 4, (cold, warm)


def test_an_unpublished_page_is_not_served_from_a_remembered_address(tree, client):
    page = tree["open"]
    url = page.url
    assert client.get(url).status_code == 200

    page.unpublish()

    assert client.get(url).status_code == 404


def test_a_renamed_page_answers_only_at_its_new_address(tree, client):
    page = tree["open"]
    old_url = page.url
    assert client.get(old_url).status_code == 200

    page.slug = "open-handout-2026"
    builders.publish(page)

    assert client.get(old_url).status_code == 404
    response = client.get(page.url)
    assert response.status_code == 200
    assert "Open handout" in response.content.decode()


def test_a_deleted_page_is_not_served_and_its_address_can_be_reused(tree, client):
    page = tree["open"]
    url = page.url
    assert client.get(url).status_code == 200

    page.delete()
    assert client.get(url).status_code == 404

    builders.resource(tree["library"], "Open handout", summary="The second of its name.")
    response = client.get(url)
    assert response.status_code == 200
    assert "The second of its name." in response.content.decode()


def test_members_only_pages_still_turn_visitors_away_when_remembered(tree, client):
    url = tree["members"].url
    member = UserFactory()
    client.force_login(member)
    assert client.get(url).status_code == 200  # remembered now

    client.logout()
    response = client.get(url)

    assert response.status_code == 403
    assert tree["members"].summary not in response.content.decode()


def test_a_routable_pages_own_views_still_answer(tree, client):
    url = tree["library"].url + "competencies/"
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200
        assert "competenc" in response.content.decode().lower()


@pytest.mark.parametrize(
    "path", ["/no-such-page/", "/resources/no-such-resource/", "/resources/open-handout/extra/"]
)
def test_an_unknown_address_is_a_404_and_nothing_is_remembered(tree, client, path):
    for _ in range(2):
        assert client.get(path).status_code == 404


def test_a_restriction_added_after_a_page_was_served_applies_at_once(tree, client):
    page = tree["open"]
    url = page.url
    assert client.get(url).status_code == 200  # route, sections and article now cached

    PageViewRestriction.objects.create(page=tree["library"], restriction_type="login")

    response = client.get(url)
    assert response.status_code == 302
    assert "Open handout" not in response.content.decode()
    client.force_login(UserFactory())
    assert client.get(url).status_code == 200


def test_an_alias_of_a_restricted_page_is_restricted_too(tree, client):
    source = tree["open"]
    alias = source.create_alias(parent=builders.home(), update_slug="handout-alias")
    PageViewRestriction.objects.create(page=source, restriction_type="login")

    assert client.get(alias.url).status_code == 302
    # And the listings leave it out, as they leave out the restricted page itself.
    from django.contrib.auth.models import AnonymousUser

    from resources.selectors import resources_visible_to

    assert not resources_visible_to(user=AnonymousUser()).filter(pk=alias.pk).exists()


def test_a_published_change_shows_at_once_in_the_cached_article(tree, client):
    page = tree["open"]
    assert "Body of Open handout." in client.get(page.url).content.decode()

    page.body = "<p>A corrected paragraph.</p>"
    builders.publish(page)

    html = client.get(page.url).content.decode()
    assert "A corrected paragraph." in html
    assert "Body of Open handout." not in html


def test_a_site_change_is_seen_at_once(tree, client, settings):
    settings.ALLOWED_HOSTS = ["*"]
    url = tree["open"].url
    assert client.get(url).status_code == 200
    from django.core.cache import cache

    before = cache.get(GENERATION_KEY)
    site = Site.objects.get(is_default_site=True)
    site.site_name = "Renamed"
    site.save()

    assert cache.get(GENERATION_KEY) != before
    assert client.get(url).status_code == 200
