"""Room message retention per collaborative: old messages go, recent ones and other rooms stay."""

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AuditEntry
from collaboratives.models import Reaction, RoomMessage
from collaboratives.room_services import room_messages_expire
from tests.factories import MembershipFactory, RoomFactory

pytestmark = pytest.mark.django_db


def _message(room, author, *, age_days: int, body: str) -> RoomMessage:
    message = RoomMessage.objects.create(
        room=room, author=author, body=body, client_id=uuid.uuid4()
    )
    # created_at is auto_now_add: set the age afterwards.
    RoomMessage.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - dt.timedelta(days=age_days)
    )
    return message


def test_messages_past_retention_are_deleted_with_their_reactions():
    membership = MembershipFactory()
    collaborative = membership.cohort.collaborative
    collaborative.message_retention_days = 730
    collaborative.save()
    room = RoomFactory(cohort=membership.cohort)
    old = _message(room, membership.user, age_days=731, body="old")
    _message(room, membership.user, age_days=729, body="recent")
    Reaction.objects.create(message=old, user=membership.user, emoji="👍")

    deleted = room_messages_expire()

    assert deleted == 1
    assert list(RoomMessage.objects.filter(room=room).values_list("body", flat=True)) == ["recent"]
    assert not Reaction.objects.filter(message_id=old.pk).exists()
    entry = AuditEntry.objects.get(action="retention.room_messages")
    assert entry.detail["deleted"] == 1


def test_collaboratives_without_retention_keep_everything():
    membership = MembershipFactory()
    room = RoomFactory(cohort=membership.cohort)
    _message(room, membership.user, age_days=4000, body="ancient")

    assert room_messages_expire() == 0
    assert RoomMessage.objects.filter(room=room).count() == 1


def test_running_twice_deletes_nothing_more():
    membership = MembershipFactory()
    collaborative = membership.cohort.collaborative
    collaborative.message_retention_days = 30
    collaborative.save()
    room = RoomFactory(cohort=membership.cohort)
    for n in range(3):
        _message(room, membership.user, age_days=40, body=f"old {n}")

    assert room_messages_expire() == 3
    assert room_messages_expire() == 0
    assert AuditEntry.objects.filter(action="retention.room_messages").count() == 1


@pytest.mark.parametrize("days", [0, 29])
def test_retention_shorter_than_30_days_is_refused(days):
    membership = MembershipFactory()
    collaborative = membership.cohort.collaborative
    collaborative.message_retention_days = days

    with pytest.raises(ValidationError, match="greater than or equal to 30"):
        collaborative.full_clean()
