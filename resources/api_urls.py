"""The search API."""

from django.urls import path

from resources import views

urlpatterns = [path("", views.search_api, name="search-api")]
