import json

import pytest
from shapely.geometry import Point

from mapping import GazetteerError, load_pack
from mapping.gazetteer import KINDS, bundled_pack_paths


def test_every_bundled_record_is_valid_and_sourced(gazetteer):
    assert len(gazetteer) > 250
    for place in gazetteer:
        g = place.geometry
        assert g.is_valid and not g.is_empty, place.id
        minx, miny, maxx, maxy = g.bounds
        assert -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90, place.id
        assert place.kind in KINDS
        assert place.source.strip(), place.id
        assert place.precision_m >= 0


def test_ids_are_unique_across_bundled_packs():
    ids = [f["id"] for p in bundled_pack_paths() for f in json.loads(p.read_text("utf-8"))["features"]]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("name, place_id", [
    ("Tartous", "sy-tartus"), ("Ṭarṭūs", "sy-tartus"), ("Khmeimim", "sy-hmeimim-airbase"),
    ("Humaymim", "sy-hmeimim-airbase"), ("Al-Qunaytirah", "sy-quneitra"), ("Kuneitra province", "sy-gov-quneitra"),
])
def test_aliases_find_the_curated_record(gazetteer, name, place_id):
    assert place_id in [p.id for p in gazetteer.lookup(name)]


def test_known_geometry_facts(gazetteer):
    golan = gazetteer["golan-occupied"].geometry
    for lon, lat in [(35.7716, 33.2703), (35.6906, 32.9925)]:  # Majdal Shams, Katzrin
        assert golan.contains(Point(lon, lat))
    assert not golan.contains(Point(35.5308, 32.7959))  # Tiberias
    assert gazetteer["undof-area-of-separation"].geometry.contains(Point(35.8246, 33.1260))  # old Quneitra
    assert 1100 < gazetteer["golan-occupied"].area_km2 < 1300
    lon, lat = gazetteer["sy-hmeimim-airbase"].point
    assert abs(lon - 35.949) < 0.03 and abs(lat - 35.401) < 0.03  # (lon, lat), not swapped


def _pack(tmp_path, features):
    path = tmp_path / "pack.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def _feature(**overrides):
    feature = {"type": "Feature", "id": "x-1", "geometry": {"type": "Point", "coordinates": [36.0, 33.0]},
               "properties": {"name": "X", "kind": "town", "precision_m": 100, "source": "test"}}
    feature["properties"].update(overrides.pop("properties", {}))
    feature.update(overrides)
    return feature


def test_custom_pack_loads(tmp_path):
    (place,) = load_pack(_pack(tmp_path, [_feature()]))
    assert place.id == "x-1" and place.point == (36.0, 33.0)


@pytest.mark.parametrize("feature, message", [
    (_feature(properties={"kind": "volcano"}), r"feature 0 \('x-1'\) \(kind\): unknown kind 'volcano'"),
    (_feature(properties={"source": ""}), r"\(source\)"),
    (_feature(geometry={"type": "Point", "coordinates": [200, 33]}), r"out of range"),
    (_feature(geometry={"type": "GeometryCollection", "geometries": []}), r"\(geometry\)"),
    (_feature(properties={"precision_m": "far"}), r"precision_m"),
])
def test_bad_packs_name_file_feature_and_field(tmp_path, feature, message):
    path = _pack(tmp_path, [feature])
    with pytest.raises(GazetteerError, match=message) as info:
        load_pack(path)
    assert str(path) in str(info.value)


def test_duplicate_ids_and_bad_json(tmp_path):
    with pytest.raises(GazetteerError, match="duplicate id 'x-1'"):
        load_pack(_pack(tmp_path, [_feature(), _feature()]))
    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(GazetteerError, match="not valid UTF-8 JSON"):
        load_pack(bad)
