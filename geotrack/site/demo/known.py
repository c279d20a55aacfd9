"""The ~40 real projects of kz_seed_facts.json, with their facts; sites and progress are illustrative."""
from __future__ import annotations

import datetime as dt
import random
import re
from decimal import Decimal

from django.contrib.gis.geos import GEOSGeometry
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from geotrack.site.demo.common import load_json, rng
from geotrack.site.demo.places import Settlement, offset, route_line, site_polygon
from geotrack.site.demo.projects import Context, created_at, link_roadmap
from geotrack.site.demo.reference import akimat_code
from geotrack.site.demo.schedule import ProjectPlan, schedule_known
from projects.models import Project

Status = Project.Status
BILLION = Decimal(1_000_000_000)
# Name prefix -> settlements (one for a site; several for a route), shape, azimuth and km from
# the first settlement (None: a short random offset), and the site's size in km.
SITES: dict[str, tuple[tuple[str, ...], str, float | None, float, float]] = {
    "Aktogay GOK": (("Aktogay",), "polygon", 80, 22, 3.0),
    "Zhayrem GOK": (("Agadyr",), "polygon", 250, 30, 2.5),
    "Saryarka ferroalloy": (("Karaganda",), "polygon", 100, 9, 1.2),
    "Transformer plant": (("Petropavl",), "polygon", 30, 4, 0.6),
    "Aluminium can plant": (("Shymkent",), "polygon", 320, 7, 0.6),
    "Agri-machinery": (("Kostanay",), "polygon", 200, 6, 0.9),
    "KamaTyresKZ": (("Saran",), "polygon", 120, 3, 1.0),
    "Kazphosphate": (("Taraz",), "polygon", 270, 8, 1.2),
    "RG Gold": (("Stepnyak",), "polygon", 250, 25, 2.8),
    "Orda Glass": (("Kyzylorda",), "polygon", 60, 9, 1.0),
    "Shalkiya deposit": (("Shalkiya",), "polygon", 20, 6, 2.5),
    "Methanol gas-chemical": (("Aksay",), "polygon", 120, 14, 1.5),
    "Poultry farm": (("Oral",), "polygon", 160, 18, 1.2),
    "Donskoy GOK": (("Khromtau",), "polygon", 300, 5, 1.5),
    "Lime plant": (("Temirtau",), "polygon", 330, 7, 0.8),
    "Special coke": (("Shakhtinsk",), "polygon", 90, 5, 1.0),
    "Ceramic slab plant": (("Taldykorgan",), "polygon", 180, 6, 0.8),
    "Kia car plant": (("Kostanay",), "polygon", 150, 7, 1.2),
    "Hyundai Trans Almaty": (("Almaty",), "point", 330, 9, 0),
    "Plant in Tulkubas": (("Tyulkubas",), "polygon", 240, 5, 1.5),
    "KazAzot": (("Aktau",), "polygon", 120, 12, 1.2),
    "Caspi Oil Capital": (("Oral",), "point", 60, 6, 0),
    "Wan Sheng Ceramic": (("Shymkent",), "polygon", 200, 8, 0.8),
    "KamLitKZ": (("Kostanay",), "point", 160, 6, 0),
    "Pruzhina": (("Kostanay",), "point", 140, 5, 0),
    "Aktau petrochemical": (("Aktau",), "polygon", 110, 15, 1.5),
    "Chemical reagents plant": (("Aktau",), "point", 100, 11, 0),
    "Hydrocarbon processing": (("Aktau",), "polygon", 90, 18, 1.4),
    "Central oil delivery point": (("Zhanaozen",), "point", 200, 14, 0),
    "Pharmaceutical complex": (("Aktau",), "point", 70, 8, 0),
    "Polypropylene plant": (("Atyrau",), "polygon", 55, 33, 2.0),
    "Polyethylene plant": (("Atyrau",), "polygon", 60, 36, 2.5),
    "Butadiene plant": (("Atyrau",), "polygon", 50, 30, 1.4),
    "Ertis hydrometallurgical": (("Aksu",), "polygon", 180, 8, 1.8),
    "Kokshetau CHP": (("Kokshetau",), "polygon", 300, 5, 0.9),
    "Ekibastuz GRES-2": (("Ekibastuz",), "polygon", 40, 38, 2.0),
    "Almaty CHP-2": (("Almaty",), "polygon", 280, 8, 0.9),
    "Bakhty-Ayagoz railway": (("Ayagoz", "Urzhar", "Makanshy"), "route", None, 0, 0),
    "Aktau port container hub": (("Aktau",), "polygon", 175, 3, 0.8),
    "Taldykorgan-Usharal gas pipeline": (("Taldykorgan", "Sarkand", "Usharal"), "route", None, 0, 0),
}
SECTOR_WORDS = (
    ("mining", Project.Sector.MINING), ("metallurg", Project.Sector.MINING), ("petrochem", Project.Sector.OIL_GAS),
    ("oil", Project.Sector.OIL_GAS), ("gas", Project.Sector.OIL_GAS), ("energy", Project.Sector.ENERGY),
    ("transport", Project.Sector.TRANSPORT), ("agro", Project.Sector.AGRICULTURE),
)
DONE_WORDS = ("commissioned", "completed", "operating", "opened", "first ")
MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                                       "Dec"), start=1)}


def sector_of(raw: str) -> str:
    """Map the source's free-text sector to a Project.Sector (industry by default)."""
    return next((sector for word, sector in SECTOR_WORDS if word in raw.lower()), Project.Sector.INDUSTRY)


def status_of(fact: dict) -> str:
    """Map the source's status: commissioned and the like -> completion; else implementation or preparation."""
    text = fact.get("status", "").lower()
    if any(word in text for word in DONE_WORDS):
        return Status.COMPLETION
    if "announced" in text or (not text and fact["year"] >= 2025):
        return Status.PREPARATION
    return Status.IMPLEMENTATION


def done_on(fact: dict) -> dt.date | None:
    """Return the completion month a status like "commissioned Oct 2022" names, if any."""
    match = re.search(r"\b([A-Z][a-z]{2}) (\d{4})\b", fact.get("status", ""))
    if match and match.group(1) in MONTHS:
        return dt.date(int(match.group(2)), MONTHS[match.group(1)], 15)
    return None


def _budget(fact: dict) -> tuple[Decimal | None, str]:
    if fact.get("amount_kzt_bn") is not None:
        return Decimal(str(fact["amount_kzt_bn"])) * BILLION, "KZT"
    if fact.get("amount_usd_bn") is not None:
        return Decimal(str(fact["amount_usd_bn"])) * BILLION, "USD"
    return None, "KZT"


def _find(ctx: Context, iso: str, name: str) -> Settlement:
    for settlement in ctx.settlements[iso]:
        if settlement.name == name:
            return settlement
    raise LookupError(f"no settlement {name} in {iso}")


def _geometry(generator: random.Random, ctx: Context, fact: dict) -> BaseGeometry:
    """Place a real project at its listed site, or at the region's admin centre if the site falls outside."""
    iso = fact["region"]
    names, shape, azimuth, distance_km, size_km = next(v for k, v in SITES.items() if fact["name"].startswith(k))
    places = [_find(ctx, iso, name) for name in names]
    if shape == "route":
        parts = [route_line(generator, Point(a.lon, a.lat), Point(b.lon, b.lat), 0.02)
                 for a, b in zip(places, places[1:])]
        coords = [parts[0].coords[0]] + [c for part in parts for c in part.coords[1:]]
        geom = type(parts[0])(coords)
    else:
        centre = Point(offset(places[0].lon, places[0].lat, azimuth, distance_km * 1000))
        geom = site_polygon(generator, centre, size_km * 1000) if shape == "polygon" else centre
    if geom.is_valid and ctx.shapes.contains((iso,), geom):
        return geom
    return Point(places[0].lon, places[0].lat)


def _description(fact: dict) -> str:
    parts = [f"{fact['name']}. Sector as reported: {fact['sector']}."]
    if fact.get("amount_kzt_bn") is not None:
        parts.append(f"Investment: {fact['amount_kzt_bn']:g} bn tenge.")
    if fact.get("amount_usd_bn") is not None:
        parts.append(f"Investment: USD {fact['amount_usd_bn']:g} bn.")
    if fact.get("jobs"):
        parts.append(f"About {fact['jobs']:,} jobs.")
    if fact.get("status"):
        parts.append(f"Status reported by the source: {fact['status']}.")
    if fact.get("note"):
        parts.append(f"Note: {fact['note']}.")
    parts.append("Facts from public news (see source); the site outline, dates and progress shown here are "
                 "illustrative.")
    return " ".join(parts)


def _agency_code(generator: random.Random, fact: dict, sector: str) -> str:
    if fact.get("owner") == "Samruk-Kazyna":
        return "samruk-kazyna"
    if sector in (Project.Sector.INDUSTRY, Project.Sector.AGRICULTURE) and generator.random() < 0.4:
        return akimat_code(fact["region"])
    return {
        Project.Sector.ENERGY: "min-energy", Project.Sector.OIL_GAS: "min-energy",
        Project.Sector.TRANSPORT: "min-transport", Project.Sector.AGRICULTURE: "min-agriculture",
    }.get(sector, "min-industry")


def known_plan(generator: random.Random, ctx: Context, fact: dict) -> ProjectPlan:
    """Build one real project from its facts, not yet saved."""
    sector = sector_of(fact["sector"])
    status = status_of(fact)
    schedule = schedule_known(generator, status, fact["year"], done_on(fact))
    budget, currency = _budget(fact)
    geom = _geometry(generator, ctx, fact)
    stamp = created_at(generator, schedule)
    kind = Project.Kind.INFRASTRUCTURE if sector in (Project.Sector.TRANSPORT, Project.Sector.ENERGY) \
        or "pipeline" in fact["name"] else Project.Kind.INVESTMENT
    project = Project(
        title=fact["name"], description=_description(fact), sector=sector, kind=kind,
        geom=GEOSGeometry(memoryview(geom.wkb), srid=4326), agency=ctx.agencies[_agency_code(generator, fact, sector)],
        budget=budget, currency=currency, planned_start=schedule.planned_start, planned_end=schedule.planned_end,
        actual_start=schedule.actual_start, actual_end=schedule.actual_end, status=status, is_public=True,
        source_url=fact["src"], created_at=stamp, updated_at=stamp,
    )
    return ProjectPlan(project, schedule, link_roadmap(generator, ctx, sector))


def known_plans(ctx: Context) -> list[ProjectPlan]:
    """Build every real project of the seed facts."""
    generator = rng("known-projects")
    return [known_plan(generator, ctx, fact) for fact in load_json("kz_seed_facts.json")["projects"]]
