"""The OC4IDS project package validates against the 0.9.5 schema and its closed codelists, offline."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT4
from rest_framework.test import APIClient

from projects.models import Project
from projects.services import progress_report_add, project_save

SCHEMA_DIR = Path(settings.BASE_DIR) / "data" / "oc4ids"


def validator() -> Draft4Validator:
    """Register both schema documents under their ids, so $refs resolve without the network."""
    package = json.loads((SCHEMA_DIR / "project-package-schema.json").read_text())
    project = json.loads((SCHEMA_DIR / "project-schema.json").read_text())
    registry = Registry().with_resources(
        [(document["id"], DRAFT4.create_resource(document)) for document in (package, project)])
    return Draft4Validator(package, registry=registry, format_checker=FormatChecker())


def closed_codelist_errors(value, schema: dict, root: dict, path: str = "") -> list[str]:
    """Walk data and schema together; report values missing from a closed codelist's CSV."""
    if "$ref" in schema:
        return closed_codelist_errors(value, root["definitions"][schema["$ref"].rsplit("/", 1)[1]], root, path)
    errors = []
    if schema.get("codelist") and schema.get("openCodelist") is False:
        with open(SCHEMA_DIR / "codelists" / schema["codelist"], encoding="utf-8") as handle:
            codes = {row["Code"] for row in csv.DictReader(handle)}
        for code in value if isinstance(value, list) else [value]:
            if code not in codes:
                errors.append(f"{path}: {code!r} is not in {schema['codelist']}")
    if isinstance(value, dict):
        for key, item in value.items():
            if key in schema.get("properties", {}):
                errors += closed_codelist_errors(item, schema["properties"][key], root, f"{path}/{key}")
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            errors += closed_codelist_errors(item, schema["items"], root, f"{path}/{index}")
    return errors


@pytest.fixture
def world(regions, agency):
    def make(title, lon, lat, public, sector):
        return project_save(project=Project(title=title, sector=sector, kind="infrastructure", agency=agency,
                                            geom=Point(lon, lat, srid=4326), is_public=public, status="implementation",
                                            budget=125_000_000, planned_start="2024-03-01", planned_end="2026-12-31",
                                            description="Мектеп салу"))
    projects = {"school": make("Мектеп", 76.91, 43.25, True, "education"),
                "pipeline": make("Gas pipeline", 71.43, 51.13, True, "oil_gas"),
                "secret": make("Private depot", 76.95, 43.22, False, "transport")}
    for physical, financial in ((10, 5), (35, 20)):
        progress_report_add(project=projects["school"], physical=physical, financial=financial)
    return projects


@pytest.mark.django_db
def test_the_package_validates_with_zero_errors_and_only_closed_codelist_codes(world, people):
    for person in (None, people["analyst"]):
        api = APIClient()
        if person:
            api.credentials(HTTP_AUTHORIZATION=f"Token {person.token}")
        package = api.get("/api/exports/projects.oc4ids.json").json()
        assert [error.message for error in validator().iter_errors(package)] == []
        project_schema = json.loads((SCHEMA_DIR / "project-schema.json").read_text())
        errors = [e for record in package["projects"]
                  for e in closed_codelist_errors(record, project_schema, project_schema, record["id"])]
        assert errors == []


@pytest.mark.django_db
def test_records_carry_our_data_in_oc4ids_terms(world):
    package = APIClient().get("/api/exports/projects.oc4ids.json").json()
    records = {record["title"]: record for record in package["projects"]}
    assert set(records) == {"Мектеп", "Gas pipeline"}  # anonymous: public projects only
    school = records["Мектеп"]
    assert school["id"] == f"oc4ids-gtkz-{world['school'].pk}"
    assert school["status"] == "implementation" and school["sector"] == ["education"]
    assert records["Gas pipeline"]["sector"] == ["energy"] and records["Gas pipeline"]["geotrackSector"] == "oil_gas"
    assert school["budget"]["amount"] == {"amount": 125_000_000, "currency": "KZT"}
    assert school["locations"][0]["geometry"] == {"type": "Point", "coordinates": [76.91, 43.25]}
    assert school["locations"][0]["gazetteer"] == {"scheme": "ISO3166-2", "identifiers": ["KZ-75"]}
    assert school["publicAuthority"]["id"] == school["parties"][0]["id"]
    assert school["parties"][0]["roles"] == ["publicAuthority"]
    physical = next(m for m in school["metrics"] if m["id"] == "physicalProgress")
    assert [o["measure"] for o in physical["observations"]] == [10, 35]
    assert school["documents"][0]["url"].endswith(f"/projects/{world['school'].pk}/")


@pytest.mark.django_db
def test_the_package_costs_a_few_queries_whatever_the_number_of_projects(world, agency):
    api = APIClient()
    with CaptureQueriesContext(connection) as few:
        api.get("/api/exports/projects.oc4ids.json")
    for n in range(10):
        project = project_save(project=Project(title=f"More {n}", sector="energy", kind="investment", agency=agency,
                                               geom=Point(71.4 + n / 100, 51.1, srid=4326), is_public=True))
        progress_report_add(project=project, physical=n, financial=n)
    with CaptureQueriesContext(connection) as many:
        assert len(api.get("/api/exports/projects.oc4ids.json").json()["projects"]) == 12
    assert len(many) == len(few)
