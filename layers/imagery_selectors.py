"""Imagery reads: what a caller may see, as GeoJSON built in PostGIS."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet

from geotrack.core.links import sql_path, url_template
from geotrack.core.sql import Sql, feature, feature_collection
from layers.models import ChangeEvidence, Imagery
from projects.access import Audience, public_sql


def imagery_visible_to(*, audience: Audience) -> QuerySet[Imagery]:
    """Return the imagery an audience may read (projects.access)."""
    return audience.filter(Imagery.objects.all(), "imagery")


@dataclass(frozen=True)
class TileSource:
    """What a raster tile needs of an image."""

    pk: int
    cog_uri: str
    band_count: int
    default_bands: list[int]
    default_rescale: list[float]
    readable_by_public: bool  # only then may the tile be cached publicly


_TILE_SOURCE = ("SELECT i.id, i.cog_uri, i.band_count, i.default_bands::text, i.default_rescale::text, {public} "
                "FROM layers_imagery i WHERE i.id = %(imagery_id)s AND i.status = %(ready)s AND {visible}")


@contextmanager
def imagery_for_tile(*, audience: Audience, pk: int) -> Iterator[Callable[[], TileSource | None]]:
    """Send the statement finding a ready image the audience may read (and whether the public may);
    yield a function that waits for its answer.

    psycopg's pipeline mode sends the statement at once and reads the row on demand, so work done
    inside the block overlaps the database's answer (a public image's tile, imagery_views). Raw SQL
    from the access rule's SQL form: the ORM, plus a second query for the public flag, took ~0.7 ms
    more of a 13-30 ms low-zoom tile (bench/raster_tiles).
    """
    statement = Sql(_TILE_SOURCE, {"imagery_id": pk, "ready": Imagery.Status.READY.value}).format(
        public=public_sql("imagery", "i"), visible=audience.sql("imagery", "i"))
    with connection.cursor() as cursor, connection.wrap_database_errors, connection.connection.pipeline():
        cursor.execute(statement.text, statement.params)
        yield lambda: _tile_source(cursor.fetchone())


def _tile_source(row: tuple | None) -> TileSource | None:
    if row is None:
        return None
    pk, cog_uri, band_count, bands, rescale, public = row
    return TileSource(pk, cog_uri, band_count, json.loads(bands), json.loads(rescale), public)


def ready_imagery(*, audience: Audience, limit: int = 20, **filters) -> list[Imagery]:
    """The ready images an audience may read, oldest first: what a map offers in its layer control."""
    imagery = imagery_visible_to(audience=audience).filter(status=Imagery.Status.READY, **filters)
    return list(imagery.order_by("acquired_on", "id")[:limit])


_IMAGERY_PROPERTIES = """json_build_object(
    'title', i.title, 'acquired_on', i.acquired_on, 'source', i.source, 'synthetic', i.synthetic,
    'status', i.status, 'error', NULLIF(i.error, ''), 'is_public', i.is_public,
    'band_count', i.band_count, 'band_descriptions', i.band_descriptions,
    'default_bands', i.default_bands, 'resolution_m', i.resolution_m, 'dtype', i.dtype,
    'project', CASE WHEN {project_readable} THEN i.project_id END, 'region', r.iso_code,
    'status_url', {status_url},
    'tiles', CASE WHEN i.status = 'ready' THEN replace(%(tile_url)s, '{id}', i.id::text) END)"""


def imagery_geojson(*, audience: Audience, queryset: QuerySet[Imagery]) -> str:
    """Return imagery as GeoJSON text with 6-decimal footprints, built in one query.

    An image's project is named only to an audience that may read the project.
    """
    properties = Sql(_IMAGERY_PROPERTIES, {"tile_url": url_template("imagery-tile", pk="{id}", z="{z}", x="{x}",
                                                                    y="{y}")}).format(
        status_url=sql_path("imagery-detail", "i.id"), project_readable=audience.sql_exists("project", "i.project_id"))
    collection = feature_collection(feature=feature(id="i.id", geometry="i.footprint", properties=properties),
                                    order="i.acquired_on, i.id")
    statement = Sql("SELECT {collection}::text FROM ({ids}) page JOIN layers_imagery i ON i.id = page.id "
                    "LEFT JOIN projects_region r ON r.id = i.region_id").format(
        collection=collection, ids=Sql.of_queryset(queryset.order_by().values("id"), "ids"))
    return statement.value()


def imagery_feature(*, audience: Audience, imagery: Imagery) -> dict:
    """Return one image as a GeoJSON Feature (the status document of an ingest)."""
    collection = json.loads(imagery_geojson(audience=audience, queryset=Imagery.objects.filter(pk=imagery.pk)))
    return collection["features"][0]


def evidence_visible_to(*, audience: Audience, flagged: bool | None = None,
                        project_id: int | None = None) -> QuerySet[ChangeEvidence]:
    """Return the evidence the audience may read: of readable projects, between two readable images."""
    evidence = audience.filter(ChangeEvidence.objects.all(), "evidence").select_related(
        "project", "before", "after").order_by("project_id", "after__acquired_on", "id")
    if flagged is not None:
        evidence = evidence.filter(flagged=flagged)
    if project_id is not None:
        evidence = evidence.filter(project_id=project_id)
    return evidence


def evidence_rows(*, evidence: QuerySet[ChangeEvidence]) -> list[dict]:
    """Return evidence as plain dicts, reported progress beside the change index."""
    return [{
        "project": item.project_id, "project_title": item.project.title,
        "before": {"id": item.before_id, "acquired_on": item.before.acquired_on, "synthetic": item.before.synthetic},
        "after": {"id": item.after_id, "acquired_on": item.after.acquired_on, "synthetic": item.after.synthetic},
        "index": item.index, "method": item.method, "pixel_count": item.pixel_count,
        "progress_before": item.progress_before, "progress_after": item.progress_after,
        "progress_rise": round(item.progress_after - item.progress_before, 2),
        "flagged": item.flagged, "flag": "check on site" if item.flagged else None,
        "computed_at": item.computed_at,
    } for item in evidence]
