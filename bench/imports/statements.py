"""Backend CPU of each statement of one import, read from /proc around it; the import is rolled back.

Needs the bench database and a file (`run.py --write-files DIR --sizes 100000` writes both and keeps them):

    .venv/bin/python bench/imports/statements.py FILE [--repeat 3] [--try "SQL run first, in the transaction"]
        [--one-connection] [--bare]

`--try` runs SQL (for example `ALTER TABLE ... DROP CONSTRAINT ...`) inside the import's transaction before it,
so a schema change's effect is measured and rolled back with the import. `--one-connection` has the server
"refuse" the import's second connection: the writer then derives regions on the import's own connection
(projects/imports/writer.py), whose statements are then not timed one by one. Prints, per statement kind, the
backend's CPU seconds summed over the batches, the deferred constraint checks (`SET CONSTRAINTS ALL
IMMEDIATE`) and the camera relink, per round. `--bare` bounds what any design that writes an import's rows
into tables without indexes (new partitions, say) could reach: inside the round's transaction every index, key
and unique constraint of the four tables an import writes is dropped and their triggers disabled (CHECK
constraints and the generated `anchor` stay: they are rules), the import runs, then every dropped index is built
again by CREATE INDEX and timed. Never run in CI.
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import os
import sys
import time
import types
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.common import database_url, socket_dir  # noqa: E402
from bench.imports.run import DB_NAME  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def backend_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


class TimedCursor:
    """A psycopg cursor whose execute() adds the backend's CPU to its statement's first words."""

    def __init__(self, cursor, pid: int, totals: dict):
        self._cursor, self._pid, self._totals = cursor, pid, totals

    def execute(self, query, params=None):
        label = " ".join(str(query).split()[:3])[:40]
        before = backend_cpu(self._pid)
        result = self._cursor.execute(query, params)
        self._totals[label] += backend_cpu(self._pid) - before
        return result

    def copy(self, statement):
        pid, totals, cursor = self._pid, self._totals, self._cursor

        class Copy:
            def __enter__(self):
                self.before = backend_cpu(pid)
                self.inner = cursor.copy(statement)
                return self.inner.__enter__()

            def __exit__(self, *exc):
                result = self.inner.__exit__(*exc)
                totals["COPY"] += backend_cpu(pid) - self.before
                return result
        return Copy()

    def __getattr__(self, name):
        return getattr(self._cursor, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._cursor.close()


@contextlib.contextmanager
def timed_writer(pid: int, totals: dict):
    """Time the writer's statements on the backend, the caller's waits for the writer, and the regions' connection's
    backend in all (its backend starts with the import, so its CPU is the import's)."""
    from projects.imports import writer

    original_write, original_wait = writer.BatchWriter._write, writer.BatchWriter.wait
    original_close = writer.RegionDeriver.close

    def timed_write(self, *args):
        plain = self.connection.cursor
        self.connection.cursor = lambda: TimedCursor(plain(), pid, totals)
        try:
            return original_write(self, *args)
        finally:
            self.connection.cursor = plain

    def timed_wait(self):
        waited = time.perf_counter()
        try:
            return original_wait(self)
        finally:
            totals["(wall, caller waiting for the writer)"] += time.perf_counter() - waited
    def timed_close(self):
        self._pool.shutdown(wait=True)
        totals["(regions' connection, all statements)"] += backend_cpu(self.connection.info.backend_pid)
        return original_close(self)
    writer.BatchWriter._write, writer.BatchWriter.wait = timed_write, timed_wait
    writer.RegionDeriver.close = timed_close
    try:
        yield
    finally:
        writer.BatchWriter._write, writer.BatchWriter.wait = original_write, original_wait
        writer.RegionDeriver.close = original_close


@contextlib.contextmanager
def one_transaction(services):
    """The import's atomic block joins this round's transaction instead of opening a savepoint, so its rows carry
    the transaction's own id as when the command runs it (projects/references.py skips locking those rows)."""
    from django.db import transaction

    original = services.transaction
    services.transaction = types.SimpleNamespace(atomic=lambda: transaction.atomic(savepoint=False),
                                                 set_rollback=transaction.set_rollback)
    try:
        yield
    finally:
        services.transaction = original


# The tables an import writes (--bare).
WRITTEN = ("projects_project", "projects_projectregion", "projects_historicalproject", "projects_progressreport")


def bare(raw) -> list[str]:
    """Drop the indexes, keys and unique constraints of WRITTEN (foreign keys pointing at them go too) and
    disable their triggers, in the caller's transaction; return the CREATE INDEX statements that rebuild them."""
    definitions = [definition for (definition,) in raw.execute(
        "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = ANY(%s::regclass[])", [list(WRITTEN)])]
    for table in WRITTEN:
        for (name,) in raw.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass "
                                   "AND contype IN ('p', 'u')", [table]).fetchall():
            raw.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}" CASCADE')
        for (name,) in raw.execute("SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = %s::regclass",
                                   [table]).fetchall():
            raw.execute(f"DROP INDEX {name}")
        raw.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    return definitions


def one_round(path: Path, tries: list[str], bare_tables: bool = False) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from projects.imports import services

    totals: dict[str, float] = collections.defaultdict(float)
    user = get_user_model().objects.get(username="bench")
    started = time.perf_counter()
    with transaction.atomic():
        connection.ensure_connection()
        raw = connection.connection
        pid = raw.execute("SELECT pg_backend_pid()").fetchone()[0]
        for statement in tries:
            raw.execute(statement)
        rebuild = bare(raw) if bare_tables else []
        with timed_writer(pid, totals), one_transaction(services):
            before, python = backend_cpu(pid), time.process_time()
            report = services.projects_import(path=path, user=user)
            totals["(import, all statements)"] = backend_cpu(pid) - before
            totals["(Python CPU, both threads)"] = time.process_time() - python
        assert report.ok and report.created, report.as_dict()
        if rebuild:
            before, built = backend_cpu(pid), time.perf_counter()
            for definition in rebuild:
                raw.execute(definition)
            totals["(bare: the indexes built after, CPU)"] = backend_cpu(pid) - before
            totals["(bare: the indexes built after, wall)"] = time.perf_counter() - built
        before = backend_cpu(pid)
        raw.execute("SET CONSTRAINTS ALL IMMEDIATE")
        totals["deferred constraint checks"] = backend_cpu(pid) - before
        totals["(wall, import and checks)"] = time.perf_counter() - started
        transaction.set_rollback(True)
    with connection.cursor() as cursor:  # the rolled-back rows must not slow the next round
        cursor.execute("VACUUM projects_project, projects_projectregion, projects_historicalproject, "
                       "projects_progressreport")
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--try", dest="tries", action="append", default=[])
    parser.add_argument("--one-connection", action="store_true",
                        help="the server 'refuses' the second connection: regions derived on the import's own")
    parser.add_argument("--bare", action="store_true",
                        help="no index, key or trigger on the tables written; their indexes built after, timed")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = database_url(DB_NAME, socket_dir())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geotrack.settings")
    os.environ.setdefault("IMPORT_MAX_FEATURES", "5000000")
    import django

    django.setup()
    if args.one_connection:
        from projects.imports import writer

        def refused():
            raise psycopg.OperationalError("refused by statements.py --one-connection")
        writer.side_connection = refused
    rounds = [one_round(args.file, args.tries, args.bare) for _ in range(args.repeat)]
    print(f"load average {os.getloadavg()[0]:.1f}; backend CPU seconds per round:")
    for label in rounds[-1]:
        print(f"  {label:<42}" + "".join(f"{r.get(label, 0):>7.2f}" for r in rounds))


if __name__ == "__main__":
    main()
