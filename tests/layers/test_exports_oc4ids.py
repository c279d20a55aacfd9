"""The OC4IDS project package validates against the 0.9.5 schema and its closed codelists, offline."""
from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
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


def package_of(response) -> dict:
    """The package is streamed: read every chunk, then parse."""
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    return json.loads(b"".join(response.streaming_content))


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
        package = package_of(api.get("/api/exports/projects.oc4ids.json"))
        assert [error.message for error in validator().iter_errors(package)] == []
        project_schema = json.loads((SCHEMA_DIR / "project-schema.json").read_text())
        errors = [e for record in package["projects"]
                  for e in closed_codelist_errors(record, project_schema, project_schema, record["id"])]
        assert errors == []


@pytest.mark.django_db
def test_records_carry_our_data_in_oc4ids_terms(world):
    package = package_of(APIClient().get("/api/exports/projects.oc4ids.json"))
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
        package_of(api.get("/api/exports/projects.oc4ids.json"))
    for n in range(10):
        project = project_save(project=Project(title=f"More {n}", sector="energy", kind="investment", agency=agency,
                                               geom=Point(71.4 + n / 100, 51.1, srid=4326), is_public=True))
        progress_report_add(project=project, physical=n, financial=n)
    with CaptureQueriesContext(connection) as many:
        assert len(package_of(api.get("/api/exports/projects.oc4ids.json"))["projects"]) == 12
    assert len(many) == len(few)


@pytest.mark.django_db
def test_the_sql_records_are_the_python_records(world, people):
    """PostgreSQL builds each record as the former Python builder did (same keys, same values)."""
    from layers.exports.oc4ids import oc4ids_package, oc4ids_package_python
    from projects.access import audience_for

    for user in (None, people["analyst"].user, people["admin"].user):
        audience = audience_for(user) if user else audience_for(AnonymousUser())
        ours = oc4ids_package(audience=audience, base_url="http://testserver")
        reference = oc4ids_package_python(audience=audience, base_url="http://testserver")
        assert [r["id"] for r in ours["projects"]] == [r["id"] for r in reference["projects"]]
        for record, expected in zip(ours["projects"], reference["projects"]):
            assert normalised(record) == normalised(expected)


def normalised(value):
    """Dates compared as instants (PostgreSQL writes them in UTC, Python in TIME_ZONE); numbers as numbers."""
    if isinstance(value, dict):
        return {key: normalised(item) for key, item in value.items()}
    if isinstance(value, list):
        return [normalised(item) for item in value]
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        return dt.datetime.fromisoformat(value).timestamp()
    return value


@pytest.mark.django_db(transaction=True)
def test_a_package_over_the_threshold_is_built_by_the_worker(world, people, settings):
    from django.core.management import call_command

    settings.GEOTRACK = {**settings.GEOTRACK, "OC4IDS_SYNC_MAX": 1}
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {people['analyst'].token}")
    queued = api.get("/api/exports/projects.oc4ids.json")
    assert queued.status_code == 202
    call_command("db_worker", "--batch", "--queue-name", "*", "--no-startup-delay", "--interval", "0.1")
    state = api.get(queued.json()["status_url"]).json()
    assert state["status"] == "successful", state
    package = json.loads(b"".join(api.get(state["download_url"]).streaming_content))
    assert [error.message for error in validator().iter_errors(package)] == []
    assert len(package["projects"]) == 3
