"""Verifying a held endorsement in the Wagtail admin goes through the ledger's service: who
verified and when are recorded and audited, and only administrators can change it."""

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from accounts.models import AuditEntry
from accounts.roles import role_grant
from competencies.models import EndorsementCategory
from endorsement.models import Credential
from tests.factories import UserFactory

EDIT = "/admin/snippets/endorsement/credential/edit/{}/"


@pytest.fixture
def credential(db):
    return Credential.objects.create(
        member=UserFactory(),
        category=EndorsementCategory.objects.get(code="IMHM-C"),
        endorsement_id="PA-77",
    )


def _form(credential, **changes) -> dict:
    data = {
        "member": credential.member_id,
        "category": credential.category_id,
        "association": credential.association_id or "",
        "endorsement_id": credential.endorsement_id,
        "earned_on": "",
    }
    if credential.verified_at:
        data["verified"] = "on"
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def test_an_administrator_verifies_and_the_verifier_is_recorded(client, credential):
    administrator = UserFactory()
    role_grant(user=administrator, role="administrator")
    client.force_login(administrator)

    response = client.post(EDIT.format(credential.pk), _form(credential, verified="on"))

    assert response.status_code == 302, response.content.decode()[:2000]
    credential.refresh_from_db()
    assert credential.verified_at is not None
    assert credential.verified_by == administrator
    assert AuditEntry.objects.filter(
        action="endorsement.credential_verified", actor=administrator
    ).exists()


def test_unticking_withdraws_the_verification_and_is_audited(client, credential):
    administrator = UserFactory()
    role_grant(user=administrator, role="administrator")
    credential.verified_at, credential.verified_by = timezone.now(), administrator
    credential.save()
    client.force_login(administrator)

    response = client.post(EDIT.format(credential.pk), _form(credential, verified=None))

    assert response.status_code == 302
    credential.refresh_from_db()
    assert credential.verified_at is None and credential.verified_by is None
    assert AuditEntry.objects.filter(action="endorsement.credential_unverified").exists()


def test_someone_who_may_edit_but_not_verify_is_refused_and_nothing_changes(client, credential):
    editor = UserFactory()
    editor.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="change_credential"),
    )
    client.force_login(editor)

    response = client.post(
        EDIT.format(credential.pk), _form(credential, verified="on", endorsement_id="PA-78")
    )

    assert response.status_code == 200
    assert "Only administrators verify endorsements." in response.content.decode()
    credential.refresh_from_db()
    assert credential.verified_at is None
    assert credential.endorsement_id == "PA-77"
    assert not AuditEntry.objects.filter(action="endorsement.credential_verified").exists()


def test_an_endorsement_added_as_verified_records_its_verifier(client, db):
    administrator = UserFactory()
    role_grant(user=administrator, role="administrator")
    member = UserFactory()
    category = EndorsementCategory.objects.get(code="IMHM-C")
    client.force_login(administrator)

    response = client.post(
        "/admin/snippets/endorsement/credential/add/",
        {
            "member": member.pk,
            "category": category.pk,
            "association": "",
            "endorsement_id": "PA-90",
            "earned_on": "",
            "verified": "on",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    credential = Credential.objects.get(member=member)
    assert credential.verified_at is not None
    assert credential.verified_by == administrator
