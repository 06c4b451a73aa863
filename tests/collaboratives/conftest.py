"""Fixtures of the collaboratives tests: roles around one cohort, signing in, invitations."""

import pytest
from django.contrib.auth.models import Group

from accounts.rules import ADMINISTRATORS, STAFF_EDITORS
from collaboratives import services
from collaboratives.models import Role
from tests.factories import MembershipFactory, RoomFactory, UserFactory

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
def cohort_member(cohort):
    """A member (not a facilitator) of `cohort`."""
    return MembershipFactory(cohort=cohort, role=Role.MEMBER).user


@pytest.fixture
def room(cohort):
    return RoomFactory(cohort=cohort, name="Cohort discussion")


def _in_group(name):
    user = UserFactory()
    user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user


@pytest.fixture
def administrator(db):
    return _in_group(ADMINISTRATORS)


@pytest.fixture
def staff_editor(db):
    return _in_group(STAFF_EDITORS)


@pytest.fixture
def invite(facilitator, cohort, django_capture_on_commit_callbacks):
    """`invite(email, role=...)` -> (invitation, token), sent by the cohort's facilitator."""

    def make(email="invitee@example.org", role=Role.MEMBER):
        with django_capture_on_commit_callbacks(execute=True):
            return services.invitation_create(
                cohort=cohort, email=email, role=role, invited_by=facilitator
            )

    return make
