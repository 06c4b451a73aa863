"""Privacy rights: a member downloads everything held about them and deletes their account."""

import csv
import io
import json
import uuid
import zipfile

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from accounts.models import AuditEntry, Notification, User
from accounts.notifications import notify
from collaboratives.models import Membership, Reaction, RoomMessage
from tests.factories import PASSWORD, MembershipFactory, RoomFactory

pytestmark = pytest.mark.django_db

BACKEND = "accounts.backends.UsernameOrEmailBackend"

EXPORT = "/accounts/privacy/export/"
PAGE = "/accounts/privacy/"


@pytest.fixture
def member_with_traces():
    membership = MembershipFactory()
    user = membership.user
    user.display_name = '=HYPERLINK("http://evil.example")'
    user.save()
    room = RoomFactory(cohort=membership.cohort)
    message = RoomMessage.objects.create(
        room=room, author=user, body="My note on the home visit", client_id=uuid.uuid4()
    )
    Reaction.objects.create(message=message, user=user, emoji="👍")
    notify(user_ids=[user.pk], kind="mention", text="You were mentioned", url="/x/")
    return user, room, message


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def test_export_zips_every_section_as_json_and_csv(member_with_traces):
    user, room, message = member_with_traces

    response = _signed_in(user).post(EXPORT)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    assert {"account.json", "rooms.json", "account/profile.csv", "rooms/room_messages.csv"} <= names
    account = json.loads(archive.read("account.json"))
    assert account["profile"][0]["username"] == user.username
    assert account["notifications"][0]["text"] == "You were mentioned"
    rooms = json.loads(archive.read("rooms.json"))
    assert [m["body"] for m in rooms["room_messages"]] == ["My note on the home visit"]
    assert rooms["reactions"][0]["emoji"] == "👍"
    assert AuditEntry.objects.filter(action="privacy.export", target_id=str(user.pk)).exists()


def test_export_csv_neutralises_spreadsheet_formulas(member_with_traces):
    user, _, _ = member_with_traces

    response = _signed_in(user).post(EXPORT)

    archive = zipfile.ZipFile(io.BytesIO(response.content))
    rows = list(csv.DictReader(io.StringIO(archive.read("account/profile.csv").decode())))
    assert rows[0]["display_name"].startswith("'=")


def test_export_holds_nothing_of_other_members(member_with_traces):
    user, room, _ = member_with_traces
    other = MembershipFactory(cohort=room.cohort).user
    RoomMessage.objects.create(room=room, author=other, body="Someone else", client_id=uuid.uuid4())

    response = _signed_in(user).post(EXPORT)

    assert b"Someone else" not in zipfile.ZipFile(io.BytesIO(response.content)).read("rooms.json")


def test_export_needs_sign_in_and_post(client, member_with_traces):
    user, _, _ = member_with_traces

    assert client.post(EXPORT).status_code == 302
    assert _signed_in(user).get(EXPORT).status_code == 405


@pytest.mark.parametrize(
    ("password", "confirmation", "error"),
    [
        ("wrong-password", "delete my account", "That is not your password."),
        (PASSWORD, "delete", "exactly to confirm"),
        (PASSWORD, "", "This field is required."),
    ],
    ids=["wrong-password", "wrong-phrase", "no-phrase"],
)
def test_delete_with_bad_input_changes_nothing(member_with_traces, password, confirmation, error):
    user, _, _ = member_with_traces
    client = _signed_in(user)

    response = client.post(PAGE, {"password": password, "confirmation": confirmation})

    assert response.status_code == 400
    assert error in response.content.decode()
    user.refresh_from_db()
    assert user.is_active and user.username.startswith("user")
    assert Membership.objects.filter(user=user, left_at__isnull=True).exists()
    assert client.get("/collaboratives/").status_code == 200


def test_delete_anonymizes_and_keeps_messages_from_a_former_member(member_with_traces):
    user, room, message = member_with_traces
    other_device = _signed_in(user)
    client = _signed_in(user)
    username = user.username

    response = client.post(PAGE, {"password": PASSWORD, "confirmation": "Delete my account"})

    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.is_active and not user.has_usable_password()
    assert user.name == "Former member"
    assert username not in (user.username + user.email)
    assert user.first_name == user.last_name == ""
    assert not Membership.objects.filter(user=user, left_at__isnull=True).exists()
    assert not Notification.objects.filter(user=user).exists()
    assert not Reaction.objects.filter(user=user).exists()
    assert RoomMessage.objects.get(pk=message.pk).body == "My note on the home visit"
    assert AuditEntry.objects.filter(action="privacy.account_delete").count() == 1
    # Both sessions end, and the old password no longer signs in.
    assert other_device.get("/collaboratives/").status_code == 302
    sign_in = Client().post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert sign_in.status_code == 200  # the form again, with its error: no session

    reader = MembershipFactory(cohort=room.cohort).user
    page = _signed_in(reader).get(room.get_absolute_url()).content.decode()
    assert "Former member" in page


@pytest.mark.parametrize("group", ["Administrators", "Staff editors"])
def test_staff_cannot_delete_themselves_here(member_with_traces, group):
    user, _, _ = member_with_traces
    user.groups.add(Group.objects.get(name=group))

    response = _signed_in(user).post(
        PAGE, {"password": PASSWORD, "confirmation": "delete my account"}
    )

    assert response.status_code == 400
    assert "another administrator" in response.content.decode()
    assert User.objects.get(pk=user.pk).is_active


def test_export_and_deletion_cover_sessions_forums_and_the_ledger(member_with_traces):
    import datetime as dt

    from django.utils import timezone

    from endorsement.models import TrainingEntry
    from events.models import Rsvp
    from forums.models import Board, Post, Subscription, Topic
    from tests.factories import SessionFactory

    user, room, _ = member_with_traces
    cohort = room.cohort
    seat = SessionFactory(
        collaborative=cohort.collaborative, cohort=cohort, capacity=1, title="Full session"
    )
    Rsvp.objects.create(session=seat, user=user, status=Rsvp.Status.GOING)
    waiting = MembershipFactory(cohort=cohort).user
    Rsvp.objects.create(
        session=seat, user=waiting, status=Rsvp.Status.WAITLISTED, waitlisted_at=timezone.now()
    )
    board = Board.objects.create(
        name="Cohort board", slug="cohort-board", scope="cohort", cohort=cohort
    )
    topic = Topic.objects.create(board=board, title="My question", author=user)
    Post.objects.create(topic=topic, author=user, body="Body of my question", html="<p>Body</p>")
    Subscription.objects.create(user=user, topic=topic)
    TrainingEntry.objects.create(
        member=user,
        title="Outside training",
        date=timezone.localdate() - dt.timedelta(days=3),
        hours=2,
    )
    client = _signed_in(user)

    archive = zipfile.ZipFile(io.BytesIO(client.post(EXPORT).content))
    sessions = json.loads(archive.read("sessions.json"))
    forums = json.loads(archive.read("forums.json"))
    ledger = json.loads(archive.read("endorsement.json"))
    assert [r["session__title"] for r in sessions["rsvps"]] == ["Full session"]
    assert [p["body"] for p in forums["posts"]] == ["Body of my question"]
    assert [t["title"] for t in ledger["training"]] == ["Outside training"]

    client.post(PAGE, {"password": PASSWORD, "confirmation": "delete my account"})

    assert not Rsvp.objects.filter(user=user).exists()
    assert Rsvp.objects.get(user=waiting).status == Rsvp.Status.GOING  # the seat went on
    assert not TrainingEntry.objects.filter(member=user).exists()
    assert not Subscription.objects.filter(user=user).exists()
    assert Post.objects.get(topic=topic).body == "Body of my question"
