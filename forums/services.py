"""Writes of the forums, each with its rules: keyword-only, atomic, raising domain errors."""

import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from accounts.audit import audit_record
from accounts.errors import AccessDenied, DomainError
from accounts.notifications import notify
from collaboratives.markup import render_markdown
from forums import live
from forums.models import (
    Board,
    DigestPreference,
    Post,
    PostReport,
    PostRevision,
    ReadState,
    Subscription,
    Topic,
)
from forums.search import reindex_topic

NOT_FOUND = "That topic or board does not exist, or you do not have access to it."
LOCKED_MESSAGE = "This topic is locked: facilitators closed it to new replies."
_MENTION = re.compile(r"(?<![\w@/])@([A-Za-z0-9_.+-]{1,150})")


def _require(user, perm: str, obj) -> None:
    if not user.has_perm(perm, obj):
        raise AccessDenied(NOT_FOUND)


def clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise DomainError("Give the topic a title.", code="empty", field="title")
    limit = settings.FORUMS_TITLE_MAX_LENGTH
    if len(title) > limit:
        raise DomainError(
            f"The title is {len(title)} characters long; the limit is {limit}.",
            code="too_long",
            field="title",
        )
    return title


def clean_body(body: str, *, field: str = "body") -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise DomainError("Write something before posting.", code="empty", field=field)
    limit = settings.FORUMS_POST_MAX_LENGTH
    if len(body) > limit:
        raise DomainError(
            f"The text is {len(body)} characters long; the limit is {limit}. "
            "Shorten it or split it into two posts.",
            code="too_long",
            field=field,
        )
    return body


def case_consultation_body(*, summary: str, question: str, recommendations: str) -> str:
    """The case consultation template as one Markdown body (the subset has no headings)."""
    parts = [
        ("Case summary (de-identified)", summary),
        ("Question for the group", question),
        ("Recommendations so far", recommendations),
    ]
    return "\n\n".join(f"**{label}**\n\n{text.strip()}" for label, text in parts if text.strip())


# --- boards ---------------------------------------------------------------------------------
@transaction.atomic
def board_create(
    *,
    actor,
    name: str,
    slug: str,
    scope: str,
    description: str = "",
    cohort=None,
    collaborative=None,
) -> Board:
    if not actor.has_perm("forums.create_board"):
        raise AccessDenied("Only staff create boards.")
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("Give the board a name.", field="name")
    if scope == Board.Scope.COHORT and cohort is None:
        raise DomainError("Choose the cohort this board belongs to.", field="cohort")
    if scope == Board.Scope.COLLABORATIVE and collaborative is None:
        raise DomainError("Choose the collaborative this board belongs to.", field="collaborative")
    if Board.objects.filter(slug=slug).exists():
        raise DomainError("Another board already uses that address.", field="slug")
    board = Board.objects.create(
        name=name,
        slug=slug,
        description=description,
        scope=scope,
        cohort=cohort if scope == Board.Scope.COHORT else None,
        collaborative=collaborative if scope == Board.Scope.COLLABORATIVE else None,
    )
    audit_record(actor=actor, action="forums.board_create", target=board, detail={"scope": scope})
    return board


# --- topics and posts -----------------------------------------------------------------------
def identification_warning_record(*, actor, board: Board, kinds: list[str]) -> None:
    """The author was warned that the text may identify a family (kinds only, never text)."""
    audit_record(
        actor=actor, action="forums.identification_warning", target=board, detail={"kinds": kinds}
    )


@transaction.atomic
def topic_create(
    *,
    actor,
    board: Board,
    title: str,
    body: str,
    kind: str = Topic.Kind.DISCUSSION,
    competencies=(),
    session=None,
    resource=None,
    identification: str = "",
) -> Topic:
    """Start a topic with its first post. `identification` is the author's answer to the
    identification warning ("confirmed": posted as written; "edited": changed after it)."""
    _require(actor, "forums.post_in_board", board)
    title = clean_title(title)
    body = clean_body(body)
    topic = Topic.objects.create(
        board=board, title=title, kind=kind, author=actor, session=session, resource=resource
    )
    if competencies:
        topic.competencies.set(competencies)
    post = Post.objects.create(topic=topic, author=actor, body=body, html=render_markdown(body))
    topic.last_posted_at = post.created_at
    topic.save(update_fields=["last_posted_at"])
    audit_record(actor=actor, action="forums.topic_create", target=topic, detail={"kind": kind})
    if identification in ("confirmed", "edited"):
        audit_record(
            actor=actor,
            action=f"forums.identification_{identification}",
            target=topic,
            detail={"choice": identification},
        )
    _follow(actor, topic)
    _notify_board_followers(topic, post)
    _mentions(actor, post)
    _mark_read(actor, topic, post.pk)
    return topic


@transaction.atomic
def post_create(*, actor, topic: Topic, body: str, reply_to: Post | None = None) -> Post:
    _require(actor, "forums.post_in_board", topic.board)
    topic = Topic.objects.select_for_update().select_related("board").get(pk=topic.pk)
    if topic.is_hidden and not actor.has_perm("forums.moderate_board", topic.board):
        raise AccessDenied(NOT_FOUND)
    if topic.is_locked:
        raise DomainError(LOCKED_MESSAGE, code="locked", field="body")
    body = clean_body(body)
    if reply_to is not None and (reply_to.topic_id != topic.pk or reply_to.is_hidden):
        raise DomainError("You can only reply to a visible post of this topic.", field="reply_to")
    post = Post.objects.create(
        topic=topic, author=actor, body=body, html=render_markdown(body), reply_to=reply_to
    )
    Topic.objects.filter(pk=topic.pk).update(
        reply_count=F("reply_count") + 1, last_posted_at=post.created_at
    )
    _follow(actor, topic)
    _notify_reply(topic, post)
    _mentions(actor, post)
    _mark_read(actor, topic, post.pk)
    live.post_published(topic_id=topic.pk, post_id=post.pk)
    return post


@transaction.atomic
def post_edit(*, actor, post: Post, body: str) -> Post:
    _require(actor, "forums.edit_post", post)
    body = clean_body(body)
    if body == post.body:
        return post
    PostRevision.objects.create(post=post, body=post.body, html=post.html, edited_by=actor)
    post.body = body
    post.html = render_markdown(body)
    post.edited_at = timezone.now()
    post.save(update_fields=["body", "html", "edited_at"])
    audit_record(actor=actor, action="forums.post_edit", target=post)
    return post


@transaction.atomic
def topic_mark_answered(*, actor, topic: Topic, post: Post | None) -> Topic:
    _require(actor, "forums.mark_answered", topic)
    if post is not None and (post.topic_id != topic.pk or post.is_hidden):
        raise DomainError("Choose a visible post of this topic as the answer.", field="post")
    topic.answer = post
    topic.save(update_fields=["answer"])
    audit_record(
        actor=actor,
        action="forums.topic_answered" if post else "forums.topic_unanswered",
        target=topic,
        detail={"post": post.pk if post else None},
    )
    return topic


# --- moderation -----------------------------------------------------------------------------
_TOPIC_ACTIONS = {
    "pin": ("is_pinned", True),
    "unpin": ("is_pinned", False),
    "lock": ("is_locked", True),
    "unlock": ("is_locked", False),
    "hide": ("is_hidden", True),
    "restore": ("is_hidden", False),
}


@transaction.atomic
def topic_moderate(*, actor, topic: Topic, action: str) -> Topic:
    _require(actor, "forums.moderate_board", topic.board)
    if action not in _TOPIC_ACTIONS:
        raise DomainError("Choose pin, unpin, lock, unlock, hide or restore.", field="action")
    field, value = _TOPIC_ACTIONS[action]
    setattr(topic, field, value)
    topic.save(update_fields=[field])
    if field == "is_hidden":
        reindex_topic(topic)
    audit_record(actor=actor, action=f"forums.topic_{action}", target=topic)
    return topic


@transaction.atomic
def topic_move(*, actor, topic: Topic, board: Board) -> Topic:
    _require(actor, "forums.moderate_board", topic.board)
    if not actor.has_perm("forums.moderate_board", board):
        raise DomainError("Choose a board you manage.", field="board")
    if board.pk == topic.board_id:
        raise DomainError("The topic is already on that board.", field="board")
    old = topic.board
    topic.board = board
    topic.save(update_fields=["board"])
    reindex_topic(topic)
    audit_record(
        actor=actor,
        action="forums.topic_move",
        target=topic,
        detail={"from": old.slug, "to": board.slug},
    )
    return topic


@transaction.atomic
def post_moderate(*, actor, post: Post, action: str) -> Post:
    _require(actor, "forums.moderate_board", post.topic.board)
    if action not in ("hide", "restore"):
        raise DomainError("Choose hide or restore.", field="action")
    post.is_hidden = action == "hide"
    post.save(update_fields=["is_hidden"])
    audit_record(actor=actor, action=f"forums.post_{action}", target=post)
    return post


@transaction.atomic
def post_report(*, actor, post: Post, reason: str) -> PostReport:
    _require(actor, "forums.view_board", post.topic.board)
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError("Say briefly what is wrong, so facilitators can act.", field="reason")
    if len(reason) > 500:
        raise DomainError(
            f"The reason is {len(reason)} characters long; the limit is 500.", field="reason"
        )
    report = PostReport.objects.create(post=post, reporter=actor, reason=reason)
    audit_record(
        actor=actor, action="forums.post_report", target=post, detail={"report": report.pk}
    )
    from forums.selectors import moderators_of

    notify(
        user_ids=[user.pk for user in moderators_of(board=post.topic.board) if user.pk != actor.pk],
        kind="forum-report",
        text=f"A post in “{post.topic.title}” was reported.",
        url=_reports_url(post.topic.board),
    )
    return report


@transaction.atomic
def report_resolve(*, actor, report: PostReport) -> PostReport:
    _require(actor, "forums.moderate_board", report.post.topic.board)
    if report.resolved_at is None:
        report.resolved_at = timezone.now()
        report.resolved_by = actor
        report.save(update_fields=["resolved_at", "resolved_by"])
        audit_record(actor=actor, action="forums.report_resolve", target=report.post)
    return report


# --- following, reading, digests ------------------------------------------------------------
@transaction.atomic
def subscription_set(*, actor, level: str, topic: Topic | None = None, board=None) -> str:
    """Follow, mute, or ("") forget a topic or a board."""
    target = topic if topic is not None else board
    _require(actor, "forums.view_board", target)
    if level not in ("", Subscription.Level.FOLLOW, Subscription.Level.MUTE):
        raise DomainError("Choose follow, mute or neither.", field="level")
    lookup = {"user": actor, "topic": topic, "board": board if topic is None else None}
    if not level:
        Subscription.objects.filter(**lookup).delete()
    else:
        Subscription.objects.update_or_create(**lookup, defaults={"level": level})
    return level


def _follow(user, topic: Topic) -> None:
    """Posting or being mentioned follows a topic, unless the person muted it."""
    try:
        with transaction.atomic():
            Subscription.objects.get_or_create(user=user, topic=topic)
    except IntegrityError:  # a concurrent follow won
        pass


def _mark_read(user, topic: Topic, post_id: int) -> None:
    state, created = ReadState.objects.get_or_create(
        user=user, topic=topic, defaults={"last_read_post_id": post_id}
    )
    if not created and state.last_read_post_id < post_id:
        ReadState.objects.filter(pk=state.pk, last_read_post_id__lt=post_id).update(
            last_read_post_id=post_id
        )


def read_mark(*, user, topic: Topic, post_id: int) -> None:
    """`user` has seen the topic up to `post_id` (never moves back)."""
    if post_id > 0:
        _mark_read(user, topic, post_id)


def _followers(topic: Topic) -> set[int]:
    topic_levels = dict(Subscription.objects.filter(topic=topic).values_list("user_id", "level"))
    board_followers = set(
        Subscription.objects.filter(
            board_id=topic.board_id, level=Subscription.Level.FOLLOW
        ).values_list("user_id", flat=True)
    )
    following = {uid for uid, level in topic_levels.items() if level == Subscription.Level.FOLLOW}
    following |= {uid for uid in board_followers if uid not in topic_levels}
    return following


def _still_readers(user_ids, board: Board) -> list[int]:
    from accounts.models import User

    return [
        user.pk
        for user in User.objects.filter(pk__in=list(user_ids), is_active=True)
        if user.has_perm("forums.view_board", board)
    ]


def _notify_reply(topic: Topic, post: Post) -> None:
    recipients = _followers(topic) - {post.author_id}
    if (
        topic.author_id != post.author_id
        and not Subscription.objects.filter(
            user_id=topic.author_id, topic=topic, level=Subscription.Level.MUTE
        ).exists()
    ):
        recipients.add(topic.author_id)
    notify(
        user_ids=_still_readers(recipients, topic.board),
        kind="forum-reply",
        text=f"{post.author.name} replied in “{topic.title}”",
        url=post.get_absolute_url(),
    )


def _notify_board_followers(topic: Topic, post: Post) -> None:
    recipients = set(
        Subscription.objects.filter(
            board_id=topic.board_id, level=Subscription.Level.FOLLOW
        ).values_list("user_id", flat=True)
    ) - {post.author_id}
    notify(
        user_ids=_still_readers(recipients, topic.board),
        kind="forum-topic",
        text=f"{post.author.name} started “{topic.title}” in {topic.board.name}",
        url=post.get_absolute_url(),
    )


def _mentions(actor, post: Post) -> None:
    from accounts.models import User

    names = {name.rstrip(".") for name in _MENTION.findall(post.body)}
    if not names:
        return
    users = [
        user
        for user in User.objects.filter(username__in=list(names)[:20], is_active=True)
        if user.pk != actor.pk and user.has_perm("forums.view_board", post.topic.board)
    ]
    muted = set(
        Subscription.objects.filter(
            topic=post.topic, level=Subscription.Level.MUTE, user__in=users
        ).values_list("user_id", flat=True)
    )
    for user in users:
        _follow(user, post.topic)
    notify(
        user_ids=[user.pk for user in users if user.pk not in muted],
        kind="forum-mention",
        text=f"{actor.name} mentioned you in “{post.topic.title}”",
        url=post.get_absolute_url(),
    )


def _reports_url(board: Board) -> str:
    from django.urls import reverse

    return reverse("forums:reports", args=[board.slug])


@transaction.atomic
def digest_preference_set(*, user, frequency: str) -> DigestPreference:
    if frequency not in DigestPreference.Frequency.values:
        raise DomainError("Choose never, daily or weekly.", field="frequency")
    preference, created = DigestPreference.objects.get_or_create(
        user=user,
        # A new digest starts from now: it reports what is new, not the whole history.
        defaults={"last_post_id": Post.objects.aggregate(top=Max("id"))["top"] or 0},
    )
    if preference.frequency != frequency:
        preference.frequency = frequency
        preference.save(update_fields=["frequency"])
        audit_record(
            actor=user,
            action="forums.digest_preference",
            target=preference,
            detail={"frequency": frequency},
        )
    return preference
