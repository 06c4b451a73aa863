"""Forum pages."""

from django.urls import path

from forums import views

app_name = "forums"
urlpatterns = [path("", views.board_list, name="list")]
