"""Parallel RSVPs for the last seat never overbook (PostgreSQL: real row locks)."""

import os
import threading

import pytest
from django.db import connection, connections
from django.test import Client

from collaboratives.models import Role
from events.models import Rsvp
from tests.factories import MembershipFactory, SessionFactory

BACKEND = "accounts.backends.UsernameOrEmailBackend"
PARALLEL = 8

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
        reason="needs PostgreSQL: set DATABASE_URL=postgres://... (.ci/run does)",
    ),
]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_rsvps_for_the_last_seat_never_overbook():
    assert connection.vendor == "postgresql"
    first = MembershipFactory(role=Role.MEMBER)
    cohort = first.cohort
    session = SessionFactory(collaborative=cohort.collaborative, capacity=2)
    Rsvp.objects.create(session=session, user=first.user, status=Rsvp.Status.GOING)
    people = [MembershipFactory(cohort=cohort).user for _ in range(PARALLEL)]
    clients = []
    for person in people:
        client = Client()
        client.force_login(person, backend=BACKEND)
        clients.append(client)
    barrier = threading.Barrier(PARALLEL)
    statuses = []

    def rsvp(client):
        try:
            barrier.wait(timeout=30)
            response = client.post(f"/events/sessions/{session.pk}/rsvp/", {"going": "yes"})
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=rsvp, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert statuses == [302] * PARALLEL
    going = Rsvp.objects.filter(session=session, status=Rsvp.Status.GOING).count()
    waitlisted = Rsvp.objects.filter(session=session, status=Rsvp.Status.WAITLISTED).count()
    assert going == 2
    assert waitlisted == PARALLEL - 1
