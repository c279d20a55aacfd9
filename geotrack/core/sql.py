"""SQL composed from pieces, each carrying its own named parameters.

A piece is text with ``%(name)s`` placeholders plus the values of those names. Pieces
slot into each other through ``{slot}`` markers (``Sql.format``), and their parameters
merge by name, so no list of ``%s`` values is ever lined up by hand: the order of the
text no longer matters. Django's own querysets become pieces too (``Sql.of_queryset``),
their positional placeholders renamed on the way.

Identifiers (table and column names) never come from a request: they come from
constants, and where they vary they are quoted by psycopg (``identifier``).
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.postgresql.base import ServerBindingCursor
from psycopg import sql as psycopg_sql

_SLOT = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_NAMED = re.compile(r"%\(([A-Za-z_][A-Za-z0-9_]*)\)s")
# In pyformat text, %% is a literal percent sign and %s a positional placeholder.
_POSITIONAL = re.compile(r"%%|%s")


# The texts a process composes are few (statements are built from constants; values travel as
# parameters), and the hot ones are composed on every request: a tile, a page of features. So the
# text of each composition and the names each text uses are kept (least recently used out), and a
# request costs dictionary lookups instead of regular-expression passes over kilobytes of SQL.
_COMPOSED_TEXTS = 2048


@functools.lru_cache(maxsize=_COMPOSED_TEXTS)
def _filled(text: str, slots: tuple[tuple[str, str], ...]) -> str:
    """The text with its ``{slot}`` markers filled; a marker without a slot stays (a literal brace)."""
    texts = dict(slots)

    def fill(match: re.Match) -> str:
        return texts.get(match.group(1), match.group(0))  # e.g. '{z}' in a URL template

    return _SLOT.sub(fill, text)


@functools.lru_cache(maxsize=_COMPOSED_TEXTS)
def _names_in(text: str) -> frozenset[str]:
    """The named parameters a text uses."""
    return frozenset(_NAMED.findall(text))


class SqlError(ValueError):
    """Pieces that cannot be combined (two values under one name, a slot left empty)."""


@dataclass(frozen=True)
class Sql:
    """A piece of SQL and the values of the named parameters it uses."""

    text: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        missing = _names_in(self.text) - self.params.keys()
        if missing:
            raise SqlError(f"no value for {', '.join(sorted(missing))} in: {self.text[:120]}")

    def format(self, **slots: Sql | str) -> Sql:
        """Fill ``{slot}`` markers with pieces (or constant text); parameters merge by name."""
        params = dict(self.params)
        texts = []
        for name, piece in slots.items():
            if isinstance(piece, Sql):
                params = merge_params(params, piece.params)
                texts.append((name, piece.text))
            else:
                texts.append((name, piece))
        return Sql(_filled(self.text, tuple(texts)), params)

    def renamed(self, prefix: str) -> Sql:
        """The same piece with every parameter name prefixed, to use it twice with other values."""
        text = _NAMED.sub(lambda match: f"%({prefix}{match.group(1)})s", self.text)
        return Sql(text, {f"{prefix}{name}": value for name, value in self.params.items()})

    def __and__(self, other: Sql) -> Sql:
        return Sql("({a}) AND ({b})").format(a=self, b=other)

    def __or__(self, other: Sql) -> Sql:
        return Sql("({a}) OR ({b})").format(a=self, b=other)

    @classmethod
    def join(cls, separator: str, pieces: Iterable[Sql]) -> Sql:
        pieces = list(pieces)
        slots = {f"p{index}": piece for index, piece in enumerate(pieces)}
        return cls(separator.join(f"{{p{index}}}" for index in range(len(pieces)))).format(**slots)

    @classmethod
    def of_queryset(cls, queryset, name: str) -> Sql:
        """A queryset's SELECT as a piece; its positional parameters become name_0, name_1, ..."""
        text, values = queryset.query.sql_with_params()
        return cls.positional(text, values, name)

    @classmethod
    def positional(cls, text: str, values: Iterable[Any], name: str) -> Sql:
        """Turn pyformat text with %s placeholders into a piece with named parameters."""
        values = list(values)
        counter = iter(range(len(values)))

        def rename(match: re.Match) -> str:
            return "%%" if match.group(0) == "%%" else f"%({name}_{next(counter)})s"

        renamed = _POSITIONAL.sub(rename, text)
        return cls(renamed, {f"{name}_{index}": value for index, value in enumerate(values)})

    def positional_form(self) -> tuple[str, list]:
        """The text with %s placeholders and the values in order, for APIs that take only those (RawSQL)."""
        values: list = []

        def to_position(match: re.Match) -> str:
            values.append(self.params[match.group(1)])
            return "%s"

        return _NAMED.sub(to_position, self.text), values

    def fetchone(self, *, prepare: bool = False):
        """The first row. prepare=True for a hot statement: see ``statement_cursor``."""
        with statement_cursor(prepare=prepare) as cursor:
            cursor.execute(self.text, self.params)
            return cursor.fetchone()

    def fetchall(self, *, prepare: bool = False) -> list[tuple]:
        with statement_cursor(prepare=prepare) as cursor:
            cursor.execute(self.text, self.params)
            return cursor.fetchall()

    def execute(self) -> int:
        """Run a statement that returns no rows; return how many rows it touched."""
        with connection.cursor() as cursor:
            cursor.execute(self.text, self.params)
            return cursor.rowcount

    def value(self, *, prepare: bool = False):
        """The first column of the first row."""
        return self.fetchone(prepare=prepare)[0]

    def inline(self) -> str:
        """The statement with its values quoted in by psycopg, for tools that take bare SQL (ogr2ogr)."""
        return connection.ops.compose_sql(self.text, self.params) if self.params else self.text.replace("%%", "%")


def statement_cursor(*, prepare: bool = False):
    """A cursor of Django's default connection (use it in a with block); with prepare=True, one that binds
    on the server.

    Django's cursors merge the values into the text on the client, so PostgreSQL plans every
    statement anew, and for the small spatial statements of a map (a tile, a page of features)
    planning costs more than running them. A server-binding cursor sends the text with $n
    placeholders; psycopg prepares it once it has been sent DB_PREPARE_THRESHOLD times on the
    connection, and later runs with other values skip the planning. The cursor is wrapped like any
    of Django's (errors translated, execute wrappers and query logging kept).
    """
    database = connections[DEFAULT_DB_ALIAS]  # once: each attribute read through django.db.connection looks it up
    if not prepare:
        return database.cursor()
    # What Django's connection.cursor() does before making a cursor: the health check, (re)connecting,
    # the thread check; then psycopg's server-binding cursor in place of Django's client-binding one.
    database.close_if_health_check_failed()
    database.ensure_connection()
    database.validate_thread_sharing()
    with database.wrap_database_errors:
        raw = ServerBindingCursor(database.connection)
    return database.make_debug_cursor(raw) if database.queries_logged else database.make_cursor(raw)


TRUE = Sql("TRUE")


def merge_params(first: Mapping[str, Any], second: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(first)
    for name, value in second.items():
        if name in merged and merged[name] is not value and merged[name] != value:
            raise SqlError(f"two values for the parameter {name}: {merged[name]!r} and {value!r}")
        merged[name] = value
    return merged


def identifier(name: str) -> str:
    """Quote a table or column name chosen among constants (psycopg's sql.Identifier)."""
    with connection.cursor() as cursor:
        return psycopg_sql.Identifier(name).as_string(cursor.connection)


def feature(*, id: Sql | str, geometry: Sql | str, properties: Sql | str) -> Sql:
    """A GeoJSON Feature built in PostGIS; geometry in EPSG:4326 with 6 decimals, or null."""
    template = "json_build_object('type', 'Feature', 'id', {id}, 'geometry', {geometry}, 'properties', {properties})"
    geometry_json = Sql("ST_AsGeoJSON({g}, 6)::json").format(g=geometry) if geometry != "NULL" else Sql("NULL::json")
    return Sql(template).format(id=id, geometry=geometry_json, properties=properties)


def features_array(*, feature: Sql, order: str) -> Sql:
    """A JSON array of features aggregated in order, [] when there are none."""
    return Sql("COALESCE(json_agg({feature} ORDER BY {order}), '[]'::json)").format(feature=feature, order=order)


def feature_collection(*, feature: Sql, order: str) -> Sql:
    """The one FeatureCollection wrapper: an aggregate expression over the rows of a FROM clause."""
    return Sql("json_build_object('type', 'FeatureCollection', 'features', {features})").format(
        features=features_array(feature=feature, order=order))
