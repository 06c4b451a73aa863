"""Fixtures for the competency framework tests."""

import copy

import pytest
import yaml

from competencies.loader import BUNDLED_FILE
from competencies.models import (
    AreaOfExpertise,
    Association,
    CategoryRequirement,
    Competency,
    EndorsementCategory,
    Program,
    RenewalRule,
)
from tests.factories import UserFactory

FRAMEWORK_MODELS = (
    Program,
    AreaOfExpertise,
    Competency,
    Association,
    EndorsementCategory,
    CategoryRequirement,
    RenewalRule,
)


@pytest.fixture(scope="session")
def _bundled_framework() -> dict:
    return yaml.safe_load(BUNDLED_FILE.read_text(encoding="utf-8"))


@pytest.fixture
def framework_data(_bundled_framework) -> dict:
    """A fresh copy of the bundled framework document, safe to modify."""
    return copy.deepcopy(_bundled_framework)


@pytest.fixture
def framework_snapshot():
    """A function returning every framework row's values, to prove that nothing changed."""

    def snapshot() -> dict:
        return {
            model.__name__: sorted(tuple(sorted(row.items())) for row in model.objects.values())
            for model in FRAMEWORK_MODELS
        }

    return snapshot


@pytest.fixture
def superuser(db):
    return UserFactory(is_superuser=True, is_staff=True)
