"""Smoke checks of a running site through its proxy, and of room delivery across Daphne processes.

`make scaled` runs it against the loopback topology it starts (deploy/scaled.sh); an operator can
run it against a deployment after an upgrade (docs/deployment.md):

    .venv/bin/python deploy/smoke.py --base https://imh.example.org \
        --username member1 --password ... --second-username member2 --second-password ...

Checks: the home page and /healthz answer 200; plain HTTP redirects to HTTPS; a search finds
results; a hashed static file comes from nginx with a cache lifetime of a year; /media/ never
serves documents; two members sign in through the sign-in form; a room message posted through
one Daphne (`--daphne` URLs, first) reaches a member connected to another Daphne and a member
connected through the proxy. Exits non-zero on the first failed check. Every wait is bounded.
Needs the `websockets` package (requirements-test.txt).
"""

import argparse
import asyncio
import http.client
import json
import re
import ssl
import sys
import time
import uuid
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urljoin, urlsplit

from websockets.asyncio.client import connect

TIMEOUT = 20.0
YEAR = 31_536_000


class CheckFailed(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


class Client:
    """A minimal browser: one origin, its cookies, keep-alive, no proxy from the environment."""

    def __init__(self, origin: str, context: ssl.SSLContext | None):
        parts = urlsplit(origin)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.scheme, self.netloc = parts.scheme, parts.netloc
        self.context = context
        self.cookies: dict[str, str] = {}
        self._connection: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            if self.scheme == "https":
                self._connection = http.client.HTTPSConnection(
                    self.netloc, timeout=TIMEOUT, context=self.context
                )
            else:
                self._connection = http.client.HTTPConnection(self.netloc, timeout=TIMEOUT)
        return self._connection

    def request(
        self, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        sent = {"Accept-Encoding": "identity", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in range(2):
            connection = self._connect()
            try:
                connection.request(method, path, body=body, headers=sent)
                response = connection.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A keep-alive connection the server closed between requests: open a new one.
                connection.close()
                self._connection = None
                if attempt:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        return response.status, response.headers, data

    def get(self, path: str, **kwargs):
        return self.request("GET", path, **kwargs)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()


def sign_in(client: Client, username: str, password: str) -> str:
    status, _, body = client.get("/accounts/login/")
    check(status == 200, f"GET /accounts/login/ answered {status}")
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    check(match is not None, "the sign-in form has no CSRF token")
    form = urlencode(
        {
            "csrfmiddlewaretoken": match.group(1).decode(),
            "username": username,
            "password": password,
        }
    ).encode()
    status, headers, body = client.request(
        "POST",
        "/accounts/login/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"{client.origin}/accounts/login/",
            "Origin": client.origin,
        },
    )
    check(
        status == 302,
        f"signing in as {username} answered {status}, not a redirect: {body[:300]!r}",
    )
    session = client.cookies.get("sessionid")
    check(bool(session), f"signing in as {username} set no session cookie")
    return session


async def _receive_until(ws, predicate, what: str, timeout: float = TIMEOUT) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        check(left > 0, f"no {what} within {timeout:.0f} s")
        try:
            text = await asyncio.wait_for(ws.recv(), timeout=left)
        except TimeoutError:
            raise CheckFailed(f"no {what} within {timeout:.0f} s") from None
        frame = json.loads(text)
        if predicate(frame):
            return frame


async def room_round_trip(
    *, sender: tuple[str, str, str], receivers: list[tuple[str, str, str]], room_path: str, context
) -> list[str]:
    """Each endpoint is (label, origin, session); the sender posts, everyone must see it."""

    def ws_url(origin: str) -> str:
        parts = urlsplit(origin)
        scheme = "wss" if parts.scheme == "https" else "ws"
        return f"{scheme}://{parts.netloc}{room_path}"

    async def open_socket(origin: str, session: str):
        return await connect(
            ws_url(origin),
            origin=origin,
            additional_headers={"Cookie": f"sessionid={session}"},
            ssl=context if origin.startswith("https") else None,
            open_timeout=TIMEOUT,
            proxy=None,
        )

    endpoints = [sender, *receivers]
    sockets = [await open_socket(origin, session) for _, origin, session in endpoints]
    try:
        for (label, _, _), ws in zip(endpoints, sockets, strict=True):
            await _receive_until(ws, lambda f: f.get("type") == "ready", f"ready frame ({label})")
        client_id = str(uuid.uuid4())
        body = f"Smoke check {client_id[:8]}: posted through {sender[0]}."
        await sockets[0].send(
            json.dumps({"type": "message.send", "client_id": client_id, "body": body})
        )
        lines = []
        for (label, _, _), ws in zip(endpoints, sockets, strict=True):
            frame = await _receive_until(
                ws,
                lambda f: (
                    f.get("type") == "error"
                    or (
                        f.get("type") == "message.new"
                        and f.get("message", {}).get("client_id") == client_id
                    )
                ),
                f"message.new for the posted message ({label})",
            )
            check(frame["type"] == "message.new", f"{label} got an error frame: {frame}")
            lines.append(f"{label} received message {frame['message']['id']}")
        return lines
    finally:
        for ws in sockets:
            await ws.close()


def run(args: argparse.Namespace) -> list[str]:
    context = ssl.create_default_context(cafile=args.cafile) if args.cafile else None
    passed: list[str] = []

    def ok(line: str) -> None:
        passed.append(line)
        print(f"  ok  {line}", flush=True)

    site = Client(args.base, context)

    status, _, body = site.get("/")
    check(status == 200, f"GET / answered {status}")
    ok(f"GET / 200 ({len(body)} bytes)")

    status, _, body = site.get("/healthz")
    check(status == 200, f"GET /healthz answered {status}: {body[:300]!r}")
    health = json.loads(body)
    components = health["components"]
    ok(
        "GET /healthz 200: database {}, channel layer {}, search {}".format(
            components["database"].get("vendor"),
            components["channel_layer"].get("backend"),
            components["search"].get("backend", components["search"]),
        )
    )
    if args.expect_database:
        check(
            components["database"].get("vendor") == args.expect_database,
            f"the database is {components['database'].get('vendor')}, not {args.expect_database}",
        )
    if args.expect_layer:
        check(
            components["channel_layer"].get("backend") == args.expect_layer,
            f"the channel layer is {components['channel_layer'].get('backend')}",
        )

    if args.http:
        plain = Client(args.http, None)
        status, headers, _ = plain.get("/healthz")
        location = headers.get("Location", "")
        check(
            status == 301 and location.startswith(site.origin),
            f"plain HTTP answered {status} {location!r}, not a redirect to {site.origin}",
        )
        plain.close()
        ok(f"plain HTTP redirects to {location}")

    status, _, body = site.get("/api/search/?q=attachment")
    check(status == 200, f"GET /api/search/?q=attachment answered {status}")
    found = json.loads(body)
    check(found["total"] > 0 and found["results"], "searching for 'attachment' found nothing")
    ok(
        f"search 'attachment': {found['total']} results ({found['backend']} backend), "
        f"first {found['results'][0]['url']}"
    )

    status, _, home = site.get("/")
    static = re.search(rb'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', home)
    check(static is not None, "the home page links no hashed stylesheet")
    static_path = static.group(1).decode()
    status, headers, body = site.get(static_path)
    cache = headers.get("Cache-Control", "")
    max_age = re.search(r"max-age=(\d+)", cache)
    check(status == 200 and body, f"GET {static_path} answered {status}")
    check(
        max_age is not None and int(max_age.group(1)) >= YEAR and "immutable" in cache,
        f"{static_path} has Cache-Control {cache!r}, not a year and immutable",
    )
    # Django's SecurityMiddleware sets Referrer-Policy on everything Django (WhiteNoise) serves.
    check("Referrer-Policy" not in headers, f"{static_path} came from Django, not from nginx")
    ok(f"static {static_path}: 200 from nginx, Cache-Control: {cache}")

    status, _, _ = site.get("/media/documents/anything.pdf")
    check(status == 404, f"/media/documents/ answered {status}: documents must go through Django")
    ok("/media/documents/ is not served (404): documents go through Django")

    if not (args.username and args.second_username):
        return passed
    first = Client(args.base, context)
    second = Client(args.base, context)
    first_session = sign_in(first, args.username, args.password)
    second_session = sign_in(second, args.second_username, args.second_password)
    ok(f"signed in as {args.username} and {args.second_username} through the form")

    status, _, body = first.get("/api/rooms/")
    check(status == 200, f"GET /api/rooms/ answered {status}")
    rooms = json.loads(body)
    check(bool(rooms), f"{args.username} may join no room")
    room = next((r for r in rooms if r["name"] == args.room), rooms[0])
    status, _, _ = first.get(room["url"])
    check(status == 200, f"GET {room['url']} answered {status}")
    ok(f"room page {room['url']} 200 for {args.username}")

    daphnes = args.daphne or []
    sender_origin = daphnes[0] if daphnes else site.origin
    receivers = [(f"{args.second_username} via the proxy", site.origin, second_session)]
    for number, origin in enumerate(daphnes[1:], start=2):
        receivers.insert(0, (f"{args.second_username} on Daphne {number}", origin, second_session))
    sender_label = f"{args.username} on Daphne 1" if daphnes else f"{args.username} via the proxy"
    if daphnes:
        for number, origin in enumerate(daphnes, start=1):
            direct = Client(origin, None)
            status, _, _ = direct.get("/healthz")
            check(status == 200, f"Daphne {number} ({origin}) /healthz answered {status}")
            direct.close()
    lines = asyncio.run(
        room_round_trip(
            sender=(sender_label, sender_origin, first_session),
            receivers=receivers,
            room_path=room["ws_path"],
            context=context,
        )
    )
    ok(f"room '{room['name']}': posted by {sender_label}; " + "; ".join(lines))
    for client in (site, first, second):
        client.close()
    return passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the site through its proxy (https://...)")
    parser.add_argument("--http", help="the plain-HTTP address, checked to redirect to --base")
    parser.add_argument("--cafile", help="CA or self-signed certificate to trust for --base")
    parser.add_argument(
        "--daphne",
        action="append",
        help="a Daphne process's own address (repeat); the first posts, the others receive",
    )
    parser.add_argument("--username")
    parser.add_argument("--password")
    parser.add_argument("--second-username")
    parser.add_argument("--second-password")
    parser.add_argument("--room", default="Cohort A discussion")
    parser.add_argument("--expect-database", help="e.g. postgresql")
    parser.add_argument("--expect-layer", help="e.g. RedisPubSubChannelLayer")
    args = parser.parse_args()
    if args.second_username and not args.second_password:
        args.second_password = args.password
    if args.base and urljoin(args.base, "/") != args.base.rstrip("/") + "/":
        parser.error("--base is an origin, without a path")
    try:
        passed = run(args)
    except (CheckFailed, OSError, ValueError, KeyError) as error:
        print(f"smoke: FAILED: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(f"smoke: all {len(passed)} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
