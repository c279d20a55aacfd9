"""How near the floor the database side of an import could come: the same rows, written two ways, against ogr2ogr.

An import writes four tables per project (the project, its region links, its first history row, its progress
report) and their 24 indexes. This bench takes the rows one `import_projects` of the file wrote (saved with
COPY TO, in PostgreSQL's binary format) and, interleaved with the floor of run.py (`ogr2ogr -f PostgreSQL` of
the file, defined there), loads them again:
- `insert`: COPY into the four real tables, as they are, in one transaction, rolled back (the indexes kept as
  each row goes in, as any insert into a live table keeps them; the counters' triggers deferred as the import
  defers them, the reference triggers firing);
- `bulk`: COPY into four new tables shaped like the real ones (defaults, the generated `anchor`, CHECKs), then
  each of the real tables' indexes built on them by CREATE INDEX (`pg_indexes`, so the schema's own), in one
  transaction, committed, then dropped. This is what a bulk path could do if an import's rows could join the
  live tables without being inserted into their indexes one by one (partitions attached whole, say), and so
  the lowest a bulk path's database work could go on this schema in one transaction;
- `parallel`: the same new tables and indexes on two connections at once, each in its own committed
  transaction: first the projects' rows on one connection while the other three tables' rows go in on the other,
  then the 23 CREATE INDEX statements shared by the two connections, each taking the next as it finishes (the
  two GiSTs and the two trigram GINs of the projects first). This is the bound of a design whose import writes
  tables nobody reads yet (partitions not attached), so that its work need not wait on one transaction; the
  ATTACH at the end, its partition-constraint check and the reference checks are not counted.
None counts validation, regions, counters, Python or start-up: each is a bound, not an import. Prints the
medians and their ratios to the floor.

    .venv/bin/python bench/imports/bulk_bound.py [--size 100000] [--kind points] [--rounds 5]
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.api_geojson import dataset  # noqa: E402
from bench.common import VENV_BIN, database_url, median, socket_dir  # noqa: E402
from bench.imports.run import DB_NAME, KINDS, build, clean, connect, timed, write_file  # noqa: E402

TABLES = ("projects_project", "projects_projectregion", "projects_historicalproject", "projects_progressreport")


def saved_rows(folder: Path, source: Path, work: Path) -> dict[str, tuple[str, Path]]:
    """Import the file once and save each table's rows (its stored columns, not the generated) as binary COPY."""
    env = {**os.environ, "DATABASE_URL": database_url(DB_NAME, folder), "DJANGO_SETTINGS_MODULE": "geotrack.settings",
           "IMPORT_MAX_FEATURES": "5000000"}
    timed([str(VENV_BIN / "python"), "manage.py", "import_projects", str(source), "--user", "bench"], env)
    saved = {}
    with connect(folder) as conn:
        for table in TABLES:
            columns = ", ".join(name for (name,) in conn.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped "
                "AND attgenerated = '' ORDER BY attnum", [table]))
            path = work / f"{table}.bin"
            conn.execute(f"COPY (SELECT {columns} FROM {table}) TO '{path}' (FORMAT binary)")  # the server writes it
            saved[table] = (columns, path)
    clean(folder)
    return saved


def index_definitions(folder: Path) -> dict[str, list[str]]:
    with connect(folder) as conn:
        return {table: [definition for (definition,) in conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = %s", [table])]
            for table in TABLES}


def insert(folder: Path, saved: dict) -> float:
    with connect(folder) as conn:
        started = time.perf_counter()
        with conn.transaction(force_rollback=True):
            conn.execute("SET LOCAL jit = off; SET LOCAL geotrack.counts_deferred = 'on'")
            for table, (columns, path) in saved.items():
                conn.execute(f"COPY {table} ({columns}) FROM '{path}' (FORMAT binary)")
            conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
            seconds = time.perf_counter() - started
        # rolled back: the dead rows and index entries go before the next round
        conn.execute(f"VACUUM FULL {', '.join(TABLES)}")
    return seconds


def _on_new_tables(table: str, definitions: list[str]) -> list[str]:
    """The real table's CREATE INDEX statements, made for its copy `bulk_<table>`."""
    return [re.sub(r"INDEX \S+ ON public\.(\S+)", rf"INDEX bulk_{table}_{number} ON bulk_\1", definition)
            for number, definition in enumerate(definitions)]


def bulk(folder: Path, saved: dict, indexes: dict[str, list[str]]) -> float:
    with connect(folder) as conn:
        started = time.perf_counter()
        with conn.transaction():
            conn.execute("SET LOCAL jit = off; SET LOCAL max_parallel_maintenance_workers = 0")
            for table, (columns, path) in saved.items():
                conn.execute(f"CREATE TABLE bulk_{table} (LIKE {table} INCLUDING DEFAULTS INCLUDING GENERATED "
                             "INCLUDING CONSTRAINTS)")
                conn.execute(f"COPY bulk_{table} ({columns}) FROM '{path}' (FORMAT binary)")
                for definition in _on_new_tables(table, indexes[table]):
                    conn.execute(definition)
        seconds = time.perf_counter() - started
        conn.execute(f"DROP TABLE {', '.join('bulk_' + table for table in TABLES)}")
    return seconds


def _new_tables(conn, tables: list[str], saved: dict) -> None:
    with conn.transaction():
        conn.execute("SET LOCAL jit = off")
        for table in tables:
            columns, path = saved[table]
            conn.execute(f"CREATE TABLE bulk_{table} (LIKE {table} INCLUDING DEFAULTS INCLUDING GENERATED "
                         "INCLUDING CONSTRAINTS)")
            conn.execute(f"COPY bulk_{table} ({columns}) FROM '{path}' (FORMAT binary)")


def _build_indexes(conn, queue: list[str], lock: threading.Lock) -> None:
    conn.execute("SET max_parallel_maintenance_workers = 0")
    while True:
        with lock:
            if not queue:
                return
            definition = queue.pop(0)
        conn.execute(definition)


def _on_both(work_a, work_b) -> None:
    """Run the two callables at once (each on its own connection); raise the first failure."""
    failures = []

    def run(work):
        try:
            work()
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=run, args=(work,)) for work in (work_a, work_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def parallel(folder: Path, saved: dict, indexes: dict[str, list[str]]) -> float:
    queue = [definition for table in TABLES for definition in _on_new_tables(table, indexes[table])]
    # the longest builds first (the projects' GiSTs and trigram GINs): no long build is left to the end on one
    # connection while the other has nothing to do
    queue.sort(key=lambda definition: ("USING gist" not in definition and "USING gin" not in definition,
                                       "ON bulk_projects_project " not in definition))
    lock = threading.Lock()
    with connect(folder) as first, connect(folder) as second:
        try:
            started = time.perf_counter()
            _on_both(lambda: _new_tables(first, ["projects_project"], saved),
                     lambda: _new_tables(second, [table for table in TABLES if table != "projects_project"], saved))
            _on_both(lambda: _build_indexes(first, queue, lock), lambda: _build_indexes(second, queue, lock))
            seconds = time.perf_counter() - started
        finally:  # each connection committed its tables: they stay unless dropped
            first.execute(f"DROP TABLE IF EXISTS {', '.join('bulk_' + table for table in TABLES)}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--kind", choices=list(KINDS), default="points")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    folder = socket_dir()
    work = Path(tempfile.mkdtemp(prefix="geotrack-bench-bulk-"))
    work.chmod(0o777)  # the server writes and reads the saved rows there
    print(f"building {DB_NAME} ...", flush=True)
    build(folder)
    try:
        source = write_file(folder, work, args.kind, args.size)
        saved = saved_rows(folder, source, work)
        indexes = index_definitions(folder)
        print(f"{args.kind} x {args.size}: {sum(len(v) for v in indexes.values())} indexes on {len(TABLES)} tables; "
              f"{args.rounds} rounds after a warm-up", flush=True)
        floor_command = ["ogr2ogr", "-f", "PostgreSQL", f"PG:dbname={DB_NAME} host={folder} user=postgres",
                         str(source), "-nln", "import_floor", "-overwrite"]
        times = {"floor": [], "insert": [], "bulk": [], "parallel": []}
        for number in range(args.rounds + 1):
            clean(folder)
            row = {"floor": timed(floor_command, os.environ)[0]}
            clean(folder)
            row["insert"] = insert(folder, saved)
            row["bulk"] = bulk(folder, saved, indexes)
            row["parallel"] = parallel(folder, saved, indexes)
            print(f"  round {number}{' (warm-up)' if not number else ''}: "
                  + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in row.items())
                  + f"; load {os.getloadavg()[0]:.1f}", flush=True)
            if number:
                for name, seconds in row.items():
                    times[name].append(seconds)
    finally:
        with dataset.admin_connection(folder) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        shutil.rmtree(work, ignore_errors=True)  # the file and the saved rows
    floor = median(times["floor"])
    print(f"\nmedians: floor (ogr2ogr) {floor:.2f} s; the rows into the live tables {median(times['insert']):.2f} s "
          f"({median(times['insert']) / floor:.2f}x); into new tables, indexes built after {median(times['bulk']):.2f} s "
          f"({median(times['bulk']) / floor:.2f}x); the same on two connections at once "
          f"{median(times['parallel']):.2f} s ({median(times['parallel']) / floor:.2f}x)")


if __name__ == "__main__":
    main()
