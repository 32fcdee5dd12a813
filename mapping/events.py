"""Events: who did what, where and when, sentence by sentence.

A trigger word gives the kind of event ("checkpoint", "strike", "patrol",
...); the actor is the one named before it in the sentence (or, for "It" and
"they", the previous sentence's actor); the locations are the resolved places
of its clause; the date is the sentence's time expression, shifted by phrases
such as "a day after".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .actors import ActorMention
from .dates import When, find_times, shift_days
from .extract import Extraction
from .resolve import Resolution

__all__ = ["Event", "find_events", "EVENT_KINDS"]

_TRIGGERS = [
    ("checkpoint", r"checkpoints?"),
    ("strike", r"air\s?strikes?|drone\s+strikes?|strikes?|struck|hit|bomb(?:ed|ing|ings|ardment)?|shell(?:ed|ing)|raid(?:ed|s)?|attack(?:ed|s)?"),
    ("incursion", r"incursions?|entered|advanced|advancing|seiz(?:e|ed|ing)|captured|crossed|pushed\s+into|moved\s+into|sent\s+(?:its|their)\s+troops"),
    ("patrol", r"patrol(?:s|led|ling)?"),
    ("visit", r"(?:joint\s+)?tour|visit(?:ed|s)?|arrived|delegation|inspect(?:ed|ion)?"),
    ("meeting", r"met|meeting|talks|summit"),
    ("clash", r"clash(?:es|ed)?|fighting|fought|battle[ds]?"),
    ("deployment", r"deploy(?:ed|ment)|stationed|reinforce(?:d|ments)"),
    ("presence", r"military\s+presence|presence|(?:held|holds|hold|holding|took|taken|established|set\s+up)\s+positions"),
]
EVENT_KINDS = tuple(k for k, _ in _TRIGGERS)
_TRIGGER = re.compile("|".join(rf"(?P<{k}>\b(?:{p})\b)" for k, p in _TRIGGERS), re.IGNORECASE)
_PRONOUN_SUBJECT = re.compile(r"^\W*(?:it|they|its|their|the\s+(?:army|military|forces|troops))\b", re.IGNORECASE)
_SHIFT = re.compile(r"\b(?:a|one|two|three|four|five|six|seven|\d+)\s+days?\s+(?:after|before)\b|\bhours\s+(?:after|before)\b", re.IGNORECASE)
_CONTEXT_KINDS = frozenset({"continent"})


@dataclass(frozen=True)
class Event:
    """An event found in one sentence; ``trigger == report[start:end]``."""

    kind: str
    trigger: str
    start: int
    end: int
    sentence_index: int
    actors: tuple[str, ...]
    locations: tuple[Resolution, ...]
    when: When | None


def find_events(extraction: Extraction, resolutions: tuple[Resolution, ...]) -> tuple[Event, ...]:
    """Events in every sentence of ``extraction`` (see the module docstring)."""
    text = extraction.report.text
    published = extraction.report.published
    by_sentence: dict[int, list[Resolution]] = {}
    for r in resolutions:
        if r.resolved and _locatable(r):
            by_sentence.setdefault(r.mention.sentence_index, []).append(r)
    actors_by_sentence: dict[int, list[ActorMention]] = {}
    for a in extraction.actor_mentions:
        actors_by_sentence.setdefault(extraction.sentence_of(a.start), []).append(a)

    events: list[Event] = []
    previous_actor: tuple[str, ...] = ()
    for si, (s_start, s_end) in enumerate(extraction.sentences):
        triggers = _triggers(text, s_start, s_end)
        sentence_actors = actors_by_sentence.get(si, [])
        places = by_sentence.get(si, [])
        times = find_times(text, published, s_start, s_end)
        found_here = []
        for ti, (kind, t_start, t_end) in enumerate(triggers):
            clause_end = triggers[ti + 1][1] if ti + 1 < len(triggers) else s_end
            actor_ids = _actors_for(text, s_start, t_start, t_end, clause_end, sentence_actors, previous_actor, kind)
            locations = _locations_for(text, places, t_start, t_end, clause_end, s_start)
            when = _when_for(text, times, s_start, t_start, clause_end, published)
            event = Event(kind, text[t_start:t_end], t_start, t_end, si, actor_ids, locations, when)
            # One event per kind and location set: "a Russian delegation ... arrived in Syria" is one visit.
            if any(e.kind == event.kind and {r.mention.start for r in e.locations} == {r.mention.start for r in locations}
                   for e in found_here):
                continue
            found_here.append(event)
        events.extend(found_here)
        subject = [a.actor for a in sentence_actors if a.role != "controller"]
        if subject:
            previous_actor = (subject[0],)
    return tuple(events)


def _locatable(r: Resolution) -> bool:
    """Whether a place can be where an event happens: not a continent or a vast region."""
    return r.place.kind not in _CONTEXT_KINDS and r.place.area_km2 < 1_000_000


def _triggers(text, start, end) -> list[tuple[str, int, int]]:
    found = []
    for m in _TRIGGER.finditer(text, start, end):
        kind = m.lastgroup
        found.append((kind, m.start(), m.end()))
    return found


def _actors_for(text, s_start, t_start, t_end, clause_end, sentence_actors, previous_actor, kind) -> tuple[str, ...]:
    before = [a for a in sentence_actors if a.end <= t_start and a.role != "controller"]
    if before:
        # The nearest actor before the trigger, with those joined to it by "and" ("Syrian and Russian officials").
        chosen = [before[-1]]
        for a in reversed(before[:-1]):
            between = text[a.end:chosen[0].start]
            if re.fullmatch(r"\s*,?\s*and\s*", between):
                chosen.insert(0, a)
            else:
                break
        if kind == "meeting":
            # "X met his Russian counterpart": both sides of a meeting.
            chosen += [a for a in sentence_actors if t_end <= a.start < clause_end and a.role != "controller"][:1]
        return tuple(dict.fromkeys(a.actor for a in chosen))
    if _PRONOUN_SUBJECT.match(text[s_start:t_start]) or re.search(r"\b(?:they|it)\s+\w*\s*$", text[s_start:t_start], re.I):
        return previous_actor
    after = [a for a in sentence_actors if t_end <= a.start < clause_end and a.role != "controller"]
    return (after[0].actor,) if after else ()


_LOCATIVE = re.compile(
    r"\b(?:in|at|on|near|into|across|around|outside|inside|within|along|towards?|toward|over|off|through|between|"
    r"throughout|from|to|of|beyond)\s+(?:the\s+)?$", re.IGNORECASE)
_ENUMERATION = re.compile(r"^\s*(?:,\s*(?:and\s+)?|\s+and\s+)(?:the\s+)?$", re.IGNORECASE)
_UNNAMED = re.compile(r"\b(?:another|a|an|one|two|three|several)\s+(?:\w+\s+)?(village|town|position|site|area|hamlet|farm)s?\s+"
                      r"(?:in|near|nearby|close\s+to)\s+(?:the|that)\s+(?:area|vicinity|region)\b", re.IGNORECASE)


def _located(text, places) -> list[Resolution]:
    """Places the text puts something in: after a locative preposition, or listed after one."""
    located: list[Resolution] = []
    for r in places:
        start = r.phrase[0]
        before = text[max(0, start - 40):start]
        near = r.qualifier is not None and {"near", "offset"} & set(r.qualifier.rules)
        if near or _LOCATIVE.search(before) or (located and _ENUMERATION.match(text[located[-1].mention.end:start])):
            located.append(r)
    return located


def _locations_for(text, places, t_start, t_end, clause_end, s_start) -> tuple[Resolution, ...]:
    located = _located(text, places)
    chosen = [r for r in located if t_end <= r.mention.start < clause_end]
    if not chosen:
        # "..., where Israel has established a presence": the place the relative clause refers to.
        earlier = [r for r in located if r.mention.end <= t_start]
        if earlier and re.search(r",\s*where\b|\bthere\b", text[earlier[-1].mention.end:t_start], re.IGNORECASE):
            chosen = earlier[-1:]
        elif earlier and _UNNAMED.search(text, t_end, clause_end):
            # "a day after they entered another village in the area": somewhere inside the area named before.
            chosen = earlier[-1:]
    # Keep the most specific: a country is dropped when a place inside it is named too.
    specific = [r for r in chosen if r.place.kind not in ("country", "continent")]
    if specific:
        chosen = [r for r in chosen if r in specific or not _contains_any(r, specific)]
    return tuple(chosen)


def _contains_any(r: Resolution, others) -> bool:
    from shapely.geometry import Point

    return any(r.place.geometry.contains(Point(o.place.point)) for o in others)


def _when_for(text, times, s_start, t_start, clause_end, published) -> When | None:
    """The time of the trigger's clause, or the nearest before it, shifted by "a day after"."""
    if not times:
        return None
    inside = [w for w in times if t_start <= w.start < clause_end]
    before = [w for w in times if w.end <= t_start]
    when = inside[0] if inside else before[-1] if before else None
    if when is None:
        return None
    lo, hi = (t_start, when.start) if inside else (when.end, t_start)
    between = text[lo:hi]
    shift = None
    for m in _SHIFT.finditer(between):
        shift = shift_days(m.group())
    if shift is not None:
        return when.shifted(shift)
    if re.search(r"\b(?:after|before|ago|earlier|later|until|prior)\b", between, re.IGNORECASE):
        return None  # The event is only placed relative to that time: leave it undated.
    if re.search(r"\bsince\b", between, re.IGNORECASE) and published and when.first <= published:
        return When(when.text, when.start, when.end, when.first, published, "range", "since")
    return when
