"""Writes of roadmap execution, each atomic: a rejected change changes nothing.

Errors are ExecutionError (400 with a field) or Conflict (409, a wrong state transition);
If-Match on drafts raises projects.services.StaleVersion (412) as for projects.
"""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from execution import signals
from execution.models import (AgendaEntry, DeadlineChange, ExecutionReport, Instruction, Meeting, Milestone,
                              ReportDocument, ReportingPeriod, ReportVersion)
from geotrack.core.images import ImageRejected, image_check
from geotrack.core.photos import photo_prepare
from projects.models import PhotoCheck, RoadmapItem
from projects.photo_checks import photo_check_record
from projects.services import StaleVersion, parse_if_match

State = ExecutionReport.State


class ExecutionError(Exception):
    """Bad input: status 400 (or the given 4xx), naming the field."""

    def __init__(self, field: str, message: str, status_code: int = 400):
        super().__init__(message)
        self.field, self.message, self.status_code = field, message, status_code


class Conflict(ExecutionError):
    """The object is not in a state that allows this change."""

    def __init__(self, message: str):
        super().__init__("state", message, 409)


# --- reporting periods ----------------------------------------------------------------------------

def period_create(*, starts_on: dt.date, ends_on: dt.date, due_on: dt.date, kind: str, user) -> ReportingPeriod:
    if ends_on < starts_on:
        raise ExecutionError("ends_on", "The period cannot end before it starts.")
    if due_on < starts_on:
        raise ExecutionError("due_on", "The due day cannot be before the period starts.")
    return ReportingPeriod.objects.create(starts_on=starts_on, ends_on=ends_on, due_on=due_on, kind=kind,
                                          created_by=user)


# --- reports --------------------------------------------------------------------------------------

def report_etag(report: ExecutionReport) -> str:
    return f'"report-{report.pk}-{report.revision}"'


def _lock(report: ExecutionReport, if_match: str | None) -> ExecutionReport:
    current = ExecutionReport.objects.select_for_update().select_related("period").get(pk=report.pk)
    tags = parse_if_match(if_match)
    if tags is not None and "*" not in tags and report_etag(current).strip('"') not in tags:
        raise StaleVersion(report_etag(current))
    return current


def _milestone_updates(subject, updates) -> list[dict]:
    """Check milestone updates ([{"id", "done_on"}]) against the item's milestones; return them normalised."""
    if not updates:
        return []
    if not isinstance(subject, RoadmapItem):
        raise ExecutionError("milestones", "Instructions have no milestones.")
    known = set(Milestone.objects.filter(roadmap_item=subject).values_list("id", flat=True))
    clean = []
    for update in updates:
        if not isinstance(update, dict) or update.get("id") not in known:
            raise ExecutionError("milestones", "Each update needs the id of one of this item's milestones.")
        done_on = update.get("done_on")
        if done_on is not None:
            try:
                done_on = dt.date.fromisoformat(str(done_on))
            except ValueError as exc:
                raise ExecutionError("milestones", "done_on must be a date (YYYY-MM-DD) or null.") from exc
            if done_on > timezone.localdate():
                raise ExecutionError("milestones", "A milestone cannot be done in the future.")
        clean.append({"id": update["id"], "done_on": done_on.isoformat() if done_on else None})
    return clean


@transaction.atomic
def report_create(*, subject: RoadmapItem | Instruction, period: ReportingPeriod, agency_id: int, data: dict,
                  user, submit: bool = False) -> ExecutionReport:
    """Open a draft for one agency, item (or instruction) and period; submit it at once when asked."""
    if not period.is_open:
        raise ExecutionError("period", "This reporting period is closed.")
    key = {"roadmap_item": subject} if isinstance(subject, RoadmapItem) else {"instruction": subject}
    if ExecutionReport.objects.filter(period=period, agency_id=agency_id, **key).exists():
        raise Conflict("This agency already has a report for this period; edit that one.")
    report = ExecutionReport.objects.create(
        period=period, agency_id=agency_id, created_by=user, text=data.get("text", ""),
        text_kk=data.get("text_kk", ""), text_ru=data.get("text_ru", ""),
        percent_done=data.get("percent_done", Decimal(0)),
        milestone_updates=_milestone_updates(subject, data.get("milestones")), **key)
    if submit:
        report = report_submit(report=report, user=user, if_match=None)
    return report


EDITABLE = ("text", "text_kk", "text_ru", "percent_done")


@transaction.atomic
def report_update(*, report: ExecutionReport, data: dict, user, if_match: str | None) -> ExecutionReport:
    """Edit a draft or a returned report (If-Match against its revision)."""
    current = _lock(report, if_match)
    if current.state not in {State.DRAFT, State.RETURNED}:
        raise Conflict(f"A {current.state} report cannot be edited.")
    if not current.period.is_open:
        raise ExecutionError("period", "This reporting period is closed.")
    changed = [name for name in EDITABLE if name in data]
    for name in changed:
        setattr(current, name, data[name])
    if "milestones" in data:
        current.milestone_updates = _milestone_updates(current.roadmap_item or current.instruction, data["milestones"])
        changed.append("milestone_updates")
    current.revision += 1
    current.updated_at = timezone.now()
    current.save(update_fields=[*changed, "revision", "updated_at"])
    return current


@transaction.atomic
def report_submit(*, report: ExecutionReport, user, if_match: str | None) -> ExecutionReport:
    """draft -> submitted, or returned -> submitted again (a new version)."""
    current = _lock(report, if_match)
    if current.state not in {State.DRAFT, State.RETURNED}:
        raise Conflict(f"A {current.state} report cannot be submitted.")
    if not current.period.is_open:
        raise ExecutionError("period", "This reporting period is closed.")
    if not (current.text or current.text_kk or current.text_ru).strip():
        raise ExecutionError("text", "Say what was done before submitting.")
    now = timezone.now()
    number = current.version + 1 if current.state == State.RETURNED else current.version
    version = ReportVersion.objects.create(
        report=current, number=number, state=State.SUBMITTED, text=current.text, text_kk=current.text_kk,
        text_ru=current.text_ru, percent_done=current.percent_done, milestone_updates=current.milestone_updates,
        submitted_at=now, submitted_by=user, roadmap_item_id=current.roadmap_item_id,
        instruction_id=current.instruction_id)
    current.state, current.version, current.submitted_at = State.SUBMITTED, number, now
    current.first_submitted_at = current.first_submitted_at or now
    current.revision += 1
    current.updated_at = now
    current.save(update_fields=["state", "version", "submitted_at", "first_submitted_at", "revision", "updated_at"])
    signals.report_submitted.send(sender=ExecutionReport, report=current, version=version)
    return current


def _decide(report: ExecutionReport, to: str, user, comment: str) -> tuple[ExecutionReport, ReportVersion]:
    current = _lock(report, None)
    if current.state != State.SUBMITTED:
        raise Conflict(f"Only a submitted report can be accepted or returned; this one is {current.state}.")
    now = timezone.now()
    version = current.versions.select_for_update().get(number=current.version)
    public = to == State.ACCEPTED and current.roadmap_item_id is not None
    version.state, version.decided_at, version.decided_by, version.comment = to, now, user, comment
    version.is_public = public
    version.save(update_fields=["state", "decided_at", "decided_by", "comment", "is_public"])
    current.state, current.decided_at, current.comment, current.is_public = to, now, comment, public
    current.revision += 1
    current.updated_at = now
    current.save(update_fields=["state", "decided_at", "comment", "is_public", "revision", "updated_at"])
    return current, version


@transaction.atomic
def report_accept(*, report: ExecutionReport, user, comment: str = "") -> ExecutionReport:
    """submitted -> accepted: its milestone updates take effect, and it becomes public on a public item."""
    current, version = _decide(report, State.ACCEPTED, user, comment)
    for update in version.milestone_updates:
        done_on = dt.date.fromisoformat(update["done_on"]) if update["done_on"] else None
        Milestone.objects.filter(pk=update["id"], roadmap_item_id=current.roadmap_item_id).update(done_on=done_on)
    instruction = current.instruction
    if instruction is not None and current.agency_id == instruction.agency_id and version.percent_done >= 100:
        Instruction.objects.filter(pk=instruction.pk).update(done_at=timezone.now())
    return current


@transaction.atomic
def report_return(*, report: ExecutionReport, user, comment: str) -> ExecutionReport:
    """submitted -> returned, with the coordinator's comment (required)."""
    if not (comment or "").strip():
        raise ExecutionError("comment", "Returning a report needs a comment saying what to change.")
    current, version = _decide(report, State.RETURNED, user, comment.strip())
    signals.report_returned.send(sender=ExecutionReport, report=current, version=version)
    return current


# --- documents ------------------------------------------------------------------------------------

DOCUMENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
}
_OOXML_PART = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml"}


def document_check(*, data: bytes, name: str) -> str:
    """Prove that the bytes are what the file name declares; return the content type.

    PDF by its header and trailer; DOCX and XLSX as ZIP packages holding their main part (names only,
    nothing is decompressed); JPEG and PNG decoded fully by that one decoder.
    """
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if suffix not in DOCUMENT_TYPES:
        raise ExecutionError("file", "Only PDF, DOCX, XLSX, JPEG and PNG documents are accepted.")
    if suffix == ".pdf":
        if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
            raise ExecutionError("file", "The file is not a PDF document.")
    elif suffix in _OOXML_PART:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as package:
                names = set(package.namelist())
        except zipfile.BadZipFile as exc:
            raise ExecutionError("file", f"The file is not a {suffix[1:].upper()} document.") from exc
        if "[Content_Types].xml" not in names or _OOXML_PART[suffix] not in names:
            raise ExecutionError("file", f"The file is not a {suffix[1:].upper()} document.")
    else:
        try:
            image_check(data=data, declared_name=name, max_pixels=settings.GEOTRACK["SNAPSHOT_MAX_PIXELS"])
        except ImageRejected as exc:
            raise ExecutionError("file", exc.message, exc.status_code) from exc
    return DOCUMENT_TYPES[suffix]


@transaction.atomic
def document_add(*, report: ExecutionReport, upload, user) -> ReportDocument:
    """Attach a document to a draft or returned report, within the size and count limits."""
    current = _lock(report, None)
    if current.state not in {State.DRAFT, State.RETURNED}:
        raise Conflict(f"Documents can be attached to a draft or returned report, not a {current.state} one.")
    limit, count = settings.GEOTRACK["DOCUMENT_MAX_BYTES"], settings.GEOTRACK["DOCUMENT_MAX_COUNT"]
    if upload.size > limit:
        raise ExecutionError("file", f"The document is {upload.size} bytes; the limit is {limit} bytes.", 413)
    if current.documents.count() >= count:
        raise ExecutionError("file", f"A report holds at most {count} documents.")
    data = upload.read()
    name = (upload.name or "document").rsplit("/", 1)[-1][-120:]
    content_type = document_check(data=data, name=name)
    photo = None
    if content_type.startswith("image/"):
        # Capture time and GPS are read before the re-encoding drops them; the stored copy keeps no metadata.
        try:
            photo = photo_prepare(data=data, max_pixels=settings.GEOTRACK["SNAPSHOT_MAX_PIXELS"], declared_name=name,
                                  thumbnail_px=320, local_tz=settings.TIME_ZONE)
        except ImageRejected as exc:
            raise ExecutionError("file", exc.message, exc.status_code) from exc
        data = photo.image.content
    document = ReportDocument(report=current, version=current.version, name=name, content_type=content_type,
                              size=len(data), uploaded_by=user, roadmap_item_id=current.roadmap_item_id,
                              instruction_id=current.instruction_id)
    document.file.save(name, ContentFile(data), save=False)
    document.save()
    if photo is not None:
        photo_check_record(source_kind=PhotoCheck.Source.EXECUTION_IMAGE, source_id=document.pk,
                           parent_id=current.pk, facts=photo.facts, roadmap_item=current.roadmap_item,
                           uploaded_at=document.uploaded_at, report_date=timezone.localdate(document.uploaded_at))
    current.revision += 1
    current.save(update_fields=["revision"])
    return document


# --- milestones -----------------------------------------------------------------------------------

def milestone_add(*, item: RoadmapItem, data: dict) -> Milestone:
    position = data.get("position") or (Milestone.objects.filter(roadmap_item=item).count() + 1)
    milestone = Milestone(roadmap_item=item, position=position, title_en=data.get("title_en") or data.get("title", ""),
                          title_ru=data.get("title_ru", ""), title_kk=data.get("title_kk", ""),
                          planned_on=data["planned_on"], done_on=data.get("done_on"), weight=data.get("weight", 1))
    milestone.full_clean()
    milestone.save()
    return milestone


def item_has_accepted_report(item: RoadmapItem) -> bool:
    return ExecutionReport.objects.filter(roadmap_item=item, state=State.ACCEPTED).exists()


# --- deadline changes -----------------------------------------------------------------------------

@transaction.atomic
def deadline_change_request(*, item: RoadmapItem, deadline: dt.date, reason: str, user) -> DeadlineChange:
    if not (reason or "").strip():
        raise ExecutionError("reason", "Say why the deadline should move.")
    current = RoadmapItem.objects.select_for_update().get(pk=item.pk)
    if deadline == current.deadline:
        raise ExecutionError("deadline", "The new deadline is the current one.")
    if deadline < current.start:
        raise ExecutionError("deadline", "The deadline cannot be before the item's start.")
    if DeadlineChange.objects.filter(roadmap_item=current, state=DeadlineChange.State.REQUESTED).exists():
        raise Conflict("A request to move this deadline is already waiting for a decision.")
    return DeadlineChange.objects.create(roadmap_item=current, previous_deadline=current.deadline, deadline=deadline,
                                         reason=reason.strip(), requested_by=user)


@transaction.atomic
def deadline_change_decide(*, change: DeadlineChange, approve: bool, user, comment: str = "") -> DeadlineChange:
    current = DeadlineChange.objects.select_for_update().get(pk=change.pk)
    if current.state != DeadlineChange.State.REQUESTED:
        raise Conflict(f"This request was already {current.state}.")
    now = timezone.now()
    current.state = DeadlineChange.State.APPROVED if approve else DeadlineChange.State.REFUSED
    current.decided_by, current.decided_at, current.comment, current.is_public = user, now, comment, approve
    current.save(update_fields=["state", "decided_by", "decided_at", "comment", "is_public"])
    if approve:
        item = RoadmapItem.objects.select_for_update().get(pk=current.roadmap_item_id)
        item.original_deadline = item.original_deadline or item.deadline
        item.deadline = current.deadline
        item.save(update_fields=["original_deadline", "deadline"])
    signals.deadline_change_decided.send(sender=DeadlineChange, change=current)
    return current


# --- meetings and instructions --------------------------------------------------------------------

def meeting_create(*, data: dict, user) -> Meeting:
    return Meeting.objects.create(held_on=data["held_on"], title=data["title"], title_kk=data.get("title_kk", ""),
                                  title_ru=data.get("title_ru", ""), chair=data.get("chair", ""),
                                  place=data.get("place", ""), created_by=user)


@transaction.atomic
def agenda_set(*, meeting: Meeting, entries: list[dict]) -> list[AgendaEntry]:
    """Replace a meeting's agenda with these entries, in order."""
    meeting.agenda.all().delete()
    rows = [AgendaEntry(meeting=meeting, position=position, roadmap_item=entry.get("roadmap_item"),
                        instruction=entry.get("instruction"), region=entry.get("region"),
                        title=entry.get("title", "")[:400], reason=entry.get("reason", ""),
                        decision=entry.get("decision", ""))
            for position, entry in enumerate(entries, start=1)]
    return AgendaEntry.objects.bulk_create(rows)


@transaction.atomic
def instruction_create(*, data: dict) -> Instruction:
    meeting = data["meeting"]
    number = data.get("number") or meeting.instructions.count() + 1
    instruction = Instruction.objects.create(
        meeting=meeting, number=number, text=data["text"], text_kk=data.get("text_kk", ""),
        text_ru=data.get("text_ru", ""), text_en=data.get("text_en", ""), agency=data["agency"],
        deadline=data["deadline"])
    instruction.co_executors.set(data.get("co_executors", []))
    instruction.roadmap_items.set(data.get("roadmap_items", []))
    instruction.projects.set(data.get("projects", []))
    instruction.regions.set(data.get("regions", []))
    signals.instruction_created.send(sender=Instruction, instruction=instruction)
    return instruction
