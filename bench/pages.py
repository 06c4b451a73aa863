"""Page benchmark: requests/s and latency of the main pages beside a fixed-string Django view.

One command, from the repository root:

    .venv/bin/python bench/pages.py                       # 10 s per page, 10 connections
    .venv/bin/python bench/pages.py --duration 3 --no-doc # smoke run, about a minute
    .venv/bin/python bench/pages.py --url http://127.0.0.1:8000   # a server already running

Without --url it builds a scratch site in a temporary folder (never the project's var/):
`migrate`, `collectstatic` and the demo data, then starts Daphne as a production process starts
it (DEBUG off, `BENCH_FLOOR=1`, plain HTTP on 127.0.0.1, embedded default: SQLite and the
in-memory layer). With --url the server must run with `BENCH_FLOOR=1` and the demo accounts.

For each page, anonymous and signed in as a member where the page allows, it holds a fixed
number of keep-alive connections (a raw asyncio HTTP/1.1 client in this process) sending GET
after GET for --duration seconds after a warm-up, and reports requests/s, p50/p99 latency, the
server's CPU per request, and requests/s as a share of the floor's: `/bench/floor`, a view
returning a fixed string through the same middleware on the same server (measured first and
last; the ratio uses their mean). Target: every page at least 25 % of the floor. Everything goes
to 127.0.0.1; bounded in connections, duration and total time; stops by itself and stops the
server it started. Appends a dated section to docs/benchmarks.md (`--no-doc` to skip). It is not
part of the test suite.
"""

import argparse
import asyncio
import datetime as dt
import http.client
import json
import os
import platform
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psutil

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DOC = ROOT / "docs" / "benchmarks.md"
MAX_CONCURRENCY = 100
MAX_DURATION = 60.0
TARGET_RATIO = 0.25
USERNAME = "member1"
CLIENT = psutil.Process()


# --- the server -----------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(*args: str, env: dict, log: Path, timeout: float) -> None:
    with open(log, "ab") as out:
        subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            timeout=timeout,
            check=True,
        )


def start_daphne(env: dict, log: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port)]
            + ["--access-log", os.devnull, "config.asgi:application"],
            cwd=ROOT,
            env={**env, "PYTHONPATH": str(ROOT / "site")},
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Daphne exited with {process.returncode}; see {log}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            connection.close()
            return process, port
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise RuntimeError("Daphne did not answer /healthz within 60 s")


def stop(process: subprocess.Popen | None) -> None:
    """Stop the one process this script started, by its pid."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


# --- a small synchronous client for setup -----------------------------------------------------
class Site:
    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        connection.close()
        return response.status, response.headers, data

    def sign_in(self, username: str, password: str) -> str:
        status, _, body = self.request("GET", "/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if status != 200 or token is None:
            raise RuntimeError(f"the sign-in page answered {status} without a CSRF token")
        form = urlencode(
            {"csrfmiddlewaretoken": token.group(1).decode(), "username": username}
            | {"password": password}
        ).encode()
        origin = f"http://{self.host}:{self.port}"
        status, _, body = self.request(
            "POST",
            "/accounts/login/",
            body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"{origin}/accounts/login/",
                "Origin": origin,
            },
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"signing in as {username} answered {status}: {body[:200]!r}")
        return self.cookies["sessionid"]


def discover(site: Site, session: str) -> dict[str, str]:
    """The pages to measure, found the way a visitor finds them."""
    status, _, body = site.request("GET", "/api/search/?q=attachment")
    results = json.loads(body)["results"] if status == 200 else []
    resources = [r["url"] for r in results if "resource" in r["url"]] or [r["url"] for r in results]
    if not resources:
        raise RuntimeError("the search for 'attachment' found no page to measure")
    member = Site(site.host, site.port)
    member.cookies = {"sessionid": session}
    status, _, body = member.request("GET", "/api/rooms/")
    rooms = json.loads(body) if status == 200 else []
    if not rooms:
        raise RuntimeError(f"{USERNAME} may join no room (GET /api/rooms/ answered {status})")
    return {
        "home": "/",
        "resource page": resources[0],
        "search page": "/search/?q=attachment",
        "cohort room page": rooms[0]["url"],
        "session list": "/events/",
    }


# --- the load -------------------------------------------------------------------------------------
async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("the server closed the connection")
    status = int(status_line.split(b" ", 2)[1])
    length, chunked, close = None, False, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
        elif name == b"connection" and b"close" in value.lower():
            close = True
    if chunked:
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length is not None:
        await reader.readexactly(length)
    else:
        await reader.read()
        close = True
    return status, close


async def _connection(port: int, request: bytes, warm_until: float, stop_at: float, out: dict):
    reader = writer = None
    try:
        while True:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            started = time.perf_counter()
            if started >= stop_at:
                return
            writer.write(request)
            status, close = await _read_response(reader)
            finished = time.perf_counter()
            if started >= warm_until and finished <= stop_at:
                out["latencies"].append(finished - started)
                if status != 200:
                    out["errors"][status] = out["errors"].get(status, 0) + 1
            if close:
                writer.close()
                writer = None
    except (ConnectionError, asyncio.IncompleteReadError) as error:
        out["failures"].append(f"{type(error).__name__}: {error}")
    finally:
        if writer is not None:
            writer.close()


def measure(
    port: int, path: str, session: str | None, *, concurrency: int, duration: float, warmup: float
) -> dict:
    headers = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Accept: text/html"]
    if session:
        headers.append(f"Cookie: sessionid={session}")
    request = ("\r\n".join(headers) + "\r\n\r\n").encode()
    out: dict = {"latencies": [], "errors": {}, "failures": []}

    async def run() -> None:
        begin = time.perf_counter()
        warm_until, stop_at = begin + warmup, begin + warmup + duration
        await asyncio.gather(
            *(_connection(port, request, warm_until, stop_at, out) for _ in range(concurrency))
        )

    asyncio.run(run())
    return out


def percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def cpu_seconds(process: psutil.Process | None) -> float:
    if process is None:
        return float("nan")
    times = process.cpu_times()
    return times.user + times.system


def machine_busy_seconds() -> float:
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


# --- the run --------------------------------------------------------------------------------------
def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="measure this server (http://127.0.0.1:PORT, BENCH_FLOOR=1)")
    parser.add_argument("--concurrency", type=int, default=10, help="connections (default 10)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per page")
    parser.add_argument("--warmup", type=float, default=2.0, help="uncounted seconds per page")
    parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD", "imh-demo-pass"))
    parser.add_argument("--max-seconds", type=float, default=900.0, help="total time cap")
    parser.add_argument("--no-doc", action="store_true", help="do not append to docs/benchmarks.md")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()
    if not 1 <= args.concurrency <= MAX_CONCURRENCY:
        parser.error(f"--concurrency must be between 1 and {MAX_CONCURRENCY}")
    if not 0.5 <= args.duration <= MAX_DURATION or not 0 <= args.warmup <= MAX_DURATION:
        parser.error(f"--duration and --warmup must be between 0.5 and {MAX_DURATION:.0f} s")
    if args.url:
        parts = urlsplit(args.url)
        if parts.scheme != "http" or parts.hostname not in {"127.0.0.1", "localhost"}:
            parser.error("--url must be http://127.0.0.1:PORT (loopback only)")
    return args


def main() -> int:
    args = parse_args()
    started_at = time.monotonic()
    deadline = started_at + args.max_seconds
    scratch = Path(tempfile.mkdtemp(prefix="imh-pages-bench-"))
    log = scratch / "server.log"
    process = None
    load_before = os.getloadavg()
    try:
        if args.url:
            port = urlsplit(args.url).port or 80
            server = None
            server_label = f"the server at {args.url}"
        else:
            env = {k: v for k, v in os.environ.items() if k not in {"TESTING", "DATABASE_URL"}} | {
                "DEBUG": "0",
                "SECRET_KEY": secrets.token_urlsafe(64),
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "SECURE_SSL_REDIRECT": "0",
                "SECURE_COOKIES": "0",
                "BENCH_FLOOR": "1",
                "VAR_DIR": str(scratch / "var"),
                "REDIS_URL": "",
                "LOG_LEVEL": "WARNING",
            }
            print(f"scratch site in {scratch}: migrate, collectstatic, demo ...", flush=True)
            manage("migrate", "--noinput", env=env, log=log, timeout=600)
            manage("collectstatic", "--noinput", "-v0", env=env, log=log, timeout=300)
            manage("demo", env=env, log=log, timeout=600)
            process, port = start_daphne(env, log)
            server = psutil.Process(process.pid)
            server_label = (
                "Daphne as deploy/ starts it, one process, DEBUG=0, embedded default "
                "(SQLite, in-memory layer), plain HTTP on 127.0.0.1, no proxy"
            )

        site = Site("127.0.0.1", port)
        status, _, body = site.request("GET", "/bench/floor")
        if status != 200 or body != b"floor\n":
            raise RuntimeError(f"/bench/floor answered {status}: the server needs BENCH_FLOOR=1")
        session = site.sign_in(USERNAME, args.password)
        pages = discover(Site("127.0.0.1", port), session)

        # Each (label, path, session or None); a page that redirects a visitor is signed-in only.
        targets = [("floor", "/bench/floor", None)]
        for name, path in pages.items():
            status, _, _ = Site("127.0.0.1", port).request("GET", path)
            if status == 200:
                targets.append((name, path, None))
            member = Site("127.0.0.1", port)
            member.cookies = {"sessionid": session}
            status, _, _ = member.request("GET", path)
            if status != 200:
                raise RuntimeError(f"{path} answered {status} to {USERNAME}")
            targets.append((name, path, session))
        targets.append(("floor", "/bench/floor", None))

        rows = []
        for label, path, cookie in targets:
            if time.monotonic() + args.warmup + args.duration > deadline:
                raise RuntimeError(f"--max-seconds {args.max_seconds:.0f} reached; stopped early")
            cpu_before, busy_before = cpu_seconds(server), machine_busy_seconds()
            client_before = cpu_seconds(CLIENT)
            wall = time.monotonic()
            out = measure(
                port,
                path,
                cookie,
                concurrency=args.concurrency,
                duration=args.duration,
                warmup=args.warmup,
            )
            wall = time.monotonic() - wall
            server_cpu = cpu_seconds(server) - cpu_before
            client_cpu = cpu_seconds(CLIENT) - client_before
            busy = machine_busy_seconds() - busy_before
            ordered = sorted(out["latencies"])
            count = len(ordered)
            row = {
                "page": label,
                "who": "signed in" if cookie else "anonymous",
                "path": path,
                "requests": count,
                "rps": count / args.duration,
                "p50": percentile(ordered, 0.50) * 1000,
                "p99": percentile(ordered, 0.99) * 1000,
                "errors": sum(out["errors"].values()),
                "error_codes": out["errors"],
                "failures": out["failures"][:3],
                # Server CPU over warm-up and window, per request served in the window: an
                # estimate that does not depend on how fast the client can ask.
                "server_cpu_pct": 100 * server_cpu / wall if server else float("nan"),
                "cpu_ms": 1000 * server_cpu / count * (args.duration / wall) if count else 0,
                "machine_pct": 100 * busy / wall,
                "client_pct": 100 * client_cpu / wall,
                # Everything else the machine ran meanwhile (other people's work, the OS).
                "other_pct": 100 * (busy - client_cpu - (server_cpu if server else 0)) / wall,
            }
            rows.append(row)
            print(
                f"  {label:<17} {row['who']:<10} {row['rps']:8.0f} req/s  p50 {row['p50']:6.1f} ms"
                f"  p99 {row['p99']:6.1f} ms  errors {row['errors']}",
                flush=True,
            )
    finally:
        stop(process)

    floors = [row["rps"] for row in rows if row["page"] == "floor"]
    floor_rps = sum(floors) / len(floors)
    # On a busy machine req/s mostly measures what other work left to this server; the server's
    # CPU per request does not, so each row also gets the floor's CPU per request over its own:
    # the share of the floor's rate it would reach with the same CPU.
    floor_cpus = [row["cpu_ms"] for row in rows if row["page"] == "floor"]
    floor_cpu_ms = sum(floor_cpus) / len(floor_cpus)
    for row in rows:
        row["ratio"] = row["rps"] / floor_rps if floor_rps else 0.0
        row["cpu_ratio"] = floor_cpu_ms / row["cpu_ms"] if row["cpu_ms"] else float("nan")
    pages_rows = [row for row in rows if row["page"] != "floor"]
    worst = min(pages_rows, key=lambda row: row["ratio"])
    met = worst["ratio"] >= TARGET_RATIO and not any(row["errors"] for row in rows)

    table = render_table(rows)
    print()
    print(table)
    verdict = (
        f"Floor: {floors[0]:,.0f} req/s first, {floors[-1]:,.0f} req/s last (mean "
        f"{floor_rps:,.0f}). Lowest page: {worst['page']} ({worst['who']}) at "
        f"{100 * worst['ratio']:.0f} % of the floor. Target (every page >= "
        f"{100 * TARGET_RATIO:.0f} % of the floor, no error): {'met' if met else 'NOT met'}."
    )
    if process is not None:
        costly = max(pages_rows, key=lambda row: row["cpu_ms"])
        met_cpu = all(row["cpu_ratio"] >= TARGET_RATIO for row in pages_rows)
        verdict += (
            f" By server CPU per request: floor {floor_cpu_ms:.2f} ms; costliest page "
            f"{costly['page']} ({costly['who']}) {costly['cpu_ms']:.2f} ms, i.e. "
            f"{100 * costly['cpu_ratio']:.0f} % of the floor's rate at equal CPU; target at "
            f"equal CPU (every page's CPU per request <= {1 / TARGET_RATIO:.0f}x the floor's): "
            f"{'met' if met_cpu else 'NOT met'}."
        )
    print(verdict)
    load_after = os.getloadavg()

    if not args.no_doc:
        command = ".venv/bin/python bench/pages.py" + "".join(
            f" {shlex.quote(arg)}" for arg in sys.argv[1:]
        )
        append_doc(
            render_doc(
                rows=rows,
                table=table,
                verdict=verdict,
                command=command,
                args=args,
                server_label=server_label,
                load=(load_before, load_after),
                seconds=time.monotonic() - started_at,
            )
        )
        print(f"appended a section to {DOC.relative_to(ROOT)}")
    if args.keep or (process is not None and "Traceback" in log.read_text(errors="replace")):
        print(f"kept {scratch}")
    else:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def render_table(rows: list[dict]) -> str:
    lines = [
        "| page | who | req/s | ratio to floor | p50 ms | p99 ms | errors "
        "| server CPU % | server CPU ms/request | ratio at equal CPU | client CPU % "
        "| other CPU % |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        errors = str(row["errors"])
        if row["error_codes"]:
            errors += " (" + ", ".join(f"{k}: {v}" for k, v in row["error_codes"].items()) + ")"
        if row["failures"]:
            errors += f" + {len(row['failures'])} dropped connections"
        lines.append(
            f"| {row['page']} | {row['who']} | {row['rps']:,.0f} | {100 * row['ratio']:.0f} % "
            f"| {row['p50']:.1f} | {row['p99']:.1f} | {errors} | {row['server_cpu_pct']:.0f} "
            f"| {row['cpu_ms']:.2f} | {100 * row['cpu_ratio']:.0f} % | {row['client_pct']:.0f} "
            f"| {row['other_pct']:.0f} |"
        )
    return "\n".join(lines)


def _commit() -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.strip()
        return head + (" with uncommitted changes in the work tree" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def render_doc(*, rows, table, verdict, command, args, server_label, load, seconds) -> str:
    now = dt.datetime.now(dt.UTC)
    other = sum(row["other_pct"] for row in rows) / len(rows)
    paths = ", ".join(
        f"{row['page']} `{row['path']}`"
        for row in rows
        if row["who"] == "anonymous" or row["page"] == "cohort room page"
        if row["page"] != "floor"
    )
    return "\n".join(
        [
            "",
            f"### Pages, {now:%Y-%m-%d %H:%M} UTC: {args.concurrency} connections, "
            f"{args.duration:g} s per page",
            "",
            f"Command: `{command}`",
            "",
            f"- Machine: {os.cpu_count()} cores (os.cpu_count()), {platform.platform()}, "
            f"Python {platform.python_version()}. The client (this process, one thread) and the "
            "server share these cores.",
            f"- Load average (1/5/15 min) before: {' / '.join(f'{x:.2f}' for x in load[0])}; "
            f"after: {' / '.join(f'{x:.2f}' for x in load[1])}. Run took {seconds:.0f} s. "
            "*Other CPU %*: what the machine ran beside this server and client during each row "
            f"(other people's work, the OS), in % of one core ({100 * (os.cpu_count() or 1)} = "
            f"all cores); averaged {other:.0f} % over the run"
            + (
                ": **the machine was busy**, so req/s figures are low and ratios uncertain; "
                "compare server CPU ms per request, and re-run on a quiet machine."
                if other >= 25
                else "."
            ),
            f"- Server: {server_label}. Code: {_commit()}.",
            f"- Pages: {paths}; signed in as `{USERNAME}` (a member of the demo cohort). Each row: "
            f"{args.concurrency} keep-alive connections sending GET after GET, {args.warmup:g} s "
            f"uncounted, then {args.duration:g} s counted; ratio = req/s ÷ the mean of the two "
            "floor rows; ratio at equal CPU = the floor rows' mean server CPU per request ÷ "
            "the row's (what the ratio would be if CPU were the only limit: steadier than "
            "req/s when other work shares the machine).",
            "",
            table,
            "",
            verdict,
            "",
        ]
    )


DOC_HEADER = "# Benchmarks\n"


def append_doc(text: str) -> None:
    if not DOC.exists():
        DOC.write_text(DOC_HEADER)
    with DOC.open("a") as doc:
        doc.write(text)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, subprocess.SubprocessError, OSError) as error:
        print(f"pages: FAILED: {error}", file=sys.stderr)
        sys.exit(1)
