"""Bad input: every case is mapped correctly or refused with one clear line, never a traceback or a partial file."""

import json
import time
import tracemalloc
import warnings
from pathlib import Path

import pytest

import mapping
from mapping import MappingWarning, ReportError
from mapping.cli import main
from mapping.language.report import MAX_REPORT_CHARS, read_report, read_report_file, strip_markup
from mapping.language.text import MAX_SENTENCE_CHARS

EXAMPLE = Path(__file__).resolve().parent.parent / "data" / "examples" / "southern-syria-briefing.txt"


def _as_read(path) -> str:
    """The file as a user reads it in Python, with nothing altered."""
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


def _cli_fails(tmp_path, capsys, data: bytes, message: str, *extra):
    report = tmp_path / "r.txt"
    report.write_bytes(data)
    out = tmp_path / "out.geojson"
    assert main(["map", str(report), "--geojson", str(out), *extra]) == 1
    err = capsys.readouterr().err
    assert message in err, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["r.txt"]


@pytest.mark.parametrize("data, message", [
    (b"", "the report is empty"),
    (b" \n\t\r\n ", "the report is empty"),
    (b"date 2025-11-18\n  \n", "date header (2025-11-18) but no text after it"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is a PNG image"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "is a PDF document: extract its text first"),
    (b"PK\x03\x04\x14\x00\x06\x00", "a .docx or .odt document is one"),
    ("Damascus".encode("utf-16"), "is UTF-16 (byte-order mark FF FE)"),
    (b"Troops entered Quneitra. " * 400 + b"\x00\x01\x02", "NUL byte at offset 10000"),
    (bytes(range(1, 32)) * 50, "control characters"),
    (b"Damascus \xff\xfe here", "not valid UTF-8 (byte 9"),
    (b"<html><body><script>var Quneitra = 1;</script></body></html>", "no text outside its markup"),
])
def test_refused_with_one_clear_line(tmp_path, capsys, data, message):
    _cli_fails(tmp_path, capsys, data, message)


def test_invalid_utf8_replaced_with_a_warning(tmp_path, capsys):
    report = tmp_path / "r.txt"
    report.write_bytes(b"Troops \xff\xfe\xfd entered Quneitra \xc3( on Monday.")
    out = tmp_path / "o.geojson"
    assert main(["map", str(report), "--geojson", str(out), "--errors", "replace", "-q"]) == 0
    assert capsys.readouterr().err == ""  # --quiet silences warnings too
    assert main(["map", str(report), "--geojson", str(out), "--errors=replace"]) == 0
    err = capsys.readouterr().err
    assert "warning: " in err and "4 invalid UTF-8 sequence(s) replaced with U+FFFD (first at byte 7)" in err
    text = report.read_bytes().decode("utf-8", "replace")
    [feature] = json.loads(out.read_text("utf-8"))["features"]
    m = feature["properties"]["mentions"][0]
    assert text[m["start"]:m["end"]] == m["text"] == "Quneitra"
    with pytest.warns(MappingWarning, match="replaced with U\\+FFFD"):
        read_report_file(report, errors="replace")
    with pytest.raises(ReportError, match="unknown errors='ignore'"):
        read_report_file(report, errors="ignore")


@pytest.mark.parametrize("newline, bom", [("\r\n", False), ("\n", True), ("\r\n", True), ("\r", False)])
def test_offsets_slice_the_file_as_read(tmp_path, newline, bom):
    """CRLF, CR and a byte-order mark: offsets index the file decoded with nothing altered."""
    lf = EXAMPLE.read_text(encoding="utf-8")
    path = tmp_path / "r.txt"
    path.write_bytes((("\ufeff" if bom else "") + lf.replace("\n", newline)).encode("utf-8"))
    as_read = _as_read(path)
    situation = mapping.map_file(path)
    assert situation.report.text == as_read and situation.report.published.isoformat() == "2025-11-20"
    for r in situation.resolutions:
        m = r.mention
        assert as_read[m.start:m.end] == m.text
        assert as_read[m.sentence_start:m.sentence_start + len(m.sentence)] == m.sentence
    reference = mapping.map_report(lf)
    assert [(f.id, f.kind) for f in situation.features] == [(f.id, f.kind) for f in reference.features]
    assert [r.mention.text for r in situation.resolutions] == [r.mention.text for r in reference.resolutions]


HTML = """<!DOCTYPE html>
<html><head><title>Southern Syria &amp; the coast</title>
<style>p.Damascus { color: red }</style>
<script>const places = ["Tartus", "Hmeimim"]; if (a < b) {}</script></head>
<body><!-- Jableh, in a comment -->
<h1>Troops in Quneitra</h1>
<p>Israeli forces set up a checkpoint near <b>Quneitra</b> on Monday.&nbsp;Residents of Daraa&nbsp;province
fled &amp; said the <a href="https://x.example/Latakia">raid</a> was the third this week.</p>
<p>Officials in Damascus &#8220;condemned&#8221; it.</p>
</body></html>
"""


def test_html_is_read_with_markup_blanked_and_offsets_kept(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(HTML, encoding="utf-8")
    situation = mapping.map_file(path, published="2025-11-18")
    report = situation.report
    assert report.markup == "html" and len(report.text) == len(HTML)
    assert report.title == "Southern Syria & the coast"
    found = [r.mention.text for r in situation.resolutions]
    assert found == ["Quneitra", "Quneitra", "Daraa", "Damascus"]  # not the script, style, comment or link
    for r in situation.resolutions:
        assert HTML[r.mention.start:r.mention.end] == r.mention.text  # offsets index the HTML source
        assert "<" not in r.mention.sentence and "&nbsp;" not in r.mention.sentence
    checkpoint = next(f for f in situation.features if f.kind == "checkpoint")
    assert checkpoint.when.iso == "2025-11-17"
    assert next(r for r in situation.resolutions if r.mention.text == "Daraa").mention.cue == "province"


def test_html_detection():
    assert read_report("<!doctype html><p>Quneitra</p>").markup == "html"
    assert read_report("  <html lang=en><p>Quneitra</p>").markup == "html"
    assert read_report("Troops entered Quneitra <b>today</b>.").markup == "text"  # stray tags in text stay text
    assert read_report("<p>x</p> Quneitra", markup="html").markup == "html"
    assert read_report("<!doctype html> Quneitra", markup="text").text.startswith("<!doctype")
    with pytest.raises(ReportError, match="unknown markup 'xml'"):
        read_report("x", markup="xml")


def test_strip_markup_keeps_length_and_lines():
    html = "<div\nclass=x>A&amp;B</div><!--\n-->&unknown; &#x1F600; <br/>"
    text = strip_markup(html)
    assert len(text) == len(html)
    assert [i for i, c in enumerate(text) if c == "\n"][:2] == [0, 1]  # block tag: a paragraph break
    assert "&unknown;" in text and "\U0001F600" in text  # unknown entities are left alone
    assert html.count("\n") <= text.count("\n")


def test_lone_surrogates_are_refused():
    with pytest.raises(ReportError, match="lone surrogate '\\\\ud800' at character 7"):
        mapping.map_report("Troops \ud800 entered Quneitra.")


def test_ten_megabyte_report_is_refused_fast_and_small(tmp_path, capsys):
    path = tmp_path / "big.txt"
    block = EXAMPLE.read_bytes()
    path.write_bytes(block * (10_000_000 // len(block) + 1))
    tracemalloc.start()
    started = time.perf_counter()
    assert main(["map", str(path), "--geojson", str(tmp_path / "o.geojson"), "--max-chars", "1000000"]) == 1
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    err = capsys.readouterr().err
    assert "is too long: 10,00" in err and "the limit is 1,000,000 characters" in err
    assert elapsed < 2 and peak < 5_000_000  # refused before the file is read in full
    with pytest.raises(ReportError, match=f"too long: {MAX_REPORT_CHARS + 1:,} characters"):
        read_report("x" * (MAX_REPORT_CHARS + 1))
    assert read_report("x" * (MAX_REPORT_CHARS + 1), max_chars=None).text


def test_max_chars_option(tmp_path, capsys):
    report = tmp_path / "r.txt"
    report.write_text("Troops entered Quneitra. " * 10, encoding="utf-8")
    assert main(["map", str(report), "--geojson", str(tmp_path / "o.geojson"), "--max-chars", "100"]) == 1
    assert "250 characters, the limit is 100" in capsys.readouterr().err
    assert main(["map", str(report), "--geojson", str(tmp_path / "o.geojson"), "--max-chars", "0", "-q"]) == 0


def test_one_absurdly_long_line_stays_bounded():
    """200,000 characters without a full stop: sentences are cut, so quoted text and output stay linear."""
    text = ("word " * 400 + "troops near Daraa and Quneitra ") * 100
    started = time.perf_counter()
    situation = mapping.map_report(text)
    elapsed = time.perf_counter() - started
    assert len(situation.resolutions) == 200
    assert all(len(r.mention.sentence) <= MAX_SENTENCE_CHARS for r in situation.resolutions)
    assert all(text[r.mention.start:r.mention.end] == r.mention.text for r in situation.resolutions)
    assert len(situation.to_geojson()) < 2_000_000
    assert elapsed < 30


def test_thousands_of_mentions():
    names = ["Daraa", "Quneitra", "Damascus", "Tartus", "Jableh"]
    text = " ".join(f"Troops moved from {names[i % 5]} to {names[(i + 2) % 5]} on day {i}." for i in range(1000))
    situation = mapping.map_report(text)
    assert len(situation.resolutions) == 2000 and not situation.unresolved
    assert sum(len(f.mentions) for f in situation.features) >= 2000 - 10
    assert all(text[r.mention.start:r.mention.end] == r.mention.text for r in situation.resolutions)


def test_stdin_can_be_read_once(capsys):
    assert main(["map", "-", "-", "--geojson", "x.geojson"]) == 1
    assert "standard input ('-') can be read only once" in capsys.readouterr().err


def test_several_reports_are_merged(tmp_path, capsys):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("date 2025-11-18\nIsraeli troops set up a checkpoint near Quneitra on Monday.", encoding="utf-8")
    b.write_text("Russian officials visited Tartus.", encoding="utf-8")
    out = tmp_path / "m.geojson"
    assert main(["map", str(a), str(b), "--geojson", str(out), "--source", "Wire", "-v"]) == 0
    err = capsys.readouterr().err
    assert f"{a}: 75 characters (text), 1 mentions" in err and f"{b}: 33 characters (text), 1 mentions" in err
    data = json.loads(out.read_text("utf-8"))
    assert [d["title"] for d in data["documents"]] == ["a", "b"]
    assert {d["source"] for d in data["documents"]} == {"Wire"}
    by_report = {f["properties"]["report_id"] for f in data["features"]}
    assert by_report == {d["id"] for d in data["documents"]}


def test_a_bad_report_among_several_fails_before_any_mapping(tmp_path, capsys, monkeypatch):
    import mapping.pipeline

    monkeypatch.setattr(mapping.pipeline, "run", lambda *a, **k: pytest.fail("mapped before reading all reports"))
    good, bad = tmp_path / "a.txt", tmp_path / "b.txt"
    good.write_text("Troops entered Quneitra.", encoding="utf-8")
    bad.write_bytes(b"")
    assert main(["map", str(good), str(bad), "--geojson", str(tmp_path / "o.geojson")]) == 1
    assert "empty" in capsys.readouterr().err


def test_no_warning_noise_on_good_input(tmp_path, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mapping.map_file(EXAMPLE)
    assert main(["map", str(EXAMPLE), "--geojson", str(tmp_path / "o.geojson")]) == 0
    assert "warning:" not in capsys.readouterr().err


# -- malformed gazetteer packs -----------------------------------------------------------

def _pack_feature(**props):
    return {"type": "Feature", "id": "my-1", "geometry": {"type": "Point", "coordinates": [36.0, 33.0]},
            "properties": {"name": "Kfar Zzyzx", "kind": "village", "precision_m": 100, "source": "survey", **props}}


@pytest.mark.parametrize("content, message", [
    ('{"type": "FeatureCollection", "features": [', "not valid UTF-8 JSON"),
    ('[1, 2]', "expected a GeoJSON FeatureCollection"),
    ({"approximate": "false"}, r"feature 0 \('my-1'\) \(approximate\): expected true or false, got 'false'"),
    ({"country": "Syria"}, r"\(country\): expected an ISO 3166 code"),
    ({"population": -5}, r"\(population\): expected a whole number >= 0"),
    ({"operator": "martians"}, r"\(operator\): unknown actor 'martians'; expected null, country-<ISO code> .*israel"),
    ({"aliases": ["Zzyzx", " "]}, r"\(aliases\): expected non-empty strings"),
    ({"note": 5}, r"\(note\): expected a string or null"),
    ({"geometry": {"type": "Polygon", "coordinates": [[[36, 33], [37, 34], [36, 34], [37, 33], [36, 33]]]}},
     r"\(geometry\): is not valid"),
    ({"geometry": {"type": "Point", "coordinates": [33.0, 136.0]}}, r"\(geometry\): coordinates out of range"),
    ({"geometry": {"type": "Circle", "coordinates": [36, 33]}}, r"\(geometry\): expected a geometry of type"),
    ({"duplicate": True}, r"feature 1 \(id\): duplicate id 'my-1'"),
    ({"country": "SY", "geometry": {"type": "Point", "coordinates": [33.0, 36.0]}},
     r"\(geometry\): \(33\.0, 36\.0\) is \d+ km outside SY \(Syria\).*the coordinates look swapped: "
     r"\[36\.0, 33\.0\] is in SY; GeoJSON puts the longitude first"),
    ({"country": "SY", "geometry": {"type": "Point", "coordinates": [35.93, 31.95]}},
     r"\(geometry\): \(35\.93, 31\.95\) is \d+ km outside SY \(Syria\), farther than the 25 km allowed.*"
     r"check the coordinates \(longitude first\) or the country code"),
    ({"country": "JO", "geometry": {"type": "Polygon", "coordinates": [[[30, 40], [31, 40], [31, 41], [30, 41], [30, 40]]]}},
     r"\(geometry\): .* is \d+ km outside JO \(Jordan\)"),
])
def test_malformed_packs_fail_with_one_clear_line(tmp_path, capsys, content, message):
    pack = tmp_path / "my-places.geojson"
    if isinstance(content, str):
        pack.write_text(content, encoding="utf-8")
    else:
        content = dict(content)
        feature = _pack_feature(**{k: v for k, v in content.items() if k not in ("geometry", "duplicate")})
        if "geometry" in content:
            feature["geometry"] = content["geometry"]
        features = [feature, feature] if content.get("duplicate") else [feature]
        pack.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    report = tmp_path / "r.txt"
    report.write_text("Troops entered Kfar Zzyzx.", encoding="utf-8")
    out = tmp_path / "o.geojson"
    assert main(["map", str(report), "--gazetteer", str(pack), "--geojson", str(out)]) == 1
    err = capsys.readouterr().err
    assert str(pack) in err and err.count("\n") == 1 and "Traceback" not in err
    import re

    assert re.search(message, err), err
    assert not out.exists()


def test_pack_points_near_their_country_are_accepted(tmp_path):
    """On land, or off the coast within 25 km (a port, an island, a simplified outline)."""
    from mapping.gazetteer import load_pack

    features = [dict(_pack_feature(country="SY"), id=f"my-{i}", geometry={"type": "Point", "coordinates": xy})
                for i, xy in enumerate([[36.0, 33.0], [35.80, 34.90], [35.86, 33.12]])]
    features.append(dict(_pack_feature(country="XQ"), id="my-unknown-code"))  # no outline to check against
    pack = tmp_path / "p.geojson"
    pack.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    assert len(load_pack(pack)) == 4


def test_a_good_custom_pack_is_used(tmp_path):
    pack = tmp_path / "my-places.geojson"
    pack.write_text(json.dumps({"type": "FeatureCollection", "features": [
        _pack_feature(aliases=["Zzyzx"], approximate=True, country="SY", population=120, operator="un")]}), encoding="utf-8")
    situation = mapping.map_report("UN observers visited the village of Kfar Zzyzx.", packs=[pack])
    [feature] = [f for f in situation.features if f.gazetteer_id == "my-1"]
    assert feature.approximate and feature.source == "survey"


def test_places_of_several_reports_say_which_report(tmp_path, capsys):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("Troops entered Quneitra.", encoding="utf-8")
    b.write_text("Officials visited Tartus and Daraa.", encoding="utf-8")
    assert main(["places", str(a), str(b), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    ids = [r.id for r in (read_report_file(a), read_report_file(b))]
    assert [(r["text"], r["report"]) for r in rows] == [("Quneitra", ids[0]), ("Tartus", ids[1]), ("Daraa", ids[1])]


@pytest.mark.parametrize("argv", [
    ["map", str(EXAMPLE), "--geojson", "{tmp}/no/such/folder/o.geojson"],
    ["map", str(EXAMPLE), "-o", "{tmp}"],
    ["export", str(EXAMPLE), "-o", "{tmp}/no/such/folder/o.gpkg"],
    ["export", str(EXAMPLE), "-o", "{tmp}/folder.kml"],
])
def test_unwritable_outputs_are_named_not_their_temporary_files(tmp_path, capsys, argv):
    (tmp_path / "folder.kml").mkdir()
    assert main([a.format(tmp=tmp_path) for a in argv]) == 1
    err = capsys.readouterr().err
    assert err.startswith("situation-map: error: cannot write ") and ".tmp" not in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.kml"]
