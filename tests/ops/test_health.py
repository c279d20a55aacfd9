"""/readyz follows the worker and the queue, /metrics parses as Prometheus text, the supervisor restarts a
dead worker, and the request id travels from the caller to the error answer."""
from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
from django.db import close_old_connections
from prometheus_client.parser import text_string_to_metric_families

from geotrack.core.models import WorkerHeartbeat
from geotrack.core.tasks import database_ping
from tests.ops import live

pytestmark = pytest.mark.django_db(transaction=True)


def readyz(server) -> tuple[int, dict]:
    status, _, body = live.request(server.url("/readyz"))
    return status, json.loads(body)


def heartbeat_pids() -> set[int]:
    close_old_connections()
    return set(WorkerHeartbeat.objects.values_list("pid", flat=True))


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def test_readyz_follows_the_worker_and_metrics_parse(tmp_path):
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = live.environment(PROMETHEUS_MULTIPROC_DIR=str(metrics_dir), WORKER_STALE_S="3", READY_MAX_JOB_AGE_S="2")
    server = live.start_gunicorn(tmp_path, env, workers=2, threads=2)
    worker = live.start_worker(tmp_path, env, supervised=True)
    try:
        assert live.wait_for(lambda: readyz(server)[0] == 200, 60), (readyz(server), worker.tail())

        # The supervisor brings back a worker that was killed outright.
        first = heartbeat_pids()
        victim = children(worker.process.pid)
        assert victim, worker.tail()
        os.kill(victim[0], signal.SIGKILL)
        assert live.wait_for(lambda: heartbeat_pids() - first - {victim[0]}, 60), worker.tail()

        # Stopped: 503 naming the worker; a job then waits past the limit and is named too.
        worker.stop()
        answer = live.wait_for(lambda: (lambda r: r if r[0] == 503 else None)(readyz(server)), 20)
        assert answer, readyz(server)
        status, body = answer
        assert status == 503 and body["checks"]["worker"]["ok"] is False, body
        assert any(problem.startswith("worker") for problem in body["problems"]), body
        database_ping.enqueue()
        answer = live.wait_for(lambda: (lambda r: r if r[1]["checks"]["jobs"]["ok"] is False else None)(
            readyz(server)), 20)
        assert answer, readyz(server)
        status, body = answer
        assert any(problem.startswith("jobs") for problem in body["problems"]), body

        # Back: the job runs and readyz answers 200 again.
        worker = live.start_worker(tmp_path, env, supervised=True, name="worker-again")
        assert live.wait_for(lambda: readyz(server)[0] == 200, 60), (readyz(server), worker.tail())

        # A request id given by the caller comes back in the header and in the error answer.
        status, headers, raw = live.request(server.url("/api/projects/999999999/"),
                                            headers={"X-Request-ID": "ops-test-42", "Accept": "application/json"})
        assert status == 404 and headers["X-Request-ID"] == "ops-test-42"
        assert json.loads(raw)["request_id"] == "ops-test-42"
        status, headers, _ = live.request(server.url("/healthz"), headers={"X-Request-ID": "bad id\twith space"})
        assert status == 200 and len(headers["X-Request-ID"]) == 32  # replaced by one of ours

        status, headers, raw = live.request(server.url("/metrics"))
        assert status == 200 and headers["Content-Type"].startswith("text/plain")
        families = {family.name: family for family in text_string_to_metric_families(raw.decode())}
        requests = families["geotrack_http_requests"]
        routes = {(s.labels["route"], s.labels["status"]) for s in requests.samples if s.name.endswith("_total")}
        assert ("readyz", "503") in routes and ("readyz", "200") in routes and ("healthz", "200") in routes
        assert ("api:project-detail", "404") in routes or any(r == "404" for _, r in routes), routes
        latency = families["geotrack_http_request_duration_seconds"]
        assert latency.type == "histogram"
        assert any(s.name.endswith("_bucket") and s.labels["route"] == "readyz" for s in latency.samples)
        assert families["geotrack_http_request_db_seconds"].type == "histogram"
        assert families["geotrack_workers_alive"].samples[0].value == 1
        assert {s.labels["state"] for s in families["geotrack_cameras"].samples} == {"online", "offline"}
        assert "geotrack_jobs_ready" in families and "geotrack_jobs_oldest_ready_age_seconds" in families
        finished = families["geotrack_jobs_finished"].samples
        assert any(s.labels["task"] == "database_ping" and s.labels["status"].endswith("SUCCESSFUL")
                   for s in finished), finished
    finally:
        server.stop()
        worker.stop()
