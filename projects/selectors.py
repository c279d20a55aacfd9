"""Reads: aggregates over the projects an audience may read, computed in PostGIS."""
from __future__ import annotations

import datetime as dt
import functools
import json

from django.conf import settings
from django.db.models import QuerySet

from geotrack.core.sql import Sql, feature, feature_collection, features_array
from projects.access import Audience
from projects.asof import project_source
from projects.counts import counted_rows
from projects.health import health_sql, health_today
from projects.models import Project


def visible_projects_sql(*, audience: Audience, alias: str = "p", as_of: dt.date | None = None) -> Sql:
    """The audience's rule on a project alias: on the live table, or by id on a past day's rows.

    Past days decide who may read by today's row (projects.asof): history never widens.
    """
    if as_of is None:
        return audience.sql("project", alias)
    return audience.sql_exists("project", f"{alias}.id")


_REGION_NAME = "CASE %(language)s WHEN 'kk' THEN {r}.name_kk WHEN 'ru' THEN {r}.name_ru ELSE {r}.name_en END"

_REGIONS_SQL = """
WITH visible AS (
    SELECT p.id, p.physical_progress, p.budget, {health} AS health
    FROM {source} p
    WHERE {visible} AND p.status <> 'cancelled'
), per_region AS (
    SELECT pr.region_id,
        count(*) AS project_count,
        round(avg(v.physical_progress), 1) AS mean_progress,
        round(sum(v.physical_progress * v.budget) FILTER (WHERE v.budget > 0)
              / NULLIF(sum(v.budget) FILTER (WHERE v.budget > 0), 0), 1) AS mean_progress_weighted,
        count(*) FILTER (WHERE v.health = 'on_track') AS on_track,
        count(*) FILTER (WHERE v.health = 'at_risk') AS at_risk,
        count(*) FILTER (WHERE v.health = 'overdue') AS overdue,
        count(*) FILTER (WHERE v.health = 'done') AS done
    FROM visible v JOIN projects_projectregion pr ON pr.project_id = v.id
    GROUP BY pr.region_id
)
SELECT {collection}::text
FROM projects_region r LEFT JOIN per_region a ON a.region_id = r.id
{where}
"""

_REGION_PROPERTIES = """json_build_object(
    'iso_code', r.iso_code, 'kato_code', r.kato_code, 'kind', r.kind, 'name', {name},
    'name_kk', r.name_kk, 'name_ru', r.name_ru, 'name_en', r.name_en,
    'admin_centre', r.admin_centre,
    'project_count', COALESCE(a.project_count, 0),
    'mean_progress', a.mean_progress,
    'mean_progress_weighted', a.mean_progress_weighted,
    'health', json_build_object(
        'on_track', COALESCE(a.on_track, 0), 'at_risk', COALESCE(a.at_risk, 0),
        'overdue', COALESCE(a.overdue, 0), 'done', COALESCE(a.done, 0)))"""


def region_name_sql(alias: str, language: str) -> Sql:
    return Sql(_REGION_NAME.replace("{r}", alias), {"language": (language or "en")[:2]})


def regions_geojson(*, audience: Audience, language: str = "en", detail: str = "simplified",
                    iso_code: str | None = None, as_of: dt.date | None = None) -> str:
    """Return the regions as GeoJSON text with aggregates over what the audience may read.

    The whole FeatureCollection is built in PostGIS. Aggregates exclude cancelled
    projects, and a project touching several regions counts in each.
    """
    geometry = "r.boundary" if detail == "full" else "r.boundary_simplified"
    properties = Sql(_REGION_PROPERTIES).format(name=region_name_sql("r", language))
    collection = feature_collection(feature=feature(id="r.iso_code", geometry=geometry, properties=properties),
                                    order="r.iso_code")
    where = Sql("WHERE r.iso_code = %(iso_code)s", {"iso_code": iso_code}) if iso_code else Sql("")
    statement = Sql(_REGIONS_SQL).format(
        health=health_sql(alias="p", today=as_of), source=project_source(as_of=as_of),
        visible=visible_projects_sql(audience=audience, as_of=as_of), collection=collection, where=where)
    return statement.value()


def regions_geojson_dict(**kwargs) -> dict:
    return json.loads(regions_geojson(**kwargs))


# The regions' figures from the counters (projects/counts/), as the same properties as regions_geojson.
_REGIONS_COUNTED_SQL = """
WITH per_region AS (
    SELECT c.key_id AS region_id,
        sum(c.projects) AS project_count,
        round(sum(c.physical) / NULLIF(sum(c.projects), 0), 1) AS mean_progress,
        round(sum(c.physical_budget) / NULLIF(sum(c.budget), 0), 1) AS mean_progress_weighted,
        COALESCE(sum(c.projects) FILTER (WHERE c.health = 'on_track'), 0) AS on_track,
        COALESCE(sum(c.projects) FILTER (WHERE c.health = 'at_risk'), 0) AS at_risk,
        COALESCE(sum(c.projects) FILTER (WHERE c.health = 'overdue'), 0) AS overdue,
        COALESCE(sum(c.projects) FILTER (WHERE c.health = 'done'), 0) AS done
    FROM {counted} c
    WHERE c.status <> 'cancelled'
    GROUP BY c.key_id HAVING sum(c.projects) > 0
)
SELECT COALESCE(json_agg({properties} ORDER BY r.iso_code), '[]')::text
FROM projects_region r LEFT JOIN per_region a ON a.region_id = r.id
"""


def region_figures(*, audience: Audience, language: str = "en") -> list[dict]:
    """Every region's figures today (the properties of regions_geojson), from the counters when they can answer."""
    properties = Sql(_REGION_PROPERTIES).format(name=region_name_sql("r", language))
    counted = counted_rows(audience, "region", lambda counted: Sql(_REGIONS_COUNTED_SQL).format(
        counted=counted, properties=properties))
    if counted is None:
        collection = regions_geojson_dict(audience=audience, language=language)
        return [feature["properties"] for feature in collection["features"]]
    return json.loads(counted[0][0])


_KPIS_SQL = """
SELECT count(*),
    round(avg(physical_progress), 1),
    round(avg(financial_progress), 1),
    count(*) FILTER (WHERE health = 'on_track'),
    count(*) FILTER (WHERE health = 'at_risk'),
    count(*) FILTER (WHERE health = 'overdue'),
    count(*) FILTER (WHERE health = 'done')
FROM (
    SELECT p.physical_progress, p.financial_progress, p.status, {health} AS health
    FROM {source} p WHERE {visible}
) v
WHERE v.status <> 'cancelled'
"""


_KPIS_COUNTED_SQL = """
SELECT COALESCE(sum(c.projects), 0)::bigint,
    round(sum(c.physical) / NULLIF(sum(c.projects), 0), 1),
    round(sum(c.financial) / NULLIF(sum(c.projects), 0), 1),
    COALESCE(sum(c.projects) FILTER (WHERE c.health = 'on_track'), 0)::bigint,
    COALESCE(sum(c.projects) FILTER (WHERE c.health = 'at_risk'), 0)::bigint,
    COALESCE(sum(c.projects) FILTER (WHERE c.health = 'overdue'), 0)::bigint,
    COALESCE(sum(c.projects) FILTER (WHERE c.health = 'done'), 0)::bigint
FROM {counted} c
WHERE c.status <> 'cancelled'
"""


def national_kpis(*, audience: Audience, as_of: dt.date | None = None) -> dict:
    """Return country-wide counts by health and mean progress over what the audience may read.

    Today's figures come from the counters (projects/counts/) when they can answer for the audience.
    """
    counted = counted_rows(audience, "agency", lambda counted: Sql(_KPIS_COUNTED_SQL).format(counted=counted)) \
        if as_of is None else None
    if counted is not None:
        row = counted[0]
    else:
        row = Sql(_KPIS_SQL).format(health=health_sql(alias="p", today=as_of), source=project_source(as_of=as_of),
                                    visible=visible_projects_sql(audience=audience, as_of=as_of)).fetchone()
    keys = ("projects", "mean_progress", "mean_financial_progress", "on_track", "at_risk", "overdue", "done")
    return dict(zip(keys, row))


_PROJECT_PROPERTIES = """json_build_object(
    'title', p.title, 'status', p.status, 'health', {health}, 'sector', p.sector, 'kind', p.kind,
    'region', r.iso_code, 'agency', a.code,
    'physical_progress', p.physical_progress, 'financial_progress', p.financial_progress,
    'planned_start', p.planned_start, 'planned_end', p.planned_end,
    'budget', p.budget, 'currency', p.currency, 'is_public', p.is_public,
    'last_report_at', p.last_report_at, 'updated_at', p.updated_at, 'version', p.version)"""

_FEATURES_SQL = """
SELECT {features}::text, count(*)
FROM ({page}) page
JOIN projects_project p ON p.id = page.id
LEFT JOIN projects_region r ON r.id = p.region_id
LEFT JOIN projects_agency a ON a.id = p.agency_id
"""


def project_features_sql(page: Sql) -> Sql:
    """The statement turning a page of project ids into a GeoJSON features array and its length."""
    health = health_sql(alias="p")
    return _features_statement(tuple(sorted(health.params.items()))).format(page=page)


@functools.lru_cache(maxsize=8)
def _features_statement(health_params: tuple) -> Sql:
    # The statement around its {page} slot, composed once per day (the health rule's values change daily):
    # composing it costs more than running the prepared statement.
    properties = Sql(_PROJECT_PROPERTIES).format(health=Sql(health_sql(alias="p").text, dict(health_params)))
    features = features_array(feature=feature(id="p.id", geometry="p.geom", properties=properties), order="p.id")
    return Sql(_FEATURES_SQL).format(features=features)


def projects_page_sql(where: Sql, *, offset: int, limit: int) -> Sql:
    """The ids of one page of the projects matching a condition on alias p, in id order."""
    return Sql("SELECT p.id FROM projects_project p WHERE {where} ORDER BY p.id LIMIT {limit} OFFSET {offset}").format(
        where=where, limit=str(int(limit)), offset=str(int(offset)))


def features_of_page(page: Sql) -> tuple[str, int]:
    """One page of projects (a statement selecting their ids) as a GeoJSON features array, and its length.

    The array is built entirely in PostGIS; Python never sees a feature.
    """
    features, returned = project_features_sql(page).fetchone(prepare=True)
    return features, returned


def projects_features_page(*, queryset: QuerySet[Project], offset: int, limit: int) -> tuple[str, int]:
    """Return one page of a queryset's projects as a GeoJSON features array (text), and how many it holds."""
    return features_of_page(Sql.of_queryset(queryset.order_by("id").values("id")[offset:offset + limit], "page"))


def projects_features_json(*, queryset: QuerySet[Project], offset: int, limit: int) -> str:
    """Return one page of projects as a GeoJSON features array (text), built in PostGIS."""
    return projects_features_page(queryset=queryset, offset=offset, limit=limit)[0]


def projects_count(*, queryset: QuerySet[Project] | None = None, where: Sql | None = None,
                   exact_limit: int) -> tuple[int, bool]:
    """Count a queryset's projects, or those matching a condition on alias p, exactly up to exact_limit;
    beyond, return the planner's estimate and say so."""
    if where is not None:
        ids = Sql("SELECT p.id FROM projects_project p WHERE {where}").format(where=where)
    else:
        ids = Sql.of_queryset(queryset.order_by().values("id"), "ids")
    count = Sql("SELECT count(*) FROM ({ids} LIMIT %(exact_limit)s) c", {"exact_limit": exact_limit + 1}).format(
        ids=ids).value()
    if count <= exact_limit:
        return count, False
    plan = Sql("EXPLAIN (FORMAT JSON) {ids}").format(ids=ids).value()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return max(int(plan[0]["Plan"]["Plan Rows"]), exact_limit + 1), True


_PER_ITEM_SQL = """
WITH visible AS (
    SELECT p.id, p.physical_progress, {health} AS health
    FROM {source} p WHERE {visible} AND p.status <> 'cancelled'
), per_item AS (
    SELECT l.roadmapitem_id AS item_id, count(*) AS project_count, avg(v.physical_progress) AS progress,
        bool_and(v.health = 'done') AS all_done,
        bool_or(v.health IN ('at_risk', 'overdue')) AS any_lagging
    FROM projects_project_roadmap_items l JOIN visible v ON v.id = l.project_id
    GROUP BY l.roadmapitem_id
)"""

# The same per-item figures from the counters (projects/counts/).
_PER_ITEM_COUNTED_SQL = """
WITH per_item AS (
    SELECT c.key_id AS item_id, sum(c.projects)::bigint AS project_count,
        sum(c.physical) / NULLIF(sum(c.projects), 0) AS progress,
        COALESCE(sum(c.projects) FILTER (WHERE c.health <> 'done'), 0) = 0 AS all_done,
        COALESCE(sum(c.projects) FILTER (WHERE c.health IN ('at_risk', 'overdue')), 0) > 0 AS any_lagging
    FROM {counted} c
    WHERE c.status <> 'cancelled'
    GROUP BY c.key_id HAVING sum(c.projects) > 0
)"""

_ROADMAP_SQL = """{per_item}
SELECT i.id,
    CASE
        WHEN a.project_count > 0 AND a.all_done THEN 'done'
        WHEN i.deadline < %(item_today)s::date THEN 'overdue'
        WHEN a.any_lagging OR COALESCE(a.progress, 0) < LEAST(100.0,
             100.0 * GREATEST(%(item_today)s::date - i.start, 0) / NULLIF(i.deadline - i.start, 0))
             - %(item_lag)s THEN 'at_risk'
        ELSE 'on_track'
    END,
    COALESCE(a.project_count, 0), round(a.progress, 1)
FROM projects_roadmapitem i LEFT JOIN per_item a ON a.item_id = i.id
"""

# Upper floors add to an item's status (execution: milestones and accepted reports). Each hook takes the
# status dict and the day, and updates it in place with a fixed number of queries.
ITEM_STATUS_HOOKS: list = []


def register_item_status_hook(hook) -> None:
    """Let an app above projects complete roadmap_item_status (registered once, in AppConfig.ready)."""
    if hook not in ITEM_STATUS_HOOKS:
        ITEM_STATUS_HOOKS.append(hook)


_IN_REGION = ("EXISTS (SELECT 1 FROM projects_projectregion rr WHERE rr.project_id = p.id "
              "AND rr.region_id = %(only_region)s)")


def roadmap_item_status(*, audience: Audience, as_of: dt.date | None = None,
                        region_id: int | None = None) -> dict[int, dict]:
    """Return health, project count and mean progress of every roadmap item, in one query.

    Done when all its projects are done; overdue when its deadline passed and it is
    not done; at risk when a project lags or its mean progress is more than the
    threshold below the straight line from its start to its deadline.
    """
    today = as_of or health_today()
    rule = {"item_today": today, "item_lag": settings.GEOTRACK["AT_RISK_LAG_POINTS"]}
    rows = None
    if as_of is None and region_id is None:
        rows = counted_rows(audience, "item", lambda counted: Sql(_ROADMAP_SQL, rule).format(
            per_item=Sql(_PER_ITEM_COUNTED_SQL).format(counted=counted)))
    if rows is None:
        visible = visible_projects_sql(audience=audience, as_of=as_of)
        if region_id is not None:  # only the projects touching one region
            visible = visible & Sql(_IN_REGION, {"only_region": region_id})
        per_item = Sql(_PER_ITEM_SQL).format(health=health_sql(alias="p", today=today),
                                             source=project_source(as_of=as_of), visible=visible)
        rows = Sql(_ROADMAP_SQL, rule).format(per_item=per_item).fetchall()
    status = {item_id: {"health": health_value, "project_count": count, "progress": progress,
                        "project_health": health_value if count else None,
                        "project_progress": progress, "milestone_progress": None}
              for item_id, health_value, count, progress in rows}
    for hook in ITEM_STATUS_HOOKS:
        hook(status, today=today, as_of=as_of)
    return status
