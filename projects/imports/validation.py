"""Check every row of an import and say, row by row, what is wrong.

Geometry checks are those of projects.geometry.parse_project_geometry: they run vectorised
over all rows (shapely), and a row that fails is passed to parse_project_geometry itself,
so its message is the one the API gives for the same geometry.
"""
from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import numpy as np
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
    values: list[dict] = field(default_factory=list)  # one dict of clean values per row
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


def _row_values(raw: dict[str, str], lookups: Lookups, problems: dict) -> dict:
    values = {"title": raw["title"], "description": raw["description"], "source_url": raw["source_url"]}
    for name in REQUIRED:
        if raw[name] == "":
            problems[name] = [_("This field is required.")]
    if len(raw["title"]) > 300:
        problems["title"] = [_("At most 300 characters.")]
    for name, choices, default in lookups.codes:
        value = raw[name] or default
        if value is not None and value not in choices:
            problems[name] = [_("Unknown code %(value)s; use one of: %(choices)s.") % {
                "value": value, "choices": ", ".join(choices)}]
        values[name] = value
    if raw["agency"]:
        values["agency_id"] = lookups.agencies.get(raw["agency"].casefold())
        if values["agency_id"] is None:
            problems["agency"] = [_("Unknown agency %(value)s.") % {"value": raw["agency"]}]
    values["region_id"] = lookups.regions.get(raw["region"].upper()) if raw["region"] else None
    if raw["region"] and values["region_id"] is None:
        problems["region"] = [_("Unknown region %(value)s; use an ISO 3166-2 code such as KZ-75.") % {"value": raw["region"]}]
    for name in ("physical_progress", "financial_progress"):
        values[name] = _percent(raw[name], name, problems)
    values["budget"] = _budget(raw["budget"], problems)
    values["currency"] = (raw["currency"] or "KZT").upper()
    if len(values["currency"]) != 3 or not values["currency"].isalpha():
        problems["currency"] = [_("Use a three-letter ISO 4217 code such as KZT.")]
    for name in ("planned_start", "planned_end", "actual_start", "actual_end"):
        values[name] = _date(raw[name], name, problems)
    if values["planned_start"] and values["planned_end"] and values["planned_end"] < values["planned_start"]:
        problems["planned_end"] = [_("The planned end must not be before the planned start.")]
    public = raw["is_public"].casefold()
    if public not in TRUE | FALSE:
        problems["is_public"] = [_("Use true or false.")]
    values["is_public"] = public in TRUE
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

    A large file is checked batch by batch: `first_row` numbers the batch's rows within the file, and
    `lookups` and `extent` are loaded once per import.
    """
    lookups, checked = lookups or Lookups(), CheckedRows()
    columns = {name: table.columns.get(mapping.get(name, name)) for name in FIELDS}
    geometry_errors = geometry_problems(table.geometries, extent)
    for index in range(len(table)):
        raw = {name: _text(column[index]) if column is not None else "" for name, column in columns.items()}
        problems: dict[str, list[str]] = {}
        values = _row_values(raw, lookups, problems)
        if index in geometry_errors:
            problems["geometry"] = [geometry_errors[index]]
        if problems:
            checked.errors.append({"row": index + first_row, "errors": problems})
        checked.values.append(values)
    return checked
