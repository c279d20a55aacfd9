"""What the roadmap report holds, computed from the history for the day asked for.

Every figure comes from the same selectors as the dashboard (roadmap_item_status,
regions_geojson_dict, alerts_for) with as_of, so a report for a past day uses
the projects as they were then and ignores progress reports dated later.
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypedDict

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from rest_framework import exceptions

from geotrack.core.params import end_of_day, parse_as_of
from geotrack.core.sql import Sql
from geotrack.site.alerts import Alert, alerts_for
from execution.selectors import report_states
from projects.access import Audience
from projects.asof import project_source
from projects.health import HEALTH_VALUES, health_today
from projects.models import Agency, ProjectRegion, RoadmapItem, Region
from projects.selectors import regions_geojson_dict, roadmap_item_status, visible_projects_sql

# The window's new progress reports are listed newest first up to this many; the
# report says how many there were in all.
MAX_NEW_REPORTS = 500


@dataclass(frozen=True)
class ReportParams:
    as_of: dt.date
    since: dt.date
    region: Region | None = None
    agency: Agency | None = None

    def query(self) -> dict[str, str]:
        """The query string that asks for this report again."""
        query = {"as_of": self.as_of.isoformat(), "since": self.since.isoformat()}
        if self.region:
            query["region"] = self.region.iso_code
        if self.agency:
            query["agency"] = self.agency.code
        return query

    def slug(self) -> str:
        """A file name stem: roadmap-2025-12-31[-KZ-75][-agency]."""
        parts = ["roadmap", self.as_of.isoformat()]
        parts += [self.region.iso_code] if self.region else []
        parts += [self.agency.code] if self.agency else []
        return "-".join(parts)


class ItemRow(TypedDict):
    number: int
    title: str
    section: str
    section_label: str
    agency: str
    agency_name: str
    deadline: dt.date
    health: str
    progress: float | None
    project_count: int
    health_since: str
    progress_since: float | None
    progress_delta: float | None
    project_count_since: int
    changed: bool
    milestone_progress: float | None
    report_state: str


class NewReportRow(TypedDict):
    id: int
    reported_on: dt.date
    project_id: int
    project_title: str
    region: str | None
    items: str
    physical: float
    financial: float
    supersedes: int | None


@dataclass
class RoadmapReport:
    params: ReportParams
    items: list[ItemRow]
    new_reports: list[NewReportRow]
    new_reports_total: int
    alerts: list[Alert]
    regions: list[dict]
    health_counts: dict[str, int] = field(default_factory=dict)

    @property
    def changes(self) -> list[ItemRow]:
        return [item for item in self.items if item["changed"]]


def month_before(day: dt.date) -> dt.date:
    """The same day a month earlier, or that month's last day (31 March -> 28/29 February)."""
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _day(value: str | None, name: str) -> dt.date | None:
    """A past or present day, with parse_as_of's rules, reported under the parameter's own name."""
    day = parse_as_of(value, name, allow_blank=True)  # the report's own form sends empty fields
    return day or (health_today() if value else None)


def report_params(query: Mapping[str, str]) -> ReportParams:
    """Validate as_of, since, region (ISO code) and agency (code); a bad one is a 400."""
    as_of = _day(query.get("as_of"), "as_of") or health_today()
    since = _day(query.get("since"), "since") or month_before(as_of)
    if since > as_of:
        raise exceptions.ValidationError({"since": [_("since must not be after as_of.")]})
    region = agency = None
    if query.get("region"):
        region = Region.objects.filter(iso_code=query["region"]).first()
        if region is None:
            raise exceptions.ValidationError({"region": [_("Unknown region: use an ISO 3166-2 code such as KZ-75.")]})
    if query.get("agency"):
        agency = Agency.objects.filter(code=query["agency"]).first()
        if agency is None:
            raise exceptions.ValidationError({"agency": [_("Unknown agency code.")]})
    return ReportParams(as_of=as_of, since=since, region=region, agency=agency)


def _history_day(day: dt.date) -> dt.date | None:
    """The selectors' as_of: None means today, read from the live tables."""
    return None if day >= health_today() else day


def item_status(*, audience: Audience, day: dt.date, region: Region | None) -> dict[int, dict]:
    """roadmap_item_status() for a day, restricted to the projects touching a region when given."""
    return roadmap_item_status(audience=audience, as_of=_history_day(day), region_id=region.pk if region else None)


def _number(value: Decimal | float | None) -> float | None:
    return None if value is None else round(float(value), 1)


def _delta(now: float | None, before: float | None) -> float | None:
    if now is None and before is None:
        return None
    return round((now or 0.0) - (before or 0.0), 1)


def _item_rows(*, audience: Audience, params: ReportParams) -> list[ItemRow]:
    now = item_status(audience=audience, day=params.as_of, region=params.region)
    before = item_status(audience=audience, day=params.since, region=params.region)
    states = report_states(audience=audience, day=params.as_of)
    items = RoadmapItem.objects.select_related("agency").order_by("number")
    if params.agency:
        items = items.filter(agency=params.agency)
    rows: list[ItemRow] = []
    for item in items:
        state, earlier = now.get(item.pk, {}), before.get(item.pk, {})
        if params.region and not state.get("project_count"):
            continue  # with a region, only the items with projects there
        progress, progress_since = _number(state.get("progress")), _number(earlier.get("progress"))
        row = ItemRow(
            number=item.number, title=item.title, section=item.section, section_label=str(item.get_section_display()),
            agency=item.agency.code, agency_name=item.agency.name, deadline=item.deadline,
            health=state.get("health") or "", progress=progress, project_count=state.get("project_count") or 0,
            health_since=earlier.get("health") or "", progress_since=progress_since,
            progress_delta=_delta(progress, progress_since), project_count_since=earlier.get("project_count") or 0,
            changed=False, milestone_progress=_number(state.get("milestone_progress")),
            report_state=states.get(item.pk, ""),
        )
        row["changed"] = (row["health"] != row["health_since"] or bool(row["progress_delta"])
                          or row["project_count"] != row["project_count_since"])
        rows.append(row)
    return rows


_NEW_REPORTS_SQL = """
SELECT x.id, x.reported_at, p.id, p.title, r.iso_code,
    (SELECT string_agg(i.number::text, ', ' ORDER BY i.number)
     FROM projects_project_roadmap_items l JOIN projects_roadmapitem i ON i.id = l.roadmapitem_id
     WHERE l.project_id = p.id AND i.number = ANY(%(numbers)s)),
    x.physical, x.financial, x.supersedes_id, count(*) OVER ()
FROM projects_progressreport x
JOIN {source} p ON p.id = x.project_id
-- The primary region is derived by a raw UPDATE that history does not record: take today's.
LEFT JOIN projects_project cur ON cur.id = p.id
LEFT JOIN projects_region r ON r.id = cur.region_id
WHERE x.reported_at > %(since_end)s AND x.reported_at <= %(as_of_end_report)s AND {visible}
  AND EXISTS (SELECT 1 FROM projects_project_roadmap_items l JOIN projects_roadmapitem i ON i.id = l.roadmapitem_id
              WHERE l.project_id = p.id AND i.number = ANY(%(numbers)s))
  {region}
ORDER BY x.reported_at DESC, x.id DESC
LIMIT %(limit)s
"""


def _new_reports(*, audience: Audience, params: ReportParams, numbers: list[int]) -> tuple[list[NewReportRow], int]:
    """Progress reports dated after since and up to as_of, on readable projects of the report's items."""
    day = _history_day(params.as_of)
    region = Sql("")
    if params.region:
        region = Sql("AND EXISTS (SELECT 1 FROM projects_projectregion rr WHERE rr.project_id = p.id "
                     "AND rr.region_id = %(region_id)s)", {"region_id": params.region.pk})
    statement = Sql(_NEW_REPORTS_SQL, {
        "numbers": numbers, "since_end": end_of_day(params.since), "as_of_end_report": end_of_day(params.as_of),
        "limit": MAX_NEW_REPORTS}).format(source=project_source(as_of=day),
                                          visible=visible_projects_sql(audience=audience, as_of=day), region=region)
    rows = statement.fetchall()
    reports = [NewReportRow(id=pk, reported_on=timezone.localtime(reported_at).date(), project_id=project_id,
                            project_title=title, region=iso, items=items or "", physical=float(physical),
                            financial=float(financial), supersedes=supersedes)
               for pk, reported_at, project_id, title, iso, items, physical, financial, supersedes, _total in rows]
    return reports, (rows[0][-1] if rows else 0)


def _projects_in_region(project_ids: list[int], region: Region) -> set[int]:
    return set(ProjectRegion.objects.filter(project_id__in=project_ids, region=region)
               .values_list("project_id", flat=True))


def _alerts(*, audience: Audience, params: ReportParams, numbers: list[int]) -> list[Alert]:
    """alerts_for() on as_of, kept to the report's items, and to projects touching the region or of the agency."""
    alerts = alerts_for(audience=audience, as_of=_history_day(params.as_of))
    project_ids = [alert["object"]["id"] for alert in alerts if alert["object"]["type"] == "project"]
    in_region = _projects_in_region(project_ids, params.region) if params.region else set()
    kept = []
    for alert in alerts:
        kind = alert["object"]["type"]
        if kind == "roadmap_item":
            keep = alert["object"]["id"] in numbers
        else:
            in_place = alert["object"]["id"] in in_region if kind == "project" else alert.get("region") == (
                params.region and params.region.iso_code)
            keep = ((not params.region or in_place)
                    and (not params.agency or alert.get("agency") == params.agency.code))
        if keep:
            kept.append(alert)
    return kept


def _regions(*, audience: Audience, params: ReportParams) -> list[dict]:
    collection = regions_geojson_dict(audience=audience, language=get_language() or "en", as_of=_history_day(params.as_of))
    return [{key: feature["properties"][key] for key in ("iso_code", "name", "project_count", "mean_progress")}
            for feature in collection["features"]]


def roadmap_report(*, audience: Audience, params: ReportParams) -> RoadmapReport:
    """Gather the roadmap's execution as of a day, as the audience may read it."""
    items = _item_rows(audience=audience, params=params)
    numbers = [item["number"] for item in items]
    new_reports, total = _new_reports(audience=audience, params=params, numbers=numbers)
    return RoadmapReport(
        params=params, items=items, new_reports=new_reports, new_reports_total=total,
        alerts=_alerts(audience=audience, params=params, numbers=numbers), regions=_regions(audience=audience, params=params),
        health_counts={health: sum(1 for item in items if item["health"] == health) for health in HEALTH_VALUES},
    )
