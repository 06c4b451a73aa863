"""Endorsement "done when" in a real browser: log a training and an RSC hour, the provider
confirms it, progress shows the new totals, the portfolio CSV downloads.

The demo's facilitator holds a verified Mentor-Clinical endorsement and is listed as an RSC
provider (endorsement/demo.py). Closing attendance is covered by sending the events signal in
tests/endorsement/test_attendance.py.
"""

import csv
import datetime as dt
import io
import re
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.support import assert_accessible, login

pytestmark = pytest.mark.browser


def total(page, selector: str) -> Decimal:
    text = page.locator(selector).inner_text()
    return Decimal(re.search(r"[\d.]+", text).group(0))


def test_member_logs_hours_provider_confirms_and_progress_and_export_follow(new_page):
    today = dt.date.today().isoformat()
    title = f"Infant observation seminar {uuid.uuid4().hex[:6]}"
    member = new_page(viewport={"width": 1280, "height": 900})
    login(member, "member1")
    member.goto("/endorsement/")
    assert_accessible(member)
    training_before = total(member, "#training-total strong")
    rsc_before = total(member, "#rsc-total strong")

    # An outside training.
    member.goto("/endorsement/training/new/")
    assert_accessible(member)
    member.get_by_label("Title").fill(title)
    member.get_by_label("Training provider").fill("Regional training institute")
    member.get_by_label("Date").fill(today)
    member.get_by_label("Clock hours").fill("2")
    member.get_by_label("Reflection").check()
    member.get_by_role("button", name="Add to my log").click()
    expect(member.get_by_text("The training is in your log.")).to_be_visible()

    # An RSC hour with the provider picked from the platform's qualifying providers.
    member.goto("/endorsement/rsc/new/")
    assert_accessible(member)
    member.get_by_label("Provider on the platform").select_option(label="Fran Facilitator")
    member.get_by_label("Individual or group").select_option("individual")
    member.get_by_label("Date").fill(today)
    member.get_by_label("Clock hours").fill("1")
    member.get_by_label("Age group you served").select_option("0-3")
    member.get_by_role("button", name="Add to my log").click()
    expect(member.get_by_text("The supervision is in your log.")).to_be_visible()
    expect(member.locator("#rsc-total")).to_contain_text("plus 1.00 pending")

    # The provider confirms it from their queue.
    provider = new_page(viewport={"width": 1280, "height": 900})
    login(provider, "facilitator")
    provider.goto("/endorsement/provider/")
    assert_accessible(provider)
    card = provider.locator("li.card", has_text="Maria Member")
    card.get_by_label("Confirm").check()
    card.get_by_role("button", name="Send decision").click()
    expect(provider.get_by_text("Thank you: the member was told.")).to_be_visible()

    # Progress shows the totals.
    member.goto("/endorsement/")
    assert total(member, "#training-total strong") == training_before + 2
    assert total(member, "#rsc-total strong") == rsc_before + 1
    expect(member.locator("#rsc-total")).not_to_contain_text("pending")

    # The portfolio exports.
    member.goto("/endorsement/portfolio/")
    assert_accessible(member)
    with member.expect_download() as download_info:
        member.get_by_role("link", name="Download as CSV").click()
    content = Path(download_info.value.path()).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0][0] == "Section"
    assert any(row[0] == "Training" and row[2] == title for row in rows)
    totals = {row[0]: Decimal(row[7]) for row in rows if row[0].endswith(("total", "confirmed"))}
    assert totals["Training total"] == training_before + 2

    # The facilitator's cohort view shows member1's progress (member1 shares details).
    provider.goto("/endorsement/cohorts/")
    provider.get_by_role("link", name=re.compile("Cohort A")).click()
    assert_accessible(provider)
    row = provider.locator("tr", has_text="Maria Member")
    expect(row).to_contain_text(f"{training_before + 2} of 30")


def test_endorsement_side_pages_are_accessible(page):
    login(page, "member1")
    for path in ("/endorsement/settings/", "/endorsement/providers/", "/endorsement/directory/"):
        page.goto(path)
        assert_accessible(page)
    expect(page.get_by_role("heading", name="Member directory")).to_be_visible()
    page.goto("/endorsement/providers/?format=group")
    expect(page.get_by_role("heading", name="Fran Facilitator")).to_be_visible()
