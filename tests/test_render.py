import re

import pytest

import mapping

XSS = (" date 2025-11-18 <script>alert(1)</script> Israeli troops set up a checkpoint near Quneitra "
       "<img src=x onerror=alert(2)> {{ 7*7 }} {% raw %} `${alert(3)}` \"quotes\" 'single' – ünïcödé, "
       "in the village of Zzyzxabad <b>Bold</b>.")


@pytest.fixture(scope="module")
def example_html(example_text):
    return mapping.map_report(example_text, title="Example <title>", source="situation-map").to_folium()


def _html(situation, **options):
    from mapping.render import render_html

    return render_html(situation, **options)


def test_offline_html_loads_nothing_from_the_network(example_text):
    html = _html(mapping.map_report(example_text))
    assert not re.search(r"<(?:script|link|img)[^>]+(?:src|href)=[\"']?(?:https?:)?//", html)
    assert "leaflet" in html.lower() and "L.map(" in html
    assert "cdn.jsdelivr" not in html and "unpkg" not in html


def test_folium_class_defaults_are_untouched(example_text):
    import folium

    before = list(folium.Map.default_js)
    _html(mapping.map_report(example_text))
    assert folium.Map.default_js == before and before  # the per-instance override did not leak


def test_report_text_is_escaped_everywhere():
    situation = mapping.map_report(XSS, title="<script>alert('t')</script>", source="<img src=x onerror=alert(4)>")
    html = _html(situation)
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "<b>Bold</b>" not in html
    assert "{{ 7*7 }}" not in html  # template openers are escaped in data, never evaluated
    assert "7*7" in html  # ... but the text is still there
    # Report text reaches scripts only as JSON string data, never as code or a template literal.
    assert all("situationMapLayer(" in line for line in html.splitlines() if "${alert(3)}" in line)
    assert any(f.kind == "checkpoint" for f in situation.features)
    assert "Zzyzxabad" in [m.text for m in situation.unresolved]


def test_layers_legend_and_title(example_text):
    situation = mapping.map_report(example_text, title="Example", source="situation-map")
    html = _html(situation)
    for layer in situation.layers:
        if any(not f.context for f in layer.features):
            assert layer.name in html
    assert "L.control.layers" in html and "Legend" in html and "Example" in html
    assert "2025-11-20" in html


def test_to_folium_adds_to_an_existing_map(example_text):
    import folium

    m = folium.Map(tiles=None)
    out = mapping.map_report(example_text).to_folium(m=m)
    assert out is m
    assert "situationMapLayer(" in m.get_root().render()


def test_repr_html_for_jupyter(example_text):
    assert "<iframe" in mapping.map_report(example_text)._repr_html_()


# -- the report panel, the legend, the layer control ------------------------------------

def _panel_text(html):
    """The report text as the page shows it, and the marked spans as (offset, text, attributes)."""
    from html.parser import HTMLParser

    class Reader(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.depth, self.text, self.marks, self.open = 0, "", [], None

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "div" and attrs.get("class") == "sm-text":
                self.depth = 1
            elif self.depth and tag == "div":
                self.depth += 1
            elif self.depth and tag == "mark":
                self.open = (len(self.text), attrs)

        def handle_endtag(self, tag):
            if self.depth and tag == "div":
                self.depth -= 1
            elif self.depth and tag == "mark" and self.open:
                start, attrs = self.open
                self.marks.append((start, self.text[start:], attrs))
                self.open = None

        def handle_data(self, data):
            if self.depth:
                self.text += data

    reader = Reader()
    reader.feed(html)
    return reader.text, reader.marks


def test_text_panel_shows_the_report_with_every_mention_at_its_offsets(example_text):
    situation = mapping.map_report(example_text, title="Example")
    report = situation.report
    text, marks = _panel_text(_html(situation))
    assert text == report.text[report.body_start:]  # the whole body, nothing added, header left out
    shown = {(report.body_start + start, report.body_start + start + len(t)) for start, t, _ in marks}
    for f in situation.features:
        for m in f.mentions:
            assert (m.start, m.end) in shown, m
    for start, t, attrs in marks:
        offset = report.body_start + start
        assert report.text[offset:offset + len(t)] == t
        drawn = [f for f in situation.features if not f.context and any(m.start <= offset < m.end for m in f.mentions)]
        if drawn:
            assert "sm-m" in attrs["class"] and len(attrs["data-f"].split()) == len(drawn)
        else:
            assert "data-f" not in attrs and attrs["class"] in ("sm-ctx", "sm-unres")


def test_mapped_mentions_take_their_layer_colour_and_unresolved_ones_are_marked():
    situation = mapping.map_report(XSS)
    html = _html(situation)
    _, marks = _panel_text(html)
    by_text = {t: attrs for _, t, attrs in marks}
    assert by_text["Zzyzxabad"]["class"] == "sm-unres" and "not located" in by_text["Zzyzxabad"]["title"]
    quneitra = by_text["Quneitra"]["class"].split()
    assert quneitra[0] == "sm-m" and quneitra[1].startswith("sm-l")
    layer = int(quneitra[1][4:])
    israel = next(l for l in situation.layers if l.actor == "israel")
    assert f".sm-l{layer} {{ --sm-c: {israel.color};" in html


def test_panel_header_events_and_legend(example_text):
    situation = mapping.map_report(example_text, title="Example", source="Wire", url="https://example.org/a?b=1&c=2")
    html = _html(situation)
    assert '<a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer" target="_blank">Wire</a>' in html
    assert "<title>Example</title>" in html
    events = re.findall(r'<li class="sm-event[^"]*"[^>]*><span class="sm-when">([^<]*)</span>', html)
    dates = [w.split()[-1] for w in events]  # "since 2024-12-01" sorts by its date
    assert events and dates == sorted(dates, key=lambda w: (w == "undated", w))
    assert "Legend" in html and "Approximate or derived area" in html
    assert "Actors" in _asset_text("situation.js")


def _asset_text(name):
    from mapping.render import _asset

    return _asset(name)


def test_layer_control_labels_carry_a_swatch_and_escape_names(example_text):
    from mapping.render import _layer_label
    from mapping.situation import Layer

    assert _layer_label(Layer("<b>{{x}}</b>", None, ()), 2) == (
        '<span class="sm-swatch" style="background:#888888"></span>&lt;b&gt;&#123;&#123;x&#125;&#125;&lt;/b&gt; '
        '<span class="sm-count">2</span>')
    html = _html(mapping.map_report(example_text))
    assert html.count("sm-swatch") >= len(mapping.map_report(example_text).layers) - 1


def test_unsafe_urls_are_not_linked(example_text):
    html = _html(mapping.map_report(example_text, source="Wire", url="javascript:alert(1)"))
    assert "javascript:" not in html


def test_shared_geometries_are_written_once_and_coincident_points_spread():
    from mapping.render import _nudge_coincident_points, _share_geometries

    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    point = {"type": "Point", "coordinates": [36.3, 33.5]}
    datas = [{"features": [{"geometry": dict(square), "properties": {}}, {"geometry": dict(point), "properties": {}}]},
             {"features": [{"geometry": dict(square), "properties": {}}, {"geometry": dict(point), "properties": {}}]}]
    _nudge_coincident_points(datas)
    nudges = [d["features"][1]["properties"]["_nudge"] for d in datas]
    assert nudges[0] != nudges[1] and all(abs(x) <= 11 and abs(y) <= 11 for x, y in nudges)
    table = _share_geometries(datas, "p-")
    assert list(table.values()).count(square) == 1 and list(table.values()).count(point) == 1
    assert all(f["geometry"] is None and f["properties"]["_g"] in table for d in datas for f in d["features"])


def test_layers_added_to_an_existing_map_bring_no_panel(example_text):
    import folium

    m = folium.Map(tiles=None)
    html = mapping.map_report(example_text).to_folium(m=m).get_root().render()
    assert "situationMapLayer(" in html and 'id="sm-panel"' not in html and "situationMap.init" not in html


def test_merged_reports_each_show_their_text():
    from mapping import read_report
    from mapping.pipeline import map_reports

    first = read_report(" date 2025-11-18 Israeli troops set up a checkpoint near Quneitra.", title="First")
    second = read_report("Russian officials visited Hmeimim air base on Monday.", title="Second", published="2025-11-19")
    html = _html(map_reports([first, second]))
    assert '<h3 class="sm-report-title">First</h3>' in html and '<h3 class="sm-report-title">Second</h3>' in html
    _, marks = _panel_text(html)
    assert {"Quneitra", "Hmeimim air base"} <= {t for _, t, _ in marks}
