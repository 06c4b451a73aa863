"""Only a board's audience reads or acts there; everyone else gets the same 404 as for nothing."""

import pytest
from django.urls import reverse

from accounts.models import AuditEntry
from forums.models import Board, Post, PostReport, Subscription, Topic
from tests.factories import CohortFactory, MembershipFactory


def _endpoints(topic, post, board):
    return [
        ("get", reverse("forums:board", args=[board.slug]), {}),
        ("get", reverse("forums:topic_create", args=[board.slug]), {}),
        ("post", reverse("forums:topic_create", args=[board.slug]), {"title": "x", "body": "y"}),
        ("post", reverse("forums:board_follow", args=[board.slug]), {"level": "follow"}),
        ("get", reverse("forums:reports", args=[board.slug]), {}),
        ("get", reverse("forums:topic", args=[topic.pk]), {}),
        ("get", reverse("forums:topic_unread", args=[topic.pk]), {}),
        ("post", reverse("forums:topic_reply", args=[topic.pk]), {"body": "sneaky"}),
        ("get", reverse("forums:topic_posts_after", args=[topic.pk]), {"after": 0}),
        ("post", reverse("forums:topic_answer", args=[topic.pk]), {"post": post.pk}),
        ("post", reverse("forums:topic_moderate", args=[topic.pk]), {"action": "pin"}),
        ("get", reverse("forums:topic_move", args=[topic.pk]), {}),
        ("post", reverse("forums:topic_follow", args=[topic.pk]), {"level": "follow"}),
        ("get", reverse("forums:post", args=[post.pk]), {}),
        ("get", reverse("forums:post_edit", args=[post.pk]), {}),
        ("post", reverse("forums:post_edit", args=[post.pk]), {"body": "changed"}),
        ("get", reverse("forums:post_history", args=[post.pk]), {}),
        ("post", reverse("forums:post_moderate", args=[post.pk]), {"action": "hide"}),
        ("get", reverse("forums:post_report", args=[post.pk]), {}),
        ("post", reverse("forums:post_report", args=[post.pk]), {"reason": "spam"}),
    ]


@pytest.mark.parametrize("who", ["outsider", "other_member", "other_facilitator"])
def test_every_forum_view_is_404_for_people_outside_the_board(
    who, request, sign_in, topic, reply, board
):
    client = sign_in(request.getfixturevalue(who))
    snapshot = (Topic.objects.count(), Post.objects.count(), PostReport.objects.count())
    audit = AuditEntry.objects.count()
    for method, url, data in _endpoints(topic, reply, board):
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (method, url, response.status_code)
        assert b"Sleep routines" not in response.content
    assert (Topic.objects.count(), Post.objects.count(), PostReport.objects.count()) == snapshot
    assert AuditEntry.objects.count() == audit
    assert not Subscription.objects.exclude(user__in=[topic.author, reply.author]).exists()
    topic.refresh_from_db()
    assert not topic.is_pinned and topic.answer_id is None


def test_a_missing_topic_is_the_same_404_as_a_forbidden_one(sign_in, outsider, topic):
    client = sign_in(outsider)
    forbidden = client.get(reverse("forums:topic", args=[topic.pk]))
    missing = client.get(reverse("forums:topic", args=[topic.pk + 1000]))
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.content == missing.content


def test_forum_views_send_signed_out_visitors_to_sign_in(client, topic, board):
    for url in (reverse("forums:list"), board.get_absolute_url(), topic.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_members_of_members_own_cohort_read_the_board_and_topic(sign_in, peer, topic, board):
    client = sign_in(peer)
    assert client.get(board.get_absolute_url()).status_code == 200
    response = client.get(topic.get_absolute_url())
    assert response.status_code == 200
    assert b"Sleep routines" in response.content


def test_board_list_shows_only_the_boards_of_the_viewer(sign_in, peer, board, other_board):
    Board.objects.create(name="Everyone", slug="everyone", scope=Board.Scope.COMMUNITY)
    body = sign_in(peer).get(reverse("forums:list")).content.decode()
    assert "Cohort board" in body and "Everyone" in body
    assert "Other cohort board" not in body


def test_collaborative_board_is_read_by_members_of_any_of_its_cohorts(
    sign_in, cohort, other_member
):
    sibling = CohortFactory(collaborative=cohort.collaborative)
    sibling_member = MembershipFactory(cohort=sibling).user
    board = Board.objects.create(
        name="Whole collaborative",
        slug="whole",
        scope=Board.Scope.COLLABORATIVE,
        collaborative=cohort.collaborative,
    )
    assert sign_in(sibling_member).get(board.get_absolute_url()).status_code == 200
    assert sign_in(other_member).get(board.get_absolute_url()).status_code == 404


def test_community_board_is_read_by_any_signed_in_member(sign_in, outsider):
    board = Board.objects.create(name="Everyone", slug="everyone", scope=Board.Scope.COMMUNITY)
    assert sign_in(outsider).get(board.get_absolute_url()).status_code == 200


def test_staff_read_every_board_and_a_member_who_left_does_not(sign_in, staff, author, topic):
    assert sign_in(staff).get(topic.get_absolute_url()).status_code == 200
    from django.utils import timezone

    author.memberships.update(left_at=timezone.now())
    assert sign_in(author).get(topic.get_absolute_url()).status_code == 404


def test_only_staff_create_boards(sign_in, facilitator, staff, cohort):
    data = {"name": "New", "slug": "new-board", "scope": "cohort", "cohort": cohort.pk}
    response = sign_in(facilitator).post(reverse("forums:board_create"), data)
    assert response.status_code == 404
    assert not Board.objects.filter(slug="new-board").exists()
    response = sign_in(staff).post(reverse("forums:board_create"), data)
    assert response.status_code == 302
    assert Board.objects.get(slug="new-board").cohort == cohort


def test_board_create_without_a_cohort_for_a_cohort_board_says_so(sign_in, staff):
    data = {"name": "New", "slug": "new-board", "scope": "cohort"}
    response = sign_in(staff).post(reverse("forums:board_create"), data)
    assert response.status_code == 400
    assert "Choose the cohort" in response.content.decode()
    assert not Board.objects.filter(slug="new-board").exists()


def test_a_deactivated_member_reads_nothing(sign_in, author, topic):
    author.is_active = False
    author.save()
    assert not author.has_perm("forums.view_board", topic.board)
