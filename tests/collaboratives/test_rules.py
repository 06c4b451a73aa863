"""Who may see, invite to, manage and join: the collaboratives permissions and selectors."""

import pytest
from django.http import Http404
from django.utils import timezone

from collaboratives import selectors
from collaboratives.models import Role
from tests.factories import MembershipFactory, RoomFactory

pytestmark = pytest.mark.django_db

ROLES = ["facilitator", "cohort_member", "staff_editor", "administrator", "outsider", "former"]
EXPECTED = {
    # perm: the roles that hold it on the cohort (or its room)
    "collaboratives.view_cohort": {"facilitator", "cohort_member", "staff_editor", "administrator"},
    "collaboratives.invite_to_cohort": {"facilitator", "staff_editor", "administrator"},
    "collaboratives.manage_cohort": {"facilitator", "staff_editor", "administrator"},
    "collaboratives.join_room": {"facilitator", "cohort_member", "administrator"},
}


@pytest.fixture
def former(cohort):
    return MembershipFactory(cohort=cohort, left_at=timezone.now()).user


@pytest.mark.parametrize("perm", sorted(EXPECTED))
@pytest.mark.parametrize("who", ROLES)
def test_perm_matches_role(perm, who, request, cohort, room):
    user = request.getfixturevalue(who)
    target = room if perm == "collaboratives.join_room" else cohort

    allowed = user.has_perm(perm, target)

    assert allowed is (who in EXPECTED[perm])


def test_perms_refuse_anonymous_and_missing_object(cohort, cohort_member):
    from django.contrib.auth.models import AnonymousUser

    assert not AnonymousUser().has_perm("collaboratives.view_cohort", cohort)
    assert not cohort_member.has_perm("collaboratives.view_cohort", None)
    assert not cohort_member.has_perm("collaboratives.join_room", None)


def test_perm_refuses_deactivated_member(cohort, cohort_member):
    cohort_member.is_active = False

    assert not cohort_member.has_perm("collaboratives.view_cohort", cohort)


def test_facilitator_of_other_cohort_cannot_manage(cohort):
    elsewhere = MembershipFactory(role=Role.FACILITATOR).user

    assert not elsewhere.has_perm("collaboratives.manage_cohort", cohort)
    assert not elsewhere.has_perm("collaboratives.view_cohort", cohort)


def test_cohort_for_viewer_missing_and_forbidden_both_404(cohort, outsider, cohort_member):
    slugs = {"collaborative_slug": cohort.collaborative.slug, "cohort_slug": cohort.slug}

    assert selectors.cohort_for_viewer(user=cohort_member, **slugs) == cohort
    with pytest.raises(Http404):
        selectors.cohort_for_viewer(user=outsider, **slugs)
    with pytest.raises(Http404):
        selectors.cohort_for_viewer(
            user=cohort_member, collaborative_slug=cohort.collaborative.slug, cohort_slug="nope"
        )


def test_room_for_member_missing_and_forbidden_both_404(room, outsider, cohort_member):
    assert selectors.room_for_member(user=cohort_member, room_id=room.pk) == room
    with pytest.raises(Http404):
        selectors.room_for_member(user=outsider, room_id=room.pk)
    with pytest.raises(Http404):
        selectors.room_for_member(user=cohort_member, room_id=room.pk + 1000)


def test_rooms_for_member_lists_only_active_cohorts(cohort_member, room, cohort):
    RoomFactory()  # another cohort's room
    left = MembershipFactory(user=cohort_member, left_at=timezone.now())
    RoomFactory(cohort=left.cohort)

    rooms = list(selectors.rooms_for_member(user=cohort_member))

    assert rooms == [room]


def test_rooms_for_member_gives_administrator_every_room(administrator, room):
    other = RoomFactory()

    rooms = set(selectors.rooms_for_member(user=administrator))

    assert rooms == {room, other}
