"""Room fan-out benchmark: the project's real room path beside a pure-`websockets` floor.

One command, from the repository root:

    .venv/bin/python bench/rooms.py                       # 1,000 connections, 50 rooms, memory
    .venv/bin/python bench/rooms.py --layer redis         # starts its own redis-server
    .venv/bin/python bench/rooms.py --quick               # smoke run, under a minute
    .venv/bin/python bench/rooms.py --topology scaled     # 2 Daphne + PostgreSQL + Redis

It builds a scratch database in a temporary folder (never the project's var/), starts the floor
(bench/raw_server.py) and the project (Daphne as `make run` starts it, DEBUG off), gives each
rate of the ladder to the floor and then to the project with the same load, and reports each step
and the ratio project/floor; docs/benchmarks.md describes the method. `--topology scaled` runs the
project as deploy/ does instead: two Daphne processes sharing a private PostgreSQL cluster
(bench/private_postgres.py) and a private Redis, the connections split between them.
Everything goes to 127.0.0.1; the run is bounded in connections, messages and time, and stops by
itself. It appends a dated section to docs/benchmarks.md (`--no-doc` to skip). Not a test.
"""

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import platform
import re
import resource
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from importlib import metadata
from pathlib import Path

import psutil
from private_postgres import PrivatePostgres
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DOC = ROOT / "docs" / "benchmarks.md"

MAX_CONNECTIONS = 5_000
MAX_RATE = 2_000  # messages per second, all senders together
MAX_STEP_SECONDS = 60
CONNECT_CONCURRENCY = 25
DRAIN_SECONDS = 5.0
WARM_UP_RATE = 10.0
WARM_UP_SECONDS = 3.0
IDLE_SETTLE_SECONDS = 3.0

# A step passes with no more loss than this, p99 under this, and no error or server close.
PASS_LOSS = 0.001
PASS_P99_MS = 100.0
# A step is cut short when this share of the deliveries due over a second ago is still missing
# (then p99 is over 1 s), and after the drain it fails loudly past this loss.
ABORT_LATE_SHARE = 0.01
ABORT_LOSS = 0.05
# Send lag (when a message left the generator minus when it was due) above this means the
# generator, not the server, was the limit of that step.
GENERATOR_LAG_MS = 50.0

# The scaled topology: two Daphne processes started as deploy/systemd starts them, each with a
# database pool of at most this many connections (as tests/faults/stack.py).
SCALED_DAPHNE_FLAGS = [
    "--proxy-headers",
    "--application-close-timeout",
    "10",
    "--access-log",
    "/dev/null",
]
DATABASE_POOL_MAX = 8
# Target of the scaling issue: server memory per idle connection with 5,000 idle.
TARGET_BYTES_PER_IDLE = 100_000
# File descriptors the generator needs besides its sockets (both servers' connections).
SPARE_FDS = 256

FILLER = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt"
BODY_LENGTH = 100

PRESETS = {
    "full": {
        "connections": 1000,
        "rooms": 50,
        "rates": "10,25,50,100,150,200,250,300,400,600,800,1000",
        "step_seconds": 10.0,
    },
    "quick": {"connections": 200, "rooms": 10, "rates": "25,50", "step_seconds": 3.0},
}


# --- processes ------------------------------------------------------------------------------------
def raise_nofile() -> int:
    """Let one process hold thousands of sockets (run in this process and before each server):
    the soft limit up to the hard one, which an unprivileged process may do. Returns the soft
    limit in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65_536
    if soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (ValueError, OSError):
            return soft
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(cmd: list[str], *, env: dict, log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=raise_nofile,
        )


def stop(process: subprocess.Popen | None) -> None:
    """Stop one process this script started, by its pid."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} while starting")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listened on 127.0.0.1:{port} within {timeout} s")


def wait_for_health(port: int, process: subprocess.Popen, timeout: float = 60) -> dict:
    # No proxy: the request goes to loopback whatever the environment says.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Daphne exited with {process.returncode} while starting")
        try:
            with opener.open(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                return json.loads(response.read())
        except Exception as error:  # not up yet: refused, reset, 503 while warming
            last = error
            time.sleep(0.25)
    raise RuntimeError(f"/healthz did not answer within {timeout} s: {last}")


class Group:
    """Processes measured as one: the scaled topology's Daphne processes, or Redis with the
    PostgreSQL cluster (whose backends come and go: `find` lists them again at each reading)."""

    def __init__(self, processes: list[psutil.Process] | None = None, find=None):
        self.fixed = list(processes or [])
        self.find = find
        self.known: dict[int, psutil.Process] = {}

    def members(self) -> list[psutil.Process]:
        found = self.fixed + (self.find() if self.find else [])
        # The same psutil object per pid, so its readings stay consistent.
        return [self.known.setdefault(process.pid, process) for process in found]

    def cpu_seconds(self) -> float:
        total = 0.0
        for process in self.members():
            try:
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
        return total

    def rss(self) -> int:
        total = 0
        for process in self.members():
            try:
                total += process.memory_info().rss
            except psutil.NoSuchProcess:
                continue
        return total


def cpu_seconds(process: psutil.Process | Group | None) -> float:
    if process is None:
        return 0.0
    if isinstance(process, Group):
        return process.cpu_seconds()
    times = process.cpu_times()
    return times.user + times.system


def rss(process: psutil.Process | Group) -> int:
    return process.rss() if isinstance(process, Group) else process.memory_info().rss


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent on anything but idling, since boot."""
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def wait_quiet(max_wait: float) -> float:
    """Wait (up to max_wait s) until other work uses under a quarter of a core; return its %."""
    deadline = time.monotonic() + max_wait
    next_note = 0.0
    while True:
        before = machine_busy_seconds()
        time.sleep(3)
        busy = 100 * (machine_busy_seconds() - before) / 3
        if busy < 25 or time.monotonic() >= deadline:
            return busy
        if time.monotonic() >= next_note:
            next_note = time.monotonic() + 30
            print(f"  other work uses {busy:.0f} % of one core; waiting for it to settle...")


# --- the load generator ---------------------------------------------------------------------------
class Conn:
    __slots__ = ("index", "room", "session", "ws", "ready", "closing", "closed", "close_code")

    def __init__(self, index: int, room: int, session: str):
        self.index = index
        self.room = room
        self.session = session
        self.ws = None
        self.ready: asyncio.Future | None = None
        self.closing = False
        self.closed = False
        self.close_code = None


def percentile(ordered: list[float], share: float) -> float | None:
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class Load:
    """N connections across R rooms, one rate ladder, counted from this one process's clock."""

    def __init__(self, *, name, ports, fixture, server, redis, deadline):
        self.name = name
        # The scaled topology's two Daphne processes each get half of the connections, as a
        # round-robin load balancer would share them, and half of every room: connection i
        # (in room i mod R) goes to process (i // R) mod 2, so deliveries cross Redis.
        self.ports = ports
        self.room_count = len(fixture["rooms"])
        self.cookie_name = fixture["session_cookie"]
        self.server = server
        self.redis = redis
        self.deadline = deadline
        self.conns = [
            Conn(i, row["room"], row["session"]) for i, row in enumerate(fixture["connections"])
        ]
        self.room_size: dict[int, int] = {}
        for conn in self.conns:
            self.room_size[conn.room] = self.room_size.get(conn.room, 0) + 1
        self.nonce = uuid.uuid4().hex[:20]
        # Per message (index = sequence number): send time, room, sender, step, deliveries.
        self.room_of: list[int] = []
        self.sender: list[int] = []
        self.step_of: list[int] = []
        self.count: list[int] = []
        self.acked = bytearray()
        self.refused = bytearray()
        self.step_latency: list[list[float]] = []
        self.step_received: list[int] = []
        self.step_refused: list[int] = []
        self.delivered_total = 0
        self.misrouted = 0
        self.duplicates = 0
        self.errors: dict[str, int] = {}
        self.notices: dict[str, int] = {}
        self.server_closes: list[tuple[int, object]] = []
        self.reader_failures: list[str] = []
        self.rr = 0

    # --- connections ----------------------------------------------------------------------------
    def port(self, conn: Conn) -> int:
        return self.ports[(conn.index // self.room_count) % len(self.ports)]

    def url(self, conn: Conn) -> str:
        return f"ws://127.0.0.1:{self.port(conn)}/ws/rooms/{conn.room}/"

    async def open(self, conn: Conn) -> None:
        conn.ready = asyncio.get_running_loop().create_future()
        conn.ws = await connect(
            self.url(conn),
            origin=f"http://127.0.0.1:{self.port(conn)}",
            additional_headers={"Cookie": f"{self.cookie_name}={conn.session}"},
            compression=None,
            proxy=None,
            ping_interval=None,
            open_timeout=30,
            close_timeout=5,
            max_size=2**20,
        )
        asyncio.get_running_loop().create_task(self.read(conn))
        await asyncio.wait_for(conn.ready, 30)

    async def open_all(self, conns: list[Conn]) -> list[str]:
        gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

        async def one(conn):
            async with gate:
                await self.open(conn)

        results = await asyncio.gather(*(one(c) for c in conns), return_exceptions=True)
        pairs = zip(conns, results, strict=True)
        return [f"#{c.index}: {r!r}" for c, r in pairs if isinstance(r, Exception)]

    async def close_all(self, conns: list[Conn]) -> None:
        gate = asyncio.Semaphore(100)

        async def one(conn):
            conn.closing = True
            async with gate:
                if conn.ws is not None:
                    await conn.ws.close()

        try:
            await asyncio.wait_for(asyncio.gather(*(one(c) for c in conns)), 60)
        except TimeoutError:
            print(f"  [{self.name}] closing the connections took over 60 s; left to the OS")

    async def read(self, conn: Conn) -> None:
        ws = conn.ws
        try:
            while True:
                text = await ws.recv()
                if text.startswith('{"type":"message.new"'):
                    self.delivery(conn, text)
                else:
                    self.other(conn, text)
        except ConnectionClosed as closed:
            conn.closed = True
            conn.close_code = closed.rcvd.code if closed.rcvd else None
            if not conn.closing:
                self.server_closes.append((conn.index, conn.close_code))
            if conn.ready is not None and not conn.ready.done():
                conn.ready.set_exception(
                    RuntimeError(f"closed before ready, code {conn.close_code}")
                )
        except Exception as error:  # a generator bug must show, not hang the run
            self.reader_failures.append(repr(error))
            if conn.ready is not None and not conn.ready.done():
                conn.ready.set_exception(error)

    def delivery(self, conn: Conn, text: str) -> None:
        now = time.monotonic_ns()
        start = text.find("bench seq=")
        if start < 0:
            self.notices["message.new not from the bench"] = (
                self.notices.get("message.new not from the bench", 0) + 1
            )
            return
        mid = text.find(" t=", start)
        end = text.find(" ", mid + 3)
        seq = int(text[start + 10 : mid])
        sent_ns = int(text[mid + 3 : end])
        self.delivered_total += 1
        if self.room_of[seq] != conn.room:
            self.misrouted += 1
            return
        self.count[seq] += 1
        if self.count[seq] > self.room_size[conn.room]:
            self.duplicates += 1
            return
        step = self.step_of[seq]
        self.step_received[step] += 1
        self.step_latency[step].append((now - sent_ns) / 1e6)
        if conn.index == self.sender[seq]:
            self.acked[seq] = 1

    def other(self, conn: Conn, text: str) -> None:
        frame = json.loads(text)
        kind = frame.get("type")
        if kind == "ready":
            if not conn.ready.done():
                conn.ready.set_result(None)
        elif kind == "error":
            code = frame.get("code") or "?"
            self.errors[code] = self.errors.get(code, 0) + 1
            client_id = frame.get("client_id")
            if isinstance(client_id, str) and client_id.replace("-", "").startswith(self.nonce):
                seq = int(client_id.replace("-", "")[20:], 16)
                if seq < len(self.refused) and not self.refused[seq]:
                    self.refused[seq] = 1
                    self.step_refused[self.step_of[seq]] += 1
        elif kind not in {"presence", "typing", "unread"}:
            # `status` (degraded) and `resync` mean live delivery failed somewhere: report them.
            self.notices[kind] = self.notices.get(kind, 0) + 1

    # --- sending --------------------------------------------------------------------------------
    def client_id(self, seq: int) -> str:
        h = f"{self.nonce}{seq:012x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def next_sender(self) -> Conn | None:
        # Round robin over every connection, so each person sends rate/N per second (far under
        # the per-person limit) and consecutive messages go to different rooms.
        for _ in range(len(self.conns)):
            conn = self.conns[self.rr % len(self.conns)]
            self.rr += 1
            if not conn.closed:
                return conn
        return None

    async def send(self, step: int) -> bool:
        conn = self.next_sender()
        if conn is None:
            return False
        seq = len(self.room_of)
        self.room_of.append(conn.room)
        self.sender.append(conn.index)
        self.step_of.append(step)
        self.count.append(0)
        self.acked.append(0)
        self.refused.append(0)
        body = f"bench seq={seq} t={time.monotonic_ns()} {FILLER}"[:BODY_LENGTH]
        frame = json.dumps(
            {"type": "message.send", "client_id": self.client_id(seq), "body": body},
            separators=(",", ":"),
        )
        try:
            await conn.ws.send(frame)
        except ConnectionClosed:
            self.refused[seq] = 1
            self.step_refused[step] += 1
            self.errors["send on closed socket"] = self.errors.get("send on closed socket", 0) + 1
        return True

    def expected(self, first: int, last: int) -> tuple[int, int]:
        """Deliveries expected and received for messages first..last-1 (refused ones excluded)."""
        expected = received = 0
        for seq in range(first, last):
            if self.refused[seq]:
                continue
            size = self.room_size[self.room_of[seq]]
            expected += size
            received += min(self.count[seq], size)
        return expected, received

    async def step(self, rate: float, seconds: float) -> dict:
        index = len(self.step_latency)
        self.step_latency.append([])
        self.step_received.append(0)
        self.step_refused.append(0)
        total = int(rate * seconds)
        first = len(self.room_of)
        closes_before = len(self.server_closes)
        errors_before = sum(self.errors.values())
        lags: list[float] = []
        reason = None
        cpu0, redis0, gen0 = cpu_seconds(self.server), cpu_seconds(self.redis), time.process_time()
        busy0 = machine_busy_seconds()
        delivered0 = self.delivered_total
        t0 = time.monotonic()
        next_check = t0 + 1.0
        sent = 0
        while sent < total:
            now = time.monotonic()
            due = min(total, int((now - t0) * rate) + 1)
            while sent < due:
                lags.append((time.monotonic() - (t0 + sent / rate)) * 1000)
                if not await self.send(index):
                    reason = "every connection is closed"
                    break
                sent += 1
            if reason:
                break
            now = time.monotonic()
            if now >= next_check:
                next_check = now + 1.0
                old = first + min(sent, max(0, int((now - 1.0 - t0) * rate)))
                expected, received = self.expected(first, old)
                if expected and (expected - received) / expected > ABORT_LATE_SHARE:
                    missing = 100 * (expected - received) / expected
                    reason = f"{missing:.1f} % of deliveries due over 1 s ago still missing"
                    break
                if len(self.server_closes) - closes_before > 0.05 * len(self.conns):
                    reason = "the server closed over 5 % of the connections"
                    break
                if time.monotonic() > self.deadline:
                    reason = "total time cap reached"
                    break
            await asyncio.sleep(max(0.0, t0 + sent / rate - time.monotonic()))
        window = time.monotonic() - t0
        delivered_window = self.delivered_total - delivered0
        cpu1, redis1, gen1 = cpu_seconds(self.server), cpu_seconds(self.redis), time.process_time()
        busy1 = machine_busy_seconds()
        # Drain: wait for what is still in flight, then count the rest as lost.
        last = len(self.room_of)
        drain_until = time.monotonic() + DRAIN_SECONDS
        while time.monotonic() < drain_until:
            expected, received = self.expected(first, last)
            if received >= expected:
                break
            await asyncio.sleep(0.05)
        expected, received = self.expected(first, last)
        cpu2, redis2 = cpu_seconds(self.server), cpu_seconds(self.redis)
        latencies = sorted(self.step_latency[index])
        loss = (expected - received) / expected if expected else 0.0
        lags.sort()
        result = {
            "rate": rate,
            "seconds": window,
            "sent": sent,
            "refused": self.step_refused[index],
            "delivered_per_s": delivered_window / window if window else 0.0,
            "loss": loss,
            "p50": percentile(latencies, 0.50),
            "p95": percentile(latencies, 0.95),
            "p99": percentile(latencies, 0.99),
            "errors": sum(self.errors.values()) - errors_before,
            "server_closes": len(self.server_closes) - closes_before,
            "server_cpu": 100 * (cpu1 - cpu0) / window,
            "redis_cpu": 100 * (redis1 - redis0) / window if self.redis else None,
            "cpu_us_per_delivery": (
                1e6 * ((cpu2 - cpu0) + (redis2 - redis0)) / received if received else None
            ),
            "generator_cpu": 100 * (gen1 - gen0) / window,
            "send_lag_p99": percentile(lags, 0.99),
            # Whatever else kept the cores busy meanwhile (other people's tests, the OS).
            "other_cpu": 100
            * max(0.0, (busy1 - busy0) - (cpu1 - cpu0) - (redis1 - redis0) - (gen1 - gen0))
            / window,
        }
        if reason is None and loss > ABORT_LOSS:
            reason = f"loss {100 * loss:.1f} % after a {DRAIN_SECONDS:.0f} s drain"
        if reason is None and result["p99"] is not None and result["p99"] > 1000:
            reason = f"p99 {result['p99'] / 1000:.1f} s"
        result["passed"] = (
            reason is None
            and sent == total
            and loss <= PASS_LOSS
            and result["p99"] is not None
            and result["p99"] < PASS_P99_MS
            and result["errors"] == 0
            and result["server_closes"] == 0
        )
        result["generator_bound"] = (result["send_lag_p99"] or 0) > GENERATOR_LAG_MS
        result["stopped"] = reason
        return result


# --- one server under the load ------------------------------------------------------------------
async def prepare(name, *, ports, fixture, server, redis, deadline) -> tuple[Load | None, dict]:
    """Open every connection of one server (or group of servers) and measure its memory per
    idle connection."""
    load = Load(
        name=name, ports=ports, fixture=fixture, server=server, redis=redis, deadline=deadline
    )
    report: dict = {"name": name, "steps": []}
    # Warm up with one connection, so the idle baseline holds what the first socket loads.
    warm = Conn(-1, load.conns[0].room, load.conns[0].session)
    failures = await load.open_all([warm])
    await load.close_all([warm])
    load.server_closes.clear()
    if failures:
        report["failed"] = f"the warm-up connection failed: {failures[0]}"
        return None, report
    await asyncio.sleep(1.0)
    rss_before = rss(server)
    started = time.monotonic()
    failures = await load.open_all(load.conns)
    report["connect_seconds"] = time.monotonic() - started
    if failures:
        report["failed"] = (
            f"{len(failures)} of {len(load.conns)} connections failed in "
            f"{report['connect_seconds']:.0f} s: {failures[0]}"
        )
        print(f"  [{name}] {report['failed']}")
        await load.close_all(load.conns)
        return None, report
    await asyncio.sleep(IDLE_SETTLE_SECONDS)
    rss_after = rss(server)
    report["rss_before"] = rss_before
    report["rss_after"] = rss_after
    report["bytes_per_idle_connection"] = (rss_after - rss_before) / len(load.conns)
    print(
        f"  [{name}] {len(load.conns)} connections ready in {report['connect_seconds']:.1f} s; "
        f"server RSS {rss_before / 2**20:.0f} -> {rss_after / 2**20:.0f} MiB"
    )
    # Warm up (not counted): first posts load code paths and caches, and the connection storm
    # leaves work behind. Then wait until the server is idle, so step one starts clean.
    warm_up = await load.step(WARM_UP_RATE, WARM_UP_SECONDS)
    report["warm_up"] = warm_up
    await settle(server)
    print(f"  [{name}] warm-up (not counted): {step_line(warm_up)}")
    return load, report


def log_sizes(paths: list[Path]) -> list[int]:
    return [path.stat().st_size if path.exists() else 0 for path in paths]


def slow_collections_since(paths: list[Path], sizes: list[int]) -> list[int]:
    """Durations (ms) of the slow collections the servers logged after `sizes`."""
    found: list[int] = []
    for path, size in zip(paths, sizes, strict=True):
        if path.exists():
            with open(path, "rb") as log:
                log.seek(size)
                text = log.read().decode(errors="replace")
            found += [int(match.group(2)) for match in SLOW_COLLECTION.finditer(text)]
    return found


def fmt_collections(durations: list[int] | None) -> str:
    """The slow GC column: '–' for a server that does not log them, else each duration."""
    if durations is None:
        return "–"
    return ", ".join(str(duration) for duration in durations) or "0"


async def climb(
    runs: list[tuple[Load, dict]], *, rates, step_seconds, deadline, project_logs: list[Path]
) -> None:
    """Each rate on every server still climbing, one after the other, so that both see the
    machine in the same minute; a server leaves the ladder at its first failed step. The
    project's steps also note the slow garbage collections its logs show during the step."""
    climbing = list(runs)
    for rate in rates:
        for load, report in list(climbing):
            if time.monotonic() + step_seconds + DRAIN_SECONDS > deadline:
                report["cut"] = f"total time cap reached before {rate:g} msg/s"
                print(f"  [{load.name}] {report['cut']}")
                climbing.remove((load, report))
                continue
            watched = project_logs if load.name == "project" else []
            before = log_sizes(watched)
            result = await load.step(rate, step_seconds)
            if watched:
                result["slow_collections"] = slow_collections_since(watched, before)
            report["steps"].append(result)
            print(f"  [{load.name}] {step_line(result)}")
            if result["stopped"]:
                print(f"  [{load.name}] stopped at {rate:g} msg/s: {result['stopped']}")
            if not result["passed"]:
                climbing.remove((load, report))


async def finish(load: Load, report: dict) -> None:
    report["errors"] = dict(load.errors)
    report["notices"] = dict(load.notices)
    report["misrouted"] = load.misrouted
    report["duplicates"] = load.duplicates
    report["server_closes"] = list(load.server_closes[:10])
    report["server_close_count"] = len(load.server_closes)
    report["reader_failures"] = load.reader_failures[:5]
    await load.close_all(load.conns)


def fmt_ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value / 1000:.1f} s" if value >= 1000 else f"{value:.1f}"


def fmt_latency(value: float | None) -> str:
    return fmt_ms(value) if value is None or value >= 1000 else f"{value:.1f} ms"


def fmt_num(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def step_line(r: dict) -> str:
    return (
        f"{r['rate']:>5g} msg/s: {r['delivered_per_s']:>8,.0f} deliveries/s, "
        f"loss {100 * r['loss']:.2f} %, p50 {fmt_latency(r['p50'])}, p95 "
        f"{fmt_latency(r['p95'])}, p99 {fmt_latency(r['p99'])}, errors {r['errors']}, "
        f"closes {r['server_closes']}, "
        f"server CPU {r['server_cpu']:.0f} %, {fmt_num(r['cpu_us_per_delivery'])} us/delivery, "
        f"generator CPU {r['generator_cpu']:.0f} %, other CPU {r['other_cpu']:.0f} % "
        f"-> {'pass' if r['passed'] else 'FAIL'}"
    )


def best(report: dict) -> dict | None:
    """The highest step of the leading run of passing steps."""
    top = None
    for result in report.get("steps", []):
        if not result["passed"]:
            break
        top = result
    return top


# --- the whole run ------------------------------------------------------------------------------
def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Room fan-out: the project's room path beside a pure-websockets floor."
    )
    parser.add_argument("--quick", action="store_true", help="200 connections, 10 rooms, 2 steps")
    parser.add_argument("--connections", type=int)
    parser.add_argument("--rooms", type=int)
    parser.add_argument("--rates", help="messages per second, all senders together, e.g. 50,100")
    parser.add_argument("--step-seconds", type=float)
    parser.add_argument(
        "--layer",
        choices=["memory", "redis"],
        help="channel layer (default: memory; scaled: redis)",
    )
    parser.add_argument(
        "--topology",
        choices=["embedded", "scaled"],
        default="embedded",
        help="embedded: one Daphne as `make run` starts it (SQLite, --layer); scaled: two Daphne "
        "processes as deploy/ starts them, a private PostgreSQL cluster and a private Redis "
        "(the Redis layer), connections shared between the two",
    )
    parser.add_argument(
        "--redis-url", help="an existing Redis on 127.0.0.1 (default: start a private one)"
    )
    parser.add_argument("--max-seconds", type=float, default=600, help="total time cap")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0,
        metavar="SECONDS",
        help="first wait up to this long for other work to use under 25 %% of a core",
    )
    parser.add_argument(
        "--nice",
        type=int,
        default=0,
        help="run the generator and the servers at this niceness (negative needs root), so "
        "other work on a shared machine disturbs the measurement less",
    )
    parser.add_argument("--no-doc", action="store_true", help="do not append to the doc")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()
    preset = PRESETS["quick" if args.quick else "full"]
    for key, value in preset.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.rates = [float(rate) for rate in str(args.rates).split(",") if rate.strip()]
    if args.topology == "scaled" and args.layer == "memory":
        parser.error("--topology scaled runs on the Redis layer (two processes share it)")
    args.layer = args.layer or ("redis" if args.topology == "scaled" else "memory")
    if not 1 <= args.connections <= MAX_CONNECTIONS:
        parser.error(f"--connections must be 1..{MAX_CONNECTIONS}")
    if not 1 <= args.rooms <= args.connections:
        parser.error("--rooms must be 1..connections")
    if not args.rates or not all(0 < rate <= MAX_RATE for rate in args.rates):
        parser.error(f"--rates must be between 0 and {MAX_RATE} messages per second")
    if not 0.5 <= args.step_seconds <= MAX_STEP_SECONDS:
        parser.error(f"--step-seconds must be 0.5..{MAX_STEP_SECONDS}")
    if not -20 <= args.nice <= 19:
        parser.error("--nice must be -20..19")
    if not 0 <= args.wait_quiet <= 1800:
        parser.error("--wait-quiet must be 0..1800 seconds")
    if not 10 <= args.max_seconds <= 1800:
        parser.error("--max-seconds must be 10..1800")
    if args.redis_url:
        host = args.redis_url.split("://", 1)[-1].split("/", 1)[0].rsplit("@", 1)[-1]
        if host.rsplit(":", 1)[0] not in {"127.0.0.1", "localhost"}:
            parser.error("--redis-url must point at 127.0.0.1 (loopback only)")
    return args


def the_command() -> str:
    def rel(path: str) -> str:
        try:
            return str(Path(path).absolute().relative_to(ROOT))
        except ValueError:
            return path

    return shlex.join([rel(sys.executable), rel(sys.argv[0]), *sys.argv[1:]])


async def settle(process: psutil.Process, timeout: float = 20) -> None:
    """Wait until a server spends under 5 % of a core for a second (at most `timeout`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = cpu_seconds(process)
        await asyncio.sleep(1)
        if cpu_seconds(process) - before < 0.05:
            return


# What config/gc_watch.py logs for a collection long enough to show in the latency.
SLOW_COLLECTION = re.compile(r"Garbage collection of generation (\d) took (\d+) ms")


def scan_log(path: Path, offset: int) -> dict:
    """Tracebacks and errors of the run (before `offset`), and how many came at shutdown."""
    if not path.exists():
        return {
            "tracebacks": 0,
            "errors": 0,
            "warnings": 0,
            "first": "",
            "at_shutdown": 0,
            "slow_collections": [],
        }
    raw = path.read_bytes()
    tail = raw[offset:].decode(errors="replace").splitlines()
    lines = raw[:offset].decode(errors="replace").splitlines()
    first: list[str] = []
    for i, line in enumerate(lines):
        if line.startswith("Traceback"):
            first = lines[max(0, i - 2) : i + 40]
            break
    collections = [
        (int(found.group(1)), int(found.group(2)))
        for found in map(SLOW_COLLECTION.search, lines)
        if found
    ]
    return {
        "slow_collections": collections,
        "tracebacks": sum(line.startswith("Traceback") for line in lines),
        "errors": sum(" ERROR " in f" {line} " or line.startswith("ERROR") for line in lines),
        "warnings": sum("WARNING" in line for line in lines),
        "first": "\n".join(first),
        "warning_sample": next((line for line in lines if "WARNING" in line), ""),
        "at_shutdown": sum(line.startswith("Traceback") for line in tail),
        "first_at_shutdown": next((line for line in tail if line.startswith("Could not")), ""),
    }


def scan_logs(paths: list[Path], offsets: list[int]) -> dict:
    """scan_log over each Daphne's log, added up (first traceback: the first log that has one)."""
    merged = {
        "tracebacks": 0,
        "errors": 0,
        "warnings": 0,
        "first": "",
        "warning_sample": "",
        "at_shutdown": 0,
        "first_at_shutdown": "",
        "slow_collections": [],
    }
    for path, offset in zip(paths, offsets, strict=True):
        found = scan_log(path, offset)
        merged["slow_collections"] += found["slow_collections"]
        for key in ("tracebacks", "errors", "warnings", "at_shutdown"):
            merged[key] += found[key]
        for key in ("first", "warning_sample", "first_at_shutdown"):
            merged[key] = merged[key] or found.get(key, "")
    return merged


async def run(args) -> int:
    # The generator holds every connection twice (the floor's and the project's stay open
    # together), each server as many as it is sent: check before building anything.
    nofile = raise_nofile()
    needed = 2 * args.connections + SPARE_FDS
    if nofile < needed:
        print(
            f"{args.connections} connections need about {needed} open files in this process; "
            f"the limit is {nofile} (ulimit -n; the hard limit caps what it can raise itself). "
            f"Raise it (ulimit -Hn {needed}, as root) or use fewer connections."
        )
        return 2
    if args.nice:
        # Children (the floor, Daphne, Redis) inherit it.
        os.setpriority(os.PRIO_PROCESS, 0, args.nice)
    busy_before = wait_quiet(args.wait_quiet)
    args.code_version = code_version()
    begun = time.monotonic()
    deadline = begun + args.max_seconds
    when = dt.datetime.now().astimezone()
    load_before = os.getloadavg()
    scratch = Path(tempfile.mkdtemp(prefix="imh-bench-rooms-"))
    var_dir = scratch / "var"
    var_dir.mkdir()
    print(
        f"Scratch folder {scratch}; cores {os.cpu_count()}; load average {load_before}; "
        f"other work at the start: {busy_before:.0f} % of one core"
    )

    base_env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "DATABASE_URL", "TESTING", "ELASTICSEARCH_URL", "EMAIL_URL"}
    }
    # Production settings on plain-HTTP loopback for both topologies: DEBUG records every query
    # and is not how anyone serves members. The fixture is written with the same SECRET_KEY,
    # since a session's auth hash depends on it.
    base_env.update(
        VAR_DIR=str(var_dir),
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_COOKIES="0",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        SITE_URL="http://127.0.0.1",
        EMAIL_URL=f"file://{scratch / 'mail'}",
        PYTHONUNBUFFERED="1",
    )
    if args.topology == "scaled":
        # As tests/faults/stack.py runs the deploy/ topology without nginx: the generator shares
        # the connections between the two Daphne processes as a round-robin proxy would.
        base_env.update(
            DATABASE_POOL="1",
            DATABASE_POOL_MAX=str(DATABASE_POOL_MAX),
            REDIS_PREFIX=f"imh-bench-{secrets.token_hex(5)}",
        )

    # The per-person send limit stays at the project's default unless the ladder needs more.
    limit_count, limit_seconds = 20, 10
    per_person = max(args.rates) / args.connections
    rate_note = (
        f"default per-person limit {limit_count} messages / {limit_seconds} s; the ladder sends at "
        f"most {per_person:.2f} messages/s per person"
    )
    if per_person > 0.8 * limit_count / limit_seconds:
        raised = math.ceil(per_person * limit_seconds * 2)
        base_env["ROOM_RATE_LIMIT_COUNT"] = str(raised)
        rate_note = (
            f"per-person limit RAISED for this run: ROOM_RATE_LIMIT_COUNT={raised} per "
            f"{limit_seconds} s (the ladder sends up to {per_person:.2f} messages/s per person)"
        )

    reports = []
    redis_process = raw = postgres = None
    daphnes: list[subprocess.Popen] = []
    project_server: psutil.Process | Group | None = None
    redis_ps: psutil.Process | Group | None = None
    log_paths: list[Path] = []
    log_offsets: list[int] = []
    runs: list[tuple[Load, dict]] = []
    layer_name = "?"
    # SIGTERM (a timeout, a kill by pid) unwinds through the finally below, which stops every
    # server this script started by its pid (the PostgreSQL cluster too).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        if args.topology == "scaled":
            postgres = PrivatePostgres(scratch)
            base_env["DATABASE_URL"] = postgres.start()
            print(
                f"PostgreSQL {postgres.version}: private cluster on 127.0.0.1:{postgres.port} "
                f"(pid {postgres.pid})"
            )
        print(f"Building the scratch database ({args.connections} people, {args.rooms} rooms)...")
        fixture_path = scratch / "fixture.json"
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "setup_fixture.py"),
                "--connections",
                str(args.connections),
                "--rooms",
                str(args.rooms),
                "--out",
                str(fixture_path),
            ],
            cwd=ROOT,
            env=base_env,
            check=True,
            timeout=600,
        )
        fixture = json.loads(fixture_path.read_text())
        print(f"  migrate {fixture['migrate_seconds']} s, data {fixture['data_seconds']} s")

        # Both servers run for the whole ladder; each step goes to the floor, then the project.
        port = free_port()
        raw = start(
            [sys.executable, str(ROOT / "bench" / "raw_server.py"), "--port", str(port)],
            env=base_env,
            log=scratch / "raw.log",
        )
        wait_for_port(port, raw)
        raw_port = port
        print(f"Floor: bench/raw_server.py on 127.0.0.1:{port} (pid {raw.pid})")

        env = dict(base_env, PYTHONPATH="site")
        if args.layer == "redis":
            redis_url = args.redis_url
            if not redis_url:
                server_bin = shutil.which("redis-server")
                if not server_bin:
                    print("--layer redis needs redis-server on PATH or --redis-url")
                    return 2
                redis_port = free_port()
                redis_process = start(
                    [
                        server_bin,
                        "--bind",
                        "127.0.0.1",
                        "--port",
                        str(redis_port),
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--dir",
                        str(scratch),
                    ],
                    env=base_env,
                    log=scratch / "redis.log",
                )
                wait_for_port(redis_port, redis_process)
                redis_ps = psutil.Process(redis_process.pid)
                redis_url = f"redis://127.0.0.1:{redis_port}/0"
                print(f"Redis: private redis-server on {redis_url} (pid {redis_process.pid})")
            env["REDIS_URL"] = redis_url
        if postgres is not None:
            # Redis and the database server count together as the backing services' CPU.
            redis_ps = Group([redis_ps] if redis_ps else [], find=postgres.processes)
        ports = [free_port() for _ in range(2 if args.topology == "scaled" else 1)]
        flags = SCALED_DAPHNE_FLAGS if args.topology == "scaled" else []
        for number, port in enumerate(ports):
            log_paths.append(scratch / f"daphne-{number}.log")
            daphnes.append(
                start(
                    [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), *flags]
                    + ["config.asgi:application"],
                    env=env,
                    log=log_paths[-1],
                )
            )
        for port, daphne in zip(ports, daphnes, strict=True):
            health = wait_for_health(port, daphne)
            components = health.get("components", {})
            layer_name = components.get("channel_layer", {}).get("backend", "?")
            database = components.get("database", {}).get("vendor") or (
                "postgresql" if postgres else "sqlite"
            )
            print(
                f"Project: Daphne on 127.0.0.1:{port} (pid {daphne.pid}), layer {layer_name}, "
                f"database {database}"
            )
        if len(daphnes) == 1:
            project_server = psutil.Process(daphnes[0].pid)
        else:
            project_server = Group([psutil.Process(daphne.pid) for daphne in daphnes])

        floor_load, floor = await prepare(
            "floor",
            ports=[raw_port],
            fixture=fixture,
            server=psutil.Process(raw.pid),
            redis=None,
            deadline=deadline,
        )
        project_load, project = await prepare(
            "project",
            ports=ports,
            fixture=fixture,
            server=project_server,
            redis=redis_ps,
            deadline=deadline,
        )
        project["layer"] = layer_name
        reports = [floor, project]
        runs = [(load, r) for load, r in ((floor_load, floor), (project_load, project)) if load]
        await climb(
            runs,
            rates=args.rates,
            step_seconds=args.step_seconds,
            deadline=deadline,
            project_logs=log_paths,
        )
    finally:
        for load, report in runs:
            await finish(load, report)
        # Let the project finish what the closes started (presence writes) before it stops,
        # so that what it logs while shutting down is told apart from the run.
        if project_server is not None and all(daphne.poll() is None for daphne in daphnes):
            await settle(project_server)
        log_offsets = log_sizes(log_paths)
        stop(raw)
        for daphne in daphnes:
            stop(daphne)
        stop(redis_process)
        if postgres is not None:
            postgres.stop()

    log = scan_logs(log_paths, log_offsets)
    load_after = os.getloadavg()
    text = render(
        args,
        reports,
        log,
        when,
        (load_before, load_after, busy_before),
        rate_note,
        time.monotonic() - begun,
    )
    print()
    print(text)
    if not args.no_doc:
        append_doc(text)
        print(f"Appended to {DOC.relative_to(ROOT)}")
    if args.keep or log["tracebacks"]:
        print(f"Scratch folder kept: {scratch} (Daphne logs: {scratch}/daphne-*.log)")
    else:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def code_version() -> str:
    """The commit under test, and which files of the server's code differed from it."""
    try:
        head = subprocess.run(
            ["git", "log", "-1", "--format=%h %s"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--", "collaboratives", "accounts", "site"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.splitlines()
    except OSError:
        return "unknown (no git)"
    dirty = sorted(line[3:] for line in status if line[3:].endswith(".py"))
    changed = f"; uncommitted changes in {', '.join(dirty)}" if dirty else "; no uncommitted change"
    return f"`{head[:90]}`{changed} in the server's Python code"


def render(args, reports, log, when, load, rate_note, elapsed) -> str:
    load_before, load_after, busy_before = load
    floor = reports[0] if reports else {}
    project = reports[1] if len(reports) > 1 else {}
    versions = ", ".join(
        f"{name} {metadata.version(name)}"
        for name in ("websockets", "daphne", "channels", "channels-redis", "Django")
    )
    scaled = args.topology == "scaled"
    title = (
        f"### Rooms, {when:%Y-%m-%d %H:%M %Z}: {args.connections} connections / "
        f"{args.rooms} rooms, "
        + (
            "scaled topology (2 Daphne, PostgreSQL, Redis)"
            if scaled
            else f"{args.layer} layer{' (quick preset)' if args.quick else ''}"
        )
    )
    if scaled:
        server_line = (
            f"- Project servers: two Daphne processes as deploy/ starts them (DEBUG=0, "
            f"{' '.join(SCALED_DAPHNE_FLAGS)}), a private PostgreSQL cluster (fsync off; "
            f"DATABASE_POOL, at most {DATABASE_POOL_MAX} connections per process) and a private "
            f"Redis, layer {project.get('layer', '?')}; connection i (room i mod R) goes to "
            f"process (i div R) mod 2, so each room has members on both (no proxy); server "
            f"CPU and memory are both processes' sums; the *Redis + PostgreSQL CPU %* column "
            f"sums Redis and every PostgreSQL process; {rate_note}."
        )
    else:
        server_line = (
            f"- Project server: one Daphne on the embedded default (SQLite, DEBUG=0), layer "
            f"{project.get('layer', '?')}; {rate_note}."
        )
    out = [
        title,
        "",
        f"Command: `{the_command()}` (resolved: `--connections {args.connections} --rooms "
        f"{args.rooms} --rates {','.join(f'{r:g}' for r in args.rates)} --step-seconds "
        f"{args.step_seconds:g} --layer {args.layer} --topology {args.topology}`)",
        "",
        f"- Machine: {os.cpu_count()} cores (os.cpu_count()), {platform.platform()}, Python "
        f"{platform.python_version()}; {versions}. The generator, the "
        + ("two servers, PostgreSQL and Redis" if scaled else "server (and Redis)")
        + " share these cores.",
        f"- Load average (1/5/15 min) before: {' / '.join(f'{x:.2f}' for x in load_before)}; "
        f"after: {' / '.join(f'{x:.2f}' for x in load_after)}; other work at the start "
        f"{busy_before:.0f} % of one core (the *other CPU %* column: during each step). "
        f"Run took {elapsed:.0f} s.",
        server_line,
        f"- Code: {args.code_version}.",
        f"- Niceness of the generator and the servers: {os.getpriority(os.PRIO_PROCESS, 0)}"
        + (" (ahead of other work on the machine)." if args.nice < 0 else "."),
        "",
        "| server | msg/s | sent | delivered/s | loss % | p50 ms | p95 ms | p99 ms | errors "
        "| server closes | server CPU % | "
        + ("Redis + PostgreSQL CPU %" if scaled else "Redis CPU %")
        + " | CPU µs/delivery | generator CPU % "
        "| other CPU % | send lag p99 ms | slow GC ms | result |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for report in reports:
        if report.get("failed"):
            out.append(
                f"| {report['name']} | – | – | – | – | – | – | – | – | – | – | – | – | – | – "
                f"| – | – | did not start: {report['failed'][:200]} |"
            )
        for r in report.get("steps", []):
            verdict = "pass" if r["passed"] else "FAIL"
            if r["generator_bound"]:
                verdict += " (generator-bound)"
            if r["stopped"]:
                verdict += f": {r['stopped']}"
            out.append(
                f"| {report['name']} | {r['rate']:g} | {r['sent']:,} | "
                f"{r['delivered_per_s']:,.0f} | {100 * r['loss']:.2f} | {fmt_ms(r['p50'])} | "
                f"{fmt_ms(r['p95'])} | {fmt_ms(r['p99'])} | {r['errors']} | "
                f"{r['server_closes']} | {r['server_cpu']:.0f} | "
                f"{fmt_num(r['redis_cpu'])} | {fmt_num(r['cpu_us_per_delivery'])} | "
                f"{r['generator_cpu']:.0f} | {r['other_cpu']:.0f} | {fmt_ms(r['send_lag_p99'])} "
                f"| {fmt_collections(r.get('slow_collections'))} | {verdict} |"
            )
    out.append("")
    floor_best, project_best = best(floor), best(project)
    floor_rate = floor_best["delivered_per_s"] if floor_best else 0.0
    project_rate = project_best["delivered_per_s"] if project_best else 0.0

    def describe(report, top):
        if top is None:
            return f"{report.get('name', '?')}: no passing step"
        return f"{report['name']} {top['delivered_per_s']:,.0f}/s at {top['rate']:g} msg/s"

    if floor_rate:
        ratio = 100 * project_rate / floor_rate
        verdict = "met" if ratio >= 25 else "NOT met"
        out.append(
            f"**Max sustained delivered/s** (loss ≤ 0.1 %, p99 < 100 ms, no error, no server "
            f"close): {describe(floor, floor_best)}; {describe(project, project_best)}. "
            f"**Ratio project/floor: {ratio:.0f} %** (target ≥ 25 %: {verdict})."
        )
        steps = floor.get("steps", [])
        if steps and floor_best is steps[-1] and len(steps) == len(args.rates):
            out.append(
                "The floor passed the top of the ladder, so its real limit is higher and this "
                "ratio is an upper bound."
            )
        elif steps and not steps[-1]["passed"] and steps[-1]["server_cpu"] < 50:
            out.append(
                f"The floor's server used only {steps[-1]['server_cpu']:.0f} % of a core in the "
                f"step it failed ({steps[-1]['rate']:g} msg/s): the generator or other work on "
                "the machine stopped it, not the floor server, so the floor's real limit is "
                "higher and this ratio is an upper bound."
            )
    else:
        out.append("No ratio: the floor passed no step.")
    # CPU per delivery at the highest rate both passed: independent of the generator's limit.
    common = None
    for f_step, p_step in zip(floor.get("steps", []), project.get("steps", []), strict=False):
        if f_step["passed"] and p_step["passed"]:
            common = (f_step, p_step)
    if common and common[0]["cpu_us_per_delivery"] and common[1]["cpu_us_per_delivery"]:
        f_cpu, p_cpu = common[0]["cpu_us_per_delivery"], common[1]["cpu_us_per_delivery"]
        out.append(
            f"Server CPU per delivery at {common[0]['rate']:g} msg/s (the highest step both "
            f"passed): project {p_cpu:,.0f} µs, floor {f_cpu:,.0f} µs: **{p_cpu / f_cpu:.1f}× "
            "the floor**."
        )
    # At the first step neither server is saturated: CPU per delivery is the cost of the path.
    firsts = [r["steps"][0] for r in (floor, project) if r.get("steps")]
    if len(firsts) == 2 and all(step["cpu_us_per_delivery"] for step in firsts):
        f_cpu, p_cpu = (step["cpu_us_per_delivery"] for step in firsts)
        out.append(
            f"At the first step ({firsts[0]['rate']:g} msg/s) server CPU per delivery: project "
            f"{p_cpu:,.0f} µs, floor {f_cpu:,.0f} µs (**{p_cpu / f_cpu:.0f}×**); one core at "
            f"that cost delivers at most {1e6 / p_cpu:,.0f}/s (project) and {1e6 / f_cpu:,.0f}/s "
            "(floor). The project's figure includes its background work (every connection's "
            "access re-check every 30 s), which weighs most at the lowest rate."
        )
    for report in reports:
        if "bytes_per_idle_connection" in report:
            out.append(
                f"Memory per idle connection, {report['name']}: "
                f"{report['bytes_per_idle_connection'] / 1024:,.1f} KiB (RSS "
                f"{report['rss_before'] / 2**20:.0f} MiB with none, "
                f"{report['rss_after'] / 2**20:.0f} MiB with {args.connections} idle; "
                f"{args.connections} connections opened in {report['connect_seconds']:.1f} s"
                + (
                    "; RSS summed over both Daphne processes)."
                    if scaled and report["name"] == "project"
                    else ")."
                )
            )
    if "bytes_per_idle_connection" in project:
        per = project["bytes_per_idle_connection"]
        if args.connections >= 5000:
            verdict = "met" if per < TARGET_BYTES_PER_IDLE else "NOT met"
        else:
            verdict = f"not judged: measured with {args.connections} idle"
        out.append(
            f"**Project memory per idle connection: {per / 1000:,.1f} KB** (target under "
            f"{TARGET_BYTES_PER_IDLE / 1000:.0f} KB with 5,000 idle: {verdict})."
        )
    for report in reports:
        extras = []
        if report.get("errors"):
            extras.append(f"error frames {report['errors']}")
        if report.get("notices"):
            extras.append(f"other frames {report['notices']}")
        if report.get("misrouted"):
            extras.append(f"{report['misrouted']} deliveries to the wrong room")
        if report.get("duplicates"):
            extras.append(f"{report['duplicates']} duplicate deliveries")
        if report.get("server_close_count"):
            extras.append(
                f"{report['server_close_count']} server-initiated closes "
                f"(first: {report['server_closes']})"
            )
        if report.get("reader_failures"):
            extras.append(f"generator read failures {report['reader_failures']}")
        if report.get("cut"):
            extras.append(report["cut"])
        if extras:
            out.append(f"{report['name']}: " + "; ".join(extras) + ".")
    if log["tracebacks"] or log["errors"]:
        out.append(
            f"Daphne log: {log['tracebacks']} tracebacks, {log['errors']} ERROR lines, "
            f"{log['warnings']} WARNING lines. First traceback:"
        )
        out += ["", "```", log["first"] or "(none)", "```"]
    else:
        warn = f" ({log['warnings']} WARNING lines" + (
            f", e.g. `{log['warning_sample'][:160]}`)" if log["warnings"] else ")"
        )
        out.append(f"Daphne log: no traceback, no ERROR line{warn}.")
    slow = log.get("slow_collections") or []
    if slow:
        longest = max(slow, key=lambda collection: collection[1])
        by_generation = ", ".join(
            f"generation {generation}: {sum(1 for g, _ in slow if g == generation)}"
            for generation in sorted({g for g, _ in slow})
        )
        out.append(
            f"Slow garbage collections in the server (logged by config/gc_watch.py): "
            f"{len(slow)} ({by_generation}); longest {longest[1]} ms (generation {longest[0]})."
        )
    else:
        out.append("Slow garbage collections in the server (logged by config/gc_watch.py): none.")
    if log.get("at_shutdown"):
        out.append(
            f"While Daphne stopped (SIGTERM after the run): {log['at_shutdown']} traceback(s), "
            f"e.g. `{log['first_at_shutdown'][:160]}`."
        )
    out.append("")
    return "\n".join(out)


DOC_HEADER = """# Benchmarks

Measured figures only, each with the command that produced it. See the top of each script for
what it does; sections below are appended by the scripts and never edited by hand.
"""


def append_doc(text: str) -> None:
    DOC.parent.mkdir(parents=True, exist_ok=True)
    if not DOC.exists():
        DOC.write_text(DOC_HEADER)
    with DOC.open("a") as doc:
        doc.write("\n" + text)


def main() -> int:
    args = parse_args()
    try:
        return asyncio.run(run(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
