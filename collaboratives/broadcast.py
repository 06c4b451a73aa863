"""Publishing to live connections, always after the database has committed.

Frames are serialized once here; every process's room hub writes the same text to its sockets.
The thread that stored a message never waits for delivery: it hands the frame to the hub of the
server's event loop, which publishes frames one at a time in the order they were handed over
(hub.py). With the in-memory layer there is nothing to publish through: every room hub in this
process is handed the frame directly. With Redis, a publish that fails (or takes too long) marks
the room degraded; clients catch up with `sync` once it is back.
"""

import asyncio
import concurrent.futures
import json
import logging
import os
import threading
import time
from contextlib import contextmanager

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


# When publishing last failed (monotonic seconds); the room tells senders it is degraded.
_last_failure = 0.0
DEGRADED_FOR_SECONDS = 30
# A publish waits at most this long: a stuck layer must not hold up the frames behind it.
PUBLISH_TIMEOUT_SECONDS = 5


def degraded() -> bool:
    """Did publishing fail recently? Then live delivery may lag; stored messages are safe."""
    return _last_failure and time.monotonic() - _last_failure < DEGRADED_FOR_SECONDS


def mark_healthy() -> None:
    global _last_failure
    _last_failure = 0.0


def mark_failed() -> None:
    global _last_failure
    _last_failure = time.monotonic()


def room_group(room_id: int) -> str:
    return f"room-{int(room_id)}"


def user_group(user_id: int) -> str:
    return f"user-{int(user_id)}"


def in_process() -> bool:
    """Does the channel layer live in this process (the embedded default)?"""
    return isinstance(get_channel_layer(), InMemoryChannelLayer)


def _server_loop():
    """The event loop of the server thread that called us through sync_to_async, if any."""
    local = SyncToAsync.threadlocal
    if getattr(local, "main_event_loop_pid", None) != os.getpid():
        return None
    loop = getattr(local, "main_event_loop", None)
    return None if loop is None or loop.is_closed() or not loop.is_running() else loop


# --- what a caller may wait for -----------------------------------------------------------------
_collecting = threading.local()


@contextmanager
def publishes_collected():
    """Collect the publishes handed over in this block, for `publishes_settled` afterwards.

    A socket's sender awaits them to learn whether live delivery worked, without the storing
    thread having waited."""
    collected: list[concurrent.futures.Future] = []
    _collecting.futures = collected
    try:
        yield collected
    finally:
        _collecting.futures = None


async def publishes_settled(futures: list[concurrent.futures.Future]) -> None:
    """Wait (on the event loop) for handed-over publishes; a slow one counts as failed."""
    if not futures:
        return
    waiting = [asyncio.wrap_future(future) for future in futures]
    _done, pending = await asyncio.wait(waiting, timeout=PUBLISH_TIMEOUT_SECONDS)
    if pending:
        mark_failed()


# --- publishing ---------------------------------------------------------------------------------
def _publish(group: str, event: dict) -> None:
    from collaboratives import hub  # hub.py uses this module's names

    if in_process():
        hub.deliver_in_process(event)
        return
    loop = _server_loop()
    if loop is None:
        # A command, the task worker or a test outside the server: publish and wait here.
        try:
            async_to_sync(_publish_bounded)(group, event)
        except Exception:  # the stored state is the truth; clients `sync`
            logger.exception("Could not publish to %s; clients will catch up with sync", group)
            mark_failed()
        return
    future = hub.hub_for_loop(loop).publish_threadsafe(group, event)
    collected = getattr(_collecting, "futures", None)
    if collected is not None:
        collected.append(future)


async def _publish_bounded(group: str, event: dict) -> None:
    async with asyncio.timeout(PUBLISH_TIMEOUT_SECONDS):
        await get_channel_layer().group_send(group, event)


def room_publish(room_id: int, frame: dict) -> None:
    """Send `frame` to every connection in the room once the current transaction commits."""
    text = json.dumps(frame, ensure_ascii=False, separators=(",", ":"))
    event = {"type": "room.frame", "room": int(room_id), "text": text}
    transaction.on_commit(lambda: _publish(room_group(room_id), event))


def user_publish(user_id: int, event_name: str, **detail) -> None:
    """Tell every live connection of one person something (access changed, signed out...)."""
    event = {"type": "user.event", "user": int(user_id), "event": event_name, **detail}
    transaction.on_commit(lambda: _publish(user_group(user_id), event))


async def room_send_now(room_id: int, text: str) -> None:
    """Send an ephemeral frame (typing) that nothing stores, so nothing waits for a commit."""
    from collaboratives import hub

    event = {"type": "room.frame", "room": int(room_id), "text": text}
    if in_process():
        hub.deliver_in_process(event)
        return
    try:
        await get_channel_layer().group_send(room_group(room_id), event)
    except Exception:  # a lost typing hint is harmless
        logger.warning("Could not send an ephemeral frame to room %s", room_id)
