"""Searching: pick the backend, fall back when Elasticsearch fails, and shape the answer.

Whatever the backend, the page of hits is loaded through each source's own selector (`visible`),
so the access rules of the app that owns an object decide whether a person sees it; the index
decides only what matches and how it ranks. Counts come from the index, which holds a visitor's
view and a member's view apart (the audience label), so members-only items never reach a
visitor's counts either.
"""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError

from competencies.selectors import competencies_by_name
from resources.search import database, registry
from resources.search import elasticsearch as es
from resources.search.query import (
    MEMBERS,
    PUBLIC,
    Filters,
    ParsedQuery,
    parse,
    render_snippet,
    shorten,
)

logger = logging.getLogger(__name__)
PAGE_SIZE = 20
MAX_PAGE = 500  # Elasticsearch's default result window is 10,000 hits
SUGGEST_LIMIT = 8
DEGRADED_MESSAGE = (
    "Search is answering from its backup index for now, so results may be incomplete."
)
UNAVAILABLE_MESSAGE = "Search is not working right now. Please try again in a few minutes."
TIMEOUT_MESSAGE = "That search took too long. Try fewer or more specific words."
REJECTED_MESSAGE = "Some filter values were not recognised and were left out."


@dataclass
class SearchResults:
    total: int = 0
    backend: str = "database"
    results: list[dict] = field(default_factory=list)
    facets: dict = field(default_factory=lambda: {"competency": [], "type": []})
    page: int = 1
    pages: int = 1
    page_size: int = PAGE_SIZE
    query: str = ""
    suggestion: str = ""
    degraded: bool = False
    message: str = ""
    filters: Filters = field(default_factory=Filters)

    def as_json(self) -> dict:
        return {
            "total": self.total,
            "backend": self.backend,
            "results": self.results,
            "facets": self.facets,
            "suggestion": self.suggestion or None,
            "degraded": self.degraded,
            "page": self.page,
            "pages": self.pages,
            "message": self.message,
        }


def _audience(user) -> str:
    return MEMBERS if user is not None and user.is_authenticated else PUBLIC


def _elasticsearch_wanted() -> bool:
    return settings.SEARCH_BACKEND == "elasticsearch" and es.configured()


def _backend_search(parsed, filters, *, audience, page, keys=None):
    """(result, backend name, degraded, message) from Elasticsearch or the database."""
    if _elasticsearch_wanted():
        if es.available():
            try:
                result = es.search(
                    parsed, filters, audience=audience, page=page, page_size=PAGE_SIZE, keys=keys
                )
                return result, "elasticsearch", False, ""
            except es.Unavailable as error:
                logger.info("Search fell back to the database: %s", error)
        degraded = True
    else:
        degraded = False
    note = DEGRADED_MESSAGE if degraded else ""
    try:
        result = database.search(
            parsed, filters, audience=audience, page=page, page_size=PAGE_SIZE, keys=keys
        )
    except database.SearchTimeout:
        return database.BackendResult(), "database", degraded, f"{note} {TIMEOUT_MESSAGE}".strip()
    except DatabaseError:
        # A search never answers with a server error; /healthz reports a broken index.
        logger.exception("Database search failed")
        return (
            database.BackendResult(),
            "database",
            degraded,
            f"{note} {UNAVAILABLE_MESSAGE}".strip(),
        )
    return result, "database", degraded, note


def run(
    *,
    user,
    query: str = "",
    competency=(),
    type=(),  # noqa: A002 (the contract's parameter name)
    area=(),
    sector=(),
    age=(),
    page: int = 1,
    request=None,
) -> SearchResults:
    """Search what `user` may read. An empty query browses everything, newest first."""
    parsed = parse(query)
    filters = Filters.from_values(
        competency=competency, type=type, area=area, sector=sector, age=age
    )
    audience = _audience(user)
    keys = registry.audience_keys(user)
    page = min(max(1, int(page or 1)), MAX_PAGE)
    result, backend, degraded, note = _backend_search(
        parsed, filters, audience=audience, page=page, keys=keys
    )
    pages = max(1, -(-result.total // PAGE_SIZE))
    if page > pages:
        # Past the last page: show the last one rather than an empty page.
        page = min(pages, MAX_PAGE)
        result, backend, degraded, note = _backend_search(
            parsed, filters, audience=audience, page=page, keys=keys
        )
    messages = [parsed.message, REJECTED_MESSAGE if filters.rejected else "", note]
    return SearchResults(
        total=result.total,
        backend=backend,
        results=_hits(result.hits, user=user, request=request, browsing=parsed.is_empty),
        facets=_facets(result.facets, filters),
        page=page,
        pages=min(pages, MAX_PAGE),
        query=parsed.text,
        suggestion=result.suggestion,
        degraded=degraded,
        message=" ".join(message for message in messages if message),
        filters=filters,
    )


def _load(refs, *, user) -> dict[tuple[str, int], object]:
    """The hits' objects, through each source's selector: one query per source on the page."""
    wanted: dict[str, list[int]] = {}
    for ref in refs:
        wanted.setdefault(ref.source, []).append(ref.object_id)
    loaded = {}
    for key, ids in wanted.items():
        source = registry.source(key)
        if source is None:
            continue
        for obj in source.visible(user=user).filter(pk__in=ids):
            loaded[(key, obj.pk)] = obj
    return loaded


def _hits(refs, *, user, request, browsing: bool) -> list[dict]:
    loaded = _load(refs, user=user)
    names = registry.type_names()
    hits = []
    for ref in refs:
        obj = loaded.get((ref.source, ref.object_id))
        if obj is None:  # the index lags behind a change, or the selector says no
            continue
        source = registry.source(ref.source)
        snippet = render_snippet(shorten(ref.snippet) if browsing else ref.snippet)
        hits.append(
            {
                **source.hit(obj, request=request),
                "type": ref.type,
                "type_name": names.get(ref.type, ref.type),
                "competencies": ref.competencies,
                "snippet": snippet,
                "members_only": ref.members_only,
            }
        )
    return hits


def _facets(counts: dict[str, dict[str, int]], filters: Filters) -> dict:
    competency_counts = dict(counts.get("competency", {}))
    for slug in filters.competency:
        competency_counts.setdefault(slug, 0)
    type_counts = dict(counts.get("type", {}))
    for slug in filters.type:
        type_counts.setdefault(slug, 0)
    names = dict(competencies_by_name())  # cached, forgotten on any competency change
    type_names = registry.type_names()

    def listing(counted, labels):
        facets = [
            {"slug": slug, "name": labels[slug], "count": count}
            for slug, count in counted.items()
            if slug in labels
        ]
        return sorted(facets, key=lambda facet: (-facet["count"], facet["name"]))

    return {
        "competency": listing(competency_counts, names),
        "type": listing(type_counts, type_names),
    }


def suggest(*, user, query: str, request=None) -> list[dict]:
    """Titles for autocomplete: what `user` may read whose title starts with what was typed."""
    parsed: ParsedQuery = parse(query)
    if parsed.is_empty:
        return []
    audience = _audience(user)
    refs = None
    if _elasticsearch_wanted() and es.available():
        try:
            refs = es.suggest(parsed, audience=audience, limit=SUGGEST_LIMIT)
        except es.Unavailable:
            refs = None
    if refs is None:
        try:
            refs = database.suggest(
                parsed, audience=audience, limit=SUGGEST_LIMIT, keys=registry.audience_keys(user)
            )
        except (database.SearchTimeout, DatabaseError):
            return []
    loaded = _load(refs, user=user)
    names = registry.type_names()
    suggestions = []
    for ref in refs:
        obj = loaded.get((ref.source, ref.object_id))
        if obj is None:
            continue
        hit = registry.source(ref.source).hit(obj, request=request)
        suggestions.append({**hit, "type": ref.type, "type_name": names.get(ref.type, ref.type)})
    return suggestions


def backend_status() -> dict:
    """Which backend serves search, whether it answers, and whether search has fallen back."""
    status = {
        "ok": True,
        "backend": settings.SEARCH_BACKEND,
        "serving": "database",
        "elasticsearch_configured": es.configured(),
        "database": database.status(),
    }
    if es.configured():
        try:
            status["elasticsearch"] = es.ping()
            status["serving"] = "elasticsearch"
        except es.Unavailable as error:
            status["elasticsearch"] = {"reachable": False, "error": str(error)}
            status["fallback"] = "database"
    return status
