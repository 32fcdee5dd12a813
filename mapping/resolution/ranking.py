"""Candidate ranking: which place a mention means, and how sure that is.

Every gazetteer candidate of a mention is described by features (its kind,
population, curated or world record, how the name matched, what the cue word
beside the mention asks for, how much of the report points to its country and
first-level region, how far it lies from the report's other places); a
conditional-logit model learned from annotated news
(``mapping/data/models/ranker.json``, fitted by ``data/train_models.py`` on the
LGL and GeoVirus corpora) turns them into a probability per candidate. The
report's context is built in passes: first from priors alone (the ``prior``
weights, which ignore context), then from the full model, each mention's own
vote left out. The winner's probability times the toponym score is mapped
through a calibration curve fitted on held-out documents, so that a confidence
of 0.8 is right about 80 % of the time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache

from ..datafiles import learned_model
from ..gazetteer.places import SETTLEMENT_KINDS, SITE_KINDS, BoundedMemo, Place
from ..gazetteer.names import name_key, variant_key

__all__ = ["Context", "candidate_features", "rank", "ranker_model", "calibrate", "kind_group", "CUE_KINDS"]

#: What a cue word beside a mention asks the place to be. ("Kherson city": GeoNames sizes some cities
#: as towns, so a city cue takes a town too, never the region of the same name.)
CUE_KINDS = {
    "province": {"admin1", "admin2"}, "governorate": {"admin1"}, "state": {"admin1"}, "oblast": {"admin1"},
    "region": {"admin1", "region"}, "district": {"admin2", "admin1", "quarter"}, "subdistrict": {"admin2"},
    "raion": {"admin2"}, "county": {"admin2", "admin1"}, "municipality": {"admin2", "city", "town"},
    "countryside": {"admin1", "admin2", "region"},
    "city": {"city", "town"}, "town": {"town", "city", "village"}, "village": {"village", "town"},
    "township": {"admin2", "town", "city", "village"}, "territory": {"admin2", "admin1", "region"},
    "air base": {"site"}, "airport": {"site"}, "naval base": {"site"}, "naval facility": {"site"},
    "port": {"city", "town", "site"}, "base": {"site"}, "camp": {"site"}, "crossing": {"site"},
    "dam": {"site"}, "power plant": {"site"}, "hospital": {"site"}, "bridge": {"site"},
    "river": {"river"}, "lake": {"lake"}, "sea": {"sea"}, "gulf": {"sea"}, "bay": {"sea"}, "strait": {"strait"},
    "canal": {"canal"}, "mountains": {"mountain_range", "mountain"}, "valley": {"valley"}, "desert": {"desert"},
    "island": {"island"}, "peninsula": {"peninsula"}, "area": {"region", "admin1", "admin2", "city", "town", "village"},
    "border": {"country", "admin1"},
}


def kind_group(place: Place) -> str:
    """The kind a ranker weight is attached to: settlements by size, admin units by level, physical kinds
    by themselves, every site as ``site``."""
    kind = place.kind
    if kind == "admin_area":
        return f"admin{min(place.admin_level or 1, 2)}"
    if kind in SITE_KINDS or kind == "landmark":
        return "site"
    if kind in ("line", "zone"):
        return "zone"
    return kind


@dataclass
class Context:
    """What the report is about: weighted votes for countries and first-level regions, and anchor points."""

    countries: dict = field(default_factory=dict)
    admin1: dict = field(default_factory=dict)
    anchors: dict = field(default_factory=dict)
    total: float = 0.0

    def add(self, vote, sign: float = 1.0) -> None:
        """Add a vote (see :func:`vote_of`), or take it back with ``sign=-1``."""
        if vote is _NO_VOTE:
            return
        countries = self.countries
        for country, w in vote.get("countries", _NOTHING).items():
            countries[country] = countries.get(country, 0.0) + sign * w
        regions = self.admin1
        for region, w in vote.get("admin1", _NOTHING).items():
            regions[region] = regions.get(region, 0.0) + sign * w
        anchors = self.anchors
        for point, w in vote.get("anchors", _NOTHING).items():
            left = anchors.get(point, 0.0) + sign * w
            if left > 1e-9:
                anchors[point] = left
            else:
                anchors.pop(point, None)
        self.total += sign * vote.get("weight", 0.0)

    def country_share(self, country) -> float:
        # Smoothed: one weak vote in a short report is not the whole report.
        return max(0.0, self.countries.get(country, 0.0)) / (self.total + 1.0) if country else 0.0

    def admin1_share(self, country, admin1) -> float:
        if not country or not admin1:
            return 0.0
        return max(0.0, self.admin1.get((country, admin1), 0.0)) / (self.total + 1.0)

    def top_country(self):
        best = max(self.countries.items(), key=lambda kv: (kv[1], kv[0]), default=(None, 0.0))
        return best[0] if best[1] > 0.3 else None


_NOTHING: dict = {}
#: The vote of a mention without candidates: adding it changes nothing, so it is not added at all.
_NO_VOTE = {"countries": {}, "admin1": {}, "anchors": {}, "weight": 0.0}


def vote_of(scored: list[tuple[Place, float]], weight: float) -> dict:
    """A mention's vote: its candidates' probabilities, as countries, regions and an anchor point."""
    if not scored:
        return _NO_VOTE
    countries, admin1, anchors = {}, {}, {}
    for place, p in scored:
        share = weight * p
        if share < 1e-4:
            continue
        for country in (place.countries or ((place.country,) if place.country else ()))[:1]:
            countries[country] = countries.get(country, 0.0) + share
        if place.admin1 and place.country and place.kind != "country":
            key = (place.country, place.admin1)
            admin1[key] = admin1.get(key, 0.0) + share
    if scored:
        best, p = scored[0]
        if p * weight >= 0.5 and best.kind not in ("country", "continent") and _small(best):
            anchors[best.point] = p * weight
    return {"countries": countries, "admin1": admin1, "anchors": anchors, "weight": weight if scored else 0.0}


def _small(place: Place) -> bool:
    if place.kind in SETTLEMENT_KINDS or place.kind in SITE_KINDS or place.kind in ("quarter", "mountain", "landmark"):
        return True
    west, south, east, north = place.bounds
    return (east - west) < 3 and (north - south) < 3


def _km(a, b) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 12742 * math.asin(min(1.0, math.sqrt(h)))


def match_kind(place: Place, key: str, mention_match: str) -> str:
    """How the mention's words matched this place: ``name``, ``alias``, ``variant`` or the mention's own way."""
    if mention_match in ("abbreviation", "demonym", "fuzzy"):
        return mention_match
    if name_key(place.name) == key:
        return "name"
    if any(name_key(a) == key for a in place.aliases):
        return "alias"
    if variant_key(key) and any(variant_key(n) == variant_key(key) for n in place.names):
        return "variant"
    return "alias"  # world records whose alternate names are indexed but not kept as aliases


def static_features(place: Place, *, key: str, cue: str | None, mention_match: str, max_population: int,
                    n_candidates: int, rank_population: int, article: bool = False) -> dict[str, float]:
    """The features of a candidate that do not depend on the rest of the report."""
    group = kind_group(place)
    f = {f"kind:{group}": 1.0, f"match:{match_kind(place, key, mention_match)}": 1.0}
    if place.pack != "geonames":
        f["curated"] = 1.0
    population = place.population or 0
    f["logpop"] = math.log10(population + 1) / 7
    if population == 0 and group in ("city", "town", "village"):
        f["pop0"] = 1.0
    f["logpop_rel"] = (math.log10(population + 1) - math.log10(max_population + 1)) / 7
    if rank_population == 0 and n_candidates > 1:
        f["pop_first"] = 1.0
    f["ncand"] = math.log(n_candidates)
    if place.names_known:
        # How widely the place is known ("Gaza" the Palestinian city, 23 names, not the Mozambican province, 3)
        f["lognames"] = math.log10(1 + place.names_known) / 2
    if cue:
        wanted = CUE_KINDS.get(cue)
        if wanted is not None:
            f["cue_match" if group in wanted else "cue_mismatch"] = 1.0
            f[f"cue_match:{group}" if group in wanted else f"cue_mismatch:{group}"] = 1.0
    else:
        f[f"bare:{group}"] = 1.0
    if article:
        f[f"article:{group}"] = 1.0  # "the Nile", "the Donbas": rivers and regions take the article, towns do not
    if group in ("admin1", "admin2") and key in {name_key(place.name), *(name_key(a) for a in place.aliases[:3])}:
        f["admin_own_name"] = 1.0
    return f


def context_features(place: Place, context: Context, top_country=None) -> dict[str, float]:
    """The features of a candidate that come from the rest of the report."""
    f = {}
    share = context.country_share(place.country)
    f["ctx_country"] = share
    if top_country is not None and top_country == place.country:
        f["ctx_country_top"] = 1.0
    if context.total <= 0:
        f["ctx_empty"] = 1.0
    if place.kind != "country":
        f["ctx_admin1"] = context.admin1_share(place.country, place.admin1)
    if context.anchors and place.kind not in ("country", "continent"):
        point = place.point
        nearest = min(_km(point, a) for a in context.anchors)
        f["near_log"] = math.log10(1 + nearest) / 4
        if nearest < 50:
            f["near<50"] = 1.0
        elif nearest < 250:
            f["near<250"] = 1.0
        elif nearest > 1500:
            f["far>1500"] = 1.0
    elif not context.anchors:
        f["no_anchors"] = 1.0
    return f


def _context_scores(places, context: Context, weights: dict) -> list[float]:
    """Each place's weighted sum of :func:`context_features`, without building the dictionaries.

    The ranker asks this of every candidate of every ambiguous mention; it adds the same terms in the
    same order as ``sum(weights[name] * value for name, value in context_features(...).items())``,
    so the two agree to the last bit (``tests/test_fast_paths.py`` checks it).
    """
    get = weights.get
    w_country, w_top, w_empty = get("ctx_country", 0.0), get("ctx_country_top", 0.0), get("ctx_empty", 0.0)
    w_admin1, w_near_log, w_none = get("ctx_admin1", 0.0), get("near_log", 0.0), get("no_anchors", 0.0)
    w_50, w_250, w_1500 = get("near<50", 0.0), get("near<250", 0.0), get("far>1500", 0.0)
    top_country = context.top_country()
    countries, regions = context.countries, context.admin1
    smoothing = context.total + 1.0
    empty = context.total <= 0
    anchors = list(context.anchors)
    radians = [(math.radians(lon), math.radians(lat)) for lon, lat in anchors]
    radians = [(lon, lat, math.cos(lat)) for lon, lat in radians]
    nearest_of: dict = {}
    scores = []
    for place in places:
        country, kind = place.country, place.kind
        share = max(0.0, countries.get(country, 0.0)) / smoothing if country else 0.0
        s = 0 + w_country * share
        if top_country is not None and top_country == country:
            s += w_top * 1.0
        if empty:
            s += w_empty * 1.0
        if kind != "country":
            admin1 = place.admin1
            s += w_admin1 * (max(0.0, regions.get((country, admin1), 0.0)) / smoothing if country and admin1 else 0.0)
        if anchors and kind not in ("country", "continent"):
            point = place.point
            nearest = nearest_of.get(point)
            if nearest is None:
                nearest = nearest_of[point] = _nearest_km(point, radians)
            s += w_near_log * (math.log10(1 + nearest) / 4)
            if nearest < 50:
                s += w_50 * 1.0
            elif nearest < 250:
                s += w_250 * 1.0
            elif nearest > 1500:
                s += w_1500 * 1.0
        elif not anchors:
            s += w_none * 1.0
        scores.append(s)
    return scores


def _nearest_km(point, anchors) -> float:
    """:func:`_km` from a (lon, lat) point in degrees to the nearest of ``anchors``, given as (lon, lat,
    cos lat) in radians: the same arithmetic, with the haversine compared before its square root and
    arcsine (both increasing), so the result is the same number."""
    lon1, lat1 = math.radians(point[0]), math.radians(point[1])
    cos1 = math.cos(lat1)
    sin, least = math.sin, None
    for lon2, lat2, cos2 in anchors:
        h = sin((lat2 - lat1) / 2) ** 2 + cos1 * cos2 * sin((lon2 - lon1) / 2) ** 2
        if least is None or h < least:
            least = h
    return 12742 * math.asin(min(1.0, math.sqrt(least)))


def candidate_features(place: Place, *, key: str, cue: str | None, mention_match: str, context: Context | None,
                       max_population: int, n_candidates: int, rank_population: int,
                       article: bool = False) -> dict[str, float]:
    """Every feature of one candidate (see the module docstring); ``context=None`` for the prior pass."""
    f = static_features(place, key=key, cue=cue, mention_match=mention_match, max_population=max_population,
                        n_candidates=n_candidates, rank_population=rank_population, article=article)
    if context is not None:
        f.update(context_features(place, context, context.top_country()))
    return f


class Cooccurrence:
    """Which names of the report could lie together: for each candidate, the share of the report's other
    names that have a candidate in the same first-level region, the same country, or within about a
    degree. Ambiguous names resolve each other ("Huntsville", "Walker County", "Palestine": Texas),
    whatever their priors."""

    def __init__(self, by_key: dict[str, list[Place]]):
        self.regions: dict[tuple, set] = {}
        self.countries: dict[str, set] = {}
        self.cells: dict[tuple, set] = {}
        for key, places in by_key.items():
            for p in places:
                if p.country:
                    self.countries.setdefault(p.country, set()).add(key)
                    if p.admin1 and p.kind != "country":
                        self.regions.setdefault((p.country, p.admin1), set()).add(key)
                if p.kind not in ("country", "continent") and _small(p):
                    lon, lat = p.point
                    self.cells.setdefault((math.floor(lon), math.floor(lat)), set()).add(key)
        self.others = max(len(by_key) - 1, 1)
        self._around: dict[tuple[int, int], set] = {}

    def features(self, place: Place, key: str) -> dict[str, float]:
        f = {}
        if place.country:
            f["co_country"] = _others(self.countries.get(place.country, ()), key) / self.others
            if place.admin1 and place.kind != "country":
                f["co_admin1"] = _others(self.regions.get((place.country, place.admin1), ()), key) / self.others
        if place.kind not in ("country", "continent") and _small(place):
            lon, lat = place.point
            f["co_near"] = _others(self._near(math.floor(lon), math.floor(lat)), key) / self.others
        return f

    def _near(self, x: int, y: int) -> set:
        """The names with a candidate in this one-degree cell or the eight around it."""
        found = self._around.get((x, y))
        if found is None:
            found = set()
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    found |= self.cells.get((x + dx, y + dy), set())
            self._around[(x, y)] = found
        return found


class _Template:
    """What ranking a name's candidates needs that the rest of the report does not change: each
    candidate's static features and the weighted sum of them, per weight set. A name recurs within a
    report and from report to report ("Washington", "Gaza"), so one template serves every mention
    with the same candidates, key, cue, match and article."""

    __slots__ = ("static", "named_like", "_sums")

    def __init__(self, places, key, cue, mention_match, article):
        populations = [p.population or 0 for p in places]
        order = sorted(range(len(places)), key=lambda i: -populations[i])
        rank_of = {i: r for r, i in enumerate(order)}
        top = max(populations, default=0)
        self.static = [static_features(p, key=key, cue=cue, mention_match=mention_match, max_population=top,
                                       n_candidates=len(places), rank_population=rank_of[i], article=article)
                       for i, p in enumerate(places)]
        # A region and a town of the same name ("Mopti", "Kherson", "Idlib"): say so on both, and let the
        # weights decide which a bare name means.
        settlements = {p.country for p in places if kind_group(p) in ("city", "town", "village")}
        regions = {p.country for p in places if kind_group(p) in ("admin1", "admin2")}
        self.named_like = []
        for p in places:
            group = kind_group(p)
            if group in ("admin1", "admin2") and p.country in settlements:
                self.named_like.append("region_named_like_town")
            elif group in ("city", "town", "village") and p.country in regions:
                self.named_like.append("town_named_like_region")
            else:
                self.named_like.append(None)
        self._sums: dict[int, tuple[dict, list[float]]] = {}

    def sums(self, weights: dict) -> list[float]:
        cached = self._sums.get(id(weights))
        if cached is None or cached[0] is not weights:
            get = weights.get
            cached = self._sums[id(weights)] = (weights, [sum(get(name, 0.0) * value for name, value in f.items())
                                                          for f in self.static])
        return cached[1]


#: Templates kept: the distinct names of some thousands of reports.
_TEMPLATES = BoundedMemo(20_000)


def _template(places, key, cue, mention_match, article) -> _Template:
    # Keyed by the Place objects themselves (compared by identity): two gazetteers' records never mix.
    memo_key = (tuple(places), key, cue, mention_match, article)
    found = _TEMPLATES.get(memo_key)
    if found is None:
        found = _TEMPLATES.put(memo_key, _Template(places, key, cue, mention_match, article))
    return found


def _others(keys, key: str) -> int:
    """How many of ``keys`` are not ``key``."""
    return len(keys) - (key in keys)


class Candidates:
    """A mention's candidates with their static features, ranked again as the context changes."""

    def __init__(self, places: list[Place], *, key: str, cue, mention_match: str, article: bool = False,
                 cooccurrence: Cooccurrence | None = None):
        self.places = places
        self._template = _template(places, key, cue, mention_match, article)
        # What the report's other names add (which could lie together), after the static features.
        self._cooccurrence = ([cooccurrence.features(p, key) for p in places]
                              if cooccurrence is not None and len(places) > 1 else None)
        self._static_scores: dict[int, tuple[dict, list[float]]] = {}

    @property
    def static(self) -> list[dict[str, float]]:
        """Each candidate's features that do not depend on the context (see :func:`static_features`)."""
        template = self._template
        out = []
        for k, f in enumerate(template.static):
            f = dict(f)
            if self._cooccurrence is not None:
                f.update(self._cooccurrence[k])
            if template.named_like[k]:
                f[template.named_like[k]] = 1.0
            out.append(f)
        return out

    def features(self, context: Context | None) -> list[dict[str, float]]:
        static = self.static
        if context is None:
            return static
        top = context.top_country()
        return [{**s, **context_features(p, context, top)} for p, s in zip(self.places, static)]

    def _static_sums(self, weights: dict) -> list[float]:
        """The static part of each score: the template's sum, then the co-occurrence and named-like
        terms, added in the order of :attr:`static`'s items (so that it equals summing that)."""
        cached = self._static_scores.get(id(weights))
        if cached is None or cached[0] is not weights:
            get = weights.get
            template = self._template
            sums = list(template.sums(weights))
            for k in range(len(sums)):  # (the three sets of names are disjoint)
                if self._cooccurrence is not None:
                    for name, value in self._cooccurrence[k].items():
                        sums[k] += get(name, 0.0) * value
                if template.named_like[k]:
                    sums[k] += get(template.named_like[k], 0.0) * 1.0
            cached = self._static_scores[id(weights)] = (weights, sums)
        return cached[1]

    def rank(self, context: Context | None, weights: dict) -> list[tuple[Place, float]]:
        """Candidates with their probabilities, best first (ties: population, then id)."""
        if len(self.places) < 2:
            return [(self.places[0], 1.0)] if self.places else []  # what the softmax of one score gives
        # The static features do not change from pass to pass: their part of each score is summed once per
        # weight set (the context features never share a name with them).
        scores = self._static_sums(weights)
        if context is not None:
            scores = [s + c for s, c in zip(scores, _context_scores(self.places, context, weights))]
        top = max(scores)
        exp = [math.exp(s - top) for s in scores]
        total = sum(exp)
        return sorted(((p, e / total) for p, e in zip(self.places, exp)),
                      key=lambda pp: (-pp[1], -(pp[0].population or 0), pp[0].id))


@cache
def ranker_model() -> dict:
    """The learned ranker (``mapping/data/models/ranker.json``), or neutral weights if absent."""
    return learned_model("ranker.json", {
        "prior": {"logpop": 3.0, "curated": 1.0, "kind:country": 1.0},
        "full": {"logpop": 3.0, "curated": 1.0, "kind:country": 1.0, "ctx_country": 4.0, "ctx_admin1": 2.0},
        "calibration": [[0.0, 0.0], [1.0, 1.0]], "min_confidence": 0.0})


def rank(places: list[Place], *, key: str, cue, mention_match: str, context: Context | None,
         weights: dict, article: bool = False) -> list[tuple[Place, float]]:
    """Candidates with their probabilities, best first (ties: population, then id)."""
    return Candidates(places, key=key, cue=cue, mention_match=mention_match, article=article).rank(context, weights)


def calibrate(raw: float, curve=None) -> float:
    """A raw confidence (toponym score times the winner's probability) as a calibrated one."""
    curve = curve or ranker_model()["calibration"]
    if raw <= curve[0][0]:
        return curve[0][1]
    for (x0, y0), (x1, y1) in zip(curve, curve[1:]):
        if raw <= x1:
            return y0 + (y1 - y0) * (raw - x0) / (x1 - x0) if x1 > x0 else y1
    return curve[-1][1]


__all__ += ["vote_of", "match_kind", "Candidates", "Cooccurrence", "static_features", "context_features"]
