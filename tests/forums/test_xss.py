"""Hostile text stays inert wherever forum text appears: page, notification, email, snippet."""

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from forums import services
from forums.models import Board
from forums.tasks import forum_digest_send

CORPUS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "<a href='javascript:alert(1)'>x</a>",
    '<svg onload=alert(1)><p title="</p><script>alert(1)</script>">',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '"><iframe src="javascript:alert(1)">',
    "<div <div onclick=alert(1)>unclosed",
    "[x](JaVaScRiPt:alert(1)) and [y](data:text/html;base64,PHNjcmlwdD4=)",
]
DANGEROUS_TAGS = {"script", "img", "svg", "iframe", "math", "style", "object", "embed", "noscript"}


class _Elements(HTMLParser):
    """Every element and attribute the browser would build from the markup."""

    def __init__(self):
        super().__init__()
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag in DANGEROUS_TAGS and tag != "script":
            self.problems.append(tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag}[{name}]")
            if name in ("href", "src") and re.match(
                r"\s*(javascript|data|vbscript):", value or "", re.I
            ):
                self.problems.append(f"{tag}[{name}={value}]")


def _inert(html: str) -> bool:
    # Script elements of the page itself are files (src=...); any other <script> is injected.
    if re.search(r"<script(?![^>]*\bsrc=)", html, re.IGNORECASE):
        return False
    parser = _Elements()
    parser.feed(html)
    return not parser.problems


@pytest.mark.parametrize("payload", CORPUS)
def test_hostile_posts_render_inert_on_the_topic_page(sign_in, author, peer, board, payload):
    topic = services.topic_create(actor=author, board=board, title=payload, body=payload)
    services.post_create(actor=peer, topic=topic, body=f"> {payload}\n\n{payload}")
    html = sign_in(peer).get(topic.get_absolute_url()).content.decode()
    main = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    assert _inert(main), main


@pytest.mark.parametrize("payload", CORPUS)
def test_hostile_titles_are_inert_in_notifications(sign_in, author, peer, board, payload):
    topic = services.topic_create(actor=author, board=board, title=payload, body="Body")
    services.post_create(actor=peer, topic=topic, body="Reply")
    assert Notification.objects.filter(user=author).exists()
    html = sign_in(author).get(reverse("notifications")).content.decode()
    main = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    assert _inert(main), main


def test_digest_email_is_plain_text_so_hostile_text_is_inert(author, peer, board):
    services.digest_preference_set(user=author, frequency="daily")
    topic = services.topic_create(actor=author, board=board, title=CORPUS[0], body="x")
    for payload in CORPUS:
        services.post_create(actor=peer, topic=topic, body=payload)
    assert forum_digest_send.call(now=timezone.now() + dt.timedelta(minutes=1)) == 1
    (message,) = mail.outbox
    assert message.content_subtype == "plain"
    assert not getattr(message, "alternatives", [])


def test_search_snippets_of_hostile_posts_are_escaped(client, sign_in, peer, author):
    board = Board.objects.create(name="Everyone", slug="everyone", scope=Board.Scope.COMMUNITY)
    for payload in CORPUS:
        services.topic_create(
            actor=author, board=board, title=f"Wombat {payload}", body=f"wombat {payload}"
        )
    body = sign_in(peer).get("/api/search/", {"q": "wombat"}).json()
    assert len(body["results"]) == len(CORPUS)
    for hit in body["results"]:
        assert _inert(hit["snippet"]), hit["snippet"]
    page = sign_in(peer).get("/search/", {"q": "wombat"}).content.decode()
    main = page.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    assert _inert(main), main
