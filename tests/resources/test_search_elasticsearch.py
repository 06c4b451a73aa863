"""The Elasticsearch adapter at its boundary, and one contract suite for every backend.

No Elasticsearch server runs here, so the adapter is tested where it meets the cluster: the
exact index mapping, query, aggregation and bulk bodies it sends, and its parsing of responses
shaped as Elasticsearch documents them (tests/resources/fixtures/es_*.json), served by a stub
HTTP server on 127.0.0.1 that answers with the `X-Elastic-Product: Elasticsearch` header the
client insists on. The contract tests run against the database backend, that stub, and, when
ELASTICSEARCH_URL is set, a live cluster (marker `elasticsearch`).
"""

import io
import json
import os
import re
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from wagtail.models import PageViewRestriction

from resources.search import elasticsearch as es
from resources.search import indexing
from resources.search.models import SearchDocument
from resources.search.query import MEMBERS, PUBLIC, Filters, parse
from resources.search.registry import source_for
from tests.factories import UserFactory
from tests.resources import builders

FIXTURES = Path(__file__).parent / "fixtures"
ATTACHMENT = "attachment-separation-trauma-grief-loss"
RELATIONSHIP = "relationship-focused-practice"
OLD_INDEX = "imh-search-20260101000000000000"
LIVE_URL = os.environ.get("ELASTICSEARCH_URL", "")


def load(name: str, **values):
    """A fixture, with "<<name>>" placeholders replaced by `values` (ids of this test's pages)."""
    text = (FIXTURES / name).read_text()
    for key, value in values.items():
        text = text.replace(f'"<<{key}>>"', json.dumps(value)).replace(f"<<{key}>>", str(value))
    return json.loads(text)


# --- a stub cluster on loopback ---------------------------------------------------------------


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict
    body: object


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a client that gave up on a slow answer (the timeout tests) closed its socket


class StubElasticsearch:
    """Answers the requests the adapter makes with fixture responses, and records them."""

    def __init__(self, ids: dict | None = None):
        self.ids = ids or {}
        self.requests: list[Recorded] = []
        self.alias_exists = True
        self.delay = 0.0
        self.product_header = True
        self.search_answer: tuple[int, object] | None = None  # (status, body) for every search
        self.bulk_fixture = "es_bulk.json"
        self.server = QuietServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> "StubElasticsearch":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def of(self, method: str, pattern: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and re.fullmatch(pattern, r.path)]

    # routing
    def answer(self, request: Recorded) -> tuple[int, object]:
        method, path = request.method, request.path
        if path == "/" and method in ("GET", "HEAD"):
            return 200, load("es_info.json")
        if re.fullmatch(r"/[^/_][^/]*/_search", path):
            return self.search_answer or (200, self._search(request.body))
        if re.fullmatch(r"/[^/_][^/]*/_count", path):
            return 200, load("es_count.json")
        if path == "/_bulk":
            return 200, load(self.bulk_fixture)
        if path.startswith("/_alias/"):
            if self.alias_exists:
                return 200, load("es_alias.json")
            return 404, load("es_alias_missing.json")
        if path == "/_aliases":
            return 200, load("es_acknowledged.json")
        if path.endswith("/_refresh"):
            return 200, load("es_refresh.json")
        if method == "PUT":
            return 200, load("es_index_created.json", index=path.strip("/"))
        if method == "DELETE":
            return 200, load("es_acknowledged.json")
        return 404, {"error": f"no stub route for {method} {path}", "status": 404}

    def _search(self, body: dict) -> dict:
        if "titles" in body.get("suggest", {}):
            return load("es_suggest_atta.json", **self.ids)
        must = body["query"]["bool"]["must"][0]
        text = must.get("simple_query_string", {}).get("query", "").lower()
        visitor = {"term": {"members_only": False}} in body["query"]["bool"].get("filter", [])
        if text == "attachment":
            name = (
                "es_search_attachment_visitor.json"
                if visitor
                else "es_search_attachment_member.json"
            )
        elif text == "imh":
            name = "es_search_imh.json"
        else:
            name = "es_search_typo.json"
        return load(name, **self.ids)

    def _handler(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if "ndjson" in (self.headers.get("Content-Type") or ""):
                    body = [json.loads(line) for line in raw.decode().splitlines() if line]
                else:
                    body = json.loads(raw) if raw else None
                request = Recorded(self.command, urlsplit(self.path).path, dict(self.headers), body)
                stub.requests.append(request)
                if stub.delay:
                    time.sleep(stub.delay)
                status, payload = stub.answer(request)
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                if stub.product_header:
                    self.send_header("X-Elastic-Product", "Elasticsearch")
                self.send_header(
                    "Content-Type", "application/vnd.elasticsearch+json;compatible-with=8"
                )
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _serve

            def log_message(self, *args):  # quiet
                pass

        return Handler


# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def clean_state():
    cache.clear()
    es.reset()
    yield
    es.reset()


@pytest.fixture
def site(db):
    """The contract's content: two public attachment items, one members-only, one acronym."""
    library = builders.library()
    research = builders.research_index()
    return {
        "open_handout": builders.resource(
            library,
            "Attachment basics for home visitors",
            competencies=[ATTACHMENT, RELATIONSHIP],
            resource_type="handout",
            age_band="0-36m",
            sectors=["home-visiting"],
            summary=(
                "A two-page handout on how secure attachment grows, and what a home visitor "
                "can notice."
            ),
        ),
        "open_study": builders.research_update(
            research, "Secure attachment and school readiness", competencies=[ATTACHMENT]
        ),
        "cohort_toolkit": builders.resource(
            library,
            "Cohort attachment toolkit",
            competencies=[ATTACHMENT],
            resource_type="toolkit",
            members_only=True,
        ),
        "imh_primer": builders.resource(
            library,
            "A primer for new staff",
            summary="What infant mental health means in daily practice.",
        ),
    }


def ids_of(site) -> dict[str, int]:
    return {name: page.pk for name, page in site.items()}


@pytest.fixture
def stub(site):
    server = StubElasticsearch(ids_of(site)).start()
    yield server
    server.stop()


@pytest.fixture
def on_stub(stub, settings):
    settings.ELASTICSEARCH_URL = stub.url
    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_INDEX = "imh-search"
    settings.ELASTICSEARCH_TIMEOUT = 2.0
    es.reset()
    return stub


@pytest.fixture
def member(db):
    return UserFactory()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(
    params=[
        "database",
        "elasticsearch-stub",
        pytest.param("elasticsearch-live", marks=pytest.mark.elasticsearch),
    ]
)
def engine(request, site, settings):
    """The same contract, answered by each backend."""
    if request.param == "database":
        settings.ELASTICSEARCH_URL = ""
        settings.SEARCH_BACKEND = "database"
        yield "database"
        return
    if request.param == "elasticsearch-stub":
        server = StubElasticsearch(ids_of(site)).start()
        settings.ELASTICSEARCH_URL = server.url
        settings.SEARCH_BACKEND = "elasticsearch"
        settings.ELASTICSEARCH_INDEX = "imh-search"
        es.reset()
        yield "elasticsearch"
        server.stop()
        return
    if not LIVE_URL:
        pytest.skip("ELASTICSEARCH_URL is not set: no live cluster to run the contract against")
    settings.ELASTICSEARCH_URL = LIVE_URL
    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_INDEX = f"imh-search-test-{uuid.uuid4().hex[:8]}"
    es.reset()
    indexing.rebuild_elasticsearch()  # the test's pages, committed or not, into a fresh alias
    yield "elasticsearch"
    for name in es.current_indices():
        es.client().indices.delete(index=name)


def api(client, **params) -> dict:
    response = client.get("/api/search/", params)
    assert response.status_code == 200
    return response.json()


def counts(body, facet) -> dict[str, int]:
    return {entry["slug"]: entry["count"] for entry in body["facets"][facet]}


# --- the contract, for every backend --------------------------------------------------------------


def test_contract_visitor_gets_public_hits_facets_and_marked_snippets(engine, client):
    body = api(client, q="attachment")

    assert body["backend"] == engine and body["degraded"] is False
    assert body["total"] == 2
    assert {hit["title"] for hit in body["results"]} == {
        "Attachment basics for home visitors",
        "Secure attachment and school readiness",
    }
    assert counts(body, "type") == {"handout": 1, "research-update": 1}
    assert counts(body, "competency") == {ATTACHMENT: 2, RELATIONSHIP: 1}
    handout = next(hit for hit in body["results"] if hit["type"] == "handout")
    assert "<mark>attachment</mark>" in handout["snippet"]
    assert handout["url"] == "/resources/attachment-basics-for-home-visitors/"
    assert handout["competencies"] == [ATTACHMENT, RELATIONSHIP]


def test_contract_member_also_gets_members_only_hits(engine, client, member):
    client.force_login(member)

    body = api(client, q="attachment")

    assert body["total"] == 3
    assert counts(body, "type") == {"handout": 1, "research-update": 1, "toolkit": 1}
    assert counts(body, "competency")[ATTACHMENT] == 3
    assert any(hit["members_only"] for hit in body["results"])


def test_contract_misspelling_gets_a_suggestion(engine, client):
    body = api(client, q="attachmnet")

    assert body["total"] == 0
    assert body["suggestion"] == "attachment"


def test_contract_acronym_finds_the_long_form(engine, client):
    body = api(client, q="IMH")

    assert [hit["title"] for hit in body["results"]] == ["A primer for new staff"]
    assert re.search(r"<mark>[^<]*infant", body["results"][0]["snippet"], re.IGNORECASE)


def test_contract_autocomplete_offers_public_titles(engine, client):
    suggestions = client.get("/api/search/suggest/", {"q": "atta"}).json()["suggestions"]

    assert {item["title"] for item in suggestions} == {
        "Attachment basics for home visitors",
        "Secure attachment and school readiness",
    }


# --- what the adapter sends -------------------------------------------------------------------


def test_elasticsearch_index_mapping_is_the_fixture(db):
    body = es.index_body()

    assert body == load("es_index_mapping.json")
    rules = body["settings"]["analysis"]["filter"]["imh_synonyms"]["synonyms"]
    for acronym in ("imh", "iecmh", "ecmh", "rsc", "rs/c", "ei", "cpp", "dc:0-5", "aces"):
        assert any(acronym in rule.split(", ") for rule in rules), acronym
    assert body["mappings"]["properties"]["suggest"]["type"] == "completion"


def test_elasticsearch_search_body_is_the_fixture(db):
    filters = Filters(competency=(ATTACHMENT,), type=("handout", "video"), age=("0-36m",))

    body = es.search_body(parse("attachment"), filters, audience=PUBLIC, page=2, page_size=20)

    assert body == load("es_search_request.json")


def test_elasticsearch_browse_body_is_the_fixture(db):
    body = es.search_body(parse(""), Filters(), audience=MEMBERS, page=1, page_size=20)

    assert body == load("es_browse_request.json")


def test_elasticsearch_suggest_body_is_the_fixture(db):
    assert es.suggest_body("atta", audience=PUBLIC, limit=8) == load("es_suggest_request.json")


def test_elasticsearch_document_body_is_the_fixture(site):
    page = site["open_handout"]
    source = source_for(page)

    body = es.document_body(source.document(source.indexable().get(pk=page.pk)))

    assert body == load(
        "es_document.json",
        open_handout=page.pk,
        published_at=page.first_published_at.isoformat(),
    )


def test_elasticsearch_parses_a_documented_search_response(db):
    result = es.parse_search(
        load("es_search_attachment_visitor.json", open_handout=7, open_study=9)
    )

    assert result.total == 2
    assert [(hit.source, hit.object_id) for hit in result.hits] == [
        ("resources.resource", 7),
        ("resources.research", 9),
    ]
    assert result.hits[0].snippet.startswith(
        "A two-page handout on how secure \ue000attachment\ue001"
    )
    assert result.facets == {
        "type": {"handout": 1, "research-update": 1},
        "competency": {ATTACHMENT: 2, RELATIONSHIP: 1},
    }
    assert result.suggestion == ""
    assert es.parse_search(load("es_search_typo.json")).suggestion == "attachment"


def test_search_api_sends_one_request_to_the_alias(on_stub, client):
    api(client, q="attachment")

    (request,) = on_stub.requests
    assert (request.method, request.path) == ("POST", "/imh-search/_search")
    assert "compatible-with=8" in request.headers["accept"]
    assert request.body == es.search_body(
        parse("attachment"), Filters(), audience=PUBLIC, page=1, page_size=20
    )


def test_search_api_never_shows_visitors_a_members_only_hit_the_cluster_returns(on_stub, client):
    # A stale cluster answering a visitor with the members' response: the selector still says no.
    on_stub.search_answer = (
        200,
        load("es_search_attachment_member.json", **on_stub.ids),
    )

    body = api(client, q="attachment")

    assert "Cohort attachment toolkit" not in {hit["title"] for hit in body["results"]}


def test_search_reindex_builds_a_new_index_and_swaps_the_alias(on_stub, site):
    out = io.StringIO()

    call_command("search_reindex", "--backend", "elasticsearch", stdout=out)

    (created,) = on_stub.of("PUT", r"/imh-search-\d{20}")
    new_index = created.path.strip("/")
    assert created.body == load("es_index_mapping.json")
    lines = [line for bulk in on_stub.of("PUT", "/_bulk") for line in bulk.body]
    actions, documents = lines[::2], lines[1::2]
    assert len(actions) == 4
    assert {action["index"]["_index"] for action in actions} == {new_index}
    handout_id = f"resources.resource:{site['open_handout'].pk}"
    handout = documents[actions.index({"index": {"_index": new_index, "_id": handout_id}})]
    assert handout == load(
        "es_document.json",
        open_handout=site["open_handout"].pk,
        published_at=site["open_handout"].first_published_at.isoformat(),
    )
    assert on_stub.of("POST", f"/{new_index}/_refresh")
    (aliases,) = on_stub.of("POST", "/_aliases")
    assert aliases.body == {
        "actions": [
            {"remove": {"index": OLD_INDEX, "alias": "imh-search"}},
            {"add": {"index": new_index, "alias": "imh-search"}},
        ]
    }
    assert on_stub.of("DELETE", f"/{OLD_INDEX}")
    order = [r.path for r in on_stub.requests if r.path != "/"]
    assert order.index("/_aliases") > order.index("/_bulk") > order.index(f"/{new_index}")
    assert f"alias imh-search -> {new_index} (replaced {OLD_INDEX})" in out.getvalue()


def test_search_reindex_first_time_creates_the_alias(on_stub):
    on_stub.alias_exists = False

    call_command("search_reindex", "--backend", "elasticsearch", stdout=io.StringIO())

    (aliases,) = on_stub.of("POST", "/_aliases")
    assert [next(iter(action)) for action in aliases.body["actions"]] == ["add"]
    assert not on_stub.of("DELETE", r"/.*")


def test_search_reindex_says_so_when_the_cluster_is_down_and_changes_nothing(site, settings):
    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{_closed_port()}"
    before = SearchDocument.objects.count()

    with pytest.raises(CommandError, match="Elasticsearch did not answer"):
        call_command("search_reindex", "--backend", "elasticsearch", stdout=io.StringIO())

    assert SearchDocument.objects.count() == before


def test_index_updates_reach_elasticsearch_after_commit(
    on_stub, site, django_capture_on_commit_callbacks
):
    library = site["open_handout"].get_parent().specific

    with django_capture_on_commit_callbacks(execute=True):
        page = builders.resource(library, "Rhythm and routines")
    with django_capture_on_commit_callbacks(execute=True):
        page.unpublish()
    with django_capture_on_commit_callbacks(execute=True):
        PageViewRestriction.objects.create(page=library, restriction_type="login")

    bulks = [r.body for r in on_stub.requests if r.path == "/_bulk"]
    key = f"resources.resource:{page.pk}"
    assert {"index": {"_index": "imh-search", "_id": key}} in bulks[0]
    assert bulks[1] == [{"delete": {"_index": "imh-search", "_id": key}}]
    removed = {action["delete"]["_id"] for action in bulks[-1] if "delete" in action}
    assert removed >= {
        f"resources.resource:{site[name].pk}" for name in ("open_handout", "imh_primer")
    }


def test_index_update_survives_a_cluster_that_rejects_it(
    on_stub, site, client, django_capture_on_commit_callbacks
):
    on_stub.bulk_fixture = "es_bulk_error.json"
    library = site["open_handout"].get_parent().specific

    with django_capture_on_commit_callbacks(execute=True):
        builders.resource(library, "Rhythm and routines")

    assert SearchDocument.objects.filter(text__title="Rhythm and routines").exists()


# --- falling back ---------------------------------------------------------------------------------


def _fail(stub, mode, settings):
    if mode == "unreachable":
        settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{_closed_port()}"
    elif mode == "slow":
        stub.delay = 3.0
    elif mode == "error":
        stub.search_answer = (400, load("es_search_error.json"))
    elif mode == "server-error":
        stub.search_answer = (503, {"error": "unavailable", "status": 503})
    elif mode == "foreign-shape":
        stub.search_answer = (200, {"hits": 1})
    elif mode == "not-elasticsearch":
        stub.product_header = False
    es.reset()


FAILURES = ["unreachable", "slow", "error", "server-error", "foreign-shape", "not-elasticsearch"]


@pytest.mark.parametrize("mode", FAILURES)
def test_search_falls_back_to_the_database_and_says_so(on_stub, client, settings, mode):
    _fail(on_stub, mode, settings)
    started = time.monotonic()

    body = api(client, q="attachment")
    elapsed = time.monotonic() - started
    page = client.get("/search/", {"q": "attachment"})

    assert elapsed < 2.9
    assert body["backend"] == "database" and body["degraded"] is True
    assert body["total"] == 2
    assert "results may be incomplete" in body["message"]
    assert page.status_code == 200
    assert "results may be incomplete" in page.content.decode()


def test_search_leaves_a_failed_cluster_alone_for_a_while(on_stub, client, settings):
    _fail(on_stub, "slow", settings)
    api(client, q="attachment")
    searches = len(on_stub.of("POST", "/imh-search/_search"))
    started = time.monotonic()

    body = api(client, q="attachment")

    assert time.monotonic() - started < 1
    assert body["degraded"] is True
    assert len(on_stub.of("POST", "/imh-search/_search")) == searches == 1


def test_autocomplete_falls_back_to_the_database(on_stub, client, settings):
    _fail(on_stub, "unreachable", settings)

    suggestions = client.get("/api/search/suggest/", {"q": "atta"}).json()["suggestions"]

    assert len(suggestions) == 2


def test_healthz_reports_a_reachable_cluster(on_stub, client):
    response = client.get("/healthz")

    search = response.json()["components"]["search"]
    assert response.status_code == 200
    assert search["backend"] == "elasticsearch" and search["serving"] == "elasticsearch"
    assert search["elasticsearch"]["reachable"] is True
    assert search["elasticsearch"]["documents"] == 4
    assert search["elasticsearch"]["version"] == "8.19.3"


def test_healthz_reports_the_fallback_when_the_cluster_is_down(on_stub, client, settings):
    _fail(on_stub, "slow", settings)
    started = time.monotonic()

    response = client.get("/healthz")

    search = response.json()["components"]["search"]
    assert time.monotonic() - started < 2.9
    assert response.status_code == 200  # search still serves, from the database
    assert search["ok"] is True and search["serving"] == "database"
    assert search["fallback"] == "database"
    assert search["elasticsearch"]["reachable"] is False
