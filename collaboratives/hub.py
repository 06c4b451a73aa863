"""One room hub per server process: a single channel-layer subscription per room, local fan-out.

Stock Channels gives every WebSocket its own channel and sends one layer message per member per
message. The hub instead joins each room's group once for all the process's sockets in that
room, and writes the frame text (serialized once, in broadcast.py) straight to each socket. The
same holds for per-person groups (access revoked, signed out, read markers on another device).
If the layer fails (Redis restarting), the hub keeps retrying, re-joins every group when it is
back, and asks its sockets' clients to `sync`, so nothing is lost. The Redis pub/sub layer never
fails a pending receive (and may stay deaf after Redis restarts), so the hub also probes it: a
ping to its own channel must come back, or it subscribes afresh.
"""

import asyncio
import logging
import weakref

from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings

from collaboratives import broadcast
from collaboratives.broadcast import mark_healthy, room_group, user_group

logger = logging.getLogger(__name__)

RETRY_SECONDS = (0.2, 0.5, 1, 2, 5)
# Layers forget group members after a day (group_expiry); the hub renews well before that.
GROUP_RENEW_SECONDS = 30 * 60
# How often the hub checks that its subscription still delivers, and how long a ping may take.
PROBE_SECONDS = 2
PROBE_TIMEOUT_SECONDS = 3


class RoomHub:
    def __init__(self) -> None:
        self.rooms: dict[int, set] = {}
        self.users: dict[int, set] = {}
        self.layer = get_channel_layer()
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
        if room_id not in self.rooms:
            await self.layer.group_add(room_group(room_id), self.channel)
        self.rooms.setdefault(room_id, set()).add(consumer)
        if user_id not in self.users:
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
                try:
                    await self.layer.group_discard(name, self.channel)
                except Exception:  # the layer is down; the group lapses on its own
                    logger.warning("Could not leave %s", name)

    def connections(self) -> int:
        return sum(len(members) for members in self.rooms.values())

    # --- the receive loop -----------------------------------------------------------------------
    async def _ensure_running(self) -> None:
        async with self._start_lock:
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
            await asyncio.wait_for(self.layer.send(self.channel, ping), PROBE_TIMEOUT_SECONDS)
            await asyncio.wait_for(self._pong.wait(), PROBE_TIMEOUT_SECONDS)
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
        """The backstop behind revocation events: every socket's access, checked in one batch,
        and the presence rows of the live ones kept fresh (see docs/realtime.md)."""
        interval = getattr(settings, "ROOM_ACCESS_RECHECK_SECONDS", 30)
        while True:
            await asyncio.sleep(interval)
            consumers = [c for members in list(self.rooms.values()) for c in members]
            if not consumers:
                continue
            try:
                # Its own worker thread, not the one thread every socket's database work shares:
                # a batch over thousands of sockets must not make the room's posts wait behind it.
                verdicts = await database_sync_to_async(self._verdicts, thread_sensitive=False)(
                    consumers
                )
            except asyncio.CancelledError:
                raise
            except Exception:  # the database being away must not stop the loop
                logger.warning("Could not re-check room sockets", exc_info=True)
                continue
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


def hub_for_this_loop() -> RoomHub:
    """The hub of the running event loop (one per server process; one per test loop)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = RoomHub()
    return hub
