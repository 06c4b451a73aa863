"""Clients for the fault scenarios: a room client that behaves as docs/realtime.md asks of one,
a socket that never reads, a TCP proxy that can freeze, and a port that never answers.

ChatClient keeps itself connected: it reconnects with backoff to the next server of its list,
sends `sync` from the last id of its unbroken chain after every (re)connect, on `resync` and when
a `prev_id` shows a gap, and resends every unacknowledged message with the same `client_id`
until its `message.new` (or a `sync` holding it) comes back. It keeps every message by id, so a
frame that arrives twice is counted, not kept twice.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import random
import socket
import threading
import time
import uuid

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

BACKOFF_SECONDS = (0.2, 0.5, 1, 2, 3)
ACK_WAIT_SECONDS = 5  # an unacknowledged send is sent again after this long
RETRY_AFTER_ERROR_SECONDS = 1.5  # rate_limited and other refusals: resend later, same client_id


class ChatClient:
    def __init__(self, name: str, servers: list[str], room_id: int, cookie: str, baseline: int):
        self.name = name
        self.servers = servers
        self.room_id = room_id
        self.cookie = cookie
        self.baseline = baseline
        self.last_id = baseline  # the end of the unbroken chain after the baseline
        self.messages: dict[int, dict] = {}
        self.by_prev: dict[int, int] = {}
        self.pending: dict[str, dict] = {}  # client_id -> {"body", "due"}
        self.acked: dict[str, int] = {}
        self.me: int | None = None
        self.ws = None
        self.connected = asyncio.Event()
        self.stopping = False
        self.fatal: str | None = None
        # What happened, for the assertions and the report.
        self.connects: list[str] = []
        self.statuses: list[dict] = []
        self.errors: list[dict] = []
        self.resyncs = 0
        self.repeated_deliveries = 0
        self.resends = 0
        self.presence: list[set[int]] = []
        self._tasks: list[asyncio.Task] = []

    # --- lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._run()), loop.create_task(self._resender())]

    async def stop(self) -> None:
        self.stopping = True
        if self.ws is not None:
            # Closing a socket that is already gone may raise anything; it is gone either way.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 3)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _run(self) -> None:
        attempt = 0
        index = 0
        while not self.stopping:
            url = self.servers[index % len(self.servers)]
            try:
                async with connect(
                    f"{url.replace('http://', 'ws://')}/ws/rooms/{self.room_id}/",
                    origin=url,
                    additional_headers={"Cookie": self.cookie},
                    proxy=None,
                    open_timeout=5,
                    close_timeout=2,
                    ping_interval=None,
                    max_queue=None,
                ) as ws:
                    ready = json.loads(await asyncio.wait_for(ws.recv(), 10))
                    if ready.get("type") != "ready":
                        raise ConnectionError(f"expected ready, got {ready}")
                    attempt = 0
                    self.me = ready["me"]["id"]
                    self.ws = ws
                    self.connects.append(url)
                    self.connected.set()
                    await self._send({"type": "sync", "after": self.last_id})
                    for client_id in list(self.pending):
                        await self._send_pending(client_id)
                    async for text in ws:
                        await self._handle(json.loads(text))
                    code = ws.close_code
                    if code in (4401, 4403):
                        self.fatal = f"closed with {code}"
                        return
            except asyncio.CancelledError:
                raise
            except (OSError, ConnectionClosed, InvalidHandshake, TimeoutError, ConnectionError):
                pass
            finally:
                self.ws = None
                self.connected.clear()
            if self.stopping:
                return
            # The next server of the list, after a pause that grows with each failure.
            index += 1
            delay = BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS) - 1)]
            attempt += 1
            await asyncio.sleep(delay * random.uniform(1, 1.3))  # noqa: S311 (jitter)

    async def _send(self, frame: dict) -> None:
        ws = self.ws
        if ws is None:
            return
        with contextlib.suppress(ConnectionClosed):  # the read loop notices and reconnects
            await ws.send(json.dumps(frame))

    async def _send_pending(self, client_id: str) -> None:
        entry = self.pending.get(client_id)
        if entry is None:
            return
        if entry["sent"]:
            self.resends += 1
        entry["sent"] += 1
        entry["due"] = time.monotonic() + ACK_WAIT_SECONDS
        await self._send(
            {
                "type": "message.send",
                "client_id": client_id,
                "body": entry["body"],
                "reply_to": None,
            }
        )

    async def _resender(self) -> None:
        while not self.stopping:
            await asyncio.sleep(0.25)
            if self.ws is None:
                continue
            now = time.monotonic()
            for client_id, entry in list(self.pending.items()):
                if entry["due"] <= now:
                    await self._send_pending(client_id)

    # --- what the test does -------------------------------------------------------------------
    async def post(self, body: str) -> str:
        """Queue a message; it is sent now if connected, else after the next connect."""
        client_id = str(uuid.uuid4())
        self.pending[client_id] = {"body": body, "due": time.monotonic(), "sent": 0}
        if self.ws is not None:
            await self._send_pending(client_id)
        return client_id

    def ordered(self) -> list[dict]:
        return [self.messages[i] for i in sorted(self.messages)]

    def settled(self, latest: int) -> bool:
        return not self.pending and self.last_id == latest and self.ws is not None

    # --- frames from the server ---------------------------------------------------------------
    def _keep(self, message: dict) -> None:
        if message["id"] <= self.baseline:
            return
        if message["id"] in self.messages:
            self.repeated_deliveries += 1
        self.messages[message["id"]] = message
        self.by_prev[message["prev_id"] or 0] = message["id"]
        if message["author"]["id"] == self.me and message.get("client_id") in self.pending:
            self.acked[message["client_id"]] = message["id"]
            del self.pending[message["client_id"]]

    def _advance(self) -> None:
        while self.last_id in self.by_prev:
            self.last_id = self.by_prev[self.last_id]

    async def _handle(self, frame: dict) -> None:
        kind = frame.get("type")
        if kind == "message.new":
            message = frame["message"]
            self._keep(message)
            self._advance()
            if (message["prev_id"] or 0) > self.last_id:  # a gap: fetch what is missing
                await self._send({"type": "sync", "after": self.last_id})
        elif kind == "sync.batch" and frame.get("request") == "sync":
            for message in frame["messages"]:
                self._keep(message)
            self._advance()
            if frame["more"] and frame["messages"]:
                await self._send({"type": "sync", "after": self.last_id})
        elif kind == "resync":
            self.resyncs += 1
            await self._send({"type": "sync", "after": self.last_id})
        elif kind == "status":
            self.statuses.append(frame)
        elif kind == "error":
            self.errors.append(frame)
            entry = self.pending.get(frame.get("client_id") or "")
            if entry is not None:
                entry["due"] = time.monotonic() + RETRY_AFTER_ERROR_SECONDS
        elif kind == "presence":
            self.presence.append({user["id"] for user in frame["users"]})


def stored_chain_ok(messages: list[dict], baseline: int) -> bool:
    """Each message's prev_id is the one before it: the chain has no hole."""
    previous = baseline
    for message in messages:
        if (message["prev_id"] or 0) != previous:
            return False
        previous = message["id"]
    return True


# --- a socket that never reads --------------------------------------------------------------------
def open_non_reader(url: str, room_id: int, cookie: str) -> socket.socket:
    """A WebSocket handshake by hand on a socket with a small receive buffer, then no more reads.
    The caller keeps the socket (and closes it at the end)."""
    port = int(url.rsplit(":", 1)[1])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(10)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET /ws/rooms/{room_id}/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        f"Sec-WebSocket-Version: 13\r\nOrigin: {url}\r\nCookie: {cookie}\r\n\r\n"
    )
    sock.sendall(request.encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)  # byte by byte: read nothing past the handshake
        if not chunk:
            raise ConnectionError("the server closed the handshake")
        head += chunk
    if not head.startswith(b"HTTP/1.1 101"):
        raise ConnectionError(head.decode(errors="replace"))
    return sock


# --- a TCP proxy that can stop forwarding, and a port that never answers --------------------------
class FreezableProxy:
    """Forwards 127.0.0.1:<port> to a server. `freeze()` makes every open connection go silent
    in both directions without a FIN or RST (a peer that vanished); `thaw()` then closes them,
    as the client's network coming back would find them dead. New connections forward."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.frozen = threading.Event()
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.upstream_ports: list[int] = []
        self._closed = False
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                frozen = self.frozen.is_set()
                self.pairs.append((client, upstream))
                self.upstream_ports.append(upstream.getsockname()[1])
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(
                    target=self._pump, args=(source, sink, frozen), daemon=True
                ).start()

    def _pump(self, source: socket.socket, sink: socket.socket, born_frozen: bool) -> None:
        while True:
            # A frozen connection neither reads nor writes: its buffers fill, nothing closes.
            if self.frozen.is_set() and not born_frozen:
                return
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            if self.frozen.is_set() and not born_frozen:
                return
            if not data:
                for end in (source, sink):
                    with contextlib.suppress(OSError):
                        end.shutdown(socket.SHUT_RDWR)
                return
            try:
                sink.sendall(data)
            except OSError:
                return

    def freeze(self) -> None:
        self.frozen.set()

    def thaw(self) -> None:
        """Close the frozen connections (abortively) and forward new ones normally."""
        with self._lock:
            frozen, self.pairs = self.pairs, []
            self.frozen.clear()
        for pair in frozen:
            for end in pair:
                # shutdown() first: it wakes a pump thread blocked in recv(), which would
                # otherwise keep the socket open past close().
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()

    def close(self) -> None:
        self._closed = True
        self.listener.close()
        with self._lock:
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            for end in pair:
                end.close()


class BlackHole:
    """A port that accepts connections and never answers a byte."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def close(self) -> None:
        self.listener.close()
        for connection in self.accepted:
            connection.close()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
