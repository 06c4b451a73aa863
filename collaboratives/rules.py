"""Who may see a cohort, invite to it, manage it and join its rooms (django-rules)."""

import rules

from accounts.rules import is_administrator, is_signed_in, is_staff_editor
from collaboratives.models import Role
from collaboratives.selectors import cohort_roles_for


def _role_in(user, cohort_id) -> str | None:
    """The person's role in the cohort now, None when not a member (one read per request)."""
    found = cohort_roles_for(user).get(cohort_id)
    return found[1] if found else None


@rules.predicate
def is_cohort_member(user, cohort) -> bool:
    """Belongs to the cohort now, in any role (facilitators are members too)."""
    if cohort is None or not is_signed_in(user):
        return False
    return _role_in(user, cohort.pk) is not None


@rules.predicate
def is_cohort_facilitator(user, cohort) -> bool:
    """Facilitates the cohort now."""
    if cohort is None or not is_signed_in(user):
        return False
    return _role_in(user, cohort.pk) == Role.FACILITATOR


@rules.predicate
def is_room_member(user, room) -> bool:
    """Belongs to the room's cohort now. Uses cohort_id, so the cohort row is never loaded."""
    if room is None or not is_signed_in(user):
        return False
    return _role_in(user, room.cohort_id) is not None


@rules.predicate
def is_room_facilitator(user, room) -> bool:
    """Facilitates the room's cohort now."""
    if room is None or not is_signed_in(user):
        return False
    return _role_in(user, room.cohort_id) == Role.FACILITATOR


# The membership predicate comes first: it is the common case, and the role predicates of
# accounts cache the user's groups, so a refusal costs at most one more query.
rules.add_perm("collaboratives.view_cohort", is_cohort_member | is_staff_editor | is_administrator)
rules.add_perm(
    "collaboratives.invite_to_cohort", is_cohort_facilitator | is_staff_editor | is_administrator
)
rules.add_perm(
    "collaboratives.manage_cohort", is_cohort_facilitator | is_staff_editor | is_administrator
)
rules.add_perm("collaboratives.join_room", is_room_member | is_administrator)
# Moderators delete any message, mute, lock, and review reports.
rules.add_perm("collaboratives.moderate_room", is_room_facilitator | is_administrator)
