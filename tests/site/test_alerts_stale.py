"""Stale-project alerts read only the oldest projects through their index, and keep the rule's order:
whole days without a report, most first, ties by id, cut at ALERT_LIMIT."""
from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import Point

from geotrack.core.params import start_of_day
from geotrack.site.alerts import alerts_for
from projects.access import Audience
from projects.health import health_today
from projects.models import Project
from projects.services import project_save


@pytest.mark.django_db
def test_the_limit_cuts_by_whole_days_then_id_not_by_the_exact_time(regions, agency, settings):
    settings.GEOTRACK = {**settings.GEOTRACK, "ALERT_LIMIT": 3, "ALERT_STALE_DAYS": 60}
    day_start = start_of_day(health_today())
    ages = {"a": (100, 1), "d": (100, 5), "b": (100, 20), "c": (101, 2), "e": (70, 0), "f": (99, 23)}
    ids = {}
    for name, (days, hours) in ages.items():  # created in this order: ids rise a, d, b, c, e, f
        project = project_save(project=Project(title=name, sector="transport", kind="infrastructure", agency=agency,
                                               geom=Point(76.91, 43.25, srid=4326), status="implementation",
                                               is_public=True))
        Project.objects.filter(pk=project.pk).update(
            last_report_at=day_start - dt.timedelta(days=days, hours=hours))
        ids[project.pk] = name
    stale = [alert for alert in alerts_for(audience=Audience()) if alert["kind"] == "project_stale"]
    # c is 101 days old; a, d and b are 100: the two lowest ids (a, d) make it, not the two oldest (b, d).
    assert sorted(ids[alert["object"]["id"]] for alert in stale) == ["a", "c", "d"]
    assert [alert["magnitude"] for alert in stale] == [101, 100, 100]
