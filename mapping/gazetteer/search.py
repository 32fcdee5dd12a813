"""Gazetteer search: candidates for a name, exact and fuzzy, with deterministic order.

Examples
--------
>>> rows = search("Tartous", limit=3)
>>> rows[0]["id"], rows[0]["score"]
('sy-tartus', 100.0)
>>> search("qqqqxxxxzzzz")
[]
"""

from __future__ import annotations

from .places import Gazetteer, default_gazetteer
from .names import name_key

__all__ = ["search"]


def search(name: str, *, limit: int = 10, gazetteer: Gazetteer | None = None, cutoff: float = 80.0) -> list[dict]:
    """Places whose names match ``name``: exact keys score 100, others by rapidfuzz similarity (normalised Levenshtein, 0-100).

    Ties are broken by population (larger first), then curated before world
    records, then id, so the order is the same on every run.
    """
    gazetteer = gazetteer or default_gazetteer()
    key = name_key(name)
    if not key:
        return []
    scores: dict[str, float] = {pid: 100.0 for pid in gazetteer.candidates(key)}
    try:
        from rapidfuzz import fuzz, process
    except ImportError:  # exact matches only
        process = None
    if process is not None:
        keys = list(gazetteer.index)
        if gazetteer.world is not None:
            keys += gazetteer.world.all_keys()
        for other, score, _ in process.extract(key, keys, scorer=fuzz.ratio, limit=limit * 5, score_cutoff=cutoff):
            for pid in gazetteer.candidates(other):
                scores[pid] = max(scores.get(pid, 0.0), round(float(score), 1))
    rows = []
    for pid, score in scores.items():
        place = gazetteer[pid]
        rows.append({
            "score": score, "id": pid, "name": place.name, "kind": place.kind, "country": place.country,
            "population": place.population, "lon": round(place.point[0], 5), "lat": round(place.point[1], 5),
            "source": place.source,
        })
    rows.sort(key=lambda r: (-r["score"], -(r["population"] or 0), not gazetteer.is_curated(r["id"]), r["id"]))
    return rows[:limit]
