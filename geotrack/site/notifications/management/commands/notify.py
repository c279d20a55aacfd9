"""Run the notification worker: once, in a loop, or as a self-repeating django-tasks job in the worker."""
from __future__ import annotations

import json
import time

from django.core.management.base import BaseCommand
from django_tasks_db.models import DBTaskResult

from geotrack.site.notifications import tasks, worker


class Command(BaseCommand):
    help = "Alerts to events, escalation, fan-out, digests, sending and Telegram linking (README, Notifications)."

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=float, default=0, help="run every N seconds until stopped")
        parser.add_argument("--enqueue", type=int, default=0,
                            help="queue a self-repeating job every N seconds in the django-tasks worker")
        parser.add_argument("--no-alerts", action="store_true", help="skip the alert diff and escalation")

    def handle(self, *args, loop: float, enqueue: int, no_alerts: bool, **options):
        if enqueue:
            if DBTaskResult.objects.ready().filter(task_path=tasks.notify_tick.module_path).exists():
                self.stdout.write("notify: already queued")  # `make run` twice starts one chain, not two
                return
            tasks.notify_tick.enqueue(enqueue)
            self.stdout.write(f"notify: queued, repeating every {enqueue} s")
            return
        while True:
            report = worker.run_once(alerts=not no_alerts)
            self.stdout.write(json.dumps(report, default=str))
            self.stdout.flush()
            if not loop:
                return
            time.sleep(loop)
