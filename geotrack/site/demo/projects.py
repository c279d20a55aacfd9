"""Illustrative projects: a template, a settlement in the region, a site geometry, a schedule."""
from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.gis.geos import GEOSGeometry
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from geotrack.site.demo.catalogue import AGENCY_CHOICES, FUNDING, REGION_QUOTAS, REGION_SECTOR_BIAS, TEMPLATES, Template
from geotrack.site.demo.common import DEMO_TODAY, at, rng
from geotrack.site.demo.places import RegionShapes, Settlement, distance_m, point_near, route_line, site_polygon, urban_line
from geotrack.site.demo.reference import akimat_code
from geotrack.site.demo.schedule import ProjectPlan, Schedule, schedule_random
from projects.models import Agency, Project, RoadmapItem

GEOM_WEIGHTS = (("point", 62), ("line", 22), ("polygon", 16))  # the real projects are mostly polygons
PUBLIC_SHARE = 0.8
RUSSIAN_SHARE = 0.35
MAX_DRAWS = 50


@dataclass(frozen=True)
class Context:
    """What every generated project draws on: settlements, region shapes, agencies, roadmap."""

    settlements: dict[str, list[Settlement]]
    shapes: RegionShapes
    agencies: dict[str, Agency]
    roadmap: dict[str, list[RoadmapItem]]  # by project sector; "" for items of no sector


def _fits_place(template: Template, place: Settlement) -> bool:
    """Tell whether a template suits a settlement: its region and its size."""
    if template.regions and place.region_iso not in template.regions:
        return False
    return template.settle == "any" or (template.settle == "town") == place.is_town


def choose_template(generator: random.Random, iso: str, settlements: list[Settlement]) -> Template:
    """Draw a geometry kind, then a template of that kind suited to the region."""
    geom = generator.choices([g for g, _ in GEOM_WEIGHTS], [w for _, w in GEOM_WEIGHTS])[0]
    kinds = {"point": ("point",), "line": ("route", "local"), "polygon": ("polygon",)}[geom]
    bias = REGION_SECTOR_BIAS.get(iso, {})
    candidates = [t for t in TEMPLATES if t.geom in kinds and any(_fits_place(t, s) for s in settlements)]
    weights = [t.weight * bias.get(t.sector, 1.0) for t in candidates]
    return generator.choices(candidates, weights)[0]


def choose_settlement(generator: random.Random, template: Template, settlements: list[Settlement]) -> Settlement:
    """Pick a settlement of the right size, larger ones more often."""
    fitting = [s for s in settlements if _fits_place(template, s)]
    return generator.choices(fitting, [math.sqrt(s.population) + 40 for s in fitting])[0]


def _spread_m(settlement: Settlement, remote: bool) -> tuple[float, float]:
    """Return how far from the settlement's point a site may lie: (min, max) metres."""
    urban = min(7000.0, 700.0 + math.sqrt(settlement.population) * 5)
    return (2000.0, urban + 8000.0) if remote else (0.0, urban)


def _partners(ctx: Context, start: Settlement, template: Template) -> list[Settlement]:
    """List settlements of this or a neighbouring region at a distance fitting a route."""
    lo, hi = template.length_km
    regions = [start.region_iso, *ctx.shapes.neighbours[start.region_iso]]
    origin = Point(start.lon, start.lat)
    return [
        s for iso in regions for s in ctx.settlements.get(iso, [])
        if s is not start and lo * 1000 <= distance_m(origin, Point(s.lon, s.lat)) <= hi * 1000
    ]


def _route(generator: random.Random, ctx: Context, place: Settlement,
           template: Template) -> tuple[BaseGeometry, tuple[str, ...], dict[str, str]]:
    """Draw a route to a partner settlement, preferring one of the same region."""
    options = _partners(ctx, place, template)
    same = [s for s in options if s.region_iso == place.region_iso]
    other = generator.choice(same if same and generator.random() < 0.75 else options)
    names = {"a": place.name, "b": other.name, "a_ru": place.name_ru, "b_ru": other.name_ru}
    line = route_line(generator, Point(place.lon, place.lat), Point(other.lon, other.lat))
    return line, (place.region_iso, other.region_iso), names


def _site(generator: random.Random, ctx: Context, template: Template, place: Settlement,
          attempt: int) -> tuple[BaseGeometry, tuple[str, ...], dict[str, str]]:
    """Draw one candidate geometry, the regions it must stay in, and the names for the title."""
    if template.geom == "route":
        return _route(generator, ctx, place, template)
    names = {"place": place.name, "place_ru": place.label_ru}
    shrink = 1.0 / (1 + attempt)
    if template.geom == "local":
        length = generator.uniform(*template.length_km) * 1000 * shrink
        return urban_line(generator, Point(place.lon, place.lat), length), (place.region_iso,), names
    lo, hi = _spread_m(place, template.remote)
    centre = point_near(generator, place.lon, place.lat, hi * shrink, lo * shrink)
    if template.geom == "polygon":
        size = generator.uniform(500, 3000) * max(shrink, 0.3)
        return site_polygon(generator, centre, size), (place.region_iso,), names
    return centre, (place.region_iso,), names


def place_site(generator: random.Random, ctx: Context, template: Template,
               place: Settlement) -> tuple[BaseGeometry, dict[str, str]] | None:
    """Return a valid geometry inside the intended region(s), retrying closer in; None if none fits."""
    for attempt in range(12):
        geom, regions, names = _site(generator, ctx, template, place, attempt)
        if geom.is_valid and ctx.shapes.contains(regions, geom):
            return geom, names
    return None


def _usable(ctx: Context, template: Template, place: Settlement) -> Template:
    """Swap a route with no partner in reach for a local line or a point of the same sector."""
    if template.geom != "route" or _partners(ctx, place, template):
        return template
    for geom in ("local", "point"):
        for other in TEMPLATES:
            if other.geom == geom and other.sector == template.sector and _fits_place(other, place):
                return other
    return next(t for t in TEMPLATES if t.geom == "point" and _fits_place(t, place))


def _budget(generator: random.Random, template: Template, size: int, geom: BaseGeometry) -> Decimal:
    lo, hi = template.budget
    if template.unit == "n":
        amount = size * generator.uniform(lo, hi) * 1e6
    elif template.unit == "km":
        amount = _length_km(geom) * generator.uniform(lo, hi) * 1e9
    else:
        amount = generator.uniform(lo, hi) * 1e9
    return Decimal(round(amount / 1e6)) * 1_000_000


def _length_km(geom: BaseGeometry) -> float:
    if geom.geom_type != "LineString":
        return 1.0
    coords = list(geom.coords)
    return sum(distance_m(Point(a), Point(b)) for a, b in zip(coords, coords[1:])) / 1000


def _agency(generator: random.Random, ctx: Context, sector: str, iso: str) -> Agency:
    choices = AGENCY_CHOICES[sector]
    code = generator.choices([c for c, _ in choices], [w for _, w in choices])[0]
    return ctx.agencies[akimat_code(iso) if code == "akimat" else code]


def link_roadmap(generator: random.Random, ctx: Context, sector: str) -> list[RoadmapItem]:
    """Pick 0-3 roadmap items of the project's sector (or general ones when none fit)."""
    pool = ctx.roadmap.get(sector) or ctx.roadmap.get("", [])
    count = generator.choices((0, 1, 2, 3), (20, 45, 25, 10))[0]
    return sorted(generator.sample(pool, k=min(count, len(pool))), key=lambda item: item.number)


def _text(template: Template, names: dict[str, str], size: int, russian: bool, draw: float) -> tuple[str, str]:
    """Return (title, description); the description is in Russian when asked."""
    values = {**names, "n": f"{size:,}"}
    title = template.en.format(**values)
    options = FUNDING[template.project_kind]
    funding_en, funding_ru = options[int(draw * len(options))]
    if russian:
        ru_title = template.ru.format(**{**values, "n": f"{size}"})
        return title, f"{ru_title}. {template.desc_ru} {funding_ru}"
    return title, f"{template.desc_en} {funding_en}"


def created_at(generator: random.Random, schedule: Schedule) -> dt.datetime:
    """Return when the project was entered: a while before its start, within the programme."""
    day = schedule.planned_start - dt.timedelta(days=generator.randint(30, 180))
    day = min(max(day, dt.date(2023, 1, 16)), DEMO_TODAY - dt.timedelta(days=20))
    return at(day, hour=generator.randint(9, 17), minute=generator.randint(0, 59))


def _draw(generator: random.Random, ctx: Context, iso: str) -> tuple[Template, BaseGeometry, dict[str, str]]:
    """Draw a template, a settlement and a site that fits inside the region."""
    settlements = ctx.settlements[iso]
    for _ in range(MAX_DRAWS):
        template = choose_template(generator, iso, settlements)
        place = choose_settlement(generator, template, settlements)
        template = _usable(ctx, template, place)
        if (site := place_site(generator, ctx, template, place)) is not None:
            return template, *site
    raise RuntimeError(f"no project site fits inside {iso}")


def generated_plan(generator: random.Random, ctx: Context, iso: str, titles: set[str]) -> ProjectPlan:
    """Build one illustrative project in a region, not yet saved, with a title not used before."""
    russian = generator.random() < RUSSIAN_SHARE
    funding = generator.random()
    for _ in range(MAX_DRAWS):
        template, geom, names = _draw(generator, ctx, iso)
        size = generator.choice(template.sizes) if template.sizes else 0
        title, description = _text(template, names, size, russian, funding)
        if title not in titles:
            break
    else:
        raise RuntimeError(f"no unused project title found in {iso}")
    titles.add(title)
    schedule = schedule_random(generator)
    stamp = created_at(generator, schedule)
    project = Project(
        title=title, description=description, sector=template.sector, kind=template.project_kind,
        geom=GEOSGeometry(memoryview(geom.wkb), srid=4326), agency=_agency(generator, ctx, template.sector, iso),
        budget=_budget(generator, template, size, geom), currency="KZT",
        planned_start=schedule.planned_start, planned_end=schedule.planned_end, actual_start=schedule.actual_start,
        actual_end=schedule.actual_end, status=schedule.status, is_public=generator.random() < PUBLIC_SHARE,
        created_at=stamp, updated_at=stamp,
    )
    return ProjectPlan(project, schedule, link_roadmap(generator, ctx, template.sector), russian)


def generated_plans(ctx: Context, known: list[ProjectPlan]) -> list[ProjectPlan]:
    """Build the illustrative projects of every region, each region from its own seeded generator."""
    plans: list[ProjectPlan] = []
    titles = {plan.project.title for plan in known}
    for iso, quota in REGION_QUOTAS.items():
        generator = rng(f"projects:{iso}")
        plans += [generated_plan(generator, ctx, iso, titles) for _ in range(quota)]
    return plans
