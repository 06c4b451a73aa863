"""Pages of collaboratives and cohorts."""

from django.urls import path

from collaboratives import views

app_name = "collaboratives"
urlpatterns = [
    path("", views.my_collaboratives, name="list"),
]
