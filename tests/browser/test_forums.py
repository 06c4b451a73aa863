"""Forums in Chromium: a case consultation from warning to lock, seen only by its cohort."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.support import assert_accessible, login

pytestmark = pytest.mark.browser

BOARD = "/forums/b/cohort-a/"


def test_case_consultation_from_warning_to_lock_and_never_seen_by_an_outsider(new_page):
    title = f"Biting at pick-up {uuid.uuid4().hex[:6]}"

    # A member starts a case consultation and is warned that it may identify the family.
    author = new_page(viewport={"width": 1280, "height": 900})
    login(author, "member1")
    author.goto(BOARD)
    author.get_by_role("link", name="Start a case consultation").click()
    author.get_by_label("Title").fill(title)
    summary = author.get_by_label("Case summary (de-identified)")
    summary.fill("Mom Sarah says the 2-year-old bites at pick-up. Her number is 215-555-0134.")
    author.get_by_label("Your question for the group").fill("How do we support the reunion?")
    author.get_by_role("button", name="Check and post").click()
    warning = author.locator("#identification-warning")
    expect(warning).to_contain_text("This may identify a family")
    expect(warning).to_contain_text("a phone number")
    assert_accessible(author)

    # The author edits the identifying parts out and posts.
    summary.fill("Mom says the 2-year-old bites at pick-up, mostly when she arrives.")
    author.get_by_role("button", name="I edited it: check again").click()
    expect(author.get_by_role("heading", level=1)).to_have_text(title)
    topic_url = author.url.split("?")[0]
    assert_accessible(author)

    # Another member replies with a quote of the opening post; the author's open page hears it.
    replier = new_page(viewport={"width": 1280, "height": 900})
    login(replier, "member2")
    replier.goto(topic_url)
    replier.get_by_role("link", name="Quote and reply").first.click()
    replier.wait_for_url(re.compile(r"reply_to="))
    box = replier.get_by_label("Your reply")
    expect(box).to_have_value(re.compile(r"wrote:"))
    box.press("End")
    box.type("A short goodbye ritual helped in our room.")
    replier.get_by_role("button", name="Post reply").click()
    expect(replier.locator("#forum-posts")).to_contain_text(
        "A short goodbye ritual", timeout=10_000
    )
    expect(replier.locator("#forum-posts blockquote").last).to_be_visible()

    expect(author.locator("#forum-live-status")).to_have_text("1 new reply", timeout=10_000)
    author.locator("#forum-live-show").click()
    expect(author.locator("#forum-posts")).to_contain_text("A short goodbye ritual")

    # The author has a notification in the header menu.
    author.goto("/accounts/notifications/")
    expect(author.locator("main")).to_contain_text(f"replied in “{title}”")

    # The facilitator pins the topic, and later locks it.
    facilitator = new_page(viewport={"width": 1280, "height": 900})
    login(facilitator, "facilitator")
    facilitator.goto(topic_url)
    facilitator.get_by_role("button", name="Pin", exact=True).click()
    expect(facilitator.locator(".forum-topic__meta .badge", has_text="Pinned")).to_be_visible()
    facilitator.get_by_role("button", name="Lock", exact=True).click()
    expect(facilitator.locator(".callout--warning").first).to_contain_text("locked")
    replier.goto(topic_url)
    expect(replier.get_by_label("Your reply")).to_have_count(0)
    expect(replier.locator("main")).to_contain_text("This topic is locked")

    # An outsider sees none of it: the topic is a 404, the board too, and search finds nothing.
    outsider = new_page(viewport={"width": 1280, "height": 900})
    login(outsider, "outsider")
    # The demo runs with DEBUG on, and Django's debug 404 page names no icon.
    outsider.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    assert outsider.goto(topic_url).status == 404
    topic_id = topic_url.rstrip("/").rsplit("/", 1)[-1]
    code = outsider.evaluate(
        """(path) => new Promise((resolve) => {
            const socket = new WebSocket(`ws://${location.host}${path}`);
            socket.addEventListener("close", (event) => resolve(event.code));
        })""",
        f"/ws/forums/topics/{topic_id}/",
    )
    assert code == 4403
    assert outsider.goto(BOARD).status == 404
    outsider.goto("/forums/")
    expect(outsider.locator("main")).not_to_contain_text(title)
    found = outsider.request.get("/api/search/?q=biting").json()
    assert title not in [hit["title"] for hit in found["results"]]
