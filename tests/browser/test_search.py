"""A visitor and a member search, filter by competency and open a result, in Chromium."""

import pytest
from playwright.sync_api import expect

from tests.browser.support import assert_accessible, login

pytestmark = pytest.mark.browser

ATTACHMENT = "attachment-separation-trauma-grief-loss"


def _search(page, words: str) -> None:
    page.goto("/search/")
    page.get_by_label("Search resources, research and IMH content").fill(words)
    page.get_by_label("Search resources, research and IMH content").press("Enter")
    page.wait_for_load_state()


def test_visitor_searches_filters_by_competency_and_opens_a_result(page):
    _search(page, "attachment")
    expect(page.locator("#results-heading")).to_contain_text("for “attachment”")
    assert_accessible(page)

    page.locator(f"#competency-{ATTACHMENT}").check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_load_state()

    assert f"competency={ATTACHMENT}" in page.url
    results = page.locator(".search-results .card__title a")
    expect(results.first).to_be_visible()
    title = results.first.inner_text().strip()
    results.first.click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    assert_accessible(page)


def test_members_only_results_reach_members_but_never_visitors(page, new_page):
    _search(page, "reflective supervision toolkit")
    visitor_text = page.locator("main").inner_text()

    member = new_page()
    login(member, "member1", check=True)
    _search(member, "reflective supervision toolkit")

    assert "Reflective supervision: a starter toolkit" not in visitor_text
    expect(member.locator("main")).to_contain_text("Reflective supervision: a starter toolkit")
    assert_accessible(member)
