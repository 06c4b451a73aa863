import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Notification
from resources.models import ResourceLibraryPage, ResourcePage
from tests.factories import UserFactory


@pytest.fixture
def library(db):
    from wagtail.models import Site

    home = Site.objects.get(is_default_site=True).root_page
    page = ResourceLibraryPage(title="Library", slug="library")
    home.add_child(instance=page)
    return page


def test_scheduler_publishes_pages_whose_go_live_time_came(library):
    page = ResourcePage(
        title="Later", slug="later", summary="s", resource_type="article", live=False
    )
    library.add_child(instance=page)
    revision = page.save_revision()
    revision.approved_go_live_at = timezone.now() - dt.timedelta(minutes=1)
    revision.save()

    call_command("scheduler", "--once")

    assert ResourcePage.objects.get(pk=page.pk).live is True


def test_scheduler_sends_waiting_notification_digests(db, mailoutbox):
    user = UserFactory()
    notification = Notification.objects.create(user=user, kind="mention", text="hi", url="/")
    Notification.objects.filter(pk=notification.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=1)
    )

    call_command("scheduler", "--once")

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [user.email]


def test_scheduler_refuses_a_too_short_interval(db):
    with pytest.raises(SystemExit):
        call_command("scheduler", "--every", "1")
