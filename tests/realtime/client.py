"""A room client for tests against a real Daphne: sign-in through the real form, then the room
protocol (docs/realtime.md) over the `websockets` library, with a bounded wait on every read."""

from __future__ import annotations

import asyncio
import http.cookiejar
import json
import re
import time
import urllib.request
import uuid
from urllib.parse import urlencode

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.browser.support import DEMO_PASSWORD

FRAME_TIMEOUT = 5  # seconds for an expected frame to arrive
HTTP_TIMEOUT = 15
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def sign_in(base_url: str, username: str, password: str = DEMO_PASSWORD) -> str:
    """Sign in through /accounts/login/ as a browser does; the `Cookie` header of the session.

    urllib with a cookie jar: GET the form (csrftoken cookie and hidden field), POST it back
    with a Referer. No proxy: the server is on loopback whatever the environment says."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(jar)
    )
    login_url = f"{base_url}/accounts/login/"
    with opener.open(login_url, timeout=HTTP_TIMEOUT) as response:
        match = CSRF_INPUT.search(response.read().decode())
    assert match, "the sign-in form has no csrfmiddlewaretoken field"
    form = urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": match.group(1)}
    ).encode()
    # The URL is the test server's own http:// address.
    request = urllib.request.Request(login_url, data=form, headers={"Referer": login_url})  # noqa: S310
    with opener.open(request, timeout=HTTP_TIMEOUT) as response:
        landed = response.geturl()
    cookies = {cookie.name: cookie.value for cookie in jar}
    assert "sessionid" in cookies, f"signing in as {username!r} failed (landed on {landed})"
    return f"sessionid={cookies['sessionid']}"


class RoomClient:
    """One WebSocket to a room. Frames not asked for are kept in `seen` (in arrival order)."""

    def __init__(self, ws: ClientConnection):
        self.ws = ws
        self.seen: list[dict] = []

    @classmethod
    async def open(cls, base_url: str, room_id: int, cookie: str | None = None) -> RoomClient:
        headers = {"Cookie": cookie} if cookie else {}
        ws = await connect(
            f"{base_url.replace('http://', 'ws://')}/ws/rooms/{room_id}/",
            origin=base_url,
            additional_headers=headers,
            proxy=None,
            open_timeout=10,
            close_timeout=3,
            ping_interval=None,
        )
        return cls(ws)

    @classmethod
    async def join(cls, base_url: str, room_id: int, cookie: str) -> tuple[RoomClient, dict]:
        """Open the room and wait for its `ready` frame."""
        client = await cls.open(base_url, room_id, cookie)
        return client, await client.next("ready")

    async def next(self, kind: str | None = None, timeout: float = FRAME_TIMEOUT, **match) -> dict:
        """The next frame of `kind` (whose fields equal `match`); others go to `seen`."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {kind or 'frame'} {match or ''} within {timeout}s")
            try:
                text = await asyncio.wait_for(self.ws.recv(), left)
            except TimeoutError:
                continue
            frame = json.loads(text)
            if (kind is None or frame["type"] == kind) and all(
                frame.get(name) == value for name, value in match.items()
            ):
                return frame
            self.seen.append(frame)

    async def message_new(self, timeout: float = FRAME_TIMEOUT, **fields) -> dict:
        """The next `message.new` whose message has these fields (e.g. client_id=...)."""
        deadline = time.monotonic() + timeout
        while True:
            frame = await self.next("message.new", max(0.01, deadline - time.monotonic()))
            if all(frame["message"].get(name) == value for name, value in fields.items()):
                return frame["message"]

    async def send(self, **frame) -> None:
        await self.ws.send(json.dumps(frame))

    async def post(self, body: str, client_id: str | None = None) -> dict:
        """Send a message and wait for its acknowledgement (the `message.new` of its client_id)."""
        client_id = client_id or str(uuid.uuid4())
        await self.send(type="message.send", client_id=client_id, body=body, reply_to=None)
        return await self.message_new(client_id=client_id)

    async def sync(self, after: int) -> list[dict]:
        """Every message after `after`, oldest first (asks again while `more`)."""
        messages: list[dict] = []
        while True:
            await self.send(type="sync", after=after)
            batch = await self.next("sync.batch", request="sync")
            messages += batch["messages"]
            if not batch["more"] or not batch["messages"]:
                return messages
            after = batch["messages"][-1]["id"]

    async def close_code(self, timeout: float = FRAME_TIMEOUT) -> int | None:
        """Wait for the server to close the socket; the code it closed with."""
        try:
            await self.next(timeout=timeout)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
        raise AssertionError("the server sent a frame instead of closing")

    async def close(self) -> None:
        await self.ws.close()
