"""Writes in cohort rooms: post, edit, delete, react, read markers, presence and moderation.

Every function checks access itself (so the WebSocket consumer, views and commands share one
set of rules), stores inside a transaction, and publishes to live connections after commit.
"""

import datetime as dt
import logging
import re
import time
import unicodedata
import uuid

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_record
from accounts.errors import AccessDenied, DomainError
from accounts.notifications import notify
from collaboratives import broadcast
from collaboratives.markup import render_markdown
from collaboratives.models import (
    Collaborative,
    Membership,
    MessageReport,
    Reaction,
    Role,
    Room,
    RoomMessage,
    RoomMessageRevision,
    RoomMute,
    RoomPresence,
    RoomReadState,
)
from collaboratives.room_payloads import message_payload, reactions_payload
from collaboratives.room_selectors import (
    is_room_moderator,
    message_in_room,
    mute_for,
    posting_state,
    present_users,
    read_state_for,
)

logger = logging.getLogger(__name__)

MENTION = re.compile(r"(?<![\w@])@([\w.+-]{1,150})")
MUTE_MAX_MINUTES = 60 * 24 * 7
REPORT_REASON_MAX = 500


# --- checks ------------------------------------------------------------------------------------
def _check_member(user, room: Room) -> None:
    if not user.has_perm("collaboratives.join_room", room):
        raise AccessDenied("You are not a member of this room.")


def check_can_read(user, room: Room) -> None:
    """Reading a room's messages needs the same membership as joining it."""
    _check_member(user, room)


def _check_moderator(user, room: Room) -> None:
    if not is_room_moderator(user=user, room=room):
        raise AccessDenied("Only the cohort's facilitators can do that.")


def clean_body(body) -> str:
    """A message body as stored: trimmed, non-empty, within the limit, storable."""
    if not isinstance(body, str):
        raise DomainError("The message body must be text.", code="invalid")
    body = body.strip()
    if not body:
        raise DomainError("Write something before sending.", code="invalid")
    if "\x00" in body:
        raise DomainError("The message contains a character that cannot be stored.")
    limit = settings.ROOM_MESSAGE_MAX_LENGTH
    if len(body) > limit:
        raise DomainError(
            f"Messages are at most {limit:,} characters; this one has {len(body):,}.",
            code="too_long",
        )
    return body


def _clean_client_id(client_id) -> uuid.UUID:
    try:
        return client_id if isinstance(client_id, uuid.UUID) else uuid.UUID(str(client_id))
    except (ValueError, TypeError, AttributeError) as error:
        raise DomainError("client_id must be a UUID.", code="invalid") from error


# The same token bucket in one Redis round trip, read and written atomically (two processes
# taking the last token at once cannot both get it). The state is "tokens stamp".
_BUCKET_SCRIPT = """
local capacity, rate, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tokens, stamp = capacity, now
local state = redis.call('GET', KEYS[1])
if state then
  local space = string.find(state, ' ', 1, true)
  tokens = tonumber(string.sub(state, 1, space - 1))
  stamp = tonumber(string.sub(state, space + 1))
end
tokens = math.min(capacity, tokens + math.max(0, now - stamp) * rate)
if tokens < 1 then
  return tostring(tokens)
end
redis.call('SET', KEYS[1], string.format('%.6f %.6f', tokens - 1, now), 'EX', ARGV[4])
return 'ok'
"""
_bucket_script = None


def _take_token(key: str, capacity: int, refill_per_second: float, now: float) -> float | None:
    """Take one token; None when taken, else the tokens left (under 1)."""
    global _bucket_script
    ttl = settings.ROOM_RATE_LIMIT_SECONDS * 2
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        client = backend._cache.get_client(key, write=True)
        if _bucket_script is None:
            _bucket_script = client.register_script(_BUCKET_SCRIPT)
        answer = _bucket_script(
            keys=[backend.make_and_validate_key(key)],
            args=[capacity, refill_per_second, now, ttl],
            client=client,
        )
        answer = answer.decode() if isinstance(answer, bytes) else answer
        return None if answer == "ok" else float(answer)
    tokens, stamp = cache.get(key, (float(capacity), now))
    tokens = min(capacity, tokens + max(0.0, now - stamp) * refill_per_second)
    if tokens < 1:
        return tokens
    cache.set(key, (tokens - 1, now), timeout=ttl)
    return None


def rate_limit_take(*, user_id: int) -> None:
    """A token bucket per person: ROOM_RATE_LIMIT_COUNT messages per ROOM_RATE_LIMIT_SECONDS.

    Kept in the cache, so with Redis every process shares one bucket per person."""
    capacity = settings.ROOM_RATE_LIMIT_COUNT
    refill_per_second = capacity / settings.ROOM_RATE_LIMIT_SECONDS
    try:
        left = _take_token(f"room-rate:{user_id}", capacity, refill_per_second, time.time())
    except Exception:  # the cache (Redis) is down: posting must go on, so the limit lapses
        logger.warning("Rate limit unavailable; letting user %s post", user_id, exc_info=True)
        return
    if left is not None:
        wait = (1 - left) / refill_per_second
        raise DomainError(
            f"You are sending messages too fast. Try again in {max(1, round(wait))} seconds.",
            code="rate_limited",
        )


def _room_url(room: Room, message_id: int | None = None) -> str:
    url = reverse("collaboratives:room", args=[room.pk])
    return f"{url}#m{message_id}" if message_id else url


def _mentioned_ids(*, room: Room, body: str, author) -> list[int]:
    """Ids of cohort members named as @username (any case), and facilitators for @facilitators."""
    names = {name.lower().rstrip(".") for name in MENTION.findall(body)}
    if not names:
        return []
    members = Membership.objects.filter(cohort_id=room.cohort_id, left_at__isnull=True)
    ids = {
        user_id
        for user_id, username, role in members.values_list("user_id", "user__username", "role")
        if username.lower() in names or ("facilitators" in names and role == Role.FACILITATOR)
    }
    ids.discard(author.pk)
    return sorted(ids)


# --- messages -----------------------------------------------------------------------------------
def room_message_post(
    *, room: Room, author, body, client_id, reply_to_id: int | None = None
) -> tuple[RoomMessage, bool]:
    """Store a message once per (author, client_id), then tell the room after commit.

    Returns the message and whether it was created now: a resend of a stored client_id returns
    the stored message, whatever body came with it, and counts against no limit.

    Every message of every room comes through here, so the checks come from one statement
    (room_selectors.posting_state) rather than one query each; the rules still decide every
    case that statement does not settle by itself (see _check_posting)."""
    client_id = _clean_client_id(client_id)
    with transaction.atomic():
        state = posting_state(room_id=room.pk, user_id=author.pk, client_id=client_id)
        if state is None:
            raise AccessDenied("You are not a member of this room.")
        if state.existing_id is not None:
            if state.existing_room_id != room.pk:
                raise DomainError("This client_id was already used in another room.")
            return message_in_room(room=room, message_id=state.existing_id), False
        _check_posting(author, room, state)
        body = clean_body(body)
        rate_limit_take(user_id=author.pk)
        reply_to = None
        if reply_to_id is not None:
            reply_to = (
                RoomMessage.objects.select_related("author")
                .filter(room=room, pk=reply_to_id, deleted_at__isnull=True)
                .first()
            )
            if reply_to is None:
                raise DomainError("The message you reply to is not in this room.", code="not_found")
        mentions = _mentioned_ids(room=room, body=body, author=author)
        try:
            with transaction.atomic():
                message = RoomMessage.objects.create(
                    room=room,
                    author=author,
                    client_id=client_id,
                    prev_id=state.last_message_id,
                    body=body,
                    html=render_markdown(body),
                    reply_to=reply_to,
                    mentions=mentions,
                )
        except IntegrityError:
            # The same client_id raced in from another connection (posting to another room of
            # the same person: this room's lock does not cover it): that one won.
            existing = RoomMessage.objects.get(author=author, client_id=client_id)
            if existing.room_id != room.pk:
                raise DomainError("This client_id was already used in another room.") from None
            return message_in_room(room=room, message_id=existing.pk), False
        Room.objects.filter(pk=room.pk).update(last_message_id=message.pk)
        _notify_mentions_and_reply(room=room, message=message, author=author, reply_to=reply_to)
        broadcast.room_publish(
            room.pk,
            # A new message has no reactions yet: no need to ask the database.
            {"type": "message.new", "message": message_payload(message, reactions=[])},
        )
    return message, True


def _check_posting(author, room: Room, state) -> None:
    """May the author post now? Decided from what posting_state read in the posting transaction
    (a socket's room copy may predate a lock). Only a current membership row settles membership
    here (it is the whole of the is_room_member rule); anyone without one (an administrator, an
    outsider) is asked of the rules, as everywhere else."""
    if state.role is None:
        _check_member(author, room)
    if state.locked:
        raise DomainError("This room is locked: you can read, but not post.", code="forbidden")
    if (
        state.facilitators_only_post
        and state.role != Role.FACILITATOR
        and not is_room_moderator(user=author, room=room)
    ):
        raise DomainError("Only facilitators post in this room.", code="forbidden")
    if state.muted:
        mute = mute_for(room=room, user=author)
        if mute:
            until = timezone.localtime(mute.until).strftime("%b %d, %I:%M %p")
            raise DomainError(f"You are muted in this room until {until}.", code="forbidden")


def _notify_mentions_and_reply(*, room, message, author, reply_to) -> None:
    url = _room_url(room, message.pk)
    if message.mentions:
        notify(
            user_ids=message.mentions,
            kind="mention",
            text=f"{author.name} mentioned you in {room.name}",
            url=url,
        )
    if reply_to and reply_to.author_id != author.pk and reply_to.author_id not in message.mentions:
        notify(
            user_ids=[reply_to.author_id],
            kind="reply",
            text=f"{author.name} replied to you in {room.name}",
            url=url,
        )


def room_message_edit(*, room: Room, user, message_id: int, body) -> RoomMessage:
    """The author changes their message; the earlier text is kept for moderators."""
    _check_member(user, room)
    body = clean_body(body)
    with transaction.atomic():
        message = RoomMessage.objects.select_for_update().filter(room=room, pk=message_id).first()
        if message is None or message.deleted_at:
            raise DomainError("There is no such message in this room.", code="not_found")
        if message.author_id != user.pk:
            raise DomainError("Only the author can edit a message.", code="forbidden")
        if body == message.body:
            return message_in_room(room=room, message_id=message.pk)
        RoomMessageRevision.objects.create(message=message, body=message.body, replaced_by=user)
        before = set(message.mentions or [])
        message.body = body
        message.html = render_markdown(body)
        message.mentions = _mentioned_ids(room=room, body=body, author=user)
        message.edited_at = timezone.now()
        message.save(update_fields=["body", "html", "mentions", "edited_at"])
        newly_mentioned = [uid for uid in message.mentions if uid not in before]
        if newly_mentioned:
            notify(
                user_ids=newly_mentioned,
                kind="mention",
                text=f"{user.name} mentioned you in {room.name}",
                url=_room_url(room, message.pk),
            )
        message = message_in_room(room=room, message_id=message.pk)
        broadcast.room_publish(
            room.pk, {"type": "message.updated", "message": message_payload(message)}
        )
    return message


def room_message_delete(*, room: Room, user, message_id: int) -> RoomMessage:
    """The author or a moderator deletes; a tombstone keeps the id in its place."""
    _check_member(user, room)
    with transaction.atomic():
        message = RoomMessage.objects.select_for_update().filter(room=room, pk=message_id).first()
        if message is None:
            raise DomainError("There is no such message in this room.", code="not_found")
        moderator = is_room_moderator(user=user, room=room)
        if message.author_id != user.pk and not moderator:
            raise DomainError("Only the author or a facilitator can delete this.", code="forbidden")
        if message.deleted_at:
            return message
        message.deleted_at = timezone.now()
        message.deleted_by = user
        message.save(update_fields=["deleted_at", "deleted_by"])
        if message.author_id != user.pk:
            audit_record(
                actor=user,
                action="room.message.delete",
                target=message,
                detail={"room": room.pk, "author": message.author_id},
            )
        broadcast.room_publish(room.pk, {"type": "message.deleted", "id": message.pk})
    return message


def _is_single_emoji(text: str) -> bool:
    """One emoji as people pick it: a symbol with its variation selector or skin tone, a flag
    (two regional indicators, or a tag sequence), or symbols joined by zero-width joiners (a
    family). Two emoji side by side ("👍👍") are not one, nor are letters or markup."""
    if not text or len(text) > 16:
        return False
    emoji = 0  # symbols not joined to the one before them
    regional = 0  # regional indicators: two letters make one flag
    joined = False  # the character before was a zero-width joiner
    for char in text:
        code = ord(char)
        if char == "\u200d":
            if joined or not emoji:
                return False
            joined = True
            continue
        if char in "\ufe0f\ufe0e" or 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F:
            if not emoji:
                return False  # variation selectors, skin tones and tags modify what precedes
            continue
        if 0x1F1E6 <= code <= 0x1F1FF:
            regional += 1
            if regional % 2 == 0:
                continue  # the second letter of a flag
        elif unicodedata.category(char) != "So":
            return False
        if not joined:
            emoji += 1
        joined = False
    return emoji == 1 and not joined and regional in (0, 2)


def room_reaction_toggle(*, room: Room, user, message_id: int, emoji) -> list[dict]:
    """Add the reaction, or take it away when it is there; returns the message's reactions."""
    _check_member(user, room)
    if not isinstance(emoji, str) or not _is_single_emoji(emoji):
        raise DomainError("A reaction is a single emoji.", code="invalid")
    with transaction.atomic():
        message = RoomMessage.objects.filter(room=room, pk=message_id).first()
        if message is None or message.deleted_at:
            raise DomainError("There is no such message in this room.", code="not_found")
        removed, _ = Reaction.objects.filter(message=message, user=user, emoji=emoji).delete()
        if not removed:
            Reaction.objects.create(message=message, user=user, emoji=emoji)
        message = message_in_room(room=room, message_id=message.pk)
        reactions = reactions_payload(message)
        broadcast.room_publish(
            room.pk, {"type": "reactions", "id": message.pk, "reactions": reactions}
        )
    return reactions


def room_read_mark(*, room: Room, user, up_to) -> tuple[int, int]:
    """Set where `user` stopped reading (backwards too: "mark unread from here")."""
    _check_member(user, room)
    if isinstance(up_to, bool) or not isinstance(up_to, int) or up_to < 0:
        raise DomainError("up_to must be a message id.", code="invalid")
    # `room` may be a live connection's copy from when it connected: read the newest id fresh.
    latest = Room.objects.filter(pk=room.pk).values_list("last_message_id", flat=True).first()
    up_to = min(up_to, latest or 0)
    with transaction.atomic():
        RoomReadState.objects.update_or_create(
            room=room, user=user, defaults={"last_read_id": up_to}
        )
        last_read, unread = read_state_for(room=room, user=user)
        broadcast.user_publish(user.pk, "unread", room=room.pk, last_read=last_read, unread=unread)
    return last_read, unread


# --- presence -----------------------------------------------------------------------------------
def _publish_presence(room: Room) -> None:
    broadcast.room_publish(room.pk, {"type": "presence", "users": present_users(room=room)})


def presence_enter(*, room: Room, user, channel_name: str) -> None:
    with transaction.atomic():
        RoomPresence.objects.update_or_create(
            channel_name=channel_name,
            defaults={"room": room, "user": user, "seen_at": timezone.now()},
        )
        _publish_presence(room)


def presence_leave(*, room_id: int, channel_name: str) -> None:
    with transaction.atomic():
        deleted, _ = RoomPresence.objects.filter(channel_name=channel_name).delete()
        room = Room.objects.filter(pk=room_id).first()
        if deleted and room:
            _publish_presence(room)


def presence_refresh(*, channel_names: list[str]) -> None:
    """Keep live connections' rows fresh, and forget rows whose server died long ago."""
    now = timezone.now()
    RoomPresence.objects.filter(channel_name__in=channel_names).update(seen_at=now)
    RoomPresence.objects.filter(seen_at__lt=now - dt.timedelta(hours=1)).delete()


# --- moderation ---------------------------------------------------------------------------------
def room_member_mute(*, room: Room, user, minutes, by, reason: str = "") -> RoomMute:
    """A moderator silences a member in this room for a while; they still read."""
    _check_moderator(by, room)
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise DomainError("Give the length of the mute in minutes.", field="minutes")
    if not 1 <= minutes <= MUTE_MAX_MINUTES:
        raise DomainError(
            f"A mute lasts from 1 minute to {MUTE_MAX_MINUTES // 1440} days.", field="minutes"
        )
    if not Membership.objects.filter(
        cohort_id=room.cohort_id, user=user, left_at__isnull=True
    ).exists():
        raise DomainError("That person is not in this room.", field="user")
    if is_room_moderator(user=user, room=room):
        raise DomainError("Facilitators cannot be muted.", field="user")
    with transaction.atomic():
        mute = RoomMute.objects.create(
            room=room,
            user=user,
            until=timezone.now() + dt.timedelta(minutes=minutes),
            muted_by=by,
            reason=(reason or "").strip()[:255],
        )
        audit_record(
            actor=by,
            action="room.member.mute",
            target=room,
            detail={"user": user.pk, "minutes": minutes, "reason": mute.reason},
        )
    return mute


def room_member_unmute(*, room: Room, user, by) -> int:
    _check_moderator(by, room)
    with transaction.atomic():
        ended = RoomMute.objects.filter(room=room, user=user, until__gt=timezone.now()).update(
            until=timezone.now()
        )
        if ended:
            audit_record(
                actor=by, action="room.member.unmute", target=room, detail={"user": user.pk}
            )
    return ended


def room_lock_set(*, room: Room, by, locked: bool) -> Room:
    """A moderator locks the room (nobody posts) or opens it again."""
    _check_moderator(by, room)
    with transaction.atomic():
        room = Room.objects.select_for_update().get(pk=room.pk)
        if bool(room.locked_at) == locked:
            return room
        room.locked_at = timezone.now() if locked else None
        room.save(update_fields=["locked_at"])
        audit_record(actor=by, action="room.lock" if locked else "room.unlock", target=room)
        broadcast.room_publish(
            room.pk, {"type": "room.updated", "room": {"id": room.pk, "locked": locked}}
        )
    return room


def message_report(*, room: Room, reporter, message_id: int, reason) -> MessageReport:
    """A member asks the facilitators to look at a message."""
    _check_member(reporter, room)
    reason = reason.strip() if isinstance(reason, str) else ""
    if len(reason) < 3:
        raise DomainError("Say briefly why you are reporting this message.", field="reason")
    if len(reason) > REPORT_REASON_MAX:
        raise DomainError(f"Keep the reason under {REPORT_REASON_MAX} characters.", field="reason")
    message = message_in_room(room=room, message_id=message_id)
    if message.deleted_at:
        raise DomainError("That message was already removed.", code="not_found")
    with transaction.atomic():
        try:
            with transaction.atomic():
                report = MessageReport.objects.create(
                    message=message, reporter=reporter, reason=reason
                )
        except IntegrityError as error:
            raise DomainError(
                "You already reported this message; facilitators will look."
            ) from error
        facilitators = (
            Membership.objects.filter(
                cohort_id=room.cohort_id, role=Role.FACILITATOR, left_at__isnull=True
            )
            .exclude(user_id=reporter.pk)  # a facilitator who reports knows already
            .values_list("user_id", flat=True)
        )
        notify(
            user_ids=list(facilitators),
            kind="report",
            text=f"A message in {room.name} was reported",
            url=reverse("collaboratives:room-reports", args=[room.pk]),
        )
        audit_record(
            actor=reporter, action="room.message.report", target=message, detail={"room": room.pk}
        )
    return report


def report_resolve(*, report: MessageReport, by, outcome: str) -> MessageReport:
    """A moderator closes a report: remove the message, or dismiss."""
    room = report.message.room
    _check_moderator(by, room)
    if outcome not in {MessageReport.Outcome.REMOVED, MessageReport.Outcome.DISMISSED}:
        raise DomainError("Choose to remove the message or to dismiss the report.", field="outcome")
    with transaction.atomic():
        report = MessageReport.objects.select_for_update().get(pk=report.pk)
        if report.outcome != MessageReport.Outcome.OPEN:
            raise DomainError("This report was already handled.")
        if outcome == MessageReport.Outcome.REMOVED:
            room_message_delete(room=room, user=by, message_id=report.message_id)
        # Every open report of the same message is answered by one decision.
        MessageReport.objects.filter(
            message_id=report.message_id, outcome=MessageReport.Outcome.OPEN
        ).update(outcome=outcome, resolved_at=timezone.now(), resolved_by=by)
        audit_record(
            actor=by, action=f"room.report.{outcome}", target=report, detail={"room": room.pk}
        )
        report.refresh_from_db()
    return report


# Deleting in slices keeps each write transaction short, so rooms stay responsive meanwhile.
RETENTION_BATCH = 2_000


def room_messages_expire(*, now: dt.datetime | None = None) -> int:
    """Delete room messages older than their collaborative's retention; returns how many.

    Collaboratives without a retention keep every message. Reactions, revisions and reports of
    a deleted message go with it. Each collaborative's run is one audit entry.
    """
    now = now or timezone.now()
    total = 0
    for collaborative in Collaborative.objects.filter(message_retention_days__isnull=False):
        cutoff = now - dt.timedelta(days=collaborative.message_retention_days)
        expired = RoomMessage.objects.filter(
            room__cohort__collaborative=collaborative, created_at__lt=cutoff
        )
        deleted = 0
        while ids := list(expired.order_by("id").values_list("id", flat=True)[:RETENTION_BATCH]):
            with transaction.atomic():
                RoomMessage.objects.filter(pk__in=ids).delete()
            deleted += len(ids)
        if deleted:
            audit_record(
                actor=None,
                action="retention.room_messages",
                target=collaborative,
                detail={"deleted": deleted, "before": cutoff.isoformat()},
            )
        total += deleted
    return total
