"""``situation-map map ... --png``: a static image through headless Chromium (no selenium needed)."""

import os
import shutil
import struct
from pathlib import Path

import pytest

from mapping.cli import main
from mapping.errors import RenderError

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("SITUATION_MAP_ARTIFACTS", ROOT / "test-artifacts")) / "browser"


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    return struct.unpack(">II", data[16:24])


@pytest.fixture
def chromium():
    from mapping.output.snapshot import find_chromium

    try:
        return find_chromium()
    except RenderError as err:
        pytest.skip(str(err))


@pytest.fixture
def report(tmp_path, example_text):
    path = tmp_path / "report.txt"
    path.write_text(example_text, encoding="utf-8")
    return path


def test_png_from_the_command_line(chromium, report, tmp_path, capsys):
    png, html = tmp_path / "map.png", tmp_path / "map.html"
    assert main(["map", str(report), "-o", str(html), "--png", str(png), "--png-size", "1000x640"]) == 0
    assert _png_size(png) == (1000, 640)
    assert str(png) in capsys.readouterr().err
    assert png.stat().st_size > 20_000  # a drawn map, not a blank page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(png, ARTIFACTS / "cli-example.png")


def test_png_alone_renders_a_temporary_page(chromium, report, tmp_path):
    png = tmp_path / "only.png"
    assert main(["map", str(report), "--png", str(png), "--png-size", "640x480", "-q"]) == 0
    assert _png_size(png) == (640, 480)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["only.png", "report.txt"]


def test_save_png_api_with_scale(chromium, tmp_path, example_text):
    import mapping
    from mapping.output.snapshot import save_png

    out = save_png(mapping.map_report(example_text), tmp_path / "x.png", size=(400, 300), scale=2)
    assert _png_size(out) == (800, 600)


def test_missing_browser_is_a_clear_error_and_writes_nothing(report, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SITUATION_MAP_CHROMIUM", str(tmp_path / "no-such-browser"))
    png, html = tmp_path / "map.png", tmp_path / "map.html"
    assert main(["map", str(report), "-o", str(html), "--png", str(png)]) == 1
    err = capsys.readouterr().err
    assert "SITUATION_MAP_CHROMIUM" in err and "Traceback" not in err and err.count("\n") == 1
    assert not png.exists() and not html.exists()


def test_no_browser_on_path_names_what_to_install(monkeypatch):
    from mapping.output import snapshot

    monkeypatch.delenv("SITUATION_MAP_CHROMIUM", raising=False)
    monkeypatch.setattr(snapshot.shutil, "which", lambda name: None)
    with pytest.raises(RenderError, match=r"none was found on PATH \(looked for chromium, .*apt-get install chromium"):
        snapshot.find_chromium()


def test_a_browser_that_draws_nothing_is_reported(tmp_path, monkeypatch):
    from mapping.output import snapshot

    fake = tmp_path / "fake-chromium"
    fake.write_text("#!/bin/sh\necho 'cannot open display' >&2\nexit 3\n")
    fake.chmod(0o755)
    page = tmp_path / "p.html"
    page.write_text("<!DOCTYPE html><p>x</p>")
    monkeypatch.setenv("SITUATION_MAP_CHROMIUM", str(fake))
    with pytest.raises(RenderError, match="wrote no screenshot .*cannot open display"):
        snapshot.html_to_png(page, tmp_path / "p.png")
    assert not (tmp_path / "p.png").exists()


@pytest.mark.parametrize("size", ["1600", "10x10", "axb", "9000x100"])
def test_bad_png_size_is_a_user_error(report, tmp_path, capsys, size):
    assert main(["map", str(report), "--png", str(tmp_path / "m.png"), "--png-size", size]) == 1
    assert "WIDTHxHEIGHT" in capsys.readouterr().err
