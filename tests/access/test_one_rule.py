"""The one access rule: for every kind of object and every caller, the queryset and the SQL agree.

projects/access/ builds both forms from one definition; these tests run both against the same
world and compare the rows, then check what each role may read against the contract's words.
"""
from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import QueryDict

from geotrack.core.sql import Sql
from projects.access import RULES, Audience, audience_for, audience_from

ROLES = ("anonymous", "almaty_akimat", "astana_akimat", "almaty_planner", "astana_planner", "analyst", "admin",
         "energy_ministry", "finance_ministry", "coordinator")
MODELS = {"project": "projects.Project", "progress_report": "projects.ProgressReport",
          "progress_monthly": "projects.ProgressMonthly", "progress_photo": "projects.ProgressPhoto",
          "camera": "camera_sites.Camera", "snapshot": "camera_sites.Snapshot", "imagery": "layers.Imagery",
          "evidence": "layers.ChangeEvidence", "milestone": "execution.Milestone",
          "execution_report": "execution.ExecutionReport", "report_version": "execution.ReportVersion",
          "report_document": "execution.ReportDocument", "deadline_change": "execution.DeadlineChange",
          "meeting": "execution.Meeting", "instruction": "execution.Instruction",
          "feedback": "citizens.Feedback", "feedback_photo": "citizens.FeedbackPhoto"}


def audience(world, role: str, scope_public: bool) -> Audience:
    user = AnonymousUser() if role == "anonymous" else world.people[role].user
    return audience_from(user, QueryDict("scope=public" if scope_public else ""))


def queryset_ids(audience: Audience, kind: str) -> set[int]:
    model = apps.get_model(MODELS[kind])
    return set(audience.filter(model.objects.all(), kind).values_list("pk", flat=True))


def sql_ids(audience: Audience, kind: str) -> set[int]:
    statement = Sql(f"SELECT x.id FROM {RULES[kind].table} x WHERE {{visible}}").format(
        visible=audience.sql(kind, "x"))
    return {row[0] for row in statement.fetchall()}


def exists_ids(audience: Audience, kind: str) -> set[int]:
    statement = Sql(f"SELECT x.id FROM {RULES[kind].table} x WHERE {{visible}}").format(
        visible=audience.sql_exists(kind, "x.id"))
    return {row[0] for row in statement.fetchall()}


def test_every_kind_has_a_model_here():
    assert set(MODELS) == set(RULES)


@pytest.mark.django_db
@pytest.mark.parametrize("scope_public", [False, True], ids=["own", "scope=public"])
def test_the_queryset_and_the_sql_return_the_same_rows(world, scope_public):
    for role in ROLES:
        who = audience(world, role, scope_public)
        for kind in RULES:
            model = apps.get_model(MODELS[kind])
            assert model.objects.exists(), kind  # the world holds every kind
            expected = queryset_ids(who, kind)
            assert sql_ids(who, kind) == expected, (role, kind)
            assert exists_ids(who, kind) == expected, (role, kind)


def titles(audience: Audience, kind: str, field: str) -> set[str]:
    model = apps.get_model(MODELS[kind])
    return set(audience.filter(model.objects.all(), kind).values_list(field, flat=True))


@pytest.mark.django_db
def test_each_role_reads_what_the_contract_says(world):
    everything = {"public-almaty", "SECRET-PROJECT-ALMATY", "public-astana", "private-astana", "private-both"}
    public = {"public-almaty", "public-astana"}
    for role in ("almaty_planner", "astana_planner", "analyst", "admin"):
        assert titles(audience(world, role, False), "project", "title") == everything, role
    assert titles(audience(world, "anonymous", False), "project", "title") == public
    assert titles(audience(world, "almaty_akimat", False), "project", "title") == public | {
        "SECRET-PROJECT-ALMATY", "private-both"}
    assert titles(audience(world, "astana_akimat", False), "project", "title") == public | {
        "private-astana", "private-both"}
    for role in ROLES:  # ?scope=public: the public's answer, whoever asks
        assert titles(audience(world, role, True), "project", "title") == public, role

    assert titles(audience(world, "almaty_akimat", False), "camera", "label") == {
        "public-cam-almaty", "SECRET-CAMERA-ALMATY"}
    assert titles(audience(world, "astana_akimat", False), "camera", "label") == {
        "public-cam-almaty", "private-cam-astana"}
    assert titles(audience(world, "almaty_akimat", False), "imagery", "title") == {
        "public-image-almaty", "SECRET-IMAGE-ALMATY", "public-image-of-a-private-project"}
    assert titles(audience(world, "astana_akimat", False), "imagery", "title") == {
        "public-image-almaty", "private-image-astana", "private-image-of-project", "public-image-of-a-private-project"}


@pytest.mark.django_db
def test_the_public_waits_out_a_cameras_delay_and_signed_in_callers_do_not(world):
    camera = world.cameras["public-cam-almaty"]
    public = audience(world, "anonymous", False).filter(camera.snapshots.all(), "snapshot")
    signed_in = audience(world, "astana_akimat", False).filter(camera.snapshots.all(), "snapshot")
    assert public.count() == 1 and signed_in.count() == 2
    assert audience(world, "analyst", True).filter(camera.snapshots.all(), "snapshot").count() == 1


@pytest.mark.django_db
def test_evidence_needs_the_project_and_both_images(world):
    evidence = {row.project.title for row in audience(world, "anonymous", False).filter(
        apps.get_model("layers.ChangeEvidence").objects.all(), "evidence")}
    assert evidence == set()  # the public may read the project, not the private "after" image
    assert {row.project.title for row in audience(world, "almaty_akimat", False).filter(
        apps.get_model("layers.ChangeEvidence").objects.all(), "evidence")} == {"public-almaty",
                                                                                 "SECRET-PROJECT-ALMATY"}


@pytest.mark.django_db
def test_a_user_without_a_role_reads_as_the_public(world, regions):
    from django.contrib.auth import get_user_model

    nobody = get_user_model().objects.create_user("nobody", password="x" * 12)
    assert titles(audience_for(nobody), "project", "title") == {"public-almaty", "public-astana"}


@pytest.mark.django_db
def test_the_audience_key_separates_whoever_reads_something_else(world):
    keys = {role: audience(world, role, False).key for role in ROLES}
    assert keys["analyst"] == keys["admin"] == keys["astana_planner"] == keys["almaty_planner"]
    assert len({keys["anonymous"], keys["almaty_akimat"], keys["astana_akimat"], keys["analyst"]}) == 4
    assert audience(world, "admin", True).key == keys["anonymous"]
    assert connection.vendor == "postgresql"


def ids(audience: Audience, kind: str) -> set[int]:
    return queryset_ids(audience, kind)


@pytest.mark.django_db
def test_each_role_reads_roadmap_execution_as_the_contract_says(world):
    ex = world.execution
    accepted, draft, secret = ex["accepted"].pk, ex["draft"].pk, ex["secret"].pk
    instruction_report = apps.get_model("execution.ExecutionReport").objects.get(instruction__isnull=False).pk
    reports = {accepted, draft, secret, instruction_report}
    # national roles, the coordinator included, read every report, document, change, meeting and instruction
    for role in ("almaty_planner", "astana_planner", "analyst", "admin", "coordinator"):
        who = audience(world, role, False)
        assert ids(who, "execution_report") == reports, role
        assert len(ids(who, "meeting")) == 2 and len(ids(who, "instruction")) == 2, role
        assert len(ids(who, "deadline_change")) == 2, role
    # the public: the accepted report on an item (its summary), its accepted version, no document,
    # the approved deadline move, milestones; never a draft, a returned version, a meeting or an instruction
    for role in ROLES:
        public = audience(world, role, True)
        assert ids(public, "execution_report") == {accepted}, role
        assert {v.report_id for v in public.filter(apps.get_model("execution.ReportVersion").objects.all(),
                                                    "report_version")} == {accepted}
        assert ids(public, "report_document") == set(), role
        assert ids(public, "meeting") == set() and ids(public, "instruction") == set(), role
        assert len(ids(public, "milestone")) == 2, role
        assert {c.roadmap_item.number for c in public.filter(
            apps.get_model("execution.DeadlineChange").objects.all(), "deadline_change")} == {7}, role
    # the ministry of energy: everything about item 7 and its instruction, public things of finance
    energy = audience(world, "energy_ministry", False)
    assert ids(energy, "execution_report") == {accepted, draft, instruction_report}
    assert {d.name for d in energy.filter(apps.get_model("execution.ReportDocument").objects.all(),
                                          "report_document")} == {"act.pdf", "akimat.pdf"}
    assert ids(energy, "meeting") == {ex["energy_meeting"].pk}
    assert ids(energy, "instruction") == {ex["energy_instruction"].pk}
    assert titles(energy, "project", "title") >= {"SECRET-PROJECT-ALMATY"}  # projects linked to its item
    # the ministry of finance: item 8, its returned-and-resubmitted report with both versions, its meeting
    finance = audience(world, "finance_ministry", False)
    assert ids(finance, "execution_report") == {accepted, secret}
    assert {(v.report_id, v.number) for v in finance.filter(
        apps.get_model("execution.ReportVersion").objects.all(), "report_version")} == {
        (accepted, 1), (secret, 1), (secret, 2)}
    assert ids(finance, "meeting") == {ex["meeting"].pk}
    assert titles(finance, "project", "title") == {"public-almaty", "public-astana"}
    # the Almaty akimat co-executes item 7 and the finance instruction; Astana's akimat is bound to nothing
    almaty = audience(world, "almaty_akimat", False)
    assert ids(almaty, "execution_report") == {accepted, draft}
    assert ids(almaty, "instruction") == {apps.get_model("execution.Instruction").objects.get(
        text="SECRET-INSTRUCTION").pk}
    assert ids(audience(world, "astana_akimat", False), "execution_report") == {accepted}

@pytest.mark.django_db
def test_feedback_is_public_once_published_on_what_the_public_reads_and_moderators_read_their_scope(world):
    public = {"published-on-public-almaty", "published-on-the-item"}
    assert titles(audience(world, "anonymous", False), "feedback", "text") == public
    assert titles(audience(world, "almaty_akimat", False), "feedback", "text") == public | {
        "SECRET-FEEDBACK-ALMATY", "rejected-on-public-almaty", "published-on-secret-project",
        "published-on-private-both"}
    assert titles(audience(world, "astana_akimat", False), "feedback", "text") == public | {
        "received-on-private-astana", "published-on-private-both"}
    everything = set(apps.get_model("citizens.Feedback").objects.values_list("text", flat=True))
    for role in ("analyst", "admin", "astana_planner"):
        assert titles(audience(world, role, False), "feedback", "text") == everything, role
        assert titles(audience(world, role, True), "feedback", "text") == public, role
    photos = audience(world, "anonymous", False).filter(apps.get_model("citizens.FeedbackPhoto").objects.all(),
                                                        "feedback_photo")
    assert {photo.feedback.text for photo in photos} == public


@pytest.mark.django_db
def test_the_coordinator_and_a_ministry_user_read_feedback_by_role_name(world, agency):
    coordinator = Audience(role="coordinator", authenticated=True)
    ministry = Audience(role="ministry", agency_ids=(agency.pk,), authenticated=True)
    other_ministry = Audience(role="ministry", agency_ids=(agency.pk + 1000,), authenticated=True)
    # Their reading of private projects comes with their roles; on public projects and items they read it all.
    for who in (coordinator, ministry):
        assert {"SECRET-FEEDBACK-ALMATY", "received-on-the-item"} <= titles(who, "feedback", "text")
    assert titles(other_ministry, "feedback", "text") == {"published-on-public-almaty", "published-on-the-item"}
    for who in (coordinator, ministry, other_ministry):
        expected = queryset_ids(who, "feedback")
        assert sql_ids(who, "feedback") == expected == exists_ids(who, "feedback")
