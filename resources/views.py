"""Search page and JSON API: transport only; the search itself lives in resources.search."""

from django.http import JsonResponse
from django.shortcuts import render

from resources import search


def search_page(request):
    query = request.GET.get("q", "")
    return render(
        request,
        "resources/search.html",
        {"query": query, "results": search.run(user=request.user, query=query)},
    )


def search_api(request):
    results = search.run(user=request.user, query=request.GET.get("q", ""))
    return JsonResponse(results.as_json())
