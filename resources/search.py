"""The platform's one search entry point: the search page, the JSON API and others call run()."""

from dataclasses import dataclass, field

from django.conf import settings


@dataclass
class SearchResults:
    total: int = 0
    backend: str = "database"
    results: list[dict] = field(default_factory=list)
    facets: dict = field(default_factory=lambda: {"competency": [], "type": []})

    def as_json(self) -> dict:
        return {
            "total": self.total,
            "backend": self.backend,
            "results": self.results,
            "facets": self.facets,
        }


def run(*, user, query: str = "") -> SearchResults:
    return SearchResults()


def backend_status() -> dict:
    """Which backend serves search, and whether it answers."""
    from wagtail.models import Page

    list(Page.objects.live().search("health")[:1])  # raises if the index cannot be queried
    return {
        "ok": True,
        "backend": "database",
        "elasticsearch_configured": bool(settings.ELASTICSEARCH_URL),
    }
