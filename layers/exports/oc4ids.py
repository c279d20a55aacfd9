"""An OC4IDS 0.9.5 project package of the projects a caller may see.

Four queries whatever the number of projects: projects (with region, agency and
GeoJSON geometry), current progress reports, snapshot documents and imagery documents.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.contrib.gis.db.models.functions import AsGeoJSON
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


def oc4ids_package(*, audience: Audience, base_url: str) -> dict:
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
