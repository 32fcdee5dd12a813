"""Events: who did what to whom, where and when, coded as analysts code them.

Each sentence is cut into clauses (at semicolons, dashes, relative clauses and
subordinate conjunctions), and a small pattern engine over its tokens finds
**triggers** (``mapping/data/event_triggers.json``: verbs and nouns such as
*struck*, *captured*, *airstrikes*, *clashes*, *checkpoint*, with ACLED's event
type and sub-event type; words of the clause refine them: *drones* make a strike
an air/drone strike, *missiles* a missile attack).

For each trigger:

- **agent** (``actor``): the actor named as the subject of an active verb, in a
  *by* phrase after a passive one, or right before a trigger noun ("Israeli
  airstrikes", "RSF drone strikes"); "the army" is the report's main state (in
  Sudan the Sudanese Armed Forces); "It"/"they" are the previous sentence's
  agent. When the text does not say who acted ("a drone struck"), the agent is
  unknown: never guessed from the nearest demonym.
- **target**: the other actor the trigger acts on ("struck RSF positions",
  "between the army and the RSF", "pushed Russian troops out of"), or
  ``civilians`` when the words say so (people killed, a market, homes).
- **where**: the places of the trigger's own clause: its object ("captured
  Pokrovsk"), or after a locative preposition ("fighting in Babanusa"); never a
  topic ("talks about the bases") or an origin ("condemnation from Damascus").
  A strike on two cities is two events; a region containing another location
  of the event is dropped.
- **when**: the time expression of the clause, shifted by "a day after"; never
  a date from another sentence or clause.
- **context**: an event that is intended, threatened, hypothetical, denied,
  condemned without being reported, talks held in a third country, or dated
  more than :data:`HISTORY_DAYS` before publication is kept with
  ``context=True`` and a ``context_reason``, and is never drawn as a current
  event.

``geo_precision`` and ``time_precision`` follow ACLED: 1 a specific place (a
day), 2 near or part of a place (a week), 3 a region (a month or longer); a
:class:`~mapping.situation.Feature` carries the same two codes, computed by
:func:`geo_precision` and :func:`time_precision`.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cache

from ..datafiles import package_json
from .actors import ActorMention, actors
from .dates import When, find_times, shift_days
from .extract import Extraction
from ..resolution.resolve import Resolution
from .text import Token, alternation, sentence_index, tokenize

__all__ = ["Event", "find_events", "EVENT_KINDS", "HISTORY_DAYS", "event_kinds", "geo_precision", "time_precision",
           "GEO_PRECISION"]

#: An event dated more than this many days before publication is history, not the current situation.
HISTORY_DAYS = 45


#: ACLED's geo-precision code of each readable scope of a location (``Resolution.geo_precision``).
GEO_PRECISION = {"site": 1, "near": 2, "part": 2, "region": 3}


def geo_precision(*scopes: str) -> int:
    """ACLED's geo-precision of a location of the given scopes (the coarsest counts): 1 the place itself,
    2 near it or a part of it, 3 a region (also when there is no location).

    >>> geo_precision("site"), geo_precision("part"), geo_precision("site", "region"), geo_precision()
    (1, 2, 3, 3)
    """
    return max((GEO_PRECISION.get(s, 3) for s in scopes), default=3)


def time_precision(when: When | None) -> int | None:
    """ACLED's time-precision of ``when``: 1 a day, 2 a week, 3 a month or longer (None: undated)."""
    if when is None:
        return None
    return {"day": 1, "week": 2}.get(when.precision, 3)


@cache
def _table() -> dict:
    return package_json("event_triggers.json")


def event_kinds() -> dict[str, dict]:
    """Readable kinds and their ACLED event and sub-event types."""
    return _table()["kinds"]


EVENT_KINDS = tuple(_table()["kinds"])


@dataclass(frozen=True)
class Event:
    """An event found in one clause; ``trigger == report[start:end]``.

    ``actors`` lists the agent(s), ``actor`` is the first (or None when the text
    does not say who acted); ``target`` is an actor id, ``civilians``,
    ``protesters`` or None.
    """

    kind: str
    trigger: str
    start: int
    end: int
    sentence_index: int
    actors: tuple[str, ...]
    locations: tuple[Resolution, ...]
    when: When | None
    event_type: str = ""
    sub_event_type: str = ""
    target: str | None = None
    context: bool = False
    context_reason: str | None = None

    @property
    def actor(self) -> str | None:
        return self.actors[0] if self.actors else None

    @property
    def geo_precision(self) -> int:
        """ACLED's geo-precision: 1 a specific place, 2 near or part of one, 3 a region."""
        return geo_precision(*(r.geo_precision for r in self.locations))

    @property
    def time_precision(self) -> int | None:
        """ACLED's time-precision: 1 a day, 2 a week, 3 a month or longer (None: undated)."""
        return time_precision(self.when)


# -- the trigger table as token patterns -----------------------------------------------

@dataclass(frozen=True)
class _Pattern:
    words: tuple[str, ...]  # "*" matches up to three tokens
    kind: str
    pos: str


@cache
def _patterns() -> dict[str, list[_Pattern]]:
    """Patterns by their first word, longest first."""
    by_first: dict[str, list[_Pattern]] = {}
    for entry in _table()["triggers"]:
        for phrase in entry["words"]:
            words = tuple(phrase.split())
            by_first.setdefault(words[0], []).append(_Pattern(words, entry["kind"], entry["pos"]))
    for patterns in by_first.values():
        patterns.sort(key=lambda p: (-len(p.words), p.pos))
    return by_first


@cache
def _word_set(name: str) -> frozenset[str]:
    return frozenset(_table()[name])


@cache
def _cues(name: str) -> tuple[str, ...]:
    return tuple(_table()["context_cues"][name])


def _match_at(words: list[str], i: int, pattern: _Pattern) -> int | None:
    """Tokens the pattern covers from ``i`` (None if it does not match)."""
    j = i
    for k, w in enumerate(pattern.words):
        if w == "*":
            nxt = pattern.words[k + 1] if k + 1 < len(pattern.words) else None
            for skip in range(1, 4):
                if j + skip < len(words) and words[j + skip] == nxt:
                    j += skip
                    break
            else:
                return None
            continue
        if j >= len(words) or words[j] != w:
            return None
        j += 1
    return j - i


_DETERMINERS = frozenset("the a an its their his her this these those several two three four five six many new "
                         "renewed heavy deadly overnight repeated further fresh more any".split())
_BE = frozenset("was were been being is are be".split())
# Clauses end at semicolons, dashes, colons, relative clauses and subordinate conjunctions; not at
# "since", whose phrase dates the clause it ends ("have held positions since December").
_CLAUSE_BREAK = re.compile(r";|\s[—–]\s|:\s|,\s+(?=(?:which|who|whom|whose|where|while|whereas|but|although|though|as|"
                           r"after|before|when|because|amid|despite|following)\b)|\s(?=(?:but|whereas)\s)|"
                           r"(?<=[a-z])\s+(?=(?:as|after|before|while|because|when|amid)\s+(?:the|a|an|it|they|"
                           r"he|she|[A-Z]\w*)\b)|"
                           # "..., days after seizing Bara": an earlier act in a clause of its own (not the date's)
                           r",\s+(?=(?:(?:hours|days|weeks|months|shortly|soon|just|a\s+day|a\s+week)\s+)?(?:after|before)\s+\w+ing\b)|"
                           # "Strikes hit Nabatieh, and Israeli troops pushed into Khiam": a new subject, a new clause
                           r",\s+(?=and\s+(?:the\s+)?[A-Z][\w-]*\s+(?:troops|forces|soldiers|fighters|militants|"
                           r"militias?|army|police|jets|warplanes|drones|aircraft|officials|authorities|rebels)\b)|"
                           # "..., and tanks shelled Deir al-Balah": a new subject of arms, a new clause
                           r",\s+(?=and\s+(?:the\s+)?(?:tanks|troops|soldiers|fighters|militants|gunmen|warplanes|jets|"
                           r"drones|artillery|police)\s+[a-z]+ed\b)")
_VICTIMS = re.compile(r"\b(?:killing|killed|injuring|injured|wounding|wounded|leaving|targeting|hitting)\b")
#: Participles that say what an event aimed at ("..., targeting a Hezbollah commander"), not a second event.
_AIMING = frozenset({"targeting", "hitting"})
#: Kinds whose toll or aim a following "killing ..." or "targeting ..." gives.
_TOLL_KINDS = frozenset({"strike", "shelling", "explosion", "suicide_bombing", "clash", "grenade", "capture", "attack"})


#: Adverbs between a strike noun and its verb: "Houthi shelling also hit Maqbanah".
_ADVERBS_BEFORE_VERB = frozenset({"also", "reportedly", "later", "again", "then", "allegedly", "apparently", "further"})
#: Kinds of a verb that a strike noun right before it is the subject of: "an airstrike hit a school".
_STRIKE_VERB_KINDS = frozenset({"strike", "shelling", "assault"})
#: Kinds of violence whose object may be a trigger noun of presence: "ambushed a patrol", "shelled a checkpoint".
_VIOLENT_KINDS = _TOLL_KINDS | {"assault", "looting", "abduction"}
#: Trigger nouns that, as the object of an act of violence, say whom it hit rather than an event of their own.
_OBJECT_KINDS = frozenset({"patrol", "checkpoint", "base", "deployment", "presence"})


def _clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, begin = [], start
    for m in _CLAUSE_BREAK.finditer(text, start, end):
        if m.start() > begin:
            spans.append((begin, m.start()))
        begin = m.end()
    spans.append((begin, end))
    return [s for s in spans if s[1] > s[0]]


def _triggers(tokens: list[Token]) -> list[tuple[int, int, _Pattern]]:
    """(first token, token count, pattern) of every trigger, longest match first, no overlaps."""
    words = [t.text.lower() for t in tokens]
    found, i = [], 0
    while i < len(words):
        best = None
        for pattern in _patterns().get(words[i], ()):
            n = _match_at(words, i, pattern)
            if n:
                best = (i, n, pattern)
                break
        if best is None:
            i += 1
            continue
        found.append(best)
        i += best[1]
    return found


def _part_of_speech(words: list[str], i: int, n: int, pattern: _Pattern, tokens, actor_at) -> str:
    """A word that is both ("strikes", "attack", "fighting"): a noun after a determiner, an actor's
    adjective or a weapon word; a verb after its subject."""
    alternatives = {p.pos for p in _patterns().get(words[i], ()) if p.words == pattern.words[:len(p.words)]}
    if len(alternatives) < 2:
        return pattern.pos
    prev = words[i - 1] if i > 0 else ""
    if prev in _DETERMINERS or prev in _word_set("army_words") or prev.isdigit() or actor_at(i - 1) \
            or prev in ("drone", "air", "missile", "rocket", "artillery", "israeli", "russian"):
        return "noun"
    if i + n < len(words) and words[i + n] in ("on", "against", "in", "by", "of", "near", "at", "between"):
        return "noun"
    return "verb"


# -- the report's actors -------------------------------------------------------------------

def _main_state(extraction: Extraction, resolutions) -> str | None:
    """The state the report is about: its most-named state actor, else the country of most places."""
    counts: dict[str, float] = {}
    for a in extraction.actor_mentions:
        actor = actors().get(a.actor)
        if actor and actor.kind in ("state", "state_force"):
            counts[actor.id] = counts.get(actor.id, 0) + 1
    for r in resolutions:
        state = _state_of(r.place.country) if r.resolved else None
        if state:
            counts[state] = counts.get(state, 0) + 0.5
    state = max(sorted(counts), key=lambda k: counts[k], default=None)
    return state


def _sentence_country(places) -> str | None:
    """The country most of a sentence's located places are in (None when they are in none or split evenly)."""
    counts: dict[str, int] = {}
    for r in places:
        if r.place.country:
            counts[r.place.country] = counts.get(r.place.country, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    if not ranked or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


@cache
def _state_of(country: str | None) -> str | None:
    """The state actor of an ISO country code, if the actors table has one."""
    if country is None:
        return None
    return next((a.id for a in actors().values() if a.kind == "state" and a.country == country), None)


def _army_of(state: str | None) -> str | None:
    """The actor that "the army" is in a report about ``state`` (its own force if analysts code one)."""
    if state is None:
        return None
    forces = [a.id for a in actors().values() if a.belongs_to == state and a.kind == "state_force"]
    if forces:
        return forces[0]
    actor = actors().get(state)
    if actor and actor.belongs_to and actor.kind == "state_force":
        return actor.id
    return state


# -- finding events ----------------------------------------------------------------------------

def find_events(extraction: Extraction, resolutions: tuple[Resolution, ...]) -> tuple[Event, ...]:
    """Events in every sentence of ``extraction`` (see the module docstring)."""
    text = extraction.report.text
    published = extraction.report.published
    # Without a publication date, the report's latest dated day stands for it when judging what is history
    # ("Hamas-led gunmen attacked southern Israel on Oct. 7, 2023" in a report whose other dates are of 2025).
    latest = None if published is not None else max(
        (w.last for w in find_times(text, None) if w.precision in ("day", "month")), default=None)
    located = [r for r in resolutions if r.resolved and _locatable(r)]
    by_sentence: dict[int, list[Resolution]] = {}
    for r in located:
        by_sentence.setdefault(r.mention.sentence_index, []).append(r)
    actor_mentions = sorted(extraction.actor_mentions, key=lambda a: a.start)
    actor_starts = [a.start for a in actor_mentions]
    army = _army_of(_main_state(extraction, resolutions))
    names_by_sentence: dict[int, list[tuple[int, int]]] = {}
    for r in resolutions:
        names_by_sentence.setdefault(r.mention.sentence_index, []).append((r.mention.start, r.mention.end))

    groups = [(a.start, a.actor) for a in actor_mentions
              if getattr(actors().get(a.actor), "kind", None) == "armed_group" and a.actor not in _UNNAMED_GROUPS]
    group_starts = [start for start, _ in groups]

    def last_group(offset: int) -> str | None:
        """The armed group named last before ``offset`` ("the group", "the militants" refer back to it)."""
        k = bisect.bisect_left(group_starts, offset) - 1
        return groups[k][1] if k >= 0 else None

    events: list[Event] = []
    previous_agent: tuple[str, ...] = ()
    for si, (s_start, s_end) in enumerate(extraction.sentences):
        tokens = tokenize(text, s_start, s_end)
        if not tokens:
            continue
        words = [t.text.lower() for t in tokens]
        lo, hi = bisect.bisect_left(actor_starts, s_start), bisect.bisect_left(actor_starts, s_end)
        sentence_actors = [a for a in actor_mentions[lo:hi] if a.role != "controller"]
        places = by_sentence.get(si, [])
        times = find_times(text, published, s_start, s_end)
        clauses = _clauses(text, s_start, s_end)
        # "The army", "federal troops": the army of the country the sentence is in, when its places say so
        # ("In Ethiopia, Fano fighters clashed with federal troops" in a report that began in Somalia).
        army_here = _army_of(_state_of(_sentence_country(places))) or army

        def actor_at(k: int) -> ActorMention | None:
            if k < 0 or k >= len(tokens):
                return None
            t = tokens[k]
            return next((a for a in sentence_actors if a.start <= t.start < a.end), None)

        # An actor's name inside a longer place name is part of the place ("Sudan" in "Port Sudan").
        names = names_by_sentence.get(si, ())
        sentence_actors = [a for a in sentence_actors
                           if not any(b <= a.start and a.end <= e and e - b > a.end - a.start for b, e in names)]
        # A capitalised trigger inside a date is the date's word: "3 March", "March 3" are not a march.
        found = [(i, n, p) for i, n, p in _triggers(tokens)
                 if not (tokens[i].text[:1].isupper() and any(w.start <= tokens[i].start < w.end for w in times))]
        absorbed: set[int] = set()
        sentence_events: list[Event] = []
        agent_here: tuple[str, ...] = ()
        for index, (i, n, pattern) in enumerate(found):
            if index in absorbed:
                continue
            t_start, t_end = tokens[i].start, tokens[i + n - 1].end
            clause = next(((a, b) for a, b in clauses if a <= t_start < b), (s_start, s_end))
            # The trigger reaches up to the next trigger in its clause (its object and adjuncts).
            # ("killed three people in a raid on the camp": a trigger noun of manner leaves the object to the verb too)
            next_start = next((tokens[j].start for j, _, _ in found[index + 1:] if tokens[j].start < clause[1]
                               and not _MANNER.search(text[t_end:tokens[j].start])), clause[1])
            reach = (t_end, next_start)
            pos = _part_of_speech(words, i, n, pattern, tokens, actor_at)
            kind, sub_event_type = _refine(pattern.kind, text[clause[0]:clause[1]].lower(), text[clause[0]:t_start].lower(),
                                           _object_words(text[t_end:min(clause[1], t_end + _OBJECT_CHARS)].lower()))
            if _VICTIMS.match(words[i]) and (pattern.kind == "attack" or words[i] in _AIMING) \
                    and any(e.kind in _TOLL_KINDS for e in sentence_events):
                # "..., killing six people", "..., targeting a commander": the toll or aim of the event
                # before it, not another event.
                sentence_events[-1] = _with_victims(sentence_events[-1], text, reach, sentence_actors, army_here)
                continue
            if pos == "verb":
                # "killed three people in a raid", "arrested 14 people in overnight raids", "killed five in an
                # airstrike": the noun says how the verb's act was done, one event; a weapon's noun gives its kind.
                for j in range(index + 1, len(found)):
                    m_i, m_n, m_pattern = found[j]
                    if tokens[m_i].start >= clause[1]:
                        break
                    if m_pattern.pos == "noun" and _MANNER.search(text[t_end:tokens[m_i].start]) \
                            and not _MANNER_STOP.search(text[t_end:tokens[m_i].start]):
                        absorbed.add(j)
                        if m_pattern.kind in _REMOTE_KINDS and kind in ("attack", "assault", "clash"):
                            kind, sub_event_type = m_pattern.kind, None
                        elif m_pattern.kind == "clash" and kind == "attack":
                            kind, sub_event_type = "clash", None  # "killed four dissidents in clashes"
                        break
            following = found[index + 1] if index + 1 < len(found) else None
            verb_of_noun = None  # the verb a trigger noun is the subject of, when absorbed: its object is where
            if pos == "noun" and kind in _TOLL_KINDS and following and tokens[following[0]].start < clause[1] \
                    and ((following[2].kind == "attack" and _VICTIMS.match(words[following[0]]))
                         or (following[2].kind in _STRIKE_VERB_KINDS and following[2].pos == "verb"
                             and (following[0] == i + n or (following[0] == i + n + 1
                                                             and words[i + n] in _ADVERBS_BEFORE_VERB)))):
                # "A Malian army airstrike killed 12 civilians near Kidal", "an airstrike hit a school": the strike
                # is the subject of the verb, and the verb's object and places are the strike's.
                absorbed.add(index + 1)
                verb_of_noun = following
                reach = (t_end, next((tokens[j].start for j, _, _ in found[index + 2:] if tokens[j].start < clause[1]),
                                     clause[1]))
            # (after "drone attacks also hit", the verb's object: the trigger after the verb)
            at = index + 2 if verb_of_noun is not None else index + 1
            obj = found[at] if at < len(found) else None
            act_end = tokens[verb_of_noun[0] + verb_of_noun[1] - 1].end if verb_of_noun is not None else t_end
            last = verb_of_noun[0] + verb_of_noun[1] if verb_of_noun is not None else i + n
            if kind in _VIOLENT_KINDS and obj and obj[2].kind in _OBJECT_KINDS \
                    and tokens[obj[0]].start < clause[1] and obj[0] - last <= 3 \
                    and not re.search(r"[,;:]", text[act_end:tokens[obj[0]].start]):
                # "ambushed a police patrol", "attacked a checkpoint": the patrol is whom the act hit, not an
                # event of its own; the act's object and places reach past it.
                absorbed.add(at)
                reach = (t_end, next((tokens[j].start for j, _, _ in found[at + 1:] if tokens[j].start < clause[1]),
                                     clause[1]))
            passive = pos == "verb" and i > 0 and (words[i - 1] in _BE or (i > 1 and words[i - 2] in _BE))
            agent = _agent(text, tokens, i, n, pos, passive, clause, reach, sentence_actors, actor_at, army_here,
                           agent_here or previous_agent, s_start, agent_here, last_group)
            if agent is None and kind in ("protest", "riot", "mob_violence"):
                agent = ()  # "hundreds of residents protested": protesters, no armed actor
            if agent is None:
                continue  # not an act of an actor ("aid trucks entered")
            target = _target(text, tokens, i, n, pos, passive, clause, reach, sentence_actors, agent, army_here, kind, pattern)
            kind = _coded_by_target(kind, " ".join(words[i:i + n]), target)
            where = _where(text, places, tokens, i, n, pos, passive, clause, reach)
            if verb_of_noun is not None:
                # "Russian missiles hit Kyiv": the place is the verb's object.
                where = _where(text, places, tokens, verb_of_noun[0], verb_of_noun[1], "verb", False, clause, reach) or where
            if not where:
                where = _elsewhere(text, places, located, t_start, t_end, clause, si, s_start)
            when = _when(text, times, clause, t_start, published, s_start)
            reason = _context(text, tokens, i, pos, clause, s_start, kind, when, published or latest, where, agent, target)
            agent_ids = tuple(a for a in agent if a)
            if kind == "capture":
                target = target or _taken_from(agent_ids, where, army_here)
                sub_event_type = _capture_type(agent_ids, where, target)
            types = event_kinds()[kind]
            for r in (where or ((),)):
                locations = (r,) if r else ()
                event = Event(kind, text[t_start:t_end], t_start, t_end, si, agent_ids, locations, when,
                              types["event_type"], sub_event_type or types["sub_event_type"], target,
                              reason is not None, reason)
                if not locations and not reason:
                    continue  # an event nowhere in particular is not drawn, and not kept
                if any(_same(e, event) for e in sentence_events):
                    continue
                sentence_events.append(event)
            if agent_ids and not reason:
                agent_here = agent_ids
        events.extend(_one_act(sentence_events))
        current_agents = [e.actors for e in sentence_events if e.actors and not e.context]
        named = [a.actor for a in sentence_actors if a.role in ("name", "demonym", "organisation")]
        if current_agents:
            previous_agent = current_agents[0]
        elif named:
            previous_agent = (named[0],)
    return tuple(_the_named_group(_claimed(_victims_from_next(events, text, extraction), text, extraction), extraction))


def _one_act(events: list[Event]) -> list[Event]:
    """"At least 19 people were killed when RSF fighters stormed Al-Hilaliya": the killing without an agent is the
    toll of the act with one in the same sentence, which then hit civilians (and is coded so), not a second event."""
    from dataclasses import replace

    tolls = [e for e in events if e.kind == "attack" and not e.actors and e.target == "civilians" and not e.context]
    acts = [e for e in events if e.actors and not e.context and e.kind in _VIOLENT_KINDS and e.target is None]
    if not tolls or not acts:
        return events
    toll_ids, act_ids = {id(e) for e in tolls}, {id(e) for e in acts}
    out = []
    for e in events:
        if id(e) in toll_ids and (not e.locations or all(r.place.kind in ("admin_area", "region", "country")
                                                  for r in e.locations) and any(a.locations for a in acts)
                           or any({r.place.id for r in a.locations} >= {r.place.id for r in e.locations} for a in acts)):
            continue  # (its places are the act's, or only the province around it)
        if id(e) in act_ids:
            kind = _coded_by_target(e.kind, e.trigger, "civilians")
            types = event_kinds()[kind]
            e = replace(e, kind=kind, target="civilians", event_type=types["event_type"],
                        sub_event_type=types["sub_event_type"] if kind != e.kind else e.sub_event_type)
        out.append(e)
    return out


#: "JNIM claimed the assault", "al-Shabaab claimed responsibility": who an attack with no agent was by.
_CLAIM = re.compile(r"\bclaimed\s+(?:responsibility|the\s+(?:assault|attack|attacks|bombing|ambush|strike|strikes|raid|"
                    r"killing|killings|blast|explosion))\b", re.IGNORECASE)


def _claimed(events: list[Event], text: str, extraction: Extraction) -> list[Event]:
    """An act whose agent the text does not give takes the actor that claims it in the same or the next
    sentence ("The camp was overrun ... JNIM claimed the assault")."""
    from dataclasses import replace

    if not any(not e.actors and not e.context and e.kind in _VIOLENT_KINDS for e in events):
        return events
    by_sentence: dict[int, list[ActorMention]] = {}
    for a in extraction.actor_mentions:
        by_sentence.setdefault(sentence_index(extraction.sentences, a.start), []).append(a)
    out = []
    for e in events:
        if not e.actors and not e.context and e.kind in _VIOLENT_KINDS:
            for si in (e.sentence_index, e.sentence_index + 1):
                if si >= len(extraction.sentences):
                    break
                a, b = extraction.sentences[si]
                claim = _CLAIM.search(text, a, b)
                if claim is None or re.search(r"\bno\s+(?:group|one)\b", text[a:claim.start()], re.IGNORECASE):
                    continue
                claimants = [m for m in by_sentence.get(si, ()) if m.start < claim.start()
                             and getattr(actors().get(m.actor), "kind", None) == "armed_group"]
                if claimants:
                    e = replace(e, actors=(claimants[-1].actor,))
                    break
        out.append(e)
    return out


#: Actors that stand for a group the report does not name ("militants", "rebels").
_UNNAMED_GROUPS = frozenset({"rebels"})


def _the_named_group(events: list[Event], extraction: Extraction) -> list[Event]:
    """"Al-Shabaab attacked Jowhar ... The militants later withdrew": in a report that names one armed group
    and no other, the militants and rebels it speaks of are that group (as an analyst codes them)."""
    from dataclasses import replace

    named = {a.actor for a in extraction.actor_mentions
             if a.actor not in _UNNAMED_GROUPS and getattr(actors().get(a.actor), "kind", None) == "armed_group"
             and a.actor != "israeli_settlers"}
    if len(named) != 1:
        return events
    (group,) = named

    def swap(actor):
        return group if actor in _UNNAMED_GROUPS else actor

    return [replace(e, actors=tuple(dict.fromkeys(swap(a) for a in e.actors)), target=swap(e.target))
            if _UNNAMED_GROUPS & {*e.actors, e.target} else e for e in events]


def _coded_by_target(kind: str, trigger: str, target: str | None) -> str:
    """The kind of a trigger that does not say how ("attacked") or whom ("killed"), by whom it hit
    (event_triggers.json "unspecified"); other kinds as they are.

    >>> _coded_by_target("attack", "killed", "civilians"), _coded_by_target("attack", "killed", "al_shabaab")
    ('attack', 'clash')
    >>> _coded_by_target("attack", "massacred", "al_shabaab"), _coded_by_target("assault", "attacked", None)
    ('attack', 'clash')
    """
    rule = _table()["unspecified"].get(kind) if kind != "description" else None
    if rule is None or ("only" in rule and trigger.lower() not in rule["only"]):
        return kind
    return rule.get(target or "", rule["otherwise"])


def _same(a: Event, b: Event) -> bool:
    return a.kind == b.kind and {r.mention.start for r in a.locations} == {r.mention.start for r in b.locations} \
        and a.actors == b.actors


#: How far after a trigger its object is looked for (a rule with ``scope: object``).
_OBJECT_CHARS = 40
#: Where a trigger's object ends: a punctuation mark or a preposition ("recaptured in March, drones ...").
_OBJECT_END = re.compile(r"[,;:.()]|\s(?:in|on|at|near|from|after|before|during|since|to|into|outside|inside|around|"
                         r"with|by|as|while|when|and)\s")


def _object_words(after: str) -> str:
    """The first words after a trigger up to the end of its object: "seized a tanker near ..." -> " a tanker"."""
    return _OBJECT_END.split(after, 1)[0]


def _refine(kind: str, clause: str, before: str, after: str = "") -> tuple[str, str | None]:
    """The kind a clause's words make of a trigger (and a sub-event type, for protests); a rule with
    ``scope: before`` looks only at the words before the trigger (its subject: "gunmen attacked"), one with
    ``scope: object`` only at the few words after it (its object: "seized a tanker")."""
    sub = None
    for rule in _table()["refine"]:
        if kind not in rule["from"]:
            continue
        words = rule["words"]
        where = {"before": before, "object": after}.get(rule.get("scope"), clause)
        if any(re.search(rf"\b{re.escape(w)}\b", where) for w in words) and not any(
                re.search(rf"\b{re.escape(w)}\b", clause) for w in rule.get("unless", ())):
            if rule.get("sub_event_type"):
                sub = rule["sub_event_type"]
                continue
            kind = rule["to"]
    return kind, sub


def _agent(text, tokens, i, n, pos, passive, clause, reach, sentence_actors, actor_at, army, previous, s_start,
           current=(), last_group=None):
    """The agent(s) of a trigger as actor ids (an empty tuple: unknown); None when the subject is not an actor."""
    words = [t.text.lower() for t in tokens]
    if passive:
        by = re.search(r"\bby\s+(?:the\s+)?", text[tokens[i + n - 1].end:reach[1]])
        if by:
            after = tokens[i + n - 1].end + by.end()
            agent = next((a for a in sentence_actors if after <= a.start < reach[1]), None)
            if agent:
                return (agent.actor,)
            if re.match(r"(?:the\s+)?(?:army|military|troops|government forces|security forces)\b", text[after:reach[1]], re.I):
                return (army,)
        return ()
    if pos == "noun":
        # "Israeli airstrikes", "RSF drone strikes", "the army's shelling": the actor right before the noun.
        k = i - 1
        while k >= 0 and tokens[k].start >= clause[0] and i - k <= 4:
            a = actor_at(k)
            if a is not None:
                return (a.actor,)
            if words[k] in _word_set("army_words") or (words[k] == "army" or words[k] == "army's"):
                return (army,)
            if not (words[k] in ("drone", "air", "force", "forces", "missile", "rocket", "artillery", "heavy", "new", "fresh", "deadly",
                                 "overnight", "renewed", "repeated", "mortar", "aerial", "ground", "joint", "military",
                                 "naval", "cross-border", "retaliatory") or tokens[k].text.endswith("'s")):
                break
            k -= 1
        by = re.search(r"^\s*(?:by|(?:\w+\s+)?(?:blamed\s+on|attributed\s+to|carried\s+out\s+by|claimed\s+by))\s+(?:the\s+)?",
                       text[tokens[i + n - 1].end:reach[1]])
        if by:
            after = tokens[i + n - 1].end + by.end()
            agent = next((a for a in sentence_actors if after <= a.start < reach[1]), None)
            if agent:
                return (agent.actor,)
        between = re.match(r"\s*(?:broke out\s+|erupted\s+)?between\s+(?:the\s+)?", text[tokens[i + n - 1].end:reach[1]])
        if between:
            after = tokens[i + n - 1].end + between.end()
            if re.match(r"(?:army|military|government forces)\b", text[after:after + 20], re.I):
                return (army,)
            agent = next((a for a in sentence_actors if after <= a.start < reach[1]), None)
            if agent:
                return (agent.actor,)
        if _MANNER.search(text[clause[0]:tokens[i].start]):
            # "Israeli forces killed four people in a raid on the camp": the raid is theirs (the agent of this
            # sentence's act), whoever it hit.
            return current
        subject = _subject(text, tokens, i, clause, sentence_actors, army, previous, s_start, last_group=last_group)
        return subject if subject else ()
    return _subject(text, tokens, i, clause, sentence_actors, army, previous, s_start, verb=True, last_group=last_group)


#: After a state's words of speech: its own arms as the subject ("said a fighter jet had struck").
_OWN_ARMS = re.compile(r"\s+(?:that\s+)?(?:a|an|its|their)\s+(?:fighter\s+)?(?:jets?|warplanes?|drones?|aircraft|helicopters?|"
                       r"gunships?|artillery|troops|soldiers|forces|units?)\b", re.IGNORECASE)
#: After a state's name: its armed forces ("Sudan's army", "Ukraine's military").
_FORCE_OF = re.compile(r"['’]s\s+(?:armed\s+forces|army|military|troops|forces|soldiers)\b", re.IGNORECASE)
#: "fighters of the X", "members of X": an armed group named after "of" is who acts.
_MEMBERS_OF = re.compile(r"\b(?:fighters|forces|troops|soldiers|militants|members|units|militiamen|gunmen|elements)\s+"
                         r"of\s+(?:the\s+)?$", re.IGNORECASE)
#: Kinds of remote violence: a verb's act done "in an airstrike", "in shelling" is of the weapon's kind.
_REMOTE_KINDS = frozenset({"strike", "shelling", "explosion", "suicide_bombing", "grenade", "chemical"})
#: Between a verb and a later noun: a new predicate, so the noun is no manner of the verb's act.
_MANNER_STOP = re.compile(r"[,;:]|\b(?:and|but|while|after|before|as)\b", re.IGNORECASE)
#: "drones launched by the RSF hit ...", "strikes blamed on the United States hit ...": who struck.
_LAUNCHED_BY = re.compile(r"\b(?:(?:launched|fired|operated|flown|sent|piloted|dispatched|carried\s+out|claimed)\s+by|"
                          r"blamed\s+on|attributed\s+to)\s+(?:the\s+)?$", re.IGNORECASE)
#: A trigger noun after these words names how the clause's act was done: "killed four people in a raid".
_MANNER = re.compile(r"\b(?:in|during|amid)\s+(?:(?:a|an|the|two|three|several|their|its)\s+)?(?:[\w-]+\s+){0,2}$",
                     re.IGNORECASE)


def _subject(text, tokens, i, clause, sentence_actors, army, previous, s_start, verb=False, last_group=None):
    """The actor that is the subject before token ``i`` in its clause ((): unknown; None: not an actor)."""
    t_start = tokens[i].start
    before = [a for a in sentence_actors if clause[0] <= a.start < t_start]
    span = text[clause[0]:t_start]
    # An actor governed by a preposition is not the subject ("condemnation from Damascus", "with Russia").
    before = [a for a in before if (not re.search(r"\b(?:from|with|of|to|against|for|by|about|on|over|at|in|into|near|"
                                                  r"towards|toward|across|inside)\s+(?:the\s+)?$",
                                                  text[max(clause[0], a.start - 12):a.start], re.I)
                                    or _MEMBERS_OF.search(text, max(clause[0], a.start - 30), a.start)
                                    or _LAUNCHED_BY.search(text, max(clause[0], a.start - 30), a.start))
              # "the Israeli port of Eilat": a demonym before a place noun names the place, not who acts
              and not (a.role == "demonym" and _PLACE_NOUN.match(text, a.end))]
    if before:
        chosen = [before[-1]]
        for a in reversed(before[:-1]):
            if re.fullmatch(r"(?:\s+(?:army|military|forces|troops|soldiers|fighters|militias?|police))?\s*,?\s*and\s*",
                            text[a.end:chosen[0].start]):
                chosen.insert(0, a)
            else:
                break
        speech = _speaker(text[chosen[-1].end:t_start])
        if speech is None:
            # "Sudan's army said it had ...": the state's own force where analysts code one (the SAF)
            return tuple(dict.fromkeys(_army_of(a.actor) if _FORCE_OF.match(text, a.end) else a.actor for a in chosen))
        # "The UN condemned the strike on Damascus": the UN spoke; who struck is only what follows it says.
        span = text[chosen[-1].end + speech:t_start]
        if _OWN_ARMS.match(span) and all(getattr(actors().get(a.actor), "kind", None) in ("state", "state_force")
                                         for a in chosen):
            # "the Nigerian Air Force said a fighter jet had struck ...": a state speaks of its own arms
            return tuple(dict.fromkeys(_army_of(a.actor) if _FORCE_OF.match(text, a.end) else a.actor for a in chosen))
    words_before = span.lower()
    armed = re.search(r"(?:^|[\s,])(?:the\s+)?(army|military|troops|soldiers|government forces|government troops|"
                      r"security forces|armed forces|air force|air defences|air defenses|junta|police|policemen|"
                      r"gendarmes|gendarmerie)\b(?:'s)?[^,;]*$", words_before)
    if armed:
        own = re.search(r"\b(?:its|their)\s+(?:own\s+)?(?:troops|soldiers|forces|army|military)\b", words_before)
        speaker = [a for a in sentence_actors if a.start < clause[0]
                   and getattr(actors().get(a.actor), "kind", None) in ("state", "state_force")]
        if own and speaker:
            # "Ukraine's General Staff ..., but said its troops had repelled 42 attacks": the speaker's troops
            return (speaker[0].actor,)
        if own is None and armed.group(1) in ("troops", "soldiers") and len(previous or ()) == 1 and previous[0] != army \
                and getattr(actors().get(previous[0]), "kind", None) in ("state", "state_force"):
            # "Israeli forces raided Jenin. Troops also raided Nur Shams": the troops of the state just named,
            # not the army of the state the report is most about.
            return previous
        return (army,) if army else ()
    group = re.search(r"\bthe\s+(?:group|movement|militia|militants|rebels|insurgents|jihadists)\s+(?:\w+\s+){0,2}$",
                      span, re.I)
    if group and last_group is not None:
        named = last_group(t_start)
        if named:
            return (named,)  # "after the group detained UN staff": the armed group last named
    if re.match(r"\W*(?:it|they|its|their|the\s+group|the\s+movement|the\s+militia)\b", span, re.I) \
            or re.search(r"\b(?:it|they|the\s+group|the\s+movement|the\s+militia)\s+(?:\w+\s+){0,2}$", span, re.I):
        return previous
    if verb and tokens[i].text.lower().endswith("ing") and re.search(r"\b(?:after|before|while|since)\s*$", span, re.I):
        # "..., days after seizing Bara": a gerund's subject is the sentence's agent before it.
        return previous
    if verb:
        # "A drone struck", "Gunmen attacked": the text does not say who.
        if any(re.search(rf"\b{re.escape(w)}\b", words_before) for w in _word_set("unattributed_agents")):
            return ()
        if re.search(r"\b(?:aid|trucks|convoys?|refugees|residents|people|families|civilians|children|"
                     r"migrants|displaced|journalists|ships?|vessels?|tankers?)\b", words_before):
            return None
    return ()


@cache
def _stance_pattern() -> re.Pattern:
    return re.compile(r"\b(?:" + alternation(_table()["stance_verbs"]) + r")\b")


def _speaker(gap: str) -> int | None:
    """Where the speech ends when the words between an actor and a trigger make the actor a speaker about
    the event (it said, condemned, denied ... it), not its agent (None: they do not; "Israel said it
    struck" keeps Israel through the pronoun)."""
    lower = gap.lower()
    last = max((m.end() for m in _stance_pattern().finditer(lower)), default=None)
    if last is None or _SAID_OF_ITSELF.match(lower, last):
        return None
    return last


#: After a verb of speech: the speaker speaks of its own act ("said on Tuesday it had attacked", "said the group
#: had fired", "said its fighters ambushed").
_SAID_OF_ITSELF = re.compile(r"(?:\s+(?:on|late|early|earlier|later|in|at|this|last|overnight|yesterday|today)"
                             r"(?:\s+[\w-]+){0,2}?)?(?:,)?\s+(?:that\s+)?(?:it|they|its|their|he|she|the\s+group|"
                             r"the\s+movement|the\s+militia|the\s+organi[sz]ation)\b")


def _target(text, tokens, i, n, pos, passive, clause, reach, sentence_actors, agent, army, kind, pattern=None):
    """The actor (or ``civilians``/``protesters``) the trigger acts on, None when the text does not say."""
    agent_ids = set(agent or ())
    if pattern is not None and "*" in pattern.words:
        # "pushed Russian troops out of X": the words the pattern skips are its object.
        inside = [a for a in sentence_actors if tokens[i].end <= a.start < tokens[i + n - 1].end and a.actor not in agent_ids]
        if inside:
            return inside[0].actor
    if passive:
        before = [a for a in sentence_actors if clause[0] <= a.start < tokens[i].start and a.actor not in agent_ids
                  and not (a.role == "demonym" and _PLACE_NOUN.match(text, a.end))]
        if before:
            return before[-1].actor
        if kind not in _TERRITORIAL_KINDS and _civilian_words(text[clause[0]:tokens[i].start].lower()):
            return "civilians"  # "one woman was killed when a drone hit her home"
    span = text[tokens[i + n - 1].end:reach[1]]
    lower = span.lower()
    between = re.search(r"between\s+(?:the\s+)?[\w\s'-]+?\s+and\s+(?:the\s+)?", lower)
    told = _ATTRIBUTION.search(text, tokens[i + n - 1].end, reach[1])
    stop = told.start() if told else reach[1]
    after = [a for a in sentence_actors if tokens[i + n - 1].end <= a.start < stop and a.actor not in agent_ids
             and not re.search(r"\bby\s+(?:the\s+)?$", text[max(0, a.start - 8):a.start])
             and not (a.role == "demonym" and _PLACE_NOUN.match(text, a.end))
             and not _FLAG.match(text, a.end)]
    if after and after[0].role == "demonym" and kind not in ("visit", "meeting", "agreement") \
            and (_civilian_pattern().match(text[after[0].end:after[0].end + 30].lstrip().lower())
                 or (kind == "attack" and _PEOPLE_OF.fullmatch(after[0].text))):
        # "attacked Palestinian farmers", "killed four Palestinians": whom it hit are people, not a state
        return "civilians"
    if between and after:
        return after[-1].actor
    if between and army and army not in agent_ids \
            and re.match(r"(?:army|military|government forces|government troops|security forces|troops|soldiers)\b",
                         lower[between.end():]):
        return army
    if after and kind not in ("visit", "meeting", "agreement"):
        return after[0].actor
    if re.search(r"\b(?:the\s+)?army(?:'s)?\b", lower) and army and army not in agent_ids and kind == "capture":
        return army
    if army and army not in agent_ids and kind not in ("visit", "meeting", "agreement", "patrol", "deployment", "presence",
                                                       "withdrawal", "protest") \
            and _ARMED_TARGETS.search(lower):
        return army  # "shelled government positions", "attacked an army base", "a police station": the state's forces
    if kind not in _TERRITORIAL_KINDS and _civilian_words(lower):
        return "civilians"  # (a village captured or entered is territory, not its people)
    if re.search(r"\b(?:protesters|demonstrators|protestors)\b", lower):
        return "protesters"
    return None


#: Kinds whose object is ground, not people: "captured the village of X" names no victims.
_TERRITORIAL_KINDS = frozenset({"capture", "incursion", "withdrawal", "patrol", "deployment", "presence", "base",
                                "checkpoint", "handover", "visit", "meeting", "agreement"})
#: ", the Palestinian health ministry said", "according to Lebanese officials": who tells of the event, whose
#: actors are neither its agent nor its target.
_ATTRIBUTION = re.compile(r",\s+(?:the\s+|an?\s+)?(?:[\w'’-]+\s+){0,8}?(?:said|says|told|reported|added|stated)\b|"
                          r"\baccording\s+to\b")
#: "Liberian-flagged", "Greek-owned": a ship's flag or owner, no party to the event.
_FLAG = re.compile(r"-(?:flagged|registered|owned|operated|managed|bound|brokered|mediated|sponsored|funded)\b")
#: A demonym that names people ("Palestinians", "Sudanese"), not the state's adjective.
_PEOPLE_OF = re.compile(r"[A-Z][\w'’-]*(?:ans|ians|ites|is|ers|ese|ish|ch)s?|[A-Z][\w'’-]*s")

#: Words after a trigger that name the state's armed men or their posts as whom it hit.
_ARMED_TARGETS = re.compile(
    r"\b(?:army|military|government|junta|police|security|gendarmerie)\s+(?:base|bases|positions?|posts?|convoys?|"
    r"barracks|camps?|checkpoints?|forces|troops|soldiers|units?|patrols?|stations?|outposts?|vehicles?|officers?)\b|"
    r"\b(?:soldiers|troops|policemen|policewomen|police officers|gendarmes|border guards|security personnel)\b")
#: A toll of the state's armed men: "..., killing four policemen".
_ARMED_VICTIMS = re.compile(r"\b(?:soldiers|troops|policemen|policewomen|police officers|officers|gendarmes|"
                            r"border guards|security personnel|servicemen|service members)\b")

#: A demonym before one of these names a place, not an actor: "the Israeli town of Metula".
_PLACE_NOUN = re.compile(r"\s+(?:town|towns|village|villages|city|cities|port|capital|border|coast|coastline|region|"
                         r"province|territory|side|island|airspace|waters|frontier|countryside)\b", re.IGNORECASE)


#: "residents said", "according to local people": who tells of an event, not whom it hit.
_SOURCES = re.compile(r"\b(?:\w+\s+){0,2}?\w+\s+(?:said|say|says|told|reported|recounted|added)\b|"
                      r"\baccording\s+to\s+(?:\w+\s+){0,3}?\w+")


@cache
def _civilian_pattern() -> re.Pattern:
    return re.compile(r"\b(?:" + alternation(_table()["target_words"]["civilians"]) + r")\b")


def _civilian_words(lower: str) -> bool:
    """Whether ``lower`` names civilians as whom an event hit (not as who told of it: "residents said")."""
    return _civilian_pattern().search(_SOURCES.sub(" ", lower)) is not None


_LOCATIVE = re.compile(r"\b(?:in|at|on|near|into|across|around|outside|inside|within|along|towards?|over|off|through|"
                       r"throughout|of|beyond|east of|west of|north of|south of)\s+(?:the\s+)?(?:\w+'s\s+)?$", re.IGNORECASE)
_TOPIC = re.compile(r"\b(?:about|regarding|concerning|over the future of|on the future of|the future of|on the handover "
                    r"of|on|from)\s+(?:the\s+)?(?:[\w-]+\s+){0,3}$", re.IGNORECASE)
_ENUMERATION = re.compile(r"^\s*(?:,\s*(?:and\s+)?|\s+and\s+|\s+or\s+)(?:the\s+)?$", re.IGNORECASE)


def _where(text, places, tokens, i, n, pos, passive, clause, reach) -> list[Resolution]:
    """The places of the trigger's own clause (see the module docstring)."""
    t_end = tokens[i + n - 1].end
    # A place the pattern's "*" skipped is its object: "handed Lashio back to the military".
    inside = [r for r in places if tokens[i].end <= r.mention.start and r.mention.end <= tokens[i + n - 1].start]
    if inside:
        return inside
    chosen: list[Resolution] = []
    told = _ATTRIBUTION.search(text, t_end, clause[1])  # ", the health ministry in Ramallah said": where the source is
    for r in places:
        start = r.phrase[0]
        if not (reach[0] <= start < reach[1]) or (told is not None and start >= told.start()):
            continue
        gap = text[t_end:start]
        before = text[max(clause[0], start - 40):start]
        near = r.qualifier is not None and {"near", "offset", "border"} & set(r.qualifier.rules)
        direct = pos == "verb" and not passive and re.fullmatch(r"\s*(?:(?:the|a|an)\s+)?(?:[\w-]+\s+){0,2}?", gap) is not None \
            and not re.search(r"\b(?:from|about|with|to)\b", gap)
        if re.search(r"\b(?:about|regarding|concerning|future of|handover of)\b[^,;]*$", text[t_end:start], re.I):
            continue  # a topic, not where it happened
        if re.search(r"\bfrom\s+(?:the\s+)?$", before, re.I) and pos == "noun":
            continue  # "condemnation from Damascus", "drones launched from X"
        if re.search(r"\b(?:blamed\s+on|attributed\s+to|claimed\s+by|carried\s+out\s+by)\s+(?:the\s+)?$", before, re.I):
            continue  # "air strikes blamed on the United States": who struck, not where
        if direct or near or _LOCATIVE.search(before) or (chosen and _ENUMERATION.match(text[chosen[-1].mention.end:start])):
            chosen.append(r)
    if passive:
        subject = [r for r in places if clause[0] <= r.mention.start < tokens[i].start]
        if subject:
            chosen = subject[-1:] + chosen
    return _most_specific(_without_reference_points(text, chosen))


def _without_reference_points(text, chosen: list[Resolution]) -> list[Resolution]:
    """Leave out a place that only says where the one before it lies: "Maqbanah, west of Taiz", "Dilling,
    150 km north of Kadugli" happened in Maqbanah and Dilling."""
    out: list[Resolution] = []
    for r in chosen:
        q = r.qualifier
        if out and q is not None and (q.bearing is not None or "near" in q.rules) \
                and _REFERENCE_GAP.fullmatch(text, out[-1].mention.end, q.start):
            continue  # ("Abu Shouk camp, near El Fasher", "Tirah, outside Peshawar")
        out.append(r)
    return out


#: Between a place and a phrase placing it by another: a comma, or its unit word ("Abu Shouk camp near ...").
_REFERENCE_GAP = re.compile(r"\s*(?:(?:camp|town|village|city|district|area|neighbourhood|neighborhood|valley)\s*)?,?\s*",
                            re.IGNORECASE)


def _elsewhere(text, places, located, t_start, t_end, clause, si, s_start) -> list[Resolution]:
    """A place the trigger refers to outside its reach: "X, where ...", "... there", a leading "In X," or
    "another village in the area" (the last place named before)."""
    earlier = [r for r in places if s_start <= r.mention.end <= t_start]
    for r in reversed(earlier):
        if re.match(r"\s*,\s*where\b", text[r.mention.end:t_start], re.I):
            return [r]
    if earlier:
        gap = text[earlier[-1].mention.end:t_start]
        if re.search(r"\bthere\b", gap, re.I) or (
                re.match(r"\s*,", gap) and re.match(r"\W*(?:in|at|near)\b", text[s_start:earlier[-1].mention.start], re.I)
                and earlier[-1].mention.start >= clause[0] - 40):
            return [earlier[-1]]
    lead = [r for r in places if r.mention.start < clause[0] and re.match(r"\W*(?:in|at)\s+(?:the\s+)?$",
                                                                       text[max(0, r.mention.start - 8):r.mention.start], re.I)]
    if lead and clause[0] - lead[-1].mention.end < 30:
        return [lead[-1]]
    if re.search(r"\b(?:another|a|an|one|two|three|several)\s+(?:\w+\s+)?(?:village|town|position|site|area|hamlet|farm)s?"
                 r"\s+(?:in|near|nearby|close\s+to)\s+(?:the|that)\s+(?:area|vicinity|region)\b", text[t_end:clause[1]], re.I):
        before = [r for r in located if r.mention.sentence_index == si and r.mention.end <= t_start]
        if before:
            return [before[-1]]
    return []


def _most_specific(chosen: list[Resolution]) -> list[Resolution]:
    """Drop a country or region that contains another of the event's locations."""
    if len(chosen) < 2:
        return chosen
    from shapely.geometry import Point

    keep = []
    for r in chosen:
        inside = [o for o in chosen if o is not r and r.place.kind in ("country", "continent", "region", "admin_area", "zone")
                  and o.place.id != r.place.id and r.place.geometry.geom_type in ("Polygon", "MultiPolygon")
                  and r.place.geometry.buffer(0.01).contains(Point(o.place.point))]
        if not inside:
            keep.append(r)
    return keep or chosen


def _locatable(r: Resolution) -> bool:
    """Whether a place can be where an event happens: not a continent or a vast region."""
    return r.place.kind != "continent" and (r.place.kind != "region" or r.place.approx_area_km2 < 3_000_000)


_SHIFT = re.compile(r"\b(?:a|one|two|three|four|five|six|seven|\d+)\s+days?\s+(?:after|before)\b|\bhours\s+(?:after|before)\b",
                    re.IGNORECASE)


def _when(text, times, clause, t_start, published, s_start) -> When | None:
    """The time of the trigger's clause, shifted by "a day after" (see the module docstring)."""
    inside = [w for w in times if clause[0] <= w.start < clause[1]]
    if not inside:
        # "On Monday, X did A, a day after they did B": the sentence's lead time, shifted.
        lead = [w for w in times if w.start < clause[0]]
        shift = _SHIFT.search(text, max(s_start, clause[0] - 16), t_start)
        if lead and shift:
            days = shift_days(shift.group())
            return lead[0].shifted(days) if days is not None else None
        if lead and re.fullmatch(r"\s*(?:(?:late|early)\s+)?(?:on|in|at)?\s*", text[s_start:lead[0].start], re.IGNORECASE):
            # "On Sunday an airstrike hit Nuseirat, and tanks shelled Deir al-Balah": a time that opens the
            # sentence dates each of its clauses.
            return lead[0]
        return None
    before = [w for w in inside if w.end <= t_start]
    when = before[-1] if before else inside[0]
    lo, hi = (when.end, t_start) if when.end <= t_start else (t_start, when.start)
    between = text[lo:hi]
    shift = None
    for m in _SHIFT.finditer(between):
        shift = shift_days(m.group())
    if shift is not None:
        return when.shifted(shift)
    if re.search(r"\b(?:ago|earlier|later|until|prior)\b", between, re.IGNORECASE):
        return None  # the event is only placed relative to that time: leave it undated
    if re.search(r"\bsince\b", text[min(t_start, when.start):when.start + 6], re.IGNORECASE) and published \
            and when.first <= published:
        return When(when.text, when.start, when.end, when.first, published, "range", "since")
    return when


#: After a trigger noun: a trend told, not an event ("attacks ... have surged", "strikes have intensified").
_TREND = re.compile(r"(?:\s+strikes|\s+attacks)?(?:\s+(?:in|on|across|around|against)\s+(?:[\w'’-]+\s+){0,4}?[\w'’-]+)?"
                    r"\s+(?:have|has)\s+"
                    r"(?:(?:also|further|sharply|steadily)\s+)?(?:surged|risen|increased|intensified|escalated|grown|spiked|"
                    r"doubled|tripled|declined|fallen|dropped|decreased|eased)\b", re.IGNORECASE)
#: A year in a clause with no time expression of its own: "in the 1967 war", "the 2021 coup".
_YEAR = re.compile(r"\b(?:in|during|since|until|of|the|early|late|mid-?)\s+(?:the\s+)?((?:19|20)[0-9]{2})\b"
                   r"(?!\s*(?:people|troops|soldiers|fighters|civilians|families|homes|km|kilometres|kilometers|metres))",
                   re.IGNORECASE)
#: After a trigger noun: it is the subject of driving people out ("fighting has displaced 200,000").
_CAUSE_OF_FLIGHT = re.compile(r"(?:\s+(?:in|around|near|across|on|along)\s+(?:[\w'’-]+\s+){0,5}?[\w'’-]+)?"
                              r"(?:\s+(?:has|have|had|which|that))?(?:\s+(?:since|already|now|so\s+far))?\s+"
                              r"(?:displaced|uprooted|forced|driven|pushed)\b", re.IGNORECASE)
#: Before a trigger noun: it is what drove people out ("were displaced by flooding and fighting").
_DRIVEN_BY = re.compile(r"\b(?:displaced|uprooted|driven\s+out|forced\s+to\s+flee|fled)\s+(?:\w+\s+){0,3}?"
                        r"(?:by|from)\s+(?:the\s+)?(?:\w+\s+(?:and|or)\s+)?$", re.IGNORECASE)
_MONTH_OF_MAY = re.compile(r"\bMay(?=\s+\d)|(?<=\d)\s+May\b|\bMay(?=,?\s+(?:19|20)\d\d\b)")


def _context(text, tokens, i, pos, clause, s_start, kind, when, published, where, agent, target=None) -> str | None:
    """Why an event is not part of the current situation (None: it is)."""
    t_start = tokens[i].start
    # The month of May is no modal verb: "GAZA, May 14 - Israeli tanks advanced".
    before_clause = _MONTH_OF_MAY.sub("  ", text[clause[0]:t_start]).lower()
    before_sentence = _MONTH_OF_MAY.sub("  ", text[s_start:t_start]).lower()
    prev = tokens[i - 1].text.lower() if i > 0 else ""
    if prev == "to" or (prev in ("would", "will", "could", "might", "may", "shall") or
                        re.search(r"\b(?:would|will|could|might|may|shall)\s+(?:\w+\s+){0,2}$", before_clause)):
        return "intended or hypothetical"
    for cue in _cues("intent"):
        if re.search(rf"\b{re.escape(cue)}\b", before_clause if cue not in ("warned that", "warns that", "hopes",
                                                                              "hoped", "if", "unless") else before_sentence):
            if cue == "any" and not re.search(r"\bany\s+(?:\w+\s+){0,2}$", before_clause):
                continue
            return f"intended or hypothetical ({cue!r})"
    for cue in _cues("denial"):
        found = list(re.finditer(rf"\b{re.escape(cue)}\b", before_sentence))
        if found and not re.search(r"\bbut\b", before_sentence[found[-1].end():]):
            return f"denied ({cue!r})"  # ("did not confirm the loss, but said its troops repelled ...": reported)
    for cue in _cues("condemnation"):
        found = list(re.finditer(rf"\b{re.escape(cue)}\b", before_sentence))
        # "condemnation from Damascus after Israeli strikes on Quneitra": the strikes are reported as the
        # cause, an event; only what is condemned itself ("condemned the strike") is not reported here.
        if found and not re.search(r"\b(?:after|following|amid|when|since)\b", before_sentence[found[-1].end():]):
            return f"condemned ({cue!r}), not reported as happening"
    if pos == "noun" and _TREND.match(text, tokens[i].end, clause[1]):
        return "a trend, not a dated event"  # "attacks in Khyber Pakhtunkhwa have surged since ..."
    if when is None and published is not None:
        old = [int(y) for y in _YEAR.findall(text, clause[0], clause[1]) if int(y) < published.year - 1]
        if old:
            return f"history: {old[0]}, before the report's period"  # "captured the West Bank in the 1967 war"
    if pos == "noun" and (_CAUSE_OF_FLIGHT.match(text, tokens[i].end, clause[1])
                          or _DRIVEN_BY.search(text[max(clause[0], t_start - 60):t_start])):
        # "fighting has displaced 200,000 people": what drove people out, told without a place or a day of its own
        return "a cause of displacement, not a reported event"
    if re.search(r"\bthe future of\b", before_sentence) or (pos == "noun" and re.search(r"\b(?:stakes|crux|future)\b",
                                                                                     before_sentence)):
        return "a topic of talks, not an event"
    if kind in ("meeting", "visit", "agreement") and where:
        # Talks between two sides held in a third country are diplomacy about the conflict, not in it.
        sides = {a for a in (*agent, target) if a in actors()}
        parties = {actors()[a].country or actors()[a].based_in for a in sides}
        parties.discard(None)
        hosts = {r.place.country for r in where if r.place.country}
        # Two sides (the junta and the MNDAA are both of Myanmar) meeting where neither is from.
        if len(sides) >= 2 and parties and hosts and not hosts & parties:
            return "talks held in a third country"
    if when is not None and published is not None and when.relation == "at" \
            and (published - when.last).days > HISTORY_DAYS:
        return f"history: {when.iso}, before the report's period"
    return None


def _taken_from(agent_ids, where, army) -> str | None:
    """Whom an armed group took a place from when the text does not say: the army of the country the place is in
    ("the M23 captured Masisi": from the Congolese army), as ACLED codes the side that lost it; None otherwise."""
    if not army or army in agent_ids or not any(getattr(actors().get(a), "kind", None) == "armed_group"
                                                for a in agent_ids):
        return None
    force = actors().get(army)
    countries = {force.country, getattr(actors().get(force.belongs_to or ""), "country", None)} - {None}
    return army if any(r.place.country in countries for r in where) else None


def _capture_type(agent_ids, where, target) -> str:
    """ACLED: a government regains territory in its own country; any other actor overtakes it."""
    for a in agent_ids:
        actor = actors().get(a)
        if actor is None:
            continue
        own = actor.country if actor.kind in ("state", "state_force") else None
        if own and any(r.place.country == own for r in where):
            return "Government regains territory"
    return "Non-state actor overtakes territory"


def _with_victims(event: Event, text: str, reach, sentence_actors=(), army=None) -> Event:
    """``event`` with the target its toll or aim names ("..., targeting a Hezbollah commander": Hezbollah;
    "..., killing two men": civilians; "..., killing four policemen": the army), when it had none; a
    killing that did not say whom it hit is coded by that target."""
    from dataclasses import replace

    if event.target is not None:
        return event
    lower = text[reach[0]:reach[1]].lower()
    target = next((a.actor for a in sentence_actors if reach[0] <= a.start < reach[1] and a.actor not in event.actors), None)
    if target is None and army and army not in event.actors and _ARMED_VICTIMS.search(lower):
        target = army
    if target is None and _civilian_words(lower):
        target = "civilians"
    if target is None:
        return event
    kind = _coded_by_target(event.kind, event.trigger, target)
    if kind != event.kind:
        types = event_kinds()[kind]
        return replace(event, kind=kind, target=target, event_type=types["event_type"], sub_event_type=types["sub_event_type"])
    return replace(event, target=target)


def _victims_from_next(events: list[Event], text: str, extraction: Extraction) -> list[Event]:
    """A sentence that only counts the dead ("A man was killed in his garden.") is the previous event's toll."""
    from dataclasses import replace

    out = []
    for e in events:
        if out and e.kind == "attack" and not e.locations and not e.actors:
            continue
        out.append(e)
    for k, e in enumerate(out):
        if e.target is None and e.kind in ("strike", "shelling", "explosion", "suicide_bombing") and not e.context:
            nxt = e.sentence_index + 1
            if nxt < len(extraction.sentences):
                a, b = extraction.sentences[nxt]
                sentence = text[a:b].lower()
                if re.search(r"\b(?:was|were)\s+(?:killed|injured|wounded)\b", sentence) and _civilian_words(sentence) \
                        and not any(x.sentence_index == nxt for x in out):
                    out[k] = replace(e, target="civilians")
    return out
