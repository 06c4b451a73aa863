"""The email digest of followed topics: who is due, what is new for them, and unsubscribing.

Idempotent by construction: each preference keeps the highest post id already emailed, and a
run claims its posts by moving that mark with a compare-and-set before it sends. A second run,
or one running at the same time, finds nothing left to claim, so no post is emailed twice.
"""

import datetime as dt
import logging

from django.conf import settings
from django.core import mail, signing
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_record
from forums.models import DigestPreference, Post, Subscription

logger = logging.getLogger(__name__)

PERIODS = {
    DigestPreference.Frequency.DAILY: dt.timedelta(days=1),
    DigestPreference.Frequency.WEEKLY: dt.timedelta(days=7),
}
# The scheduler runs every minute: a digest a few minutes early keeps the hour from drifting.
SLACK = dt.timedelta(minutes=5)
MAX_POSTS = 100
EXCERPT = 280
_SALT = "forums.digest-unsubscribe"


def unsubscribe_token(user) -> str:
    return signing.dumps({"u": user.pk}, salt=_SALT, compress=True)


def user_for_unsubscribe_token(token: str):
    """The person a token was made for; BadSignature when it was not made here."""
    from accounts.models import User

    data = signing.loads(token, salt=_SALT)
    user = User.objects.filter(pk=data.get("u") if isinstance(data, dict) else None).first()
    if user is None:
        raise signing.BadSignature("No such person.")
    return user


@transaction.atomic
def digest_unsubscribe(*, user) -> None:
    updated = (
        DigestPreference.objects.filter(user=user)
        .exclude(frequency=DigestPreference.Frequency.NEVER)
        .update(frequency=DigestPreference.Frequency.NEVER)
    )
    if updated:
        preference = DigestPreference.objects.get(user=user)
        audit_record(actor=user, action="forums.digest_unsubscribe", target=preference)


def _absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def pending_posts(*, preference) -> list[Post]:
    """New posts in topics the person follows (directly, or through a followed board they did
    not mute the topic of) that they may still read, oldest first; their own left out."""
    from forums.selectors import topics_visible_to

    user = preference.user
    topic_follow = Subscription.objects.filter(
        user=user, topic=OuterRef("topic_id"), level=Subscription.Level.FOLLOW
    )
    topic_any = Subscription.objects.filter(user=user, topic=OuterRef("topic_id"))
    board_follow = Subscription.objects.filter(
        user=user, board=OuterRef("topic__board_id"), level=Subscription.Level.FOLLOW
    )
    return list(
        Post.objects.filter(
            id__gt=preference.last_post_id,
            is_hidden=False,
            topic__in=topics_visible_to(user=user).filter(is_hidden=False).values("id"),
        )
        .exclude(author=user)
        .filter(Q(Exists(topic_follow)) | (Q(Exists(board_follow)) & ~Q(Exists(topic_any))))
        .select_related("topic", "topic__board", "author")
        .order_by("id")[:MAX_POSTS]
    )


def digest_email(*, user, posts: list[Post], connection=None) -> mail.EmailMessage:
    """Plain text only: whatever members wrote reaches a mail client as inert text."""
    unsubscribe = _absolute(reverse("forums:unsubscribe", args=[unsubscribe_token(user)]))
    lines = [f"Hello {user.name},", "", "New in the forum topics you follow:", ""]
    current = None
    for post in posts:
        if post.topic_id != current:
            current = post.topic_id
            lines += ["", f"{post.topic.title} ({post.topic.board.name})"]
        excerpt = " ".join(post.body.split())
        if len(excerpt) > EXCERPT:
            excerpt = excerpt[: EXCERPT - 1] + "…"
        lines.append(f"- {post.author.name}: {excerpt}")
        lines.append(f"  {_absolute(post.get_absolute_url())}")
    lines += [
        "",
        f"Change how often you get this: {_absolute(reverse('forums:preferences'))}",
        f"Unsubscribe with one click: {unsubscribe}",
    ]
    count = len(posts)
    return mail.EmailMessage(
        subject=f"Forum digest: {count} new post{'s' if count != 1 else ''} · IMH Collaborative",
        body="\n".join(lines) + "\n",
        to=[user.email],
        connection=connection,
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def due_preferences(*, now: dt.datetime):
    due = Q()
    for frequency, period in PERIODS.items():
        due |= Q(frequency=frequency) & (
            Q(last_sent_at__isnull=True) | Q(last_sent_at__lte=now - period + SLACK)
        )
    return (
        DigestPreference.objects.filter(due, user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
        .order_by("pk")
    )


def digests_send(*, now: dt.datetime | None = None) -> int:
    """Send every due digest once; returns the number of emails sent."""
    now = now or timezone.now()
    sent = 0
    preferences = list(due_preferences(now=now))
    if not preferences:
        return 0
    with mail.get_connection() as connection:
        for preference in preferences:
            try:
                sent += _send_one(preference, now=now, connection=connection)
            except Exception:  # one bad address must not hold back everyone else's digest
                logger.exception("Forum digest to user %s failed", preference.user_id)
    return sent


def _send_one(preference, *, now, connection) -> int:
    posts = pending_posts(preference=preference)
    with transaction.atomic():
        # The claim: only if nobody moved the mark since we read it.
        mark = posts[-1].pk if posts else preference.last_post_id
        claimed = DigestPreference.objects.filter(
            pk=preference.pk, last_post_id=preference.last_post_id
        ).update(last_post_id=mark, last_sent_at=now)
        if not claimed or not posts:
            return 0
        digest_email(user=preference.user, posts=posts, connection=connection).send()
    return 1
