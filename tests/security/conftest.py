"""Fixtures for the security tests."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _forget_sign_in_counters():
    """Failed sign-ins are counted in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()
