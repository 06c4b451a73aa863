"""Who may read, post in, and moderate a forum board (django-rules).

Every forum object answers through its board: a topic's and a post's permissions are their
board's. Staff (staff editors and administrators) read and moderate every board.
"""

import rules

from accounts.rules import is_administrator, is_signed_in, is_staff_editor
from collaboratives.models import Membership, Role


def board_of(obj):
    """The board that decides for a board, a topic or a post."""
    from forums.models import Board, Post, Topic

    if isinstance(obj, Board):
        return obj
    if isinstance(obj, Topic):
        return obj.board
    if isinstance(obj, Post):
        return obj.topic.board
    return None


def _memberships(user, board):
    active = Membership.objects.filter(user=user, left_at__isnull=True)
    if board.scope == board.Scope.COHORT:
        return active.filter(cohort_id=board.cohort_id)
    if board.scope == board.Scope.COLLABORATIVE:
        return active.filter(cohort__collaborative_id=board.collaborative_id)
    return None


@rules.predicate
def is_board_audience(user, obj) -> bool:
    """In the board's audience: any signed-in member for community boards, else a member
    (facilitators included) of the cohort or of any cohort of the collaborative."""
    board = board_of(obj)
    if board is None or not is_signed_in(user):
        return False
    memberships = _memberships(user, board)
    return True if memberships is None else memberships.exists()


@rules.predicate
def is_board_facilitator(user, obj) -> bool:
    """Facilitates the board's cohort (or a cohort of its collaborative). Community boards
    have no facilitators: staff manage them."""
    board = board_of(obj)
    if board is None or not is_signed_in(user):
        return False
    memberships = _memberships(user, board)
    return False if memberships is None else memberships.filter(role=Role.FACILITATOR).exists()


@rules.predicate
def is_author(user, obj) -> bool:
    return is_signed_in(user) and getattr(obj, "author_id", None) == user.pk


is_staff = is_staff_editor | is_administrator
can_read = is_board_audience | is_staff
can_moderate = is_board_facilitator | is_staff

rules.add_perm("forums.create_board", is_staff)
rules.add_perm("forums.view_board", can_read)
rules.add_perm("forums.post_in_board", can_read)
rules.add_perm("forums.moderate_board", can_moderate)
# Topics and posts: `obj` is the topic or the post; their board decides.
rules.add_perm("forums.mark_answered", can_read & (is_author | can_moderate))
rules.add_perm("forums.edit_post", can_read & (is_author | can_moderate))
