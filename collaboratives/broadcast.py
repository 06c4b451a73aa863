"""Publishing to live connections, always after the database has committed.

Frames are serialized once here; every process's room hub writes the same text to its sockets.
"""

import asyncio
import json
import logging
import os
import time

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


# When publishing last failed (monotonic seconds); the room tells senders it is degraded.
_last_failure = 0.0
DEGRADED_FOR_SECONDS = 30


def degraded() -> bool:
    """Did publishing fail recently? Then live delivery may lag; stored messages are safe."""
    return _last_failure and time.monotonic() - _last_failure < DEGRADED_FOR_SECONDS


def mark_healthy() -> None:
    global _last_failure
    _last_failure = 0.0


def room_group(room_id: int) -> str:
    return f"room-{int(room_id)}"


def user_group(user_id: int) -> str:
    return f"user-{int(user_id)}"


# A publish waits at most this long: a stuck layer must not hold a database thread.
PUBLISH_TIMEOUT_SECONDS = 5


def _server_loop():
    """The event loop of the server thread that called us through sync_to_async, if any."""
    local = SyncToAsync.threadlocal
    if getattr(local, "main_event_loop_pid", None) != os.getpid():
        return None
    loop = getattr(local, "main_event_loop", None)
    return None if loop is None or loop.is_closed() else loop


def _send(group: str, event: dict) -> None:
    try:
        layer = get_channel_layer()
        loop = _server_loop()
        if loop is None:
            async_to_sync(layer.group_send)(group, event)
            return
        # Not async_to_sync: it waits forever for a loop that has stopped (Daphne shutting
        # down while a socket leaves), and the interpreter waits for this thread at exit.
        if not loop.is_running():
            raise RuntimeError("The server's event loop has stopped.")
        future = asyncio.run_coroutine_threadsafe(layer.group_send(group, event), loop)
        try:
            future.result(timeout=PUBLISH_TIMEOUT_SECONDS)
        except TimeoutError:
            future.cancel()
            raise
    except Exception:  # the layer being down must not undo what was stored; clients `sync`
        logger.exception("Could not publish to %s; clients will catch up with sync", group)
        raise


def room_publish(room_id: int, frame: dict) -> None:
    """Send `frame` to every connection in the room once the current transaction commits."""
    text = json.dumps(frame, ensure_ascii=False, separators=(",", ":"))
    event = {"type": "room.frame", "room": int(room_id), "text": text}
    transaction.on_commit(lambda: _publish_quietly(room_group(room_id), event))


async def room_send_now(room_id: int, text: str) -> None:
    """Send an ephemeral frame (typing) that nothing stores, so nothing waits for a commit."""
    event = {"type": "room.frame", "room": int(room_id), "text": text}
    try:
        await get_channel_layer().group_send(room_group(room_id), event)
    except Exception:  # a lost typing hint is harmless
        logger.warning("Could not send an ephemeral frame to room %s", room_id)


def user_publish(user_id: int, event_name: str, **detail) -> None:
    """Tell every live connection of one person something (access changed, signed out...)."""
    event = {"type": "user.event", "user": int(user_id), "event": event_name, **detail}
    transaction.on_commit(lambda: _publish_quietly(user_group(user_id), event))


def _publish_quietly(group: str, event: dict) -> None:
    global _last_failure
    try:
        _send(group, event)
    except Exception:  # already logged; the stored state is the truth and clients `sync`
        _last_failure = time.monotonic()
