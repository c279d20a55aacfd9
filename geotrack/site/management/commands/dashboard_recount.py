"""`dashboard_recount [--check]`: rebuild the dashboard's counters from the projects (projects/counts/)."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from projects.counts import buckets, dashboard_recount


class Command(BaseCommand):
    help = ("Rebuild the dashboard's project counters from scratch (after a bulk load that skipped triggers); "
            "with --check, say whether the kept counters equal a full recount.")

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true",
                            help="compare the kept counters with a recount; exit 1 when they differ")

    def handle(self, *args, check: bool, **options):
        kept = buckets()
        count = dashboard_recount()
        if check and kept != buckets():
            raise CommandError(f"The counters had drifted from a full recount; rebuilt ({count} buckets).")
        self.stdout.write(f"{count} dashboard buckets counted.")
