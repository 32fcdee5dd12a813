"""How much of the geoparsing error is first-level regions (states, provinces, oblasts)?

Usage:
    python benchmarks/admin1_errors.py CORPUS.jsonl PREDICTIONS.jsonl [PREDICTIONS2.jsonl ...]

Predictions are what ``situation-map eval --predictions`` writes. A gold toponym counts as a
first-level region when its words are the name of one in the world store (mapping/data/world)
and its gold point lies within 400 km of that region's point. An error is a gold toponym not
recognised, or recognised but not located within 161 km. Prints, per predictions file, the
errors on first-level regions and their share of all errors.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _km(lat1, lon1, lat2, lon2):
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 12742 * math.asin(min(1.0, math.sqrt(h)))


def main(corpus, *predictions) -> int:
    from mapping.gazetteer.names import name_key
    from mapping.gazetteer.world import world_index

    store = world_index()

    def is_region(t) -> bool:
        for row in store.lookup_key(name_key(t["text"])):
            if store.kind[row] == "admin_area" and store.level[row] == 1 \
                    and _km(t["lat"], t["lon"], store.lat[row], store.lon[row]) < 400:
                return True
        return False

    with open(corpus, encoding="utf-8") as fh:  # JSON Lines: one document per "\n" (not str.splitlines)
        docs = {d["id"]: d for d in (json.loads(line) for line in fh if line.strip())}
    regions = {(i, t["start"]) for i, d in docs.items() for t in d["toponyms"] if is_region(t)}
    print(f"{corpus}: {sum(len(d['toponyms']) for d in docs.values())} gold toponyms, {len(regions)} first-level regions")
    for path in predictions:
        errors = region_errors = 0
        for line in open(path, encoding="utf-8"):
            p = json.loads(line)
            gold = docs[p["id"]]["toponyms"]
            for t in gold:
                match = next((q for q in p["places"] if q["start"] < t["end"] and t["start"] < q["end"]), None)
                wrong = match is None or match.get("lat") is None or _km(t["lat"], t["lon"], match["lat"], match["lon"]) > 161
                if wrong:
                    errors += 1
                    region_errors += (p["id"], t["start"]) in regions
        print(f"  {path}: {errors} errors, {region_errors} on first-level regions ({region_errors / max(errors, 1):.1%} of "
              f"errors; {region_errors / max(len(regions), 1):.1%} of the regions wrong)")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
