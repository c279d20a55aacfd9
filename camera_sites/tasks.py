"""Background work for cameras (django-tasks, run by `manage.py db_worker`)."""
from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from camera_sites.services import camera_status_sweep


@task()
def camera_status_sweep_task(repeat_seconds: int = 0) -> int:
    """Record cameras that went offline; with repeat_seconds, queue the next sweep (one chain at a time)."""
    changed = camera_status_sweep()
    if repeat_seconds > 0:
        pending = DBTaskResult.objects.ready().filter(task_path=camera_status_sweep_task.module_path).exists()
        if not pending:
            camera_status_sweep_task.using(run_after=timezone.now() + dt.timedelta(seconds=repeat_seconds)).enqueue(
                repeat_seconds)
    return changed
