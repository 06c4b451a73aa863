"""Pages of collaboratives, cohorts, rooms and invitations (mounted at /collaboratives/)."""

from django.urls import path

from collaboratives import moderation_views, views

app_name = "collaboratives"
# The fixed prefixes (rooms/, invitations/) come before the slug patterns they would match.
urlpatterns = [
    path("", views.my_collaboratives, name="list"),
    path("rooms/<int:room_id>/", views.room_detail, name="room"),
    path(
        "rooms/<int:room_id>/messages/<int:message_id>/report/",
        moderation_views.message_report,
        name="room-report",
    ),
    path("rooms/<int:room_id>/reports/", moderation_views.room_reports, name="room-reports"),
    path("rooms/<int:room_id>/moderate/", moderation_views.room_moderate, name="room-moderate"),
    path(
        "rooms/<int:room_id>/messages/<int:message_id>/history/",
        moderation_views.message_history,
        name="message-history",
    ),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("<slug:collaborative_slug>/<slug:cohort_slug>/", views.cohort_detail, name="cohort"),
    path(
        "<slug:collaborative_slug>/<slug:cohort_slug>/manage/",
        views.cohort_manage,
        name="manage",
    ),
    path(
        "<slug:collaborative_slug>/<slug:cohort_slug>/manage/invitations/<int:invitation_id>/"
        "revoke/",
        views.invitation_revoke,
        name="invitation-revoke",
    ),
    path(
        "<slug:collaborative_slug>/<slug:cohort_slug>/manage/members/<int:user_id>/remove/",
        views.membership_remove,
        name="membership-remove",
    ),
    path(
        "<slug:collaborative_slug>/<slug:cohort_slug>/manage/members/<int:user_id>/role/",
        views.membership_change_role,
        name="membership-role",
    ),
]
