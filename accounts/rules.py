"""Base role predicates every app builds on, and who may see or change a profile (django-rules)."""

import rules

# Group names are the roles; accounts/roles.py creates the groups and grants them.
ADMINISTRATORS = "Administrators"
STAFF_EDITORS = "Staff editors"
RSC_PROVIDERS = "RSC providers"

# rules.is_group_member keeps a user's group names under this attribute; sharing it means every
# role check on one user object costs one query, and roles.py knows what to forget after a change.
GROUP_CACHE_ATTRIBUTE = "_group_names_cache"


def is_signed_in(user) -> bool:
    """Signed in with an account that is still active: every right starts here, and a
    deactivated account holds none, whatever its roles and memberships still say."""
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def _group_names(user) -> set[str]:
    if not is_signed_in(user):
        # An anonymous or deactivated account holds no role, whatever groups it is still in.
        return set()
    names = getattr(user, GROUP_CACHE_ATTRIBUTE, None)
    if names is None:
        names = set(user.groups.values_list("name", flat=True))
        setattr(user, GROUP_CACHE_ATTRIBUTE, names)
    return names


def holds_a_role(user) -> bool:
    """In any group at all (a role of roles.py, or one an administrator made)."""
    return bool(_group_names(user))


@rules.predicate
def is_administrator(user) -> bool:
    """Keeps the platform running: a superuser or a member of the "Administrators" group."""
    if not is_signed_in(user):
        return False
    return bool(user.is_superuser) or ADMINISTRATORS in _group_names(user)


@rules.predicate
def is_staff_editor(user) -> bool:
    """Publishes content: a member of "Staff editors"; administrators may do it too."""
    return STAFF_EDITORS in _group_names(user) or is_administrator(user)


@rules.predicate
def is_rsc_provider(user) -> bool:
    """Confirms the reflective supervision/consultation hours supervisees log."""
    return RSC_PROVIDERS in _group_names(user)


@rules.predicate
def is_self(user, other) -> bool:
    """The profile in question is the user's own."""
    if other is None or not getattr(user, "is_authenticated", False):
        return False
    return user.pk is not None and user.pk == getattr(other, "pk", None)


rules.add_perm("accounts.view_profile", is_self | is_administrator)
rules.add_perm("accounts.change_profile", is_self | is_administrator)
