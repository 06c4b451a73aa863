"""Reads of boards, topics and posts with their access rules: missing and forbidden are one 404."""

from django.db.models import Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from accounts.rules import is_administrator, is_signed_in, is_staff_editor
from forums.models import Board, Post, PostReport, ReadState, Subscription, Topic

POSTS_PER_PAGE = 20
TOPICS_PER_PAGE = 25


def _is_staff(user) -> bool:
    return bool(is_staff_editor(user) or is_administrator(user))


def _readable_q(user, prefix: str = "") -> Q | None:
    """The boards `user` may read as a filter (None: every board; staff)."""
    from collaboratives.selectors import cohort_roles_for

    if _is_staff(user):
        return None
    # The person's cohorts as ids, read once per request and shared with the other rules.
    roles = cohort_roles_for(user)
    return (
        Q(**{f"{prefix}scope": Board.Scope.COMMUNITY})
        | Q(**{f"{prefix}scope": Board.Scope.COHORT, f"{prefix}cohort__in": list(roles)})
        | Q(
            **{
                f"{prefix}scope": Board.Scope.COLLABORATIVE,
                f"{prefix}collaborative__in": sorted({c for c, _ in roles.values()}),
            }
        )
    )


def boards_readable_by(*, user) -> QuerySet[Board]:
    """Community boards for any signed-in person; cohort and collaborative boards for their
    members (facilitators included); every board for staff."""
    if not is_signed_in(user):
        return Board.objects.none()
    condition = _readable_q(user)
    return Board.objects.all() if condition is None else Board.objects.filter(condition)


def boards_moderated_by(*, user) -> QuerySet[Board]:
    """Boards `user` may moderate (the targets of a move)."""
    from collaboratives.models import Cohort, Role

    if not is_signed_in(user):
        return Board.objects.none()
    if _is_staff(user):
        return Board.objects.all()
    facilitated = Cohort.objects.filter(
        memberships__user=user,
        memberships__left_at__isnull=True,
        memberships__role=Role.FACILITATOR,
    )
    return Board.objects.filter(
        Q(scope=Board.Scope.COHORT, cohort__in=facilitated.values("id"))
        | Q(
            scope=Board.Scope.COLLABORATIVE,
            collaborative__in=facilitated.values("collaborative_id"),
        )
    )


def board_for(*, user, slug: str) -> Board:
    board = boards_readable_by(user=user).filter(slug=slug).first()
    if board is None:
        raise Http404("No such board.")
    return board


def topics_visible_to(*, user) -> QuerySet[Topic]:
    """Topics on boards `user` reads; hidden ones only for the board's moderators."""
    if not is_signed_in(user):
        return Topic.objects.none()
    condition = _readable_q(user, "board__")
    topics = Topic.objects.all() if condition is None else Topic.objects.filter(condition)
    if not _is_staff(user):
        moderated = boards_moderated_by(user=user).values("id")
        topics = topics.filter(Q(is_hidden=False) | Q(board__in=moderated))
    return topics


def topics_searchable_by(*, user) -> QuerySet[Topic]:
    """What search shows: readable and not hidden, for everyone (moderators included)."""
    return topics_visible_to(user=user).filter(is_hidden=False)


def posts_searchable_by(*, user) -> QuerySet[Post]:
    return Post.objects.filter(
        topic__in=topics_searchable_by(user=user).values("id"), is_hidden=False
    ).select_related("topic")


def topic_for(*, user, topic_id: int) -> Topic:
    topic = (
        topics_visible_to(user=user)
        .select_related("board", "author", "session", "resource", "answer")
        .filter(pk=topic_id)
        .first()
    )
    if topic is None:
        raise Http404("No such topic.")
    return topic


def post_for(*, user, post_id: int) -> Post:
    post = (
        Post.objects.filter(pk=post_id, topic__in=topics_visible_to(user=user).values("id"))
        .select_related("topic", "topic__board", "author")
        .first()
    )
    if post is None:
        raise Http404("No such post.")
    if post.is_hidden and not user.has_perm("forums.moderate_board", post.topic.board):
        raise Http404("No such post.")
    return post


def topic_list(*, user, board: Board) -> QuerySet[Topic]:
    """A board's topics for its list: one query whatever their number (read state, follow
    and last post come as subqueries)."""
    last_post = Post.objects.filter(topic=OuterRef("pk")).order_by("-id").values("id")[:1]
    read_up_to = ReadState.objects.filter(user=user, topic=OuterRef("pk")).values(
        "last_read_post_id"
    )[:1]
    return (
        topics_visible_to(user=user)
        .filter(board=board)
        .select_related("author")
        .annotate(
            last_post_id=Coalesce(Subquery(last_post), Value(0), output_field=IntegerField()),
            read_up_to=Coalesce(Subquery(read_up_to), Value(0), output_field=IntegerField()),
            followed=Exists(
                Subscription.objects.filter(
                    user=user, topic=OuterRef("pk"), level=Subscription.Level.FOLLOW
                )
            ),
        )
        .order_by("-is_pinned", "-last_posted_at", "-id")
    )


def posts_of(*, topic: Topic) -> QuerySet[Post]:
    """A topic's posts in order. Hidden posts keep their place (pages and permalinks stay
    stable); the template shows them as hidden to everyone but moderators."""
    return topic.posts.select_related("author", "reply_to", "reply_to__author").order_by("id")


def page_of_post(*, topic: Topic, post_id: int) -> int:
    """The page of the topic that holds a post, so permalinks land in the right place."""
    before = topic.posts.filter(id__lt=post_id).count()
    return before // POSTS_PER_PAGE + 1


def last_read(*, user, topic: Topic) -> int:
    state = ReadState.objects.filter(user=user, topic=topic).first()
    return state.last_read_post_id if state else 0


def first_unread_post_id(*, user, topic: Topic) -> int | None:
    return (
        topic.posts.filter(id__gt=last_read(user=user, topic=topic))
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )


def subscription_level(*, user, topic=None, board=None) -> str:
    found = Subscription.objects.filter(user=user, topic=topic, board=board).first()
    return found.level if found else ""


def reports_for(*, user, board: Board) -> QuerySet[PostReport]:
    """Open reports on a board: its moderators only."""
    if not user.has_perm("forums.moderate_board", board):
        raise Http404("No such board.")
    return PostReport.objects.filter(
        post__topic__board=board, resolved_at__isnull=True
    ).select_related("post", "post__topic", "post__author", "reporter")


def moderators_of(*, board: Board):
    """Who reviews reports on a board: its facilitators, or staff for community boards."""
    from accounts.models import User
    from accounts.rules import ADMINISTRATORS, STAFF_EDITORS
    from collaboratives.models import Role

    facilitators = Q(memberships__left_at__isnull=True, memberships__role=Role.FACILITATOR)
    if board.scope == Board.Scope.COHORT:
        facilitators &= Q(memberships__cohort_id=board.cohort_id)
    elif board.scope == Board.Scope.COLLABORATIVE:
        facilitators &= Q(memberships__cohort__collaborative_id=board.collaborative_id)
    else:
        facilitators = Q(groups__name__in=[ADMINISTRATORS, STAFF_EDITORS]) | Q(is_superuser=True)
    return User.objects.filter(facilitators, is_active=True).distinct()
