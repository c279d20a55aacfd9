"""Seed a bench database: N akimat users of Almaty, each with an immediate e-mail subscription; then one alert.

Run by run.py with DATABASE_URL pointing at the bench database (never the demo's).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geotrack.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402

from geotrack.site.notifications.events import emit  # noqa: E402
from geotrack.site.notifications.models import Delivery, Event, Subscription  # noqa: E402
from projects.models import Profile, Region  # noqa: E402
from tests.conftest import load_regions  # noqa: E402


def seed(n: int) -> None:
    if not Region.objects.exists():
        load_regions()
    almaty = Region.objects.get(iso_code="KZ-75")
    Delivery.objects.all().delete()
    Event.objects.all().delete()
    Subscription.objects.all().delete()
    User = get_user_model()
    User.objects.filter(username__startswith="bench-").delete()
    password = make_password(None)
    users = User.objects.bulk_create([User(username=f"bench-{i}", email=f"bench-{i}@example.kz", password=password)
                                      for i in range(n)], batch_size=5000)
    profiles = Profile.objects.bulk_create([Profile(user=user, role="akimat") for user in users], batch_size=5000)
    Profile.regions.through.objects.bulk_create(
        [Profile.regions.through(profile_id=p.pk, region_id=almaty.pk) for p in profiles], batch_size=5000)
    Subscription.objects.bulk_create([Subscription(user=user, channel="email", address=user.email,
                                                   regions=[almaty.pk], language="ru") for user in users],
                                     batch_size=5000)
    # One alert about Almaty that every akimat user may read (no private object named).
    emit("item_overdue", dedupe_key="bench-alert", region_ids=[almaty.pk], agency_codes=["min-energy"],
         item_numbers=[1], readable=[],
         payload={"title": {"ru": "Пункт 1", "en": "Item 1", "kk": "1-тармақ"}, "url": "/roadmap/1/",
                  "text": {"ru": "Срок прошёл", "en": "Deadline passed", "kk": "Мерзім өтті"}})


if __name__ == "__main__":
    seed(int(sys.argv[1]))
