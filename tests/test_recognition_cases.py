"""Recognition and resolution failure patterns, as data (tests/cases/recognition.json, our own words)."""

import json
from pathlib import Path

import pytest
from pyproj import Geod
from shapely.geometry import Point

import mapping

CASES = json.loads((Path(__file__).resolve().parent / "cases" / "recognition.json").read_text("utf-8"))["cases"]
_GEOD = Geod(ellps="WGS84")


def _satisfies(want, text, resolution=None, associative=None, gazetteer=None) -> bool:
    if resolution is not None:
        drawn = resolution.resolved
        place = resolution.place
        if want.get("unresolved") and (drawn or not resolution.reason):
            return False
        if want.get("visible") and not (drawn or resolution.reason):
            return False
    else:
        drawn = False
        place = gazetteer.get(associative.gazetteer_id) if associative.gazetteer_id else None
        if want.get("unresolved") or want.get("visible"):
            return False
    if "drawn" in want and drawn != want["drawn"]:
        return False
    if want.get("associative") and associative is None:
        return False
    if "country" in want and (place is None or place.country != want["country"]):
        return False
    if "kind" in want and (place is None or place.kind != want["kind"]):
        return False
    if "near" in want:
        point = place.geometry.representative_point() if place is not None else None
        if point is None or _GEOD.inv(point.x, point.y, *want["near"])[2] / 1000 > want["km"]:
            return place is not None and place.geometry.buffer(1e-9).contains(Point(want["near"]))
    return True


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_recognition_case(case):
    from mapping.gazetteer import default_gazetteer

    gazetteer = default_gazetteer()
    situation = mapping.map_report(case["text"])
    text = case["text"]
    for want in case["expect"]:
        name = want["mention"]
        uses = [(r, None) for r in situation.resolutions if r.mention.text == name]
        uses += [(None, a) for a in situation.associative if a.text == name]
        good = [u for u in uses if _satisfies(want, text, *u, gazetteer=gazetteer)]
        if want.get("drawn") is False and not want.get("associative"):
            # Not drawn: no use of the name may be on the map, whatever else happens to it.
            assert not any(r is not None and r.resolved for r, _ in uses), (name, uses)
            continue
        assert len(good) >= want.get("at_least", 1), (want, [(r and (r.method, r.place and r.place.id),
                                                              a and (a.role, a.gazetteer_id)) for r, a in uses])
    for r in situation.resolutions:
        assert text[r.mention.start:r.mention.end] == r.mention.text
