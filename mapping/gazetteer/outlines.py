"""Country outlines from the bundled world pack, to check that a record lies in the country it names.

A custom pack record with ``country`` must lie within :data:`TOLERANCE_M` of
that country's outline (Natural Earth admin-0, German point of view, as in
``mapping/data/packs/world.geojson``), which catches swapped coordinates and
wrong country codes. The tolerance keeps ports, coastal villages and small
islands that the simplified outline leaves in the sea. Distances are metres in
an azimuthal equidistant projection centred on the point, never degrees.

>>> outside_country((36.0, 33.0), "SY") is None                     # near Quneitra: inside
True
>>> round(outside_country((33.0, 36.0), "SY") / 1000)               # swapped: on the coast of Turkey
251
>>> outside_country((0.0, 0.0), "XQ") is None                       # no outline for this code: not checked
True
"""

from __future__ import annotations

import math
import threading
from functools import lru_cache

from ..datafiles import package_json

__all__ = ["TOLERANCE_M", "outside_country", "country_name", "country_problem"]

#: How far outside its country's outline a record may lie.
TOLERANCE_M = 25_000.0

_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _outlines() -> dict[str, tuple[str, object]]:
    """ISO code -> (name, prepared outline), every part of a country (AU, FR, ...) united."""
    import shapely
    from shapely.geometry import shape

    with _LOCK:
        data = package_json("packs", "world.geojson")
        parts: dict[str, list] = {}
        names: dict[str, str] = {}
        for f in data["features"]:
            props = f["properties"]
            code = props.get("country") or props.get("sovereign")
            if props.get("kind") == "country" and code:
                parts.setdefault(code, []).append(shape(f["geometry"]))
                names.setdefault(code, props["name"])
        outlines = {}
        for code, geoms in parts.items():
            outline = shapely.union_all(geoms) if len(geoms) > 1 else geoms[0]
            shapely.prepare(outline)
            outlines[code] = (names[code], outline)
        return outlines


def country_name(code: str) -> str | None:
    """The world pack's name for an ISO code (``'SY'`` -> ``'Syria'``), or None."""
    entry = _outlines().get(code)
    return entry[0] if entry else None


def outside_country(point: tuple[float, float], code: str, tolerance_m: float = TOLERANCE_M) -> float | None:
    """Metres between ``point`` (lon, lat) and country ``code``'s outline when farther than
    ``tolerance_m``; None when it is close enough, or when there is no outline to check.
    """
    from shapely.geometry import Point, box

    entry = _outlines().get(code)
    if entry is None:
        return None
    outline = entry[1]
    lon, lat = point
    if outline.covers(Point(lon, lat)):
        return None
    # The outline near the point (a window a little wider than the tolerance), in metres around the point.
    half_lat = 1.5 * tolerance_m / 111_000.0
    half_lon = min(180.0, half_lat / max(math.cos(math.radians(lat)), 0.01))
    near = outline.intersection(box(lon - half_lon, max(-90.0, lat - half_lat), lon + half_lon, min(90.0, lat + half_lat)))
    if near.is_empty:
        return _far_distance(outline, lon, lat)
    from ..resolution.qualify import _local_crs, transform

    forward, _ = _local_crs(round(lon, 6), round(lat, 6))
    metres = transform(forward.transform, near).distance(Point(0.0, 0.0))
    return metres if metres > tolerance_m else None


def _far_distance(outline, lon: float, lat: float) -> float:
    """Geodesic metres to the outline's nearest point (found in lon/lat): only said in messages."""
    from pyproj import Geod
    from shapely.geometry import Point
    from shapely.ops import nearest_points

    nearest = nearest_points(outline, Point(lon, lat))[0]
    return Geod(ellps="WGS84").inv(lon, lat, nearest.x, nearest.y)[2]


def country_problem(geometry, code: str, tolerance_m: float = TOLERANCE_M) -> str | None:
    """Why ``geometry`` (shapely, lon/lat) cannot be a place in country ``code``, or None.

    A point (each point of a MultiPoint) must lie within :data:`TOLERANCE_M`
    of the outline; a line or polygon must come that close with its nearest
    point. When swapping longitude and latitude would fit, the message says so.

    >>> from shapely.geometry import Point
    >>> country_problem(Point(33.0, 36.0), "SY")
    '(33.0, 36.0) is 251 km outside SY (Syria), farther than the 25 km allowed; the coordinates look swapped: [36.0, 33.0] is in SY; GeoJSON puts the longitude first'
    """
    import shapely
    from shapely.ops import nearest_points

    entry = _outlines().get(code)
    if entry is None:
        return None
    name, outline = entry
    if geometry.geom_type in ("Point", "MultiPoint"):
        points = [(p.x, p.y) for p in getattr(geometry, "geoms", [geometry])]
        label = "({}, {})" if len(points) == 1 else "point {i} ({}, {})"
    else:
        nearest = nearest_points(geometry, outline)[0]
        points = [(nearest.x, nearest.y)]
        label = "the geometry (its nearest point ({}, {}))"
    for i, (x, y) in enumerate(points):
        metres = outside_country((x, y), code, tolerance_m)
        if metres is None:
            continue
        where = label.format(_num(x), _num(y), i=i)
        message = (f"{where} is {metres / 1000:.0f} km outside {code} ({name}), farther than the "
                   f"{tolerance_m / 1000:.0f} km allowed")
        swapped = shapely.transform(geometry, lambda xy: xy[:, ::-1])
        minx, miny, maxx, maxy = swapped.bounds
        if -90 <= miny <= maxy <= 90 and _within(swapped, code, tolerance_m):
            shown = f"[{_num(swapped.x)}, {_num(swapped.y)}]" if swapped.geom_type == "Point" else "the swapped geometry"
            return f"{message}; the coordinates look swapped: {shown} is in {code}; GeoJSON puts the longitude first"
        return f"{message}; check the coordinates (longitude first) or the country code"
    return None


def _num(value: float) -> str:
    return repr(round(float(value), 6))


def _within(geometry, code: str, tolerance_m: float = TOLERANCE_M) -> bool:
    """Whether every point (or the nearest point) of ``geometry`` is within the tolerance of ``code``."""
    from shapely.ops import nearest_points

    if geometry.geom_type in ("Point", "MultiPoint"):
        points = [(p.x, p.y) for p in getattr(geometry, "geoms", [geometry])]
    else:
        nearest = nearest_points(geometry, _outlines()[code][1])[0]
        points = [(nearest.x, nearest.y)]
    return all(outside_country(xy, code, tolerance_m) is None for xy in points)
