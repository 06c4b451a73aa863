"""One room hub per server process: a single channel-layer subscription per room, local fan-out.

Stock Channels gives every WebSocket its own channel and sends one layer message per member per
message. The hub instead joins each room's group once for all the process's sockets in that
room, and writes the frame text (serialized once, in broadcast.py) straight to each socket. The
same holds for per-person groups (access revoked, signed out, read markers on another device).
With the in-memory layer (the embedded default) there is no layer traffic at all: the layer could
only hand frames back to this same process, so broadcast.py gives them to the hubs directly.
Frames stored by a database thread reach the hub through its outbox, which the event loop works
in order: the storing thread never waits for delivery (it used to wait on every message for the
loop to publish, while the loop was busy delivering the one before).
If the layer fails (Redis restarting), the hub keeps retrying, re-joins every group when it is
back, and asks its sockets' clients to `sync`, so nothing is lost. The Redis pub/sub layer never
fails a pending receive (and may stay deaf after Redis restarts), so the hub also probes it: a
ping to its own channel must come back, or it subscribes afresh.
"""

import asyncio
import concurrent.futures
import contextvars
import logging
import threading
import weakref

from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings

from collaboratives import broadcast
from collaboratives.broadcast import (
    PUBLISH_TIMEOUT_SECONDS,
    mark_failed,
    mark_healthy,
    room_group,
    user_group,
)

logger = logging.getLogger(__name__)

RETRY_SECONDS = (0.2, 0.5, 1, 2, 5)
# Layers forget group members after a day (group_expiry); the hub renews well before that.
GROUP_RENEW_SECONDS = 30 * 60
# How often the hub checks that its subscription still delivers, and how long a ping may take.
PROBE_SECONDS = 2
PROBE_TIMEOUT_SECONDS = 3
# Sockets re-checked together (see _recheck).
RECHECK_BATCH = 200


class RoomHub:
    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.rooms: dict[int, set] = {}
        self.users: dict[int, set] = {}
        self.loop = loop
        self.layer = get_channel_layer()
        # The in-memory layer lives in this process: nothing to subscribe to or probe.
        self.local = isinstance(self.layer, InMemoryChannelLayer)
        self._outbox: asyncio.Queue | None = None
        self._drainer: asyncio.Task | None = None
        self.channel: str | None = None
        self._task: asyncio.Task | None = None
        self._renewer: asyncio.Task | None = None
        self._prober: asyncio.Task | None = None
        self._rechecker: asyncio.Task | None = None
        self._ping_seq = 0
        self._pong = asyncio.Event()
        self._start_lock = asyncio.Lock()

    # --- membership of sockets ------------------------------------------------------------------
    async def attach(self, *, consumer, room_id: int, user_id: int) -> None:
        await self._ensure_running()
        # Recorded only once joined: a group_add that failed (layer down) is tried again by the
        # next socket, instead of the room staying unjoined with an empty set.
        if room_id not in self.rooms and not self.local:
            await self.layer.group_add(room_group(room_id), self.channel)
        self.rooms.setdefault(room_id, set()).add(consumer)
        if user_id not in self.users and not self.local:
            await self.layer.group_add(user_group(user_id), self.channel)
        self.users.setdefault(user_id, set()).add(consumer)

    async def detach(self, *, consumer, room_id: int, user_id: int) -> None:
        for groups, key, name in (
            (self.rooms, room_id, room_group(room_id)),
            (self.users, user_id, user_group(user_id)),
        ):
            members = groups.get(key)
            if members is None:
                continue
            members.discard(consumer)
            if not members:
                del groups[key]
                if self.local:
                    continue
                try:
                    await self.layer.group_discard(name, self.channel)
                except Exception:  # the layer is down; the group lapses on its own
                    logger.warning("Could not leave %s", name)

    def connections(self) -> int:
        return sum(len(members) for members in self.rooms.values())

    # --- frames handed over by other threads (broadcast.py) ------------------------------------
    def publish_threadsafe(self, group: str, event: dict) -> concurrent.futures.Future:
        """Queue a publish through the layer from another thread; the future says whether it
        went out (True) or failed or timed out (False). Publishes go out in the order queued."""
        done: concurrent.futures.Future = concurrent.futures.Future()
        self.loop.call_soon_threadsafe(
            self._enqueue, ("publish", group, event, done), context=contextvars.Context()
        )
        return done

    def _enqueue(self, item: tuple) -> None:
        if self._outbox is None:
            self._outbox = asyncio.Queue()
        if self._drainer is None or self._drainer.done():
            # A context of its own, not the caller's: a copy of a database thread's context says
            # "inside thread-sensitive work", and asgiref would then refuse the sockets' own
            # database calls as a deadlock.
            self._drainer = asyncio.get_running_loop().create_task(
                self._drain(), context=contextvars.Context()
            )
        self._outbox.put_nowait(item)

    async def _drain(self) -> None:
        while True:
            item = await self._outbox.get()
            if item[0] == "frame":
                await self._dispatch(item[1])
                continue
            _kind, group, event, done = item
            try:
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a
                # cancellation that lands as the publish completes, and this loop (which never
                # ends by itself) then outlives its event loop's shutdown.
                async with asyncio.timeout(PUBLISH_TIMEOUT_SECONDS):
                    await self.layer.group_send(group, event)
            except asyncio.CancelledError:
                raise
            except Exception:  # the stored state is the truth; clients `sync`
                logger.exception("Could not publish to %s; clients will catch up with sync", group)
                mark_failed()
                done.set_result(False)
            else:
                done.set_result(True)

    # --- the receive loop -----------------------------------------------------------------------
    async def _ensure_running(self) -> None:
        async with self._start_lock:
            if self.local:
                if self._rechecker is None:
                    self._rechecker = asyncio.get_running_loop().create_task(self._recheck())
                return
            if self._task is None or self._task.done():
                if self.channel is None:
                    self.channel = await self.layer.new_channel("imh-hub.")
                loop = asyncio.get_running_loop()
                self._task = loop.create_task(self._run())
                if self._renewer is None:
                    self._renewer = loop.create_task(self._renew())
                if self._rechecker is None:
                    self._rechecker = loop.create_task(self._recheck())
                # The in-memory layer lives in this process: it cannot lose a subscription.
                if self._prober is None and not isinstance(self.layer, InMemoryChannelLayer):
                    self._prober = loop.create_task(self._probe())

    async def _run(self) -> None:
        failures = 0
        while True:
            try:
                event = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                delay = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
                failures += 1
                logger.warning("Channel layer unavailable; retrying in %ss", delay, exc_info=True)
                await asyncio.sleep(delay)
                if await self._rejoin():
                    failures = 0
                continue
            await self._dispatch(event)

    async def _probe(self) -> None:
        """Ping this process's own channel; when the ping does not come back, subscribe afresh,
        and once it does again, have every socket's client `sync` what it missed meanwhile."""
        down = False
        while True:
            await asyncio.sleep(PROBE_SECONDS)
            if await self._ping():
                # A publish that failed (broadcast.degraded) reached nobody either.
                if (down or broadcast.degraded()) and await self._rejoin():
                    down = False
                continue
            if not down:
                logger.warning("Channel layer round trip failed; subscribing afresh")
            down = True
            await self._resubscribe()

    async def _ping(self) -> bool:
        self._ping_seq += 1
        self._pong.clear()
        try:
            ping = {"type": "hub.ping", "seq": self._ping_seq}
            async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):  # see _drain
                await self.layer.send(self.channel, ping)
            async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
                await self._pong.wait()
        except asyncio.CancelledError:
            raise
        except Exception:
            return False
        return True

    async def _resubscribe(self) -> None:
        """A new channel on new connections, then every group joined again."""
        try:
            async with self._start_lock:
                if self._task is not None:
                    self._task.cancel()
                    await asyncio.wait([self._task])
                await self.layer.flush()
                self.channel = await self.layer.new_channel("imh-hub.")
                self._task = asyncio.get_running_loop().create_task(self._run())
            await self._join_all()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.warning("Channel layer still unavailable", exc_info=True)

    async def _recheck(self) -> None:
        """The backstop behind revocation events: every socket's access, checked in batches,
        and the presence rows of the live ones kept fresh (see docs/realtime.md).

        Each socket is checked once per interval, a slice at a time spread over it: one batch of
        thousands of sockets every half minute held the interpreter for a long stretch and left
        enough behind to start a full garbage collection, a stall of ~100 ms for every room."""
        interval = getattr(settings, "ROOM_ACCESS_RECHECK_SECONDS", 30)
        while True:
            consumers = [c for members in list(self.rooms.values()) for c in members]
            batches = [
                consumers[start : start + RECHECK_BATCH]
                for start in range(0, len(consumers), RECHECK_BATCH)
            ]
            pause = interval / max(1, len(batches))
            if not batches:
                await asyncio.sleep(interval)
            for batch in batches:
                await asyncio.sleep(pause)
                await self._recheck_batch(batch)

    async def _recheck_batch(self, consumers: list) -> None:
        try:
            # Its own worker thread, not the one thread every socket's database work shares:
            # the room's posts must not wait behind a batch.
            verdicts = await database_sync_to_async(self._verdicts, thread_sensitive=False)(
                consumers
            )
        except asyncio.CancelledError:
            raise
        except Exception:  # the database being away must not stop the loop
            logger.warning("Could not re-check room sockets", exc_info=True)
            return
        for consumer, verdict in zip(consumers, verdicts, strict=True):
            await _safely(consumer.apply_verdict(verdict))

    @staticmethod
    def _verdicts(consumers) -> list[str]:
        from collaboratives.room_selectors import connection_verdicts
        from collaboratives.room_services import presence_refresh

        verdicts = connection_verdicts([(c.user.pk, c.room.pk, c.session_key) for c in consumers])
        presence_refresh(channel_names=[c.connection_id for c in consumers])
        return verdicts

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(GROUP_RENEW_SECONDS)
            await self._join_all()

    async def _join_all(self) -> bool:
        try:
            for room_id in list(self.rooms):
                await self.layer.group_add(room_group(room_id), self.channel)
            for user_id in list(self.users):
                await self.layer.group_add(user_group(user_id), self.channel)
        except Exception:
            return False
        return True

    async def _rejoin(self) -> bool:
        """Join every group again after the layer came back, and have clients catch up."""
        if not await self._join_all():
            return False
        mark_healthy()
        for members in list(self.rooms.values()):
            for consumer in list(members):
                await _safely(consumer.deliver('{"type":"resync"}'))
        return True

    async def _dispatch(self, event: dict) -> None:
        kind = event.get("type")
        if kind == "room.frame":
            for consumer in list(self.rooms.get(event.get("room"), ())):
                await _safely(consumer.deliver(event["text"]))
        elif kind == "user.event":
            for consumer in list(self.users.get(event.get("user"), ())):
                await _safely(consumer.on_user_event(event))
        elif kind == "hub.ping" and event.get("seq") == self._ping_seq:
            self._pong.set()


async def _safely(delivery) -> None:
    """Deliver to one socket. One that is closing raises on send (autobahn's Disconnected);
    that must neither skip the other sockets nor end the receive loop every room relies on."""
    try:
        await delivery
    except asyncio.CancelledError:
        raise
    except Exception:
        logger.debug("Could not deliver to a closing socket", exc_info=True)


_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, RoomHub]" = weakref.WeakKeyDictionary()
# Database threads look hubs up while the loop's thread may be adding one.
_hubs_lock = threading.Lock()


def hub_for_loop(loop: asyncio.AbstractEventLoop) -> RoomHub:
    """The hub of an event loop (one per server process; one per test loop)."""
    with _hubs_lock:
        hub = _hubs.get(loop)
        if hub is None:
            hub = _hubs[loop] = RoomHub(loop)
        return hub


def hub_for_this_loop() -> RoomHub:
    return hub_for_loop(asyncio.get_running_loop())


def deliver_in_process(event: dict) -> None:
    """Hand a frame to every hub in this process (the in-memory layer's whole reach), from any
    thread; each hub's loop delivers it after the frames handed over before it."""
    with _hubs_lock:
        hubs = list(_hubs.items())
    for loop, hub in hubs:
        try:
            loop.call_soon_threadsafe(hub._enqueue, ("frame", event), context=contextvars.Context())
        except RuntimeError:  # that loop has closed (a finished test's): nobody listens there
            continue
