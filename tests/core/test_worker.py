"""Background work runs in a real worker (django-tasks' database backend), not in the request."""
from __future__ import annotations

import pytest
from django.core.management import call_command
from django_tasks import TaskResultStatus

from geotrack.core.tasks import database_ping


@pytest.mark.django_db(transaction=True)
def test_an_enqueued_task_waits_for_the_worker_and_the_worker_runs_it():
    result = database_ping.enqueue()
    result.refresh()
    assert result.status == TaskResultStatus.READY  # queued in PostgreSQL, not run in the request
    call_command("db_worker", "--batch", "--queue-name", "*", "--no-startup-delay", "--interval", "0.1")
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value.startswith("3.")
