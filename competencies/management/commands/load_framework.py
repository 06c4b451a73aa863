"""`manage.py load_framework [path]`: reload the competency framework after editing its YAML."""

from django.core.management.base import BaseCommand, CommandError

from competencies.loader import BUNDLED_FILE, FrameworkDataError, framework_load_file


class Command(BaseCommand):
    help = (
        "Create or update the competency framework from a YAML file (default: the bundled "
        "competencies/data/framework.yaml). Rows are matched by natural keys; rows not in the "
        "file are left alone. On any error nothing changes."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(BUNDLED_FILE), help="YAML file")

    def handle(self, *args, path: str, **options):
        try:
            counts = framework_load_file(path)
        except FrameworkDataError as error:
            raise CommandError(f"Nothing was loaded. {error}") from None
        summary = ", ".join(f"{count} {kind.replace('_', ' ')}" for kind, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Loaded {path}: {summary}."))
