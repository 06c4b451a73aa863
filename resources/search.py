"""The platform's one search entry point: the search page, the JSON API and others call run().

Access rules come first: the candidate pages are what the viewer may read (resources.selectors),
and full-text matching, filters, facet counts and pagination all work inside that set, so a
members-only page never shows up in a hit, a count or a facet for a visitor.
"""

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count
from django.utils.text import Truncator

from competencies.models import Competency
from resources.models import ResearchUpdatePage, ResourcePage, ResourceType
from resources.selectors import research_updates_visible_to, resources_visible_to

MAX_QUERY_LENGTH = 200
PAGE_SIZE = 20
RESEARCH_TYPE = ("research-update", "Research update")
_WORD = re.compile(r"\w+")


@dataclass
class SearchResults:
    total: int = 0
    backend: str = "database"
    results: list[dict] = field(default_factory=list)
    facets: dict = field(default_factory=lambda: {"competency": [], "type": []})
    page: int = 1
    pages: int = 1
    query: str = ""

    def as_json(self) -> dict:
        return {
            "total": self.total,
            "backend": self.backend,
            "results": self.results,
            "facets": self.facets,
        }


def clean_query(text: str | None) -> str:
    """Collapse whitespace, drop control characters, and bound the length."""
    text = "".join(ch if ch.isprintable() else (" " if ch.isspace() else "") for ch in text or "")
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


def _words(query: str) -> str:
    """Only words reach the full-text engine: its operator syntax is not the members' language,
    and SQLite FTS5 rejects stray quotes or parentheses with an error."""
    return " ".join(_WORD.findall(query))


def _matching_ids(queryset, query: str) -> list[int]:
    if not query:
        return list(queryset.values_list("pk", flat=True))
    words = _words(query)
    if not words:
        return []
    return [page.pk for page in queryset.search(words, operator="and")]


def run(
    *,
    user,
    query: str = "",
    competency: str = "",
    type: str = "",  # noqa: A002 (the contract's parameter name)
    page: int = 1,
) -> SearchResults:
    """Search what `user` may read. An empty query browses everything, newest first."""
    query = clean_query(query)
    resources = resources_visible_to(user=user)
    research = research_updates_visible_to(user=user)
    resource_ids = _matching_ids(resources, query)
    research_ids = _matching_ids(research, query)
    resources = ResourcePage.objects.filter(pk__in=resource_ids)
    research = ResearchUpdatePage.objects.filter(pk__in=research_ids)

    if competency:
        resources = resources.filter(competencies__slug=competency)
        research = research.filter(competencies__slug=competency)
    type_counts = _type_facets(resources, research)
    if type == RESEARCH_TYPE[0]:
        resources = resources.none()
    elif type:
        resources = resources.filter(resource_type=type)
        research = research.none()

    hits = list(resources.prefetch_related("competencies")) + list(
        research.prefetch_related("competencies")
    )
    if query:
        rank = {pk: index for index, pk in enumerate(resource_ids + research_ids)}
        hits.sort(key=lambda hit: rank.get(hit.pk, len(rank)))
    else:
        hits.sort(key=lambda hit: (hit.first_published_at, hit.pk), reverse=True)

    total = len(hits)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    window = hits[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    return SearchResults(
        total=total,
        results=[_hit(page_obj) for page_obj in window],
        facets={
            "competency": _competency_facets(resources, research),
            "type": type_counts,
        },
        page=page,
        pages=pages,
        query=query,
    )


def _hit(page) -> dict:
    is_research = isinstance(page, ResearchUpdatePage)
    return {
        "title": page.title,
        "url": page.url,
        "type": RESEARCH_TYPE[0] if is_research else page.resource_type,
        "competencies": [competency.slug for competency in page.competencies.all()],
        "snippet": Truncator(page.summary).chars(200),
        "members_only": page.members_only,
    }


def _type_facets(resources, research) -> list[dict]:
    labels = dict(ResourceType.choices)
    counts = resources.values("resource_type").annotate(count=Count("pk", distinct=True))
    facets = [
        {"slug": row["resource_type"], "name": labels[row["resource_type"]], "count": row["count"]}
        for row in counts.order_by("resource_type")
    ]
    research_count = research.count()
    if research_count:
        facets.append({"slug": RESEARCH_TYPE[0], "name": RESEARCH_TYPE[1], "count": research_count})
    return facets


def _competency_facets(resources, research) -> list[dict]:
    counts: dict[int, int] = {}
    for queryset, through in (
        (resources, "resource_page_items"),
        (research, "research_update_items"),
    ):
        rows = (
            Competency.objects.filter(**{f"{through}__content_object__in": queryset})
            .annotate(count=Count(f"{through}__content_object", distinct=True))
            .values_list("pk", "count")
        )
        for pk, count in rows:
            counts[pk] = counts.get(pk, 0) + count
    competencies = Competency.objects.filter(pk__in=counts).only("slug", "name")
    facets = [
        {"slug": competency.slug, "name": competency.name, "count": counts[competency.pk]}
        for competency in competencies
    ]
    return sorted(facets, key=lambda facet: (-facet["count"], facet["name"]))


def backend_status() -> dict:
    """Which backend serves search, and whether it answers."""
    from wagtail.models import Page

    list(Page.objects.live().search("health")[:1])  # raises if the index cannot be queried
    return {
        "ok": True,
        "backend": "database",
        "elasticsearch_configured": bool(settings.ELASTICSEARCH_URL),
    }
