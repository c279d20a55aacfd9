"""`manage.py run_worker`: the background worker that survives database restarts (geotrack/core/worker.py)."""
from __future__ import annotations

import logging

from django.core.management.base import BaseCommand
from django.utils.crypto import get_random_string

from geotrack.core.worker import ResilientWorker


class Command(BaseCommand):
    help = "Run the background worker: reconnects with backoff, beats a heartbeat, requeues interrupted jobs."

    def add_arguments(self, parser):
        parser.add_argument("--queue-name", default="*", help="Queues, comma-separated, or * for all.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls of an empty queue.")
        parser.add_argument("--batch", action="store_true", help="Run what is queued, then exit.")
        parser.add_argument("--max-tasks", type=int, default=None)
        parser.add_argument("--worker-id", default=None)

    def handle(self, *args, queue_name, interval, batch, max_tasks, worker_id, verbosity, **options):
        logging.getLogger("geotrack.worker").setLevel(logging.INFO if verbosity else logging.WARNING)
        worker = ResilientWorker(
            queue_names=queue_name.split(","), interval=interval, batch=batch, backend_name="default",
            startup_delay=False, max_tasks=max_tasks, excluded_queue_names=[],
            worker_id=worker_id or get_random_string(32))
        worker.configure_signals()
        try:
            worker.run()
        finally:
            worker.stop_beating()
