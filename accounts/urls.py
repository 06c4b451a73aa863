"""Sign-in, sign-out, password reset and the member's profile."""

from django.urls import include, path

from accounts import notification_views, views

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("notifications/", notification_views.notifications, name="notifications"),
    path(
        "notifications/<int:pk>/open/",
        notification_views.notification_open,
        name="notification-open",
    ),
    # Ours replace two of django.contrib.auth's views; the rest (and every URL name) are its own.
    path("login/", views.SignInView.as_view(), name="login"),
    path("login/code/", views.sign_in_code, name="login-code"),
    path("sessions/end/", views.sessions_end, name="sessions-end"),
    path("two-step/", views.two_factor_setup, name="two-factor-setup"),
    path(
        "two-step/off/",
        views.two_factor_manage,
        {"action": "disable"},
        name="two-factor-disable",
    ),
    path(
        "two-step/backup-codes/",
        views.two_factor_manage,
        {"action": "renew"},
        name="two-factor-backup-codes",
    ),
    path(
        "reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("", include("django.contrib.auth.urls")),
]
