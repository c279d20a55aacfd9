"""Links to our own paths, always from the URL configuration (reverse), never written by hand.

Statements that build GeoJSON in PostGIS put links inside the JSON; they get a pattern
from the URL configuration and fill it per row with PostgreSQL's format().
"""
from __future__ import annotations

from django.urls import reverse

from geotrack.core.sql import Sql

# Stand-ins reversed into a path and then replaced: larger than any id we hand out.
_STAND_INS = (987654321001, 987654321002, 987654321003, 987654321004, 987654321005, 987654321006)


def path_pattern(name: str, arguments: int) -> str:
    """The path of a named URL with its integer arguments as %1$s, %2$s, ... (PostgreSQL format())."""
    path = reverse(name, args=_STAND_INS[:arguments])
    for position, stand_in in enumerate(_STAND_INS[:arguments], start=1):
        path = path.replace(str(stand_in), f"%{position}$s")
    return path


def sql_path(name: str, *columns: str, param: str | None = None) -> Sql:
    """A SQL expression giving, per row, the path of a named URL whose arguments are these columns."""
    param = param or "path_" + name.replace("-", "_")
    return Sql(f"format(%({param})s, {', '.join(columns)})", {param: path_pattern(name, len(columns))})


def url_template(name: str, **placeholders: str) -> str:
    """A path for JavaScript with {placeholders} in place of its arguments, e.g. tiles/{z}/{x}/{y}."""
    stand_ins = dict(zip(placeholders, _STAND_INS[:len(placeholders)], strict=True))
    path = reverse(name, kwargs={key: stand_ins[key] for key in placeholders})
    for key, stand_in in stand_ins.items():
        path = path.replace(str(stand_in), placeholders[key])
    return path
