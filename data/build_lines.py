#!/usr/bin/env python3
"""Build mapping/data/packs/lines.geojson: ceasefire and demarcation lines along de facto boundaries.

Usage:
    python data/build_lines.py [--out DIR]

Input: data/sources/demarcation_lines.json (each line's two countries, the stretch of their boundary
it covers as a band of latitude, its names and the public reference for each fact) and the countries
of the bundled world pack (mapping/data/packs/world.geojson, Natural Earth 1:10m admin-0, which draws
de facto boundaries). A line is the boundary the two countries' polygons share, merged into as few
parts as it has, cut to its band. Every record is approximate: the world pack's polygons are
simplified to 0.04 degrees, and a ceasefire line departs from a generalised boundary in places.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import shapely
from shapely.geometry import box, shape

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import build_packs as packs  # noqa: E402  (the feature and pack writers)

SOURCE_FILE = HERE / "sources" / "demarcation_lines.json"
WORLD_PACK = ROOT / "mapping" / "data" / "packs" / "world.geojson"
DEFAULT_OUT = ROOT / "mapping" / "data" / "packs"
#: How close two countries' outlines must run to share a boundary (degrees): the world pack's
#: polygons are simplified one by one, so a shared boundary is two lines a little apart.
SHARED_WITHIN = 0.06
#: The world pack's simplification, as a precision in metres.
PRECISION_M = 5000


def shared_boundary(a, b, latitude=None):
    """The boundary line of polygon ``a`` that runs along polygon ``b``, cut to a band of latitude."""
    line = a.boundary.intersection(b.buffer(SHARED_WITHIN))
    if latitude is not None:
        south, north = latitude
        line = line.intersection(box(-180, south, 180, north))
    parts = [g for g in getattr(line, "geoms", [line]) if g.geom_type in ("LineString", "MultiLineString")]
    if not parts:
        return None
    merged = shapely.line_merge(shapely.union_all(parts))
    return merged if not merged.is_empty and merged.length > 0 else None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    definitions = json.loads(SOURCE_FILE.read_text(encoding="utf-8"))
    world = json.loads(WORLD_PACK.read_text(encoding="utf-8"))
    countries = {f["properties"]["country"]: shape(f["geometry"]) for f in world["features"]
                 if f["properties"]["kind"] == "country" and f["properties"].get("country")}
    features, failures = [], []
    for d in definitions["lines"]:
        a, b = d["countries"]
        if a not in countries or b not in countries:
            failures.append(f"{d['id']}: no country {a if a not in countries else b!r} in the world pack")
            continue
        line = shared_boundary(countries[a], countries[b], d.get("latitude"))
        if line is None:
            failures.append(f"{d['id']}: {a} and {b} share no boundary in the world pack"
                            + (f" between {d['latitude'][0]} and {d['latitude'][1]} N" if d.get("latitude") else ""))
            continue
        middle = line.interpolate(0.5, normalized=True)
        band = f" between {d['latitude'][0]} and {d['latitude'][1]} degrees N" if d.get("latitude") else ""
        features.append(packs.feature(
            d["id"], line, name=d["name"], aliases=d["aliases"], kind="line", precision_m=PRECISION_M,
            approximate=True,
            source=f"derived: the {a}-{b} boundary of Natural Earth 1:10m admin-0 (public domain, de facto "
                   f"boundaries; the world pack's polygons){band}; which boundary and where it ends: {d['source']}; "
                   f"approximate",
            countries=[a, b], label=[round(middle.x, 5), round(middle.y, 5)], note=d.get("note")))
    out = packs.write_checked_pack(args.out, "lines", "Ceasefire and demarcation lines along de facto boundaries (Line "
                                   "of Control, Line of Actual Control, Blue Line...), each with the source of its extent.",
                                   "derived from Natural Earth (public domain)", features, failures)
    if out is None:
        return 1
    print(f"{len(features)} lines -> {out} ({out.stat().st_size / 1e3:.0f} KB)")
    for f in features:
        print(f"  {f['id']}: {f['geometry']['type']}, bbox {f['bbox']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
