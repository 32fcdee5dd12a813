"""situation-map batch: inputs, tables, bad records, resume, engines (a local Dask cluster included)."""

import io
import json
import os
from pathlib import Path

import pytest

pytest.importorskip("pyarrow")

import mapping  # noqa: E402
from mapping.batch import BatchOptions, read_table, run_batch  # noqa: E402
from mapping.cli import main  # noqa: E402
from mapping.errors import MappingError  # noqa: E402

SHARED = Path(os.environ.get("SITUATION_MAP_SHARED", Path(__file__).resolve().parent.parent.parent / "shared"))

# Short reports in our own words: places, actors, dates, a qualified area, an unknown village.
REPORTS = [
    {"id": "r1", "text": "Israeli troops set up a checkpoint near Quneitra on Monday.", "published": "2025-11-18",
     "source": "Wire A"},
    {"id": "r2", "text": "On Monday, Israeli forces set up a checkpoint near Quneitra, residents said.",
     "published": "2025-11-18T09:30:00Z", "source": "Wire B", "url": "https://example.org/r2"},
    {"id": "r3", "text": "Russian military police patrolled the countryside of southern Quneitra province. "
                         "They also visited the village of Qqxxabad.", "published": "2025-11-19"},
    {"id": 4, "text": "Syrian officials met UN envoys in Damascus on Tuesday.", "published": "2025-11-19"},
    {"id": "r5", "text": "Shelling was reported near Daraa and in the south of Idlib.", "published": "2025-11-20"},
    {"id": "r6", "text": "Turkish drones struck targets east of Aleppo yesterday.", "published": "2025-11-21"},
]


def _write_jsonl(path, records, extra_lines=()):
    lines = [json.dumps(r) for r in records] + list(extra_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _rows(out, table="features"):
    """A table as comparable rows, in the order read (geometry as WKB hex)."""
    frame = read_table(out, table)
    records = []
    for row in frame.to_dict("records"):
        row = {k: (v.wkb_hex if hasattr(v, "wkb_hex") else v) for k, v in row.items()}
        records.append(json.dumps(row, sort_keys=True, default=str))
    return records


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return _write_jsonl(tmp_path_factory.mktemp("corpus") / "feed.jsonl", REPORTS)


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory):
    """The corpus mapped in this process, one report per chunk (the single-process output)."""
    out = tmp_path_factory.mktemp("reference") / "out"
    result = run_batch(corpus, out, workers=1, chunk_size=1, progress=False, log=lambda *a: None)
    return out, result


def test_every_report_is_written_with_its_id(reference):
    out, result = reference
    assert (result.written, result.errors, result.skipped) == (6, 0, 0)
    documents = read_table(out, "documents")
    assert list(documents["report_id"]) == ["r1", "r2", "r3", "4", "r5", "r6"]
    assert documents.loc[1, "source"] == "Wire B" and str(documents.loc[1, "published"]) == "2025-11-18"
    features = read_table(out)
    assert set(features["report_id"]) <= set(documents["report_id"]) and len(features) == result.features
    assert list(features["report_id"]) == sorted(features["report_id"], key=list(documents["report_id"]).index)
    unresolved = read_table(out, "unresolved")
    assert list(unresolved["text"]) == ["Qqxxabad"] and list(unresolved["report_id"]) == ["r3"]


def test_rows_are_the_geojson_contract_of_each_report(reference, corpus):
    from shapely.geometry import shape

    out, _ = reference
    lines = [json.loads(line) for p in sorted((out / "geojsonl" / "features").glob("*.geojsonl"))
             for line in p.read_text("utf-8").splitlines()]
    frame = read_table(out)
    assert len(lines) == len(frame)
    for record in REPORTS:
        report = mapping.read_report(record["text"], source=record.get("source"), url=record.get("url"),
                                     published=record["published"][:10])
        from dataclasses import replace

        expected = json.loads(mapping.pipeline.run(replace(report, id=str(record["id"]))).to_geojson())
        got = [f for f in lines if f["properties"]["report_id"] == str(record["id"])]
        assert got == expected["features"]
        for f in got:  # the GeoParquet row agrees with the GeoJSON line
            [row] = frame[(frame["report_id"] == str(record["id"])) & (frame["feature_id"] == f["id"])].to_dict("records")
            assert row["geometry"].equals_exact(shape(f["geometry"]), 1e-9)
            assert [dict(m) for m in row["mentions"]] == f["properties"]["mentions"]
            assert row["name"] == f["properties"]["name"] and row["confidence"] == f["properties"]["confidence"]


def test_features_are_geoparquet_in_epsg_4326(reference):
    import geopandas as gpd
    import pyarrow.parquet as pq

    out, _ = reference
    part = sorted((out / "features").glob("*.parquet"))[0]
    geo = json.loads(pq.read_schema(part).metadata[b"geo"])
    column = geo["columns"]["geometry"]
    assert geo["version"] == "1.1.0" and geo["primary_column"] == "geometry" and column["encoding"] == "WKB"
    assert column["crs"]["id"] == {"authority": "EPSG", "code": 4326}
    frame = gpd.read_parquet(part)
    assert frame.crs.to_epsg() == 4326 and set(frame.geom_type) <= set(column["geometry_types"])
    minx, miny, maxx, maxy = column["bbox"]
    assert 30 < minx <= maxx < 45 and 30 < miny <= maxy < 40  # (lon, lat): the Levant, not the Indian Ocean
    whole = gpd.read_parquet(out / "features")  # the parts read as one dataset
    assert len(whole) == len(read_table(out))


def test_bad_records_are_counted_reported_and_never_stop_the_batch(tmp_path):
    bad = ['{"id": "broken", "text": "unterminated', '["not", "an", "object"]', '{"id": "no-text"}',
           '{"id": "empty", "text": "   "}', '{"id": "r1", "text": "A second r1 naming Daraa."}',
           '{"id": "nul", "text": "Daraa\\u0000\\u0001"}', '{"id": "date", "text": "Daraa.", "published": "18/11/2025"}',
           '{"id": ["x"], "text": "Daraa."}', "", '{"id": "good", "text": "Fighting continued in Daraa."}']
    corpus = _write_jsonl(tmp_path / "feed.jsonl", REPORTS[:1], bad)
    lines = []
    result = run_batch(corpus, tmp_path / "out", workers=1, progress=False, log=lambda line, kind: lines.append((kind, line)))
    assert (result.written, result.errors, result.failures) == (2, 8, 0)
    errors = [json.loads(line) for line in (tmp_path / "out" / "errors.jsonl").read_text("utf-8").splitlines()]
    assert [(e["id"], e["line"]) for e in errors] == [
        ("line-2", 2), ("line-3", 3), ("no-text", 4), ("empty", 5), ("r1", 6), ("nul", 7), ("date", 8), ("line-9", 9)]
    messages = {e["id"]: e["message"] for e in errors}
    assert "invalid JSON" in messages["line-2"] and "expected a JSON object" in messages["line-3"]
    assert "no 'text'" in messages["no-text"] and "empty" in messages["empty"]
    assert "duplicate id 'r1' (first at line 1)" in messages["r1"] and "NUL" in messages["nul"]
    assert "not an ISO date" in messages["date"] and "'id' must be" in messages["line-9"]
    assert all(kind == "error" for kind, _ in lines) and any(line.startswith("r1 (line 6): bad record") for _, line in lines)
    assert list(read_table(tmp_path / "out", "documents")["report_id"]) == ["r1", "good"]


def test_an_exception_in_one_report_is_a_failure_with_its_traceback(tmp_path, monkeypatch):
    import mapping.pipeline

    real = mapping.pipeline.run

    def flaky(report, *args, **kwargs):
        if "Aleppo" in report.text:
            raise ZeroDivisionError("simulated bug")
        return real(report, *args, **kwargs)

    monkeypatch.setattr(mapping.pipeline, "run", flaky)
    lines = []
    result = run_batch(_write_jsonl(tmp_path / "feed.jsonl", REPORTS), tmp_path / "out", workers=1, progress=False,
                       log=lambda line, kind: lines.append(line))
    assert (result.written, result.errors, result.failures) == (5, 1, 1)
    [error] = [json.loads(x) for x in (tmp_path / "out" / "errors.jsonl").read_text("utf-8").splitlines()]
    assert error["id"] == "r6" and error["error"] == "failure" and error["type"] == "ZeroDivisionError"
    assert "simulated bug" in error["traceback"]
    assert lines == ["r6 (line 6): failed: ZeroDivisionError: simulated bug"]


def test_a_folder_is_read_recursively_in_path_order(tmp_path):
    folder = tmp_path / "reports"
    (folder / "2025" / "11").mkdir(parents=True)
    (folder / ".hidden").mkdir()
    (folder / "b.txt").write_text("date 2025-11-18\nIsraeli troops set up a checkpoint near Quneitra on Monday.", "utf-8")
    (folder / "2025" / "11" / "a.html").write_text(
        "<html><head><title>Tartus visit</title></head><body><p>Russian officials visited Tartus.</p></body></html>", "utf-8")
    (folder / "2025" / "bad.txt").write_bytes(b"%PDF-1.7 binary")
    (folder / ".hidden" / "c.txt").write_text("Daraa.", "utf-8")
    (folder / "notes.md").write_text("Daraa.", "utf-8")
    result = run_batch(folder, tmp_path / "out", workers=1, progress=False, log=lambda *a: None)
    assert (result.reports, result.written, result.errors) == (3, 2, 1)
    documents = read_table(tmp_path / "out", "documents")
    assert list(documents["report_id"]) == ["2025/11/a.html", "b.txt"]
    assert list(documents["markup"]) == ["html", "text"] and documents.loc[0, "title"] == "Tartus visit"
    [error] = [json.loads(x) for x in (tmp_path / "out" / "errors.jsonl").read_text("utf-8").splitlines()]
    assert error["id"] == "2025/bad.txt" and "PDF" in error["message"]


def test_an_interrupted_batch_resumes_and_skips_what_was_written(tmp_path, corpus, reference, monkeypatch):
    import mapping.batch as batch

    real = batch.process_chunk
    calls = []

    def interrupted(chunk, options):
        calls.append(chunk.first)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(chunk, options)

    monkeypatch.setattr(batch, "process_chunk", interrupted)
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        run_batch(corpus, out, workers=1, chunk_size=2, progress=False, log=lambda *a: None)
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["status"] == "interrupted"
    assert len((out / "progress.jsonl").read_text("utf-8").splitlines()) == 2
    # A crash mid-write leaves a stray part and a cut-off progress line: neither may count.
    (out / "features" / "part-000000004.parquet").write_bytes(b"half a file")
    with open(out / "progress.jsonl", "a", encoding="utf-8") as fh:
        fh.write('{"part": "part-000000004", "keys": ["r5"')
    monkeypatch.setattr(batch, "process_chunk", real)
    result = run_batch(corpus, out, workers=1, progress=False, log=lambda *a: None)
    assert (result.skipped, result.written) == (4, 2)
    assert _rows(out) == _rows(reference[0]) and _rows(out, "documents") == _rows(reference[0], "documents")
    again = run_batch(corpus, out, workers=1, progress=False, log=lambda *a: None)
    assert (again.skipped, again.written) == (6, 0)
    assert json.loads((out / "manifest.json").read_text("utf-8"))["status"] == "complete"


def test_a_resume_with_other_options_is_refused(tmp_path, corpus):
    out = tmp_path / "out"
    run_batch(corpus, out, workers=1, progress=False, options=BatchOptions(formats=("parquet",)), log=lambda *a: None)
    with pytest.raises(MappingError, match=r"written with other options \(formats\).*--overwrite"):
        run_batch(corpus, out, workers=1, progress=False, log=lambda *a: None)
    result = run_batch(corpus, out, workers=1, progress=False, overwrite=True, log=lambda *a: None)
    assert result.written == 6 and {p.suffix for p in (out / "geojsonl" / "features").iterdir()} == {".geojsonl"}


def test_a_folder_that_is_not_a_batch_is_left_alone(tmp_path, corpus):
    (tmp_path / "mine.txt").write_text("precious", "utf-8")
    with pytest.raises(MappingError, match="not empty and holds no batch"):
        run_batch(corpus, tmp_path, workers=1, progress=False)
    assert (tmp_path / "mine.txt").read_text("utf-8") == "precious"


def test_the_process_pool_gives_the_single_process_rows(tmp_path, corpus, reference):
    out = tmp_path / "out"
    result = run_batch(corpus, out, workers=2, chunk_size=1, progress=False, log=lambda *a: None)
    assert result.workers == 2 and result.written == 6
    for table in ("features", "unresolved", "documents"):
        assert _rows(out, table) == _rows(reference[0], table)


def test_a_local_dask_cluster_gives_the_single_process_rows(tmp_path, corpus, reference):
    pytest.importorskip("distributed")
    out = tmp_path / "out"
    # Worker processes, as on a real cluster (threads would share one interpreter and hide pickling faults).
    result = run_batch(corpus, out, engine="dask", workers=2, chunk_size=1, progress=False, log=lambda *a: None)
    assert result.engine == "dask" and result.written == 6
    for table in ("features", "unresolved", "documents"):
        assert _rows(out, table) == _rows(reference[0], table)


def test_dask_on_shared_eval_documents_matches_one_process(tmp_path):
    pytest.importorskip("distributed")
    corpus = SHARED / "eval" / "geovirus.jsonl"
    if not corpus.is_file():
        pytest.skip(f"{corpus} not found (../shared is absent)")
    sample = tmp_path / "sample.jsonl"
    sample.write_text("".join(corpus.read_text("utf-8").splitlines(keepends=True)[:24]), "utf-8")
    one = run_batch(sample, tmp_path / "one", workers=1, progress=False, log=lambda *a: None)
    two = run_batch(sample, tmp_path / "dask", engine="dask", workers=2, chunk_size=5, progress=False,
                    log=lambda *a: None, dask_processes=False)
    assert one.written == two.written == 24 and one.features == two.features > 24
    for table in ("features", "unresolved", "documents"):
        assert _rows(tmp_path / "one", table) == _rows(tmp_path / "dask", table)


def test_cli_batch_writes_tables_and_one_merged_map(tmp_path, corpus, capsys):
    out, html = tmp_path / "out", tmp_path / "all.html"
    assert main(["batch", str(corpus), "-o", str(out), "--map", str(html), "--workers", "1"]) == 0
    err = capsys.readouterr().err
    assert "6 reports mapped" in err and f"wrote {html} (6 reports merged)" in err
    page = html.read_text("utf-8")
    assert "Wire A" in page and "Wire B" in page
    assert main(["batch", str(corpus), "-o", str(out), "--map", str(html), "--map-limit", "2", "--workers", "1"]) == 0
    err = capsys.readouterr().err
    assert "6 reports already written" in err and "the map shows the first 2 of 6 reports (--map-limit 2)" in err


def test_cli_batch_reads_json_lines_on_stdin(tmp_path, monkeypatch, capsys):
    data = "\n".join(json.dumps(r) for r in REPORTS[:2]).encode("utf-8")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    assert main(["batch", "-", "-o", str(tmp_path / "out"), "-q", "--format", "geojsonl"]) == 0
    assert capsys.readouterr().err == ""
    assert list(read_table(tmp_path / "out", "documents")["report_id"]) == ["r1", "r2"]
    assert not list((tmp_path / "out" / "features").glob("*.parquet"))


def test_cli_batch_without_the_extra_says_which_to_install(tmp_path, corpus, monkeypatch, capsys):
    import sys

    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow now raises ImportError
    assert main(["batch", str(corpus), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install 'situation-map[batch]'" in err and "pyarrow" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("argv, message", [
    (["batch", "missing.jsonl", "-o", "x"], "does not exist: expected a folder"),
    (["batch", "{corpus}", "-o", "x", "--engine", "local", "--scheduler", "tcp://127.0.0.1:1"], "--engine dask"),
    (["batch", "{corpus}", "-o", "x", "--format", "csv"], "unknown batch format"),
    (["batch", "{corpus}", "-o", "x", "--workers", "0"], "at least 1"),
    (["batch", "{report}", "-o", "x"], "is one report"),
])
def test_cli_batch_user_errors_are_one_line(tmp_path, corpus, capsys, argv, message, monkeypatch):
    monkeypatch.chdir(tmp_path)
    report = tmp_path / "one.txt"
    report.write_text("Daraa.", "utf-8")
    argv = [a.format(corpus=corpus, report=report) for a in argv]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
