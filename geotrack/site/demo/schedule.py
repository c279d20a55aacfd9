"""Statuses, planned and actual dates and target progress, giving a realistic mix of health.

Health is judged against the real clock by the application; the demo is dated against
REFERENCE. Overdue projects end in 2025-2026 (before the reference), at-risk projects sit
well below the linear trajectory, on-track ones a little above it.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from geotrack.site.demo.common import DEMO_TODAY, PROGRAMME_END, add_months, random_date
from projects.models import Project, RoadmapItem

Status = Project.Status
STATUS_WEIGHTS = (
    (Status.IDENTIFICATION, 6), (Status.PREPARATION, 12), (Status.IMPLEMENTATION, 64),
    (Status.COMPLETION, 15), (Status.CANCELLED, 3),
)
HEALTH_WEIGHTS = (("on_track", 55), ("at_risk", 20), ("overdue", 18), ("finished", 7))
REPORTING = {Status.IMPLEMENTATION, Status.COMPLETION, Status.MAINTENANCE, Status.CANCELLED}


@dataclass
class Schedule:
    status: str
    health: str  # on_track, at_risk, overdue, finished, done, not_started, cancelled
    planned_start: dt.date
    planned_end: dt.date
    actual_start: dt.date | None = None
    actual_end: dt.date | None = None
    physical: float = 0.0
    financial: float = 0.0
    last_report: dt.date | None = None


@dataclass
class ProjectPlan:
    """A project to create, with what the later steps need to know about it."""

    project: Project
    schedule: Schedule
    roadmap: list[RoadmapItem] = field(default_factory=list)
    russian: bool = False


def expected_progress(start: dt.date, end: dt.date, day: dt.date) -> float:
    """Return the linear-trajectory progress, in percent, on a day."""
    if end <= start:
        return 100.0 if day >= end else 0.0
    return max(0.0, min(100.0, (day - start).days / (end - start).days * 100))


def _financial(generator: random.Random, physical: float) -> float:
    return round(max(0.0, min(100.0, physical + generator.uniform(-12, 6))), 1)


def _started(generator: random.Random, planned_start: dt.date) -> dt.date:
    return min(planned_start + dt.timedelta(days=generator.randint(0, 75)), DEMO_TODAY - dt.timedelta(days=60))


def _last_report(generator: random.Random) -> dt.date:
    """Return the day of the latest report: recent for most, stale for some."""
    stale = generator.random() < 0.1
    return DEMO_TODAY - dt.timedelta(days=generator.randint(90, 200) if stale else generator.randint(2, 40))


def _implementation(generator: random.Random, health: str) -> Schedule:
    """Schedule a project under way, with progress matching its health."""
    if health == "overdue":
        start = random_date(generator, dt.date(2023, 1, 15), dt.date(2024, 9, 30))
        end = random_date(generator, max(add_months(start, 14), dt.date(2025, 3, 1)), dt.date(2026, 9, 30))
        physical = generator.uniform(55, 92)
    elif health == "at_risk":
        start = random_date(generator, dt.date(2023, 6, 1), dt.date(2025, 6, 30))
        end = random_date(generator, max(add_months(start, 24), dt.date(2027, 3, 1)), dt.date(2028, 12, 31))
        physical = expected_progress(start, end, DEMO_TODAY) * generator.uniform(0.3, 0.55)
    elif health == "finished":
        start = random_date(generator, dt.date(2023, 3, 1), dt.date(2025, 3, 31))
        end = random_date(generator, dt.date(2026, 11, 15), dt.date(2027, 4, 30))
        physical = 100.0
    else:
        start = random_date(generator, dt.date(2023, 3, 1), dt.date(2026, 3, 31))
        end = random_date(generator, max(add_months(start, 18), dt.date(2027, 3, 1)),
                          min(add_months(start, 54), PROGRAMME_END))
        ahead = expected_progress(start, end, DEMO_TODAY + dt.timedelta(days=90))
        physical = min(97.0, ahead * generator.uniform(1.0, 1.2) + generator.uniform(1, 6))
    physical = round(max(physical, 2.0), 1)
    financial = round(generator.uniform(90, 99), 1) if physical >= 100 else _financial(generator, physical)
    started = _started(generator, start)
    last = max(_last_report(generator), started + dt.timedelta(days=45))
    return Schedule(Status.IMPLEMENTATION, health, start, end, started, None, physical, financial, last)


def _completed(generator: random.Random) -> Schedule:
    start = random_date(generator, dt.date(2023, 1, 15), dt.date(2024, 12, 31))
    end = random_date(generator, add_months(start, 12), min(add_months(start, 30), dt.date(2026, 9, 30)))
    actual_end = min(end + dt.timedelta(days=generator.randint(-45, 75)), DEMO_TODAY - dt.timedelta(days=20))
    actual_start = min(_started(generator, start), actual_end - dt.timedelta(days=180))
    return Schedule(Status.COMPLETION, "done", start, end, actual_start, actual_end,
                    100.0, round(generator.uniform(96, 100), 1), actual_end)


def _cancelled(generator: random.Random) -> Schedule:
    start = random_date(generator, dt.date(2023, 2, 1), dt.date(2024, 6, 30))
    end = add_months(start, generator.randint(18, 36))
    physical = round(generator.uniform(3, 25), 1)
    last = random_date(generator, add_months(start, 6), dt.date(2025, 9, 30))
    return Schedule(Status.CANCELLED, "cancelled", start, end, _started(generator, start), None,
                    physical, _financial(generator, physical), last)


def _not_started(generator: random.Random, status: str) -> Schedule:
    if status == Status.IDENTIFICATION:
        start = random_date(generator, dt.date(2027, 1, 1), dt.date(2028, 6, 30))
    else:
        start = random_date(generator, dt.date(2026, 3, 1), dt.date(2027, 12, 31))
    return Schedule(status, "not_started", start, min(add_months(start, generator.randint(12, 36)), PROGRAMME_END))


def schedule_random(generator: random.Random) -> Schedule:
    """Draw a status and health, then dates and progress to match."""
    status = generator.choices([s for s, _ in STATUS_WEIGHTS], [w for _, w in STATUS_WEIGHTS])[0]
    if status == Status.IMPLEMENTATION:
        health = generator.choices([h for h, _ in HEALTH_WEIGHTS], [w for _, w in HEALTH_WEIGHTS])[0]
        return _implementation(generator, health)
    if status == Status.COMPLETION:
        return _completed(generator)
    if status == Status.CANCELLED:
        return _cancelled(generator)
    return _not_started(generator, status)


def schedule_known(generator: random.Random, status: str, year: int, done_on: dt.date | None) -> Schedule:
    """Schedule a real project from the year its source gives; progress is illustrative."""
    start = dt.date(year, generator.choice((2, 3, 4, 5)), 1)
    if status == Status.COMPLETION:
        actual_end = done_on or random_date(generator, dt.date(year, 9, 1), dt.date(year + 1, 6, 30))
        actual_end = min(actual_end, DEMO_TODAY - dt.timedelta(days=30))
        start = min(start, add_months(actual_end, -8))
        return Schedule(status, "done", start, max(actual_end, add_months(start, 10)), start, actual_end,
                        100.0, round(generator.uniform(97, 100), 1), actual_end)
    if status == Status.PREPARATION:
        start = max(start, dt.date(2026, 3, 1))
        return Schedule(status, "not_started", start, min(add_months(start, generator.randint(30, 48)), PROGRAMME_END))
    end = min(max(add_months(start, generator.randint(36, 60)), dt.date(2027, 6, 30)), PROGRAMME_END)
    ahead = expected_progress(start, end, DEMO_TODAY + dt.timedelta(days=90))
    physical = round(min(97.0, max(5.0, ahead * generator.uniform(1.0, 1.1))), 1)
    return Schedule(status, "on_track", start, end, start, None, physical, _financial(generator, physical),
                    DEMO_TODAY - dt.timedelta(days=generator.randint(5, 35)))
