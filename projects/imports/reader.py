"""Read a bulk-import file with pyogrio (the wheel's GDAL): columns as arrays, geometries in EPSG:4326.

GeoJSON, GeoPackage, a zipped Shapefile, CSV with a WKT column or lon/lat columns, or FlatGeobuf.
The format is the one the file's name declares; its content is checked against that format before
GDAL sees it (geotrack/core/uploads.py), GDAL opens it with that format's driver alone, named in each call
(`read_upload_info`, `open_upload_arrow`), and must report that driver once the file is open.
Coordinates are transformed in one vectorised call (pyproj + shapely), never row by row.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import shapely
from django.conf import settings
from django.utils.translation import gettext as _
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from geotrack.core.uploads import (ACCEPTED_IMPORTS, IMPORT_DRIVERS, IMPORT_SUFFIXES, UploadRefused, ZipLimits,
                                   check_import, declared_import_format, open_upload_arrow, read_upload_info)

SUFFIXES = tuple(IMPORT_SUFFIXES)
# The connection prefixes by which GDAL opens a path with one named driver only.
DRIVER_PREFIXES = {"geojson": "GeoJSON:", "csv": "CSV:", "gpkg": "GPKG:"}
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
    columns: dict[str, pa.Array]  # by column name, as read (dates and times as ISO text)
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
    declared: str  # the format the file's name declares (geotrack.core.uploads.IMPORT_DRIVERS)
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
    # GDAL holds the declared format's driver alone while it opens the file (read_upload_info); GeoJSON, CSV and
    # GeoPackage are named in the path as well (GDAL's "GeoJSON:", "CSV:", "GPKG:" prefixes). The driver GDAL
    # reports is checked below before a row is read.
    gdal_path = DRIVER_PREFIXES.get(declared, "") + gdal_path
    try:
        info = read_upload_info(gdal_path, driver=IMPORT_DRIVERS[declared], force_feature_count=True, **options)
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
    return OpenedImport(gdal_path=gdal_path, declared=declared, options=options, info=info)


def source_epsg(opened: OpenedImport, crs: str | None) -> int:
    """The CRS to transform from: the one given, else the file's; refuse a file without a usable CRS."""
    given = parse_epsg(crs)
    source = given or _file_epsg(opened.info.get("crs"))
    if source is None:
        if opened.info.get("crs"):
            raise ImportFileError(_("The file's CRS is not supported; give one with --crs (or crs=EPSG:XXXX)."), "crs")
        raise ImportFileError(_("The file has no CRS; give one with --crs EPSG:XXXX (or crs= in the API)."), "crs")
    if source not in ALLOWED_EPSG:
        parse_epsg(source)
    return source


def _to_4326(geometries: np.ndarray, source: int) -> np.ndarray:
    geometries = shapely.force_2d(geometries)
    if source != 4326:
        transformer = Transformer.from_crs(source, 4326, always_xy=True)
        geometries = shapely.transform(geometries, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))
    return geometries


def iter_tables(opened: OpenedImport, source: int, *, batch_size: int = 20000):
    """Yield the file as ImportTables of at most `batch_size` features, in order, in constant memory.

    pyogrio streams the layer through GDAL's Arrow interface; each batch's geometries are transformed to
    EPSG:4326 in one vectorised call.
    """
    try:
        with open_upload_arrow(opened.gdal_path, driver=IMPORT_DRIVERS[opened.declared], use_pyarrow=True,
                               batch_size=batch_size, datetime_as_string=True, **opened.options) as (meta, stream):
            geometry_name = meta.get("geometry_name") or "wkb_geometry"
            for batch in stream:
                names = batch.schema.names
                columns = {str(name): _values(batch.column(i)) for i, name in enumerate(names) if name != geometry_name}
                if geometry_name in names:
                    geometries = shapely.from_wkb(batch.column(names.index(geometry_name)).to_numpy(zero_copy_only=False))
                else:
                    geometries = np.full(batch.num_rows, None)
                yield ImportTable(columns=columns, geometries=_to_4326(geometries, source), source_epsg=source)
    except ImportFileError:
        raise
    except Exception as exc:  # pyogrio raises DataSourceError, DataLayerError, and GDAL's own errors
        raise ImportFileError(_("The file could not be read: %(error)s") % {"error": _gdal_message(exc)}) from exc


def _values(column: pa.Array) -> pa.Array:
    """An Arrow column as read; dates and times as ISO text (null where missing), as GDAL's strings were."""
    if pa.types.is_temporal(column.type):
        column = column.cast(pa.string())
    return column


def _gdal_message(exc: Exception) -> str:
    """GDAL's message without any path: our staging folder is nobody's business."""
    return str(exc).split(":", 1)[-1].strip()[:200] if "/" in str(exc) else str(exc)[:200]


def feature_count(path: Path) -> int:
    """Count features cheaply, to decide whether an import runs in the background."""
    return open_import(path).features
