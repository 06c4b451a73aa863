"""`manage.py send_notification_digests`: email the waiting notifications (run it from cron)."""

from django.core.management.base import BaseCommand

from accounts.tasks import notification_digest_send


class Command(BaseCommand):
    help = (
        "Email each person one digest of the notifications that stayed unread for 10 minutes "
        "and were not emailed yet. Safe to run often (every few minutes)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Put the job on the task queue (worked by `manage.py db_worker`) instead of "
            "running it here.",
        )

    def handle(self, *args, **options):
        if options["enqueue"]:
            result = notification_digest_send.enqueue()
            self.stdout.write(f"Queued the notification digest (task {result.id}).")
            return
        sent = notification_digest_send.call()
        self.stdout.write(f"Sent {sent} notification digest{'s' if sent != 1 else ''}.")
