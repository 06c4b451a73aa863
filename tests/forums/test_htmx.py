"""Replying, editing and loading more with htmx answer fragments; without it, whole pages."""

from django.urls import reverse

from forums import services
from forums.models import Post

HX = {"HTTP_HX_REQUEST": "true"}


def test_htmx_reply_answers_the_new_post_and_a_fresh_form(sign_in, peer, topic):
    response = sign_in(peer).post(
        reverse("forums:topic_reply", args=[topic.pk]), {"body": "Via *htmx*"}, **HX
    )
    html = response.content.decode()
    post = Post.objects.latest("id")
    assert response.status_code == 200
    assert "<!doctype html>" not in html
    assert f'id="post-{post.pk}"' in html and "Via <em>htmx</em>" in html
    assert 'hx-swap-oob="true"' in html


def test_htmx_reply_error_swaps_the_form_with_the_message_and_text(sign_in, peer, topic):
    response = sign_in(peer).post(
        reverse("forums:topic_reply", args=[topic.pk]), {"body": "x" * 20_001}, **HX
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#reply-form-wrap"
    assert "the limit is 20000" in response.content.decode()
    assert topic.posts.count() == 1


def test_plain_reply_without_javascript_redirects_to_the_post(sign_in, peer, topic):
    response = sign_in(peer).post(reverse("forums:topic_reply", args=[topic.pk]), {"body": "Hi"})
    assert response.status_code == 302 and "#post-" in response["Location"]


def test_htmx_edit_form_and_save_answer_fragments(sign_in, author, topic):
    post = topic.posts.get()
    client = sign_in(author)
    url = reverse("forums:post_edit", args=[post.pk])
    form = client.get(url, **HX).content.decode()
    assert form.startswith('<li class="card forum-post"') and "hx-post" in form
    saved = client.post(url, {"body": "Edited"}, **HX).content.decode()
    assert "<p>Edited</p>" in saved and "<!doctype html>" not in saved
    error = client.post(url, {"body": ""}, **HX)
    assert error.status_code == 200 and "Write something before posting." in error.content.decode()
    post.refresh_from_db()
    assert post.body == "Edited"


def test_plain_edit_page_works_without_javascript(sign_in, author, topic):
    post = topic.posts.get()
    client = sign_in(author)
    url = reverse("forums:post_edit", args=[post.pk])
    assert "<!doctype html>" in client.get(url).content.decode()
    assert client.post(url, {"body": "Edited plainly"}).status_code == 302


def test_load_more_topics_answers_the_next_rows_only(sign_in, author, board):
    for n in range(30):
        services.topic_create(actor=author, board=board, title=f"Topic number {n:02d}", body="x")
    client = sign_in(author)
    first = client.get(board.get_absolute_url()).content.decode()
    assert "Load more topics" in first and "Topic number 00" not in first
    more = client.get(board.get_absolute_url(), {"page": 2}, **HX).content.decode()
    assert "<!doctype html>" not in more
    assert "Topic number 00" in more and "Load more topics" not in more
    # Without JavaScript the same link is a whole page.
    assert "<!doctype html>" in client.get(board.get_absolute_url(), {"page": 2}).content.decode()


def test_posts_after_gives_the_new_posts_for_live_updates(sign_in, author, peer, topic):
    first = topic.posts.get()
    services.post_create(actor=peer, topic=topic, body="Fresh reply")
    html = (
        sign_in(author)
        .get(reverse("forums:topic_posts_after", args=[topic.pk]), {"after": first.pk})
        .content.decode()
    )
    assert "Fresh reply" in html and "What helps" not in html


def test_topic_page_loads_htmx_and_the_live_module_without_inline_script(sign_in, peer, topic):
    html = sign_in(peer).get(topic.get_absolute_url()).content.decode()
    assert "htmx" in html and "js/forums" in html
    assert 'aria-live="polite"' in html
    assert "style=" not in html
    import re

    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # every script is a file
