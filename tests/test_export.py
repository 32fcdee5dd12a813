"""Exporters: every format written, read back with pyogrio/geopandas and compared to the situation."""

import json
import os
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from shapely.geometry import Point, shape

import mapping
from mapping.gazetteer.places import inner_point
from mapping import UnknownFormatError
from mapping.cli import main
from mapping.output.export import EXPORTERS, Exporter, export, exporter_for, formats, register

EXAMPLE = Path(__file__).resolve().parent.parent / "data" / "examples" / "southern-syria-briefing.txt"
HOSTILE = "Troops entered Quneitra <script>alert(1)</script> & the village of Zzyzxabad {{ x }}."
KML = "{http://www.opengis.net/kml/2.2}"


@pytest.fixture(scope="module")
def situation(example_text):
    return mapping.map_report(example_text + "\n\n" + HOSTILE, title="Briefing", source="Example <News> & Co",
                              url="https://example.org/a?b=1&c=2")


@pytest.fixture(scope="module")
def merged(example_text):
    from mapping.pipeline import map_reports
    from mapping.language.report import read_report

    return map_reports([read_report(example_text, source="One"),
                        read_report("date 2025-11-21\nIsraeli troops set up a checkpoint near Quneitra on Monday. "
                                    "They also entered the village of Qqxxabad.", source="Two")])


def _expected(situation):
    """Feature id -> (geometry, properties) as the GeoJSON contract has them."""
    return {f["id"]: (shape(f["geometry"]), f["properties"]) for f in situation.__geo_interface__["features"]}


def _same_geometry(a, b):
    return a.geom_type == b.geom_type and a.equals_exact(b, 1e-9)


# -- registry -----------------------------------------------------------------------

def test_formats_and_suffixes():
    assert formats() == ["csv", "geojson", "gpkg", "kml"]
    assert {exporter_for(f"x{s}").name for s in (".geojson", ".json", ".gpkg", ".kml", ".csv", ".GPKG")} == set(formats())
    assert exporter_for("-", format="GPKG").name == "gpkg" and exporter_for("x.txt", format=".kml").name == "kml"


@pytest.mark.parametrize("path, fmt, message", [
    ("out.shp", None, r"cannot tell the output format from 'out.shp'.*\(formats: csv, geojson, gpkg, kml\)"),
    ("out", None, r"from 'out'"),
    ("-", None, r"from '-'"),
    ("out.kml", "xlsx", r"unknown output format 'xlsx': expected one of csv, geojson, gpkg, kml"),
])
def test_unknown_format_lists_the_formats(path, fmt, message):
    with pytest.raises(UnknownFormatError, match=message):
        exporter_for(path, fmt)
    assert issubclass(UnknownFormatError, ValueError)


def test_a_new_format_is_one_class(tmp_path, situation):
    @register
    class Names(Exporter):
        name = "names"
        suffixes = (".names",)

        def dumps(self, situation):
            return "\n".join(f.name for f in situation.features)

    try:
        out = situation.export(tmp_path / "x.names")
        assert out.read_text("utf-8").splitlines() == [f.name for f in situation.features]
    finally:
        from mapping.output.export import SUFFIXES

        EXPORTERS.pop("names")
        SUFFIXES.pop(".names")


# -- GeoJSON ------------------------------------------------------------------------

def _ring_is_ccw(ring):
    from shapely.geometry import LinearRing

    return LinearRing(ring).is_ccw


def test_geojson_is_rfc7946(tmp_path, situation):
    path = situation.export(tmp_path / "s.geojson")
    data = json.loads(path.read_text("utf-8"))
    assert data["type"] == "FeatureCollection" and "crs" not in data
    ids = [f["id"] for f in data["features"]]
    assert len(ids) == len(set(ids)) == len(situation.features)
    for f in data["features"]:
        g = f["geometry"]
        polygons = {"Polygon": [g.get("coordinates")], "MultiPolygon": g.get("coordinates")}.get(g["type"], [])
        for polygon in polygons:
            assert _ring_is_ccw(polygon[0]), f["id"]  # exterior counter-clockwise
            assert all(not _ring_is_ccw(hole) for hole in polygon[1:]), f["id"]  # holes clockwise
            assert all(ring[0] == ring[-1] and len(ring) >= 4 for ring in polygon)
        geom = shape(g)
        minx, miny, maxx, maxy = geom.bounds
        assert -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90 and geom.is_valid
    assert path.read_text("utf-8") == situation.to_geojson()


def test_geojson_round_trips_through_pyogrio(tmp_path, situation):
    import geopandas as gpd

    path = situation.export(tmp_path / "s.geojson")
    frame = gpd.read_file(path, engine="pyogrio")
    expected = _expected(situation)
    assert len(frame) == len(expected) and frame.crs.to_epsg() == 4326
    for row in frame.itertuples():
        geometry, props = expected[row.id]
        assert _same_geometry(row.geometry, geometry)
        assert (row.name, row.kind, row.layer) == (props["name"], props["kind"], props["layer"])


# -- GeoPackage ---------------------------------------------------------------------

_FAMILY = {"Point": "points", "MultiPoint": "points", "LineString": "lines", "MultiLineString": "lines",
           "Polygon": "polygons", "MultiPolygon": "polygons"}


def test_gpkg_has_a_table_per_layer_and_geometry_type_and_round_trips(tmp_path, situation):
    import pyogrio

    path = situation.export(tmp_path / "s.gpkg")
    tables = dict(pyogrio.list_layers(path).tolist())
    expected_tables = {f"{layer.name.lower().replace(' ', '_')}_{_FAMILY[f.geometry.geom_type]}": layer.name
                       for layer in situation.layers for f in layer.features}
    assert set(tables) == {*expected_tables, "documents", "unresolved"}
    assert tables["documents"] is None and tables["unresolved"] is None  # attribute tables
    expected = _expected(situation)
    seen = set()
    for table, layer_name in expected_tables.items():
        assert tables[table] in ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon")
        info = pyogrio.read_info(path, layer=table)
        frame = pyogrio.read_dataframe(path, layer=table)
        assert frame.crs.to_epsg() == 4326 and set(frame.geometry.geom_type) == {info["geometry_type"]}
        layer = situation.layer(layer_name)
        assert list(frame["id"]) == [f.id for f in layer.features if table.endswith(_FAMILY[f.geometry.geom_type])]
        for row in frame.itertuples():
            geometry, props = expected[row.id]
            assert row.geometry.equals(geometry)  # the same shape, possibly promoted to its Multi type
            assert row.layer == layer.name and row.kind == props["kind"] and row.actor == props["actor"]
            assert json.loads(row.mentions) == props["mentions"]  # list columns are JSON text
            assert json.loads(row.actors) == props["actors"]
            assert row.confidence == pytest.approx(props["confidence"]) and bool(row.approximate) == props["approximate"]
            assert (row.when if isinstance(row.when, str) else None) == props["when"]
            seen.add(row.id)
    assert seen == set(expected)
    unresolved = pyogrio.read_dataframe(path, layer="unresolved")
    assert list(unresolved["text"]) == [m.text for m in situation.unresolved] and "Zzyzxabad" in set(unresolved["text"])
    documents = pyogrio.read_dataframe(path, layer="documents")
    assert documents.loc[0, "source"] == "Example <News> & Co" and documents.loc[0, "published"] == "2025-11-20"


def test_every_gpkg_table_can_be_written_as_a_shapefile(tmp_path, seed_situation):
    """QGIS and shapefile-style consumers need one geometry type per table: no 'Unknown'."""
    import geopandas as gpd
    import pyogrio

    path = seed_situation.export(tmp_path / "seed.gpkg")
    layers = pyogrio.list_layers(path).tolist()
    assert "Unknown" not in {kind for _, kind in layers}
    for table, kind in layers:
        frame = gpd.read_file(path, layer=table, engine="pyogrio")
        if kind is None:
            assert table in ("documents", "unresolved")
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # shapefile field names are cut to 10 characters
            frame.to_file(tmp_path / f"{table}.shp", engine="pyogrio")
        back = gpd.read_file(tmp_path / f"{table}.shp", engine="pyogrio")
        assert len(back) == len(frame) and back.crs.to_epsg() == 4326


# -- KML ----------------------------------------------------------------------------

def test_kml_folders_styles_times_and_notes(tmp_path, situation):
    import pyogrio

    path = situation.export(tmp_path / "s.kml")
    root = ET.parse(path).getroot()
    document = root.find(f"{KML}Document")
    styles = {s.get("id") for s in document.findall(f"{KML}Style")}
    folders = [f.find(f"{KML}name").text for f in document.findall(f"{KML}Folder")]
    assert folders == [layer.name for layer in situation.layers] + ["Unresolved mentions"]
    for placemark in document.iter(f"{KML}Placemark"):
        url = placemark.find(f"{KML}styleUrl")
        assert url is None or url.text[1:] in styles  # every style referenced exists
    israel_style = {s.get("id"): s for s in document.findall(f"{KML}Style")}["style-Israel"]
    assert israel_style.find(f"{KML}PolyStyle/{KML}color").text.endswith("bf5f1f")  # #1f5fbf as aabbggrr

    expected = _expected(situation)
    layers = dict(pyogrio.list_layers(path).tolist())
    assert set(layers) == {*folders}
    for layer in situation.layers:
        frame = pyogrio.read_dataframe(path, layer=layer.name)
        assert list(frame["feature_id"]) == [f.id for f in layer.features]
        for row in frame.itertuples():
            geometry, props = expected[row.feature_id]
            assert _same_geometry(row.geometry, geometry)
            assert row.Name == props["name"] and row.kind == props["kind"]
            first = props["mentions"][0]
            assert f"characters {first['start']}–{first['end']}" in row.description
            when = props["when"]
            if when is None:
                assert str(row.timestamp) == "NaT" and str(row.begin) == "NaT"
            elif "/" in when:
                assert (row.begin.date().isoformat(), row.end.date().isoformat()) == (props["when_start"], props["when_end"])
            else:
                assert row.timestamp.date().isoformat().startswith(when)
    checkpoint = next(f for f in situation.features if f.kind == "checkpoint")
    assert checkpoint.when.iso == "2025-11-19"


def test_kml_description_escapes_report_text(tmp_path, situation):
    import pyogrio

    path = situation.export(tmp_path / "s.kml")
    frame = pyogrio.read_dataframe(path, layer="Unresolved mentions")
    assert list(frame["Name"]) == [m.text for m in situation.unresolved]
    note = frame["description"][0]  # the HTML Google Earth shows
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; the village of <b>Zzyzxabad</b>" in note
    assert "<script" not in note and "Example &lt;News&gt; &amp; Co" in note
    assert '<a href="https://example.org/a?b=1&amp;c=2">' in note


def test_kml_links_only_web_urls(tmp_path):
    s = mapping.map_report("Troops entered Quneitra.", url="javascript:alert(1)")
    text = s.export(tmp_path / "s.kml").read_text("utf-8")
    assert "javascript:" not in text


# -- CSV ----------------------------------------------------------------------------

def test_csv_round_trips_with_wkt(tmp_path, situation):
    import csv

    import geopandas as gpd

    path = situation.export(tmp_path / "s.csv")
    frame = gpd.read_file(path, engine="pyogrio")  # GDAL reads the WKT column as geometry
    expected = _expected(situation)
    assert len(frame) == len(expected) + len(situation.unresolved)
    located = frame[frame["record"] != "unresolved"]
    assert list(located["id"]) == [f.id for f in situation.features]
    for row in located.itertuples():
        geometry, props = expected[row.id]
        assert _same_geometry(row.geometry, geometry)
        assert row.record == ("event" if props["event"] else "place") and row.layer == props["layer"]
        assert json.loads(row.mentions) == props["mentions"]
        assert int(row.mention_start) == props["mentions"][0]["start"]
        assert (float(row.lon), float(row.lat)) == pytest.approx(inner_point(geometry), abs=1e-6)
        assert geometry.buffer(1e-6).contains(Point(float(row.lon), float(row.lat)))  # a point of the feature
    unresolved = frame[frame["record"] == "unresolved"]
    assert list(unresolved["mention_text"]) == [m.text for m in situation.unresolved]
    assert all(g is None or g.is_empty for g in unresolved.geometry)
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["report_source"] == "Example <News> & Co" and set(r["record"] for r in rows) == {"event", "place", "unresolved"}


def test_csv_defuses_spreadsheet_formulas(tmp_path):
    import csv

    s = mapping.map_report("Troops entered Quneitra.", source="=HYPERLINK(\"http://x\")")
    with open(s.export(tmp_path / "s.csv"), newline="", encoding="utf-8") as fh:
        row = next(csv.DictReader(fh))
    assert row["report_source"] == "'=HYPERLINK(\"http://x\")"


# -- atomic writes, merged reports, determinism ---------------------------------------

@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".kml", ".csv"])
def test_a_failed_export_leaves_no_file_and_keeps_the_old_one(tmp_path, situation, monkeypatch, suffix):
    exporter = exporter_for(f"x{suffix}")

    def fail(*args, **kwargs):
        if suffix == ".gpkg":  # let GDAL write part of the file first
            Exporter.write(EXPORTERS["geojson"], situation, args[-1])
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(type(exporter), "write", fail)
    fresh, old = tmp_path / f"new{suffix}", tmp_path / f"old{suffix}"
    old.write_text("previous contents")
    for target in (fresh, old):
        with pytest.raises(RuntimeError, match="disk on fire"):
            export(situation, target)
    assert not fresh.exists() and old.read_text() == "previous contents"
    assert sorted(p.name for p in tmp_path.iterdir()) == [old.name]  # no temporary leftovers


def test_merged_reports_keep_their_own_source_notes(tmp_path, merged):
    data = json.loads(merged.to_geojson())
    ids = [f["id"] for f in data["features"]]
    assert len(ids) == len(set(ids))
    reports = {d["id"]: d for d in data["documents"]}
    assert [d["source"] for d in data["documents"]] == ["One", "Two"]
    texts = {r.id: r.text for r in merged.reports}
    for f in data["features"]:
        props = f["properties"]
        assert props["report_id"] in reports and props["reports"][0] == props["report_id"]
        assert props["corroboration"] == len(props["reports"]) == len(set(props["reports"]))
        for m in props["mentions"]:  # each mention says which report it quotes; offsets index that report
            assert m["report_id"] in props["reports"]
            assert texts[m["report_id"]][m["start"]:m["end"]] == m["text"]
    [unresolved] = data["unresolved"]
    assert unresolved["text"] == "Qqxxabad" and reports[unresolved["report_id"]]["source"] == "Two"
    import pyogrio

    for suffix in (".gpkg", ".kml", ".csv"):
        path = merged.export(tmp_path / f"m{suffix}")
        assert path.stat().st_size > 0
    frame = pyogrio.read_dataframe(tmp_path / "m.csv")
    assert set(frame["report_source"]) == {"One", "Two"}


def test_same_reports_merged_twice_get_distinct_ids(example_text):
    from mapping.pipeline import map_reports
    from mapping.language.report import read_report

    s = map_reports([read_report(example_text, source="A"), read_report(example_text, source="B")])
    assert len({r.id for r in s.reports}) == 2 and len({f.id for f in s.features}) == len(s.features)


def test_output_is_byte_identical_across_processes(tmp_path):
    """Same input, fresh interpreters with different hash seeds: the same bytes."""
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / seed
        out.mkdir()
        code = ("import sys, mapping; s = mapping.map_file(sys.argv[1]); "
                "[s.export(sys.argv[2] + '/s' + x) for x in ('.geojson', '.kml', '.csv')]")
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(Path(mapping.__file__).parent.parent)}
        subprocess.run([sys.executable, "-c", code, str(EXAMPLE), str(out)], check=True, env=env, timeout=120)
        outputs.append({p.name: p.read_bytes() for p in out.iterdir()})
    assert outputs[0] == outputs[1] and len(outputs[0]) == 3


# -- command line ---------------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".kml", ".csv"])
def test_cli_export(tmp_path, capsys, suffix):
    out = tmp_path / f"s{suffix}"
    assert main(["export", str(EXAMPLE), "-o", str(out)]) == 0
    assert out.stat().st_size > 0
    assert f"wrote {out} ({suffix[1:]})" in capsys.readouterr().err


def test_cli_export_to_stdout_needs_a_format(tmp_path, capsys):
    assert main(["export", str(EXAMPLE), "-o", "-", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("WKT,record,id,") and out.count("\r\n") > 5
    assert main(["export", str(EXAMPLE), "-o", "-"]) == 1
    assert "needs --format" in capsys.readouterr().err


def test_cli_unknown_format_is_a_user_error_before_any_work(tmp_path, capsys, monkeypatch):
    import mapping.pipeline

    monkeypatch.setattr(mapping.pipeline, "run", lambda *a, **k: pytest.fail("mapped before checking the format"))
    report = tmp_path / "r.txt"
    report.write_text("Troops entered Quneitra.", encoding="utf-8")
    assert main(["export", str(report), "-o", str(tmp_path / "out.shp")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "formats: csv, geojson, gpkg, kml" in err and "Traceback" not in err
    assert not (tmp_path / "out.shp").exists()


def test_a_situation_with_nothing_on_it_exports_everywhere(tmp_path):
    import pyogrio

    s = mapping.map_report("Nothing happened here.", source="Quiet News")
    assert not s.features and not s.unresolved
    assert json.loads(s.export(tmp_path / "e.geojson").read_text("utf-8"))["features"] == []
    assert sorted(name for name, _ in pyogrio.list_layers(s.export(tmp_path / "e.gpkg"))) == ["documents", "unresolved"]
    root = ET.parse(s.export(tmp_path / "e.kml")).getroot()
    assert root.find(f"{KML}Document/{KML}Folder") is None
    assert "Quiet News" in root.find(f"{KML}Document/{KML}description").text
    assert s.export(tmp_path / "e.csv").read_text("utf-8").count("\n") == 1  # the header only
