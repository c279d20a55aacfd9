"""A database restart under load: no 500, no HTML, every 201 stored, the worker survives and catches up.

A live gunicorn and a background worker run against the test database while four clients create
projects and two read (one as a browser); the project's local cluster is restarted with
`pg_ctl restart -m fast` in the middle. Bounded: about 20 seconds.
"""
from __future__ import annotations

import json
import os
import threading
import time

import pytest
from django.db import close_old_connections, connection
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from geotrack.core.tasks import database_ping, hold_database
from projects.models import Project
from tests.ops import live

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="restarts the project's local cluster"),
]

ASTANA_POINT = {"type": "Point", "coordinates": [71.43, 51.13]}


def fresh(job_id):
    close_old_connections()
    return DBTaskResult.objects.get(pk=job_id)


def test_a_database_restart_under_writes_gives_no_500_and_loses_nothing(people, agency, tmp_path):
    token = people["astana_planner"].token
    env = live.environment()
    server = live.start_gunicorn(tmp_path, env, workers=2, threads=4)
    worker = live.start_worker(tmp_path, env)
    outcomes: list[tuple[str, int, dict, bytes]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(n: int) -> None:
        i = 0
        while not stop.is_set():
            title = f"Restart road {n}-{i}"
            status, headers, body = live.request(server.url("/api/projects/"), "POST", {
                "type": "Feature", "geometry": ASTANA_POINT,
                "properties": {"title": title, "sector": "transport", "kind": "infrastructure",
                               "agency": "min-energy", "status": "implementation"}},
                headers={"Authorization": f"Token {token}", "Accept": "application/json"})
            with lock:
                outcomes.append((title, status, headers, body))
            i += 1

    def reader(path: str, accept: str) -> None:
        while not stop.is_set():
            status, headers, body = live.request(server.url(path), headers={"Accept": accept})
            with lock:
                outcomes.append((path, status, headers, body))
            time.sleep(0.02)

    try:
        # A job that holds a connection across the restart: it must be retried, not lost or failed.
        held = hold_database.enqueue(3.0)
        assert live.wait_for(lambda: fresh(held.id).status == TaskResultStatus.RUNNING, 20), worker.tail()
        threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
        threads += [threading.Thread(target=reader, args=("/api/projects/?page_size=5", "application/json")),
                    threading.Thread(target=reader, args=("/", "text/html"))]
        for thread in threads:
            thread.start()
        time.sleep(1.5)
        took = live.restart_cluster()
        connection.close()  # the test's own connection died with the cluster
        # Queued while the worker is still backing off from the outage.
        queued_after = database_ping.enqueue()
        time.sleep(2.5)
        stop.set()
        for thread in threads:
            thread.join(30)

        statuses = [status for _, status, _, _ in outcomes]
        assert 500 not in statuses and not [s for s in statuses if s >= 500 and s != 503], statuses
        assert set(statuses) <= {200, 201, 503}, sorted(set(statuses))
        for what, status, headers, body in outcomes:
            if status == 503:
                assert headers.get("Content-Type", "").startswith("application/json"), (what, body[:200])
                assert int(headers["Retry-After"]) > 0
                answer = json.loads(body)
                assert answer["request_id"] == headers["X-Request-ID"]
        created = [(title, json.loads(body)) for title, status, _, body in outcomes if status == 201]
        assert len(created) >= 8, statuses
        stored = dict(Project.objects.filter(title__startswith="Restart road").values_list("pk", "title"))
        for title, answer in created:
            pk = answer.get("id") or answer.get("properties", {}).get("id")
            assert stored.get(pk) == title, (title, answer)
        # Logs are JSON lines carrying the request id that the 503 answers gave their callers.
        answered = {headers["X-Request-ID"] for _, status, headers, _ in outcomes if status == 503}
        lines = [json.loads(line) for line in server.log.read_text(errors="replace").splitlines()
                 if line.startswith("{")]
        logged = {line["request_id"] for line in lines if line.get("logger") == "geotrack.faults"}
        accessed = {line["request_id"] for line in lines if line.get("logger") == "gunicorn.access"}
        assert answered and answered <= logged and answered <= accessed, (len(answered), len(logged))

        # The service came back by itself, and so did the worker.
        assert live.request(server.url("/healthz"))[0] == 200
        assert live.wait_for(lambda: fresh(queued_after.id).status == TaskResultStatus.SUCCESSFUL, 60), worker.tail()
        assert live.wait_for(lambda: fresh(held.id).status == TaskResultStatus.SUCCESSFUL, 60), worker.tail()
        assert worker.process.poll() is None, worker.tail()
        print(f"restart took {took:.1f} s; answers: " + ", ".join(
            f"{s}: {statuses.count(s)}" for s in sorted(set(statuses))) +
            f"; held job ran {len(fresh(held.id).worker_ids)} time(s)")
    finally:
        stop.set()
        server.stop()
        worker.stop()
        close_old_connections()
