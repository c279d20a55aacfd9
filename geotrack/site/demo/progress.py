"""Progress histories: monthly-ish reports rising to each project's current value, with corrections."""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from geotrack.site.demo.common import REFERENCE, add_months, at, rng
from geotrack.site.demo.schedule import REPORTING, ProjectPlan
from projects.models import ProgressReport
from projects.services import projects_refresh_progress

CORRECTION_SHARE = 0.1
# (upper bound of physical progress, English note, Russian note)
STAGES = (
    (15, "Site preparation and earthworks.", "Подготовка площадки и земляные работы."),
    (40, "Foundations and underground utilities.", "Устройство фундаментов и подземных коммуникаций."),
    (70, "Main structures under construction.", "Возведение основных конструкций."),
    (95, "Finishing works, equipment installation.", "Отделочные работы, монтаж оборудования."),
    (99.99, "Commissioning tests.", "Пусконаладочные работы."),
    (100, "Works completed; acceptance by the state commission.", "Работы завершены; приёмка госкомиссией."),
)
CORRECTION_NOTE = (
    "Correction: physical progress was overstated in the original report.",
    "Исправление: в первоначальном отчёте физический прогресс был завышен.",
)


def _note(physical: float, russian: bool) -> str:
    stage = next(s for s in STAGES if physical <= s[0])
    return stage[2] if russian else stage[1]


def _dates(generator: random.Random, started: dt.date, last: dt.date) -> list[dt.date]:
    """Return 2-12 report days, about a month apart, ending on last and after the start."""
    months = (last.year - started.year) * 12 + last.month - started.month
    count = max(2, min(generator.randint(2, 12), months))
    days = [add_months(last, -i) + dt.timedelta(days=generator.randint(-4, 4) if i else 0)
            for i in reversed(range(count))]
    return sorted({max(day, started + dt.timedelta(days=7 * (n + 1))) for n, day in enumerate(days)})


def _path(generator: random.Random, started: dt.date, days: list[dt.date], final: float) -> list[Decimal]:
    """Return values rising monotonically along a slightly curved trajectory to final on the last day."""
    gamma = generator.uniform(0.8, 1.3)
    span = max((days[-1] - started).days, 1)
    values, floor = [], 0.0
    for day in days[:-1]:
        floor = max(floor, round(final * ((day - started).days / span) ** gamma, 1))
        values.append(Decimal(str(min(floor, final))))
    return [*values, Decimal(str(round(final, 1)))]


def _reports(generator: random.Random, plan: ProjectPlan) -> list[ProgressReport]:
    """Build a project's original reports (no corrections yet), oldest first."""
    schedule = plan.schedule
    days = _dates(generator, schedule.actual_start, schedule.last_report)
    physical = _path(generator, schedule.actual_start, days, schedule.physical)
    financial = _path(generator, schedule.actual_start, days, schedule.financial)
    reports = []
    for day, phys, fin in zip(days, physical, financial, strict=True):
        reported = at(day, hour=18)
        recorded = min(reported + dt.timedelta(hours=generator.randint(1, 96)), REFERENCE)
        reports.append(ProgressReport(
            project=plan.project, reported_at=reported, recorded_at=recorded, physical=phys, financial=fin,
            note=_note(float(phys), plan.russian),
        ))
    return reports


def _overstate(generator: random.Random, reports: list[ProgressReport],
               russian: bool) -> tuple[int, ProgressReport] | None:
    """Turn one report into an overstated original, returning its index and the correct values."""
    if len(reports) < 3:
        return None
    index = generator.randrange(1, len(reports) - 1)
    right = reports[index]
    wrong = min(Decimal(100), right.physical + Decimal(generator.randint(8, 20)))
    correct = ProgressReport(
        project=right.project, reported_at=right.reported_at, physical=right.physical, financial=right.financial,
        note=CORRECTION_NOTE[int(russian)],
        recorded_at=min(right.recorded_at + dt.timedelta(days=generator.randint(2, 10)), REFERENCE),
    )
    right.physical = wrong
    return index, correct


def progress_reports_create(plans: list[ProjectPlan]) -> int:
    """Create the reports of every project in implementation or later; return how many."""
    generator = rng("progress")
    originals: list[ProgressReport] = []
    corrections: list[tuple[ProgressReport, ProgressReport]] = []
    for plan in plans:
        if plan.schedule.status not in REPORTING or plan.schedule.last_report is None:
            continue
        reports = _reports(generator, plan)
        if generator.random() < CORRECTION_SHARE and (fix := _overstate(generator, reports, plan.russian)):
            corrections.append((reports[fix[0]], fix[1]))
        originals += reports
    ProgressReport.objects.bulk_create(originals)
    for original, correction in corrections:
        correction.supersedes = original
    ProgressReport.objects.bulk_create([correction for _, correction in corrections])
    projects_refresh_progress(project_ids=[plan.project.pk for plan in plans])
    return len(originals) + len(corrections)
