"""Staff roles (groups), what each may do in the Wagtail admin, and granting or revoking them."""

from django.apps import apps as global_apps
from django.contrib.auth.models import Group
from django.db import transaction

from accounts.errors import DomainError
from accounts.rules import ADMINISTRATORS, RSC_PROVIDERS, STAFF_EDITORS

ROLE_GROUPS = {
    "staff-editor": STAFF_EDITORS,
    "administrator": ADMINISTRATORS,
    "rsc-provider": RSC_PROVIDERS,
}

# (app_label, model, codename, name); the name is only used when the permission row is missing.
_ADMIN_ACCESS = [("wagtailadmin", "admin", "access_admin", "Can access Wagtail admin")]
_USER_MANAGEMENT = [
    ("accounts", "user", "add_user", "Can add user"),
    ("accounts", "user", "change_user", "Can change user"),
    ("accounts", "user", "delete_user", "Can delete user"),
    ("accounts", "user", "view_user", "Can view user"),
]
# Administrators keep the competency framework and endorsement requirements current.
_FRAMEWORK = [
    ("competencies", model, f"{action}_{model}", f"Can {action} {name}")
    for model, name in (
        ("program", "program"),
        ("areaofexpertise", "Area of Expertise"),
        ("competency", "competency"),
        ("association", "association"),
        ("endorsementcategory", "endorsement category"),
        ("categoryrequirement", "category requirement"),
        ("renewalrule", "renewal rule"),
    )
    for action in ("add", "change", "delete", "view")
]
# Administrators set up collaboratives, their cohorts and rooms (facilitators run them).
_COLLABORATIVES = [
    ("collaboratives", model, f"{action}_{model}", f"Can {action} {model}")
    for model in ("collaborative", "cohort", "room")
    for action in ("add", "change", "delete", "view")
]
# Administrators verify held endorsements and look into ledgers when a member asks for help.
_LEDGER = [
    ("endorsement", model, f"{action}_{model}", f"Can {action} {model}")
    for model in ("credential", "trainingentry", "rscentry")
    for action in ("add", "change", "delete", "view")
]
# Granted on the root page, so they reach every page of the site.
_PAGE = [
    ("wagtailcore", "page", "add_page", "Can add page"),
    ("wagtailcore", "page", "change_page", "Can change page"),
    ("wagtailcore", "page", "publish_page", "Publish any page"),
]
# Granted on the root collection, so they reach every document and image.
_COLLECTION = [
    ("wagtaildocs", "document", "add_document", "Can add document"),
    ("wagtaildocs", "document", "change_document", "Can change document"),
    ("wagtaildocs", "document", "choose_document", "Can choose document"),
    ("wagtailimages", "image", "add_image", "Can add image"),
    ("wagtailimages", "image", "change_image", "Can change image"),
    ("wagtailimages", "image", "choose_image", "Can choose image"),
]

# group name -> (global permissions, page permissions, collection permissions)
ROLE_PERMISSIONS = {
    STAFF_EDITORS: (_ADMIN_ACCESS, _PAGE, _COLLECTION),
    ADMINISTRATORS: (
        _ADMIN_ACCESS + _USER_MANAGEMENT + _FRAMEWORK + _COLLABORATIVES + _LEDGER,
        _PAGE,
        _COLLECTION,
    ),
    # RSC providers act on the member side (confirming hours), not in the Wagtail admin.
    RSC_PROVIDERS: ([], [], []),
}


def role_groups_ensure(apps=global_apps, schema_editor=None) -> None:
    """Create the role groups and give them their permissions; safe to run again.

    accounts/migrations/0002 runs this with its historical models, so it only uses
    apps.get_model(), never imported model classes. Permission rows are created when missing
    because in a fresh database they appear only after every migration has run.
    """
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    GroupModel = apps.get_model("auth", "Group")
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")

    def permission(app_label, model, codename, name):
        content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
        found, _ = Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
        return found

    # A flushed test database has no page tree; the groups still get their other permissions.
    root_page = Page.objects.filter(depth=1).first()
    root_collection = Collection.objects.filter(depth=1).first()
    for group_name, (global_perms, page_perms, collection_perms) in ROLE_PERMISSIONS.items():
        group, _ = GroupModel.objects.get_or_create(name=group_name)
        group.permissions.add(*(permission(*spec) for spec in global_perms))
        if root_page is not None:
            for spec in page_perms:
                GroupPagePermission.objects.get_or_create(
                    group=group, page=root_page, permission=permission(*spec)
                )
        if root_collection is not None:
            for spec in collection_perms:
                GroupCollectionPermission.objects.get_or_create(
                    group=group, collection=root_collection, permission=permission(*spec)
                )


def _role_group(role: str) -> Group:
    name = ROLE_GROUPS.get(role)
    if name is None:
        known = ", ".join(sorted(ROLE_GROUPS))
        raise DomainError(f"Unknown role {role!r}. Roles are: {known}.", field="role")
    group = Group.objects.filter(name=name).first()
    if group is None:
        role_groups_ensure()
        group = Group.objects.get(name=name)
    return group


def _forget_cached_permissions(user) -> None:
    # The role predicates ("_group_names_cache"), Django's ModelBackend ("_perm_cache"...) and
    # Wagtail's permission policies ("_page_permission_cache"...) all cache on the user object;
    # dropping them lets the same object answer with its new role at once.
    for attribute in [name for name in vars(user) if name.endswith("_cache")]:
        delattr(user, attribute)


def role_grant(*, user, role: str) -> None:
    """Give `user` a staff role: "staff-editor", "administrator" or "rsc-provider"."""
    with transaction.atomic():
        user.groups.add(_role_group(role))
    _forget_cached_permissions(user)


def role_revoke(*, user, role: str) -> None:
    """Take a staff role away; revoking a role the user does not hold changes nothing."""
    with transaction.atomic():
        user.groups.remove(_role_group(role))
    _forget_cached_permissions(user)
