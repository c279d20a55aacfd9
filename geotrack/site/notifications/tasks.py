"""The notification worker's tasks (django-tasks database backend, like every background job here)."""
from __future__ import annotations

from django_tasks import task

from geotrack.core.tasks import enqueue_again
from geotrack.site.notifications import sending, worker
from geotrack.site.notifications.models import Subscription


@task()
def notify_tick(repeat_seconds: int = 0) -> dict:
    """One worker pass (alerts, escalation, fan-out, digests, sends, Telegram); repeats every N seconds."""
    try:
        return worker.run_once()
    finally:
        enqueue_again(notify_tick, repeat_seconds)


@task()
def send_confirmation(subscription_id: int) -> bool:
    """The double opt-in mail of an anonymous subscription (sent here, never in the request)."""
    subscription = Subscription.objects.filter(pk=subscription_id, confirmed_at__isnull=True, active=True).first()
    if subscription is None:
        return False
    sending.send_confirmation(subscription)
    return True
