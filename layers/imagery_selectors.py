"""Imagery reads: what a caller may see, as GeoJSON built in PostGIS."""
from __future__ import annotations

import json

from django.db import connection
from django.db.models import Q, QuerySet

from layers.models import ChangeEvidence, Imagery
from projects.models import Profile
from projects.selectors import projects_visible_to, sees_everything, user_region_ids, user_role


def imagery_visible_to(*, user) -> QuerySet[Imagery]:
    """Return the imagery a caller may read (CONTRACT.md, Roles).

    Planners, analysts and admins see everything; akimats see public imagery and
    imagery of their regions (its region, or its project touching them); anyone
    else sees public imagery only.
    """
    imagery = Imagery.objects.all()
    if sees_everything(user):
        return imagery
    visible = Q(is_public=True)
    if user_role(user) == Profile.Role.AKIMAT:
        region_ids = user_region_ids(user)
        visible |= Q(region_id__in=region_ids) | Q(project__region_links__region_id__in=region_ids)
        return imagery.filter(pk__in=Imagery.objects.filter(visible).values("pk"))
    return imagery.filter(visible)


_FEATURES_SQL = """
SELECT json_build_object('type', 'FeatureCollection', 'features', COALESCE(json_agg(json_build_object(
    'type', 'Feature',
    'id', i.id,
    'geometry', ST_AsGeoJSON(i.footprint, 6)::json,
    'properties', json_build_object(
        'title', i.title, 'acquired_on', i.acquired_on, 'source', i.source, 'synthetic', i.synthetic,
        'status', i.status, 'error', NULLIF(i.error, ''), 'is_public', i.is_public,
        'band_count', i.band_count, 'band_descriptions', i.band_descriptions,
        'default_bands', i.default_bands, 'resolution_m', i.resolution_m, 'dtype', i.dtype,
        'project', i.project_id, 'region', r.iso_code,
        'status_url', '/api/imagery/' || i.id || '/',
        'tiles', CASE WHEN i.status = 'ready' THEN '/tiles/imagery/' || i.id || '/{{z}}/{{x}}/{{y}}.png' END
    )
) ORDER BY i.acquired_on, i.id), '[]'::json))::text
FROM ({ids}) page JOIN layers_imagery i ON i.id = page.id LEFT JOIN projects_region r ON r.id = i.region_id
"""


def imagery_geojson(*, queryset: QuerySet[Imagery]) -> str:
    """Return imagery as GeoJSON text with 6-decimal footprints, built in one query."""
    ids_sql, params = queryset.order_by().values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(_FEATURES_SQL.format(ids=ids_sql), params)
        return cursor.fetchone()[0]


def imagery_feature(*, imagery: Imagery) -> dict:
    """Return one image as a GeoJSON Feature (the status document of an ingest)."""
    collection = json.loads(imagery_geojson(queryset=Imagery.objects.filter(pk=imagery.pk)))
    return collection["features"][0]


def evidence_visible_to(*, user, flagged: bool | None = None,
                        project_id: int | None = None) -> QuerySet[ChangeEvidence]:
    """Return the evidence of projects the caller may read whose two images they may read too."""
    images = imagery_visible_to(user=user).values("pk")
    evidence = ChangeEvidence.objects.filter(
        project__in=projects_visible_to(user=user).values("pk"), before__in=images, after__in=images,
    ).select_related("project", "before", "after").order_by("project_id", "after__acquired_on", "id")
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
