"""Who may schedule, see and attend sessions, through the rules and the session page."""

import pytest

from collaboratives.models import Role
from events.models import Visibility
from tests.factories import CohortFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_facilitator_of_a_cohort_may_schedule_and_change_sessions_of_its_collaborative(
    facilitator, cohort, make_session
):
    other_cohort = CohortFactory(collaborative=cohort.collaborative)
    session = make_session(cohort=other_cohort, visibility=Visibility.COHORT)

    assert facilitator.has_perm("events.schedule_session", cohort.collaborative)
    assert facilitator.has_perm("events.change_session", session)
    assert facilitator.has_perm("events.take_attendance", session)


def test_member_and_outsider_may_not_schedule_or_change(members, outsider, cohort, make_session):
    session = make_session()

    for user in (members[0], outsider):
        assert not user.has_perm("events.schedule_session", cohort.collaborative)
        assert not user.has_perm("events.change_session", session)


def test_facilitator_of_another_collaborative_may_not_change(make_session):
    stranger = MembershipFactory(role=Role.FACILITATOR).user
    session = make_session()

    assert not stranger.has_perm("events.change_session", session)


def test_staff_and_administrators_may_change(staff_editor, administrator, make_session):
    session = make_session()

    assert staff_editor.has_perm("events.change_session", session)
    assert administrator.has_perm("events.change_session", session)


@pytest.mark.parametrize(
    ("visibility", "member_sees", "other_cohort_sees", "outsider_sees"),
    [
        (Visibility.PUBLIC, True, True, True),
        (Visibility.COLLABORATIVE, True, True, False),
        (Visibility.COHORT, True, False, False),
    ],
)
def test_visibility_decides_who_sees_the_session_page(
    sign_in,
    client,
    cohort,
    members,
    outsider,
    make_session,
    visibility,
    member_sees,
    other_cohort_sees,
    outsider_sees,
):
    other = MembershipFactory(cohort=CohortFactory(collaborative=cohort.collaborative)).user
    session = make_session(cohort=cohort, visibility=visibility, location="Room 4B")
    url = session.get_absolute_url()

    for user, sees in (
        (members[0], member_sees),
        (other, other_cohort_sees),
        (outsider, outsider_sees),
    ):
        assert sign_in(user).get(url).status_code == (200 if sees else 404)
        assert user.has_perm("events.view_session", session) is sees


def test_missing_and_forbidden_sessions_answer_alike(sign_in, outsider, make_session):
    session = make_session(visibility=Visibility.COLLABORATIVE)
    client = sign_in(outsider)

    forbidden = client.get(session.get_absolute_url())
    missing = client.get("/events/sessions/999999/")

    assert forbidden.status_code == missing.status_code == 404


def test_location_and_video_link_only_for_those_who_may_attend(
    sign_in, client, members, outsider, make_session
):
    session = make_session(
        visibility=Visibility.PUBLIC,
        location="Harrisburg, Room 4B",
        video_url="https://video.example.org/secret-room",
    )

    visitor_html = client.get(session.get_absolute_url()).content.decode()
    outsider_html = sign_in(outsider).get(session.get_absolute_url()).content.decode()
    member_html = sign_in(members[0]).get(session.get_absolute_url()).content.decode()

    for html in (visitor_html, outsider_html):
        assert session.title in html
        assert "Room 4B" not in html
        assert "secret-room" not in html
    assert "Room 4B" in member_html
    assert "https://video.example.org/secret-room" in member_html


def test_attend_needs_membership_even_for_public_sessions(outsider, members, make_session):
    session = make_session(visibility=Visibility.PUBLIC)

    assert outsider.has_perm("events.view_session", session)
    assert not outsider.has_perm("events.attend_session", session)
    assert members[0].has_perm("events.attend_session", session)


def test_member_who_left_loses_access(members, cohort, make_session):
    from django.utils import timezone

    from collaboratives.models import Membership

    session = make_session(cohort=cohort, visibility=Visibility.COHORT)
    Membership.objects.filter(user=members[0]).update(left_at=timezone.now())

    assert not members[0].has_perm("events.view_session", session)
    assert not UserFactory(is_active=False).has_perm("events.view_session", session)
