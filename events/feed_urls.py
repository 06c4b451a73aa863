"""Calendar addresses (included by events/urls.py under /events/)."""

from django.urls import path

from events import feed_views

urlpatterns = [
    path("calendar-feed/", feed_views.calendar_feed, name="calendar_feed"),
    path("feed/<str:token>.ics", feed_views.member_calendar, name="member_calendar"),
    path(
        "sessions/<int:session_id>/calendar.ics",
        feed_views.session_calendar,
        name="session_ics",
    ),
    path(
        "<slug:collaborative_slug>/calendar.ics",
        feed_views.collaborative_calendar,
        name="collaborative_calendar",
    ),
]
