"""Fixtures of the events tests: a collaborative with a facilitator, members and sessions."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.rules import ADMINISTRATORS, STAFF_EDITORS
from collaboratives.models import Role
from events.models import Visibility
from tests.factories import MembershipFactory, SessionFactory, UserFactory

# Sessions must name a backend that loads users (the first one, django-axes, does not).
BACKEND = "accounts.backends.UsernameOrEmailBackend"


@pytest.fixture
def sign_in(client):
    def sign_in_as(user):
        client.force_login(user, backend=BACKEND)
        return client

    return sign_in_as


@pytest.fixture
def facilitator(cohort):
    return MembershipFactory(cohort=cohort, role=Role.FACILITATOR).user


@pytest.fixture
def members(cohort):
    """Three members (not facilitators) of `cohort`."""
    return [MembershipFactory(cohort=cohort, role=Role.MEMBER).user for _ in range(3)]


@pytest.fixture
def staff_editor(db):
    user = UserFactory()
    user.groups.add(Group.objects.get_or_create(name=STAFF_EDITORS)[0])
    return user


@pytest.fixture
def administrator(db):
    user = UserFactory()
    user.groups.add(Group.objects.get_or_create(name=ADMINISTRATORS)[0])
    return user


@pytest.fixture
def make_session(cohort):
    """`make_session(**fields)`: a session of the cohort's collaborative, a week ahead."""

    def make(**fields):
        fields.setdefault("collaborative", cohort.collaborative)
        fields.setdefault("visibility", Visibility.COLLABORATIVE)
        return SessionFactory(**fields)

    return make


@pytest.fixture
def past_session(make_session, facilitator, cohort):
    """A 90-minute cohort session that ended yesterday."""
    start = timezone.now() - dt.timedelta(days=1, hours=2)
    session = make_session(
        cohort=cohort,
        visibility=Visibility.COHORT,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=90),
        title="Reflective group",
        kind="reflective-group",
    )
    session.facilitators.add(facilitator)
    return session


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """`with commit(): ...` runs what the code defers to after commit (emails) at the end."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run
