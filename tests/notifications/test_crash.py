"""A worker killed in the middle of sending delivers nothing twice (a real worker process, SIGKILL, a restart)."""
from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.utils import timezone

from geotrack.site.notifications import escalation, fanout, worker
from geotrack.site.notifications.models import Delivery, Subscription
from tests.actors import make_person
from tests.notifications.conftest import stale_project

BASE_DIR = Path(__file__).resolve().parent.parent.parent
RECIPIENTS = 12


def database_url() -> str:
    db = settings.DATABASES["default"]
    host = quote(db["HOST"], safe="")
    return f"postgis://{quote(db['USER'] or '')}@{host}{':' + str(db['PORT']) if db['PORT'] else ''}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_delivers_nothing_twice(regions, agency, notify_settings, smtp):
    for n in range(RECIPIENTS):
        user = make_person(f"officer{n}", "akimat", ["KZ-75"], regions).user
        Subscription.objects.create(user=user, channel="email", address=f"officer{n}@example.kz")
    stale_project(agency, "Water main")
    escalation.sync_alerts()
    fanout.fan_out_pending(now=timezone.now())
    assert Delivery.objects.filter(state="queued").count() == RECIPIENTS

    smtp.delay = 0.4  # each message takes the server 0.4 s to accept
    env = {**os.environ, "DATABASE_URL": database_url(), "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp.port),
           "NOTIFY_EMAIL_RATE": "1000", "TELEGRAM_BOT_TOKEN": "", "LOG_LEVEL": "ERROR"}
    process = subprocess.Popen([sys.executable, "manage.py", "notify", "--loop", "0.2", "--no-alerts"], cwd=BASE_DIR,
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while len(smtp.messages) < 4 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        assert len(smtp.messages) >= 4, process.stderr.read().decode()[-2000:] if process.poll() is not None else ""
        time.sleep(0.2)  # now inside the next SMTP transaction
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
    time.sleep(0.5)  # the server finishes the transaction the dead worker started
    states = Counter(Delivery.objects.values_list("state", flat=True))
    assert states["sent"] + states["sending"] + states["claimed"] + states["queued"] == RECIPIENTS
    assert states["sending"] == 1, states  # killed while the server held one message

    # A new worker, after the dead one's lease ran out.
    later = timezone.now() + dt.timedelta(seconds=settings.NOTIFY["SEND_LEASE_SECONDS"] + 1)
    smtp.delay = 0
    worker.run_once(now_fn=lambda: later, alerts=False, poll=False)
    received = Counter(address for message in smtp.messages for address in message["to"])
    assert max(received.values()) == 1, received  # nobody twice
    states = Counter(Delivery.objects.values_list("state", flat=True))
    assert states["sent"] + states["failed"] == RECIPIENTS
    interrupted = Delivery.objects.filter(state="failed")
    assert all("interrupted" in d.last_error for d in interrupted)
    assert len(received) >= RECIPIENTS - interrupted.count()  # everyone else got theirs
