"""Foundation journeys in a real browser: visitor, member sign-in, invitation, small screens."""

import json
import re
import uuid
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.support import assert_accessible, login

pytestmark = pytest.mark.browser

COLLABORATIVE = "pa-launch-2026"
COHORT = "cohort-a"

# Read from the live site's database what the pages should (and should not) show, so the
# assertions follow the demo data instead of copying it.
FACTS_SCRIPT = f"""
import json
from django.db.models import Q
from django.utils import timezone
from accounts.models import User
from collaboratives.models import Cohort
from events.models import Session, Visibility
from resources.models import ResearchUpdatePage, ResourcePage

cohort = Cohort.objects.get(collaborative__slug={COLLABORATIVE!r}, slug={COHORT!r})
upcoming = (
    Session.objects.filter(
        collaborative=cohort.collaborative, ends_at__gte=timezone.now(), cancelled_at__isnull=True
    )
    .filter(
        Q(visibility=Visibility.PUBLIC)
        | Q(visibility=Visibility.COLLABORATIVE)
        | Q(cohort=cohort)
    )
    .order_by("starts_at", "id")
)
members_only = [
    page.title
    for model in (ResourcePage, ResearchUpdatePage)
    for page in model.objects.live().filter(members_only=True)
]
print(json.dumps({{
    "member1_name": User.objects.get(username="member1").name,
    "cohort_name": cohort.name,
    "room_names": [room.name for room in cohort.rooms.all()],
    "next_session_title": upcoming[0].title if upcoming else None,
    "members_only_titles": members_only,
}}))
"""


@pytest.fixture(scope="module")
def facts(run_manage) -> dict:
    output = run_manage("shell", "-c", FACTS_SCRIPT)
    return json.loads(output.strip().splitlines()[-1])


def test_home_page_visitor_reads_about_endorsement(page, facts):
    response = page.goto("/")

    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text(re.compile("endorsement", re.IGNORECASE))
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()
    assert facts["members_only_titles"], "the demo should have members-only resources"
    text = page.locator("body").inner_text()
    shown = [title for title in facts["members_only_titles"] if title in text]
    assert shown == [], f"members-only titles shown to a visitor: {shown}"
    assert_accessible(page)


def test_home_page_member_signs_in_and_sees_cohort(page, live_site, facts):
    login(page, "member1", check=True)

    assert page.url == f"{live_site}/"
    expect(page.get_by_role("heading", level=1)).to_contain_text(facts["member1_name"])
    cohort_section = page.get_by_role("region", name="Your cohort")
    expect(cohort_section.get_by_role("heading", name="Your cohort")).to_be_visible()
    expect(cohort_section).to_contain_text(facts["cohort_name"])
    for room in facts["room_names"]:
        expect(cohort_section.get_by_role("link", name=room)).to_be_visible()
    session_section = page.get_by_role("region", name="Your next session")
    expect(session_section.get_by_role("heading", name="Your next session")).to_be_visible()
    assert facts["next_session_title"], "the demo should have an upcoming session for member1"
    expect(session_section).to_contain_text(facts["next_session_title"])
    assert_accessible(page)

    response = page.goto("/collaboratives/")

    assert response.status == 200
    expect(page.locator("main")).to_contain_text(facts["cohort_name"])
    assert_accessible(page)


def test_invitation_link_creates_account_in_cohort(new_page, live_site, run_manage, facts):
    suffix = uuid.uuid4().hex[:8]
    output = run_manage(
        "invite",
        "--collaborative",
        COLLABORATIVE,
        "--cohort",
        COHORT,
        "--email",
        f"invitee-{suffix}@example.org",
        "--role",
        "member",
    )
    printed = urlsplit(output.strip().splitlines()[-1].strip())
    assert printed.scheme in {"http", "https"} and printed.path, f"no URL in: {output!r}"
    # The invitation must work on this server, whatever origin the command was configured with.
    link = f"{live_site}{printed.path}" + (f"?{printed.query}" if printed.query else "")
    display_name = f"Invited Person {suffix}"
    page = new_page(viewport={"width": 1280, "height": 900})

    response = page.goto(link)
    assert response.status == 200
    assert_accessible(page)
    page.get_by_label("Username", exact=True).fill(f"invitee{suffix}")
    page.get_by_label("Display name", exact=True).fill(display_name)
    page.get_by_label("Password", exact=True).fill("a-long-Unusual-passphrase-42")
    page.get_by_label("Password again", exact=True).fill("a-long-Unusual-passphrase-42")
    with page.expect_navigation():
        page.locator("main form").get_by_role("button").last.click()

    assert page.url != link, f"the sign-up form came back: {page.locator('main').inner_text()}"
    expect(page.get_by_role("heading", level=1)).to_contain_text(facts["cohort_name"])
    expect(page.locator("main")).to_contain_text(display_name)
    assert_accessible(page)

    again = new_page(viewport={"width": 1280, "height": 900})
    again.goto(link)
    expect(again.locator("main")).to_contain_text("already been used")
    assert_accessible(again)


def _assert_fits_small_screen(page) -> None:
    width = page.evaluate("window.innerWidth")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} scrolls sideways: {scroll_width}px in {width}px"
    body_size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert body_size >= 16, f"{page.url}: body text is {body_size}px"
    main_size = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('main')).fontSize)"
    )
    assert main_size >= 16, f"{page.url}: main text is {main_size}px"

    nav = page.get_by_role("navigation", name="Main")
    links = nav.get_by_role("link")
    if not all(link.is_visible() for link in links.all()):
        # A collapsed menu must open from the keyboard.
        toggle = page.get_by_role("button", name=re.compile("menu", re.IGNORECASE)).first
        toggle.focus()
        page.keyboard.press("Enter")
    assert links.count() > 0
    for link in links.all():
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, (
            f"{page.url}: navigation link {link.inner_text()!r} is outside the screen: {box}"
        )


@pytest.mark.parametrize("width", [375, 320])
def test_layout_small_screen_fits_without_sideways_scroll(new_page, width):
    page = new_page(viewport={"width": width, "height": 812})

    for path in ("/", "/accounts/login/", "/events/"):
        response = page.goto(path)
        assert response.status == 200, f"{path} answered {response.status}"
        _assert_fits_small_screen(page)
        assert_accessible(page)

    login(page, "member1")
    _assert_fits_small_screen(page)
    assert_accessible(page)
