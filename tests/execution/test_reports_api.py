"""The "Done when" walk through the API: a ministry reports with a document, the coordinator returns it, the
ministry resubmits, the coordinator accepts; the item's progress, health and the dashboard move at once."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from execution.models import ExecutionReport, ReportDocument, ReportVersion
from tests.execution.conftest import PDF, png_bytes


def item_in_list(client, number: int) -> dict:
    rows = client.get(reverse("roadmap-item-list")).json()["results"]
    return next(row for row in rows if row["number"] == number)


def create_draft(ex, who="energy_ministry", **extra):
    body = {"period": ex.period.pk, "text": "Drafted the law", "percent_done": 40, **extra}
    return ex.client(who).post(reverse("item-reports", args=[7]), body, format="json")


@pytest.mark.django_db
def test_a_report_goes_from_draft_to_returned_to_accepted_and_the_item_moves_at_once(ex):
    ministry, coordinator, public = ex.client("energy_ministry"), ex.client("coordinator"), ex.client(None)
    before = item_in_list(public, 7)
    assert before["milestone_progress"] == 0 and before["project_count"] == 0
    dashboard_before = public.get(reverse("dashboard-api")).json()

    created = create_draft(ex, milestones=[{"id": ex.milestones[0].pk, "done_on": dt.date.today().isoformat()}])
    assert created.status_code == 201, created.content
    report = created.json()
    assert (report["state"], report["version"], report["late"]) == ("draft", 1, False)
    url = reverse("execution-report-detail", args=[report["id"]])

    upload = SimpleUploadedFile("act.pdf", PDF, content_type="application/pdf")
    document = ministry.post(reverse("execution-report-documents", args=[report["id"]]), {"file": upload},
                             format="multipart")
    assert document.status_code == 201, document.content
    assert ministry.get(document.json()["url"]).status_code == 200
    assert public.get(document.json()["url"]).status_code == 404
    assert ex.client("finance_ministry").get(document.json()["url"]).status_code == 404

    assert public.get(url).status_code == 404  # a draft is never public
    assert ministry.post(reverse("execution-report-submit", args=[report["id"]])).json()["state"] == "submitted"

    no_comment = coordinator.post(reverse("execution-report-return", args=[report["id"]]), {}, format="json")
    assert no_comment.status_code == 400 and ExecutionReport.objects.get().state == "submitted"
    returned = coordinator.post(reverse("execution-report-return", args=[report["id"]]),
                                {"comment": "Attach the signed act"}, format="json")
    assert returned.json()["state"] == "returned" and returned.json()["comment"] == "Attach the signed act"

    etag = ministry.get(url)["ETag"]
    edited = ministry.patch(url, {"text": "Drafted and sent the law", "percent_done": 50}, format="json",
                            HTTP_IF_MATCH=etag)
    assert edited.status_code == 200
    stale = ministry.patch(url, {"text": "again"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and ExecutionReport.objects.get().text == "Drafted and sent the law"
    resubmitted = ministry.post(reverse("execution-report-submit", args=[report["id"]])).json()
    assert (resubmitted["state"], resubmitted["version"]) == ("submitted", 2)

    accepted = coordinator.post(reverse("execution-report-accept", args=[report["id"]]), {}, format="json").json()
    assert accepted["state"] == "accepted"
    assert [(v["number"], v["state"]) for v in accepted["versions"]] == [(1, "returned"), (2, "accepted")]

    after = item_in_list(public, 7)
    assert after["milestone_progress"] == 50.0 and after["progress"] == 50.0
    assert after["health"] in {"on_track", "at_risk"}
    dashboard_after = public.get(reverse("dashboard-api")).json()
    assert dashboard_after["generated_at"] != dashboard_before["generated_at"]  # recomputed at once

    # the public reads the accepted summary and only the accepted version, never the returned one nor documents
    seen = public.get(url).json()
    assert seen["text"] == "Drafted and sent the law" and "comment" not in seen
    assert [v["number"] for v in seen["versions"]] == [2] and seen["documents"] == []


@pytest.mark.django_db
def test_a_report_submitted_after_the_due_day_is_late(ex):
    late = create_draft(ex, period=ex.past_period.pk, submit=True).json()
    assert late["state"] == "submitted" and late["late"] is True
    assert create_draft(ex).json()["late"] is False


@pytest.mark.django_db
def test_the_role_matrix_of_reports(ex):
    report = create_draft(ex).json()
    url = reverse("execution-report-detail", args=[report["id"]])
    submit = reverse("execution-report-submit", args=[report["id"]])
    assert create_draft(ex, who="finance_ministry").status_code == 403  # sees item 7, may not report on it
    assert create_draft(ex, who="astana_planner").status_code == 403
    assert ex.client(None).post(reverse("item-reports", args=[7]), {}, format="json").status_code == 401
    for who in (None, "finance_ministry", "astana_akimat"):
        assert ex.client(who).get(url).status_code == 404, who
    for who in ("astana_planner", "analyst", "coordinator"):
        assert ex.client(who).get(url).status_code == 200, who
        assert ex.client(who).patch(url, {"text": "x"}, format="json").status_code == 403, who
    assert ex.client("finance_ministry").post(submit).status_code == 404
    # the Almaty akimat co-executes item 7: it reads its ministry's draft and reports for itself
    almaty = ex.client("almaty_akimat")
    assert almaty.get(url).status_code == 200 and almaty.post(submit).status_code == 403
    assert create_draft(ex, who="almaty_akimat").status_code == 201
    ex.client("energy_ministry").post(submit)
    accept = reverse("execution-report-accept", args=[report["id"]])
    assert ex.client("energy_ministry").post(accept, {}, format="json").status_code == 403
    assert ex.client("coordinator").post(accept, {}, format="json").status_code == 200
    assert ex.client("finance_ministry").post(accept, {}, format="json").status_code == 403  # public now, not theirs


@pytest.mark.django_db
def test_bad_input_gets_a_clear_4xx_and_changes_nothing(ex):
    ministry = ex.client("energy_ministry")
    assert create_draft(ex, percent_done=140).status_code == 400
    assert create_draft(ex, colour="red").status_code == 400
    assert create_draft(ex, milestones=[{"id": 999999, "done_on": None}]).status_code == 400
    assert ministry.post(reverse("item-reports", args=[8]), {"period": ex.period.pk, "text": "x"},
                         format="json").status_code == 403
    ex.past_period.closed_at = ex.past_period.due_at
    ex.past_period.save()
    assert create_draft(ex, period=ex.past_period.pk).status_code == 400
    assert ExecutionReport.objects.count() == 0
    report = create_draft(ex).json()
    documents = reverse("execution-report-documents", args=[report["id"]])
    disguised = SimpleUploadedFile("act.pdf", png_bytes(), content_type="application/pdf")
    assert ministry.post(documents, {"file": disguised}, format="multipart").status_code == 400
    fake_docx = SimpleUploadedFile("act.docx", PDF)
    assert ministry.post(documents, {"file": fake_docx}, format="multipart").status_code == 400
    exe = SimpleUploadedFile("run.exe", b"MZ\x90\x00")
    assert ministry.post(documents, {"file": exe}, format="multipart").status_code == 400
    png = SimpleUploadedFile("photo.png", png_bytes())
    assert ministry.post(documents, {"file": png}, format="multipart").status_code == 201
    assert ReportDocument.objects.count() == 1
    accept = reverse("execution-report-accept", args=[report["id"]])
    assert ex.client("coordinator").post(accept, {}, format="json").status_code == 409  # a draft
    assert create_draft(ex).status_code == 409  # one report per agency, item and period
    assert ReportVersion.objects.count() == 0


@pytest.mark.django_db
def test_document_limits_answer_with_the_limit(ex, settings):
    settings.GEOTRACK = {**settings.GEOTRACK, "DOCUMENT_MAX_BYTES": 100, "DOCUMENT_MAX_COUNT": 1}
    ministry = ex.client("energy_ministry")
    report = create_draft(ex).json()
    documents = reverse("execution-report-documents", args=[report["id"]])
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * 200 + b"\n%%EOF\n")
    answer = ministry.post(documents, {"file": big}, format="multipart")
    assert answer.status_code == 413 and "100" in answer.json()["detail"]
    assert ministry.post(documents, {"file": SimpleUploadedFile("a.pdf", PDF)}, format="multipart").status_code == 201
    second = ministry.post(documents, {"file": SimpleUploadedFile("b.pdf", PDF)}, format="multipart")
    assert second.status_code == 400 and "1 documents" in second.json()["detail"]


@pytest.mark.django_db
def test_a_deadline_moves_only_by_an_approved_request_and_every_move_stays_visible(ex):
    ministry, coordinator = ex.client("energy_ministry"), ex.client("coordinator")
    first_deadline = ex.item.deadline
    url = reverse("item-deadline-changes", args=[7])
    assert ex.client("finance_ministry").post(url, {"deadline": "2030-01-01", "reason": "x"},
                                              format="json").status_code == 403
    assert ministry.post(url, {"deadline": "2030-01-01"}, format="json").status_code == 400
    requested = ministry.post(url, {"deadline": "2030-01-01", "reason": "Procurement failed"}, format="json")
    assert requested.status_code == 201 and requested.json()["state"] == "requested"
    change = requested.json()["id"]
    assert ex.client(None).get(url).json() == []  # a request is not public
    assert ministry.post(reverse("deadline-change-approve", args=[change])).status_code == 403
    assert ex.client("finance_ministry").post(reverse("deadline-change-approve", args=[change])).status_code == 404
    approved = coordinator.post(reverse("deadline-change-approve", args=[change]), {}, format="json")
    assert approved.json()["state"] == "approved"
    assert coordinator.post(reverse("deadline-change-refuse", args=[change]), {}, format="json").status_code == 409
    item = item_in_list(ex.client(None), 7)
    assert item["deadline"] == "2030-01-01" and item["original_deadline"] == first_deadline.isoformat()
    assert [c["deadline"] for c in ex.client(None).get(url).json()] == ["2030-01-01"]


@pytest.mark.django_db
def test_the_coordinator_runs_periods_meetings_and_instructions(ex):
    coordinator, ministry = ex.client("coordinator"), ex.client("energy_ministry")
    period = {"starts_on": "2026-01-01", "ends_on": "2026-03-31", "due_on": "2026-04-10"}
    assert ministry.post(reverse("reporting-period-list"), period, format="json").status_code == 403
    assert coordinator.post(reverse("reporting-period-list"), {**period, "due_on": "2025-01-01"},
                            format="json").status_code == 400
    assert coordinator.post(reverse("reporting-period-list"), period, format="json").status_code == 201
    meeting = coordinator.post(reverse("meeting-list"), {"held_on": "2026-02-01", "title": "HQ meeting"},
                               format="json").json()
    body = {"meeting": meeting["id"], "text": "Adopt the law", "agency": "min-energy",
            "co_executors": ["akimat-almaty"], "deadline": "2026-06-01"}
    assert ministry.post(reverse("instruction-list"), body, format="json").status_code == 403
    instruction = coordinator.post(reverse("instruction-list"), body, format="json")
    assert instruction.status_code == 201
    number = instruction.json()["id"]
    assert ministry.get(reverse("instruction-detail", args=[number])).status_code == 200
    assert ex.client("finance_ministry").get(reverse("instruction-detail", args=[number])).status_code == 404
    assert ex.client(None).get(reverse("meeting-detail", args=[meeting["id"]])).status_code == 404
    reported = ministry.post(reverse("instruction-reports", args=[number]),
                             {"period": ex.period.pk, "text": "Adopted", "percent_done": 100, "submit": True},
                             format="json")
    assert reported.status_code == 201 and reported.json()["state"] == "submitted"
    coordinator.post(reverse("execution-report-accept", args=[reported.json()["id"]]), {}, format="json")
    assert coordinator.get(reverse("instruction-detail", args=[number])).json()["done_at"] is not None


@pytest.mark.django_db
def test_milestones_are_edited_by_the_responsible_agency_until_the_first_accepted_report(ex):
    url = reverse("item-milestones", args=[7])
    body = {"title_en": "Stage 3", "planned_on": "2030-01-01", "weight": 2}
    assert len(ex.client(None).get(url).json()) == 2
    assert ex.client("almaty_akimat").post(url, body, format="json").status_code == 403  # co-executor
    assert ex.client("energy_ministry").post(url, body, format="json").status_code == 201
    report = create_draft(ex, submit=True).json()
    ex.client("coordinator").post(reverse("execution-report-accept", args=[report["id"]]), {}, format="json")
    assert ex.client("energy_ministry").post(url, body, format="json").status_code == 403
    assert ex.client("coordinator").post(url, body, format="json").status_code == 201
