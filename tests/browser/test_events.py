"""Sessions in a real browser: a facilitator schedules a monthly series, two members RSVP to a
one-seat occurrence (one waitlisted, then promoted when the other cancels), the facilitator
takes attendance and closes it, and the attendee prints a certificate."""

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import assert_accessible, login

pytestmark = pytest.mark.browser

COLLABORATIVE = "pa-launch-2026"
SERIES_TITLE = "Browser monthly consultation"

# The occurrence "happened": move it to yesterday (the test cannot wait for the clock).
MOVE_TO_PAST = """
import datetime as dt
from django.utils import timezone
from events.models import Session
session = Session.objects.get(pk={pk})
start = timezone.now() - dt.timedelta(days=1)
length = session.ends_at - session.starts_at
Session.objects.filter(pk=session.pk).update(starts_at=start, ends_at=start + length)
print("moved")
"""

SERIES_FACTS = """
import json
from zoneinfo import ZoneInfo
from events.models import Session
sessions = Session.objects.filter(series__title={title!r}).order_by("starts_at")
hours = sorted({{s.starts_at.astimezone(ZoneInfo(s.timezone)).hour for s in sessions}})
print(json.dumps({{"count": sessions.count(), "hours": hours}}))
"""


def _session_id(url: str) -> int:
    return int(re.search(r"/events/sessions/(\d+)/", url).group(1))


def test_monthly_series_rsvp_waitlist_attendance_and_certificate(new_page, run_manage):
    facilitator = new_page(viewport={"width": 1280, "height": 900})
    login(facilitator, "facilitator")

    # The facilitator schedules a monthly series (second Tuesday) of one-seat sessions.
    facilitator.goto("/events/")
    facilitator.get_by_role("link", name="Schedule a series").first.click()
    expect(facilitator.get_by_role("heading", level=1)).to_have_text("Schedule a recurring series")
    assert_accessible(facilitator)
    facilitator.get_by_label("Title").fill(SERIES_TITLE)
    facilitator.get_by_label("Kind").select_option("case-consultation")
    facilitator.get_by_label("Starts").fill("2026-12-08T12:00")
    facilitator.get_by_label("Ends").fill("2026-12-08T13:30")
    facilitator.get_by_label("Repeats (RFC 5545 rule)").fill("FREQ=MONTHLY;BYDAY=2TU")
    facilitator.get_by_label("Number of sessions").fill("3")
    facilitator.get_by_label("Capacity").fill("1")
    facilitator.locator("input[name=competencies]").first.check()
    facilitator.get_by_role("button", name="Schedule the series").click()
    expect(facilitator.locator(".messages")).to_contain_text("Scheduled 3 sessions")
    expect(facilitator.get_by_role("heading", level=1)).to_have_text(SERIES_TITLE)
    session_url = facilitator.url
    session_id = _session_id(session_url)
    facts = json.loads(
        run_manage("shell", "-c", SERIES_FACTS.format(title=SERIES_TITLE)).strip().splitlines()[-1]
    )
    assert facts == {"count": 3, "hours": [12]}
    assert_accessible(facilitator)

    # Two members RSVP for the one seat: the second is waitlisted.
    first = new_page(viewport={"width": 1280, "height": 900}, timezone_id="America/Los_Angeles")
    login(first, "member1")
    first.goto(session_url)
    # Times read in the session's zone, with the viewer's own beside them (9:00 AM Pacific).
    expect(first.locator(".events-time").first).to_contain_text("12:00 PM")
    expect(first.locator(".events-time__local").first).to_contain_text("9:00")
    first.get_by_role("button", name="Going", exact=True).click()
    expect(first.locator("#rsvp-status")).to_have_text("You're going.")
    assert_accessible(first)

    second = new_page(viewport={"width": 320, "height": 800})
    login(second, "member2")
    second.goto(session_url)
    second.get_by_role("button", name="Going", exact=True).click()
    expect(second.locator("#rsvp-status")).to_contain_text("waitlist")

    # The first cancels; the waitlisted member is promoted and told.
    first.get_by_role("button", name="Not going").click()
    expect(first.locator("#rsvp-status")).to_have_text("You're not going.")
    second.goto(session_url)
    expect(second.locator("#rsvp-status")).to_have_text("You're going.")
    second.goto("/accounts/notifications/")
    expect(second.locator("main")).to_contain_text("A seat freed up")

    # The session takes place; the facilitator takes attendance and closes it.
    run_manage("shell", "-c", MOVE_TO_PAST.format(pk=session_id))
    facilitator.goto(f"/events/sessions/{session_id}/attendance/")
    assert_accessible(facilitator)
    member2_status = facilitator.get_by_label(re.compile(r"^Status of Marcus"))
    expect(member2_status).to_have_value("present")
    facilitator.get_by_role("button", name="Close attendance").click()
    expect(facilitator.locator(".messages")).to_contain_text("Attendance is closed")

    # The attendee's certificate prints; others get nothing.
    second.goto(f"/events/sessions/{session_id}/certificate/")
    expect(second.get_by_role("heading", level=1)).to_have_text("Certificate of attendance")
    expect(second.locator(".events-certificate")).to_contain_text("1.5")
    expect(second.locator(".events-certificate")).to_contain_text(SERIES_TITLE)
    assert_accessible(second)
    second.emulate_media(media="print")
    expect(second.locator(".site-header")).to_be_hidden()
    expect(second.locator(".events-certificate")).to_be_visible()
    pdf = second.pdf(format="Letter")
    assert pdf.startswith(b"%PDF")
    response = first.goto(f"/events/sessions/{session_id}/certificate/")
    assert response.status == 404
