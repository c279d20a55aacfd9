"""import_roadmap also reads milestones and co-executors (CSV files or sheets of the XLSX), all or nothing."""
from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from execution.models import Milestone
from projects.models import Agency, RoadmapItem

ITEMS = [("number", "title_kk", "title_ru", "title_en", "section", "agency", "deadline"),
         (1, "Заң", "Закон", "Law", "fair_state", "min-energy", "2027-12-31")]
STAGES = [("number", "position", "title_kk", "title_ru", "title_en", "planned_on", "done_on", "weight"),
          (1, 1, "Жоба", "Проект", "Draft", "2026-03-31", "2026-03-20", 1),
          (1, 2, "Қабылдау", "Принятие", "Adoption", "2027-06-30", "", 3)]


def write_csv(path, rows):
    path.write_text("\n".join(",".join(str(cell) for cell in row) for row in rows), encoding="utf-8")
    return path


@pytest.mark.django_db
def test_it_reads_milestones_and_co_executors_from_csv_files(tmp_path, agency):
    Agency.objects.create(code="akimat-almaty", name_en="Akimat", name_ru="Акимат", name_kk="Әкімдік", kind="akimat")
    call_command("import_roadmap", str(write_csv(tmp_path / "items.csv", ITEMS)),
                 "--milestones", str(write_csv(tmp_path / "stages.csv", STAGES)),
                 "--co-executors", str(write_csv(tmp_path / "co.csv", [("number", "agency"), (1, "akimat-almaty")])))
    item = RoadmapItem.objects.get(number=1)
    assert list(item.milestones.values_list("title_en", "weight")) == [("Draft", 1), ("Adoption", 3)]
    assert list(item.co_executors.values_list("code", flat=True)) == ["akimat-almaty"]


@pytest.mark.django_db
def test_it_reads_the_sheets_of_one_workbook_and_refuses_a_bad_row_whole(tmp_path, agency):
    book = Workbook()
    book.active.title = "items"
    for row in ITEMS:
        book.active.append(row)
    stages = book.create_sheet("milestones")
    for row in STAGES:
        stages.append(row)
    path = tmp_path / "roadmap.xlsx"
    book.save(path)
    call_command("import_roadmap", str(path))
    assert Milestone.objects.count() == 2
    stages.append((1, 3, "", "", "Broken", "not a date", "", 1))
    book.save(path)
    with pytest.raises(CommandError, match="milestones row 4"):
        call_command("import_roadmap", str(path))
    assert Milestone.objects.count() == 2
