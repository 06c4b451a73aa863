"""A throwaway PostgreSQL cluster for the benchmarks: initdb in a scratch folder, loopback only.

Used by bench/search.py (`--database postgres`) and bench/rooms.py (`--topology scaled`), the way
deploy/scaled.sh and tests/faults/stack.py start theirs: the newest /usr/lib/postgresql/*/bin,
`initdb -A trust` into `<scratch>/pg/data`, a free port of 127.0.0.1, the socket in the scratch
folder, and `runuser -u postgres` when running as root (PostgreSQL refuses to run as root). One
role and database `imh`. `stop()` stops the postmaster by the pid in postmaster.pid (fast
shutdown, SIGKILL after 20 s); it is registered with atexit too, so the cluster never outlives the
script. Durability is off (fsync, synchronous_commit, full_page_writes): the data lives minutes.
"""

import atexit
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path


class PostgresError(RuntimeError):
    """The private cluster could not be created or started."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pg_bin() -> Path:
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
    )
    if not found:
        raise PostgresError("PostgreSQL is not installed (apt-get install postgresql)")
    return found[-1]


class PrivatePostgres:
    """One cluster in `<scratch>/pg`; `start()` returns the database URL."""

    def __init__(self, scratch: Path, *, settings: tuple[str, ...] = ()):
        self.scratch = scratch
        self.dir = scratch / "pg"
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.port = _free_port()
        self.bin = pg_bin()
        self.settings = settings  # extra `-c name=value` server settings
        self.pid: int | None = None

    @property
    def url(self) -> str:
        return f"postgres://imh:imh@127.0.0.1:{self.port}/imh"

    @property
    def version(self) -> str:
        return self.bin.parent.name

    def _run(self, *command: str, timeout: float = 120) -> None:
        name = Path(command[0]).name
        if os.getuid() == 0:
            command = ("runuser", "-u", "postgres", "--", *command)
        with (self.scratch / "pg-commands.log").open("ab") as log:
            result = subprocess.run(
                command, stdout=log, stderr=subprocess.STDOUT, timeout=timeout, check=False
            )
        if result.returncode != 0:
            raise PostgresError(
                f"{name} exited {result.returncode}; "
                f"see {self.scratch / 'pg-commands.log'} and {self.log}"
            )

    def start(self) -> str:
        self.dir.mkdir(parents=True, exist_ok=True)
        if os.getuid() == 0:
            # The postgres account must reach its folder through the scratch folder.
            self.scratch.chmod(0o755)
            shutil.chown(self.dir, "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres")
        atexit.register(self.stop)
        options = " ".join(
            [
                f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir}",
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
                *(f"-c {setting}" for setting in self.settings),
            ]
        )
        self._run(
            str(self.bin / "pg_ctl"),
            *("-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", options, "start"),
        )
        pid_file = self.data / "postmaster.pid"
        self.pid = int(pid_file.read_text().split()[0])
        for statement in ("CREATE ROLE imh LOGIN PASSWORD 'imh'", "CREATE DATABASE imh OWNER imh"):
            subprocess.run(
                [str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
                + ["-v", "ON_ERROR_STOP=1", "-qAt", "-c", statement],
                check=True,
                capture_output=True,
                timeout=30,
            )
        return self.url

    def processes(self) -> list:
        """The postmaster and its children (backends, checkpointer, ...) as psutil processes."""
        import psutil

        if self.pid is None:
            return []
        try:
            postmaster = psutil.Process(self.pid)
            return [postmaster, *postmaster.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def stop(self) -> None:
        """Fast shutdown of the postmaster by its pid; SIGKILL after 20 s. Safe to call twice."""
        pid, self.pid = self.pid, None
        if pid is None:
            return
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
