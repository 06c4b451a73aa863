"""Sessions: a new key at sign-in, and "sign out everywhere else" from the profile."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.models import Session
from django.test import Client

from accounts.models import AuditEntry
from tests.factories import PASSWORD, MembershipFactory, RoomFactory, UserFactory

LOGIN = "/accounts/login/"
END = "/accounts/sessions/end/"


def signed_in(user) -> Client:
    client = Client()
    assert client.post(LOGIN, {"username": user.username, "password": PASSWORD}).status_code == 302
    return client


def test_sign_in_gives_a_new_session_key_and_drops_the_old_one(client, outsider):
    session = client.session
    session["seen"] = True
    session.save()
    before = session.session_key

    client.post(LOGIN, {"username": outsider.username, "password": PASSWORD})

    assert client.session.session_key != before
    assert not Session.objects.filter(session_key=before).exists()
    assert client.session["_auth_user_id"] == str(outsider.pk)


def test_profile_offers_sign_out_everywhere_as_a_post_form(outsider):
    html = signed_in(outsider).get("/accounts/profile/").content.decode()

    assert f'<form method="post" action="{END}">' in html
    assert "Sign out everywhere else</button>" in html


def test_sign_out_everywhere_ends_other_sessions_and_keeps_this_one(outsider):
    here, laptop, phone = signed_in(outsider), signed_in(outsider), signed_in(outsider)
    stranger = signed_in(UserFactory())

    response = here.post(END)

    assert response.status_code == 302 and response["Location"] == "/accounts/profile/"
    assert here.get("/accounts/profile/").status_code == 200
    for other in (laptop, phone):
        assert other.get("/accounts/profile/").status_code == 302  # to sign-in
    assert stranger.get("/accounts/profile/").status_code == 200
    assert AuditEntry.objects.filter(
        action="sessions.end_others", target_id=str(outsider.pk), detail={"ended": 2}
    ).exists()


def test_sign_out_everywhere_ends_sessions_even_if_their_rows_survive(outsider):
    # Another session engine (cache) keeps no rows to delete: the session hash still ends them.
    here, elsewhere = signed_in(outsider), signed_in(outsider)
    kept = dict(Session.objects.get(session_key=elsewhere.session.session_key).__dict__)

    here.post(END)
    Session.objects.create(
        session_key=kept["session_key"],
        session_data=kept["session_data"],
        expire_date=kept["expire_date"],
    )

    assert elsewhere.get("/accounts/profile/").status_code == 302


def test_sign_out_everywhere_needs_post_and_sign_in(client, outsider):
    assert client.post(END).status_code == 302  # to sign-in
    assert signed_in(outsider).get(END).status_code == 405


def test_sign_out_everywhere_without_csrf_token_changes_nothing(outsider):
    elsewhere = signed_in(outsider)
    here = Client(enforce_csrf_checks=True)
    here.post(LOGIN, {"username": outsider.username, "password": PASSWORD})

    response = here.post(END)

    assert response.status_code == 403
    assert elsewhere.get("/accounts/profile/").status_code == 200


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sign_out_everywhere_closes_an_open_room_socket_elsewhere(settings):
    settings.ROOM_ACCESS_RECHECK_SECONDS = 1
    from config.asgi import application

    room = RoomFactory()
    member = MembershipFactory(cohort=room.cohort).user
    elsewhere, here = signed_in(member), signed_in(member)
    cookie = f"sessionid={elsewhere.cookies['sessionid'].value}".encode()

    async def scenario():
        socket = WebsocketCommunicator(
            application,
            f"/ws/rooms/{room.pk}/",
            headers=[(b"origin", b"http://localhost"), (b"cookie", cookie)],
        )
        connected, _ = await socket.connect(timeout=5)
        assert connected
        await database_sync_to_async(here.post)(END)
        while True:
            output = await socket.receive_output(timeout=5)
            if output["type"] == "websocket.close":
                return output["code"]

    assert asyncio.run(scenario()) == 4401
