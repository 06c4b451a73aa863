"""The Elasticsearch backend, through elasticsearch.dsl: mapping, queries, facets, suggestions.

The index name in settings (ELASTICSEARCH_INDEX) is an alias. A full reindex builds a new
concrete index beside the old one, fills it, then moves the alias in one `_aliases` call and
drops the old index, so searches never see a half-built index.

Every call has ELASTICSEARCH_TIMEOUT (at most 2 s) and no retries. Any failure (unreachable,
slow, an error status, a response of an unexpected shape) raises Unavailable; the caller then
answers from the database index and says results may be incomplete. After a failure the cluster
is left alone for RETRY_SECONDS, so a dead cluster costs one timeout, not one per request.
"""

import datetime as dt
import logging
import threading
import time

from django.conf import settings
from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch, NotFoundError
from elasticsearch.dsl import (
    Boolean,
    Completion,
    Date,
    Document,
    Index,
    Keyword,
    Long,
    Q,
    Search,
    Text,
    analyzer,
    token_filter,
)

from resources.search.query import (
    MARK_END,
    MARK_START,
    PUBLIC,
    RESTRICTED,
    SYNONYMS,
    Filters,
    ParsedQuery,
    shorten,
)

logger = logging.getLogger(__name__)
RETRY_SECONDS = 30
FACET_SIZE = 200
SUGGEST_INPUTS = 6
SOURCE_FIELDS = ["source", "object_id", "type", "members_only", "competency", "summary"]


class Unavailable(Exception):
    """The cluster did not answer usefully in time; search falls back to the database."""


# --- the mapping ------------------------------------------------------------------------------
synonyms = token_filter(
    "imh_synonyms",
    "synonym_graph",
    synonyms=[", ".join(group) for group in SYNONYMS],
)
english_stop = token_filter("imh_english_stop", "stop", stopwords="_english_")
english_stemmer = token_filter("imh_english_stemmer", "stemmer", language="english")
possessive = token_filter("imh_english_possessive", "stemmer", language="possessive_english")
# Synonyms at search time only (synonym_graph must be): indexed text keeps its own words, and a
# query for "IMH" also looks for "infant mental health" (and the reverse).
english = analyzer(
    "imh_english",
    tokenizer="standard",
    filter=[possessive, "lowercase", english_stop, english_stemmer],
)
english_search = analyzer(
    "imh_english_search",
    tokenizer="standard",
    filter=[possessive, "lowercase", synonyms, english_stop, english_stemmer],
)
# Real words (not stems) for the "did you mean" phrase suggester.
plain = analyzer("imh_plain", tokenizer="standard", filter=["lowercase"])


def _text(**extra) -> Text:
    return Text(analyzer=english, search_analyzer=english_search, **extra)


class SearchItem(Document):
    source = Keyword()
    object_id = Long()
    type = Keyword()
    members_only = Boolean()
    published_at = Date()
    title = _text(fields={"plain": Text(analyzer=plain)})
    summary = _text()
    body = _text()
    competency = Keyword()
    area = Keyword()
    sector = Keyword()
    age = Keyword()
    access = Keyword()  # query.ACCESS_KIND: the keys of a restricted document
    suggest = Completion(contexts=[{"name": "audience", "type": "category"}])


def index_definition(name: str) -> Index:
    index = Index(name)
    index.settings(number_of_shards=1)
    index.document(SearchItem)
    return index


def index_body() -> dict:
    """The exact settings and mappings a new index is created with."""
    return index_definition("unused").to_dict()


# --- documents ----------------------------------------------------------------------------------
def document_id(document) -> str:
    return document.key


def document_body(document) -> dict:
    words = document.title.split()
    inputs = [" ".join(words[start:]) for start in range(min(len(words), SUGGEST_INPUTS))]
    return {
        "source": document.source,
        "object_id": document.object_id,
        "type": document.type,
        "members_only": document.members_only,
        "published_at": document.published_at.isoformat() if document.published_at else None,
        "title": document.title,
        "summary": document.summary,
        "body": document.body,
        **{
            kind: list(document.labels.get(kind, ()))
            for kind in ("competency", "area", "sector", "age")
        },
        # Only restricted documents carry access keys (everyone else's documents stay as they were).
        **({"access": [RESTRICTED, *document.restricted_to]} if document.restricted_to else {}),
        "suggest": {
            "input": inputs or [document.title],
            "contexts": {"audience": [document.audience]},
        },
    }


# --- queries ------------------------------------------------------------------------------------
def _audiences(audience: str) -> list[str]:
    return [PUBLIC] if audience == PUBLIC else [PUBLIC, "members"]


def _terms(kind: str, values) -> Q:
    return Q("terms", **{kind: list(values)})


def search_body(
    parsed: ParsedQuery,
    filters: Filters,
    *,
    audience: str,
    page: int,
    page_size: int,
    keys: tuple[str, ...] | None = None,
) -> dict:
    """The request body of one search: hits, disjunctive facets, highlights, a suggestion."""
    visibility = [Q("term", members_only=False)] if audience == PUBLIC else []
    if audience != PUBLIC and keys is not None:
        # Leave out restricted documents whose keys the member does not hold.
        held = [Q("terms", access=list(keys))] if keys else []
        visibility.append(~Q("bool", filter=[Q("term", access=RESTRICTED)], must_not=held))
    other = [
        _terms(kind, values)
        for kind, values in filters.without("competency").without("type").items()
    ]
    competency = [_terms("competency", filters.competency)] if filters.competency else []
    types = [_terms("type", filters.type)] if filters.type else []
    if parsed.is_empty:
        text = Q("match_all")
    else:
        text = Q(
            "simple_query_string",
            query=parsed.plain,
            fields=["title^3", "summary^2", "body"],
            default_operator="and",
            # Phrases in quotes and nothing else: no operators, wildcards or fuzziness.
            flags="PHRASE|WHITESPACE",
        )
    search = Search().query(Q("bool", must=[text], filter=visibility + other))
    if competency or types:
        # Facet choices filter the hits after the aggregations, so each facet still counts
        # its alternatives (each facet's aggregation applies the other facet's choice).
        search = search.post_filter(Q("bool", filter=competency + types))
    search.aggs.bucket("type", "filter", filter=Q("bool", filter=competency)).bucket(
        "values", "terms", field="type", size=FACET_SIZE
    )
    search.aggs.bucket("competency", "filter", filter=Q("bool", filter=types)).bucket(
        "values", "terms", field="competency", size=FACET_SIZE
    )
    if parsed.is_empty:
        search = search.sort({"published_at": {"order": "desc"}})
    else:
        search = search.sort("_score", {"published_at": {"order": "desc"}})
        search = search.highlight_options(
            pre_tags=[MARK_START],
            post_tags=[MARK_END],
            encoder="default",
            number_of_fragments=1,
            fragment_size=200,
        )
        search = search.highlight("summary", no_match_size=200).highlight("body")
        search = search.suggest(
            "did_you_mean",
            parsed.text,
            phrase={
                "field": "title.plain",
                "size": 1,
                "max_errors": 2,
                "direct_generator": [
                    {"field": "title.plain", "suggest_mode": "missing", "min_word_length": 4}
                ],
                # Only corrections that find something this person may read.
                "collate": {
                    "query": {
                        "source": {
                            "bool": {
                                "must": {
                                    "multi_match": {
                                        "query": "{{suggestion}}",
                                        "fields": ["title", "summary", "body"],
                                        "operator": "and",
                                    }
                                },
                                "filter": [query.to_dict() for query in visibility],
                            }
                        }
                    },
                    "prune": False,
                },
            },
        )
    search = search.source(SOURCE_FIELDS).extra(
        from_=(page - 1) * page_size, size=page_size, track_total_hits=True
    )
    return search.to_dict()


def suggest_body(text: str, *, audience: str, limit: int) -> dict:
    return {
        "_source": ["source", "object_id", "type", "members_only"],
        "suggest": {
            "titles": {
                "prefix": text,
                "completion": {
                    "field": "suggest",
                    "size": limit,
                    "skip_duplicates": True,
                    "contexts": {"audience": _audiences(audience)},
                },
            }
        },
    }


# --- responses ----------------------------------------------------------------------------------
def parse_search(response: dict):
    """A search response as the database backend's BackendResult (raises on a foreign shape)."""
    from resources.search.database import BackendResult, HitRef

    hits = []
    for hit in response["hits"]["hits"]:
        source = hit["_source"]
        highlight = hit.get("highlight", {})
        fragments = [*highlight.get("summary", ()), *highlight.get("body", ())]
        # The first fragment with a highlighted word; else the summary's start.
        marked = [fragment for fragment in fragments if MARK_START in fragment]
        snippet = (marked or fragments or [shorten(source.get("summary", ""))])[0]
        hits.append(
            HitRef(
                document_id=0,
                source=source["source"],
                object_id=int(source["object_id"]),
                type=source["type"],
                members_only=bool(source.get("members_only")),
                snippet=snippet,
                competencies=sorted(source.get("competency") or []),
            )
        )
    aggregations = response["aggregations"]
    facets = {
        kind: {
            bucket["key"]: bucket["doc_count"] for bucket in aggregations[kind]["values"]["buckets"]
        }
        for kind in ("type", "competency")
    }
    suggestion = ""
    for entry in response.get("suggest", {}).get("did_you_mean", []):
        for option in entry.get("options", []):
            if option.get("collate_match", True):
                suggestion = option["text"]
                break
    total = response["hits"]["total"]
    return BackendResult(
        total=int(total["value"] if isinstance(total, dict) else total),
        hits=hits,
        facets=facets,
        suggestion=suggestion,
    )


def parse_suggest(response: dict):
    from resources.search.database import HitRef

    refs = []
    for entry in response["suggest"]["titles"]:
        for option in entry["options"]:
            source = option["_source"]
            refs.append(
                HitRef(
                    document_id=0,
                    source=source["source"],
                    object_id=int(source["object_id"]),
                    type=source["type"],
                    members_only=bool(source.get("members_only")),
                )
            )
    return refs


# --- the client, with a short memory of failures ------------------------------------------------
_lock = threading.Lock()
_clients: dict[str, Elasticsearch] = {}
_down_until = 0.0


def configured() -> bool:
    return bool(settings.ELASTICSEARCH_URL)


def alias() -> str:
    return settings.ELASTICSEARCH_INDEX


def timeout() -> float:
    return min(float(settings.ELASTICSEARCH_TIMEOUT), 2.0)


def client() -> Elasticsearch:
    url = settings.ELASTICSEARCH_URL
    with _lock:
        found = _clients.get(url)
        if found is None:
            found = Elasticsearch(
                url, request_timeout=timeout(), max_retries=0, retry_on_timeout=False
            )
            _clients[url] = found
        return found


def available() -> bool:
    """Configured, and not known to be down."""
    return configured() and time.monotonic() >= _down_until


def reset() -> None:
    """Forget failures and clients (tests, and after the configuration changes)."""
    global _down_until
    with _lock:
        for found in _clients.values():
            found.close()
        _clients.clear()
        _down_until = 0.0


def _failed(error: Exception, what: str) -> Unavailable:
    global _down_until
    _down_until = time.monotonic() + RETRY_SECONDS
    logger.warning("Elasticsearch %s failed (%s: %s)", what, type(error).__name__, error)
    return Unavailable(f"{type(error).__name__}: {error}"[:300])


FAILURES = (ApiError, TransportError, KeyError, TypeError, ValueError, IndexError)


def search(
    parsed: ParsedQuery,
    filters: Filters,
    *,
    audience: str,
    page: int,
    page_size: int,
    keys: tuple[str, ...] | None = None,
):
    body = search_body(
        parsed, filters, audience=audience, page=page, page_size=page_size, keys=keys
    )
    try:
        response = client().search(index=alias(), body=body)
        return parse_search(response.body)
    except FAILURES as error:
        raise _failed(error, "search") from error


def suggest(parsed: ParsedQuery, *, audience: str, limit: int):
    body = suggest_body(parsed.text, audience=audience, limit=limit)
    try:
        response = client().search(index=alias(), body=body)
        return parse_suggest(response.body)
    except FAILURES as error:
        raise _failed(error, "suggest") from error


def ping() -> dict:
    """Reachability and the alias's document count, within the timeout."""
    started = time.monotonic()
    try:
        info = client().info()
        documents = client().count(index=alias())["count"]
    except FAILURES as error:
        raise _failed(error, "health check") from error
    global _down_until
    _down_until = 0.0  # it answers again: searches may use it at once
    return {
        "reachable": True,
        "version": info["version"]["number"],
        "documents": documents,
        "latency_ms": round((time.monotonic() - started) * 1000, 1),
    }


# --- writing ------------------------------------------------------------------------------------
def _bulk(actions: list[dict]) -> dict:
    """One _bulk request; raises Unavailable on any failure, item errors included."""
    if not actions:
        return {"items": []}
    try:
        response = client().bulk(operations=actions, refresh=False)
    except FAILURES as error:
        raise _failed(error, "bulk") from error
    body = response.body
    if body.get("errors"):
        failed = [item for item in body["items"] if next(iter(item.values())).get("error")]
        failed = [
            item
            for item in failed
            if not ("delete" in item and item["delete"].get("status") == 404)
        ]
        if failed:
            raise Unavailable(f"{len(failed)} bulk items failed, first: {failed[0]}"[:300])
    return body


def write(documents, *, index: str | None = None) -> int:
    actions = []
    for document in documents:
        actions.append({"index": {"_index": index or alias(), "_id": document_id(document)}})
        actions.append(document_body(document))
    _bulk(actions)
    return len(actions) // 2


def delete(keys, *, index: str | None = None) -> int:
    actions = [{"delete": {"_index": index or alias(), "_id": key}} for key in keys]
    _bulk(actions)
    return len(actions)


def new_index_name(now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.UTC)
    return f"{alias()}-{now:%Y%m%d%H%M%S%f}"


def create_index(name: str) -> None:
    try:
        client().indices.create(index=name, **index_body())
    except FAILURES as error:
        raise _failed(error, "index creation") from error


def current_indices() -> list[str]:
    """The concrete indices the alias points at now ([] before the first reindex)."""
    try:
        response = client().indices.get_alias(name=alias())
    except NotFoundError:
        return []
    except FAILURES as error:
        raise _failed(error, "alias lookup") from error
    return sorted(response.body)


def swap_alias(new: str, old: list[str]) -> None:
    """Point the alias at `new` and away from `old` in one atomic request, then drop `old`."""
    actions = [{"remove": {"index": name, "alias": alias()}} for name in old]
    actions.append({"add": {"index": new, "alias": alias()}})
    try:
        client().indices.refresh(index=new)
        client().indices.update_aliases(actions=actions)
        for name in old:
            client().indices.delete(index=name)
    except FAILURES as error:
        raise _failed(error, "alias swap") from error
