"""Moderation: pin, lock, move, hide, restore, reports; every action in the audit log."""

import pytest
from django.urls import reverse

from accounts.models import AuditEntry, Notification
from forums.models import Board, PostReport


@pytest.mark.parametrize(
    ("action", "field", "value"),
    [("pin", "is_pinned", True), ("lock", "is_locked", True), ("hide", "is_hidden", True)],
)
def test_facilitator_moderates_a_topic_and_it_is_audited(
    sign_in, facilitator, topic, action, field, value
):
    response = sign_in(facilitator).post(
        reverse("forums:topic_moderate", args=[topic.pk]), {"action": action}
    )
    assert response.status_code == 302
    topic.refresh_from_db()
    assert getattr(topic, field) is value
    entry = AuditEntry.objects.get(action=f"forums.topic_{action}")
    assert entry.actor == facilitator and entry.target_id == str(topic.pk)


def test_member_cannot_moderate_and_an_unknown_action_changes_nothing(
    sign_in, peer, facilitator, topic
):
    url = reverse("forums:topic_moderate", args=[topic.pk])
    assert sign_in(peer).post(url, {"action": "pin"}).status_code == 404
    response = sign_in(facilitator).post(url, {"action": "explode"}, follow=True)
    assert "Choose pin, unpin, lock, unlock, hide or restore." in response.content.decode()
    topic.refresh_from_db()
    assert not (topic.is_pinned or topic.is_locked or topic.is_hidden)
    assert not AuditEntry.objects.filter(action__startswith="forums.topic_p").exists()


def test_hidden_topic_is_gone_for_members_and_restorable_by_the_facilitator(
    sign_in, facilitator, peer, topic
):
    client = sign_in(facilitator)
    client.post(reverse("forums:topic_moderate", args=[topic.pk]), {"action": "hide"})
    assert sign_in(peer).get(topic.get_absolute_url()).status_code == 404
    client = sign_in(facilitator)
    assert client.get(topic.get_absolute_url()).status_code == 200
    client.post(reverse("forums:topic_moderate", args=[topic.pk]), {"action": "restore"})
    assert sign_in(peer).get(topic.get_absolute_url()).status_code == 200
    assert AuditEntry.objects.filter(action="forums.topic_restore").exists()


def test_hidden_post_shows_as_hidden_to_members(sign_in, facilitator, peer, topic, reply):
    sign_in(facilitator).post(reverse("forums:post_moderate", args=[reply.pk]), {"action": "hide"})
    page = sign_in(peer).get(topic.get_absolute_url()).content.decode()
    assert "A calm corner helps." not in page
    assert "This post was hidden by a facilitator." in page
    assert AuditEntry.objects.filter(action="forums.post_hide", target_id=str(reply.pk)).exists()


def test_move_only_to_a_board_the_facilitator_manages(
    sign_in, facilitator, cohort, topic, other_board
):
    second = Board.objects.create(
        name="Readings", slug="readings", scope=Board.Scope.COHORT, cohort=cohort
    )
    client = sign_in(facilitator)
    url = reverse("forums:topic_move", args=[topic.pk])
    form = client.get(url).content.decode()
    assert "Readings" in form and "Other cohort board" not in form
    response = client.post(url, {"board": other_board.pk})
    assert response.status_code == 400
    topic.refresh_from_db()
    assert topic.board_id != other_board.pk
    client.post(url, {"board": second.pk})
    topic.refresh_from_db()
    assert topic.board == second
    assert AuditEntry.objects.get(action="forums.topic_move").detail == {
        "from": "cohort-board",
        "to": "readings",
    }


def test_member_reports_a_post_and_facilitators_review_it(sign_in, peer, facilitator, topic):
    post = topic.posts.get()
    response = sign_in(peer).post(
        reverse("forums:post_report", args=[post.pk]), {"reason": "Names a family"}
    )
    assert response.status_code == 302
    report = PostReport.objects.get()
    assert report.reason == "Names a family"
    assert Notification.objects.get(user=facilitator, kind="forum-report")
    client = sign_in(facilitator)
    queue = client.get(reverse("forums:reports", args=["cohort-board"])).content.decode()
    assert "Names a family" in queue
    client.post(reverse("forums:reports", args=["cohort-board"]), {"report": report.pk})
    report.refresh_from_db()
    assert report.resolved_by == facilitator
    assert AuditEntry.objects.filter(action="forums.report_resolve").exists()


def test_report_without_a_reason_says_so_and_stores_nothing(sign_in, peer, topic):
    post = topic.posts.get()
    response = sign_in(peer).post(reverse("forums:post_report", args=[post.pk]), {"reason": " "})
    assert response.status_code == 400
    assert "Say briefly what is wrong" in response.content.decode()
    assert not PostReport.objects.exists()


def test_members_cannot_see_the_review_queue(sign_in, peer, topic):
    assert sign_in(peer).get(reverse("forums:reports", args=["cohort-board"])).status_code == 404


def test_community_boards_are_moderated_by_staff_not_cohort_facilitators(
    sign_in, facilitator, staff, author
):
    from forums import services

    board = Board.objects.create(name="Everyone", slug="everyone", scope=Board.Scope.COMMUNITY)
    topic = services.topic_create(actor=author, board=board, title="Open", body="Hello")
    url = reverse("forums:topic_moderate", args=[topic.pk])
    assert sign_in(facilitator).post(url, {"action": "pin"}).status_code == 404
    assert sign_in(staff).post(url, {"action": "pin"}).status_code == 302
    topic.refresh_from_db()
    assert topic.is_pinned
