"""Who may schedule, change, see and attend sessions (django-rules).

Permissions take a Session, except `events.schedule_session`, which takes the Collaborative the
new session would belong to.
"""

import rules

from accounts.rules import is_administrator, is_signed_in, is_staff_editor
from collaboratives.models import Membership, Role
from events.models import Visibility


def _collaborative_id(obj):
    # A Session carries collaborative_id; a Collaborative is its own id.
    return getattr(obj, "collaborative_id", None) or getattr(obj, "pk", None)


def _active(user):
    return Membership.objects.filter(user=user, left_at__isnull=True)


@rules.predicate
def is_collaborative_facilitator(user, obj) -> bool:
    """Facilitates a cohort of the collaborative (which covers the session's own cohort)."""
    if obj is None or not is_signed_in(user):
        return False
    return (
        _active(user)
        .filter(role=Role.FACILITATOR, cohort__collaborative_id=_collaborative_id(obj))
        .exists()
    )


@rules.predicate
def is_session_member(user, session) -> bool:
    """Belongs to the people the session is for: its cohort when cohort-only, else its
    collaborative (any cohort)."""
    if session is None or not is_signed_in(user):
        return False
    if session.visibility == Visibility.COHORT:
        return (
            session.cohort_id is not None
            and _active(user).filter(cohort_id=session.cohort_id).exists()
        )
    return _active(user).filter(cohort__collaborative_id=session.collaborative_id).exists()


@rules.predicate
def is_public_session(user, session) -> bool:
    return session is not None and session.visibility == Visibility.PUBLIC


is_session_manager = is_collaborative_facilitator | is_staff_editor | is_administrator

rules.add_perm("events.schedule_session", is_session_manager)
rules.add_perm("events.change_session", is_session_manager)
rules.add_perm("events.take_attendance", is_session_manager)
rules.add_perm("events.message_attendees", is_session_manager)
rules.add_perm("events.export_attendance", is_session_manager)
rules.add_perm("events.view_session", is_public_session | is_session_member | is_session_manager)
# Attending needs membership: the public may read about a public session, but its place and
# video link are for the collaborative's members.
rules.add_perm("events.attend_session", is_session_member)
