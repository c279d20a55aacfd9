"""Constants and helpers shared by the demo generator: reference time, seeded RNGs, data files."""
from __future__ import annotations

import datetime as dt
import json
import random
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

SEED = 20231126
TZ = ZoneInfo("Asia/Almaty")
# Everything in the demo is dated relative to this instant, never to the clock,
# so that two loads produce identical rows.
REFERENCE = dt.datetime(2026, 11, 1, 9, 0, tzinfo=TZ)
DEMO_TODAY = REFERENCE.date()
PROGRAMME_START = dt.date(2023, 1, 1)
PROGRAMME_END = dt.date(2029, 12, 31)
DATA_DIR = Path(settings.BASE_DIR) / "data" / "kz"
HISTORY_REASON = "Demo data (load_demo)"


def rng(name: str) -> random.Random:
    """Return a generator seeded by SEED and a name, independent of PYTHONHASHSEED."""
    return random.Random(f"{SEED}:{name}")


@cache
def load_json(name: str) -> Any:
    """Read one of the reference files in data/kz/."""
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        return json.load(handle)


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    """Return an aware local datetime on the given day."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def month_end(year: int, month: int) -> dt.date:
    """Return the last day of a month."""
    first_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """Shift a date by whole months, clamping the day to the month's length."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return min(dt.date(year, month + 1, 1) + dt.timedelta(days=day.day - 1), month_end(year, month + 1))


def random_date(generator: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """Pick a day in [start, end] with the given generator."""
    return start + dt.timedelta(days=generator.randint(0, max((end - start).days, 0)))
