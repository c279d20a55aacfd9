"""Ground-change evidence: a change index inside a project's site between two images.

Method (README, "Satellite imagery"): both images are read onto one Web Mercator
grid over the site (the project geometry; points and lines buffered by
CHANGE_BUFFER_M) at the coarser image's resolution. Where both images have red and
NIR bands the index is the mean absolute NDVI difference; otherwise it is the mean
absolute difference of brightness (mean of the bands), each image normalised by
its own display range measured at ingest. 0 means no change; 1 is the maximum.
A project is flagged "check on site" when its reported progress rose by at least
EVIDENCE_PROGRESS_RISE points between the two dates while the index stayed below
EVIDENCE_MIN_CHANGE.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from geotrack.core.sql import Sql
from layers import rasters
from layers.models import ChangeEvidence, Imagery
from projects.models import ProgressReport, Project

def site_sql() -> Sql:
    """The site of a project alias p: its geometry, points and lines buffered by CHANGE_BUFFER_M."""
    return Sql("(CASE WHEN ST_Dimension(p.geom) < 2 THEN ST_Buffer(p.geom::geography, %(site_buffer_m)s)::geometry "
               "ELSE p.geom END)", {"site_buffer_m": settings.GEOTRACK["CHANGE_BUFFER_M"]})


@dataclass(frozen=True)
class ChangeIndex:
    index: float
    method: str
    pixel_count: int


def project_site(*, project: Project) -> dict:
    """Return the project's site as a GeoJSON geometry in EPSG:4326."""
    statement = Sql("SELECT ST_AsGeoJSON({site}) FROM projects_project p WHERE p.id = %(project)s",
                    {"project": project.pk}).format(site=site_sql())
    return json.loads(statement.value())


def imagery_covering(*, project: Project) -> list[Imagery]:
    """Return the ready images whose footprint covers the whole site, oldest first."""
    statement = Sql("SELECT i.id FROM layers_imagery i JOIN projects_project p ON p.id = %(project)s "
                    "WHERE i.status = 'ready' AND i.footprint && p.geom AND ST_Covers(i.footprint, {site})",
                    {"project": project.pk}).format(site=site_sql())
    ids = [row[0] for row in statement.fetchall()]
    return list(Imagery.objects.filter(pk__in=ids).order_by("acquired_on", "id"))


def _red_nir(imagery: Imagery) -> tuple[int, int] | None:
    names = [name.lower() for name in imagery.band_descriptions]
    red = next((i for i, name in enumerate(names, 1) if name.split()[-1:] == ["red"]), None)
    nir = next((i for i, name in enumerate(names, 1) if name.split()[-1:] == ["nir"]), None)
    return (red, nir) if red and nir else None


def change_index(*, before: Imagery, after: Imagery, site: dict) -> ChangeIndex:
    """Measure the change between two images inside a site (see the module docstring)."""
    coarser = max((before, after), key=lambda image: image.resolution_m or 0)
    bbox, shape = rasters.site_grid(site, resolution_m=coarser.resolution_m or 30.0)
    pairs = (_red_nir(before), _red_nir(after))
    method = ChangeEvidence.Method.NDVI if all(pairs) else ChangeEvidence.Method.BRIGHTNESS
    values = []
    for image, bands in zip((before, after), pairs, strict=True):
        if method == ChangeEvidence.Method.NDVI:
            red, nir = rasters.site_pixels(image.cog_uri, site, bbox=bbox, shape=shape, bands=bands)
            values.append((nir - red) / np.ma.masked_equal(nir + red, 0))
        else:
            pixels = rasters.site_pixels(image.cog_uri, site, bbox=bbox, shape=shape,
                                         bands=range(1, image.band_count + 1))
            low, high = image.default_rescale or [0.0, float(np.ma.max(pixels) or 1)]
            values.append(np.ma.clip((pixels.mean(axis=0) - low) / (high - low), 0, 1))
    difference = np.ma.abs(values[1] - values[0])
    count = int(difference.count())
    index = float(difference.mean()) / (2 if method == ChangeEvidence.Method.NDVI else 1) if count else 0.0
    return ChangeIndex(index=index, method=method, pixel_count=count)


def progress_as_of(*, project: Project, day: dt.date) -> float:
    """Return the physical progress reported as of the end of a day (0 before any report).

    Reports that a later correction superseded do not count.
    """
    end = timezone.make_aware(dt.datetime.combine(day, dt.time.max))
    report = (ProgressReport.objects.filter(project=project, reported_at__lte=end, superseded_by__isnull=True)
              .order_by("-reported_at", "-id").first())
    return float(report.physical) if report else 0.0


def _flagged(rise: float, index: float) -> bool:
    config = settings.GEOTRACK
    return rise >= config["EVIDENCE_PROGRESS_RISE"] and index < config["EVIDENCE_MIN_CHANGE"]


def evidence_refresh(*, project_ids: list[int]) -> int:
    """Compute the evidence of consecutive image pairs of each project; return how many pairs."""
    computed = 0
    for project in Project.objects.filter(pk__in=project_ids, archived_at__isnull=True):
        images = imagery_covering(project=project)
        if len(images) < 2:
            continue
        site = project_site(project=project)
        for before, after in zip(images, images[1:]):
            _evidence_save(project, before, after, change_index(before=before, after=after, site=site))
            computed += 1
    return computed


@transaction.atomic
def _evidence_save(project: Project, before: Imagery, after: Imagery, measured: ChangeIndex) -> ChangeEvidence:
    progress_before = progress_as_of(project=project, day=before.acquired_on)
    progress_after = progress_as_of(project=project, day=after.acquired_on)
    evidence, _ = ChangeEvidence.objects.update_or_create(
        project=project, before=before, after=after,
        defaults={"index": round(measured.index, 4), "method": measured.method, "pixel_count": measured.pixel_count,
                  "progress_before": progress_before, "progress_after": progress_after,
                  "flagged": _flagged(progress_after - progress_before, measured.index),
                  "computed_at": timezone.now()})
    return evidence
