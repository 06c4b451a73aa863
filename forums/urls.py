"""Forum pages."""

from django.urls import path

from forums import views

app_name = "forums"
urlpatterns = [
    path("", views.board_list, name="list"),
    path("boards/new/", views.board_create, name="board_create"),
    path("preferences/", views.digest_preferences, name="preferences"),
    path("unsubscribe/<str:token>/", views.digest_unsubscribe, name="unsubscribe"),
    path("b/<slug:slug>/", views.board_detail, name="board"),
    path("b/<slug:slug>/new/", views.topic_create, name="topic_create"),
    path("b/<slug:slug>/follow/", views.board_follow, name="board_follow"),
    path("b/<slug:slug>/reports/", views.report_queue, name="reports"),
    path("t/<int:topic_id>/", views.topic_detail, name="topic"),
    path("t/<int:topic_id>/unread/", views.topic_unread, name="topic_unread"),
    path("t/<int:topic_id>/reply/", views.topic_reply, name="topic_reply"),
    path("t/<int:topic_id>/posts/", views.topic_posts_after, name="topic_posts_after"),
    path("t/<int:topic_id>/answer/", views.topic_answer, name="topic_answer"),
    path("t/<int:topic_id>/moderate/", views.topic_moderate, name="topic_moderate"),
    path("t/<int:topic_id>/move/", views.topic_move, name="topic_move"),
    path("t/<int:topic_id>/follow/", views.topic_follow, name="topic_follow"),
    path("p/<int:post_id>/", views.post_permalink, name="post"),
    path("p/<int:post_id>/edit/", views.post_edit, name="post_edit"),
    path("p/<int:post_id>/history/", views.post_history, name="post_history"),
    path("p/<int:post_id>/moderate/", views.post_moderate, name="post_moderate"),
    path("p/<int:post_id>/report/", views.post_report, name="post_report"),
]
