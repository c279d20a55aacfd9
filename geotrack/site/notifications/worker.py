"""One pass of the notification worker: everything it does, in order, each step bounded."""
from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone

from geotrack.site.notifications import channels, defaults, escalation, fanout, sending, telegram_bot

log = logging.getLogger(__name__)


def run_once(*, now_fn=timezone.now, alerts: bool = True, poll: bool = True) -> dict:
    """Alerts -> events, escalation, role defaults, fan-out, digests, sends, Telegram updates."""
    report: dict = {}
    now = now_fn()
    report["recovered"] = sending.recover(now=now)
    if alerts:
        report["alerts"] = escalation.sync_alerts(now=now)
        report["escalated"] = escalation.escalate(now=now)
    report["defaults"] = defaults.apply_role_defaults()
    report["fanned_out"] = fanout.fan_out_pending(now=now_fn())
    report["digests"] = sending.send_digests(now_fn=now_fn)
    report["sent"] = sending.send_due(now_fn=now_fn)
    if poll:
        try:
            report["telegram_updates"] = telegram_bot.poll_updates()
        except channels.SendError as exc:
            log.warning("Telegram getUpdates failed: %s", exc)
    return report


def next_run(now: dt.datetime, seconds: int) -> dt.datetime:
    return now + dt.timedelta(seconds=seconds)
