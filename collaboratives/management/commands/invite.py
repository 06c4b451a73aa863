"""Invite an email address to a cohort and print the invitation link (last line, alone)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.errors import DomainError
from collaboratives import services
from collaboratives.models import Cohort, Role


class Command(BaseCommand):
    help = (
        "Invite an email address to a cohort. Sends the invitation email and prints the "
        "absolute invitation URL as the last line of standard output."
    )

    def add_arguments(self, parser):
        parser.add_argument("--collaborative", required=True, help="Slug of the collaborative.")
        parser.add_argument("--cohort", required=True, help="Slug of the cohort.")
        parser.add_argument("--email", required=True, help="Address to invite.")
        parser.add_argument("--role", default=Role.MEMBER, help="member (default) or facilitator.")
        parser.add_argument(
            "--invited-by",
            dest="invited_by",
            help="Username of the inviter, who must be allowed to invite to the cohort. "
            "Without it the invitation comes from the platform's operator.",
        )

    def handle(self, *args, **options):
        cohort = (
            Cohort.objects.select_related("collaborative")
            .filter(collaborative__slug=options["collaborative"], slug=options["cohort"])
            .first()
        )
        if cohort is None:
            raise CommandError(
                f"No cohort {options['cohort']!r} in a collaborative {options['collaborative']!r}."
            )
        invited_by = None
        if options["invited_by"]:
            User = get_user_model()
            invited_by = User.objects.filter(username__iexact=options["invited_by"]).first()
            if invited_by is None:
                raise CommandError(f"No user with the username {options['invited_by']!r}.")
        try:
            _invitation, token = services.invitation_create(
                cohort=cohort, email=options["email"], role=options["role"], invited_by=invited_by
            )
        except DomainError as error:
            raise CommandError(error.message) from error
        # Browser tests read the last line: keep it the bare URL.
        self.stdout.write(services.invitation_url(token))
