"""Recognition: find the places a report names, with exact character offsets.

Gazetteer names are matched longest-first over word tokens; a match is kept
only where the text uses it as a place. It is dropped when it is part of a
longer proper name ("Hayat Tahrir Al Sham", "Paris Police Department",
"Daraa 24"), a listed agency or organisation ("Sana reported"), or a person
("Mr Al Assad"). A seat of government followed by a verb ("Moscow is keen")
is kept as an actor mention, not a location. Capitalised names next to a place
cue ("the village of Kudna", "Bayda province") that no gazetteer holds are
kept as unresolved mentions, never dropped.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from .actors import ActorMention, find_actor_mentions, seat_actor, actors
from .gazetteer import Gazetteer
from .names import join_keys, name_key, word_keys
from .report import Report
from .text import Token, sentence_index, sentence_spans, tokenize

__all__ = ["Mention", "Extraction", "extract"]


@dataclass(frozen=True)
class Mention:
    """A place named in the report: ``report.text[start:end] == text``.

    ``candidates`` are gazetteer ids with this name (empty when unknown);
    ``cue`` is a neighbouring word that says what kind of place it is
    ("province", "village", "air base").
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

    def __post_init__(self):
        if self.end - self.start != len(self.text) or self.start < 0:
            raise ValueError(f"mention {self.text!r} has inconsistent offsets {self.start}..{self.end}")

    def to_dict(self) -> dict:
        return {"text": self.text, "start": self.start, "end": self.end, "sentence": self.sentence}


@dataclass(frozen=True)
class Extraction:
    """What recognition found: place mentions, actor mentions, sentences, and what it set aside."""

    report: Report
    mentions: tuple[Mention, ...]
    actor_mentions: tuple[ActorMention, ...]
    sentences: tuple[tuple[int, int], ...]
    rejected: tuple[tuple[str, int, int, str], ...] = field(default=())

    def sentence_of(self, offset: int) -> int:
        return sentence_index(list(self.sentences), offset)


_TITLES = frozenset(
    "Mr Mrs Ms Miss Dr Prof President Minister Premier Chancellor General Gen Col Colonel Lt Sgt Major Captain "
    "Capt King Queen Prince Princess Sheikh Sheik Emir Pope Imam Rabbi Father Sir Lord Lady Senator Sen Rep "
    "Governor Gov Mayor Ambassador Commander Secretary Judge Justice Saint Brigadier Marshal".split()
)
_ALLOWED_BEFORE = frozenset(
    "North South East West Northern Southern Eastern Western Central Upper Lower Greater Old New Mount Lake "
    "Occupied Rural Outer Inner Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March "
    "April May June July August September October November December In At On From To Near Across Into Around "
    "Outside Inside Between Along Throughout Within Towards Toward The A And Or But For While When Since After "
    "Before During Across Beyond Both Like Unlike Despite".split()
)
_ORG_AFTER = frozenset(
    "Agency Police Department Ministry University College School Hospital Times Post News Daily Tribune Herald "
    "Journal Gazette Airlines Airways Club FC United Council Party Front Brigade Brigades Battalion Regiment "
    "Division Corps Company Corporation Group Bank Exchange Institute Foundation Observatory Media TV Radio "
    "Stadium Accord Accords Agreement Protocol Process Declaration Summit Conference Talks Format Treaty "
    "Convention Street Road Avenue Square Hotel Mosque Church Airport".split()
)
_ALLOWED_AFTER = frozenset(
    "Province Governorate Region District County Parish City Town Village Valley River Heights Mountains Mount "
    "Strait Sea Gulf Bay Coast Island Islands Desert Plain Plains Basin Camp Crossing Airport Port Border Area "
    "Countryside State Oblast Krai Canton Prefecture Municipality Township Borough".split()
)
_FEATURES = frozenset(
    "Basin Valley River Mountains Mountain Range Hills Sea Gulf Bay Desert Plain Plains Lake Island Islands "
    "Strait Coast Peninsula Dam Canal Forest Park".split()
)
_PREPOSITIONS = frozenset(
    "in at on to from near into onto across around outside inside between along throughout within towards toward "
    "over under via through of by for against off beyond past reach reached".split()
)
_VERBS = frozenset(
    "is was are were has had have says said say condemned condemns denied denies accused accuses wants wanted "
    "resumes resumed agreed agrees announced announces warned warns hopes hoped will would could should must may "
    "might can rejected rejects insists insisted claimed claims confirmed confirms urged urges called calls "
    "demanded demands backed backs supports supported sent sends launched launches struck strikes responded "
    "responds seeks sought plans planned intends intended expects expected believes believed considers "
    "considered blamed blames welcomed welcomes vowed vows pledged pledges threatened threatens signed signs "
    "keeps kept".split()
)
#: Abbreviations with full stops that news writes for places (AP style for US states).
_ABBREVIATIONS = {
    "U.S.": "United States", "U.S.A.": "United States", "U.K.": "United Kingdom", "U.A.E.": "United Arab Emirates",
    "D.C.": "Washington", "Ala.": "Alabama", "Ariz.": "Arizona", "Ark.": "Arkansas", "Calif.": "California",
    "Colo.": "Colorado", "Conn.": "Connecticut", "Del.": "Delaware", "Fla.": "Florida", "Ga.": "Georgia",
    "Ill.": "Illinois", "Ind.": "Indiana", "Kan.": "Kansas", "Kans.": "Kansas", "Ky.": "Kentucky", "La.": "Louisiana",
    "Md.": "Maryland", "Mass.": "Massachusetts", "Mich.": "Michigan", "Minn.": "Minnesota", "Miss.": "Mississippi",
    "Mo.": "Missouri", "Mont.": "Montana", "Neb.": "Nebraska", "Nebr.": "Nebraska", "Nev.": "Nevada",
    "N.H.": "New Hampshire", "N.J.": "New Jersey", "N.M.": "New Mexico", "N.Y.": "New York", "N.C.": "North Carolina",
    "N.D.": "North Dakota", "Okla.": "Oklahoma", "Ore.": "Oregon", "Pa.": "Pennsylvania", "R.I.": "Rhode Island",
    "S.C.": "South Carolina", "S.D.": "South Dakota", "Tenn.": "Tennessee", "Tex.": "Texas", "Vt.": "Vermont",
    "Va.": "Virginia", "Wash.": "Washington", "W.Va.": "West Virginia", "W. Va.": "West Virginia", "Wis.": "Wisconsin",
    "Wisc.": "Wisconsin", "Wyo.": "Wyoming",
}
_ABBREVIATION = re.compile(r"(?<![\w.])(" + "|".join(re.escape(a) for a in sorted(_ABBREVIATIONS, key=len, reverse=True)) + r")")
_ABBREVIATION_CUE = {"D.C.": "city", "U.S.": None, "U.S.A.": None, "U.K.": None, "U.A.E.": None}
# "Wash." and "Mass." are also words; only after a comma ("Seattle, Wash.") do they name a state.
_AFTER_COMMA_ONLY = frozenset({"Wash.", "Mass.", "Ind.", "Miss.", "Del.", "Mo.", "Ore.", "La.", "Ga.", "Va.", "Kan.", "Ill.", "Md.", "Pa.", "Tex."})

_AUXILIARIES = frozenset("is was are were has had have will would could should must may might can".split())
_ADVERBS = frozenset("not also now still already reportedly reportedly apparently clearly never long".split())
_ATTITUDES = frozenset(
    "keen ready willing expected trying seeking determined going concerned prepared poised set likely unlikely "
    "reluctant eager committed opposed pushing pressing hoping planning considering insisting demanding calling "
    "threatening refusing believed thought said accused blamed".split()
)
_AGENT_BASE_VERBS = frozenset(
    "say insist demand respond retaliate send strike attack condemn deny reject accept agree sign seek want "
    "push press consider decide announce warn urge resume continue support back oppose refuse allow approve "
    "veto act intervene negotiate join withdraw deploy launch".split()
)
_ARTICLE_WORDS = frozenset({"as", "at", "an", "ad", "ar", "ash", "ath", "adh", "ud", "ul"})

_CUE_AFTER = re.compile(
    r"\s*(?:'s\s+)?(province|governorate|district|subdistrict|region|city|town|village|countryside|"
    r"air\s?base|airbase|naval\s+base|naval\s+facility|base|airport|port|camp|crossing|area|border)\b",
    re.IGNORECASE,
)
_CUE_BEFORE = re.compile(
    r"\b(province|governorate|district|region|city|town|village|villages|camp|port|area|suburb|neighbou?rhood)"
    r"\s+of\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_NAME = r"[A-Z][\w'’‘ʿ]+(?:-[\w'’‘ʿ]+)*"
_UNKNOWN_PLACE_PATTERNS = (
    re.compile(rf"\b(?:village|town|city|province|governorate|district|region|camp|neighbou?rhood|suburb|area)s?\s+of\s+((?:(?:al|el|ad|as|ar)-)?{_NAME}(?:\s+(?:(?:al|el|ad|as|ar)-)?{_NAME}){{0,3}})"),
    re.compile(rf"\b((?:(?:al|el|ad|as|ar)-)?{_NAME}(?:\s+(?:(?:al|el|ad|as|ar)-)?{_NAME}){{0,2}})\s+(province|governorate|district|countryside|village|town|air\s?base|airbase|refugee\s+camp)\b"),
)


@cache
def _not_places() -> re.Pattern:
    data = json.loads((resources.files("mapping") / "data" / "not_places.json").read_text(encoding="utf-8"))
    names = sorted(set(data["names"]), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w-])")


def _separator(text: str, left: Token, right: Token) -> str:
    return text[left.end:right.start]


def _joinable(sep: str) -> bool:
    # Words of one name are separated by a single space or hyphen.
    return sep in (" ", "-", "‐", "‑")


def _is_sentence_initial(text: str, token: Token, sentence_start: int) -> bool:
    before = text[sentence_start:token.start].strip(" \t\"“‘'(")
    return before == ""


def extract(report: Report, gazetteer: Gazetteer, *, metonymy_as_places: bool = False) -> Extraction:
    """Find place and actor mentions in ``report`` (see the module docstring).

    ``metonymy_as_places=True`` also keeps "Moscow" in "Moscow is keen" as a
    place mention (besides the actor mention): the name still designates the
    place, as toponym corpora annotate it; maps leave it out.
    """
    text = report.text
    spans = sentence_spans(text, report.body_start)
    blocked = [(m.start(), m.end(), m.group()) for m in _not_places().finditer(text, report.body_start)]
    actor_mentions: list[ActorMention] = find_actor_mentions(text, report.body_start)
    # Organisations and armed groups ("Hamas", "UNDOF") are not places, whatever GeoNames holds.
    blocked += [(a.start, a.end, a.text) for a in actor_mentions
                if a.role in ("name", "organisation") and actors()[a.actor].kind != "state"]
    blocked = _Spans(blocked)
    people = _person_names(text, report.body_start, gazetteer)
    lowercase_starts = gazetteer.lowercase_first_words

    mentions: list[Mention] = []
    rejected: list[tuple[str, int, int, str]] = []

    for si, (s_start, s_end) in enumerate(spans):
        tokens = tokenize(text, s_start, s_end)
        sentence = text[s_start:s_end]
        abbreviated = _abbreviations(text, s_start, s_end, blocked, gazetteer)
        for start, end, key, candidates, cue in abbreviated:
            mentions.append(Mention(text[start:end], start, end, sentence, s_start, si, key, candidates, cue))
        i = 0
        while i < len(tokens):
            first = tokens[i]
            if not first.is_capitalized and first.text.lower() not in lowercase_starts:
                i += 1
                continue
            if any(a <= first.start < b for a, b, *_ in abbreviated):
                i += 1
                continue
            found = _longest_match(text, tokens, i, gazetteer, people)
            if found and first.text.lower() == "the" and i + 1 < len(tokens):
                # "The Golan Heights": a name without the article that reaches as far or farther wins.
                inner = _longest_match(text, tokens, i + 1, gazetteer, people)
                if inner and inner[2] >= found[2]:
                    i, found = i + 1, inner
            if not found:
                i += 1
                continue
            n, start, end, key, candidates = found
            feature_before = _feature_before(text, tokens, i)
            if feature_before is not None:
                # "Lake Tiberias", "Gulf of Aden": the water or mountain, not the town.
                mentions.append(Mention(text[feature_before:end], feature_before, end, sentence, s_start, si,
                                        name_key(text[feature_before:end]), (), "feature"))
                i += n
                continue
            if i + n < len(tokens) and tokens[i + n].text in _FEATURES and text[end:tokens[i + n].start] == " ":
                # "Yarmouk Basin", "Orontes Valley": a natural feature named after the place, not the
                # place; unless the gazetteer holds the whole name, it stays an unresolved mention.
                feature = tokens[i + n]
                mentions.append(Mention(text[start:feature.end], start, feature.end, sentence, s_start, si,
                                        name_key(text[start:feature.end]), (), feature.text.lower()))
                i += n + 1
                continue
            after_place = bool(mentions) and mentions[-1].end == tokens[i - 1].end if i > 0 else False
            reason = None if after_place and _joinable(_separator(text, tokens[i - 1], tokens[i])) and not _blocked(start, end, blocked) else _rejection(text, tokens, i, n, s_start, blocked)
            if reason is None and _is_metonymy(text, tokens, i, n):
                seat = seat_actor(text[start:end]) or _country_actor(gazetteer, candidates)
                if seat:
                    actor_mentions.append(ActorMention(seat, text[start:end], start, end, "seat"))
                    reason = None if metonymy_as_places else "metonymy"
            if reason:
                rejected.append((text[start:end], start, end, reason))
            else:
                mentions.append(Mention(
                    text=text[start:end], start=start, end=end, sentence=sentence, sentence_start=s_start,
                    sentence_index=si, key=key, candidates=candidates, cue=_cue(text, start, end, s_start, s_end),
                ))
            i += n

    mentions.extend(_unknown_places(text, spans, mentions, blocked, rejected, gazetteer))
    mentions.sort(key=lambda m: m.start)
    actor_mentions.sort(key=lambda m: m.start)
    return Extraction(report, tuple(mentions), tuple(actor_mentions), tuple(spans), tuple(rejected))


_CONNECTORS = frozenset("of de del della la le les du des di da al el upon on the en sur am an der den y and et i".split())
_LOCATIVE_BEFORE = frozenset("in at near from to into across outside inside around toward towards via through "
                             "between of visit visited visiting".split())


@cache
def _common_words() -> frozenset[str]:
    lines = (resources.files("mapping") / "data" / "common_words.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(l for l in lines if l and not l.startswith("#"))


_CALENDAR = frozenset(
    "january february march april may june july august september october november december jan feb mar apr jun "
    "jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu "
    "thur thurs fri sat sun".split()
)
_CONTRACTION = re.compile(r"['’](?:ve|ll|re|d|m|t)$", re.IGNORECASE)


def _world_name_ok(text, tokens, i, n, key, s_start, people=frozenset()) -> bool:
    """Stricter checks for names known only to the world gazetteer (no curated record)."""
    window = tokens[i:i + n]
    if len(key.replace(" ", "")) < 3:
        return False
    if n == 1:
        word = window[0].text
        if (word.isupper() and len(word) > 1) or word.lower() in _CALENDAR or word.rstrip(".") in _TITLES:
            return False  # acronyms (HIV, CDC), months, titles
        if _CONTRACTION.search(word) or _is_demonym(word) or word in people:
            return False  # "I've", "Canadian", a surname met earlier in a person's name
    if any(not t.is_capitalized and t.text.lower() not in _CONNECTORS for t in window):
        return False
    if window[-1].text.lower() in _CONNECTORS:
        return False
    if n == 1 and key in _common_words():
        # "Nice", "Mobile", "Police": a place only with evidence around it.
        prev = tokens[i - 1].text.lower() if i > 0 else ""
        after = text[window[-1].end:window[-1].end + 3]
        return prev in _LOCATIVE_BEFORE or bool(re.match(r",\s+[A-Z]", after))
    return True


def _country_actor(gazetteer: Gazetteer, ids) -> str | None:
    countries = {gazetteer[i].country for i in ids if gazetteer[i].kind == "country"}
    for a in actors().values():
        if a.country and a.country in countries:
            return a.id
    return None


_PERSON = re.compile(
    r"\b(?:(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Col|Lt|Sgt|Capt|Det|Officer|Deputy|Sheriff|Judge|President|Minister|"
    r"Mayor|Coach|Chief|Prof|Rev|Father)\.?\s+(?:[A-Z]\.\s+)?((?:[A-Z][a-z]+\s+){0,2}[A-Z][\w'’-]+)"
    r"|([A-Z][a-z]+(?:\s+[A-Z]\.)?\s+[A-Z][\w'’-]+)(?=,?\s+(?:said|says|told|added|explained|wrote|who|\d{1,3},)))"
)


_NAME_PAIR = re.compile(r"(?:^|(?<=[a-z,;:.!?\"”] ))([A-Z][a-z]+) ([A-Z][a-z]{2,})\b(?! [A-Z])", re.MULTILINE)
_PLACE_MODIFIERS = frozenset(
    "Downtown Greater Metro Central Upper Lower North South East West Northern Southern Eastern Western Fort Port "
    "Lake Mount San Santa St Saint New Old Little Great Rural Occupied".split()
)


def _person_names(text: str, start: int, gazetteer: Gazetteer) -> frozenset[str]:
    """Surnames of people the report names ("Sheriff Bob Jones", "Tom Moore said", "Barack Obama"),
    so that a later bare "Jones" or "Obama" is not taken for a place."""
    names = set()
    for m in _PERSON.finditer(text, start):
        full = m.group(1) or m.group(2)
        names.add(full.split()[-1])
    for m in _NAME_PAIR.finditer(text, start):
        first, last = m.group(1), m.group(2)
        if (first in _PLACE_MODIFIERS or first in _ALLOWED_BEFORE or first in _TITLES or _is_demonym(first)
                or last in _ALLOWED_AFTER or gazetteer.candidates(name_key(m.group()))
                or gazetteer.candidates(name_key(first))):
            continue
        names.add(last)
    return frozenset(names)


def _longest_match(text, tokens, i, gazetteer, people):
    """The longest gazetteer name starting at token ``i``: (n, start, end, key, candidates) or None."""
    first = tokens[i]
    max_words = gazetteer.max_key_words
    # Only as far as the words stay joined by a space or hyphen and some indexed name goes on.
    reach, parts = 1, list(word_keys(first.text))
    while (reach < max_words and i + reach < len(tokens)
           and _joinable(text[tokens[i + reach - 1].end:tokens[i + reach].start])
           and (gazetteer.extends(join_keys(parts)) or (reach == 1 and first.text.lower() in _ARTICLE_WORDS | {"al", "el"}))):
        parts += word_keys(tokens[i + reach].text)
        reach += 1
    for n in range(reach, 0, -1):
        window = tokens[i:i + n]
        if n > 1 and window[0].text.lower() in _ARTICLE_WORDS and _separator(text, window[0], window[1]) == " ":
            continue
        start, end = window[0].start, window[-1].end
        key = join_keys([part for t in window for part in word_keys(t.text)])
        candidates = gazetteer.candidates(key)
        if not candidates:
            continue
        if not first.is_capitalized and not gazetteer.matches_lowercase(key):
            continue
        if not gazetteer.is_curated(candidates[0]) and not _world_name_ok(text, tokens, i, n, key, tokens[0].start, people):
            continue
        return (n, start, end, key, candidates)
    return None


_FEATURE_BEFORE = re.compile(r"\b(?:(?:Lake|Mount|Mt\.?|Cape|Isle|Lac|Wadi)\s+|(?:Gulf|Bay|Sea|Strait|Straits|Lake|Isle|Sea)\s+of\s+(?:the\s+)?)$")


def _feature_before(text, tokens, i) -> int | None:
    """Start of "Lake ", "Gulf of " right before token ``i``, when the gazetteer did not match the whole name."""
    if i == 0:
        return None
    m = _FEATURE_BEFORE.search(text, max(0, tokens[i].start - 20), tokens[i].start)
    return m.start() if m else None


def _abbreviations(text, s_start, s_end, blocked, gazetteer):
    found = []
    for m in _ABBREVIATION.finditer(text, s_start, s_end):
        abbreviation = m.group(1)
        if abbreviation in _AFTER_COMMA_ONLY and not re.search(r"[A-Z][\w.]*,\s*$", text[max(s_start, m.start() - 40):m.start()]):
            continue
        if _blocked(m.start(), m.end(), blocked):
            continue
        key = name_key(_ABBREVIATIONS[abbreviation])
        candidates = gazetteer.candidates(key)
        if candidates:
            # A sentence-final abbreviation's full stop also ends the sentence; the mention keeps it.
            found.append((m.start(), m.end(), key, candidates, _ABBREVIATION_CUE.get(abbreviation, "state")))
    return found


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


def _blocked(start, end, blocked) -> bool:
    return blocked.overlapping(start, end) is not None


def _rejection(text, tokens, i, n, s_start, blocked) -> str | None:
    start, end = tokens[i].start, tokens[i + n - 1].end
    hit = blocked.overlapping(start, end)
    if hit is not None:
        return f"part of the name {hit[2]!r}"
    if i > 0:
        prev = tokens[i - 1]
        sep = _separator(text, prev, tokens[i])
        if sep.strip() in ("", ".") and prev.text.rstrip(".") in _TITLES:
            return f"a person's name (after {prev.text!r})"
        if (_joinable(sep) and prev.is_capitalized and prev.text not in _ALLOWED_BEFORE
                and not _is_sentence_initial(text, prev, s_start) and not _is_demonym(prev.text)):
            return f"inside a longer proper name (after {prev.text!r})"
    if i + n < len(tokens):
        nxt = tokens[i + n]
        sep = _separator(text, tokens[i + n - 1], nxt)
        if _joinable(sep) and (nxt.text in _ORG_AFTER or nxt.text.isdigit()):
            return f"part of an organisation's name (before {nxt.text!r})"
        if (sep == " " and nxt.is_capitalized and nxt.text not in _ALLOWED_AFTER and not _is_demonym(nxt.text)
                and not nxt.text.isupper()):
            return f"inside a longer proper name (before {nxt.text!r})"
    return None


@cache
def _demonyms() -> frozenset[str]:
    return frozenset(d for a in actors().values() for d in a.demonyms)


def _is_demonym(word: str) -> bool:
    return word in _demonyms()


def _is_metonymy(text, tokens, i, n) -> bool:
    """A capital or country used for its government: subject of a verb, not after a preposition."""
    if i + n >= len(tokens):
        return False
    nxt = tokens[i + n]
    if _separator(text, tokens[i + n - 1], nxt) != " " or nxt.text not in _VERBS:
        return False
    if i > 0 and tokens[i - 1].text.lower() in _PREPOSITIONS:
        return False
    if nxt.text in _AUXILIARIES:
        # "Moscow is keen", "Damascus has condemned", "Ankara will send": an agent.
        # "Paris is beautiful", "Aleppo was shelled": the place itself.
        rest = [t.text.lower() for t in tokens[i + n + 1:i + n + 4] if t.text.lower() not in _ADVERBS][:1]
        if not rest:
            return False
        word = rest[0]
        if nxt.text in ("has", "had", "have"):
            return word in _VERBS or word in _ATTITUDES
        if nxt.text in ("is", "was", "are", "were"):
            return word in _ATTITUDES
        return word in _AGENT_BASE_VERBS or word in _VERBS
    return True


def _cue(text: str, start: int, end: int, s_start: int, s_end: int) -> str | None:
    after = _CUE_AFTER.match(text, end, s_end)
    if after:
        return re.sub(r"\s+", " ", after.group(1).lower()).replace("airbase", "air base")
    before = _CUE_BEFORE.search(text, s_start, start)
    if before and before.end() == start:
        return before.group(1).lower().rstrip("s") if before.group(1).lower() != "villages" else "village"
    return None


def _unknown_places(text, spans, mentions, blocked, rejected, gazetteer) -> list[Mention]:
    """Capitalised names beside a place cue that the gazetteer does not hold."""
    # A name rejected only for being part of a longer name ("Qamar" in "Tall Qamar") does not block
    # the longer name from being an unknown place.
    taken = _Spans([(m.start, m.end) for m in mentions] + [(b[0], b[1]) for b in blocked.items]
                   + [(r[1], r[2]) for r in rejected if not r[3].startswith("inside a longer proper name")])
    found = []
    for si, (s_start, s_end) in enumerate(spans):
        for pattern in _UNKNOWN_PLACE_PATTERNS:
            for m in pattern.finditer(text, s_start, s_end):
                start, end = m.start(1), m.end(1)
                words = text[start:end].split()
                # Trim leading words that are not part of a name ("The", titles, demonyms).
                while words and (words[0] in _ALLOWED_BEFORE or _is_demonym(words[0]) or words[0] in _TITLES):
                    start += len(words[0]) + 1
                    words = words[1:]
                if not words or taken.overlapping(start, end) is not None:
                    continue
                key = name_key(text[start:end])
                cue = m.group(2).lower() if m.re is _UNKNOWN_PLACE_PATTERNS[1] else _cue(text, start, end, s_start, s_end)
                found.append(Mention(text[start:end], start, end, text[s_start:s_end], s_start, si, key,
                                     gazetteer.candidates(key), cue))
                taken.add((start, end))
    return found
