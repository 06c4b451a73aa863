"""The room end to end: a real Daphne started as `make run` starts it, real sign-in, a real
WebSocket client. With the environment's channel layer: in-memory, or Redis when REDIS_URL is set.
"""

import uuid

import pytest

from tests.realtime.client import RoomClient, sign_in
from tests.realtime.conftest import make_site, serving


@pytest.fixture(scope="module")
def site(demo):
    with serving(make_site(demo, "realtime-e2e")) as (site,):
        yield site


@pytest.fixture(scope="module")
def cookies(site) -> dict[str, str]:
    """Session cookies from the real sign-in form, by username."""
    return {name: sign_in(site.url, name) for name in ("member1", "member2", "outsider")}


def unique(text: str) -> str:
    return f"{text} {uuid.uuid4().hex[:8]}"


async def test_a_message_from_one_member_reaches_the_other(site, cookies, demo):
    maria, _ = await RoomClient.join(site.url, demo.room_id, cookies["member1"])
    marcus, _ = await RoomClient.join(site.url, demo.room_id, cookies["member2"])

    sent = await maria.post(unique("Hello from Maria"))
    seen = await marcus.message_new(id=sent["id"])

    assert seen["body"] == sent["body"]
    assert seen["author"]["id"] == demo.user_ids["member1"]
    assert seen["client_id"] == sent["client_id"]
    await maria.close()
    await marcus.close()


async def test_a_socket_without_a_session_is_closed_with_4401(site, demo):
    anonymous = await RoomClient.open(site.url, demo.room_id)

    assert await anonymous.close_code() == 4401


async def test_an_outsider_is_closed_with_4403(site, cookies, demo):
    outsider = await RoomClient.open(site.url, demo.room_id, cookies["outsider"])

    assert await outsider.close_code() == 4403


async def test_a_member_who_reconnects_syncs_exactly_what_was_missed(site, cookies, demo):
    maria, _ = await RoomClient.join(site.url, demo.room_id, cookies["member1"])
    marcus, _ = await RoomClient.join(site.url, demo.room_id, cookies["member2"])
    last_seen = (await marcus.message_new(id=(await maria.post(unique("before")))["id"]))["id"]
    await marcus.close()

    missed = [await maria.post(unique(f"missed {n}")) for n in range(3)]
    marcus, ready = await RoomClient.join(site.url, demo.room_id, cookies["member2"])
    synced = await marcus.sync(after=last_seen)

    assert ready["latest"] == missed[-1]["id"]
    assert [m["id"] for m in synced] == [m["id"] for m in missed]
    assert [m["body"] for m in synced] == [m["body"] for m in missed]
    assert [m["prev_id"] for m in synced] == [last_seen, missed[0]["id"], missed[1]["id"]]
    await maria.close()
    await marcus.close()


async def test_nothing_is_lost_across_a_server_restart(site, cookies, demo):
    maria, _ = await RoomClient.join(site.url, demo.room_id, cookies["member1"])
    marcus, _ = await RoomClient.join(site.url, demo.room_id, cookies["member2"])
    last_seen = (await marcus.message_new(id=(await maria.post(unique("seen")))["id"]))["id"]
    await marcus.close()
    before_restart = [await maria.post(unique(f"before restart {n}")) for n in range(2)]
    await maria.close()

    site.stop()
    site.serve()
    maria, _ = await RoomClient.join(site.url, demo.room_id, cookies["member1"])
    after_restart = await maria.post(unique("after restart"))
    marcus, ready = await RoomClient.join(site.url, demo.room_id, cookies["member2"])
    synced = await marcus.sync(after=last_seen)

    expected = [*before_restart, after_restart]
    assert [m["id"] for m in synced] == [m["id"] for m in expected]
    assert [m["body"] for m in synced] == [m["body"] for m in expected]
    assert [m["prev_id"] for m in synced] == [last_seen, *[m["id"] for m in expected[:-1]]]
    assert ready["latest"] == after_restart["id"]
    await maria.close()
    await marcus.close()
