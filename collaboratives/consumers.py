"""The cohort room WebSocket: transport only. Parses frames, calls services, maps errors.

The protocol is in docs/realtime.md. Outgoing room traffic does not pass through this class's
handlers: the process's room hub writes it to the socket (see hub.py).
"""

import json
import logging
import time
import uuid

from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from accounts.errors import AccessDenied, DomainError
from collaboratives import broadcast, room_selectors, room_services
from collaboratives.hub import hub_for_this_loop
from collaboratives.room_payloads import message_payload

logger = logging.getLogger(__name__)

CLOSE_SIGNED_OUT = 4401
CLOSE_FORBIDDEN = 4403
MAX_FRAME_CHARS = 64 * 1024
TYPING_EVERY_SECONDS = 3
# Posts of this process's sockets being stored now (only the event loop's thread counts them).
_posts_in_flight = 0


def _frame(kind: str, **fields) -> str:
    return json.dumps({"type": kind, **fields}, ensure_ascii=False, separators=(",", ":"))


def _error(code: str, detail: str, client_id=None) -> str:
    return _frame("error", code=code, detail=detail, client_id=client_id)


class FrameError(Exception):
    def __init__(self, detail: str, client_id=None):
        super().__init__(detail)
        self.detail = detail
        self.client_id = client_id


def _int(content: dict, name: str, *, nullable: bool = False, minimum: int = 0):
    value = content.get(name)
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise FrameError(f"`{name}` must be a whole number of at least {minimum}.")
    if value > 2**62:
        raise FrameError(f"`{name}` is out of range.")
    return value


def _text(content: dict, name: str) -> str:
    value = content.get(name)
    if not isinstance(value, str):
        raise FrameError(f"`{name}` must be text.")
    return value


class RoomConsumer(AsyncWebsocketConsumer):
    # No channel of its own: the process's room hub holds the one subscription per room, so
    # the layer keeps no per-socket queue (the in-memory layer scans every queue on each send).
    channel_layer_alias = "room sockets use the hub"
    room = None
    user = None
    _last_typing = 0.0

    # --- lifecycle ------------------------------------------------------------------------------
    async def connect(self):
        self.connection_id = f"room-socket-{uuid.uuid4().hex}"
        # Accept first: a close code reaches the browser only on an open socket.
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_SIGNED_OUT)
            return
        room_id = self.scope["url_route"]["kwargs"]["room_id"]
        ready = await database_sync_to_async(self._enter)(user, room_id)
        if ready is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.user = user
        await hub_for_this_loop().attach(consumer=self, room_id=self.room.pk, user_id=user.pk)
        await self.send(text_data=ready)
        await self._db(
            room_services.presence_enter, room=self.room, user=user, channel_name=self.connection_id
        )

    def _enter(self, user, room_id):
        room = room_selectors.room_if_joinable(user=user, room_id=room_id)
        if room is None:
            return None
        self.room = room
        last_read, unread = room_selectors.read_state_for(room=room, user=user)
        return _frame(
            "ready",
            room={
                "id": room.pk,
                "name": room.name,
                "cohort": room.cohort.name,
                "locked": bool(room.locked_at),
                "facilitators_only_post": room.facilitators_only_post,
            },
            me={
                "id": user.pk,
                "name": user.name,
                "moderator": room_selectors.is_room_moderator(user=user, room=room),
            },
            last_read=last_read,
            unread=unread,
            latest=room.last_message_id or 0,
            limits={
                "body": settings.ROOM_MESSAGE_MAX_LENGTH,
                "rate": [settings.ROOM_RATE_LIMIT_COUNT, settings.ROOM_RATE_LIMIT_SECONDS],
            },
        )

    async def dispatch(self, message):
        # An unexpected error (the database away mid-frame) ends this consumer and Daphne
        # closes the socket, but `disconnect` is never called: the hub would keep the dead
        # socket forever and its presence re-check keep the person's row fresh ("present" for
        # good). Leave the hub and the room now, then let the error end the consumer as before.
        try:
            await super().dispatch(message)
        except StopConsumer:
            raise
        except Exception:
            await self.disconnect(None)
            raise

    async def disconnect(self, code):
        if self.room is not None and self.user is not None:
            await hub_for_this_loop().detach(
                consumer=self, room_id=self.room.pk, user_id=self.user.pk
            )
            try:
                await self._db(
                    room_services.presence_leave,
                    room_id=self.room.pk,
                    channel_name=self.connection_id,
                )
            except Exception:  # a dying connection must not raise; stale rows age out
                logger.warning("Could not clear presence of %s", self.connection_id)

    @property
    def session_key(self) -> str | None:
        return self.scope["session"].session_key

    async def _still_allowed(self) -> bool:
        """Ask the database afresh; close (4401/4403) when this socket may no longer stay."""
        verdict = await self._db(
            room_selectors.room_access_now,
            user_id=self.user.pk,
            room_id=self.room.pk,
            session_key=self.session_key,
        )
        return await self.apply_verdict(verdict)

    async def apply_verdict(self, verdict: str) -> bool:
        if verdict == room_selectors.RoomAccess.OK:
            return True
        signed_out = verdict == room_selectors.RoomAccess.SIGNED_OUT
        await self.close(code=CLOSE_SIGNED_OUT if signed_out else CLOSE_FORBIDDEN)
        return False

    # --- outgoing, called by the hub --------------------------------------------------------
    async def deliver(self, text: str) -> None:
        await self.send(text_data=text)

    async def on_user_event(self, event: dict) -> None:
        name = event.get("event")
        if name in {"access.changed", "signed_out"}:
            await self._still_allowed()
        elif name == "unread" and event.get("room") == self.room.pk:
            await self.send(
                text_data=_frame("unread", last_read=event["last_read"], unread=event["unread"])
            )

    # --- incoming ---------------------------------------------------------------------------
    async def receive(self, text_data=None, bytes_data=None):
        if self.room is None:
            return
        client_id = None
        try:
            if text_data is None or len(text_data) > MAX_FRAME_CHARS:
                raise FrameError("Frames are JSON text of at most 64 KiB.")
            try:
                content = json.loads(text_data)
            except (ValueError, RecursionError) as error:
                raise FrameError("The frame is not valid JSON.") from error
            if not isinstance(content, dict) or not isinstance(content.get("type"), str):
                raise FrameError("A frame is a JSON object with a `type`.")
            client_id = (
                content.get("client_id") if isinstance(content.get("client_id"), str) else None
            )
            handler = self.HANDLERS.get(content["type"])
            if handler is None:
                raise FrameError(f"Unknown frame type {content['type'][:40]!r}.")
            # Each handler's service checks membership in the same database round trip as its
            # work; a refusal then gets a fresh verdict that may close the socket.
            await handler(self, content)
        except FrameError as error:
            await self.send(text_data=_error("invalid", error.detail, client_id))
        except AccessDenied as error:
            if await self._still_allowed():
                await self.send(text_data=_error("forbidden", error.message, client_id))
        except DomainError as error:
            await self.send(text_data=_error(error.code, error.message, client_id))

    async def _db(self, function, **kwargs):
        return await database_sync_to_async(function)(**kwargs)

    async def _on_send_message(self, content):
        client_id = _text(content, "client_id")
        body = _text(content, "body")
        reply_to = _int(content, "reply_to", nullable=True, minimum=1)
        global _posts_in_flight
        if _posts_in_flight >= settings.ROOM_POSTS_IN_FLIGHT_MAX:
            # Nothing stored, nothing sent; the client sends the same client_id again.
            raise DomainError(
                "The rooms are very busy right now. Try again in 2 seconds.", code="rate_limited"
            )
        _posts_in_flight += 1
        try:
            await self._post(client_id=client_id, body=body, reply_to=reply_to)
        finally:
            _posts_in_flight -= 1

    async def _post(self, *, client_id: str, body: str, reply_to: int | None):
        def post():
            with broadcast.publishes_collected() as publishes:
                message, created = room_services.room_message_post(
                    room=self.room,
                    author=self.user,
                    body=body,
                    client_id=client_id,
                    reply_to_id=reply_to,
                )
            # The room hears of a new message through the hub; only a resend is answered here.
            return (None if created else message_payload(message)), message, created, publishes

        payload, message, created, publishes = await database_sync_to_async(post)()
        # The storing thread did not wait for the room to be told; this socket does, to know.
        await broadcast.publishes_settled(publishes)
        if not created or broadcast.degraded():
            # A resend (or a room whose live delivery is down) is acknowledged to this socket only.
            if payload is None:
                payload = await database_sync_to_async(message_payload)(message)
            await self.send(text_data=_frame("message.new", message=payload))
            if created:
                await self.send(
                    text_data=_frame(
                        "status",
                        state="degraded",
                        detail="Your message is saved. Live delivery is catching up.",
                    )
                )

    async def _on_sync(self, content):
        after = _int(content, "after")

        def read():
            room_services.check_can_read(self.user, self.room)
            messages, more = room_selectors.messages_after(room=self.room, after=after)
            return [message_payload(m) for m in messages], more

        messages, more = await database_sync_to_async(read)()
        await self.send(
            text_data=_frame("sync.batch", messages=messages, more=more, request="sync")
        )

    async def _on_history(self, content):
        before = _int(content, "before", nullable=True, minimum=1)
        limit = _int(content, "limit", minimum=1) if "limit" in content else 50

        def read():
            room_services.check_can_read(self.user, self.room)
            messages, more = room_selectors.messages_before(
                room=self.room, before=before, limit=limit
            )
            return [message_payload(m) for m in messages], more

        messages, more = await database_sync_to_async(read)()
        await self.send(
            text_data=_frame("sync.batch", messages=messages, more=more, request="history")
        )

    async def _on_edit(self, content):
        await self._db(
            room_services.room_message_edit,
            room=self.room,
            user=self.user,
            message_id=_int(content, "id", minimum=1),
            body=_text(content, "body"),
        )

    async def _on_delete(self, content):
        await self._db(
            room_services.room_message_delete,
            room=self.room,
            user=self.user,
            message_id=_int(content, "id", minimum=1),
        )

    async def _on_react(self, content):
        await self._db(
            room_services.room_reaction_toggle,
            room=self.room,
            user=self.user,
            message_id=_int(content, "id", minimum=1),
            emoji=_text(content, "emoji"),
        )

    async def _on_typing(self, content):
        now = time.monotonic()
        if now - self._last_typing < TYPING_EVERY_SECONDS:
            return
        self._last_typing = now
        if not await self._still_allowed():
            return
        frame = _frame("typing", user={"id": self.user.pk, "name": self.user.name})
        await broadcast.room_send_now(self.room.pk, frame)

    async def _on_read(self, content):
        # The answer comes as an `unread` frame through the person's group, to this socket and
        # to their other devices alike.
        await self._db(
            room_services.room_read_mark,
            room=self.room,
            user=self.user,
            up_to=_int(content, "up_to"),
        )

    # Named _on_*: Channels' consumer keeps a `_sync` attribute of its own.
    HANDLERS = {
        "message.send": _on_send_message,
        "sync": _on_sync,
        "history": _on_history,
        "message.edit": _on_edit,
        "message.delete": _on_delete,
        "reaction.toggle": _on_react,
        "typing": _on_typing,
        "read": _on_read,
    }
