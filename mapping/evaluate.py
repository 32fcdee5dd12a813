"""Measure geoparsing on a corpus with gold place spans and coordinates.

A corpus is JSON Lines, one document per line:
``{"id", "text", "toponyms": [{"start", "end", "text", "lat", "lon", ...}]}``
(the format of the LGL and GeoVirus corpora). Recognition is scored with exact
and with overlapping spans; resolution by the distance between the predicted and
the gold coordinates of matched mentions (accuracy within 161 km, median and
mean error). Only the geoparsing stages run (recognition and resolution).
"""

from __future__ import annotations

import json
import math
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import MappingError

__all__ = ["Scores", "evaluate", "predict", "score_document", "read_corpus"]


@dataclass
class Scores:
    """Counts accumulated over documents; properties give the rates."""

    documents: int = 0
    characters: int = 0
    gold: int = 0
    predicted: int = 0
    exact_hits: int = 0
    overlap_hits: int = 0
    errors_km: list = field(default_factory=list)
    seconds: float = 0.0

    @staticmethod
    def _f1(p, r):
        return 2 * p * r / (p + r) if p + r else 0.0

    def rates(self) -> dict:
        p_exact = self.exact_hits / self.predicted if self.predicted else 0.0
        r_exact = self.exact_hits / self.gold if self.gold else 0.0
        p_over = self.overlap_hits / self.predicted if self.predicted else 0.0
        r_over = self.overlap_hits / self.gold if self.gold else 0.0
        errors = self.errors_km
        return {
            "documents": self.documents, "gold": self.gold, "predicted": self.predicted,
            "precision_exact": p_exact, "recall_exact": r_exact, "f1_exact": self._f1(p_exact, r_exact),
            "precision_overlap": p_over, "recall_overlap": r_over, "f1_overlap": self._f1(p_over, r_over),
            "acc161": sum(e <= 161 for e in errors) / len(errors) if errors else 0.0,
            "median_km": statistics.median(errors) if errors else 0.0,
            "mean_km": statistics.fmean(errors) if errors else 0.0,
            "docs_per_s": self.documents / self.seconds if self.seconds else 0.0,
            "mb_per_s": self.characters / 1e6 / self.seconds if self.seconds else 0.0,
        }


def _km(lat1, lon1, lat2, lon2) -> float:
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 12742.0 * math.asin(min(1.0, math.sqrt(h)))


def read_corpus(path):
    """Yield the documents of a JSON Lines corpus; errors name the line."""
    path = Path(path)
    if not path.is_file():
        raise MappingError(f"corpus {str(path)!r} does not exist")
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
                doc["text"], doc.setdefault("toponyms", [])
            except (json.JSONDecodeError, KeyError, TypeError) as err:
                raise MappingError(f"{path}: line {number}: expected a JSON object with 'text' and 'toponyms': {err}") from err
            yield doc


def predict(text: str, gazetteer, *, demonyms: bool = False) -> list[dict]:
    """Places found in ``text``: ``{start, end, text, lat, lon}`` at each place's representative point.

    Metonymic uses ("Moscow is keen") count as place names here, as toponym
    corpora annotate them. ``demonyms=True`` also counts "Russian" or
    "Sudanese" as naming the country (LGL's guidelines do, GeoVirus's do not).
    """
    from .actors import actors
    from .extract import extract
    from .report import Report
    from .resolve import resolve

    report = Report(text)
    extraction = extract(report, gazetteer, metonymy_as_places=True)
    places = []
    for r in resolve(extraction, gazetteer, derive=False):
        if r.resolved and r.mention.cue != "border":  # "the border area" is mapped, but it is no place name
            lon, lat = r.place.point
            places.append({"start": r.mention.start, "end": r.mention.end, "text": r.mention.text,
                           "lat": round(lat, 5), "lon": round(lon, 5)})
    if demonyms:
        taken = [(p["start"], p["end"]) for p in places]
        countries = {p.country: p for p in gazetteer if p.kind == "country" and p.country}
        for a in extraction.actor_mentions:
            country = countries.get(actors()[a.actor].country) if a.role == "demonym" else None
            if country and not any(s < a.end and a.start < e for s, e in taken):
                lon, lat = country.point
                places.append({"start": a.start, "end": a.end, "text": a.text, "lat": round(lat, 5), "lon": round(lon, 5)})
        places.sort(key=lambda p: p["start"])
    return places


def score_document(gold: list[dict], predicted: list[dict], scores: Scores) -> None:
    scores.gold += len(gold)
    scores.predicted += len(predicted)
    gold_spans = {(g["start"], g["end"]) for g in gold}
    scores.exact_hits += sum((p["start"], p["end"]) in gold_spans for p in predicted)
    unmatched = list(gold)
    for p in predicted:
        match = next((g for g in unmatched if g["start"] < p["end"] and p["start"] < g["end"]), None)
        if match is None:
            continue
        unmatched.remove(match)
        scores.overlap_hits += 1
        if match.get("lat") is not None and match.get("lon") is not None:
            scores.errors_km.append(_km(float(match["lat"]), float(match["lon"]), p["lat"], p["lon"]))


def evaluate(corpus, gazetteer=None, predictions=None, progress=None, *, demonyms: bool = False) -> Scores:
    """Run the geoparser over ``corpus`` and score it; optionally write predictions (JSON Lines)."""
    from .gazetteer import default_gazetteer

    gazetteer = gazetteer or default_gazetteer()
    gazetteer.index  # noqa: B018  build the index before timing
    scores = Scores()
    out = open(predictions, "w", encoding="utf-8") if predictions else None
    try:
        for doc in read_corpus(corpus):
            started = time.perf_counter()
            places = predict(doc["text"], gazetteer, demonyms=demonyms)
            scores.seconds += time.perf_counter() - started
            scores.documents += 1
            scores.characters += len(doc["text"])
            score_document(doc["toponyms"], places, scores)
            if out:
                out.write(json.dumps({"id": doc.get("id"), "places": places}, ensure_ascii=False) + "\n")
            if progress:
                progress(scores.documents)
    finally:
        if out:
            out.close()
    return scores
