"""Fixtures of the fault-injection suite: one scaled stack for the session, healthy before each
scenario. Run with `make faults` (pytest -m faults); `make test` leaves these tests out."""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.faults.stack import Daphne, Stack, StackError, http_get, port_open
from tests.realtime.client import sign_in

ROOM_SCRIPT_SQL = """
SELECT r.id FROM collaboratives_room r
JOIN collaboratives_cohort c ON c.id = r.cohort_id
WHERE c.slug = 'cohort-a' AND r.name = 'Cohort A discussion'
"""
USERS = ("member1", "member2", "facilitator")
WORKER = ("db_worker", "--backend", "queue", "--queue-name", "default")
SCHEDULER = ("scheduler",)
HEALTHY_WITHIN = 45  # seconds for the stack to be whole again before a scenario


@dataclass
class Site:
    stack: Stack
    a: Daphne
    b: Daphne
    room_id: int
    user_ids: dict[str, int]
    cookies: dict[str, str]

    def latest(self) -> int:
        rows = self.stack.query(
            "SELECT coalesce(max(id), 0) FROM collaboratives_roommessage WHERE room_id = %s",
            (self.room_id,),
        )
        return rows[0][0]

    def stored_after(self, baseline: int) -> list[tuple]:
        """(id, prev_id, client_id, body) of the room's messages after `baseline`, in id order."""
        return self.stack.query(
            "SELECT id, prev_id, client_id::text, body FROM collaboratives_roommessage "
            "WHERE room_id = %s AND id > %s ORDER BY id",
            (self.room_id, baseline),
        )


_STACKS: list[Stack] = []


@pytest.fixture(scope="session")
def site(request):
    for program in ("redis-server", "runuser"):
        if shutil.which(program) is None:
            pytest.skip(f"the faults suite needs {program} (apt-get install redis-server)")
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        pytest.skip("the faults suite needs PostgreSQL (apt-get install postgresql)")
    work = Path(tempfile.mkdtemp(prefix="imh-faults."))
    stack = Stack(work)
    _STACKS.append(stack)
    try:
        stack.build()
        stack.background("worker", *WORKER)
        stack.background("scheduler", *SCHEDULER)
        a, b = stack.daphne("a"), stack.daphne("b")
        room_id = stack.query(ROOM_SCRIPT_SQL)[0][0]
        users = dict(
            stack.query(
                "SELECT username, id FROM accounts_user WHERE username = ANY(%s)", (list(USERS),)
            )
        )
        cookies = {name: sign_in(a.url, name) for name in USERS}
        yield Site(stack, a, b, room_id, users, cookies)
    finally:
        stack.close()
        _STACKS.remove(stack)
        if request.session.testsfailed:
            print(f"\nfaults: logs kept in {stack.logs}")
        else:
            shutil.rmtree(work, ignore_errors=True)


@pytest.fixture
def healthy(site):
    """Whatever the scenario before broke, put back: Redis, PostgreSQL, both Daphne, then
    /healthz 200 on both."""
    stack = site.stack
    if not stack.redis_running():
        stack.redis_start()
    if not stack.postgres_running():
        stack.postgres_start()
    for server in (site.a, site.b):
        if not server.alive():
            server.start()
    deadline = time.monotonic() + HEALTHY_WITHIN
    for server in (site.a, site.b):
        while True:
            status = 0
            if port_open(server.port):
                status, _ = http_get(f"{server.url}/healthz", timeout=10)
            if status == 200:
                break
            if time.monotonic() > deadline:
                raise StackError(f"{server.name} not healthy before the scenario ({status})")
            time.sleep(0.5)
    return site


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed scenario shows the end of every Daphne log of the stack."""
    report = yield
    if report.failed:
        for stack in _STACKS:
            for server in stack.daphnes:
                report.sections.append((f"daphne {server.name} log (tail)", server.log_tail()))
    return report
