"""Fixtures shared by the whole suite."""

import pytest

from tests.factories import PASSWORD, CohortFactory, MembershipFactory, UserFactory


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def member(db):
    """A member of one cohort."""
    return MembershipFactory().user


@pytest.fixture
def cohort(db):
    return CohortFactory()


@pytest.fixture
def outsider(db):
    """A signed-up person in no cohort."""
    return UserFactory()
