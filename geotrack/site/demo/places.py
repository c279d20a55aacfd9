"""Settlements (GeoNames), region shapes, and site geometries placed inside the right region."""
from __future__ import annotations

import difflib
import math
import random
import unicodedata
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from pyproj import Geod
from shapely import prepared
from shapely.geometry import LineString, Point, Polygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from geotrack.site.demo.common import load_json

GEOD = Geod(ellps="WGS84")
# The leased Baikonur complex, odd names, and duplicates of other rows.
EXCLUDED = {"Baikonur", "Tyuratam", "Kazakhstan", "Selo Temirbeka Zhurgenova", "Tayynsha", "Novoishimskoye"}
DISPLAY = {
    "Ust-Kamenogorsk": "Oskemen", "Zhezqazghan": "Zhezkazgan", "Konayev": "Konaev", "Karagandy": "Karaganda",
    "Balqash": "Balkhash", "Qulsary": "Kulsary", "Sarqant": "Sarkand", "Qarazhal": "Karazhal",
    "Zhangaarqa": "Zhanaarka", "Zhangaqorghan": "Zhanakorgan", "Qarqaraly": "Karkaraly", "Maqat": "Makat",
    "Yrghyz": "Irgiz", "Shalqar": "Shalkar", "Qobda": "Kobda", "Aqsay": "Aksay", "Tasqala": "Taskala",
    "Qashar": "Kachar", "Qusmuryn": "Kushmurun", "Qarabalyq": "Karabalyk", "Torghay": "Torgay", "Äūlīeköl": "Auliekol",
    "Qorghalzhyn": "Korgalzhyn", "Maqanshy": "Makanshy", "Aqtoghay": "Aktogay", "Aqadyr": "Agadyr",
    "Aqshataū": "Akshatau", "Taūshyq": "Taushyk", "Shalqīya": "Shalkiya", "Jıbek joly": "Zhibek Zholy",
    "Besqaraghay": "Beskaragay", "Zhalghyztobe": "Zhangiztobe", "Saryaghash": "Saryagash", "Qogham": "Kogam",
    "Qabilanbek": "Kaplanbek", "Saryshaghan": "Sary-Shagan", "Tughyl": "Tugyl", "Marqaköl": "Markakol",
    "Qasym Qaysenov": "Kasym Kaisenov", "Qaramengdi": "Karamendy", "Qamysty": "Kamysty", "Obaghan": "Ubagan",
    "Maloye Ganyushkino": "Kurmangazy", "Asyqata": "Asykata", "Rudnyy": "Rudny", "Zhangaqala": "Zhangala",
    "Otegen Batyra": "Otegen Batyr", "Mayqayyng": "Maikain", "Sayaq": "Sayak", "Shubarköl": "Shubarkol",
}
RUSSIAN = {
    "Astana": "Астана", "Aktobe": "Актобе", "Kyzylorda": "Кызылорда", "Oskemen": "Усть-Каменогорск",
    "Oral": "Уральск", "Semey": "Семей", "Konaev": "Конаев", "Petropavl": "Петропавловск", "Almaty": "Алматы",
    "Shymkent": "Шымкент", "Karaganda": "Караганда", "Taraz": "Тараз", "Turkistan": "Туркестан",
    "Taldykorgan": "Талдыкорган", "Zhezkazgan": "Жезказган", "Aktau": "Актау", "Atyrau": "Атырау",
    "Kokshetau": "Кокшетау", "Kostanay": "Костанай", "Pavlodar": "Павлодар", "Kurmangazy": "Курмангазы",
    "Kokpekty": "Кокпекты", "Shalkiya": "Шалкия", "Belkol": "Белколь", "Sayak": "Саяк", "Aktogay": "Актогай",
    "Shubarkol": "Шубарколь", "Verkhniye Kayrakty": "Верхние Кайракты", "Kaplanbek": "Капланбек",
    "Asykata": "Асыката", "Kasym Kaisenov": "Касым Кайсенов", "Turar Ryskulov": "Турар Рыскулов",
    "Otegen Batyr": "Отеген Батыр", "Maikain": "Майкаин", "Ulken": "Улькен", "Kengir": "Кенгир",
    "Zhangala": "Жангала",
}
_LATIN_TO_CYRILLIC = (
    ("shch", "щ"), ("zh", "ж"), ("kh", "х"), ("ts", "ц"), ("ch", "ч"), ("sh", "ш"), ("yu", "ю"), ("ya", "я"),
    ("ye", "е"), ("yo", "ё"), ("a", "а"), ("b", "б"), ("v", "в"), ("g", "г"), ("d", "д"), ("e", "е"), ("z", "з"),
    ("i", "и"), ("y", "ы"), ("k", "к"), ("q", "к"), ("l", "л"), ("m", "м"), ("n", "н"), ("o", "о"), ("p", "п"),
    ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"), ("f", "ф"), ("h", "х"), ("c", "к"), ("w", "в"), ("x", "кс"),
    ("j", "ж"),
)
_KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")


@dataclass(frozen=True)
class Settlement:
    name: str
    name_ru: str
    lon: float
    lat: float
    population: int
    region_iso: str

    @property
    def is_town(self) -> bool:
        """Tell whether the settlement counts as a town (20,000 people or more)."""
        return self.population >= 20000

    @property
    def label_ru(self) -> str:
        """Return the Russian name with its "г." (town) or "с." (village) prefix."""
        return f"{'г.' if self.is_town else 'с.'} {self.name_ru}"


def _ascii(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.replace("’", "").replace("ı", "i"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _transliterate(name: str) -> str:
    text = name.lower()
    for latin, cyrillic in _LATIN_TO_CYRILLIC:
        text = text.replace(latin, cyrillic)
    return text.capitalize()


def _russian_name(display: str, alternatives: list[str]) -> str:
    """Pick the Cyrillic alternative closest to a transliteration; prefer Russian spellings."""
    if display in RUSSIAN:
        return RUSSIAN[display]
    guess = _transliterate(display)
    cyrillic = [a for a in alternatives if a and not any("a" <= ch.lower() <= "z" for ch in a)]
    russian = [a for a in cyrillic if not _KAZAKH_LETTERS & set(a)] or cyrillic
    if not russian:
        return guess
    return max(russian, key=lambda a: (difflib.SequenceMatcher(None, guess.lower(), a.lower()).ratio(), a))


def settlements_load() -> dict[str, list[Settlement]]:
    """Return the usable settlements per region ISO code, largest first, without duplicates."""
    by_region: dict[str, dict[str, Settlement]] = {}
    for row in sorted(load_json("kz_settlements_geonames.json"), key=lambda r: (-r["population"], r["geonameid"])):
        if row["name"] in EXCLUDED:
            continue
        display = DISPLAY.get(row["name"], _ascii(row["name"]))
        settlement = Settlement(
            name=display, name_ru=_russian_name(display, row["alt_names_cyrillic"]), lon=row["lon"], lat=row["lat"],
            population=row["population"], region_iso=row["region_iso"],
        )
        by_region.setdefault(row["region_iso"], {}).setdefault(display, settlement)
    return {iso: list(rows.values()) for iso, rows in sorted(by_region.items())}


def offset(lon: float, lat: float, azimuth: float, distance_m: float) -> tuple[float, float]:
    """Return the point at a geodesic distance and azimuth from (lon, lat)."""
    new_lon, new_lat, _ = GEOD.fwd(lon, lat, azimuth, distance_m)
    return new_lon, new_lat


def _rounded(coords) -> list[tuple[float, float]]:
    return [(round(x, 6), round(y, 6)) for x, y in coords]


def point_near(generator: random.Random, lon: float, lat: float, max_m: float, min_m: float = 0.0) -> Point:
    """Return a point at a random distance in [min_m, max_m] and random azimuth."""
    x, y = offset(lon, lat, generator.uniform(0, 360), generator.uniform(min_m, max_m))
    return Point(_rounded([(x, y)])[0])


def site_polygon(generator: random.Random, centre: Point, size_m: float) -> Polygon:
    """Return an irregular star-shaped polygon (hence simple) of roughly size_m across."""
    count = generator.randint(5, 9)
    step = 360.0 / count
    azimuths = np.array([i * step + generator.uniform(-0.3, 0.3) * step for i in range(count)])
    radii = np.array([size_m / 2 * generator.uniform(0.65, 1.0) for _ in range(count)])
    lons, lats, _ = GEOD.fwd(np.full(count, centre.x), np.full(count, centre.y), azimuths, radii)
    ring = _rounded(zip(lons.tolist(), lats.tolist(), strict=True))
    return Polygon(ring[::-1])  # azimuths run clockwise; reverse for a counter-clockwise exterior


def route_line(generator: random.Random, start: Point, end: Point, max_bend: float = 0.04) -> LineString:
    """Return a few-vertex line from start to end, with intermediate vertices slightly off the chord."""
    azimuth, _, length = GEOD.inv(start.x, start.y, end.x, end.y)
    inner = generator.randint(1, 3)
    coords = [(start.x, start.y)]
    for i in range(1, inner + 1):
        along = length * i / (inner + 1)
        x, y = offset(start.x, start.y, azimuth, along)
        side = generator.uniform(-max_bend, max_bend) * length
        coords.append(offset(x, y, azimuth + 90, side))
    coords.append((end.x, end.y))
    return LineString(_rounded(coords))


def urban_line(generator: random.Random, centre: Point, length_m: float) -> LineString:
    """Return a street-like line of a few straight pieces near a town centre."""
    azimuth = generator.uniform(0, 360)
    start = point_near(generator, centre.x, centre.y, 2500)
    coords = [(start.x, start.y)]
    pieces = generator.randint(2, 4)
    for _ in range(pieces):
        azimuth += generator.uniform(-35, 35)
        coords.append(offset(*coords[-1], azimuth, length_m / pieces))
    return LineString(_rounded(coords))


class RegionShapes:
    """The regions' full boundaries as prepared shapely geometries, for containment tests."""

    def __init__(self) -> None:
        features = load_json("kz_adm1_full.geojson")["features"]
        self.shapes: dict[str, BaseGeometry] = {
            f["properties"]["iso3166_2"]: shape(f["geometry"]) for f in features
        }
        self._prepared = {iso: prepared.prep(geom) for iso, geom in self.shapes.items()}
        self._pairs: dict[tuple[str, ...], prepared.PreparedGeometry] = {}

    @cached_property
    def neighbours(self) -> dict[str, list[str]]:
        """Return, for each region, the regions whose boundaries touch it (within ~100 m)."""
        simplified = {
            f["properties"]["iso3166_2"]: shape(f["geometry"]).buffer(0.001)
            for f in load_json("kz_adm1_simplified.geojson")["features"]
        }
        return {
            iso: sorted(other for other, geom2 in simplified.items() if other != iso and geom.intersects(geom2))
            for iso, geom in simplified.items()
        }

    def contains(self, iso_codes: tuple[str, ...], geom: BaseGeometry) -> bool:
        """Tell whether geom lies inside the union of the given regions."""
        if len(iso_codes) == 1:
            return self._prepared[iso_codes[0]].contains(geom)
        key = tuple(sorted(iso_codes))
        if key not in self._pairs:
            self._pairs[key] = prepared.prep(unary_union([self.shapes[iso] for iso in key]))
        return self._pairs[key].contains(geom)


def centre_of(geom: BaseGeometry) -> Point:
    """Return a representative location: the point itself, a line's midpoint, a polygon's centroid."""
    if geom.geom_type == "Point":
        return geom
    if geom.geom_type == "LineString":
        return geom.interpolate(0.5, normalized=True)
    return geom.centroid


def distance_m(a: Point, b: Point) -> float:
    """Return the geodesic distance between two points in metres."""
    return GEOD.inv(a.x, a.y, b.x, b.y)[2]


def bearing_deg(a: Point, b: Point) -> float:
    """Return the azimuth from a to b in [0, 360)."""
    return math.fmod(GEOD.inv(a.x, a.y, b.x, b.y)[0] + 360.0, 360.0)
