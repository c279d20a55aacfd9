"""Query parameters of OGC API - Features items: limit, offset, bbox and datetime."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from rest_framework import exceptions

from geotrack.core.params import BadParameter, whole_number

# The API's own project filters, under the same names (CONTRACT.md, /api/projects/).
PROJECT_FILTERS = ("bbox", "status", "region", "sector", "agency", "health", "roadmap_item", "q")


@dataclass(frozen=True)
class ItemsQuery:
    limit: int
    offset: int
    bbox: str | None  # minlon,minlat,maxlon,maxlat
    start: dt.datetime | None  # datetime interval, both ends inclusive
    end: dt.datetime | None
    filters: QueryDict  # the projects API's filter parameters


# An offset beyond this is refused (400): PostgreSQL's OFFSET is a bigint, and no collection is larger.
MAX_OFFSET = 10 ** 12


def _whole_number(query: QueryDict, name: str, default: int, low: int) -> int:
    try:
        return whole_number(query.get(name), name, default=default, low=low, high=MAX_OFFSET, allow_blank=True)
    except BadParameter as exc:
        raise exceptions.ValidationError(exc.errors) from exc


def _bbox(raw: str | None) -> str | None:
    """Accept 4 numbers, or 6 (with heights, which are dropped); the projects filter checks the values."""
    if not raw:
        return None
    parts = raw.split(",")
    if len(parts) == 6:
        parts = [parts[0], parts[1], parts[3], parts[4]]
    return ",".join(part.strip() for part in parts)


def _instant(raw: str, *, end: bool) -> dt.datetime | None:
    if raw in ("", ".."):
        return None
    moment = parse_datetime(raw.replace("z", "Z"))
    if moment is not None:
        return moment if timezone.is_aware(moment) else moment.replace(tzinfo=dt.timezone.utc)
    day = parse_date(raw)
    if day is None:
        raise ValueError(raw)
    start_of_day = dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())
    return start_of_day + dt.timedelta(days=1, microseconds=-1) if end else start_of_day


def parse_datetime_interval(raw: str | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Parse an instant, or an interval `a/b`, `../b`, `a/..` (RFC 3339, or a date for a whole day)."""
    if not raw:
        return None, None
    parts = raw.split("/")
    try:
        if len(parts) == 1:
            if raw == "..":
                raise ValueError(raw)
            return _instant(raw, end=False), _instant(raw, end=True)
        if len(parts) == 2 and parts != ["..", ".."]:
            start, end = _instant(parts[0], end=False), _instant(parts[1], end=True)
            if start and end and start > end:
                raise ValueError(raw)
            return start, end
        raise ValueError(raw)
    except ValueError as exc:
        raise exceptions.ValidationError({"datetime": [_(
            "datetime must be an RFC 3339 instant or an interval such as 2024-01-01T00:00:00Z/.. .")]}) from exc


def items_query(query: QueryDict) -> ItemsQuery:
    """Read the items parameters; limit above the maximum is lowered to it, as OGC API allows."""
    limit = min(_whole_number(query, "limit", settings.GEOTRACK["OGC_DEFAULT_LIMIT"], 1),
                settings.GEOTRACK["OGC_MAX_LIMIT"])
    offset = _whole_number(query, "offset", 0, 0)
    bbox = _bbox(query.get("bbox"))
    start, end = parse_datetime_interval(query.get("datetime"))
    filters = QueryDict(mutable=True)
    for name in PROJECT_FILTERS:
        if query.get(name):
            filters[name] = bbox if name == "bbox" else query[name]
    return ItemsQuery(limit=limit, offset=offset, bbox=bbox, start=start, end=end, filters=filters)
