"""Headquarters meetings on the site: the agenda proposed from the alerts, the presentation's views and the
protocol PDF (WeasyPrint, as the roadmap report)."""
from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from execution import services
from execution.models import AgendaEntry, ExecutionReport, Meeting, Milestone
from execution.selectors import instructions_visible, reports_visible
from geotrack.core.params import local_today
from geotrack.site.alerts import alerts_for
from geotrack.site.dashboard import dashboard_summary
from geotrack.site.reports.svg import region_map_svg
from projects.access import Audience
from projects.models import ProgressPhoto, Region, RoadmapItem
from projects.selectors import regions_geojson_dict, roadmap_item_status

AGENDA_KINDS = ("item_overdue", "instruction_overdue", "report_returned", "report_late", "milestone_overdue",
                "item_behind")
AGENDA_SIZE = 10


def agenda_propose(*, meeting: Meeting, audience: Audience) -> list[AgendaEntry]:
    """Replace the agenda with one proposed from the alerts: overdue and lagging items, late and returned
    reports, overdue instructions (most severe first, one entry per item or instruction), then the lagging
    regions. The coordinator edits it afterwards."""
    entries, seen = [], set()
    items = {item.number: item for item in RoadmapItem.objects.all()}
    for alert in alerts_for(audience=audience, cameras=False):
        if alert["kind"] not in AGENDA_KINDS or len(entries) >= AGENDA_SIZE - 2:
            continue
        key = (alert["object"]["type"], alert["object"]["id"])
        if key in seen:
            continue
        seen.add(key)
        entry = {"title": alert["object"]["title"][:400], "reason": alert["reason"]}
        if key[0] == "roadmap_item":
            entry["roadmap_item"] = items[key[1]]
        else:
            entry["instruction"] = instructions_visible(audience=audience).get(pk=key[1])
        entries.append(entry)
    regions = [feature["properties"] for feature in regions_geojson_dict(audience=audience)["features"]]
    lagging = sorted((r for r in regions if r["project_count"]),
                     key=lambda r: -(r["health"]["overdue"] + r["health"]["at_risk"]) / r["project_count"])[:2]
    by_iso = {region.iso_code: region for region in Region.objects.filter(iso_code__in=[r["iso_code"] for r in lagging])}
    for region in lagging:
        entries.append({"region": by_iso[region["iso_code"]], "title": region["name"],
                        "reason": _("%(overdue)d overdue and %(at_risk)d at risk of %(count)d projects.") % {
                            "overdue": region["health"]["overdue"], "at_risk": region["health"]["at_risk"],
                            "count": region["project_count"]}})
    return services.agenda_set(meeting=meeting, entries=entries)


def agenda_of(meeting: Meeting):
    return meeting.agenda.select_related("roadmap_item__agency", "instruction__agency", "region").order_by("position")


def plan_chart_svg(*, item: RoadmapItem, milestones: list[Milestone], today: dt.date, width: int = 560,
                   height: int = 220) -> SafeString:
    """Progress against plan: the planned weighted share of milestones over time, and the share done."""
    total = sum(m.weight for m in milestones)
    start, end = item.start, max([item.deadline, today] + [m.planned_on for m in milestones])
    span = max((end - start).days, 1)
    pad = 34

    def x(day: dt.date) -> float:
        return pad + (width - 2 * pad) * max(min((day - start).days, span), 0) / span

    def y(share: float) -> float:
        return height - pad - (height - 2 * pad) * share / 100

    def steps(points: list[tuple[dt.date, int]]) -> str:
        path, done = [f"{x(start):.1f},{y(0):.1f}"], 0
        for day, weight in sorted(points):
            path.append(f"{x(day):.1f},{y(100 * done / total):.1f}")
            done += weight
            path.append(f"{x(day):.1f},{y(100 * done / total):.1f}")
        return " ".join(path)

    if not total:
        return mark_safe("")
    planned = steps([(m.planned_on, m.weight) for m in milestones])
    actual = steps([(m.done_on, m.weight) for m in milestones if m.done_on and m.done_on <= today]) + \
        f" {x(today):.1f},{y(100 * sum(m.weight for m in milestones if m.done_on and m.done_on <= today) / total):.1f}"
    labels = (f'<text x="{pad}" y="{height - 10}">{start:%d.%m.%Y}</text>'
              f'<text x="{width - pad}" y="{height - 10}" text-anchor="end">{end:%d.%m.%Y}</text>'
              f'<text x="4" y="{y(100) + 4:.1f}">100%</text><text x="4" y="{y(0) + 4:.1f}">0%</text>')
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="plan-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(_("Progress against plan"))}" font-family="DejaVu Sans, sans-serif" font-size="11">'
        f'<line x1="{pad}" y1="{y(0):.1f}" x2="{width - pad}" y2="{y(0):.1f}" stroke="#9aa7b2"/>'
        f'<line x1="{x(today):.1f}" y1="{pad / 2}" x2="{x(today):.1f}" y2="{y(0):.1f}" stroke="#d73027" '
        f'stroke-dasharray="4 3"/>'
        f'<polyline points="{planned}" fill="none" stroke="#9aa7b2" stroke-width="2" stroke-dasharray="6 4"/>'
        f'<polyline points="{actual}" fill="none" stroke="#0b5cab" stroke-width="3"/>{labels}'
        f'<text x="{width - pad}" y="{pad / 2 + 4}" text-anchor="end" fill="#0b5cab">{escape(_("done"))}</text>'
        f'<text x="{width - pad}" y="{pad / 2 + 18}" text-anchor="end" fill="#5b6b79">{escape(_("planned"))}</text>'
        f'</svg>')


def _photo(audience: Audience, item: RoadmapItem) -> ProgressPhoto | None:
    visible = audience.projects().filter(roadmap_items=item)
    return (audience.filter(ProgressPhoto.objects.filter(report__project__in=visible), "progress_photo")
            .select_related("report").order_by("-report__reported_at", "-id").first())


def title_view(*, meeting: Meeting, audience: Audience) -> dict:
    summary = dashboard_summary(audience=audience)
    return {"kind": "title", "meeting": meeting, "summary": summary, "agenda": list(agenda_of(meeting))}


def entry_view(*, entry: AgendaEntry, audience: Audience) -> dict:
    """One agenda entry's view, read live: map, progress against plan, milestones, latest report, a photo."""
    view = {"kind": "entry", "entry": entry, "today": local_today()}
    regions = [feature["properties"] for feature in regions_geojson_dict(audience=audience)["features"]]
    item = entry.roadmap_item
    if item is None and entry.instruction is not None:
        item = entry.instruction.roadmap_items.order_by("number").first()
    focus = entry.region.iso_code if entry.region else None
    if item is not None:
        milestones = list(item.milestones.order_by("position", "id"))
        state = roadmap_item_status(audience=audience).get(item.pk, {})
        latest = (reports_visible(audience=audience).filter(roadmap_item=item)
                  .exclude(state=ExecutionReport.State.DRAFT).order_by("-period__starts_on", "-submitted_at").first())
        photo = _photo(audience, item)
        project_regions = audience.projects().filter(roadmap_items=item).values_list("region__iso_code", flat=True)
        focus = focus or next((iso for iso in project_regions if iso), None)
        view.update(item=item, state=state, milestones=milestones, latest=latest, photo=photo,
                    chart=plan_chart_svg(item=item, milestones=milestones, today=view["today"]))
    if entry.instruction is not None:
        view["instruction"] = entry.instruction
        view["instruction_report"] = (reports_visible(audience=audience).filter(instruction=entry.instruction)
                                      .exclude(state=ExecutionReport.State.DRAFT).order_by("-submitted_at").first())
    view["map"] = region_map_svg(regions=regions, focus=focus, width=560)
    return view


def protocol_pdf(*, meeting: Meeting, audience: Audience, language: str) -> bytes:
    """The meeting's protocol in Kazakh or Russian: agenda, decisions, instructions with responsible and deadline."""
    from weasyprint import HTML  # noqa: PLC0415 - loads Pango, which only the PDF needs

    with translation.override(language):
        instructions = instructions_visible(audience=audience).filter(meeting=meeting).prefetch_related(
            Prefetch("co_executors"), "roadmap_items").order_by("number")
        html = render_to_string("meetings/protocol.html", {
            "meeting": meeting, "agenda": agenda_of(meeting), "instructions": instructions, "language": language})
    return HTML(string=html, base_url=None).write_pdf()
