"""The upcoming list with its filters, the month calendar, "my sessions" and the session page."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from competencies.models import Competency
from events.models import Attendance, Rsvp, Visibility
from tests.factories import CollaborativeFactory, MembershipFactory, SessionFactory

pytestmark = pytest.mark.django_db


def _titles(response):
    return [session.title for session in response.context["sessions"]]


def test_list_filters_by_collaborative_kind_and_competency(sign_in, members, cohort, make_session):
    competency = Competency.objects.first()
    tagged = make_session(title="Tagged didactic", kind="didactic")
    tagged.competencies.add(competency)
    make_session(title="Reflective", kind="reflective-group")
    elsewhere = CollaborativeFactory()
    MembershipFactory(cohort__collaborative=elsewhere, user=members[0])
    SessionFactory(collaborative=elsewhere, title="Elsewhere")
    client = sign_in(members[0])

    everything = client.get("/events/")
    by_kind = client.get("/events/", {"kind": "didactic"})
    by_competency = client.get("/events/", {"competency": competency.slug})
    by_collaborative = client.get("/events/", {"collaborative": elsewhere.slug})
    bad_kind = client.get("/events/", {"kind": "<script>"})

    assert sorted(_titles(everything)) == ["Elsewhere", "Reflective", "Tagged didactic"]
    assert _titles(by_kind) == ["Tagged didactic"]
    assert _titles(by_competency) == ["Tagged didactic"]
    assert _titles(by_collaborative) == ["Elsewhere"]
    assert bad_kind.status_code == 200
    assert '<label for="filter-kind">Kind</label>' in everything.content.decode()


def test_visitor_sees_only_public_sessions(client, make_session):
    make_session(title="Open webinar", visibility=Visibility.PUBLIC)
    make_session(title="Members only", visibility=Visibility.COLLABORATIVE)

    response = client.get("/events/")

    assert _titles(response) == ["Open webinar"]


def test_list_query_count_does_not_grow_with_sessions(
    sign_in, members, cohort, make_session, django_assert_num_queries
):
    competency = Competency.objects.first()

    def add(n):
        for _ in range(n):
            session = make_session(cohort=cohort, capacity=5)
            session.competencies.add(competency)
            Rsvp.objects.create(session=session, user=members[1])

    client = sign_in(members[0])
    add(1)
    client.get("/events/")  # warm caches (session, content types)
    with CaptureQueriesContext(connection) as one:
        assert len(client.get("/events/").context["sessions"]) == 1
    add(5)

    with django_assert_num_queries(len(one.captured_queries)):
        assert len(client.get("/events/").context["sessions"]) == 6


def test_month_calendar_places_sessions_on_their_local_day(sign_in, members, make_session):
    # 23:30 in New York on Dec 8 is already Dec 9 in UTC: the calendar uses the session's zone.
    start = dt.datetime(2026, 12, 8, 23, 30, tzinfo=ZoneInfo("America/New_York"))
    make_session(title="Late session", starts_at=start, ends_at=start + dt.timedelta(minutes=30))

    response = sign_in(members[0]).get("/events/month/", {"month": "2026-12"})

    assert response.status_code == 200
    days = {day["date"]: day["sessions"] for week in response.context["weeks"] for day in week}
    assert [s.title for s in days[dt.date(2026, 12, 8)]] == ["Late session"]
    assert days[dt.date(2026, 12, 9)] == []
    html = response.content.decode()
    assert "<caption" in html and 'scope="col"' in html
    assert "Sessions in December 2026" in html


def test_month_calendar_with_a_bad_month_shows_this_month(sign_in, members):
    response = sign_in(members[0]).get("/events/month/", {"month": "2026-13"})

    assert response.status_code == 200
    assert response.context["month"] == timezone.localdate().replace(day=1)


def test_my_sessions_lists_rsvps_and_attended(sign_in, members, make_session, past_session):
    going = make_session(title="Going one")
    make_session(title="Not mine")
    Rsvp.objects.create(session=going, user=members[0], status=Rsvp.Status.GOING)
    Attendance.objects.create(session=past_session, user=members[0], status="present", minutes=90)

    response = sign_in(members[0]).get("/events/mine/")

    assert [s.title for s in response.context["upcoming"]] == ["Going one"]
    assert [s.title for s in response.context["past"]] == [past_session.title]


def test_session_page_shows_time_in_its_zone_with_a_machine_readable_instant(
    sign_in, members, make_session
):
    start = dt.datetime(2027, 1, 12, 9, 0, tzinfo=ZoneInfo("America/Chicago"))
    session = make_session(
        title="Chicago session",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        timezone="America/Chicago",
    )

    html = sign_in(members[0]).get(session.get_absolute_url()).content.decode()

    assert 'data-zone="America/Chicago"' in html
    assert "Tue, Jan 12, 2027, 9:00 AM CST" in html
    assert 'datetime="2027-01-12T10:00:00-05:00"' in html
    assert 'src="/static/js/events-localtime' in html
    assert "<script>" not in html and 'style="' not in html


def test_facilitator_sees_schedule_links_and_members_do_not(sign_in, facilitator, members, cohort):
    slug = cohort.collaborative.slug

    facilitator_html = sign_in(facilitator).get("/events/").content.decode()
    member_html = sign_in(members[0]).get("/events/").content.decode()

    assert f'href="/events/schedule/{slug}/series/"' in facilitator_html
    assert "/events/schedule/" not in member_html


def test_facilitator_pages_render(sign_in, facilitator, cohort, make_session):
    session = make_session(capacity=3)
    client = sign_in(facilitator)
    urls = [
        f"/events/sessions/{session.pk}/edit/",
        f"/events/sessions/{session.pk}/cancel/",
        f"/events/sessions/{session.pk}/message/",
        f"/events/export/{cohort.collaborative.slug}/attendance.csv",
        f"/events/schedule/{cohort.collaborative.slug}/series/",
        session.get_absolute_url(),
    ]

    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "<h1" in html and "<script>" not in html and 'style="' not in html

    detail = client.get(session.get_absolute_url()).content.decode()
    assert f'href="/events/sessions/{session.pk}/edit/"' in detail
    assert f'href="/events/sessions/{session.pk}/calendar.ics"' in detail


def test_my_sessions_counts_everyone_going(sign_in, members, make_session):
    session = make_session(capacity=5)
    for member in members:
        Rsvp.objects.create(session=session, user=member, status=Rsvp.Status.GOING)

    response = sign_in(members[0]).get("/events/mine/")

    (listed,) = response.context["upcoming"]
    assert listed.going_count == 3
    assert listed.my_rsvp == Rsvp.Status.GOING


def test_list_links_the_calendar_feeds(sign_in, members, cohort, make_session):
    make_session()

    html = sign_in(members[0]).get("/events/").content.decode()

    assert f'href="/events/{cohort.collaborative.slug}/calendar.ics"' in html
    assert 'href="/events/calendar-feed/"' in html
