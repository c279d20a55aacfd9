"""The national dashboard's figures: KPIs, where to activate, and progress over time.

A fixed number of queries whatever the number of roadmap items or projects: each
figure is one SQL aggregate over the projects the caller may see.
"""
from __future__ import annotations


from django.db import connection
from django.utils import timezone
from django.utils.translation import get_language

from camera_sites.selectors import camera_visibility_sql, offline_after
from geotrack.cache import cached_aggregate
from projects.alerts import alerts_for
from projects.models import Project
from projects.progress_monthly import monthly_series_rows
from projects.health import HEALTH_VALUES, health_sql, health_today
from projects.selectors import national_kpis, regions_geojson_dict, roadmap_item_status, visibility_sql

_STATUS_SQL = "SELECT p.status, count(*) FROM projects_project p WHERE {visible} GROUP BY p.status ORDER BY 2 DESC"

_CAMERAS_SQL = """SELECT count(*) FILTER (WHERE c.last_seen_at >= %s), count(*) FROM camera_sites_camera c
WHERE {visible}"""

_AGENCIES_SQL = """
SELECT a.code, CASE %s WHEN 'kk' THEN a.name_kk WHEN 'ru' THEN a.name_ru ELSE a.name_en END,
    count(*), round(avg(v.physical_progress), 1),
    count(*) FILTER (WHERE v.health = 'overdue'), count(*) FILTER (WHERE v.health = 'at_risk')
FROM (SELECT p.agency_id, p.physical_progress, {health} AS health FROM projects_project p
      WHERE {visible} AND p.status <> 'cancelled') v
JOIN projects_agency a ON a.id = v.agency_id
GROUP BY a.code, 2
"""

_SERIES_SQL = """
WITH months AS (
    SELECT generate_series(date_trunc('month', %s::date) - interval '11 months', date_trunc('month', %s::date),
                           interval '1 month')::date AS month
), visible AS (
    SELECT p.id, p.region_id, p.agency_id, 0 AS everything FROM projects_project p
    WHERE {visible} AND p.status <> 'cancelled' {only_item}
), latest AS (
    SELECT m.month, v.{group}, last.physical
    FROM months m CROSS JOIN visible v
    JOIN LATERAL (
        SELECT r.physical FROM projects_progressreport r
        WHERE r.project_id = v.id AND r.reported_at < (m.month + interval '1 month')
          AND NOT EXISTS (SELECT 1 FROM projects_progressreport c WHERE c.supersedes_id = r.id)
        ORDER BY r.reported_at DESC LIMIT 1
    ) last ON true
)
SELECT month, {group}, round(avg(physical), 1) FROM latest GROUP BY month, {group} ORDER BY month
"""


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def lagging_share(count: int, overdue: int, at_risk: int) -> float:
    return (overdue + at_risk) / count if count else 0.0


def _agencies(user) -> list[dict]:
    visible, visible_params = visibility_sql(user=user, alias="p")
    health, health_params = health_sql(alias="p")
    rows = _rows(_AGENCIES_SQL.format(health=health, visible=visible),
                 [(get_language() or "en")[:2], *health_params, *visible_params])
    agencies = [{"code": code, "name": name, "project_count": count, "mean_progress": float(mean or 0),
                 "overdue": overdue, "at_risk": at_risk, "lagging": lagging_share(count, overdue, at_risk)}
                for code, name, count, mean, overdue, at_risk in rows]
    return sorted(agencies, key=lambda a: (-a["lagging"], a["mean_progress"]))


def _regions(user) -> list[dict]:
    regions = [feature["properties"] for feature in regions_geojson_dict(user=user, language=get_language())["features"]]
    for region in regions:
        health = region["health"]
        region["lagging"] = lagging_share(region["project_count"], health["overdue"], health["at_risk"])
    return sorted(regions, key=lambda r: (-r["lagging"], r["mean_progress"] or 0))


def progress_series(*, user, group: str, roadmap_item: int | None = None) -> dict:
    """Monthly mean physical progress over the last year, per region, per agency, or of one item's projects.

    Regions and agencies read the monthly table the worker rebuilds (projects/progress_monthly.py);
    one roadmap item's few projects are replayed from their reports directly.
    """
    if group in {"region", "agency"}:
        return _series(monthly_series_rows(user=user, group=group))
    visible, visible_params = visibility_sql(user=user, alias="p")
    only_item = ("AND EXISTS (SELECT 1 FROM projects_project_roadmap_items l "
                 "WHERE l.project_id = p.id AND l.roadmapitem_id = %s)")
    today = health_today()
    return _series(_rows(_SERIES_SQL.format(visible=visible, group="everything", only_item=only_item),
                         [today, today, *visible_params, roadmap_item]))


def _series(rows: list[tuple]) -> dict:
    months = sorted({month for month, _, _ in rows})
    series: dict[int, dict] = {}
    for month, key, value in rows:
        series.setdefault(key, {})[month] = float(value)
    return {"months": [m.isoformat() for m in months],
            "series": {key: [values.get(m) for m in months] for key, values in series.items()}}


def dashboard_summary(*, user) -> dict:
    """Everything the dashboard shows in text, cached until the data changes (geotrack/cache.py)."""
    return cached_aggregate("dashboard", ((get_language() or "en")[:2],), user=user,
                            compute=lambda: _dashboard_summary(user=user))


def _dashboard_summary(*, user) -> dict:
    """Everything the dashboard shows in text, for the page and for its live refresh."""
    items = roadmap_item_status(user=user)
    visible, visible_params = visibility_sql(user=user, alias="p")
    camera_visible, camera_params = camera_visibility_sql(user=user, alias="c")
    online, cameras = _rows(_CAMERAS_SQL.format(visible=camera_visible),
                            [timezone.now() - offline_after(), *camera_params])[0]
    alerts = alerts_for(user=user, item_status=items)
    return {
        "items": {health: sum(1 for item in items.values() if item["health"] == health) for health in HEALTH_VALUES},
        "items_total": len(items),
        "projects": national_kpis(user=user),
        "projects_by_status": [{"status": code, "label": str(Project.Status(code).label), "count": count}
                               for code, count in _rows(_STATUS_SQL.format(visible=visible), visible_params)],
        "cameras": {"online": online, "total": cameras},
        "lagging_regions": _regions(user)[:5],
        "lagging_agencies": _agencies(user)[:5],
        "items_to_activate": [a for a in alerts if a["kind"] in {"item_overdue", "item_behind"}][:10],
        "alerts": alerts[:15],
        "generated_at": timezone.now().isoformat(),
    }
