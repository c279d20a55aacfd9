"""Write checked batches of an import while the next batch is read and checked, its regions derived beside.

The reader and the checks are Python and GDAL work; the writes are PostgreSQL's. Each batch goes through three
stages at once, each on its own thread:
- the caller's thread reads and checks the next batch;
- the regions' thread derives the batch's regions on a second connection of the import (RegionDeriver): a
  second PostgreSQL backend, so the other core does the geometry work (about 0.7 s of backend CPU per 100k
  points) while the import's backend writes;
- the writer's thread sends the batch (COPY into a staging table, its regions, then projects, links, history
  and progress reports) on the import's own connection, inside the import's transaction.
The second connection writes nothing: it stages each batch in a temporary table of its own, against the region
boundaries the import's connection sees (copied over at the start), answers the batch's region rows keyed by
row, and rolls back at the end. Only one batch is in flight per stage, so memory stays flat; the caller never
uses the import's connection while a batch is in flight. When the server refuses the second connection (too
many clients, say), the writer's thread stages and derives each batch itself on the import's connection, with
the same statements: slower, never different.
"""
from __future__ import annotations

import io
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import psycopg
import pyarrow as pa
import pyarrow.csv as pa_csv
import shapely
from django.db import connection as django_connection

from projects.counts import counted_insert, defer_insert_counts
from projects.imports import statements as sql

logger = logging.getLogger(__name__)

# Large set-based statements: JIT costs more than it saves; sorts and hashes stay in memory. The planner needs
# each batch's size and rough extent, not fine statistics: a small sample.
_SESSION_SQL = "SET LOCAL jit = off; SET LOCAL work_mem = '64MB'; SET LOCAL default_statistics_target = 10"


@dataclass
class WriteParams:
    now: object  # the import's time, on every row it writes
    user_id: int | None
    note: str  # the note of the progress reports
    region_ids: list[int] = field(default_factory=list)  # a planner's regions; empty: anywhere
    max_reported: int = 1000


@dataclass
class StagedBatch:
    tables: list[bytes]  # COPY text of each of statements.BATCH_TABLES: the rows with their ids, shares, primaries
    out_of_scope: list[int]  # rows outside a planner's regions, at most the number asked for


def batch_csv(table, columns: dict[str, list], *, first_row: int) -> bytes:
    """A checked batch as the CSV that COPY reads into import_batch, written by Arrow.

    Arrow writes a missing value as an empty field (NULL to COPY) and an empty text as "" (an empty text);
    geometries go as hex WKB without an SRID, which the staging column's type makes EPSG:4326.
    """
    geometries = [wkb.hex() for wkb in shapely.to_wkb(table.geometries)]
    batch = pa.table({"row": pa.array(range(first_row, first_row + len(table)), pa.int32()),
                      **{name: pa.array(columns[name], sql.STAGED_TYPES.get(name, pa.string()))
                         for name in sql.STAGED[1:-1]},
                      "geom": pa.array(geometries, pa.string())})
    text = io.BytesIO()
    pa_csv.write_csv(batch, text, pa_csv.WriteOptions(include_header=False))
    return text.getvalue()


def side_connection() -> psycopg.Connection:
    """A second plain connection to the import's database, with the same settings as Django's."""
    params = django_connection.get_connection_params()
    for django_only in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(django_only, None)
    return psycopg.connect(**params)


def derive_regions(cursor, csv: bytes, params: WriteParams, reported: int) -> list[int]:
    """Stage a batch in import_batch (ids from the projects' sequence) and derive its regions (import_shares,
    import_primary); return its rows outside a planner's regions, at most those left to report (`reported`: rows
    already reported)."""
    with cursor.copy(f"COPY import_batch ({', '.join(sql.STAGED)}) FROM STDIN (FORMAT csv)") as copy:
        copy.write(csv)
    cursor.execute(sql.REGION_SHARES_SQL)
    left = params.max_reported - reported
    if not params.region_ids or left <= 0:
        return []
    cursor.execute(sql.OUT_OF_SCOPE_SQL, {"region_ids": params.region_ids, "limit": left})
    return [row for (row,) in cursor.fetchall()]


class RegionDeriver:
    """Derives each batch's regions on `connection`, a second connection to the import's database (see the module's
    docstring), one batch at a time."""

    def __init__(self, connection: psycopg.Connection, boundaries: bytes, params: WriteParams):
        self.connection, self.params = connection, params
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-regions")
        self._started = self._pool.submit(self._start, boundaries)

    def _start(self, boundaries: bytes) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(_SESSION_SQL)
            cursor.execute(sql.REGIONS_STAGING_SQL)
            with cursor.copy(sql.BOUNDARIES_COPY_IN) as copy:
                copy.write(boundaries)
            cursor.execute(sql.REGION_PARTS_SQL)

    def submit(self, csv: bytes, reported: int) -> Future:
        """reported: rows outside the planner's regions already reported (at most params.max_reported are)."""
        return self._pool.submit(self._derive, csv, reported)

    def _derive(self, csv: bytes, reported: int) -> StagedBatch:
        self._started.result()  # its error, if any, is each batch's
        with self.connection.cursor() as cursor:
            out_of_scope = derive_regions(cursor, csv, self.params, reported)
            tables = [_copied_out(cursor, copy_out) for copy_out, _copy_in in sql.BATCH_TABLES]
            cursor.execute(sql.REGIONS_DONE_SQL)
        return StagedBatch(tables, out_of_scope)

    def close(self) -> None:
        """Wait for the batch in flight (its error was or will be raised through its future), then roll back."""
        self._pool.shutdown(wait=True)
        self.connection.close()  # an open transaction is rolled back: nothing was written


def _copied_out(cursor, statement: str) -> bytes:
    data = io.BytesIO()
    with cursor.copy(statement) as copy:
        for chunk in copy:
            data.write(chunk)
    return data.getvalue()


class BatchWriter:
    """Writes batches one behind the caller, in order, on `connection` (a psycopg connection in a transaction)."""

    def __init__(self, connection, params: WriteParams):
        self.connection, self.params = connection, params
        self.created = 0  # rows written by finished batches
        self.out_of_scope: list[int] = []  # rows outside a planner's regions, at most params.max_reported
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-writer")
        self._pending: Future | None = None
        self._started = False
        self._regions: RegionDeriver | None = None  # None once started: no second connection, derived here

    def submit(self, csv: bytes, rows: int) -> None:
        """Stage the batch and derive its regions on the regions' connection, wait for the batch in flight (raising
        its error), then send this one once staged."""
        if not self._started:
            self._start()
        if self._regions is None:
            self.wait()
            self._pending = self._pool.submit(self._derive_and_write, csv, rows)
            return
        staged = self._regions.submit(csv, len(self.out_of_scope))
        self.wait()
        self._pending = self._pool.submit(self._write, staged, rows)

    def wait(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

    def close(self, *, failed: bool) -> None:
        """Wait for the batch in flight; when the caller already failed, its own error is the one raised."""
        try:
            self.wait()
        except Exception:
            if not failed:
                raise
        finally:
            self._pool.shutdown(wait=True)
            if self._regions is not None:
                self._regions.close()

    def _start(self) -> None:
        """Stage on the import's connection; send the boundaries it sees to the regions' connection, or derive them
        on the import's connection when the server refuses a second one."""
        self._started = True
        with self.connection.cursor() as cursor:
            cursor.execute(_SESSION_SQL)
            defer_insert_counts(cursor)  # each batch's projects are counted by the statement inserting them
            try:
                side = side_connection()
            except psycopg.OperationalError as exc:
                logger.warning("import: no second database connection (%s); regions are derived on the import's "
                               "own connection", str(exc).strip())
                cursor.execute(sql.LOCAL_STAGING_SQL)
                cursor.execute(sql.REGION_PARTS_SQL)
                return
            try:
                cursor.execute(sql.STAGING_SQL)
                boundaries = _copied_out(cursor, sql.BOUNDARIES_COPY_OUT)
            except BaseException:
                side.close()
                raise
        self._regions = RegionDeriver(side, boundaries, self.params)

    def _write(self, staged: Future, rows: int) -> None:
        batch = staged.result()
        with self.connection.cursor() as cursor:
            for data, (_copy_out, copy_in) in zip(batch.tables, sql.BATCH_TABLES):
                with cursor.copy(copy_in) as copy:
                    copy.write(data)
            self._insert(cursor, batch.out_of_scope)
            cursor.execute(sql.BATCH_DONE_SQL)
        self.created += rows

    def _derive_and_write(self, csv: bytes, rows: int) -> None:
        with self.connection.cursor() as cursor:
            out_of_scope = derive_regions(cursor, csv, self.params, len(self.out_of_scope))
            cursor.execute(sql.LOCAL_SHARES_INDEX_SQL)
            self._insert(cursor, out_of_scope)
            cursor.execute(sql.LOCAL_BATCH_DONE_SQL)
        self.created += rows

    def _insert(self, cursor, out_of_scope: list[int]) -> None:
        """Write the staged batch (import_batch with its import_shares and import_primary)."""
        self.out_of_scope.extend(out_of_scope[:self.params.max_reported - len(self.out_of_scope)])
        values = {"now": self.params.now, "user_id": self.params.user_id, "note": self.params.note}
        # The projects, counted for the dashboard with the links written next (import_shares), then their links
        # and reports, whose references to them are checked by each statement (projects/references.py).
        cursor.execute(counted_insert(sql.WRITE_PROJECTS_SQL, region_links="import_shares"), values)
        cursor.execute(sql.WRITE_REGIONS_SQL)
        cursor.execute(sql.WRITE_HISTORY_SQL, values)
        cursor.execute(sql.WRITE_REPORTS_SQL, values)
