"""The national dashboard's figures: KPIs, where to activate, and progress over time.

A fixed number of queries whatever the number of roadmap items or projects: each
figure is one SQL aggregate over what the caller's audience may read. For the public and
the project figures sum the counters the writes keep (projects/counts/): the public and national roles read
buckets only, akimats and ministries the public buckets plus the private projects they may read.
"""
from __future__ import annotations

from django.utils import timezone
from django.utils.translation import get_language

from camera_sites.selectors import online_sql
from execution.selectors import activation_by_agency
from geotrack.core.cache import cached_aggregate
from geotrack.core.sql import Sql, identifier
from geotrack.site.alerts import alerts_for, camera_alerts, sort_alerts
from geotrack.site.notifications.escalation import annotate
from projects.access import Audience
from projects.counts import counted_rows, shared_reads
from projects.health import HEALTH_VALUES, health_sql, health_today
from projects.models import Project
from projects.progress_monthly import monthly_series_rows
from projects.selectors import national_kpis, region_figures, region_name_sql, roadmap_item_status

DASHBOARD_ALERTS = 15

_STATUS_SQL = "SELECT p.status, count(*) FROM projects_project p WHERE {visible} GROUP BY p.status ORDER BY 2 DESC"

_STATUS_COUNTED_SQL = """
SELECT c.status, sum(c.projects)::bigint FROM {counted} c GROUP BY c.status HAVING sum(c.projects) > 0
"""

_CAMERAS_SQL = "SELECT count(*) FILTER (WHERE {status} = 'online'), count(*) FROM camera_sites_camera c WHERE {visible}"

_AGENCIES_SQL = """
SELECT a.code, {name},
    count(*), round(avg(v.physical_progress), 1),
    count(*) FILTER (WHERE v.health = 'overdue'), count(*) FILTER (WHERE v.health = 'at_risk')
FROM (SELECT p.agency_id, p.physical_progress, {health} AS health FROM projects_project p
      WHERE {visible} AND p.status <> 'cancelled') v
JOIN projects_agency a ON a.id = v.agency_id
GROUP BY a.code, 2
"""

# The same figures from the counters (projects/counts/).
_AGENCIES_COUNTED_SQL = """
SELECT a.code, {name},
    sum(c.projects)::bigint, round(sum(c.physical) / NULLIF(sum(c.projects), 0), 1),
    COALESCE(sum(c.projects) FILTER (WHERE c.health = 'overdue'), 0)::bigint,
    COALESCE(sum(c.projects) FILTER (WHERE c.health = 'at_risk'), 0)::bigint
FROM {counted} c JOIN projects_agency a ON a.id = c.key_id
WHERE c.status <> 'cancelled'
GROUP BY a.code, 2 HAVING sum(c.projects) > 0
"""

_SERIES_SQL = """
WITH months AS (
    SELECT generate_series(date_trunc('month', %(today)s::date) - interval '11 months',
                           date_trunc('month', %(today)s::date), interval '1 month')::date AS month
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

_ONLY_ITEM = ("AND EXISTS (SELECT 1 FROM projects_project_roadmap_items l "
              "WHERE l.project_id = p.id AND l.roadmapitem_id = %(only_item)s)")


def lagging_share(count: int, overdue: int, at_risk: int) -> float:
    return (overdue + at_risk) / count if count else 0.0


def _agencies(audience: Audience) -> list[dict]:
    name = region_name_sql("a", get_language())
    rows = counted_rows(audience, "agency", lambda counted: Sql(_AGENCIES_COUNTED_SQL).format(
        name=name, counted=counted))
    if rows is None:
        rows = Sql(_AGENCIES_SQL).format(name=name, health=health_sql(alias="p"),
                                         visible=audience.sql("project", "p")).fetchall()
    agencies = [{"code": code, "name": name, "project_count": count, "mean_progress": float(mean or 0),
                 "overdue": overdue, "at_risk": at_risk, "lagging": lagging_share(count, overdue, at_risk)}
                for code, name, count, mean, overdue, at_risk in rows]
    return sorted(agencies, key=lambda a: (-a["lagging"], a["mean_progress"]))


def _regions(audience: Audience) -> list[dict]:
    regions = region_figures(audience=audience, language=get_language() or "en")
    for region in regions:
        health = region["health"]
        region["lagging"] = lagging_share(region["project_count"], health["overdue"], health["at_risk"])
    return sorted(regions, key=lambda r: (-r["lagging"], r["mean_progress"] or 0))


def progress_series(*, audience: Audience, group: str, roadmap_item: int | None = None) -> dict:
    """Monthly mean physical progress over the last year, per region, per agency, or of one item's projects.

    Regions and agencies read the monthly table the worker rebuilds (projects/progress_monthly.py);
    one roadmap item's few projects are replayed from their reports directly.
    """
    if group in {"region", "agency"}:
        return _series(monthly_series_rows(audience=audience, group=group))
    statement = Sql(_SERIES_SQL, {"today": health_today()}).format(
        visible=audience.sql("project", "p"), group=identifier("everything"),
        only_item=Sql(_ONLY_ITEM, {"only_item": roadmap_item}))
    return _series(statement.fetchall())


def _series(rows: list[tuple]) -> dict:
    months = sorted({month for month, _, _ in rows})
    series: dict[int, dict] = {}
    for month, key, value in rows:
        series.setdefault(key, {})[month] = float(value)
    return {"months": [m.isoformat() for m in months],
            "series": {key: [values.get(m) for m in months] for key, values in series.items()}}


def camera_counts(*, audience: Audience) -> dict:
    """Cameras online and in all, live: one cheap query, never cached with the project figures."""
    online, total = Sql(_CAMERAS_SQL).format(status=online_sql("c", now=audience.now),
                                             visible=audience.sql("camera", "c")).fetchone()
    return {"online": online, "total": total}


def dashboard_summary(*, audience: Audience) -> dict:
    """Everything the dashboard shows in text.

    The project and roadmap figures are cached until projects or imagery evidence change
    (geotrack/core/cache.py); camera heartbeats and snapshots never throw them away.
    """
    summary = cached_aggregate("dashboard", ((get_language() or "en")[:2],), audience_key=audience.key,
                               topics=["projects", "imagery", "feedback", "execution"],
                               compute=lambda: _project_summary(audience=audience))
    alerts = annotate(sort_alerts(summary["alerts"] + camera_alerts(audience=audience)))[:DASHBOARD_ALERTS]
    # Escalated alerts first, each with its clock: read live, outside the cache (the worker moves them).
    escalated = [alert for alert in alerts if alert["state"] and alert["state"]["level"]
                 and not alert["state"]["acknowledged_at"]]
    return {**summary, "alerts": alerts, "items_to_activate": annotate(summary["items_to_activate"]),
            "escalated": escalated, "cameras": camera_counts(audience=audience)}


def execution_summary(*, audience: Audience) -> dict:
    """Late reports, returned reports not resubmitted, overdue milestones and instructions: in all, by agency
    and by region (akimats count for their region). Three queries, none per item."""
    agencies = activation_by_agency(audience=audience)
    keys = ("late_reports", "returned_reports", "overdue_milestones", "overdue_instructions")
    totals = {key: sum(agency[key] for agency in agencies) for key in keys}
    language = (get_language() or "en")[:2]
    by_region: dict[str, dict] = {}
    for agency in agencies:
        agency["label"] = agency["name"].get(language) or agency["name"]["en"]
        if agency["region"]:
            region = by_region.setdefault(agency["region"], {"iso_code": agency["region"], **dict.fromkeys(keys, 0)})
            for key in keys:
                region[key] += agency[key]
    return {**totals, "by_agency": agencies[:10],
            "by_region": sorted(by_region.values(), key=lambda r: -sum(r[k] for k in keys))[:10]}


def _statuses(audience: Audience) -> list[tuple]:
    counted = counted_rows(audience, "agency", lambda counted: Sql(_STATUS_COUNTED_SQL).format(counted=counted))
    rows = counted if counted is not None else Sql(_STATUS_SQL).format(visible=audience.sql("project", "p")).fetchall()
    return sorted(rows, key=lambda row: (-row[1], row[0]))


def _project_summary(*, audience: Audience) -> dict:
    with shared_reads():  # the counters' private share counted once per dimension (projects/counts/)
        items = roadmap_item_status(audience=audience)
        statuses = _statuses(audience)
        kpis, regions, agencies = national_kpis(audience=audience), _regions(audience), _agencies(audience)
    alerts = alerts_for(audience=audience, item_status=items, cameras=False)
    return {
        "items": {health: sum(1 for item in items.values() if item["health"] == health) for health in HEALTH_VALUES},
        "items_total": len(items),
        "projects": kpis,
        "projects_by_status": [{"status": code, "label": str(Project.Status(code).label), "count": count}
                               for code, count in statuses],
        "lagging_regions": regions[:5],
        "lagging_agencies": agencies[:5],
        "items_to_activate": [a for a in alerts if a["kind"] in {"item_overdue", "item_behind"}][:10],
        "execution": execution_summary(audience=audience),
        "alerts": alerts[:DASHBOARD_ALERTS],
        "generated_at": timezone.now().isoformat(),
    }
