"""Search through the database backend: the JSON contract, access rules in hits and counts,
facets, snippets, suggestions, hostile input, index updates, autocomplete and search_reindex."""

import io
import json
import time

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from wagtail.models import PageViewRestriction

from accounts.models import User
from competencies.models import AreaOfExpertise, Competency
from resources.models import ResourcePage, ResourceType
from resources.search import MAX_QUERY_LENGTH, clean_query, indexing, registry, run
from resources.search import database as search_database
from resources.search.models import SearchDocument
from resources.search.query import MARK_END, MARK_START
from tests.factories import UserFactory
from tests.resources import builders

ATTACHMENT = "attachment-separation-trauma-grief-loss"
REFLECTIVE = "reflective-supervision-consultation"
OBSERVATION = "observation-listening"


@pytest.fixture(autouse=True)
def fresh_cache():
    """Cached facet counts outlive a test's rolled-back database; start each test without."""
    cache.clear()


@pytest.fixture
def demo(db):
    call_command("demo", stdout=io.StringIO())


@pytest.fixture
def library(db):
    return builders.library()


@pytest.fixture
def research(db):
    return builders.research_index()


@pytest.fixture
def member(db):
    return UserFactory()


def api(client, **params) -> dict:
    response = client.get("/api/search/", params)
    assert response.status_code == 200, response.content[:500]
    return response.json()


def titles(body) -> list[str]:
    return [hit["title"] for hit in body["results"]]


def counts(body, facet) -> dict[str, int]:
    return {entry["slug"]: entry["count"] for entry in body["facets"][facet]}


# --- the contract ---------------------------------------------------------------------------------


def test_search_api_has_the_contract_shape(demo, client):
    body = api(client, q="attachment")

    assert {"total", "backend", "results", "facets"} <= set(body)
    assert set(body) - {"total", "backend", "results", "facets"} == {
        "suggestion",
        "degraded",
        "page",
        "pages",
        "message",
    }
    assert body["backend"] == "database"
    assert body["degraded"] is False
    hit = body["results"][0]
    assert {"title", "url", "type", "competencies", "snippet"} <= set(hit)
    assert isinstance(hit["competencies"], list)
    assert {"competency", "type"} == set(body["facets"])
    assert {"slug", "name", "count"} == set(body["facets"]["competency"][0])
    assert {"slug", "name", "count"} == set(body["facets"]["type"][0])


def test_search_api_empty_query_browses_everything_newest_first(library, client):
    builders.resource(library, "Older handout")
    builders.resource(library, "Newer handout")

    body = api(client, q="")

    assert body["total"] == 2
    assert titles(body) == ["Newer handout", "Older handout"]


def test_search_never_shows_members_only_items_to_visitors(demo, client):
    hidden = set(ResourcePage.objects.filter(members_only=True).values_list("title", flat=True))

    body = api(client, q="")

    assert hidden and not (hidden & set(titles(body)))
    visible = ResourcePage.objects.live().filter(members_only=False).count()
    resource_types = {choice for choice, _ in ResourceType.choices}
    type_total = sum(f["count"] for f in body["facets"]["type"] if f["slug"] in resource_types)
    assert type_total == visible


def test_search_shows_members_only_items_to_members(demo):
    member = User.objects.get(username="member1")

    results = run(user=member, query="reflective supervision")

    assert any(hit["members_only"] for hit in results.results)


def test_search_filters_by_competency_and_type(demo, client):
    body = api(client, competency=ATTACHMENT, type="research-update")

    assert body["total"] >= 1
    for hit in body["results"]:
        assert hit["type"] == "research-update"
        assert ATTACHMENT in hit["competencies"]


# --- members-only: hits, counts, facets, suggestions --------------------------------------------


@pytest.fixture
def mixed(library):
    """One public and one members-only resource on the same competency and type."""
    builders.resource(
        library, "Open attachment handout", competencies=[ATTACHMENT], resource_type="handout"
    )
    builders.resource(
        library,
        "Cohort zygomorphic handout",
        competencies=[ATTACHMENT, REFLECTIVE],
        resource_type="toolkit",
        members_only=True,
        summary="Notes for the cohort about attachment.",
    )
    return library


def test_search_counts_and_facets_leave_out_members_only_items_for_visitors(mixed, client):
    body = api(client, q="attachment")

    assert body["total"] == 1
    assert titles(body) == ["Open attachment handout"]
    assert counts(body, "competency") == {ATTACHMENT: 1}
    assert counts(body, "type") == {"handout": 1}


def test_search_counts_include_members_only_items_for_members(mixed, client, member):
    client.force_login(member)

    body = api(client, q="attachment")

    assert body["total"] == 2
    assert counts(body, "competency") == {ATTACHMENT: 2, REFLECTIVE: 1}
    assert counts(body, "type") == {"handout": 1, "toolkit": 1}


def test_search_never_suggests_a_word_only_members_only_items_contain(mixed, client, member):
    visitor = api(client, q="zygomorphik")
    client.force_login(member)
    signed_in = api(client, q="zygomorphik")

    assert visitor["total"] == 0 and visitor["suggestion"] is None
    assert signed_in["suggestion"] == "zygomorphic"


def test_search_filter_by_a_members_only_value_shows_visitors_nothing(mixed, client):
    body = api(client, competency=REFLECTIVE)

    assert body["total"] == 0
    assert counts(body, "competency") == {ATTACHMENT: 1, REFLECTIVE: 0}


# --- facets ---------------------------------------------------------------------------------------


@pytest.fixture
def shelf(library, research):
    builders.resource(library, "Sleep video one", competencies=[ATTACHMENT], resource_type="video")
    builders.resource(library, "Sleep video two", competencies=[OBSERVATION], resource_type="video")
    builders.resource(library, "Sleep handout", competencies=[ATTACHMENT], resource_type="handout")
    builders.research_update(research, "Sleep study", competencies=[OBSERVATION])
    return library


def test_search_type_facet_keeps_other_types_countable_when_one_is_chosen(shelf, client):
    body = api(client, q="sleep", type="video")

    assert body["total"] == 2
    assert set(titles(body)) == {"Sleep video one", "Sleep video two"}
    assert counts(body, "type") == {"video": 2, "handout": 1, "research-update": 1}
    assert counts(body, "competency") == {ATTACHMENT: 1, OBSERVATION: 1}


def test_search_competency_facet_choices_combine_as_alternatives(shelf, client):
    body = api(client, q="sleep", competency=[ATTACHMENT, OBSERVATION], type=["video", "handout"])

    assert body["total"] == 3
    assert counts(body, "competency") == {ATTACHMENT: 2, OBSERVATION: 1}
    assert counts(body, "type") == {"video": 2, "handout": 1, "research-update": 1}


def test_search_filters_by_area_age_and_sector(library, client):
    area = Competency.objects.get(slug=ATTACHMENT).area
    other_area = AreaOfExpertise.objects.exclude(pk=area.pk).first()
    builders.resource(
        library,
        "Toddler routines",
        competencies=[ATTACHMENT],
        age_band="0-36m",
        sectors=["home-visiting"],
    )
    builders.resource(library, "Preschool routines", age_band="3-6y", sectors=["child-care"])

    assert titles(api(client, q="routines", area=area.slug)) == ["Toddler routines"]
    assert api(client, q="routines", area=other_area.slug)["total"] == 0
    assert titles(api(client, q="routines", age="3-6y")) == ["Preschool routines"]
    assert titles(api(client, q="routines", sector="home-visiting")) == ["Toddler routines"]


def test_search_query_count_does_not_grow_with_the_number_of_hits(
    library, research, client, django_assert_max_num_queries
):
    builders.resource(library, "Feeding one", competencies=[ATTACHMENT])
    builders.research_update(research, "Feeding study", competencies=[OBSERVATION])
    with django_assert_max_num_queries(14) as few:
        body = api(client, q="feeding")
    assert body["total"] == 2
    for number in range(25):
        builders.resource(library, f"Feeding {number}", competencies=[ATTACHMENT, OBSERVATION])

    with django_assert_max_num_queries(len(few.captured_queries)):
        body = api(client, q="feeding")

    assert body["total"] == 27
    assert len(body["results"]) == 20


# --- text: stems, phrases, synonyms, snippets --------------------------------------------------


def test_search_matches_word_forms_phrases_and_the_fields_acronyms(library, client):
    builders.resource(library, "Visiting families", summary="An infant mental health primer.")
    builders.resource(library, "Home visiting notes", summary="Notes on RS/C for supervisors.")
    builders.resource(library, "Visiting a home", summary="What IMH means for home visitors.")

    assert set(titles(api(client, q="visits"))) == {
        "Visiting families",
        "Home visiting notes",
        "Visiting a home",
    }
    assert titles(api(client, q='"home visiting"')) == ["Home visiting notes"]
    assert set(titles(api(client, q="IMH"))) == {"Visiting families", "Visiting a home"}
    assert set(titles(api(client, q="infant mental health"))) == {
        "Visiting families",
        "Visiting a home",
    }
    assert titles(api(client, q="reflective supervision consultation")) == ["Home visiting notes"]


def test_search_snippet_escapes_page_text_and_marks_the_matched_words(library, client):
    builders.resource(
        library,
        "Hostile summary",
        summary=f'<script>alert("x")</script> <b>bold</b> & {MARK_START}attachment{MARK_END} tips',
    )

    hit = api(client, q="attachment")["results"][0]
    html = client.get("/search/", {"q": "attachment"}).content.decode()

    assert "<script>" not in hit["snippet"] and "<b>" not in hit["snippet"]
    if connection.vendor == "sqlite":  # PostgreSQL's ts_headline drops tag-like text instead
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in hit["snippet"]
    assert "&amp;" in hit["snippet"]
    assert hit["snippet"].count("<mark>") == 1
    assert "<mark>attachment</mark>" in hit["snippet"]
    assert MARK_START not in hit["snippet"]
    assert '<script>alert("x")' not in html
    assert "<mark>attachment</mark>" in html


def test_search_did_you_mean_corrects_a_misspelt_word(demo, client):
    body = api(client, q="attachmnet")

    assert body["total"] == 0
    assert body["suggestion"] == "attachment"


# --- hostile input --------------------------------------------------------------------------------


HOSTILE = [
    pytest.param("a" * 10_000, id="very-long"),
    pytest.param("attachment " * 500, id="many-words"),
    pytest.param('"foo', id="open-quote"),
    pytest.param('"home visiting" "', id="odd-quotes"),
    pytest.param("AND OR NOT ( )", id="operators"),
    pytest.param("NEAR(a b) {title}: x ^ -y +z", id="fts5-syntax"),
    pytest.param("title:* OR _exists_:body", id="lucene-syntax"),
    pytest.param("att* ?ttachment ~2", id="wildcards"),
    pytest.param("/.*/", id="regex"),
    pytest.param("attach\x00ment\x00", id="nul-bytes"),
    pytest.param("%", id="percent"),
    pytest.param("_", id="underscore"),
    pytest.param("\\", id="backslash"),
    pytest.param("'; DROP TABLE resources_search_searchdocument; --", id="sql"),
    pytest.param("<script>alert(1)</script>", id="markup"),
    pytest.param("\ue000attachment\ue001", id="markers"),
    pytest.param("xaudiencexmembers", id="label-word"),
]


@pytest.mark.parametrize("query", HOSTILE)
def test_search_hostile_queries_answer_cleanly_and_fast(mixed, client, query):
    before = SearchDocument.objects.count()
    started = time.monotonic()

    response = client.get("/api/search/", {"q": query, "page": "-1"})
    page = client.get("/search/", {"q": query})

    assert time.monotonic() - started < 2
    assert response.status_code == 200 and page.status_code == 200
    body = response.json()
    assert isinstance(body["total"], int)
    assert body["page"] == 1
    assert not any(hit.get("members_only") for hit in body["results"])
    assert SearchDocument.objects.count() == before
    assert "<script>alert(1)</script>" not in page.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("a" * 300, "Only the first 200 characters"),
        (" ".join(f"w{number}" for number in range(30)), "Only the first 16 words"),
        ("%%% ***", "no words to look for"),
    ],
)
def test_search_says_when_it_shortened_or_ignored_the_query(mixed, client, query, message):
    body = api(client, q=query)

    assert message in body["message"]


def test_search_label_words_never_reach_members_only_items(mixed, client):
    body = api(client, q="xaudiencexmembers")

    assert body["total"] == 0


def test_search_bad_filter_values_get_a_message_and_are_left_out(shelf, client):
    body = api(client, q="sleep", competency="<script>", type="no such type!")

    assert body["total"] == 4
    assert "not recognised" in body["message"]


def test_search_page_bad_page_number_falls_back_to_the_first_page(demo, client):
    response = client.get("/search/", {"q": "attachment", "page": "ten"})

    assert response.status_code == 200
    assert response.context["results"].page == 1
    assert "not a number" in response.content.decode()


def test_search_page_past_the_end_shows_the_last_page(shelf, client):
    body = api(client, q="sleep", page="99")

    assert body["page"] == 1 and body["pages"] == 1
    assert body["total"] == len(body["results"]) == 4


def test_search_database_time_limit_gives_a_message_not_an_error(shelf, client, settings):
    settings.SEARCH_DATABASE_TIMEOUT = 0

    body = api(client, q="sleep")

    assert body["total"] == 0
    assert "took too long" in body["message"]


def test_search_with_a_broken_index_answers_with_a_message_not_a_server_error(shelf, client):
    with connection.cursor() as cursor:  # rolled back with the test
        if connection.vendor == "sqlite":
            cursor.execute("DROP TABLE resources_search_fts")
        else:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks block ALTER
            cursor.execute("ALTER TABLE resources_search_searchtext DROP COLUMN vector")

    body = api(client, q="sleep")
    health = client.get("/healthz")

    assert body["total"] == 0
    assert "not working right now" in body["message"]
    assert health.status_code == 503
    assert health.json()["components"]["search"]["ok"] is False


def test_search_api_refuses_other_methods(client, db):
    response = client.post("/api/search/", {"q": "x"})

    assert response.status_code == 405


def test_clean_query_bounds_length_and_drops_control_characters():
    assert clean_query("  a\x00b\n\tc  ") == "ab c"
    assert len(clean_query("x" * 5000)) == MAX_QUERY_LENGTH


# --- the page -------------------------------------------------------------------------------------


def test_search_page_shows_facets_as_checkboxes_with_counts(shelf, client):
    response = client.get("/search/", {"q": "sleep", "type": "video"})

    html = response.content.decode()
    assert (
        'type="checkbox" form="search-form" id="type-video" name="type" value="video" checked'
        in html
    )
    assert '<label for="type-handout">Handout <span class="search-count">(1)</span></label>' in html
    assert 'id="competency-observation-listening"' in html
    assert "Remove filter: Video" in html
    assert 'href="?q=sleep"' in html  # "Remove all filters" keeps the words


def test_search_page_empty_result_offers_a_suggestion_filters_and_browsing(demo, client):
    html = client.get("/search/", {"q": "attachmnet", "type": "handout"}).content.decode()

    assert "Nothing matched" in html
    assert 'href="?q=attachment&amp;type=handout">attachment</a>' in html
    assert "Remove the filters" in html
    assert "Browse resources by competency" in html
    assert f'href="?competency={ATTACHMENT}"' in html


def test_search_page_loads_the_autocomplete_module_without_inline_script(demo, client):
    html = client.get("/search/").content.decode()

    assert 'data-suggest-url="/api/search/suggest/"' in html
    assert 'type="module" src="/static/js/search.' in html
    assert "<script>" not in html and "style=" not in html


# --- autocomplete ---------------------------------------------------------------------------------


def test_suggest_offers_titles_starting_with_what_was_typed(mixed, client, member):
    visitor = client.get("/api/search/suggest/", {"q": "atta"}).json()
    client.force_login(member)
    signed_in = client.get("/api/search/suggest/", {"q": "open atta"}).json()

    assert [item["title"] for item in visitor["suggestions"]] == ["Open attachment handout"]
    assert {"title", "url", "type", "type_name"} <= set(visitor["suggestions"][0])
    assert [item["title"] for item in signed_in["suggestions"]] == ["Open attachment handout"]


def test_suggest_shows_members_only_titles_to_members_only(mixed, client, member):
    assert client.get("/api/search/suggest/", {"q": "coho"}).json()["suggestions"] == []
    client.force_login(member)

    found = client.get("/api/search/suggest/", {"q": "coho"}).json()["suggestions"]

    assert [item["title"] for item in found] == ["Cohort zygomorphic handout"]


@pytest.mark.parametrize("query", ["", "a", '"', "*", "\x00", "x" * 5000])
def test_suggest_bad_input_gets_an_empty_list(mixed, client, query):
    response = client.get("/api/search/suggest/", {"q": query})

    assert response.status_code == 200
    assert response.json()["suggestions"] == []


def test_suggest_refuses_other_methods(client, db):
    assert client.post("/api/search/suggest/", {"q": "atta"}).status_code == 405


# --- index updates --------------------------------------------------------------------------------


def test_index_follows_publish_and_unpublish(library, client):
    page = builders.resource(library, "Rhythm and routines")
    assert titles(api(client, q="rhythm")) == ["Rhythm and routines"]

    page.unpublish()

    assert api(client, q="rhythm")["total"] == 0
    builders.publish(page)
    assert api(client, q="rhythm")["total"] == 1


def test_index_follows_a_new_revision_made_members_only(library, client):
    page = builders.resource(library, "Rhythm and routines")

    page.members_only = True
    builders.publish(page)

    assert api(client, q="rhythm")["total"] == 0


def test_index_keeps_the_live_text_while_a_draft_is_saved(library, client):
    page = builders.resource(library, "Rhythm and routines")

    page.title = "Draft only words"
    page.save_revision()

    assert api(client, q="rhythm")["total"] == 1
    assert api(client, q="draft")["total"] == 0


def test_index_follows_delete(library, client):
    page = builders.resource(library, "Rhythm and routines")

    page.delete()

    assert api(client, q="rhythm")["total"] == 0
    assert not SearchDocument.objects.filter(object_id=page.pk).exists()


def test_index_follows_the_delete_of_an_ancestor(library, client):
    builders.resource(library, "Rhythm and routines")
    builders.resource(library, "Rhythm at bedtime")

    library.delete()

    assert api(client, q="rhythm")["total"] == 0
    assert not SearchDocument.objects.filter(source="resources.resource").exists()


def test_index_follows_privacy_changes_of_an_ancestor(library, client):
    builders.resource(library, "Rhythm and routines")

    restriction = PageViewRestriction.objects.create(
        page=library, restriction_type=PageViewRestriction.LOGIN
    )
    hidden = api(client, q="rhythm")["total"]
    restriction.delete()

    assert hidden == 0
    assert api(client, q="rhythm")["total"] == 1


def test_index_follows_a_move_to_a_new_address_and_privacy(library, client):
    page = builders.resource(library, "Rhythm and routines")
    other = builders.library(title="Archive", slug="archive")
    PageViewRestriction.objects.create(page=other, restriction_type=PageViewRestriction.LOGIN)
    third = builders.library(title="Shelf", slug="shelf")

    page.move(third, pos="last-child")
    moved = api(client, q="rhythm")["results"][0]["url"]
    page.refresh_from_db()
    page.move(other, pos="last-child")

    assert moved == "/shelf/rhythm-and-routines/"
    assert api(client, q="rhythm")["total"] == 0


# --- search_reindex and registration ------------------------------------------------------------


def test_search_reindex_rebuilds_the_database_index_with_progress_and_summary(shelf, client):
    search_database.clear()
    assert api(client, q="sleep")["total"] == 0
    out = io.StringIO()

    call_command("search_reindex", stdout=out)

    output = out.getvalue()
    assert "Indexing 4 objects from 5 sources" in output
    assert "[##############################] 4/4 (100%)" in output
    assert "database: 4 documents in" in output
    assert "resources.resource: 3" in output
    assert api(client, q="sleep")["total"] == 4


def test_search_reindex_refuses_elasticsearch_when_none_is_configured(shelf, settings):
    settings.ELASTICSEARCH_URL = ""
    before = SearchDocument.objects.count()

    with pytest.raises(CommandError, match="ELASTICSEARCH_URL is not set"):
        call_command("search_reindex", "--backend", "elasticsearch", stdout=io.StringIO())

    assert SearchDocument.objects.count() == before


def test_fill_if_empty_indexes_a_site_that_predates_the_index(shelf):
    search_database.clear()

    assert indexing.fill_if_empty() == 4
    assert indexing.fill_if_empty() == 0


class CompetencySource(registry.SearchSource):
    """A stand-in for another app's source: a plain model, indexed on save."""

    key = "tests.competency"
    model = Competency
    type_choices = (("competency-note", "Competency note"),)

    def indexable(self):
        return Competency.objects.select_related("area")

    def document(self, obj):
        return registry.IndexedDocument(
            source=self.key,
            object_id=obj.pk,
            type="competency-note",
            title=obj.name,
            summary=f"Notes about {obj.name}.",
            labels={"area": [obj.area.slug]},
        )

    def visible(self, *, user):
        return Competency.objects.all()

    def hit(self, obj, *, request=None):
        return {"title": obj.name, "url": f"/competencies/{obj.slug}/"}


def test_another_app_can_register_a_source_and_its_saves_are_indexed(db, client):
    registry.register(CompetencySource())
    try:
        competency = Competency.objects.get(slug=OBSERVATION)
        competency.name = "observation and quiet listening"
        competency.save()

        body = api(client, q="quiet listening")
    finally:
        registry.unregister("tests.competency")

    assert body["total"] == 1
    assert body["results"][0]["url"] == f"/competencies/{OBSERVATION}/"
    assert counts(body, "type") == {"competency-note": 1}


def test_healthz_reports_the_database_search_index(demo, client):
    body = client.get("/healthz").json()["components"]["search"]

    assert body["ok"] is True
    assert body["backend"] == "database" and body["serving"] == "database"
    assert body["database"]["documents"] == SearchDocument.objects.count() > 30
    assert json.dumps(body)
