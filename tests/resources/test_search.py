import pytest

from accounts.models import User
from resources.models import ResourcePage
from resources.search import MAX_QUERY_LENGTH, clean_query, run


@pytest.fixture
def demo(db):
    from django.core.management import call_command

    call_command("demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_search_api_has_the_contract_shape(demo, client):
    body = client.get("/api/search/", {"q": "attachment"}).json()

    assert set(body) == {"total", "backend", "results", "facets"}
    assert body["backend"] == "database"
    hit = body["results"][0]
    assert {"title", "url", "type", "competencies", "snippet"} <= set(hit)
    assert {"competency", "type"} == set(body["facets"])
    assert {"slug", "name", "count"} == set(body["facets"]["competency"][0])


def test_search_never_shows_members_only_items_to_visitors(demo, client):
    hidden = set(ResourcePage.objects.filter(members_only=True).values_list("title", flat=True))

    body = client.get("/api/search/", {"q": ""}).json()

    titles = {hit["title"] for hit in body["results"]}
    assert hidden and not (hidden & titles)
    all_count = ResourcePage.objects.live().count()
    type_total = sum(f["count"] for f in body["facets"]["type"] if f["slug"] != "research-update")
    assert type_total == all_count - len(hidden)


def test_search_shows_members_only_items_to_members(demo):
    member = User.objects.get(username="member1")

    results = run(user=member, query="reflective supervision")

    assert any(hit["members_only"] for hit in results.results)


def test_search_filters_by_competency_and_type(demo, client):
    body = client.get(
        "/api/search/",
        {"competency": "attachment-separation-trauma-grief-loss", "type": "research-update"},
    ).json()

    assert body["total"] >= 1
    for hit in body["results"]:
        assert hit["type"] == "research-update"
        assert "attachment-separation-trauma-grief-loss" in hit["competencies"]


@pytest.mark.parametrize(
    "query",
    ["a" * 10_000, '"foo', "AND OR NOT ( )", "title:* OR _exists_:body", "/.*/", "%", "_", "\\"],
)
def test_search_hostile_queries_answer_cleanly(demo, client, query):
    response = client.get("/api/search/", {"q": query, "page": "-1"})

    assert response.status_code == 200
    assert isinstance(response.json()["total"], int)


def test_search_page_bad_page_number_falls_back_to_the_first_page(demo, client):
    response = client.get("/search/", {"q": "attachment", "page": "ten"})

    assert response.status_code == 200
    assert response.context["results"].page == 1


def test_clean_query_bounds_length_and_drops_control_characters():
    assert clean_query("  a\x00b\n\tc  ") == "ab c"
    assert len(clean_query("x" * 5000)) == MAX_QUERY_LENGTH
