"""A member downloads their data and deletes their account, in the browser."""

import io
import json
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.support import DEMO_PASSWORD, assert_accessible, login

pytestmark = pytest.mark.browser

# A member of the demo cohort made for this test, so no demo account is deleted.
MEMBER_SCRIPT = f"""
from accounts.models import User
from collaboratives.models import Cohort, Membership
user = User.objects.create_user("leaving_member", "leaving@example.org", {DEMO_PASSWORD!r})
user.display_name = "Lee Leaving"
user.save()
Membership.objects.create(
    user=user, cohort=Cohort.objects.get(collaborative__slug="pa-launch-2026", slug="cohort-a")
)
print(user.pk)
"""


def test_member_downloads_their_data_then_deletes_the_account(new_page, run_manage):
    run_manage("shell", "-c", MEMBER_SCRIPT)
    page = new_page(viewport={"width": 320, "height": 800})
    login(page, "leaving_member")
    page.goto("/accounts/profile/")
    page.get_by_role("link", name="Your data").click()
    assert_accessible(page)

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download my data").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    profile = json.loads(archive.read("account.json"))["profile"][0]
    assert profile["username"] == "leaving_member"
    assert {"rooms.json", "sessions.json", "forums.json", "endorsement.json"} <= set(
        archive.namelist()
    )

    page.get_by_label("Your password").fill("not my password")
    page.get_by_label("to confirm").fill("delete my account")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.locator(".field__error")).to_contain_text("That is not your password.")
    assert_accessible(page)

    page.get_by_label("Your password").fill(DEMO_PASSWORD)
    page.get_by_label("to confirm").fill("delete my account")
    page.get_by_role("button", name="Delete my account").click()

    expect(page.get_by_text("Your account is deleted.")).to_be_visible()
    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill("leaving_member")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("input[name=password]").press("Enter")
    expect(page.locator("[role=alert], .errorlist").first).to_be_visible()
    assert "/accounts/login/" in page.url
