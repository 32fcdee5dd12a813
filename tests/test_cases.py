"""Qualified locations, actors, events and dates, as data (tests/cases/situations.json)."""

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
        elif props.get(key) != value:
            return False
    return True


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case):
    situation = mapping.map_report(case["text"], published=case["published"])
    features = situation.features
    for want in case["expect"]:
        assert any(_matches(f, want) for f in features), (want, [(f.name, f.properties) for f in features])
    for unwanted in case.get("absent", []):
        assert not any(_matches(f, unwanted) for f in features), unwanted
    for f in features:
        for m in f.mentions:
            assert case["text"][m.start:m.end] == m.text
