"""Synthetic inputs: a large situation built from Feature objects, and repeated reports.

:func:`synthetic_situation` builds a :class:`mapping.Situation` directly from
``Feature`` objects (recognition and resolution are measured elsewhere): a
report text with one sentence per feature, ``events`` point features (eight
event kinds, spread over eight actors' layers, dated over 60 days) and
``polygons`` area features (star-shaped 48-vertex provinces with a jittered
radius of 3 to 30 km), all inside the Levant, with a seeded random generator so
every run draws the same map. Each feature quotes its own sentence, with
offsets, as the pipeline's features do.
"""

from __future__ import annotations

import datetime as dt
import math
import random

__all__ = ["synthetic_situation", "repeated_report"]

_ACTORS = ("russia", "israel", "syria", "un", "turkey", "usa", "hezbollah", "rebels")
_EVENT_KINDS = ("strike", "checkpoint", "incursion", "patrol", "visit", "meeting", "clash", "deployment")
_VERBS = {"strike": "struck", "checkpoint": "set up a checkpoint in", "incursion": "entered", "patrol": "patrolled",
          "visit": "visited", "meeting": "met officials in", "clash": "clashed near", "deployment": "deployed to"}
_BBOX = (35.0, 32.0, 42.0, 37.0)  # lon/lat: western Syria, Lebanon, northern Israel and Jordan
_PUBLISHED = dt.date(2025, 11, 20)


def synthetic_situation(events: int = 10_000, polygons: int = 500, seed: int = 8):
    """A Situation with ``events`` point features and ``polygons`` area features."""
    from shapely.geometry import Point, Polygon

    from mapping.actors import actor as get_actor
    from mapping.dates import When
    from mapping.extract import Mention
    from mapping.names import name_key
    from mapping.report import read_report
    from mapping.situation import OTHER_LAYER, Feature, Situation

    rng = random.Random(seed)
    minx, miny, maxx, maxy = _BBOX
    sentences: list[tuple[str, str, str | None, str, int]] = []  # (sentence, place name, actor, kind, day)
    for i in range(events):
        kind = _EVENT_KINDS[i % len(_EVENT_KINDS)]
        actor = _ACTORS[(i // len(_EVENT_KINDS)) % len(_ACTORS)]
        day = rng.randrange(60)
        place = f"Tell Synth {i}"
        date = (_PUBLISHED - dt.timedelta(days=day)).isoformat()
        who = get_actor(actor).name
        sentences.append((f"On {date}, {who} forces {_VERBS[kind]} {place}.", place, actor, kind, day))
    for j in range(polygons):
        place = f"Synth Province {j}"
        sentences.append((f"Residents of {place} reported shortages.", place, None, "admin_area", -1))

    header = f"date {_PUBLISHED.isoformat()}\n"
    parts, offsets = [header], []
    position = len(header)
    for sentence, *_ in sentences:
        offsets.append(position)
        parts.append(sentence + " ")
        position += len(sentence) + 1
    report = read_report("".join(parts), title=f"Synthetic situation: {events:,} events, {polygons:,} polygons",
                         source="situation-map benchmark (synthetic)")

    features = []
    for index, ((sentence, place, actor, kind, day), start) in enumerate(zip(sentences, offsets)):
        m_start = start + sentence.index(place)
        mention = Mention(place, m_start, m_start + len(place), sentence, start, index, name_key(place))
        if kind == "admin_area":
            cx, cy = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            radius = rng.uniform(0.03, 0.3)
            ring = []
            for k in range(48):
                angle = 2 * math.pi * k / 48
                r = radius * rng.uniform(0.75, 1.0)
                ring.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
            geometry, when, layer, geo_precision, place_kind = Polygon(ring), None, OTHER_LAYER, "part", "admin_area"
        else:
            geometry = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
            first = _PUBLISHED - dt.timedelta(days=day)
            date_text = first.isoformat()
            when = When(date_text, start + 3, start + 3 + len(date_text), first, first, "day")
            layer, geo_precision, place_kind = get_actor(actor).name, "site", "village"
        features.append(Feature(
            id=f"synthetic-{index}", name=place, kind=kind, place_kind=place_kind, geometry=geometry, layer=layer,
            actor=actor, mentions=(mention,), gazetteer_id=None, confidence=0.9, method="synthetic",
            source="synthetic (benchmark)", precision_m=1000.0, approximate=False, geo_precision=geo_precision,
            actors=(actor,) if actor else (), event=kind if actor else None, when=when, report_id=report.id,
        ))
    return Situation((report,), tuple(features))


def repeated_report(path, times: int):
    """The report at ``path`` with its body repeated ``times`` times (one ``date`` header kept)."""
    from mapping.report import read_report

    text = open(path, encoding="utf-8").read()
    report = read_report(text)
    header, body = text[:report.body_start], text[report.body_start:]
    if not body.endswith("\n"):
        body += "\n"
    return read_report(header + "\n".join([body] * times), title=f"{times}x {report.title or 'report'}")
