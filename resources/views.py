"""Search page and JSON API: transport only; the search itself lives in resources.search."""

from django.http import JsonResponse
from django.shortcuts import render

from competencies.selectors import areas_with_competencies
from resources import search


def _params(request) -> dict:
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    return {
        "query": request.GET.get("q", ""),
        "competency": request.GET.get("competency", "")[:100],
        "type": request.GET.get("type", "")[:40],
        "page": page,
    }


def search_page(request):
    params = _params(request)
    results = search.run(user=request.user, **params)
    return render(
        request,
        "resources/search.html",
        {"results": results, "params": params, "areas": areas_with_competencies()},
    )


def search_api(request):
    results = search.run(user=request.user, **_params(request))
    return JsonResponse(results.as_json())
