"""import_roadmap FILE: load the real roadmap items from CSV or XLSX, all or nothing."""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from openpyxl import load_workbook

from projects.models import Agency, RoadmapItem

COLUMNS = ("number", "title_kk", "title_ru", "title_en", "section", "agency", "deadline")


def read_rows(path: Path) -> list[dict]:
    """Return the rows of a CSV (UTF-8, BOM allowed) or XLSX file as dicts keyed by header."""
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        sheet = load_workbook(path, read_only=True, data_only=True).active
        rows = list(sheet.iter_rows(values_only=True))
        header = [str(cell).strip() if cell is not None else "" for cell in rows[0]] if rows else []
        return [dict(zip(header, row)) for row in rows[1:] if any(cell is not None for cell in row)]
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


class Command(BaseCommand):
    help = f"Load roadmap items from CSV or XLSX with columns: {', '.join(COLUMNS)}. Upserts by number."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        path = Path(file)
        if not path.exists():
            raise CommandError(f"no such file: {file}")
        rows = read_rows(path)
        missing = [column for column in COLUMNS if rows and column not in rows[0]]
        if not rows or missing:
            raise CommandError(f"expected columns {', '.join(COLUMNS)}; missing: {', '.join(missing) or 'all rows'}")
        items, errors = [], []
        for line, row in enumerate(rows, start=2):
            try:
                items.append(self._item(row))
            except (ValueError, ValidationError, Agency.DoesNotExist) as exc:
                errors.append(f"row {line}: {exc}")
        if errors:
            raise CommandError("nothing imported:\n" + "\n".join(errors))
        with transaction.atomic():
            for item in items:
                fields = {f: getattr(item, f) for f in ("title_kk", "title_ru", "title_en", "section", "agency", "deadline")}
                RoadmapItem.objects.update_or_create(number=item.number, defaults=fields)
        self.stdout.write(f"imported {len(items)} roadmap items")

    def _item(self, row: dict) -> RoadmapItem:
        agency_ref = str(row["agency"]).strip()
        agency = Agency.objects.get(Q(code=agency_ref) | Q(name_en=agency_ref) | Q(name_ru=agency_ref)
                                    | Q(name_kk=agency_ref))
        deadline = row["deadline"]
        if isinstance(deadline, dt.datetime):
            deadline = deadline.date()
        elif not isinstance(deadline, dt.date):
            deadline = dt.date.fromisoformat(str(deadline).strip())
        item = RoadmapItem(number=int(row["number"]), title_kk=row["title_kk"] or "", title_ru=row["title_ru"] or "",
                           title_en=row["title_en"] or "", section=str(row["section"]).strip(), agency=agency,
                           deadline=deadline)
        item.full_clean(exclude=["number"], validate_unique=False)
        return item
