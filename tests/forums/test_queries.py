"""A board's topic list costs the same number of queries at 1 topic and at 30."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from forums import services


def _topics(board, author, peer, count):
    for n in range(count):
        topic = services.topic_create(actor=author, board=board, title=f"Topic {n}", body="x")
        services.post_create(actor=peer, topic=topic, body="reply")


def _count(client, board) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(board.get_absolute_url()).status_code == 200
    return len(queries)


def test_topic_list_query_count_is_constant(
    sign_in, author, peer, board, django_assert_num_queries
):
    client = sign_in(peer)
    _topics(board, author, peer, 1)
    client.get(board.get_absolute_url())  # warm caches shared by every page (groups, sessions)
    at_one = _count(client, board)
    _topics(board, author, peer, 29)
    with django_assert_num_queries(at_one):
        response = client.get(board.get_absolute_url())
    assert response.content.decode().count('class="card forum-topic') == 25
