"""Fixtures of the real-time suite: one demo database per xdist worker, served by Daphne.

The database is built once per worker the way `make run` builds it (the browser harness's
LiveSite: migrate, then `manage.py demo`), and the modules start their own Daphne processes on
it. Tests only add messages to it, and each reads from the room's latest id onward, so they do
not depend on each other's leftovers.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from tests.browser.support import LiveSite, SiteDatabase, worker_name

DEMO_SCRIPT = """
import json
from accounts.models import User
from collaboratives.models import Room
room = Room.objects.get(cohort__collaborative__slug="pa-launch-2026", cohort__slug="cohort-a",
                        name="Cohort A discussion")
users = dict(User.objects.filter(username__in=["member1", "member2", "outsider"])
             .values_list("username", "pk"))
print(json.dumps({"room": room.pk, "users": users}))
"""

# Sites running now, so a failing test can show the end of their logs.
_RUNNING: list[LiveSite] = []


@dataclass(frozen=True)
class Demo:
    database: SiteDatabase
    room_id: int
    user_ids: dict[str, int]


@pytest.fixture(scope="session")
def demo() -> Iterator[Demo]:
    """This worker's demo database (SQLite file, or PostgreSQL with DATABASE_URL)."""
    database = SiteDatabase.for_worker(worker_name(), label="realtime")
    # Its own Redis prefix too: `demo` writes to the cache when REDIS_URL is set.
    builder = LiveSite(database=database, name="realtime-build")
    builder.extra_env["REDIS_PREFIX"] = redis_prefix()
    try:
        builder.prepare()
        found = json.loads(builder.manage("shell", "-c", DEMO_SCRIPT).strip().splitlines()[-1])
        yield Demo(database=database, room_id=found["room"], user_ids=found["users"])
    finally:
        database.drop()


def redis_prefix() -> str:
    """A prefix of Redis keys and channels of its own (pub/sub ignores the database number)."""
    return f"imh-rt-{uuid.uuid4().hex[:10]}"


def make_site(demo: Demo, name: str, **extra_env: str | None) -> LiveSite:
    """A Daphne for `demo`'s database, not started. Its Redis traffic has a prefix of its own
    unless `extra_env` names one (sites that must talk to each other share one)."""
    extra_env.setdefault("REDIS_PREFIX", redis_prefix())
    return LiveSite(database=demo.database, name=name, extra_env=extra_env)


@contextmanager
def serving(*sites: LiveSite) -> Iterator[tuple[LiveSite, ...]]:
    """Start the sites (in order), stop them all at the end whatever happened."""
    try:
        for site in sites:
            _RUNNING.append(site)
            site.serve()
        yield sites
    finally:
        for site in sites:
            site.stop()
            if site in _RUNNING:
                _RUNNING.remove(site)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test shows the end of every running server's log (500s and tracebacks)."""
    report = yield
    if report.failed:
        for site in _RUNNING:
            report.sections.append((f"{site.name} log (tail)", site.log_tail(3000)))
    return report


def redis_url_or_skip() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        pytest.skip("needs REDIS_URL (CI sets it; e.g. redis://127.0.0.1:56379/0)")
    return url
