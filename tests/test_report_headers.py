"""Header lines at the top of a report: Date:, Published:, Updated:, Title:, Source:, URL:."""

import datetime as dt
import json
import warnings

import pytest

import mapping
from mapping import MappingWarning
from mapping.cli import main
from mapping.language.report import read_report, read_report_file

BODY = "Israeli troops set up a checkpoint near Quneitra on Monday."


@pytest.mark.parametrize("header", [
    "Date: 2025-11-18",
    "date: 2025-11-18",
    "DATE:2025-11-18",
    "Published: 2025-11-18T14:05:00Z",
    "Published: 2025-11-18T14:05:00+03:00",
    "Published: 2025-11-18 14:05",
    "Date: 18 November 2025",
    "Date: 18 Nov 2025",
    "Date: Tuesday, 18 November 2025 14:05 GMT",
    "Date: November 18, 2025",
    "Date: Nov. 18, 2025, 2:05 p.m. EST",
    "Posted: Tue 18 Nov 2025",
    "Updated: 2025-11-18",
    "  Date: 2025-11-18  ",
    "\ufeffDate: 2025-11-18",
])
def test_header_date_forms(header):
    text = f"{header}\n{BODY}"
    report = read_report(text)
    assert report.published == dt.date(2025, 11, 18)
    assert text[report.body_start:] == BODY
    situation = mapping.map_report(text)
    checkpoint = next(f for f in situation.features if f.kind == "checkpoint")
    assert checkpoint.when.iso == "2025-11-17"  # "on Monday" counted from Tuesday 18 November
    assert [r.mention.text for r in situation.resolutions] == ["Quneitra"]  # the header is not mapped


def test_several_header_lines_give_metadata_and_offsets_still_index_the_text():
    text = ("Title: Troops near Quneitra\r\nSource: Example Wire\r\nURL: https://example.org/a\r\n"
            "Published: 18 November 2025\r\nUpdated: 2025-11-20T08:00Z\r\n\r\n" + BODY)
    report = read_report(text)
    assert (report.title, report.source, report.url, report.published) == (
        "Troops near Quneitra", "Example Wire", "https://example.org/a", dt.date(2025, 11, 18))
    assert text[report.body_start:].strip() == BODY
    situation = mapping.map_report(text)
    [m] = [r.mention for r in situation.resolutions]
    assert text[m.start:m.end] == "Quneitra" and m.start > report.body_start


def test_published_wins_over_updated_and_the_command_line_over_headers():
    text = f"Updated: 2025-11-25\nPublished: 2025-11-18\n{BODY}"
    assert read_report(text).published == dt.date(2025, 11, 18)
    assert read_report(f"Updated: 2025-11-25\n{BODY}").published == dt.date(2025, 11, 25)  # the only date given
    assert read_report(text, published="2025-12-01").published == dt.date(2025, 12, 1)
    report = read_report(f"Title: From the header\nSource: Header Wire\n{BODY}", title="Given", source=None)
    assert (report.title, report.source) == ("Given", "Header Wire")


def test_header_title_beats_the_file_name(tmp_path, capsys):
    path = tmp_path / "r.txt"
    path.write_text(f"Title: Checkpoint near Quneitra\nDate: 18 November 2025\n{BODY}", encoding="utf-8")
    assert read_report_file(path).title == "Checkpoint near Quneitra"
    assert read_report_file(path, title="Mine").title == "Mine"
    out = tmp_path / "o.geojson"
    assert main(["map", str(path), "--geojson", str(out), "-q"]) == 0
    document = json.loads(out.read_text("utf-8"))["document"]
    assert document["title"] == "Checkpoint near Quneitra" and document["published"] == "2025-11-18"
    assert read_report_file(tmp_path / "r.txt").title != "r"


def test_a_date_header_that_cannot_be_read_is_named_in_a_warning():
    with pytest.warns(MappingWarning, match=r"header 'Date: next Tuesday' is not a date .*expected e\.g\. "
                                            r"'Date: 2025-11-18'"):
        report = read_report(f"Date: next Tuesday\n{BODY}")
    assert report.published is None and report.text[report.body_start:] == BODY


def test_lines_that_only_look_like_headers_stay_text():
    for text in (f"Damascus: {BODY}", f"Note: {BODY}", f"{BODY}\nDate: 2025-11-18"):
        report = read_report(text)
        assert report.body_start == 0 and report.published is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read_report(f"date 2025-11-18 {BODY}").published == dt.date(2025, 11, 18)  # the old form


def test_a_report_with_only_headers_is_empty():
    from mapping import ReportError

    with pytest.raises(ReportError, match="header lines but no text after them"):
        read_report("Title: Nothing\nDate: 2025-11-18\n\n")


# -- input that is not a news report ------------------------------------------------------

README = """# Field notes

## Levant

See [the map](https://example.org/map) and [the data](data/places.geojson).

```python
import mapping
situation = mapping.map_file("Jinja.txt")
```
"""
GEOJSON = '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "Levant"}, "geometry": null}]}'
CODE = """import os
from pathlib import Path


def load(path):
    data = Path(path).read_text()
    return {"Damascus": data, "Jinja": os.sep}


class Places:
    def __init__(self):
        self.names = ["Levant", "Aleppo"]
"""


@pytest.mark.parametrize("name, content, what", [
    ("README.md", README, "looks like Markdown (2 headings, 1 code block, 2 links)"),
    ("pack.geojson", GEOJSON, "looks like JSON (a GeoJSON FeatureCollection)"),
    ("places.py", CODE, "looks like source code"),
])
def test_input_that_is_not_a_report_is_mapped_with_a_warning(tmp_path, capsys, name, content, what):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.warns(MappingWarning, match=rf"{path}.*{what.replace('(', '[(]').replace(')', '[)]')}.*not a news report"):
        read_report_file(path)
    assert main(["places", str(path)]) == 0
    err = capsys.readouterr().err
    assert err.startswith("situation-map: warning: ") and what in err and err.count("\n") == 1


def test_reports_do_not_look_like_markdown_json_or_code(example_text):
    import os
    import pathlib

    shared = pathlib.Path(os.environ.get("SITUATION_MAP_SHARED", pathlib.Path(__file__).resolve().parents[2] / "shared"))
    texts = [example_text, "Troops entered Quneitra; the army said [sic] it would stay {for now}.",
             "- Damascus\n- Aleppo\n- Homs\n\n1. Troops moved.\n2. Aid arrived."]
    for corpus in ("lgl.jsonl", "geovirus.jsonl"):
        path = shared / "eval" / corpus
        if path.is_file():
            texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
    with warnings.catch_warnings():
        warnings.simplefilter("error", MappingWarning)
        for text in texts:
            read_report(text)
