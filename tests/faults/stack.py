"""The scaled topology of deploy/scaled.sh, started from Python so faults can be injected.

In a temporary folder, on free ports of 127.0.0.1 only: a private PostgreSQL cluster and a
redis-server from the system's packages, Daphne processes started as deploy/systemd starts them
(DEBUG off, DATABASE_POOL, REDIS_URL), the task worker and the scheduler. nginx is left out: the
faults are in what stands behind it, and the test clients fail over between Daphne processes as
a load balancer would. Every process is stopped by its pid in `close()`, failed or not; every
wait is bounded.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "imh-demo-pass")
COMMAND_TIMEOUT = 300  # seconds for one manage.py command (migrate is the slow one)
START_TIMEOUT = 60  # seconds for a Daphne to answer /healthz
# The flags deploy/systemd/imh-daphne@.service passes; Daphne's own ping defaults (20 s idle,
# then 30 s for the pong) are what production runs with.
DAPHNE_FLAGS = ["--proxy-headers", "--application-close-timeout", "10", "--access-log", "/dev/null"]
DAPHNE_PING_INTERVAL = 20
DAPHNE_PING_TIMEOUT = 30
# Variables of the test run that must not leak into the servers.
SCRUBBED = (
    "TESTING",
    "DJANGO_SETTINGS_MODULE",
    "PYTEST_CURRENT_TEST",
    "PYTEST_XDIST_WORKER",
    "DATABASE_URL",
    "REDIS_URL",
    "REDIS_PREFIX",
    "ELASTICSEARCH_URL",
    "DEBUG",
)


class StackError(RuntimeError):
    """A process of the stack did not start or stop as it should."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def stop_process(process: subprocess.Popen | None, *, grace: float = 15) -> None:
    """SIGTERM, wait up to `grace` seconds, then SIGKILL (as deploy/scaled.sh's stop_pid)."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def http_get(url: str, timeout: float = 15) -> tuple[int, bytes]:
    """Status and body of a GET on loopback (no proxy), errors included."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@dataclass
class Daphne:
    """One Daphne process of the stack; `start()` again after `kill()` serves the same port."""

    stack: Stack
    name: str
    extra_env: dict[str, str | None] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def log_path(self) -> Path:
        return self.stack.logs / f"daphne-{self.name}.log"

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, *, healthy: bool = True, ready_path: str = "/healthz") -> None:
        env = self.stack.env(**self.extra_env)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(BIN / "daphne"), "--bind", "127.0.0.1", "--port", str(self.port)]
                + DAPHNE_FLAGS
                + ["config.asgi:application"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.stack.track(self.process)
        deadline = time.monotonic() + START_TIMEOUT
        last = "no answer"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise StackError(f"Daphne {self.name} exited: {self.log_tail()}")
            try:
                status, body = http_get(f"{self.url}{ready_path}", timeout=10)
            except OSError as error:
                last = repr(error)
            else:
                # A server started against a broken search cluster answers, which is enough.
                if status == 200 or (not healthy and status == 503):
                    return
                last = f"HTTP {status}: {body[:300]!r}"
            time.sleep(0.25)
        raise StackError(f"Daphne {self.name} not healthy in {START_TIMEOUT}s ({last})")

    def kill(self) -> None:
        """SIGKILL: no goodbye to its sockets, no cleanup of its presence rows."""
        if self.alive():
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        stop_process(self.process)

    def rss(self) -> int:
        import psutil

        return psutil.Process(self.pid).memory_info().rss

    def send_queue(self, peer_port: int) -> int:
        """Bytes the kernel holds unsent on this server's socket to 127.0.0.1:`peer_port`
        (tx_queue in /proc/net/tcp); 0 when there is no such socket."""
        wanted_local, wanted_peer = f":{self.port:04X}", f":{peer_port:04X}"
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[1].endswith(wanted_local) and fields[2].endswith(wanted_peer):
                return int(fields[4].split(":")[0], 16)
        return 0

    def established_from(self, port: int) -> bool:
        """Does this process still hold a TCP connection whose peer is 127.0.0.1:`port`?"""
        import psutil

        for connection in psutil.Process(self.pid).net_connections(kind="tcp"):
            if connection.raddr and connection.raddr.port == port:
                return True
        return False

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return "(no log)"


class Stack:
    """PostgreSQL, Redis, the worker, the scheduler and Daphne processes of one test session."""

    def __init__(self, work: Path):
        self.work = work
        self.logs = work / "logs"
        self.var = work / "var"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.var.mkdir(parents=True, exist_ok=True)
        self.pg_dir = work / "pg"
        self.pg_data = self.pg_dir / "data"
        self.pg_port = free_port()
        self.redis_port = free_port()
        self.redis: subprocess.Popen | None = None
        self.processes: list[subprocess.Popen] = []
        self.daphnes: list[Daphne] = []
        self.secret_key = secrets.token_urlsafe(64)
        self.redis_prefix = f"imh-faults-{secrets.token_hex(5)}"
        self.pg_bin = self._pg_bin()

    # --- environment ---------------------------------------------------------------------------
    @staticmethod
    def _pg_bin() -> Path:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
        if not found:
            raise StackError("PostgreSQL is not installed (apt-get install postgresql)")
        return found[-1]

    @property
    def database_url(self) -> str:
        return f"postgres://imh:imh@127.0.0.1:{self.pg_port}/imh"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def env(self, **extra: str | None) -> dict[str, str]:
        """Production settings on plain HTTP loopback (no proxy in front, so no secure cookies)."""
        env = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
        env.update(
            DEBUG="0",
            SECRET_KEY=self.secret_key,
            ALLOWED_HOSTS="127.0.0.1,localhost",
            SECURE_COOKIES="0",
            SECURE_SSL_REDIRECT="0",
            SECURE_HSTS_SECONDS="0",
            DATABASE_URL=self.database_url,
            DATABASE_POOL="1",
            DATABASE_POOL_MAX="8",
            REDIS_URL=self.redis_url,
            REDIS_PREFIX=self.redis_prefix,
            VAR_DIR=str(self.var),
            SITE_URL="http://127.0.0.1",
            EMAIL_URL=f"file://{self.work / 'mail'}",
            DEMO_PASSWORD=DEMO_PASSWORD,
            PYTHONPATH=str(ROOT / "site"),
            PYTHONUNBUFFERED="1",
        )
        for name, value in extra.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return env

    def track(self, process: subprocess.Popen) -> None:
        self.processes.append(process)

    def manage(self, *args: str, timeout: float = COMMAND_TIMEOUT) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise StackError(
                f"manage.py {' '.join(args)} exited {result.returncode}:\n"
                f"{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
            )
        return result.stdout

    # --- PostgreSQL ----------------------------------------------------------------------------
    def _as_postgres(self, *command: str, timeout: float = 90) -> None:
        if os.getuid() == 0:  # PostgreSQL refuses to run as root
            command = ("runuser", "-u", "postgres", "--", *command)
        with (self.logs / "pg_ctl.log").open("ab") as log:
            subprocess.run(command, check=True, stdout=log, stderr=log, timeout=timeout)

    def postgres_init(self) -> None:
        self.pg_dir.mkdir(parents=True, exist_ok=True)
        self.work.chmod(0o755)
        if os.getuid() == 0:
            shutil.chown(self.pg_dir, "postgres")
        self._as_postgres(
            str(self.pg_bin / "initdb"), "-D", str(self.pg_data), "-A", "trust", "-U", "postgres"
        )
        self.postgres_start()
        self.psql_admin("CREATE ROLE imh LOGIN PASSWORD 'imh'")
        self.psql_admin("CREATE DATABASE imh OWNER imh")

    def postgres_start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.pg_port} -k {self.pg_dir} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._as_postgres(
            str(self.pg_bin / "pg_ctl"),
            *("-D", str(self.pg_data), "-l", str(self.pg_dir / "postgres.log")),
            *("-w", "-t", "60", "-o", options, "start"),
        )

    def postgres_stop(self, mode: str = "fast") -> None:
        self._as_postgres(
            str(self.pg_bin / "pg_ctl"),
            *("-D", str(self.pg_data), "-w", "-t", "60", "-m", mode, "stop"),
        )

    def postgres_running(self) -> bool:
        return (self.pg_data / "postmaster.pid").exists() and port_open(self.pg_port)

    def _postgres_kill(self) -> None:
        """Finalizer: fast shutdown by the postmaster's pid, SIGKILL after 20 s."""
        pid_file = self.pg_data / "postmaster.pid"
        if not pid_file.exists():
            return
        pid = int(pid_file.read_text().split()[0])
        try:
            os.kill(pid, signal.SIGINT)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)

    def psql_admin(self, statement: str) -> None:
        subprocess.run(
            [str(self.pg_bin / "psql"), "-h", "127.0.0.1", "-p", str(self.pg_port)]
            + ["-U", "postgres", "-v", "ON_ERROR_STOP=1", "-qAt", "-c", statement],
            check=True,
            capture_output=True,
            timeout=30,
        )

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Rows of a query on the site's database, on a connection of its own."""
        import psycopg

        with psycopg.connect(self.database_url, connect_timeout=10) as connection:
            return connection.execute(sql, params).fetchall()

    # --- Redis ---------------------------------------------------------------------------------
    def redis_start(self) -> None:
        with (self.logs / "redis.log").open("ab") as log:
            self.redis = subprocess.Popen(
                ["redis-server", "--bind", "127.0.0.1", "--port", str(self.redis_port)]
                + ["--save", "", "--appendonly", "no", "--daemonize", "no"],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.track(self.redis)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.redis.poll() is not None:
                raise StackError("redis-server exited; see its log")
            try:
                with socket.create_connection(("127.0.0.1", self.redis_port), timeout=1) as probe:
                    probe.sendall(b"PING\r\n")
                    if probe.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.1)
        raise StackError(f"redis-server did not answer on {self.redis_port} within 20 s")

    def redis_kill(self) -> None:
        if self.redis is not None and self.redis.poll() is None:
            self.redis.kill()
            self.redis.wait(timeout=10)

    def redis_running(self) -> bool:
        return self.redis is not None and self.redis.poll() is None

    # --- the site ------------------------------------------------------------------------------
    def build(self) -> None:
        """Everything deploy/scaled.sh does before it starts the servers."""
        self.postgres_init()
        self.redis_start()
        self.manage("migrate", "--noinput")
        self.manage("collectstatic", "--noinput", "--verbosity", "0")
        self.manage("demo")

    def background(self, name: str, *args: str) -> subprocess.Popen:
        with (self.logs / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "manage.py", *args],
                cwd=ROOT,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.track(process)
        return process

    def daphne(self, name: str, *, start: bool = True, healthy: bool = True, **env) -> Daphne:
        server = Daphne(stack=self, name=name, extra_env=env)
        self.daphnes.append(server)
        if start:
            server.start(healthy=healthy)
        return server

    def close(self) -> None:
        """Stop every process this stack started, newest first, then PostgreSQL."""
        for process in reversed(self.processes):
            try:
                stop_process(process)
            except Exception:  # keep stopping the others
                process.kill()
        self._postgres_kill()
