"""Search page and JSON API: transport only; the search itself lives in resources.search."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from resources import search
from resources.models import AgeBand, ResourceLibraryPage
from resources.routing import site_for_request
from resources.selectors import search_filter_choices

FILTERS = ("competency", "type", "area", "sector", "age")
PAGE_MESSAGE = "The page number was not a number, so this is the first page."


def _params(request) -> tuple[dict, str]:
    """The search arguments from the query string, and a message about anything unusable."""
    raw_page = request.GET.get("page", "1").strip() or "1"
    try:
        page, message = int(raw_page), ""
    except ValueError:
        page, message = 1, PAGE_MESSAGE
    params = {"query": request.GET.get("q", ""), "page": page}
    for name in FILTERS:
        params[name] = [value[:100] for value in request.GET.getlist(name) if value.strip()]
    return params, message


def _run(request):
    site_for_request(request)  # hits' page URLs ask for the Site: remembered, not a query each
    params, message = _params(request)
    results = search.run(user=request.user, request=request, **params)
    results.message = " ".join(filter(None, (message, results.message)))
    return results


def _query_string(results, query: str | None = None, **changes) -> str:
    """The current search as a query string, with another query or `changes` ({name: values})."""
    query = results.query if query is None else query
    pairs = [("q", query)] if query else []
    chosen = dict(results.filters.items())
    chosen.update(changes)
    for name in FILTERS:
        pairs.extend((name, value) for value in chosen.get(name, ()))
    return urlencode(pairs)


def _active_filters(results, names: dict) -> list[dict]:
    """Each chosen filter value with its name and the link that removes it."""
    active = []
    for kind, values in results.filters.items():
        for value in values:
            remaining = tuple(other for other in values if other != value)
            active.append(
                {
                    "kind": kind,
                    "value": value,
                    "name": names.get(kind, {}).get(value, value),
                    "remove_url": "?" + _query_string(results, **{kind: remaining}),
                }
            )
    return active


@require_GET
def search_page(request):
    results = _run(request)
    areas, sectors = search_filter_choices()
    names = {
        "competency": {facet["slug"]: facet["name"] for facet in results.facets["competency"]}
        | {c.slug: c.name for area in areas for c in area.competencies.all()},
        "type": {facet["slug"]: facet["name"] for facet in results.facets["type"]},
        "area": {area.slug: area.name for area in areas},
        "sector": dict(sectors),
        "age": dict(AgeBand.choices),
    }
    library = None
    if results.total == 0:
        library = ResourceLibraryPage.objects.live().first()
    context = {
        "results": results,
        "areas": areas,
        "sectors": sectors,
        "age_bands": AgeBand.choices,
        "chosen": {kind: set(values) for kind, values in results.filters.items()},
        "active_filters": _active_filters(results, names),
        "without_filters": "?" + urlencode({"q": results.query} if results.query else {}),
        "suggestion_url": (
            "?" + _query_string(results, query=results.suggestion) if results.suggestion else ""
        ),
        "page_query": _query_string(results),
        "browse_url": (
            library.get_url(request) + library.reverse_subpage("browse_by_competency")
            if library
            else ""
        ),
    }
    return render(request, "resources/search.html", context)


@require_GET
def search_api(request):
    return JsonResponse(_run(request).as_json())


@require_GET
def suggest_api(request):
    """Autocomplete: up to eight titles the viewer may read, for what was typed so far."""
    query = search.clean_query(request.GET.get("q", ""))
    suggestions = search.suggest(user=request.user, query=query, request=request)
    return JsonResponse({"query": query, "suggestions": suggestions})
