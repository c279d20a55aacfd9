"""Server-rendered SVG for the report: the region map and bar charts (no browser, no JavaScript).

Region outlines come from PostGIS as SVG path data (ST_AsSVG), so Python only
writes the few wrapping elements. Every label is escaped.
"""
from __future__ import annotations

import math
from typing import NamedTuple

from django.db import connection
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from layers.palette import progress_colour

FONT = "DejaVu Sans, sans-serif"

# Cities of republican significance lie inside regions: draw them last, on top.
_PATHS_SQL = """
SELECT iso_code, kind, ST_AsSVG(boundary_simplified, 1, 3),
    ST_X(ST_PointOnSurface(boundary_simplified)), ST_Y(ST_PointOnSurface(boundary_simplified))
FROM projects_region ORDER BY kind = 'city', iso_code
"""
_EXTENT_SQL = """
SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
FROM (SELECT ST_Extent(boundary_simplified)::geometry AS e FROM projects_region) extent
"""


class Bar(NamedTuple):
    label: str
    value: float | None
    colour: str


def _fmt(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def region_map_svg(*, regions: list[dict], focus: str | None = None, width: int = 520) -> SafeString:
    """Return an SVG map of the regions filled by mean progress, labelled with it; focus outlines one."""
    with connection.cursor() as cursor:
        cursor.execute(_EXTENT_SQL)
        extent = cursor.fetchone()
        cursor.execute(_PATHS_SQL)
        paths = cursor.fetchall()
    if not paths or extent[0] is None:
        return mark_safe("")
    xmin, ymin, xmax, ymax = extent
    # Degrees of longitude shrink with latitude: squeeze x so the country keeps its shape.
    squeeze = math.cos(math.radians((ymin + ymax) / 2))
    view_w, view_h = (xmax - xmin) * squeeze, ymax - ymin
    height = round(width * view_h / view_w)
    progress = {region["iso_code"]: region for region in regions}
    shapes, labels = [], []
    for iso, kind, path, x, y in paths:
        region = progress.get(iso, {})
        name = escape(region.get("name") or iso)
        mean = region.get("mean_progress")
        outline = ' stroke="#08306b" stroke-width="0.12"' if iso == focus else ' stroke="#4d4d4d" stroke-width="0.04"'
        shapes.append(f'<path d="{path}" fill="{progress_colour(mean)}"{outline}><title>{name}</title></path>')
        if kind != "city" and mean is not None:
            labels.append(f'<text x="{_fmt(x * squeeze)}" y="{_fmt(-y)}" font-size="{_fmt(view_h / 28)}" '
                          f'text-anchor="middle" fill="#1d2a36">{float(mean):.0f}%</text>')
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="region-map" width="{width}" height="{height}" '
        f'viewBox="{_fmt(xmin * squeeze)} {_fmt(-ymax)} {_fmt(view_w)} {_fmt(view_h)}" font-family="{FONT}">'
        f'<g transform="scale({_fmt(squeeze)} 1)" stroke-linejoin="round">{"".join(shapes)}</g>'
        f'{"".join(labels)}</svg>'
    )


def bar_chart_svg(*, bars: list[Bar], max_value: float, unit: str = "", width: int = 520) -> SafeString:
    """Return a horizontal bar chart: one labelled bar per entry, its value written beside it."""
    row, label_w, value_w = 18, 200, 48
    plot_w = width - label_w - value_w
    scale = plot_w / max_value if max_value else 0
    parts = []
    for index, bar in enumerate(bars):
        top = index * row
        label = bar.label if len(bar.label) <= 32 else bar.label[:31] + "…"
        value = 0.0 if bar.value is None else float(bar.value)
        text = "–" if bar.value is None else f"{value:.0f}{unit}"
        parts.append(
            f'<text x="{label_w - 6}" y="{top + 13}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{top + 3}" width="{_fmt(value * scale)}" height="{row - 6}" fill="{bar.colour}"/>'
            f'<text x="{_fmt(label_w + value * scale + 4)}" y="{top + 13}">{escape(text)}</text>'
        )
    height = max(len(bars), 1) * row
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bar-chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="11" fill="#1d2a36">'
        f'<line x1="{label_w}" y1="0" x2="{label_w}" y2="{height}" stroke="#9aa5b1" stroke-width="1"/>'
        f'{"".join(parts)}</svg>'
    )
