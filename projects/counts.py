"""The dashboard's counters: live projects counted per bucket, kept by the writes (PostgreSQL triggers).

A bucket is (dimension, key, status, public flag, health). Dimensions:
- agency: one row per live project (key: its agency, NULL without one): KPIs, statuses, agencies;
- region: one row per region the project touches (projects_projectregion): the regions' figures;
- item: one row per roadmap item it is linked to (projects_project_roadmap_items): the items' status.
A bucket holds how many projects fall in it and the sums the dashboard averages (physical, financial,
physical x budget and budget over the projects with a budget); sums are numeric, so averages are exact.

Health depends on the day, so the counters count for one day and one set of thresholds, kept in the
state row (projects_dashboardcountstate). Statement-level triggers with transition tables on
projects_project, projects_projectregion and projects_project_roadmap_items add what a statement wrote and
take away what it replaced, with health computed for the state row's day (health_sql_columns: the same
CASE as everywhere). They only append net deltas to projects_dashboardcountdelta, so concurrent writers
(an import's long transaction beside a planner's edit) never wait for each other on a bucket row; the
worker folds the committed deltas into projects_dashboardcount (counts_fold), and readers sum both
(the view projects_dashboardcountlive).

Readers go through counted_rows(), whose statement also checks the state row: when the day or a threshold
moved, or the state row is missing (counters off), it recounts from scratch first (dashboard_recount, also
a management command for operators, e.g. after a bulk load run with session_replication_role = replica,
which skips triggers). The worker's periodic task calls counts_current(), so the recount of a new day is
normally done before anyone reads; writers wait while a recount runs (about 15 s at a million projects).

Who may read what stays in projects/access.py. Audience.sql_over_public_flag() gives the audience's project
rule as a condition on the public flag alone (the public, national roles): the buckets answer. It is None
for audiences that read more (akimats' linked regions, ministries' agencies and items): they read the public
buckets plus the private projects they may read, from projects_dashboardprivate, which the same triggers keep
(one row per live non-public project: its agency, its linked regions and roadmap items as arrays, its health for
the counted day and the columns the sums need), filtered by Audience.sql_over_links() and counted at read time in the
buckets' shape. A project linked to several regions is one row there, so "in my regions OR my agencies" counts
it once. The read costs what the audience's private projects cost (GIN indexes on the arrays), not a scan of
the projects.
"""
from __future__ import annotations

import contextlib
from contextvars import ContextVar

from django.db import connection, transaction

from geotrack.core.sql import Sql
from projects.access import Audience
from projects.health import health_parameters, health_sql_columns

COUNTS_TABLE = "projects_dashboardcount"
DELTAS_TABLE = "projects_dashboardcountdelta"
STATE_TABLE = "projects_dashboardcountstate"
PRIVATE_TABLE = "projects_dashboardprivate"
PRIVATE_COLUMNS = ("project_id", "agency_id", "status", "health", "physical_progress", "financial_progress", "budget",
                   "region_ids", "item_ids")
# What readers read: the folded buckets and the deltas not folded yet (sum them; a bucket may repeat).
COUNTED_VIEW = "projects_dashboardcountlive"
BUCKET = ("dimension", "key_id", "status", "is_public", "health")
SUMS = ("projects", "physical", "financial", "physical_budget", "budget")
_COLUMNS = """dimension varchar(8) NOT NULL, key_id integer, status varchar(20) NOT NULL, is_public boolean NOT NULL,
    health varchar(10), projects bigint NOT NULL, physical numeric NOT NULL, financial numeric NOT NULL,
    physical_budget numeric NOT NULL, budget numeric NOT NULL"""
_ALL = ", ".join(BUCKET + SUMS)

CREATE_TABLES_SQL = f"""
CREATE TABLE {COUNTS_TABLE} (
    {_COLUMNS},
    CONSTRAINT projects_dashboardcount_bucket UNIQUE NULLS NOT DISTINCT (dimension, key_id, status, is_public, health)
);
CREATE INDEX projects_dashboardcount_empty ON {COUNTS_TABLE} ((1)) WHERE projects = 0;
-- Insert-only: writers never wait for each other on a bucket row; the worker folds it into the buckets.
CREATE TABLE {DELTAS_TABLE} ({_COLUMNS});
CREATE VIEW {COUNTED_VIEW} AS SELECT {_ALL} FROM {COUNTS_TABLE} UNION ALL SELECT {_ALL} FROM {DELTAS_TABLE};
-- The live projects that are not public, each with its links: audiences that read more than the public
-- flag (akimats, ministries) add the ones they may read to the public buckets (counted_rows).
CREATE TABLE IF NOT EXISTS {PRIVATE_TABLE} (
    project_id bigint PRIMARY KEY, agency_id bigint, status varchar(20) NOT NULL, health varchar(10),
    physical_progress numeric NOT NULL, financial_progress numeric NOT NULL, budget numeric,
    region_ids bigint[] NOT NULL, item_ids bigint[] NOT NULL
);
CREATE INDEX IF NOT EXISTS projects_dashboardprivate_agency ON {PRIVATE_TABLE} (agency_id);
CREATE INDEX IF NOT EXISTS projects_dashboardprivate_regions ON {PRIVATE_TABLE} USING gin (region_ids);
CREATE INDEX IF NOT EXISTS projects_dashboardprivate_items ON {PRIVATE_TABLE} USING gin (item_ids);
CREATE TABLE {STATE_TABLE} (
    id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1), day date NOT NULL, lag numeric NOT NULL,
    stale_since timestamptz NOT NULL, counted_at timestamptz NOT NULL DEFAULT now()
);
"""
DROP_TABLES_SQL = (f"DROP VIEW IF EXISTS {COUNTED_VIEW}; DROP TABLE IF EXISTS {COUNTS_TABLE}; "
                   f"DROP TABLE IF EXISTS {DELTAS_TABLE}; DROP TABLE IF EXISTS {PRIVATE_TABLE}; "
                   f"DROP TABLE IF EXISTS {STATE_TABLE};")
# Migration 0012 adds the private table to counters created by 0011.
# (0011 runs today's CREATE_TABLES_SQL on a new database, so both say IF NOT EXISTS.)
CREATE_PRIVATE_SQL = CREATE_TABLES_SQL[CREATE_TABLES_SQL.index(f"CREATE TABLE IF NOT EXISTS {PRIVATE_TABLE}"):
                                       CREATE_TABLES_SQL.index(f"CREATE TABLE {STATE_TABLE}")]
DROP_PRIVATE_SQL = f"DROP TABLE IF EXISTS {PRIVATE_TABLE};"

# What a set of project rows `v` contributes to one dimension (sign: '' adds, '-' takes away).
_CONTRIBUTION = """
SELECT '{dimension}'::varchar AS dimension, {key} AS key_id, v.status, v.is_public, {health} AS health,
    {sign}count(*) AS projects, {sign}sum(v.physical_progress) AS physical,
    {sign}sum(v.financial_progress) AS financial,
    {sign}COALESCE(sum(v.physical_progress * v.budget) FILTER (WHERE v.budget > 0), 0) AS physical_budget,
    {sign}COALESCE(sum(v.budget) FILTER (WHERE v.budget > 0), 0) AS budget
FROM {source}
WHERE {live}EXISTS (SELECT 1 FROM projects_dashboardcountstate)
GROUP BY 1, 2, 3, 4, 5"""

# Health for the state row's day and thresholds: each a one-time subquery (no join, so row estimates stay true).
_STATE = {name: f"(SELECT {name} FROM projects_dashboardcountstate)" for name in ("day", "lag", "stale_since")}

# dimension: (key, link table); the agency dimension has no link table.
DIMENSIONS = {"agency": ("v.agency_id", None),
              "region": ("k.region_id", "projects_projectregion"),
              "item": ("k.roadmapitem_id", "projects_project_roadmap_items")}


def _state_health(alias: str) -> str:
    return health_sql_columns(alias=alias, today=_STATE["day"], lag=_STATE["lag"], stale_since=_STATE["stale_since"])


def _contribution(dimension: str, source: str, sign: str, health: str | None = None) -> str:
    """health: the rows' health when they carry it (the private table: live rows only), else computed for the
    state row's day from project rows, of which the archived ones are left out."""
    live = "" if health else "v.archived_at IS NULL AND "
    health = health or _state_health("v")
    key = DIMENSIONS[dimension][0]
    return (_CONTRIBUTION.replace("{dimension}", dimension).replace("{key}", key).replace("{health}", health)
            .replace("{sign}", sign).replace("{source}", source).replace("{live}", live))


# A trigger's transition table drives its join, each row looking its links or project up by index (OFFSET 0
# keeps the lookup a per-row subquery). Left to the planner, the join order follows the statistics, and
# autovacuum may record a table as empty (reltuples = 0 over many pages) while a bulk import's rows are
# invisible to it: the planner then scanned the transition table once per row of the "empty" table, and
# one 20,000-row batch of an import ran for minutes. The recount joins whole tables and keeps plain joins.
def _from_projects(dimension: str, projects: str, *, per_row: bool = False) -> str:
    """Rows of `projects` (a table or transition table) joined to the dimension's current links."""
    link = DIMENSIONS[dimension][1]
    if link is None:
        return f"{projects} v"
    if per_row:
        return f"{projects} v CROSS JOIN LATERAL (SELECT k.* FROM {link} k WHERE k.project_id = v.id OFFSET 0) k"
    return f"{projects} v JOIN {link} k ON k.project_id = v.id"


def _from_links(dimension: str, links: str) -> str:
    """Rows of a link transition table, each joined to its current project by index (see above)."""
    return (f"{links} k CROSS JOIN LATERAL (SELECT v.* FROM projects_project v WHERE v.id = k.project_id OFFSET 0) v")


_SUMMED = ", ".join(f"sum({column})" for column in SUMS)
_NONZERO = " OR ".join(f"sum({column}) <> 0" for column in SUMS)


def _apply(parts: list[str]) -> str:
    """Journal the contributions, net per bucket (nothing written when they cancel out)."""
    union = "\nUNION ALL\n".join(parts)
    return (f"INSERT INTO {DELTAS_TABLE} ({_ALL})\n"
            f"SELECT {', '.join(BUCKET)}, {_SUMMED} FROM ({union}) d GROUP BY 1, 2, 3, 4, 5 HAVING {_NONZERO};")


_FOLD_SQL = f"""
WITH moved AS (DELETE FROM {DELTAS_TABLE} RETURNING {_ALL})
INSERT INTO {COUNTS_TABLE} AS c ({_ALL})
SELECT {', '.join(BUCKET)}, {_SUMMED} FROM moved GROUP BY 1, 2, 3, 4, 5 HAVING {_NONZERO}
ON CONFLICT ON CONSTRAINT projects_dashboardcount_bucket DO UPDATE SET
    {", ".join(f"{column} = c.{column} + excluded.{column}" for column in SUMS)}
"""


@transaction.atomic
def counts_fold() -> int:
    """Fold the committed deltas into the buckets (the worker, every few minutes); return how many buckets moved.

    Deltas of transactions still running are not visible here, so they stay for the next fold.
    """
    with connection.cursor() as cursor:
        cursor.execute(_FOLD_SQL)
        moved = cursor.rowcount
        cursor.execute(f"DELETE FROM {COUNTS_TABLE} WHERE projects = 0")
        return moved


# The private table's row of each live, non-public project of `p` (a link array per link table, in id order), with
# its health for the state row's day, as the buckets count it (a new day recounts both).
def _links_array(column: str, table: str) -> str:
    # Sorted inside the aggregate: an ORDER BY of the subquery let the planner (its sorts turned off in the
    # trigger functions) walk the whole index on the linked column for each row instead of the project's links.
    return f"COALESCE((SELECT array_agg({column} ORDER BY {column}) FROM {table} k WHERE k.project_id = p.id), '{{}}')"


def _private_rows(source: str) -> str:
    """The select of private rows from `source`, which names the projects p."""
    return f"""
SELECT p.id, p.agency_id, p.status, {_state_health("p")}, p.physical_progress, p.financial_progress, p.budget,
    {_links_array("k.region_id", "projects_projectregion")},
    {_links_array("k.roadmapitem_id", "projects_project_roadmap_items")}
FROM {source}
WHERE NOT p.is_public AND p.archived_at IS NULL AND EXISTS (SELECT 1 FROM {STATE_TABLE})"""


_PRIVATE_ROWS = _private_rows("projects_project p")


def _private_refresh(ids: str) -> str:
    """Bring the private rows of the projects whose ids `ids` selects in line with the projects and their links.

    Read from the tables, not from the transition tables, so a link statement sees its project's flag. The
    changed ids drive both statements, each project looked up by its key and planned at each call, for the
    reason _from_projects gives: joined the other way round, one batch of a bulk import ran for minutes.
    """
    changed = ", ".join(f"{column} = excluded.{column}" for column in PRIVATE_COLUMNS[1:])
    distinct = f"(SELECT DISTINCT i.id FROM ({ids}) i (id)) n"  # a link statement names a project once per link
    per_row = f"{distinct} CROSS JOIN LATERAL (SELECT * FROM projects_project p WHERE p.id = n.id OFFSET 0) p"
    return "\n        ".join([
        # The rows to drop found per id by key, then deleted by their tuple ids (a TID scan).
        _planned_each_time(
            f"DELETE FROM {PRIVATE_TABLE} d WHERE d.ctid = ANY (ARRAY(SELECT x.ctid FROM {distinct} CROSS JOIN LATERAL ("
            f"SELECT y.ctid FROM {PRIVATE_TABLE} y WHERE y.project_id = n.id AND NOT EXISTS (SELECT 1 FROM "
            "projects_project p WHERE p.id = y.project_id AND NOT p.is_public AND p.archived_at IS NULL) OFFSET 0) x))"),
        _planned_each_time(
            f"INSERT INTO {PRIVATE_TABLE} ({', '.join(PRIVATE_COLUMNS)}) {_private_rows(per_row)} "
            f"ON CONFLICT (project_id) DO UPDATE SET {changed}"),
    ])


def _project_trigger_body() -> str:
    def rows(transition: str, sign: str) -> list[str]:
        return [_contribution(d, _from_projects(d, transition, per_row=True), sign) for d in DIMENSIONS]
    return _trigger_body(rows, key="id", truncate=f"DELETE FROM {COUNTS_TABLE}; DELETE FROM {DELTAS_TABLE}; "
                                                  f"DELETE FROM {PRIVATE_TABLE};")


def _link_trigger_body(dimension: str) -> str:
    def rows(transition: str, sign: str) -> list[str]:
        return [_contribution(dimension, _from_links(dimension, transition), sign)]
    column = {"region": "region_ids", "item": "item_ids"}[dimension]
    return _trigger_body(rows, key="project_id", truncate=(
        f"DELETE FROM {COUNTS_TABLE} WHERE dimension = '{dimension}'; "
        f"DELETE FROM {DELTAS_TABLE} WHERE dimension = '{dimension}'; UPDATE {PRIVATE_TABLE} SET {column} = '{{}}';"))


def _planned_each_time(statement: str) -> str:
    """The statement run by EXECUTE, so that it is planned for the tables as they are at each call.

    PL/pgSQL keeps the plan of a static statement for the whole session: an import planned its first batch
    when the link and project tables were empty (a sequential scan costs nothing there) and kept that scan
    for the per-row lookups of every later batch, while its own rows grew the tables. Planning: ~1 ms a call.
    """
    assert "$apply$" not in statement
    return f"EXECUTE $apply${statement.rstrip().rstrip(';')}$apply$;"


def _trigger_body(rows, *, key: str, truncate: str) -> str:
    """key: the transition tables' column holding the project id (the private rows to refresh)."""
    return f"""
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        {truncate}
    ELSIF TG_OP = 'INSERT' THEN
        {_planned_each_time(_apply(rows('new_rows', '')))}
        {_private_refresh(f"SELECT {key} FROM new_rows")}
    ELSIF TG_OP = 'DELETE' THEN
        {_planned_each_time(_apply(rows('old_rows', '-')))}
        {_private_refresh(f"SELECT {key} FROM old_rows")}
    ELSE
        {_planned_each_time(_apply(rows('new_rows', '') + rows('old_rows', '-')))}
        {_private_refresh(f"SELECT {key} FROM new_rows UNION SELECT {key} FROM old_rows")}
    END IF;
    RETURN NULL;
END"""


# table: (trigger function, its body)
def trigger_functions() -> dict[str, tuple[str, str]]:
    return {"projects_project": ("projects_dashboardcount_projects", _project_trigger_body()),
            "projects_projectregion": ("projects_dashboardcount_regions", _link_trigger_body("region")),
            "projects_project_roadmap_items": ("projects_dashboardcount_items", _link_trigger_body("item"))}


def install_triggers(cursor) -> None:
    """Create or replace the trigger functions from today's health definition; add missing triggers."""
    for table, (function, body) in trigger_functions().items():
        # JIT compiling costs seconds and never pays off on these few groups; a bulk statement's rows are
        # hashed into their buckets rather than sorted (the planner cannot tell how few buckets there are).
        cursor.execute(f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql SET jit = off "
                       f"SET enable_sort = off AS $body${body}$body$")
        events = {"insert": ("INSERT", "REFERENCING NEW TABLE AS new_rows"),
                  "update": ("UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"),
                  "delete": ("DELETE", "REFERENCING OLD TABLE AS old_rows"), "truncate": ("TRUNCATE", "")}
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass", [table])
        present = {name for (name,) in cursor.fetchall()}
        for name, (event, referencing) in events.items():
            if f"{function}_{name}" not in present:  # never DROP TRIGGER here: it locks out the table's readers
                cursor.execute(f"CREATE TRIGGER {function}_{name} AFTER {event} ON {table} {referencing} "
                               f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()")


def drop_triggers(cursor) -> None:
    for table, (function, _body) in trigger_functions().items():
        cursor.execute(f"DROP FUNCTION IF EXISTS {function}() CASCADE")


def _state_values() -> dict:
    params = health_parameters()
    return {"day": params["health_today"], "lag": params["health_lag"], "stale_since": params["health_stale_since"]}


@transaction.atomic
def dashboard_recount(*, if_stale: bool = False) -> int | None:
    """Rebuild every bucket from the projects, for today and today's thresholds; return the bucket count.

    Writers wait meanwhile (the lock), so no write falls between the count and the state it counts for.
    if_stale: once the lock is ours, do nothing (None) if another process has just counted for today.
    """
    with connection.cursor() as cursor:
        install_triggers(cursor)
        cursor.execute(f"LOCK TABLE {COUNTS_TABLE}, {DELTAS_TABLE}, {PRIVATE_TABLE}, {STATE_TABLE} "
                       "IN SHARE ROW EXCLUSIVE MODE")
        if if_stale and _state_is_current():
            return None
        cursor.execute("SET LOCAL jit = off")
        # Hash the few thousand buckets rather than sort a million rows (the planner cannot tell how few).
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"DELETE FROM {STATE_TABLE}")
        cursor.execute(f"INSERT INTO {STATE_TABLE} (day, lag, stale_since) "
                       "VALUES (%(day)s, %(lag)s, %(stale_since)s)", _state_values())
        cursor.execute(f"DELETE FROM {COUNTS_TABLE}")
        cursor.execute(f"DELETE FROM {DELTAS_TABLE}")
        parts = [_contribution(d, _from_projects(d, "projects_project"), "") for d in DIMENSIONS]
        cursor.execute(f"INSERT INTO {COUNTS_TABLE} ({', '.join(BUCKET + SUMS)})\n" + "\nUNION ALL\n".join(parts))
        counted = cursor.rowcount
        cursor.execute(f"DELETE FROM {PRIVATE_TABLE}")
        # In region order: an akimat's private projects then lie on few pages (until writes move them).
        cursor.execute(f"INSERT INTO {PRIVATE_TABLE} ({', '.join(PRIVATE_COLUMNS)}) SELECT * FROM ({_PRIVATE_ROWS}) "
                       "r ORDER BY 8, 1")
        return counted


# The state check rides along with the read: one row always, with the read's rows (if any) beside it.
_CHECKED_READ = """
SELECT s.current, q.* FROM (
    SELECT COALESCE(bool_and(day = %(counts_day)s AND lag = %(counts_lag)s AND stale_since = %(counts_stale_since)s),
                    false) AS current
    FROM projects_dashboardcountstate) s
LEFT JOIN (SELECT true AS present, q0.* FROM ({read}) q0) q ON true
"""


# Buckets of one dimension whose projects the audience reads all of, by the flag alone.
_OVER_FLAG = f"(SELECT {_ALL} FROM {COUNTED_VIEW} c WHERE c.dimension = %(counts_dimension)s AND {{visible}})"

# The same for an audience that reads more than the flag (projects/access.py, Audience.sql_over_links): the buckets
# do not know their projects' links (NULL), so only the public ones pass; the private projects it may read are
# counted from the private table, in the buckets' shape, and added.
_OVER_LINKS = f"""(
    SELECT {_ALL} FROM (SELECT c.*, NULL::bigint AS agency_id, NULL::bigint[] AS region_ids,
                               NULL::bigint[] AS item_ids
                        FROM {COUNTED_VIEW} c WHERE c.dimension = %(counts_dimension)s) c
    WHERE {{visible_buckets}}
    UNION ALL
    {{private}})"""

_PRIVATE_READ = f"""SELECT * FROM (SELECT d.*, false AS is_public FROM {PRIVATE_TABLE} d) d WHERE {{visible}}"""
_UNNESTED = {"agency": "", "region": " CROSS JOIN LATERAL unnest(v.region_ids) AS k(region_id)",
             "item": " CROSS JOIN LATERAL unnest(v.item_ids) AS k(roadmapitem_id)"}


_TYPES = {"dimension": "varchar", "key_id": "bigint", "status": "varchar", "is_public": "boolean",
          "health": "varchar", "projects": "bigint"}
_SHARED: ContextVar[dict | None] = ContextVar("geotrack_counts_shared", default=None)


@contextlib.contextmanager
def shared_reads():
    """Within the block, count an audience's private projects once per dimension and let every figure reuse them.

    One dashboard recompute reads the agency dimension three times (KPIs, statuses, agencies): the private
    projects' buckets are fetched once and bound to the later reads as arrays. Only for work that writes
    nothing in between (one computation of figures).
    """
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def _private_contribution(audience: Audience, dimension: str) -> Sql:
    """The audience's private projects in the buckets' shape, for one dimension (in a shared_reads block, for all
    three at once: one scan, fetched once and bound to each read as arrays)."""
    private = Sql(_PRIVATE_READ).format(visible=audience.sql_over_links("project", "d"))
    shared = _SHARED.get()
    if shared is None:
        return Sql(_contribution(dimension, "({private}) v" + _UNNESTED[dimension], "", health="v.health")).format(
            private=private)
    key = (audience.key, dimension)
    if key not in shared:
        every = "\nUNION ALL\n".join(_contribution(d, "readable v" + _UNNESTED[d], "", health="v.health")
                                       for d in DIMENSIONS)
        rows = _serial_fetch(Sql(f"WITH readable AS MATERIALIZED ({{private}})\n{every}").format(private=private))
        for d in DIMENSIONS:
            shared[(audience.key, d)] = list(zip(*[row for row in rows if row[0] == d])) or [[] for _ in BUCKET + SUMS]
    names = {column: f"counts_private_{dimension}_{column}" for column in BUCKET + SUMS}
    arrays = ", ".join(f"%({names[column]})s::{_TYPES.get(column, 'numeric')}[]" for column in BUCKET + SUMS)
    return Sql(f"SELECT * FROM unnest({arrays}) AS u({_ALL})",
               {names[column]: list(values) for column, values in zip(BUCKET + SUMS, shared[key])})


def _serial_fetch(statement: Sql) -> list[tuple]:
    """Fetch without parallel workers, JIT or sorts: an audience's private share is some tens of thousands of rows,
    which workers hashed apart and merged again read slower than one process does, on a busy server above all."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cursor.execute("SET LOCAL jit = off")
        # Hash the few buckets rather than sort the rows (unnest's estimate of ten links a row misleads the planner).
        cursor.execute("SET LOCAL enable_sort = off")
        return statement.fetchall()


def counted_source(audience: Audience, dimension: str) -> Sql | None:
    """The buckets of one dimension this audience reads (a parenthesised relation); None: use the full queries.

    A relation with the columns of the buckets (BUCKET + SUMS); a bucket may repeat (sum them).
    """
    values = {"counts_dimension": dimension}
    over_flag = audience.sql_over_public_flag("project", "c")
    if over_flag is not None:
        return Sql(_OVER_FLAG, values).format(visible=over_flag)
    over_links = audience.sql_over_links("project", "c")
    if over_links is None:
        return None
    return Sql(_OVER_LINKS, values).format(visible_buckets=over_links,
                                           private=_private_contribution(audience, dimension))


def counted_rows(audience: Audience, dimension: str, read, alias: str = "c") -> list[tuple] | None:
    """Rows of read(buckets), a statement over the buckets of one dimension, for this audience; None: use the
    full queries. `buckets` is a parenthesised relation (counted_source); give it an alias in the read.

    When the counters count for another day or other thresholds (or are off), recount and read again. The
    check is part of the same statement, so reading from the counters costs no extra round trip.
    """
    source = counted_source(audience, dimension)
    if source is None:
        return None
    values = {f"counts_{name}": value for name, value in _state_values().items()}
    statement = Sql(_CHECKED_READ, values).format(read=read(source))
    fetch = Sql.fetchall if audience.sql_over_public_flag("project", alias) is not None else _serial_fetch
    rows = fetch(statement)
    if not rows[0][0]:
        dashboard_recount(if_stale=True)
        if _SHARED.get():
            _SHARED.get().clear()  # counted for another day
        rows = fetch(Sql(_CHECKED_READ, values).format(read=read(counted_source(audience, dimension))))
    return [row[2:] for row in rows if row[1]]


def _state_is_current() -> bool:
    state = Sql(f"SELECT day = %(day)s AND lag = %(lag)s AND stale_since = %(stale_since)s FROM {STATE_TABLE}",
                _state_values()).fetchone()
    return bool(state and state[0])


def counts_current() -> None:
    """Recount first when the counters count for another day or other thresholds, or are off."""
    if not _state_is_current():
        dashboard_recount(if_stale=True)


def buckets() -> list[tuple]:
    """Every bucket as readers see it (deltas included), in a fixed order, then every private project's row
    (to compare with a recount)."""
    kept = Sql(f"SELECT {', '.join(BUCKET)}, {_SUMMED} FROM {COUNTED_VIEW} GROUP BY 1, 2, 3, 4, 5 HAVING {_NONZERO} "
               "ORDER BY dimension, key_id NULLS FIRST, status, is_public, health NULLS FIRST").fetchall()
    private = Sql(f"SELECT 'private', {', '.join(PRIVATE_COLUMNS)} FROM {PRIVATE_TABLE} ORDER BY project_id").fetchall()
    return kept + private
