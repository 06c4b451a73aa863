"""The room across two Daphne processes sharing one database and one Redis: a message posted
through either reaches members connected to the other, and a Redis outage loses nothing.

Both tests need REDIS_URL (CI sets it). The outage test also starts a redis-server of its own on
a free loopback port, so it can stop and restart it without touching the shared one.
"""

import asyncio
import shutil
import socket
import subprocess
import time
import uuid

import pytest

from collaboratives.hub import PROBE_SECONDS
from tests.browser.support import free_port, var_dir, worker_name
from tests.realtime.client import RoomClient, sign_in
from tests.realtime.conftest import make_site, redis_prefix, redis_url_or_skip, serving

pytestmark = pytest.mark.redis

OUTAGE_BOUND = 60  # seconds for the whole outage scenario, servers already up
RESYNC_WITHIN = 30  # seconds for a hub to notice Redis is back and ask its clients to sync
# Long enough for server B, where nobody posts, to notice the outage by itself.
OUTAGE_SECONDS = 2 * PROBE_SECONDS + 1


def unique(text: str) -> str:
    return f"{text} {uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def servers(request):
    """Servers A and B on this worker's demo database, talking through REDIS_URL."""
    redis_url = redis_url_or_skip()  # before the database is built, so a skip costs nothing
    demo = request.getfixturevalue("demo")
    shared = {"REDIS_URL": redis_url, "REDIS_PREFIX": redis_prefix()}
    with serving(
        make_site(demo, "realtime-redis-a", **shared),
        make_site(demo, "realtime-redis-b", **shared),
    ) as pair:
        yield pair


@pytest.fixture(scope="module")
def cookies(servers) -> dict[str, str]:
    """Sessions live in the database: signing in on A is signing in on B."""
    return {name: sign_in(servers[0].url, name) for name in ("member1", "member2")}


async def test_messages_cross_between_the_two_servers(servers, cookies, demo):
    a, b = servers
    maria, _ = await RoomClient.join(a.url, demo.room_id, cookies["member1"])
    marcus, _ = await RoomClient.join(b.url, demo.room_id, cookies["member2"])

    from_a = await maria.post(unique("through A"))
    seen_on_b = await marcus.message_new(id=from_a["id"])
    from_b = await marcus.post(unique("through B"))
    seen_on_a = await maria.message_new(id=from_b["id"])

    assert seen_on_b["body"] == from_a["body"]
    assert seen_on_a["body"] == from_b["body"]
    assert seen_on_a["prev_id"] == from_a["id"]
    await maria.close()
    await marcus.close()


async def test_presence_lists_members_of_both_servers(servers, cookies, demo):
    a, b = servers
    maria, _ = await RoomClient.join(a.url, demo.room_id, cookies["member1"])
    marcus, _ = await RoomClient.join(b.url, demo.room_id, cookies["member2"])
    both = {demo.user_ids["member1"], demo.user_ids["member2"]}

    # Whole lists, on every change: the one sent after Marcus joined through B reaches A.
    frame = await maria.next("presence")
    while not both <= {user["id"] for user in frame["users"]}:
        frame = await maria.next("presence")

    assert both <= {user["id"] for user in frame["users"]}
    await maria.close()
    await marcus.close()


# --- Redis going away ----------------------------------------------------------------------------


class RedisServer:
    """A redis-server of the test's own on 127.0.0.1, stopped and started again by its pid."""

    def __init__(self, binary: str):
        self.binary = binary
        self.port = free_port()
        self.log_path = var_dir() / f"realtime-redis-{worker_name()}.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [self.binary, "--bind", "127.0.0.1", "--port", str(self.port)]
                + ["--save", "", "--appendonly", "no"],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"redis-server exited: see {self.log_path}"
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as probe:
                    probe.sendall(b"PING\r\n")
                    if probe.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.1)
        pytest.fail(f"redis-server did not answer on port {self.port} within 10 s")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def own_redis():
    redis_url_or_skip()
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("needs redis-server on PATH to stop and restart it")
    server = RedisServer(binary)
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def outage_servers(own_redis, request):
    demo = request.getfixturevalue("demo")
    shared = {"REDIS_URL": own_redis.url, "REDIS_PREFIX": redis_prefix()}
    with serving(
        make_site(demo, "realtime-outage-a", **shared),
        make_site(demo, "realtime-outage-b", **shared),
    ) as pair:
        yield pair


async def test_a_redis_outage_degrades_delivery_but_loses_nothing(outage_servers, own_redis, demo):
    a, b = outage_servers
    maria_cookie, marcus_cookie = sign_in(a.url, "member1"), sign_in(b.url, "member2")

    async def scenario():
        maria, _ = await RoomClient.join(a.url, demo.room_id, maria_cookie)
        marcus, _ = await RoomClient.join(b.url, demo.room_id, marcus_cookie)
        before = await maria.post(unique("before the outage"))
        last_seen = (await marcus.message_new(id=before["id"]))["id"]

        own_redis.kill()
        during = [await maria.post(unique(f"during the outage {n}")) for n in range(2)]
        degraded = await maria.next("status")
        await asyncio.sleep(OUTAGE_SECONDS)
        own_redis.start()  # the same port: the servers' URL is still right
        await maria.next("resync", timeout=RESYNC_WITHIN)
        await marcus.next("resync", timeout=RESYNC_WITHIN)
        synced = {"a": await maria.sync(after=last_seen), "b": await marcus.sync(after=last_seen)}
        after = await maria.post(unique("after the outage"))
        live_again = await marcus.message_new(id=after["id"])
        await maria.close()
        await marcus.close()
        return degraded, during, synced, after, live_again

    degraded, during, synced, after, live_again = await asyncio.wait_for(scenario(), OUTAGE_BOUND)

    assert degraded["state"] == "degraded" and degraded["detail"]
    expected = [m["id"] for m in during]
    assert [m["id"] for m in synced["a"]] == expected  # everything, once, in order
    assert [m["id"] for m in synced["b"]] == expected
    assert [m["body"] for m in synced["b"]] == [m["body"] for m in during]
    assert live_again["prev_id"] == during[-1]["id"]
