"""Wagtail admin for accounts: the audit log, read-only, for administrators.

Entries are written only by accounts.audit.audit_record; here administrators browse who did
what and when, filtered by action and date. Nobody adds, edits or deletes an entry.
"""

import django_filters
from django import forms
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.urls import path
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, UserColumn
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from accounts.models import AuditEntry, User
from accounts.rules import ADMINISTRATORS, is_administrator


class AuditLogPermissionPolicy(BasePermissionPolicy):
    """Administrators may view; no one may add, change or delete, superusers included (a trail
    that its readers could edit would prove nothing)."""

    def user_has_permission(self, user, action):
        return action == "view" and is_administrator(user)

    def user_has_any_permission(self, user, actions):
        return "view" in actions and is_administrator(user)

    def users_with_any_permission(self, actions):
        if "view" not in actions:
            return User.objects.none()
        return User.objects.filter(
            Q(is_superuser=True) | Q(groups__name=ADMINISTRATORS), is_active=True
        ).distinct()


# Registered before the viewset is, as Wagtail asks (else it creates a model-permission policy).
register_permission_policy(AuditEntry, AuditLogPermissionPolicy(AuditEntry))


class AuditEntryFilterSet(WagtailFilterSet):
    action = django_filters.MultipleChoiceFilter(
        label="Action",
        widget=forms.CheckboxSelectMultiple,
        # The actions come from every app, so the choices are the ones on record (__init__).
    )
    created_at = django_filters.DateFromToRangeFilter(label="Date", widget=DateRangePickerWidget)

    class Meta:
        model = AuditEntry
        fields = ["action", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        actions = AuditEntry.objects.order_by("action").values_list("action", flat=True)
        self.filters["action"].extra["choices"] = [(a, a) for a in actions.distinct()]


class AuditEntryViewSet(ModelViewSet):
    model = AuditEntry
    name = "audit-log"
    icon = "list-ul"
    menu_label = "Audit log"
    add_to_admin_menu = True
    menu_order = 9000
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True
    list_per_page = 50
    ordering = ["-created_at", "-id"]
    filterset_class = AuditEntryFilterSet
    list_display = [
        "action",
        UserColumn("actor", label="Who", blank_display_name="(deleted account)"),
        Column("target_type", label="Target type"),
        Column("target_id", label="Target id"),
        DateColumn("created_at", label="When", sort_key="created_at"),
    ]
    inspect_view_fields = ["created_at", "actor", "action", "target_type", "target_id", "detail"]
    # "Download CSV / XLSX" on the listing, with its filters: the trail leaves for an auditor.
    list_export = ["created_at", "actor", "action", "target_type", "target_id", "detail"]
    export_filename = "audit-log"

    def get_index_view_kwargs(self, **kwargs):
        # The "Who" column reads each actor: load them with the entries, not one by one.
        return super().get_index_view_kwargs(
            queryset=AuditEntry.objects.select_related("actor"), **kwargs
        )

    def get_urlpatterns(self):
        # Only the listing and the detail page: no add, edit, delete, copy, history or usage.
        conv = self.pk_path_converter
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path(f"inspect/<{conv}:pk>/", self.inspect_view, name="inspect"),
        ]

    def get_permissions_to_register(self):
        # Nothing to grant in the group editor: viewing follows the Administrators role.
        return Permission.objects.none()


@hooks.register("register_admin_viewset")
def register_audit_log_viewset():
    return AuditEntryViewSet()
