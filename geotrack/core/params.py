"""Query parameters every endpoint reads the same way, with one error text each.

Each parser raises ``BadParameter`` naming the parameter; DRF views turn it into a 400
through geotrack.core.errors, plain views through ``bad_parameter_response``.
"""
from __future__ import annotations

import datetime as dt
import math

from django.contrib.gis.geos import GEOSGeometry, Polygon
from django.utils import timezone
from django.utils.translation import gettext as _

# Larger values would overflow PostgreSQL's bigint (and OFFSET): the number of a page, an id.
MAX_WHOLE_NUMBER = 2 ** 53


class BadParameter(ValueError):
    """A query parameter that cannot be used; `name` is the parameter, the message says why."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name
        self.message = message

    @property
    def errors(self) -> dict[str, list[str]]:
        return {self.name: [self.message]}


def local_today() -> dt.date:
    """Today in TIME_ZONE: the day that decides whether a deadline has passed."""
    return timezone.localdate()


def end_of_day(day: dt.date) -> dt.datetime:
    """The last instant of a day in TIME_ZONE."""
    return dt.datetime.combine(day, dt.time.max, tzinfo=timezone.get_current_timezone())


def start_of_day(day: dt.date) -> dt.datetime:
    """The first instant of a day in TIME_ZONE."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def bbox_bounds(value: str | None, name: str = "bbox") -> tuple[float, float, float, float] | None:
    """minlon,minlat,maxlon,maxlat in EPSG:4326, checked, as four numbers; empty means no bbox."""
    if not value:
        return None
    parts = value.split(",")
    if len(parts) != 4:
        raise BadParameter(name, _("bbox needs four numbers: minlon,minlat,maxlon,maxlat."))
    try:
        minlon, minlat, maxlon, maxlat = (float(part) for part in parts)
    except ValueError as exc:
        raise BadParameter(name, _("bbox values must be numbers: minlon,minlat,maxlon,maxlat.")) from exc
    if not all(map(math.isfinite, (minlon, minlat, maxlon, maxlat))) or not (
            -180 <= minlon <= maxlon <= 180 and -90 <= minlat <= maxlat <= 90):
        raise BadParameter(name, _("bbox must be minlon,minlat,maxlon,maxlat within -180..180 and -90..90."))
    return minlon, minlat, maxlon, maxlat


def parse_bbox(value: str | None, name: str = "bbox") -> Polygon | None:
    """minlon,minlat,maxlon,maxlat in EPSG:4326, as a polygon; empty means no bbox."""
    bounds = bbox_bounds(value, name)
    if bounds is None:
        return None
    minlon, minlat, maxlon, maxlat = bounds
    # The ring Polygon.from_bbox builds, read from WKT in one GEOS call instead of one per vertex.
    ring = ((minlon, minlat), (minlon, maxlat), (maxlon, maxlat), (maxlon, minlat), (minlon, minlat))
    return GEOSGeometry("POLYGON((%s))" % ", ".join(f"{x!r} {y!r}" for x, y in ring), srid=4326)


def _absent(value: str | None, name: str, allow_blank: bool) -> bool:
    """Whether a parameter was left out; present but empty is an error unless the caller allows it (HTML forms)."""
    if value is None:
        return True
    if value == "":
        if allow_blank:
            return True
        raise BadParameter(name, _("Give a value, or leave the parameter out."))
    return False


def whole_number(value: str | None, name: str, *, default: int | None = None, low: int | None = None,
                 high: int | None = None, allow_blank: bool = False) -> int | None:
    """A whole number within [low, high]; left out gives the default."""
    if _absent(value, name, allow_blank):
        return default
    text = value.strip()
    if not (text.isascii() and text.lstrip("-").isdigit()) or len(text) > 20:
        raise BadParameter(name, _("%(name)s must be a whole number.") % {"name": name})
    number = int(text)
    low = -MAX_WHOLE_NUMBER if low is None else low
    high = MAX_WHOLE_NUMBER if high is None else high
    if not low <= number <= high:
        if high == MAX_WHOLE_NUMBER:
            message = _("%(name)s must be at least %(low)d.") % {"name": name, "low": low}
        else:
            message = _("%(name)s must be between %(low)d and %(high)d.") % {"name": name, "low": low, "high": high}
        raise BadParameter(name, message)
    return number


def object_id(value: str | None, name: str) -> int | None:
    """An object id given as a parameter (?project=12); left out means none."""
    return whole_number(value, name, low=1)


def parse_day(value: str | None, name: str, *, allow_blank: bool = False) -> dt.date | None:
    """A date as YYYY-MM-DD; left out means none."""
    if _absent(value, name, allow_blank):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise BadParameter(name, _("Use a date as YYYY-MM-DD.")) from exc


def parse_as_of(value: str | None, name: str = "as_of", *, allow_blank: bool = False) -> dt.date | None:
    """A past or present day (YYYY-MM-DD), or None for today."""
    day = parse_day(value, name, allow_blank=allow_blank)
    if day is None:
        return None
    today = local_today()
    if day > today:
        raise BadParameter(name, _("%(name)s cannot be in the future.") % {"name": name})
    return None if day == today else day


def choice(value: str | None, name: str, allowed, *, default: str | None = None,
           allow_blank: bool = False) -> str | None:
    """One of the allowed values; left out gives the default."""
    if _absent(value, name, allow_blank):
        return default
    if value not in allowed:
        raise BadParameter(name, _("Use one of: %(allowed)s.") % {"allowed": ", ".join(allowed)})
    return value
