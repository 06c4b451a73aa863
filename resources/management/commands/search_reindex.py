"""Rebuild the search index: the database index always, Elasticsearch too when configured."""

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from resources.search import elasticsearch as es
from resources.search import indexing

BAR_WIDTH = 30


class Progress:
    """A one-line progress bar (a plain line per source when the output is not a terminal)."""

    def __init__(self, out, total: int, *, enabled: bool):
        self.out, self.total, self.enabled = out, max(total, 1), enabled
        self.done, self.started = 0, time.monotonic()
        self.interactive = enabled and hasattr(out, "isatty") and out.isatty()
        self.last_line = 0.0

    def __call__(self, source: str, count: int) -> None:
        self.done += count
        if not self.enabled:
            return
        now = time.monotonic()
        if not self.interactive and now - self.last_line < 2 and self.done < self.total:
            return
        self.last_line = now
        share = min(self.done / self.total, 1.0)
        filled = int(share * BAR_WIDTH)
        rate = self.done / max(now - self.started, 1e-6)
        line = (
            f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {self.done:,}/{self.total:,} "
            f"({share:4.0%}) {rate:,.0f}/s  {source}"
        )
        self.out.write(("\r" + line) if self.interactive else line + "\n")
        self.out.flush()

    def finish(self) -> None:
        if self.interactive:
            self.out.write("\n")


class Command(BaseCommand):
    help = (
        "Rebuild the search index from every registered source: the database index (the "
        "embedded default and the fallback) and, when ELASTICSEARCH_URL is set, a new "
        "Elasticsearch index that replaces the old one through its alias without downtime."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--backend",
            choices=["all", "database", "elasticsearch"],
            default="all",
            help="Which index to rebuild (default: the database one, and Elasticsearch if set).",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, backend, no_progress, **options):
        if backend == "elasticsearch" and not es.configured():
            raise CommandError(
                "ELASTICSEARCH_URL is not set: there is no Elasticsearch to rebuild."
            )
        planned = indexing.planned()
        total = sum(planned.values())
        self.stdout.write(
            f"Indexing {total:,} objects from {len(planned)} sources: "
            + ", ".join(f"{key} {count:,}" for key, count in planned.items())
        )
        targets = ["database"] if backend in ("all", "database") else []
        if backend == "elasticsearch" or (backend == "all" and es.configured()):
            targets.append("elasticsearch")
        reports = []
        for target in targets:
            self.stdout.write(f"{target}:")
            progress = Progress(
                self.stdout, total, enabled=not no_progress and options["verbosity"] > 0
            )
            try:
                if target == "database":
                    report = indexing.rebuild_database(progress)
                else:
                    report = indexing.rebuild_elasticsearch(progress)
            except es.Unavailable as error:
                progress.finish()
                raise CommandError(f"Elasticsearch did not answer: {error}") from error
            progress.finish()
            reports.append(report)
        self.stdout.write(self.style.SUCCESS("Search index rebuilt."))
        for report in reports:
            rate = report.total / max(report.seconds, 1e-6)
            line = (
                f"  {report.backend}: {report.total:,} documents in {report.seconds:.1f} s "
                f"({rate:,.0f}/s)"
            )
            if report.index:
                line += f"; alias {es.alias()} -> {report.index}"
                if report.replaced:
                    line += f" (replaced {', '.join(report.replaced)})"
            self.stdout.write(line)
            for key, count in report.counts.items():
                self.stdout.write(f"    {key}: {count:,}")
        sys.stdout.flush()
