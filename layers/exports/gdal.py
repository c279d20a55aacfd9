"""Write a layer's SQL to a file with GDAL's ogr2ogr, reading PostgreSQL directly.

ogr2ogr (Debian's GDAL, the one GeoDjango uses) streams rows from the database into
the driver, so an export of 100k features never holds them in Python. One ogr2ogr
process per export; a Shapefile export reads a small VRT that lists one SQL layer per
geometry type, because a Shapefile holds a single geometry type.
"""
from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from django.db import connection

from geotrack.core.spreadsheets import neutralise_csv_file
from geotrack.core.sql import Sql
from layers.exports.layers import LayerQuery
from layers.exports.zipped import zip_files


class ExportFailed(RuntimeError):
    """ogr2ogr did not write the file; the message carries its stderr."""


@dataclass(frozen=True)
class Format:
    driver: str
    extension: str
    content_type: str
    options: tuple[str, ...] = ()


FORMATS: dict[str, Format] = {
    "geojson": Format("GeoJSON", "geojson", "application/geo+json",
                      ("-lco", "RFC7946=YES", "-lco", "COORDINATE_PRECISION=6", "-lco", "WRITE_NAME=NO")),
    "gpkg": Format("GPKG", "gpkg", "application/geopackage+sqlite3", ("-gt", "65536")),
    # No RESIZE=YES: it rewrites the whole .dbf at close (2.6x the floor at 100k in bench/exports).
    "shp.zip": Format("ESRI Shapefile", "shp.zip", "application/zip", ("-lco", "ENCODING=UTF-8", "-gt", "65536")),
    "kml": Format("KML", "kml", "application/vnd.google-earth.kml+xml", ("-dsco", "NameField=title")),
    # GEOMETRY=AS_WKT adds the WKT column; lon/lat of a point on the surface come from the SQL.
    "csv": Format("CSV", "csv", "text/csv; charset=utf-8",
                  ("-lco", "GEOMETRY=AS_WKT", "-lco", "WRITE_BOM=YES", "-lco", "STRING_QUOTING=IF_NEEDED")),
    "fgb": Format("FlatGeobuf", "fgb", "application/flatgeobuf", ()),
}

# Shapefile layers, one per geometry type. Lines and polygons are promoted to Multi (a
# Shapefile "arc" or "polygon" holds both); points and multipoints are distinct shape types.
SHAPEFILE_PARTS = (
    ("points", "GeometryType({geom}) = 'POINT'", "{geom}", "wkbPoint"),
    ("multipoints", "GeometryType({geom}) = 'MULTIPOINT'", "{geom}", "wkbMultiPoint"),
    ("lines", "ST_Dimension({geom}) = 1", "ST_Multi({geom})", "wkbMultiLineString"),
    ("polygons", "ST_Dimension({geom}) = 2", "ST_Multi({geom})", "wkbMultiPolygon"),
)


def _quote(value: str) -> str:
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def pg_connection_string() -> str:
    """Return GDAL's PG: string for Django's database (a unix-socket HOST works as is).

    The password travels in PGPASSWORD (see ogr2ogr_env), never on a command line.
    """
    settings = connection.settings_dict
    parts = {"dbname": settings["NAME"], "host": settings.get("HOST"), "port": settings.get("PORT"),
             "user": settings.get("USER")}
    return "PG:" + " ".join(f"{key}={_quote(value)}" for key, value in parts.items() if value)


def ogr2ogr_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in {"PROJ_DATA", "PROJ_LIB"}}
    if connection.settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = connection.settings_dict["PASSWORD"]
    # Only the SQL layer is read: never list every table of the database at open.
    env.update(PG_LIST_ALL_TABLES="NO", CPL_LOG="/dev/null")
    return env


def run_ogr2ogr(arguments: list[str], *, timeout: float) -> None:
    result = subprocess.run(["ogr2ogr", *arguments], env=ogr2ogr_env(), capture_output=True, text=True,
                            timeout=timeout)
    if result.returncode != 0:
        raise ExportFailed(result.stderr.strip()[-2000:] or f"ogr2ogr exited with {result.returncode}")


def _layer_sql(query: LayerQuery, export_format: str) -> str:
    if export_format == "csv":
        return query.sql(extra_columns="ST_X(ST_PointOnSurface({geom})) AS lon, ST_Y(ST_PointOnSurface({geom})) AS lat")
    return query.sql()


def write_file(query: LayerQuery, export_format: str, folder: Path, *, timeout: float,
               counts: dict[str, int] | None = None) -> Path:
    """Write one layer in one format into folder and return the file's path (counts: feature_counts's, if known)."""
    spec = FORMATS[export_format]
    target = folder / f"{query.name}.{spec.extension}"
    if export_format == "shp.zip":
        return _write_shapefile_zip(query, folder, target, timeout=timeout, counts=counts)
    run_ogr2ogr(["-f", spec.driver, str(target), pg_connection_string(), "-sql", _layer_sql(query, export_format),
                 "-nln", query.name, "-a_srs", "EPSG:4326", *spec.options], timeout=timeout)
    if export_format == "csv":
        neutralise_csv_file(target)  # titles that would run as formulas in a spreadsheet (OWASP)
    return target


def _shapefile_vrt(query: LayerQuery, counts: dict[str, int]) -> str:
    layers = []
    for part, where, geometry, geometry_type in SHAPEFILE_PARTS:
        if not counts.get(part):
            continue
        layers.append(
            f'<OGRVRTLayer name="{query.name}_{part}"><SrcDataSource>{escape(pg_connection_string())}</SrcDataSource>'
            f"<SrcSQL>{escape(query.sql(geometry=geometry, where=where))}</SrcSQL>"
            f"<GeometryType>{geometry_type}</GeometryType><LayerSRS>EPSG:4326</LayerSRS></OGRVRTLayer>")
    return "<OGRVRTDataSource>" + "".join(layers) + "</OGRVRTDataSource>"


def feature_counts(query: LayerQuery, export_format: str) -> dict[str, int]:
    """Count the layer's features ("all") and, for a Shapefile, those of each part, in one statement.

    The export view needs the total (sync or background) and the Shapefile writer the parts: one
    scan of the layer serves both.
    """
    parts = SHAPEFILE_PARTS if export_format == "shp.zip" else ()
    columns = ["count(*)", *(f"count(*) FILTER (WHERE {where.format(geom=query.geom)})" for _, where, _, _ in parts)]
    row = Sql(f"SELECT {', '.join(columns)} {query.source.replace('%', '%%')}").fetchone()
    return dict(zip(("all", *(part for part, *_ in parts)), row))


def shapefile_part_counts(query: LayerQuery, counts: dict[str, int] | None = None) -> dict[str, int]:
    """Return the features per Shapefile part (counted unless given); an empty export keeps a points layer."""
    counts = counts if counts is not None and "points" in counts else feature_counts(query, "shp.zip")
    parts = {part: counts[part] for part, *_ in SHAPEFILE_PARTS}
    if not any(parts.values()):
        parts["points"] = 1
    return parts


def _write_shapefile_zip(query: LayerQuery, folder: Path, target: Path, *, timeout: float,
                         counts: dict[str, int] | None) -> Path:
    """Write one Shapefile per geometry part with one ogr2ogr, then zip them.

    One ogr2ogr for every part: one ogr2ogr per part, zipping each finished part while the next
    was written, measured 0.3-0.6 s slower at 100k features than the deflate it hid (bench/exports).
    """
    vrt = folder / "layers.vrt"
    vrt.write_text(_shapefile_vrt(query, shapefile_part_counts(query, counts)), encoding="utf-8")
    shapes = folder / "shp"
    run_ogr2ogr(["-f", "ESRI Shapefile", str(shapes), str(vrt), *FORMATS["shp.zip"].options], timeout=timeout)
    # ISA-L's level 1 deflate (zipped.py): about a fifth of zlib's level-1 time, the same zip format.
    return zip_files(target, list(shapes.iterdir()), level=1)
