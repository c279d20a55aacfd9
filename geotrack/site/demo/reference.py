"""Regions (from the reference GeoJSON) and agencies: ministries, other state bodies, akimats."""
from __future__ import annotations

import json
from dataclasses import dataclass

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon

from geotrack.site.demo.common import load_json
from projects.models import Agency, Region


@dataclass(frozen=True)
class AgencySpec:
    code: str
    name_en: str
    name_ru: str
    name_kk: str
    kind: str


RK_RU = "Республики Казахстан"
RK_KK = "Қазақстан Республикасының"

# (code, seed-facts name or prefix, English, Russian, Kazakh stem before "министрлігі").
_MINISTRIES: tuple[tuple[str, str, str, str, str], ...] = (
    ("min-water", "Ministry of Water Resources and Irrigation", "Ministry of Water Resources and Irrigation",
     "Министерство водных ресурсов и ирригации", "Су ресурстары және ирригация"),
    ("min-transport", "Ministry of Transport", "Ministry of Transport", "Министерство транспорта", "Көлік"),
    ("min-industry", "Ministry of Industry and Construction", "Ministry of Industry and Construction",
     "Министерство промышленности и строительства", "Өнеркәсіп және құрылыс"),
    ("min-tourism-sport", "Ministry of Tourism and Sport", "Ministry of Tourism and Sport",
     "Министерство туризма и спорта", "Туризм және спорт"),
    ("min-culture", "Ministry of Culture and Information", "Ministry of Culture and Information",
     "Министерство культуры и информации", "Мәдениет және ақпарат"),
    ("min-ecology", "Ministry of Ecology and Natural Resources", "Ministry of Ecology and Natural Resources",
     "Министерство экологии и природных ресурсов", "Экология және табиғи ресурстар"),
    ("min-trade", "Ministry of Trade and Integration", "Ministry of Trade and Integration",
     "Министерство торговли и интеграции", "Сауда және интеграция"),
    ("min-emergency", "Ministry of Emergency Situations", "Ministry of Emergency Situations",
     "Министерство по чрезвычайным ситуациям", "Төтенше жағдайлар"),
    ("min-digital", "Ministry of Digital Development",
     "Ministry of Digital Development, Innovation and Aerospace Industry",
     "Министерство цифрового развития, инноваций и аэрокосмической промышленности",
     "Цифрлық даму, инновациялар және аэроғарыш өнеркәсібі"),
    ("min-labour", "Ministry of Labour", "Ministry of Labour and Social Protection of Population",
     "Министерство труда и социальной защиты населения", "Еңбек және халықты әлеуметтік қорғау"),
    ("min-energy", "Ministry of Energy", "Ministry of Energy", "Министерство энергетики", "Энергетика"),
    ("min-finance", "Ministry of Finance", "Ministry of Finance", "Министерство финансов", "Қаржы"),
    ("min-economy", "Ministry of National Economy", "Ministry of National Economy",
     "Министерство национальной экономики", "Ұлттық экономика"),
    ("min-justice", "Ministry of Justice", "Ministry of Justice", "Министерство юстиции", "Әділет"),
    ("min-interior", "Ministry of Internal Affairs", "Ministry of Internal Affairs",
     "Министерство внутренних дел", "Ішкі істер"),
    ("min-health", "Ministry of Healthcare", "Ministry of Healthcare", "Министерство здравоохранения",
     "Денсаулық сақтау"),
    ("min-foreign", "Ministry of Foreign Affairs", "Ministry of Foreign Affairs",
     "Министерство иностранных дел", "Сыртқы істер"),
    ("min-defence", "Ministry of Defence", "Ministry of Defence", "Министерство обороны", "Қорғаныс"),
    ("min-education", "Ministry of Education", "Ministry of Education", "Министерство просвещения", "Оқу-ағарту"),
    ("min-science", "Ministry of Science and Higher Education", "Ministry of Science and Higher Education",
     "Министерство науки и высшего образования", "Ғылым және жоғары білім"),
    ("min-agriculture", "Ministry of Agriculture", "Ministry of Agriculture", "Министерство сельского хозяйства",
     "Ауыл шаруашылығы"),
)

_OTHER_BODIES: tuple[tuple[str, str, AgencySpec], ...] = (
    ("gov-office", "Government Office", AgencySpec(
        "gov-office", "Office of the Government of the Republic of Kazakhstan",
        "Аппарат Правительства Республики Казахстан", "Қазақстан Республикасы Үкіметінің Аппараты", "other")),
    ("samruk-kazyna", "Samruk-Kazyna", AgencySpec(
        "samruk-kazyna", "Samruk-Kazyna National Welfare Fund",
        "АО «Фонд национального благосостояния «Самрук-Казына»»",
        "«Самұрық-Қазына» ұлттық әл-ауқат қоры АҚ", "national_company")),
    ("baiterek", "Baiterek", AgencySpec(
        "baiterek", "Baiterek National Managing Holding",
        "АО «Национальный управляющий холдинг «Байтерек»»",
        "«Бәйтерек» ұлттық басқарушы холдингі АҚ", "national_company")),
    ("aspr", "Agency for Strategic Planning", AgencySpec(
        "aspr", "Agency for Strategic Planning and Reforms",
        "Агентство по стратегическому планированию и реформам Республики Казахстан",
        "Қазақстан Республикасының Стратегиялық жоспарлау және реформалар агенттігі", "other")),
)

# Russian genitive ("Акимат ...") and Kazakh genitive ("... әкімдігі") of each unit.
AKIMAT_NAMES: dict[str, tuple[str, str]] = {
    "KZ-10": ("области Абай", "Абай облысының"),
    "KZ-11": ("Акмолинской области", "Ақмола облысының"),
    "KZ-15": ("Актюбинской области", "Ақтөбе облысының"),
    "KZ-19": ("Алматинской области", "Алматы облысының"),
    "KZ-23": ("Атырауской области", "Атырау облысының"),
    "KZ-27": ("Западно-Казахстанской области", "Батыс Қазақстан облысының"),
    "KZ-31": ("Жамбылской области", "Жамбыл облысының"),
    "KZ-33": ("области Жетісу", "Жетісу облысының"),
    "KZ-35": ("Карагандинской области", "Қарағанды облысының"),
    "KZ-39": ("Костанайской области", "Қостанай облысының"),
    "KZ-43": ("Кызылординской области", "Қызылорда облысының"),
    "KZ-47": ("Мангистауской области", "Маңғыстау облысының"),
    "KZ-55": ("Павлодарской области", "Павлодар облысының"),
    "KZ-59": ("Северо-Казахстанской области", "Солтүстік Қазақстан облысының"),
    "KZ-61": ("Туркестанской области", "Түркістан облысының"),
    "KZ-62": ("области Ұлытау", "Ұлытау облысының"),
    "KZ-63": ("Восточно-Казахстанской области", "Шығыс Қазақстан облысының"),
    "KZ-71": ("города Астаны", "Астана қаласының"),
    "KZ-75": ("города Алматы", "Алматы қаласының"),
    "KZ-79": ("города Шымкента", "Шымкент қаласының"),
}


def akimat_code(iso_code: str) -> str:
    """Return the agency code of a region's akimat, e.g. akimat-kz-19."""
    return f"akimat-{iso_code.lower()}"


def _multipolygon(geometry: dict) -> MultiPolygon:
    geom = GEOSGeometry(json.dumps(geometry), srid=4326)
    return geom if isinstance(geom, MultiPolygon) else MultiPolygon(geom, srid=4326)


def regions_create() -> dict[str, Region]:
    """Create the 20 regions from the full and simplified GeoJSON, keyed by ISO code."""
    simplified = {
        f["properties"]["iso3166_2"]: f["geometry"] for f in load_json("kz_adm1_simplified.geojson")["features"]
    }
    regions = []
    for feature in sorted(load_json("kz_adm1_full.geojson")["features"], key=lambda f: f["properties"]["iso3166_2"]):
        props = feature["properties"]
        iso = props["iso3166_2"]
        regions.append(Region(
            iso_code=iso, kato_code="", name_kk=props["name_kk"], name_ru=props["name_ru"],
            name_en=props["name_en"], kind=props["type"], admin_centre=props.get("admin_centre") or "",
            boundary=_multipolygon(feature["geometry"]), boundary_simplified=_multipolygon(simplified[iso]),
        ))
    Region.objects.bulk_create(regions)
    return {region.iso_code: region for region in regions}


def _ministry_specs() -> list[AgencySpec]:
    """Return the ministries listed in the seed facts (both lists), with their names."""
    facts = load_json("kz_seed_facts.json")["ministries_after_sept_2023"]
    listed = [*facts["confirmed_by_search"], *facts["from_general_knowledge_unverified"]]
    specs = []
    for code, prefix, name_en, name_ru, stem_kk in _MINISTRIES:
        if any(name.startswith(prefix) for name in listed):
            specs.append(AgencySpec(code, name_en, f"{name_ru} {RK_RU}", f"{RK_KK} {stem_kk} министрлігі", "ministry"))
    return specs


def _other_specs() -> list[AgencySpec]:
    listed = load_json("kz_seed_facts.json")["ministries_after_sept_2023"]["other_responsible_bodies"]
    return [spec for _, prefix, spec in _OTHER_BODIES if any(name.startswith(prefix) for name in listed)]


def _akimat_agencies(regions: dict[str, Region]) -> list[Agency]:
    agencies = []
    for akimat in load_json("kz_seed_facts.json")["akimats_20"]:
        iso = akimat["iso"]
        name_ru, name_kk = AKIMAT_NAMES[iso]
        agencies.append(Agency(
            code=akimat_code(iso), name_en=f"Akimat of {akimat['en'].removesuffix(' (city)')}",
            name_ru=f"Акимат {name_ru}", name_kk=f"{name_kk} әкімдігі", kind=Agency.Kind.AKIMAT,
            region=regions[iso],
        ))
    return agencies


def agencies_create(regions: dict[str, Region]) -> dict[str, Agency]:
    """Create the ministries, other state bodies and the 20 akimats, keyed by code."""
    agencies = [
        Agency(code=s.code, name_en=s.name_en, name_ru=s.name_ru, name_kk=s.name_kk, kind=s.kind)
        for s in (*_ministry_specs(), *_other_specs())
    ]
    agencies += _akimat_agencies(regions)
    Agency.objects.bulk_create(agencies)
    return {agency.code: agency for agency in agencies}
