"""JSON API of the rooms (mounted at /api/rooms/)."""

from django.urls import path

from collaboratives import views

app_name = "collaboratives-api"
urlpatterns = [
    path("", views.rooms_api, name="rooms"),
]
