"""References checked once per statement, not once per row: the bulk-written columns that point at small tables.

A foreign key checks each inserted row on its own (PostgreSQL's RI trigger runs a query per row): an import of
100k projects paid about 0.3 s of backend CPU per key for references to a handful of agencies, 20 regions and
one user. The references below are kept by statement-level triggers instead, with the same guarantee:
- a statement that writes rows (INSERT, or UPDATE of the column) locks the distinct rows they point at
  FOR KEY SHARE, as the foreign key's check does, and fails with foreign_key_violation if one is missing;
- deleting, re-keying or truncating a row still pointed at fails the same way (the foreign key's NO ACTION).
  Django's on_delete (PROTECT, CASCADE, SET_NULL) runs in Python before the DELETE, as it always did.
The lock makes the two sides meet as with a foreign key: a delete waits for a writer's lock and then sees its
committed rows (each statement of a trigger takes a new snapshot in READ COMMITTED, Django's level); a
writer waiting on a delete finds the row gone. Unlike Django's foreign keys these checks are not deferred:
the row pointed at must exist when the statement ends (it always does here: agencies, regions and users are
written long before the projects, links, history rows and reports that point at them).
Foreign keys stay where rows point at the bulk-written tables themselves (links and reports to projects).
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
)
_WRITES = "projects_reference_writes"
_TARGETS = "projects_reference_targets"

# TG_ARGV: the column, the table pointed at, the table's primary key. The distinct values written (on UPDATE
# only those that changed) are locked; fewer locked than written means a value points at nothing.
_WRITES_BODY = """
DECLARE
    changed text := CASE WHEN TG_OP = 'UPDATE' THEN
        format('SELECT n.%1$I FROM new_rows n JOIN old_rows o ON o.%2$I = n.%2$I WHERE n.%1$I IS DISTINCT FROM o.%1$I',
               TG_ARGV[0], TG_ARGV[2])
        ELSE format('SELECT n.%I FROM new_rows n', TG_ARGV[0]) END;
    written bigint;
    locked bigint;
BEGIN
    EXECUTE format('WITH w AS (SELECT DISTINCT v FROM (%s) w (v) WHERE v IS NOT NULL), '
                   'l AS (SELECT 1 FROM %I t WHERE t.id IN (SELECT v FROM w) FOR KEY SHARE OF t) '
                   'SELECT (SELECT count(*) FROM w), (SELECT count(*) FROM l)', changed, TG_ARGV[1])
        INTO written, locked;
    IF locked < written THEN
        RAISE EXCEPTION 'insert or update on table "%" violates its reference to "%"', TG_TABLE_NAME, TG_ARGV[1]
            USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME, COLUMN = TG_ARGV[0];
    END IF;
    RETURN NULL;
END"""

# TG_ARGV: the table pointing here, its column. Ids deleted (or re-keyed away) must no longer be pointed at.
_TARGETS_BODY = """
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
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I c WHERE c.%I IN (%s))', TG_ARGV[0], TG_ARGV[1], gone)
            INTO still;
    END IF;
    IF still THEN
        RAISE EXCEPTION 'update or delete on table "%" violates the reference from "%"', TG_TABLE_NAME, TG_ARGV[0]
            USING ERRCODE = 'foreign_key_violation', TABLE = TG_ARGV[0], COLUMN = TG_ARGV[1];
    END IF;
    RETURN NULL;
END"""


_TRIGGER = sql.SQL("CREATE TRIGGER {name} AFTER {event} ON {table} {referencing} FOR EACH STATEMENT "
                   "EXECUTE FUNCTION {function}({args})")
_TRANSITIONS = {"insert": "REFERENCING NEW TABLE AS new_rows", "delete": "REFERENCING OLD TABLE AS old_rows",
                "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows", "truncate": ""}


def _trigger(prefix: str, event: str, table: str, function: str, args: list[str], reference: tuple) -> sql.Composed:
    name = f"{prefix}_{reference[0]}_{reference[2]}_{event}"[:63]  # the referencing table and column name it
    return _TRIGGER.format(name=sql.Identifier(name), event=sql.SQL(event.upper()), table=sql.Identifier(table),
                           referencing=sql.SQL(_TRANSITIONS[event]), function=sql.Identifier(function),
                           args=sql.SQL(", ").join(map(sql.Literal, args)))


def install_sql() -> sql.Composed:
    """The two trigger functions and, for each reference, the triggers on both of its tables."""
    parts = [sql.SQL("CREATE OR REPLACE FUNCTION {}() RETURNS trigger LANGUAGE plpgsql AS {}").format(
                 sql.Identifier(name), sql.Literal(body))
             for name, body in ((_WRITES, _WRITES_BODY), (_TARGETS, _TARGETS_BODY))]
    for reference in REFERENCES:
        table, key, column, target = reference
        parts += [_trigger("ref", event, table, _WRITES, [column, target, key], reference)
                  for event in ("insert", "update")]
        parts += [_trigger("refd", event, target, _TARGETS, [table, column], reference)
                  for event in ("delete", "update", "truncate")]
    return sql.SQL(";\n").join(parts)


def uninstall_sql() -> sql.Composed:
    return sql.SQL("DROP FUNCTION IF EXISTS {}() CASCADE; DROP FUNCTION IF EXISTS {}() CASCADE").format(
        sql.Identifier(_WRITES), sql.Identifier(_TARGETS))
