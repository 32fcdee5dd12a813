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
import weakref
from dataclasses import dataclass

from .extract import Extraction, Mention
from .gazetteer import AREA_KINDS, SETTLEMENT_KINDS, Gazetteer, Place
from .names import name_key
from .qualify import Qualifier, derive_geometry, find_qualifier

__all__ = ["Resolution", "resolve"]

_CUE_KINDS = {
    "province": {"admin_area"}, "governorate": {"admin_area"}, "state": {"admin_area"}, "district": {"admin_area"},
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
        """Offsets of the whole phrase, qualifier included ("between X and Y" reaches Y)."""
        if self.qualifier is None:
            return (self.mention.start, self.mention.end)
        return (self.qualifier.start, max(self.mention.end, self.qualifier.phrase_end or 0))


def resolve(extraction: Extraction, gazetteer: Gazetteer, *, derive: bool = True) -> tuple[Resolution, ...]:
    """Resolve every mention of ``extraction`` against ``gazetteer``.

    Two passes: the first picks each mention's likeliest place from priors
    alone; those picks (weighted by how sure they are) and the actors named
    become the report's context (countries, US states, anchor points); the
    second pass scores every candidate again with that context, leaving out
    the mention's own vote. ``derive=False`` skips computing derived areas
    (qualifiers are still found), for callers that only need the places.
    """
    from .actors import actor as get_actor

    mentions = extraction.mentions
    MAX_CANDIDATES = 40  # a name shared by hundreds of hamlets: the populous ones are enough
    candidates = {m.start: [gazetteer[c] for c in m.candidates[:MAX_CANDIDATES]] for m in mentions if m.candidates}
    empty = _Context()
    votes: dict[int, tuple] = {}
    context = _Context()
    for a in extraction.actor_mentions:
        country = getattr(get_actor(a.actor), "country", None)
        if country:
            context.add_country(country, 0.5)
    for m in mentions:
        places = candidates.get(m.start)
        if not places:
            continue
        scored = sorted(((_score(p, m, empty)[0], p) for p in places), key=lambda sp: (-sp[0], -(sp[1].population or 0), sp[1].id))
        best = scored[0][1]
        weight = 1.0 if len(scored) == 1 else min(1.0, 0.5 + 0.25 * (scored[0][0] - scored[1][0]))
        vote = context.vote(best, weight)
        votes[m.start] = vote

    text = extraction.report.text
    mention_ends = sorted(m.end for m in mentions)
    results = []
    for m in mentions:
        if not m.candidates:
            results.append(Resolution(m, None, 0.0, "unresolved", reason="no gazetteer record with this name"))
            continue
        own = votes.get(m.start)
        context.withdraw(own)
        scored = sorted(((_score(p, m, context), p.id) for p in candidates[m.start]),
                        key=lambda sc: (-sc[0][0], -(gazetteer[sc[1]].population or 0), sc[1]))
        kept = [sc for sc in scored if not _stray(gazetteer[sc[1]], context)]
        stray = not kept
        scored = kept or scored
        context.restore(own)
        (best_score, how), best_id = scored[0]
        place = gazetteer[best_id]
        if stray:
            # A hamlet on another continent is a worse answer than none: say so, keep the candidates.
            results.append(Resolution(m, None, 0.0, "unresolved:only-distant-candidates",
                                      tuple((c, round(sc[0], 3)) for sc, c in scored[:6]),
                                      reason=f"the only {m.text!r} known is {place.name} ({place.country}), far from "
                                             "the other places in the report"))
            continue
        if len(scored) == 1:
            confidence = 0.95
        else:
            margin = best_score - scored[1][0][0]
            confidence = round(0.5 + 0.45 * min(1.0, margin / 2.0), 3)
        confidence = round(confidence * (0.85 if place.approximate else 1.0), 3)
        method = "+".join(["alias" if name_key(place.name) != m.key else "name", *how])
        qualifier = find_qualifier(text, m.sentence_start, m.start)
        geometry, precision = place.geometry, _base_precision(place)
        if qualifier and "along" in qualifier.rules and _place_just_before(mention_ends, qualifier.start):
            qualifier = None  # "a buffer zone along the Golan": relates two places, does not reshape the second
        if qualifier and derive:
            cores = _urban_cores(place, gazetteer, m) if "countryside" in qualifier.rules else ()
            land = _land_near(place, gazetteer) if "offshore" in qualifier.rules else None
            try:
                geometry = derive_geometry(place.geometry, qualifier, urban_cores=cores, land=land)
                precision = qualifier.geo_precision
                method += "+qualifier:" + ",".join(qualifier.rules)
            except Exception as err:  # GEOS on a vast or odd polygon: keep the whole place, say so
                from shapely.errors import GEOSException

                if not isinstance(err, (GEOSException, ValueError)):
                    raise
                qualifier = None
                method += "+qualifier-not-applied"
        results.append(Resolution(m, place, confidence, method,
                                  tuple((c, round(s[0], 3)) for s, c in scored[1:6]), qualifier, geometry, precision))
    results = list(_between(tuple(results), text, derive))
    results += _borders(extraction, results, gazetteer, context, derive)
    return tuple(sorted(results, key=lambda r: r.mention.start))


_BETWEEN = re.compile(r"\bbetween\s+(?:the\s+)?$", re.IGNORECASE)
_AND = re.compile(r"^\s+and\s+(?:the\s+)?$", re.IGNORECASE)


def _between(results: tuple[Resolution, ...], text: str, derive: bool) -> tuple[Resolution, ...]:
    """"between X and Y": X becomes the corridor joining the two places (Y is still mapped itself)."""
    from dataclasses import replace

    out = list(results)
    for k, (a, b) in enumerate(zip(results, results[1:])):
        if not (a.resolved and b.resolved and a.qualifier is None):
            continue
        if not (_BETWEEN.search(text, max(0, a.mention.start - 12), a.mention.start) and _AND.match(text[a.mention.end:b.mention.start])):
            continue
        start = _BETWEEN.search(text, max(0, a.mention.start - 12), a.mention.start).start()
        qualifier = Qualifier(text[start:a.mention.start], start, a.mention.start, ("between",), phrase_end=b.mention.end)
        geometry = derive_geometry(a.place.geometry, qualifier, partner=b.place.geometry) if derive else a.geometry
        out[k] = replace(a, qualifier=qualifier, geometry=geometry, geo_precision="near",
                         method=a.method + f"+qualifier:between:{b.place.id}")
    return tuple(out)


_BORDER = re.compile(r"\b(?:the\s+)?(?:(?:[Ss]yrian|[Ii]sraeli|[A-Z][a-z]+)[-\s](?:[A-Z][a-z]+\s+)?)?"
                     r"(border(?:\s+(?:area|region|zone|strip|villages?|towns?))?|borderlands?|frontier(?:\s+area)?)\b")
_BORDER_LOCATIVE = re.compile(r"\b(?:on|along|across|near|at|to|in|into|over|patrolled|patrolling|crossed|crossing|toward|towards)\s+$",
                              re.IGNORECASE)
#: Half-width of a derived border area on each side of the boundary.
BORDER_STRIP_M = 10_000.0


def _borders(extraction: Extraction, results, gazetteer: Gazetteer, context: "_Context", derive: bool) -> list[Resolution]:
    """"the border area", "on the border": a strip along the boundary of the two countries the
    sentence is about, when they are neighbours; otherwise nothing (a common noun, not a name)."""
    import bisect

    text = extraction.report.text
    # Sorted spans with the running maximum of their ends: "does [start, end) overlap a mention?"
    # by bisection, so that a long report with many border phrases stays linear.
    taken = sorted((r.mention.start, r.mention.end) for r in results)
    taken_starts = [a for a, _ in taken]
    reach = []
    for _, b in taken:
        reach.append(max(b, reach[-1]) if reach else b)
    main = max(((c, v) for c, v in context.countries.items() if v > 0), key=lambda cv: cv[1], default=(None, 0))[0]
    countries = {p.country: p for p in gazetteer if p.kind == "country" and p.pack == "world" and p.country}
    named_in = _CountriesNamed(results, extraction)
    strips: dict[tuple[str, str], object] = {}
    found = []
    for si, (s_start, s_end) in enumerate(extraction.sentences):
        for m in _BORDER.finditer(text, s_start, s_end):
            start, end = m.start(), m.end()
            compound = " " in m.group(1) or m.group(1).startswith("borderland")
            if not compound and not _BORDER_LOCATIVE.search(text, max(s_start, start - 14), start):
                continue  # a bare "border" is a place only after "on", "across", "along"...
            k = bisect.bisect_left(taken_starts, end) - 1
            if (k >= 0 and reach[k] > start) or (found and found[-1].mention.end > start):
                continue
            named = named_in(s_start, s_end)
            if len(set(named)) < 2 and si > 0 and _PRONOUN_START.match(text, s_start):
                # "It ... sent its troops across the border": the previous sentence says who.
                named += named_in(*extraction.sentences[si - 1])
            named = list(dict.fromkeys(c for c in [*named, main] if c in countries))
            # The first two countries named that are neighbours ("Russian patrols ... Israel ...
            # Syrian": Israel and Syria).
            pairs = [(x, y) for i, x in enumerate(named) for y in named[i + 1:]]
            geometry, a, b = None, None, None
            for x, y in pairs:
                a, b = countries[x], countries[y]
                if (x, y) not in strips:  # one strip per pair of countries, however often the report names it
                    ga, gb = _held(a, gazetteer), _held(b, gazetteer)
                    strips[x, y] = _border_strip(ga, gb) if derive else (a.geometry if ga.distance(gb) <= 0.01 else None)
                geometry = strips[x, y]
                if geometry is not None and not geometry.is_empty:
                    break
            if geometry is None or geometry.is_empty:
                continue
            sentence = text[s_start:s_end]
            mention = Mention(text[start:end], start, end, sentence, s_start, si, name_key(text[start:end]), (), "border")
            qualifier = Qualifier("", start, start, ("border",))
            found.append(Resolution(mention, a, 0.6, f"border:{a.country}-{b.country}", ((b.id, 0.0),), qualifier,
                                    geometry, "near"))
    return found


_PRONOUN_START = re.compile(r"\W*(?:it|they|its|their)\b", re.IGNORECASE)


def _countries_named(results, extraction: Extraction, start: int, end: int) -> list[str]:
    """Countries a stretch of text names, as places or through their actors, in order."""
    from .actors import actor as get_actor

    named = [(r.mention.start, r.place.country) for r in results
             if r.resolved and r.place.kind == "country" and start <= r.mention.start < end]
    named += [(a.start, getattr(get_actor(a.actor), "country", None)) for a in extraction.actor_mentions
              if start <= a.start < end]
    return [country for _, country in sorted(named) if country]


class _CountriesNamed:
    """:func:`_countries_named` for many stretches of one report: sorted once, each look-up by bisection."""

    def __init__(self, results, extraction: Extraction):
        from .actors import actor as get_actor

        named = [(r.mention.start, r.place.country) for r in results if r.resolved and r.place.kind == "country"]
        named += [(a.start, getattr(get_actor(a.actor), "country", None)) for a in extraction.actor_mentions]
        self._named = sorted((start, country) for start, country in named if country)
        self._starts = [start for start, _ in self._named]

    def __call__(self, start: int, end: int) -> list[str]:
        import bisect

        lo, hi = bisect.bisect_left(self._starts, start), bisect.bisect_left(self._starts, end)
        return [country for _, country in self._named[lo:hi]]


_HELD: "weakref.WeakKeyDictionary[Gazetteer, dict]" = weakref.WeakKeyDictionary()


def _held(country: Place, gazetteer: Gazetteer):
    """The country as held on the ground: plus the areas a pack says it controls, minus those
    inside it held by others (Israel with the occupied Golan, Syria without it), so that "the
    border" follows the line where the two sides meet."""
    cache = _HELD.setdefault(gazetteer, {})
    if country.id in cache:
        return cache[country.id]
    from .actors import actors

    geometry = country.geometry
    for p in gazetteer:
        if not p.controller or p.kind not in ("region", "zone", "admin_area") or p.controller not in actors():
            continue
        holder = actors()[p.controller].country
        if holder == country.country:
            geometry = geometry.union(p.geometry)
        elif geometry.intersects(p.geometry):
            geometry = geometry.difference(p.geometry)
    cache[country.id] = geometry
    return geometry


def _border_strip(a, b):
    """The land within ``BORDER_STRIP_M`` of the boundary between countries ``a`` and ``b``, or None."""
    import shapely
    from .qualify import _local_crs, transform

    if a.distance(b) > 0.01:
        return None
    shared = a.boundary.intersection(b.buffer(0.01))
    if shared.is_empty:
        return None
    c = shared.centroid
    forward, back = _local_crs(round(c.x, 2), round(c.y, 2))
    land = shapely.make_valid(transform(forward.transform, a.union(b)))
    strip = transform(forward.transform, shared).buffer(BORDER_STRIP_M).intersection(land)
    return transform(back.transform, strip) if not strip.is_empty else None


def _place_just_before(mention_ends, offset: int) -> bool:
    """Whether a mention ends at most 25 characters before ``offset`` (``mention_ends`` sorted: bisection,
    not a scan of every mention, which made long reports quadratic)."""
    import bisect

    k = bisect.bisect_right(mention_ends, offset) - 1
    return k >= 0 and offset - mention_ends[k] <= 25


def _land_near(place: Place, gazetteer: Gazetteer):
    from shapely.geometry import box
    from shapely.ops import unary_union

    lon, lat = place.point
    area = box(lon - 1, lat - 1, lon + 1, lat + 1)
    parts = [p.geometry for p in gazetteer if p.kind == "country" and p.pack == "world"
             and not (p.bounds[0] > lon + 1 or p.bounds[2] < lon - 1 or p.bounds[1] > lat + 1 or p.bounds[3] < lat - 1)
             and p.geometry.intersects(area)]
    return unary_union(parts).intersection(area) if parts else None


def _base_precision(place: Place) -> str:
    if place.kind in ("continent", "country", "region") or place.area_km2 > 5000:
        return "region"
    if place.kind in AREA_KINDS:
        return "part"
    return "site"


#: A small world-index place this far from every other place of the report, in a country
#: the report does not otherwise name, is taken for a wrong match.
STRAY_KM = 1500.0


def _stray(place: Place, context: "_Context") -> bool:
    if place.pack != "geonames" or place.kind not in SETTLEMENT_KINDS or (place.population or 0) >= 100_000:
        return False
    if not context.anchors or context.countries.get(place.country, 0.0) > 0.2:
        return False
    return min(_km(place.point, a) for a in context.anchors) > STRAY_KM


class _Context:
    """What the report is about: weighted votes for countries and US states, and anchor points."""

    def __init__(self):
        self.countries: dict[str, float] = {}
        self.admin1: dict[tuple, float] = {}
        # Anchor points with how many mentions put them there: a report repeats its places,
        # and distances are computed once per distinct point.
        self.anchors: dict[tuple[float, float], int] = {}

    def add_country(self, country, weight):
        self.countries[country] = self.countries.get(country, 0.0) + weight

    def vote(self, place: Place, weight: float):
        vote = (place.country, (place.country, place.admin1) if place.admin1 else None, weight,
                place.point if place.kind not in ("continent", "country") and weight >= 0.75 and place.area_km2 < 200_000 else None)
        self.restore(vote)
        return vote

    def restore(self, vote):
        if not vote:
            return
        country, admin1, weight, anchor = vote
        if country:
            self.add_country(country, weight)
        if admin1:
            self.admin1[admin1] = self.admin1.get(admin1, 0.0) + weight
        if anchor:
            self.anchors[anchor] = self.anchors.get(anchor, 0) + 1

    def withdraw(self, vote):
        if not vote:
            return
        country, admin1, weight, anchor = vote
        if country:
            self.countries[country] -= weight
        if admin1:
            self.admin1[admin1] -= weight
        if anchor:
            if self.anchors[anchor] > 1:
                self.anchors[anchor] -= 1
            else:
                del self.anchors[anchor]


def _score(place: Place, mention: Mention, context: _Context) -> tuple[float, list[str]]:
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
    support = context.countries.get(place.country, 0.0) if place.country else 0.0
    if support > 0.2:
        score += 1.5 + 0.1 * min(support, 5)
        how.append(f"context:{place.country}")
    state = context.admin1.get((place.country, place.admin1), 0.0) if place.admin1 else 0.0
    if state > 0.2 and place.kind != "country":
        score += 1.0
        how.append(f"context:{place.country}-{place.admin1}")
    if context.anchors and place.kind not in ("continent", "country"):
        nearest = min(_km(place.point, a) for a in context.anchors)
        if nearest < 300:
            score += 1.0 * (1 - nearest / 300)
            how.append("near-other-places")
    if place.kind == "continent":
        score += 1.5  # a bare "Africa" is the continent, not a village called Africa
    elif place.kind == "country" or (place.kind == "admin_area" and name_key(place.name) == mention.key):
        score += 1.0  # countries and states ("California") over towns of the same name
    elif place.kind in ("region", "zone") and place.pack != "geonames":
        score += 1.0  # curated regions ("the Middle East") over villages that borrowed the name
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


def _nearest(geometry, point) -> tuple[float, float]:
    from shapely.ops import nearest_points

    p = nearest_points(geometry, point)[0]
    return (p.x, p.y)


def _urban_cores(place: Place, gazetteer: Gazetteer, mention: Mention):
    """Towns that a place's countryside leaves out: its namesake settlement, if inside."""
    if place.geometry.geom_type not in ("Polygon", "MultiPolygon"):
        return ()
    base = re.sub(r"\b(province|governorate|district|region|countryside)\b", "", mention.text, flags=re.I)
    cores = []
    for candidate in (gazetteer.lookup(base) + gazetteer.lookup(place.name.split(" Governorate")[0])):
        if candidate.kind in SETTLEMENT_KINDS:
            from shapely.geometry import Point

            point = Point(candidate.point)
            # Inside, or on the edge within ~5 km (a town on the boundary of its own province).
            if place.geometry.contains(point) or _km(candidate.point, _nearest(place.geometry, point)) < 5:
                cores.append(candidate.point)
    return tuple(dict.fromkeys(cores))
