"""The topic WebSocket through the real ASGI stack: who may listen, and what they hear."""

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone

from collaboratives.models import Membership, Role
from config.asgi import application
from forums import services
from forums.models import Board
from tests.factories import CohortFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ORIGIN = (b"origin", b"http://localhost")


@database_sync_to_async
def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user, backend="accounts.backends.UsernameOrEmailBackend")
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def connect(topic_id: int, user=None):
    headers = [ORIGIN]
    if user is not None:
        headers.append((b"cookie", await session_cookie(user)))
    communicator = WebsocketCommunicator(
        application, f"/ws/forums/topics/{topic_id}/", headers=headers
    )
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    return communicator


@database_sync_to_async
def make_topic():
    cohort = CohortFactory()
    board = Board.objects.create(name="B", slug="b", scope=Board.Scope.COHORT, cohort=cohort)
    author = MembershipFactory(cohort=cohort, role=Role.MEMBER).user
    reader = MembershipFactory(cohort=cohort, role=Role.MEMBER).user
    topic = services.topic_create(actor=author, board=board, title="Live", body="Opening")
    return topic, author, reader


@database_sync_to_async
def reply(topic, author):
    return services.post_create(actor=author, topic=topic, body="A new reply")


async def test_member_hears_new_replies_as_ids_only():
    topic, author, reader = await make_topic()
    communicator = await connect(topic.pk, reader)
    post = await reply(topic, author)
    frame = json.loads(await communicator.receive_from(timeout=3))
    assert frame == {"type": "post", "post": post.pk}
    await communicator.disconnect()


async def test_outsider_is_refused_with_4403():
    topic, _, _ = await make_topic()
    outsider = await database_sync_to_async(UserFactory)()
    communicator = await connect(topic.pk, outsider)
    assert await communicator.receive_output(timeout=3) == {"type": "websocket.close", "code": 4403}


async def test_member_of_another_cohort_is_refused_with_4403():
    topic, _, _ = await make_topic()
    other = await database_sync_to_async(lambda: MembershipFactory().user)()
    communicator = await connect(topic.pk, other)
    assert await communicator.receive_output(timeout=3) == {"type": "websocket.close", "code": 4403}


async def test_signed_out_visitor_is_refused_with_4401():
    topic, _, _ = await make_topic()
    communicator = await connect(topic.pk)
    assert await communicator.receive_output(timeout=3) == {"type": "websocket.close", "code": 4401}


async def test_missing_topic_is_refused_like_a_forbidden_one():
    _, _, reader = await make_topic()
    communicator = await connect(999_999, reader)
    assert await communicator.receive_output(timeout=3) == {"type": "websocket.close", "code": 4403}


async def test_member_who_leaves_is_disconnected_at_the_next_recheck(settings):
    settings.FORUMS_ACCESS_RECHECK_SECONDS = 0.2
    topic, _, reader = await make_topic()
    communicator = await connect(topic.pk, reader)
    await database_sync_to_async(
        lambda: Membership.objects.filter(user=reader).update(left_at=timezone.now())
    )()
    assert await communicator.receive_output(timeout=3) == {"type": "websocket.close", "code": 4403}
