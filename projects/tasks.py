"""Background tasks of the projects app (run by `manage.py db_worker`)."""
from __future__ import annotations

from django_tasks import task

from geotrack.core.tasks import enqueue_again

from projects.counts import counts_current, counts_fold
from projects.progress_monthly import progress_monthly_rebuild


@task()
def progress_monthly_task(repeat_seconds: int = 0) -> int:
    """Rebuild the monthly progress table; with repeat_seconds, queue the next run (one chain at a time).

    It also folds the dashboard counters' deltas into their buckets, and recounts them once a new day begins,
    so that no reader pays for it.
    """
    rows = progress_monthly_rebuild()
    counts_fold()
    counts_current()
    enqueue_again(progress_monthly_task, repeat_seconds)
    return rows
