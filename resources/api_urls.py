"""The search API: results with facets, and autocomplete suggestions."""

from django.urls import path

from resources import views

urlpatterns = [
    path("", views.search_api, name="search-api"),
    path("suggest/", views.suggest_api, name="search-suggest"),
]
