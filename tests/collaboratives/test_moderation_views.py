"""Moderation pages through real HTTP: reporting, the review queue, mute and lock, edit history,
the room's audit trail and the administrators' audit log in the Wagtail admin."""

import datetime as dt
import uuid

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditEntry, Notification
from collaboratives import room_services
from collaboratives.models import MessageReport, Role, RoomMessage, RoomMute
from tests.factories import MembershipFactory, RoomFactory

pytestmark = pytest.mark.django_db


def post_message(room, author, body="Hello everyone"):
    """A stored message, as room_message_post leaves it (without the rate limit in the way)."""
    message = RoomMessage.objects.create(
        room=room, author=author, client_id=uuid.uuid4(), body=body, html=f"<p>{body}</p>"
    )
    room.last_message_id = message.pk
    room.save(update_fields=["last_message_id"])
    return message


def page_messages(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def report_url(room, message):
    return f"/collaboratives/rooms/{room.pk}/messages/{message.pk}/report/"


def reports_url(room):
    return f"/collaboratives/rooms/{room.pk}/reports/"


def moderate_url(room):
    return f"/collaboratives/rooms/{room.pk}/moderate/"


def history_url(room, message):
    return f"/collaboratives/rooms/{room.pk}/messages/{message.pk}/history/"


@pytest.fixture
def second_member(cohort):
    return MembershipFactory(cohort=cohort, role=Role.MEMBER).user


@pytest.fixture
def message(room, second_member):
    return post_message(room, second_member, "This is <b>not</b> okay")


@pytest.fixture
def open_report(room, message, cohort_member):
    return room_services.message_report(
        room=room, reporter=cohort_member, message_id=message.pk, reason="Shares a family's name"
    )


# --- report a message ---------------------------------------------------------------------------


def test_report_page_shows_message_and_labelled_reason(sign_in, room, message, cohort_member):
    response = sign_in(cohort_member).get(report_url(room, message))

    assert response.status_code == 200
    html = response.content.decode()
    assert "This is &lt;b&gt;not&lt;/b&gt; okay" in html
    assert message.author.name in html
    assert '<label for="id_reason">' in html
    assert 'name="reason"' in html
    assert "required" in html.split('name="reason"')[1].split(">")[0]
    assert 'maxlength="500"' in html


def test_report_stores_notifies_facilitators_and_audits(
    sign_in, room, message, cohort_member, facilitator
):
    response = sign_in(cohort_member).post(
        report_url(room, message), {"reason": "  Names a child in care  "}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/collaboratives/rooms/{room.pk}/"
    report = MessageReport.objects.get()
    assert (report.message, report.reporter, report.reason) == (
        message,
        cohort_member,
        "Names a child in care",
    )
    assert report.outcome == MessageReport.Outcome.OPEN
    notification = Notification.objects.get(user=facilitator)
    assert notification.kind == "report"
    assert notification.url == reports_url(room)
    assert not Notification.objects.filter(user=cohort_member).exists()
    entry = AuditEntry.objects.get(action="room.message.report")
    assert (entry.actor, entry.target_id, entry.detail) == (
        cohort_member,
        str(message.pk),
        {"room": room.pk},
    )
    assert "The facilitators will look" in page_messages(response)[0]


def test_report_by_facilitator_notifies_the_other_facilitators_only(
    sign_in, cohort, room, message, facilitator
):
    colleague = MembershipFactory(cohort=cohort, role=Role.FACILITATOR).user

    sign_in(facilitator).post(report_url(room, message), {"reason": "Second opinion please"})

    assert list(Notification.objects.values_list("user", flat=True)) == [colleague.pk]


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("", "Say briefly why you are reporting this message."),
        ("    ", "Say briefly why you are reporting this message."),
        ("ab", "at least 3 characters"),
        ("x" * 501, "Keep the reason to 500 characters or fewer (it has 501)."),
    ],
)
def test_report_bad_reason_explains_and_changes_nothing(
    sign_in, room, message, cohort_member, facilitator, reason, expected
):
    response = sign_in(cohort_member).post(report_url(room, message), {"reason": reason})

    assert response.status_code == 400
    html = response.content.decode()
    assert expected in html
    assert 'aria-describedby="id_reason_helptext id_reason_error"' in html
    assert 'aria-invalid="true"' in html
    assert not MessageReport.objects.exists()
    assert not Notification.objects.exists()
    assert not AuditEntry.objects.exists()


def test_report_twice_says_already_reported(sign_in, room, message, cohort_member, open_report):
    response = sign_in(cohort_member).post(report_url(room, message), {"reason": "Again, please"})

    assert response.status_code == 400
    assert "You already reported this message" in response.content.decode()
    assert MessageReport.objects.count() == 1


def test_report_of_removed_message_says_so(sign_in, room, message, cohort_member):
    RoomMessage.objects.filter(pk=message.pk).update(deleted_at=timezone.now())

    response = sign_in(cohort_member).post(report_url(room, message), {"reason": "Still bad"})

    assert response.status_code == 302
    assert page_messages(response) == ["That message was already removed."]
    assert not MessageReport.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "member"])
def test_report_by_non_member_is_404(request, sign_in, room, message, who):
    user = request.getfixturevalue(who)  # `member` belongs to another cohort

    get = sign_in(user).get(report_url(room, message))
    post = sign_in(user).post(report_url(room, message), {"reason": "Looks wrong"})

    assert (get.status_code, post.status_code) == (404, 404)
    assert not MessageReport.objects.exists()


def test_report_of_another_rooms_message_is_404(sign_in, cohort, room, cohort_member):
    other_room = RoomFactory(cohort=cohort, name="Other")
    elsewhere = post_message(other_room, cohort_member)

    response = sign_in(cohort_member).post(report_url(room, elsewhere), {"reason": "Not here"})

    assert response.status_code == 404
    assert not MessageReport.objects.exists()


def test_report_signed_out_redirects_to_login(client, room, message):
    response = client.get(report_url(room, message))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- review queue -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("facilitator", 200),
        ("administrator", 200),
        ("cohort_member", 404),
        ("staff_editor", 404),
        ("outsider", 404),
    ],
)
def test_reports_page_only_for_moderators(request, sign_in, room, open_report, who, status):
    response = sign_in(request.getfixturevalue(who)).get(reports_url(room))

    assert response.status_code == status


def test_reports_page_lists_open_report_with_buttons(
    sign_in, room, message, open_report, facilitator, cohort_member
):
    response = sign_in(facilitator).get(reports_url(room))

    html = response.content.decode()
    assert "This is &lt;b&gt;not&lt;/b&gt; okay" in html
    assert message.author.name in html
    assert cohort_member.name in html
    assert "Shares a family&#x27;s name" in html
    assert f'name="report" value="{open_report.pk}"' in html
    assert 'name="outcome" value="removed"' in html
    assert 'name="outcome" value="dismissed"' in html
    assert "Recently handled" in html
    assert "No reports were handled yet." in html


def test_reports_remove_deletes_message_and_audits(
    sign_in, room, message, open_report, facilitator
):
    response = sign_in(facilitator).post(
        reports_url(room), {"report": open_report.pk, "outcome": "removed"}
    )

    assert response.status_code == 302
    message.refresh_from_db()
    open_report.refresh_from_db()
    assert message.deleted_at is not None
    assert message.deleted_by == facilitator
    assert (open_report.outcome, open_report.resolved_by) == ("removed", facilitator)
    assert set(AuditEntry.objects.filter(actor=facilitator).values_list("action", flat=True)) == {
        "room.message.delete",
        "room.report.removed",
    }
    assert page_messages(response) == [f"The message by {message.author.name} was removed."]
    followed = sign_in(facilitator).get(reports_url(room)).content.decode()
    assert "Nothing to review." in followed
    assert "Message removed" in followed


def test_reports_dismiss_keeps_message_and_audits(sign_in, room, message, open_report, facilitator):
    response = sign_in(facilitator).post(
        reports_url(room), {"report": open_report.pk, "outcome": "dismissed"}
    )

    assert response.status_code == 302
    message.refresh_from_db()
    open_report.refresh_from_db()
    assert message.deleted_at is None
    assert open_report.outcome == "dismissed"
    assert list(AuditEntry.objects.filter(actor=facilitator).values_list("action", flat=True)) == [
        "room.report.dismissed"
    ]


@pytest.mark.parametrize(
    "data",
    [
        {"outcome": "ban"},
        {"outcome": ""},
        {},
    ],
)
def test_reports_unknown_outcome_explains_and_changes_nothing(
    sign_in, room, message, open_report, facilitator, data
):
    response = sign_in(facilitator).post(reports_url(room), {"report": open_report.pk, **data})

    assert response.status_code == 302
    assert page_messages(response) == ["Choose to remove the message or to dismiss the report."]
    open_report.refresh_from_db()
    message.refresh_from_db()
    assert open_report.outcome == "open"
    assert message.deleted_at is None
    assert not AuditEntry.objects.filter(actor=facilitator).exists()


@pytest.mark.parametrize("report", ["abc", "", "99999999999999999999999"])
def test_reports_bad_report_id_explains(sign_in, room, open_report, facilitator, report):
    response = sign_in(facilitator).post(
        reports_url(room), {"report": report, "outcome": "dismissed"}
    )

    assert page_messages(response) == ["Choose a report."]
    open_report.refresh_from_db()
    assert open_report.outcome == "open"


def test_reports_of_another_room_cannot_be_resolved_here(
    sign_in, cohort, room, open_report, facilitator
):
    other_room = RoomFactory(cohort=cohort, name="Other")

    response = sign_in(facilitator).post(
        reports_url(other_room), {"report": open_report.pk, "outcome": "removed"}
    )

    assert page_messages(response) == ["That report was already handled."]
    open_report.refresh_from_db()
    assert open_report.outcome == "open"
    assert RoomMessage.objects.filter(deleted_at__isnull=False).count() == 0


def test_reports_post_by_member_is_404_and_changes_nothing(
    sign_in, room, open_report, cohort_member
):
    response = sign_in(cohort_member).post(
        reports_url(room), {"report": open_report.pk, "outcome": "removed"}
    )

    assert response.status_code == 404
    open_report.refresh_from_db()
    assert open_report.outcome == "open"


def test_reports_page_query_count_does_not_grow_with_reports(
    sign_in, cohort, room, facilitator, cohort_member
):
    client = sign_in(facilitator)
    reporters = [cohort_member] + [MembershipFactory(cohort=cohort).user for _ in range(2)]

    def add_report(index):
        message = post_message(room, reporters[0], f"Message {index}")
        for reporter in reporters[index % 3 :]:
            room_services.message_report(
                room=room, reporter=reporter, message_id=message.pk, reason="Please look"
            )

    def queries_for_page():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reports_url(room)).status_code == 200
        return len(captured)

    add_report(0)
    first = MessageReport.objects.first()
    room_services.report_resolve(report=first, by=facilitator, outcome="dismissed")
    add_report(1)
    one = queries_for_page()
    for index in range(2, 8):
        add_report(index)
    handled = MessageReport.objects.filter(outcome="open").first()
    room_services.report_resolve(report=handled, by=facilitator, outcome="removed")
    many = queries_for_page()

    assert MessageReport.objects.count() > 10
    assert many == one


# --- moderate: lock, mute, unmute ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("facilitator", 200),
        ("administrator", 200),
        ("cohort_member", 404),
        ("outsider", 404),
        ("member", 404),
    ],
)
def test_moderate_page_only_for_moderators(request, sign_in, room, who, status):
    response = sign_in(request.getfixturevalue(who)).get(moderate_url(room))

    assert response.status_code == status


def test_moderate_page_offers_members_but_not_facilitators(
    sign_in, room, facilitator, cohort_member
):
    response = sign_in(facilitator).get(moderate_url(room))

    html = response.content.decode()
    select = html.split('name="user"')[1].split("</select>")[0]
    assert f'value="{cohort_member.pk}"' in select
    assert f'value="{facilitator.pk}"' not in select
    for minutes, label in [(15, "15 minutes"), (60, "1 hour"), (1440, "1 day"), (10080, "1 week")]:
        assert f'<option value="{minutes}"' in html
        assert label in html
    assert '<label for="id_user">Member</label>' in html
    assert f'href="{reports_url(room)}"' in html
    assert 'href="#audit-heading"' in html


def test_moderate_lock_and_unlock_audited(sign_in, room, facilitator):
    client = sign_in(facilitator)

    locked = client.post(moderate_url(room), {"action": "lock"})
    room.refresh_from_db()
    locked_at = room.locked_at
    unlocked = client.post(moderate_url(room), {"action": "unlock"})
    room.refresh_from_db()

    assert locked.status_code == unlocked.status_code == 302
    assert locked_at is not None
    assert room.locked_at is None
    assert list(AuditEntry.objects.order_by("id").values_list("action", "actor", "target_id")) == [
        ("room.lock", facilitator.pk, str(room.pk)),
        ("room.unlock", facilitator.pk, str(room.pk)),
    ]
    assert "is locked" in page_messages(locked)[0]


def test_moderate_mute_member_audited(sign_in, room, facilitator, cohort_member):
    before = timezone.now()

    response = sign_in(facilitator).post(
        moderate_url(room),
        {"action": "mute", "user": cohort_member.pk, "minutes": "60", "reason": "Cooling off"},
    )

    assert response.status_code == 302
    mute = RoomMute.objects.get()
    assert (mute.user, mute.muted_by, mute.reason) == (cohort_member, facilitator, "Cooling off")
    assert before + dt.timedelta(minutes=59) < mute.until <= timezone.now() + dt.timedelta(hours=1)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.detail) == (
        "room.member.mute",
        facilitator,
        {"user": cohort_member.pk, "minutes": 60, "reason": "Cooling off"},
    )
    assert f"{cohort_member.name} is muted" in page_messages(response)[0]
    page = sign_in(facilitator).get(moderate_url(room)).content.decode()
    assert f'name="user" value="{cohort_member.pk}"' in page
    assert "Unmute" in page
    assert f"muted {cohort_member.name} for 1 hour (reason: Cooling off)" in page


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        ("0", "Choose how long the mute lasts: 15 minutes, 1 hour, 1 day or 1 week."),
        ("5", "Choose how long the mute lasts: 15 minutes, 1 hour, 1 day or 1 week."),
        ("20000", "Choose how long the mute lasts: 15 minutes, 1 hour, 1 day or 1 week."),
        ("-15", "Choose how long the mute lasts: 15 minutes, 1 hour, 1 day or 1 week."),
        ("soon", "Choose how long the mute lasts: 15 minutes, 1 hour, 1 day or 1 week."),
        ("", "Choose how long the mute lasts."),
    ],
)
def test_moderate_mute_bad_minutes_explains_and_changes_nothing(
    sign_in, room, facilitator, cohort_member, minutes, expected
):
    response = sign_in(facilitator).post(
        moderate_url(room), {"action": "mute", "user": cohort_member.pk, "minutes": minutes}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert expected in html
    assert 'aria-describedby="id_minutes_error"' in html
    assert not RoomMute.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("who", ["facilitator", "outsider", "member"])
def test_moderate_mute_of_non_mutable_person_refused(request, sign_in, room, facilitator, who):
    target = request.getfixturevalue(who)

    response = sign_in(facilitator).post(
        moderate_url(room), {"action": "mute", "user": target.pk, "minutes": "15"}
    )

    assert response.status_code == 400
    assert (
        "Choose a member of this room; facilitators cannot be muted." in response.content.decode()
    )
    assert not RoomMute.objects.exists()
    assert not AuditEntry.objects.exists()


def test_moderate_mute_too_long_reason_refused(sign_in, room, facilitator, cohort_member):
    response = sign_in(facilitator).post(
        moderate_url(room),
        {"action": "mute", "user": cohort_member.pk, "minutes": "15", "reason": "x" * 256},
    )

    assert response.status_code == 400
    assert "Keep the reason to 255 characters or fewer." in response.content.decode()
    assert not RoomMute.objects.exists()


def test_moderate_unmute_ends_mute_and_audits(sign_in, room, facilitator, cohort_member):
    room_services.room_member_mute(room=room, user=cohort_member, minutes=60, by=facilitator)

    response = sign_in(facilitator).post(
        moderate_url(room), {"action": "unmute", "user": cohort_member.pk}
    )

    assert response.status_code == 302
    assert not RoomMute.objects.filter(until__gt=timezone.now()).exists()
    assert AuditEntry.objects.filter(action="room.member.unmute", actor=facilitator).count() == 1
    assert page_messages(response) == [f"{cohort_member.name} can post in {room.name} again."]


@pytest.mark.parametrize("user", ["", "abc"])
def test_moderate_unmute_without_person_explains(sign_in, room, facilitator, user):
    response = sign_in(facilitator).post(moderate_url(room), {"action": "unmute", "user": user})

    assert page_messages(response) == ["Choose the person to unmute."]
    assert not AuditEntry.objects.exists()


def test_moderate_unmute_of_person_not_muted_says_so(sign_in, room, facilitator, cohort_member):
    response = sign_in(facilitator).post(
        moderate_url(room), {"action": "unmute", "user": cohort_member.pk}
    )

    assert page_messages(response) == [f"{cohort_member.name} was not muted in {room.name}."]
    assert not AuditEntry.objects.exists()


def test_moderate_unknown_action_explains_and_changes_nothing(sign_in, room, facilitator):
    response = sign_in(facilitator).post(moderate_url(room), {"action": "delete-room"})

    assert page_messages(response) == ["Choose lock, unlock, mute or unmute."]
    room.refresh_from_db()
    assert room.locked_at is None
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("who", ["cohort_member", "outsider"])
def test_moderate_post_by_non_moderator_is_404(request, sign_in, room, cohort_member, who):
    client = sign_in(request.getfixturevalue(who))

    lock = client.post(moderate_url(room), {"action": "lock"})
    mute = client.post(
        moderate_url(room), {"action": "mute", "user": cohort_member.pk, "minutes": "15"}
    )

    assert (lock.status_code, mute.status_code) == (404, 404)
    room.refresh_from_db()
    assert room.locked_at is None
    assert not RoomMute.objects.exists()
    assert not AuditEntry.objects.exists()


def test_moderate_page_shows_this_rooms_last_20_audit_entries(
    sign_in, cohort, room, message, facilitator, cohort_member
):
    other_room = RoomFactory(cohort=cohort, name="Other room")
    audit_record(actor=facilitator, action="room.lock", target=other_room)
    for _ in range(21):
        audit_record(actor=facilitator, action="room.unlock", target=room)
    room_services.room_message_delete(room=room, user=facilitator, message_id=message.pk)

    html = sign_in(facilitator).get(moderate_url(room)).content.decode()

    audit = html.split('id="audit-heading"')[1]
    assert audit.count("<li>") == 20
    assert f"deleted a message by {message.author.name}" in audit
    assert f"{facilitator.name} locked the room" not in audit


# --- edit history -------------------------------------------------------------------------------


def test_history_shows_current_text_and_revisions(sign_in, room, second_member, facilitator):
    message = post_message(room, second_member, "First words")
    room_services.room_message_edit(
        room=room, user=second_member, message_id=message.pk, body="Second words"
    )
    room_services.room_message_edit(
        room=room, user=second_member, message_id=message.pk, body="Third words"
    )

    response = sign_in(facilitator).get(history_url(room, message))

    assert response.status_code == 200
    html = response.content.decode()
    current = html.split('id="current-heading"')[1].split('id="earlier-heading"')[0]
    earlier = html.split('id="earlier-heading"')[1]
    assert "Third words" in current
    assert earlier.index("Second words") < earlier.index("First words")
    assert earlier.count(f"by {second_member.name}") == 2


def test_history_of_unedited_message_says_so(sign_in, room, message, facilitator):
    response = sign_in(facilitator).get(history_url(room, message))

    assert "This message was never edited." in response.content.decode()


@pytest.mark.parametrize("who", ["cohort_member", "outsider", "second_member"])
def test_history_hidden_from_non_moderators(request, sign_in, room, message, who):
    response = sign_in(request.getfixturevalue(who)).get(history_url(room, message))

    assert response.status_code == 404


def test_history_of_another_rooms_message_is_404(sign_in, cohort, room, facilitator):
    other_room = RoomFactory(cohort=cohort, name="Other")
    elsewhere = post_message(other_room, facilitator)

    response = sign_in(facilitator).get(history_url(room, elsewhere))

    assert response.status_code == 404


# --- audit log in the Wagtail admin -------------------------------------------------------------

AUDIT_ADMIN = "/admin/audit-log/"


def test_audit_log_admin_lists_entries_for_administrators(
    sign_in, room, administrator, facilitator
):
    lock = audit_record(actor=facilitator, action="room.lock", target=room)
    mute = audit_record(
        actor=facilitator, action="room.member.mute", target=room, detail={"user": 1}
    )

    response = sign_in(administrator).get(AUDIT_ADMIN)

    assert response.status_code == 200
    html = response.content.decode()
    listing = html.split('<table class="listing">')[1]
    # Newest first, each linking to its read-only detail page.
    assert listing.index(f"{AUDIT_ADMIN}inspect/{mute.pk}/") < listing.index(
        f"{AUDIT_ADMIN}inspect/{lock.pk}/"
    )
    assert "room.member.mute" in listing
    assert facilitator.get_full_name() in listing
    assert 'name="action" value="room.lock"' in html  # the action filter offers what is on record
    assert 'name="created_at_from"' in html
    assert f"{AUDIT_ADMIN}new/" not in html
    assert f"{AUDIT_ADMIN}edit/" not in html
    assert f"{AUDIT_ADMIN}delete/" not in html


def test_audit_log_admin_filters_by_action_and_date(sign_in, room, administrator, facilitator):
    recent = audit_record(actor=facilitator, action="room.lock", target=room)
    old = audit_record(actor=facilitator, action="room.unlock", target=room)
    AuditEntry.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=40))
    client = sign_in(administrator)
    since = (timezone.localdate() - dt.timedelta(days=7)).isoformat()

    by_action = client.get(f"{AUDIT_ADMIN}results/", {"action": "room.unlock"}).content.decode()
    by_date = client.get(f"{AUDIT_ADMIN}results/", {"created_at_from": since}).content.decode()

    assert f"inspect/{old.pk}/" in by_action
    assert f"inspect/{recent.pk}/" not in by_action
    assert f"inspect/{recent.pk}/" in by_date
    assert f"inspect/{old.pk}/" not in by_date


def test_audit_log_admin_entry_detail_is_read_only(sign_in, room, administrator, facilitator):
    entry = audit_record(actor=facilitator, action="room.lock", target=room, detail={"a": 1})
    client = sign_in(administrator)

    inspect = client.get(f"{AUDIT_ADMIN}inspect/{entry.pk}/")
    edit = client.post(f"{AUDIT_ADMIN}edit/{entry.pk}/", {"action": "forged"})
    delete = client.post(f"{AUDIT_ADMIN}delete/{entry.pk}/")
    add = client.post(f"{AUDIT_ADMIN}new/", {"action": "forged"})

    assert inspect.status_code == 200
    assert "room.lock" in inspect.content.decode()
    assert (edit.status_code, delete.status_code, add.status_code) == (404, 404, 404)
    entry.refresh_from_db()
    assert entry.action == "room.lock"
    assert AuditEntry.objects.count() == 1


@pytest.mark.parametrize("who", ["staff_editor", "facilitator"])
def test_audit_log_admin_refused_to_others(request, sign_in, room, who):
    entry = audit_record(actor=None, action="room.lock", target=room)
    client = sign_in(request.getfixturevalue(who))

    listing = client.get(AUDIT_ADMIN)
    inspect = client.get(f"{AUDIT_ADMIN}inspect/{entry.pk}/")

    assert listing.status_code in (302, 403)
    assert inspect.status_code in (302, 403)
    assert "room.lock" not in listing.content.decode()


def test_audit_log_exports_as_csv_for_administrators_only(
    sign_in, room, administrator, facilitator, cohort_member
):
    audit_record(actor=facilitator, action="room.lock", target=room, detail={"why": "=cmd"})

    response = sign_in(administrator).get(AUDIT_ADMIN, {"export": "csv"})

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log')
    text = b"".join(response.streaming_content).decode()
    assert "room.lock" in text and "collaboratives.room" in text
    refused = sign_in(cohort_member).get(AUDIT_ADMIN, {"export": "csv"})
    assert refused.status_code in (302, 403)
