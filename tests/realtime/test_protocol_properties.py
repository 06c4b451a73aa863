"""A property of the room protocol: whatever members send, however their connections drop, come
back and resend, every client ends with exactly the room's stored messages, in order, once each,
and every client_id is stored once.

Each client behaves as static/js/room.js does, reduced to what the property needs: it shows a
message only when its `prev_id` is the last id of its unbroken chain (else it asks `sync` from
that id), keeps what it sent until the server acknowledges it (a `message.new` with its
client_id), and after reconnecting syncs from its last id and resends whatever is unacknowledged.
"""

import asyncio
import json
import time
import uuid

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from collaboratives.models import RoomMessage
from config.asgi import application
from tests.factories import MembershipFactory, RoomFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CLIENTS = 3
ORIGIN = (b"origin", b"http://localhost")
FRAME_TIMEOUT = 5  # seconds for an awaited frame
SETTLE_TIMEOUT = 8  # seconds for a client to catch up at the end
BACKEND = "accounts.backends.UsernameOrEmailBackend"


class RoomClient:
    """One member's client: its socket (None while dropped) and what it shows."""

    def __init__(self, user_id: int, cookie: bytes, room_id: int):
        self.user_id = user_id
        self.cookie = cookie
        self.room_id = room_id
        self.socket: WebsocketCommunicator | None = None
        self.shown: dict[int, dict] = {}  # id -> message, in the order shown
        self.last = 0  # the last id of the unbroken chain
        self.highest = 0  # the highest id heard of; above `last` means a gap to sync
        self.pending: dict[str, str] = {}  # client_id -> body, not acknowledged yet
        self.sent: list[str] = []  # every client_id used, oldest first
        self.syncing = False  # a `sync` is on its way
        self.must_sync = False  # the server said there is more (or asked for a resync)
        self.batches = 0
        self.ready = False

    # --- the socket ------------------------------------------------------------------------
    async def connect(self) -> None:
        self.socket = WebsocketCommunicator(
            application,
            f"/ws/rooms/{self.room_id}/",
            headers=[ORIGIN, (b"cookie", self.cookie)],
        )
        connected, _ = await self.socket.connect(timeout=FRAME_TIMEOUT)
        assert connected
        self.ready = self.syncing = False
        await self.pump(lambda: self.ready)
        await self.ask_sync()
        for client_id in self.sent:  # oldest first, as they were written
            if client_id in self.pending:
                await self.post(client_id)

    async def drop(self) -> None:
        """The network goes: frames not read yet are lost with the socket."""
        socket, self.socket = self.socket, None
        await socket.disconnect(timeout=FRAME_TIMEOUT)

    async def post(self, client_id: str) -> None:
        body = self.pending.get(client_id, "resent")
        await self._send(type="message.send", client_id=client_id, body=body, reply_to=None)

    async def ask_sync(self) -> None:
        if not self.syncing:
            self.syncing, self.must_sync = True, False
            await self._send(type="sync", after=self.last)

    async def final_sync(self) -> None:
        """Once nothing is on its way: one more `sync`, answered before it counts as caught up."""
        await self.pump(lambda: not self.syncing, SETTLE_TIMEOUT)
        asked = self.batches
        await self.ask_sync()
        await self.pump(
            lambda: self.batches > asked and not self.syncing and self.highest <= self.last,
            SETTLE_TIMEOUT,
        )

    async def _send(self, **frame) -> None:
        await self.socket.send_to(text_data=json.dumps(frame))

    # --- frames from the server ------------------------------------------------------------
    async def pump(self, done, timeout: float = FRAME_TIMEOUT) -> None:
        """Handle frames until `done()`; fail after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while not done():
            try:
                text = await self.socket.receive_from(timeout=max(0, deadline - time.monotonic()))
            except TimeoutError as stuck:
                raise AssertionError(
                    f"user {self.user_id}'s client is stuck: {self.state()}"
                ) from stuck
            await self.handle(text)

    async def drain(self) -> None:
        """Handle the frames that have arrived, without waiting for more."""
        while self.socket is not None and not self.socket.output_queue.empty():
            await self.handle(await self.socket.receive_from(timeout=FRAME_TIMEOUT))

    async def handle(self, text: str) -> None:
        frame = json.loads(text)
        kind = frame["type"]
        assert kind != "error", f"the server refused a frame: {frame}"
        if kind == "ready":
            self.ready = True
        elif kind == "message.new":
            self.take([frame["message"]])
        elif kind == "sync.batch":
            self.syncing = False
            self.batches += 1
            self.take(frame["messages"])
            self.must_sync = frame["more"]
        elif kind == "resync":
            self.must_sync = True
        if self.must_sync or self.highest > self.last:
            await self.ask_sync()

    def take(self, messages: list[dict]) -> None:
        for message in messages:
            assert message["room"] == self.room_id
            if message["author"]["id"] == self.user_id:
                self.pending.pop(message["client_id"], None)  # acknowledged
            if message["id"] <= self.last:
                continue  # shown already
            if (message["prev_id"] or 0) == self.last:
                self.shown[message["id"]] = message
                self.last = message["id"]
            self.highest = max(self.highest, message["id"])

    def state(self) -> dict:
        return {"last": self.last, "highest": self.highest, "pending": list(self.pending)}


def new_room() -> tuple[int, list[tuple[int, bytes]]]:
    """A room and its members' session cookies, made through the ORM and the test client."""
    room = RoomFactory()
    members = []
    for _ in range(CLIENTS):
        user = MembershipFactory(cohort=room.cohort).user
        client = Client()
        client.force_login(user, backend=BACKEND)
        members.append((user.pk, f"sessionid={client.cookies['sessionid'].value}".encode()))
    return room.pk, members


async def play(room_id: int, members, actions) -> list[RoomClient]:
    clients = [RoomClient(user_id, cookie, room_id) for user_id, cookie in members]
    try:
        for client in clients:
            await client.connect()
        for kind, index, argument in actions:
            client = clients[index]
            if kind == "send":
                client_id = str(uuid.uuid4())
                client.pending[client_id] = argument
                client.sent.append(client_id)
                if client.socket is not None:
                    await client.post(client_id)
            elif kind == "resend" and client.socket is not None and client.sent:
                await client.post(client.sent[argument % len(client.sent)])
            elif kind == "drop" and client.socket is not None:
                await client.drop()
            elif kind == "reconnect" and client.socket is None:
                await client.connect()
            for other in clients:
                await other.drain()
        # The network is back for everyone: reconnect, resend, then one last sync each.
        for client in clients:
            if client.socket is None:
                await client.connect()
        for client in clients:
            await client.pump(lambda client=client: not client.pending, SETTLE_TIMEOUT)
        for client in clients:
            await client.final_sync()
        return clients
    finally:
        for client in clients:
            if client.socket is not None:
                await client.drop()
        # The consumers' database thread outlives this event loop: let the test database go.
        await database_sync_to_async(connections.close_all)()


client_index = st.integers(0, CLIENTS - 1)
body = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=30).filter(
    lambda text: text.strip()
)
action = st.one_of(
    st.tuples(st.just("send"), client_index, body),
    st.tuples(st.just("send"), client_index, body),  # twice as likely as the others
    st.tuples(st.just("drop"), client_index, st.none()),
    st.tuples(st.just("reconnect"), client_index, st.none()),
    st.tuples(st.just("resend"), client_index, st.integers(0, 100)),
)


@examples(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=st.lists(action, min_size=1, max_size=14))
def test_every_client_ends_with_exactly_the_stored_messages_in_order(actions, settings):
    settings.ROOM_RATE_LIMIT_COUNT = 10_000  # the property is about delivery, not the limit
    room_id, members = new_room()

    clients = asyncio.run(asyncio.wait_for(play(room_id, members, actions), 120))

    stored = list(
        RoomMessage.objects.filter(room_id=room_id)
        .order_by("id")
        .values_list("id", "prev_id", "author_id", "client_id", "body")
    )
    ids = [row[0] for row in stored]
    assert [row[1] for row in stored] == [None, *ids][: len(ids)]
    sent = sorted((client.user_id, client_id) for client in clients for client_id in client.sent)
    assert sorted((row[2], str(row[3])) for row in stored) == sorted(set(sent))
    bodies = {row[0]: row[4] for row in stored}
    for client in clients:
        assert list(client.shown) == ids
        assert {id_: m["body"] for id_, m in client.shown.items()} == bodies
        assert not client.pending
