"""Reads: what a caller may see, and aggregates over it, computed in PostGIS."""
from __future__ import annotations

import datetime as dt
import json

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection
from django.db.models import Q, QuerySet

from projects.asof import project_source
from projects.health import health_sql, health_today
from projects.models import Profile, Project


def user_role(user: AbstractBaseUser | AnonymousUser) -> str | None:
    """Return the contract role of a user: None for anonymous callers."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Profile.Role.ADMIN
    profile = getattr(user, "profile", None)
    return profile.role if profile else None


def user_region_ids(user) -> list[int]:
    profile = getattr(user, "profile", None)
    return list(profile.regions.values_list("id", flat=True)) if profile else []


def sees_everything(user) -> bool:
    """Planners, analysts and admins read everything (CONTRACT.md, Roles)."""
    return user_role(user) in {Profile.Role.PLANNER, Profile.Role.ANALYST, Profile.Role.ADMIN}


def project_visibility_q(user) -> Q | None:
    """Return the filter of projects a user may read, or None when they may read all."""
    if sees_everything(user):
        return None
    visible = Q(is_public=True)
    if user_role(user) == Profile.Role.AKIMAT:
        region_ids = user_region_ids(user)
        visible |= Q(region_links__region_id__in=region_ids)
    return visible


def projects_visible_to(*, user) -> QuerySet[Project]:
    """Return the live (not archived) projects that a user may read."""
    projects = Project.objects.filter(archived_at__isnull=True)
    visibility = project_visibility_q(user)
    if visibility is None:
        return projects
    if user_role(user) == Profile.Role.AKIMAT:
        return projects.filter(pk__in=Project.objects.filter(visibility).values("pk"))
    return projects.filter(visibility)


def visibility_sql(*, user, alias: str = "p") -> tuple[str, list]:
    """Return a SQL condition on a project alias equal to projects_visible_to()."""
    condition = f"{alias}.archived_at IS NULL"
    if sees_everything(user):
        return condition, []
    if user_role(user) == Profile.Role.AKIMAT:
        return (
            f"{condition} AND ({alias}.is_public OR EXISTS (SELECT 1 FROM projects_projectregion v "
            f"WHERE v.project_id = {alias}.id AND v.region_id = ANY(%s)))",
            [user_region_ids(user)],
        )
    return f"{condition} AND {alias}.is_public", []


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
SELECT json_build_object(
    'type', 'FeatureCollection',
    'features', COALESCE(json_agg(json_build_object(
        'type', 'Feature',
        'id', r.iso_code,
        'geometry', ST_AsGeoJSON({geom}, 6)::json,
        'properties', json_build_object(
            'iso_code', r.iso_code, 'kato_code', r.kato_code, 'kind', r.kind,
            'name', CASE %s WHEN 'kk' THEN r.name_kk WHEN 'ru' THEN r.name_ru ELSE r.name_en END,
            'name_kk', r.name_kk, 'name_ru', r.name_ru, 'name_en', r.name_en,
            'admin_centre', r.admin_centre,
            'project_count', COALESCE(a.project_count, 0),
            'mean_progress', a.mean_progress,
            'mean_progress_weighted', a.mean_progress_weighted,
            'health', json_build_object(
                'on_track', COALESCE(a.on_track, 0), 'at_risk', COALESCE(a.at_risk, 0),
                'overdue', COALESCE(a.overdue, 0), 'done', COALESCE(a.done, 0))
        )
    ) ORDER BY r.iso_code), '[]'::json)
)::text
FROM projects_region r LEFT JOIN per_region a ON a.region_id = r.id
{where}
"""


def regions_geojson(*, user, language: str = "en", detail: str = "simplified", iso_code: str | None = None,
                    as_of: dt.date | None = None) -> str:
    """Return the regions as GeoJSON text with aggregates over what the user may see.

    The whole FeatureCollection is built in PostGIS. Aggregates exclude cancelled
    projects, and a project touching several regions counts in each.
    """
    visible, visible_params = visibility_sql(user=user, alias="p")
    health, health_params = health_sql(alias="p", today=as_of)
    source, source_params = project_source(as_of=as_of)
    geom = "r.boundary" if detail == "full" else "r.boundary_simplified"
    where, where_params = ("WHERE r.iso_code = %s", [iso_code]) if iso_code else ("", [])
    sql = _REGIONS_SQL.format(health=health, visible=visible, geom=geom, where=where, source=source)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*health_params, *source_params, *visible_params, language[:2], *where_params])
        return cursor.fetchone()[0]


def regions_geojson_dict(**kwargs) -> dict:
    return json.loads(regions_geojson(**kwargs))


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


def national_kpis(*, user, as_of: dt.date | None = None) -> dict:
    """Return country-wide counts by health and mean progress over what the user may see."""
    visible, visible_params = visibility_sql(user=user, alias="p")
    health, health_params = health_sql(alias="p", today=as_of)
    source, source_params = project_source(as_of=as_of)
    with connection.cursor() as cursor:
        cursor.execute(_KPIS_SQL.format(health=health, visible=visible, source=source),
                       [*health_params, *source_params, *visible_params])
        row = cursor.fetchone()
    keys = ("projects", "mean_progress", "mean_financial_progress", "on_track", "at_risk", "overdue", "done")
    return dict(zip(keys, row))


_FEATURES_SQL = """
SELECT COALESCE(json_agg(json_build_object(
    'type', 'Feature',
    'id', p.id,
    'geometry', ST_AsGeoJSON(p.geom, 6)::json,
    'properties', json_build_object(
        'title', p.title, 'status', p.status, 'health', {health}, 'sector', p.sector, 'kind', p.kind,
        'region', r.iso_code, 'agency', a.code,
        'physical_progress', p.physical_progress, 'financial_progress', p.financial_progress,
        'planned_start', p.planned_start, 'planned_end', p.planned_end,
        'budget', p.budget, 'currency', p.currency, 'is_public', p.is_public,
        'last_report_at', p.last_report_at, 'updated_at', p.updated_at, 'version', p.version
    )
) ORDER BY p.id), '[]'::json)::text, count(*)
FROM ({page}) page
JOIN projects_project p ON p.id = page.id
LEFT JOIN projects_region r ON r.id = p.region_id
LEFT JOIN projects_agency a ON a.id = p.agency_id
"""


def projects_features_json(*, queryset: QuerySet[Project], offset: int, limit: int) -> str:
    """Return one page of projects as a GeoJSON features array (text), built in PostGIS."""
    return projects_features_page(queryset=queryset, offset=offset, limit=limit)[0]


def projects_features_page(*, queryset: QuerySet[Project], offset: int, limit: int) -> tuple[str, int]:
    """Return one page of projects as a GeoJSON features array (text), and how many it holds.

    The array is built entirely in PostGIS; Python never sees a feature.
    """
    page_sql, page_params = queryset.order_by("id").values("id")[offset:offset + limit].query.sql_with_params()
    health, health_params = health_sql(alias="p")
    with connection.cursor() as cursor:
        cursor.execute(_FEATURES_SQL.format(health=health, page=page_sql), [*health_params, *page_params])
        features, returned = cursor.fetchone()
        return features, returned


def projects_count(*, queryset: QuerySet[Project], exact_limit: int) -> tuple[int, bool]:
    """Count exactly up to exact_limit; beyond, return the planner's estimate and say so."""
    sql, params = queryset.order_by().values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({sql} LIMIT %s) c", [*params, exact_limit + 1])
        count = cursor.fetchone()[0]
        if count <= exact_limit:
            return count, False
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return max(int(plan[0]["Plan"]["Plan Rows"]), exact_limit + 1), True


_ROADMAP_SQL = """
WITH visible AS (
    SELECT p.id, p.physical_progress, {health} AS health
    FROM {source} p WHERE {visible} AND p.status <> 'cancelled'
), per_item AS (
    SELECT l.roadmapitem_id AS item_id, count(*) AS project_count, avg(v.physical_progress) AS progress,
        bool_and(v.health = 'done') AS all_done,
        bool_or(v.health IN ('at_risk', 'overdue')) AS any_lagging
    FROM projects_project_roadmap_items l JOIN visible v ON v.id = l.project_id
    GROUP BY l.roadmapitem_id
)
SELECT i.id,
    CASE
        WHEN a.project_count > 0 AND a.all_done THEN 'done'
        WHEN i.deadline < %s::date THEN 'overdue'
        WHEN a.any_lagging OR COALESCE(a.progress, 0) < LEAST(100.0,
             100.0 * GREATEST(%s::date - i.start, 0) / NULLIF(i.deadline - i.start, 0)) - %s THEN 'at_risk'
        ELSE 'on_track'
    END,
    COALESCE(a.project_count, 0), round(a.progress, 1)
FROM projects_roadmapitem i LEFT JOIN per_item a ON a.item_id = i.id
"""


def roadmap_item_status(*, user, as_of: dt.date | None = None, region_id: int | None = None) -> dict[int, dict]:
    """Return health, project count and mean progress of every roadmap item, in one query.

    Done when all its projects are done; overdue when its deadline passed and it is
    not done; at risk when a project lags or its mean progress is more than the
    threshold below the straight line from its start to its deadline.
    """
    source, source_params = project_source(as_of=as_of)
    today = as_of or health_today()
    visible, visible_params = visibility_sql(user=user, alias="p")
    if region_id is not None:  # only the projects touching one region
        visible += (" AND EXISTS (SELECT 1 FROM projects_projectregion rr "
                    "WHERE rr.project_id = p.id AND rr.region_id = %s)")
        visible_params = [*visible_params, region_id]
    health, health_params = health_sql(alias="p", today=today)
    lag = settings.GEOTRACK["AT_RISK_LAG_POINTS"]
    with connection.cursor() as cursor:
        cursor.execute(_ROADMAP_SQL.format(health=health, visible=visible, source=source),
                       [*health_params, *source_params, *visible_params, today, today, lag])
        rows = cursor.fetchall()
    return {item_id: {"health": health_value, "project_count": count, "progress": progress}
            for item_id, health_value, count, progress in rows}
