"""The one entry point for everything worth telling: `emit(kind, ...)`.

Other capabilities (roadmap execution, citizen feedback, ...) call `emit` with their kind's name and
need no change here: subscriptions match kinds by name, and messages read their title, text and link
from the payload (README, "Notifications"). Emitting is a single INSERT: no network, so it is safe in
a request; the worker (its tick, every few seconds) fans the event out and sends.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from geotrack.core.sql import Sql

_INSERT_SQL = """
INSERT INTO notifications_event (kind, dedupe_key, region_ids, agency_codes, item_numbers, project_ids, readable,
                                 recipients, payload, created_at)
VALUES (%(kind)s, %(dedupe_key)s, %(region_ids)s, %(agency_codes)s, %(item_numbers)s, %(project_ids)s,
        %(readable)s::jsonb, %(recipients)s, %(payload)s::jsonb, %(now)s)
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING id
"""


def emit(kind: str, *, dedupe_key: str, region_ids: Iterable[int] = (), agency_codes: Iterable[str] = (),
         item_numbers: Iterable[int] = (), project_ids: Iterable[int] = (), payload: dict | None = None,
         recipients: Iterable[int] | None = None, readable: Iterable[tuple[str, int]] | None = None,
         now=None) -> int | None:
    """Record an event once (by `dedupe_key`); return its id, None if it existed. The worker's next tick sends it.

    kind: an alert kind or an event name (`report_returned`, `feedback_waiting`, ...);
    region_ids, agency_codes, item_numbers, project_ids: what it is about (subscriptions match these);
    payload: `title`, `text` (a string or {"kk": ..., "ru": ..., "en": ...}), `url` (a path of ours);
    recipients: user ids who hear of it whatever they follow (a report's author, an escalation step);
    readable: [(kind, id)] of projects/access/rules.py RULES each recipient must be able to read; by default
        every project named. Nobody hears of anything they may not read.
    """
    project_ids = [int(pk) for pk in project_ids]
    readable = [[kind_, int(pk)] for kind_, pk in readable] if readable is not None else [
        ["project", pk] for pk in project_ids]
    statement = Sql(_INSERT_SQL, {
        "kind": kind, "dedupe_key": dedupe_key[:200], "region_ids": [int(pk) for pk in region_ids],
        "agency_codes": list(agency_codes), "item_numbers": [int(n) for n in item_numbers],
        "project_ids": project_ids, "readable": _json(readable), "payload": _json(payload or {}),
        "recipients": None if recipients is None else [int(pk) for pk in recipients], "now": now or timezone.now()})
    row = statement.fetchone()
    return row[0] if row else None


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
