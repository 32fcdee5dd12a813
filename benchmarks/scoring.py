"""Scoring shared by every system in the geoparsing benchmark.

A system's output for one document is a list of predictions
``(start, end, (lon, lat))``: the mentions it recognised *and located* (as
``mapping.evaluate.predict`` does for situation-map, a mention left without
coordinates is not a prediction). Gold toponyms are the corpus records
``{"start", "end", "lat", "lon", ...}``.

Recognition
    *exact*: a prediction counts when its span equals a gold span.
    *overlap*: each prediction, in order, is paired with the first unpaired
    gold span it shares a character with.
Resolution
    ``acc@161``: over the overlap-paired gold toponyms, the share located
    within 161 km (100 miles) of the gold point; ``acc@161 e2e`` divides the
    same hits by all gold toponyms.

:func:`new_score` uses ``mapping.evaluate`` (the ``eval`` command's scorer)
when the package has it, so the benchmark and ``situation-map eval`` agree;
:class:`Score` below is the self-contained fallback with the same rules.

Examples
--------
>>> s = Score()
>>> s.add([{"start": 0, "end": 5, "lat": 48.85, "lon": 2.35}], [(0, 5, (2.35, 48.86)), (10, 12, (0.0, 0.0))])
>>> round(s.f1("exact"), 3), s.acc161(), s.acc161_e2e()
(0.667, 1.0, 1.0)
"""

from __future__ import annotations

import math
import statistics

__all__ = ["Score", "LeadScore", "new_score", "km"]

KM_161 = 161.0


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km between two (lon, lat) points (haversine, 6371 km radius)."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 12742.0 * math.asin(min(1.0, math.sqrt(h)))


class _Rates:
    def f1(self, mode: str = "exact") -> float:
        p, r = self.precision(mode), self.recall(mode)
        return 2 * p * r / (p + r) if p + r else 0.0


class Score(_Rates):
    """Running totals over a corpus (self-contained scorer)."""

    name = "benchmarks/scoring.py"

    def __init__(self):
        self.gold = self.predicted = self.exact = self.paired = 0
        self.errors_km: list[float] = []

    def add(self, gold: list[dict], predictions: list[tuple[int, int, tuple[float, float]]]) -> None:
        self.gold += len(gold)
        self.predicted += len(predictions)
        spans = {(g["start"], g["end"]) for g in gold}
        self.exact += sum((p[0], p[1]) in spans for p in predictions)
        unpaired = list(gold)
        for start, end, lonlat in predictions:
            match = next((g for g in unpaired if g["start"] < end and start < g["end"]), None)
            if match is None:
                continue
            unpaired.remove(match)
            self.paired += 1
            if match.get("lat") is not None and match.get("lon") is not None:
                self.errors_km.append(km(lonlat, (float(match["lon"]), float(match["lat"]))))

    def precision(self, mode: str = "exact") -> float:
        hits = self.exact if mode == "exact" else self.paired
        return hits / self.predicted if self.predicted else 0.0

    def recall(self, mode: str = "exact") -> float:
        hits = self.exact if mode == "exact" else self.paired
        return hits / self.gold if self.gold else 0.0

    def acc161(self) -> float:
        return sum(e <= KM_161 for e in self.errors_km) / len(self.errors_km) if self.errors_km else 0.0

    def acc161_e2e(self) -> float:
        return sum(e <= KM_161 for e in self.errors_km) / self.gold if self.gold else 0.0

    def median_km(self) -> float | None:
        return statistics.median(self.errors_km) if self.errors_km else None


class LeadScore(_Rates):
    """The same interface over ``mapping.evaluate.Scores`` and ``score_document``."""

    name = "mapping.evaluate"

    def __init__(self):
        from mapping.evaluate import Scores, score_document

        self._scores = Scores()
        self._score_document = score_document

    def add(self, gold, predictions) -> None:
        self._score_document(gold, [{"start": s, "end": e, "lon": ll[0], "lat": ll[1]} for s, e, ll in predictions],
                             self._scores)

    @property
    def gold(self):
        return self._scores.gold

    @property
    def predicted(self):
        return self._scores.predicted

    @property
    def paired(self):
        return self._scores.overlap_hits

    def _rate(self, what: str, mode: str) -> float:
        return self._scores.rates()[f"{what}_{mode}"]

    def precision(self, mode: str = "exact") -> float:
        return self._rate("precision", mode)

    def recall(self, mode: str = "exact") -> float:
        return self._rate("recall", mode)

    def acc161(self) -> float:
        return self._scores.rates()["acc161"]

    def acc161_e2e(self) -> float:
        errors = self._scores.errors_km
        return sum(e <= KM_161 for e in errors) / self.gold if self.gold else 0.0

    def median_km(self) -> float | None:
        errors = self._scores.errors_km
        return statistics.median(errors) if errors else None


def new_score():
    """A scorer: ``mapping.evaluate``'s when it is there and works, else :class:`Score`."""
    try:
        score = LeadScore()
        score.add([{"start": 0, "end": 1, "lat": 0.0, "lon": 0.0}], [(0, 1, (0.0, 0.0))])
        if score.f1("exact") == 1.0 and score.acc161() == 1.0:
            return LeadScore()
    except Exception:  # absent or changed: the self-contained scorer applies the same rules
        pass
    return Score()
