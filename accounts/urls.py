"""Sign-in, sign-out, password reset and the member's profile."""

from django.urls import include, path

from accounts import views

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("", include("django.contrib.auth.urls")),
]
