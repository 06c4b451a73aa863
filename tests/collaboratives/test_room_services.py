"""Room services: the rules behind posting, editing, deleting, reacting, read markers and
moderation, and that every refused call changes nothing (no row, notification, audit entry or
broadcast)."""

import datetime as dt
import uuid

import pytest
from django.core.cache import cache
from django.utils import timezone

from accounts.errors import AccessDenied, DomainError
from accounts.models import AuditEntry, Notification
from collaboratives import room_services as services
from collaboratives.models import (
    MessageReport,
    Reaction,
    Role,
    Room,
    RoomMessage,
    RoomMessageRevision,
    RoomMute,
    RoomReadState,
)
from tests.factories import MembershipFactory, RoomFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def generous_rate_limit(settings):
    """Buckets live in the cache, which outlasts a test, and user ids come back after each
    rollback: a roomy limit keeps one test's posts from limiting the next."""
    settings.ROOM_RATE_LIMIT_COUNT = 10_000


@pytest.fixture
def second_member(cohort):
    return MembershipFactory(cohort=cohort, role=Role.MEMBER, user__username="Marcus_M").user


@pytest.fixture
def post(room, django_capture_on_commit_callbacks):
    """`post(author, body, **kwargs)` -> the stored message (after-commit work runs too)."""

    def make(author, body="Hello", *, client_id=None, reply_to_id=None, in_room=None):
        with django_capture_on_commit_callbacks(execute=True):
            message, created = services.room_message_post(
                room=in_room or room,
                author=author,
                body=body,
                client_id=client_id or uuid.uuid4(),
                reply_to_id=reply_to_id,
            )
        assert created
        return message

    return make


def state(room=None) -> dict:
    """Everything a refused call must leave as it was."""
    snapshot = {
        model.__name__: model.objects.count()
        for model in (
            RoomMessage,
            RoomMessageRevision,
            Reaction,
            RoomReadState,
            RoomMute,
            MessageReport,
            Notification,
            AuditEntry,
        )
    }
    snapshot["bodies"] = sorted(RoomMessage.objects.values_list("id", "body", "deleted_at"))
    snapshot["reads"] = sorted(RoomReadState.objects.values_list("user_id", "last_read_id"))
    if room is not None:
        snapshot["room"] = Room.objects.filter(pk=room.pk).values().get()
    return snapshot


def assert_refused(call, error, *, callbacks, what="", code=None, field=None, room=None):
    """`call()` raises `error` (with `code`/`field`), and nothing changed or was published.
    `what` names the input in a failure (several bad inputs share one test)."""
    before = state(room)
    with callbacks(execute=False) as published:
        try:
            call()
        except error as caught:
            raised = caught
        else:
            pytest.fail(f"{what!r} was accepted")
    assert state(room) == before, what
    assert published == [], what
    assert raised.message, what
    if code is not None:
        assert raised.code == code, what
    if field is not None:
        assert raised.field == field, what
    return raised


@pytest.fixture
def refused(django_capture_on_commit_callbacks):
    def check(call, error=DomainError, **expected):
        return assert_refused(call, error, callbacks=django_capture_on_commit_callbacks, **expected)

    return check


# --- posting ------------------------------------------------------------------------------------


def test_post_stores_rendered_message_chained_to_the_previous_one(room, cohort_member, post):
    first = post(cohort_member, "Hello *cohort*")
    second = post(cohort_member, "again")
    third = post(cohort_member, "and again")

    room.refresh_from_db()
    assert first.html == "<p>Hello <em>cohort</em></p>"
    assert [first.prev_id, second.prev_id, third.prev_id] == [None, first.pk, second.pk]
    assert first.pk < second.pk < third.pk
    assert room.last_message_id == third.pk


def test_post_publishes_only_after_commit(room, cohort_member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.room_message_post(
            room=room, author=cohort_member, body="hi", client_id=uuid.uuid4()
        )

    assert len(callbacks) == 1


def test_post_resend_returns_the_stored_message_and_creates_nothing(room, cohort_member, post):
    client_id = uuid.uuid4()
    original = post(cohort_member, "once", client_id=client_id)
    before = state(room)

    again, created = services.room_message_post(
        room=room, author=cohort_member, body="a different body", client_id=str(client_id)
    )

    assert (again.pk, again.body, created) == (original.pk, "once", False)
    assert state(room) == before


def test_post_resend_is_not_rate_limited(room, cohort_member, post, settings):
    settings.ROOM_RATE_LIMIT_COUNT = 1
    settings.ROOM_RATE_LIMIT_SECONDS = 60
    cache.delete(f"room-rate:{cohort_member.pk}")
    client_id = uuid.uuid4()
    original = post(cohort_member, "once", client_id=client_id)

    again, created = services.room_message_post(
        room=room, author=cohort_member, body="once", client_id=client_id
    )

    assert (again.pk, created) == (original.pk, False)


def test_post_client_id_reused_in_another_room_is_refused(
    room, cohort, cohort_member, post, refused
):
    other_room = RoomFactory(cohort=cohort, name="Second room")
    client_id = uuid.uuid4()
    post(cohort_member, "in the first room", client_id=client_id)

    error = refused(
        lambda: services.room_message_post(
            room=other_room, author=cohort_member, body="elsewhere", client_id=client_id
        ),
        room=other_room,
    )

    assert "another room" in error.message
    assert not RoomMessage.objects.filter(room=other_room).exists()


def test_post_same_client_id_from_two_authors_makes_two_messages(
    room, cohort_member, second_member, post
):
    client_id = uuid.uuid4()

    first = post(cohort_member, "mine", client_id=client_id)
    second = post(second_member, "mine too", client_id=client_id)

    assert first.pk != second.pk
    assert second.prev_id == first.pk


def test_post_bad_client_id_is_invalid(room, cohort_member, refused):
    for client_id in ["x", "", None, 5, "6c1d-not-a-uuid"]:
        refused(
            lambda client_id=client_id: services.room_message_post(
                room=room, author=cohort_member, body="hi", client_id=client_id
            ),
            what=client_id,
            code="invalid",
            room=room,
        )


def test_post_bad_body_is_invalid(room, cohort_member, refused):
    for body in ["", "   \n ", None, 5, "a\x00b"]:
        refused(
            lambda body=body: services.room_message_post(
                room=room, author=cohort_member, body=body, client_id=uuid.uuid4()
            ),
            what=body,
            code="invalid",
            room=room,
        )


def test_post_over_the_length_limit_is_too_long(room, cohort_member, refused, settings):
    settings.ROOM_MESSAGE_MAX_LENGTH = 10

    error = refused(
        lambda: services.room_message_post(
            room=room, author=cohort_member, body="x" * 11, client_id=uuid.uuid4()
        ),
        code="too_long",
        room=room,
    )

    assert "10" in error.message and "11" in error.message


def test_post_too_fast_is_rate_limited(room, cohort_member, post, refused, settings):
    settings.ROOM_RATE_LIMIT_COUNT = 2
    settings.ROOM_RATE_LIMIT_SECONDS = 60
    cache.delete(f"room-rate:{cohort_member.pk}")
    post(cohort_member, "one")
    post(cohort_member, "two")

    refused(
        lambda: services.room_message_post(
            room=room, author=cohort_member, body="three", client_id=uuid.uuid4()
        ),
        code="rate_limited",
        room=room,
    )


@pytest.mark.parametrize("who", ["outsider", "former_member"])
def test_post_by_a_non_member_is_denied(request, room, cohort, refused, who):
    if who == "former_member":
        user = MembershipFactory(cohort=cohort, left_at=timezone.now()).user
    else:
        user = request.getfixturevalue("outsider")

    refused(
        lambda: services.room_message_post(
            room=room, author=user, body="let me in", client_id=uuid.uuid4()
        ),
        AccessDenied,
        room=room,
    )


def test_post_in_a_locked_room_is_forbidden(room, cohort_member, facilitator, refused):
    services.room_lock_set(room=room, by=facilitator, locked=True)

    error = refused(
        lambda: services.room_message_post(
            room=room, author=cohort_member, body="hi", client_id=uuid.uuid4()
        ),
        code="forbidden",
        room=room,
    )

    assert "locked" in error.message


def test_post_in_announcements_is_for_facilitators_only(
    cohort, cohort_member, facilitator, refused, post
):
    announcements = RoomFactory(
        cohort=cohort,
        name="Announcements",
        kind=Room.Kind.ANNOUNCEMENTS,
        facilitators_only_post=True,
    )

    refused(
        lambda: services.room_message_post(
            room=announcements, author=cohort_member, body="hi", client_id=uuid.uuid4()
        ),
        code="forbidden",
        room=announcements,
    )
    assert post(facilitator, "Welcome", in_room=announcements).room == announcements


def test_post_while_muted_is_forbidden_until_the_mute_ends(
    room, cohort_member, facilitator, refused, post
):
    mute = services.room_member_mute(room=room, user=cohort_member, minutes=10, by=facilitator)

    error = refused(
        lambda: services.room_message_post(
            room=room, author=cohort_member, body="hi", client_id=uuid.uuid4()
        ),
        code="forbidden",
        room=room,
    )
    RoomMute.objects.filter(pk=mute.pk).update(until=timezone.now() - dt.timedelta(seconds=1))

    assert "muted" in error.message
    assert post(cohort_member, "back again").body == "back again"


# --- mentions and replies ------------------------------------------------------------------------


def test_mention_by_username_in_any_case_notifies_that_member(
    room, cohort_member, second_member, post
):
    message = post(cohort_member, "Thanks @marcus_m. And @MARCUS_M again!")

    notifications = list(Notification.objects.filter(user=second_member))
    assert message.mentions == [second_member.pk]
    assert [n.kind for n in notifications] == ["mention"]
    assert cohort_member.name in notifications[0].text and room.name in notifications[0].text
    assert notifications[0].url.endswith(f"#m{message.pk}")


def test_mention_of_facilitators_notifies_every_facilitator_but_the_author(
    room, cohort, cohort_member, facilitator
):
    other_lead = MembershipFactory(cohort=cohort, role=Role.FACILITATOR).user
    with_left = MembershipFactory(cohort=cohort, role=Role.FACILITATOR, left_at=timezone.now())

    message, _ = services.room_message_post(
        room=room, author=other_lead, body="@facilitators please look", client_id=uuid.uuid4()
    )

    assert message.mentions == [facilitator.pk]
    assert list(Notification.objects.values_list("user_id", "kind")) == [
        (facilitator.pk, "mention")
    ]
    assert with_left.user_id not in message.mentions


def test_mentions_ignore_outsiders_emails_and_oneself(room, cohort_member, outsider, post):
    me = cohort_member.username
    message = post(cohort_member, f"@{outsider.username} write to me at me@{me} @{me}")

    assert message.mentions == []
    assert not Notification.objects.exists()


def test_reply_notifies_the_author_replied_to(room, cohort_member, second_member, post):
    question = post(cohort_member, "Any ideas?")

    answer = post(second_member, "Yes", reply_to_id=question.pk)

    assert answer.reply_to_id == question.pk
    assert list(Notification.objects.values_list("user_id", "kind")) == [
        (cohort_member.pk, "reply")
    ]


def test_reply_that_also_mentions_notifies_once_and_own_reply_not_at_all(
    room, cohort_member, second_member, post
):
    question = post(cohort_member, "Any ideas?")
    post(cohort_member, "Me again", reply_to_id=question.pk)

    post(second_member, f"@{cohort_member.username} yes", reply_to_id=question.pk)

    assert list(Notification.objects.values_list("user_id", "kind")) == [
        (cohort_member.pk, "mention")
    ]


def test_reply_to_another_rooms_message_is_not_found(room, cohort, cohort_member, post, refused):
    other_room = RoomFactory(cohort=cohort, name="Elsewhere")
    elsewhere = post(cohort_member, "over here", in_room=other_room)

    refused(
        lambda: services.room_message_post(
            room=room,
            author=cohort_member,
            body="hi",
            client_id=uuid.uuid4(),
            reply_to_id=elsewhere.pk,
        ),
        code="not_found",
        room=room,
    )


@pytest.mark.parametrize("target", ["deleted", "missing"])
def test_reply_to_a_deleted_or_missing_message_is_not_found(
    room, cohort_member, post, refused, target
):
    message = post(cohort_member, "soon gone")
    services.room_message_delete(room=room, user=cohort_member, message_id=message.pk)
    reply_to = message.pk if target == "deleted" else message.pk + 1000

    refused(
        lambda: services.room_message_post(
            room=room, author=cohort_member, body="hi", client_id=uuid.uuid4(), reply_to_id=reply_to
        ),
        code="not_found",
        room=room,
    )


# --- editing ------------------------------------------------------------------------------------


def test_edit_keeps_the_earlier_text_as_a_revision(room, cohort_member, post):
    message = post(cohort_member, "draft")

    edited = services.room_message_edit(
        room=room, user=cohort_member, message_id=message.pk, body="final *text*"
    )

    assert (edited.body, edited.html) == ("final *text*", "<p>final <em>text</em></p>")
    assert edited.edited_at is not None
    assert list(message.revisions.values_list("body", "replaced_by")) == [
        ("draft", cohort_member.pk)
    ]


def test_edit_to_the_same_text_keeps_no_revision(room, cohort_member, post):
    message = post(cohort_member, "same")

    services.room_message_edit(room=room, user=cohort_member, message_id=message.pk, body=" same ")

    message.refresh_from_db()
    assert message.edited_at is None
    assert not message.revisions.exists()


def test_edit_notifies_only_the_newly_mentioned(room, cohort, cohort_member, second_member, post):
    third = MembershipFactory(cohort=cohort, user__username="Tess").user
    message = post(cohort_member, "@marcus_m have a look")

    services.room_message_edit(
        room=room, user=cohort_member, message_id=message.pk, body="@marcus_m and @tess look"
    )

    assert sorted(Notification.objects.values_list("user_id", "kind")) == sorted(
        [(second_member.pk, "mention"), (third.pk, "mention")]
    )
    message.refresh_from_db()
    assert sorted(message.mentions) == sorted([second_member.pk, third.pk])


def test_edit_by_someone_else_is_forbidden(room, cohort_member, second_member, post, refused):
    message = post(cohort_member, "mine")

    refused(
        lambda: services.room_message_edit(
            room=room, user=second_member, message_id=message.pk, body="yours now"
        ),
        code="forbidden",
    )


def test_edit_of_another_rooms_or_a_deleted_message_is_not_found(
    room, cohort, cohort_member, post, refused
):
    other_room = RoomFactory(cohort=cohort, name="Elsewhere")
    elsewhere = post(cohort_member, "over here", in_room=other_room)
    gone = post(cohort_member, "gone")
    services.room_message_delete(room=room, user=cohort_member, message_id=gone.pk)

    for message_id in (elsewhere.pk, gone.pk, gone.pk + 1000):
        refused(
            lambda message_id=message_id: services.room_message_edit(
                room=room, user=cohort_member, message_id=message_id, body="changed"
            ),
            code="not_found",
        )


def test_edit_with_a_bad_body_is_invalid(room, cohort_member, post, refused):
    message = post(cohort_member, "fine")

    for body in ["", "  ", None, 7]:
        refused(
            lambda body=body: services.room_message_edit(
                room=room, user=cohort_member, message_id=message.pk, body=body
            ),
            what=body,
            code="invalid",
        )


# --- deleting -----------------------------------------------------------------------------------


def test_delete_by_the_author_leaves_a_tombstone_and_no_audit(room, cohort_member, post):
    message = post(cohort_member, "oops")

    deleted = services.room_message_delete(room=room, user=cohort_member, message_id=message.pk)

    assert deleted.deleted_at is not None and deleted.deleted_by == cohort_member
    assert RoomMessage.objects.filter(pk=message.pk).exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("who", ["facilitator", "administrator"])
def test_delete_by_a_moderator_is_audited(request, room, cohort_member, post, who):
    moderator = request.getfixturevalue(who)
    message = post(cohort_member, "against the rules")

    services.room_message_delete(room=room, user=moderator, message_id=message.pk)
    services.room_message_delete(room=room, user=moderator, message_id=message.pk)

    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action) == (moderator, "room.message.delete")
    assert (entry.target_type, entry.target_id) == ("collaboratives.roommessage", str(message.pk))
    assert entry.detail == {"room": room.pk, "author": cohort_member.pk}


def test_delete_of_someone_elses_message_by_a_member_is_forbidden(
    room, cohort_member, second_member, post, refused
):
    message = post(cohort_member, "mine")

    refused(
        lambda: services.room_message_delete(room=room, user=second_member, message_id=message.pk),
        code="forbidden",
    )


def test_delete_of_another_rooms_message_is_not_found(
    room, cohort, cohort_member, facilitator, post, refused
):
    other_room = RoomFactory(cohort=cohort, name="Elsewhere")
    elsewhere = post(cohort_member, "over here", in_room=other_room)

    refused(
        lambda: services.room_message_delete(room=room, user=facilitator, message_id=elsewhere.pk),
        code="not_found",
    )


def test_delete_by_an_outsider_is_denied(room, cohort_member, outsider, post, refused):
    message = post(cohort_member, "mine")

    refused(
        lambda: services.room_message_delete(room=room, user=outsider, message_id=message.pk),
        AccessDenied,
    )


# --- reactions ----------------------------------------------------------------------------------

ONE_EMOJI = ["👍", "❤️", "👍🏽", "🇺🇸", "👨‍👩‍👧‍👦", "🏳️‍🌈", "✅"]
# "👍👍" is two emoji: a reaction is one (docs/realtime.md), so reactions cannot spell words.
NOT_ONE_EMOJI = ["a", "<b>", "👍👍", "🇺🇸🇺🇸", "👍 ", "", "🏽", "🇺", "1️⃣", "👍\u200d", 5, None]


def test_reaction_of_one_emoji_toggles_on_and_off(room, cohort_member, second_member, post):
    message = post(cohort_member, "react to me")

    for emoji in ONE_EMOJI:
        added = services.room_reaction_toggle(
            room=room, user=second_member, message_id=message.pk, emoji=emoji
        )
        removed = services.room_reaction_toggle(
            room=room, user=second_member, message_id=message.pk, emoji=emoji
        )

        assert added == [{"emoji": emoji, "count": 1, "users": [second_member.pk]}], emoji
        assert removed == [], emoji


def test_reaction_that_is_not_one_emoji_is_invalid(room, cohort_member, post, refused):
    message = post(cohort_member, "react to me")

    for emoji in NOT_ONE_EMOJI:
        refused(
            lambda emoji=emoji: services.room_reaction_toggle(
                room=room, user=cohort_member, message_id=message.pk, emoji=emoji
            ),
            what=emoji,
            code="invalid",
        )


def test_reactions_group_by_emoji_in_order_of_first_use(room, cohort_member, second_member, post):
    message = post(cohort_member, "react to me")
    for user, emoji in ((second_member, "🎉"), (cohort_member, "👍"), (cohort_member, "🎉")):
        reactions = services.room_reaction_toggle(
            room=room, user=user, message_id=message.pk, emoji=emoji
        )

    assert reactions == [
        {"emoji": "🎉", "count": 2, "users": [second_member.pk, cohort_member.pk]},
        {"emoji": "👍", "count": 1, "users": [cohort_member.pk]},
    ]


def test_reaction_to_a_deleted_or_foreign_message_is_not_found(
    room, cohort, cohort_member, post, refused
):
    other_room = RoomFactory(cohort=cohort, name="Elsewhere")
    elsewhere = post(cohort_member, "over here", in_room=other_room)
    gone = post(cohort_member, "gone")
    services.room_message_delete(room=room, user=cohort_member, message_id=gone.pk)

    for message_id in (elsewhere.pk, gone.pk):
        refused(
            lambda message_id=message_id: services.room_reaction_toggle(
                room=room, user=cohort_member, message_id=message_id, emoji="👍"
            ),
            code="not_found",
        )


def test_reaction_by_an_outsider_is_denied(room, cohort_member, outsider, post, refused):
    message = post(cohort_member, "react to me")

    refused(
        lambda: services.room_reaction_toggle(
            room=room, user=outsider, message_id=message.pk, emoji="👍"
        ),
        AccessDenied,
    )


# --- read markers -------------------------------------------------------------------------------


def test_read_marker_clamps_to_the_latest_message(room, cohort_member, second_member, post):
    ids = [post(cohort_member, f"n{n}").pk for n in range(3)]

    assert services.room_read_mark(room=room, user=second_member, up_to=10**12) == (ids[-1], 0)
    assert RoomReadState.objects.get(user=second_member).last_read_id == ids[-1]


def test_read_marker_moves_back_to_mark_unread(room, cohort_member, second_member, post):
    ids = [post(cohort_member, f"n{n}").pk for n in range(3)]
    services.room_read_mark(room=room, user=second_member, up_to=ids[-1])

    assert services.room_read_mark(room=room, user=second_member, up_to=ids[0]) == (ids[0], 2)


def test_read_marker_counts_neither_own_nor_deleted_messages(
    room, cohort_member, second_member, post
):
    post(cohort_member, "theirs")
    post(second_member, "mine")
    gone = post(cohort_member, "gone")
    services.room_message_delete(room=room, user=cohort_member, message_id=gone.pk)

    assert services.room_read_mark(room=room, user=second_member, up_to=0) == (0, 1)


def test_read_marker_bad_position_is_invalid(room, cohort_member, post, refused):
    post(cohort_member, "hi")
    services.room_read_mark(room=room, user=cohort_member, up_to=0)

    for up_to in [-1, "5", True, None, 1.5]:
        refused(
            lambda up_to=up_to: services.room_read_mark(room=room, user=cohort_member, up_to=up_to),
            what=up_to,
            code="invalid",
        )


def test_read_marker_by_an_outsider_is_denied(room, outsider, refused):
    refused(lambda: services.room_read_mark(room=room, user=outsider, up_to=0), AccessDenied)


# --- mutes --------------------------------------------------------------------------------------


def test_mute_lasts_the_given_minutes_and_is_audited(room, cohort_member, facilitator):
    mute = services.room_member_mute(
        room=room, user=cohort_member, minutes=30, by=facilitator, reason="  cool off " + "x" * 300
    )

    remaining = mute.until - timezone.now()
    assert dt.timedelta(minutes=29) < remaining <= dt.timedelta(minutes=30)
    assert mute.reason.startswith("cool off") and len(mute.reason) == 255
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.target_id) == (
        facilitator,
        "room.member.mute",
        str(room.pk),
    )
    assert entry.detail["user"] == cohort_member.pk and entry.detail["minutes"] == 30


def test_mute_with_bad_minutes_is_refused(room, cohort_member, facilitator, refused):
    for minutes in [0, -5, services.MUTE_MAX_MINUTES + 1, "10", True, None, 1.5]:
        refused(
            lambda minutes=minutes: services.room_member_mute(
                room=room, user=cohort_member, minutes=minutes, by=facilitator
            ),
            what=minutes,
            field="minutes",
        )


def test_mute_of_someone_who_cannot_be_muted_is_refused(
    room, cohort, facilitator, outsider, refused
):
    former_member = MembershipFactory(cohort=cohort, left_at=timezone.now()).user
    other_lead = MembershipFactory(cohort=cohort, role=Role.FACILITATOR).user

    for target in (outsider, former_member, other_lead):
        refused(
            lambda target=target: services.room_member_mute(
                room=room, user=target, minutes=10, by=facilitator
            ),
            what=target.username,
            field="user",
        )


def test_mute_by_a_member_is_denied(room, cohort_member, second_member, refused):
    refused(
        lambda: services.room_member_mute(
            room=room, user=second_member, minutes=10, by=cohort_member
        ),
        AccessDenied,
    )


def test_unmute_ends_the_mute_and_is_audited_once(room, cohort_member, facilitator):
    services.room_member_mute(room=room, user=cohort_member, minutes=30, by=facilitator)

    ended = services.room_member_unmute(room=room, user=cohort_member, by=facilitator)
    again = services.room_member_unmute(room=room, user=cohort_member, by=facilitator)

    assert (ended, again) == (1, 0)
    assert not RoomMute.objects.filter(until__gt=timezone.now()).exists()
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "room.member.mute",
        "room.member.unmute",
    ]


def test_unmute_by_a_member_is_denied(room, cohort_member, second_member, facilitator, refused):
    services.room_member_mute(room=room, user=second_member, minutes=30, by=facilitator)

    refused(
        lambda: services.room_member_unmute(room=room, user=second_member, by=cohort_member),
        AccessDenied,
    )


# --- locking ------------------------------------------------------------------------------------


def test_lock_and_unlock_are_audited_once_each(
    room, facilitator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as published:
        locked = services.room_lock_set(room=room, by=facilitator, locked=True)
        services.room_lock_set(room=room, by=facilitator, locked=True)
        opened = services.room_lock_set(room=room, by=facilitator, locked=False)

    assert locked.locked_at is not None and opened.locked_at is None
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "room.lock",
        "room.unlock",
    ]
    assert len(published) == 2  # a room.updated frame per change, none for the no-op


def test_lock_by_a_member_is_denied(room, cohort_member, refused):
    refused(
        lambda: services.room_lock_set(room=room, by=cohort_member, locked=True),
        AccessDenied,
        room=room,
    )


# --- reports ------------------------------------------------------------------------------------


def test_report_notifies_the_other_facilitators_and_is_audited(
    room, cohort, cohort_member, facilitator, post
):
    other_lead = MembershipFactory(cohort=cohort, role=Role.FACILITATOR).user
    message = post(cohort_member, "something")

    report = services.message_report(
        room=room, reporter=other_lead, message_id=message.pk, reason="  Not kind  "
    )

    assert (report.reason, report.outcome) == ("Not kind", MessageReport.Outcome.OPEN)
    assert list(Notification.objects.values_list("user_id", "kind")) == [(facilitator.pk, "report")]
    assert AuditEntry.objects.get().action == "room.message.report"


def test_report_with_a_bad_reason_is_refused(room, cohort_member, second_member, post, refused):
    message = post(cohort_member, "something")

    for reason in ["", "  no ", "x" * (services.REPORT_REASON_MAX + 1), None, 5]:
        refused(
            lambda reason=reason: services.message_report(
                room=room, reporter=second_member, message_id=message.pk, reason=reason
            ),
            what=reason,
            field="reason",
        )


def test_report_twice_or_of_a_removed_or_foreign_message_is_refused(
    room, cohort, cohort_member, second_member, facilitator, post, refused
):
    message = post(cohort_member, "something")
    gone = post(cohort_member, "gone")
    other_room = RoomFactory(cohort=cohort, name="Elsewhere")
    elsewhere = post(cohort_member, "over here", in_room=other_room)
    services.room_message_delete(room=room, user=facilitator, message_id=gone.pk)
    services.message_report(room=room, reporter=second_member, message_id=message.pk, reason="rude")

    again = refused(
        lambda: services.message_report(
            room=room, reporter=second_member, message_id=message.pk, reason="still rude"
        )
    )
    for message_id in (gone.pk, elsewhere.pk):
        refused(
            lambda message_id=message_id: services.message_report(
                room=room, reporter=second_member, message_id=message_id, reason="rude"
            ),
            code="not_found",
        )

    assert "already" in again.message


def test_report_by_an_outsider_is_denied(room, cohort_member, outsider, post, refused):
    message = post(cohort_member, "something")

    refused(
        lambda: services.message_report(
            room=room, reporter=outsider, message_id=message.pk, reason="rude"
        ),
        AccessDenied,
    )


# --- resolving reports --------------------------------------------------------------------------


@pytest.fixture
def reported(room, cohort, cohort_member, second_member, post):
    """A message reported by two members: (message, [reports])."""
    third = MembershipFactory(cohort=cohort).user
    message = post(cohort_member, "something")
    reports = [
        services.message_report(room=room, reporter=who, message_id=message.pk, reason="rude")
        for who in (second_member, third)
    ]
    return message, reports


def test_resolve_remove_deletes_the_message_and_closes_every_report(room, facilitator, reported):
    message, reports = reported

    resolved = services.report_resolve(report=reports[0], by=facilitator, outcome="removed")

    message.refresh_from_db()
    assert message.deleted_at is not None and message.deleted_by == facilitator
    assert resolved.resolved_by == facilitator
    assert set(MessageReport.objects.values_list("outcome", flat=True)) == {"removed"}
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"room.message.delete", "room.report.removed"} <= actions


def test_resolve_dismiss_keeps_the_message(room, facilitator, reported):
    message, reports = reported

    services.report_resolve(report=reports[1], by=facilitator, outcome="dismissed")

    message.refresh_from_db()
    assert message.deleted_at is None
    assert set(MessageReport.objects.values_list("outcome", flat=True)) == {"dismissed"}


def test_resolve_with_a_bad_outcome_is_refused(facilitator, reported, refused):
    _, reports = reported

    for outcome in ["open", "", "delete", None]:
        refused(
            lambda outcome=outcome: services.report_resolve(
                report=reports[0], by=facilitator, outcome=outcome
            ),
            what=outcome,
            field="outcome",
        )


def test_resolve_twice_is_refused(facilitator, reported, refused):
    _, reports = reported
    services.report_resolve(report=reports[0], by=facilitator, outcome="dismissed")

    error = refused(
        lambda: services.report_resolve(report=reports[0], by=facilitator, outcome="removed")
    )

    assert "already" in error.message


def test_resolve_by_a_member_is_denied(cohort_member, reported, refused):
    _, reports = reported

    refused(
        lambda: services.report_resolve(report=reports[0], by=cohort_member, outcome="removed"),
        AccessDenied,
    )


def test_resolve_by_another_cohorts_facilitator_is_denied(reported, refused):
    _, reports = reported
    stranger = MembershipFactory(role=Role.FACILITATOR).user

    refused(
        lambda: services.report_resolve(report=reports[0], by=stranger, outcome="removed"),
        AccessDenied,
    )
