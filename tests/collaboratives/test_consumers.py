"""The room WebSocket through the real ASGI stack (origin check, session auth, routing)."""

import asyncio
import json
import uuid

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone

from collaboratives.models import Membership, Role, RoomMessage, RoomMute
from config.asgi import application
from tests.factories import MembershipFactory, RoomFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ORIGIN = (b"origin", b"http://localhost")
# Parametrized test ids must be the same in every xdist worker.
FIXED_ID = "5b0c1f0e-3d7a-4c55-9a35-0b4bb3f0d1a2"


@database_sync_to_async
def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def connect(room_id: int, user=None, *, origin=ORIGIN) -> WebsocketCommunicator:
    headers = [origin] if origin else []
    if user is not None:
        headers.append((b"cookie", await session_cookie(user)))
    communicator = WebsocketCommunicator(application, f"/ws/rooms/{room_id}/", headers=headers)
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    return communicator


async def receive(communicator, kind: str | None = None, timeout: float = 3) -> dict:
    """The next frame (of `kind`, skipping presence/typing/others when given)."""
    while True:
        frame = json.loads(await communicator.receive_from(timeout=timeout))
        if kind is None or frame["type"] == kind:
            return frame


async def joined(room_id: int, user) -> WebsocketCommunicator:
    communicator = await connect(room_id, user)
    ready = await receive(communicator, "ready")
    assert ready["room"]["id"] == room_id
    return communicator


@database_sync_to_async
def make_room(members: int = 2, facilitators: int = 0):
    room = RoomFactory()
    users = [MembershipFactory(cohort=room.cohort).user for _ in range(members)]
    leads = [
        MembershipFactory(cohort=room.cohort, role=Role.FACILITATOR).user
        for _ in range(facilitators)
    ]
    return room, users, leads


async def send(communicator, **frame) -> None:
    await communicator.send_to(text_data=json.dumps(frame))


async def post(communicator, body: str, client_id: str | None = None) -> dict:
    client_id = client_id or str(uuid.uuid4())
    await send(communicator, type="message.send", client_id=client_id, body=body)
    frame = await receive(communicator, "message.new")
    assert frame["message"]["client_id"] == client_id
    return frame["message"]


async def test_room_refuses_signed_out_with_4401():
    room, _, _ = await make_room()

    communicator = await connect(room.pk)

    assert (await communicator.receive_output(timeout=3))["code"] == 4401
    await communicator.disconnect()


async def test_room_refuses_outsider_and_missing_room_alike_with_4403():
    room, _, _ = await make_room()
    outsider = await database_sync_to_async(UserFactory)()

    codes = []
    for room_id in (room.pk, room.pk + 1000):
        communicator = await connect(room_id, outsider)
        codes.append((await communicator.receive_output(timeout=3))["code"])
        await communicator.disconnect()

    assert codes == [4403, 4403]


async def test_room_refuses_a_foreign_origin():
    room, (member, _), _ = await make_room()
    headers = [(b"origin", b"http://evil.example"), (b"cookie", await session_cookie(member))]
    communicator = WebsocketCommunicator(application, f"/ws/rooms/{room.pk}/", headers=headers)

    connected, _ = await communicator.connect(timeout=5)

    assert not connected


async def test_two_members_see_each_others_messages_stored_once():
    room, (maria, marcus), _ = await make_room()
    first, second = await joined(room.pk, maria), await joined(room.pk, marcus)

    sent = await post(first, "Hello *cohort*")
    seen = await receive(second, "message.new")

    assert seen["message"]["id"] == sent["id"]
    assert seen["message"]["html"] == "<p>Hello <em>cohort</em></p>"
    assert seen["message"]["author"]["id"] == maria.pk
    assert await database_sync_to_async(RoomMessage.objects.filter(room=room).count)() == 1
    await first.disconnect()
    await second.disconnect()


async def test_resending_a_client_id_creates_nothing_and_acks_the_sender_only():
    room, (maria, marcus), _ = await make_room()
    first, second = await joined(room.pk, maria), await joined(room.pk, marcus)
    client_id = str(uuid.uuid4())
    original = await post(first, "once", client_id)
    await receive(second, "message.new")

    again = await post(first, "a different body", client_id)

    assert again["id"] == original["id"] and again["body"] == "once"
    assert await second.receive_nothing(timeout=0.3)
    assert await database_sync_to_async(RoomMessage.objects.count)() == 1
    await first.disconnect()
    await second.disconnect()


async def test_sync_returns_exactly_the_missed_messages_in_order():
    room, (maria, marcus), _ = await make_room()
    first = await joined(room.pk, maria)
    ids = [(await post(first, f"message {n}"))["id"] for n in range(5)]

    late = await joined(room.pk, marcus)
    await send(late, type="sync", after=ids[1])
    batch = await receive(late, "sync.batch")

    assert [m["id"] for m in batch["messages"]] == ids[2:]
    assert batch["more"] is False
    assert [m["prev_id"] for m in batch["messages"]] == ids[1:4]
    await first.disconnect()
    await late.disconnect()


async def test_history_pages_backwards_without_overlap():
    room, (maria,), _ = await make_room(members=1)
    first = await joined(room.pk, maria)
    ids = [(await post(first, f"m{n}"))["id"] for n in range(7)]

    await send(first, type="history", before=None, limit=3)
    newest = await receive(first, "sync.batch")
    await send(first, type="history", before=newest["messages"][0]["id"], limit=3)
    older = await receive(first, "sync.batch")

    assert [m["id"] for m in newest["messages"]] == ids[4:]
    assert [m["id"] for m in older["messages"]] == ids[1:4]
    assert older["more"] is True
    await first.disconnect()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not json", "invalid"),
        ("[]", "invalid"),
        ("null", "invalid"),
        ('"message.send"', "invalid"),
        ('{"type": 5}', "invalid"),
        ('{"type": "shout"}', "invalid"),
        ('{"type": "message.send", "client_id": "x", "body": "hi"}', "invalid"),
        (json.dumps({"type": "message.send", "client_id": FIXED_ID}), "invalid"),
        (json.dumps({"type": "message.send", "client_id": FIXED_ID, "body": 5}), "invalid"),
        (json.dumps({"type": "message.send", "client_id": FIXED_ID, "body": "  "}), "invalid"),
        ('{"type": "sync", "after": "10"}', "invalid"),
        ('{"type": "sync", "after": -1}', "invalid"),
        ('{"type": "sync", "after": 1e999}', "invalid"),
        ('{"type": "history", "before": true, "limit": 5}', "invalid"),
        ('{"type": "read", "up_to": null}', "invalid"),
        ("[" * 10000 + "]" * 10000, "invalid"),
        ('{"type": "message.edit", "id": 999999, "body": "x"}', "not_found"),
        ('{"type": "reaction.toggle", "id": 1, "emoji": "<b>"}', "invalid"),
    ],
)
async def test_bad_frames_get_an_error_store_nothing_and_keep_the_socket(raw, code):
    room, (maria,), _ = await make_room(members=1)
    socket = await joined(room.pk, maria)

    await socket.send_to(text_data=raw)
    error = await receive(socket, "error")

    assert error["code"] == code
    assert error["detail"]
    assert await database_sync_to_async(RoomMessage.objects.count)() == 0
    await post(socket, "still connected")
    await socket.disconnect()


async def test_a_body_over_the_limit_is_too_long(settings):
    settings.ROOM_MESSAGE_MAX_LENGTH = 20
    room, (maria,), _ = await make_room(members=1)
    socket = await joined(room.pk, maria)
    client_id = str(uuid.uuid4())

    await send(socket, type="message.send", client_id=client_id, body="x" * 21)
    error = await receive(socket, "error")

    assert (error["code"], error["client_id"]) == ("too_long", client_id)
    assert await database_sync_to_async(RoomMessage.objects.count)() == 0
    await socket.disconnect()


async def test_posting_too_fast_is_rate_limited(settings):
    settings.ROOM_RATE_LIMIT_COUNT = 3
    settings.ROOM_RATE_LIMIT_SECONDS = 60
    room, (maria,), _ = await make_room(members=1)
    socket = await joined(room.pk, maria)
    for n in range(3):
        await post(socket, f"quick {n}")

    await send(socket, type="message.send", client_id=str(uuid.uuid4()), body="one more")
    error = await receive(socket, "error")

    assert error["code"] == "rate_limited"
    assert await database_sync_to_async(RoomMessage.objects.count)() == 3
    await socket.disconnect()


async def test_an_overloaded_server_sheds_posts_with_rate_limited_and_stores_nothing(settings):
    settings.ROOM_POSTS_IN_FLIGHT_MAX = 0  # as if that many posts were being stored already
    room, (maria,), _ = await make_room(members=1)
    socket = await joined(room.pk, maria)
    client_id = str(uuid.uuid4())

    await send(socket, type="message.send", client_id=client_id, body="busy hour")
    error = await receive(socket, "error")

    assert (error["code"], error["client_id"]) == ("rate_limited", client_id)
    assert "Try again in 2 seconds" in error["detail"]
    assert await database_sync_to_async(RoomMessage.objects.count)() == 0

    # The socket stays open, and the client's resend of the same client_id goes through.
    settings.ROOM_POSTS_IN_FLIGHT_MAX = 50
    await send(socket, type="message.send", client_id=client_id, body="busy hour")
    stored = (await receive(socket, "message.new"))["message"]
    assert (stored["client_id"], stored["body"]) == (client_id, "busy hour")
    await socket.disconnect()


async def test_ids_of_another_room_look_missing():
    room, (maria,), _ = await make_room(members=1)
    other, (stranger,), _ = await make_room(members=1)
    foreign = await joined(other.pk, stranger)
    foreign_id = (await post(foreign, "elsewhere"))["id"]
    socket = await joined(room.pk, maria)

    for frame in (
        {"type": "message.edit", "id": foreign_id, "body": "hijack"},
        {"type": "message.delete", "id": foreign_id},
        {"type": "reaction.toggle", "id": foreign_id, "emoji": "👍"},
    ):
        await send(socket, **frame)
        assert (await receive(socket, "error"))["code"] == "not_found"

    message = await database_sync_to_async(RoomMessage.objects.get)(pk=foreign_id)
    assert message.body == "elsewhere" and message.deleted_at is None
    await socket.disconnect()
    await foreign.disconnect()


async def test_only_the_author_edits_and_everyone_sees_the_edit():
    room, (maria, marcus), _ = await make_room()
    first, second = await joined(room.pk, maria), await joined(room.pk, marcus)
    sent = await post(first, "draft")
    await receive(second, "message.new")

    await send(second, type="message.edit", id=sent["id"], body="not mine")
    refused = await receive(second, "error")
    await send(first, type="message.edit", id=sent["id"], body="final")
    updated = await receive(second, "message.updated")

    assert refused["code"] == "forbidden"
    assert updated["message"]["body"] == "final" and updated["message"]["edited"]
    revisions = await database_sync_to_async(
        lambda: list(
            RoomMessage.objects.get(pk=sent["id"]).revisions.values_list("body", flat=True)
        )
    )()
    assert revisions == ["draft"]
    await first.disconnect()
    await second.disconnect()


async def test_a_facilitator_deletes_any_message_as_a_tombstone():
    room, (maria,), (fran,) = await make_room(members=1, facilitators=1)
    member, lead = await joined(room.pk, maria), await joined(room.pk, fran)
    sent = await post(member, "something to remove")
    await receive(lead, "message.new")

    await send(lead, type="message.delete", id=sent["id"])
    deleted = await receive(member, "message.deleted")
    await send(member, type="sync", after=0)
    batch = await receive(member, "sync.batch")

    assert deleted["id"] == sent["id"]
    assert batch["messages"][0]["deleted"] is True and batch["messages"][0]["body"] == ""
    await member.disconnect()
    await lead.disconnect()


async def test_reactions_toggle_and_reach_everyone():
    room, (maria, marcus), _ = await make_room()
    first, second = await joined(room.pk, maria), await joined(room.pk, marcus)
    sent = await post(first, "react to me")
    await receive(second, "message.new")

    await send(second, type="reaction.toggle", id=sent["id"], emoji="👍")
    added = await receive(first, "reactions")
    await send(second, type="reaction.toggle", id=sent["id"], emoji="👍")
    removed = await receive(first, "reactions")

    assert added["reactions"] == [{"emoji": "👍", "count": 1, "users": [marcus.pk]}]
    assert removed["reactions"] == []
    await first.disconnect()
    await second.disconnect()


async def test_read_marker_sets_unread_count_and_can_move_back():
    room, (maria, marcus), _ = await make_room()
    first, second = await joined(room.pk, maria), await joined(room.pk, marcus)
    ids = [(await post(first, f"n{n}"))["id"] for n in range(3)]

    await send(second, type="read", up_to=ids[2])
    all_read = await receive(second, "unread")
    await send(second, type="read", up_to=ids[0])
    marked_unread = await receive(second, "unread")

    assert (all_read["last_read"], all_read["unread"]) == (ids[2], 0)
    assert (marked_unread["last_read"], marked_unread["unread"]) == (ids[0], 2)
    await first.disconnect()
    await second.disconnect()


async def test_a_muted_member_cannot_post_but_still_reads():
    room, (maria, marcus), (fran,) = await make_room(facilitators=1)
    from collaboratives.room_services import room_member_mute

    await database_sync_to_async(room_member_mute)(room=room, user=marcus, minutes=30, by=fran)
    first, second = await joined(room.pk, maria), await joined(room.pk, marcus)

    await send(second, type="message.send", client_id=str(uuid.uuid4()), body="let me talk")
    refused = await receive(second, "error")
    await post(first, "you can still read this")
    seen = await receive(second, "message.new")

    assert refused["code"] == "forbidden" and "muted" in refused["detail"]
    assert seen["message"]["body"] == "you can still read this"
    assert await database_sync_to_async(RoomMute.objects.count)() == 1
    await first.disconnect()
    await second.disconnect()


async def test_a_removed_member_is_disconnected_with_4403():
    room, (maria, marcus), (fran,) = await make_room(facilitators=1)
    socket = await joined(room.pk, marcus)
    from collaboratives.services import membership_remove

    await database_sync_to_async(membership_remove)(cohort=room.cohort, user=marcus, by=fran)

    while True:
        output = await socket.receive_output(timeout=3)
        if output["type"] == "websocket.close":
            break
    assert output["code"] == 4403
    assert not await database_sync_to_async(
        Membership.objects.filter(user=marcus, left_at__isnull=True).exists
    )()


async def test_signing_out_closes_the_room_with_4401():
    room, (maria,), _ = await make_room(members=1)
    cookie = await session_cookie(maria)
    communicator = WebsocketCommunicator(
        application, f"/ws/rooms/{room.pk}/", headers=[ORIGIN, (b"cookie", cookie)]
    )
    await communicator.connect(timeout=5)
    await receive(communicator, "ready")

    def sign_out():
        client = Client()
        client.cookies["sessionid"] = cookie.decode().split("=", 1)[1]
        return client.post("/accounts/logout/")

    await database_sync_to_async(sign_out)()

    while True:
        output = await communicator.receive_output(timeout=3)
        if output["type"] == "websocket.close":
            break
    assert output["code"] == 4401


async def test_presence_lists_who_is_here():
    room, (maria, marcus), _ = await make_room()
    first = await joined(room.pk, maria)
    second = await joined(room.pk, marcus)

    frame = await receive(first, "presence")
    while {user["id"] for user in frame["users"]} != {maria.pk, marcus.pk}:
        frame = await receive(first, "presence")
    await second.disconnect()
    frame = await receive(first, "presence")

    assert [user["id"] for user in frame["users"]] == [maria.pk]
    await first.disconnect()


async def test_concurrent_posts_keep_ids_in_order_with_a_prev_id_chain():
    room, members, _ = await make_room(members=3)
    sockets = [await joined(room.pk, member) for member in members]

    await asyncio.gather(
        *[
            send(socket, type="message.send", client_id=str(uuid.uuid4()), body=f"{n}-{i}")
            for i in range(4)
            for n, socket in enumerate(sockets)
        ]
    )
    await asyncio.sleep(1)
    await send(sockets[0], type="sync", after=0)
    batch = await receive(sockets[0], "sync.batch")

    ids = [m["id"] for m in batch["messages"]]
    assert len(ids) == 12 and ids == sorted(ids)
    assert [m["prev_id"] for m in batch["messages"]] == [None, *ids[:-1]]
    for socket in sockets:
        await socket.disconnect()


async def test_locking_the_room_stops_posts_from_sockets_already_open():
    room, (maria,), (fran,) = await make_room(members=1, facilitators=1)
    socket = await joined(room.pk, maria)
    from collaboratives.room_services import room_lock_set

    await database_sync_to_async(room_lock_set)(room=room, by=fran, locked=True)
    await send(socket, type="message.send", client_id=str(uuid.uuid4()), body="still here?")
    error = await receive(socket, "error")

    assert error["code"] == "forbidden" and "locked" in error["detail"]
    assert await database_sync_to_async(RoomMessage.objects.count)() == 0
    await socket.disconnect()


async def test_the_periodic_recheck_closes_sockets_that_lost_access(settings):
    settings.ROOM_ACCESS_RECHECK_SECONDS = 1
    room, (maria, marcus), _ = await make_room()
    staying, leaving = await joined(room.pk, maria), await joined(room.pk, marcus)

    # Leave without any event reaching the socket (as if the event were lost).
    await database_sync_to_async(Membership.objects.filter(user=marcus).update)(
        left_at=timezone.now()
    )

    while True:
        output = await leaving.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            break
    assert output["code"] == 4403
    await post(staying, "the other socket stays")
    await staying.disconnect()
