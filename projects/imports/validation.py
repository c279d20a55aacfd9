"""Check every row of an import and say, row by row, what is wrong.

Attributes are checked column by column: each field's rule (a cleaner) runs once per distinct value, and a
row that breaks any rule is cleaned again alone by the same cleaners (`_row_values`) for its messages.
Geometry checks are those of projects.geometry.parse_project_geometry: they run vectorised
over all rows (shapely), and a row that fails is passed to parse_project_geometry itself,
so its message is the one the API gives for the same geometry.
"""
from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import numpy as np
import pyarrow as pa
import shapely
from django.conf import settings
from django.utils.translation import gettext as _

from geotrack.core.sql import Sql
from projects.geometry import GeometryError, parse_project_geometry
from projects.imports.reader import ImportTable
from projects.models import Agency, Project, Region

FIELDS = ("title", "description", "sector", "kind", "status", "agency", "region", "physical_progress",
          "financial_progress", "budget", "currency", "planned_start", "planned_end", "actual_start", "actual_end",
          "is_public", "source_url")
REQUIRED = ("title", "sector", "agency")
# CSV geometry columns may be mapped too; they are read by GDAL, not as attributes.
GEOMETRY_FIELDS = ("wkt", "lon", "lat")
ALLOWED_TYPE_IDS = (0, 1, 3, 4, 5, 6)  # Point, LineString, Polygon and their Multi forms
TRUE, FALSE = {"1", "true", "yes", "y", "t"}, {"0", "false", "no", "n", "f", ""}


@dataclass
class CheckedRows:
    columns: dict[str, list] = field(default_factory=dict)  # clean values by staged column, one per row
    errors: list[dict] = field(default_factory=list)  # {"row": n, "errors": {field: [messages]}}


def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():  # GDAL reads 1 and 40 from GeoJSON as 1.0, 40.0
        return str(int(value))
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).strip()


def _percent(raw: str, name: str, problems: dict):
    if raw == "":
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        problems[name] = [_("Must be a number.")]
        return None
    if not value.is_finite() or not 0 <= value <= 100:
        problems[name] = [_("Progress must be between 0 and 100.")]
        return None
    return value.quantize(Decimal("0.01"))


def _date(raw: str, name: str, problems: dict):
    if raw == "":
        return None
    try:
        return dt.date.fromisoformat(raw[:10])
    except ValueError:
        problems[name] = [_("Use a date such as 2025-12-31.")]
        return None


class Lookups:
    """Agencies by code or name, regions by ISO code, loaded once."""

    def __init__(self):
        self.agencies: dict[str, int] = {}
        for agency_id, code, *names in Agency.objects.values_list("id", "code", "name_en", "name_ru", "name_kk"):
            for key in (code, *names):
                self.agencies.setdefault(key.strip().casefold(), agency_id)
        self.regions = dict(Region.objects.values_list("iso_code", "id"))
        # Django's Choices.values builds a new list on every call: read them once per import.
        self.codes = (("sector", tuple(Project.Sector.values), None),
                      ("kind", tuple(Project.Kind.values), "infrastructure"),
                      ("status", tuple(Project.Status.values), "identification"))
        self.cleaners = _cleaners(self)


Cleaner = Callable[[str, dict], object]  # (raw text, problems) -> clean value; a problem goes into problems


def _cleaners(lookups: Lookups) -> tuple[tuple[str, str, Cleaner], ...]:
    """(field, staged column, cleaner) in the order the rules run; every cleaner sees one field only.

    The planned dates' order is checked after these, then is_public (PUBLIC), as rows have always been.
    """
    def code(name: str, choices: tuple[str, ...], default: str | None) -> Cleaner:
        def clean(raw: str, problems: dict):
            value = raw or default
            if value is not None and value not in choices:
                problems[name] = [_("Unknown code %(value)s; use one of: %(choices)s.") % {
                    "value": value, "choices": ", ".join(choices)}]
            return value
        return clean

    def agency(raw: str, problems: dict):
        agency_id = lookups.agencies.get(raw.casefold()) if raw else None
        if raw and agency_id is None:
            problems["agency"] = [_("Unknown agency %(value)s.") % {"value": raw}]
        return agency_id

    def region(raw: str, problems: dict):
        region_id = lookups.regions.get(raw.upper()) if raw else None
        if raw and region_id is None:
            problems["region"] = [_("Unknown region %(value)s; use an ISO 3166-2 code such as KZ-75.") % {"value": raw}]
        return region_id

    def given(name: str, parse) -> Cleaner:
        return lambda raw, problems: parse(raw, name, problems)

    return (("title", "title", _title), ("description", "description", _as_is), ("source_url", "source_url", _as_is),
            *((name, name, code(name, choices, default)) for name, choices, default in lookups.codes),
            ("agency", "agency_id", agency), ("region", "region_id", region),
            *((name, name, given(name, _percent)) for name in ("physical_progress", "financial_progress")),
            ("budget", "budget", _budget), ("currency", "currency", _currency),
            *((name, name, given(name, _date)) for name in ("planned_start", "planned_end", "actual_start", "actual_end")))


def _as_is(raw: str, problems: dict) -> str:
    return raw


def _title(raw: str, problems: dict) -> str:
    if len(raw) > 300:
        problems["title"] = [_("At most 300 characters.")]
    return raw


def _currency(raw: str, problems: dict) -> str:
    value = (raw or "KZT").upper()
    if len(value) != 3 or not value.isalpha():
        problems["currency"] = [_("Use a three-letter ISO 4217 code such as KZT.")]
    return value


def _public(raw: str, problems: dict) -> bool:
    public = raw.casefold()
    if public not in TRUE | FALSE:
        problems["is_public"] = [_("Use true or false.")]
    return public in TRUE


PUBLIC = ("is_public", "is_public", _public)


def _planned_in_order(start, end) -> bool:
    return not (start and end and end < start)


def _row_values(raw: dict[str, str], lookups: Lookups, problems: dict) -> dict:
    """Clean one row: the required fields, each field's own rule, then the planned dates' order."""
    for name in REQUIRED:
        if raw[name] == "":
            problems[name] = [_("This field is required.")]
    values = {column: clean(raw[name], problems) for name, column, clean in lookups.cleaners}
    if not _planned_in_order(values["planned_start"], values["planned_end"]):
        problems["planned_end"] = [_("The planned end must not be before the planned start.")]
    values["is_public"] = _public(raw["is_public"], problems)
    return values


def _budget(raw: str, problems: dict):
    if raw == "":
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        problems["budget"] = [_("Must be a number.")]
        return None
    if not value.is_finite() or value < 0 or value >= Decimal("1e16"):
        problems["budget"] = [_("The budget must be a positive number.")]
        return None
    return value.quantize(Decimal("0.01"))


def _extent_wkb() -> bytes | None:
    """Kazakhstan's extent plus the margin, as parse_project_geometry computes it; None without regions."""
    row = Sql("SELECT ST_AsBinary(ST_Buffer(ST_SetSRID(ST_Extent(boundary_simplified), 4326)::geography, "
              "%(margin_m)s)::geometry) FROM projects_region",
              {"margin_m": settings.GEOTRACK["EXTENT_MARGIN_KM"] * 1000}).fetchone()
    return bytes(row[0]) if row and row[0] is not None else None


_NO_EXTENT = object()


def geometry_problems(geometries: np.ndarray, extent=_NO_EXTENT) -> dict[int, str]:
    """Return {row index: message} for geometries that parse_project_geometry would refuse.

    `extent` is a prepared shapely geometry (or None), computed once per import by `import_extent`.
    """
    missing = shapely.is_missing(geometries)
    suspect = missing.copy()
    present = ~missing
    suspect[present] |= ~np.isin(shapely.get_type_id(geometries[present]), ALLOWED_TYPE_IDS)
    suspect[present] |= shapely.is_empty(geometries[present]) | ~shapely.is_valid(geometries[present])
    suspect[present] |= shapely.get_num_coordinates(geometries[present]) > settings.GEOTRACK["MAX_VERTICES"]
    if extent is _NO_EXTENT:
        extent = import_extent()
    if extent is not None:
        suspect[present] |= ~shapely.covers(extent, geometries[present])
    problems = {}
    for index in np.flatnonzero(suspect):
        if missing[index]:
            problems[int(index)] = _("The row has no geometry.")
            continue
        try:
            parse_project_geometry(json.loads(shapely.to_geojson(geometries[index])))
        except GeometryError as exc:
            problems[int(index)] = str(exc)
        else:  # the vectorised check was stricter than the API: trust the API's own verdict
            continue
    return problems


def import_extent():
    """Kazakhstan's extent plus the margin, prepared for many `covers` tests; None without regions."""
    extent = _extent_wkb()
    if extent is None:
        return None
    geometry = shapely.from_wkb(extent)
    shapely.prepare(geometry)
    return geometry


def check_rows(table: ImportTable, mapping: dict[str, str], *, lookups: Lookups | None = None,
               extent=_NO_EXTENT, first_row: int = 1) -> CheckedRows:
    """Clean every row; collect all problems rather than stopping at the first.

    Column by column: each field's rule runs once per distinct value (most columns hold few), and only
    a row that breaks some rule is cleaned again alone, by the same rules, to say exactly what is wrong.
    A large file is checked batch by batch: `first_row` numbers the batch's rows within the file, and
    `lookups` and `extent` are loaded once per import.
    """
    lookups, checked = lookups or Lookups(), CheckedRows()
    rows = len(table)
    raw = {name: _texts(table.columns.get(mapping.get(name, name)), rows) for name in FIELDS}
    broken = np.zeros(rows, dtype=bool)
    for name in REQUIRED:
        broken |= np.array(raw[name], dtype=object) == ""
    for name, column, clean in (*lookups.cleaners, PUBLIC):
        checked.columns[column], failed = _clean_column(raw[name], clean)
        broken |= failed
    broken |= [not _planned_in_order(start, end)
               for start, end in zip(checked.columns["planned_start"], checked.columns["planned_end"])]
    geometry_errors = geometry_problems(table.geometries, extent)
    for index in sorted({*np.flatnonzero(broken).tolist(), *geometry_errors}):
        problems: dict[str, list[str]] = {}
        _row_values({name: texts[index] for name, texts in raw.items()}, lookups, problems)
        if index in geometry_errors:
            problems["geometry"] = [geometry_errors[index]]
        if problems:
            checked.errors.append({"row": index + first_row, "errors": problems})
    return checked


def _texts(column, rows: int) -> list[str]:
    """A column as the stripped text of each value ('' where missing), as `_text` reads one value."""
    if column is None:
        return [""] * rows
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return [value.strip() if value is not None else "" for value in column.to_pylist()]
    return [_text(value) for value in column.to_pylist()]


def _clean_column(texts: list[str], clean: Cleaner) -> tuple[list, np.ndarray]:
    """Clean each distinct value once; return every row's clean value and whether the rule refused it."""
    verdicts = {}
    for text in dict.fromkeys(texts):
        problems: dict = {}
        verdicts[text] = (clean(text, problems), bool(problems))
    return [verdicts[text][0] for text in texts], np.fromiter((verdicts[text][1] for text in texts), bool, len(texts))
