import json
import subprocess
import sys

import pytest

from mapping.cli import main


def test_map_writes_html_and_geojson(tmp_path, example_text):
    report = tmp_path / "r.txt"
    report.write_text(example_text, encoding="utf-8")
    html, geojson = tmp_path / "m.html", tmp_path / "m.geojson"
    assert main(["map", str(report), "-o", str(html), "--geojson", str(geojson), "--source", "Example", "-q"]) == 0
    data = json.loads(geojson.read_text("utf-8"))
    assert data["document"]["source"] == "Example" and data["document"]["published"] == "2025-11-20"
    assert data["features"] and html.read_text("utf-8").startswith("<!DOCTYPE html>")


def test_stdin_and_stdout(monkeypatch, capsys, example_text):
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(example_text.encode())))
    assert main(["map", "-", "--geojson", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["type"] == "FeatureCollection"


@pytest.mark.parametrize("argv, message", [
    (["map", "/no/such/report.txt", "-o", "x.html"], "does not exist"),
    (["map", "{report}", "-o", "{tmp}/m.html", "--published", "18/11/2025"], "YYYY-MM-DD"),
    (["map", "{report}", "--gazetteer", "/no/pack.geojson", "-o", "{tmp}/m.html"], "pack '/no/pack.geojson' does not exist"),
    (["map", "{report}"], "nothing to write"),
])
def test_user_errors_are_one_line_and_exit_1(tmp_path, capsys, argv, message):
    report = tmp_path / "r.txt"
    report.write_text("Troops entered Quneitra.", encoding="utf-8")
    argv = [a.format(report=report, tmp=tmp_path) for a in argv]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1
    assert not (tmp_path / "m.html").exists()  # no partial output


def test_usage_error_exits_2():
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2


def test_places_json(tmp_path, capsys):
    report = tmp_path / "r.txt"
    report.write_text("Troops entered Quneitra province and the village of Zzyzxabad.", encoding="utf-8")
    assert main(["places", str(report), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["text"] for r in rows] == ["Quneitra province", "Zzyzxabad"]
    assert rows[0]["place"] == "sy-gov-quneitra" and rows[1]["resolved"] is False


def test_console_script_runs_as_a_module(tmp_path):
    report = tmp_path / "r.txt"
    report.write_text(" date 2025-11-18 Israeli troops set up a checkpoint near Quneitra on Monday.", encoding="utf-8")
    out = tmp_path / "o.geojson"
    proc = subprocess.run([sys.executable, "-m", "mapping", "map", str(report), "--geojson", str(out)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    kinds = {f["properties"]["kind"]: f["properties"]["when"] for f in json.loads(out.read_text())["features"]}
    assert kinds.get("checkpoint") == "2025-11-17"
