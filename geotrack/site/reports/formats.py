"""The roadmap report as HTML, PDF (WeasyPrint), CSV and XLSX (openpyxl).

Every format is a function of the report alone: no clock, no random ids, rows in
a fixed order, so the same inputs give the same bytes (the XLSX's zip entries and
document properties carry the as_of day, never the time of writing).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable
from typing import NamedTuple

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from geotrack.core.spreadsheets import as_text_cells, neutralise
from geotrack.site.reports.data import RoadmapReport
from geotrack.site.reports.svg import Bar, bar_chart_svg, region_map_svg
from layers.palette import HEALTH_COLOURS, NO_DATA_COLOUR, PROGRESS_STEPS, health_labels, progress_colour

CSV_COLUMNS = ("number", "title", "section", "agency", "deadline", "health", "progress", "project_count",
               "health_since", "progress_since", "progress_delta", "milestone_progress", "report_state")


def report_state_labels() -> dict[str, str]:
    return {"draft": _("Draft"), "submitted": _("Submitted"), "accepted": _("Accepted"), "returned": _("Returned")}


def alert_kind_labels() -> dict[str, str]:
    return {"item_overdue": _("Item overdue"), "item_behind": _("Item behind schedule"),
            "project_stale": _("No recent progress report"), "cameras_offline": _("Cameras offline"),
            "check_on_site": _("Check on site"), "report_late": _("Report late"),
            "report_returned": _("Report returned"), "milestone_overdue": _("Milestone overdue"),
            "instruction_overdue": _("Instruction overdue"), "deadline_moved": _("Deadline moved")}


def _by_progress(region: dict) -> tuple:
    """Most advanced region first; regions without projects last."""
    return region["mean_progress"] is None, -(region["mean_progress"] or 0), region["iso_code"]


def report_context(report: RoadmapReport) -> dict:
    """Everything the HTML and PDF templates show: labelled rows, the map, the charts, the legend."""
    health = health_labels()
    kinds = alert_kind_labels()
    states = report_state_labels()
    items = [{**item, "health_label": health.get(item["health"], "–"),
              "health_since_label": health.get(item["health_since"], "–"),
              "report_state_label": states.get(item["report_state"], "–")} for item in report.items]
    alerts = [{**alert, "kind_label": kinds.get(alert["kind"], alert["kind"])} for alert in report.alerts]
    health_bars = [Bar(str(health[key]), report.health_counts.get(key, 0), HEALTH_COLOURS[key])
                   for key in ("done", "on_track", "at_risk", "overdue")]
    region_bars = [Bar(region["name"], region["mean_progress"], progress_colour(region["mean_progress"]))
                   for region in sorted(report.regions, key=_by_progress)]
    focus = report.params.region.iso_code if report.params.region else None
    steps = [(colour, f"{low}–{PROGRESS_STEPS[i + 1][0] if i + 1 < len(PROGRESS_STEPS) else 100}%")
             for i, (low, colour) in enumerate(PROGRESS_STEPS)]
    return {
        "report": report, "params": report.params, "items": items, "alerts": alerts,
        "changes": [item for item in items if item["changed"]],
        "map_svg": region_map_svg(regions=report.regions, focus=focus, width=680),
        "health_chart": bar_chart_svg(bars=health_bars, max_value=max([bar.value for bar in health_bars] + [1])),
        "region_chart": bar_chart_svg(bars=region_bars, max_value=100, unit="%"),
        "legend": [*steps, (NO_DATA_COLOUR, _("no projects"))],
    }


def render_print_html(report: RoadmapReport) -> str:
    """A self-contained page (inline CSS and SVG): the PDF's source and the command's HTML."""
    return render_to_string("reports/roadmap_print.html", report_context(report))


def render_pdf(report: RoadmapReport) -> bytes:
    from weasyprint import HTML  # imported here: it loads Pango, which only the PDF needs

    return HTML(string=render_print_html(report), base_url=None).write_pdf()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def render_csv(report: RoadmapReport) -> bytes:
    """One row per item, UTF-8 with a BOM (so spreadsheet programs read Cyrillic); codes, not labels."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for item in report.items:
        writer.writerow([neutralise(_text(item[column])) for column in CSV_COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


class Sheet(NamedTuple):
    name: str
    headers: list[str]
    widths: list[int]
    rows: list[list]


def _sheets(report: RoadmapReport) -> list[Sheet]:
    health = health_labels()
    kinds = alert_kind_labels()
    states = report_state_labels()
    items = Sheet("Items", [_("No."), _("Title"), _("Section"), _("Agency"), _("Deadline"), _("Health"),
                            _("Progress, %"), _("Projects"), _("Milestones, %"), _("Report")],
                  [6, 60, 16, 30, 12, 12, 12, 10, 12, 14],
                  [[i["number"], i["title"], i["section_label"], i["agency_name"], i["deadline"],
                    str(health.get(i["health"], "")), i["progress"], i["project_count"], i["milestone_progress"],
                    str(states.get(i["report_state"], ""))] for i in report.items])
    changes = Sheet("Changes", [_("No."), _("Title"), _("Health then"), _("Health now"), _("Progress then, %"),
                                _("Progress now, %"), _("Change, points"), _("Projects then"), _("Projects now")],
                    [6, 60, 14, 14, 14, 14, 14, 12, 12],
                    [[i["number"], i["title"], str(health.get(i["health_since"], "")), str(health.get(i["health"], "")),
                      i["progress_since"], i["progress"], i["progress_delta"], i["project_count_since"],
                      i["project_count"]] for i in report.changes])
    alerts = Sheet("Alerts", [_("Alert"), _("Severity"), _("Item or project"), _("Title"), _("Reason"), _("Region"),
                              _("Agency"), _("Link")], [24, 9, 10, 50, 70, 9, 20, 20],
                   [[str(kinds.get(a["kind"], a["kind"])), a["severity"], a["object"]["id"], a["object"]["title"],
                     a["reason"], a.get("region") or "", a.get("agency") or "", a["url"]] for a in report.alerts])
    reports = Sheet("New reports", [_("Date"), _("Project"), _("Title"), _("Region"), _("Items"), _("Physical, %"),
                                    _("Financial, %"), _("Corrects report")], [12, 9, 50, 9, 14, 12, 12, 14],
                    [[r["reported_on"], r["project_id"], r["project_title"], r["region"] or "", r["items"],
                      r["physical"], r["financial"], r["supersedes"]] for r in report.new_reports])
    return [items, changes, alerts, reports]


class _FixedTimeZip(zipfile.ZipFile):
    """A zip whose entries carry one given timestamp instead of the time of writing."""

    date_time = (1980, 1, 1, 0, 0, 0)

    def _stamped(self, name):
        if not isinstance(name, str):
            return name
        info = zipfile.ZipInfo(name, date_time=self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        return info

    def writestr(self, zinfo_or_arcname, data, *args, **kwargs):
        super().writestr(self._stamped(zinfo_or_arcname), data, *args, **kwargs)

    def write(self, filename, arcname=None, *args, **kwargs):
        # openpyxl writes each worksheet from a temporary file, which would carry its mtime.
        with open(filename, "rb") as source:
            self.writestr(arcname or str(filename), source.read())


def render_xlsx(report: RoadmapReport) -> bytes:
    """Sheets Items, Changes, Alerts and New reports: a bold header row, frozen, filterable."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in _sheets(report):
        worksheet = workbook.create_sheet(sheet.name)
        worksheet.append(sheet.headers)
        for row in sheet.rows:
            worksheet.append(row)
        as_text_cells(worksheet)  # a title such as "=HYPERLINK(...)" stays text (geotrack/core/spreadsheets.py)
        for cell in worksheet[1]:
            cell.font = Font(bold=True)
        worksheet.freeze_panes = "A2"
        worksheet.auto_filter.ref = worksheet.dimensions
        for index, width in enumerate(sheet.widths, start=1):
            worksheet.column_dimensions[get_column_letter(index)].width = width
    stamp = dt.datetime.combine(report.params.as_of, dt.time.min)
    workbook.properties.creator = "geotrack"
    workbook.properties.title = _("Roadmap execution as of %(day)s") % {"day": report.params.as_of.isoformat()}
    workbook.properties.created = workbook.properties.modified = stamp
    buffer = io.BytesIO()
    archive = _FixedTimeZip(buffer, "w", zipfile.ZIP_DEFLATED)
    archive.date_time = stamp.timetuple()[:6]
    ExcelWriter(workbook, archive).save()
    return buffer.getvalue()


class Format(NamedTuple):
    content_type: str
    render: Callable[[RoadmapReport], bytes]


FORMATS = {
    "pdf": Format("application/pdf", render_pdf),
    "csv": Format("text/csv; charset=utf-8", render_csv),
    "xlsx": Format("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", render_xlsx),
    "html": Format("text/html; charset=utf-8", lambda report: render_print_html(report).encode("utf-8")),
}
