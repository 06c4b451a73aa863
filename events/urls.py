"""Session pages and calendar feeds."""

from django.urls import include, path

from events import views

app_name = "events"
urlpatterns = [
    path("", views.session_list, name="list"),
    path("month/", views.session_month, name="month"),
    path("mine/", views.my_sessions, name="mine"),
    path("reminders/", views.reminder_preferences, name="reminders"),
    path("sessions/<int:session_id>/", views.session_detail, name="session"),
    path("sessions/<int:session_id>/rsvp/", views.session_rsvp, name="rsvp"),
    path("sessions/<int:session_id>/edit/", views.session_edit, name="edit"),
    path("sessions/<int:session_id>/cancel/", views.session_cancel, name="cancel"),
    path("sessions/<int:session_id>/attendance/", views.session_attendance, name="attendance"),
    path("sessions/<int:session_id>/certificate/", views.session_certificate, name="certificate"),
    path("sessions/<int:session_id>/message/", views.session_message, name="message"),
    path("schedule/<slug:collaborative_slug>/", views.session_new, name="schedule"),
    path("schedule/<slug:collaborative_slug>/series/", views.series_new, name="schedule_series"),
    path(
        "export/<slug:collaborative_slug>/attendance.csv",
        views.attendance_export,
        name="export",
    ),
    path("", include("events.feed_urls")),
]
