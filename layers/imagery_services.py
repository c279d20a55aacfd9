"""Imagery writes: stage an upload, validate it, ingest it to a COG in the background.

A web request only stages and validates the file (header reads, fast) and answers
202; the worker (layers/tasks.py) converts it. A file rejected at upload leaves
nothing behind; a failed conversion leaves the row marked failed, with its reason,
and no COG.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from geotrack.core.sql import Sql
from layers import rasters
from layers.change import site_sql
from layers.models import Imagery
from projects.models import Project, Region

# Band names and true-colour bands by sensor (issue 6): Landsat TM/ETM+ store
# blue, green, red, NIR, SWIR1, (thermal), SWIR2; Sentinel-2 L2A stores B1..B12.
_LANDSAT_TM = ["Blue", "Green", "Red", "NIR", "SWIR1", "SWIR2"]
_LANDSAT_TM_THERMAL = ["Blue", "Green", "Red", "NIR", "SWIR1", "Thermal", "SWIR2"]
_SENTINEL_2 = ["B1 Coastal", "B2 Blue", "B3 Green", "B4 Red", "B5 Red edge 1", "B6 Red edge 2", "B7 Red edge 3",
               "B8 NIR", "B8A Narrow NIR", "B9 Water vapour", "B11 SWIR1", "B12 SWIR2"]


ACCEPTED_SUFFIXES = (".tif", ".tiff")


class ImageryRejected(Exception):
    """An upload that cannot become imagery; status 413 for size, else 400."""

    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class ImageryFields:
    """What the uploader says about a file; the rest is read from the pixels."""

    title: str = ""
    acquired_on: dt.date | None = None
    source: str = ""
    is_public: bool = False
    project: Project | None = None
    region: Region | None = None


def imagery_limits() -> rasters.Limits:
    config = settings.GEOTRACK
    return rasters.Limits(max_width=config["IMAGERY_MAX_WIDTH"], max_height=config["IMAGERY_MAX_HEIGHT"],
                          max_bands=config["IMAGERY_MAX_BANDS"])


def _folder(name: str) -> Path:
    folder = Path(settings.MEDIA_ROOT) / "imagery" / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _cog_uri(imagery: Imagery) -> str:
    base = settings.GEOTRACK["IMAGERY_LOCATION"] or str(_folder("cog"))
    return f"{base.rstrip('/')}/imagery-{imagery.pk}-{uuid.uuid4().hex[:8]}.tif"


def imagery_stage(*, upload: UploadedFile | Path) -> Path:
    """Copy an upload (or an operator's file) into the staging folder; return its path.

    The name is ours, never the client's, so no request can steer where files go.
    """
    limit = settings.GEOTRACK["IMAGERY_MAX_FILE_BYTES"]
    size = upload.stat().st_size if isinstance(upload, Path) else upload.size
    if size > limit:
        raise ImageryRejected(f"The file is {size} bytes; the limit is {limit} bytes.", status=413)
    name = upload.name if isinstance(upload, Path) else (upload.name or "")
    if Path(name).suffix and Path(name).suffix.lower() not in ACCEPTED_SUFFIXES:
        raise ImageryRejected(f"Unsupported file type {Path(name).suffix}; upload a GeoTIFF or a Cloud-Optimised "
                              f"GeoTIFF ({', '.join(ACCEPTED_SUFFIXES)}).")
    # A folder of its own: nothing else lies beside the upload for GDAL to take as a sidecar.
    staged = _folder(f"incoming/{uuid.uuid4().hex}") / "upload.tif"
    if isinstance(upload, Path):
        shutil.copyfile(upload, staged)
    else:
        with staged.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
    return staged


def discard_staged(staged: Path) -> None:
    """Remove a staged upload and its folder."""
    staged.unlink(missing_ok=True)
    shutil.rmtree(staged.parent, ignore_errors=True)


def band_profile(count: int, descriptions: list[str], source: str) -> tuple[list[str], list[int]]:
    """Return band names and the default display bands, by sensor where it is known."""
    sensor = source.lower()
    if "landsat" in sensor and not re.search(r"\b(8|9|oli)\b", sensor) and count in (6, 7):
        names = _LANDSAT_TM if count == 6 else _LANDSAT_TM_THERMAL
        return names, [3, 2, 1]
    if "sentinel" in sensor and count == len(_SENTINEL_2):
        return list(_SENTINEL_2), [4, 3, 2]
    names = [description or f"Band {index}" for index, description in enumerate(descriptions, start=1)]
    return names, [1, 2, 3] if count >= 3 else [1]


def guess_source(filename: str) -> str:
    """Name the sensor from a conventional scene name (L7_..., LE07_..., S2A_...), else ""."""
    name = Path(filename).name.upper()
    if re.match(r"^(L[57]_|LE0?7|LT0?[45])", name):
        return "Landsat-7 ETM+" if "7" in name[:4] else "Landsat TM"
    if re.match(r"^S2[AB]_", name):
        return "Sentinel-2"
    return ""


def imagery_submit(*, staged: Path, fields: ImageryFields, filename: str = "") -> Imagery:
    """Validate a staged file and create its pending row; the caller enqueues the ingest.

    A rejected file is deleted and raises ImageryRejected: nothing is written.
    """
    try:
        info = rasters.raster_inspect(staged, limits=imagery_limits())
    except rasters.RasterError as exc:
        discard_staged(staged)
        raise ImageryRejected(str(exc), status=413 if isinstance(exc, rasters.TooLarge) else 400) from exc
    source = fields.source or guess_source(filename) or "Unknown sensor"
    acquired_on = fields.acquired_on or _tiff_date(info.acquired) or timezone.localdate()
    return Imagery.objects.create(
        title=fields.title or Path(filename).stem or f"Imagery {acquired_on}", acquired_on=acquired_on,
        source=source, is_public=fields.is_public, project=fields.project,
        region=fields.region or (fields.project.region if fields.project else None),
        band_count=info.count, dtype=info.dtype, status=Imagery.Status.PENDING,
    )


def _tiff_date(value: str) -> dt.date | None:
    match = re.match(r"(\d{4})[:-](\d{2})[:-](\d{2})", value or "")
    return dt.date(*map(int, match.groups())) if match else None


def imagery_ingest(*, imagery_id: int, staged: Path, quiet: bool = True) -> Imagery:
    """Convert a staged file into the image's COG and record what it holds.

    Runs in the worker. On any failure the row is marked failed with the reason and
    no COG is left; the staged file is always removed.
    """
    imagery = Imagery.objects.get(pk=imagery_id)
    Imagery.objects.filter(pk=imagery_id).update(status=Imagery.Status.PROCESSING, error="")
    uri = _cog_uri(imagery)
    try:
        info = rasters.raster_inspect(staged, limits=imagery_limits())
        rasters.cog_write(staged, uri, workdir=_folder("work"), quiet=quiet)
        _record_cog(imagery, info, uri)
    except Exception as exc:  # noqa: BLE001 (any failure is recorded on the row, never half-applied)
        rasters.cog_delete(uri)
        reason = str(exc) if isinstance(exc, rasters.RasterError) else f"Conversion failed: {rasters._gdal_reason(exc)}"
        Imagery.objects.filter(pk=imagery_id).update(status=Imagery.Status.FAILED, error=reason, cog_uri="")
        imagery.refresh_from_db()
        return imagery
    finally:
        discard_staged(staged)
    return imagery


@transaction.atomic
def _record_cog(imagery: Imagery, info: rasters.RasterInfo, uri: str) -> None:
    names, default_bands = band_profile(info.count, info.descriptions, imagery.source)
    replaced = imagery.cog_uri
    imagery.cog_uri = uri
    imagery.footprint = GEOSGeometry(json.dumps(info.footprint), srid=4326)
    imagery.band_count, imagery.dtype, imagery.resolution_m = info.count, info.dtype, info.resolution_m
    imagery.band_descriptions, imagery.default_bands = names, default_bands
    imagery.default_rescale = rasters.display_range(uri, bands=default_bands)
    imagery.status, imagery.error = Imagery.Status.READY, ""
    imagery.save(update_fields=["cog_uri", "footprint", "band_count", "dtype", "resolution_m", "band_descriptions",
                                "default_bands", "default_rescale", "status", "error"])
    if replaced and replaced != uri:  # a re-upload through the admin replaces the old COG
        transaction.on_commit(lambda: rasters.cog_delete(replaced))


def projects_covered_by(*, imagery: Imagery) -> list[int]:
    """Return the live projects whose site (buffered for points and lines) the image covers."""
    if imagery.footprint is None:
        return []
    statement = Sql("SELECT p.id FROM projects_project p WHERE p.archived_at IS NULL AND p.geom && %(footprint)s "
                    "AND ST_Covers(%(footprint)s, {site})", {"footprint": imagery.footprint.ewkt}).format(
        site=site_sql())
    return [row[0] for row in statement.fetchall()]
