"""Forum topics and replies through the one search entry point, by who is asking."""

import pytest

from forums import services
from forums.models import Board


@pytest.fixture
def indexed(board, other_board, author, other_member, peer):
    """A topic and a reply on our cohort's board, and one on another cohort's board."""
    topic = services.topic_create(
        actor=author, board=board, title="Tantrums at transitions", body="Zebrafinch routines"
    )
    services.post_create(actor=peer, topic=topic, body="Zebrafinch songs helped us")
    services.topic_create(
        actor=other_member,
        board=other_board,
        title="Zebrafinch secrets of the other cohort",
        body="Only for them",
    )
    return topic


def api(client, **params) -> dict:
    response = client.get("/api/search/", params)
    assert response.status_code == 200, response.content[:300]
    return response.json()


def forum_counts(body) -> dict:
    return {f["slug"]: f["count"] for f in body["facets"]["type"] if f["slug"].startswith("forum")}


def test_member_finds_topics_and_replies_of_their_board(sign_in, peer, indexed):
    body = api(sign_in(peer), q="zebrafinch")
    urls = {hit["url"] for hit in body["results"]}
    assert indexed.get_absolute_url() in urls
    assert any(hit["type"] == "forum-post" for hit in body["results"])
    assert all("other cohort" not in hit["title"] for hit in body["results"])
    assert all("Only for them" not in hit["snippet"] for hit in body["results"])
    assert body["total"] == 2
    assert forum_counts(body) == {"forum-topic": 1, "forum-post": 1}


def test_other_cohort_member_sees_only_their_own_post_in_results_and_counts(
    sign_in, other_member, indexed
):
    body = api(sign_in(other_member), q="zebrafinch")
    assert [hit["title"] for hit in body["results"]] == ["Zebrafinch secrets of the other cohort"]
    assert body["total"] == 1
    assert forum_counts(body) == {"forum-topic": 1}


@pytest.mark.parametrize("who", ["outsider", None])
def test_outsiders_and_visitors_find_no_cohort_posts(who, request, sign_in, client, indexed):
    if who:
        client = sign_in(request.getfixturevalue(who))
    for params in ({"q": "zebrafinch"}, {}):
        body = api(client, **params)
        assert not [hit for hit in body["results"] if hit["type"].startswith("forum")]
        assert forum_counts(body) == {}
    assert api(client, q="zebrafinch")["total"] == 0


def test_outsider_finds_community_board_posts(sign_in, outsider, author):
    board = Board.objects.create(name="Everyone", slug="everyone", scope=Board.Scope.COMMUNITY)
    services.topic_create(actor=author, board=board, title="Quokka reading list", body="Books")
    body = api(sign_in(outsider), q="quokka")
    assert [hit["title"] for hit in body["results"]] == ["Quokka reading list"]


def test_hidden_topics_leave_search(sign_in, peer, facilitator, indexed):
    services.topic_moderate(actor=facilitator, topic=indexed, action="hide")
    body = api(sign_in(peer), q="zebrafinch")
    assert body["total"] == 0 and body["results"] == []


def test_elasticsearch_query_leaves_out_restricted_documents_without_the_members_keys():
    from resources.search import elasticsearch as es
    from resources.search.query import Filters, parse

    body = es.search_body(
        parse("sleep"), Filters(), audience="members", page=1, page_size=20, keys=("forumboard7",)
    )
    # Not restricted, or restricted to a key the member holds.
    assert body["query"]["bool"]["filter"][0] == {
        "bool": {
            "should": [
                {"bool": {"must_not": [{"term": {"access": "restricted"}}]}},
                {"terms": {"access": ["forumboard7"]}},
            ]
        }
    }
    visitor = es.search_body(parse("sleep"), Filters(), audience="public", page=1, page_size=20)
    assert "access" not in str(visitor)


def test_search_documents_of_cohort_boards_are_restricted_to_the_board(topic, board):
    from forums.search import TopicSource

    document = TopicSource().document(TopicSource().indexable().get(pk=topic.pk))
    assert document.members_only and list(document.restricted_to) == [f"forumboard{board.pk}"]


def test_moved_topic_follows_its_new_board_in_search(
    sign_in, facilitator, cohort, peer, other_member, indexed
):
    from collaboratives.models import Role
    from tests.factories import MembershipFactory

    # The facilitator also facilitates the other cohort, and moves the topic there.
    other_board = Board.objects.get(slug="other-board")
    MembershipFactory(cohort=other_board.cohort, user=facilitator, role=Role.FACILITATOR)
    services.topic_move(actor=facilitator, topic=indexed, board=other_board)
    assert api(sign_in(peer), q="zebrafinch")["total"] == 0
    assert api(sign_in(other_member), q="zebrafinch")["total"] == 3
