"""Threat: a title that runs as a formula when an analyst opens an export (SECURITY.md, "Text").

OWASP's CSV injection rule: a text cell beginning with =, +, -, @, tab or carriage return gets a
leading apostrophe in CSV files; XLSX files store text as text, never as a formula. Numbers
(negative changes, longitudes) stay numbers.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pytest
from django.contrib.gis.geos import Point
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from geotrack.core.spreadsheets import neutralise
from projects.models import Project, RoadmapItem
from projects.services import project_save

FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


def test_the_rule_leaves_numbers_and_plain_text_alone():
    assert [neutralise(value) for value in FORMULAS] == ["'" + value for value in FORMULAS]
    assert neutralise("-12.5") == "-12.5" and neutralise("+3") == "+3" and neutralise("School 5") == "School 5"
    assert neutralise(-4) == -4


@pytest.fixture
def formula_titles(regions, agency):
    item = RoadmapItem.objects.create(number=3, title_en=FORMULAS[0], title_ru="=1+1", title_kk="=1+1",
                                      section="fair_state", agency=agency, deadline=dt.date(2026, 12, 31))
    for index, title in enumerate(FORMULAS):
        project = project_save(project=Project(title=title, sector="education", kind="infrastructure", agency=agency,
                                               geom=Point(71.40 + index / 100, 51.13, srid=4326), is_public=True))
        project.roadmap_items.add(item)
    return item


@pytest.mark.django_db(transaction=True)  # ogr2ogr reads the database through its own connection
def test_the_projects_csv_export_holds_no_live_formula(formula_titles):
    response = Client().get(reverse("export", kwargs={"layer": "projects", "export_format": "csv"}))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(row["title"] for row in rows) == sorted("'" + title for title in FORMULAS)
    assert all(float(row["lon"]) > 0 for row in rows)  # numbers untouched


@pytest.mark.django_db
def test_the_roadmap_report_in_csv_and_xlsx_holds_no_live_formula(formula_titles):
    client = Client()
    text = client.get(reverse("roadmap-report", args=["csv"])).content.decode("utf-8-sig")
    titles = [row["title"] for row in csv.DictReader(io.StringIO(text))]
    assert titles == ["'" + FORMULAS[0]]
    content = client.get(reverse("roadmap-report", args=["xlsx"])).content
    workbook = load_workbook(io.BytesIO(content))
    cell = workbook["Items"]["B2"]
    assert cell.value == FORMULAS[0] and cell.data_type == "s"
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = "".join(archive.read(name).decode() for name in archive.namelist() if name.startswith("xl/worksheets"))
    assert "<f>" not in sheets  # no formula anywhere in the workbook
