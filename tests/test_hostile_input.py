"""Hostile and extreme input: no traceback, no hang, nothing lost, one clear line each."""

import datetime as dt
import io
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import mapping
from mapping import MappingWarning
from mapping.cli import main
from mapping.language.dates import find_times

EXAMPLE = Path(__file__).resolve().parent.parent / "data" / "examples" / "southern-syria-briefing.txt"


def _one_line(err: str, *fragments):
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in err, err


# -- dates at the ends of the calendar --------------------------------------------------

@pytest.mark.parametrize("published, phrase", [
    ("9999-12-31", "next year"), ("9999-12-31", "next month"), ("9999-12-31", "next week"),
    ("9999-12-31", "in January next year"), ("0001-01-01", "yesterday"), ("0001-01-01", "last week"),
    ("0001-01-01", "last year"), ("0001-01-01", "in December last year"), ("0001-01-01", "last Sunday"),
    ("0001-01-01", "the day before yesterday"),
])
def test_dates_past_the_calendar_stay_undated_with_a_reason(published, phrase):
    text = f"date {published}\nIsraeli troops set up a checkpoint near Quneitra {phrase}."
    with pytest.warns(MappingWarning, match=rf"{phrase!r} \(characters \d+-\d+\) cannot be dated: .*outside the "
                                            r"dates that can be represented \(0001-01-01 to 9999-12-31\)"):
        situation = mapping.map_report(text)
    checkpoint = next(f for f in situation.features if f.kind == "checkpoint")
    assert checkpoint.when is None
    unresolved = []
    with pytest.warns(MappingWarning, match="cannot be dated"):
        found = find_times(text, dt.date.fromisoformat(published), text.index("\n"), unresolved=unresolved)
    assert found == [] and [u.text for u in unresolved] == [phrase] and "outside the dates" in unresolved[0].reason


def test_a_day_shift_past_the_calendar_stays_undated():
    with pytest.warns(MappingWarning, match="cannot be dated"):
        situation = mapping.map_report("date 0001-01-01\nOn Monday, a day after the talks, Israeli troops set up a "
                                       "checkpoint near Quneitra.")
    assert next(f for f in situation.features if f.kind == "checkpoint").when is None


def test_the_cli_maps_an_extreme_published_date(tmp_path, capsys):
    report = tmp_path / "r.txt"
    report.write_text("Israeli troops set up a checkpoint near Quneitra next year.", encoding="utf-8")
    out = tmp_path / "o.geojson"
    assert main(["map", str(report), "--published", "9999-12-31", "--geojson", str(out)]) == 0
    err = capsys.readouterr().err
    assert "warning: 'next year' (characters 49-58) cannot be dated" in err and "Traceback" not in err
    assert all(f["properties"]["when"] is None for f in json.loads(out.read_text("utf-8"))["features"])


def test_dates_inside_the_calendar_still_resolve():
    assert [w.iso for w in find_times("next year", dt.date(9998, 6, 1))] == ["9999"]
    assert [w.iso for w in find_times("yesterday", dt.date(1, 1, 2))] == ["0001-01-01"]


# -- endless or binary standard input -----------------------------------------------------

class _Endless(io.RawIOBase):
    """A standard input that never ends: ``chunk`` repeated."""

    def __init__(self, chunk: bytes):
        self.chunk, self.served = chunk, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        n = len(buffer)
        data = (self.chunk * (n // len(self.chunk) + 1))[:n]
        buffer[:n] = data
        self.served += n
        if self.served > 200_000_000:
            raise AssertionError("read 200 MB of an endless input")
        return n


@pytest.mark.parametrize("chunk, extra, message", [
    (b"\x00", [], "NUL byte at offset 0"),
    (bytes(range(256)), [], "NUL byte at offset 0"),
    (b"Troops entered Quneitra \x00", [], "NUL byte at offset 24"),
    (b"Troops entered Quneitra. ", ["--max-chars", "100000"], "the limit is 100,000 characters"),
    (b"Troops entered Quneitra. ", [], "the limit is 10,000,000 characters"),
    (b"Troops \xff entered ", [], "not valid UTF-8 (byte 7"),
])
def test_endless_stdin_is_refused_on_the_first_bad_chunk(monkeypatch, capsys, tmp_path, chunk, extra, message):
    stream = _Endless(chunk)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(stream)))
    started = time.perf_counter()
    assert main(["map", "-", "--geojson", str(tmp_path / "o.geojson"), *extra]) == 1
    assert time.perf_counter() - started < 5
    _one_line(capsys.readouterr().err, "<stdin>", message)
    assert stream.served <= 40_000_000 + 2 * 65536  # at most 4 bytes a character, then one chunk
    assert not (tmp_path / "o.geojson").exists()


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_devices_on_stdin_stop_at_once(tmp_path, device):
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    started = time.perf_counter()
    with open(device, "rb") as stdin:
        proc = subprocess.run([sys.executable, "-m", "mapping", "map", "-", "-o", str(tmp_path / "x.html")],
                              stdin=stdin, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and time.perf_counter() - started < 30
    _one_line(proc.stderr, "<stdin> looks like a binary file")
    assert not list(tmp_path.iterdir())


def test_a_device_named_as_the_report_is_read_bounded_too(tmp_path, capsys):
    assert main(["map", "/dev/zero", "--geojson", str(tmp_path / "o.geojson")]) == 1
    _one_line(capsys.readouterr().err, "/dev/zero looks like a binary file (NUL byte at offset 0)")


def test_a_fifo_is_read_like_a_file(tmp_path):
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    out = tmp_path / "o.geojson"
    proc = subprocess.Popen([sys.executable, "-m", "mapping", "map", str(fifo), "--geojson", str(out), "-q"],
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while True:  # opening a FIFO without a reader fails at once (O_NONBLOCK) instead of blocking
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            break
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.poll() is not None else ""
            time.sleep(0.05)
    os.set_blocking(fd, True)
    with os.fdopen(fd, "wb") as fh:
        fh.write(b"Israeli troops set up a checkpoint near Quneitra.")
    assert proc.wait(timeout=120) == 0, proc.stderr.read()
    assert json.loads(out.read_text("utf-8"))["features"]


# -- outputs: the input itself, symlinks, two names for one file ------------------------------

def test_the_output_may_not_be_the_input(tmp_path, capsys):
    page = tmp_path / "page.html"
    page.write_text("<html><body><p>Troops entered Quneitra.</p></body></html>", encoding="utf-8")
    before = page.read_bytes()
    assert main(["map", str(page), "-o", str(page)]) == 1
    _one_line(capsys.readouterr().err, f"cannot write '{page}': it is the report being read")
    link = tmp_path / "link.html"
    link.symlink_to(page)
    assert main(["map", str(page), "-o", str(link)]) == 1
    _one_line(capsys.readouterr().err, "it is the report being read")
    csv_report = tmp_path / "r.csv"
    csv_report.write_text("Troops entered Quneitra.", encoding="utf-8")
    assert main(["export", str(csv_report), "-o", str(csv_report)]) == 1
    _one_line(capsys.readouterr().err, "it is the report being read")
    assert page.read_bytes() == before and csv_report.read_text("utf-8") == "Troops entered Quneitra."
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.html", "page.html", "r.csv"]


def test_a_symlinked_output_is_written_through(tmp_path, capsys):
    real = tmp_path / "real"
    real.mkdir()
    (real / "m.geojson").write_text("old", encoding="utf-8")
    link = tmp_path / "m.geojson"
    link.symlink_to(real / "m.geojson")
    assert main(["map", str(EXAMPLE), "--geojson", str(link), "-q"]) == 0
    assert link.is_symlink() and json.loads((real / "m.geojson").read_text("utf-8"))["type"] == "FeatureCollection"
    kml_link = tmp_path / "m.kml"
    kml_link.symlink_to(real / "new.kml")  # dangling: the target is created
    assert main(["export", str(EXAMPLE), "-o", str(kml_link), "-q"]) == 0
    assert kml_link.is_symlink() and (real / "new.kml").read_text("utf-8").startswith("<?xml")
    assert sorted(p.name for p in real.iterdir()) == ["m.geojson", "new.kml"]


def test_two_outputs_on_one_file_are_refused(tmp_path, capsys):
    (tmp_path / "m.json").symlink_to(tmp_path / "m.html")
    assert main(["map", str(EXAMPLE), "-o", str(tmp_path / "m.html"), "--geojson", str(tmp_path / "m.json")]) == 1
    _one_line(capsys.readouterr().err, "twice: -o and --geojson name the same file")
    assert main(["map", str(EXAMPLE), "-o", "-", "--geojson", "-"]) == 1
    _one_line(capsys.readouterr().err, "only one output can go to standard output")


# -- interruptions, full disks -------------------------------------------------------------------

_SLOW_EXPORT = """
import pathlib, sys, time
import mapping.output.export as export

def slow_write(self, situation, path):
    path.write_bytes(b"partial GeoPackage")  # half a file in the temporary folder
    pathlib.Path(sys.argv[1]).write_text("writing")
    time.sleep(120)

export.GeoPackageExporter.write = slow_write
from mapping.cli import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.parametrize("signum, code, word", [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")])
def test_a_signal_during_an_export_leaves_the_previous_output(tmp_path, signum, code, word):
    out = tmp_path / "out" / "s.gpkg"
    out.parent.mkdir()
    out.write_bytes(b"the previous export")
    marker = tmp_path / "writing"
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_EXPORT, str(marker), "export", str(EXAMPLE), "-o", str(out)],
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.poll() is not None else ""
        time.sleep(0.05)
    proc.send_signal(signum)
    assert proc.wait(timeout=60) == code
    _one_line(proc.stderr.read(), f"situation-map: {word}")
    assert out.read_bytes() == b"the previous export"
    assert sorted(p.name for p in out.parent.iterdir()) == ["s.gpkg"]  # no temporary folder left


@pytest.mark.parametrize("argv, name", [
    (["map", str(EXAMPLE), "-o", "{out}/m.html"], "m.html"),
    (["map", str(EXAMPLE), "--geojson", "{out}/m.geojson"], "m.geojson"),
    (["export", str(EXAMPLE), "-o", "{out}/m.gpkg"], "m.gpkg"),
    (["export", str(EXAMPLE), "-o", "{out}/m.kml"], "m.kml"),
])
def test_a_file_size_limit_gives_one_line_and_no_partial_file(tmp_path, argv, name):
    from mapping.gazetteer.world import world_index

    world_index()  # the cached index exists before the limit applies (its build is not under test here)
    out = tmp_path / "out"
    out.mkdir()
    (out / name).write_bytes(b"previous")
    limit = 20_000

    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    proc = subprocess.run([sys.executable, "-m", "mapping", *[a.format(out=out) for a in argv]], capture_output=True,
                          text=True, timeout=180, preexec_fn=small_files)
    assert proc.returncode == 1, proc.stderr
    _one_line(proc.stderr, f"cannot write '{out / name}'", "nothing was written")
    assert (out / name).read_bytes() == b"previous"
    assert sorted(p.name for p in out.iterdir()) == [name]


# -- a long report on one line, without full stops ------------------------------------------

def _run_on(chars: int) -> str:
    """The example report as one endless sentence: no full stop, no line break."""
    body = EXAMPLE.read_text(encoding="utf-8").split("\n", 1)[1]
    body = body.replace(".", ",").replace("\n", " ") + " Israeli patrols moved along the border with Syria, "
    return (body * (chars // len(body) + 1))[:chars]


def test_a_run_on_report_gives_output_proportionate_to_its_size():
    """Each mention quotes at most one sentence piece (600 characters): GeoJSON and HTML stay a small multiple."""
    from mapping.output.render import render_html

    text = _run_on(60_000)
    situation = mapping.map_report(text, published="2025-11-20")
    assert len(situation.resolutions) > 300
    assert len(situation.to_geojson().encode()) < 12 * len(text)
    assert len(render_html(situation).encode()) < 12 * len(text) + 600_000  # the page itself (Leaflet) is ~0.5 MB


def test_border_strips_are_derived_once_per_pair(monkeypatch):
    """Derived once per pair of countries, not once per mention (the step that made 5 MB take minutes)."""
    import mapping.resolution.resolve as resolve

    calls = []
    original = resolve._border_strip
    monkeypatch.setattr(resolve, "_border_strip", lambda a, b: calls.append(1) or original(a, b))
    text = "Israeli troops patrolled the border area with Syria, " * 40
    situation = mapping.map_report(text)
    assert sum(1 for r in situation.resolutions if r.qualifier and "border" in r.qualifier.rules) == 40
    assert len(calls) <= 2


def test_the_text_panel_does_not_hash_features(monkeypatch, example_text):
    """Hashing a frozen Feature hashes all its mentions: the report panel must key features by identity."""
    from mapping.output.render import render_html
    from mapping.situation import Feature

    situation = mapping.map_report(example_text)

    def refuse(self):
        raise AssertionError("a Feature was hashed while rendering")

    monkeypatch.setattr(Feature, "__hash__", refuse)
    assert "<html" in render_html(situation).lower()


def test_a_place_just_before_is_found_by_bisection():
    """'a buffer zone along the Golan' checks for a place right before: on sorted ends, not every mention."""
    from mapping.resolution.resolve import _place_just_before

    ends = list(range(0, 10_000_000, 100))  # 100,000 mentions
    assert _place_just_before(ends, 5_000_020) and not _place_just_before(ends, 5_000_030)
    assert not _place_just_before([], 10) and not _place_just_before([50], 10)
    assert sum(_place_just_before(ends, offset) for offset in range(0, 10_000_000, 37)) > 0  # 270,000 look-ups


def test_thousands_of_warnings_are_capped(tmp_path, capsys):
    """One line each up to a limit, then one line saying how many more (-v shows them all)."""
    report = tmp_path / "r.txt"
    report.write_text("Israeli troops set up a checkpoint near Quneitra next year. " * 60, encoding="utf-8")
    out = tmp_path / "o.geojson"
    assert main(["map", str(report), "--published", "9999-12-31", "--geojson", str(out)]) == 0
    lines = capsys.readouterr().err.splitlines()
    warned = [line for line in lines if "cannot be dated" in line]
    assert len(warned) == 20 and "situation-map: warning: 40 more warnings not shown (-v shows every one)" in lines
    assert main(["map", str(report), "--published", "9999-12-31", "--geojson", str(out), "-v"]) == 0
    assert sum("cannot be dated" in line for line in capsys.readouterr().err.splitlines()) == 60
