"""Notifications through real HTTP: the page, following one, the header count, the email digest."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Notification
from accounts.notifications import notify
from accounts.tasks import notification_digest_send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Sessions must name a backend that loads users (the first one, django-axes, does not).
BACKEND = "accounts.backends.UsernameOrEmailBackend"
PAGE = "/accounts/notifications/"


@pytest.fixture
def sign_in(client):
    def sign_in_as(user):
        client.force_login(user, backend=BACKEND)
        return client

    return sign_in_as


@pytest.fixture
def person(db):
    return UserFactory(username="maria", email="maria@example.org")


def tell(user, text="Fran mentioned you in Cohort A discussion", url="/collaboratives/rooms/1/#m5"):
    return notify(user_ids=[user.pk], kind="mention", text=text, url=url)[0]


def age(notification, minutes):
    Notification.objects.filter(pk=notification.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=minutes)
    )


def page_messages(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- the page -----------------------------------------------------------------------------------


def test_page_lists_own_notifications_newest_first_unread_marked(sign_in, person, outsider):
    older = tell(person, text="Older: a reply to you")
    age(older, 30)
    Notification.objects.filter(pk=older.pk).update(read_at=timezone.now())
    newer = tell(person, text="Newer: a mention")
    tell(outsider, text="Someone else's news")

    response = sign_in(person).get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Newer: a mention") < html.index("Older: a reply to you")
    assert f'href="/accounts/notifications/{newer.pk}/open/"' in html
    assert f'href="/accounts/notifications/{older.pk}/open/"' in html
    assert html.count('<span class="visually-hidden">Unread: </span>') == 1
    assert "Someone else" not in html
    assert "Mark all read" in html


def test_page_without_notifications_explains(sign_in, person):
    html = sign_in(person).get(PAGE).content.decode()

    assert "Nothing yet." in html
    assert "Mark all read" not in html


def test_page_signed_out_redirects_to_login(client):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/accounts/notifications/")


def test_mark_all_read_marks_only_own(sign_in, person, outsider):
    mine = [tell(person), tell(person, text="Second")]
    theirs = tell(outsider)

    response = sign_in(person).post(PAGE)

    assert response.status_code == 302
    assert response["Location"] == PAGE
    assert Notification.objects.filter(pk__in=[n.pk for n in mine], read_at=None).count() == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert page_messages(response) == ["2 notifications marked read."]


def test_mark_all_read_with_nothing_unread_says_so(sign_in, person):
    response = sign_in(person).post(PAGE)

    assert page_messages(response) == ["You had no unread notifications."]


# --- following a notification -------------------------------------------------------------------


def test_open_marks_read_and_redirects(sign_in, person):
    notification = tell(person, url="/collaboratives/rooms/7/#m12")

    response = sign_in(person).get(f"/accounts/notifications/{notification.pk}/open/")

    assert response.status_code == 302
    assert response["Location"] == "/collaboratives/rooms/7/#m12"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_open_someone_elses_is_404_and_unchanged(sign_in, person, outsider):
    theirs = tell(outsider)

    response = sign_in(person).get(f"/accounts/notifications/{theirs.pk}/open/")

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_open_missing_is_404(sign_in, person):
    assert sign_in(person).get("/accounts/notifications/999999/open/").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "/\\evil.example/phish",
        "javascript:alert(1)",
        "collaboratives/rooms/1/",
    ],
)
def test_open_never_follows_outside_urls(sign_in, person, url):
    notification = tell(person, url=url)

    response = sign_in(person).get(f"/accounts/notifications/{notification.pk}/open/")

    assert response.status_code == 302
    assert response["Location"] == PAGE
    notification.refresh_from_db()
    assert notification.read_at is not None


# --- the header ---------------------------------------------------------------------------------


def test_header_shows_unread_count_linking_to_page(sign_in, person):
    tell(person)
    tell(person)
    read = tell(person)
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())

    html = sign_in(person).get("/accounts/profile/").content.decode()

    assert (
        f'<a href="{PAGE}" >Notifications (2<span class="visually-hidden"> unread</span>)</a>'
        in html
    )


def test_header_without_unread_shows_plain_link(sign_in, person):
    html = sign_in(person).get("/accounts/profile/").content.decode()

    assert f'<a href="{PAGE}" >Notifications</a>' in html


def test_header_marks_current_page(sign_in, person):
    html = sign_in(person).get(PAGE).content.decode()

    assert f'<a href="{PAGE}" aria-current="page">Notifications</a>' in html


def test_header_hides_link_from_visitors(client):
    html = client.get("/accounts/login/").content.decode()

    assert PAGE not in html


def test_header_count_costs_one_query(sign_in, person):
    for _ in range(5):
        tell(person)
    client = sign_in(person)

    with CaptureQueriesContext(connection) as captured:
        client.get("/accounts/profile/")

    notification_queries = [q["sql"] for q in captured if "accounts_notification" in q["sql"]]
    assert len(notification_queries) == 1
    assert "COUNT(" in notification_queries[0].upper()


# --- the email digest ---------------------------------------------------------------------------


def test_digest_sends_one_email_with_both_and_marks_them(person, mailoutbox, settings):
    settings.WAGTAILADMIN_BASE_URL = "https://imh.example.org/"
    first = tell(person, text="Fran mentioned you in Cohort A discussion")
    second = tell(person, text="Sam replied to you in Cohort A discussion")
    age(first, 30)
    age(second, 11)

    sent = notification_digest_send.call()

    assert sent == 1
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["maria@example.org"]
    assert email.subject.startswith("2 new notifications")
    assert email.body.index("Fran mentioned you") < email.body.index("Sam replied to you")
    assert f"https://imh.example.org/accounts/notifications/{first.pk}/open/" in email.body
    assert f"https://imh.example.org/accounts/notifications/{second.pk}/open/" in email.body
    assert "https://imh.example.org/accounts/notifications/\n" in email.body
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 0


def test_digest_rerun_sends_nothing_new(person, mailoutbox):
    age(tell(person), 30)
    notification_digest_send.call()

    sent_again = notification_digest_send.call()

    assert sent_again == 0
    assert len(mailoutbox) == 1


def test_digest_skips_read_notifications(person, mailoutbox):
    read = tell(person)
    age(read, 30)
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())

    assert notification_digest_send.call() == 0
    assert mailoutbox == []
    read.refresh_from_db()
    assert read.emailed_at is None


def test_digest_lets_recent_notifications_wait(person, mailoutbox):
    recent = tell(person)
    age(recent, 9)

    now_sent = notification_digest_send.call()
    later_sent = notification_digest_send.call(now=timezone.now() + dt.timedelta(minutes=2))

    assert (now_sent, later_sent) == (0, 1)
    assert len(mailoutbox) == 1


def test_digest_sends_only_the_old_part_when_some_are_recent(person, mailoutbox):
    old = tell(person, text="Old news")
    age(old, 20)
    fresh = tell(person, text="Fresh news")

    notification_digest_send.call()

    assert "Old news" in mailoutbox[0].body
    assert "Fresh news" not in mailoutbox[0].body
    fresh.refresh_from_db()
    assert fresh.emailed_at is None


def test_digest_one_email_per_person(person, outsider, mailoutbox):
    for user in (person, outsider, person):
        age(tell(user), 15)

    assert notification_digest_send.call() == 2
    assert sorted(email.to[0] for email in mailoutbox) == sorted([person.email, outsider.email])


def test_digest_skips_people_without_email_or_inactive(mailoutbox):
    no_email = UserFactory(email="")
    inactive = UserFactory(is_active=False)
    for user in (no_email, inactive):
        age(tell(user), 15)

    assert notification_digest_send.call() == 0
    assert mailoutbox == []


def test_digest_through_queue_with_now_as_text(person, mailoutbox):
    age(tell(person), 5)
    later = (timezone.now() + dt.timedelta(minutes=6)).isoformat()

    result = notification_digest_send.enqueue(now=later)

    assert result.return_value == 1
    assert len(mailoutbox) == 1


def test_digest_command_sends_and_reports(person, mailoutbox, capsys):
    age(tell(person), 15)

    call_command("send_notification_digests")

    assert len(mailoutbox) == 1
    assert "Sent 1 notification digest." in capsys.readouterr().out
