"""Role predicates, profile permissions, the role groups and who reaches the Wagtail admin."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

from accounts.errors import DomainError
from accounts.roles import role_grant, role_groups_ensure, role_revoke
from accounts.rules import is_administrator, is_rsc_provider, is_staff_editor
from tests.factories import UserFactory


def with_role(*roles, **fields):
    user = UserFactory(**fields)
    for role in roles:
        role_grant(user=user, role=role)
    return user


def fresh(user):
    """The user as a new request would load it: no cached groups or permissions."""
    return type(user).objects.get(pk=user.pk)


def page_permissions(group_name):
    root = Page.objects.get(depth=1)
    return set(
        GroupPagePermission.objects.filter(group__name=group_name, page=root).values_list(
            "permission__codename", flat=True
        )
    )


def collection_permissions(group_name):
    root = Collection.objects.get(depth=1)
    return set(
        GroupCollectionPermission.objects.filter(
            group__name=group_name, collection=root
        ).values_list("permission__codename", flat=True)
    )


CONTENT = {"add_page", "change_page", "publish_page"}
FILES = {
    "add_document",
    "change_document",
    "choose_document",
    "add_image",
    "change_image",
    "choose_image",
}


def test_migration_creates_the_three_role_groups(db):
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "Staff editors",
        "Administrators",
        "RSC providers",
    }


def test_staff_editors_group_has_admin_access_and_content_permissions(db):
    group = Group.objects.get(name="Staff editors")

    assert set(group.permissions.values_list("codename", flat=True)) == {"access_admin"}
    assert page_permissions("Staff editors") == CONTENT
    assert collection_permissions("Staff editors") == FILES


def test_administrators_group_adds_user_management(db):
    group = Group.objects.get(name="Administrators")

    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"access_admin", "add_user", "change_user", "delete_user", "view_user"} <= codenames
    # ...and keeping the competency framework and its requirements current.
    assert {"change_competency", "add_categoryrequirement", "change_renewalrule"} <= codenames
    assert not {c for c in codenames if not c.endswith(("_user", "access_admin"))} - {
        f"{action}_{model}"
        for model in (
            "program",
            "areaofexpertise",
            "competency",
            "association",
            "endorsementcategory",
            "categoryrequirement",
            "renewalrule",
            # ...and setting up collaboratives, their cohorts and rooms.
            "collaborative",
            "cohort",
            "room",
            # ...and verifying endorsements and opening ledgers when a member asks for help.
            "credential",
            "trainingentry",
            "rscentry",
        )
        for action in ("add", "change", "delete", "view")
    }
    assert {"add_collaborative", "change_cohort", "delete_room"} <= codenames
    assert page_permissions("Administrators") == CONTENT
    assert collection_permissions("Administrators") == FILES


def test_rsc_providers_group_has_no_admin_permissions(db):
    group = Group.objects.get(name="RSC providers")

    assert not group.permissions.exists()
    assert page_permissions("RSC providers") == set()


def test_role_groups_ensure_runs_again_without_duplicates(db):
    role_groups_ensure()
    role_groups_ensure()

    assert Group.objects.filter(name="Staff editors").count() == 1
    assert GroupPagePermission.objects.filter(group__name="Staff editors").count() == 3
    assert GroupCollectionPermission.objects.filter(group__name="Administrators").count() == 6


@pytest.mark.parametrize(
    ("roles", "fields", "expected"),
    [
        ((), {}, (False, False, False)),
        (("staff-editor",), {}, (False, True, False)),
        (("administrator",), {}, (True, True, False)),
        (("rsc-provider",), {}, (False, False, True)),
        (("staff-editor", "rsc-provider"), {}, (False, True, True)),
        ((), {"is_superuser": True}, (True, True, False)),
        (("administrator", "rsc-provider"), {"is_active": False}, (False, False, False)),
        ((), {"is_superuser": True, "is_active": False}, (False, False, False)),
    ],
)
def test_role_predicates_answer_by_group(db, roles, fields, expected):
    user = fresh(with_role(*roles, **fields))

    assert (is_administrator(user), is_staff_editor(user), is_rsc_provider(user)) == expected


def test_role_predicates_refuse_anonymous_visitors():
    visitor = AnonymousUser()

    assert not is_administrator(visitor)
    assert not is_staff_editor(visitor)
    assert not is_rsc_provider(visitor)


def test_view_and_change_profile_allowed_for_self_and_administrators(db):
    member, other, admin = UserFactory(), UserFactory(), fresh(with_role("administrator"))
    editor = fresh(with_role("staff-editor"))

    for perm in ("accounts.view_profile", "accounts.change_profile"):
        assert member.has_perm(perm, member)
        assert not member.has_perm(perm, other)
        assert not editor.has_perm(perm, other)
        assert admin.has_perm(perm, other)
        assert not AnonymousUser().has_perm(perm, member)
        assert not member.has_perm(perm)  # no object: nobody's profile


def test_role_grant_takes_effect_on_the_same_object(db):
    user = UserFactory()
    assert not is_staff_editor(user)  # caches the (empty) group list on the object
    assert not user.has_perm("wagtailadmin.access_admin")

    role_grant(user=user, role="staff-editor")

    assert is_staff_editor(user)
    assert user.has_perm("wagtailadmin.access_admin")


def test_role_revoke_takes_the_role_away(db):
    user = with_role("administrator", "rsc-provider")

    role_revoke(user=user, role="administrator")

    assert not is_administrator(user)
    assert is_rsc_provider(user)
    assert not fresh(user).has_perm("wagtailadmin.access_admin")


def test_role_revoke_of_a_role_not_held_changes_nothing(db):
    user = with_role("rsc-provider")

    role_revoke(user=user, role="staff-editor")

    assert set(fresh(user).groups.values_list("name", flat=True)) == {"RSC providers"}


@pytest.mark.parametrize("role", ["editor", "Administrators", "", "superuser"])
def test_role_grant_unknown_role_is_refused_and_changes_nothing(db, role):
    user = UserFactory()

    with pytest.raises(DomainError) as raised:
        role_grant(user=user, role=role)

    assert raised.value.field == "role"
    assert "staff-editor" in raised.value.message
    assert not user.groups.exists()


def test_role_grant_recreates_a_missing_group_with_its_permissions(db):
    Group.objects.filter(name="Staff editors").delete()
    user = UserFactory()

    role_grant(user=user, role="staff-editor")

    assert fresh(user).has_perm("wagtailadmin.access_admin")
    assert page_permissions("Staff editors") == CONTENT


def test_staff_editor_reaches_the_wagtail_admin(client, db):
    client.force_login(with_role("staff-editor"))

    assert client.get("/admin/").status_code == 200
    assert client.get(f"/admin/pages/{Page.objects.get(depth=1).pk}/").status_code == 200


def test_plain_member_is_kept_out_of_the_wagtail_admin(client, member):
    client.force_login(member)

    response = client.get("/admin/")

    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert "/admin/login/" in response["Location"]


def test_visitor_is_sent_to_sign_in_for_the_wagtail_admin(client, db):
    response = client.get("/admin/")

    assert response.status_code == 302


def test_user_management_is_for_administrators_not_staff_editors(client, db):
    client.force_login(with_role("administrator"))
    assert client.get("/admin/users/").status_code == 200

    client.force_login(with_role("staff-editor"))
    response = client.get("/admin/users/")
    assert response.status_code in (302, 403)
