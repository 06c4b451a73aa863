"""`manage.py scheduler`: the platform's periodic jobs, run in one small companion process.

`make run` starts it beside Daphne; a deployment runs it as one service (docs/deployment.md).
Jobs: publish and unpublish Wagtail pages whose scheduled time came (go-live and expiry), and
email notification digests to people who were not online to see their notifications.
"""

import logging
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from accounts.tasks import notification_digest_send
from collaboratives.room_services import room_messages_expire
from events.services import reminders_job
from forums.tasks import forum_digest_send

logger = logging.getLogger(__name__)


def _publish_scheduled() -> None:
    call_command("publish_scheduled", verbosity=0)


def _notification_digests() -> None:
    notification_digest_send.call()


JOBS = (
    ("publish scheduled pages", _publish_scheduled),
    ("notification digests", _notification_digests),
    ("session reminders", reminders_job),
    ("forum digests", lambda: forum_digest_send.call()),
    ("room message retention", room_messages_expire),
)


class Command(BaseCommand):
    help = "Run the periodic jobs every --every seconds (or once with --once)."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=60, help="Seconds between rounds.")
        parser.add_argument("--once", action="store_true", help="Run one round and stop.")

    def handle(self, *args, every: int, once: bool, **options):
        if every < 5:
            self.stderr.write("--every must be at least 5 seconds.")
            raise SystemExit(2)
        while True:
            for name, job in JOBS:
                try:
                    job()
                except Exception:  # one failing job must not stop the others or the loop
                    logger.exception("Scheduled job %r failed", name)
            if once:
                return
            # A long-lived process must not hold a connection the database has dropped.
            close_old_connections()
            time.sleep(every)
