"""gunicorn settings shared by `make serve`, `make cluster` and the systemd unit (deploy/systemd/).

Command-line flags (bind, workers) override these. Access logs are JSON lines carrying the request
id that the application answers in X-Request-ID, so they join the application's own JSON logs.

Processes and threads: one Python process runs one thread at a time (the GIL), and a page waits on
PostgreSQL for part of its time (session, user, change token: a round trip each). On 2 cores with 200
cameras posting, four processes of four threads served the signed-in pages at 444-604 req/s in two runs,
two processes of eight threads at 271-630 (three pages under 300 in one of two runs; bench/pages_under_load,
README's speed table, "Seventh round"). Each process takes about 300 MB, and each thread holds one
database connection: WEB_WORKERS x WEB_THREADS connections at most.
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
workers = int(os.environ.get("WEB_WORKERS") or 2 * len(os.sched_getaffinity(0)))  # the cores this process may use
threads = int(os.environ.get("WEB_THREADS") or 4)


def child_exit(server, worker):
    """A dead worker's live gauges leave the multiprocess folder (its counters stay summed)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
