"""Roadmap execution in the demo (illustrative): milestones for all 117 items, co-executors, two reporting
periods with reports in every state (some late, one returned and resubmitted, documents attached), two
deadline moves, a past meeting with six instructions (two overdue), an upcoming meeting with a proposed
agenda. Set-based inserts: a few statements whatever the number of items."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.base import ContentFile

from execution.models import (AgendaEntry, DeadlineChange, ExecutionReport, Instruction, Meeting, Milestone,
                              ReportDocument, ReportingPeriod, ReportVersion)
from geotrack.site.demo.common import DEMO_TODAY, at, rng
from projects.models import Agency, RoadmapItem

State = ExecutionReport.State

# (en, ru, kk) stages, in order; an item takes three to five of them.
STAGES = (
    ("Concept approved", "Концепция одобрена", "Тұжырымдама мақұлданды"),
    ("Draft prepared and agreed with agencies", "Проект подготовлен и согласован с госорганами",
     "Жоба дайындалып, мемлекеттік органдармен келісілді"),
    ("Public discussion held", "Проведено общественное обсуждение", "Қоғамдық талқылау өткізілді"),
    ("Financing secured", "Финансирование обеспечено", "Қаржыландыру қамтамасыз етілді"),
    ("Adopted by the Government", "Принято Правительством", "Үкімет қабылдады"),
    ("Implementation started", "Реализация начата", "Іске асыру басталды"),
    ("Results reported to the headquarters", "Результаты доложены штабу", "Нәтижелер штабқа баяндалды"),
)
REPORT_TEXT = (
    ("Work continued as planned; the next stage is under way.", "Работа велась по плану; начат следующий этап.",
     "Жұмыс жоспар бойынша жүргізілді; келесі кезең басталды."),
    ("The draft was agreed with the ministries concerned.", "Проект согласован с заинтересованными министерствами.",
     "Жоба мүдделі министрліктермен келісілді."),
    ("Procurement was completed; contracts are signed.", "Закупки завершены, договоры подписаны.",
     "Сатып алу аяқталды, шарттарға қол қойылды."),
)
DEMO_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _milestones(items: list[RoadmapItem]) -> list[Milestone]:
    generator = rng("execution-milestones")
    rows = []
    for item in items:
        count = generator.randint(3, 5)
        stages = sorted(generator.sample(range(len(STAGES)), k=count))
        span = (item.deadline - item.start).days
        lag = generator.random()  # how far behind this item's agency runs
        for position, stage in enumerate(stages, start=1):
            planned = item.start + dt.timedelta(days=round(span * position / count))
            done = None
            if planned <= DEMO_TODAY and generator.random() > lag * 0.6:
                done = min(planned + dt.timedelta(days=generator.randint(-20, 40)), DEMO_TODAY)
            en, ru, kk = STAGES[stage]
            rows.append(Milestone(roadmap_item=item, position=position, title_en=en, title_ru=ru, title_kk=kk,
                                  planned_on=planned, done_on=done, weight=generator.randint(1, 3)))
    return Milestone.objects.bulk_create(rows)


def _co_executors(items: list[RoadmapItem], agencies: dict[str, Agency]) -> None:
    generator = rng("execution-co-executors")
    akimats = [a for a in agencies.values() if a.kind == Agency.Kind.AKIMAT]
    ministries = [a for a in agencies.values() if a.kind == Agency.Kind.MINISTRY]
    through = RoadmapItem.co_executors.through
    links = []
    for item in items:
        if generator.random() < 0.4:
            pool = akimats if generator.random() < 0.5 else ministries
            partner = generator.choice([a for a in pool if a.pk != item.agency_id])
            links.append(through(roadmapitem_id=item.pk, agency_id=partner.pk))
    through.objects.bulk_create(links)


def _report(item, period, agency_id, state, generator, *, submitted=None, late=False) -> ExecutionReport:
    en, ru, kk = generator.choice(REPORT_TEXT)
    submitted_at = None
    if state != State.DRAFT:
        day = period.due_on + dt.timedelta(days=generator.randint(3, 12)) if late else \
            period.due_on - dt.timedelta(days=generator.randint(0, 8))
        submitted_at = submitted or at(day, 11)
    decided = at(min(period.due_on + dt.timedelta(days=14), DEMO_TODAY), 16) if state in {State.ACCEPTED,
                                                                                          State.RETURNED} else None
    return ExecutionReport(period=period, roadmap_item=item, agency_id=agency_id, state=state, version=1,
                           text=en, text_ru=ru, text_kk=kk, percent_done=Decimal(generator.randint(10, 90)),
                           first_submitted_at=submitted_at, submitted_at=submitted_at, decided_at=decided,
                           comment="", is_public=state == State.ACCEPTED, created_at=at(period.ends_on, 9),
                           updated_at=decided or submitted_at or at(period.ends_on, 9))


def _periods_and_reports(items: list[RoadmapItem]) -> tuple[list[ReportingPeriod], int]:
    """A closed quarter (mostly accepted, some late) and an open month (every state, some missing)."""
    quarter = ReportingPeriod.objects.create(kind="quarterly", starts_on=dt.date(2026, 7, 1),
                                             ends_on=dt.date(2026, 9, 30), due_on=dt.date(2026, 10, 10))
    month = ReportingPeriod.objects.create(kind="monthly", starts_on=dt.date(2026, 10, 1),
                                           ends_on=dt.date(2026, 10, 31), due_on=dt.date(2026, 11, 10))
    generator = rng("execution-reports")
    reports = []
    for item in items:
        roll = generator.random()
        state = State.ACCEPTED if roll < 0.8 else (State.SUBMITTED if roll < 0.93 else State.RETURNED)
        reports.append(_report(item, quarter, item.agency_id, state, generator, late=generator.random() < 0.12))
        roll = generator.random()
        if roll < 0.15:
            continue  # not reported: late once the due day passes
        state = (State.DRAFT if roll < 0.35 else State.SUBMITTED if roll < 0.7 else State.ACCEPTED if roll < 0.92
                 else State.RETURNED)
        reports.append(_report(item, month, item.agency_id, state, generator))
    for report in reports:
        if report.state == State.RETURNED:
            report.comment = "Приложите подписанный акт выполненных работ / Орындалған жұмыстар актісін қоса беріңіз"
    ExecutionReport.objects.bulk_create(reports)
    # One returned report was resubmitted: version 1 returned, version 2 submitted.
    resubmitted = next(r for r in reports if r.period_id == quarter.pk and r.state == State.SUBMITTED)
    versions = []
    for report in reports:
        if report.state == State.DRAFT:
            continue
        if report is resubmitted:
            versions.append(ReportVersion(
                report=report, number=1, state=State.RETURNED, text=report.text, text_ru=report.text_ru,
                text_kk=report.text_kk, percent_done=report.percent_done - 5, submitted_at=report.submitted_at,
                decided_at=report.submitted_at + dt.timedelta(days=3), roadmap_item_id=report.roadmap_item_id,
                comment="Уточните процент выполнения / Орындалу пайызын нақтылаңыз"))
            report.version = 2
            report.submitted_at = report.submitted_at + dt.timedelta(days=6)
        versions.append(ReportVersion(
            report=report, number=report.version, state=report.state, text=report.text, text_ru=report.text_ru,
            text_kk=report.text_kk, percent_done=report.percent_done, submitted_at=report.submitted_at,
            decided_at=report.decided_at, comment=report.comment, is_public=report.is_public,
            roadmap_item_id=report.roadmap_item_id))
    ExecutionReport.objects.filter(pk=resubmitted.pk).update(version=2, submitted_at=resubmitted.submitted_at)
    ReportVersion.objects.bulk_create(versions)
    for report in [resubmitted, *[r for r in reports if r.state == State.ACCEPTED][:3]]:
        document = ReportDocument(report=report, version=report.version, name=f"act-{report.roadmap_item_id}.pdf",
                                  content_type="application/pdf", size=len(DEMO_PDF),
                                  roadmap_item_id=report.roadmap_item_id)
        document.file.save(document.name, ContentFile(DEMO_PDF), save=False)
        document.save()
    return [quarter, month], len(reports)


def _deadline_moves(items: list[RoadmapItem]) -> None:
    """Two approved moves (one item moved twice), and one request waiting for a decision."""
    moved = next(item for item in items if item.deadline.year == 2027)
    first, second = moved.deadline, dt.date(moved.deadline.year, 12, 31)
    changes = [
        DeadlineChange(roadmap_item=moved, previous_deadline=first, deadline=dt.date(first.year, 9, 30),
                       reason="Перенос сроков согласования / Келісу мерзімдерінің ауысуы", state="approved",
                       requested_at=at(dt.date(2026, 5, 4)), decided_at=at(dt.date(2026, 5, 12)), is_public=True),
        DeadlineChange(roadmap_item=moved, previous_deadline=dt.date(first.year, 9, 30), deadline=second,
                       reason="Повторный конкурс подрядчиков / Мердігерлердің қайта конкурсы", state="approved",
                       requested_at=at(dt.date(2026, 9, 1)), decided_at=at(dt.date(2026, 9, 9)), is_public=True),
    ]
    pending = next(item for item in items if item.deadline.year == 2028 and item.pk != moved.pk)
    changes.append(DeadlineChange(roadmap_item=pending, previous_deadline=pending.deadline,
                                  deadline=dt.date(2029, 6, 30), reason="Изменение объёма финансирования",
                                  requested_at=at(dt.date(2026, 10, 20))))
    DeadlineChange.objects.bulk_create(changes)
    RoadmapItem.objects.filter(pk=moved.pk).update(original_deadline=first, deadline=second)


def _meetings(items: list[RoadmapItem]) -> list[Meeting]:
    past = Meeting.objects.create(held_on=dt.date(2026, 10, 15), title="Headquarters meeting on the roadmap",
                                  title_ru="Заседание штаба по реализации дорожной карты",
                                  title_kk="Жол картасын іске асыру жөніндегі штаб отырысы",
                                  chair="Deputy Prime Minister (illustrative)", place="Astana")
    upcoming = Meeting.objects.create(held_on=dt.date(2026, 12, 17), title="Headquarters meeting, December",
                                      title_ru="Заседание штаба, декабрь", title_kk="Штаб отырысы, желтоқсан",
                                      chair="Deputy Prime Minister (illustrative)", place="Astana")
    chosen = items[3:9]
    AgendaEntry.objects.bulk_create([
        AgendaEntry(meeting=past, position=n, roadmap_item=item, title=item.title_en,
                    decision="Ускорить исполнение / Орындауды жеделдету")
        for n, item in enumerate(chosen[:4], start=1)])
    deadlines = [dt.date(2026, 10, 25), dt.date(2026, 10, 31), dt.date(2026, 12, 31), dt.date(2027, 1, 31),
                 dt.date(2027, 3, 31), dt.date(2026, 11, 15)]
    texts = [("Submit the overdue reports", "Представить просроченные отчёты", "Мерзімі өткен есептерді ұсыну"),
             ("Approve the financing plan", "Утвердить план финансирования", "Қаржыландыру жоспарын бекіту"),
             ("Hold public hearings", "Провести общественные слушания", "Қоғамдық тыңдаулар өткізу"),
             ("Complete procurement", "Завершить закупки", "Сатып алуды аяқтау"),
             ("Report on the pilot results", "Доложить об итогах пилота", "Пилот нәтижелері туралы баяндау"),
             ("Agree the draft with akimats", "Согласовать проект с акиматами", "Жобаны әкімдіктермен келісу")]
    instructions = Instruction.objects.bulk_create([
        Instruction(meeting=past, number=n, text=en, text_en=en, text_ru=ru, text_kk=kk, agency_id=item.agency_id,
                    deadline=deadline, done_at=at(dt.date(2026, 11, 10)) if n == 6 else None)
        for n, ((en, ru, kk), item, deadline) in enumerate(zip(texts, chosen, deadlines, strict=True), start=1)])
    Instruction.roadmap_items.through.objects.bulk_create([
        Instruction.roadmap_items.through(instruction_id=instruction.pk, roadmapitem_id=item.pk)
        for instruction, item in zip(instructions, chosen, strict=True)])
    return [past, upcoming]


def execution_create(*, roadmap: dict[str, list[RoadmapItem]], agencies: dict[str, Agency]) -> dict:
    """Create the execution demo; return counts for the summary."""
    items = sorted((item for group in roadmap.values() for item in group), key=lambda item: item.number)
    milestones = _milestones(items)
    _co_executors(items, agencies)
    periods, reports = _periods_and_reports(items)
    _deadline_moves(items)
    meetings = _meetings(items)
    return {"milestones": len(milestones), "reports": reports, "meetings": meetings}
