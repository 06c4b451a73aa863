"""What a person typed, made safe for every backend: words, phrases, synonyms, filters, snippets.

Nothing a person types reaches a search engine as syntax. The text becomes a list of units that
must all match; a unit is one or more alternative phrases (the acronyms of the field expand to
their long forms and back), and each backend renders units in its own query language with every
word quoted. Filters become label tokens that the index stores beside the text.
"""

import html
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.safestring import SafeString, mark_safe

MAX_QUERY_LENGTH = 200
MAX_UNITS = 16
MAX_FILTER_VALUES = 20
# Snippet markers: private-use characters that never survive into indexed text (plain_text()
# removes them), so every marker in a backend's snippet was put there by the backend.
MARK_START = "\ue000"
MARK_END = "\ue001"
_MARKED = re.compile(f"{MARK_START}([^{MARK_START}{MARK_END}]*){MARK_END}")
_WORD = re.compile(r"\w+")
_PHRASE = re.compile(r'"([^"]*)"')
_SLUG = re.compile(r"^[-a-z0-9]{1,80}$")

# The field's acronyms and their long forms, each group equivalent both ways. The database
# backend expands them at query time; Elasticsearch gets them as a synonym_graph filter.
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("imh", "infant mental health"),
    ("iecmh", "infant and early childhood mental health"),
    ("ecmh", "early childhood mental health"),
    ("rsc", "rs/c", "reflective supervision consultation"),
    ("ei", "early intervention"),
    ("cpp", "child parent psychotherapy"),
    ("dc:0-5", "dc0-5", "diagnostic classification of mental health and developmental disorders"),
    ("aces", "adverse childhood experiences"),
)

# Filter parameters and the label kind each one matches in the index.
FILTER_KINDS = ("competency", "type", "area", "sector", "age")
AUDIENCE_KIND = "audience"
# Documents readable by some members only (a cohort's forum) carry ("access", "restricted") and
# one ("access", key) per group of readers; a member's search leaves out every restricted
# document whose keys they do not hold, in the hits, the counts and the total alike.
ACCESS_KIND = "access"
RESTRICTED = "restricted"
# Label kinds with facet counts (stored as rows for GROUP BY); the others only filter.
COUNTED_KINDS = ("type", "competency")
PUBLIC, MEMBERS = "public", "members"

Phrase = tuple[str, ...]
Unit = tuple[Phrase, ...]


def clean_query(text: str | None) -> str:
    """Collapse whitespace, drop control characters, and bound the length."""
    text = "".join(ch if ch.isprintable() else (" " if ch.isspace() else "") for ch in text or "")
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


def words_of(text: str) -> list[str]:
    return [word.lower() for word in _WORD.findall(text)]


def _synonym_table() -> list[tuple[Phrase, Unit]]:
    """Every phrase of every group, longest first, with the whole group as its unit."""
    table = []
    for group in SYNONYMS:
        # Each form as words, and a punctuated form ("rs/c") also whole: PostgreSQL's parser
        # keeps it as one token where SQLite's splits it.
        forms = [tuple(words_of(form)) for form in group]
        forms += [(form,) for form in group if not _WORD.fullmatch(form.replace(" ", ""))]
        unit = tuple(dict.fromkeys(forms))
        table.extend((phrase, unit) for phrase in unit if all(_WORD.fullmatch(w) for w in phrase))
    return sorted(table, key=lambda entry: -len(entry[0]))


_SYNONYM_TABLE = _synonym_table()


# Words too common to require (PostgreSQL's english configuration drops them too); a query of
# nothing else keeps them.
STOP_WORDS = frozenset(
    {"a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into", "is", "it"}
    | {"of", "on", "or", "the", "to", "with"}
)


def _expand(words: list[str]) -> list[Unit]:
    """Plain words to units; a run of words that is a synonym becomes one unit of alternatives."""
    required = any(word not in STOP_WORDS for word in words)
    units: list[Unit] = []
    position = 0
    while position < len(words):
        for phrase, unit in _SYNONYM_TABLE:
            if tuple(words[position : position + len(phrase)]) == phrase:
                units.append(unit)
                position += len(phrase)
                break
        else:
            if not (required and words[position] in STOP_WORDS):
                units.append(((words[position],),))
            position += 1
    return units


@dataclass(frozen=True)
class ParsedQuery:
    """The cleaned text and the units every backend renders."""

    text: str = ""
    units: tuple[Unit, ...] = ()
    message: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.units

    @property
    def plain(self) -> str:
        """The query as words and quoted phrases only (what Elasticsearch receives)."""
        parts = []
        for unit in self.units:
            first = unit[0]
            parts.append(first[0] if len(first) == 1 else '"' + " ".join(first) + '"')
        return " ".join(parts)

    @property
    def words(self) -> list[str]:
        return [word for unit in self.units for word in unit[0]]


def parse(text: str | None) -> ParsedQuery:
    """Quoted phrases stay phrases, other words become units (with synonyms); nothing else."""
    raw = text or ""
    cleaned = clean_query(raw)
    messages = []
    if len(" ".join(raw.split())) > MAX_QUERY_LENGTH:
        messages.append(f"Only the first {MAX_QUERY_LENGTH} characters of your search were used.")
    units: list[Unit] = []
    position = 0
    for match in _PHRASE.finditer(cleaned):
        units.extend(_expand(words_of(cleaned[position : match.start()])))
        phrase = tuple(words_of(match.group(1)))
        if phrase:
            units.append((phrase,))
        position = match.end()
    units.extend(_expand(words_of(cleaned[position:])))
    if len(units) > MAX_UNITS:
        units = units[:MAX_UNITS]
        messages.append(f"Only the first {MAX_UNITS} words of your search were used.")
    if cleaned and not units:
        messages.append("Your search had no words to look for; showing everything instead.")
    return ParsedQuery(text=cleaned, units=tuple(units), message=" ".join(messages))


# --- rendering for the database engines ---------------------------------------------------------
def fts5_expression(units, *, prefix: bool = False) -> str:
    """SQLite FTS5: every word inside a quoted string, units joined by AND."""
    rendered = []
    for index, unit in enumerate(units):
        last = prefix and index == len(units) - 1
        alternatives = ['"' + " ".join(phrase) + '"' + ("*" if last else "") for phrase in unit]
        rendered.append(
            alternatives[0] if len(alternatives) == 1 else f"({' OR '.join(alternatives)})"
        )
    return " AND ".join(rendered)


def tsquery_expression(units, *, prefix: bool = False, weights: str = "") -> str:
    """PostgreSQL to_tsquery(): quoted lexemes, phrases with <->, alternatives with |.

    `weights` limits the words to those parts of the vector (the labels are weight D)."""
    rendered = []
    for index, unit in enumerate(units):
        last = prefix and index == len(units) - 1
        alternatives = []
        for phrase in unit:
            lexemes = [f"'{word}'" + (f":{weights}" if weights else "") for word in phrase]
            if last:
                lexemes[-1] += "*" if weights else ":*"
            alternatives.append(" <-> ".join(lexemes))
        rendered.append("(" + " | ".join(alternatives) + ")")
    return " & ".join(rendered)


# --- filters --------------------------------------------------------------------------------
def label_token(kind: str, value: str) -> str:
    """One word per label, so the full-text index can filter by it: 'xtypexvideo'."""
    return f"x{kind}x" + re.sub(r"[^0-9a-z]", "", value.lower())


@dataclass(frozen=True)
class Filters:
    """Chosen filter values by kind. Values within a kind are alternatives; kinds all apply."""

    competency: tuple[str, ...] = ()
    type: tuple[str, ...] = ()
    area: tuple[str, ...] = ()
    sector: tuple[str, ...] = ()
    age: tuple[str, ...] = ()
    rejected: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_values(cls, **values) -> "Filters":
        """Slugs only; anything else is left out and reported in `rejected`."""
        chosen, rejected = {}, []
        for kind in FILTER_KINDS:
            given = values.get(kind) or ()
            if isinstance(given, str):
                given = (given,)
            kept = []
            for value in list(given)[:MAX_FILTER_VALUES]:
                value = (value or "").strip()
                if not value:
                    continue
                if _SLUG.match(value):
                    kept.append(value)
                else:
                    rejected.append(kind)
            chosen[kind] = tuple(dict.fromkeys(kept))
        return cls(**chosen, rejected=tuple(dict.fromkeys(rejected)))

    def items(self) -> list[tuple[str, tuple[str, ...]]]:
        return [(kind, getattr(self, kind)) for kind in FILTER_KINDS if getattr(self, kind)]

    def without(self, kind: str) -> "Filters":
        return Filters(**{name: values for name, values in self.items() if name != kind})

    def __bool__(self) -> bool:
        return bool(self.items())


# --- text for the index and snippets for people ------------------------------------------------
def plain_text(value) -> str:
    """Indexable text: no control or marker characters, single spaces. Markup is the caller's
    business (Wagtail strips rich text; a plain field keeps a "<" as the character it is)."""
    text = "".join(
        ch
        for ch in str(value or "")
        if ch not in (MARK_START, MARK_END) and (ch.isspace() or unicodedata.category(ch)[0] != "C")
    )
    return " ".join(text.split())


def render_snippet(marked: str) -> SafeString:
    """Escape the text first, then turn the backend's marker pairs into <mark> elements."""
    escaped = html.escape(marked or "", quote=True)
    wrapped = _MARKED.sub(r"<mark>\1</mark>", escaped)
    return mark_safe(wrapped.replace(MARK_START, "").replace(MARK_END, ""))  # noqa: S308


def shorten(text: str, limit: int = 220) -> str:
    text = text or ""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"
