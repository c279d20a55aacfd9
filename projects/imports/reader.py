"""Read a bulk-import file with pyogrio (the wheel's GDAL): columns as arrays, geometries in EPSG:4326.

GeoJSON, GeoPackage, a zipped Shapefile, or CSV with a WKT column or lon/lat columns.
Coordinates are transformed in one vectorised call (pyproj + shapely), never row by row.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyogrio
import shapely
from django.utils.translation import gettext as _
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

SUFFIXES = (".geojson", ".json", ".gpkg", ".zip", ".csv")
# CRSs an import may come in: WGS 84, Pulkovo 1942, Web Mercator and UTM zones 40-46 N (Kazakhstan: 42N, 43N...).
ALLOWED_EPSG = frozenset({4326, 4284, 3857, *range(32640, 32647)})
WKT_NAMES = ("wkt", "geometry", "geom", "the_geom")
LON_NAMES = ("lon", "lng", "longitude", "x")
LAT_NAMES = ("lat", "latitude", "y")


class ImportFileError(ValueError):
    """The file as a whole cannot be imported; `field` says which input was wrong."""

    def __init__(self, message: str, field: str = "file"):
        super().__init__(message)
        self.field = field


@dataclass
class ImportTable:
    columns: dict[str, np.ndarray]  # by column name, as read
    geometries: np.ndarray  # shapely geometries in EPSG:4326 (None where missing)
    source_epsg: int

    def __len__(self) -> int:
        return len(self.geometries)


def parse_epsg(value: str | int | None) -> int | None:
    """Read 'EPSG:32642' or '32642'; only CRSs from the allow-list are accepted."""
    if value in (None, ""):
        return None
    text = str(value).strip().upper().removeprefix("EPSG:")
    if not text.isdigit() or int(text) not in ALLOWED_EPSG:
        raise ImportFileError(_("Unsupported CRS %(crs)s; use one of: %(allowed)s.") % {
            "crs": value, "allowed": ", ".join(f"EPSG:{code}" for code in sorted(ALLOWED_EPSG))}, "crs")
    return int(text)


def _file_epsg(crs_text: str | None) -> int | None:
    if not crs_text:
        return None
    try:
        crs = CRS.from_user_input(crs_text)
    except CRSError:
        return None
    if crs.equals(CRS.from_epsg(4326), ignore_axis_order=True):
        return 4326
    return crs.to_epsg(min_confidence=70)


def _csv_options(path: Path, mapping: dict[str, str]) -> dict:
    def names(target: str, defaults: tuple[str, ...]) -> str:
        return ",".join((mapping[target],) if target in mapping else defaults)

    return {"GEOM_POSSIBLE_NAMES": names("wkt", WKT_NAMES), "X_POSSIBLE_NAMES": names("lon", LON_NAMES),
            "Y_POSSIBLE_NAMES": names("lat", LAT_NAMES), "KEEP_GEOM_COLUMNS": "NO", "AUTODETECT_TYPE": "NO"}


def read_table(path: Path, *, crs: str | None = None, mapping: dict[str, str] | None = None) -> ImportTable:
    """Read every feature; refuse a file without a CRS unless one is given."""
    if path.suffix.lower() not in SUFFIXES:
        raise ImportFileError(_("Unsupported file type %(suffix)s; send GeoJSON, GPKG, a zipped Shapefile or CSV.")
                              % {"suffix": path.suffix or "(none)"})
    given = parse_epsg(crs)
    options = _csv_options(path, mapping or {}) if path.suffix.lower() == ".csv" else {}
    try:
        meta, _fids, wkb, field_data = pyogrio.raw.read(str(path), datetime_as_string=True, **options)
    except Exception as exc:  # pyogrio raises DataSourceError, DataLayerError, and GDAL's own errors
        raise ImportFileError(_("The file could not be read: %(error)s") % {"error": str(exc)[:300]}) from exc
    source = given or _file_epsg(meta.get("crs"))
    if source is None:
        if meta.get("crs"):
            raise ImportFileError(_("The file's CRS is not supported; give one with --crs (or crs=EPSG:XXXX)."), "crs")
        raise ImportFileError(_("The file has no CRS; give one with --crs EPSG:XXXX (or crs= in the API)."), "crs")
    if source not in ALLOWED_EPSG:
        parse_epsg(source)
    geometries = shapely.from_wkb(wkb) if wkb is not None else np.full(len(field_data[0]) if field_data else 0, None)
    geometries = shapely.force_2d(geometries)
    if source != 4326:
        transformer = Transformer.from_crs(source, 4326, always_xy=True)
        geometries = shapely.transform(geometries, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))
    columns = {str(name): values for name, values in zip(meta["fields"], field_data)}
    return ImportTable(columns=columns, geometries=geometries, source_epsg=source)


def feature_count(path: Path) -> int:
    """Count features cheaply, to decide whether an import runs in the background."""
    try:
        return int(pyogrio.read_info(str(path), force_feature_count=True)["features"])
    except Exception as exc:  # noqa: BLE001 - any GDAL error means the file is unreadable
        raise ImportFileError(_("The file could not be read: %(error)s") % {"error": str(exc)[:300]}) from exc
