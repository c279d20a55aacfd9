"""Hand-written templates for the illustrative projects: titles, descriptions, budgets, shapes.

Placeholders: {place} / {place_ru} (a settlement, the Russian one with "г." or "с."),
{a} {b} / {a_ru} {b_ru} (the two ends of a route), {n} (a capacity).
"""
from __future__ import annotations

from dataclasses import dataclass

from projects.models import Project

SOUTH = ("KZ-19", "KZ-31", "KZ-33", "KZ-43", "KZ-61", "KZ-79", "KZ-75")
WEST = ("KZ-15", "KZ-23", "KZ-27", "KZ-47", "KZ-43")
MINING = ("KZ-10", "KZ-15", "KZ-35", "KZ-39", "KZ-55", "KZ-62", "KZ-63", "KZ-31")
CITIES = ("KZ-71", "KZ-75", "KZ-79")
INVESTMENT_SECTORS = {"industry", "mining", "oil_gas", "agriculture"}


@dataclass(frozen=True)
class Template:
    sector: str
    geom: str  # point, polygon, route (between two settlements) or local (a line near one)
    en: str
    ru: str
    desc_en: str
    desc_ru: str
    budget: tuple[float, float]  # bn KZT; per unit of {n} in mn KZT when unit == "n"; per km when "km"
    unit: str = ""
    sizes: tuple[int, ...] = ()
    settle: str = "any"  # any, town (>= 20,000 people) or village
    regions: tuple[str, ...] = ()  # only in these regions, when given
    remote: bool = False  # an industrial site a few km outside the settlement
    length_km: tuple[float, float] = (15, 160)
    kind: str = ""  # Project.Kind; by default from the sector
    weight: float = 1.0

    @property
    def project_kind(self) -> str:
        """Return the Project.Kind: the template's own, else investment for industrial sectors."""
        if self.kind:
            return self.kind
        return Project.Kind.INVESTMENT if self.sector in INVESTMENT_SECTORS else Project.Kind.INFRASTRUCTURE


P = Template
TEMPLATES: tuple[Template, ...] = (
    # Education
    P("education", "point", "School for {n} pupils in {place}", "Школа на {n} ученических мест, {place_ru}",
      "Three-storey school with a sports hall, canteen and STEM classrooms; ends three-shift teaching in the area.",
      "Трёхэтажная школа со спортзалом, столовой и STEM-кабинетами; позволит ликвидировать трёхсменное обучение.",
      (6, 10), "n", (300, 600, 900, 1200, 1500), weight=3),
    P("education", "polygon", "Comfortable school for {n} pupils, {place}", "Комфортная школа на {n} мест, {place_ru}",
      "School campus under the national Comfortable School project, with a stadium and a boarding house.",
      "Школьный кампус по национальному проекту «Комфортная школа» со стадионом и интернатом.",
      (7, 11), "n", (1200, 1500, 2000), settle="town", weight=1.5),
    P("education", "point", "Kindergarten for {n} places, {place}", "Детский сад на {n} мест, {place_ru}",
      "Kindergarten with a pool and an inclusive group, to cut the waiting list for pre-school places.",
      "Детский сад с бассейном и инклюзивной группой, чтобы сократить очередь в дошкольные организации.",
      (9, 14), "n", (90, 140, 180, 280, 320), weight=2),
    P("education", "point", "College workshops and dormitory, {place}", "Мастерские и общежитие колледжа, {place_ru}",
      "Training workshops for welding, electrical and agricultural machinery trades, and a 300-bed dormitory.",
      "Учебные мастерские по сварке, электромонтажу и сельхозтехнике и общежитие на 300 мест.",
      (2, 6), settle="town"),
    # Health
    P("health", "point", "Rural outpatient clinic, {place}", "Врачебная амбулатория, {place_ru}",
      "Outpatient clinic with a day hospital, laboratory and pharmacy, replacing a building in disrepair.",
      "Врачебная амбулатория с дневным стационаром, лабораторией и аптекой взамен аварийного здания.",
      (0.3, 0.9), settle="village", weight=2.5),
    P("health", "point", "Primary health care centre, {place}", "Центр первичной медико-санитарной помощи, {place_ru}",
      "Primary care centre for 30,000 visits a year with diagnostics and a rehabilitation unit.",
      "Центр ПМСП на 30 тысяч посещений в год с диагностикой и отделением реабилитации.",
      (1.5, 4), settle="town", weight=1.5),
    P("health", "polygon", "Multi-profile hospital for {n} beds, {place}",
      "Многопрофильная больница на {n} коек, {place_ru}",
      "Regional multi-profile hospital with a trauma centre, stroke unit and helipad.",
      "Многопрофильная больница с травмоцентром, инсультным отделением и вертолётной площадкой.",
      (80, 120), "n", (150, 250, 300, 500), settle="town"),
    P("health", "point", "Perinatal centre, {place}", "Перинатальный центр, {place_ru}",
      "Perinatal centre of the third level with neonatal intensive care.",
      "Перинатальный центр третьего уровня с отделением реанимации новорождённых.",
      (8, 15), settle="town", weight=0.5),
    # Water
    P("water", "point", "Water supply network, {place}", "Сети водоснабжения, {place_ru}",
      "New distribution network and house connections, so that the settlement gets centralised drinking water.",
      "Строительство разводящих сетей и подключение домов к централизованному питьевому водоснабжению.",
      (0.4, 3), settle="village", weight=3),
    P("water", "polygon", "Water treatment plant, {place}", "Станция водоподготовки, {place_ru}",
      "Water treatment plant with filtration and UV disinfection.",
      "Станция водоподготовки с фильтрацией и ультрафиолетовым обеззараживанием.", (2, 8), remote=True),
    P("water", "polygon", "Wastewater treatment plant, {place}", "Очистные сооружения канализации, {place_ru}",
      "Reconstruction of the sewage treatment plant with biological treatment and sludge drying beds.",
      "Реконструкция очистных сооружений с биологической очисткой и иловыми площадками.",
      (5, 25), settle="town", remote=True),
    P("water", "route", "Main water pipeline {a} – {b}", "Магистральный водовод «{a_ru} — {b_ru}»",
      "Group water pipeline supplying drinking water to the settlements along the route.",
      "Групповой водовод для обеспечения питьевой водой сёл вдоль трассы.",
      (0.15, 0.4), "km", length_km=(15, 90), weight=1.5),
    P("water", "local", "Reconstruction of the main irrigation canal, {place}",
      "Реконструкция магистрального оросительного канала, {place_ru}",
      "Concrete lining of the canal and new water gates, cutting filtration losses by a third.",
      "Бетонирование канала и новые гидропосты; потери воды на фильтрацию сократятся на треть.",
      (0.3, 0.8), "km", settle="village", regions=SOUTH, length_km=(6, 25), weight=1.5),
    P("water", "local", "Flood protection dam, {place}", "Защитная дамба от паводков, {place_ru}",
      "Earth dam and bank protection after the spring floods of 2024.",
      "Земляная дамба и берегоукрепление после весеннего паводка 2024 года.",
      (0.3, 0.7), "km", length_km=(3, 12)),
    P("water", "polygon", "Seawater desalination plant, {place}", "Опреснительный завод, {place_ru}",
      "Reverse-osmosis desalination plant of 50,000 m³ a day.",
      "Опреснительный завод обратного осмоса мощностью 50 тысяч м³ в сутки.",
      (20, 60), regions=("KZ-47",), remote=True, weight=3),
    # Transport
    P("transport", "route", "Reconstruction of the {a} – {b} road", "Реконструкция автодороги «{a_ru} — {b_ru}»",
      "Reconstruction to category II with new asphalt, culverts and bus stops.",
      "Реконструкция по II технической категории с новым покрытием, водопропускными трубами и остановками.",
      (0.25, 0.9), "km", length_km=(20, 180), weight=3),
    P("transport", "route", "Construction of the {a} – {b} road", "Строительство автодороги «{a_ru} — {b_ru}»",
      "New two-lane road shortening the route between the district centres.",
      "Новая двухполосная дорога, сокращающая путь между районными центрами.",
      (0.4, 1.1), "km", length_km=(15, 120)),
    P("transport", "route", "Railway line {a} – {b}", "Железнодорожная линия «{a_ru} — {b_ru}»",
      "Second track and electrification to raise the capacity of the transit corridor.",
      "Вторые пути и электрификация для увеличения пропускной способности транзитного коридора.",
      (0.8, 1.6), "km", length_km=(40, 200), weight=0.6),
    P("transport", "local", "Bypass road of {place}", "Объездная дорога, {place_ru}",
      "Bypass taking transit lorries out of the town centre.",
      "Объездная дорога для вывода транзитного грузового транспорта из центра города.",
      (0.5, 1.2), "km", settle="town", length_km=(8, 25)),
    P("transport", "local", "Reconstruction of streets in {place}", "Реконструкция улично-дорожной сети, {place_ru}",
      "Streets with new surfacing, lighting, pavements and storm drains.",
      "Реконструкция улиц с новым покрытием, освещением, тротуарами и ливневой канализацией.",
      (0.4, 1.0), "km", settle="town", length_km=(2, 7), weight=2),
    P("transport", "point", "Bus station, {place}", "Автовокзал, {place_ru}",
      "Modern bus station with ticketing and waiting halls.", "Современный автовокзал с кассами и залами ожидания.",
      (1, 3), settle="town", weight=0.7),
    P("transport", "point", "Reconstruction of the road bridge, {place}",
      "Реконструкция автомобильного моста, {place_ru}",
      "Replacement of a Soviet-era bridge span and approaches.",
      "Замена пролётного строения моста советской постройки и подходов.",
      (2, 8)),
    P("transport", "polygon", "Multimodal logistics centre, {place}", "Мультимодальный логистический центр, {place_ru}",
      "Container terminal and warehouses on the China–Europe and Trans-Caspian routes.",
      "Контейнерный терминал и склады на маршрутах Китай — Европа и Транскаспийском.",
      (8, 30), settle="town", remote=True, weight=0.8),
    # Energy
    P("energy", "point", "Substation 110/10 kV, {place}", "Подстанция 110/10 кВ, {place_ru}",
      "New substation to relieve overloaded distribution grids.",
      "Новая подстанция для разгрузки перегруженных распределительных сетей.",
      (1, 4), remote=True),
    P("energy", "route", "Power line 220 kV {a} – {b}", "ЛЭП 220 кВ «{a_ru} — {b_ru}»",
      "Overhead transmission line strengthening the regional grid.",
      "Воздушная линия электропередачи для усиления региональной энергосистемы.",
      (0.05, 0.12), "km", length_km=(30, 180)),
    P("energy", "polygon", "Wind farm of {n} MW near {place}", "Ветровая электростанция {n} МВт, {place_ru}",
      "Wind farm with its own substation, under a renewable-energy auction contract.",
      "Ветровая электростанция с собственной подстанцией по итогам аукциона ВИЭ.",
      (500, 700), "n", (50, 100, 150), remote=True, weight=0.8),
    P("energy", "polygon", "Solar power plant of {n} MW near {place}", "Солнечная электростанция {n} МВт, {place_ru}",
      "Solar power plant on single-axis trackers.", "Солнечная электростанция на одноосевых трекерах.",
      (300, 500), "n", (30, 50, 100), regions=SOUTH, remote=True),
    P("energy", "local", "Reconstruction of heating networks, {place}", "Реконструкция тепловых сетей, {place_ru}",
      "Replacement of worn heating mains with pre-insulated pipes.",
      "Замена изношенных теплотрасс на трубы в ППУ-изоляции.",
      (0.5, 1.2), "km", settle="town", length_km=(2, 8), weight=1.5),
    P("energy", "point", "Boiler house modernisation, {place}", "Модернизация котельной, {place_ru}",
      "Conversion of the coal-fired boiler house to gas with new boilers.",
      "Перевод угольной котельной на газ с заменой котлов.",
      (0.8, 3)),
    # Oil and gas
    P("oil_gas", "route", "Gas pipeline {a} – {b}", "Газопровод «{a_ru} — {b_ru}»",
      "High-pressure gas pipeline and gas distribution points for the settlements along the route.",
      "Газопровод высокого давления и ГРП для газификации сёл вдоль трассы.",
      (0.1, 0.3), "km", length_km=(20, 150), kind=Project.Kind.INFRASTRUCTURE, weight=1.5),
    P("oil_gas", "point", "Gas distribution network, {place}", "Газораспределительные сети, {place_ru}",
      "Gasification of the settlement: low-pressure networks and house connections.",
      "Газификация населённого пункта: сети низкого давления и подключение домов.",
      (0.5, 3), settle="village", kind=Project.Kind.INFRASTRUCTURE, weight=2),
    P("oil_gas", "polygon", "Gas processing plant near {place}", "Газоперерабатывающий завод, {place_ru}",
      "Gas processing plant of 1 bcm a year, including LPG production.",
      "Газоперерабатывающий завод мощностью 1 млрд м³ в год с производством СУГ.",
      (100, 400), regions=WEST, remote=True),
    P("oil_gas", "polygon", "Oil field infrastructure upgrade near {place}",
      "Обустройство нефтяного месторождения, {place_ru}",
      "Field gathering lines, a gas reinjection unit and a water treatment plant.",
      "Промысловые трубопроводы, установка обратной закачки газа и подготовки воды.",
      (10, 60), regions=WEST, remote=True),
    # Industry
    P("industry", "polygon", "Building materials plant, {place}", "Завод строительных материалов, {place_ru}",
      "Plant for aerated concrete blocks and dry mixes.", "Завод по выпуску газобетонных блоков и сухих смесей.",
      (5, 30), remote=True, weight=1.5),
    P("industry", "polygon", "Industrial zone infrastructure, {place}",
      "Инфраструктура индустриальной зоны, {place_ru}",
      "Roads, power, water and gas connections for plots of the industrial zone.",
      "Дороги, электро-, водо- и газоснабжение участков индустриальной зоны.",
      (3, 12), settle="town", remote=True, kind=Project.Kind.INFRASTRUCTURE, weight=1.5),
    P("industry", "point", "Furniture factory, {place}", "Мебельная фабрика, {place_ru}",
      "Furniture factory with a CNC line, localising products bought by schools and hospitals.",
      "Мебельная фабрика с ЧПУ-линией для локализации закупок школ и больниц.", (1, 6)),
    P("industry", "polygon", "Cable and wire plant, {place}", "Кабельный завод, {place_ru}",
      "Plant producing power cables and enamelled wire.", "Завод по выпуску силовых кабелей и эмальпровода.",
      (5, 20), settle="town", remote=True),
    P("industry", "polygon", "Agricultural machinery assembly plant, {place}",
      "Завод сборки сельхозтехники, {place_ru}",
      "Assembly of tractors and combines with a growing local content.",
      "Сборка тракторов и комбайнов с растущей долей местного содержания.",
      (8, 40), settle="town", remote=True, weight=0.7),
    P("industry", "point", "Cotton and textile factory, {place}",
      "Хлопкоперерабатывающая и текстильная фабрика, {place_ru}",
      "Spinning and knitting of local cotton.", "Прядение и трикотажное производство из местного хлопка.",
      (2, 10), regions=("KZ-61", "KZ-79", "KZ-43")),
    # Mining and metallurgy
    P("mining", "polygon", "Copper concentrator expansion near {place}",
      "Расширение медной обогатительной фабрики, {place_ru}",
      "Second processing line of the concentrator and a tailings facility.",
      "Вторая технологическая линия обогатительной фабрики и хвостохранилище.",
      (50, 300), regions=MINING, remote=True),
    P("mining", "polygon", "Coal mine modernisation, {place}", "Модернизация угольной шахты, {place_ru}",
      "New ventilation, methane drainage and longwall equipment.",
      "Новые системы вентиляции, дегазации и очистной комплекс.",
      (10, 80), regions=("KZ-35", "KZ-55", "KZ-62"), remote=True),
    P("mining", "polygon", "Gold recovery plant near {place}", "Золотоизвлекательная фабрика, {place_ru}",
      "Heap-leach and carbon-in-leach gold recovery plant.",
      "Золотоизвлекательная фабрика кучного и сорбционного выщелачивания.",
      (15, 60), regions=MINING, remote=True),
    # Agriculture
    P("agriculture", "polygon", "Dairy farm for {n} cows, {place}", "Молочно-товарная ферма на {n} голов, {place_ru}",
      "Dairy farm with a milking parlour and feed storage.",
      "Молочно-товарная ферма с доильным залом и кормохранилищем.",
      (3, 6), "n", (600, 1200, 2400), remote=True, weight=1.5),
    P("agriculture", "polygon", "Greenhouse complex of {n} ha, {place}", "Тепличный комплекс {n} га, {place_ru}",
      "Year-round greenhouses for tomatoes and cucumbers.", "Круглогодичные теплицы для выращивания томатов и огурцов.",
      (1500, 2500), "n", (5, 10, 20), remote=True),
    P("agriculture", "point", "Grain elevator, {place}", "Зерновой элеватор, {place_ru}",
      "Grain elevator of 60,000 t with drying and cleaning lines.",
      "Элеватор на 60 тысяч тонн с линиями сушки и очистки.",
      (2, 8), regions=("KZ-11", "KZ-39", "KZ-59", "KZ-55", "KZ-15", "KZ-10")),
    P("agriculture", "point", "Meat processing plant, {place}", "Мясоперерабатывающий завод, {place_ru}",
      "Slaughter and deep meat processing plant for export.", "Убойный цех и глубокая переработка мяса на экспорт.",
      (3, 15), remote=True),
    P("agriculture", "point", "Fruit and vegetable storage, {place}", "Плодоовощехранилище, {place_ru}",
      "Climate-controlled storage of 10,000 t to stabilise off-season prices.",
      "Хранилище с регулируемой атмосферой на 10 тысяч тонн для стабилизации цен в межсезонье.", (1, 4)),
    # Digital
    P("digital", "route", "Fibre-optic line {a} – {b}", "Волоконно-оптическая линия связи «{a_ru} — {b_ru}»",
      "Fibre-optic backbone bringing broadband to the villages along the route.",
      "Магистральная ВОЛС для подключения сёл вдоль трассы к широкополосному интернету.",
      (0.01, 0.03), "km", length_km=(15, 120)),
    P("digital", "point", "Data centre, {place}", "Центр обработки данных, {place_ru}",
      "Tier III data centre for government information systems.",
      "ЦОД уровня Tier III для государственных информационных систем.",
      (10, 40), regions=CITIES + ("KZ-35",), weight=0.5),
    P("digital", "point", "Public service centre, {place}", "Центр обслуживания населения, {place_ru}",
      "Public service centre with self-service kiosks.", "Центр обслуживания населения с киосками самообслуживания.",
      (0.5, 2), settle="town"),
    # Housing and utilities
    P("housing", "polygon", "Residential complex of {n} flats, {place}", "Жилой комплекс на {n} квартир, {place_ru}",
      "Rental and credit housing for people on the waiting list.", "Арендное и кредитное жильё для очередников.",
      (20, 30), "n", (120, 240, 360, 600), settle="town", weight=2),
    P("housing", "point", "Rental housing for young families, {place}", "Арендное жильё для молодых семей, {place_ru}",
      "Rental building with a right to buy, for young families on the waiting list.",
      "Арендный дом с правом выкупа для молодых семей из очереди.", (1.5, 6), settle="town"),
    P("housing", "polygon", "Utility networks for a new micro-district, {place}",
      "Инженерные сети нового микрорайона, {place_ru}",
      "Water, sewerage, power and gas networks for individual housing plots.",
      "Сети водоснабжения, канализации, электро- и газоснабжения для участков ИЖС.", (3, 12), settle="town"),
    P("housing", "polygon", "Solid waste sorting plant, {place}", "Мусоросортировочный завод, {place_ru}",
      "Sorting line and a sanitary landfill cell replacing an illegal dump.",
      "Сортировочная линия и полигон ТБО взамен несанкционированной свалки.",
      (3, 10), settle="town", remote=True, weight=0.7),
    # Culture, sport and social
    P("social", "point", "Sports complex with swimming pool, {place}", "Спортивный комплекс с бассейном, {place_ru}",
      "Sports complex with a 25 m pool and a multi-purpose hall.",
      "Спорткомплекс с 25-метровым бассейном и универсальным залом.",
      (2, 6), weight=1.5),
    P("social", "point", "Ice arena, {place}", "Ледовая арена, {place_ru}",
      "Ice arena for 1,000 spectators for hockey and figure skating.",
      "Ледовая арена на 1000 зрителей для хоккея и фигурного катания.",
      (3, 8), settle="town", weight=0.6),
    P("social", "point", "Renovation of the House of Culture, {place}", "Капитальный ремонт дома культуры, {place_ru}",
      "Overhaul of the rural House of Culture and library.", "Капитальный ремонт сельского дома культуры и библиотеки.",
      (0.3, 1.5), settle="village", weight=1.5),
    P("social", "point", "Fire station for {n} vehicles, {place}", "Пожарное депо на {n} машин, {place_ru}",
      "Fire station covering settlements beyond the 20-minute arrival standard.",
      "Пожарное депо для сёл, не охваченных нормативом прибытия в 20 минут.",
      (120, 250), "n", (6, 8, 10)),
    P("social", "polygon", "Visitor centre and tourist roads, {place}", "Визит-центр и туристские дороги, {place_ru}",
      "Visitor centre, parking and trails for a protected natural area.",
      "Визит-центр, парковки и тропы для особо охраняемой природной территории.",
      (1, 5), remote=True, weight=0.5),
)
# How a project is financed, by Project.Kind: (English, Russian).
FUNDING: dict[str, tuple[tuple[str, str], ...]] = {
    Project.Kind.INFRASTRUCTURE: (
        ("Financed from the republican budget.", "Финансирование из республиканского бюджета."),
        ("Co-financed from the local budget.", "Софинансирование из местного бюджета."),
        ("Financed from the local budget.", "Финансирование из местного бюджета."),
        ("Financed by a targeted transfer from the National Fund.", "Целевой трансферт из Национального фонда."),
        ("Implemented as a public-private partnership.",
         "Реализуется на условиях государственно-частного партнёрства."),
    ),
    Project.Kind.INVESTMENT: (
        ("Private investment with state support measures.", "Частные инвестиции с мерами государственной поддержки."),
        ("Financed by the investor with a loan from a development institution.",
         "Финансирование инвестора с займом института развития."),
        ("Private investment under an investment agreement with the Government.",
         "Частные инвестиции по инвестиционному соглашению с Правительством."),
        ("Foreign direct investment.", "Прямые иностранные инвестиции."),
    ),
}
# Who is responsible, by sector: an agency code or "akimat" (the region's), with weights.
AGENCY_CHOICES: dict[str, tuple[tuple[str, float], ...]] = {
    "education": (("akimat", 3), ("min-education", 1)),
    "health": (("akimat", 3), ("min-health", 2)),
    "water": (("akimat", 1), ("min-water", 1)),
    "housing": (("akimat", 6), ("min-industry", 1)),
    "social": (("akimat", 5), ("min-tourism-sport", 1), ("min-culture", 1), ("min-emergency", 1)),
    "transport": (("min-transport", 3), ("akimat", 2)),
    "energy": (("min-energy", 3), ("akimat", 1), ("samruk-kazyna", 1)),
    "oil_gas": (("min-energy", 3), ("samruk-kazyna", 1), ("akimat", 1)),
    "industry": (("min-industry", 1), ("akimat", 1)),
    "mining": (("min-industry", 4), ("samruk-kazyna", 1)),
    "agriculture": (("min-agriculture", 1), ("akimat", 1)),
    "digital": (("min-digital", 3), ("akimat", 1)),
}
# Projects per region (generated, not counting the real ones); at least 8 everywhere.
REGION_QUOTAS: dict[str, int] = {
    "KZ-10": 14, "KZ-11": 16, "KZ-15": 14, "KZ-19": 16, "KZ-23": 13, "KZ-27": 12, "KZ-31": 14, "KZ-33": 13,
    "KZ-35": 18, "KZ-39": 15, "KZ-43": 13, "KZ-47": 12, "KZ-55": 14, "KZ-59": 13, "KZ-61": 18, "KZ-62": 10,
    "KZ-63": 15, "KZ-71": 20, "KZ-75": 20, "KZ-79": 14,
}
# Sector emphasis by region, multiplying template weights.
REGION_SECTOR_BIAS: dict[str, dict[str, float]] = {
    **{iso: {"oil_gas": 3.0} for iso in ("KZ-23", "KZ-27", "KZ-47")},
    **{iso: {"mining": 3.0} for iso in ("KZ-35", "KZ-62", "KZ-63", "KZ-10", "KZ-15")},
    **{iso: {"agriculture": 2.0} for iso in ("KZ-11", "KZ-39", "KZ-59", "KZ-61", "KZ-31", "KZ-33", "KZ-19")},
    **{iso: {"housing": 2.0, "transport": 1.5, "agriculture": 0.0, "mining": 0.0, "oil_gas": 0.2}
       for iso in CITIES},
}
