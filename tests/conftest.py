"""Fixtures shared by the whole suite."""

import pytest

from tests.factories import PASSWORD, CohortFactory, MembershipFactory, UserFactory


@pytest.fixture(autouse=True)
def _sites_forgotten():
    """Every test starts without remembered Sites (resources/routing.py): a test's Site
    changes are rolled back without a signal, and must not reach the next test."""
    from resources.routing import forget_sites

    forget_sites()


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
