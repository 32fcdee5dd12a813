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
