"""`camera_status_sweep [--every SECONDS] [--enqueue]`: record cameras that went offline."""
from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from camera_sites.services import camera_status_sweep
from camera_sites.tasks import camera_status_sweep_task


class Command(BaseCommand):
    help = "Record an 'offline' status change for every camera silent past CAMERA_OFFLINE_AFTER_SECONDS."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=0, help="repeat every SECONDS until interrupted")
        parser.add_argument("--enqueue", type=int, default=0, metavar="SECONDS",
                            help="instead, queue a self-repeating sweep for the db_worker, every SECONDS")

    def handle(self, *args, every: int, enqueue: int, **options):
        if enqueue:
            camera_status_sweep_task.enqueue(enqueue)
            self.stdout.write(f"Queued a camera status sweep every {enqueue} s for the worker.")
            return
        while True:
            changed = camera_status_sweep()
            self.stdout.write(f"{changed} camera(s) went offline.")
            if every <= 0:
                return
            time.sleep(every)
