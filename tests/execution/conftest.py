"""A small world for roadmap execution: the ministry of energy answers for item 7 with the Almaty akimat as
co-executor; the ministry of finance for item 8; a coordinator; two reporting periods (one past due)."""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import pytest
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from execution.models import Milestone, ReportingPeriod
from projects.models import Agency, RoadmapItem
from tests import actors

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class ExecutionWorld:
    people: dict
    item: RoadmapItem
    other_item: RoadmapItem
    period: ReportingPeriod
    past_period: ReportingPeriod
    milestones: list
    energy: Agency
    finance: Agency
    almaty: Agency

    def client(self, who: str | None) -> APIClient:
        client = APIClient()
        if who:
            client.credentials(HTTP_AUTHORIZATION=f"Token {self.people[who].token}")
        return client


@pytest.fixture
def ex(db, regions, agency) -> ExecutionWorld:
    finance = Agency.objects.create(code="min-finance", name_en="Ministry of Finance", name_ru="Министерство финансов",
                                    name_kk="Қаржы министрлігі", kind=Agency.Kind.MINISTRY)
    almaty = Agency.objects.create(code="akimat-almaty", name_en="Akimat of Almaty", name_ru="Акимат города Алматы",
                                   name_kk="Алматы қаласының әкімдігі", kind=Agency.Kind.AKIMAT,
                                   region=regions["KZ-75"])
    today = timezone.localdate()
    item = RoadmapItem.objects.create(number=7, title_en="Energy law", title_ru="Закон об энергетике",
                                      title_kk="Энергетика туралы заң", section="fair_economy", agency=agency,
                                      start=today - dt.timedelta(days=365), deadline=today + dt.timedelta(days=365))
    item.co_executors.add(almaty)
    other = RoadmapItem.objects.create(number=8, title_en="Budget code", title_ru="Бюджетный кодекс",
                                       title_kk="Бюджет кодексі", section="fair_economy", agency=finance,
                                       start=today - dt.timedelta(days=365), deadline=today + dt.timedelta(days=365))
    milestones = [Milestone.objects.create(roadmap_item=item, position=n, title_en=f"Stage {n}",
                                           planned_on=today + dt.timedelta(days=30 * n), weight=1) for n in (1, 2)]
    people = actors.make_people(regions)
    people["astana_akimat"] = actors.make_person("asel", "akimat", ["KZ-71"], regions)
    people["energy_ministry"] = actors.make_person("zhanna", "ministry", [], regions, agencies=[agency])
    people["finance_ministry"] = actors.make_person("timur", "ministry", [], regions, agencies=[finance])
    people["coordinator"] = actors.make_person("saule", "coordinator", [], regions)
    period = ReportingPeriod.objects.create(starts_on=today.replace(day=1), ends_on=today + dt.timedelta(days=20),
                                            due_on=today + dt.timedelta(days=25))
    past = ReportingPeriod.objects.create(starts_on=today - dt.timedelta(days=90), ends_on=today - dt.timedelta(days=60),
                                          due_on=today - dt.timedelta(days=50))
    return ExecutionWorld(people=people, item=item, other_item=other, period=period, past_period=past,
                          milestones=milestones, energy=agency, finance=finance, almaty=almaty)
