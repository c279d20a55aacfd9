"""`progress_monthly [--enqueue SECONDS]`: rebuild the dashboard's monthly progress table."""
from __future__ import annotations

from django.core.management.base import BaseCommand

from projects.progress_monthly import progress_monthly_rebuild
from projects.tasks import progress_monthly_task


class Command(BaseCommand):
    help = "Rebuild the monthly progress table behind the dashboard's charts, now or repeatedly in the worker."

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", type=int, default=0, metavar="SECONDS",
                            help="instead, queue a self-repeating rebuild for the db_worker, every SECONDS")

    def handle(self, *args, enqueue: int, **options):
        if enqueue:
            progress_monthly_task.enqueue(enqueue)
            self.stdout.write(f"Queued a monthly progress rebuild every {enqueue} s for the worker.")
            return
        self.stdout.write(f"{progress_monthly_rebuild()} monthly rows rebuilt.")
