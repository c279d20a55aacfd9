"""Reads: what a caller may see, and aggregates over it, computed in PostGIS."""
from __future__ import annotations

import json

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection
from django.db.models import Q, QuerySet

from projects.health import health_sql
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
    FROM projects_project p
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


def regions_geojson(*, user, language: str = "en", detail: str = "simplified", iso_code: str | None = None) -> str:
    """Return the regions as GeoJSON text with aggregates over what the user may see.

    The whole FeatureCollection is built in PostGIS. Aggregates exclude cancelled
    projects, and a project touching several regions counts in each.
    """
    visible, visible_params = visibility_sql(user=user, alias="p")
    health, health_params = health_sql(alias="p")
    geom = "r.boundary" if detail == "full" else "r.boundary_simplified"
    where, where_params = ("WHERE r.iso_code = %s", [iso_code]) if iso_code else ("", [])
    sql = _REGIONS_SQL.format(health=health, visible=visible, geom=geom, where=where)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*health_params, *visible_params, language[:2], *where_params])
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
    SELECT p.physical_progress, p.financial_progress, {health} AS health
    FROM projects_project p WHERE {visible} AND p.status <> 'cancelled'
) v
"""


def national_kpis(*, user) -> dict:
    """Return country-wide counts by health and mean progress over what the user may see."""
    visible, visible_params = visibility_sql(user=user, alias="p")
    health, health_params = health_sql(alias="p")
    with connection.cursor() as cursor:
        cursor.execute(_KPIS_SQL.format(health=health, visible=visible), [*health_params, *visible_params])
        row = cursor.fetchone()
    keys = ("projects", "mean_progress", "mean_financial_progress", "on_track", "at_risk", "overdue", "done")
    return dict(zip(keys, row))
