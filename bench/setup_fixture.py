"""Build the scratch database of a rooms benchmark: migrate, then users, rooms and sessions.

Run by bench/rooms.py with VAR_DIR pointing at a temporary folder, never against real data:
`python bench/setup_fixture.py --connections 1000 --rooms 50 --out fixture.json`.
Sessions are written straight through Django's SessionStore, so the benchmark signs in 1,000
people without going through the sign-in form (and its lockout throttle).
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "site")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Known on purpose: the scratch database lives minutes in a temporary folder.
PASSWORD = "bench-only-passphrase-7"  # noqa: S105
BACKEND = "accounts.backends.UsernameOrEmailBackend"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, required=True)
    parser.add_argument("--rooms", type=int, required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    if "VAR_DIR" not in os.environ:
        sys.exit("VAR_DIR must name a scratch folder: this script writes a database there.")

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import transaction

    from accounts.models import User
    from collaboratives.models import Cohort, Collaborative, Membership, Role, Room
    from competencies.models import Program

    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    migrated = time.monotonic()

    # One hash for everybody: hashing 1,000 passwords would take minutes and test nothing here.
    password_hash = make_password(PASSWORD)
    with transaction.atomic():
        program, _ = Program.objects.get_or_create(
            code="BENCH", defaults={"name": "Benchmark program"}
        )
        collaborative = Collaborative.objects.create(
            name="Benchmark collaborative", slug="bench", program=program
        )
        cohorts = Cohort.objects.bulk_create(
            Cohort(collaborative=collaborative, name=f"Bench cohort {r}", slug=f"bench-{r}")
            for r in range(args.rooms)
        )
        rooms = Room.objects.bulk_create(
            Room(cohort=cohort, name=f"Bench room {r}") for r, cohort in enumerate(cohorts)
        )
        users = User.objects.bulk_create(
            User(
                username=f"bench{i}",
                email=f"bench{i}@example.org",
                display_name=f"Bench Person {i}",
                password=password_hash,
            )
            for i in range(args.connections)
        )
        # Connection i is person i in room i % rooms, so rooms fill evenly.
        Membership.objects.bulk_create(
            Membership(cohort=cohorts[i % args.rooms], user=user, role=Role.MEMBER)
            for i, user in enumerate(users)
        )
        sessions = []
        for user in users:
            store = SessionStore()
            store[SESSION_KEY] = str(user.pk)
            store[BACKEND_SESSION_KEY] = BACKEND
            store[HASH_SESSION_KEY] = user.get_session_auth_hash()
            store.create()
            sessions.append(store.session_key)

    fixture = {
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "connections": [
            {"user": user.pk, "room": rooms[i % args.rooms].pk, "session": sessions[i]}
            for i, user in enumerate(users)
        ],
        "rooms": [room.pk for room in rooms],
        "migrate_seconds": round(migrated - started, 1),
        "data_seconds": round(time.monotonic() - migrated, 1),
    }
    Path(args.out).write_text(json.dumps(fixture))


if __name__ == "__main__":
    main()
