"""`{% session_time %}`: a session's start in its own zone, with the instant for the script."""

import datetime as dt

from django.template import engines

TEMPLATE = engines["django"].from_string("{% load session_time %}{% session_time moment zone %}")


def _render(moment, zone) -> str:
    return TEMPLATE.render({"moment": moment, "zone": zone})


def test_the_time_reads_in_the_sessions_zone_across_the_clock_change():
    winter = dt.datetime(2026, 12, 8, 17, 0, tzinfo=dt.UTC)
    summer = dt.datetime(2027, 6, 8, 16, 0, tzinfo=dt.UTC)

    assert _render(winter, "America/New_York") == (
        '<time class="events-time" datetime="2026-12-08T12:00:00-05:00" '
        'data-zone="America/New_York">Tue, Dec 8, 2026, 12:00 PM EST</time>'
    )
    assert "12:00 PM EDT" in _render(summer, "America/New_York")
    assert "9:00 AM PDT" in _render(summer, "America/Los_Angeles")


def test_a_zone_that_does_not_exist_falls_back_and_is_escaped():
    html = _render(dt.datetime(2026, 12, 8, 17, 0, tzinfo=dt.UTC), '"><script>x</script>')

    assert "<script>" not in html
    assert "12:00 PM" in html  # the site's zone (America/New_York)


def test_no_time_renders_nothing():
    assert _render(None, "America/New_York") == ""
