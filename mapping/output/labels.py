"""Place names on the offline basemap: which towns, regions and countries to label, from which zoom.

Every read of gazetteer data for labels goes through :func:`label_places`
(towns and cities) and :func:`area_places` (countries and first-level regions),
so that the gazetteer can change underneath without touching the renderer.

:func:`choose_labels` ranks the candidates (countries, then regions, then
settlements by population) and places them greedily, zoom tier by zoom tier,
with a collision box per label in Web Mercator pixels: a label gets the first
zoom at which it overlaps no label placed before it. Because distances double
with each zoom level while the boxes keep their size, a set of labels that do
not collide at zoom ``z`` do not collide at any zoom above ``z``: showing every
label whose ``minzoom`` is at most the map's zoom never shows two on top of each
other (the page script checks again with the boxes the browser measures).

>>> a = Label("Alpha", 36.0, 33.0, "city", 1)
>>> b = Label("Beta", 36.02, 33.0, "city", 2)
>>> far = Label("Gamma", 38.0, 35.0, "town", 3)
>>> [(l.text, l.minzoom) for l in place_labels([a, b, far], zooms=range(4, 14))]
[('Alpha', 4), ('Beta', 12), ('Gamma', 4)]
>>> place_labels([], zooms=range(4, 8))
[]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

__all__ = ["LabelPlace", "Label", "label_places", "area_places", "place_labels", "choose_labels", "ZOOMS",
           "mercator_px"]

#: Zoom levels at which labels are placed; a label not placed by the last one is left out.
ZOOMS = range(3, 14)
#: Settlements below this population are not labelled from the world gazetteer.
MIN_POPULATION = 2_000


@dataclass(frozen=True)
class LabelPlace:
    """A named place that may be labelled: (lon, lat), population (0 when unknown), kind, ISO country code."""

    name: str
    lon: float
    lat: float
    population: int
    kind: str
    country: str | None
    #: Other (lon, lat) points the name may be written at when its own is taken (a country's middle).
    alternates: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True)
class Label:
    """A label to draw: its text at (lon, lat), its style class, its rank (0 first) and its first zoom.

    ``alternates`` are other points it may be written at, tried in order when (lon, lat) collides.
    """

    text: str
    lon: float
    lat: float
    cls: str
    rank: int
    minzoom: int | None = None
    alternates: tuple[tuple[float, float], ...] = ()

    def to_json(self) -> list:
        return [self.text, round(self.lon, 4), round(self.lat, 4), self.cls, self.minzoom]


def label_places(bounds, *, limit: int = 800, min_population: int = MIN_POPULATION) -> tuple[LabelPlace, ...]:
    """Towns and cities inside ``bounds`` (west, south, east, north) from the world gazetteer, largest first.

    The only place that reads the world gazetteer's settlements for labels.
    """
    import numpy as np
    from ..gazetteer.places import default_gazetteer

    world = default_gazetteer().world
    if world is None or not len(world):
        return ()
    rows = _rows_in(world, bounds)
    settlement_codes = [c for c in (world.kind.code_of(k) for k in ("city", "town", "village")) if c is not None]
    population = world.population.array[rows]
    keep = (population >= min_population) & np.isin(world.kind.array[rows], settlement_codes)
    rows, population = rows[keep], population[keep]
    rows = rows[np.lexsort((rows, -population))][:limit]  # largest first; ties by record order
    from ..gazetteer.names import plain_romanisation

    return tuple(LabelPlace(plain_romanisation(world.name[i], world.country[i]), world.lon[i], world.lat[i], int(world.population[i]), world.kind[i],
                            world.country[i]) for i in rows.tolist())


def _rows_in(world, bounds):
    west, south, east, north = bounds
    if west <= east:
        return world.rows_in_bbox(west, south, east, north)
    import numpy as np  # a view across the antimeridian

    return np.concatenate([world.rows_in_bbox(west, south, 180.0, north), world.rows_in_bbox(-180.0, south, east, north)])


def area_places(bounds) -> tuple[LabelPlace, ...]:
    """Countries and first-level regions whose label point lies inside ``bounds``, countries first.

    Countries come from the curated world pack (their label points are chosen for maps); regions from
    the world gazetteer, with curated first-level regions (a digitised governorate) in place of theirs.
    """
    from ..gazetteer.places import default_gazetteer
    from ..gazetteer.names import plain_romanisation

    gazetteer = default_gazetteer()
    west, south, east, north = bounds
    out, curated_regions = [], set()
    for place in gazetteer:
        if place.kind == "country" and place.pack == "world":
            kind = "country"
        elif place.kind == "admin_area" and _admin_level(place) == 1:
            kind = "admin_area"
            curated_regions.add((place.country, place.admin1))
        else:
            continue
        w, s, e, n = place.bounds
        if w > east or e < west or s > north or n < south:
            continue
        lon, lat = place.point
        if not (west <= lon <= east and south <= lat <= north):
            # The conventional point is outside the view (Syria's centre on a map of the Golan):
            # name the part that is inside, if it is a sizeable part.
            point = _point_inside(place, bounds)
            if point is None:
                continue
            lon, lat = point
        alternates = ()
        if kind == "country":
            # A country's name may also go at the middle of its part of the view, when its conventional
            # point is under a mapped feature (Lebanon's beside Damascus).
            middle = _point_inside(place, bounds, min_share=0.0)
            if middle is not None and abs(middle[0] - lon) + abs(middle[1] - lat) > 0.2:
                alternates = (middle,)
        out.append(LabelPlace(place.name, lon, lat, place.population or 0, kind, place.country, alternates))
    world = gazetteer.world
    if world is not None and len(world):
        rows = _rows_in(world, bounds)
        code = world.kind.code_of("admin_area")
        rows = rows[(world.kind.array[rows] == code) & (world.level.array[rows] == 1)] if code is not None else rows[:0]
        for i in rows.tolist():
            if (world.country[i], world.admin1[i]) not in curated_regions:
                out.append(LabelPlace(plain_romanisation(world.name[i], world.country[i]), world.lon[i], world.lat[i],
                                      int(world.population[i]),
                                      "admin_area", world.country[i]))
    return tuple(sorted(out, key=lambda p: (p.kind != "country", -p.population, p.name)))


def _admin_level(place) -> int | None:
    level = getattr(place, "admin_level", None)
    if level is not None:
        return level
    # Records without the field: a state or governorate is an admin_area with an admin1 code
    # whose parent, if any, is a country (counties name their state as parent).
    if place.kind == "admin_area" and place.admin1 and (place.parent is None or place.parent.startswith("country-")):
        return 1
    return None


def _point_inside(place, bounds, min_share: float = 0.04):
    from shapely.geometry import box

    frame = box(*bounds)
    if place.geometry.geom_type not in ("Polygon", "MultiPolygon"):
        return None
    part = place.geometry.intersection(frame)
    if part.is_empty or part.area <= min_share * frame.area:
        return None
    if part.geom_type == "MultiPolygon":
        part = max(part.geoms, key=lambda g: g.area)
    if part.geom_type != "Polygon":
        return None
    from shapely.ops import polylabel

    p = polylabel(part, tolerance=0.01)
    return (p.x, p.y)


def mercator_px(lon: float, lat: float, zoom: float) -> tuple[float, float]:
    """Web Mercator pixel coordinates of (lon, lat) at ``zoom`` (256-pixel tiles), as Leaflet computes them.

    >>> mercator_px(0, 0, 0)
    (128.0, 128.0)
    """
    lat = max(min(lat, 85.0511), -85.0511)
    scale = 256 * 2 ** zoom
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    return ((lon + 180) / 360 * scale, (1 - y / math.pi) / 2 * scale)


#: Estimated text metrics per label class: (pixels per character, height, centred).
_METRICS = {"country": (8.6, 16, True), "region": (7.0, 14, True), "city": (7.0, 16, False),
            "town": (6.4, 15, False), "village": (5.9, 14, False)}


def _box(label: Label, zoom: int) -> tuple[float, float, float, float]:
    x, y = mercator_px(label.lon, label.lat, zoom)
    per_char, height, centred = _METRICS.get(label.cls, (6.5, 15, False))
    width = per_char * len(label.text) + 6
    if centred:
        return (x - width / 2, y - height / 2, x + width / 2, y + height / 2)
    return (x - 4, y - height / 2, x + 8 + width, y + height / 2)


def place_labels(labels, *, zooms=ZOOMS, reserved=()) -> list[Label]:
    """Labels given the first zoom at which each collides with no label ranked before it (greedy, by rank).

    ``reserved`` are (lon, lat, half-width px) points that labels must keep clear of
    (the mapped features' symbols). Labels never placed are left out.
    """
    ordered = sorted(labels, key=lambda l: l.rank)
    placed: list[Label] = []
    for zoom in zooms:
        boxes = [_box(l, zoom) for l in placed]
        for x, y, r in reserved:
            px, py = mercator_px(x, y, zoom)
            boxes.append((px - r, py - r, px + r, py + r))
        grid = _Grid(boxes)
        for i, label in enumerate(ordered):
            if label.minzoom is not None:
                continue
            for lon, lat in ((label.lon, label.lat),) + label.alternates:
                at = replace(label, lon=lon, lat=lat, alternates=())
                box = _box(at, zoom)
                if not grid.hits(box):
                    grid.add(box)
                    ordered[i] = label = replace(at, minzoom=zoom)
                    placed.append(label)
                    break
    return sorted(placed, key=lambda l: l.rank)


class _Grid:
    """Boxes in 64-pixel buckets: collision tests against nearby boxes only."""

    SIZE = 64.0

    def __init__(self, boxes=()):
        self.cells: dict[tuple[int, int], list] = {}
        for box in boxes:
            self.add(box)

    def _cells(self, box):
        x0, y0, x1, y1 = (int(math.floor(v / self.SIZE)) for v in box)
        return ((i, j) for i in range(x0, x1 + 1) for j in range(y0, y1 + 1))

    def add(self, box):
        for cell in self._cells(box):
            self.cells.setdefault(cell, []).append(box)

    def hits(self, box) -> bool:
        x0, y0, x1, y1 = box
        for cell in self._cells(box):
            for a in self.cells.get(cell, ()):
                if a[0] < x1 and x0 < a[2] and a[1] < y1 and y0 < a[3]:
                    return True
        return False


def choose_labels(bounds, *, reserved=(), limit: int = 450, exclude=()) -> list[Label]:
    """The basemap labels for a map of ``bounds``: countries, first-level regions, towns and cities.

    ``exclude`` are lower-case names already labelled as mapped features.
    """
    west, south, east, north = bounds
    span = max(east - west, north - south, 0.5)
    pad = max(span * 0.6, 1.0)
    window = (max(west - pad, -180), max(south - pad, -85), min(east + pad, 180), min(north + pad, 85))
    skip = {name.lower() for name in exclude}
    candidates, rank = [], 0
    for place in area_places(window):
        if place.name.lower() in skip:
            continue
        cls = "country" if place.kind == "country" else "region"
        name = place.name.upper() if cls == "country" else place.name
        candidates.append(Label(name, place.lon, place.lat, cls, rank, alternates=place.alternates))
        rank += 1
    seen = set(skip)
    for place in label_places(window):
        key = place.name.lower()
        if key in seen:
            continue
        seen.add(key)
        candidates.append(Label(place.name, place.lon, place.lat, place.kind, rank))
        rank += 1
    # Tiers from two levels below the zoom that shows the whole frame on a 1,000-pixel map:
    # labels placed for views nobody opens cost time and bytes.
    fit = max(ZOOMS.start, min(ZOOMS.stop - 1, int(math.log2(1000 / 256 * 360 / span))))
    return place_labels(candidates, reserved=reserved, zooms=range(max(ZOOMS.start, fit - 2), ZOOMS.stop))[:limit]
