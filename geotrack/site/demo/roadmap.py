"""The 117 roadmap items of the action plan, written from the programme's published targets.

Titles are "<theme>: <step>" in three languages. Themes and steps are hand-written; which
steps each theme gets, and the deadlines, come from a seeded generator. Illustrative only.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from geotrack.site.demo.common import PROGRAMME_START, month_end, rng
from projects.models import Agency, RoadmapItem

ITEM_COUNT = 117
PAST_DEADLINES = 18  # items whose deadline fell between 2023-06 and 2026-10
S, E, C = RoadmapItem.Section.FAIR_STATE, RoadmapItem.Section.FAIR_ECONOMY, RoadmapItem.Section.FAIR_SOCIETY


@dataclass(frozen=True)
class Theme:
    section: str
    sector: str  # a Project.Sector value, or "" when no project sector fits
    agency: str
    kind: str  # law, infra or service: decides which steps fit
    en: str
    ru: str
    kk: str
    deadline: dt.date | None = None  # a fixed deadline, for themes with a dated target


@dataclass(frozen=True)
class RoadmapDraft:
    theme: Theme
    step: str  # a key of STEPS, or "" for the theme alone
    deadline: dt.date


T = Theme
THEMES: tuple[Theme, ...] = (
    T(S, "", "gov-office", "law", "Direct elections of district akims", "Прямые выборы акимов районов",
      "Аудан әкімдерінің тікелей сайлауы"),
    T(S, "", "min-economy", "law", "Reform of local self-government", "Реформа местного самоуправления",
      "Жергілікті өзін-өзі басқару реформасы"),
    T(S, "", "min-finance", "law", "Decentralisation of budget powers to districts",
      "Децентрализация бюджетных полномочий районов", "Аудандардың бюджеттік өкілеттіктерін орталықсыздандыру"),
    T(S, "", "min-justice", "law", "Modernisation of the judicial system", "Модернизация судебной системы",
      "Сот жүйесін жаңғырту"),
    T(S, "", "gov-office", "law", "Anti-corruption compliance in the public sector",
      "Антикоррупционный комплаенс в государственном секторе",
      "Мемлекеттік сектордағы сыбайлас жемқорлыққа қарсы комплаенс"),
    T(S, "", "min-finance", "service", "Transparency of public procurement", "Прозрачность государственных закупок",
      "Мемлекеттік сатып алудың ашықтығы"),
    T(S, "", "min-finance", "law", "Open budgets of state programmes", "Открытые бюджеты государственных программ",
      "Мемлекеттік бағдарламалардың ашық бюджеттері"),
    T(S, "digital", "min-digital", "service", "Proactive public services", "Проактивные государственные услуги",
      "Проактивті мемлекеттік қызметтер"),
    T(S, "", "min-interior", "service", "Service model of the police", "Сервисная модель полиции",
      "Полицияның сервистік моделі"),
    T(S, "social", "min-emergency", "infra", "Emergency response and civil protection",
      "Реагирование на чрезвычайные ситуации и гражданская защита",
      "Төтенше жағдайларға ден қою және азаматтық қорғау"),
    T(S, "", "aspr", "law", "Civil service reform and a leaner state apparatus",
      "Реформа государственной службы и оптимизация госаппарата",
      "Мемлекеттік қызмет реформасы және мемлекеттік аппаратты оңтайландыру"),
    T(S, "", "min-justice", "law", "Human rights and the Ombudsman institution", "Права человека и институт омбудсмена",
      "Адам құқықтары және омбудсмен институты"),
    T(S, "", "min-foreign", "service", "Economic diplomacy and investment attraction",
      "Экономическая дипломатия и привлечение инвестиций", "Экономикалық дипломатия және инвестиция тарту"),
    T(S, "", "aspr", "law", "Reform of the strategic planning system", "Реформа системы стратегического планирования",
      "Стратегиялық жоспарлау жүйесінің реформасы"),
    T(E, "", "min-finance", "law", "New Tax Code", "Новый Налоговый кодекс", "Жаңа Салық кодексі",
      dt.date(2025, 12, 31)),
    T(E, "", "min-economy", "law", "Reducing the state share of the economy to 14% by 2025",
      "Снижение доли государства в экономике до 14% к 2025 году",
      "2025 жылға қарай экономикадағы мемлекет үлесін 14%-ға дейін төмендету", dt.date(2025, 12, 31)),
    T(E, "", "min-finance", "service", "Privatisation of state assets", "Приватизация государственных активов",
      "Мемлекеттік активтерді жекешелендіру"),
    T(E, "", "min-finance", "law", "Reducing the shadow economy to OECD levels",
      "Снижение теневой экономики до уровня стран ОЭСР", "Көлеңкелі экономиканы ЭЫДҰ елдерінің деңгейіне дейін азайту"),
    T(E, "industry", "min-economy", "service", "Support for small and medium-sized business",
      "Поддержка малого и среднего бизнеса", "Шағын және орта бизнесті қолдау"),
    T(E, "transport", "min-transport", "infra", "Trans-Caspian International Transport Route",
      "Транскаспийский международный транспортный маршрут", "Транскаспий халықаралық көлік бағыты"),
    T(E, "transport", "samruk-kazyna", "infra", "Construction of new railway lines",
      "Строительство новых железнодорожных линий", "Жаңа темір жол желілерін салу"),
    T(E, "transport", "min-transport", "infra", "Reconstruction of national roads",
      "Реконструкция автодорог республиканского значения", "Республикалық маңызы бар автожолдарды қайта жаңарту"),
    T(E, "transport", "min-transport", "infra", "Local roads in standard condition",
      "Доведение местных дорог до нормативного состояния", "Жергілікті жолдарды нормативтік жағдайға келтіру"),
    T(E, "transport", "min-transport", "infra", "Capacity of the Aktau and Kuryk seaports",
      "Пропускная способность морских портов Актау и Курык", "Ақтау және Құрық теңіз порттарының өткізу қабілеті"),
    T(E, "energy", "min-energy", "infra", "New generating capacity for reliable energy supply",
      "Новые генерирующие мощности для надёжного энергоснабжения",
      "Сенімді энергиямен жабдықтау үшін жаңа генерациялайтын қуаттар"),
    T(E, "energy", "min-energy", "infra", "Modernisation of combined heat and power plants",
      "Модернизация теплоэлектроцентралей", "Жылу электр орталықтарын жаңғырту"),
    T(E, "energy", "min-energy", "infra", "Development of renewable energy",
      "Развитие возобновляемых источников энергии",
      "Жаңартылатын энергия көздерін дамыту"),
    T(E, "oil_gas", "min-energy", "infra", "Gasification of the regions", "Газификация регионов",
      "Өңірлерді газдандыру"),
    T(E, "oil_gas", "min-energy", "infra", "Petrochemical and gas-chemical clusters",
      "Нефтехимические и газохимические кластеры", "Мұнай-химия және газ-химия кластерлері"),
    T(E, "mining", "min-industry", "infra", "Deep processing of metals", "Глубокая переработка металлов",
      "Металдарды терең өңдеу"),
    T(E, "mining", "min-industry", "service", "Geological exploration", "Геологоразведка", "Геологиялық барлау"),
    T(E, "industry", "min-industry", "service", "Machine building and localisation of production",
      "Машиностроение и локализация производства", "Машина жасау және өндірісті локализациялау"),
    T(E, "industry", "min-industry", "infra", "Projects of the Industrialisation Map", "Проекты Карты индустриализации",
      "Индустрияландыру картасының жобалары"),
    T(E, "industry", "min-industry", "infra", "Production of building materials",
      "Производство строительных материалов",
      "Құрылыс материалдарын өндіру"),
    T(E, "agriculture", "min-agriculture", "service", "Food security and self-sufficiency in staple foods",
      "Продовольственная безопасность и самообеспеченность основными продуктами",
      "Азық-түлік қауіпсіздігі және негізгі өнімдермен өзін-өзі қамтамасыз ету"),
    T(E, "agriculture", "min-agriculture", "infra", "Dairy and meat livestock farming",
      "Развитие молочного и мясного животноводства", "Сүт және ет бағытындағы мал шаруашылығын дамыту"),
    T(E, "water", "min-water", "infra", "Irrigation and water-saving technologies",
      "Орошение и водосберегающие технологии", "Суару және су үнемдеу технологиялары"),
    T(E, "water", "min-water", "infra", "Modernisation of irrigation canals", "Модернизация ирригационных каналов",
      "Ирригациялық каналдарды жаңғырту"),
    T(E, "water", "min-water", "infra", "New reservoirs and water storage", "Новые водохранилища и накопление воды",
      "Жаңа су қоймалары және су жинау"),
    T(E, "digital", "min-digital", "infra", "Broadband internet in villages", "Широкополосный интернет в сёлах",
      "Ауылдардағы кең жолақты интернет"),
    T(E, "social", "min-tourism-sport", "infra", "Tourism infrastructure", "Туристская инфраструктура",
      "Туристік инфрақұрылым"),
    T(E, "transport", "min-trade", "service", "Export promotion and trade logistics",
      "Продвижение экспорта и торговая логистика", "Экспортты ілгерілету және сауда логистикасы"),
    T(E, "", "min-economy", "service", "Strong regions and balanced regional development",
      "Сильные регионы и сбалансированное региональное развитие", "Күшті өңірлер және өңірлерді теңгерімді дамыту"),
    T(E, "housing", "akimat-kz-71", "infra", "Development of the Astana agglomeration",
      "Развитие Астанинской агломерации", "Астана агломерациясын дамыту"),
    T(E, "energy", "akimat-kz-75", "infra", "Cleaner air and gas-fired heat supply in Almaty",
      "Чистый воздух и перевод теплоснабжения Алматы на газ",
      "Алматыда таза ауа және жылумен жабдықтауды газға көшіру"),
    T(E, "industry", "akimat-kz-79", "infra", "Industrial zones of Shymkent", "Индустриальные зоны Шымкента",
      "Шымкент қаласының индустриялық аймақтары"),
    T(E, "water", "akimat-kz-47", "infra", "Desalination and water supply in Mangystau",
      "Опреснение и водоснабжение в Мангистауской области",
      "Маңғыстау облысында суды тұщыландыру және сумен жабдықтау"),
    T(E, "water", "akimat-kz-43", "infra", "Development of the Aral Sea region", "Развитие Приаралья",
      "Арал өңірін дамыту"),
    T(C, "water", "min-water", "infra", "Drinking water supply in rural settlements", "Обеспечение сёл питьевой водой",
      "Ауылдарды ауыз сумен қамтамасыз ету"),
    T(C, "housing", "min-industry", "infra", "Housing construction and affordable mortgages",
      "Жилищное строительство и доступная ипотека", "Тұрғын үй құрылысы және қолжетімді ипотека"),
    T(C, "housing", "min-industry", "infra", "Rental housing for socially vulnerable groups",
      "Арендное жильё для социально уязвимых слоёв населения",
      "Халықтың әлеуметтік осал топтарына арналған жалға берілетін тұрғын үй"),
    T(C, "housing", "min-industry", "infra", "Modernisation of housing and utility networks",
      "Модернизация жилищно-коммунальных сетей", "Тұрғын үй-коммуналдық желілерді жаңғырту"),
    T(C, "education", "min-education", "infra", "Comfortable schools and an end to three-shift schooling",
      "Комфортные школы и ликвидация трёхсменного обучения", "Жайлы мектептер және үш ауысымды оқытуды жою"),
    T(C, "education", "min-education", "infra", "Kindergarten places", "Места в детских садах",
      "Балабақшалардағы орындар"),
    T(C, "education", "min-education", "service", "Technical and vocational education",
      "Техническое и профессиональное образование", "Техникалық және кәсіптік білім беру"),
    T(C, "education", "min-science", "infra", "University campuses and research infrastructure",
      "Университетские кампусы и научная инфраструктура", "Университет кампустары және ғылыми инфрақұрылым"),
    T(C, "health", "min-health", "infra", "Primary health care in villages",
      "Первичная медико-санитарная помощь на селе", "Ауылдағы алғашқы медициналық-санитариялық көмек"),
    T(C, "health", "min-health", "infra", "Construction of multi-profile hospitals",
      "Строительство многопрофильных больниц",
      "Көпбейінді ауруханалар салу"),
    T(C, "health", "min-health", "law", "Compulsory social health insurance",
      "Обязательное социальное медицинское страхование", "Міндетті әлеуметтік медициналық сақтандыру"),
    T(C, "", "min-labour", "law", "Pension system and social benefits", "Пенсионная система и социальные выплаты",
      "Зейнетақы жүйесі және әлеуметтік төлемдер"),
    T(C, "", "min-labour", "service", "Employment and new jobs", "Занятость и новые рабочие места",
      "Жұмыспен қамту және жаңа жұмыс орындары"),
    T(C, "", "min-finance", "law", "National Fund for Children", "Национальный фонд — детям", "Ұлттық қор — балаларға"),
    T(C, "social", "min-culture", "service", "Youth policy", "Молодёжная политика", "Жастар саясаты"),
    T(C, "social", "min-tourism-sport", "infra", "Mass sport and sports facilities",
      "Массовый спорт и спортивные объекты", "Бұқаралық спорт және спорт нысандары"),
    T(C, "social", "min-culture", "infra", "Rural clubs and libraries",
      "Сельские клубы и библиотеки", "Ауылдық клубтар мен кітапханалар"),
    T(C, "energy", "min-ecology", "law", "Environmental protection and air quality",
      "Охрана окружающей среды и качество воздуха", "Қоршаған ортаны қорғау және ауа сапасы"),
    T(C, "housing", "min-ecology", "infra", "Waste management and recycling", "Обращение с отходами и переработка",
      "Қалдықтарды басқару және қайта өңдеу"),
    T(C, "social", "min-labour", "service", "Inclusive society and support for persons with disabilities",
      "Инклюзивное общество и поддержка лиц с инвалидностью",
      "Инклюзивті қоғам және мүгедектігі бар адамдарды қолдау"),
    T(C, "housing", "min-economy", "infra", "Rural development under Auyl – El Besigi",
      "Развитие сёл по проекту «Ауыл – Ел бесігі»",
      "«Ауыл – Ел бесігі» жобасы бойынша ауылдарды дамыту"),
    T(C, "water", "min-emergency", "infra", "Flood protection of settlements", "Защита населённых пунктов от паводков",
      "Елді мекендерді су тасқынынан қорғау"),
    T(C, "social", "akimat-kz-61", "infra", "Turkistan as a tourism and cultural centre",
      "Туркестан как туристский и культурный центр", "Түркістан – туристік және мәдени орталық"),
    T(C, "housing", "akimat-kz-35", "infra", "Renewal of dilapidated housing in Karaganda",
      "Реновация ветхого жилья в Караганде", "Қарағандыдағы тозығы жеткен тұрғын үйді жаңарту"),
)

# key: (horizon, English, Russian, Kazakh). Horizon: early, mid or late.
STEPS: dict[str, tuple[str, str, str, str]] = {
    "concept": ("early", "approval of the concept", "утверждение концепции", "тұжырымдаманы бекіту"),
    "law": ("early", "legislative amendments", "внесение изменений в законодательство", "заңнамаға өзгерістер енгізу"),
    "consult": ("early", "public consultation", "общественное обсуждение", "қоғамдық талқылау"),
    "plan": ("early", "action plan for 2023–2025", "план действий на 2023–2025 годы",
             "2023–2025 жылдарға арналған іс-қимыл жоспары"),
    "design": ("early", "feasibility studies and design", "ТЭО и проектно-сметная документация",
               "ТЭН және жобалау-сметалық құжаттама"),
    "finance": ("early", "financing mechanism", "механизм финансирования", "қаржыландыру тетігі"),
    "pilot": ("early", "pilot in selected regions", "пилотный проект в отдельных регионах",
              "жекелеген өңірлердегі пилоттық жоба"),
    "bylaws": ("mid", "by-laws and standards", "подзаконные акты и стандарты", "заңға тәуелді актілер мен стандарттар"),
    "digital": ("mid", "digital monitoring system", "цифровая система мониторинга", "цифрлық мониторинг жүйесі"),
    "report": ("mid", "public reporting of results", "публичная отчётность о результатах",
               "нәтижелер туралы жария есептілік"),
    "build": ("mid", "construction and modernisation of facilities", "строительство и модернизация объектов",
              "нысандарды салу және жаңғырту"),
    "commission": ("mid", "commissioning of the first facilities", "ввод в эксплуатацию первых объектов",
                   "алғашқы нысандарды пайдалануға беру"),
    "rollout": ("late", "nationwide roll-out", "внедрение по всей стране", "бүкіл ел бойынша енгізу"),
    "monitor": ("late", "monitoring of implementation", "мониторинг реализации", "іске асырылуын мониторингтеу"),
    "targets": ("late", "reaching the 2029 targets", "достижение целевых показателей 2029 года",
                "2029 жылғы нысаналы көрсеткіштерге қол жеткізу"),
}
STEPS_BY_KIND: dict[str, tuple[str, ...]] = {
    "law": ("concept", "law", "consult", "plan", "bylaws", "digital", "monitor", "targets"),
    "infra": ("design", "finance", "pilot", "build", "commission", "report", "rollout", "targets"),
    "service": ("plan", "pilot", "law", "digital", "report", "rollout", "targets"),
}
SECTION_ORDER = {S: 0, E: 1, C: 2}


def _step_counts() -> list[int]:
    """Give every theme one item, then spread the rest over a seeded choice of open-ended themes."""
    counts = [1] * len(THEMES)
    generator = rng("roadmap-counts")
    open_ended = [i for i, theme in enumerate(THEMES) if theme.deadline is None]
    extra = ITEM_COUNT - len(THEMES)
    for index in generator.sample(open_ended, k=min(extra, len(open_ended))):
        counts[index] += 1
    for index in generator.choices(open_ended, k=max(extra - len(open_ended), 0)):
        counts[index] += 1
    return counts


def _future_deadline(generator, horizon: str) -> dt.date:
    """Pick an end-of-month deadline after the demo's reference date for a horizon."""
    years = {"early": (2026, 2027), "mid": (2027, 2028), "late": (2029, 2029), "": (2027, 2029)}[horizon]
    year = generator.randint(*years)
    month = generator.choice((6, 9, 12)) if year > 2026 else 12
    return month_end(year, month)


def _drafts() -> list[RoadmapDraft]:
    """Choose each theme's steps and a provisional deadline."""
    generator = rng("roadmap-steps")
    drafts = []
    for theme, count in zip(THEMES, _step_counts(), strict=True):
        steps = [""] if count == 1 else sorted(
            generator.sample(STEPS_BY_KIND[theme.kind], k=count), key=list(STEPS).index)
        for step in steps:
            horizon = STEPS[step][0] if step else ""
            deadline = theme.deadline or _future_deadline(generator, horizon)
            drafts.append(RoadmapDraft(theme, step, deadline))
    return drafts


def _with_past_deadlines(drafts: list[RoadmapDraft]) -> list[RoadmapDraft]:
    """Move early steps' deadlines into 2023-06 .. 2026-10 until PAST_DEADLINES are past."""
    generator = rng("roadmap-past")
    cutoff = dt.date(2026, 11, 1)
    past = sum(d.deadline < cutoff for d in drafts)
    early = [i for i, d in enumerate(drafts) if d.step and STEPS[d.step][0] == "early" and d.deadline >= cutoff]
    for index in sorted(generator.sample(early, k=max(PAST_DEADLINES - past, 0))):
        months = generator.randint(0, 40)  # 2023-06 + 0..40 months = 2023-06 .. 2026-10
        deadline = month_end(2023 + (5 + months) // 12, (5 + months) % 12 + 1)
        drafts[index] = RoadmapDraft(drafts[index].theme, drafts[index].step, deadline)
    return drafts


def _title(draft: RoadmapDraft, language: int) -> str:
    theme = (draft.theme.en, draft.theme.ru, draft.theme.kk)[language]
    return f"{theme}: {STEPS[draft.step][language + 1]}" if draft.step else theme


def roadmap_items_create(agencies: dict[str, Agency]) -> dict[str, list[RoadmapItem]]:
    """Create the 117 numbered roadmap items, Fair State first, then Economy, then Society.

    Return the items grouped by the project sector their theme concerns ("" for none),
    so that projects can be linked to items of their own sector.
    """
    drafts = sorted(_with_past_deadlines(_drafts()), key=lambda d: SECTION_ORDER[d.theme.section])
    items = [
        RoadmapItem(
            number=number, title_en=_title(draft, 0), title_ru=_title(draft, 1), title_kk=_title(draft, 2),
            section=draft.theme.section, agency=agencies[draft.theme.agency], start=PROGRAMME_START,
            deadline=draft.deadline,
        )
        for number, draft in enumerate(drafts, start=1)
    ]
    RoadmapItem.objects.bulk_create(items)
    by_sector: dict[str, list[RoadmapItem]] = {}
    for item, draft in zip(items, drafts, strict=True):
        by_sector.setdefault(draft.theme.sector, []).append(item)
    return by_sector
