"""Resolution: choose the place each mention means, and its geometry.

Candidates with the mention's name are scored by what the report says:
a cue word beside the mention ("province", "air base", "village"), the
countries the report is about, nearness to places that are not ambiguous,
and priors (curated packs over the world pack, population). A qualifier
("the countryside of the southern ...") turns the chosen place into a derived
area. Every resolution says how it was decided (``method``) and keeps the
alternatives it weighed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .extract import Extraction, Mention
from .gazetteer import AREA_KINDS, SETTLEMENT_KINDS, Gazetteer, Place
from .names import name_key
from .qualify import Qualifier, derive_geometry, find_qualifier

__all__ = ["Resolution", "resolve"]

_CUE_KINDS = {
    "province": {"admin_area"}, "governorate": {"admin_area"}, "district": {"admin_area"},
    "subdistrict": {"admin_area"}, "region": {"region", "admin_area"}, "countryside": {"admin_area", "region"},
    "city": {"city"}, "town": {"town", "city"}, "village": {"village", "town"},
    "air base": {"airbase"}, "airport": {"airbase"}, "naval base": {"naval_base"},
    "naval facility": {"naval_base"}, "port": {"city", "naval_base"}, "base": {"airbase", "naval_base", "military_site"},
    "camp": {"camp"}, "crossing": {"crossing"},
}
_GEO_PRECISION = {"site": 1, "near": 2, "part": 3, "region": 4}


@dataclass(frozen=True)
class Resolution:
    """A mention and the place chosen for it (``place is None``: unresolved).

    ``geometry`` is the place's, or the derived area's when a qualifier
    applies; ``geo_precision`` is ``site``, ``near``, ``part`` or ``region``.
    """

    mention: Mention
    place: Place | None
    confidence: float
    method: str
    alternatives: tuple[tuple[str, float], ...] = ()
    qualifier: Qualifier | None = None
    geometry: object = None
    geo_precision: str = "site"
    reason: str | None = None

    @property
    def resolved(self) -> bool:
        return self.place is not None

    @property
    def phrase(self) -> tuple[int, int]:
        """Offsets of the whole phrase, qualifier included."""
        return (self.qualifier.start if self.qualifier else self.mention.start, self.mention.end)


def resolve(extraction: Extraction, gazetteer: Gazetteer) -> tuple[Resolution, ...]:
    """Resolve every mention of ``extraction`` against ``gazetteer``."""
    mentions = extraction.mentions
    # Evidence from mentions that are not ambiguous: countries and anchor points.
    countries: dict[str, int] = {}
    anchors: list[tuple[float, float]] = []
    for m in mentions:
        if len(m.candidates) == 1:
            p = gazetteer[m.candidates[0]]
            if p.country:
                countries[p.country] = countries.get(p.country, 0) + 1
            if p.kind not in ("continent", "country") and p.area_km2 < 200_000:
                anchors.append(p.point)
    from .actors import actor as get_actor

    for a in extraction.actor_mentions:
        country = getattr(get_actor(a.actor), "country", None)
        if country:
            countries[country] = countries.get(country, 0) + 1

    text = extraction.report.text
    results = []
    for m in mentions:
        if not m.candidates:
            results.append(Resolution(m, None, 0.0, "unresolved", reason="no gazetteer record with this name"))
            continue
        scored = sorted(((_score(gazetteer[c], m, countries, anchors), c) for c in m.candidates),
                        key=lambda sc: (-sc[0][0], -(gazetteer[sc[1]].population or 0), sc[1]))
        (best_score, how), best_id = scored[0]
        place = gazetteer[best_id]
        if len(scored) == 1:
            confidence = 0.95
        else:
            margin = best_score - scored[1][0][0]
            confidence = round(0.5 + 0.45 * min(1.0, margin / 2.0), 3)
        confidence = round(confidence * (0.85 if place.approximate else 1.0), 3)
        method = "+".join(["alias" if name_key(place.name) != m.key else "name", *how])
        qualifier = find_qualifier(text, m.sentence_start, m.start)
        geometry, precision = place.geometry, _base_precision(place)
        if qualifier:
            cores = _urban_cores(place, gazetteer, m) if "countryside" in qualifier.rules else ()
            geometry = derive_geometry(place.geometry, qualifier, urban_cores=cores)
            precision = qualifier.geo_precision
            method += "+qualifier:" + ",".join(qualifier.rules)
        results.append(Resolution(m, place, confidence, method,
                                  tuple((c, round(s[0], 3)) for s, c in scored[1:6]), qualifier, geometry, precision))
    return tuple(results)


def _base_precision(place: Place) -> str:
    if place.kind in ("continent", "country", "region") or place.area_km2 > 5000:
        return "region"
    if place.kind in AREA_KINDS:
        return "part"
    return "site"


def _score(place: Place, mention: Mention, countries: dict[str, int], anchors) -> tuple[float, list[str]]:
    score, how = 1.0, []
    if mention.cue:
        wanted = _CUE_KINDS.get(mention.cue, set())
        if place.kind in wanted:
            score += 2.0
            how.append(f"cue:{mention.cue}")
        elif wanted:
            score -= 1.0
    elif place.kind in SETTLEMENT_KINDS or place.kind == "country":
        score += 0.3  # A bare name usually means the town, not the province named after it.
    if place.country and place.country in countries:
        score += 1.0 + 0.1 * min(countries[place.country], 5)
        how.append(f"context:{place.country}")
    if anchors and place.kind not in ("continent", "country"):
        nearest = min(_km(place.point, a) for a in anchors)
        if nearest < 300:
            score += 1.0 * (1 - nearest / 300)
            how.append("near-other-places")
    if place.kind in ("country", "continent"):
        score += 1.5  # a bare "Georgia" or "Africa" is far more often the country or continent
    if place.pack != "geonames":
        score += 0.5  # curated records over the world index
    elif name_key(place.name) != mention.key:
        score -= 0.7  # matched only through one of GeoNames' alternate names
    if place.population:
        score += min(math.log10(place.population + 1) / 10, 0.7)
    return score, how


def _km(a, b) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 12742 * math.asin(min(1.0, math.sqrt(h)))


def _urban_cores(place: Place, gazetteer: Gazetteer, mention: Mention):
    """Towns that a place's countryside leaves out: its namesake settlement, if inside."""
    if place.geometry.geom_type not in ("Polygon", "MultiPolygon"):
        return ()
    base = re.sub(r"\b(province|governorate|district|region|countryside)\b", "", mention.text, flags=re.I)
    cores = []
    for candidate in (gazetteer.lookup(base) + gazetteer.lookup(place.name.split(" Governorate")[0])):
        if candidate.kind in SETTLEMENT_KINDS:
            from shapely.geometry import Point

            if place.geometry.buffer(0.05).contains(Point(candidate.point)):
                cores.append(candidate.point)
    return tuple(dict.fromkeys(cores))
