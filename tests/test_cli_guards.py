"""The command line protects the user from mistakes: wrong suffixes, typos, folders, closed pipes."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mapping.cli import main

EXAMPLE = Path(__file__).resolve().parent.parent / "data" / "examples" / "southern-syria-briefing.txt"


def _fails(capsys, argv, *fragments, code=1):
    assert main([str(a) for a in argv]) == code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in err, err
    return err


# -- a suffix that contradicts the format is refused, with the fix ---------------------

@pytest.mark.parametrize("argv, fragments", [
    (["map", "{report}", "-o", "{tmp}/m.geojson"],
     ["-o writes the HTML map", "'{tmp}/m.geojson' ends in .geojson", ".html or .htm", "--geojson {tmp}/m.geojson"]),
    (["map", "{report}", "-o", "{tmp}/m.txt"], ["-o writes the HTML map", "ends in .txt", "e.g. {tmp}/m.html"]),
    (["map", "{report}", "-o", "{tmp}/m"], ["-o writes the HTML map", "has no suffix", "e.g. {tmp}/m.html"]),
    (["map", "{report}", "--geojson", "{tmp}/m.html"],
     ["--geojson writes GeoJSON", "ends in .html", ".geojson or .json", "-o {tmp}/m.html"]),
    (["map", "{report}", "-o", "{tmp}/m.html", "--png", "{tmp}/m.jpg"], ["--png writes a PNG image", "ends in .jpg", ".png"]),
    (["export", "{report}", "-o", "{tmp}/out.gpkg", "--format", "kml"],
     ["--format kml contradicts '{tmp}/out.gpkg'", "ends in .gpkg (gpkg)", "{tmp}/out.kml", "drop --format"]),
    (["export", "{report}", "-o", "{tmp}/out.html"], ["cannot tell the output format from '{tmp}/out.html'"]),
])
def test_a_suffix_that_contradicts_the_format_is_refused_before_any_work(tmp_path, capsys, monkeypatch, argv, fragments):
    import mapping.pipeline

    monkeypatch.setattr(mapping.pipeline, "run", lambda *a, **k: pytest.fail("mapped before checking the outputs"))
    report = tmp_path / "r.txt"
    report.write_text("Troops entered Quneitra.", encoding="utf-8")
    argv = [a.format(report=report, tmp=tmp_path) for a in argv]
    _fails(capsys, argv, *[f.format(tmp=tmp_path) for f in fragments])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.txt"]


@pytest.mark.parametrize("argv", [
    ["map", "{report}", "-o", "{tmp}/m.HTM", "--geojson", "{tmp}/m.json", "-q"],
    ["export", "{report}", "-o", "{tmp}/out.txt", "--format", "csv", "-q"],  # the format is named: any other suffix
    ["export", "{report}", "-o", "{tmp}/out.kml", "--format", "KML", "-q"],
])
def test_matching_or_neutral_suffixes_are_accepted(tmp_path, argv):
    report = tmp_path / "r.txt"
    report.write_text("Troops entered Quneitra.", encoding="utf-8")
    assert main([a.format(report=report, tmp=tmp_path) for a in argv]) == 0


def test_the_python_export_refuses_a_contradicting_suffix_too(tmp_path):
    import mapping
    from mapping.errors import OutputError

    s = mapping.map_report("Troops entered Quneitra.")
    with pytest.raises(OutputError, match=r"format 'kml' contradicts '.*out\.gpkg', which ends in \.gpkg"):
        s.export(tmp_path / "out.gpkg", "kml")
    assert not (tmp_path / "out.gpkg").exists()


# -- typos and folders -------------------------------------------------------------------

def test_a_typo_in_an_option_gets_the_subcommand_usage_and_a_suggestion(capsys):
    with pytest.raises(SystemExit) as info:
        main(["map", str(EXAMPLE), "--gojson", "m.geojson"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: situation-map map ") and "did you mean --geojson?" in err
    assert "unrecognized arguments: --gojson" in err and "Traceback" not in err


@pytest.mark.parametrize("argv, usage, suggestion", [
    (["export", str(EXAMPLE), "-o", "x.kml", "--fromat", "kml"], "usage: situation-map export ", "did you mean --format?"),
    (["places", str(EXAMPLE), "--jsno"], "usage: situation-map places ", "did you mean --json?"),
    (["gazetteer", "search", "Daraa", "--limt", "3"], "usage: situation-map gazetteer search ", "did you mean --limit?"),
    (["mpa", str(EXAMPLE)], "usage: situation-map ", "did you mean 'map'?"),
    (["gazetteer", "serach", "Daraa"], "usage: situation-map gazetteer ", "did you mean 'search'?"),
])
def test_typos_everywhere(capsys, argv, usage, suggestion):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(usage) and suggestion in err, err


def test_a_folder_given_as_the_report_is_called_a_folder(tmp_path, capsys):
    err = _fails(capsys, ["map", tmp_path, "--geojson", tmp_path / "o.geojson"], "is a folder")
    assert "does not exist" not in err and "*.txt" in err


def test_a_name_with_spaces_needs_no_quotes(capsys):
    assert main(["gazetteer", "search", "Khan", "Arnabah", "--json", "-n", "1"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["name"] == "Khan Arnabah"


# -- a closed pipe is not an error -------------------------------------------------------

class _ClosedPipe:
    """A standard output whose reader went away."""

    encoding = "utf-8"

    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self):
        raise BrokenPipeError(32, "Broken pipe")

    @property
    def buffer(self):
        return self


@pytest.mark.parametrize("argv", [
    ["places", str(EXAMPLE)],
    ["places", str(EXAMPLE), "--json"],
    ["gazetteer", "search", "Damascus"],
    ["export", str(EXAMPLE), "-o", "-", "--format", "csv"],
    ["map", str(EXAMPLE), "--geojson", "-"],
])
def test_a_closed_pipe_ends_quietly(monkeypatch, capsys, argv):
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    assert main(argv) == 141
    assert capsys.readouterr().err == ""


def test_eval_of_a_closed_pipe(tmp_path, monkeypatch, capsys):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"id": "1", "text": "Troops entered Damascus.", "toponyms": [
        {"start": 15, "end": 23, "text": "Damascus", "lat": 33.51, "lon": 36.29}]}) + "\n", encoding="utf-8")
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    assert main(["eval", str(corpus)]) == 141
    assert capsys.readouterr().err == ""


def test_a_pipe_closed_by_head_in_a_real_process(tmp_path):
    """The reader is gone before the first byte: no 'Broken pipe' line, no 'Exception ignored', exit 141."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run([sys.executable, "-m", "mapping", "gazetteer", "search", "El Fasher"],
                              stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)
    assert proc.stderr == "" and proc.returncode == 141


# -- eval says km -----------------------------------------------------------------------

def test_eval_table_says_km(tmp_path, capsys):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"id": "1", "text": "Troops entered Damascus.", "toponyms": [
        {"start": 15, "end": 23, "text": "Damascus", "lat": 33.0, "lon": 36.29}]}) + "\n", encoding="utf-8")
    assert main(["eval", str(corpus)]) == 0
    out = capsys.readouterr().out
    row = out.splitlines()[1]
    assert " km " in row and "k " not in row.replace(" km ", " ")


# -- places and the map agree ------------------------------------------------------------

def test_places_says_what_the_map_draws(tmp_path, capsys):
    """'the border area', 'between X and Y', 'the countryside of X': the row is the derived area the map shows."""
    from shapely.geometry import Point, shape

    report = tmp_path / "r.txt"
    report.write_text("Israeli troops patrolled the border area between Israel and Syria on Monday. Shelling hit "
                      "the countryside of Daraa province. Officials met in Damascus.", encoding="utf-8")
    assert main(["places", str(report), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert main(["map", str(report), "--geojson", "-"]) == 0
    features = json.loads(capsys.readouterr().out)["features"]
    by_mention = {}
    for f in features:
        for m in f["properties"]["mentions"]:
            by_mention.setdefault(m["start"], []).append(f)
    border = next(r for r in rows if r["text"] == "the border area")
    assert border["kind"] == "zone" and border["name"].startswith("Border area")
    for row in rows:
        drawn = by_mention[row["start"]]
        assert row["name"] == drawn[0]["properties"]["name"], row
        assert row["kind"] in {f["properties"]["kind"] for f in drawn} | {f["properties"]["place_kind"] for f in drawn}
        assert row["layers"] == sorted({f["properties"]["layer"] for f in drawn})
        geometry = shape(drawn[0]["geometry"])
        assert geometry.distance(Point(row["lon"], row["lat"])) < 1e-4, row  # the point is on what is drawn
    assert main(["places", str(report)]) == 0
    table = capsys.readouterr().out
    assert "Border area" in table and "Countryside of Daraa province" in table
