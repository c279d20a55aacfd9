"""Background tasks of the projects app (run by `manage.py db_worker`)."""
from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from projects.progress_monthly import progress_monthly_rebuild


@task()
def progress_monthly_task(repeat_seconds: int = 0) -> int:
    """Rebuild the monthly progress table; with repeat_seconds, queue the next run (one chain at a time)."""
    rows = progress_monthly_rebuild()
    if repeat_seconds > 0:
        pending = DBTaskResult.objects.ready().filter(task_path=progress_monthly_task.module_path).exists()
        if not pending:
            progress_monthly_task.using(run_after=timezone.now() + dt.timedelta(seconds=repeat_seconds)).enqueue(
                repeat_seconds)
    return rows
