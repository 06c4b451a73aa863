"""The privacy page (mounted at /accounts/privacy/)."""

from django.urls import path

from accounts import privacy_views

urlpatterns = [
    path("", privacy_views.privacy_page, name="privacy"),
    path("export/", privacy_views.privacy_export, name="privacy_export"),
]
