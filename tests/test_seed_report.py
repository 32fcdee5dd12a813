"""End to end on the user's seed report (skipped when ../shared is absent)."""

import datetime as dt
import json

from shapely.geometry import Point, box, shape


def _features(situation, **where):
    return [f for f in situation.features if all(getattr(f, k) == v for k, v in where.items())]


def _km(a, b):
    from pyproj import Geod

    return Geod(ellps="WGS84").inv(a[0], a[1], b[0], b[1])[2] / 1000


def test_publication_date_from_header(seed_situation):
    assert seed_situation.report.published == dt.date(2025, 11, 18)


def test_every_offset_slices_back_to_its_text(seed_situation, seed_text):
    mentions = [m for f in seed_situation.features for m in f.mentions] + list(seed_situation.unresolved)
    assert mentions
    for m in mentions:
        assert seed_text[m.start:m.end] == m.text
        assert m.text in m.sentence and seed_text[m.sentence_start:].startswith(m.sentence)


def test_russian_bases(seed_situation):
    (airbase,) = _features(seed_situation, kind="airbase")
    assert airbase.actor == "russia" and airbase.layer == "Russia"
    assert _km(airbase.geometry.coords[0], (35.949, 35.401)) < 3  # Hmeimim air base
    (naval,) = _features(seed_situation, kind="naval_base")
    assert naval.actor == "russia"
    assert _km(naval.geometry.coords[0], (35.873, 34.91)) < 3  # the facility in Tartus port
    assert naval.mentions[0].text.endswith("Tartous")


def test_israeli_checkpoint_in_southern_quneitra_dated_monday(seed_situation, gazetteer):
    (checkpoint,) = _features(seed_situation, kind="checkpoint")
    assert checkpoint.actor == "israel" and checkpoint.when.iso == "2025-11-17"
    assert checkpoint.approximate and checkpoint.derived_from == "sy-gov-quneitra"
    governorate = gazetteer["sy-gov-quneitra"].geometry
    minx, miny, maxx, maxy = governorate.bounds
    southern_half = governorate.intersection(box(minx, miny, maxx, (miny + maxy) / 2))
    point = checkpoint.geometry.representative_point()
    assert southern_half.buffer(0.01).contains(point)
    assert checkpoint.geometry.area < governorate.area * 0.6
    assert not gazetteer["golan-occupied"].geometry.contains(point)


def test_occupied_golan_and_buffer_zone(seed_situation):
    (golan,) = [f for f in seed_situation.features if f.gazetteer_id == "golan-occupied"]
    assert golan.actor == "israel"
    assert golan.geometry.contains(Point(35.7716, 33.2703)) and golan.geometry.contains(Point(35.6906, 32.9925))
    assert not golan.geometry.contains(Point(35.5308, 32.7959))  # Tiberias
    (zone,) = [f for f in seed_situation.features if f.gazetteer_id == "undof-area-of-separation"]
    assert zone.actor == "un" and zone.kind == "zone" and zone.layer == "UN"


def test_actors_and_layers(seed_situation):
    layers = {l.name for l in seed_situation.layers}
    assert {"Russia", "Israel", "UN", "Syria"} <= layers
    israel = [f.gazetteer_id for f in seed_situation.layer("Israel").features]
    assert "sy-region-south" in israel  # its military presence in southern Syria
    russia = [f for f in seed_situation.layer("Russia").features]
    assert any(f.kind == "visit" and f.when and f.when.iso == "2025-11-16" for f in russia)  # arrived on Sunday


def test_traps_are_not_mapped(seed_situation, seed_text):
    mapped = {m.text for f in seed_situation.features for m in f.mentions}
    assert not {"Sana", "Sham", "Al Sham", "Assad", "Al Assad", "Shara", "Monday", "Sunday"} & mapped
    assert not any(f.gazetteer_id and "yemen" in f.gazetteer_id for f in seed_situation.features)
    moscow = {m.start for f in seed_situation.features for m in f.mentions if m.text == "Moscow"}
    assert [seed_text[start - 3:start] for start in moscow] == ["in "]  # not "which Moscow is keen"


def test_far_context_does_not_pull_the_view(seed_situation):
    context = {f.name for f in seed_situation.features if f.context}
    assert {"Europe", "Africa", "Russia", "Moscow"} <= context
    drawn = [f for f in seed_situation.features if not f.context]
    for f in drawn:
        minx, miny, maxx, maxy = f.geometry.bounds
        assert 30 < minx and maxx < 45 and 28 < miny and maxy < 40, f.name


def test_geojson_contract(seed_situation, tmp_path):
    path = tmp_path / "seed.geojson"
    seed_situation.to_geojson(path)
    data = json.loads(path.read_text("utf-8"))
    assert data["type"] == "FeatureCollection" and "crs" not in data
    assert data["document"]["published"] == "2025-11-18" and data["document"]["source"] == "seed"
    assert isinstance(data["unresolved"], list)
    for feature in data["features"]:
        props = feature["properties"]
        for key in ("name", "kind", "layer", "actor", "mentions", "gazetteer_id", "confidence", "when"):
            assert key in props
        assert 0 <= props["confidence"] <= 1
        for m in props["mentions"]:
            assert set(m) == {"text", "start", "end", "sentence"}
        geom = shape(feature["geometry"])
        assert geom.is_valid
        if geom.geom_type == "Polygon":
            assert _ccw(feature["geometry"]["coordinates"][0])
        elif geom.geom_type == "MultiPolygon":
            assert all(_ccw(p[0]) for p in feature["geometry"]["coordinates"])
        minx, miny, maxx, maxy = geom.bounds
        assert -180 <= minx and maxx <= 180 and -90 <= miny and maxy <= 90
    assert path.read_text("utf-8") == seed_situation.to_geojson()  # deterministic


def _ccw(ring):
    area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:]))
    return area > 0


def test_geodataframe(seed_situation):
    gdf = seed_situation.to_geodataframe()
    assert gdf.crs.to_epsg() == 4326 and len(gdf) == len(seed_situation.features)
    assert {"name", "kind", "layer", "actor", "mentions"} <= set(gdf.columns)
