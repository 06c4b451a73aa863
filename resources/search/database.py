# ruff: noqa: S608 - statements join constant table names; what people type is only ever a
# parameter (%s), never part of the SQL text.
"""The database search backend: SQLite FTS5 or PostgreSQL full-text over resources.search.models.

Every answer is a handful of SQL statements whatever the number of hits: one or two GROUP BY
counts for the facets (the total is the sum of the type counts: a document has one type), the
ranked page of hits, the page's snippets and its competencies. The full-text engine does the
filtering too: each document's labels (type, audience, competencies, areas, sectors, age band)
are words of its own column, so a visitor's search is `<their words> AND <chosen filters> NOT
xaudiencexmembers` inside the index (PostgreSQL: `... & 'xaudiencexpublic'`), and no
members-only row is ever read for them, counted or not.

"Did you mean" uses a vocabulary (titles' words, competency names, the acronyms) with difflib,
on both databases, and offers a correction only when it finds something this person may read.
PostgreSQL's pg_trgm could rank the candidates, but it needs an extension and a maintained word
table; difflib over a cached vocabulary of a few thousand words costs milliseconds, and only
runs when a search found nothing.
"""

import contextvars
import difflib
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction

from resources.search.models import FacetValue, SearchDocument, SearchLabel, SearchText
from resources.search.query import (
    ACCESS_KIND,
    AUDIENCE_KIND,
    COUNTED_KINDS,
    MARK_END,
    MARK_START,
    MEMBERS,
    PUBLIC,
    RESTRICTED,
    SYNONYMS,
    Filters,
    ParsedQuery,
    fts5_expression,
    label_token,
    parse,
    tsquery_expression,
    words_of,
)

FTS = "resources_search_fts"
TITLES = "resources_search_titles"
TITLE_TERMS = "resources_search_title_terms"
DOCS = SearchDocument._meta.db_table
TEXTS = SearchText._meta.db_table
LABELS = SearchLabel._meta.db_table
VALUES = FacetValue._meta.db_table
GENERATION_KEY = "search:generation"
CACHE_SECONDS = 300
BATCH = 500


_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "search_deadline", default=None
)


class SearchTimeout(Exception):
    """The database took longer than SEARCH_DATABASE_TIMEOUT for one search."""


@dataclass
class HitRef:
    """One hit as the index knows it; the source loads the object through its selector."""

    document_id: int
    source: str
    object_id: int
    type: str
    members_only: bool
    snippet: str = ""
    competencies: list[str] = field(default_factory=list)


@dataclass
class BackendResult:
    total: int = 0
    hits: list[HitRef] = field(default_factory=list)
    # Facet counts by kind, then slug: {"type": {"video": 3}, "competency": {...}}.
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestion: str = ""


Groups = list[tuple[str, tuple[str, ...]]]


def time_limit() -> float:
    """Seconds one search may take in the database before it is abandoned with a message."""
    return float(getattr(settings, "SEARCH_DATABASE_TIMEOUT", 2.0))


def _groups(filters: Filters, audience: str, keys: tuple[str, ...] | None = None) -> Groups:
    groups: Groups = [(AUDIENCE_KIND, (PUBLIC,))] if audience == PUBLIC else []
    if audience != PUBLIC and keys is not None:
        # Restricted documents whose keys the member does not hold (see query.ACCESS_KIND).
        groups.append((ACCESS_KIND, tuple(keys)))
    return groups + filters.items()


def _access_tokens(keys) -> tuple[str, list[str]]:
    return label_token(ACCESS_KIND, RESTRICTED), [label_token(ACCESS_KIND, key) for key in keys]


# --- dialects -----------------------------------------------------------------------------------
class SQLiteDialect:
    """FTS5 tables over SearchText (migration 0001): porter-stemmed text, unstemmed titles."""

    # bm25 weights per column: title, summary, body, labels (labels never rank).
    RANK = f"bm25({FTS}, 10.0, 4.0, 1.0, 0.0)"

    @staticmethod
    def _match(units, groups: Groups, *, columns="{title summary body}", prefix=False) -> str:
        parts = []
        if units:
            parts.append(f"{columns} : ({fts5_expression(units, prefix=prefix)})")
        hide_members = False
        access = None
        for kind, values in groups:
            if kind == AUDIENCE_KIND:
                # "NOT members" reads the short list of members-only documents, where
                # "AND public" would read the long one: measured about twice as fast.
                hide_members = True
                continue
            if kind == ACCESS_KIND:
                access = values
                continue
            tokens = " OR ".join(f'"{label_token(kind, value)}"' for value in values)
            parts.append(f"{{labels}} : ({tokens})")
        if not parts:
            if hide_members:
                # Only the audience: everything public (callers browse the table instead).
                parts.append(f'{{labels}} : "{label_token(AUDIENCE_KIND, PUBLIC)}"')
                hide_members = False
            else:  # a member with only the access rule: every document, then the rule
                public, members = (label_token(AUDIENCE_KIND, a) for a in (PUBLIC, MEMBERS))
                parts.append(f'{{labels}} : ("{public}" OR "{members}")')
        expression = " AND ".join(f"({part})" for part in parts)
        if hide_members:
            expression = f'({expression}) NOT {{labels}} : "{label_token(AUDIENCE_KIND, MEMBERS)}"'
        if access is not None:
            restricted, held = _access_tokens(access)
            unless = " OR ".join(f'"{token}"' for token in held)
            rule = f'{{labels}} : "{restricted}"'
            if held:
                rule += f" NOT {{labels}} : ({unless})"
            expression = f"({expression}) NOT ({rule})"
        return expression

    @contextmanager
    def time_limit(self, seconds: float):
        connection.ensure_connection()
        raw = connection.connection
        deadline = time.monotonic() + seconds
        # SQLite has no statement timeout: a progress handler aborts the running statement.
        raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 20_000)
        token = _deadline.set(deadline)
        try:
            yield
        except DatabaseError as error:
            if "interrupted" in str(error):
                raise SearchTimeout from error
            raise
        finally:
            _deadline.reset(token)
            raw.set_progress_handler(None, 0)

    def ranked_ids(self, units, groups, limit, offset) -> list[int]:
        sql = (
            f"SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s "
            f"ORDER BY {self.RANK}, rowid DESC LIMIT %s OFFSET %s"
        )
        return _column(sql, [self._match(units, groups), limit, offset])

    def newest_ids(self, groups, audience, limit, offset) -> list[int]:
        if groups and not (len(groups) == 1 and groups[0][0] == AUDIENCE_KIND):
            sql = (
                f"SELECT d.id FROM {FTS} CROSS JOIN {DOCS} d ON d.id = {FTS}.rowid "
                f"WHERE {FTS} MATCH %s ORDER BY d.published_at DESC, d.id DESC LIMIT %s OFFSET %s"
            )
            return _column(sql, [self._match((), groups), limit, offset])
        return _newest_unfiltered(audience, limit, offset)

    def facet_counts(self, units, groups) -> dict[tuple[str, str], int]:
        sql = (
            f"SELECT v.kind, v.slug, c.n FROM (SELECT l.value_id AS id, COUNT(*) AS n "
            f"FROM {FTS} CROSS JOIN {LABELS} l ON l.document_id = {FTS}.rowid "
            f"WHERE {FTS} MATCH %s GROUP BY l.value_id) c JOIN {VALUES} v ON v.id = c.id"
        )
        return _counts(sql, [self._match(units, groups)])

    def details(self, ids, units) -> dict[int, tuple]:
        marks = [MARK_START, MARK_END]
        placeholders = ", ".join(["%s"] * len(ids))
        if units:
            sql = (
                f"SELECT d.id, d.source, d.object_id, d.type, d.members_only, "
                f"snippet({FTS}, 1, %s, %s, '…', 30), snippet({FTS}, 2, %s, %s, '…', 30) "
                f"FROM {FTS} CROSS JOIN {DOCS} d ON d.id = {FTS}.rowid "
                f"WHERE {FTS} MATCH %s AND {FTS}.rowid IN ({placeholders})"
            )
            params = [*marks, *marks, self._match(units, []), *ids]
        else:
            sql = (
                f"SELECT d.id, d.source, d.object_id, d.type, d.members_only, t.summary, '' "
                f"FROM {DOCS} d JOIN {TEXTS} t ON t.document_id = d.id "
                f"WHERE d.id IN ({placeholders})"
            )
            params = list(ids)
        return {row[0]: row for row in _rows(sql, params)}

    def titles(self, units, groups, limit) -> list[tuple]:
        match = self._match(units, groups, columns="{title}", prefix=True)
        sql = (
            f"SELECT d.id, d.source, d.object_id, d.type, d.members_only "
            f"FROM {TITLES} CROSS JOIN {DOCS} d ON d.id = {TITLES}.rowid "
            f"WHERE {TITLES} MATCH %s ORDER BY bm25({TITLES}), d.published_at DESC LIMIT %s"
        )
        return _rows(sql, [match, limit])

    def exists(self, units, groups) -> bool:
        sql = f"SELECT 1 FROM {FTS} WHERE {FTS} MATCH %s LIMIT 1"
        return bool(_rows(sql, [self._match(units, groups)]))

    def vocabulary(self) -> list[str]:
        return _column(f"SELECT term FROM {TITLE_TERMS} WHERE col = 'title' AND doc > 0")

    def queryable(self) -> None:
        _rows(f"SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s LIMIT 1", ['"health"'])

    def optimize(self) -> None:
        with connection.cursor() as cursor:
            for table in (FTS, TITLES):
                cursor.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")


class PostgresDialect:
    """A generated tsvector per text row (english for words, simple for labels) with GIN."""

    WEIGHTS = "'{0, 0.2, 0.4, 1.0}'"  # D (labels), C (body), B (summary), A (title)
    TEXT_WEIGHTS = "ABC"  # what people type never matches the label words (weight D)
    HEADLINE = (
        f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=35, MinWords=15, "
        "MaxFragments=1, FragmentDelimiter=…"
    )

    @staticmethod
    def _labels(groups: Groups) -> str:
        def group(kind, values) -> str:
            if kind == ACCESS_KIND:
                restricted, held = _access_tokens(values)
                unless = " | ".join(f"'{token}'" for token in held)
                return f"!('{restricted}'" + (f" & !({unless})" if held else "") + ")"
            return "(" + " | ".join(f"'{label_token(kind, value)}'" for value in values) + ")"

        return " & ".join(group(kind, values) for kind, values in groups)

    def _match(self, units, groups, *, column="t.vector", prefix=False) -> tuple[str, list]:
        config = "simple" if prefix else "english"
        parts, params = [], []
        if units:
            parts.append(f"to_tsquery('{config}', %s)")
            params.append(tsquery_expression(units, prefix=prefix, weights=self.TEXT_WEIGHTS))
        if groups:
            parts.append("to_tsquery('simple', %s)")
            params.append(self._labels(groups))
        return f"{column} @@ ({' && '.join(parts)})", params

    @contextmanager
    def time_limit(self, seconds: float):
        milliseconds = str(max(1, int(seconds * 1000)))
        token = _deadline.set(time.monotonic() + seconds)
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT set_config('statement_timeout', %s, true)", [milliseconds]
                    )
                yield
        except DatabaseError as error:
            if "statement timeout" in str(error):
                raise SearchTimeout from error
            raise
        finally:
            _deadline.reset(token)

    def ranked_ids(self, units, groups, limit, offset) -> list[int]:
        where, params = self._match(units, groups)
        sql = (
            f"SELECT t.document_id FROM {TEXTS} t WHERE {where} "
            f"ORDER BY ts_rank({self.WEIGHTS}, t.vector, to_tsquery('english', %s)) DESC, "
            f"t.document_id DESC LIMIT %s OFFSET %s"
        )
        return _column(sql, [*params, tsquery_expression(units), limit, offset])

    def newest_ids(self, groups, audience, limit, offset) -> list[int]:
        if groups and not (len(groups) == 1 and groups[0][0] == AUDIENCE_KIND):
            where, params = self._match((), groups)
            sql = (
                f"SELECT d.id FROM {TEXTS} t JOIN {DOCS} d ON d.id = t.document_id WHERE {where} "
                f"ORDER BY d.published_at DESC, d.id DESC LIMIT %s OFFSET %s"
            )
            return _column(sql, [*params, limit, offset])
        return _newest_unfiltered(audience, limit, offset)

    def facet_counts(self, units, groups) -> dict[tuple[str, str], int]:
        where, params = self._match(units, groups)
        sql = (
            f"SELECT v.kind, v.slug, c.n FROM (SELECT l.value_id AS id, COUNT(*) AS n "
            f"FROM {TEXTS} t JOIN {LABELS} l ON l.document_id = t.document_id WHERE {where} "
            f"GROUP BY l.value_id) c JOIN {VALUES} v ON v.id = c.id"
        )
        return _counts(sql, params)

    def details(self, ids, units) -> dict[int, tuple]:
        placeholders = ", ".join(["%s"] * len(ids))
        if units:
            query = "to_tsquery('english', %s)"
            sql = (
                f"SELECT d.id, d.source, d.object_id, d.type, d.members_only, "
                f"ts_headline('english', t.summary, {query}, %s), "
                f"ts_headline('english', t.body, {query}, %s) "
                f"FROM {DOCS} d JOIN {TEXTS} t ON t.document_id = d.id "
                f"WHERE d.id IN ({placeholders})"
            )
            expression = tsquery_expression(units)
            params = [expression, self.HEADLINE, expression, self.HEADLINE, *ids]
        else:
            sql = (
                f"SELECT d.id, d.source, d.object_id, d.type, d.members_only, t.summary, '' "
                f"FROM {DOCS} d JOIN {TEXTS} t ON t.document_id = d.id "
                f"WHERE d.id IN ({placeholders})"
            )
            params = list(ids)
        return {row[0]: row for row in _rows(sql, params)}

    def titles(self, units, groups, limit) -> list[tuple]:
        where, params = self._match(units, groups, column="t.title_vector", prefix=True)
        sql = (
            f"SELECT d.id, d.source, d.object_id, d.type, d.members_only "
            f"FROM {TEXTS} t JOIN {DOCS} d ON d.id = t.document_id WHERE {where} "
            f"ORDER BY ts_rank(t.title_vector, to_tsquery('simple', %s)) DESC, "
            f"d.published_at DESC LIMIT %s"
        )
        return _rows(sql, [*params, tsquery_expression(units, prefix=True), limit])

    def exists(self, units, groups) -> bool:
        where, params = self._match(units, groups)
        return bool(_rows(f"SELECT 1 FROM {TEXTS} t WHERE {where} LIMIT 1", params))

    def vocabulary(self) -> list[str]:
        return _column(
            f"SELECT word FROM ts_stat('SELECT to_tsvector(''simple'', title) FROM {TEXTS}')"
        )

    def queryable(self) -> None:
        _rows(
            f"SELECT document_id FROM {TEXTS} WHERE vector @@ to_tsquery('english', %s) LIMIT 1",
            ["health"],
        )

    def optimize(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {TEXTS}")


def dialect():
    if connection.vendor == "postgresql":
        return PostgresDialect()
    if connection.vendor == "sqlite":
        return SQLiteDialect()
    raise DatabaseError(f"Search supports SQLite and PostgreSQL, not {connection.vendor}.")


# --- small SQL helpers --------------------------------------------------------------------------
def _rows(sql: str, params=()) -> list[tuple]:
    deadline = _deadline.get()
    if deadline is not None and time.monotonic() > deadline:
        # The earlier statements used up the time: do not start another one.
        raise SearchTimeout
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()


def _column(sql: str, params=()) -> list:
    return [row[0] for row in _rows(sql, params)]


def _counts(sql: str, params) -> dict[tuple[str, str], int]:
    return {(kind, slug): count for kind, slug, count in _rows(sql, params)}


def _newest_unfiltered(audience: str, limit: int, offset: int) -> list[int]:
    documents = SearchDocument.objects.all()
    if audience == PUBLIC:
        documents = documents.filter(members_only=False)
    return list(
        documents.order_by("-published_at", "-id").values_list("id", flat=True)[
            offset : offset + limit
        ]
    )


def _all_counts(audience: str) -> dict[tuple[str, str], int]:
    """Facet counts of everything an audience may see: cached until the index next changes."""
    key = f"search:all-counts:{generation()}:{audience}"
    counts = cache.get(key)
    if counts is None:
        sql = (
            f"SELECT v.kind, v.slug, c.n FROM (SELECT l.value_id AS id, COUNT(*) AS n "
            f"FROM {LABELS} l "
            + (
                f"JOIN {DOCS} d ON d.id = l.document_id WHERE d.members_only = %s "
                if audience == PUBLIC
                else ""
            )
            + f"GROUP BY l.value_id) c JOIN {VALUES} v ON v.id = c.id"
        )
        counts = _counts(sql, [False] if audience == PUBLIC else [])
        cache.set(key, counts, CACHE_SECONDS)
    return counts


# --- searching ----------------------------------------------------------------------------------
def search(
    parsed: ParsedQuery,
    filters: Filters,
    *,
    audience: str,
    page: int,
    page_size: int,
    keys: tuple[str, ...] | None = None,
) -> BackendResult:
    """One page of hits, the facet counts and the total; raises SearchTimeout when too slow.
    `keys`: the member's restricted-audience keys (registry.audience_keys)."""
    engine = dialect()
    units = parsed.units
    base = _groups(filters.without("competency").without("type"), audience, keys)
    competency = [("competency", filters.competency)] if filters.competency else []
    types = [("type", filters.type)] if filters.type else []

    def counts(groups: Groups) -> dict[tuple[str, str], int]:
        if units or any(kind != AUDIENCE_KIND for kind, _ in groups):
            return engine.facet_counts(units, groups)
        return _all_counts(audience)

    with engine.time_limit(time_limit()):
        # Facets are disjunctive: a facet's counts leave out that facet's own choice, so the
        # other values stay visible as alternatives; each count still honours everything else.
        type_counts = counts(base + competency)
        competency_counts = counts(base + types) if competency or types else type_counts
        facets = {
            "type": _of_kind(type_counts, "type"),
            "competency": _of_kind(competency_counts, "competency"),
        }
        chosen = set(filters.type)
        total = sum(n for slug, n in facets["type"].items() if not chosen or slug in chosen)
        offset = (page - 1) * page_size
        groups = base + competency + types
        if total == 0 or offset >= total:
            ids = []
        elif units:
            ids = engine.ranked_ids(units, groups, page_size, offset)
        else:
            ids = engine.newest_ids(groups, audience, page_size, offset)
        hits = _hit_refs(engine, ids, units)
        suggestion = ""
        if total == 0 and units:
            suggestion = _did_you_mean(engine, parsed, groups)
    return BackendResult(total=total, hits=hits, facets=facets, suggestion=suggestion)


def _of_kind(counts: dict[tuple[str, str], int], kind: str) -> dict[str, int]:
    return {slug: n for (value_kind, slug), n in counts.items() if value_kind == kind}


def _hit_refs(engine, ids: list[int], units) -> list[HitRef]:
    if not ids:
        return []
    rows = engine.details(ids, units)
    competencies = _competencies_of(ids)
    hits = []
    for document_id in ids:
        row = rows.get(document_id)
        if row is None:
            continue
        _, source, object_id, kind, members_only, summary, body = row
        # The summary's snippet unless only the body matched.
        snippet = (
            summary if MARK_START in (summary or "") or MARK_START not in (body or "") else body
        )
        hits.append(
            HitRef(
                document_id=document_id,
                source=source,
                object_id=object_id,
                type=kind,
                members_only=bool(members_only),
                snippet=snippet or "",
                competencies=competencies.get(document_id, []),
            )
        )
    return hits


def _competencies_of(ids: list[int]) -> dict[int, list[str]]:
    placeholders = ", ".join(["%s"] * len(ids))
    sql = (
        f"SELECT l.document_id, v.slug FROM {LABELS} l JOIN {VALUES} v ON v.id = l.value_id "
        f"WHERE v.kind = 'competency' AND l.document_id IN ({placeholders}) ORDER BY v.slug"
    )
    found: dict[int, list[str]] = {}
    for document_id, slug in _rows(sql, ids):
        found.setdefault(document_id, []).append(slug)
    return found


def suggest(
    parsed: ParsedQuery, *, audience: str, limit: int, keys: tuple[str, ...] | None = None
) -> list[HitRef]:
    """Titles that start with what was typed so far (the last word as a prefix)."""
    if parsed.is_empty:
        return []
    units = parsed.units
    last = units[-1][0][-1]
    if len(last) < 2:
        units = units[:-1]  # one letter expands to half the vocabulary: wait for the second
        if not units:
            return []
    engine = dialect()
    with engine.time_limit(time_limit()):
        rows = engine.titles(units, _groups(Filters(), audience, keys), limit)
    return [
        HitRef(
            document_id=row[0],
            source=row[1],
            object_id=row[2],
            type=row[3],
            members_only=bool(row[4]),
        )
        for row in rows
    ]


# --- did you mean -------------------------------------------------------------------------------
def _vocabulary(engine) -> dict[int, list[str]]:
    """Known words by length (a correction is at most two letters longer or shorter)."""
    key = f"search:vocabulary:{generation()}"
    by_length = cache.get(key)
    if by_length is None:
        from competencies.models import AreaOfExpertise, Competency

        names = list(Competency.objects.values_list("name", flat=True)) + list(
            AreaOfExpertise.objects.values_list("name", flat=True)
        )
        words = {word for word in engine.vocabulary() if word.isalpha() and len(word) > 2}
        words.update(word for name in names for word in words_of(name) if len(word) > 2)
        words.update(word for group in SYNONYMS for form in group for word in words_of(form))
        by_length = {}
        for word in sorted(words):
            by_length.setdefault(len(word), []).append(word)
        cache.set(key, by_length, CACHE_SECONDS)
    return by_length


def _did_you_mean(engine, parsed: ParsedQuery, groups: Groups) -> str:
    by_length = _vocabulary(engine)
    corrected, changed = [], False
    for word in words_of(parsed.text):
        if len(word) < 4 or not word.isalpha() or word in set(by_length.get(len(word), ())):
            corrected.append(word)
            continue
        candidates = [
            known
            for length in range(len(word) - 2, len(word) + 3)
            for known in by_length.get(length, ())
        ]
        close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.8)
        corrected.append(close[0] if close else word)
        changed = changed or bool(close)
    if not changed:
        return ""
    candidate = " ".join(corrected)
    # Offered only when it finds something this person may read: a word from a members-only
    # title never reaches a visitor, not even as a suggestion.
    return candidate if engine.exists(parse(candidate).units, groups) else ""


# --- writing the index --------------------------------------------------------------------------
def generation() -> int:
    """A number that changes whenever the index does (cached counts and vocabulary key on it)."""
    value = cache.get(GENERATION_KEY)
    if value is None:
        # Start from the clock, so a cache that lost the number never reuses an old key.
        cache.add(GENERATION_KEY, int(time.time() * 1000), None)
        value = cache.get(GENERATION_KEY, 0)
    return value


def _bump_generation() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not there (yet, or any more)
        generation()


def _changed() -> None:
    """Now, for this transaction's own reads, and again after commit, for everyone else's."""
    _bump_generation()
    transaction.on_commit(_bump_generation)


def _value_ids(pairs: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    if not pairs:
        return {}
    kinds = {kind for kind, _ in pairs}
    slugs = {slug for _, slug in pairs}

    def known():
        return {
            (kind, slug): pk
            for pk, kind, slug in FacetValue.objects.filter(
                kind__in=kinds, slug__in=slugs
            ).values_list("pk", "kind", "slug")
            if (kind, slug) in pairs
        }

    found = known()
    missing = pairs - set(found)
    if missing:
        FacetValue.objects.bulk_create(
            [FacetValue(kind=kind, slug=slug) for kind, slug in missing], ignore_conflicts=True
        )
        found = known()
    return found


def write(documents) -> int:
    """Insert or replace these documents (any sources) in one transaction."""
    documents = list(documents)
    if not documents:
        return 0
    with transaction.atomic():
        by_source: dict[str, list[int]] = {}
        for document in documents:
            by_source.setdefault(document.source, []).append(document.object_id)
        for source_key, object_ids in by_source.items():
            _delete_rows(SearchDocument.objects.filter(source=source_key, object_id__in=object_ids))
        _insert(documents)
    _changed()
    return len(documents)


def _insert(documents) -> None:
    rows = SearchDocument.objects.bulk_create(
        [
            SearchDocument(
                source=document.source,
                object_id=document.object_id,
                type=document.type,
                members_only=document.members_only,
                published_at=document.published_at,
            )
            for document in documents
        ],
        batch_size=BATCH,
    )
    SearchText.objects.bulk_create(
        [
            SearchText(
                document=row,
                title=document.title,
                summary=document.summary,
                body=document.body,
                labels=document.label_text(),
            )
            for row, document in zip(rows, documents, strict=True)
        ],
        batch_size=BATCH,
    )
    # Only what facets count gets a label row; every label is a word of the text row anyway,
    # which is how filters work. Fewer rows per hit: the facet count reads half as much.
    counted = [
        [pair for pair in document.all_labels() if pair[0] in COUNTED_KINDS]
        for document in documents
    ]
    value_ids = _value_ids({pair for pairs in counted for pair in pairs})
    SearchLabel.objects.bulk_create(
        [
            SearchLabel(document=row, value_id=value_ids[pair])
            for row, pairs in zip(rows, counted, strict=True)
            for pair in pairs
        ],
        batch_size=BATCH * 4,
    )


def _delete_rows(documents) -> int:
    """Delete index rows without loading them (labels and text first: no cascade in SQL)."""
    ids = documents.values("id")
    SearchLabel.objects.filter(document_id__in=ids)._raw_delete(connection.alias)
    SearchText.objects.filter(document_id__in=ids)._raw_delete(connection.alias)
    return documents._raw_delete(connection.alias)


def delete(source_key: str, object_ids) -> int:
    object_ids = list(object_ids)
    if not object_ids:
        return 0
    with transaction.atomic():
        deleted = _delete_rows(
            SearchDocument.objects.filter(source=source_key, object_id__in=object_ids)
        )
    _changed()
    return deleted


def clear(source_key: str | None = None) -> int:
    documents = SearchDocument.objects.all()
    if source_key:
        documents = documents.filter(source=source_key)
    with transaction.atomic():
        deleted = _delete_rows(documents)
    _changed()
    return deleted


def optimize() -> None:
    dialect().optimize()


def count() -> int:
    return SearchDocument.objects.count()


def status() -> dict:
    """Whether the index answers a full-text query, and how many documents it holds."""
    dialect().queryable()
    return {"ok": True, "engine": connection.vendor, "documents": count()}
