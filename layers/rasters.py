"""Raster I/O: ingest, COG writing and site reads; web tiles are layers/raster_tiles.py, with the settings here.

Every dataset is opened as a context manager inside `rasterio.Env`, so no handle
outlives its call (except the COGs that tiles read, which layers/raster_tiles.py keeps
open per thread); failures surface as the small exception classes below
(after rio-tiler's errors.py). The rasterio wheel carries its own GDAL and PROJ;
PROJ_DATA/PROJ_LIB stay unset (README, "Two GDALs"). Nothing here reads Django
settings: callers pass limits and locations in.
"""
from __future__ import annotations

import math
import os
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
import rasterio.shutil
from rasterio.enums import MaskFlags
from rasterio.errors import RasterioIOError
from rasterio.features import rasterize
from rasterio.warp import transform_bounds, transform_geom
from rio_cogeo.cogeo import cog_translate, cog_validate
from rio_cogeo.profiles import cog_profiles
from morecantile import tms as tile_matrix_sets
from rio_tiler.io import Reader
from shapely.geometry import box, mapping, shape

from geotrack.core.uploads import NO_REFERENCES

# Read-side GDAL options: do not list sibling files on open, which costs a
# directory scan per tile on local folders and a LIST request on object stores.
GDAL_READ_ENV = {"GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR", "GDAL_CACHEMAX": 128}
# Uploads are opened with the one driver their format names (GeoTIFF; a COG is a GeoTIFF), after their
# signature is checked, and GDAL may follow nothing inside them: no VRT (the allowed-driver list holds
# GTiff alone; GDAL_VRT_ENABLE_RAWRASTERBAND=NO is set too, but the rasterio wheel's GDAL 3.10 was
# measured to ignore it, so the driver list is the lock), no network file systems, no HTTP.
UPLOAD_DRIVER = "GTiff"  # rasterio opens with this one driver only (GDALOpenEx's allowed drivers)
TIFF_SIGNATURES = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")  # classic and BigTIFF, both byte orders
UPLOAD_ENV = {**GDAL_READ_ENV, **NO_REFERENCES, "GTIFF_REPORT_COMPD_CS": "NO"}  # the settings imports use too
# Tiles open our own COGs with the one driver (GTiff) and, for local files, GDAL kept off the network
# and off sibling files, as uploads are; COGs in the S3 store (/vsis3/) need the network.
TILE_ENV = {**GDAL_READ_ENV, "GDAL_PAM_ENABLED": "NO", "GDAL_VRT_ENABLE_RAWRASTERBAND": "NO"}
LOCAL_TILE_ENV = {**TILE_ENV, **NO_REFERENCES}
SUPPORTED_DTYPES = frozenset({"uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "float64"})
# Blocks of 256 px match the 256 px web tiles, so one tile of a web-optimised COG is
# one block per band at native zoom (rio-cogeo's Python call would default to 512).
COG_BLOCK_SIZE = 256
WEB_MERCATOR = tile_matrix_sets.get("WebMercatorQuad")


class RasterError(Exception):
    """A raster could not be used; the message is safe to show to the uploader."""


class NotARaster(RasterError):
    pass


class MissingGeoreference(RasterError):
    pass


class TooLarge(RasterError):
    pass


class UnsupportedDataType(RasterError):
    pass


class TileOutsideBounds(RasterError):
    pass


@dataclass(frozen=True)
class Limits:
    max_width: int
    max_height: int
    max_bands: int


@dataclass(frozen=True)
class RasterInfo:
    """What ingest records about a raster, read from its header only."""

    width: int
    height: int
    count: int
    dtype: str
    descriptions: list[str]
    resolution_m: float
    footprint: dict  # GeoJSON polygon in EPSG:4326
    acquired: str  # TIFFTAG_DATETIME or ""


class NotAGeoTiff(NotARaster):
    pass


def check_signature(path: str | Path) -> None:
    """The upload must be what it says: a TIFF (classic or BigTIFF), whatever its name."""
    with open(path, "rb") as handle:
        head = handle.read(4)
    if head not in TIFF_SIGNATURES:
        raise NotAGeoTiff("The file is not a readable GeoTIFF; upload a GeoTIFF or a Cloud-Optimised GeoTIFF.")


def raster_inspect(path: str | Path, *, limits: Limits) -> RasterInfo:
    """Open an uploaded raster (GeoTIFF only) and check it can become a COG; raise a RasterError saying why not."""
    check_signature(path)
    try:
        with rasterio.Env(**UPLOAD_ENV), rasterio.open(path, driver=UPLOAD_DRIVER) as dataset:
            _check(dataset, limits)
            _probe(dataset)
            return RasterInfo(
                width=dataset.width, height=dataset.height, count=dataset.count, dtype=dataset.dtypes[0],
                descriptions=[description or "" for description in dataset.descriptions],
                resolution_m=_resolution_m(dataset), footprint=_footprint(dataset),
                acquired=dataset.tags().get("TIFFTAG_DATETIME", ""),
            )
    except RasterioIOError as exc:
        raise NotARaster(f"Not a readable raster: {_gdal_reason(exc)}") from exc


def _check(dataset, limits: Limits) -> None:
    if dataset.crs is None:
        raise MissingGeoreference("The raster has no coordinate reference system (CRS).")
    if dataset.transform.is_identity or dataset.transform.is_rectilinear is False:
        raise MissingGeoreference("The raster has no usable north-up geotransform.")
    if dataset.width > limits.max_width or dataset.height > limits.max_height:
        raise TooLarge(f"The raster is {dataset.width} x {dataset.height} pixels; the limit is "
                       f"{limits.max_width} x {limits.max_height}.")
    if dataset.count > limits.max_bands:
        raise TooLarge(f"The raster has {dataset.count} bands; the limit is {limits.max_bands}.")
    dtypes = set(dataset.dtypes)
    if len(dtypes) != 1 or not dtypes <= SUPPORTED_DTYPES:
        raise UnsupportedDataType(f"Unsupported data type {', '.join(sorted(dtypes))}; use one of "
                                  f"{', '.join(sorted(SUPPORTED_DTYPES))}.")


def _probe(dataset) -> None:
    """Read the last block of band 1, which fails fast on a truncated file."""
    windows = [window for _, window in dataset.block_windows(1)]
    dataset.read(1, window=windows[-1])


def _gdal_reason(exc: Exception) -> str:
    # GDAL names the file in its messages; keep only the reason, never the server path.
    return re.sub(r"(/[^\s:]+)+", "<file>", str(exc))[:300]


def _resolution_m(dataset) -> float:
    """Return the pixel size in metres (for geographic CRSs, at the raster's centre)."""
    xres, yres = dataset.res
    if dataset.crs.is_geographic:
        centre_lat = (dataset.bounds.bottom + dataset.bounds.top) / 2
        return float(min(xres * 111_320 * math.cos(math.radians(centre_lat)), yres * 110_574))
    return float(min(xres, yres) * dataset.crs.linear_units_factor[1])


def _footprint(dataset) -> dict:
    """Return the raster bounds in EPSG:4326, densified so that projected edges stay exact."""
    left, bottom, right, top = dataset.bounds
    outline = box(left, bottom, right, top).segmentize(max(right - left, top - bottom) / 32)
    return transform_geom(dataset.crs, "EPSG:4326", mapping(outline))


def cog_write(source: str | Path, destination: str, *, workdir: Path, quiet: bool = True) -> None:
    """Convert a raster to a web-optimised COG at destination, all or nothing.

    rio-cogeo writes a temporary file beside the destination (or in workdir for
    /vsi... URIs), which replaces the destination only once it is complete.
    """
    local = destination if not destination.startswith("/vsi") else str(workdir / f"{uuid.uuid4().hex}.tif")
    partial = f"{local}.partial"
    profile = {**cog_profiles.get("deflate"), "blockxsize": COG_BLOCK_SIZE, "blockysize": COG_BLOCK_SIZE}
    try:
        Path(partial).parent.mkdir(parents=True, exist_ok=True)
        check_signature(source)
        with rasterio.Env(**UPLOAD_ENV), rasterio.open(source, driver=UPLOAD_DRIVER) as dataset:
            cog_translate(dataset, partial, profile, tms=WEB_MERCATOR, add_mask=True, resampling="bilinear",
                          nodata=_margin_nodata(dataset),
                          overview_resampling="average", zoom_level_strategy="upper", quiet=quiet,
                          config={"GDAL_NUM_THREADS": "ALL_CPUS"})
        os.replace(partial, local)
        if local != destination:
            with rasterio.Env():
                rasterio.shutil.copyfiles(local, destination)
    finally:
        for leftover in {partial, local} - {destination}:
            if os.path.exists(leftover):
                os.remove(leftover)


def _margin_nodata(dataset) -> float | None:
    """Return a value absent from an unmasked source, to mark the margin the warp adds.

    rio-cogeo's web-optimised warp turns a source mask into the COG's mask only for
    1- and 3-band images (GDAL reads an alpha band as a mask only then), while a
    nodata value works for any band count. So the margin of an unmasked source gets
    a value the data never uses: NaN for floats, else the type's lowest or highest
    value, else any gap in an 8- or 16-bit histogram. One pass over the pixels.
    """
    if dataset.nodata is not None or any(MaskFlags.per_dataset in flags for flags in dataset.mask_flag_enums):
        return None
    dtype = np.dtype(dataset.dtypes[0])
    if dtype.kind == "f":
        return float("nan")
    info = np.iinfo(dtype)
    low, high, seen = info.max, info.min, np.zeros(1 << 16, dtype=bool) if dtype.itemsize <= 2 else None
    for _, window in dataset.block_windows(1):
        block = dataset.read(window=window)
        low, high = min(low, int(block.min())), max(high, int(block.max()))
        if seen is not None:
            counts = np.bincount((block.astype(np.int64) - info.min).ravel(), minlength=seen.size)
            seen |= counts[: seen.size] > 0
    if low > info.min:
        return float(info.min)
    if high < info.max:
        return float(info.max)
    gaps = np.flatnonzero(~seen[: info.max - info.min + 1]) if seen is not None else []
    return float(gaps[0] + info.min) if len(gaps) else None


def cog_delete(uri: str) -> None:
    """Remove a COG if it exists (local path or GDAL URI)."""
    if not uri:
        return
    if uri.startswith("/vsi"):
        with rasterio.Env():
            if rasterio.shutil.exists(uri):
                rasterio.shutil.delete(uri)
    elif os.path.exists(uri):
        os.remove(uri)


def cog_check(uri: str) -> tuple[bool, list[str], list[str]]:
    """Return rio-cogeo's verdict on a COG: (valid, errors, warnings)."""
    with rasterio.Env():
        return cog_validate(uri, quiet=True)


def display_range(uri: str, *, bands: Sequence[int]) -> list[float]:
    """Return the 2nd and 98th percentiles of the display bands, read from a small overview."""
    with rasterio.Env(**GDAL_READ_ENV), Reader(uri) as cog:
        image = cog.preview(indexes=list(bands), max_size=512)
    values = image.array.compressed() if np.ma.is_masked(image.array) else np.asarray(image.array).ravel()
    if values.size == 0:
        return [0.0, 1.0]
    low, high = np.percentile(values, [2, 98])
    return [float(low), float(high if high > low else low + 1)]


def cog_native_zoom(uri: str) -> int:
    """Return the web-map zoom at which the COG's full resolution is shown."""
    with rasterio.Env(**GDAL_READ_ENV), Reader(uri) as cog:
        return int(cog.maxzoom)


def site_pixels(uri: str, site: dict, *, bbox: Sequence[float], shape: tuple[int, int],
                bands: Sequence[int]) -> np.ma.MaskedArray:
    """Read bands over bbox (EPSG:3857) on a height x width grid, masked outside the site polygon.

    Both images of a pair are read onto the same grid, so their pixels line up.
    """
    height, width = shape
    with rasterio.Env(**GDAL_READ_ENV), Reader(uri) as cog:
        image = cog.part(tuple(bbox), dst_crs=cog.tms.rasterio_crs, bounds_crs=cog.tms.rasterio_crs,
                         indexes=list(bands), width=width, height=height, max_size=None, resampling_method="average")
    transform = rasterio.transform.from_bounds(*bbox, width, height)
    inside = rasterize([(transform_geom("EPSG:4326", "EPSG:3857", site), 1)], out_shape=(height, width),
                       transform=transform, fill=0, dtype="uint8").astype(bool)
    data = np.ma.masked_array(image.array.data.astype("float64"), mask=np.ma.getmaskarray(image.array))
    data.mask |= ~inside[None, :, :]
    return data


def site_grid(site: dict, *, resolution_m: float) -> tuple[list[float], tuple[int, int]]:
    """Return the EPSG:3857 bbox of a site and a grid shape whose pixels are resolution_m on the ground."""
    west, south, east, north = transform_bounds("EPSG:4326", "EPSG:3857", *_bounds(site))
    latitude = sum(_bounds(site)[1::2]) / 2
    # Web Mercator stretches ground distances by 1 / cos(latitude).
    step = resolution_m / math.cos(math.radians(latitude))
    width = max(1, min(2048, math.ceil((east - west) / step)))
    height = max(1, min(2048, math.ceil((north - south) / step)))
    return [west, south, east, north], (height, width)


def _bounds(geojson: dict) -> tuple[float, float, float, float]:
    return shape(geojson).bounds
