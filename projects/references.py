"""References checked once per statement, not once per row: the bulk-written columns' references.

A foreign key checks each inserted row on its own (PostgreSQL's RI trigger runs a query per row, deferred ones
at COMMIT): an import of 100k projects paid about 0.3 s of backend CPU per key for references to a handful of
agencies, 20 regions and one user, and 0.8 s at COMMIT for its links' and reports' references to the projects
it had just written. The references below are kept by statement-level triggers instead, with the same
guarantee:
- a statement that writes rows (INSERT, or UPDATE of the column) locks the distinct rows they point at
  FOR KEY SHARE, as the foreign key's check does (but for rows its own transaction wrote, which no other can
  delete), and fails with foreign_key_violation if one is missing;
- deleting, re-keying or truncating a row still pointed at fails the same way (the foreign key's NO ACTION).
  Django's on_delete (PROTECT, CASCADE, SET_NULL) runs in Python before the DELETE, as it always did: a
  project's links and reports are deleted before the project.
The lock makes the two sides meet as with a foreign key: a delete waits for a writer's lock and then sees its
committed rows (each statement of a trigger takes a new snapshot in READ COMMITTED, Django's level); a
writer waiting on a delete finds the row gone. Unlike Django's foreign keys these checks are not deferred:
the row pointed at must exist when the statement ends (agencies, regions and users are written long before
the rows that point at them; a project before its links and reports, in the API as in an import).
"""
from __future__ import annotations

from psycopg import sql

# (table, its primary key, column, table pointed at), each pointed-at table keyed by id.
REFERENCES = (
    ("projects_project", "id", "agency_id", "projects_agency"),
    ("projects_project", "id", "region_id", "projects_region"),
    ("projects_projectregion", "id", "region_id", "projects_region"),
    ("projects_historicalproject", "history_id", "history_user_id", "auth_user"),
    ("projects_progressreport", "id", "author_id", "auth_user"),
    ("projects_projectregion", "id", "project_id", "projects_project"),  # migration 0016
    ("projects_progressreport", "id", "project_id", "projects_project"),
)
_WRITES = "projects_reference_writes"
_TARGETS = "projects_reference_targets"

# TG_ARGV: the column, the table pointed at, the table's primary key. The distinct values written (on UPDATE
# only those that changed) are found, and locked unless this transaction wrote the row pointed at: no other
# transaction sees such a row, so none can delete it (an import's links and reports point at the projects it
# has just written: 100k locks cost about 0.3 s). Fewer found than written means a value points at nothing.
# A row written in a subtransaction carries the subtransaction's id, so it is locked: slower, never wrong.
# Each value written looks its row up by key (a LATERAL subquery behind OFFSET 0, as projects/counts/ does):
# left to the planner, a table recorded as empty by autovacuum while an import's rows were invisible to it
# (reltuples 0 over many pages) was scanned whole and the written values once per row of it: one batch of
# a 100k-polygon import ran for 16 minutes in the bench. The check on the other side looks up each id gone.
# format() arguments: the values written (a select), the table pointed at.
WRITES_CHECK = ("WITH w AS (SELECT DISTINCT v FROM (%1$s) w (v) WHERE v IS NOT NULL), "
                "f AS MATERIALIZED (SELECT t.id, t.xmin = pg_current_xact_id()::xid AS mine FROM w "
                "    CROSS JOIN LATERAL (SELECT t.id, t.xmin FROM %2$I t WHERE t.id = w.v OFFSET 0) t), "
                "l AS (SELECT 1 FROM f CROSS JOIN LATERAL "
                "    (SELECT 1 FROM %2$I t WHERE t.id = f.id OFFSET 0 FOR KEY SHARE OF t) t WHERE NOT f.mine) "
                "SELECT (SELECT count(*) FROM w), (SELECT count(*) FROM f WHERE mine) + (SELECT count(*) FROM l)")
# format() arguments: the ids gone (a select), the table pointing at them, its column.
TARGETS_CHECK = ("SELECT EXISTS (SELECT 1 FROM (%s) g (id) CROSS JOIN LATERAL "
                 "(SELECT 1 FROM %I c WHERE c.%I = g.id LIMIT 1) c)")
_WRITES_BODY = f"""
DECLARE
    changed text := CASE WHEN TG_OP = 'UPDATE' THEN
        format('SELECT n.%1$I FROM new_rows n JOIN old_rows o ON o.%2$I = n.%2$I WHERE n.%1$I IS DISTINCT FROM o.%1$I',
               TG_ARGV[0], TG_ARGV[2])
        ELSE format('SELECT n.%I FROM new_rows n', TG_ARGV[0]) END;
    written bigint;
    found bigint;
BEGIN
    EXECUTE format('{WRITES_CHECK}', changed, TG_ARGV[1]) INTO written, found;
    IF found < written THEN
        RAISE EXCEPTION 'insert or update on table "%" violates its reference to "%"', TG_TABLE_NAME, TG_ARGV[1]
            USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME, COLUMN = TG_ARGV[0];
    END IF;
    RETURN NULL;
END"""

# TG_ARGV: the table pointing here, its column. Ids deleted (or re-keyed away) must no longer be pointed at.
_TARGETS_BODY = f"""
DECLARE
    gone text := CASE TG_OP
        WHEN 'DELETE' THEN 'SELECT id FROM old_rows'
        WHEN 'UPDATE' THEN 'SELECT id FROM old_rows EXCEPT SELECT id FROM new_rows'
        ELSE NULL END;
    still boolean;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I IS NOT NULL)', TG_ARGV[0], TG_ARGV[1]) INTO still;
    ELSE
        EXECUTE format('{TARGETS_CHECK}', gone, TG_ARGV[0], TG_ARGV[1]) INTO still;
    END IF;
    IF still THEN
        RAISE EXCEPTION 'update or delete on table "%" violates the reference from "%"', TG_TABLE_NAME, TG_ARGV[0]
            USING ERRCODE = 'foreign_key_violation', TABLE = TG_ARGV[0], COLUMN = TG_ARGV[1];
    END IF;
    RETURN NULL;
END"""


_TRIGGER = sql.SQL("CREATE OR REPLACE TRIGGER {name} AFTER {event} ON {table} {referencing} FOR EACH STATEMENT "
                   "EXECUTE FUNCTION {function}({args})")
_TRANSITIONS = {"insert": "REFERENCING NEW TABLE AS new_rows", "delete": "REFERENCING OLD TABLE AS old_rows",
                "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows", "truncate": ""}


def _name(prefix: str, event: str, reference: tuple) -> sql.Identifier:
    return sql.Identifier(f"{prefix}_{reference[0]}_{reference[2]}_{event}"[:63])  # the referencing table and column


def _trigger(prefix: str, event: str, table: str, function: str, args: list[str], reference: tuple) -> sql.Composed:
    return _TRIGGER.format(name=_name(prefix, event, reference), event=sql.SQL(event.upper()),
                           table=sql.Identifier(table), referencing=sql.SQL(_TRANSITIONS[event]),
                           function=sql.Identifier(function), args=sql.SQL(", ").join(map(sql.Literal, args)))


def install_sql(references: tuple = REFERENCES) -> sql.Composed:
    """The two trigger functions and, for each reference, the triggers on both of its tables (each replaced if
    present: a later migration runs it again for the references it adds)."""
    parts = [sql.SQL("CREATE OR REPLACE FUNCTION {}() RETURNS trigger LANGUAGE plpgsql AS {}").format(
                 sql.Identifier(name), sql.Literal(body))
             for name, body in ((_WRITES, _WRITES_BODY), (_TARGETS, _TARGETS_BODY))]
    for reference in references:
        table, key, column, target = reference
        parts += [_trigger("ref", event, table, _WRITES, [column, target, key], reference)
                  for event in ("insert", "update")]
        parts += [_trigger("refd", event, target, _TARGETS, [table, column], reference)
                  for event in ("delete", "update", "truncate")]
    return sql.SQL(";\n").join(parts)


def drop_sql(references: tuple) -> sql.Composed:
    """Drop the triggers of these references (the functions stay for the others)."""
    return sql.SQL(";\n").join(
        sql.SQL("DROP TRIGGER IF EXISTS {} ON {}").format(_name(prefix, event, reference), sql.Identifier(table))
        for reference in references
        for prefix, table, events in (("ref", reference[0], ("insert", "update")),
                                      ("refd", reference[3], ("delete", "update", "truncate")))
        for event in events)


def uninstall_sql() -> sql.Composed:
    return sql.SQL("DROP FUNCTION IF EXISTS {}() CASCADE; DROP FUNCTION IF EXISTS {}() CASCADE").format(
        sql.Identifier(_WRITES), sql.Identifier(_TARGETS))
