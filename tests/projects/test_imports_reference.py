"""import_regions and import_roadmap: operators load official boundaries and the real roadmap."""
from __future__ import annotations

import json

import pytest
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command

from projects.models import Project, RoadmapItem
from projects.services import project_save
from tests.conftest import DATA_DIR


@pytest.mark.django_db
def test_import_regions_replaces_boundaries_by_iso_code_and_derives_projects_again(regions, agency, tmp_path):
    project = project_save(project=Project(title="Depot", sector="transport", kind="infrastructure", agency=agency,
                                           geom=Point(76.91, 43.25, srid=4326)))
    collection = json.loads((DATA_DIR / "kz_adm1_simplified.geojson").read_text())
    almaty = next(f for f in collection["features"] if f["properties"]["iso3166_2"] == "KZ-75")
    almaty["geometry"] = {"type": "Polygon", "coordinates": [[[70, 50], [72, 50], [72, 52], [70, 52], [70, 50]]]}
    path = tmp_path / "official.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [almaty]}))
    call_command("import_regions", str(path))
    regions["KZ-75"].refresh_from_db()
    assert regions["KZ-75"].boundary.extent == (70, 50, 72, 52)
    project.refresh_from_db()
    assert project.region.iso_code != "KZ-75"


@pytest.mark.django_db
def test_import_regions_refuses_unknown_codes_and_changes_nothing(regions, tmp_path):
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature",
        "properties": {"iso3166_2": "KZ-99"},
        "geometry": {"type": "Polygon", "coordinates": [[[70, 50], [72, 50], [72, 52], [70, 50]]]}}]}))
    with pytest.raises(CommandError, match="KZ-99"):
        call_command("import_regions", str(path))


@pytest.mark.django_db
def test_import_roadmap_loads_csv_and_is_all_or_nothing(agency, tmp_path):
    good = tmp_path / "roadmap.csv"
    good.write_text("\ufeffnumber,title_kk,title_ru,title_en,section,agency,deadline\n"
                    "1,Салық кодексі,Налоговый кодекс,New Tax Code,fair_economy,min-energy,2024-12-31\n",
                    encoding="utf-8")
    call_command("import_roadmap", str(good))
    assert RoadmapItem.objects.get(number=1).title_ru == "Налоговый кодекс"
    bad = tmp_path / "bad.csv"
    bad.write_text("number,title_kk,title_ru,title_en,section,agency,deadline\n"
                   "2,A,B,C,fair_state,min-energy,2025-01-01\n"
                   "3,A,B,C,fair_state,no-such-agency,2025-01-01\n")
    with pytest.raises(CommandError, match="row 3"):
        call_command("import_roadmap", str(bad))
    assert list(RoadmapItem.objects.values_list("number", flat=True)) == [1]
