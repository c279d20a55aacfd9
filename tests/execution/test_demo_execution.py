"""The demo's roadmap execution: milestones for every item, reports in every state, moves, meetings."""
from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test.utils import CaptureQueriesContext
from django.db import connection

from execution.models import (AgendaEntry, DeadlineChange, ExecutionReport, Instruction, Meeting, ReportDocument,
                              ReportingPeriod, ReportVersion)
from execution.selectors import late_reports
from geotrack.site.dashboard import execution_summary
from projects.access import Audience
from projects.models import RoadmapItem
from projects.selectors import roadmap_item_status


@pytest.mark.django_db
def test_the_demo_follows_every_item_and_reports_in_every_state():
    call_command("load_demo")
    assert RoadmapItem.objects.filter(milestones__isnull=True).count() == 0  # all 117, without projects too
    assert ReportingPeriod.objects.count() == 2
    assert set(ExecutionReport.objects.values_list("state", flat=True)) == {"draft", "submitted", "accepted",
                                                                           "returned"}
    resubmitted = ExecutionReport.objects.get(version=2)
    assert list(resubmitted.versions.values_list("number", "state")) == [(1, "returned"), (2, "submitted")]
    assert ReportDocument.objects.count() >= 3
    national = Audience(role="coordinator", authenticated=True)
    assert late_reports(audience=national)  # some were not submitted in time
    moved = DeadlineChange.objects.filter(state="approved")
    assert moved.count() == 2 and RoadmapItem.objects.filter(original_deadline__isnull=False).count() == 1
    past, upcoming = Meeting.objects.order_by("held_on")
    assert past.instructions.count() == 6
    assert sum(instruction.overdue for instruction in Instruction.objects.all()) == 2
    assert AgendaEntry.objects.filter(meeting=upcoming).count() >= 3
    status = roadmap_item_status(audience=Audience())
    no_projects = [s for s in status.values() if not s["project_count"]]
    assert no_projects and all(s["progress"] is not None for s in no_projects)  # no more "–" for ever
    # the dashboard's execution figures cost the same few queries whatever the number of items
    with CaptureQueriesContext(connection) as queries:
        summary = execution_summary(audience=national)
    assert summary["late_reports"] > 0 and summary["returned_reports"] > 0 and summary["overdue_instructions"] == 2
    assert len(queries) <= 4
    assert ReportVersion.objects.filter(is_public=True, state="returned").count() == 0
