"""Build mapping/data/neighbours.json: which countries share a land boundary (or nearly do).

Source: the country outlines of the bundled world pack (Natural Earth 1:10m admin-0,
public domain; ``mapping/data/packs/world.geojson``), read through
:mod:`mapping.gazetteer.outlines`. Two countries are neighbours when their outlines come within
:data:`GAP_KM` of each other, which absorbs the slivers that simplified outlines leave
along shared boundaries, without joining countries across a sea.

Used at run time by :mod:`mapping.resolution.resolve`: a demonym names an actor whose events
often happen next door ("Israeli strikes" on Lebanon, "Russian drones" over
Ukraine), so the report's context leans a little towards its neighbours.

Build: ``python data/build_neighbours.py`` (a few seconds; no network).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: Outlines closer than this are neighbours.
GAP_KM = 5.0


def main() -> None:
    import shapely
    from shapely.strtree import STRtree

    from mapping.gazetteer.outlines import _outlines

    outlines = _outlines()
    codes = sorted(outlines)
    geoms = [outlines[c][1] for c in codes]
    tree = STRtree(geoms)
    gap_deg = GAP_KM / 111.0 * 2  # a generous window for the index; the distance test below is in km
    neighbours: dict[str, list[str]] = {c: [] for c in codes}
    for i, code in enumerate(codes):
        for j in tree.query(geoms[i].buffer(gap_deg, quad_segs=2)):
            other = codes[j]
            if other == code:
                continue
            # A degree is at most 111 km: a distance in degrees times 111 over-states the gap in km
            # (east-west away from the equator), so no true neighbour is missed at this threshold.
            if shapely.distance(geoms[i], geoms[j]) * 111.0 <= GAP_KM:
                neighbours[code].append(other)
    data = {"about": "Countries whose Natural Earth 1:10m outlines (the world pack) come within "
                     f"{GAP_KM:g} km of each other; built by data/build_neighbours.py.",
            "neighbours": {c: sorted(n) for c, n in neighbours.items() if n}}
    out = ROOT / "mapping" / "data" / "neighbours.json"
    out.write_text(json.dumps(data, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(data['neighbours'])} countries with neighbours -> {out}")


if __name__ == "__main__":
    main()
