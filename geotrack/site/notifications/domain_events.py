"""Domain events of the floors below (roadmap execution, citizen feedback) turned into notification events.

execution/ and citizens/ sit below the site floor and announce what happened with Django signals of their
own (execution/signals.py, citizens/signals.py). The receivers here are connected in NotificationsConfig.ready;
each calls `emit` once the transaction commits (`transaction.on_commit`), so a rolled-back change tells
nobody. The dedupe key names the object and its version, so a repeated signal is one event. Recipients
named here still pass the access check of the fan-out (`readable`): nobody hears of what they may not read.
"""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import translation

from citizens import signals as citizen_signals
from citizens.models import Feedback
from execution import signals as execution_signals
from execution.models import DeadlineChange, ExecutionReport, Instruction, ReportVersion
from geotrack.site.notifications.events import emit
from geotrack.site.notifications.fanout import subscribers
from projects.models import Agency, Profile, Project, RoadmapItem

LANGUAGES = ("kk", "ru", "en")


def connect() -> None:
    """Connect the receivers (called once from NotificationsConfig.ready; dispatch_uid keeps it once)."""
    execution_signals.report_submitted.connect(on_report_submitted, dispatch_uid="notify-report-submitted")
    execution_signals.report_returned.connect(on_report_returned, dispatch_uid="notify-report-returned")
    execution_signals.instruction_created.connect(on_instruction_created, dispatch_uid="notify-instruction-created")
    execution_signals.deadline_change_decided.connect(on_deadline_decided, dispatch_uid="notify-deadline-decided")
    citizen_signals.feedback_received.connect(on_feedback_received, dispatch_uid="notify-feedback-received")


# --- whom ----------------------------------------------------------------------------------------

def users_with_role(*roles: str) -> list[int]:
    return list(get_user_model().objects.filter(is_active=True, profile__role__in=roles)
                .order_by("pk").values_list("pk", flat=True))


def _ids(*groups) -> list[int]:
    return sorted({int(pk) for group in groups for pk in group if pk})


# --- what ----------------------------------------------------------------------------------------

def _each_language(make) -> dict[str, str]:
    out = {}
    for language in LANGUAGES:
        with translation.override(language):
            out[language] = str(make(language))
    return out


def _titled(obj, field: str, language: str) -> str:
    return getattr(obj, f"{field}_{language}", "") or getattr(obj, field, "") or getattr(obj, f"{field}_en", "")


def _item_title(item: RoadmapItem) -> dict[str, str]:
    return _each_language(lambda language: f"{item.number}. {_titled(item, 'title', language)}")


def _subject(report) -> tuple[RoadmapItem | None, Instruction | None]:
    return report.roadmap_item, report.instruction


def _report_scope(report: ExecutionReport) -> dict:
    """What a report is about, for subscriptions: its agency, its item (or its instruction's items)."""
    item, instruction = _subject(report)
    agency = Agency.objects.get(pk=report.agency_id)
    items = [item] if item else list(instruction.roadmap_items.all())
    return {"agency_codes": [agency.code], "item_numbers": [i.number for i in items],
            "region_ids": [agency.region_id] if agency.region_id else []}


def _report_title(report: ExecutionReport) -> dict[str, str]:
    item, instruction = _subject(report)
    if item is not None:
        return _item_title(item)
    return _each_language(lambda language: f"{instruction}: {_titled(instruction, 'text', language)[:120]}")


def _on_commit(fn, *args) -> None:
    # robust: a failing emit is logged by Django and never turns a committed change into an error page.
    transaction.on_commit(lambda: fn(*args), robust=True)


# --- receivers -----------------------------------------------------------------------------------

def on_report_submitted(sender, *, report: ExecutionReport, version: ReportVersion, **kwargs) -> None:
    _on_commit(emit_report_waiting, report.pk, version.number)


def emit_report_waiting(report_id: int, number: int) -> int | None:
    report = ExecutionReport.objects.select_related("roadmap_item", "instruction").get(pk=report_id)
    return emit("report_waiting", dedupe_key=f"report-waiting:{report.pk}:{number}", **_report_scope(report),
                readable=[("execution_report", report.pk)], recipients=users_with_role(Profile.Role.COORDINATOR),
                payload={"title": _report_title(report), "url": report.get_absolute_url(), "version": number})


def on_report_returned(sender, *, report: ExecutionReport, version: ReportVersion, **kwargs) -> None:
    _on_commit(emit_report_returned, report.pk, version.number)


def emit_report_returned(report_id: int, number: int) -> int | None:
    report = ExecutionReport.objects.select_related("roadmap_item", "instruction").get(pk=report_id)
    version = report.versions.get(number=number)
    scope = _report_scope(report)
    authors = [version.submitted_by_id or report.created_by_id]
    recipients = _ids(authors, subscribers("report_returned", agency_codes=scope["agency_codes"]))
    return emit("report_returned", dedupe_key=f"report-returned:{report.pk}:{number}", **scope,
                readable=[("execution_report", report.pk)], recipients=recipients,
                payload={"title": _report_title(report), "text": version.comment, "url": report.get_absolute_url(),
                         "version": number})


def on_instruction_created(sender, *, instruction: Instruction, **kwargs) -> None:
    _on_commit(emit_instruction_new, instruction.pk)


def emit_instruction_new(instruction_id: int) -> int | None:
    instruction = Instruction.objects.select_related("meeting", "agency").get(pk=instruction_id)
    agencies = [instruction.agency, *instruction.co_executors.all()]
    codes = [agency.code for agency in agencies]
    return emit("instruction_new", dedupe_key=f"instruction-new:{instruction.pk}", agency_codes=codes,
                region_ids=_ids([r.pk for r in instruction.regions.all()], [a.region_id for a in agencies]),
                item_numbers=[item.number for item in instruction.roadmap_items.all()],
                project_ids=[project.pk for project in instruction.projects.all()],
                readable=[("instruction", instruction.pk)], recipients=subscribers("instruction_new", agency_codes=codes),
                payload={"title": _each_language(lambda language: f"{instruction}: "
                                                 f"{_titled(instruction, 'text', language)[:200]}"),
                         "url": instruction.meeting.get_absolute_url(), "deadline": instruction.deadline})


def on_deadline_decided(sender, *, change: DeadlineChange, **kwargs) -> None:
    _on_commit(emit_deadline_decided, change.pk)


def emit_deadline_decided(change_id: int) -> int | None:
    change = DeadlineChange.objects.select_related("roadmap_item", "roadmap_item__agency").get(pk=change_id)
    item = change.roadmap_item
    agencies = [item.agency, *item.co_executors.all()]
    codes = [agency.code for agency in agencies]
    recipients = _ids([change.requested_by_id], subscribers("deadline_decided", agency_codes=codes,
                                                            item_numbers=[item.number]))
    return emit("deadline_decided", dedupe_key=f"deadline-decided:{change.pk}", agency_codes=codes,
                item_numbers=[item.number], region_ids=_ids([a.region_id for a in agencies]),
                readable=[("deadline_change", change.pk)], recipients=recipients,
                payload={"title": _item_title(item),
                         "text": _each_language(lambda language: f"{change.get_state_display()}: "
                                                f"{change.previous_deadline:%d.%m.%Y} → {change.deadline:%d.%m.%Y}"
                                                + (f". {change.comment}" if change.comment else "")),
                         "url": item.get_absolute_url(), "state": change.state})


def on_feedback_received(sender, *, feedback: Feedback, **kwargs) -> None:
    _on_commit(emit_feedback_waiting, feedback.pk)


MODERATOR_ROLES = (Profile.Role.AKIMAT, Profile.Role.MINISTRY, Profile.Role.COORDINATOR)


def emit_feedback_waiting(feedback_id: int) -> int | None:
    """To the moderators in scope: every user of a moderating role is named, and the fan-out's access check
    (readable `feedback`) keeps those whose regions or agencies it touches, and the coordinator."""
    feedback = Feedback.objects.select_related("project", "roadmap_item", "agency").get(pk=feedback_id)
    project, item = feedback.project, feedback.roadmap_item
    region_ids = list(project.regions.values_list("pk", flat=True)) if project is not None else []
    scope = {"agency_codes": [feedback.agency.code], "region_ids": region_ids,
             "project_ids": [project.pk] if project else [], "item_numbers": [item.number] if item else []}
    target: Project | RoadmapItem = project or item
    return emit("feedback_waiting", dedupe_key=f"feedback-waiting:{feedback.pk}", **scope,
                readable=[("feedback", feedback.pk)], recipients=users_with_role(*MODERATOR_ROLES),
                payload={"title": _each_language(lambda language: _titled(target, "title", language)),
                         "text": feedback.text[:300], "url": target.get_absolute_url(),
                         "category": feedback.category})
