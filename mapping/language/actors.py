"""Actors: the states, organisations and armed groups a report makes present.

Actors are recognised from names ("Russia"), demonyms ("Israeli troops"),
organisations ("UNDOF", "UN peacekeepers"), control phrases
("Israeli-occupied") and seats of government used by metonymy
("Moscow is keen to ..."; detected in :mod:`mapping.language.extract`).

Examples
--------
>>> [(m.actor, m.text, m.role) for m in find_actor_mentions("Israeli troops and UN peacekeepers met.")]
[('israel', 'Israeli', 'demonym'), ('un', 'UN peacekeepers', 'organisation')]
>>> [(m.actor, m.role) for m in find_actor_mentions("the Israeli-occupied Golan Heights")]
[('israel', 'controller')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from ..datafiles import package_json
from .text import alternation

__all__ = ["Actor", "ActorMention", "actors", "actor", "find_actor_mentions", "seat_actor"]


@dataclass(frozen=True)
class Actor:
    """A state, force, armed group, organisation or people.

    ``country`` is set for states (and the forces analysts code apart from their
    state, such as Sudan's SAF); ``based_in`` is where a non-state group operates;
    ``belongs_to`` is the actor a force is part of (SAF: Sudan, UNDOF: the UN).
    """

    id: str
    name: str
    kind: str
    color: str
    country: str | None
    names: tuple[str, ...]
    demonyms: tuple[str, ...]
    seats: tuple[str, ...]
    organisations: tuple[str, ...]
    belongs_to: str | None = None
    based_in: str | None = None
    source: str = ""
    note: str | None = None

    @property
    def is_state(self) -> bool:
        return self.kind == "state"


@dataclass(frozen=True)
class ActorMention:
    """Words naming an actor: ``text == report[start:end]``.

    ``role`` is how the words name it: ``name``, ``demonym``, ``organisation``,
    ``controller`` ("Israeli-occupied") or ``seat`` (a capital standing for
    its government).
    """

    actor: str
    text: str
    start: int
    end: int
    role: str


_NEUTRAL_COLORS = ("#7d6b91", "#5b7f95", "#8a7a5c", "#6f8f72", "#946b6b", "#6b7f94", "#85708a", "#7a8a6b")


@cache
def actors() -> dict[str, Actor]:
    """The actor registry shipped with the package, by id.

    Curated actors (``data/actors.json``) come first; every other country is an
    actor too, named by its demonyms (``data/country_info.json``), with its capital as its seat
    ("Islamabad denies"), in a neutral colour.
    """
    data = package_json("actors.json")
    registry = {
        a["id"]: Actor(a["id"], a["name"], a["kind"], a["color"], a.get("country"), tuple(a["names"]),
                       tuple(a["demonyms"]), tuple(a["seats"]), tuple(a["organisations"]), a.get("belongs_to"),
                       a.get("based_in"), a.get("source", ""), a.get("note"))
        for a in data["actors"]
    }
    covered = {a.country for a in registry.values() if a.country and a.kind == "state"}
    taken = {w for a in registry.values() for w in (*a.names, *a.demonyms, *a.organisations)}
    seats = {s for a in registry.values() for s in a.seats}
    countries = package_json("country_info.json")["countries"]
    for i, (iso, info) in enumerate(sorted(countries.items())):
        if iso in covered or not info.get("name"):
            continue
        actor_id = "country-" + iso.lower()
        demonyms = tuple(d for d in info["demonyms"] if d not in taken)
        capital = info.get("capital")
        seat = (capital,) if capital and capital not in seats and capital not in taken else ()
        seats.update(seat)
        registry[actor_id] = Actor(actor_id, info["name"], "state", _NEUTRAL_COLORS[i % len(_NEUTRAL_COLORS)], iso,
                                   (), demonyms, seat, ())
    return registry


def actor(actor_id: str | None) -> Actor | None:
    return actors().get(actor_id) if actor_id else None


_CONTROL = r"(?:-|\s)(?:occupied|held|controlled|annexed|backed|led|run)\b"


@cache
def _patterns() -> tuple[re.Pattern, dict[str, tuple[str, str]]]:
    table: dict[str, tuple[str, str]] = {}
    for a in actors().values():
        for role, words in (("organisation", a.organisations), ("name", a.names), ("demonym", a.demonyms)):
            for w in words:
                table.setdefault(w, (a.id, role))
    body = alternation(table)
    # Whole words, case-sensitive: "US" the country, not "us" the pronoun.
    return re.compile(rf"(?<![\w-])({body})(?:['’]s)?(?![\w])({_CONTROL})?"), table


@cache
def _seats() -> dict[str, str]:
    return {s: a.id for a in actors().values() for s in a.seats}


def seat_actor(name: str) -> str | None:
    """The actor whose seat of government is called ``name``, if any.

    >>> seat_actor("Moscow"), seat_actor("Tartus")
    ('russia', None)
    """
    return _seats().get(name)


def find_actor_mentions(text: str, start: int = 0, end: int | None = None) -> list[ActorMention]:
    """Actor mentions in ``text[start:end]``, in order, offsets into ``text``."""
    pattern, table = _patterns()
    found = []
    for m in pattern.finditer(text, start, len(text) if end is None else end):
        word = m.group(1)
        actor_id, role = table[word]
        if m.group(2):
            role = "controller" if re.search(r"occupied|held|controlled|annexed|run", m.group(2)) else "sponsor"
        mention = ActorMention(actor_id, word, m.start(1), m.end(1), role)
        last = found[-1] if found else None
        if last is not None and role == "organisation" and last.role == "name" and last.actor != actor_id \
                and text[last.end:mention.start] == " ":
            # "Al-Shabaab militants", "Fano fighters": the name says whose; the group noun adds no actor.
            continue
        found.append(mention)
    return found
