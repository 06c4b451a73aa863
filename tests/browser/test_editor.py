"""The staff editor's journey in the Wagtail admin, and the public content pages it feeds.

The admin's markup is Wagtail's and changes between releases, so the steps find things by role
and label. axe runs on the public pages only: the admin's accessibility is Wagtail's own.
"""

import datetime as dt
import json
import re
import uuid
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.support import assert_accessible, login

pytestmark = pytest.mark.browser

AREA = "Theoretical Foundations"
COMPETENCY = "attachment, separation, trauma, grief & loss"
COMPETENCY_SLUG = "attachment-separation-trauma-grief-loss"

FACTS_SCRIPT = """
import json
from resources.models import ContentIndexPage, IMHContentPage, ResourceLibraryPage
library = ResourceLibraryPage.objects.get()
learn = ContentIndexPage.objects.get()
print(json.dumps({
    "library_id": library.pk,
    "library_url": library.url,
    "learn_url": learn.url,
    "public_article_url": IMHContentPage.objects.filter(members_only=False).first().url,
    "members_article_url": IMHContentPage.objects.filter(members_only=True).first().url,
}))
"""

PAGE_STATE_SCRIPT = """
import json
from resources.models import ResourcePage
page = ResourcePage.objects.get(slug={slug!r})
draft = page.get_latest_revision_as_object()
print(json.dumps({{
    "live": page.live,
    "in_workflow": page.workflow_in_progress,
    "approved_go_live_at": str(page.latest_revision.approved_go_live_at or ""),
    "competencies": [c.slug for c in draft.competencies.all()],
    "sectors": [s.slug for s in draft.audience_sectors.all()],
}}))
"""


def _json_from(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def facts(run_manage) -> dict:
    return _json_from(run_manage("shell", "-c", FACTS_SCRIPT))


def test_staff_editor_creates_tags_schedules_and_approves_a_resource(
    new_page, live_site, run_manage, facts
):
    editor = new_page(viewport={"width": 1280, "height": 900})
    login(editor, "staff")
    suffix = uuid.uuid4().hex[:6]
    title = f"Scheduled attachment handout {suffix}"
    slug = f"scheduled-attachment-handout-{suffix}"

    # Find the resource library in the page explorer and add a page under it.
    editor.goto(f"/admin/pages/{facts['library_id']}/")
    editor.get_by_role("link", name="Add child page").first.click()
    editor.wait_for_load_state()
    if "/add_subpage/" in editor.url:  # a type chooser appears when more than one type fits
        editor.get_by_role("link", name=re.compile("Resource page", re.I)).first.click()
    expect(editor.get_by_role("textbox", name="Title")).to_be_visible()

    editor.get_by_role("textbox", name="Title").fill(title)
    editor.get_by_role("textbox", name="Summary").fill("Two pages on secure attachment.")
    editor.get_by_role("combobox", name="Resource type").select_option(label="Handout")
    editor.get_by_label("Home visiting", exact=True).check()

    # The competency chooser groups the framework by Area of Expertise.
    area = editor.get_by_role("group", name=AREA)
    expect(area).to_be_visible()
    expect(editor.get_by_role("group", name="Reflection")).to_be_visible()
    area.get_by_label(COMPETENCY, exact=True).check()

    # Schedule: go live in three days, in the site's time zone.
    go_live = dt.datetime.now(ZoneInfo("America/New_York")) + dt.timedelta(days=3)
    editor.get_by_role("button", name="Toggle status").click()
    editor.get_by_role("button", name="Set schedule").click()
    schedule = editor.get_by_role("dialog").filter(
        has=editor.get_by_role("heading", name="Set publishing schedule")
    )
    schedule.get_by_label("Go live date/time").fill(go_live.strftime("%Y-%m-%d %H:%M"))
    # The date picker pops up over the dialog's button; the keyboard reaches it regardless.
    schedule.get_by_role("button", name="Save schedule").focus()
    with editor.expect_navigation():
        editor.keyboard.press("Enter")
    expect(editor.locator(".messages")).to_contain_text(f"Page '{title}' created")

    # Submit to the workflow, then approve as a reviewer (staff is an administrator).
    editor.locator("footer").get_by_role("button", name="More actions").click()
    with editor.expect_navigation():
        editor.get_by_role("button", name="Submit to Author then reviewer").click()
    expect(editor.locator(".messages")).to_contain_text("submitted for moderation")
    state = _json_from(run_manage("shell", "-c", PAGE_STATE_SCRIPT.format(slug=slug)))
    assert state["in_workflow"] and not state["live"]

    editor.get_by_role("row").filter(has_text=title).get_by_role("link", name=title).click()
    editor.wait_for_load_state()
    editor.locator("footer").get_by_role("button", name="More actions").click()
    with editor.expect_navigation():
        editor.get_by_role("button", name="Approve and Publish", exact=True).click()

    # The library's listing in the admin shows it as scheduled.
    row = editor.get_by_role("row").filter(has_text=title)
    expect(row).to_contain_text(re.compile("scheduled", re.I))
    state = _json_from(run_manage("shell", "-c", PAGE_STATE_SCRIPT.format(slug=slug)))
    assert state == {
        "live": False,
        "in_workflow": False,
        "approved_go_live_at": state["approved_go_live_at"],
        "competencies": [COMPETENCY_SLUG],
        "sectors": ["home-visiting"],
    }
    approved = dt.datetime.fromisoformat(state["approved_go_live_at"])
    assert abs(approved - go_live) < dt.timedelta(minutes=1)

    # A visitor cannot read it before its go-live time, nor find it in the library.
    visitor = new_page(viewport={"width": 1280, "height": 900})
    # A plain request: the debug 404 page has no icon link, so a browser's favicon.ico
    # request would be reported as a page error.
    response = visitor.request.get(f"{facts['library_url']}{slug}/")
    assert response.status == 404
    assert title not in response.text()
    visitor.goto(f"{facts['library_url']}?competency={COMPETENCY_SLUG}")
    expect(visitor.locator("main")).not_to_contain_text(title)
    assert_accessible(visitor)


def test_visitor_filters_the_library_and_reads_public_content(page, facts):
    page.goto(facts["library_url"])
    assert_accessible(page)

    # The filter form works as a plain GET form, and pagination keeps the filter.
    page.get_by_label("Competency").select_option(value=COMPETENCY_SLUG)
    page.get_by_label("Type").select_option(label="Handout")
    with page.expect_navigation():
        page.get_by_role("button", name="Show results").click()
    assert f"competency={COMPETENCY_SLUG}" in page.url and "type=handout" in page.url
    expect(
        page.get_by_role("heading", level=2, name=re.compile("matching your filters"))
    ).to_be_visible()
    expect(page.get_by_label("Competency")).to_have_value(COMPETENCY_SLUG)
    assert_accessible(page)

    page.goto(facts["library_url"])
    page.get_by_role("link", name="Browse by competency").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Browse by competency")
    expect(page.get_by_role("heading", level=2, name=AREA)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("region", name=AREA).get_by_role("link", name=COMPETENCY).click()
    expect(page.get_by_label("Competency")).to_have_value(COMPETENCY_SLUG)

    page.goto(facts["public_article_url"])
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)

    response = page.goto(facts["members_article_url"])
    assert response.status == 403
    expect(page.locator("main").get_by_role("link", name="Sign in")).to_be_visible()
    assert_accessible(page)
