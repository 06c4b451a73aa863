import pytest
from django.core.management import call_command


@pytest.fixture
def demo(db):
    """The demo collaborative, loaded the way `make run` loads it."""
    call_command("demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
