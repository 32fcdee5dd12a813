"""Qualified locations, actors, events and dates, as data (tests/cases/situations.json).

A case gives the report text and its publication date, then what the situation must hold:
``expect`` and ``absent`` are features (see :func:`_matches`); ``events`` are events found in the
text (see :func:`_event_matches`), each also drawn as a feature unless it is ``context``;
``no_event: true`` says that nothing in the text is a current event (reported speech, condemnations,
talks about a place, hypotheticals, history). ``conflict`` only groups the cases.
"""

import json
from pathlib import Path

import pytest
from shapely.geometry import Point

import mapping

CASES = json.loads((Path(__file__).resolve().parent / "cases" / "situations.json").read_text("utf-8"))["cases"]


def _matches(feature, want: dict) -> bool:
    props = {**feature.properties, "gazetteer_id": feature.gazetteer_id}
    for key, value in want.items():
        if key == "inside":
            if not feature.geometry.buffer(1e-9).contains(Point(value)):
                return False
        elif key == "bbox":
            p = feature.geometry.representative_point()
            w, s, e, n = value
            if not (w <= p.x <= e and s <= p.y <= n):
                return False
        elif key == "name":
            if feature.name != value:
                return False
        elif key == "place":
            if feature.gazetteer_id != value:
                return False
        elif key in ("actors", "context"):
            continue  # an event's own fields (see _event_matches); a feature is drawn per actor
        elif props.get(key) != value:
            return False
    return True


def _event_matches(event, want: dict) -> bool:
    """Whether ``event`` (a :class:`mapping.language.events.Event`) has every field of ``want``: ``kind``,
    ``event_type``, ``sub_event_type``, ``actor`` (the agent; None: the text does not say), ``actors``,
    ``target``, ``place`` (a gazetteer id of one of its locations), ``rule`` (that location's qualifier
    rules), ``when`` (ISO, None: undated) and ``context``."""
    for key, value in want.items():
        if key == "place":
            if not any(r.place.id == value for r in event.locations):
                return False
        elif key == "rule":
            if not any(r.place.id == want.get("place", r.place.id) and r.qualifier is not None
                       and ",".join(r.qualifier.rules) == value for r in event.locations):
                return False
        elif key == "when":
            if (event.when.iso if event.when else None) != value:
                return False
        elif key == "actors":
            if list(event.actors) != value:
                return False
        elif getattr(event, key) != value:
            return False
    return True


def _describe(events) -> list[tuple]:
    return [(e.kind, e.event_type, e.sub_event_type, e.actors, e.target, [r.place.id for r in e.locations],
             e.when.iso if e.when else None, e.context_reason) for e in events]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case):
    situation = mapping.map_report(case["text"], published=case["published"])
    features = situation.features
    for want in case["expect"]:
        assert any(_matches(f, want) for f in features), (want, [(f.name, f.properties) for f in features])
    for want in case.get("events", []):
        assert any(_event_matches(e, want) for e in situation.events), (want, _describe(situation.events))
        if not want.get("context", False):
            # A current event is drawn: a feature of its kind, types, actor, target, place and date.
            # (A feature's "kind" is what the map draws: a deployment is drawn as its town; "event" is the kind.)
            drawn = {("event" if k == "kind" else k): v for k, v in want.items() if k not in ("rule", "actors")}
            assert any(_matches(f, drawn) for f in features), (drawn, [(f.name, f.properties) for f in features])
    if case.get("no_event"):
        current = [e for e in situation.events if not e.context]
        assert not current, _describe(current)
        assert not [f for f in features if f.event], [(f.name, f.kind) for f in features if f.event]
    for unwanted in case.get("absent", []):
        assert not any(_matches(f, unwanted) for f in features), unwanted
    for f in features:
        for m in f.mentions:
            assert case["text"][m.start:m.end] == m.text


def test_cases_cover_the_conflicts_and_the_no_events():
    """Issue 13: at least 40 event cases across six conflicts, at least 10 with no current event."""
    events = [c for c in CASES if "events" in c or c.get("no_event")]
    assert len(events) >= 40
    assert len({c["conflict"] for c in events if "conflict" in c}) >= 6
    assert sum(1 for c in events if c.get("no_event")) >= 10
    for c in events:
        for want in c.get("events", []):
            assert {"kind", "event_type", "sub_event_type", "actor", "target", "place", "when"} <= set(want), (c["id"], want)


def test_readme_documents_every_event_kind():
    """The README's table of kinds says the ACLED type the code gives each readable kind."""
    from mapping.language.events import event_kinds

    readme = Path(__file__).resolve().parent.parent / "README.md"
    if not readme.is_file():
        pytest.skip("README.md is not installed with the package")
    rows = [line for line in readme.read_text("utf-8").splitlines() if line.startswith("| `")]
    for kind, types in event_kinds().items():
        row = next((r for r in rows if f"`{kind}`" in r.split("|")[1]), None)
        assert row is not None, kind
        assert types["event_type"] in row and types["sub_event_type"] in row, (kind, row)
