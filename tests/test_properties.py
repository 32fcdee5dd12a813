"""Property-based tests of the text pipeline: any text maps without an exception, offsets always slice."""

import json
import xml.etree.ElementTree as ET

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

import mapping  # noqa: E402
from mapping import ReportError  # noqa: E402
from mapping.language.report import strip_markup  # noqa: E402
from mapping.language.text import MAX_SENTENCE_CHARS, sentence_spans  # noqa: E402

PIPELINE = settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
CHEAP = settings(max_examples=200, deadline=None, database=None)

# Pieces that make the pipeline do something: place names, cues, qualifiers, dates, actors, markup, line ends.
PIECES = [
    "Quneitra", "Daraa", "Damascus", "Golan Heights", "Hmeimim air base", "Tartus", "Khan Arnabah", "Syria",
    "Moscow", "Europe", "Paris", "the village of Zzyzxabad", "Bayda province", "province", "countryside of the southern",
    "northern outskirts of", "near", "in", "Israeli troops", "Russian", "UN peacekeepers", "set up a checkpoint",
    "struck", "visited", "on Monday", "in December last year", "since 2017", "date 2025-11-18", "Mr", "Al",
    "Sana reported", "Daraa 24", ".", ",", "'s", "-", " ", "  ", "\n", "\n\n", "\r\n", "\r", "\t", "\ufeff",
    "<p>", "</b>", "&amp;", "&nbsp;", "<!doctype html>", "“", "”", "’", "\u200b", "\x00", "ـ", "القنيطرة", "🙂",
]
texts = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=40).map(" ".join),
    st.lists(st.sampled_from(PIECES), max_size=60).map("".join),
)


def _check(situation):
    text = situation.report.text
    for r in situation.resolutions:
        m = r.mention
        assert text[m.start:m.end] == m.text and m.text
        assert text[m.sentence_start:m.sentence_start + len(m.sentence)] == m.sentence
        assert m.sentence_start <= m.start and m.end <= m.sentence_start + len(m.sentence)
        assert situation.report.body_start <= m.start
    for f in situation.features:
        g = f.geometry
        assert not g.is_empty and g.is_valid, f.id
        minx, miny, maxx, maxy = g.bounds
        assert -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90, f.id
        assert 0 <= f.confidence <= 1
        for m in f.mentions:
            assert text[m.start:m.end] == m.text
    data = json.loads(situation.to_geojson())
    assert len(data["features"]) == len(situation.features) and "crs" not in data
    assert len({f["id"] for f in data["features"]}) == len(data["features"])


@PIPELINE
@given(texts)
def test_any_text_maps_or_is_refused_clearly(text):
    try:
        situation = mapping.map_report(text)
    except ReportError as err:
        assert "empty" in str(err) or "no text" in str(err), err
        return
    _check(situation)
    assert situation.to_geojson() == mapping.map_report(text).to_geojson()  # deterministic


@PIPELINE
@given(texts)
def test_text_exports_are_well_formed(text):
    from mapping.output.export import EXPORTERS

    try:
        situation = mapping.map_report(text)
    except ReportError:
        return
    ET.fromstring(EXPORTERS["kml"].dumps(situation).encode("utf-8"))  # valid XML whatever the report holds
    rows = EXPORTERS["csv"].dumps(situation)
    assert rows.startswith("WKT,record,id,")


@CHEAP
@given(st.text(max_size=400))
def test_strip_markup_keeps_length_and_line_breaks(text):
    stripped = strip_markup(text)
    assert len(stripped) == len(text)
    assert all(stripped[i] == "\n" for i, c in enumerate(text) if c == "\n")
    if "<" not in text and "&" not in text:
        assert stripped == text


@CHEAP
@given(st.text(alphabet=st.sampled_from(list("ab .!?\n\r\t-*•\"”")), max_size=300),
       st.integers(min_value=0, max_value=20))
def test_sentence_spans_are_ordered_trimmed_and_bounded(text, start):
    spans = sentence_spans(text, start)
    previous = start
    for s, e in spans:
        assert previous <= s < e <= len(text)
        assert not text[s].isspace() and not text[e - 1].isspace()
        assert e - s <= MAX_SENTENCE_CHARS
        previous = e


def test_long_runs_are_split_at_whitespace():
    text = ("Quneitra " * 1000).strip()
    spans = sentence_spans(text)
    assert len(spans) > 1 and all(e - s <= MAX_SENTENCE_CHARS for s, e in spans)
    assert all(text[s:e].split(" ")[0] == "Quneitra" and text[s:e].endswith("Quneitra") for s, e in spans)
