"""Places outside Syria, resolved from short reports (tests/cases/world_places.json, our own words).

Each expectation names a mention, the kind and geometry type of the place it must resolve to, and
where that place must be: containing a published point (regions, seas, lakes) or within a stated
distance of one (towns, sites, rivers, straits).
"""

import json
from pathlib import Path

import pytest
from pyproj import Geod
from shapely.geometry import Point
from shapely.ops import nearest_points

import mapping

CASES = json.loads((Path(__file__).resolve().parent / "cases" / "world_places.json").read_text("utf-8"))["cases"]
_GEOD = Geod(ellps="WGS84")


def _km(geometry, lon_lat) -> float:
    """Geodesic distance from a point to the nearest point of ``geometry``, in km."""
    target = Point(lon_lat)
    if geometry.covers(target):
        return 0.0
    near = nearest_points(geometry, target)[0]
    return _GEOD.inv(near.x, near.y, target.x, target.y)[2] / 1000


def test_cases_cover_eight_regions_outside_syria():
    regions = {c["region"] for c in CASES}
    assert len(regions) >= 8 and not any("Syria" in r for r in regions)
    assert sum(len(c["expect"]) for c in CASES) >= 25


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_world_place(case):
    situation = mapping.map_report(case["text"])
    by_text = {}
    for r in situation.resolutions:
        by_text.setdefault(r.mention.text, r)
    for want in case["expect"]:
        r = by_text.get(want["mention"])
        assert r is not None, (want["mention"], sorted(by_text))
        assert r.resolved, f"{want['mention']!r} left unresolved"
        place = r.place
        described = f"{want['mention']!r} -> {place.id} {place.name} ({place.kind}, {place.geometry.geom_type})"
        if "kind" in want:
            assert place.kind == want["kind"], described
        if "geometry" in want:
            assert place.geometry.geom_type.removeprefix("Multi") == want["geometry"], described
        if "contains" in want:
            assert place.geometry.buffer(1e-9).contains(Point(want["contains"])), described
        if "near" in want:
            assert _km(place.geometry, want["near"]) <= want["km"], (described, _km(place.geometry, want["near"]))
        if "qualifier" in want:  # null: the place itself, no part of it ("Haiti's Centre department")
            got = r.qualifier.rules if r.qualifier else None
            assert got == (tuple(want["qualifier"]) if want["qualifier"] else None), (described, r.qualifier)


@pytest.mark.parametrize("query, kind, admin_level", [
    ("Nile", "river", None), ("Gulf of Aden", "sea", None), ("Bab el-Mandeb", "strait", None),
    ("Lake Kivu", "lake", None), ("Hindu Kush", "mountain_range", None), ("Sahara", "desert", None),
    ("Suez Canal", "canal", None), ("Darfur", "region", None), ("North Kivu", "admin_area", 1),
    ("Kharkiv Raion", "admin_area", 2), ("Zaatari refugee camp", "camp", None), ("Kupiansk", "town", None),
])
def test_gazetteer_search_finds_each_kind(capsys, query, kind, admin_level):
    from mapping.cli import main
    from mapping.gazetteer import default_gazetteer

    assert main(["gazetteer", "search", query, "--json", "-n", "3"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert any(r["kind"] == kind for r in rows), rows
    if admin_level is not None:
        gazetteer = default_gazetteer()
        assert any(gazetteer[r["id"]].admin_level == admin_level for r in rows if r["kind"] == kind), rows


def test_a_region_no_gazetteer_holds_stays_unresolved_never_the_town():
    # "X region" asks for a region: with none of that name, the mention is unresolved, not a town called X.
    # Tawila is a town in North Darfur with no region of its name.
    situation = mapping.map_report("Shelling hit villages across the Foobarovo region and in Quxville province. "
                                   "Displaced families reached the Tawila region on Monday.")
    names = ("Foobarovo", "Quxville", "Tawila")
    assert {m.text for m in situation.unresolved} >= set(names)
    assert not any(r.resolved and r.mention.text in names for r in situation.resolutions)
