"""Measure geoparsing on a corpus with gold place spans and coordinates.

A corpus is JSON Lines, one document per line:
``{"id", "text", "toponyms": [{"start", "end", "text", "lat", "lon", ...}]}``
(the format of the LGL and GeoVirus corpora). Only the geoparsing stages run
(recognition and resolution).

Two views of what counts as a place name (``uses``):

- ``literal`` (the default): names used for the place itself, and for its
  government ("Moscow said": metonymic uses, which toponym corpora annotate);
- ``all``: every use, as LGL annotates: also names inside longer names
  ("Paris Police Department", "Texas Department of Health") and demonyms
  ("Russian troops" names Russia). GeoVirus annotates only the literal view.

Recognition is scored with exact and with overlapping spans over every
recognised place name, located or not. Resolution is scored on the recognised
names that overlap a gold toponym: accuracy within 161 km of the gold point
(``acc161``: among those given coordinates; ``acc161_all``: counting a name left
unresolved as a miss), median and mean error in km, and the share located.

Errors are also counted by what the gold place is (``error_kinds``): a
first-level region (``admin1``), a country, another place the gazetteer holds
(``local``), or a place it does not hold (``missing``). An error is a gold
toponym not recognised, recognised but left unresolved, or located more than
161 km away. ``situation-map eval --by-kind`` prints the shares; it can score
predictions written earlier (``--from-predictions``), by another version or
another tool, in the same way.

*Possible* places (role ``"possible"``: a name no gazetteer knows, in a place
context, which the toponym classifier doubts) are flagged for a reader, not
claimed: they are left out of P/R/F1 and counted apart (``possible``, and
``possible_precision``: the share of them that overlap a gold toponym).
"""

from __future__ import annotations

import json
import math
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import MappingError

__all__ = ["Scores", "evaluate", "predict", "score_document", "read_corpus", "USES", "reliability", "GoldKinds",
           "ERROR_KINDS"]

#: The views of what counts as a place name (see the module docstring).
USES = ("literal", "all")
#: What a gold place can be, for the errors-by-kind count (see the module docstring).
ERROR_KINDS = ("admin1", "country", "local", "missing")


class GoldKinds:
    """What a gold toponym is in a gazetteer: one of :data:`ERROR_KINDS`.

    By its GeoNames id when the corpus gives one (LGL); otherwise (GeoVirus) the gazetteer's
    record of that name whose extent holds the gold point, the smallest when several do (a city
    inside its namesake state), or one within 161 km of it.
    """

    def __init__(self, gazetteer):
        self._gazetteer = gazetteer
        # Pack records (countries, curated places) carry their GeoNames id beside their own id.
        self._packs = {p.geonameid: p for p in gazetteer if p.geonameid}

    def __call__(self, toponym: dict) -> str:
        place = self._by_id(toponym.get("geonameid")) or self._by_name(toponym)
        if place is None:
            return "missing"
        if place.kind == "country":
            return "country"
        return "admin1" if place.admin_level == 1 else "local"

    def _by_id(self, geonameid):
        try:
            geonameid = int(geonameid)
        except (TypeError, ValueError):
            return None
        return self._packs.get(geonameid) or self._gazetteer.get(f"gn:{geonameid}")

    def _by_name(self, toponym):
        from .gazetteer.names import name_key

        try:
            lat, lon = float(toponym["lat"]), float(toponym["lon"])
        except (KeyError, TypeError, ValueError):
            return None
        holding, near = [], []
        for place_id in self._gazetteer.candidates(name_key(toponym.get("text", ""))):
            place = self._gazetteer[place_id]
            west, south, east, north = place.bounds
            if west - 0.1 <= lon <= east + 0.1 and south - 0.1 <= lat <= north + 0.1:
                holding.append(((east - west) * (north - south), place_id, place))
            elif _km(lat, lon, place.point[1], place.point[0]) <= 161:
                near.append(place)
        if holding:
            return min(holding, key=lambda t: t[:2])[2]
        return near[0] if near else None


@dataclass
class Scores:
    """Counts accumulated over documents; :meth:`rates` gives the figures."""

    documents: int = 0
    characters: int = 0
    gold: int = 0
    predicted: int = 0
    exact_hits: int = 0
    overlap_hits: int = 0
    matched_unlocated: int = 0
    errors_km: list = field(default_factory=list)
    seconds: float = 0.0
    #: (confidence, right) for every located prediction: right = overlaps a gold toponym within 161 km.
    confidences: list = field(default_factory=list)
    possible: int = 0
    possible_hits: int = 0
    #: Errors (missed, unlocated, or > 161 km) by what the gold place is (:data:`ERROR_KINDS`).
    error_kinds: dict = field(default_factory=dict)

    @staticmethod
    def _f1(p, r):
        return 2 * p * r / (p + r) if p + r else 0.0

    def rates(self) -> dict:
        p_exact = self.exact_hits / self.predicted if self.predicted else 0.0
        r_exact = self.exact_hits / self.gold if self.gold else 0.0
        p_over = self.overlap_hits / self.predicted if self.predicted else 0.0
        r_over = self.overlap_hits / self.gold if self.gold else 0.0
        errors = self.errors_km
        located = len(errors) + self.matched_unlocated
        return {
            "documents": self.documents, "gold": self.gold, "predicted": self.predicted,
            "precision_exact": p_exact, "recall_exact": r_exact, "f1_exact": self._f1(p_exact, r_exact),
            "precision_overlap": p_over, "recall_overlap": r_over, "f1_overlap": self._f1(p_over, r_over),
            "acc161": sum(e <= 161 for e in errors) / len(errors) if errors else 0.0,
            "acc161_all": sum(e <= 161 for e in errors) / located if located else 0.0,
            "located": len(errors) / located if located else 0.0,
            "median_km": statistics.median(errors) if errors else 0.0,
            "mean_km": statistics.fmean(errors) if errors else 0.0,
            "docs_per_s": self.documents / self.seconds if self.seconds else 0.0,
            "mb_per_s": self.characters / 1e6 / self.seconds if self.seconds else 0.0,
            "possible": self.possible,
            "possible_precision": self.possible_hits / self.possible if self.possible else 0.0,
            "errors": sum(self.error_kinds.values()),
            "error_kinds": {k: self.error_kinds.get(k, 0) for k in ERROR_KINDS},
        }

    def add(self, other: "Scores") -> None:
        for name in ("documents", "characters", "gold", "predicted", "exact_hits", "overlap_hits", "matched_unlocated",
                     "possible", "possible_hits"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors_km += other.errors_km
        self.confidences += other.confidences
        for kind, n in other.error_kinds.items():
            self.error_kinds[kind] = self.error_kinds.get(kind, 0) + n
        self.seconds += other.seconds


def _km(lat1, lon1, lat2, lon2) -> float:
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 12742.0 * math.asin(min(1.0, math.sqrt(h)))


def _json_lines(path, what: str, expected: str, read):
    """Yield ``read(record)`` for each JSON line of ``path``; a missing file or a bad line is one
    :class:`MappingError` naming the file, the line and what was ``expected``."""
    path = Path(path)
    if not path.is_file():
        raise MappingError(f"{what} {str(path)!r} does not exist")
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield read(json.loads(line))
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
                raise MappingError(f"{path}: line {number}: expected {expected}: {err}") from err


def read_corpus(path):
    """Yield the documents of a JSON Lines corpus; errors name the line."""
    def document(doc):
        doc["text"], doc.setdefault("toponyms", [])
        return doc

    yield from _json_lines(path, "corpus", "a JSON object with 'text' and 'toponyms'", document)


def predict(text: str, gazetteer, *, uses: str = "literal", toponym_model=None, ranker_model=None,
            extraction=None) -> list[dict]:
    """Place names in ``text``: ``{start, end, text, role, lat, lon, confidence}`` (``lat``/``lon`` None when
    unresolved), in the view ``uses`` (see the module docstring)."""
    from .language.extract import extract
    from .language.report import Report
    from .resolution.resolve import resolve

    if uses not in USES:
        raise MappingError(f"unknown uses={uses!r}: expected one of {', '.join(USES)}")
    if extraction is None:
        extraction = extract(Report(text), gazetteer, metonymy_as_places=True, model=toponym_model)
    places = []
    for r in resolve(extraction, gazetteer, derive=False, model=ranker_model, associative=True):
        m = r.mention
        if m.cue == "border" or (uses == "literal" and m.role in ("associative", "demonym")):
            continue  # "the border area" is mapped, but it is no place name
        if m.role == "metonymic" and any(p["start"] == m.start for p in places):
            continue
        point = r.place.point if r.resolved else None
        places.append({"start": m.start, "end": m.end, "text": m.text, "role": m.role,
                       "lat": round(point[1], 5) if point else None, "lon": round(point[0], 5) if point else None,
                       "confidence": r.confidence})
    places.sort(key=lambda p: p["start"])
    return places


def score_document(gold: list[dict], predicted: list[dict], scores: Scores, gold_kind=None) -> None:
    """Add one document's counts to ``scores``; ``gold_kind`` (a :class:`GoldKinds`) also counts errors by kind."""

    def error(toponym):
        if gold_kind is not None:
            kind = gold_kind(toponym)
            scores.error_kinds[kind] = scores.error_kinds.get(kind, 0) + 1

    possible = [p for p in predicted if p.get("role") == "possible"]
    scores.possible += len(possible)
    scores.possible_hits += sum(any(g["start"] < p["end"] and p["start"] < g["end"] for g in gold) for p in possible)
    predicted = [p for p in predicted if p.get("role") != "possible"]
    scores.gold += len(gold)
    scores.predicted += len(predicted)
    gold_spans = {(g["start"], g["end"]) for g in gold}
    scores.exact_hits += sum((p["start"], p["end"]) in gold_spans for p in predicted)
    unmatched = list(gold)
    for p in predicted:
        match = next((g for g in unmatched if g["start"] < p["end"] and p["start"] < g["end"]), None)
        if match is None:
            if p.get("lat") is not None:
                scores.confidences.append((p.get("confidence", 0.0), False))
            continue
        unmatched.remove(match)
        scores.overlap_hits += 1
        if match.get("lat") is None or match.get("lon") is None:
            continue
        if p.get("lat") is None:
            scores.matched_unlocated += 1
            error(match)
            continue
        km = _km(float(match["lat"]), float(match["lon"]), p["lat"], p["lon"])
        scores.errors_km.append(km)
        scores.confidences.append((p.get("confidence", 0.0), km <= 161))
        if km > 161:
            error(match)
    for toponym in unmatched:
        error(toponym)


def evaluate(corpus, gazetteer=None, predictions=None, progress=None, *, uses: str = "literal",
             from_predictions=None) -> Scores:
    """Run the geoparser over ``corpus`` and score it; optionally write predictions (JSON Lines).

    With ``from_predictions`` (a JSON Lines file of ``{id, places}``, as ``predictions`` writes), those
    places are scored instead of running the geoparser: another version's or another tool's output.
    """
    from .gazetteer.places import default_gazetteer

    gazetteer = gazetteer or default_gazetteer()
    gazetteer.index  # noqa: B018  build the index before timing
    gold_kind = GoldKinds(gazetteer)
    given = _read_predictions(from_predictions) if from_predictions else None
    scores = Scores()
    out = open(predictions, "w", encoding="utf-8") if predictions else None
    try:
        for doc in read_corpus(corpus):
            started = time.perf_counter()
            if given is None:
                places = predict(doc["text"], gazetteer, uses=uses)
            elif str(doc.get("id")) in given:
                places = given[str(doc.get("id"))]
            else:
                raise MappingError(f"{from_predictions}: no predictions for document {doc.get('id')!r} of {corpus}")
            scores.seconds += time.perf_counter() - started
            scores.documents += 1
            scores.characters += len(doc["text"])
            score_document(doc["toponyms"], places, scores, gold_kind)
            if out:
                out.write(json.dumps({"id": doc.get("id"), "places": places}, ensure_ascii=False) + "\n")
            if progress:
                progress(scores.documents)
    finally:
        if out:
            out.close()
    return scores


def _read_predictions(path) -> dict[str, list[dict]]:
    """``{id: places}`` from a predictions file; errors name the line."""
    def places(record):
        return str(record.get("id")), [dict(p, start=int(p["start"]), end=int(p["end"])) for p in record["places"]]

    return dict(_json_lines(path, "predictions file", "a JSON object with 'id' and 'places' [{start, end, lat, lon}]",
                            places))


def reliability(confidences, bands=(0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 1.01)) -> list[dict]:
    """How often located predictions were right, by confidence band (a reliability table)."""
    rows = []
    for lo, hi in zip(bands, bands[1:]):
        inside = [right for c, right in confidences if lo <= c < hi]
        if inside:
            mean = statistics.fmean(c for c, _ in confidences if lo <= c < hi)
            rows.append({"band": f"{lo:.1f}-{min(hi, 1.0):.1f}", "n": len(inside), "mean_confidence": mean,
                         "right": sum(inside) / len(inside)})
    return rows
