"""`sweep_generated [--enqueue SECONDS]`: remove generated files and job records past their retention."""
from __future__ import annotations

from django.core.management.base import BaseCommand

from geotrack.site.retention import generated_files_sweep, generated_files_sweep_task


class Command(BaseCommand):
    help = "Remove export files, time-lapse GIFs, staged uploads and finished jobs older than the retention period."

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", type=int, default=0, metavar="SECONDS",
                            help="instead, queue a self-repeating sweep for the db_worker, every SECONDS")

    def handle(self, *args, enqueue: int, **options):
        if enqueue:
            generated_files_sweep_task.enqueue(enqueue)
            self.stdout.write(f"Queued a sweep of generated files every {enqueue} s for the worker.")
            return
        removed = generated_files_sweep()
        self.stdout.write(f"Removed {removed['files']} file(s) or folder(s), {removed['jobs']} finished job(s), "
                          f"{removed['rate_counters']} rate counter(s).")
