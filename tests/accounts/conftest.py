"""Fixtures for the accounts tests."""

import pytest
from axes.utils import reset as axes_reset
from django.core.cache import cache

from competencies.models import EndorsementCategory, Program


@pytest.fixture(autouse=True)
def _forget_failed_sign_ins(db):
    """Each test starts and ends with no failed sign-ins on record (axes' table, and the
    per-address and per-account counters in the cache)."""
    cache.clear()
    yield
    axes_reset()
    cache.clear()


@pytest.fixture
def categories(db):
    """Two endorsement categories in each of two programs (codes unique to these tests)."""
    imh, _ = Program.objects.get_or_create(
        code="TEST-IMH", defaults={"name": "Test Infant Mental Health", "order": 90}
    )
    ecmh, _ = Program.objects.get_or_create(
        code="TEST-ECMH", defaults={"name": "Test Early Childhood Mental Health", "order": 91}
    )
    made = {}
    for program, code, name in [
        (imh, "T-IFA", "Test Infant Family Associate"),
        (imh, "T-IFS", "Test Infant Family Specialist"),
        (ecmh, "T-ECFA", "Test Early Childhood Family Associate"),
        (ecmh, "T-ECFS", "Test Early Childhood Family Specialist"),
    ]:
        made[code], _ = EndorsementCategory.objects.get_or_create(
            code=code, defaults={"program": program, "name": name}
        )
    return made
