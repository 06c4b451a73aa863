"""A member's privacy rights: download everything held about them, and delete their account.

Accounts is the lowest layer, so it cannot know what the apps above it store. Each app registers
a section here from its AppConfig.ready(): a function that returns the member's rows (tables of
plain values) and a function that erases or anonymizes them. The export zips every section as
JSON and CSV; the deletion runs every section's eraser and then anonymizes the account row itself,
in one transaction, so a failure leaves the account as it was.

What is kept on deletion, and why: messages and posts others replied to stay, shown as from a
former member (a discussion with holes would lose other people's words); the audit trail stays,
pointing at the anonymized account (it is the record of what was done, not personal data about
the member beyond their id).
"""

import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.errors import DomainError
from accounts.models import AuditEntry, Notification, User
from accounts.notifications import notifications_forget
from accounts.rules import ADMINISTRATORS, STAFF_EDITORS
from accounts.spreadsheets import spreadsheet_cell
from accounts.two_factor import two_factor_forget

# A table is a list of rows, each a dict of plain values (str, int, bool, None, dates, decimals).
Tables = dict[str, list[dict]]

FORMER_MEMBER_NAME = "Former member"


@dataclass(frozen=True)
class PersonalDataSection:
    name: str  # file-name friendly: "rooms", "sessions", "forums", "endorsement"
    export: Callable[[User], Tables]
    erase: Callable[[User], None]


_sections: dict[str, PersonalDataSection] = {}


def personal_data_register(
    *, name: str, export: Callable[[User], Tables], erase: Callable[[User], None]
) -> None:
    """Declare what an app holds about a member (called from AppConfig.ready; idempotent)."""
    _sections[name] = PersonalDataSection(name=name, export=export, erase=erase)


def personal_data_sections() -> list[PersonalDataSection]:
    return [_sections[name] for name in sorted(_sections)]


def _account_tables(user: User) -> Tables:
    profile = {
        "id": user.pk,
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "display_name": user.display_name,
        "sector": user.get_sector_display() if user.sector else "",
        "county": user.county,
        "goal_category": str(user.goal_category) if user.goal_category_id else "",
        "goal_is_renewal": user.goal_is_renewal,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "roles": ", ".join(sorted(user.groups.values_list("name", flat=True))),
    }
    notifications = list(
        Notification.objects.filter(user=user)
        .order_by("id")
        .values("kind", "text", "url", "created_at", "read_at", "emailed_at")
    )
    actions = list(
        AuditEntry.objects.filter(actor=user)
        .order_by("id")
        .values("action", "target_type", "target_id", "created_at")
    )
    return {"profile": [profile], "notifications": notifications, "my_actions": actions}


def _plain(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _csv(rows: list[dict]) -> str:
    if not rows:
        return ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    for row in rows:
        # The export is opened in a spreadsheet: no cell may run as a formula.
        writer.writerow({key: spreadsheet_cell(_plain(value)) for key, value in row.items()})
    return out.getvalue()


def personal_data_export(*, user: User, actor: User) -> bytes:
    """A zip of everything held about `user`: one JSON file per section, one CSV per table."""
    sections = {"account": _account_tables(user)}
    for section in personal_data_sections():
        sections[section.name] = section.export(user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "README.txt",
            "Everything the IMH Learning Collaborative platform holds about you, "
            f"exported {timezone.now():%Y-%m-%d %H:%M} UTC.\n"
            "Each section is one JSON file; each of its tables is also a CSV file.\n",
        )
        for name, tables in sections.items():
            plain = {
                table: [{k: _plain(v) for k, v in row.items()} for row in rows]
                for table, rows in tables.items()
            }
            archive.writestr(f"{name}.json", json.dumps(plain, indent=2, ensure_ascii=False))
            for table, rows in tables.items():
                archive.writestr(f"{name}/{table}.csv", _csv(rows))
    audit_record(
        actor=actor,
        action="privacy.export",
        target=user,
        detail={"sections": sorted(sections)},
    )
    return buffer.getvalue()


@transaction.atomic
def account_delete(*, user: User, actor: User) -> None:
    """Erase or anonymize everything about `user`; they can never sign in again."""
    if user.is_superuser or user.groups.filter(name__in=[ADMINISTRATORS, STAFF_EDITORS]):
        raise DomainError(
            "Staff and administrator accounts are deleted by another administrator, after their "
            "roles are removed, so the platform is never left without one.",
            code="forbidden",
        )
    for section in personal_data_sections():
        section.erase(user)
    Notification.objects.filter(user=user).delete()
    notifications_forget(user=user)
    two_factor_forget(user=user)
    user.groups.clear()
    user.username = f"former-member-{user.pk}"
    # Emails are unique; an address that can never receive mail keeps that true.
    user.email = f"former-member-{user.pk}@invalid.example"
    user.first_name = ""
    user.last_name = ""
    user.display_name = FORMER_MEMBER_NAME
    user.sector = ""
    user.county = ""
    user.goal_category = None
    user.goal_is_renewal = False
    user.is_active = False
    user.is_staff = False
    user.set_unusable_password()
    # Ends every session of the account at its next request (see User.get_session_auth_hash).
    user.session_generation += 1
    user.save()
    audit_record(actor=actor, action="privacy.account_delete", target=user)
