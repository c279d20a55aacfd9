"""What a message says, in the recipient's language: e-mail (text + HTML), Telegram (MarkdownV2), webhook JSON.

Kinds known here get a translated label; a kind added elsewhere shows its payload's `label` (or its name),
so new kinds plug in without a change here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from geotrack.site.notifications.models import Event

KIND_LABELS = {
    "item_overdue": gettext_lazy("Roadmap item overdue"),
    "item_behind": gettext_lazy("Roadmap item behind schedule"),
    "project_stale": gettext_lazy("No progress report"),
    "cameras_offline": gettext_lazy("Cameras offline"),
    "check_on_site": gettext_lazy("Check on site"),
    "report_late": gettext_lazy("Execution report late"),
    "report_returned": gettext_lazy("Execution report returned"),
    "report_waiting": gettext_lazy("Execution report waiting for the coordinator"),
    "milestone_overdue": gettext_lazy("Milestone overdue"),
    "instruction_overdue": gettext_lazy("Instruction overdue"),
    "instruction_new": gettext_lazy("New instruction"),
    "deadline_moved": gettext_lazy("Deadline changed"),
    "deadline_decided": gettext_lazy("Deadline change decided"),
    "feedback_unanswered": gettext_lazy("Citizen feedback unanswered"),
    "feedback_waiting": gettext_lazy("Citizen feedback waiting for moderation"),
}
LANGUAGES = ("kk", "ru", "en")


def language_of(code: str | None) -> str:
    code = (code or settings.LANGUAGE_CODE or "en")[:2]
    return code if code in LANGUAGES else "en"


def localized(value, language: str) -> str:
    """A payload string, or the right one of {"kk", "ru", "en"} (English, then any, when one is missing)."""
    if isinstance(value, dict):
        return str(value.get(language) or value.get("en") or next(iter(value.values()), ""))
    return "" if value is None else str(value)


def kind_label(kind: str, payload: dict, language: str) -> str:
    with translation.override(language):
        if kind in KIND_LABELS:
            return str(KIND_LABELS[kind])
    return localized(payload.get("label"), language) or kind


def absolute(url: str) -> str:
    """Links in messages start from SITE_URL (never from a request)."""
    if not url:
        return settings.SITE_URL + "/"
    return url if url.startswith(("http://", "https://")) else settings.SITE_URL + url


@dataclass
class Line:
    """One event, ready to read in one language."""

    kind: str
    label: str
    title: str
    text: str
    url: str
    region: str
    escalation: str


def line(event: Event, language: str) -> Line:
    payload = event.payload or {}
    escalation = ""
    with translation.override(language):
        if payload.get("escalated_to"):
            escalation = _("Escalated: open %(days)d days without acknowledgement.") % {
                "days": int(payload.get("open_days") or 0)}
    return Line(kind=event.kind, label=kind_label(event.kind, payload, language),
                title=localized(payload.get("title"), language), text=localized(payload.get("text"), language),
                url=absolute(payload.get("url") or ""), region=localized(payload.get("region"), language),
                escalation=escalation)


def grouped(lines: list[Line]) -> list[tuple[str, list[tuple[str, list[Line]]]]]:
    """Digest order: by kind, then by region within a kind."""
    kinds: dict[str, dict[str, list[Line]]] = {}
    for item in lines:
        kinds.setdefault(item.label, {}).setdefault(item.region, []).append(item)
    return [(label, sorted(regions.items())) for label, regions in sorted(kinds.items())]


@dataclass
class Mail:
    subject: str
    text: str
    html: str


def mail(lines: list[Line], *, language: str, unsubscribe_url: str, settings_url: str) -> Mail:
    with translation.override(language):
        if len(lines) == 1:
            subject = f"[geotrack] {lines[0].label}: {lines[0].title}"
        else:
            subject = "[geotrack] " + _("%(count)d notifications") % {"count": len(lines)}
        context = {"groups": grouped(lines), "single": lines[0] if len(lines) == 1 else None,
                   "unsubscribe_url": unsubscribe_url, "settings_url": settings_url, "LANGUAGE_CODE": language}
        return Mail(subject=subject[:200], text=render_to_string("notifications/mail.txt", context),
                    html=render_to_string("notifications/mail.html", context))


_MARKDOWN_V2_SPECIAL = re.compile(r"([_*\[\]()~`>#+\-=|{}.!\\])")


def escape_markdown_v2(text: str) -> str:
    """Escape every character MarkdownV2 reserves (Bot API, "MarkdownV2 style"), backslash included."""
    return _MARKDOWN_V2_SPECIAL.sub(r"\\\1", text)


def _escape_link_url(url: str) -> str:
    """Inside (...) of an inline link only ')' and '\\' must be escaped."""
    return url.replace("\\", "\\\\").replace(")", "\\)")


def telegram(lines: list[Line], *, language: str) -> str:
    parts = []
    with translation.override(language):
        if len(lines) > 1:
            parts.append("*" + escape_markdown_v2(_("%(count)d notifications") % {"count": len(lines)}) + "*")
        for label, regions in grouped(lines):
            if len(lines) > 1:
                parts.append("")
                parts.append("*" + escape_markdown_v2(label) + "*")
            for region, items in regions:
                if region and len(lines) > 1:
                    parts.append("_" + escape_markdown_v2(region) + "_")
                for item in items:
                    head = ("*" + escape_markdown_v2(f"{item.label}: ") + "*") if len(lines) == 1 else "• "
                    parts.append(head + f"[{escape_markdown_v2(item.title or item.label)}]({_escape_link_url(item.url)})")
                    if item.text:
                        parts.append(escape_markdown_v2(item.text))
                    if item.escalation:
                        parts.append("_" + escape_markdown_v2(item.escalation) + "_")
    return "\n".join(parts)[:4096]


def webhook_body(events: list[Event], *, delivery_ids: list[int]) -> dict:
    return {"deliveries": delivery_ids, "events": [{
        "id": event.pk, "kind": event.kind, "created_at": event.created_at.isoformat(),
        "regions": event.region_ids, "agencies": event.agency_codes, "roadmap_items": event.item_numbers,
        "projects": event.project_ids, "payload": event.payload,
        "url": absolute((event.payload or {}).get("url") or "")} for event in events]}
