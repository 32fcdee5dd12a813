"""Qualified locations: "the countryside of the southern Quneitra province".

A qualifier in the words before a mention turns the named place into a
derived area: a directional part of it, its countryside outside the urban
core, or its surroundings. Geometry is computed in a local azimuthal
equidistant projection centred on the place (metres, via pyproj), never in
degrees. Each derived area says which rules made it and how precise it is,
with a scope that gives its ACLED geo precision: ``site`` (1), ``near`` and ``part`` (2),
``region`` (3).

A possessive after the name says the same as the "of" phrase before it:
"Beirut's southern suburbs" is "the southern suburbs of Beirut", a derived
part of the city (the qualifier then starts at the name and takes it in).

Examples
--------
>>> q = find_qualifier("set up a checkpoint in the countryside of the southern ", 0, 56)
>>> q.rules, q.text
(('countryside', 'south'), 'the countryside of the southern ')
>>> find_qualifier("in the ", 0, 7) is None
True
>>> q = find_qualifier("Jets struck Beirut's southern suburbs.", 0, 12)
>>> q.rules, q.text
(('countryside', 'south'), "Beirut's southern suburbs")
>>> find_qualifier("Gangs took Mirebalais in Haiti's Centre department.", 0, 11) is None
True
>>> find_qualifier("Gangs took Mirebalais in Haiti's Centre department.", 0, 25) is None
True
>>> find_qualifier("Beirut's mayor spoke.", 0, 0) is None
True
"""

from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass

__all__ = ["Qualifier", "find_qualifier", "derive_geometry", "DIRECTIONS"]

DIRECTIONS = {
    "north": 0, "northern": 0, "northeast": 45, "north-east": 45, "northeastern": 45, "north-eastern": 45,
    "east": 90, "eastern": 90, "southeast": 135, "south-east": 135, "southeastern": 135, "south-eastern": 135,
    "south": 180, "southern": 180, "southwest": 225, "south-west": 225, "southwestern": 225, "south-western": 225,
    "west": 270, "western": 270, "northwest": 315, "north-west": 315, "northwestern": 315, "north-western": 315,
}
_DIRECTION_WORDS = "|".join(sorted(DIRECTIONS, key=len, reverse=True))
_AREA_WORDS = r"countryside|outskirts|suburbs|environs|vicinity|rural\s+areas|surroundings|periphery|outskirt"
_NEAR_WORDS = r"near|around|outside|close\s+to|nearby|next\s+to|on\s+the\s+edge\s+of"

_QUALIFIER = re.compile(
    rf"(?:(?P<area>(?:the\s+)?(?:(?P<areadir>{_DIRECTION_WORDS})\s+)?(?:{_AREA_WORDS})\s+of\s+)|(?P<near>\b(?:{_NEAR_WORDS})\s+)|(?P<part>(?:the\s+)?(?P<partdir>{_DIRECTION_WORDS}|centre|center|heart)\s+(?:part\s+)?of\s+))?"
    rf"(?P<art>the\s+)?(?P<dir>(?:{_DIRECTION_WORDS}|central|rural)\s+)?$",
    re.IGNORECASE,
)
_DISTANCE = re.compile(
    rf"(?P<n>\d+(?:[.,]\d+)?)\s*(?P<unit>km|kilometres|kilometers|nautical\s+miles|nm|miles|mi|metres|meters|m)\s+(?:\([^()]{{0,30}}\)\s*)?(?P<dir>{_DIRECTION_WORDS})?\s*(?:of|from)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
# "Beirut's southern suburbs", "Khartoum's northern outskirts", "Aleppo's eastern districts", "Pokrovsk's centre":
# a name (up to four words: capitalised, or particles such as "al", "de") and a possessive, then the part of
# it, in lower case: "Haiti's Centre department", "Burkina Faso's Centre-Nord region" and "Khartoum's North"
# name regions and towns, and "Mirebalais in Haiti's centre" is about Haiti, not Mirebalais.
_NAME_WORD = r"(?:(?-i:[A-Z])[\w.'’-]*|al|el|ez|ed|ad|as|ar|an|de|du|da|do|del|la|le|les|of|bin|ibn|abu|um|umm)"
_POSSESSIVE = re.compile(
    rf"(?:{_NAME_WORD}\s+){{0,3}}?[\w.-]+['’]s\s+(?:(?P<areadir>(?-i:{_DIRECTION_WORDS}))\s+)?(?P<area>(?-i:{_AREA_WORDS}))\b"
    rf"|(?:{_NAME_WORD}\s+){{0,3}}?[\w.-]+['’]s\s+(?P<partdir>(?-i:{_DIRECTION_WORDS}|centre|center|heart))"
    rf"(?:\s+(?:part|parts|districts|neighbourhoods|neighborhoods|quarters|areas|sector|side))?\b(?![-‐])"
    r"(?!\s+(?-i:[A-Z]))",  # "Russia's southern Kursk region": the direction belongs to the next name
    re.IGNORECASE,
)
_OFFSHORE = re.compile(r"\boff\s+(?:the\s+)?(?:(?:coast|coastline|shores?)\s+of\s+(?:the\s+)?)?$", re.IGNORECASE)
_ALONG = re.compile(r"\balong\s+(?:the\s+)?$", re.IGNORECASE)
_LAST_WORDS = frozenset({"of", "the", "from", "near", "around", "outside", "to", "nearby", "central", "rural", "centre",
                         "center", "heart", "off", "along", *DIRECTIONS})
_UNIT_M = {"km": 1000, "kilometres": 1000, "kilometers": 1000, "miles": 1609.344, "mi": 1609.344,
           "nautical miles": 1852.0, "nm": 1852.0,
           "metres": 1, "meters": 1, "m": 1}


@dataclass(frozen=True)
class Qualifier:
    """Words before a mention that narrow or widen it; ``text == report[start:end]``."""

    text: str
    start: int
    end: int
    rules: tuple[str, ...]
    bearing: float | None = None
    distance_m: float | None = None
    #: Where the whole phrase ends when it takes in a second place ("between X and Y").
    phrase_end: int | None = None

    @property
    def geo_precision(self) -> str:
        return "near" if {"near", "offset", "offshore", "along", "between"} & set(self.rules) else "part"


def find_qualifier(text: str, sentence_start: int, mention_start: int) -> Qualifier | None:
    """The qualifier that ends right before ``mention_start``, or the possessive one right after the name
    that starts there ("Beirut's southern suburbs"), if any."""
    after = _possessive(text, mention_start)
    if after is not None:
        return after
    window_start = max(sentence_start, mention_start - 80)
    left = text[window_start:mention_start]
    last = left.rstrip().rsplit(None, 1)[-1].lower() if left.strip() else ""
    if last not in _LAST_WORDS:
        return None  # every qualifier ends with one of these words: skip the costly patterns
    for pattern, rule in ((_OFFSHORE, "offshore"), (_ALONG, "along")):
        m = pattern.search(left)
        if m:
            return Qualifier(m.group(), window_start + m.start(), mention_start, (rule,))
    distance = _DISTANCE.search(left)
    if distance:
        n = float(distance.group("n").replace(",", "."))
        metres = n * _UNIT_M[" ".join(distance.group("unit").lower().split())]
        bearing = DIRECTIONS.get((distance.group("dir") or "").lower())
        return Qualifier(distance.group(), window_start + distance.start(), mention_start, ("offset",), bearing, metres)
    m = _QUALIFIER.search(left, _qualifier_search_start(left))
    if not m or not m.group().strip():
        return None
    rules: list[str] = []
    bearing = None
    if m.group("area"):
        rules.append("countryside")
    if m.group("near"):
        rules.append("near")
    part = (m.group("partdir") or "").lower()
    word = (m.group("dir") or "").strip().lower()
    for w in ((m.group("areadir") or "").lower(), part, word):
        if w in DIRECTIONS:
            bearing = float(DIRECTIONS[w])
            rules.append(_compass(bearing))
        elif w in ("central", "centre", "center", "heart"):
            rules.append("centre")
        elif w == "rural":
            rules.append("countryside")
    if not rules:
        return None
    start = window_start + m.start()
    # Leading articles belong to the phrase, but a bare "the" is not a qualifier.
    return Qualifier(text[start:mention_start], start, mention_start, tuple(dict.fromkeys(rules)), bearing)


def _qualifier_search_start(left: str) -> int:
    """Where :data:`_QUALIFIER` may first match in ``left``: every word of a qualifier is one of
    :data:`_QUALIFIER_WORDS`, so a match lies within the run of such words that ends ``left``, or
    starts inside the word before it ("...bathe countryside of": the pattern has no word boundary
    before "the"). Searching from there finds what searching the whole window finds, without
    trying the pattern at every character of it."""
    end = len(left)
    while True:
        while end > 0 and left[end - 1].isspace():
            end -= 1
        start = end
        while start > 0 and not left[start - 1].isspace():
            start -= 1
        if start == end or start == 0 or left[start:end].casefold() not in _QUALIFIER_WORDS:
            return start
        end = start


#: Every word a qualifier (:data:`_QUALIFIER`) is made of.
_QUALIFIER_WORDS = frozenset({*DIRECTIONS, *" ".join((_AREA_WORDS, _NEAR_WORDS)).replace("|", " ").replace(r"\s+", " ").split(),
                              "the", "of", "part", "centre", "center", "heart", "central", "rural"})


def _possessive(text: str, mention_start: int) -> Qualifier | None:
    """"X's southern suburbs" read as "the southern suburbs of X" (see the module docstring)."""
    if "'s" not in text[mention_start:mention_start + 60] and "’s" not in text[mention_start:mention_start + 60]:
        return None  # the common case, without running the pattern
    m = _POSSESSIVE.match(text, mention_start)
    if not m:
        return None
    rules: list[str] = []
    bearing = None
    if m.group("area"):
        rules.append("countryside")
    for w in ((m.group("areadir") or "").lower(), (m.group("partdir") or "").lower()):
        if w in DIRECTIONS:
            bearing = float(DIRECTIONS[w])
            rules.append(_compass(bearing))
        elif w in ("centre", "center", "heart"):
            rules.append("centre")
    if not rules:
        return None
    return Qualifier(m.group(), mention_start, m.end(), tuple(rules), bearing, phrase_end=m.end())


def _compass(bearing: float) -> str:
    names = ["north", "northeast", "east", "southeast", "south", "southwest", "west", "northwest"]
    return names[int(((bearing % 360) + 22.5) // 45) % 8]


def transform(func, geometry):
    """Apply a pyproj ``Transformer.transform`` (always_xy) to every coordinate of ``geometry``."""
    import shapely

    return shapely.transform(geometry, func, interleaved=False)


@lru_cache(maxsize=512)
def _local_crs(lon: float, lat: float):
    """Transformers to and from an azimuthal equidistant projection centred on (lon, lat), in metres.

    Built from a PROJ pipeline, which takes microseconds where a CRS-to-CRS
    transformer takes tens of milliseconds.
    """
    from pyproj import Transformer
    from pyproj.enums import TransformDirection

    pipeline = (f"+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
                f"+step +proj=aeqd +lat_0={lat:.6f} +lon_0={lon:.6f} +ellps=WGS84")
    forward = Transformer.from_pipeline(pipeline)

    class _Inverse:
        @staticmethod
        def transform(x, y):
            return forward.transform(x, y, direction=TransformDirection.INVERSE)

    return forward, _Inverse()


def derive_geometry(geometry, qualifier: Qualifier, *, urban_cores=(), point_radius_m: float = 5000.0,
                    land=None, partner=None):
    """The area ``qualifier`` describes, derived from ``geometry`` (WGS84).

    ``urban_cores`` are (lon, lat) points of the towns the countryside
    excludes. Returns a valid WGS84 shapely geometry, never empty (falls back to
    the input when a rule would leave nothing).
    """
    import shapely

    derived = _derive(geometry, qualifier, urban_cores=urban_cores, point_radius_m=point_radius_m, land=land,
                      partner=partner)
    west, south, east, north = derived.bounds
    if west < -180 or south < -90 or east > 180 or north > 90:  # a projection's round trip: 180.00000000000003
        derived = shapely.transform(derived, _on_the_globe)
    return derived if derived.is_valid else _polygonal(derived)


def _on_the_globe(coords):
    import numpy as np

    return np.clip(coords, (-180.0, -90.0), (180.0, 90.0))


def _polygonal(geometry):
    """A valid geometry of the area of ``geometry``, whose rings cross themselves: a shape drawn in a local
    projection and brought back to WGS84 can, when it reaches the antimeridian ("the northern outskirts
    of Europe" reach Chukotka)."""
    import shapely

    repaired = shapely.make_valid(geometry)
    if repaired.geom_type == "GeometryCollection":  # the area's parts, without the lines the repair leaves
        parts = [g for g in shapely.get_parts(repaired) if g.geom_type in ("Polygon", "MultiPolygon")]
        repaired = shapely.union_all(parts) if parts else repaired
    return repaired


def _derive(geometry, qualifier: Qualifier, *, urban_cores, point_radius_m, land, partner):
    from shapely import affinity
    from shapely.geometry import Point, box

    anchor = geometry.centroid
    # Centres rounded to ~1 km: one projection serves every qualifier of a place.
    forward, back = _local_crs(round(anchor.x, 2), round(anchor.y, 2))
    import shapely

    shape_m = shapely.make_valid(transform(forward.transform, geometry))
    if "offset" in qualifier.rules:
        from pyproj import Geod

        lon, lat = (geometry.x, geometry.y) if geometry.geom_type == "Point" else (anchor.x, anchor.y)
        if qualifier.bearing is None:
            ring = shape_m.buffer(qualifier.distance_m * 1.15).difference(shape_m.buffer(max(qualifier.distance_m * 0.85, 1)))
            return transform(back.transform, ring)
        lon2, lat2, _ = Geod(ellps="WGS84").fwd(lon, lat, qualifier.bearing, qualifier.distance_m)
        f2, b2 = _local_crs(lon2, lat2)
        spot = Point(0, 0).buffer(max(qualifier.distance_m * 0.15, 1000))
        return transform(b2.transform, spot)
    if "between" in qualifier.rules and partner is not None:
        from shapely.geometry import LineString

        a = transform(forward.transform, geometry.centroid)
        b = transform(forward.transform, partner.centroid)
        line = LineString([(a.x, a.y), (b.x, b.y)])
        return transform(back.transform, line.buffer(max(2000.0, line.length / 6)))
    if "along" in qualifier.rules:
        edge = shape_m.boundary if shape_m.geom_type in ("Polygon", "MultiPolygon") else shape_m
        return transform(back.transform, edge.buffer(3000.0))
    if "offshore" in qualifier.rules:
        sea = shape_m.buffer(25_000.0)
        if land is not None:
            sea = sea.difference(transform(forward.transform, land))
        return transform(back.transform, sea if not sea.is_empty else shape_m.buffer(25_000.0))
    if shape_m.geom_type in ("Point", "MultiPoint", "LineString", "MultiLineString"):
        radius = point_radius_m if shape_m.geom_type.endswith("Point") else point_radius_m / 2
        shape_m = shape_m.buffer(radius * (3 if "countryside" in qualifier.rules or "near" in qualifier.rules else 1))
    result = shape_m
    for rule in qualifier.rules:
        if rule in ("north", "northeast", "east", "southeast", "south", "southwest", "west", "northwest"):
            result = _directional_part(result, DIRECTIONS[rule], affinity, box)
        elif rule == "centre":
            c = result.centroid
            result = result.intersection(affinity.scale(result.envelope, 0.5, 0.5, origin=c))
        elif rule == "countryside":
            core = Point(0, 0).buffer(1)
            cores = [transform(forward.transform, Point(lon, lat)).buffer(3000) for lon, lat in urban_cores]
            if geometry.geom_type == "Point":
                cores.append(transform(forward.transform, geometry).buffer(3000))
            if cores:
                from shapely.ops import unary_union

                core = unary_union(cores)
            trimmed = result.difference(core)
            result = trimmed if not trimmed.is_empty else result
        elif rule == "near":
            result = result.buffer(point_radius_m)
    if result.is_empty:
        result = shape_m
    return transform(back.transform, result)


def _directional_part(shape_m, bearing: float, affinity, box):
    """The half of ``shape_m`` lying towards ``bearing`` (degrees clockwise from north)."""
    c = shape_m.centroid
    # Rotate so the wanted direction points north, keep the northern half, rotate back.
    rotated = affinity.rotate(shape_m, bearing, origin=c)
    minx, miny, maxx, maxy = rotated.bounds
    mid = (miny + maxy) / 2
    half = rotated.intersection(box(minx - 1, mid, maxx + 1, maxy + 1))
    return affinity.rotate(half, -bearing, origin=c)
