"""Recognition: find the places a report names, with exact character offsets, and how each is used.

Three steps:

1. **Candidates.** Gazetteer names matched longest-first over word tokens (exact
   keys, then spelling variants: :func:`mapping.gazetteer.names.variant_key`), press
   abbreviations ("W.Va.", "B.C."), and capitalised names the gazetteer does not
   know where the words around them say "place" (after *in*, *near*, *from*...,
   before *province*, *district*, *village*, in "the X area", a dateline
   "KHARKIV, Ukraine —", a list beside known places).
2. **Is it a place?** A logistic model learned from annotated news
   (``mapping/data/models/toponyms.json``, fitted by ``data/train_models.py`` on
   the LGL and GeoVirus corpora) weighs each candidate's evidence: what the
   gazetteer knows of the name (kinds, population, curated or world, name or
   alias), its shape (capitalised, ALL CAPS, sentence-initial), the words around
   it, person-name evidence (a first name or surname, "Mr", a full name elsewhere
   in the report), organisation words, and how the report uses the name
   elsewhere. Candidates below the model's threshold are set aside with their
   score (``Extraction.rejected``).
3. **How is it used?** A place name inside a longer name ("Paris Police
   Department", "Fargo Mayor", "Costco Canada", "Kharkiv-based") is
   *associative*; a demonym ("Russian troops") names its country as a
   *demonym*; a capital or country used for its government ("Moscow is keen")
   is *metonymic* and also an actor mention. Only *literal* mentions become
   places on the map; the others are kept, with offsets and the place they
   point to, in ``Extraction.associative``.

A capitalised name used as a place that no gazetteer holds is kept as a mention
without candidates (``match="unknown"``), which resolution reports as unresolved
with its reason: recognition is never silent.
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import repeat

from ..datafiles import package_json, package_lines, learned_model
from .actors import ActorMention, actors, find_actor_mentions, seat_actor
from ..gazetteer.places import PHYSICAL_KINDS, SITE_KINDS, Gazetteer
from ..gazetteer.names import _ARTICLES, join_keys, name_key, variant_key, word_keys
from .report import Report
from .text import Token, alternation, sentence_index, sentence_spans, tokenize

__all__ = ["Mention", "Extraction", "Candidate", "extract", "extract_from", "candidates", "ROLES"]

#: How a mention uses its place: only ``literal`` mentions are drawn as places.
ROLES = ("literal", "associative", "demonym", "metonymic", "possible")


@dataclass(frozen=True)
class Mention:
    """A place named in the report: ``report.text[start:end] == text``.

    ``candidates`` are gazetteer ids with this name (empty when unknown);
    ``cue`` is a neighbouring word that says what kind of place it is
    ("province", "village", "air base", "river"); ``role`` is one of
    :data:`ROLES`; ``match`` says how the name was found (``name``,
    ``variant``, ``abbreviation``, ``demonym``, ``unknown``, ``feature``);
    ``score`` is the toponym model's probability that the words name a place;
    ``context`` is the longer name an associative mention sits in.
    """

    text: str
    start: int
    end: int
    sentence: str
    sentence_start: int
    sentence_index: int
    key: str
    candidates: tuple[str, ...] = ()
    cue: str | None = None
    role: str = "literal"
    match: str = "name"
    score: float = 1.0
    context: str | None = None
    #: The span of the name of the area the text places this one in ("Bara in North Kordofan", "the
    #: Catatumbo region of Norte de Santander"), if any.
    within: tuple[int, int] | None = None

    def __post_init__(self):
        if self.end - self.start != len(self.text) or self.start < 0:
            raise ValueError(f"mention {self.text!r} has inconsistent offsets {self.start}..{self.end}")

    def to_dict(self) -> dict:
        return {"text": self.text, "start": self.start, "end": self.end, "sentence": self.sentence}


@dataclass(frozen=True)
class Extraction:
    """What recognition found: literal place mentions, associative ones, actor mentions, sentences,
    and the candidates it set aside (text, start, end, reason)."""

    report: Report
    mentions: tuple[Mention, ...]
    actor_mentions: tuple[ActorMention, ...]
    sentences: tuple[tuple[int, int], ...]
    rejected: tuple[tuple[str, int, int, str], ...] = field(default=())
    associative: tuple[Mention, ...] = field(default=())

    def sentence_of(self, offset: int) -> int:
        return sentence_index(list(self.sentences), offset)


class _Sentences(list):
    """Sentence spans, carrying each sentence's tokens (so that later steps do not tokenize again)."""

    def __init__(self, spans, tokens):
        super().__init__(spans)
        self.tokens = tokens


@dataclass
class Candidate:
    """A span that may name a place, with the evidence the toponym model weighs."""

    start: int
    end: int
    key: str
    ids: tuple[str, ...]
    match: str
    sentence_index: int
    cue: str | None = None
    features: list = field(default_factory=list)
    role: str = "literal"
    context: str | None = None
    #: The country or region the text places this name in ("X in southern Lebanon"), if any.
    area: "Candidate | None" = field(default=None, repr=False, compare=False)


# -- word lists (mapping/data/recognition_words.json) ---------------------------------

@cache
def _words() -> dict[str, frozenset[str]]:
    data = package_json("recognition_words.json")
    return {k: frozenset(v["words"]) for k, v in data.items() if isinstance(v, dict) and "words" in v}


def _w(name: str) -> frozenset[str]:
    return _words()[name]


@cache
def _title_keys() -> frozenset[str]:
    return frozenset(w.lower() for w in _w("titles")) | {"st", "mt", "ft"}


@cache
def _unit_words() -> frozenset[str]:
    """Lower-case words that may end a place name: "province", "oblast", "river"."""
    return frozenset(w.lower() for w in _w("place_type_words"))


@cache
def _common_words() -> frozenset[str]:
    return frozenset(package_lines("common_words.txt"))


@cache
def _person_names() -> dict[str, tuple[float, float]]:
    """Share of people (percent) with this first name and with this surname (1990 US Census)."""
    table = {}
    for line in package_lines("person_names.tsv"):
        name, first, last = line.split("\t")
        table[name] = (float(first), float(last))
    return table


@cache
def _abbreviations() -> tuple[re.Pattern, dict[str, dict]]:
    data = package_json("abbreviations.json")
    table = {a["text"]: a for a in data["abbreviations"]}
    pattern = re.compile(r"(?<![\w.])(" + alternation(table) + r")(?![\w])")
    return pattern, table


@cache
def _not_places() -> re.Pattern:
    data = package_json("not_places.json")
    return re.compile(r"(?<![\w-])(?:" + alternation(data["names"]) + r")(?![\w-])")


@cache
def _demonyms() -> dict[str, str]:
    """Demonym -> actor id, for the actors that are countries."""
    return {d: a.id for a in actors().values() for d in a.demonyms if a.country and a.kind == "state"}


@cache
def _all_demonyms() -> frozenset[str]:
    return frozenset(d for a in actors().values() for d in a.demonyms)


# -- the toponym model ----------------------------------------------------------------

@cache
def toponym_model() -> dict:
    """The learned weights (``mapping/data/models/toponyms.json``), or a neutral model if absent."""
    return learned_model("toponyms.json", {"bias": 0.0, "weights": {}, "threshold": 0.5, "threshold_unknown": 0.5})


def score_features(features, model: dict | None = None) -> float:
    """The model's probability that a candidate with these features names a place."""
    model = model or toponym_model()
    weights = model["weights"]
    z = model["bias"] + sum(map(weights.get, features, repeat(0.0)))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


# -- helpers --------------------------------------------------------------------------

_ARTICLE_WORDS = frozenset({"as", "at", "an", "ad", "ar", "ash", "ath", "adh", "ud", "ul"})
_CONTRACTION = re.compile(r"['’](?:ve|ll|re|d|m|t)$", re.IGNORECASE)
_CUE_AFTER = re.compile(
    r"\s*(?:'s\s+)?(province|governorate|district|subdistrict|region|oblast|raion|rayon|state|county|municipality|"
    r"city|town|township|territory|village|countryside|air\s?base|airbase|naval\s+base|naval\s+facility|base|"
    r"airport|port|camp|crossing|area|border|river|lake|sea|gulf|bay|strait|canal|mountains?|valley|desert|"
    r"island|peninsula|dam|power\s+plant|nuclear\s+plant|hospital|bridge)\b",
    re.IGNORECASE,
)
_CUE_BEFORE = re.compile(
    r"\b(province|governorate|district|region|city|town|village|villages|camp|port|area|suburb|neighbou?rhood|"
    r"state|county|oblast|island|lake|gulf|bay|sea|strait|river|bank|banks)\s+of\s+(?:the\s+)?$",
    re.IGNORECASE,
)
#: The word before a cue word, when it is capitalised: a name the cue belongs to ("the Abu Salim district of").
_NAME_BEFORE_CUE = re.compile(r"\b([A-Z][\w'’-]*)\s+$")
_DETERMINERS = frozenset({"the", "a", "an", "this", "that", "its", "their", "his", "her", "our", "each", "every"})
_FEATURE_BEFORE = re.compile(r"\b(?:(?:Lake|Mount|Mt\.?|Cape|Isle|Lac|Wadi|Jebel|Jabal)\s+|"
                             r"(?:Gulf|Bay|Sea|Strait|Straits|Lake|Isle)\s+of\s+(?:the\s+)?)$")
_PERSON = re.compile(
    r"\b(?:(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Col|Lt|Sgt|Capt|Det|Officer|Deputy|Sheriff|Judge|President|Minister|"
    r"Mayor|Coach|Chief|Prof|Rev|Father)\.?\s+(?:[A-Z]\.\s+)?((?:[A-Z][a-z]+\s+){0,2}[A-Z][\w'’-]+)"
    r"|([A-Z][a-z]+(?:\s+[A-Z]\.)?\s+[A-Z][\w'’-]+)(?=,?\s+(?:said|says|told|added|explained|wrote|who|\d{1,3},)))"
)
_SENTENCE_OPENING = re.compile(r"(?:^|[.!?][\"”’)]*\s+|\n)\s*[\"“‘(]?$")
_NAME_PAIR = re.compile(r"\b([A-Z][a-z]+) (?:[A-Z]\. )?([A-Z][a-z]{2,})\b")
_DATELINE = re.compile(r"\s*(?:\(?[A-Z][A-Z .'’-]{2,}[A-Z]\)?)(?:,\s*[A-Z][\w. ]+)?\s*(?:\(\w+\)\s*)?[—–-]+")
_LIST_SEP = re.compile(r"^\s*(?:,\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+|\s*/\s*)$")
_DECISIVE_CUES = frozenset({"province", "governorate", "district", "subdistrict", "oblast", "raion", "county",
                            "village", "town", "city", "camp", "region", "municipality", "countryside", "area",
                            "township", "territory"})
#: Cues naming an administrative unit: with a candidate unit of that name, the name says what it is.
_UNIT_CUES = frozenset({"province", "governorate", "district", "subdistrict", "oblast", "raion", "county", "region",
                        "municipality", "township", "territory", "state", "prefecture", "department"})
#: Words that may lead a longer name without being one ("As Suwayda", "Al Qunaytirah").
_LEADING_ARTICLES = _ARTICLE_WORDS | {"al", "el"}
_DIRECTION_WORDS = frozenset("north south east west northern southern eastern western central northeast northwest "
                             "southeast southwest northeastern northwestern southeastern southwestern upper lower "
                             "greater inner outer".split())
_KIND_GROUPS = {"country": "country", "continent": "continent", "admin_area": "admin", "region": "region",
                "zone": "zone", "line": "zone", "quarter": "quarter", "city": "city", "town": "town", "village": "village"}


class _Spans:
    """Character spans, sorted, answering "does [start, end) overlap one of them?" in log time.

    Spans here are names and phrases, never longer than ``reach`` characters.
    """

    def __init__(self, spans=(), reach: int = 400):
        self.items = sorted(spans)
        self.starts = [s[0] for s in self.items]
        self.reach = reach

    def add(self, span):
        k = bisect.bisect_left(self.starts, span[0])
        self.starts.insert(k, span[0])
        self.items.insert(k, span)

    def overlapping(self, start: int, end: int):
        k = bisect.bisect_left(self.starts, end) - 1
        while k >= 0 and self.starts[k] > start - self.reach:
            if self.items[k][1] > start:
                return self.items[k]
            k -= 1
        return None


def _joinable(sep: str) -> bool:
    # Words of one name are separated by a single space or hyphen, or by the full stop of an
    # abbreviation the sentence splitter kept inside the sentence ("St. Petersburg", "Ft. Worth").
    return sep in (" ", "-", "‐", "‑", ". ")


@lru_cache(maxsize=65536)
def _shape(word: str) -> str:
    if word.isupper() and len(word) > 1:
        return "allcaps"
    if word[:1].isupper():
        return "mixed" if any(c.isupper() for c in word[1:]) else "title"
    if word[:1].isdigit():
        return "digit"
    return "lower"


def _bin(value: float, edges) -> int:
    return bisect.bisect_right(edges, value)


def _country_actor(gazetteer: Gazetteer, ids) -> str | None:
    countries = {gazetteer[i].country for i in ids if gazetteer[i].kind == "country"}
    for a in actors().values():
        if a.kind == "state" and a.country in countries:
            return a.id
    return None


# -- step 1: candidates ---------------------------------------------------------------

class _Document:
    """What the whole report says about names: person names, place-like uses, counts."""

    def __init__(self, text: str, start: int, gazetteer: Gazetteer):
        names = _person_names()
        surnames, first_names = set(), set()
        for m in _PERSON.finditer(text, start):
            full = (m.group(1) or m.group(2)).split()
            surnames.add(full[-1])
        for m in _NAME_PAIR.finditer(text, start):
            first, last = m.group(1), m.group(2)
            # "Barack Obama", "Tom Moore": two capitalised words that are not a place, a title or an
            # opener. At the start of a sentence the first must be a known first name: "Although
            # Edmonton ..." is no evidence that Edmonton is anyone's surname.
            initial = _SENTENCE_OPENING.search(text[max(start, m.start() - 4):m.start()]) is not None \
                or m.start() == start
            known_first = names.get(first, (0.0, 0.0))[0] >= 0.005
            if initial and not known_first:
                continue
            if first in _w("place_modifiers") or first in _w("name_openers") or first in _w("titles") \
                    or first in _all_demonyms() or last in _w("place_type_words") or last in _w("organisation_words") \
                    or gazetteer.candidates(name_key(m.group())) or (not known_first and gazetteer.candidates(name_key(first))):
                continue
            surnames.add(last)
            first_names.add(first)
        self.surnames = frozenset(surnames)
        self.first_names = frozenset(first_names)
        self.locative: dict[str, set[int]] = {}  # keys seen right after a locative preposition, and where
        self.counts: dict[str, int] = {}


def candidates(report: Report, gazetteer: Gazetteer) -> tuple[list[Candidate], list[ActorMention], list]:
    """Every span of ``report`` that may name a place, with its features (step 1 of :func:`extract`).

    Returns (candidates, actor mentions, sentence spans).
    """
    text = report.text
    spans = sentence_spans(text, report.body_start)
    actor_mentions = find_actor_mentions(text, report.body_start)
    blocked = [(m.start(), m.end(), m.group()) for m in _not_places().finditer(text, report.body_start)]
    # Organisations and armed groups ("Hamas", "UNDOF") are not places, whatever GeoNames holds.
    # Institutions named after a place ("Israel Defense Forces", "the White House") are actors too.
    blocked += [(a.start, a.end, a.text) for a in actor_mentions
                if a.role == "organisation" or (a.role == "name" and actors()[a.actor].kind != "state")]
    blocked = _Spans(blocked)
    doc = _Document(text, report.body_start, gazetteer)
    found: list[Candidate] = []
    sentence_tokens = []
    lowercase_first_words = gazetteer.lowercase_first_words
    for si, (s_start, s_end) in enumerate(spans):
        tokens = tokenize(text, s_start, s_end)
        sentence_tokens.append(tokens)
        taken = _abbreviation_candidates(text, s_start, s_end, si, blocked, gazetteer, found)
        i = _dateline_candidate(text, tokens, s_start, s_end, si, gazetteer, doc, found)
        while i < len(tokens):
            token = tokens[i]
            if not token.text[:1].isupper() and token.text.lower() not in lowercase_first_words:
                i += 1
                continue
            if (taken and any(a <= token.start < b for a, b in taken)) or blocked.overlapping(token.start, token.end):
                i += 1
                continue
            match = _longest_match(text, tokens, i, gazetteer)
            if match and token.text.lower() == "the" and i + 1 < len(tokens):
                # "The Golan Heights": a name without the article that reaches as far or farther wins.
                inner = _longest_match(text, tokens, i + 1, gazetteer)
                if inner and inner[2] >= match[2]:
                    i, match = i + 1, inner
            if match and match[0] == 1 and token.text.lower() in _DIRECTION_WORDS and i + 1 < len(tokens) \
                    and tokens[i + 1].is_capitalized and _joinable(text[token.end:tokens[i + 1].start]):
                i += 1  # "Eastern Kentucky", "South Lebanon": the direction qualifies the next name
                continue
            if match:
                n, start, end, key, ids = match
                how = "name"
                longer = _longer_unknown_name(text, tokens, i, n, gazetteer)
                if longer and _place_context(text, tokens, i, found, s_start, s_end):
                    (n, start, end, key, ids) = _spelled_like(longer, gazetteer)
                    how = "variant" if ids else "unknown"
            elif token.is_capitalized and token.text.lower() not in ("the", "a", "an"):
                # A name no gazetteer spells this way is looked up by its spelling variants only where the
                # words around it say a place is named: elsewhere a look-alike is mostly a person's or a
                # firm's name (measured on LGL and GeoVirus: precision up, F1 and acc@161 no lower). Its
                # repeats elsewhere in the report are found again by _repeats_of_unknown_places.
                if not _place_context(text, tokens, i, found, s_start, s_end):
                    i += 1
                    continue
                variant = _variant_match(text, tokens, i, gazetteer)
                if variant:
                    longer = _longer_unknown_name(text, tokens, i, variant[0], gazetteer)
                    variant = _spelled_like(longer, gazetteer) if longer else variant
                n, start, end, key, ids = variant or _unknown_span(text, tokens, i)
                how = ("name" if _same_letters(key, ids, gazetteer) else "variant") if ids else "unknown"
            else:
                i += 1
                continue
            if blocked.overlapping(start, end):
                i += n
                continue
            cand = Candidate(start, end, key, ids, how, si, cue=_cue(text, start, end, s_start, s_end))
            cand.features = _features(text, tokens, i, n, cand, gazetteer, doc, s_start, s_end)
            if found and found[-1].ids and text[found[-1].end:start] in ("-", "–", "/"):
                cand.features.append("pair-with-place")  # "Syria-Russia talks", "the Sudan-Chad border"
                found[-1].features.append("pair-with-place")
            found.append(cand)
            doc.counts[key] = doc.counts.get(key, 0) + 1
            if i > 0 and tokens[i - 1].text.lower() in _w("locative_before"):
                doc.locative.setdefault(key, set()).add(start)
            i += n
    found += _repeats_of_unknown_places(text, spans, sentence_tokens, found, gazetteer, doc, blocked)
    found.sort(key=lambda c: c.start)
    # Document-level evidence: how the report uses the same name elsewhere.
    for cand in found:
        count = doc.counts.get(cand.key, 0)
        if count > 1:
            cand.features.append("doc:repeated")
        if doc.locative.get(cand.key, set()) - {cand.start}:
            cand.features.append("doc:locative-elsewhere")
    _list_neighbours(text, found)
    _located_in_areas(text, found)
    return found, actor_mentions, _Sentences(spans, sentence_tokens)


def _place_context(text, tokens, i, found, s_start, s_end) -> bool:
    """Whether the words around token ``i`` say a place is named there (for names no gazetteer knows)."""
    token = tokens[i]
    prev = tokens[i - 1] if i > 0 else None
    if prev is not None and prev.text.lower() in _place_prepositions():
        return True
    if _cue(text, token.start, token.end, s_start, s_end) or (i + 1 < len(tokens) and tokens[i + 1].text in _w("place_type_words")):
        return True
    if i == 0 and token.text.isupper() and len(token.text) > 2 and _DATELINE.match(text, s_start):
        return True
    if prev is not None and prev.text.lower() == "the" and re.match(r"\s*(?:\w+\s+)?(?:area|region|district|countryside)\b",
                                                                    text[token.end:token.end + 30], re.IGNORECASE):
        return True
    # Listed after a known place, or after a name that follows a locative ("in Haret Hreik and Burj al-Barajneh").
    last = found[-1] if found else None
    return bool(last and (last.ids or "locative-before" in last.features) and token.start - last.end <= 8
                and _LIST_SEP.match(text[last.end:token.start]))


@cache
def _place_prepositions() -> frozenset[str]:
    """Words right before a name that say a place follows, for a name no gazetteer knows (the verbs of
    attack and capture too: "after taking Kamanyola")."""
    return _w("locative_before") | _w("attack_verbs") | _w("prepositions") - {"of", "by", "for"}


@cache
def _not_in_a_place_name() -> frozenset[str]:
    """Lower-cased words that end a run of capitalised words as a place name: months and days, titles, openers."""
    return _w("calendar") | {w.lower() for w in _w("titles") | _w("name_openers")}


def _dateline_candidate(text, tokens, s_start, s_end, si, gazetteer, doc, found) -> int:
    """A dateline of several ALL-CAPS words ("VERKHNIA KRUHLIVKA, Ukraine —") that no gazetteer name
    covers whole is one place name, unknown: not its first word as a village. Returns the token to go on from."""
    n = 0
    while n < len(tokens) and n < 4 and tokens[n].text.isupper() and len(tokens[n].text) > 1 \
            and (n == 0 or _joinable(text[tokens[n - 1].end:tokens[n].start])):
        n += 1
    if n < 2 or not _DATELINE.match(text, s_start):
        return 0
    key = join_keys([p for t in tokens[:n] for p in word_keys(t.text)])
    if gazetteer.candidates(key):
        return 0
    cand = Candidate(tokens[0].start, tokens[n - 1].end, key, (), "unknown", si)
    cand.features = _features(text, tokens, 0, n, cand, gazetteer, doc, s_start, s_end) + ["dateline"]
    found.append(cand)
    return n


def _repeats_of_unknown_places(text, spans, sentence_tokens, found, gazetteer, doc, blocked) -> list[Candidate]:
    """Other occurrences of a name no gazetteer knows (or knows only in a look-alike spelling) that the
    report uses as a place somewhere ("fighting in Rathedaung ... Rathedaung was shelled"): candidates
    too, whatever words stand around them."""
    unknown = {c.key: len(c.key.split()) for c in found if (not c.ids and c.match == "unknown") or c.match == "variant"}
    ids_of = {c.key: c.ids for c in found if c.match == "variant"}
    if not unknown:
        return []
    taken = _Spans([(c.start, c.end) for c in found])
    lengths = sorted(set(unknown.values()), reverse=True)
    # A window whose key is one of these has a word of them in its first token, unless that token is
    # only articles (which keys drop): a cheap test before building any key.
    words = {w for key in unknown for w in key.split()}
    extra = []
    for si, tokens in enumerate(sentence_tokens):
        s_start, s_end = spans[si]
        for i, token in enumerate(tokens):
            if not token.text[:1].isupper():
                continue
            parts = word_keys(token.text)
            if not any(p in words for p in parts) and not all(p in _ARTICLES for p in parts):
                continue
            for n in lengths:
                window = tokens[i:i + n]
                if len(window) < n or any(not t.is_capitalized for t in window):
                    continue
                key = join_keys([p for t in window for p in word_keys(t.text)])
                # A repeat inside an organisation's name ("Russian military police") is the organisation's.
                if key in unknown and not taken.overlapping(window[0].start, window[-1].end) \
                        and not blocked.overlapping(window[0].start, window[-1].end):
                    ids = ids_of.get(key, ())
                    cand = Candidate(window[0].start, window[-1].end, key, ids, "variant" if ids else "unknown", si,
                                     cue=_cue(text, window[0].start, window[-1].end, s_start, s_end))
                    cand.features = _features(text, tokens, i, n, cand, gazetteer, doc, s_start, s_end)
                    extra.append(cand)
                    taken.add((cand.start, cand.end))
                    break
    return extra


def _abbreviation_candidates(text, s_start, s_end, si, blocked, gazetteer, found) -> list[tuple[int, int]]:
    pattern, table = _abbreviations()
    taken = []
    for m in pattern.finditer(text, s_start, s_end):
        entry = table[m.group(1)]
        if entry["after_comma_only"] and not re.search(r"[A-Z][\w.]*,\s*$", text[max(s_start, m.start() - 40):m.start()]):
            continue
        if blocked.overlapping(m.start(), m.end()):
            continue
        key = name_key(entry["name"])
        ids = tuple(i for i in gazetteer.candidates(key)
                    if gazetteer[i].country == entry["country"] and gazetteer[i].kind == entry["kind"])
        if ids:
            cand = Candidate(m.start(), m.end(), key, ids, "abbreviation", si,
                             cue={"admin_area": "state", "city": "city"}.get(entry["kind"]))
            cand.features = ["m:abbreviation", f"k:{entry['kind']}"]
            found.append(cand)
            taken.append((m.start(), m.end()))
    return taken


def _longest_match(text, tokens, i, gazetteer):
    """The longest gazetteer name starting at token ``i``: (n, start, end, key, ids) or None."""
    # Which words from ``i`` on name a place depends on nothing but the words and what joins them: the
    # answers are kept per gazetteer, as capitalised words recur ("The", "Police", "Texas"). Most words
    # begin no longer name, and then the words after them need no look at all.
    first = tokens[i]
    memo = gazetteer.memo("recognition:names")
    alone = memo.get(first.text)
    if alone is None:
        parts = word_keys(first.text)
        leads = gazetteer.extends(join_keys(parts)) or first.text.lower() in _LEADING_ARTICLES
        alone = memo.put(first.text, (leads, _longest_within(text, tokens, i, 1, gazetteer)))
    leads, found = alone
    if not leads and i + 1 < len(tokens) and text[first.end:tokens[i + 1].start] in _POSSESSIVE_GAPS:
        leads = gazetteer.extends(join_keys(word_keys(first.text + "s")))  # "Cox's Bazar", "King's Lynn"
    if leads:
        max_words = gazetteer.max_key_words
        reach, parts = 1, [word_keys(first.text)]  # each token's key parts
        while reach < max_words and i + reach < len(tokens):
            gap = text[tokens[i + reach - 1].end:tokens[i + reach].start]
            if not _joinable(gap):
                if gap not in _POSSESSIVE_GAPS:
                    break
                parts[-1] = word_keys(tokens[i + reach - 1].text + "s")  # as in _key_parts
            if reach > 1 and not gazetteer.extends(join_keys([p for token_parts in parts for p in token_parts])):
                break
            parts.append(word_keys(tokens[i + reach].text))
            reach += 1
        if reach > 1:
            window = tokens[i:i + reach]
            signature = (tuple(t.text for t in window), tuple(text[a.end:b.start] for a, b in zip(window, window[1:])))
            found = memo.get(signature, _UNSEEN)
            if found is _UNSEEN:
                found = memo.put(signature, _longest_within(text, tokens, i, reach, gazetteer))
    if found is None:
        return None
    n, key, ids = found
    return (n, first.start, tokens[i + n - 1].end, key, ids)


_UNSEEN = object()
#: What stands between the words of a name with a possessive inside: "Cox's Bazar", "Martha's Vineyard".
_POSSESSIVE_GAPS = frozenset({"'s ", "’s "})


def _key_parts(text: str, window) -> list[str]:
    """The name-key parts of a window of tokens; a word whose possessive the tokenizer set apart, inside the
    window, is keyed with it ("Cox's Bazar" is "coxs bazar", as the gazetteer keys the name)."""
    last = len(window) - 1
    return [part for j, t in enumerate(window)
            for part in (word_keys(t.text + "s") if j < last and text[t.end:window[j + 1].start] in _POSSESSIVE_GAPS
                         else word_keys(t.text))]


def _longest_within(text, tokens, i, reach, gazetteer):
    """The longest name among the first ``reach`` tokens from ``i``: (n, key, ids) or None."""
    first = tokens[i]
    connectors = _w("connectors")
    for n in range(reach, 0, -1):
        window = tokens[i:i + n]
        if n > 1 and window[0].text.lower() in _ARTICLE_WORDS and text[window[0].end:window[1].start] == " ":
            continue
        if window[-1].text.lower() in connectors and (n == 1 or not window[-1].is_capitalized):
            continue  # a name ends in no "of" or "and"; a capitalised "Sur" ends "Lanao del Sur"
        key = join_keys(_key_parts(text, window))
        if len(key.replace(" ", "")) < 2 or _CONTRACTION.search(window[-1].text):
            continue
        ids = gazetteer.candidates(key)
        if not ids:
            continue
        # Lower-case words inside a name: connectors ("Bosnia and Herzegovina"), unit words ("Quneitra
        # province", "Donetsk oblast"), or what a curated alias spells that way.
        if any(not t.is_capitalized and t.text.lower() not in connectors and t.text.lower() not in _unit_words()
               for t in window[1:]) and not any(gazetteer.is_curated(i) for i in ids) \
                and not gazetteer.matches_lowercase(key):
            continue
        if not first.is_capitalized and not gazetteer.matches_lowercase(key):
            continue
        return (n, key, ids)
    return None


def _variant_match(text, tokens, i, gazetteer):
    """A gazetteer name spelled differently (Bent Jbail for Bint Jbeil), up to three words."""
    # The longest window that is all capitalised words joined as one name: every shorter one is too.
    run = 0
    while run < 3 and i + run < len(tokens) and tokens[i + run].text[:1].isupper() \
            and (run == 0 or _joinable(text[tokens[i + run - 1].end:tokens[i + run].start])):
        run += 1
    if run == 0:
        return None
    words = tuple(t.text for t in tokens[i:i + run])
    memo = gazetteer.memo("recognition:variants")
    found = memo.get(words, _UNSEEN)
    if found is _UNSEEN:
        found = None
        for n in range(run, 0, -1):
            key = join_keys([p for word in words[:n] for p in word_keys(word)])
            if len(key.replace(" ", "")) < 5:
                continue
            ids = gazetteer.variant_candidates(key)
            if ids:
                found = (n, key, ids)
                break
        memo.put(words, found)
    if found is None:
        return None
    n, key, ids = found
    return (n, tokens[i].start, tokens[i + n - 1].end, key, ids)


def _same_letters(key: str, ids, gazetteer) -> bool:
    """Whether a candidate's name has the very letters of ``key``, only split into words otherwise ("Miranshah" for
    Miran Shah): the same spelling, not a look-alike."""
    joined = key.replace(" ", "")
    return any(name_key(gazetteer.brief(i)[4]).replace(" ", "") == joined for i in ids[:10])


def _spelled_like(span, gazetteer):
    """A longer run of capitalised words no gazetteer name covers, with the records whose name is spelled
    like it ("Um Rawaba" for Umm Ruwaba), if any: (n, start, end, key, ids)."""
    n, start, end, key, _ = span
    return (n, start, end, key, gazetteer.variant_candidates(key) if len(key.replace(" ", "")) >= 5 else ())


#: Articles that join the next word with a hyphen inside one name ("Burj al-Barajneh", "Deir ez-Zor").
_PARTICLES = frozenset({"al", "el", "ad", "as", "ash", "ar", "an", "ez", "es", "ed"})


def _unknown_span(text, tokens, i):
    """The run of capitalised words starting at ``i`` (with inner connectors: "Bint al-Jbeil")."""
    n = 1
    while i + n < len(tokens) and n < 4 and _joinable(text[tokens[i + n - 1].end:tokens[i + n].start]):
        nxt = tokens[i + n]
        if nxt.is_capitalized and nxt.text not in _w("place_type_words") and nxt.text not in _w("organisation_words"):
            n += 1
        elif nxt.text.lower() in _PARTICLES and i + n + 1 < len(tokens) \
                and tokens[i + n + 1].is_capitalized:
            n += 2
        else:
            break
    window = tokens[i:i + n]
    return (n, window[0].start, window[-1].end, join_keys([p for t in window for p in word_keys(t.text)]), ())


def _longer_unknown_name(text, tokens, i, n, gazetteer):
    """The whole run of capitalised words at ``i`` when a gazetteer name covers only its first ``n``
    words and no gazetteer name covers it all ("Um Sereiba", not "Um" and a look-alike of "Serbia";
    "Little Harnsworth", "Kyaukhtin Gyi"); None otherwise."""
    if n > 1:
        return None
    run = _unknown_span(text, tokens, i)
    if run[0] <= n or gazetteer.candidates(run[3]):
        return None
    rest = tokens[i + n:i + run[0]]
    if any(text[a.end:b.start] != " " and a.text.lower() not in _PARTICLES for a, b in zip(tokens[i:i + run[0]], rest)):
        return None  # "D-Charleston", "Fargo-Moorhead": a hyphen joins two names ("Burj al-Barajneh" is one)
    first = _longest_match(text, tokens, i, gazetteer) or _variant_match(text, tokens, i, gazetteer)
    # ("Burj al-Barajneh": an article joined by a hyphen goes on with the same name)
    particle = len(rest) > 1 and rest[0].text.lower() in _PARTICLES and text[rest[0].end:rest[1].start] in ("-", "‐", "‑")
    if first and not particle \
            and any(_notable(gazetteer, place_id) and name_key(gazetteer.brief(place_id)[4]) == first[3]
                    for place_id in first[4][:10]):
        return None  # "Dallas Cowboys", "Athens Regional": a well-known place's name leads a longer name
    if any(t.text.lower() in _not_in_a_place_name() or t.text in _all_demonyms() for t in rest):
        return None
    return run


#: "the Kursk and Belgorod regions", "Kharkiv, Sumy and Chernihiv oblasts": a plural unit word after a list
#: of names is each name's cue.
_PLURAL_UNITS = {"regions": "region", "provinces": "province", "oblasts": "oblast", "states": "state",
                 "governorates": "governorate", "districts": "district", "counties": "county"}
_LISTED_BEFORE_PLURAL = re.compile(
    r"(?:\s*,\s*[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)?)*,?\s+and\s+[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)?\s+("
    + "|".join(_PLURAL_UNITS) + r")\b|\s+(" + "|".join(_PLURAL_UNITS) + r")\b")


def _cue(text: str, start: int, end: int, s_start: int, s_end: int) -> str | None:
    if end < s_end and (text[end].isspace() or text[end] in ",'"):  # each pattern after starts so
        listed = _LISTED_BEFORE_PLURAL.match(text, end, s_end)
        if listed:
            return _PLURAL_UNITS[(listed.group(1) or listed.group(2)).lower()]
        after = _CUE_AFTER.match(text, end, s_end)
        if after:
            cue = re.sub(r"\s+", " ", after.group(1).lower()).replace("airbase", "air base")
            return {"mountain": "mountains", "rayon": "raion", "nuclear plant": "power plant"}.get(cue, cue)
    # "the province of X", "the city of the X": the words before end in "of" or "the".
    left = text[max(s_start, start - 40):start].rstrip()
    if left[-2:].lower() != "of" and left[-3:].lower() != "the":
        return None
    before = _CUE_BEFORE.search(text, max(s_start, start - 40), start)
    if before and before.end() == start:
        named = _NAME_BEFORE_CUE.search(text, max(s_start, before.start() - 40), before.start())
        if named and named.group(1).lower() not in _DETERMINERS and not named.group(1).endswith(("'s", "’s")):
            # "the Abu Salim district of Tripoli": the district is Abu Salim, of the city Tripoli (but "Syria's
            # province of Idlib" is Idlib)
            return None
        word = before.group(1).lower()
        # "the left bank of the Dnipro", "the banks of the Nile": a river's banks
        return {"villages": "village", "bank": "river", "banks": "river"}.get(word, word)
    return None


@cache
def _named_words() -> frozenset[str]:
    """Capitalised words whose identity is evidence (County, Police, Mayor): kept as context features."""
    return _w("place_type_words") | _w("organisation_words") | _w("titles") | _w("name_openers")


@lru_cache(maxsize=65536)
def _context_word(word: str) -> str:
    """A neighbouring word as a feature: lower-case words as themselves, names only by their shape,
    so that the model learns how places are written about, not which names the corpora contain."""
    if not word[:1].isupper() or word in _named_words():
        return word.lower()
    return f"<{_shape(word)}>"


def _org_in_run(text, tokens, j) -> bool:
    """Whether the capitalised words from token ``j`` on (with inner "and", "of", "&") end in an
    organisation's word within four words."""
    seen = 0
    while j < len(tokens) and seen < 5:
        t = tokens[j]
        if j > 0 and not _joinable(text[tokens[j - 1].end:t.start]) and text[tokens[j - 1].end:t.start] != " & ":
            return False
        if t.text in _w("organisation_words"):
            return seen > 0
        if not t.is_capitalized and t.text.lower() not in ("and", "of", "for", "the"):
            return False
        seen += 1
        j += 1
    return False


def _gazetteer_evidence(gazetteer: Gazetteer, ids: tuple[str, ...], key: str, match: str) -> tuple[str, ...]:
    """What the gazetteer knows of a candidate's places: kinds, the top one, population, curated, alias-only.

    Kept per gazetteer and (ids, key, match): news repeats its names from report to report, and
    building these costs more than the rest of a candidate's features."""
    memo = gazetteer.memo("recognition:evidence")
    found = memo.get((ids, key, match))
    if found is not None:
        return found
    f: list[str] = []
    briefs = [gazetteer.brief(c) for c in ids[:25]]
    kinds = set()
    for kind, level, _, _, _ in briefs:
        group = _KIND_GROUPS.get(kind)
        if group is None:
            group = "physical" if kind in PHYSICAL_KINDS else "site" if kind in SITE_KINDS else kind
        if kind == "admin_area":
            group = f"admin{level or 1}"
        kinds.add(group)
    f += [f"k:{k}" for k in sorted(kinds)]
    top = max(briefs, key=lambda b: (b[3], b[2]))
    f.append(f"top:{_KIND_GROUPS.get(top[0], 'physical' if top[0] in PHYSICAL_KINDS else 'site' if top[0] in SITE_KINDS else 'other')}")
    if any(b[3] for b in briefs):
        f.append("curated")
    population = max(b[2] for b in briefs)
    f.append(f"pop:{_bin(population, (1, 1_000, 10_000, 100_000, 1_000_000))}")
    f.append(f"ncand:{_bin(len(ids), (2, 4, 11))}")
    if match == "name" and not any(b[3] or _same_name(b[4], key) for b in briefs):
        # A curated record's aliases are chosen, a world record's are anyone's; but an alternate name
        # that only spells the main one another way, or adds its unit, is as good as the main name:
        # "Kupiansk" for GeoNames' "Kup'yans'k" (as news writes most Ukrainian towns), "Beni territory".
        f.append("alias-only")
    return memo.put((ids, key, match), tuple(f))


def _same_name(name: str, key: str) -> bool:
    """Whether the name key ``key`` is ``name``, spelled another way (the same spelling-variant key) or
    with or without a unit word ("Beni territory" for Beni)."""
    own = name_key(name)
    if own == key or own.replace(" ", "") == key.replace(" ", ""):
        return True  # (or the same letters split otherwise: "Miranshah" for Miran Shah)
    units = _unit_key_words()
    own, key = (" ".join(w for w in k.split(" ") if w not in units) or k for k in (own, key))
    loose = variant_key(key)
    return own == key or (bool(loose) and variant_key(own) == loose)


@cache
def _unit_key_words() -> frozenset[str]:
    """The unit words ("province", "territory"), as name keys."""
    return frozenset(part for word in _unit_words() for part in word_keys(word))


def _features(text, tokens, i, n, cand: Candidate, gazetteer: Gazetteer, doc: _Document, s_start, s_end) -> list[str]:
    """The evidence the toponym model weighs (see the module docstring)."""
    w = _words()
    f = [f"m:{cand.match}"]
    window = tokens[i:i + n]
    words = [t.text for t in window]
    f.append(f"n:{min(n, 3)}")
    shapes = {_shape(w) for w in words}
    f += [f"shape:{s}" for s in sorted(shapes)]
    if len(cand.key.replace(" ", "")) <= 3:
        f.append("short")
    # What the gazetteer knows.
    if cand.ids:
        f += _gazetteer_evidence(gazetteer, cand.ids, cand.key, cand.match)
    # Person-name evidence.
    first, last = _person_names().get(words[-1], (0.0, 0.0))
    if n == 1:
        f.append(f"first:{_bin(first, (0.001, 0.01, 0.05))}")
        f.append(f"last:{_bin(last, (0.001, 0.01, 0.05))}")
        if words[0] in doc.surnames:
            f.append("person:surname-in-report")
        if cand.key in _common_words():
            f.append("common-word")
        if words[0].lower() in w["calendar"]:
            f.append("calendar")
    if words[0] in _all_demonyms():
        f.append("demonym")
    # The words around it.
    prev = tokens[i - 1] if i > 0 else None
    prev2 = tokens[i - 2] if i > 1 else None
    nxt = tokens[i + n] if i + n < len(tokens) else None
    nxt2 = tokens[i + n + 1] if i + n + 1 < len(tokens) else None
    before = text[prev.end:window[0].start] if prev else text[s_start:window[0].start]
    after = text[window[-1].end:nxt.start] if nxt else text[window[-1].end:s_end]
    if prev is None:
        f.append("sentence-initial")
        if cand.start - s_start < 3 and i == 0:
            f.append("sentence-start")
    else:
        f.append(f"w-1:{_context_word(prev.text)}")
        if prev.text.lower() in w["locative_before"]:
            f.append("locative-before")  # one weight for "in", "at", "to", "near"... as well as each
        f.append(f"c-1:{_shape(prev.text)}")
        if _joinable(before) and prev.is_capitalized and prev.text not in w["name_openers"]:
            f.append("inside-name:after-capital")
        if prev.text.rstrip(".") in w["titles"] or prev.text in w["person_roles"]:
            f.append("person:title-before")
        if prev.text in doc.first_names or _person_names().get(prev.text, (0.0, 0.0))[0] >= 0.01:
            if _joinable(before) and prev.is_capitalized:
                f.append("person:first-name-before")
    if prev2 is not None:
        f.append(f"w-2:{_context_word(prev2.text)}")
        if prev.text.lower() == "of" and prev2.text.lower() in w["of_place_nouns"]:
            f.append("of-place-noun")  # "the outskirts of X", "residents of X", "north of X"
        elif prev.text.lower() == "to" and prev2.text.lower() in w["motion_verbs"]:
            f.append("motion-to")  # "moved to Mobile", "fled to Pemba": a destination, not "to Congress"
    if nxt is None:
        f.append("sentence-final")
    else:
        f.append(f"w+1:{_context_word(nxt.text)}")
        f.append(f"c+1:{_shape(nxt.text)}")
        if _joinable(after) and (nxt.text in w["organisation_words"] or nxt.text.lower() in w["named_after_words"]):
            f.append("org-after")  # "Paris Police Department"; "West Nile virus" is named after a place too
        elif _org_in_run(text, tokens, i + n):
            f.append("org-after")  # "UK Maritime Trade Operations", "Devon and Cornwall Police"
        if _joinable(after) and nxt.is_capitalized and nxt.text not in w["place_type_words"] \
                and nxt.text not in w["organisation_words"]:
            f.append("inside-name:before-capital")
        if after.strip() == "" and nxt.text.lower() in ("said", "says", "told", "added", "wrote", "who") \
                and "of-place-noun" not in f and not (prev and prev.text.lower() in w["strong_locatives"]):
            # "residents of Aitaroun said", "herders in Kalolwe said": a place's people speaking
            f.append("person:said-after")
        if _joinable(after) and nxt.text in doc.surnames:
            f.append("person:before-surname")  # "Vladimir Putin", "Lucy Smith"
    if nxt2 is not None:
        f.append(f"w+2:{_context_word(nxt2.text)}")
    punct_after = after.strip()[:1]
    if punct_after:
        f.append(f"p+1:{punct_after}")
    if after.startswith("-") and nxt is not None:
        f.append(f"hyphen-after:{'lower' if not nxt.is_capitalized else 'cap'}")
        if nxt.text.lower() in ("based", "born", "bound", "area", "led", "backed", "made", "style"):
            f.append("adjectival")
    if text[window[-1].end:window[-1].end + 1] == "$":
        f.append("currency")
    if cand.cue:
        f.append(f"cue:{cand.cue}")
    if before.endswith(", ") and prev is not None and prev.is_capitalized:
        f.append("after-comma-name")  # "Charleston, W.Va." or "Goma, Congo"
    if punct_after == "," and nxt is not None and nxt.is_capitalized:
        f.append("comma-then-capital")
    if i == 0 and _DATELINE.match(text, s_start) and window[0].text.isupper():
        f.append("dateline")
    if cand.start - s_start == 0 and s_start < 200 and all(w.isupper() for w in words):
        f.append("dateline-caps")
    if prev is not None and prev.text.lower() == "the":
        f.append("the-before")
    return f


def _listed_pairs(text: str, found: list[Candidate]):
    """Pairs of candidates next to each other in a list ("Goma, Sake and Kavumu"), in text order."""
    by_start = sorted(found, key=lambda c: c.start)
    for a, b in zip(by_start, by_start[1:]):
        if b.start - a.end <= 8 and _LIST_SEP.match(text[a.end:b.start]):
            yield a, b


def _list_neighbours(text: str, found: list[Candidate]) -> None:
    """A candidate listed beside a known place ("Goma, Sake and Kavumu") is more likely a place too."""
    for a, b in _listed_pairs(text, found):
        if a.ids:
            b.features.append("list:after-known")
        if b.ids:
            a.features.append("list:before-known")
        if {"locative-before", "list:after-locative"} & set(a.features):
            b.features.append("list:after-locative")  # "entered Pokrovsk and Kupiansk": both after "entered"
        if _after_attack_verb(a):
            b.features.append("list:after-target")


#: "X in [the] [southern] Y": a name placed in a larger one.
_DIRECTIONS = "(?:" + "|".join(sorted(_DIRECTION_WORDS)) + ")"
_IN_AN_AREA = re.compile(rf"\s+in\s+(?:the\s+)?(?:{_DIRECTIONS}(?:[\s-]+{_DIRECTIONS})?\s+)?$", re.IGNORECASE)
#: "X district of Y", "the X region of Y": a unit named in a larger one.
_UNIT_OF_AN_AREA = re.compile(r"\s+(?:province|governorate|district|subdistrict|region|oblast|raion|county|"
                              r"municipality|township|territory)\s+of\s+(?:the\s+)?$", re.IGNORECASE)
#: Between a country or region in the possessive and a name it holds: "Colombia's Catatumbo", "Syria's northern Idlib".
_POSSESSED = re.compile(r"['’]s\s+(?:(?:northern|southern|eastern|western|central|north|south|east|west)(?:[\s-]+\w+)?\s+)?")
#: What a name placed "in" must be for the phrase to say the first is a place: a country or a region.
_AREA_KINDS = frozenset({"k:country", "k:admin1", "k:admin2", "k:region"})


def _only_directions(words: str) -> bool:
    """Whether the words are all words of direction ("South West", "North-Western")."""
    return all(word in _DIRECTION_WORDS for word in words.lower().replace("-", " ").split())


def _located_in_areas(text: str, found: list[Candidate]) -> None:
    """A name placed in a country or a region the gazetteer knows ("Khiam in southern Lebanon", "Gwoza
    in Borno State", "Bara in North Kordofan") is likely a place, and so are the names listed before it
    ("strikes on Bint Jbeil and Khiam in southern Lebanon"). People are "in" places too ("Smith in
    Texas"): the model weighs the feature; a decision on it waits for the area to be a place
    (:func:`_confirm_partners`)."""
    by_start = sorted(found, key=lambda c: c.start)
    listed_before = {id(b): a for a, b in _listed_pairs(text, found)}
    for k, (a, b) in enumerate(zip(by_start, by_start[1:])):
        if a.ids and _AREA_KINDS & set(a.features) and _POSSESSED.fullmatch(text, a.end, b.start):
            b.area = a  # "Colombia's Catatumbo region", "Sudan's North Darfur": the possessor holds the name
            continue
        after = by_start[k + 2] if k + 2 < len(by_start) else None
        if after is not None and _only_directions(text[b.start:b.end]) and not text[b.end:after.start].strip(" -"):
            b = after  # "in South West England": the area is England, not a "South-West" province
        if not b.ids or not (_AREA_KINDS & set(b.features)):
            continue
        if _UNIT_OF_AN_AREA.match(text, a.end, b.start):
            a.area = b  # where resolution looks for it; the words before "of" are its cue already
            continue
        if not _IN_AN_AREA.match(text, a.end, b.start):
            continue
        place = a
        while place is not None and "in-known-area" not in place.features:
            place.features.append("in-known-area")
            place.area = b
            place = listed_before.get(id(place))


# -- steps 2 and 3: is it a place, and how is it used -------------------------------------

def _confirm_partners(text: str, found: list[Candidate], scores: dict, decisive: dict, needed_for) -> None:
    """A list, or a larger place a name is placed in, is evidence only when a place in it is one on its own
    evidence: "Goma, Sake and Kavumu", not "before Christmas, and MPs said" (MPs is a town's alternate
    name, and no place here). A candidate whose only evidence is its list or its area loses it unless a
    partner is a place, on its own evidence or through a list that is (in "Goma, Sake and Kavumu", Goma
    confirms Sake, and Sake Kavumu)."""
    pending = [c for c in found if decisive[id(c)] in ("list", "located")]
    if not pending:
        return
    listed: dict[int, list[Candidate]] = {}
    for a, b in _listed_pairs(text, found):
        listed.setdefault(id(a), []).append(b)
        listed.setdefault(id(b), []).append(a)

    def partners(c):  # a list's places, and the area a name is placed in ("Khiam in southern Lebanon")
        return (*listed.get(id(c), ()), *((c.area,) if c.area is not None else ()))

    places = {id(c) for c in found if decisive[id(c)] not in ("list", "located") and scores[id(c)] >= needed_for(c)}
    backed = set()  # a place among the partners: the evidence stands (a place itself, if the score allows)
    grew = True
    while grew:
        grew = False
        for c in pending:
            if id(c) not in backed and any(id(p) in places for p in partners(c)):
                backed.add(id(c))
                if scores[id(c)] >= needed_for(c):
                    places.add(id(c))
                grew = True
    for c in pending:
        if id(c) not in backed:
            decisive[id(c)] = None


def _role(text: str, cand: Candidate, gazetteer: Gazetteer) -> tuple[str, str | None]:
    """``literal``, ``associative`` (with the longer name) or ``metonymic``."""
    features = set(cand.features)
    if "adjectival" in features:
        end = text.find(" ", cand.end)
        return "associative", text[cand.start:end if end > 0 else len(text)].rstrip(",.;:")
    if "org-after" in features:
        return "associative", _longer_name(text, cand.start, cand.end)
    if "inside-name:after-capital" in features and not {"dateline", "dateline-caps", "sentence-initial",
                                                        "pair-with-place"} & features:
        return "associative", _longer_name(text, cand.start, cand.end, backwards=True)
    return "literal", None


_NAME_WORDS_AFTER = re.compile(r"(?:\s+(?:of|for|the|and|&)?\s*[A-Z][\w'’.-]*)+")
_NAME_WORDS_BEFORE = re.compile(r"(?:[A-Z][\w'’.-]*\s+)+$")


def _longer_name(text: str, start: int, end: int, backwards: bool = False) -> str:
    """The run of capitalised words (and inner 'of', 'for', 'the') around [start, end)."""
    if backwards:
        left = _NAME_WORDS_BEFORE.search(text[max(0, start - 80):start])
        start = start - len(left.group()) if left else start
    m = _NAME_WORDS_AFTER.match(text, end)
    stop = m.end() if m else end
    return text[start:stop].strip()


#: Participles whose "by" names who acted: "the truce brokered by Washington and Doha".
_AGENT_PARTICIPLES = frozenset("brokered mediated backed funded financed sponsored supported armed imposed ordered "
                               "negotiated proposed drafted rejected accepted approved condemned criticised criticized "
                               "announced claimed".split())


#: What a government has: "Moscow's troops", "Kyiv's forces", "Tehran's proxies".
_GOVERNMENT_NOUNS = frozenset("troops forces army military soldiers government officials ministry envoy ambassador "
                              "diplomats negotiators offensive drones missiles jets warplanes navy proxies allies "
                              "campaign invasion war regime leadership".split())


def _seat_possessive(text: str, cand: Candidate, tokens_after: list[Token]) -> bool:
    """A seat of government in the possessive before what a government has ("Moscow's troops"): the state."""
    return (text[cand.end:cand.end + 2] in ("'s", "’s") and bool(tokens_after)
            and tokens_after[0].text.lower() in _GOVERNMENT_NOUNS and seat_actor(text[cand.start:cand.end]) is not None)


def _agent_by(text: str, before_by: Token | None, prev: Token | None, tokens_after: list[Token]) -> bool:
    """A capital or country after "by" and a participle of acting ("brokered by Washington", "backed by Iran"):
    the government acted; no place is meant."""
    if prev is None or before_by is None or prev.text != "by" or before_by.text.lower() not in _AGENT_PARTICIPLES:
        return False
    return text[before_by.end:prev.start] == " "


def _is_metonymy(text: str, cand: Candidate, tokens_after: list[Token], prev: Token | None) -> bool:
    """A capital or country used for its government: the subject of an agent verb, not after a preposition."""
    if not tokens_after:
        return False
    nxt = tokens_after[0]
    if text[cand.end:nxt.start] != " " or nxt.text not in _w("agent_verbs"):
        return False
    if prev is not None and prev.text.lower() in _w("prepositions"):
        return False
    if nxt.text in _w("auxiliaries"):
        # "Moscow is keen", "Damascus has condemned", "Ankara will send": an agent.
        # "Paris is beautiful", "Aleppo was shelled": the place itself.
        rest = [t.text.lower() for t in tokens_after[1:4] if t.text.lower() not in _w("adverbs")][:1]
        if not rest:
            return False
        word = rest[0]
        if nxt.text in ("has", "had", "have"):
            return word in _w("agent_verbs") or word in _w("attitudes")
        if nxt.text in ("is", "was", "are", "were"):
            return word in _w("attitudes")
        return word in _w("agent_base_verbs") or word in _w("agent_verbs")
    return True


def extract(report: Report, gazetteer: Gazetteer, *, metonymy_as_places: bool = False, model: dict | None = None) -> Extraction:
    """Find the place and actor mentions of ``report`` (see the module docstring).

    ``metonymy_as_places=True`` keeps metonymic uses ("Moscow is keen") among the
    literal mentions as well (the name still designates the place, as toponym
    corpora annotate it); maps leave them out.
    """
    found, actor_mentions, spans = candidates(report, gazetteer)
    return extract_from(report, found, actor_mentions, spans, gazetteer, metonymy_as_places=metonymy_as_places,
                        model=model)


def extract_from(report: Report, found: list[Candidate], actor_mentions, spans, gazetteer: Gazetteer, *,
                 metonymy_as_places: bool = False, model: dict | None = None) -> Extraction:
    """Steps 2 and 3 of :func:`extract` on candidates already found (training reuses them across models)."""
    text = report.text
    actor_mentions = list(actor_mentions)
    model = model or toponym_model()
    threshold, threshold_unknown = model["threshold"], model.get("threshold_unknown", model["threshold"])
    # A country's demonym ("Russian", "Canadians") is its country's demonym mention, whatever place a
    # gazetteer has of a similar name ("Americana").
    demonym_spans = _Spans(_demonym_spans(actor_mentions))
    # A people's adjective ("Kurdish", "Druze") is no place either, whatever city GeoNames gives it as another
    # name or spelling ("Kurdish" for Karaj).
    people = {(a.start, a.end) for a in actor_mentions
              if a.role == "demonym" and getattr(actors().get(a.actor), "kind", None) == "people"}
    mentions: list[Mention] = []
    associative: list[Mention] = []
    rejected: list[tuple[str, int, int, str]] = []
    tokens_by_sentence: dict[int, list[Token]] = {}
    starts_by_sentence: dict[int, list[int]] = {}
    scores = {id(c): score_features(c.features, model) for c in found}
    decisive = {id(c): _decisive(c, gazetteer) for c in found}

    def needed_for(cand):
        needed = threshold_unknown if not cand.ids else threshold
        if decisive[id(cand)]:
            needed = min(needed, DECISIVE_FLOORS[decisive[id(cand)]])
        return needed

    _confirm_partners(text, found, scores, decisive, needed_for)

    # A name the report uses as a place once, clearly, is a place wherever else it stands without
    # evidence to the contrary: "Rathedaung" four times is one village four times.
    placed = {c.key for c in found if decisive[id(c)] and scores[id(c)] >= needed_for(c)}
    # A name no gazetteer knows, which the words around it call a place but which reads like a person's
    # or a street's, is a *possible* place: never dropped in silence, never drawn (the "never silent").
    # A name the gazetteer knows, just under its floor after "near" or in a list ("near Tulkarem"), too.
    possible = {c.key for c in found if _possible_place(c, text, decisive[id(c)])
                and scores[id(c)] >= _possible_floor(c, decisive[id(c)])}
    for cand in found:
        if demonym_spans.overlapping(cand.start, cand.end) and not _names_beyond_demonym(cand, demonym_spans):
            continue
        if (cand.start, cand.end) in people:
            continue
        score = scores[id(cand)]
        needed = needed_for(cand)
        if not decisive[id(cand)] and cand.key in placed and not _blocking(cand):
            needed = min(needed, PLACED_FLOOR)
        elif cand.ids and "org-after" in cand.features and "inside-name:after-capital" not in cand.features \
                and _well_known(cand, gazetteer):
            # "Paris Police Department", "UK Maritime Trade Operations": the place the name points to is
            # kept as an associative mention, however unlike a place the words around it look. (Extending
            # this to a place after another capitalised word, "Costco Canada", was measured: F1 over every
            # use fell from 0.861 to 0.846 on LGL, 5-fold, and acc@161 with it: data/models_report.md.)
            needed = min(needed, ASSOCIATIVE_FLOOR)
        doubted = False
        if _PERSON_FULL_NAME <= set(cand.features) and decisive[id(cand)] not in ("cue", "dateline"):
            rejected.append((text[cand.start:cand.end], cand.start, cand.end,
                             "a person's name here (a title or role before it, another name after it)"))
            continue
        if decisive[id(cand)] in UNSEEN_EVIDENCE and needed <= score < threshold:
            score = threshold
        if score < needed:
            if cand.key not in possible or _blocking(cand):
                rejected.append((text[cand.start:cand.end], cand.start, cand.end,
                                 f"not a place here (toponym score {score:.2f} < {needed:.2f})"))
                continue
            doubted = True
        s_start, s_end = spans[cand.sentence_index]
        tokens = spans.tokens[cand.sentence_index] if hasattr(spans, "tokens") else \
            tokens_by_sentence.setdefault(cand.sentence_index, tokenize(text, s_start, s_end))
        role, context = _role(text, cand, gazetteer)
        if doubted and role == "literal":
            role = "possible"
        starts = starts_by_sentence.get(cand.sentence_index)
        if starts is None:
            starts = starts_by_sentence[cand.sentence_index] = [t.start for t in tokens]
        k = bisect.bisect_left(starts, cand.start)
        prev = tokens[k - 1] if k > 0 else None
        after = [t for t in tokens[k:] if t.start >= cand.end][:5]
        if role == "literal" and cand.ids and (_is_metonymy(text, cand, after, prev)
                                               or _agent_by(text, tokens[k - 2] if k > 1 else None, prev, after)
                                               or _seat_possessive(text, cand, after)):
            seat = seat_actor(text[cand.start:cand.end]) or _country_actor(gazetteer, cand.ids)
            if seat:
                actor_mentions.append(ActorMention(seat, text[cand.start:cand.end], cand.start, cand.end, "seat"))
                role = "metonymic"
        match = cand.match
        feature_start = _feature_start(text, cand, s_start) if not cand.ids or cand.match == "variant" else None
        start = cand.start if feature_start is None else feature_start
        mention = Mention(text[start:cand.end], start, cand.end, text[s_start:s_end], s_start, cand.sentence_index,
                          cand.key if feature_start is None else name_key(text[start:cand.end]),
                          cand.ids if feature_start is None else (), cand.cue if feature_start is None else "feature",
                          role, match if feature_start is None else "feature", round(score, 4), context,
                          (cand.area.start, cand.area.end) if cand.area is not None else None)
        if role in ("literal", "possible") or (role == "metonymic" and metonymy_as_places):
            mentions.append(mention)
        else:
            associative.append(mention)
    associative += _demonym_mentions(text, spans, actor_mentions, gazetteer, mentions)
    mentions.sort(key=lambda m: m.start)
    associative.sort(key=lambda m: m.start)
    actor_mentions.sort(key=lambda m: m.start)
    return Extraction(report, tuple(mentions), tuple(actor_mentions), tuple(spans), tuple(rejected), tuple(associative))


#: The least toponym score a candidate needs when the words around it say "place", by what says so
#: (see :func:`_decisive`). Measured on LGL and GeoVirus (data/models_report.md): below these, names
#: after a bare preposition or in a list were places less than one time in five (people, streets,
#: teams), while a place-type cue ("the village of") keeps most unknown names right.
#: ``located`` ("X in southern Lebanon") takes the list's floor: the same kind of evidence, a known place beside it.
#: ``target`` (the object of a verb of attack or capture, mapping/data/recognition_words.json) is set by
#: hand: the corpora hold too few such verbs to measure it, and in conflict news what is struck or
#: seized and named with a capital is a place far more often than not. ``country`` (a country's own name
#: after a locative preposition: "crossed into Chad", "fled to Jordan") too: the corpora rarely hold a
#: country whose name is also a first name, and a person is seldom "into" or "in" anyone.
DECISIVE_FLOORS = {"unit": 0.1, "cue": 0.2, "dateline": 0.2, "target": 0.1, "named-feature": 0.1, "country": 0.1,
                   "locative": 0.3, "list": 0.35, "located": 0.35}
#: Evidence the toponym model cannot weigh (the corpora it learned from hardly hold it): a name admitted on
#: it counts as at least as likely a place as the model's own threshold, so its confidence says "borderline"
#: rather than "probably not" (drawn hollow, not left unresolved for want of a score).
UNSEEN_EVIDENCE = frozenset({"target", "named-feature", "country", "unit"})
#: A title or role word before a name and another capitalised word joined to it after ("his Russian
#: counterpart Vladimir Putin", "Mayor Austin Smith"): a person's full name, whatever the name is alone.
_PERSON_FULL_NAME = frozenset({"person:title-before", "inside-name:before-capital"})
#: The least score of another use of a name the report has clearly used as a place.
PLACED_FLOOR = 0.15
#: Below its floor, a name no gazetteer knows in a place context is still kept, as a *possible* place
#: (role ``"possible"``: unresolved, never drawn), down to this score.
POSSIBLE_FLOOR = 0.03
#: The same for a name the gazetteer knows: only close under its floor, where people and streets thin out.
KNOWN_POSSIBLE_FLOOR = 0.2
#: The same for a name no gazetteer knows that is the object of a verb of attack or capture ("M23 took
#: Kamanyola", "the RSF seized Um Sumeima"): the model, which hardly saw such verbs, scores these names
#: about as low as any unknown word, and conflict news names what is taken or struck.
TARGET_POSSIBLE_FLOOR = 0.005


def _possible_floor(cand: Candidate, reason: str | None) -> float:
    """The least toponym score at which a candidate that :func:`_possible_place` flags is kept as one."""
    if not _unknown_or_lookalike(cand):
        return KNOWN_POSSIBLE_FLOOR
    return TARGET_POSSIBLE_FLOOR if reason == "target" else POSSIBLE_FLOOR


_BLOCKING = {"person:title-before", "person:first-name-before", "person:surname-in-report", "person:said-after",
             "person:before-surname", "calendar", "demonym", "org-after", "currency", "adjectival",
             "inside-name:after-capital", "inside-name:before-capital"}


#: The least toponym score a well-known place name inside an organisation's name needs to be kept (associative).
ASSOCIATIVE_FLOOR = 0.1


def _names_beyond_demonym(cand: Candidate, demonym_spans) -> bool:
    """A gazetteer name that begins with a demonym and goes on ("Syrian Golan", "Syrian side of Mount
    Hermon") is that place, not the demonym."""
    return bool(cand.ids) and cand.match == "name" and " " in cand.key and \
        not demonym_spans.overlapping(cand.end - 1, cand.end)


def _well_known(cand: Candidate, gazetteer: Gazetteer) -> bool:
    """A country, first-level region, curated place or town of 10,000 or more among the candidates."""
    return any(_notable(gazetteer, place_id) for place_id in cand.ids[:10])


def _notable(gazetteer: Gazetteer, place_id: str) -> bool:
    kind, level, population, curated, _ = gazetteer.brief(place_id)
    return curated or kind in ("country", "continent") or (kind == "admin_area" and level == 1) or population >= 10_000


def _blocking(cand: Candidate) -> bool:
    """Evidence that a capitalised name is not a place here: a person, a date, an organisation."""
    features = set(cand.features)
    if _BLOCKING & features and not ({"dateline", "dateline-caps", "pair-with-place"} & features):
        return True
    if cand.key in _title_keys():
        return True  # "Mr", "Gen", "St" alone are a title or an abbreviation, never a place
    if not cand.ids and cand.key.split()[0] in _title_keys() - {"st", "mt", "ft"}:
        return True  # "Mr. Hoak", "Gen. Smith": a person
    # An English word no gazetteer knows ("Congress", "Parliament") is not an unknown place.
    return not cand.ids and all(w in _english_words() for w in cand.key.split())


def _decisive(cand: Candidate, gazetteer: Gazetteer | None = None) -> str | None:
    """What in the words around the name says it is a place, or None: ``"unit"`` (a unit word after a
    name the gazetteer has as such a unit: "Lubero territory", "Rakhine State"), ``"cue"`` (a place-type cue,
    "the village of X", "X province"), ``"dateline"``, ``"locative"`` (a locative preposition before
    it), ``"country"`` (a country's own name after one), ``"list"`` (beside known places in a list),
    ``"located"`` (placed in a known country or region: "Khiam in southern Lebanon").
    These are the issue's "never silent" cases; how much each is worth is :data:`DECISIVE_FLOORS`.

    A name that is also an English word ("in Congress", "in English") needs a cue or a dateline: a
    preposition before it is no evidence, unless the name is a major place's ("moved to Mobile")."""
    if _blocking(cand):
        return None
    features = set(cand.features)
    named = [w for w in cand.key.split() if w != "the" and w not in _ARTICLES]
    if (cand.cue in _UNIT_CUES or (len(named) > 1 and named[-1] in _UNIT_CUES)) and {"k:admin1", "k:admin2"} & features:
        return "unit"  # "Lubero territory", "Rakhine State", "Northwest region": a unit the gazetteer has by that name
    if cand.cue in _DECISIVE_CUES:
        return "cue"
    if {"dateline", "dateline-caps"} & features:
        return "dateline"
    if _after_attack_verb(cand):
        return "target"
    if gazetteer is not None and _names_its_feature(cand, gazetteer):
        return "named-feature"
    if "locative-before" in features and gazetteer is not None and _country_named(cand, gazetteer):
        return "country"
    if all(w in _english_words() for w in cand.key.split()):
        major = "locative-before" in features and gazetteer is not None and _major(cand, gazetteer)
        return "locative" if major else None
    if {"locative-before", "list:after-locative"} & features:
        return "locative"
    if {"list:after-known", "list:before-known"} & features:
        return "list"
    if "in-known-area" in features:
        return "located"
    return None


def _names_its_feature(cand: Candidate, gazetteer: Gazetteer) -> bool:
    """A curated natural feature named with its kind ("Kamaran Island", "Lake Kivu", "Gulf of Aden"):
    the name says what it is, as a cue word would."""
    words = cand.key.split()
    if len(words) < 2 or not ({words[0], words[-1]} & _natural_feature_keys()):
        return False
    return any(gazetteer.is_curated(place_id) for place_id in cand.ids[:10])


@cache
def _natural_feature_keys() -> frozenset[str]:
    """The natural feature words as name keys ("Mount" is "munt" in a key, as "Tartous" is "tartus")."""
    return frozenset(part for word in _w("natural_feature_words") for part in word_keys(word))


def _after_attack_verb(cand: Candidate) -> bool:
    """The object of a verb of attack or capture ("struck Kharkiv"), or a name listed after one; not a
    common first name or surname ("he attacked Jones": people are attacked too)."""
    features = cand.features
    if "first:3" in features or "last:3" in features:
        return False
    if any(f"w-2:{first}" in features and f"w-1:{second}" in features
           for first, second in (phrase.split() for phrase in _w("attack_phrases"))):
        return True  # "pushed Russian forces out of Kupiansk", "took control of Bara"
    return "list:after-target" in features or any(
        f.startswith("w-1:") and f[4:] in _w("attack_verbs") for f in features)


def _unknown_or_lookalike(cand: Candidate) -> bool:
    """No gazetteer record has this name; at most some have a look-alike spelling ("Kavumu", "Aitaroun")."""
    return not cand.ids or cand.match == "variant"


def _possible_place(cand: Candidate, text: str, reason: str | None) -> bool:
    """Whether a name no gazetteer knows is worth flagging as a possible place: a place-type cue, a
    dateline or a list beside known places say so, or a preposition of location (in, near, at, from,
    towards, outside...: not "of" or a bare "to", which as often lead to a person, a drug or a virus;
    "to" after a word of movement does, "returned to X"). Codes
    and acronyms ("H5N1", "CFRS") are not flagged unless a dateline or a cue stands by them."""
    if reason is None:
        return False
    if reason in ("cue", "dateline", "target", "named-feature"):
        return True
    name = text[cand.start:cand.end]
    if any(ch.isdigit() for ch in name) or (name.isupper() and len(name) > 1):
        return False
    if reason in ("list", "located") \
            or {"of-place-noun", "list:after-known", "list:after-locative"} & set(cand.features):
        return True  # "near Sittwe and Kyaukphyu", "in Haret Hreik and Burj al-Barajneh": listed after a place
    # "returned to Tinzaouaten", "fled to Um Sereiba": "to" after a word of movement leads to a destination
    return "motion-to" in cand.features or any(f"w-1:{w}" in cand.features for w in _w("strong_locatives"))


def _country_named(cand: Candidate, gazetteer: Gazetteer) -> bool:
    """Whether the name is a country's own (its curated record's name): "into Chad", "in Jordan"."""
    if cand.match != "name":
        return False
    for place_id in cand.ids[:3]:
        kind, _, _, curated, name = gazetteer.brief(place_id)
        if kind == "country" and curated and name_key(name) == cand.key:
            return True
    return False


def _major(cand: Candidate, gazetteer: Gazetteer) -> bool:
    """A country, first-level region or city of 100,000 or more among the candidates."""
    for place_id in cand.ids[:10]:
        kind, level, population, _, _ = gazetteer.brief(place_id)
        if kind in ("country", "continent") or (kind == "admin_area" and level == 1) or population >= 100_000:
            return True
    return False


@cache
def _english_words() -> frozenset[str]:
    return frozenset(package_lines("english_words.txt"))


def _feature_start(text: str, cand: Candidate, s_start: int) -> int | None:
    """Start of "Lake ", "Gulf of " right before an unknown name: the mention is the feature's whole name."""
    m = _FEATURE_BEFORE.search(text, max(s_start, cand.start - 20), cand.start)
    return m.start() if m and m.end() == cand.start else None


def _country_demonyms(actor_mentions):
    """The demonyms of countries among ``actor_mentions``: alone ("Russian troops") or leading an
    organisation's name ("Russian military police"; "Sudanese army" names the SAF, and its first word
    still names Sudan), each as a ``demonym`` actor mention of its own span."""
    demonyms = _demonyms()
    for a in actor_mentions:
        word = a.text.split()[0] if a.text else ""
        if a.role == "demonym" and a.text in demonyms:
            yield a
        elif a.role == "organisation" and word in demonyms:
            yield ActorMention(demonyms[word], word, a.start, a.start + len(word), "demonym")


def _demonym_spans(actor_mentions) -> list[tuple[int, int]]:
    """Where a country's demonym stands (see :func:`_country_demonyms`)."""
    return [(a.start, a.end) for a in _country_demonyms(actor_mentions)]


def _demonym_mentions(text, spans, actor_mentions, gazetteer: Gazetteer, mentions) -> list[Mention]:
    """Demonyms of countries ("Russian troops"): associative mentions of the country."""
    taken = _Spans([(m.start, m.end) for m in mentions])
    countries = gazetteer.countries
    demonyms = _demonyms()
    out = []
    for a in _country_demonyms(actor_mentions):
        if taken.overlapping(a.start, a.end):
            continue
        country_place = countries.get(actors()[demonyms[a.text]].country)
        if country_place is None:
            continue
        place_id = country_place.id
        si = sentence_index(spans, a.start)
        s_start, s_end = spans[si]
        out.append(Mention(a.text, a.start, a.end, text[s_start:s_end], s_start, si, name_key(a.text), (place_id,),
                           None, "demonym", "demonym", 1.0, None))
    return out
