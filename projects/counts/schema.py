"""The counters' tables, their columns, and the view readers read."""
from __future__ import annotations

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
ALL_COLUMNS = ", ".join(BUCKET + SUMS)

CREATE_TABLES_SQL = f"""
CREATE TABLE {COUNTS_TABLE} (
    {_COLUMNS},
    CONSTRAINT projects_dashboardcount_bucket UNIQUE NULLS NOT DISTINCT (dimension, key_id, status, is_public, health)
);
CREATE INDEX projects_dashboardcount_empty ON {COUNTS_TABLE} ((1)) WHERE projects = 0;
-- Insert-only: writers never wait for each other on a bucket row; the worker folds it into the buckets.
CREATE TABLE {DELTAS_TABLE} ({_COLUMNS});
CREATE VIEW {COUNTED_VIEW} AS SELECT {ALL_COLUMNS} FROM {COUNTS_TABLE} UNION ALL SELECT {ALL_COLUMNS} FROM {DELTAS_TABLE};
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

# Sums of the buckets' columns, and whether any of them is not zero.
SUMMED = ", ".join(f"sum({column})" for column in SUMS)
NONZERO = " OR ".join(f"sum({column}) <> 0" for column in SUMS)
