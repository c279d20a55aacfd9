"""Read a bulk-import file with pyogrio (the wheel's GDAL): columns as arrays, geometries in EPSG:4326.

GeoJSON, GeoPackage, a zipped Shapefile, CSV with a WKT column or lon/lat columns, or FlatGeobuf.
The format is the one the file's name declares; its content is checked against that format before
GDAL sees it (geotrack/core/uploads.py), and GDAL, which keeps only these five drivers in every
process, must report the declared driver once the file is open.
Coordinates are transformed in one vectorised call (pyproj + shapely), never row by row.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyogrio
import shapely
from django.conf import settings
from django.utils.translation import gettext as _
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from geotrack.core.uploads import (ACCEPTED_IMPORTS, IMPORT_DRIVERS, IMPORT_SUFFIXES, UploadRefused, ZipLimits,
                                   check_import, configure_vector_gdal, declared_import_format)

SUFFIXES = tuple(IMPORT_SUFFIXES)
# CRSs an import may come in: WGS 84, Pulkovo 1942, Web Mercator and UTM zones 40-46 N (Kazakhstan: 42N, 43N...).
ALLOWED_EPSG = frozenset({4326, 4284, 3857, *range(32640, 32647)})
WKT_NAMES = ("wkt", "geometry", "geom", "the_geom")
LON_NAMES = ("lon", "lng", "longitude", "x")
LAT_NAMES = ("lat", "latitude", "y")


class ImportFileError(ValueError):
    """The file as a whole cannot be imported; `field` says which input was wrong."""

    def __init__(self, message: str, field: str = "file", *, too_large: bool = False):
        super().__init__(message)
        self.field = field
        self.too_large = too_large  # a limit of size: 413 rather than 400


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


@dataclass(frozen=True)
class OpenedImport:
    """A checked upload: the GDAL path to open, its read options, and what GDAL said about it."""

    gdal_path: str
    options: dict
    info: dict

    @property
    def features(self) -> int:
        return int(self.info["features"])


def _limits() -> ZipLimits:
    return ZipLimits(max_entries=settings.GEOTRACK["IMPORT_MAX_ZIP_ENTRIES"],
                     max_uncompressed_bytes=settings.GEOTRACK["IMPORT_MAX_UNZIPPED_BYTES"])


def open_import(path: Path, *, mapping: dict[str, str] | None = None) -> OpenedImport:
    """Check an upload against the format its name declares and open it with that format's driver only.

    Raise ImportFileError (400, or 413 for a size limit) naming the accepted formats or the limit.
    """
    configure_vector_gdal()
    try:
        declared = declared_import_format(path.name)
        size, limit = path.stat().st_size, settings.GEOTRACK["BODY_LIMITS"]["import-projects"]
        if size > limit:
            raise UploadRefused(_("The file is %(size)d bytes; the limit is %(limit)d bytes (IMPORT_MAX_BYTES).")
                                % {"size": size, "limit": limit}, too_large=True)
        gdal_path = check_import(path, declared, _limits())
    except UploadRefused as exc:
        raise ImportFileError(str(exc), too_large=exc.too_large) from exc
    options = _csv_options(path, mapping or {}) if declared == "csv" else {}
    try:
        info = pyogrio.read_info(gdal_path, force_feature_count=True, **options)
    except Exception as exc:  # noqa: BLE001 - any GDAL error means the file is unreadable as its format
        raise ImportFileError(_("The file could not be read as %(format)s; send %(accepted)s.") % {
            "format": IMPORT_DRIVERS[declared], "accepted": ACCEPTED_IMPORTS}) from exc
    if info.get("driver") != IMPORT_DRIVERS[declared]:
        raise ImportFileError(_("The file could not be read as %(format)s; send %(accepted)s.") % {
            "format": IMPORT_DRIVERS[declared], "accepted": ACCEPTED_IMPORTS})
    most = settings.GEOTRACK["IMPORT_MAX_FEATURES"]
    if int(info["features"]) > most:
        raise ImportFileError(_("The file holds %(count)d features; the limit is %(limit)d (IMPORT_MAX_FEATURES).")
                              % {"count": int(info["features"]), "limit": most}, too_large=True)
    return OpenedImport(gdal_path=gdal_path, options=options, info=info)


def read_table(path: Path, *, crs: str | None = None, mapping: dict[str, str] | None = None) -> ImportTable:
    """Read every feature; refuse a file without a CRS unless one is given."""
    opened = open_import(path, mapping=mapping)
    given = parse_epsg(crs)
    try:
        meta, _fids, wkb, field_data = pyogrio.raw.read(opened.gdal_path, datetime_as_string=True, **opened.options)
    except Exception as exc:  # pyogrio raises DataSourceError, DataLayerError, and GDAL's own errors
        raise ImportFileError(_("The file could not be read: %(error)s") % {"error": _gdal_message(exc)}) from exc
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


def _gdal_message(exc: Exception) -> str:
    """GDAL's message without any path: our staging folder is nobody's business."""
    return str(exc).split(":", 1)[-1].strip()[:200] if "/" in str(exc) else str(exc)[:200]


def feature_count(path: Path) -> int:
    """Count features cheaply, to decide whether an import runs in the background."""
    return open_import(path).features
