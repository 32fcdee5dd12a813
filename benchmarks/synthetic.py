"""Synthetic inputs: a large situation built from Feature objects, and repeated reports.

:func:`synthetic_situation` builds a :class:`mapping.Situation` directly from
``Feature`` objects (recognition and resolution are measured elsewhere): a
report text with one sentence per feature, ``events`` point features (eight
event kinds, spread over eight actors' layers, dated over 60 days) and
``polygons`` area features (star-shaped 48-vertex provinces with a jittered
radius of 3 to 30 km), all inside the Levant, with a seeded random generator so
every run draws the same map. Each feature quotes its own sentence, with
offsets, as the pipeline's features do.

:func:`synthetic_news` writes a news feed for the batch benchmark: short
wire reports (6 to 17 sentences, 0.7 KB on average; LGL and GeoVirus average 1.9 and 1.7 KB) from sentence templates
written for this benchmark, naming real places of several conflict areas
(Levant, Ukraine, Sudan, Yemen, Sahel, Great Lakes) with actors, event verbs,
weekdays and qualifiers ("the countryside of", "near", "20 km north of"), and
sentences that name no place; seeded, so every run writes the same feed.
"""

from __future__ import annotations

import datetime as dt
import math
import random

__all__ = ["synthetic_situation", "repeated_report", "synthetic_news"]

_ACTORS = ("russia", "israel", "syria", "un", "turkey", "usa", "hezbollah", "rebels")
_EVENT_KINDS = ("strike", "checkpoint", "incursion", "patrol", "visit", "meeting", "clash", "deployment")
_VERBS = {"strike": "struck", "checkpoint": "set up a checkpoint in", "incursion": "entered", "patrol": "patrolled",
          "visit": "visited", "meeting": "met officials in", "clash": "clashed near", "deployment": "deployed to"}
_BBOX = (35.0, 32.0, 42.0, 37.0)  # lon/lat: western Syria, Lebanon, northern Israel and Jordan
_PUBLISHED = dt.date(2025, 11, 20)


def synthetic_situation(events: int = 10_000, polygons: int = 500, seed: int = 8):
    """A Situation with ``events`` point features and ``polygons`` area features."""
    from shapely.geometry import Point, Polygon

    from mapping.language.actors import actor as get_actor
    from mapping.language.dates import When
    from mapping.language.extract import Mention
    from mapping.gazetteer.names import name_key
    from mapping.language.report import read_report
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
            source="synthetic (benchmark)", precision_m=1000.0, approximate=False, geo_scope=geo_precision,
            actors=(actor,) if actor else (), event=kind if actor else None, when=when, report_id=report.id,
        ))
    return Situation((report,), tuple(features))


def repeated_report(path, times: int):
    """The report at ``path`` with its body repeated ``times`` times (one ``date`` header kept)."""
    from mapping.language.report import read_report

    text = open(path, encoding="utf-8").read()
    report = read_report(text)
    header, body = text[:report.body_start], text[report.body_start:]
    if not body.endswith("\n"):
        body += "\n"
    return read_report(header + "\n".join([body] * times), title=f"{times}x {report.title or 'report'}")


_NEWS_AREAS = {
    "levant": (("Quneitra", "Daraa", "Damascus", "Aleppo", "Idlib", "Homs", "Hama", "Tartus", "Latakia", "Deir ez-Zor",
                "Raqqa", "Beirut", "Tyre", "Sidon", "Amman", "Irbid", "Rafah", "Khan Younis", "Jenin", "Nablus"),
               ("Israeli", "Russian", "Syrian", "Turkish", "Lebanese", "Jordanian", "UN")),
    "ukraine": (("Kharkiv", "Kyiv", "Odesa", "Zaporizhzhia", "Kherson", "Donetsk", "Bakhmut", "Sumy", "Dnipro",
                 "Mariupol", "Luhansk", "Pokrovsk"), ("Russian", "Ukrainian")),
    "sudan": (("Khartoum", "Omdurman", "El Fasher", "Nyala", "Port Sudan", "Kassala", "El Obeid", "Wad Madani"),
              ("Sudanese", "UN", "Egyptian")),
    "yemen": (("Sanaa", "Aden", "Hodeidah", "Marib", "Taiz", "Mukalla"), ("Yemeni", "Saudi", "American")),
    "sahel": (("Bamako", "Gao", "Timbuktu", "Mopti", "Niamey", "Ouagadougou", "Agadez"), ("Malian", "French", "UN")),
    "lakes": (("Goma", "Bukavu", "Beni", "Bunia", "Uvira", "Kigali"), ("Congolese", "Rwandan", "UN")),
}
_NEWS_EVENTS = ("set up a checkpoint near {place}", "struck targets in {place}", "patrolled the countryside of {place}",
                "entered {place}", "deployed to the outskirts of {place}", "clashed with fighters near {place}",
                "visited {place}", "met local officials in {place}", "shelled positions 20 km north of {place}",
                "moved reinforcements towards southern {place}")
_NEWS_FILLER = ("Officials did not comment on the reports.", "Residents described a tense night.",
                "The claims could not be independently verified.", "Aid groups called for calm.",
                "Prices of fuel and bread rose again this week.", "Schools remained closed for a third day.",
                "A spokesman said more details would follow.", "Talks are expected to resume next month.")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def synthetic_news(count: int, seed: int = 15):
    """``count`` news reports as JSON Lines records ``{id, text, published, source}``, seeded."""
    rng = random.Random(seed)
    areas = list(_NEWS_AREAS.values())
    start = dt.date(2025, 1, 1)
    for i in range(count):
        places, actors = areas[rng.randrange(len(areas))]
        published = start + dt.timedelta(days=rng.randrange(330))
        sentences = []
        for _ in range(rng.randint(3, 7)):
            place = places[rng.randrange(len(places))]
            actor = actors[rng.randrange(len(actors))]
            event = _NEWS_EVENTS[rng.randrange(len(_NEWS_EVENTS))].format(place=place)
            when = f" on {_WEEKDAYS[rng.randrange(7)]}" if rng.random() < 0.7 else ""
            sentences.append(f"{actor} forces {event}{when}, according to local sources.")
            if rng.random() < 0.3:
                other = places[rng.randrange(len(places))]
                sentences.append(f"Families fleeing {place} reached {other} by evening.")
        for _ in range(rng.randint(3, 6)):
            sentences.insert(rng.randrange(len(sentences) + 1), _NEWS_FILLER[rng.randrange(len(_NEWS_FILLER))])
        yield {"id": f"news-{i:07d}", "text": " ".join(sentences), "published": published.isoformat(),
               "source": f"Synthetic Wire {1 + i % 5}"}
