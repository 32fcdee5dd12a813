#!/usr/bin/env python3
"""Build mapping/data/packs/regions.geojson: composite regions as unions of countries and first-level regions.

Usage:
    python data/build_regions.py [--out DIR]

Input: data/sources/composite_regions.json (each region's members as ISO 3166-1 alpha-2 country
codes and ISO 3166-2 subdivision codes, with the source that defines it that way). Geometry: the
countries of the bundled world pack (mapping/data/packs/world.geojson) and the first-level regions
of the world store (mapping/data/world, built by data/build_world.py), unioned in degrees (a union
needs no metric work) and simplified. Every record is approximate (the members' own generalisation
applies), says its members and source, and carries a population: the sum of its members'.

The Middle East is built here too, from its definition in the same file, and replaces the world
pack's record of the same id (a later pack's record wins).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import shapely
from shapely.geometry import shape

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import build_packs as packs  # noqa: E402  (finishing helpers and the pack writer)
from mapping.gazetteer.world import read_store  # noqa: E402

SOURCE_FILE = HERE / "sources" / "composite_regions.json"
DEFAULT_OUT = ROOT / "mapping" / "data" / "packs"
TOLERANCE = 0.01


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    definitions = json.loads(SOURCE_FILE.read_text(encoding="utf-8"))
    world = json.loads((ROOT / "mapping" / "data" / "packs" / "world.geojson").read_text(encoding="utf-8"))
    countries = {f["properties"]["country"]: f for f in world["features"]
                 if f["properties"]["kind"] == "country" and f["properties"].get("country")}
    store = read_store(ROOT / "mapping" / "data" / "world")
    regions = {}
    for row in range(len(store)):
        if store.kind[row] == "admin_area" and store.level[row] == 1 and store.code[row] and store.has_area(row):
            regions[store.code[row]] = row
    features, failures = [], []
    for d in definitions["regions"]:
        parts, population, names = [], 0, []
        for cc in d["members"].get("countries", []):
            if cc not in countries:
                failures.append(f"{d['id']}: no country {cc!r} in the world pack")
                continue
            parts.append(shape(countries[cc]["geometry"]))
            population += countries[cc]["properties"].get("population") or 0
            names.append(cc)
        for code in d["members"].get("subdivisions", []):
            row = regions.get(code)
            if row is None:
                failures.append(f"{d['id']}: no first-level region {code!r} with a polygon in the world store")
                continue
            parts.append(store.area(row))
            population += store.population[row]
            names.append(code)
        if not parts:
            continue
        geom = packs.finish(shapely.make_valid(shapely.union_all(parts).buffer(0)), TOLERANCE, packs.MIN_PART_COUNTRY)
        member_countries = sorted({n.split("-")[0] for n in names})
        label = geom.representative_point()
        features.append(packs.feature(
            d["id"], geom, name=d["name"], aliases=d.get("aliases", []), kind="region",
            country=member_countries[0] if len(member_countries) == 1 else None, population=population or None,
            precision_m=max(int(d.get("precision_m", 5000)), round(TOLERANCE * packs.DEG_M)), approximate=True,
            source=f"derived: union of {', '.join(names)} ({'Natural Earth countries' if d['members'].get('countries') else ''}"
                   f"{' and ' if d['members'].get('countries') and d['members'].get('subdivisions') else ''}"
                   f"{'first-level regions of the world store' if d['members'].get('subdivisions') else ''}), "
                   f"simplified {TOLERANCE} deg; definition: {d['source']}",
            countries=member_countries, label=[round(label.x, 5), round(label.y, 5)],
            **({"note": d["note"]} if d.get("note") else {})))
    out = packs.write_checked_pack(args.out, "regions", "Composite regions: unions of countries and first-level regions, "
                                   "each with the source of its definition.",
                                   "derived from Natural Earth (public domain) and GeoNames (CC BY 4.0)", features, failures)
    if out is None:
        return 1
    print(f"{len(features)} regions -> {out} ({out.stat().st_size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
