"""The platform's one search entry point: the search page, the JSON API and others call run().

Layout: query.py (what a person typed, made safe; filters; snippets), registry.py (sources
that apps register), database.py and elasticsearch.py (the backends), service.py (backend
choice, fallback, hits through each source's selector), indexing.py and signals.py (keeping the
index current), models.py (the database index). This package is also a Django app
(`resources.search`, label `resources_search`), so the functions below import lazily: Django
imports this module before the app registry is ready.
"""

from resources.search.query import MAX_QUERY_LENGTH, clean_query

PAGE_SIZE = 20

__all__ = ["MAX_QUERY_LENGTH", "PAGE_SIZE", "backend_status", "clean_query", "run", "suggest"]


def run(**kwargs):
    """Search what `user` may read (see resources.search.service.run)."""
    from resources.search.service import run as _run

    return _run(**kwargs)


def suggest(**kwargs) -> list[dict]:
    """Autocomplete titles (see resources.search.service.suggest)."""
    from resources.search.service import suggest as _suggest

    return _suggest(**kwargs)


def backend_status() -> dict:
    """Used by /healthz: the serving backend, its reachability and any fallback."""
    from resources.search.service import backend_status as _status

    return _status()
