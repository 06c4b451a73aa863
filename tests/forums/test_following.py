"""Following and muting, notifications for replies and mentions, and the email digest."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry, Notification
from forums import digest, services
from forums.models import DigestPreference, Subscription
from forums.tasks import forum_digest_send


def test_posting_follows_the_topic_and_replies_notify_followers(author, peer, topic):
    assert Subscription.objects.filter(user=author, topic=topic, level="follow").exists()
    reply = services.post_create(actor=peer, topic=topic, body="Try a visual schedule.")
    notification = Notification.objects.get(user=author, kind="forum-reply")
    assert topic.title in notification.text
    assert notification.url == reverse("forums:post", args=[reply.pk])
    assert Subscription.objects.filter(user=peer, topic=topic).exists()
    assert not Notification.objects.filter(user=peer).exists()  # not for one's own post


def test_muted_topic_sends_no_reply_notifications(sign_in, author, peer, topic):
    sign_in(author).post(reverse("forums:topic_follow", args=[topic.pk]), {"level": "mute"})
    services.post_create(actor=peer, topic=topic, body="Hello")
    assert not Notification.objects.filter(user=author).exists()


def test_following_a_board_notifies_new_topics_and_replies(sign_in, peer, author, board):
    sign_in(peer).post(reverse("forums:board_follow", args=[board.slug]), {"level": "follow"})
    topic = services.topic_create(actor=author, board=board, title="New topic", body="Body")
    assert Notification.objects.get(user=peer, kind="forum-topic")
    services.post_create(actor=author, topic=topic, body="More")
    assert Notification.objects.filter(user=peer, kind="forum-reply").exists()


def test_follow_with_a_bad_level_says_so_and_changes_nothing(sign_in, peer, topic):
    response = sign_in(peer).post(
        reverse("forums:topic_follow", args=[topic.pk]), {"level": "shout"}, follow=True
    )
    assert "Choose follow, mute or neither." in response.content.decode()
    assert not Subscription.objects.filter(user=peer).exists()


def test_mention_notifies_and_follows_only_people_who_may_read(author, peer, other_member, topic):
    services.post_create(
        actor=author, topic=topic, body=f"@{peer.username} and @{other_member.username}, ideas?"
    )
    assert Notification.objects.get(user=peer, kind="forum-mention")
    assert Subscription.objects.filter(user=peer, topic=topic, level="follow").exists()
    assert not Notification.objects.filter(user=other_member).exists()
    assert not Subscription.objects.filter(user=other_member).exists()


# --- the digest ---------------------------------------------------------------------------------
@pytest.fixture
def daily(author):
    return services.digest_preference_set(user=author, frequency="daily")


def test_digest_lists_new_posts_in_followed_topics_once(author, peer, topic, daily):
    services.post_create(actor=peer, topic=topic, body="A reply for the digest")
    later = timezone.now() + dt.timedelta(minutes=1)
    assert forum_digest_send.call(now=later) == 1
    (message,) = mail.outbox
    assert message.to == [author.email]
    assert "Sleep routines at child care" in message.body
    assert "A reply for the digest" in message.body
    assert "/forums/unsubscribe/" in message.body and message.extra_headers["List-Unsubscribe"]
    # Idempotent: running again (even when due again) never sends the same post twice.
    assert forum_digest_send.call(now=later) == 0
    assert forum_digest_send.call(now=later + dt.timedelta(days=2)) == 0
    assert len(mail.outbox) == 1


def test_digest_weekly_waits_a_week(author, peer, topic):
    services.digest_preference_set(user=author, frequency="weekly")
    services.post_create(actor=peer, topic=topic, body="First")
    now = timezone.now()
    assert forum_digest_send.call(now=now) == 1
    services.post_create(actor=peer, topic=topic, body="Second")
    assert forum_digest_send.call(now=now + dt.timedelta(days=2)) == 0
    assert forum_digest_send.call(now=now + dt.timedelta(days=7)) == 1
    assert "Second" in mail.outbox[-1].body and "First" not in mail.outbox[-1].body


def test_digest_leaves_out_posts_the_reader_may_no_longer_read(author, peer, topic, daily):
    services.post_create(actor=peer, topic=topic, body="Secret")
    author.memberships.update(left_at=timezone.now())
    assert forum_digest_send.call(now=timezone.now()) == 0
    assert mail.outbox == []


def test_digest_never_sent_to_people_who_chose_never(author, peer, topic):
    services.digest_preference_set(user=author, frequency="never")
    services.post_create(actor=peer, topic=topic, body="Hello")
    assert forum_digest_send.call(now=timezone.now()) == 0


def test_preferences_page_saves_the_choice_and_refuses_bad_values(sign_in, author):
    client = sign_in(author)
    url = reverse("forums:preferences")
    assert client.get(url).status_code == 200
    response = client.post(url, {"frequency": "hourly"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not DigestPreference.objects.exists()
    client.post(url, {"frequency": "weekly"})
    assert DigestPreference.objects.get(user=author).frequency == "weekly"


def test_unsubscribe_link_works_signed_out_get_asks_and_post_unsubscribes(client, author, daily):
    url = reverse("forums:unsubscribe", args=[digest.unsubscribe_token(author)])
    page = client.get(url)
    assert page.status_code == 200 and "<button" in page.content.decode()
    daily.refresh_from_db()
    assert daily.frequency == "daily"  # a GET (a mail scanner) changes nothing
    response = client.post(url)
    assert response.status_code == 200
    daily.refresh_from_db()
    assert daily.frequency == "never"
    assert AuditEntry.objects.filter(action="forums.digest_unsubscribe").exists()


def test_unsubscribe_with_a_forged_token_changes_nothing(client, author, daily):
    forged = digest.unsubscribe_token(author)[:-3] + "abc"
    response = client.post(reverse("forums:unsubscribe", args=[forged]))
    assert response.status_code == 404
    assert "not valid" in response.content.decode()
    daily.refresh_from_db()
    assert daily.frequency == "daily"


def test_scheduler_runs_the_forum_digest():
    from home.management.commands.scheduler import JOBS

    assert "forum digests" in [name for name, _ in JOBS]
