"""gunicorn settings shared by `make serve`, `make cluster` and the systemd unit (deploy/systemd/).

Command-line flags (bind, workers) override these. Access logs are JSON lines carrying the request
id that the application answers in X-Request-ID, so they join the application's own JSON logs.
"""
import os

access_log_format = (
    '{"time": "%(t)s", "logger": "gunicorn.access", "remote": "%(h)s", "method": "%(m)s", '
    '"path": "%(U)s", "status": %(s)s, "bytes": "%(B)s", "duration_ms": %(M)s, '
    '"request_id": "%({x-request-id}o)s", "user_agent": "%(a)s"}'
)
graceful_timeout = 5
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
worker_class = "gthread"


def child_exit(server, worker):
    """A dead worker's live gauges leave the multiprocess folder (its counters stay summed)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
