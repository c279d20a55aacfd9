"""import_roadmap FILE: load the real roadmap items from CSV or XLSX, all or nothing.

Milestones and co-executors come from sheets named "milestones" and "co_executors" of the same XLSX,
or from CSV files given with --milestones and --co-executors (columns in MILESTONE_COLUMNS and
CO_EXECUTOR_COLUMNS). Given milestones replace an item's milestones; given co-executors replace its
co-executors.
"""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from openpyxl import load_workbook

from execution.models import Milestone
from projects.models import Agency, RoadmapItem

COLUMNS = ("number", "title_kk", "title_ru", "title_en", "section", "agency", "deadline")
MILESTONE_COLUMNS = ("number", "position", "title_kk", "title_ru", "title_en", "planned_on", "done_on", "weight")
CO_EXECUTOR_COLUMNS = ("number", "agency")


def _date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip())


def read_rows(path: Path, sheet_name: str | None = None) -> list[dict]:
    """Return the rows of a CSV (UTF-8, BOM allowed) or XLSX file (its first sheet, or a named one) as dicts."""
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        workbook = load_workbook(path, read_only=True, data_only=True)
        if sheet_name is not None and sheet_name not in workbook.sheetnames:
            return []
        sheet = workbook[sheet_name] if sheet_name else workbook.active
        rows = list(sheet.iter_rows(values_only=True))
        header = [str(cell).strip() if cell is not None else "" for cell in rows[0]] if rows else []
        return [dict(zip(header, row)) for row in rows[1:] if any(cell is not None for cell in row)]
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


class Command(BaseCommand):
    help = f"Load roadmap items from CSV or XLSX with columns: {', '.join(COLUMNS)}. Upserts by number."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--milestones", help=f"CSV or XLSX with columns {', '.join(MILESTONE_COLUMNS)} "
                                                 "(default: the sheet 'milestones' of FILE)")
        parser.add_argument("--co-executors", dest="co_executors",
                            help=f"CSV or XLSX with columns {', '.join(CO_EXECUTOR_COLUMNS)} "
                                 "(default: the sheet 'co_executors' of FILE)")

    def _extra(self, path: Path, given: str | None, sheet: str, columns: tuple) -> list[dict]:
        rows = read_rows(Path(given)) if given else (read_rows(path, sheet) if path.suffix.lower() in {
            ".xlsx", ".xlsm"} else [])
        missing = [column for column in columns if rows and column not in rows[0]]
        if missing:
            raise CommandError(f"{sheet}: expected columns {', '.join(columns)}; missing: {', '.join(missing)}")
        return rows

    def handle(self, *args, file, milestones=None, co_executors=None, **options):
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
        stage_rows = self._extra(path, milestones, "milestones", MILESTONE_COLUMNS)
        partner_rows = self._extra(path, co_executors, "co_executors", CO_EXECUTOR_COLUMNS)
        numbers = {item.number for item in items}
        stages, partners = [], []
        for line, row in enumerate(stage_rows, start=2):
            try:
                stages.append(self._milestone(row, numbers))
            except (ValueError, TypeError, ValidationError) as exc:
                errors.append(f"milestones row {line}: {exc}")
        codes = dict(Agency.objects.values_list("code", "id"))
        for line, row in enumerate(partner_rows, start=2):
            number, code = int(row["number"]), str(row["agency"]).strip()
            if number not in numbers or code not in codes:
                errors.append(f"co_executors row {line}: unknown item {number} or agency {code}")
            else:
                partners.append((number, codes[code]))
        if errors:
            raise CommandError("nothing imported:\n" + "\n".join(errors))
        with transaction.atomic():
            saved = {}
            for item in items:
                fields = {f: getattr(item, f) for f in ("title_kk", "title_ru", "title_en", "section", "agency", "deadline")}
                saved[item.number] = RoadmapItem.objects.update_or_create(number=item.number, defaults=fields)[0]
            if stages:
                Milestone.objects.filter(roadmap_item__number__in={s[0] for s in stages}).delete()
                Milestone.objects.bulk_create([Milestone(roadmap_item=saved[number], **fields)
                                               for number, fields in stages])
            if partners:
                through = RoadmapItem.co_executors.through
                through.objects.filter(roadmapitem__number__in={n for n, _ in partners}).delete()
                through.objects.bulk_create([through(roadmapitem_id=saved[n].pk, agency_id=a) for n, a in partners])
        self.stdout.write(f"imported {len(items)} roadmap items, {len(stages)} milestones, "
                          f"{len(partners)} co-executors")

    def _milestone(self, row: dict, numbers: set[int]) -> tuple[int, dict]:
        number = int(row["number"])
        if number not in numbers:
            raise ValueError(f"item {number} is not in the items file")
        planned = _date(row["planned_on"])
        if planned is None:
            raise ValueError("planned_on is required")
        weight = int(row.get("weight") or 1)
        if weight < 1:
            raise ValueError("weight must be at least 1")
        fields = {"position": int(row["position"]), "title_kk": row["title_kk"] or "", "title_ru": row["title_ru"] or "",
                  "title_en": row["title_en"] or "", "planned_on": planned, "done_on": _date(row.get("done_on")),
                  "weight": weight}
        if not fields["title_en"]:
            raise ValueError("title_en is required")
        return number, fields

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
