"""Background jobs that people start: only signed-in users, a few at a time each, and rate-limited.

Every job a user starts goes through `start_job`, which records its owner as the `owner_id`
keyword argument: views then show a job (and its file) to its owner only, and the per-user cap
counts the jobs still waiting or running.
"""
from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from rest_framework import exceptions

from geotrack.core.sql import Sql
from geotrack.core.throttle import configured, throttled

OWNER = "owner_id"


def active_jobs(user_id: int) -> int:
    """Jobs of this owner still waiting or running."""
    return DBTaskResult.objects.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
                                       **{f"args_kwargs__kwargs__{OWNER}": user_id}).count()


def start_job(user, task, *args, **kwargs):
    """Queue `task(*args, owner_id=user.pk, **kwargs)` for a signed-in user within their limits.

    401 for anonymous callers; 429 with Retry-After beyond the start rate or the cap of jobs at once.
    """
    if not user.is_authenticated or not user.pk:
        raise exceptions.NotAuthenticated(_("Background work needs an account: sign in first."))
    decision = configured("jobs").hit(f"user-{user.pk}")
    if not decision.allowed:
        raise throttled(decision, _("Too many background jobs started; wait before starting another."))
    cap = settings.GEOTRACK["MAX_JOBS_PER_USER"]
    with transaction.atomic():
        # One user's starts are serialised, so two requests at once cannot both slip under the cap.
        Sql("SELECT pg_advisory_xact_lock(hashtext('geotrack-jobs'), %(user_id)s::int)",
            {"user_id": user.pk % 2_000_000_000}).fetchone()
        if active_jobs(user.pk) >= cap:
            raise exceptions.Throttled(wait=30, detail=_(
                "You have %(count)d background jobs waiting or running; wait until one finishes.") % {"count": cap})
        return task.enqueue(*args, **{**kwargs, OWNER: user.pk})


def job_owner(result) -> int | None:
    """Who started a job (None for jobs the system queued)."""
    return (result.kwargs or {}).get(OWNER)
