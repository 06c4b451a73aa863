"""Fixtures of the forum tests: a cohort board and people around it."""

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache

from accounts.rules import STAFF_EDITORS
from collaboratives.models import Role
from forums import services
from forums.models import Board
from tests.factories import CohortFactory, MembershipFactory, UserFactory

# Sessions must name a backend that loads users (the first one, django-axes, does not).
BACKEND = "accounts.backends.UsernameOrEmailBackend"


@pytest.fixture(autouse=True)
def fresh_cache():
    """Cached search counts outlive a test's rolled-back database; start each test without."""
    cache.clear()


@pytest.fixture
def sign_in(client):
    def sign_in_as(user):
        client.force_login(user, backend=BACKEND)
        return client

    return sign_in_as


@pytest.fixture
def author(cohort):
    """A member of `cohort` who starts topics."""
    return MembershipFactory(cohort=cohort, role=Role.MEMBER, user__username="author").user


@pytest.fixture
def peer(cohort):
    """Another member of `cohort`."""
    return MembershipFactory(cohort=cohort, role=Role.MEMBER, user__username="peer").user


@pytest.fixture
def facilitator(cohort):
    return MembershipFactory(cohort=cohort, role=Role.FACILITATOR, user__username="fac").user


@pytest.fixture
def other_cohort(db):
    return CohortFactory()


@pytest.fixture
def other_member(other_cohort):
    """A member of a cohort of another collaborative."""
    return MembershipFactory(cohort=other_cohort, role=Role.MEMBER).user


@pytest.fixture
def other_facilitator(other_cohort):
    return MembershipFactory(cohort=other_cohort, role=Role.FACILITATOR).user


@pytest.fixture
def staff(db):
    user = UserFactory()
    user.groups.add(Group.objects.get_or_create(name=STAFF_EDITORS)[0])
    return user


@pytest.fixture
def board(cohort):
    return Board.objects.create(
        name="Cohort board", slug="cohort-board", scope=Board.Scope.COHORT, cohort=cohort
    )


@pytest.fixture
def other_board(other_cohort):
    return Board.objects.create(
        name="Other cohort board",
        slug="other-board",
        scope=Board.Scope.COHORT,
        cohort=other_cohort,
    )


@pytest.fixture
def topic(board, author):
    return services.topic_create(
        actor=author, board=board, title="Sleep routines at child care", body="What helps *you*?"
    )


@pytest.fixture
def reply(topic, peer):
    return services.post_create(actor=peer, topic=topic, body="A calm corner helps.")
