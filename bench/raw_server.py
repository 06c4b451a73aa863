"""The floor for bench/rooms.py: a minimal pure-`websockets` room broadcast server.

It speaks just enough of the room protocol (docs/realtime.md) for the load generator: a `ready`
frame on connect, and for each `message.send` an id that increases per room and a `message.new`
JSON frame to every connection of the room, the sender's included. No authentication, no
storage, no rate limit: what Python itself costs on this machine. Loopback only.

`python bench/raw_server.py --port 8765` (bench/rooms.py starts and stops it).
"""

import argparse
import asyncio
import itertools
import json
import resource
import signal

from websockets.asyncio.server import broadcast, serve

rooms: dict[int, set] = {}
last_id: dict[int, int] = {}
next_author = itertools.count(1)


def dumps(frame: dict) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def error(code: str, detail: str, client_id=None) -> str:
    return dumps({"type": "error", "code": code, "detail": detail, "client_id": client_id})


async def handler(websocket) -> None:
    parts = websocket.request.path.strip("/").split("/")
    if len(parts) != 3 or parts[:2] != ["ws", "rooms"] or not parts[2].isdigit():
        await websocket.close(4403)
        return
    room_id = int(parts[2])
    author = {"id": next(next_author), "name": "Raw Person"}
    members = rooms.setdefault(room_id, set())
    members.add(websocket)
    try:
        await websocket.send(
            dumps(
                {
                    "type": "ready",
                    "room": {"id": room_id},
                    "me": author,
                    "latest": last_id.get(room_id, 0),
                }
            )
        )
        async for text in websocket:
            try:
                frame = json.loads(text)
            except ValueError:
                await websocket.send(error("invalid", "The frame is not valid JSON."))
                continue
            if not isinstance(frame, dict) or frame.get("type") != "message.send":
                await websocket.send(error("invalid", "Only message.send is served here."))
                continue
            client_id, body = frame.get("client_id"), frame.get("body")
            if not isinstance(client_id, str) or not isinstance(body, str):
                await websocket.send(error("invalid", "client_id and body must be text."))
                continue
            prev = last_id.get(room_id)
            message_id = last_id[room_id] = (prev or 0) + 1
            message = {
                "id": message_id,
                "room": room_id,
                "prev_id": prev,
                "author": author,
                "body": body,
                "client_id": client_id,
            }
            broadcast(members, dumps({"type": "message.new", "message": message}))
    finally:
        members.discard(websocket)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    stop = asyncio.get_running_loop().create_future()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set_result, None)
    # No compression and no keepalive pings: Daphne (autobahn) negotiates no compression either.
    async with serve(
        handler, "127.0.0.1", args.port, compression=None, ping_interval=None, max_size=2**16
    ):
        await stop


if __name__ == "__main__":
    asyncio.run(main())
