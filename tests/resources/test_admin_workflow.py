"""Editorial flow in the Wagtail admin: an author submits, a reviewer approves, the scheduler
publishes at the go-live time and unpublishes at expiry; the accessibility checker is on."""

import datetime as dt
import json
import re

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import Revision
from wagtail.test.utils.form_data import querydict_from_html

from accounts.roles import role_grant
from resources.models import ResourcePage
from tests.factories import UserFactory
from tests.resources import builders

ATTACHMENT = "attachment-separation-trauma-grief-loss"


@pytest.fixture
def library(db):
    return builders.library()


@pytest.fixture
def author(db):
    user = UserFactory(is_staff=True)
    role_grant(user=user, role="staff-editor")
    return user


@pytest.fixture
def reviewer(db):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="Reviewers"))
    return user


def _admin_time(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _add_form(client, library, **fields) -> dict:
    url = f"/admin/pages/add/resources/resourcepage/{library.pk}/"
    data = querydict_from_html(client.get(url).content.decode(), form_id="page-edit-form")
    for name, value in fields.items():
        if isinstance(value, list):
            data.setlist(name, value)
        else:
            data[name] = value
    # A dict of lists: the test client would send only the last value of a QueryDict's key.
    return url, {name: data.getlist(name) for name in data}


def _submit(client, library, *, slug: str, go_live_at=None, expire_at=None):
    url, data = _add_form(
        client,
        library,
        title="Scheduled attachment handout",
        slug=slug,
        summary="Written by an author, approved by a reviewer.",
        resource_type="handout",
        competencies=[str(builders.competency(ATTACHMENT).pk)],
        go_live_at=_admin_time(go_live_at) if go_live_at else "",
        expire_at=_admin_time(expire_at) if expire_at else "",
        **{"action-submit": "Submit to Author then reviewer"},
    )
    return client.post(url, data)


def _action_url(page, action: str) -> str:
    state = page.current_workflow_task_state
    return f"/admin/pages/workflow/action/{page.pk}/{action}/{state.pk}/"


def _run_scheduler():
    call_command("scheduler", "--once", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_every_page_goes_through_author_then_reviewer(library):
    workflow = library.get_workflow()

    assert workflow.name == "Author then reviewer"
    assert builders.home().get_workflow() == workflow
    tasks = list(workflow.tasks.specific())
    assert [task.name for task in tasks] == ["Reviewer approval"]
    assert {group.name for group in tasks[0].groups.all()} == {"Reviewers", "Administrators"}


def test_submitted_page_is_scheduled_after_approval_and_goes_live_with_the_scheduler(
    library, author, reviewer, client
):
    go_live_at = timezone.now() + dt.timedelta(days=2)
    client.force_login(author)

    response = _submit(client, library, slug="scheduled-handout", go_live_at=go_live_at)

    assert response.status_code == 302
    page = ResourcePage.objects.get(slug="scheduled-handout")
    assert not page.live
    assert page.workflow_in_progress
    assert [c.slug for c in page.get_latest_revision_as_object().competencies.all()] == [ATTACHMENT]

    # The author cannot approve their own submission: Wagtail refuses and sends them back.
    refused = client.post(_action_url(page, "approve"), {"comment": ""})
    assert (refused.status_code, refused["Location"]) == (302, "/admin/")
    page.refresh_from_db()
    assert page.workflow_in_progress and not page.live

    client.force_login(reviewer)
    response = client.post(_action_url(page, "approve"), {"comment": "Looks right."})

    assert response.status_code == 302
    page.refresh_from_db()
    assert not page.workflow_in_progress
    assert not page.live
    assert page.status_string == "scheduled"
    revision = page.latest_revision
    assert abs(revision.approved_go_live_at - go_live_at) < dt.timedelta(minutes=1)
    client.logout()
    assert client.get("/resources/scheduled-handout/").status_code == 404

    _run_scheduler()  # before the go-live time: nothing happens

    page.refresh_from_db()
    assert not page.live

    # Time passes: the approved revision's go-live time is now behind us.
    past = timezone.now() - dt.timedelta(minutes=1)
    revision.content["go_live_at"] = past.isoformat()
    revision.approved_go_live_at = past
    revision.save(update_fields=["content", "approved_go_live_at"])
    _run_scheduler()

    page.refresh_from_db()
    assert page.live
    assert [c.slug for c in page.competencies.all()] == [ATTACHMENT]
    assert client.get("/resources/scheduled-handout/").status_code == 200
    assert not Revision.objects.filter(approved_go_live_at__isnull=False).exists()


def test_reviewer_can_ask_for_changes_and_nothing_is_published(library, author, reviewer, client):
    client.force_login(author)
    _submit(client, library, slug="needs-changes")
    page = ResourcePage.objects.get(slug="needs-changes")

    client.force_login(reviewer)
    response = client.post(_action_url(page, "reject"), {"comment": "Add a source."})

    assert response.status_code == 302
    page.refresh_from_db()
    assert not page.live
    assert page.current_workflow_state.status == "needs_changes"


def test_expiry_before_go_live_gets_a_message_and_creates_nothing(library, author, client):
    client.force_login(author)
    go_live_at = timezone.now() + dt.timedelta(days=3)

    response = _submit(
        client,
        library,
        slug="bad-schedule",
        go_live_at=go_live_at,
        expire_at=go_live_at - dt.timedelta(days=1),
    )

    assert response.status_code == 200
    assert "expire_at" in response.context["form"].errors
    assert "Go live date/time must be before expiry date/time" in response.content.decode()
    assert not ResourcePage.objects.filter(slug="bad-schedule").exists()


def test_scheduler_unpublishes_expired_pages(library, client):
    page = builders.resource(library, "Short-lived notice")
    ResourcePage.objects.filter(pk=page.pk).update(
        expire_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert client.get(page.url).status_code == 200

    _run_scheduler()

    page.refresh_from_db()
    assert not page.live and page.expired
    assert client.get(page.url).status_code == 404


def _axe_rules(html: str) -> list[str]:
    found = re.search(
        r'<script id="checker-axe-configuration" type="application/json">(.*?)</script>',
        html,
        re.S,
    )
    assert found, "no content checker configuration on the page"
    return json.loads(found.group(1))["options"]["runOnly"]


def test_accessibility_checker_runs_in_the_editor_with_the_site_rules(library, author, client):
    page = builders.resource(library, "Checked page")
    client.force_login(author)

    editor = client.get(f"/admin/pages/{page.pk}/edit/").content.decode()
    public = client.get(page.url).content.decode()

    for html in (editor, public):
        rules = _axe_rules(html)
        assert {"image-alt", "color-contrast", "heading-order", "link-name"} <= set(rules)
