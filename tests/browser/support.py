"""Browser-test harness: a real Daphne server on its own demo database, and page checks.

The browser suite never touches pytest-django's test database: its flushes would wipe the data
migrations other tests rely on, and Daphne runs in another process anyway. Instead each xdist
worker builds a database of its own the way `make run` does (migrate, `manage.py demo`, Daphne).
"""

from __future__ import annotations

import os
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
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "imh-demo-pass")
SERVER_START_TIMEOUT = 30  # seconds for Daphne to answer /healthz with 200
COMMAND_TIMEOUT = 150  # seconds for one manage.py command (migrate is the slow one)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Impacts that fail a page; "minor" and "moderate" findings are left to review.
BLOCKING_IMPACTS = {"serious", "critical"}


def chromium_path() -> str:
    return os.environ.get("CHROMIUM") or "/usr/bin/chromium"


def var_dir() -> Path:
    """Where settings keep their files (VAR_DIR, default var/); the browser suite's go there."""
    path = Path(os.environ.get("VAR_DIR", ROOT / "var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def worker_name() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- The database ---------------------------------------------------------------------------


@dataclass
class SiteDatabase:
    """One throw-away database for the live server: a SQLite file or a PostgreSQL database."""

    url: str
    sqlite_path: Path | None = None
    admin_url: str | None = None  # PostgreSQL: where DROP/CREATE DATABASE run
    pg_name: str | None = None

    @classmethod
    def for_worker(cls, worker: str, label: str = "browser") -> SiteDatabase:
        """This worker's database for one suite (`label` keeps suites' databases apart)."""
        configured = os.environ.get("DATABASE_URL", "")
        if not configured:
            path = var_dir() / f"{label}-{worker}.sqlite3"
            # The same busy timeout as settings' default SQLite database, which a URL would lose.
            return cls(url=f"sqlite:///{path}?timeout=20", sqlite_path=path)
        parts = urlsplit(configured)
        if parts.scheme not in {"postgres", "postgresql", "pgsql", "postgis"}:
            raise RuntimeError(f"Browser tests support SQLite or PostgreSQL, not {parts.scheme!r}")
        original = parts.path.lstrip("/") or "postgres"
        name = f"{original}_{label}_{worker}"
        return cls(
            url=urlunsplit(parts._replace(path=f"/{name}")),
            admin_url=urlunsplit(parts._replace(scheme="postgresql")),
            pg_name=name,
        )

    def _files(self) -> list[Path]:
        assert self.sqlite_path is not None
        return [self.sqlite_path.with_name(self.sqlite_path.name + s) for s in ("", "-wal", "-shm")]

    def _pg_execute(self, statements: list[str]) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            for statement in statements:
                connection.execute(sql.SQL(statement).format(sql.Identifier(self.pg_name)))

    def create(self) -> None:
        if self.sqlite_path is not None:
            for path in self._files():
                path.unlink(missing_ok=True)
            return
        self.drop()
        self._pg_execute(["CREATE DATABASE {}"])

    def drop(self) -> None:
        if self.sqlite_path is not None:
            for path in self._files():
                path.unlink(missing_ok=True)
            return
        import psycopg

        try:
            # FORCE ends sessions a killed server may have left behind (PostgreSQL 13+).
            self._pg_execute(["DROP DATABASE IF EXISTS {} WITH (FORCE)"])
        except psycopg.errors.SyntaxError:
            self._pg_execute(["DROP DATABASE IF EXISTS {}"])


# --- The server -----------------------------------------------------------------------------


@dataclass
class LiveSite:
    """Daphne serving the demo data on 127.0.0.1, started as `make run` starts it.

    `start()` builds the database and serves it. Several sites may serve one database: build it
    with one site's `prepare()`, then `serve()` each (`serve()` again after `stop()` restarts a
    server on the same data). `extra_env` adds variables to the server's environment, or removes
    them when the value is None.
    """

    database: SiteDatabase
    port: int = field(default_factory=free_port)
    name: str = "browser"
    extra_env: dict[str, str | None] = field(default_factory=dict)
    log_path: Path | None = None
    process: subprocess.Popen | None = None

    def __post_init__(self) -> None:
        if self.log_path is None:
            self.log_path = var_dir() / f"{self.name}-{worker_name()}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        # The server is the demo a person gets from `make run`, not a test-settings process.
        for name in ("TESTING", "DJANGO_SETTINGS_MODULE", "PYTEST_CURRENT_TEST"):
            env.pop(name, None)
        env.update(
            DEBUG="1",
            DATABASE_URL=self.database.url,
            SITE_URL=self.url,
            PORT=str(self.port),
            DEMO_PASSWORD=DEMO_PASSWORD,
            PYTHONUNBUFFERED="1",
        )
        for name, value in self.extra_env.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return env

    def manage(self, *args: str, timeout: float = COMMAND_TIMEOUT) -> str:
        """Run `manage.py <args>` against this site's database; return stdout, fail loudly."""
        try:
            result = subprocess.run(
                [sys.executable, "manage.py", *args],
                cwd=ROOT,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as error:
            pytest.fail(
                f"manage.py {' '.join(args)} took over {timeout}s:\n{error.stderr}", pytrace=False
            )
        if result.returncode != 0:
            pytest.fail(
                f"manage.py {' '.join(args)} exited {result.returncode}\n"
                f"--- stdout ---\n{result.stdout[-4000:]}\n--- stderr ---\n{result.stderr[-4000:]}",
                pytrace=False,
            )
        return result.stdout

    def log_tail(self, chars: int = 6000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return "(no server log)"

    def start(self) -> None:
        self.prepare()
        self.serve()

    def prepare(self) -> None:
        """A fresh database with the demo data, as `make run` makes it."""
        self.database.create()
        self.manage("migrate", "--noinput")
        self.manage("demo")

    def serve(self) -> None:
        """Start Daphne on the prepared database and wait until /healthz answers."""
        daphne = BIN / "daphne"
        if not daphne.exists():
            daphne = Path(shutil.which("daphne") or daphne)
        env = self.env
        env["PYTHONPATH"] = str(ROOT / "site")  # as the Makefile's run target sets it
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        # A restart keeps the earlier run's log above the new one.
        with self.log_path.open("ab" if self.process is not None else "wb") as log:
            self.process = subprocess.Popen(
                [str(daphne), "-b", "127.0.0.1", "-p", str(self.port), "config.asgi:application"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        last = "no answer"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                pytest.fail(
                    f"Daphne exited with {self.process.returncode} before serving.\n"
                    f"--- server log ---\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as response:  # noqa: S310
                    if response.status == 200:
                        return
                    last = f"HTTP {response.status}"
            except urllib.error.HTTPError as error:
                last = f"HTTP {error.code}: {error.read()[:500]!r}"
            except OSError as error:
                last = repr(error)
            time.sleep(0.25)
        self.stop()
        pytest.fail(
            f"{self.url}/healthz was not 200 within {SERVER_START_TIMEOUT}s (last: {last}).\n"
            f"--- server log ---\n{self.log_tail()}"
        )

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


# --- Page checks ----------------------------------------------------------------------------

# Console errors and uncaught exceptions per page, recorded by `watch` (CSP reports land here).
_PAGE_ERRORS: dict[object, list[str]] = {}


def watch(page) -> None:
    """Record every console error and uncaught page error of `page`."""
    errors = _PAGE_ERRORS.setdefault(page, [])

    def on_console(message) -> None:
        if message.type != "error":
            return
        where = message.location.get("url", "") if message.location else ""
        # Chromium logs a 4xx/5xx page itself as a failed load; the tests assert page statuses
        # themselves (a used invitation is rightly 410). Failed sub-resources still count.
        if message.text.startswith("Failed to load resource") and where == page.url:
            return
        errors.append(f"console error on {page.url}: {message.text} ({where})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"page error on {page.url}: {error}"))


def take_page_errors(page) -> list[str]:
    """The errors recorded so far, now cleared (so each is reported once)."""
    errors = _PAGE_ERRORS.get(page, [])
    taken = list(errors)
    errors.clear()
    return taken


def forget_page(page) -> None:
    _PAGE_ERRORS.pop(page, None)


def assert_no_page_errors(page) -> None:
    errors = take_page_errors(page)
    if errors:
        pytest.fail("The browser reported errors:\n" + "\n".join(errors), pytrace=False)


def assert_accessible(page) -> None:
    """Fail on any serious or critical axe-core violation, or a browser error, on this page."""
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_load_state("load")
    results = Axe().run(page)
    blocking = [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    if blocking:
        lines = [f"axe-core found {len(blocking)} serious or critical violation(s) on {page.url}:"]
        for violation in blocking:
            lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
            lines.append(f"  {violation.get('helpUrl', '')}")
            for node in violation["nodes"]:
                target = " ".join(str(t) for t in node["target"])
                lines.append(f"    at {target}: {node.get('html', '')[:200]}")
        pytest.fail("\n".join(lines), pytrace=False)
    assert_no_page_errors(page)


def login(page, username: str, password: str = DEMO_PASSWORD, *, check: bool = False) -> None:
    """Sign in through the real form with the keyboard; `check` also runs axe on the form."""
    page.goto("/accounts/login/")
    if check:
        assert_accessible(page)
    page.locator("input[name=username]").fill(username)
    password_field = page.locator("input[name=password]")
    password_field.fill(password)
    with page.expect_navigation():
        password_field.press("Enter")
    if "/accounts/login/" in page.url:
        errors = page.locator(".errorlist, .field__error, [role=alert]").all_inner_texts()
        pytest.fail(f"Signing in as {username!r} failed: {errors or page.title()}", pytrace=False)
