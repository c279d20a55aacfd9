"""An OC4IDS 0.9.5 project package of the projects a caller may see.

Built in PostgreSQL, one record per row (`records_sql`), and streamed through a server-side cursor
(`oc4ids_chunks`), so memory stays constant whatever the number of projects; above OC4IDS_SYNC_MAX
projects the package is written by the worker (layers/exports/services.py). `oc4ids_package_python`
is the former Python builder, kept as the reference the tests compare the SQL records with.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from django.conf import settings
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from geotrack.core.sql import Sql
from layers.models import Imagery
from projects.access import Audience
from projects.models import ProgressReport, Project

OC4IDS_VERSION = "0.9"
# Our sectors -> OC4IDS projectSector codes (an open codelist); ours stay in `geotrackSector`.
SECTORS = {
    "transport": ["transport"], "energy": ["energy"], "water": ["waterAndWaste"],
    "housing": ["socialHousing"], "health": ["health"], "education": ["education"],
    "industry": ["economy"], "mining": ["naturalResources"], "oil_gas": ["energy"],
    "agriculture": ["economy"], "digital": ["communications"], "social": ["cultureSportsAndRecreation"],
}
# ISO 3166-2 is not in locationGazetteers (an open codelist); it is the scheme our region codes use.
REGION_GAZETTEER = "ISO3166-2"


def _when(value: dt.date | dt.datetime) -> str:
    """Return an RFC 3339 date-time; a date is midnight in TIME_ZONE."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time.min, tzinfo=timezone.get_current_timezone())
    return value.isoformat()


def _number(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def _reports_by_project(project_ids: list[int]) -> dict[int, list]:
    reports = (ProgressReport.objects.filter(project_id__in=project_ids, superseded_by__isnull=True)
               .order_by("project_id", "reported_at", "id").values_list("project_id", "id", "reported_at",
                                                                         "physical", "financial"))
    grouped: dict[int, list] = defaultdict(list)
    for project_id, *report in reports:
        grouped[project_id].append(report)
    return grouped


def _metrics(reports: list) -> list[dict]:
    metrics = []
    for metric_id, title, column in (("physicalProgress", "Physical progress", 2),
                                     ("financialProgress", "Financial progress", 3)):
        observations = [{"id": f"{metric_id}-{report[0]}", "period": {"startDate": _when(report[1]),
                                                                       "endDate": _when(report[1])},
                         "measure": _number(report[column]), "unit": {"name": "percent", "scheme": "UNCEFACT",
                                                                      "id": "P1"}}
                        for report in reports]
        if observations:
            metrics.append({"id": metric_id, "title": title, "observations": observations})
    return metrics


_SNAPSHOTS_SQL = """
SELECT DISTINCT ON (l.project_id, c.id) l.project_id, c.id, c.label, s.id, s.captured_at
FROM camera_sites_cameralink l
JOIN camera_sites_camera c ON c.id = l.camera_id
JOIN camera_sites_snapshot s ON s.camera_id = c.id
WHERE l.active AND l.project_id = ANY(%(project_ids)s) AND {camera_visible} AND {snapshot_visible}
ORDER BY l.project_id, c.id, s.captured_at DESC, s.id DESC
"""


def _documents_by_project(*, audience: Audience, project_ids: list[int], base_url: str) -> dict[int, list]:
    """Latest readable snapshot of each camera watching a project, and the project's readable ready imagery."""
    documents: dict[int, list] = defaultdict(list)
    statement = Sql(_SNAPSHOTS_SQL, {"project_ids": project_ids}).format(
        camera_visible=audience.sql("camera", "c"), snapshot_visible=audience.sql("snapshot", "s"))
    for project_id, camera_id, label, snapshot_id, captured_at in statement.fetchall():
        documents[project_id].append({
            "id": f"snapshot-{snapshot_id}", "documentType": "illustration", "format": "image/jpeg",
            "title": f"Camera snapshot: {label}", "datePublished": _when(captured_at),
            "url": base_url + reverse("camera-snapshot-image", args=[camera_id, snapshot_id])})
    imagery = audience.filter(Imagery.objects.filter(project_id__in=project_ids, status=Imagery.Status.READY),
                              "imagery")
    for image in imagery.order_by("project_id", "acquired_on", "id"):
        documents[image.project_id].append({
            "id": f"imagery-{image.pk}", "documentType": "illustration", "format": "image/tiff",
            "title": f"Imagery: {image.title} ({image.source})", "datePublished": _when(image.acquired_on),
            "url": base_url + reverse("imagery-detail", args=[image.pk])})
    return documents


def _party(agency) -> dict:
    return {"id": f"agency-{agency.code}", "name": agency.name_en,
            "identifier": {"scheme": "KZ-GEOTRACK-AGENCY", "id": agency.code, "legalName": agency.name_ru},
            "roles": ["publicAuthority"]}


def _location(project: Project) -> dict:
    location = {"id": "1", "geometry": json.loads(project.geojson)}
    if project.region is not None:
        location["description"] = project.region.name_en
        location["gazetteer"] = {"scheme": REGION_GAZETTEER, "identifiers": [project.region.iso_code]}
    return location


def _project(project: Project, reports: list, documents: list, base_url: str) -> dict:
    prefix = settings.GEOTRACK["OC4IDS_PREFIX"]
    record = {
        "id": f"{prefix}-{project.pk}", "updated": _when(project.updated_at),
        "title": project.title, "status": project.status, "sector": SECTORS[project.sector],
        "geotrackSector": project.sector, "locations": [_location(project)],
        "publicAuthority": {"id": f"agency-{project.agency.code}", "name": project.agency.name_en},
        "parties": [_party(project.agency)],
        "identifiers": [{"scheme": "geotrack", "id": str(project.pk)}],
    }
    if project.description:
        record["description"] = project.description
    period = {key: _when(value) for key, value in (("startDate", project.planned_start),
                                                    ("endDate", project.planned_end)) if value}
    if period:
        record["period"] = period
    if project.budget is not None:
        record["budget"] = {"amount": {"amount": _number(project.budget), "currency": project.currency}}
    if metrics := _metrics(reports):
        record["metrics"] = metrics
    page = {"id": "project-page", "documentType": "projectScope", "title": project.title, "format": "text/html",
            "url": base_url + project.get_absolute_url()}
    record["documents"] = [page, *documents]
    return record


def _url_sql(url: str, *ids: tuple[int, str]) -> str:
    """A reversed URL as SQL text: our sentinel ids replaced by SQL expressions (no path of ours in Python)."""
    pieces, rest = [], url
    for sentinel, expression in ids:
        before, rest = rest.split(str(sentinel), 1)
        pieces += [_literal(before), f"({expression})::text"]
    pieces.append(_literal(rest))
    return " || ".join(pieces)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_S1, _S2 = 987654321987, 123456789123  # sentinels that no path of ours contains

# One OC4IDS project record per row, built by PostgreSQL (jsonb_build_object, jsonb_agg): the same record
# `_project` builds in Python, which stays the reference for the schema test.
_RECORDS_SQL = """
SELECT (jsonb_build_object(
        'id', %(prefix)s || '-' || p.id,
        'updated', to_jsonb(p.updated_at),
        'title', p.title, 'status', p.status,
        'sector', (%(sectors)s::jsonb) -> p.sector,
        'geotrackSector', p.sector,
        'locations', jsonb_build_array(jsonb_build_object('id', '1', 'geometry', ST_AsGeoJSON(p.geom, 6)::jsonb)
            || CASE WHEN r.id IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('description', r.name_en,
                'gazetteer', jsonb_build_object('scheme', %(gazetteer)s, 'identifiers', jsonb_build_array(r.iso_code)))
               END),
        'publicAuthority', jsonb_build_object('id', 'agency-' || a.code, 'name', a.name_en),
        'parties', jsonb_build_array(jsonb_build_object('id', 'agency-' || a.code, 'name', a.name_en,
            'identifier', jsonb_build_object('scheme', 'KZ-GEOTRACK-AGENCY', 'id', a.code, 'legalName', a.name_ru),
            'roles', jsonb_build_array('publicAuthority'))),
        'identifiers', jsonb_build_array(jsonb_build_object('scheme', 'geotrack', 'id', p.id::text)),
        'documents', jsonb_build_array(jsonb_build_object('id', 'project-page', 'documentType', 'projectScope',
            'title', p.title, 'format', 'text/html', 'url', %(base_url)s || {project_url}))
            || COALESCE(snapshots.list, '[]'::jsonb) || COALESCE(imagery.list, '[]'::jsonb))
    || CASE WHEN p.description <> '' THEN jsonb_build_object('description', p.description) ELSE '{}'::jsonb END
    || CASE WHEN p.planned_start IS NULL AND p.planned_end IS NULL THEN '{}'::jsonb
            ELSE jsonb_build_object('period', jsonb_strip_nulls(jsonb_build_object(
                'startDate', to_jsonb(p.planned_start::timestamp AT TIME ZONE %(tz)s),
                'endDate', to_jsonb(p.planned_end::timestamp AT TIME ZONE %(tz)s)))) END
    || CASE WHEN p.budget IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('budget', jsonb_build_object(
            'amount', jsonb_build_object('amount', trim_scale(p.budget), 'currency', p.currency))) END
    || CASE WHEN metrics.list IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('metrics', metrics.list) END
    )::text
FROM projects_project p
JOIN projects_agency a ON a.id = p.agency_id
LEFT JOIN projects_region r ON r.id = p.region_id
LEFT JOIN LATERAL (
    SELECT jsonb_build_array(
        jsonb_build_object('id', 'physicalProgress', 'title', 'Physical progress', 'observations',
            jsonb_agg(jsonb_build_object('id', 'physicalProgress-' || pr.id, 'period', jsonb_build_object(
                'startDate', to_jsonb(pr.reported_at), 'endDate', to_jsonb(pr.reported_at)),
                'measure', trim_scale(pr.physical), 'unit', %(unit)s::jsonb) ORDER BY pr.reported_at, pr.id)),
        jsonb_build_object('id', 'financialProgress', 'title', 'Financial progress', 'observations',
            jsonb_agg(jsonb_build_object('id', 'financialProgress-' || pr.id, 'period', jsonb_build_object(
                'startDate', to_jsonb(pr.reported_at), 'endDate', to_jsonb(pr.reported_at)),
                'measure', trim_scale(pr.financial), 'unit', %(unit)s::jsonb) ORDER BY pr.reported_at, pr.id))
    ) AS list
    FROM projects_progressreport pr
    WHERE pr.project_id = p.id
      AND NOT EXISTS (SELECT 1 FROM projects_progressreport later WHERE later.supersedes_id = pr.id)
    HAVING count(*) > 0
) metrics ON true
LEFT JOIN LATERAL (
    SELECT jsonb_agg(jsonb_build_object('id', 'snapshot-' || latest.snapshot_id, 'documentType', 'illustration',
        'format', 'image/jpeg', 'title', 'Camera snapshot: ' || latest.label,
        'datePublished', to_jsonb(latest.captured_at), 'url', %(base_url)s || {snapshot_url}) ORDER BY latest.camera_id)
        AS list
    FROM (
        SELECT DISTINCT ON (c.id) c.id AS camera_id, c.label, s.id AS snapshot_id, s.captured_at
        FROM camera_sites_cameralink l
        JOIN camera_sites_camera c ON c.id = l.camera_id
        JOIN camera_sites_snapshot s ON s.camera_id = c.id
        WHERE l.active AND l.project_id = p.id AND {camera_visible} AND {snapshot_visible}
        ORDER BY c.id, s.captured_at DESC, s.id DESC
    ) latest
) snapshots ON true
LEFT JOIN LATERAL (
    SELECT jsonb_agg(jsonb_build_object('id', 'imagery-' || i.id, 'documentType', 'illustration',
        'format', 'image/tiff', 'title', 'Imagery: ' || i.title || ' (' || i.source || ')',
        'datePublished', to_jsonb(i.acquired_on::timestamp AT TIME ZONE %(tz)s),
        'url', %(base_url)s || {imagery_url}) ORDER BY i.acquired_on, i.id) AS list
    FROM layers_imagery i
    WHERE i.project_id = p.id AND i.status = %(ready)s AND {imagery_visible}
) imagery ON true
WHERE {project_visible}
ORDER BY p.id
"""
UNIT = {"name": "percent", "scheme": "UNCEFACT", "id": "P1"}


def records_sql(*, audience: Audience, base_url: str) -> Sql:
    """The SELECT whose rows are the package's project records, as JSON text, in id order."""
    params = {"prefix": settings.GEOTRACK["OC4IDS_PREFIX"], "sectors": json.dumps(SECTORS),
              "gazetteer": REGION_GAZETTEER, "base_url": base_url, "tz": settings.TIME_ZONE,
              "unit": json.dumps(UNIT), "ready": Imagery.Status.READY.value}
    return Sql(_RECORDS_SQL, params).format(
        project_url=_url_sql(Project(pk=_S1).get_absolute_url(), (_S1, "p.id")),
        snapshot_url=_url_sql(reverse("camera-snapshot-image", args=[_S1, _S2]),
                              (_S1, "latest.camera_id"), (_S2, "latest.snapshot_id")),
        imagery_url=_url_sql(reverse("imagery-detail", args=[_S1]), (_S1, "i.id")),
        camera_visible=audience.sql("camera", "c"), snapshot_visible=audience.sql("snapshot", "s"),
        imagery_visible=audience.sql("imagery", "i"), project_visible=audience.sql("project", "p"))


def _head(*, audience: Audience, base_url: str) -> dict:
    latest = Sql("SELECT max(p.updated_at) FROM projects_project p WHERE {visible}").format(
        visible=audience.sql("project", "p")).value()
    return {
        "uri": base_url + reverse("export-oc4ids"),
        "version": OC4IDS_VERSION,
        "publishedDate": _when(latest or timezone.now()),
        "publisher": {"name": settings.GEOTRACK["OC4IDS_PUBLISHER"], "uri": base_url},
        "license": "https://creativecommons.org/licenses/by/4.0/",
    }


def oc4ids_count(audience: Audience) -> int:
    return audience.projects().count()


def oc4ids_chunks(*, audience: Audience, base_url: str, rows_per_chunk: int = 2000) -> Iterator[bytes]:
    """The package as bytes, streamed: the head, then the records read through a server-side cursor.

    Memory stays that of one chunk of records whatever the number of projects.
    """
    head = json.dumps(_head(audience=audience, base_url=base_url), ensure_ascii=False)
    yield (head[:-1] + ', "projects": [').encode()
    statement = records_sql(audience=audience, base_url=base_url)
    first = True
    with connection.chunked_cursor() as cursor:
        cursor.itersize = rows_per_chunk  # psycopg's rows per round trip of the named cursor
        cursor.execute(statement.text, statement.params)
        while rows := cursor.fetchmany(rows_per_chunk):
            body = ",".join(row[0] for row in rows)
            yield ((body if first else "," + body)).encode()
            first = False
    yield b"]}"


def oc4ids_package(*, audience: Audience, base_url: str) -> dict:
    """The package as one dict (small packages and tests); built by the same SQL as the stream."""
    return json.loads(b"".join(oc4ids_chunks(audience=audience, base_url=base_url)))


def oc4ids_package_python(*, audience: Audience, base_url: str) -> dict:
    """Return the project package: one record per project the audience may read."""
    projects = list(audience.projects().select_related("agency", "region")
                    .annotate(geojson=AsGeoJSON("geom", precision=6)).order_by("id"))
    ids = [project.pk for project in projects]
    reports = _reports_by_project(ids)
    documents = _documents_by_project(audience=audience, project_ids=ids, base_url=base_url)
    return {
        "uri": base_url + reverse("export-oc4ids"),
        "version": OC4IDS_VERSION,
        "publishedDate": _when(max((p.updated_at for p in projects), default=timezone.now())),
        "publisher": {"name": settings.GEOTRACK["OC4IDS_PUBLISHER"], "uri": base_url},
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "projects": [_project(p, reports.get(p.pk, []), documents.get(p.pk, []), base_url) for p in projects],
    }
