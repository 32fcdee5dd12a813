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
    from mapping.output.render import render_html

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
            assert "data-f" not in attrs and attrs["class"] in ("sm-ctx", "sm-unres", "sm-assoc")


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
    from mapping.output.render import _asset

    return _asset(name)


def test_layer_control_labels_carry_a_swatch_and_escape_names(example_text):
    from mapping.output.render import _layer_label
    from mapping.situation import Layer

    assert _layer_label(Layer("<b>{{x}}</b>", None, ()), 2) == (
        '<span class="sm-swatch" style="background:#888888"></span>&lt;b&gt;&#123;&#123;x&#125;&#125;&lt;/b&gt; '
        '<span class="sm-count">2</span>')
    html = _html(mapping.map_report(example_text))
    assert html.count("sm-swatch") >= len(mapping.map_report(example_text).layers) - 1


def test_unsafe_urls_are_not_linked(example_text):
    html = _html(mapping.map_report(example_text, source="Wire", url="javascript:alert(1)"))
    assert "javascript:" not in html


def test_shared_geometries_are_written_once_and_points_are_never_shared():
    from mapping.output.render import _share_geometries

    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    point = {"type": "Point", "coordinates": [36.3, 33.5]}
    datas = [{"features": [{"geometry": dict(square), "properties": {}}, {"geometry": dict(point), "properties": {}}]},
             {"features": [{"geometry": dict(square), "properties": {}}, {"geometry": dict(point), "properties": {}}]}]
    table = _share_geometries(datas, "p-")
    assert list(table.values()) == [square]
    assert all(d["features"][0]["geometry"] is None and d["features"][0]["properties"]["_g"] in table for d in datas)
    assert all(d["features"][1]["geometry"] == point for d in datas)  # a reference would be longer than the point


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


# -- what the page carries for the browser to build popups, labels and the timeline ---------------

def _page_data(html):
    """The layers' data as the page script receives it (the JSON argument of each situationMapLayer call)."""

    return [_script_value(chunk) for chunk in html.split("= situationMapLayer(")[1:]]


def _script_value(chunk):
    """The value of the ``JSON.parse("...")`` expression at the start of ``chunk``."""
    import json

    assert chunk.startswith("JSON.parse(")
    text, _ = json.JSONDecoder().raw_decode(chunk[len("JSON.parse("):])
    return json.loads(text)


def _tables(html):

    return _script_value(re.split(r"situationMapTables\(map_\w+, ", html, maxsplit=1)[1])


def test_popups_are_data_with_offsets_into_the_panel_text(example_text):
    situation = mapping.map_report(example_text, title="Example")
    html = _html(situation)
    assert '<blockquote class="sm-quote"' not in html  # no popup markup in the page: the script builds it
    report = situation.report
    text, _ = _panel_text(html)
    features = [f for d in _page_data(html) for f in d["features"]]
    by_name = {f.name: f for f in situation.features if not f.context}
    assert len(features) == len(by_name) or len(features) == sum(not f.context for f in situation.features)
    for feature in features:
        p = feature["properties"]
        assert "_popup" not in p and "_tooltip" not in p
        source = next(f for f in situation.features if f.name == p["name"] and not f.context
                      and [[m.start, m.end] for m in f.mentions] == [m[:2] for m in p["m"]])
        for (start, end, page_start, page_end, sentence_start, sentence_end), m in zip(p["m"], source.mentions):
            assert text[page_start:page_end] == m.text == report.text[start:end]
            assert text[sentence_start:sentence_end] == m.sentence
    details = _tables(html)["details"]
    assert all(f["properties"]["_d"] in details for f in features)


def test_page_offsets_follow_the_browser_copy_of_the_text():
    """CRLF becomes LF in the page, and an emoji is two JavaScript characters: offsets follow."""
    from mapping.output.render import _TextIndex

    text = " date 2025-11-18\r\nIsraeli troops \U0001F6A9 set up a checkpoint near Quneitra.\r\nThen Damascus."
    situation = mapping.map_report(text)
    index = _TextIndex(situation.report)
    page = _TextIndex.dom_text(situation.report)
    js = page.encode("utf-16-le")
    for f in situation.features:
        for m in f.mentions:
            a, b = index(m.start), index(m.end)
            assert js[2 * a:2 * b].decode("utf-16-le") == m.text


def test_confidence_bands_are_drawn_differently():
    from mapping.output.render import _symbol, confidence_band

    assert [confidence_band(c)[0] for c in (0.95, 0.8, 0.79, 0.6, 0.52, 0.0)] == \
        ["solid", "solid", "dashed", "dashed", "hollow", "hollow"]
    svgs = {band: _symbol("town", "#1f5fbf", band)["svg"] for band in ("solid", "dashed", "hollow")}
    assert len(set(svgs.values())) == 3
    assert 'fill="#fff"' in svgs["hollow"].split("/>")[0] and "stroke-dasharray" in svgs["dashed"]


def test_city_town_and_village_have_distinct_symbols_and_every_kind_has_a_label():
    from mapping.gazetteer import KINDS
    from mapping.output.render import KIND_LABELS, _symbol

    symbols = {k: _symbol(k, "#1f5fbf")["svg"] for k in ("city", "town", "village")}
    assert len(set(symbols.values())) == 3
    kinds = set(KINDS) | {"quarter", "sea", "strait", "river", "lake", "canal", "mountain_range", "desert", "peninsula",
                          "island", "valley", "forest", "plain", "airport", "port", "dam", "power_plant", "bridge",
                          "hospital", "facility"}
    assert kinds <= set(KIND_LABELS)


def test_colours_reach_wcag_aa_on_the_basemap():
    import json
    from importlib import resources

    from mapping.output.render import LAND, _color, accessible, contrast

    actors = json.loads((resources.files("mapping") / "data" / "actors.json").read_text(encoding="utf-8"))
    ids = [a["id"] for a in (actors if isinstance(actors, list) else actors.get("actors", []))] or [None]
    for actor in ids:
        assert contrast(_color(actor), LAND) >= 3.0, actor  # symbols and outlines: 3:1
        assert contrast(accessible(_color(actor), LAND, 4.5), LAND) >= 4.5  # names written in the colour
    # Basemap label colours (page CSS) on the land colour.
    for text_color in ("#222222", "#333333", "#444444", "#555555", "#5a5248"):
        assert contrast(text_color, LAND) >= 4.5


def _feature(name, kind, geometry, **changes):
    from mapping.language.extract import Mention
    from mapping.situation import Feature

    mention = Mention(name, 0, len(name), name + ".", 0, 0, name.lower())
    base = dict(id=name, name=name, kind=kind, place_kind=kind, geometry=geometry, layer="Other places", actor=None,
                mentions=(mention,), gazetteer_id=None, confidence=0.9, method="test", source="test",
                precision_m=100.0, approximate=False, geo_scope="site")
    base.update(changes)
    return Feature(**base)


def test_first_view_fits_events_and_sites_not_mentioned_countries():
    from shapely.geometry import Point, box

    from mapping.output.render import framing_bounds

    country = _feature("Bigland", "country", box(20, 0, 40, 20), geo_scope="region")
    sea = _feature("Red Sea", "sea", box(32, 12, 43, 28), geo_scope="region")
    strike = _feature("Port X", "strike", Point(37.2, 19.6), place_kind="city", event="strike")
    base = _feature("Base Y", "airbase", Point(36.0, 18.0))
    assert framing_bounds([country, sea, strike, base]) == (36.0, 18.0, 37.2, 19.6)
    assert framing_bounds([country, sea]) == (20.0, 0.0, 43.0, 28.0)  # nothing else: the areas
    assert framing_bounds([]) is None
    # An attack known only as "in the Red Sea" is not left off a view framed on a port.
    port = _feature("Port Z", "port", Point(42.9, 14.8))
    attack = _feature("Red Sea", "strike", box(32, 12, 43, 28), place_kind="sea", event="strike", geo_scope="region")
    west, south, east, north = framing_bounds([port, attack])
    point = attack.geometry.representative_point()
    assert west <= point.x <= east and south <= point.y <= north and (east - west) < 11


def test_every_kind_renders_with_a_sensible_default():
    from shapely.geometry import LineString, Point, box

    from mapping.output.render import _style, _symbol_kind

    river = _feature("Nile", "river", LineString([(32.5, 15.6), (32.6, 17.0)]), geo_scope="part")
    sea = _feature("Red Sea", "sea", box(32, 12, 43, 28), geo_scope="region")
    desert = _feature("Sahara", "desert", box(0, 15, 30, 30), geo_scope="region")
    site = _feature("Merowe Dam", "dam", Point(31.8, 18.7))
    odd = _feature("Somewhere", "volcano", Point(1, 1))
    assert _style(river, "#1f5fbf")["fill"] is False and _style(river, "#1f5fbf")["weight"] >= 3
    for area in (sea, desert):
        style = _style(area, "#1f5fbf")
        assert style["stroke"] is False and style["fillOpacity"] <= 0.1  # faint, never a border-like line
    assert _symbol_kind(site) == "dam" and _symbol_kind(odd) == "volcano"
    from mapping.output.render import _symbol

    assert "<circle" in _symbol("volcano", "#1f5fbf")["svg"]  # unknown kinds: a plain dot


def test_labels_come_in_tiers_and_never_collide_at_any_zoom():
    from mapping.output.labels import _box, choose_labels

    labels = choose_labels((35.6, 32.6, 36.4, 33.4))
    assert len(labels) >= 30
    assert len({l.minzoom for l in labels}) >= 3  # more labels appear as one zooms in
    assert any(l.cls == "country" for l in labels) and any(l.cls in ("city", "town") for l in labels)
    for zoom in range(4, 14):
        shown = [_box(l, zoom) for l in labels if l.minzoom <= zoom]
        for i, a in enumerate(shown):
            for b in shown[i + 1:]:
                assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), zoom


def test_seed_html_stays_under_one_megabyte(seed_situation):
    html = _html(seed_situation)
    assert len(html.encode("utf-8")) < 1_000_000
    assert "situationMapBasemap(" in html and "sm-timeline" in html


def test_merged_maps_list_every_report_in_the_header():
    from mapping import read_report
    from mapping.pipeline import map_reports

    first = read_report(" date 2025-11-18 Israeli troops set up a checkpoint near Quneitra.", title="First <b>")
    second = read_report("Russian officials visited Hmeimim air base on Monday.", title="Second", source="Wire",
                         published="2025-11-19")
    html = _html(map_reports([first, second]))
    header = html.split('<header class="sm-header">', 1)[1].split("</header>", 1)[0]
    assert "First &lt;b&gt;" in header and "Second" in header and "Wire" in header and "2025-11-19" in header


def test_associative_and_unresolved_mentions_stay_visible_in_the_text(example_text):
    """Mentions named only in passing (demonyms, "Syrian-backed") and unlocated ones keep a mark and a list entry."""
    from dataclasses import dataclass
    from types import SimpleNamespace

    from mapping.language.extract import Mention
    from mapping.situation import Situation

    situation = mapping.map_report(example_text)
    text = situation.report.text
    word = "Russian" if "Russian" in text else text.split()[3]
    start = text.index(word)
    record = SimpleNamespace(text=word, start=start, end=start + len(word), gazetteer_id="country-ru", role="demonym")

    @dataclass(frozen=True)
    class WithReason(Mention):
        reason: str = "ambiguous <b>between</b> two places"

    first = situation.features[0].mentions[0]
    other = next(m for f in situation.features for m in f.mentions if m.start != first.start)
    unresolved = WithReason(other.text, other.start, other.end, other.sentence, other.sentence_start,
                            other.sentence_index, other.key)

    @dataclass(frozen=True)
    class Richer(Situation):
        associative: tuple = ()

    richer = Richer(situation.reports, situation.features, situation.unresolved + (unresolved,), associative=(record,))
    html = _html(richer)
    _, marks = _panel_text(html)
    assoc = [attrs for _, t, attrs in marks if attrs.get("class") == "sm-assoc"]
    if not any(s <= start < e for f in situation.features for m in f.mentions for s, e in [(m.start, m.end)]):
        assert assoc and "demonym" in assoc[0]["title"]
    assert "Named in passing" in html and "demonym" in html
    assert "ambiguous &lt;b&gt;between&lt;/b&gt; two places" in html  # the reason, escaped, in the list


def test_an_invalid_derived_area_still_renders_and_exports():
    """ "northern outskirts of Europe" derives a folded polygon from a vast region: no crash anywhere."""
    situation = mapping.map_report("northern outskirts of Europe")
    assert situation.to_geojson()
    assert "situationMap.init" in _html(situation)


def test_popups_say_reports_disagree_only_when_they_do():
    """A single report's features carry no disagreement; merged reports that differ say who gives what."""
    from mapping import read_report
    from mapping.pipeline import map_reports

    single = mapping.map_report(" date 2025-11-18 Israeli troops set up a checkpoint near Quneitra on Monday.")
    assert not any("dis" in d for d in _tables(_html(single))["details"].values())
    first = read_report(" date 2025-11-18 Israeli troops set up a checkpoint near Quneitra on Monday.", title="r1")
    second = read_report(" date 2025-11-18 Syrian troops set up a checkpoint near Quneitra on Monday.", title="r2")
    merged = map_reports([first, second])
    assert any(f.disagreement for f in merged.features)
    notes = [d["dis"] for d in _tables(_html(merged))["details"].values() if "dis" in d]
    assert len(notes) == 2 and all(isinstance(n, str) and " gives " in n for n in notes), notes
