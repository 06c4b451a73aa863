"""The periodic re-check of live room sockets follows Django's own session rules."""

import pytest
from django.test import Client

from collaboratives.room_selectors import RoomAccess, connection_verdicts, room_access_now
from tests.factories import MembershipFactory, RoomFactory

pytestmark = pytest.mark.django_db

BACKEND = "accounts.backends.UsernameOrEmailBackend"


def _session_key(user) -> str:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client.session.session_key


def test_password_change_signs_out_other_sockets():
    membership = MembershipFactory()
    room = RoomFactory(cohort=membership.cohort)
    user = membership.user
    key = _session_key(user)
    assert connection_verdicts([(user.pk, room.pk, key)]) == [RoomAccess.OK]

    user.set_password("a-New-passphrase-for-2027")
    user.save()

    assert connection_verdicts([(user.pk, room.pk, key)]) == [RoomAccess.SIGNED_OUT]
    assert room_access_now(user_id=user.pk, room_id=room.pk, session_key=key) == (
        RoomAccess.SIGNED_OUT
    )


def test_a_session_of_someone_else_does_not_sign_in_this_socket():
    membership = MembershipFactory()
    room = RoomFactory(cohort=membership.cohort)
    other_key = _session_key(MembershipFactory(cohort=membership.cohort).user)

    verdicts = connection_verdicts([(membership.user.pk, room.pk, other_key)])

    assert verdicts == [RoomAccess.SIGNED_OUT]


def test_many_sockets_keep_their_own_verdicts():
    membership = MembershipFactory()
    room = RoomFactory(cohort=membership.cohort)
    outsider_room = RoomFactory()
    key = _session_key(membership.user)

    verdicts = connection_verdicts(
        [(membership.user.pk, room.pk, key), (membership.user.pk, outsider_room.pk, key)]
    )

    assert verdicts == [RoomAccess.OK, RoomAccess.FORBIDDEN]
