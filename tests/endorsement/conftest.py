"""Fixtures of the endorsement tests: a qualifying provider, a goal, dates relative to today."""

import datetime as dt

import pytest
from django.utils import timezone

from competencies.models import AreaOfExpertise, Competency, EndorsementCategory
from endorsement.models import Credential
from tests.factories import UserFactory


def days_ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def make_provider(code: str = "IMHM-C", **fields):
    """A user holding a verified endorsement whose category qualifies them to provide RSC."""
    provider = UserFactory(**fields)
    Credential.objects.create(
        member=provider,
        category=EndorsementCategory.objects.get(code=code),
        endorsement_id="PA-1234",
        verified_at=timezone.now(),
    )
    return provider


@pytest.fixture
def provider(db):
    return make_provider()


@pytest.fixture
def old_member(member):
    """A member whose account is a few years old, so back-dated automatic entries are valid."""
    member.date_joined = timezone.now() - dt.timedelta(days=3 * 365)
    member.save(update_fields=["date_joined"])
    return member


@pytest.fixture
def area(db) -> AreaOfExpertise:
    return AreaOfExpertise.objects.get(slug="theoretical-foundations")


@pytest.fixture
def competency(area) -> Competency:
    return area.competencies.order_by("order").first()


@pytest.fixture
def ifs(db) -> EndorsementCategory:
    return EndorsementCategory.objects.get(code="IFS")
