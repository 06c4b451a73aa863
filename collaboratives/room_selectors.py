"""Reads of cohort rooms with their access rules: who may join, messages, markers, presence."""

import datetime as dt
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.models import Session as DjangoSession
from django.db import connection
from django.db.models import Exists, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from accounts.errors import DomainError
from accounts.models import User
from collaboratives.models import (
    Membership,
    Reaction,
    Room,
    RoomMessage,
    RoomMute,
    RoomPresence,
    RoomReadState,
)

SYNC_BATCH = 200
HISTORY_MAX = 100
# Unread counts stop here ("999+"): counting a million unread rows on every page open would
# cost more than the count is worth to anyone reading it.
UNREAD_COUNT_CAP = 999
# A presence row not refreshed for this long belongs to a connection that died with its server.
PRESENCE_STALE_AFTER = dt.timedelta(seconds=90)


class RoomAccess:
    OK = "ok"
    SIGNED_OUT = "signed_out"
    FORBIDDEN = "forbidden"


def room_if_joinable(*, user, room_id) -> Room | None:
    """The room when `user` may join it; None when it is missing or forbidden (the same answer)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    room = Room.objects.select_related("cohort__collaborative").filter(pk=room_id).first()
    if room is None or not user.has_perm("collaboratives.join_room", room):
        return None
    return room


def room_access_now(*, user_id: int, room_id: int, session_key: str | None) -> str:
    """Fresh answer for a live connection: is the session still signed in, may it still join?"""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return RoomAccess.SIGNED_OUT
    if session_key and session_key not in _signed_in_keys({session_key: user}):
        return RoomAccess.SIGNED_OUT
    return RoomAccess.OK if room_if_joinable(user=user, room_id=room_id) else RoomAccess.FORBIDDEN


def _signed_in_keys(sessions: dict[str, object]) -> set[str]:
    """Which of these session keys still sign in the given user: the session exists, has not
    expired, names that user, and carries the user's current session hash. The hash changes
    with the password and with "sign out everywhere", as Django's own check at each request."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    rows = DjangoSession.objects.filter(
        session_key__in=list(sessions), expire_date__gt=timezone.now()
    ).values_list("session_key", "session_data")
    valid = set()
    for key, data in rows:
        decoded = store().decode(data)
        user = sessions[key]
        if str(decoded.get(SESSION_KEY)) == str(user.pk) and constant_time_compare(
            decoded.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()
        ):
            valid.add(key)
    return valid


def connection_verdicts(connections: list[tuple[int, int, str | None]]) -> list[str]:
    """Fresh verdicts for many live sockets at once: (user id, room id, session key) each.

    A handful of queries whatever the number of sockets, so one server process can re-check
    thousands of connections every half minute."""
    from django.contrib.auth import get_user_model

    from accounts.rules import ADMINISTRATORS

    user_ids = {user_id for user_id, _, _ in connections}
    room_ids = {room_id for _, room_id, _ in connections}
    users = get_user_model().objects.filter(pk__in=user_ids, is_active=True)
    by_id = {user.pk: user for user in users}
    active_users = set(by_id)
    live_keys = _signed_in_keys(
        {key: by_id[user_id] for user_id, _, key in connections if key and user_id in by_id}
    )
    administrators = set(
        users.filter(Q(is_superuser=True) | Q(groups__name=ADMINISTRATORS)).values_list(
            "pk", flat=True
        )
    )
    cohort_of = dict(Room.objects.filter(pk__in=room_ids).values_list("pk", "cohort_id"))
    members = set(
        Membership.objects.filter(
            user_id__in=user_ids, cohort_id__in=set(cohort_of.values()), left_at__isnull=True
        ).values_list("user_id", "cohort_id")
    )
    verdicts = []
    for user_id, room_id, key in connections:
        if (key and key not in live_keys) or user_id not in active_users:
            verdicts.append(RoomAccess.SIGNED_OUT)
        elif user_id in administrators or (user_id, cohort_of.get(room_id)) in members:
            verdicts.append(RoomAccess.OK)
        else:
            verdicts.append(RoomAccess.FORBIDDEN)
    return verdicts


def is_room_moderator(*, user, room: Room) -> bool:
    return user.has_perm("collaboratives.moderate_room", room)


def mute_for(*, room: Room, user) -> RoomMute | None:
    return (
        RoomMute.objects.filter(room=room, user=user, until__gt=timezone.now())
        .order_by("-until")
        .first()
    )


def _messages(room: Room):
    return (
        RoomMessage.objects.filter(room=room)
        .select_related("author", "reply_to__author")
        .prefetch_related(Prefetch("reactions", queryset=Reaction.objects.order_by("id")))
    )


def message_in_room(*, room: Room, message_id) -> RoomMessage:
    """A message of this room; another room's id gets the same answer as a missing one."""
    message = _messages(room).filter(pk=message_id).first()
    if message is None:
        raise DomainError("There is no such message in this room.", code="not_found")
    return message


def messages_after(*, room: Room, after: int) -> tuple[list[RoomMessage], bool]:
    """Messages newer than `after`, oldest first, one batch; `more` when another batch waits."""
    rows = list(_messages(room).filter(pk__gt=after).order_by("id")[: SYNC_BATCH + 1])
    return rows[:SYNC_BATCH], len(rows) > SYNC_BATCH


def messages_before(*, room: Room, before: int | None, limit: int) -> tuple[list, bool]:
    """The `limit` messages before `before` (newest when None), returned oldest first.

    Keyset paging on the (room, id) index: the cost is the same at any depth."""
    limit = max(1, min(HISTORY_MAX, limit))
    queryset = _messages(room)
    if before is not None:
        queryset = queryset.filter(pk__lt=before)
    rows = list(queryset.order_by("-id")[: limit + 1])
    more = len(rows) > limit
    return list(reversed(rows[:limit])), more


def unread_count_sql(user) -> RawSQL:
    """`user`'s unread count of each room in a Room query: others' live messages after the
    person's last-read marker, counted up to UNREAD_COUNT_CAP + 1 (readers show "999+").

    The count is a LIMITed inner select, which the ORM cannot write as an annotation; the SQL
    is the same on SQLite and PostgreSQL, and every value in it is a parameter. The one rule
    for every unread count: the room page, the room list and a socket's welcome."""
    message_table = RoomMessage._meta.db_table
    read_table = RoomReadState._meta.db_table
    room_table = Room._meta.db_table
    return RawSQL(  # noqa: S611 (see the docstring)
        f"""SELECT COUNT(*) FROM (
            SELECT 1 FROM {message_table} m
            WHERE m.room_id = {room_table}.id AND m.deleted_at IS NULL AND m.author_id <> %s
              AND m.id > COALESCE((SELECT r.last_read_id FROM {read_table} r
                                   WHERE r.room_id = {room_table}.id AND r.user_id = %s), 0)
            LIMIT %s) AS counted""",  # noqa: S608 (table names are the models' own)
        (user.pk, user.pk, UNREAD_COUNT_CAP + 1),
        output_field=IntegerField(),
    )


def _read_state(*, room: Room, user):
    last_read = RoomReadState.objects.filter(room=OuterRef("pk"), user=user).values("last_read_id")[
        :1
    ]
    return Room.objects.filter(pk=room.pk).annotate(
        last_read=Coalesce(Subquery(last_read), 0), unread=unread_count_sql(user)
    )


def read_state_for(*, room: Room, user) -> tuple[int, int]:
    """(last read id, unread count) of `user` in `room`, in one query."""
    row = _read_state(room=room, user=user).values_list("last_read", "unread").first()
    return row if row is not None else (0, 0)


def reader_state_for(*, room: Room, user) -> tuple[int, int, bool]:
    """(last read id, unread count, muted now) of `user` in `room`: what the room page needs
    to know of its reader, in one query."""
    muted = RoomMute.objects.filter(room=OuterRef("pk"), user=user, until__gt=timezone.now())
    row = (
        _read_state(room=room, user=user)
        .annotate(muted=Exists(muted))
        .values_list("last_read", "unread", "muted")
        .first()
    )
    return row if row is not None else (0, 0, False)


# Lists of people load only the columns User.name reads.
_USER_NAME_FIELDS = tuple(f"user__{field}" for field in User.NAME_FIELDS)


def present_users(*, room: Room) -> list[dict]:
    """Who is in the room now: people with a live connection, each once."""
    fresh = timezone.now() - PRESENCE_STALE_AFTER
    rows = (
        RoomPresence.objects.filter(room=room, seen_at__gte=fresh)
        .select_related("user")
        .only("user", *_USER_NAME_FIELDS)
        .order_by("user_id")
    )
    seen: dict[int, dict] = {}
    for row in rows:
        seen.setdefault(row.user_id, {"id": row.user_id, "name": row.user.name})
    return sorted(seen.values(), key=lambda person: person["name"].lower())


# More than any cohort has; the composer suggests from this list as someone types "@".
MENTIONABLE_MAX = 500


def mentionable_in(*, room: Room, user) -> list[dict]:
    """Who `user` can @mention in the room: the cohort's current members (not themselves)."""
    rows = (
        Membership.objects.filter(cohort_id=room.cohort_id, left_at__isnull=True)
        .exclude(user_id=user.pk)
        .select_related("user")
        .only("user", *_USER_NAME_FIELDS)
        .order_by("user__username")[:MENTIONABLE_MAX]
    )
    return [{"username": row.user.username, "name": row.user.name} for row in rows]


@dataclass(frozen=True)
class PostingState:
    """What posting one message needs to know, read in one statement (see posting_state)."""

    existing_id: int | None  # the author's message with this client_id, in any room
    existing_room_id: int | None
    last_message_id: int | None
    locked: bool
    facilitators_only_post: bool
    role: str | None  # the author's role in the room's cohort now; None when not a member
    muted: bool


def posting_state(*, room_id: int, user_id: int, client_id) -> PostingState | None:
    """The room's posting flags, the author's membership and mute, and an earlier message with
    the same client_id: one statement for every message posted, where the ORM spent five.

    Run it inside the posting transaction. On PostgreSQL it locks the room row (only that row:
    the rest are scalar subqueries), so a room's messages get their ids in commit order; SQLite
    has already serialized writers when the transaction began."""
    client_param = RoomMessage._meta.get_field("client_id").get_db_prep_value(client_id, connection)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sql = f"""
        SELECT r.last_message_id, r.locked_at IS NOT NULL, r.facilitators_only_post,
          (SELECT m.role FROM {Membership._meta.db_table} m
             WHERE m.cohort_id = r.cohort_id AND m.user_id = %s AND m.left_at IS NULL
             ORDER BY m.id LIMIT 1),
          EXISTS (SELECT 1 FROM {RoomMute._meta.db_table} u
             WHERE u.room_id = r.id AND u.user_id = %s AND u.until > %s),
          (SELECT e.id FROM {RoomMessage._meta.db_table} e
             WHERE e.author_id = %s AND e.client_id = %s),
          (SELECT e.room_id FROM {RoomMessage._meta.db_table} e
             WHERE e.author_id = %s AND e.client_id = %s)
        FROM {Room._meta.db_table} r WHERE r.id = %s{lock}
    """  # noqa: S608 - table names come from the models; every value is a parameter
    params = [user_id, user_id, now, user_id, client_param, user_id, client_param, room_id]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    last_id, locked, only_facilitators, role, muted, existing_id, existing_room = row
    return PostingState(
        existing_id=existing_id,
        existing_room_id=existing_room,
        last_message_id=last_id,
        locked=bool(locked),
        facilitators_only_post=bool(only_facilitators),
        role=role,
        muted=bool(muted),
    )
