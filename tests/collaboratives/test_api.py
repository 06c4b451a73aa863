"""GET /api/rooms/: the public contract (shape, outsiders, signed out, constant queries)."""

import uuid

import pytest
from django.utils import timezone

from collaboratives.models import Membership, RoomMessage, RoomReadState
from collaboratives.room_selectors import UNREAD_COUNT_CAP, read_state_for
from tests.factories import CohortFactory, MembershipFactory, RoomFactory

pytestmark = pytest.mark.django_db


def test_rooms_api_lists_member_rooms_in_contract_shape(sign_in, cohort, cohort_member, room):
    RoomFactory(name="Another cohort's room")

    response = sign_in(cohort_member).get("/api/rooms/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == [
        {
            "id": room.pk,
            "name": "Cohort discussion",
            "cohort": cohort.name,
            "url": f"/collaboratives/rooms/{room.pk}/",
            "ws_path": f"/ws/rooms/{room.pk}/",
            "unread": 0,
        }
    ]


def test_rooms_api_counts_unread_messages_of_others_after_the_read_marker(
    sign_in, cohort, cohort_member, room
):
    other = MembershipFactory(cohort=cohort).user
    seen = RoomMessage.objects.create(room=room, author=other, body="seen", client_id=uuid.uuid4())
    for body in ("new one", "new two"):
        RoomMessage.objects.create(room=room, author=other, body=body, client_id=uuid.uuid4())
    RoomMessage.objects.create(room=room, author=cohort_member, body="mine", client_id=uuid.uuid4())
    RoomMessage.objects.create(
        room=room, author=other, body="gone", client_id=uuid.uuid4(), deleted_at=timezone.now()
    )
    RoomReadState.objects.create(room=room, user=cohort_member, last_read_id=seen.pk)

    [listed] = sign_in(cohort_member).get("/api/rooms/").json()

    assert listed["unread"] == 2


def test_rooms_api_room_url_serves_the_room_page(sign_in, cohort_member, room):
    client = sign_in(cohort_member)
    [listed] = client.get("/api/rooms/").json()

    assert client.get(listed["url"]).status_code == 200


def test_rooms_api_is_empty_list_for_outsider(sign_in, outsider, room):
    response = sign_in(outsider).get("/api/rooms/")

    assert response.status_code == 200
    assert response.json() == []


def test_rooms_api_drops_rooms_of_a_cohort_left(sign_in, cohort_member, room):
    Membership.objects.filter(user=cohort_member).update(left_at=timezone.now())

    assert sign_in(cohort_member).get("/api/rooms/").json() == []


def test_rooms_api_signed_out_is_401_json(client, room):
    response = client.get("/api/rooms/")

    assert response.status_code == 401
    assert response.json() == {"detail": "Sign in to see your rooms."}


def test_rooms_api_refuses_post(sign_in, cohort_member):
    response = sign_in(cohort_member).post("/api/rooms/", {"name": "mine"})

    assert response.status_code == 405


def _member_with_rooms(count):
    membership = MembershipFactory(cohort=CohortFactory())
    for number in range(count):
        RoomFactory(cohort=membership.cohort, name=f"Room {number}")
    # A second cohort, so the cohort names come from more than one row.
    other = MembershipFactory(user=membership.user)
    RoomFactory(cohort=other.cohort)
    return membership.user


@pytest.mark.parametrize("rooms", [1, 3])
def test_rooms_api_query_count_is_constant(rooms, sign_in, django_assert_num_queries):
    client = sign_in(_member_with_rooms(rooms))

    # The user, their groups (the administrator check), the rooms with cohorts; the session
    # comes from the cache (cached_db, written there at sign-in).
    with django_assert_num_queries(3):
        response = client.get("/api/rooms/")

    assert len(response.json()) == rooms + 1


def test_rooms_api_unread_count_stops_past_the_cap(sign_in, cohort, cohort_member, room):
    other = MembershipFactory(cohort=cohort).user
    RoomMessage.objects.bulk_create(
        RoomMessage(room=room, author=other, body=f"m{n}", client_id=uuid.uuid4())
        for n in range(UNREAD_COUNT_CAP + 5)
    )

    [listed] = sign_in(cohort_member).get("/api/rooms/").json()

    assert listed["unread"] == UNREAD_COUNT_CAP + 1
    assert read_state_for(room=room, user=cohort_member) == (0, UNREAD_COUNT_CAP + 1)
