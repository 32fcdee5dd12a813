"""The offline basemap: country outlines, first-level boundaries and lakes around a map's view.

Country outlines come from the bundled world pack; first-level administrative
boundary lines and lakes from Natural Earth 1:10m, simplified to about 1 km by
``data/build_basemap.py`` into ``mapping/data/basemap/`` (read lazily, once).
Only what lies around the view is put in a page: in detail near the features,
coarser in a wider ring that is only seen when zooming out.

>>> layers = basemap_layers((35.5, 32.5, 36.5, 33.5))
>>> sorted(layers)
['admin1', 'countries', 'lakes']
>>> any(c["name"] == "Syria" for c in layers["countries"])
True
>>> frame((10, 10, 10, 10))[0].bounds  # a single point still gets a frame around it
(7.0, 7.0, 13.0, 13.0)
"""

from __future__ import annotations

from functools import cache

from ..datafiles import package_json

__all__ = ["basemap_layers", "frame", "admin1_lines", "lakes"]


def frame(bounds) -> tuple:
    """The near and far frames (shapely boxes) around ``bounds`` (west, south, east, north)."""
    from shapely.geometry import box

    minx, miny, maxx, maxy = bounds
    pad_x, pad_y = max(maxx - minx, 2) * 1.5, max(maxy - miny, 2) * 1.5
    near = box(max(minx - pad_x, -180), max(miny - pad_y, -85), min(maxx + pad_x, 180), min(maxy + pad_y, 85))
    far_pad = max(maxx - minx, maxy - miny, 4) * 3
    far = box(max(minx - far_pad, -180), max(miny - far_pad, -85), min(maxx + far_pad, 180), min(maxy + far_pad, 85))
    return near, far


@cache
def _layer(name: str) -> dict:
    return package_json("basemap", name)


def _decode(part: list[int], scale: int) -> list[tuple[float, float]]:
    coords, x, y = [], 0, 0
    for i in range(0, len(part) - 1, 2):
        x += part[i]
        y += part[i + 1]
        coords.append((x / scale, y / scale))
    return coords


def _overlaps(b, window) -> bool:
    w, s, e, n = window
    return not (b[0] > e or b[2] < w or b[1] > n or b[3] < s)


def admin1_lines(window):
    """First-level boundary lines whose bounding box meets ``window`` (a MultiLineString, maybe empty)."""
    from shapely.geometry import LineString, MultiLineString

    data = _layer("admin1_lines.json")
    parts = [LineString(_decode(p, data["scale"])) for r in data["records"] if _overlaps(r["b"], window) for p in r["p"]]
    return MultiLineString([p for p in parts if len(p.coords) >= 2])


def lakes(window) -> list:
    """Lakes whose bounding box meets ``window``, as valid shapely Polygons."""
    from shapely.geometry import Polygon

    data = _layer("lakes.json")
    polygons = []
    for record in data["records"]:
        if _overlaps(record["b"], window):
            for rings in record["p"]:
                polygon = Polygon(_decode(rings[0], data["scale"]), [_decode(r, data["scale"]) for r in rings[1:]])
                polygons.append(polygon if polygon.is_valid else polygon.buffer(0))
    return [g for p in polygons for g in getattr(p, "geoms", [p]) if g.geom_type == "Polygon" and not g.is_empty]


def _coords(geometry, digits: int = 3):
    """GeoJSON-style coordinates of a (Multi)LineString or (Multi)Polygon as nested lists, rounded.

    One list per line or polygon (a polygon: its rings).
    """
    import numpy as np
    import shapely

    def ring(r):
        return np.round(shapely.get_coordinates(r), digits).tolist()
    if geometry.is_empty:
        return []
    out = []
    for part in getattr(geometry, "geoms", [geometry]):
        if part.geom_type == "LineString":
            out.append(ring(part))
        elif part.geom_type == "Polygon":
            out.append([ring(part.exterior)] + [ring(r) for r in part.interiors])
    return out


def basemap_layers(bounds) -> dict:
    """The basemap around ``bounds``: ``countries`` (name and polygon coordinates), ``admin1`` lines, ``lakes``.

    Coordinates are (lon, lat), rounded to 1/1000 degree.
    """
    from shapely.geometry import box
    from shapely.ops import unary_union
    from ..gazetteer.places import default_gazetteer

    near, far = frame(bounds)
    minx, miny, maxx, maxy = bounds
    span = max(maxx - minx, maxy - miny, 0.5)
    # About 400 m near a small view (the coast at Tartous stays on the coast), coarser for a wide one.
    near_tolerance, far_tolerance = max(0.004, span / 800), max(0.06, span / 150)
    countries = []
    for place in default_gazetteer():
        if place.kind != "country" or place.pack != "world":
            continue
        if not _overlaps(place.bounds, far.bounds) or not place.geometry.intersects(far):
            continue
        parts = [_clip(place.geometry, far, far_tolerance, min_area=(far_tolerance * 3) ** 2).difference(near)]
        if place.geometry.intersects(near):
            parts.append(_clip(place.geometry, near, near_tolerance, min_area=near_tolerance ** 2))
        shape = unary_union([p for p in parts if not p.is_empty])
        if not shape.is_empty and shape.geom_type in ("Polygon", "MultiPolygon"):
            countries.append({"name": place.name, "polygons": _coords(shape, 3 if near_tolerance < 0.02 else 2)})
    # Internal boundaries and lakes: only around the view (the wider ring shows countries alone),
    # simplified to about two pixels of the first view: what one sees is kept, the rest costs bytes.
    pad = max(span * 0.6, 1.0)
    window = box(max(minx - pad, -180), max(miny - pad, -85), min(maxx + pad, 180), min(maxy + pad, 85))
    tolerance = max(0.01, span / 400)
    digits = 3 if tolerance < 0.02 else 2
    lines = admin1_lines(window.bounds)
    lines = lines.simplify(tolerance).intersection(window) if tolerance > 0.01 else lines.intersection(window)
    lines = [p for p in getattr(lines, "geoms", [lines]) if p.geom_type == "LineString" and p.length >= tolerance * 2]
    water = [lake.simplify(tolerance, preserve_topology=True).intersection(window)
             for lake in lakes(window.bounds) if lake.area >= (tolerance * 3) ** 2]
    return {"countries": countries,
            "admin1": [c for line in lines for c in _coords(line, digits)],
            "lakes": [c for lake in water for c in _coords(lake, digits)]}


def _clip(geometry, frame_box, tolerance: float, min_area: float = 0.0):
    """``geometry`` simplified to ``tolerance`` degrees inside ``frame_box``, dropping polygons under ``min_area``.

    Simplified before the exact clip, so that pieces clipped to adjacent frames meet on the frame's edge.
    """
    from shapely.geometry import MultiPolygon, Polygon

    if geometry.is_empty:
        return geometry
    piece = geometry.intersection(frame_box.buffer(tolerance * 4, join_style=2))
    piece = piece.simplify(tolerance, preserve_topology=True).intersection(frame_box)
    if min_area:
        polygons = [p for p in getattr(piece, "geoms", [piece]) if p.geom_type == "Polygon" and p.area >= min_area]
        piece = MultiPolygon(polygons) if polygons else Polygon()
    return piece
