"""Growth benchmark: opening and syncing a room that holds a million messages.

One command, from the repository root:

    .venv/bin/python bench/room_growth.py                     # 1,000,000 messages
    .venv/bin/python bench/room_growth.py --messages 50000 --repeat 50 --no-doc   # smoke run

It migrates a scratch SQLite database in a temporary folder (never the project's var/), makes one
cohort with one room and two members, and writes the messages in one SQL statement (a recursive
CTE), so building a million rows takes seconds instead of the minutes the ORM would need. Then,
in this process, it times what the platform does with that room:

* open: the room page's reads, the last 50 messages with authors, replies and reactions
  (`messages_before`) and the reader's unread count (`read_state_for`), for a reader who is
  caught up, one who is 100 messages behind, and one who never opened the room;
* sync: `messages_after` from the start, a quarter, half, three quarters and near the end;
* the floor: one raw SQL statement on its own sqlite3 connection fetching the newest 50 rows of
  the room by the same (room, id) index, nothing else.

It reports p50 and p95 of each, their ratio to the floor's p50, and appends a dated section to
docs/benchmarks.md (`--no-doc` to skip). The target is an open under 20 ms at a million messages
and a sync whose cost does not depend on where it starts. Bounded: at most 2,000,000 messages,
200 repeats and a wall-clock limit. It is not part of the test suite.
"""

import argparse
import datetime as dt
import os
import platform
import secrets
import shlex
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WALL_LIMIT_SECONDS = 900


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _time(action, repeat: int, deadline: float) -> list[float]:
    action()  # warm the caches once, as a real server is warm
    samples = []
    for _ in range(repeat):
        if time.monotonic() > deadline:
            sys.exit("room_growth: wall-clock limit reached; use fewer messages or repeats.")
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--no-doc", action="store_true", help="do not append to the docs")
    args = parser.parse_args()
    if not 1_000 <= args.messages <= 2_000_000:
        sys.exit("--messages must be between 1,000 and 2,000,000")
    if not 5 <= args.repeat <= 200:
        sys.exit("--repeat must be between 5 and 200")
    deadline = time.monotonic() + WALL_LIMIT_SECONDS

    scratch = tempfile.mkdtemp(prefix="imh-growth-")
    os.environ["VAR_DIR"] = scratch
    os.environ.pop("DATABASE_URL", None)
    # DEBUG off, as in production: with DEBUG on, Django keeps every query in memory.
    os.environ["DEBUG"] = "0"
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path[:0] = [str(ROOT), str(ROOT / "site")]

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import User
    from collaboratives import room_selectors
    from collaboratives.models import (
        Cohort,
        Collaborative,
        Membership,
        Role,
        Room,
        RoomMessage,
        RoomReadState,
    )
    from competencies.models import Program

    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    program, _ = Program.objects.get_or_create(code="BENCH", defaults={"name": "Benchmark"})
    collaborative = Collaborative.objects.create(name="Growth", slug="growth", program=program)
    cohort = Cohort.objects.create(collaborative=collaborative, name="Growth", slug="growth")
    room = Room.objects.create(cohort=cohort, name="A million messages")
    author = User.objects.create(username="author", email="author@example.org")
    readers = {
        name: User.objects.create(username=name, email=f"{name}@example.org")
        for name in ("caught_up", "behind_100", "never_opened")
    }
    for user in [author, *readers.values()]:
        Membership.objects.create(cohort=cohort, user=user, role=Role.MEMBER)

    table = RoomMessage._meta.db_table
    body = "A message of about a hundred bytes, written to fill the room for the growth run."
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < %s)
            INSERT INTO {table}
                (room_id, author_id, client_id, prev_id, body, html, mentions, created_at)
            SELECT %s, %s, printf('%%032x', n), n - 1, %s, %s, '[]', %s FROM seq
            """,  # noqa: S608 (the table name is the model's own; values are parameters)
            [
                args.messages,
                room.pk,
                author.pk,
                body,
                f"<p>{body}</p>",
                dt.datetime.now(dt.UTC).isoformat(),
            ],
        )
        cursor.execute(f"SELECT MIN(id), MAX(id) FROM {table} WHERE room_id = %s", [room.pk])  # noqa: S608
        first_id, last_id = cursor.fetchone()
    Room.objects.filter(pk=room.pk).update(last_message_id=last_id)
    RoomReadState.objects.create(room=room, user=readers["caught_up"], last_read_id=last_id)
    RoomReadState.objects.create(room=room, user=readers["behind_100"], last_read_id=last_id - 100)
    built = time.monotonic()
    print(f"built {args.messages:,} messages in {built - started:.1f} s (migrate included)")

    database = connection.settings_dict["NAME"]
    raw = sqlite3.connect(database)

    def floor() -> None:
        raw.execute(
            f"SELECT id, author_id, body, html FROM {table} WHERE room_id = ? "  # noqa: S608
            "ORDER BY id DESC LIMIT 50",
            (room.pk,),
        ).fetchall()

    def opener(user):
        def open_room() -> None:
            messages, _ = room_selectors.messages_before(room=room, before=None, limit=50)
            assert len(messages) == 50
            room_selectors.read_state_for(room=room, user=user)

        return open_room

    def syncer(after: int):
        def sync() -> None:
            messages, _ = room_selectors.messages_after(room=room, after=after)
            assert messages

        return sync

    span = last_id - first_id
    cases = [("floor: raw newest 50 (sqlite3)", floor)]
    cases += [(f"open, reader {name}", opener(user)) for name, user in readers.items()]
    cases += [
        (f"sync from {label}", syncer(first_id - 1 + int(span * share)))
        for label, share in [
            ("the start", 0),
            ("a quarter", 0.25),
            ("half", 0.5),
            ("three quarters", 0.75),
            ("near the end", (span - 60) / span),
        ]
    ]
    results = []
    for name, action in cases:
        samples = _time(action, args.repeat, deadline)
        results.append((name, _percentile(samples, 0.5), _percentile(samples, 0.95)))
    floor_p50 = results[0][1]

    header = "| case | p50 ms | p95 ms | p50 / floor p50 |\n| --- | ---: | ---: | ---: |"
    rows = [
        f"| {name} | {p50:.2f} | {p95:.2f} | {p50 / floor_p50:.1f}× |" for name, p50, p95 in results
    ]
    table_text = "\n".join([header, *rows])
    print(table_text)
    opens = [p50 for name, p50, _ in results if name.startswith("open")]
    syncs = [p50 for name, p50, _ in results if name.startswith("sync")]
    verdict = (
        f"Slowest open p50 {max(opens):.2f} ms (target under 20 ms); sync p50 spread "
        f"{min(syncs):.2f}–{max(syncs):.2f} ms (max/min {max(syncs) / min(syncs):.2f})."
    )
    print(verdict)

    if not args.no_doc:
        command = "python bench/room_growth.py " + shlex.join(sys.argv[1:])
        section = (
            f"\n## Room growth: {args.messages:,} messages "
            f"({dt.date.today().isoformat()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version})\n\n"
            f"Command: `{command.strip()}` ({args.repeat} repeats each, in-process selectors; "
            "the floor is one raw sqlite3 query for the newest 50 rows).\n\n"
            f"{table_text}\n\n{verdict}\n"
        )
        with open(ROOT / "docs" / "benchmarks.md", "a", encoding="utf-8") as doc:
            doc.write(section)


if __name__ == "__main__":
    main()
