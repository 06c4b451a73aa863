"""Endorsement URLs: the member's progress and ledger, providers, facilitators, directories."""

from django.urls import path

from endorsement import views

app_name = "endorsement"
urlpatterns = [
    path("", views.progress_page, name="progress"),
    path("goal/", views.goal_update, name="goal"),
    path("documents/", views.documents_update, name="documents"),
    path("training/new/", views.training_create, name="training_new"),
    path("training/<int:pk>/certificate/", views.certificate, name="certificate"),
    path("training/<int:pk>/edit/", views.training_edit, name="training_edit"),
    path("rsc/new/", views.rsc_create, name="rsc_new"),
    path("rsc/<int:pk>/edit/", views.rsc_edit, name="rsc_edit"),
    path("<str:kind>/<int:pk>/delete/", views.entry_delete, name="entry_delete"),
    path("<str:kind>/<int:pk>/dispute/", views.entry_dispute, name="entry_dispute"),
    path("provider/", views.provider_queue, name="provider_queue"),
    path("provider/<int:pk>/", views.provider_decide, name="provider_decide"),
    path("portfolio/", views.portfolio_page, name="portfolio"),
    path("portfolio.csv", views.portfolio_csv, name="portfolio_csv"),
    path("settings/", views.settings_page, name="settings"),
    path("credentials/", views.credential_add, name="credential_add"),
    path(
        "credentials/<int:pk>/verification/",
        views.credential_request_verification,
        name="credential_verification",
    ),
    path("cohorts/", views.cohort_list, name="cohorts"),
    path("cohorts/<int:cohort_id>/", views.cohort_progress, name="cohort"),
    path("members/<int:member_id>/", views.member_ledger, name="member"),
    path("directory/", views.member_directory, name="directory"),
    path("providers/", views.provider_directory, name="providers"),
    path("providers/<int:pk>/contact/", views.provider_contact, name="provider_contact"),
]
