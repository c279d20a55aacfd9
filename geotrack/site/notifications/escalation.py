"""Open alerts remembered (AlertState), their escalation ladders, their clock and acknowledgement.

alerts.py computes alerts afresh on every read. `sync_alerts` compares them with the open AlertState rows:
a new alert opens a row and becomes an event (dedupe key = the row), a vanished one is resolved. `escalate`
climbs each open, unacknowledged alert up the ladder of its kind (settings NOTIFY["ESCALATION"]) once its
days have passed, telling the step's people through `emit(..., recipients=...)`.
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from geotrack.site.alerts import alerts_for
from geotrack.site.notifications.events import emit
from geotrack.site.notifications.models import AlertState, Event
from projects.access import Audience
from projects.models import Profile, Project, ProjectRegion, Region

EVERYTHING = Audience(role=Profile.Role.ADMIN, authenticated=True)
STEP_LABELS = {"responsible": gettext_lazy("the responsible officer"), "head": gettext_lazy("the head of the agency"),
               "coordinator": gettext_lazy("the coordinator")}


def alert_key(alert: dict) -> str:
    return f"{alert['kind']}:{alert['object']['type']}:{alert['object']['id']}"


def ladder(kind: str) -> list[dict]:
    ladders = settings.NOTIFY["ESCALATION"]
    return ladders.get(kind, ladders.get("default", []))


# --- the alert diff ----------------------------------------------------------------------------------

def _project_links(project_ids: list[int]) -> tuple[dict, dict]:
    regions, items = {}, {}
    for project_id, region_id in ProjectRegion.objects.filter(project_id__in=project_ids).values_list(
            "project_id", "region_id"):
        regions.setdefault(project_id, []).append(region_id)
    through = Project.roadmap_items.through
    for project_id, number in through.objects.filter(project_id__in=project_ids).values_list(
            "project_id", "roadmapitem__number"):
        items.setdefault(project_id, []).append(number)
    return regions, items


def _alerts_in_every_language() -> dict[str, dict[str, dict]]:
    by_language = {}
    for language in ("en", "ru", "kk"):
        with translation.override(language):
            by_language[language] = {alert_key(alert): alert for alert in alerts_for(audience=EVERYTHING)}
    return by_language


def sync_alerts(*, now: dt.datetime | None = None) -> dict:
    """Open rows for new alerts (each an event), resolve vanished ones; return the counts."""
    now = now or timezone.now()
    with translation.override("en"):
        current = {alert_key(alert): alert for alert in alerts_for(audience=EVERYTHING)}
    open_rows = {row.key: row for row in AlertState.objects.filter(resolved_at__isnull=True)}
    gone = [row.pk for key, row in open_rows.items() if key not in current]
    AlertState.objects.filter(pk__in=gone).update(resolved_at=now)
    AlertState.objects.filter(key__in=[key for key in current if key in open_rows],
                              resolved_at__isnull=True).update(seen_at=now)
    new = [key for key in current if key not in open_rows]
    if not new:
        return {"opened": 0, "resolved": len(gone)}
    texts = _alerts_in_every_language()
    project_ids = [current[key]["object"]["id"] for key in new if current[key]["object"]["type"] == "project"]
    regions, items = _project_links(project_ids)
    region_names = {r.pk: {"en": r.name_en, "ru": r.name_ru, "kk": r.name_kk} for r in Region.objects.only(
        "id", "name_en", "name_ru", "name_kk")}
    for key in new:
        alert = current[key]
        obj = alert["object"]
        is_project = obj["type"] == "project"
        region_ids = regions.get(obj["id"], []) if is_project else []
        with transaction.atomic():
            state = AlertState.objects.create(
                key=key, kind=alert["kind"], object_type=obj["type"], object_id=obj["id"], title=obj["title"][:400],
                region_ids=region_ids, agency_codes=[alert["agency"]] if alert["agency"] else [], opened_at=now,
                seen_at=now)
            emit(alert["kind"], dedupe_key=f"alert:{state.pk}", region_ids=region_ids,
                 agency_codes=state.agency_codes, project_ids=[obj["id"]] if is_project else [],
                 item_numbers=items.get(obj["id"], []) if is_project else [obj["id"]], now=now,
                 payload={"alert": key, "alert_state": state.pk, "severity": alert["severity"], "url": alert["url"],
                          "title": {lang: texts[lang].get(key, alert)["object"]["title"] for lang in texts},
                          "text": {lang: texts[lang].get(key, alert)["reason"] for lang in texts},
                          "region": region_names.get(region_ids[0], "") if region_ids else ""})
    return {"opened": len(new), "resolved": len(gone)}


# --- escalation --------------------------------------------------------------------------------------

def step_people(state: AlertState, step: dict) -> list[int]:
    """The users a ladder step names for this alert: by role, optional group and scope."""
    users = get_user_model().objects.filter(is_active=True)
    query = Q()
    for target in step.get("to", []):
        part = Q(profile__role=target["role"])
        if target.get("role") == Profile.Role.ADMIN:
            part |= Q(is_superuser=True)
        if target.get("group"):
            part &= Q(groups__name=target["group"])
        if target.get("scope") == "region":
            part &= Q(profile__regions__in=state.region_ids)
        elif target.get("scope") == "agency":
            if "agencies" not in {f.name for f in Profile._meta.get_fields()}:
                continue  # the ministry role and its agencies have not landed yet
            part &= Q(profile__agencies__code__in=state.agency_codes)
        query |= part
    if not query:
        return []
    return sorted(set(users.filter(query).values_list("pk", flat=True)))


def escalate(*, now: dt.datetime | None = None) -> int:
    """Climb every open, unacknowledged alert whose time has come; return how many steps were taken."""
    now = now or timezone.now()
    climbed = 0
    for state in AlertState.objects.filter(resolved_at__isnull=True, acknowledged_at__isnull=True):
        steps = ladder(state.kind)
        while state.level < len(steps) and now - state.opened_at >= dt.timedelta(days=steps[state.level]["after_days"]):
            step = steps[state.level]
            state.level += 1
            state.escalated_at = now
            state.escalations = [*state.escalations, {"step": step["step"], "at": now.isoformat()}]
            with transaction.atomic():
                state.save(update_fields=["level", "escalated_at", "escalations"])
                people = step_people(state, step)
                if people:
                    emit(state.kind, dedupe_key=f"escalation:{state.pk}:{state.level}", recipients=people,
                         region_ids=state.region_ids, agency_codes=state.agency_codes,
                         project_ids=[state.object_id] if state.object_type == "project" else [],
                         item_numbers=[state.object_id] if state.object_type == "roadmap_item" else [], now=now,
                         payload={**_first_payload(state), "escalated_to": step["step"],
                                  "open_days": (now - state.opened_at).days})
            climbed += 1
    return climbed


def _first_payload(state: AlertState) -> dict:
    event = state_event(state)
    return dict(event.payload) if event else {"title": state.title, "alert": state.key}


def state_event(state: AlertState) -> Event | None:
    return Event.objects.filter(dedupe_key=f"alert:{state.pk}").first()


# --- the clock and acknowledgement -------------------------------------------------------------------

def clock(state: AlertState, *, now: dt.datetime | None = None) -> dict:
    """'open 9 days, escalated to the coordinator on 12.03' and its parts."""
    now = now or timezone.now()
    days = (now - state.opened_at).days
    text = ngettext("open %(days)d day", "open %(days)d days", days) % {"days": days}
    escalated_to = state.escalations[-1]["step"] if state.escalations else None
    if escalated_to:
        local = timezone.localtime(state.escalated_at)
        text += ", " + _("escalated to %(who)s on %(date)s") % {
            "who": STEP_LABELS.get(escalated_to, escalated_to), "date": formats.date_format(local, "d.m")}
    if state.acknowledged_at:
        text += ", " + _("acknowledged on %(date)s") % {
            "date": formats.date_format(timezone.localtime(state.acknowledged_at), "d.m")}
    return {"id": state.pk, "opened_at": state.opened_at.isoformat(), "open_days": days, "level": state.level,
            "escalated_to": escalated_to, "escalated_at": state.escalated_at.isoformat() if state.escalated_at else None,
            "acknowledged_at": state.acknowledged_at.isoformat() if state.acknowledged_at else None,
            "acknowledgement": state.ack_comment, "text": text}


def annotate(alerts: list[dict], *, now: dt.datetime | None = None) -> list[dict]:
    """Attach each alert's clock (when the worker has seen it) and put escalated alerts first."""
    keys = {alert_key(alert): alert for alert in alerts}
    states = {s.key: s for s in AlertState.objects.filter(key__in=list(keys), resolved_at__isnull=True)}
    annotated = [{**alert, "state": clock(states[key], now=now) if key in states else None}
                 for key, alert in keys.items()]
    order = {key: index for index, key in enumerate(keys)}
    return sorted(annotated, key=lambda a: (-(a["state"] or {}).get("level", 0) if not (a["state"] or {}).get(
        "acknowledged_at") else 0, order[alert_key(a)]))


def acknowledge(state: AlertState, *, user, comment: str, now: dt.datetime | None = None) -> AlertState:
    state.acknowledged_at = now or timezone.now()
    state.acknowledged_by = user
    state.ack_comment = comment
    state.save(update_fields=["acknowledged_at", "acknowledged_by", "ack_comment"])
    return state
