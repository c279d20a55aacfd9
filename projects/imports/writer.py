"""Write checked batches of an import while the next batch is read and checked.

The reader and the checks are Python and GDAL work; the writes are PostgreSQL's. A single worker thread
sends each batch (COPY into a staging table, regions, projects, history, progress reports) on the import's
own connection, inside the import's transaction, while the caller's thread reads and checks the next
batch: on two cores the Python work then hides behind the database's. Only one batch is in flight, so
memory stays flat; the caller never uses the connection while a batch is in flight.
"""
from __future__ import annotations

import io
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.csv as pa_csv
import shapely

from projects.counts import counted_insert, defer_insert_counts
from projects.imports import statements as sql


@dataclass
class WriteParams:
    now: object  # the import's time, on every row it writes
    user_id: int | None
    note: str  # the note of the progress reports
    region_ids: list[int] = field(default_factory=list)  # a planner's regions; empty: anywhere
    max_reported: int = 1000


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


class BatchWriter:
    """Writes batches one behind the caller, in order, on `connection` (a psycopg connection in a transaction)."""

    def __init__(self, connection, params: WriteParams):
        self.connection, self.params = connection, params
        self.created = 0  # rows written by finished batches
        self.out_of_scope: list[int] = []  # rows outside a planner's regions, at most params.max_reported
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-writer")
        self._pending: Future | None = None
        self._started = False

    def submit(self, csv: bytes, rows: int) -> None:
        """Wait for the batch in flight (raising its error), then send this one."""
        self.wait()
        self._pending = self._pool.submit(self._write, csv, rows)

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

    def _write(self, csv: bytes, rows: int) -> None:
        with self.connection.cursor() as cursor:
            if not self._started:
                # Large set-based statements: JIT costs more than it saves; sorts and hashes stay in memory.
                # The planner needs each batch's size and rough extent, not fine statistics: a small sample.
                cursor.execute("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'; "
                               "SET LOCAL default_statistics_target = 10")
                defer_insert_counts(cursor)  # each batch's projects are counted by the statement inserting them
                cursor.execute(sql.STAGING_SQL)
                cursor.execute(sql.REGION_PARTS_SQL)
                self._started = True
            with cursor.copy(f"COPY import_batch ({', '.join(sql.STAGED)}) FROM STDIN (FORMAT csv)") as copy:
                copy.write(csv)
            cursor.execute(sql.REGION_SHARES_SQL)
            self._check_scope(cursor)
            values = {"now": self.params.now, "user_id": self.params.user_id, "note": self.params.note}
            # The projects, counted for the dashboard with the links written next (import_shares), then their
            # links and reports, whose references to them are checked by each statement (projects/references.py).
            cursor.execute(counted_insert(sql.WRITE_PROJECTS_SQL, region_links="import_shares"), values)
            cursor.execute(sql.WRITE_REGIONS_SQL)
            cursor.execute(sql.WRITE_HISTORY_SQL, values)
            cursor.execute(sql.WRITE_REPORTS_SQL, values)
            cursor.execute(sql.BATCH_DONE_SQL)
        self.created += rows

    def _check_scope(self, cursor) -> None:
        left = self.params.max_reported - len(self.out_of_scope)
        if self.params.region_ids and left > 0:
            cursor.execute(sql.OUT_OF_SCOPE_SQL, {"region_ids": self.params.region_ids, "limit": left})
            self.out_of_scope.extend(row for (row,) in cursor.fetchall())
