"""Topics and replies: posting, quoting, unread markers, pages that keep their place, answers."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from competencies.models import Competency
from events.models import Visibility
from forums import selectors, services
from forums.models import Post, PostRevision, ReadState, Topic
from tests.factories import SessionFactory


def test_topic_create_stores_title_rendered_markdown_and_tags(sign_in, author, board):
    competency = Competency.objects.first()
    response = sign_in(author).post(
        reverse("forums:topic_create", args=[board.slug]),
        {
            "title": "  Biting  in the toddler room ",
            "body": "Has **anyone** tried this?",
            "competencies": [competency.pk],
        },
    )
    topic = Topic.objects.get()
    assert response.status_code == 302
    assert response["Location"] == topic.get_absolute_url()
    assert topic.title == "Biting in the toddler room"
    assert list(topic.competencies.all()) == [competency]
    assert topic.posts.get().html == "<p>Has <strong>anyone</strong> tried this?</p>"


@pytest.mark.parametrize(
    ("title", "body", "message"),
    [
        ("", "Some text", "Give the topic a title."),
        ("   ", "Some text", "Give the topic a title."),
        ("A title", "   ", "Write something before posting."),
        ("x" * 201, "Some text", "the limit is 200"),
        ("A title", "y" * 20_001, "the limit is 20000"),
    ],
)
def test_topic_create_bad_input_keeps_the_text_and_stores_nothing(
    sign_in, author, board, title, body, message
):
    response = sign_in(author).post(
        reverse("forums:topic_create", args=[board.slug]), {"title": title, "body": body}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert 'aria-invalid="true"' in html
    if body.strip():
        assert body[:50] in html  # the author's text is still in the form
    assert not Topic.objects.exists() and not Post.objects.exists()


def test_topic_session_link_offers_only_sessions_the_author_may_see(sign_in, author, board, cohort):
    mine = SessionFactory(collaborative=cohort.collaborative, title="March 12 session")
    hidden = SessionFactory(visibility=Visibility.COLLABORATIVE, title="Elsewhere session")
    client = sign_in(author)
    form = client.get(reverse("forums:topic_create", args=[board.slug])).content.decode()
    assert "March 12 session" in form and "Elsewhere session" not in form
    url = reverse("forums:topic_create", args=[board.slug])
    refused = client.post(url, {"title": "Q", "body": "B", "session": hidden.pk})
    assert refused.status_code == 400 and not Topic.objects.exists()
    client.post(url, {"title": "Questions for March 12", "body": "B", "session": mine.pk})
    topic = Topic.objects.get()
    assert topic.session == mine
    assert "March 12 session" in client.get(topic.get_absolute_url()).content.decode()


def test_reply_quotes_an_earlier_post_and_links_to_it(sign_in, peer, topic):
    first = topic.posts.get()
    client = sign_in(peer)
    page = client.get(topic.get_absolute_url(), {"reply_to": first.pk}).content.decode()
    assert "&gt; What helps *you*?" in page  # the quote is in the reply box
    response = client.post(
        reverse("forums:topic_reply", args=[topic.pk]),
        {"body": "> What helps *you*?\n\nRoutines.", "reply_to": first.pk},
    )
    reply = Post.objects.latest("id")
    assert response.status_code == 302
    assert response["Location"].endswith(f"?page=1#post-{reply.pk}")
    assert reply.reply_to == first
    assert "<blockquote>" in reply.html
    page = client.get(topic.get_absolute_url()).content.decode()
    assert f'href="{reverse("forums:post", args=[first.pk])}"' in page
    topic.refresh_from_db()
    assert topic.reply_count == 1


def test_reply_empty_or_too_long_keeps_the_text_and_stores_nothing(sign_in, peer, topic):
    client = sign_in(peer)
    url = reverse("forums:topic_reply", args=[topic.pk])
    response = client.post(url, {"body": "   "})
    assert response.status_code == 400
    assert "Write something before posting." in response.content.decode()
    long_text = "z" * 20_001
    response = client.post(url, {"body": long_text})
    assert response.status_code == 400
    assert "the limit is 20000" in response.content.decode()
    assert long_text in response.content.decode()
    assert topic.posts.count() == 1


def test_reply_to_a_post_of_another_topic_is_refused(sign_in, peer, topic, board, author):
    elsewhere = services.topic_create(actor=author, board=board, title="Other", body="Other")
    response = sign_in(peer).post(
        reverse("forums:topic_reply", args=[topic.pk]),
        {"body": "Hi", "reply_to": elsewhere.posts.get().pk},
    )
    assert response.status_code == 400
    assert "visible post of this topic" in response.content.decode()
    assert topic.posts.count() == 1


def test_locked_topic_refuses_replies_with_a_clear_message(sign_in, peer, facilitator, topic):
    services.topic_moderate(actor=facilitator, topic=topic, action="lock")
    client = sign_in(peer)
    page = client.get(topic.get_absolute_url()).content.decode()
    assert "This topic is locked" in page and 'id="id_body"' not in page
    response = client.post(reverse("forums:topic_reply", args=[topic.pk]), {"body": "Late"})
    assert response.status_code == 400
    assert "This topic is locked" in response.content.decode()
    assert topic.posts.count() == 1


def test_unread_markers_and_jump_to_first_unread(sign_in, author, peer, topic):
    client = sign_in(author)
    client.get(topic.get_absolute_url())  # read everything so far
    first_new = services.post_create(actor=peer, topic=topic, body="One")
    services.post_create(actor=peer, topic=topic, body="Two")
    board_page = client.get(topic.board.get_absolute_url()).content.decode()
    assert reverse("forums:topic_unread", args=[topic.pk]) in board_page
    response = client.get(reverse("forums:topic_unread", args=[topic.pk]))
    assert response["Location"].endswith(f"?page=1#post-{first_new.pk}")
    page = client.get(topic.get_absolute_url()).content.decode()
    assert page.count('<span class="badge">New</span>') == 2
    # Seen now: nothing is unread any more.
    assert selectors.first_unread_post_id(user=author, topic=topic) is None
    assert (
        ReadState.objects.get(user=author, topic=topic).last_read_post_id == topic.posts.last().pk
    )


def test_post_permalink_resolves_to_the_page_that_holds_it(sign_in, peer, topic):
    posts = [services.post_create(actor=peer, topic=topic, body=f"Reply {n}") for n in range(45)]
    client = sign_in(peer)
    response = client.get(reverse("forums:post", args=[posts[30].pk]))
    # 1 opening post + 45 replies, 20 a page: the 31st reply is post 32, on page 2.
    assert response["Location"] == f"{topic.get_absolute_url()}?page=2#post-{posts[30].pk}"
    page = client.get(topic.get_absolute_url(), {"page": 2}).content.decode()
    assert f'id="post-{posts[30].pk}"' in page
    assert "Page 2 of 3" in page


def test_mark_answered_by_the_author_or_a_facilitator_only(
    sign_in, author, peer, facilitator, topic, reply
):
    url = reverse("forums:topic_answer", args=[topic.pk])
    assert sign_in(peer).post(url, {"post": reply.pk}).status_code == 404
    topic.refresh_from_db()
    assert topic.answer is None
    sign_in(author).post(url, {"post": reply.pk})
    topic.refresh_from_db()
    assert topic.answer == reply
    sign_in(facilitator).post(url, {"post": ""})
    topic.refresh_from_db()
    assert topic.answer is None


def test_mark_answered_with_a_post_of_another_topic_changes_nothing(sign_in, author, board, topic):
    elsewhere = services.topic_create(actor=author, board=board, title="Other", body="Other")
    response = sign_in(author).post(
        reverse("forums:topic_answer", args=[topic.pk]),
        {"post": elsewhere.posts.get().pk},
        follow=True,
    )
    assert "Choose a visible post of this topic" in response.content.decode()
    topic.refresh_from_db()
    assert topic.answer is None


def test_edit_keeps_the_earlier_text_as_a_revision(sign_in, author, peer, topic):
    post = topic.posts.get()
    client = sign_in(author)
    response = client.post(reverse("forums:post_edit", args=[post.pk]), {"body": "Better *text*"})
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.html == "<p>Better <em>text</em></p>" and post.edited_at
    revision = PostRevision.objects.get(post=post)
    assert revision.body == "What helps *you*?"
    history = client.get(reverse("forums:post_history", args=[post.pk])).content.decode()
    assert "What helps" in history
    assert (
        sign_in(peer)
        .post(reverse("forums:post_edit", args=[post.pk]), {"body": "hijack"})
        .status_code
        == 404
    )


def test_edit_to_empty_text_keeps_the_post(sign_in, author, topic):
    post = topic.posts.get()
    response = sign_in(author).post(reverse("forums:post_edit", args=[post.pk]), {"body": " "})
    assert response.status_code == 400
    assert "Write something before posting." in response.content.decode()
    post.refresh_from_db()
    assert post.body == "What helps *you*?" and not PostRevision.objects.exists()


def test_topic_list_shows_pinned_first_then_newest(sign_in, author, facilitator, board):
    old = services.topic_create(actor=author, board=board, title="Old topic", body="x")
    new = services.topic_create(actor=author, board=board, title="New topic", body="x")
    Topic.objects.filter(pk=old.pk).update(last_posted_at=timezone.now() - dt.timedelta(days=1))
    listing = list(selectors.topic_list(user=author, board=board))
    assert listing == [new, old.__class__.objects.get(pk=old.pk)]
    services.topic_moderate(actor=facilitator, topic=old, action="pin")
    assert [t.pk for t in selectors.topic_list(user=author, board=board)] == [old.pk, new.pk]
