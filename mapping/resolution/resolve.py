"""Resolution: choose the place each mention means, and its geometry.

Candidates with the mention's name are ranked by a model learned from annotated
news (:mod:`mapping.resolution.ranking`): kind, population, curated or world record, how the
name matched, the cue word beside the mention ("province", "air base",
"river"), the countries and first-level regions the rest of the report points
to, and nearness to its other places. A mention whose name no gazetteer holds is
looked up, within the countries the report is about, by spelling similarity.
The winner's calibrated confidence decides: below the model's threshold, or
when the words ask for a region ("Donetsk region") and the gazetteer has none,
the mention stays unresolved, with its reason and its best candidates. A
qualifier ("the countryside of the southern ...") turns the chosen place into a
derived area. Every resolution says how it was decided (``method``) and keeps
the alternatives it weighed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from ..datafiles import package_json
from ..language.extract import Extraction, Mention
from ..gazetteer.places import AREA_KINDS, PHYSICAL_KINDS, SETTLEMENT_KINDS, SITE_KINDS, BoundedMemo, Gazetteer, Place
from ..gazetteer.names import name_key, variant_key
from .qualify import Qualifier, derive_geometry, find_qualifier
from .ranking import CUE_KINDS, Candidates, Context, Cooccurrence, _km, calibrate, kind_group, match_kind, \
    ranker_model, vote_of

__all__ = ["Resolution", "resolve", "ranking_features", "REGION_CUES"]

_GEO_PRECISION = {"site": 1, "near": 2, "part": 3, "region": 4}
#: Cue words that ask for an administrative unit: a town of that name is never the answer.
REGION_CUES = frozenset({"province", "governorate", "state", "oblast", "region", "district", "subdistrict", "raion",
                         "county"})
#: At most this many candidates of one name are ranked (a name shared by hundreds of hamlets).
MAX_CANDIDATES = 40
#: A spelling-similarity match must reach this rapidfuzz ratio (0-100).
FUZZY_MIN_RATIO = 88.0


class _PlaceGeometryUnlessGiven:
    """:attr:`Resolution.geometry`: the geometry given, else the place's, read only when asked for (a
    caller that wants the places alone, as ``eval`` does, never pays for building their polygons)."""

    def __get__(self, obj, objtype=None):
        if obj is None:
            return None  # the field's default
        value = obj.__dict__["_geometry"]
        if value is None and obj.place is not None:
            return obj.place.geometry
        return value

    def __set__(self, obj, value):
        obj.__dict__["_geometry"] = value


@dataclass(frozen=True)
class Resolution:
    """A mention and the place chosen for it (``place is None``: unresolved).

    ``geometry`` is the place's, or the derived area's when a qualifier
    applies; ``geo_precision`` is ``site``, ``near``, ``part`` or ``region``;
    ``confidence`` is calibrated (right about that often on held-out news);
    ``alternatives`` are the other candidates with their probabilities.
    """

    mention: Mention
    place: Place | None
    confidence: float
    method: str
    alternatives: tuple[tuple[str, float], ...] = ()
    qualifier: Qualifier | None = None
    geometry: object = _PlaceGeometryUnlessGiven()
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


def resolve(extraction: Extraction, gazetteer: Gazetteer, *, derive: bool = True, model: dict | None = None,
            associative: bool = False) -> tuple[Resolution, ...]:
    """Resolve every mention of ``extraction`` against ``gazetteer``.

    Literal mentions are returned (``associative=True`` adds the associative,
    demonym and metonymic ones, resolved the same way). Context comes from all of
    them and from the actors named. ``derive=False`` skips computing derived areas
    (qualifiers are still found), for callers that only need the places.
    """
    model = model or ranker_model()
    text = extraction.report.text
    # Two passes. First, priors only: every mention votes for what its name most often means. Then the full
    # model, each mention ranked in the context of the others' prior votes (its own left out), which is the
    # context the model is trained in (ranking_features). A further pass, in the context of the full model's
    # votes, was measured on LGL and GeoVirus: acc@161 moved by at most 0.002 (down on LGL), so it is not
    # made. The decisions then weigh the context of the full model's votes.
    everything, article, options, context, votes = _prior_pass(extraction, gazetteer, model["prior"])
    matches = {id(m): m.match for m in everything}
    # A name no gazetteer spells this way: the closest spelling in the countries the report is about.
    for m in everything:
        if not options[id(m)].places and m.match == "unknown":
            fuzzy = _fuzzy_candidates(m, gazetteer, context)
            if fuzzy:
                matches[id(m)] = "fuzzy"
                options[id(m)] = Candidates(fuzzy, key=m.key, cue=m.cue, mention_match="fuzzy", article=article[id(m)])
    # A mention with one candidate or none ranks the same in every context, so its prior vote stands
    # (unless its candidates came after that vote, by spelling).
    weighed = [m for m in everything if len(options[id(m)].places) > 1 or matches[id(m)] == "fuzzy"]
    ranked_by = {id(m): options[id(m)].rank(None, model["full"]) for m in everything}
    for m in weighed:
        context.add(votes[id(m)], -1.0)
        ranked_by[id(m)] = options[id(m)].rank(context, model["full"])
        context.add(votes[id(m)])
    for m in weighed:
        context.add(votes[id(m)], -1.0)
        votes[id(m)] = vote_of(ranked_by[id(m)], m.score)
        context.add(votes[id(m)])

    elsewhere = _inside_the_named_area(everything, ranked_by)
    far = _near_the_reference(everything, ranked_by, text)
    wanted = everything if associative else extraction.mentions
    results = []
    for m in wanted:
        if id(m) in elsewhere:
            area = elsewhere[id(m)]
            results.append(Resolution(m, None, 0.0, "unresolved:not-in-area", _weighed(ranked_by[id(m)]),
                                      reason=f"the text places it in {area.name}, and no gazetteer record of "
                                             f"this name lies there"))
            continue
        if id(m) in far:
            where, reach = far[id(m)]
            results.append(Resolution(m, None, 0.0, "unresolved:not-near-reference", _weighed(ranked_by[id(m)]),
                                      reason=f"the text places it by {where.name}, and no gazetteer record of this "
                                             f"name lies within {reach:.0f} km of it"))
            continue
        context.add(votes[id(m)], -1.0)
        results.append(_decide(m, ranked_by[id(m)], matches[id(m)], model, text, extraction.mentions, gazetteer,
                               derive, context))
        context.add(votes[id(m)])
    if not associative:
        results = list(_between(tuple(results), text, derive))
        if derive:
            results = _stretches(results)
        results += _borders(extraction, results, gazetteer, context, derive)
    return tuple(sorted(results, key=lambda r: r.mention.start))


def ranking_features(extraction: Extraction, gazetteer: Gazetteer, prior_weights: dict):
    """For training the ranker: each mention with its candidates' prior and full features.

    The full features use the context that the prior pass builds, the mention's own
    vote left out, as :func:`resolve` does. Yields (mention, places, prior, full).
    """
    everything, _, options, context, votes = _prior_pass(extraction, gazetteer, prior_weights)
    for m in everything:
        option = options[id(m)]
        if not option.places:
            continue
        context.add(votes[id(m)], -1.0)
        full = option.features(context)
        context.add(votes[id(m)])
        yield m, option.places, option.static, full


def _prior_pass(extraction: Extraction, gazetteer: Gazetteer, prior_weights: dict):
    """Every mention (literal and associative, in text order), whether "the" stands before each, its
    candidates, and the context their prior-only votes build on the actors' context, with the votes:
    the first pass of :func:`resolve`, which training repeats."""
    text = extraction.report.text
    everything = sorted((*extraction.mentions, *extraction.associative), key=lambda m: m.start)
    article = {id(m): text[max(0, m.start - 4):m.start].lower() == "the " for m in everything}
    options = _options(everything, gazetteer, article)
    context = actor_context(extraction)
    votes = {}
    for m in everything:
        votes[id(m)] = vote_of(options[id(m)].rank(None, prior_weights), m.score)
        context.add(votes[id(m)])
    return everything, article, options, context, votes


#: What a country's actor ("Israeli strikes", "Moscow said") adds to the report's context, and the share
#: of that its neighbours get. In conflict news an actor's events happen across its borders as often as
#: inside them (Israeli strikes on Gaza and Lebanon, Russian drones over Ukraine), so a demonym says
#: "this country or the ones next to it", equally; a name shared with a far-off place then loses
#: ("Gaza": the Palestinian city, not the Mozambican province). Measured against the earlier context
#: (0.5 for the actor's country alone) on LGL and GeoVirus, whose actors are mostly the places' own:
#: F1 and acc@161 moved by less than 0.005, before and after refitting the models.
ACTOR_VOTE = 1.0
NEIGHBOUR_SHARE = 1.0


def actor_context(extraction: Extraction) -> Context:
    """The context the report's actors give before any place is weighed: their countries (a state's own,
    an armed group's where it operates), and :data:`NEIGHBOUR_SHARE` of that for those countries'
    neighbours (``mapping/data/neighbours.json``)."""
    from ..language.actors import actor as get_actor

    context = Context()
    near = neighbours()
    for a in extraction.actor_mentions:
        actor = get_actor(a.actor)
        # A state by its country, an armed group by where it operates ("the RSF took control of Bara": Sudan).
        country = actor and (actor.country or actor.based_in)
        if country and a.role in ("name", "demonym", "seat", "organisation"):
            votes = {n: ACTOR_VOTE * NEIGHBOUR_SHARE for n in near.get(country, ())}
            votes[country] = ACTOR_VOTE
            context.add({"countries": votes, "weight": ACTOR_VOTE})
    return context


@cache
def neighbours() -> dict[str, tuple[str, ...]]:
    """ISO code -> the codes of the countries next to it (built by ``data/build_neighbours.py``)."""
    return {c: tuple(n) for c, n in package_json("neighbours.json")["neighbours"].items()}


def _options(mentions, gazetteer: Gazetteer, article: dict) -> dict:
    """Each mention's candidates, ranked with what the report's other names could mean.

    A name's candidate places (after the kind rules of :func:`_candidates`) are kept in the
    gazetteer's memo: a name recurs within a report and across reports, and building its places
    is most of resolving it."""
    memo = gazetteer.memo("resolution:candidates")
    places, signature = {}, {}
    for m in mentions:
        memo_key = signature[id(m)] = (m.candidates, m.cue, m.key, article[id(m)])
        found = memo.get(memo_key)
        if found is None:
            found = memo.put(memo_key, tuple(_candidates(m, gazetteer, article=article[id(m)])))
        places[id(m)] = list(found)
    by_key: dict[str, list[Place]] = {}
    for m in mentions:
        by_key.setdefault(m.key, []).extend(p for p in places[id(m)] if p not in by_key.get(m.key, ()))
    together = Cooccurrence(by_key)
    # Mentions of one name written the same way have the same candidates, features and all: one object serves.
    shared: dict[tuple, Candidates] = {}
    options = {}
    for m in mentions:
        same = (signature[id(m)], m.match)
        option = shared.get(same)
        if option is None:
            option = shared[same] = Candidates(places[id(m)], key=m.key, cue=m.cue, mention_match=m.match,
                                               article=article[id(m)], cooccurrence=together)
        options[id(m)] = option
    return options


def _candidates(mention: Mention, gazetteer: Gazetteer, *, article: bool = False) -> list[Place]:
    """The places a mention may mean; when its cue word asks for a kind ("Donetsk region", "the Dnipro
    river", "Kavumu airport") and some candidates are of that kind, only those.

    Without a cue (or with one that leaves the kind open: "the port of X", "the X area"), two readings
    of a bare name that news takes for granted (rules, because the
    training corpora have too few of them for the ranker to learn them):

    - a city and the region named after it ("Kherson", "Misrata", "Nakuru"): the city, when it is a
      sizeable one (:data:`EPONYMOUS_CITY_MIN`);
    - a natural feature and a town or region of the same name ("Dnipro", "Jordan"): the town or
      region, unless the name itself says what it is ("the Dnipro", "Red Sea", "Nile": the feature
      is then the only candidate or the article asks for it).
    """
    places = [gazetteer[c] for c in mention.candidates[:MAX_CANDIDATES]]
    wanted = CUE_KINDS.get(mention.cue) if mention.cue not in (None, "area", "border", "port") else None
    if wanted:
        fitting = [p for p in places if kind_group(p) in wanted or p.kind in wanted]
        if fitting:
            return fitting
    if (mention.cue is not None and mention.cue not in _KIND_OPEN_CUES) or len(places) < 2:
        return places
    words = set(mention.key.split())
    physical = [p for p in places if p.kind in PHYSICAL_KINDS]
    own = [p for p in physical if p.kind.replace("_", " ") in words or (p.subtype or "") in words]
    if own:
        return own  # "Red Sea", "Athabasca River": the name says it
    if physical and article:
        # "the Dnipro", "the Nile": towns do not take the article; countries and regions may ("the Gambia").
        return [p for p in places if p.kind not in SETTLEMENT_KINDS] or places
    if physical:
        populated = [p for p in places if p.kind not in PHYSICAL_KINDS
                     and (p.kind in ("country", "admin_area", "region") or (p.population or 0) >= 10_000)]
        if populated:
            places = [p for p in places if p.kind not in PHYSICAL_KINDS]
    # The city's own name, in any spelling ("Misratah" for "Misrata"), not an alias ("New York City").
    spelled = variant_key(mention.key) or mention.key
    cities = [p for p in places if p.kind in SETTLEMENT_KINDS
              and (name_key(p.name) == mention.key or variant_key(name_key(p.name)) == spelled)]
    if cities:
        def eponymous(region):
            return region.kind == "admin_area" and any(
                c.country == region.country and (c.admin1 == region.admin1 or region.admin1 is None)
                and (c.population or 0) >= min(EPONYMOUS_CITY_MIN, 0.1 * (region.population or 0) or EPONYMOUS_CITY_MIN)
                for c in cities)
        places = [p for p in places if not eponymous(p)] or places
    return places


#: Cue words that leave the kind open, so the bare-name rules still apply: "the port of Misrata" is the
#: city of Misrata (a port), not the district named after it.
_KIND_OPEN_CUES = frozenset({"port", "area"})
#: A city of at least this population (or a tenth of its region's) is what its bare name means,
#: rather than the region named after it.
EPONYMOUS_CITY_MIN = 50_000


def _fuzzy_candidates(m: Mention, gazetteer: Gazetteer, context: Context) -> list[Place]:
    """World places of the report's main countries whose name is spelled like the mention's.

    Names are compared with those that begin with the same two letters (a typo or a
    doubled letter rarely changes them; other romanisations are the variant keys' job).
    """
    if gazetteer.world is None or len(m.key) < 5:
        return []
    try:
        from rapidfuzz import fuzz, process
    except ImportError:
        return []
    countries = {c for c in context.countries if context.country_share(c) >= 0.25}
    if not countries:
        return []
    found = []
    for key, score, _ in process.extract(m.key, gazetteer.world.similar_keys(m.key), scorer=fuzz.ratio, limit=5,
                                          score_cutoff=FUZZY_MIN_RATIO):
        for place_id in gazetteer.candidates(key):
            place = gazetteer[place_id]
            if place.country in countries and place not in found:
                found.append(place)
    return found[:MAX_CANDIDATES]


def _decide(m: Mention, ranked, match: str, model, text, mentions, gazetteer, derive, context) -> Resolution:
    if not ranked:
        reason = ("no gazetteer record with this name" if m.match in ("unknown", "feature", "name")
                  else f"no gazetteer record matches ({m.match})")
        if m.role == "possible":
            reason = (f"possibly a place: the words around it say so, but the name reads more like a person's, "
                      f"a street's or an organisation's (toponym score {m.score:.2f}); {reason}")
        return Resolution(m, None, 0.0, "unresolved", reason=reason)
    ranked = _near_tie_to_the_report(ranked, context)
    if m.role == "metonymic":
        ranked = _the_seat_first(m, ranked)
    alternatives = _weighed(ranked[1:6])
    place, probability = ranked[0]
    if m.role == "possible":
        # Flagged for a reader, never drawn: the candidates are there to check it against.
        return Resolution(m, None, 0.0, "unresolved:possible", _weighed(ranked),
                          reason=f"possibly a place: the words around it say so, but the name reads more like a "
                                 f"person's, a street's or an organisation's (toponym score {m.score:.2f}); the "
                                 f"likeliest record is {place.name} ({place.country or '-'})"
                                 + (", a look-alike spelling" if m.match in ("variant", "fuzzy") else ""))
    if match in ("variant", "fuzzy") and context.country_share(place.country) < LOOKALIKE_SHARE:
        # A look-alike spelling is evidence only where the report already is.
        return Resolution(m, None, 0.0, f"unresolved:{match}-elsewhere", _weighed(ranked),
                          reason=f"no gazetteer record spelled {m.text!r} in the countries the report is about "
                                 f"(the closest spelling is {place.name}, {place.country or '-'})")
    if _stray_alternate_name(m, place, match, context):
        return Resolution(m, None, 0.0, "unresolved:alternate-name-elsewhere",
                          _weighed(ranked),
                          reason=f"the only records called {m.text!r} are by an alternate name, in a country the "
                                 f"report is not about ({place.name}, {place.country or '-'})")
    if _far_from_the_report(place, context):
        return Resolution(m, None, 0.0, "unresolved:far-from-the-report", _weighed(ranked),
                          reason=f"the likeliest record, {place.name} ({place.country or '-'}), is a small place in a "
                                 f"country the report does not otherwise point to")
    if m.cue in REGION_CUES and place.kind not in ("admin_area", "region", "zone", "country"):
        return Resolution(m, None, 0.0, "unresolved:no-region",
                          _weighed(ranked),
                          reason=f"the text names a {m.cue}, and the gazetteer has no {m.cue} called {m.text!r} "
                                 f"(only {place.name}, a {place.kind.replace('_', ' ')})")
    if m.cue == "village" and place.kind == "city" and (place.population or 0) >= FAR_MAX_POPULATION \
            and context.country_share(place.country) < LOOKALIKE_SHARE:
        # "the village of Mambasa" in a report on Ituri is not Mombasa, a Kenyan city of a million
        return Resolution(m, None, 0.0, "unresolved:no-village", _weighed(ranked),
                          reason=f"the text names a village, and the only record of this name is {place.name} "
                                 f"({place.country or '-'}), a city in a country the report is not about")
    confidence = round(calibrate(m.score * probability, model.get("calibration")), 3)
    if confidence < model.get("min_confidence", 0.0):
        return Resolution(m, None, confidence, "unresolved:unsure", _weighed(ranked),
                          reason=f"not sure enough: the likeliest is {place.name} ({place.country or '-'}) with "
                                 f"confidence {confidence:.2f}")
    method = _explain(m, place, ranked, match, context)
    qualifier = find_qualifier(text, m.sentence_start, m.start)
    geometry, precision = None, _base_precision(place)  # None: the place's own (see Resolution.geometry)
    if qualifier and "along" in qualifier.rules and _place_just_before(sorted(x.end for x in mentions), qualifier.start):
        qualifier = None  # "a buffer zone along the Golan": relates two places, does not reshape the second
    if qualifier and derive:
        cores = _urban_cores(place, gazetteer, m) if "countryside" in qualifier.rules else ()
        land = _land_near(place, gazetteer) if "offshore" in qualifier.rules else None
        try:
            geometry = _derived(place, qualifier, cores, land)
            precision = qualifier.geo_precision
            method += "+qualifier:" + ",".join(qualifier.rules)
        except Exception as err:  # GEOS on a vast or odd polygon: keep the whole place, say so
            from shapely.errors import GEOSException

            if not isinstance(err, (GEOSException, ValueError)):
                raise
            qualifier = None
            method += "+qualifier-not-applied"
    return Resolution(m, place, confidence, method, alternatives, qualifier, geometry, precision)


#: How sure the ranker must be of the area a name is placed in before that decides where the name is.
AREA_MIN_PROBABILITY = 0.5


def _inside_the_named_area(mentions, ranked_by) -> dict:
    """Put first, for each mention the text places in an area ("Bara in North Kordofan", "the Catatumbo
    region of Norte de Santander"), its likeliest candidate inside that area; return the mentions none of
    whose candidates lies there, with the area (they stay unresolved rather than be drawn elsewhere)."""
    by_span = {(m.start, m.end): m for m in mentions}
    elsewhere = {}
    for m in mentions:
        named = by_span.get(m.within) if m.within else None
        ranked = ranked_by[id(m)]
        if named is None or not ranked or not ranked_by[id(named)] or m.role == "possible":
            continue  # (a possible place is never drawn: its own reason says more)
        area, probability = ranked_by[id(named)][0]
        if probability < AREA_MIN_PROBABILITY or not (area.kind == "country" or
                                                      (area.kind == "admin_area" and area.admin_level == 1)):
            continue  # composite regions ("South West England") have no exact bounds to test against
        if ranked[0][0].kind in _SPANNING_KINDS:
            continue  # "the Indian Ocean in Seychelles", "Lake Titicaca in the Puno region": no containment
        inside = [pp for pp in ranked if _lies_in(pp[0], area)]
        if not inside:
            elsewhere[id(m)] = area
        elif inside[0] is not ranked[0]:
            ranked_by[id(m)] = inside + [pp for pp in ranked if pp not in inside]
    return elsewhere


#: "X, 12 km northeast of Y", "X, near Y", "X, between Y and Z": a name placed by a better-known one after it.
_PLACED_BY = re.compile(r",\s+(?:a\s+(?:village|town|city)\s+|which\s+(?:is|lies)\s+)?(?:(?:about|some|around|roughly|"
                        r"nearly|almost|just)\s+)?(?:(?P<n>\d+(?:[.,]\d+)?)\s*(?:km|kilometres|kilometers|miles)\s+"
                        r"(?:(?:to\s+the\s+)?[a-z-]+\s+)?(?:of|from)|near|outside|close\s+to|between)\s+(?:the\s+(?:town|city)\s+of\s+)?$",
                        re.IGNORECASE)
#: How far a candidate may lie from the place that places it, beyond the distance the text gives.
REFERENCE_SLACK_KM = 60.0
#: How sure the ranker must be of the place that places another before it decides where the other is.
REFERENCE_MIN_PROBABILITY = 0.3


def _near_the_reference(mentions, ranked_by, text) -> dict:
    """Put first, for each name the text places by a better-known one ("Novoekonomichne, about 12 km northeast
    of Pokrovsk", "Kamianske, between Vasylivka and Orikhiv"), its likeliest candidate that lies as near that
    place as the text says (plus :data:`REFERENCE_SLACK_KM`): a village that shares its name with a city
    far away is the village. Return the mentions none of whose candidates lies there, with the reference
    and the distance allowed (they stay unresolved rather than be drawn at the namesake)."""
    far = {}
    ordered = sorted(mentions, key=lambda m: m.start)
    for a, b in zip(ordered, ordered[1:]):
        ranked, reference = ranked_by[id(a)], ranked_by[id(b)]
        if not ranked or not reference or a.role == "possible" or reference[0][1] < REFERENCE_MIN_PROBABILITY:
            continue
        placed = _PLACED_BY.match(text, a.end, b.start) if b.start - a.end < 80 else None
        if placed is None:
            continue
        where = reference[0][0]
        if where.kind not in SETTLEMENT_KINDS | SITE_KINDS:
            continue  # a point to measure from: a country or a province is no reference at this scale
        n = placed.group("n")
        reach = (float(n.replace(",", ".")) * (1.609 if "mile" in placed.group().lower() else 1.0) if n else 0.0)
        reach += REFERENCE_SLACK_KM
        if ranked[0][0].kind not in SETTLEMENT_KINDS | SITE_KINDS:
            continue  # a province or a region "near" a town: no distance to hold it to
        near = [pp for pp in ranked if _km(pp[0].point, where.point) <= reach]
        if not near:
            far[id(a)] = (where, reach)
        elif near[0] is not ranked[0]:
            ranked_by[id(a)] = near + [pp for pp in ranked if pp not in near]
    return far


#: Kinds that reach across borders or hold what they are said to be "in": never judged by containment.
_SPANNING_KINDS = PHYSICAL_KINDS | {"continent", "country", "region", "zone", "line"}


def _lies_in(place: Place, area: Place) -> bool:
    """Whether ``place`` is in ``area``, a country or a first-level unit, by their records' codes."""
    if area.kind == "country":
        return area.country in (place.countries or (place.country,))
    return place.country == area.country and place.admin1 == area.admin1 and place is not area


def _weighed(ranked) -> tuple[tuple[str, float], ...]:
    """The best candidates weighed (at most six), as (id, probability): what a resolution keeps of them."""
    return tuple((p.id, round(prob, 3)) for p, prob in ranked[:6])


#: The least share of the report's context a look-alike spelling's country needs ("Bent Jbail" for Bint Jbeil
#: counts only where the report already is). 0.1 was measured too: it placed Bint Jbeil in a report about four
#: countries, and lost 0.003 of acc@161 on LGL.
LOOKALIKE_SHARE = 0.2
#: A runner-up at least this close to the winner (its probability over the winner's) is a near tie.
NEAR_TIE = 0.8
#: The least share of the report's context a country needs to break a near tie.
TIE_BREAK_SHARE = 0.25


def _stray_alternate_name(m: Mention, place: Place, match: str, context: Context) -> bool:
    """A town the name reaches only through one of GeoNames' alternate names, in a country the report
    is not about ("Mahas" in a report on Somalia: a Jordanian town's alternate spelling). Such names
    are anyone's (old names, transliterations, other languages), so, like a look-alike spelling,
    they are evidence only where the report already is."""
    return (match == "name" and place.pack == "geonames" and place.kind in SETTLEMENT_KINDS
            and context.total >= STRAY_MIN_CONTEXT and context.country_share(place.country) < LOOKALIKE_SHARE
            and match_kind(place, m.key, match) != "name" and not _known_respelling(m, place))


def _the_seat_first(m: Mention, ranked):
    """A name used for a government ("Washington reaffirmed", "a charge Islamabad denies") means the seat
    of that government: the largest town of that name in the state's country comes first (not Washington
    State, nor the Indian district town that GeoNames also calls Islamabad)."""
    from ..language.actors import actor, seat_actor

    state = actor(seat_actor(m.text))
    if state is None or not state.country:
        return ranked
    seats = [pp for pp in ranked if pp[0].country == state.country and pp[0].kind in SETTLEMENT_KINDS]
    if not seats or seats[0] is ranked[0]:
        return ranked
    seat = max(seats, key=lambda pp: pp[0].population or 0)
    return [seat] + [pp for pp in ranked if pp is not seat]


def _far_from_the_report(place: Place, context: Context) -> bool:
    """A small town or village in a country the rest of the report does not point to, when the report is
    mostly about one country: "Baga" in a report on Borno is not the Catalan village Bagà, "Kani township" in
    Sagaing not the Japanese city. The gazetteer lacks most villages of the countries in conflict, and a
    homonym abroad is then the only candidate, which the ranker cannot refuse (its probabilities are among
    the candidates). Measured on LGL and GeoVirus: 36 placed names left unresolved, of which 29 were no gold
    toponym ("Obama", "Plato"), 6 were placed more than 161 km away, 1 was right (Bundibugyo)."""
    if place.pack != "geonames" or place.kind not in SETTLEMENT_KINDS or (place.population or 0) >= FAR_MAX_POPULATION:
        return False
    if context.total < STRAY_MIN_CONTEXT or context.country_share(place.country) > FAR_MAX_SHARE:
        return False
    return max(context.countries.values(), default=0.0) >= FAR_MAIN_SHARE * context.total


#: A settlement at least this large is well known enough to be named from afar.
FAR_MAX_POPULATION = 150_000
#: The most of the report's context a far place's country may have ("does not otherwise point to").
FAR_MAX_SHARE = 0.05
#: The least share of the report's context its main country needs for the report to be "mostly about one".
FAR_MAIN_SHARE = 0.5


def _known_respelling(m: Mention, place: Place) -> bool:
    """A large city's name written as the news writes it, one romanisation away from GeoNames' main name:
    "Hodeidah" (Al Hudaydah), "Misrata" (Misratah). Not a code ("TLC") or a short word."""
    return ((place.population or 0) >= STRAY_MAX_POPULATION and len(m.text) >= 5 and not m.text.isupper()
            and bool(variant_key(m.key)) and variant_key(place.name) == variant_key(m.key))


#: How much the rest of the report must say (the weight of its other places and actors) before a
#: town reached by an alternate name is judged against it: a report of one sentence says too little.
STRAY_MIN_CONTEXT = 2.0
#: A city this large, named in a spelling of its main name (:func:`_known_respelling`), is no stray.
STRAY_MAX_POPULATION = 100_000


def _near_tie_to_the_report(ranked, context: Context):
    """When the ranker is nearly indifferent between a place in a country the report is not about and one
    in a country it is about (its places, its actors and their neighbours), the second: "Israeli airstrikes
    hit Gaza" (the Palestinian city, not the Mozambican province of the same size). The probabilities are
    the ranker's; only the order changes, and only for a near tie."""
    if len(ranked) < 2:
        return ranked
    (top, p_top) = ranked[0]
    if context.country_share(top.country) > 0.0:
        return ranked
    for i, (other, p_other) in enumerate(ranked[1:4], 1):
        if p_other < NEAR_TIE * p_top:
            break
        if other.country and context.country_share(other.country) >= TIE_BREAK_SHARE:
            return [ranked[i], *ranked[:i], *ranked[i + 1:]]
    return ranked


def _explain(m: Mention, place: Place, ranked, match: str, context: Context) -> str:
    """How the place was chosen, in the words of the evidence that decided (``name+cue:province+context:SY``)."""
    how = [match_kind(place, m.key, match)]
    if m.cue:
        how.append(f"cue:{m.cue}")
    if context.country_share(place.country) >= 0.2:
        how.append(f"context:{place.country}")
    if place.kind != "country" and context.admin1_share(place.country, place.admin1) >= 0.2:
        how.append(f"context:{place.country}-{place.admin1}")
    if context.anchors and place.kind not in ("country", "continent") \
            and min(_km(place.point, a) for a in context.anchors) < 250:
        how.append("near-other-places")
    if len(ranked) > 1:
        how.append(f"of:{len(ranked)}")
    return "+".join(how)


_BETWEEN = re.compile(r"\bbetween\s+(?:the\s+)?$", re.IGNORECASE)
_AND = re.compile(r"^\s+and\s+(?:the\s+)?$", re.IGNORECASE)


def _between(results: tuple[Resolution, ...], text: str, derive: bool) -> tuple[Resolution, ...]:
    """"between X and Y": X becomes the corridor joining the two places (Y is still mapped itself)."""
    from dataclasses import replace

    out = list(results)
    for k, (a, b) in enumerate(zip(results, results[1:])):
        if not (a.resolved and b.resolved and a.qualifier is None):
            continue
        between = _BETWEEN.search(text, max(0, a.mention.start - 12), a.mention.start)
        if not (between and _AND.match(text[a.mention.end:b.mention.start])):
            continue
        start = between.start()
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


def _borders(extraction: Extraction, results, gazetteer: Gazetteer, context: Context, derive: bool) -> list[Resolution]:
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
    countries = gazetteer.countries
    named_in = _CountriesNamed(results, extraction)
    strips: dict[tuple[str, str], object] = {}
    sentence_places: dict[int, list[Resolution]] = {}  # the towns and sites each sentence names, in order
    for r in results:
        if r.resolved and r.place.kind in SETTLEMENT_KINDS | SITE_KINDS:
            sentence_places.setdefault(r.mention.sentence_index, []).append(r)
    found = []
    for si, (s_start, s_end) in enumerate(extraction.sentences):
        for m in _BORDER.finditer(text, s_start, s_end):
            start, end = m.start(), m.end()
            compound = " " in m.group(1) or m.group(1).startswith("borderland")
            if not compound and not _BORDER_LOCATIVE.search(text, max(s_start, start - 14), start):
                continue  # a bare "border" is a place only after "on", "across", "along"...
            if re.match(r"\s+of\s+(?:the\s+)?[A-Z]", text[end:end + 12]) and re.search(r"(?:village|town)s?$", m.group(1)):
                continue  # "the border town of Naqoura": the town is the place, named right after
            k = bisect.bisect_left(taken_starts, end) - 1
            if (k >= 0 and reach[k] > start) or (found and found[-1].mention.end > start):
                continue
            named = named_in(s_start, s_end)
            if len(set(named)) < 2 and si > 0 and _PRONOUN_START.match(text, s_start):
                # "It ... sent its troops across the border": the previous sentence says who.
                named += named_in(*extraction.sentences[si - 1])
            named = list(dict.fromkeys(c for c in [*named, main] if c in countries))
            if _TRI.search(text, max(s_start, start - 8), start) and derive:
                # "the tri-border area between Niger, Mali and Burkina Faso": where the three meet
                tri = _tri_border_area(named, countries, gazetteer)
                if tri is not None:
                    geometry, codes = tri
                    sentence = text[s_start:s_end]
                    begin = start - len(_TRI.search(text, max(s_start, start - 8), start).group())
                    mention = Mention(text[begin:end], begin, end, sentence, s_start, si, name_key(text[begin:end]), (),
                                      "border")
                    first = countries[codes[0]]
                    found.append(Resolution(mention, first, 0.6, "tri-border:" + "-".join(codes),
                                            tuple((countries[c].id, 0.0) for c in codes[1:]),
                                            Qualifier("", begin, begin, ("border",)), geometry, "near"))
                    continue
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
            method = f"border:{a.country}-{b.country}"
            if derive:
                # "Metema, on the Sudanese border": the stretch of the border by the place the sentence names,
                # not the whole 700 km of it.
                for r in sentence_places.get(si, ()):
                    stretch = _stretch_near(geometry, r.place.point)
                    if stretch is not None:
                        geometry, method = stretch, f"{method}+near:{r.place.id}"
                        break
            sentence = text[s_start:s_end]
            mention = Mention(text[start:end], start, end, sentence, s_start, si, name_key(text[start:end]), (), "border")
            qualifier = Qualifier("", start, start, ("border",))
            found.append(Resolution(mention, a, 0.6, method, ((b.id, 0.0),), qualifier, geometry, "near"))
    return found


#: Features that run for hundreds of kilometres, of which a sentence naming a town beside one means the stretch
#: by that town: "shelling along the Line of Control in Poonch", "the Dnipro near Kherson".
_LONG_KINDS = frozenset({"line", "river", "canal"})


def _stretches(results: list[Resolution]) -> list[Resolution]:
    """Each line, river or canal resolved in a sentence that also names a town or site within
    :data:`BORDER_NEAR_KM` of it, cut to the stretch near that place (its derived strip too, "along the
    river"), the method saying which place: the event is there, not along the whole feature."""
    from dataclasses import replace

    long = {id(r) for r in results if r.resolved and r.place.kind in _LONG_KINDS}
    if not long:
        return results
    places: dict[int, list[Resolution]] = {}
    areas: dict[int, list[Resolution]] = {}
    for r in results:
        if r.resolved and r.place.kind in SETTLEMENT_KINDS | SITE_KINDS:
            places.setdefault(r.mention.sentence_index, []).append(r)
        elif r.resolved and r.place.kind == "admin_area":
            areas.setdefault(r.mention.sentence_index, []).append(r)
    out = []
    for r in results:
        if id(r) in long:
            for near in places.get(r.mention.sentence_index, ()):
                stretch = _stretch_near(r.geometry, near.place.point)
                if stretch is not None:
                    r = replace(r, geometry=stretch, method=f"{r.method}+near:{near.place.id}",
                                geo_precision="part" if r.geo_precision == "site" else r.geo_precision)
                    break
            else:
                # "on the Line of Actual Control in Ladakh": the stretch inside the province
                for area in areas.get(r.mention.sentence_index, ()):
                    inside = r.geometry.intersection(area.geometry.buffer(0.02))
                    if not inside.is_empty and inside.length + inside.area < r.geometry.length + r.geometry.area:
                        r = replace(r, geometry=inside, method=f"{r.method}+in:{area.place.id}",
                                    geo_precision="part" if r.geo_precision == "site" else r.geo_precision)
                        break
        out.append(r)
    return out


#: A place named in the same sentence as "the border" and at most this far from it says which stretch of the
#: border is meant; the border area drawn is then the part within this distance (plus the place's own) of it.
BORDER_NEAR_KM = 60.0


def _stretch_near(strip, point):
    """The part of a border ``strip`` near ``point`` (lon, lat), or None when the point is not near it."""
    from shapely.geometry import Point
    from shapely.ops import nearest_points
    from .qualify import _local_crs, transform

    nearest = nearest_points(strip, Point(point))[0]
    km = _km(point, (nearest.x, nearest.y))
    if km > BORDER_NEAR_KM:
        return None
    forward, back = _local_crs(round(point[0], 2), round(point[1], 2))
    circle = transform(back.transform, transform(forward.transform, Point(point)).buffer((km + BORDER_NEAR_KM) * 1000))
    stretch = strip.intersection(circle)
    return stretch if not stretch.is_empty else None


_TRI = re.compile(r"(?:tri-?|three-?\s?)$", re.IGNORECASE)
#: Radius of a derived tri-border area around the point where three countries meet.
TRI_BORDER_KM = 75.0


def _tri_border_area(named: list[str], countries, gazetteer: Gazetteer):
    """The land within :data:`TRI_BORDER_KM` of the point where three of the ``named`` countries meet (the
    first such three, in the order named), with their codes; None when no three of them meet."""
    from itertools import combinations

    from shapely.geometry import Point
    from .qualify import _local_crs, transform

    for trio in combinations(named, 3):
        held = [_held(countries[c], gazetteer) for c in trio]
        if any(x.distance(y) > 0.01 for x, y in combinations(held, 2)):
            continue
        meeting = held[0].boundary.intersection(held[1].buffer(0.05)).intersection(held[2].buffer(0.05))
        if meeting.is_empty:
            continue
        c = meeting.centroid
        forward, back = _local_crs(round(c.x, 2), round(c.y, 2))
        circle = transform(back.transform, transform(forward.transform, Point(c.x, c.y)).buffer(TRI_BORDER_KM * 1000))
        area = circle.intersection(held[0].union(held[1]).union(held[2]))
        if not area.is_empty:
            return area, trio
    return None


_PRONOUN_START = re.compile(r"\W*(?:it|they|its|their)\b", re.IGNORECASE)


class _CountriesNamed:
    """Countries each stretch of one report names, as places or through their actors, in order: sorted once,
    each look-up by bisection."""

    def __init__(self, results, extraction: Extraction):
        from ..language.actors import actor as get_actor

        named = [(r.mention.start, r.place.country) for r in results if r.resolved and r.place.kind == "country"]
        named += [(a.start, getattr(get_actor(a.actor), "country", None)) for a in extraction.actor_mentions]
        self._named = sorted((start, country) for start, country in named if country)
        self._starts = [start for start, _ in self._named]

    def __call__(self, start: int, end: int) -> list[str]:
        import bisect

        lo, hi = bisect.bisect_left(self._starts, start), bisect.bisect_left(self._starts, end)
        return [country for _, country in self._named[lo:hi]]


def _held(country: Place, gazetteer: Gazetteer):
    """The country as held on the ground: plus the areas a pack says it controls, minus those
    inside it held by others (Israel with the occupied Golan, Syria without it), so that "the
    border" follows the line where the two sides meet."""
    cache = gazetteer.memo("resolution:held", 1_000)
    if country.id in cache:
        return cache[country.id]
    from ..language.actors import actors

    geometry = country.geometry
    for p in gazetteer:
        if not p.controller or p.kind not in ("region", "zone", "admin_area") or p.controller not in actors():
            continue
        holder = actors()[p.controller].country
        if holder == country.country:
            geometry = geometry.union(p.geometry)
        elif geometry.intersects(p.geometry):
            geometry = geometry.difference(p.geometry)
    cache.put(country.id, geometry)
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


#: Derived areas kept by place and qualifier: "southern Gaza", "the outskirts of Khartoum" recur from
#: report to report, and deriving one (projecting, buffering, cutting a polygon) costs more than the
#: rest of resolving the mention. Keyed by the Place object itself, so two gazetteers never share one.
_DERIVED = BoundedMemo(2_000)


def _derived(place: Place, qualifier: Qualifier, cores, land):
    if land is not None:  # the coast a place is off is the gazetteer's: not kept
        return derive_geometry(place.geometry, qualifier, urban_cores=cores, land=land)
    key = (place, qualifier.rules, qualifier.bearing, qualifier.distance_m, tuple(cores))
    geometry = _DERIVED.get(key)
    if geometry is None:
        geometry = _DERIVED.put(key, derive_geometry(place.geometry, qualifier, urban_cores=cores))
    return geometry


def _base_precision(place: Place) -> str:
    if place.kind in ("continent", "country", "region") or (place.kind in AREA_KINDS and place.approx_area_km2 > 8000):
        return "region"
    if place.kind in AREA_KINDS:
        return "part"
    return "site"


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
