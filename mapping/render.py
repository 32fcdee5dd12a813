"""Rendering: the situation as a folium map and as standalone offline HTML.

Composes folium's own pieces (one ``FeatureGroup`` per layer, ``LayerControl``
last). Report text is untrusted: it reaches the page only through autoescaping
Jinja templates (popups, tooltips, the side panel) and as JSON made safe for
``<script>``; folium's Popup/Tooltip classes, which do not escape, are not used.
Offline by default: Leaflet's JavaScript and CSS are inlined from the installed
``xstatic-leaflet`` package, the basemap is drawn from the bundled Natural
Earth country outlines, and no tile server is contacted unless ``tiles`` is given.
"""

from __future__ import annotations

import json
import re
from functools import cache
from html import escape
from importlib import resources

from .actors import actor as get_actor
from .errors import RenderError

__all__ = ["render_folium", "render_html", "script_json", "KIND_LABELS"]

KIND_LABELS = {
    "airbase": "Air base", "naval_base": "Naval facility", "checkpoint": "Checkpoint", "strike": "Strike",
    "incursion": "Incursion", "patrol": "Patrol", "visit": "Visit", "meeting": "Meeting", "clash": "Clash",
    "deployment": "Deployment", "city": "City", "town": "Town", "village": "Village", "zone": "Zone",
    "line": "Line", "region": "Region", "admin_area": "Province", "country": "Country", "continent": "Continent",
    "military_site": "Military site", "camp": "Camp", "crossing": "Crossing", "mountain": "Mountain",
    "landmark": "Landmark", "presence": "Presence",
}
_GLYPHS = {
    "airbase": '<path d="M12 3l1.6 6.2 6.9 3.3v1.7l-6.9-1.6-.6 4.6 2.2 1.6V20l-3.2-.9-3.2.9v-1.2l2.2-1.6-.6-4.6-6.9 1.6v-1.7l6.9-3.3z" fill="#fff"/>',
    "naval_base": '<g fill="none" stroke="#fff" stroke-width="1.6"><circle cx="12" cy="6.5" r="1.8"/><path d="M12 8.3V19M8 11h8M6 14.5c1 3 3.3 4.5 6 4.5s5-1.5 6-4.5"/></g>',
    "checkpoint": '<g><rect x="4" y="10" width="16" height="4" fill="#fff"/><path d="M7 10l-2 4M11 10l-2 4M15 10l-2 4M19 10l-2 4" stroke="#000" stroke-width="1.3"/><path d="M6 14v5M18 14v5" stroke="#fff" stroke-width="1.6"/></g>',
    "strike": '<path d="M12 3l2 5.5 5.5-1.5-3 4.5 4.5 3-5.5.5.5 5.5-4-3.5-4 3.5.5-5.5-5.5-.5 4.5-3-3-4.5 5.5 1.5z" fill="#fff"/>',
    "incursion": '<path d="M4 13h10v4l6-5-6-5v4H4z" fill="#fff"/>',
    "patrol": '<path d="M12 5l7 7-7 7-7-7z" fill="none" stroke="#fff" stroke-width="2"/>',
    "visit": '<path d="M8 4v16M8 5h9l-2 3 2 3H8" fill="#fff" stroke="#fff" stroke-width="1.5"/>',
    "meeting": '<g fill="#fff"><circle cx="9" cy="12" r="3.2"/><circle cx="15" cy="12" r="3.2" opacity=".8"/></g>',
    "mountain": '<path d="M4 18l5-9 3 5 2-3 5 7z" fill="#fff"/>',
    "camp": '<path d="M12 5l7 13H5z" fill="none" stroke="#fff" stroke-width="2"/>',
}
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def script_json(value) -> str:
    """JSON that is safe inside an HTML ``<script>`` element.

    >>> script_json({"t": "</script><b>"})
    '{"t": "\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e"}'
    """
    text = json.dumps(value, ensure_ascii=False, sort_keys=False)
    # "{{", "{%" and "{#" never occur in JSON structure, only inside strings: escaping
    # them keeps any template engine from reading report text as template code.
    for opener in ("{{", "{%", "{#"):
        text = text.replace(opener, "\\u007b" + opener[1])
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


@cache
def _templates():
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(loader=PackageLoader("mapping", "templates"), autoescape=select_autoescape(["html"]),
                       trim_blocks=True, lstrip_blocks=True)


def _asset(name: str) -> str:
    return (resources.files("mapping") / "templates" / name).read_text(encoding="utf-8")


@cache
def _leaflet_assets() -> tuple[str, str]:
    try:
        from xstatic.pkg import leaflet
    except ImportError as err:
        raise RenderError("offline maps need the 'xstatic-leaflet' package: pip install xstatic-leaflet") from err
    from pathlib import Path
    import base64

    base = Path(leaflet.BASE_DIR)
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    css = (base / "leaflet.css").read_text(encoding="utf-8")
    # Inline the control images so the page needs no other file.
    def data_uri(match):
        path = base / match.group(1)
        if not path.is_file():
            return match.group(0)
        return f"url(data:image/png;base64,{base64.b64encode(path.read_bytes()).decode('ascii')})"
    css = re.sub(r"url\((images/[\w.\-]+\.png)\)", data_uri, css)
    return js.replace("</script", "<\\/script"), css


def _color(actor_id) -> str:
    a = get_actor(actor_id)
    color = a.color if a else "#555555"
    return color if _HEX.match(color) else "#555555"


def _symbol(kind: str, color: str, approximate: bool) -> dict:
    glyph = _GLYPHS.get(kind, '<circle cx="12" cy="12" r="3.5" fill="#fff"/>')
    size = 24 if kind in _GLYPHS else 16
    dash = ' stroke-dasharray="3 2"' if approximate else ""
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="{size}" height="{size}">'
           f'<circle cx="12" cy="12" r="11" fill="{color}" stroke="#222" stroke-width="1"{dash}/>{glyph}</svg>')
    return {"svg": svg, "size": size}


def _style(feature, color: str) -> dict:
    line = feature.geometry.geom_type in ("LineString", "MultiLineString")
    broad = feature.geo_precision == "region" or feature.place_kind in ("country", "continent")
    return {
        "color": color, "weight": 3 if line else 2 if not broad else 1.5,
        "opacity": 0.9, "fill": not line, "fillColor": color,
        "fillOpacity": 0.0 if broad else 0.12 if feature.approximate else 0.25,
        "dashArray": "6 5" if feature.approximate or broad else None,
    }


def _notes(feature, text: str) -> list[dict]:
    notes = []
    for m in feature.mentions:
        s0 = m.sentence_start
        notes.append({"before": m.sentence[:m.start - s0], "text": m.sentence[m.start - s0:m.end - s0],
                      "after": m.sentence[m.end - s0:], "start": m.start, "end": m.end})
    return notes


def _feature_json(feature, situation) -> dict:
    from .situation import _geometry_json

    report = next((r for r in situation.reports if r.id == feature.report_id), situation.report)
    color = _color(feature.actor)
    a = get_actor(feature.actor)
    when = feature.when.iso if feature.when else None
    popup = _templates().get_template("popup.html").render(
        name=feature.name, color=color, kind_label=KIND_LABELS.get(feature.kind, feature.kind),
        actor_name=a.name if a else None, when=when, notes=_notes(feature, report.text),
        source=report.source or report.title, published=report.published.isoformat() if report.published else None,
        derived=feature.derived_from is not None, rule=feature.rule, parent=feature.derived_from,
        approximate=feature.approximate, confidence=f"{feature.confidence:.2f}", method=feature.method,
        coord_source=feature.source,
    )
    tooltip = escape(f"{feature.name} · {KIND_LABELS.get(feature.kind, feature.kind)}" + (f" · {when}" if when else ""))
    props = {"name": feature.name, "kind": feature.kind, "_popup": popup, "_tooltip": tooltip,
             "_style": _style(feature, color), "_symbol": _symbol(feature.kind if feature.kind in _GLYPHS else feature.place_kind, color, feature.approximate)}
    return {"type": "Feature", "id": feature.id, "geometry": _geometry_json(_display_geometry(feature)), "properties": props}


def _display_geometry(feature):
    """Polygons simplified for display within their stated precision (never more than ~300 m)."""
    g = feature.geometry
    if g.geom_type in ("Polygon", "MultiPolygon", "LineString", "MultiLineString"):
        tolerance_deg = min(feature.precision_m, 300.0) / 111_320.0
        simplified = g.simplify(tolerance_deg, preserve_topology=True)
        if not simplified.is_empty:
            return simplified
    return g


def _raw(html: str):
    """A branca element that renders ``html`` verbatim.

    branca's ``Element(template)`` and ``MacroElement`` output are compiled as
    Jinja templates, so text containing ``{{ }}`` would be evaluated there;
    this element never parses its content.
    """
    from branca.element import Element

    class _Raw(Element):
        def __init__(self, raw):
            super().__init__()
            self._name = "SituationRaw"
            self.raw = raw

        def render(self, **kwargs):
            return self.raw

    return _Raw(html)


def _layer_script(group, data: dict):
    """An element that adds the layer's data to the page script after the group exists."""
    from branca.element import Element

    class _LayerData(Element):
        def __init__(self, js):
            super().__init__()
            self._name = "SituationLayer"
            self.js = js

        def render(self, **kwargs):
            self.get_root().script.add_child(_raw(self.js), name=self.get_name())
            return ""

    return _LayerData(f"var {group.get_name()}_data = situationMapLayer({script_json(data)}, {group.get_name()});")


def _panel_html(situation, layers, drawn) -> str:
    r = situation.report
    kinds = sorted({f.kind if f.kind in _GLYPHS else f.place_kind for f in drawn if f.geometry.geom_type == "Point"})
    events = sorted((f for f in situation.features if f.event), key=lambda f: (f.when.first.isoformat() if f.when else "9999", f.name))
    seen, event_rows = set(), []
    for f in events:
        label = f"{get_actor(f.actor).name if f.actor else ''} {KIND_LABELS.get(f.kind, f.kind).lower()}: {f.name}".strip()
        key = (label, f.when.iso if f.when else None)
        if key not in seen:
            seen.add(key)
            event_rows.append({"when": key[1], "label": label, "color": _color(f.actor)})
    return _templates().get_template("panel.html").render(
        title=r.title or "Situation map", source=r.source, url=r.url if r.url and re.match(r"https?://", r.url) else None,
        published=r.published.isoformat() if r.published else None,
        layers=[{"name": l.name, "color": l.color if _HEX.match(l.color) else "#555555", "count": len(l.features)} for l in layers],
        kinds=[{"label": KIND_LABELS.get(k, k), "svg": _symbol(k, "#666666", False)["svg"]} for k in kinds],
        events=event_rows,
        context=list({f.name: {"name": f.name, "kind": KIND_LABELS.get(f.place_kind, f.place_kind)}
                      for f in situation.features if f.context}.values()),
        unresolved=[m.to_dict() for m in situation.unresolved],
    )


def _basemap(bounds) -> dict:
    """Country outlines around the view, from the bundled world pack."""
    from shapely.geometry import box
    from .gazetteer import default_gazetteer
    from .situation import _geometry_json

    minx, miny, maxx, maxy = bounds
    pad_x, pad_y = max((maxx - minx), 2) * 1.5, max((maxy - miny), 2) * 1.5
    view = box(max(minx - pad_x, -180), max(miny - pad_y, -85), min(maxx + pad_x, 180), min(maxy + pad_y, 85))
    features = []
    for place in default_gazetteer():
        if place.kind == "country" and place.pack == "world" and place.geometry.intersects(view):
            clipped = place.geometry.intersection(view).simplify(0.004, preserve_topology=True)
            if not clipped.is_empty and clipped.geom_type in ("Polygon", "MultiPolygon"):
                features.append({"type": "Feature", "geometry": _geometry_json(clipped),
                                 "properties": {"name": place.name, "_style": {"color": "#9a9a9a", "weight": 0.8,
                                                "fillColor": "#f4f1ea", "fillOpacity": 1, "interactive": False}}})
    return {"type": "FeatureCollection", "features": features}


def render_folium(situation, m=None, *, tiles: str | None = None, offline: bool = True, basemap: bool = True,
                  width="100%", height="100%"):
    """The situation as a :class:`folium.Map` (or its layers added to ``m``).

    Parameters
    ----------
    m : folium.Map, optional
        Add the situation's layers to this map instead of a new one.
    tiles : str, optional
        An xyzservices provider name (e.g. ``"OpenStreetMap.Mapnik"``) for an
        online basemap; by default none is used and nothing is downloaded.
    offline : bool
        Inline Leaflet from the installed package instead of folium's CDN links.
    basemap : bool
        Draw the bundled country outlines under the features.
    """
    import folium
    from shapely.geometry import box
    from shapely.ops import unary_union

    drawn = [f for f in situation.features if not f.context]
    layers = [l for l in situation.layers if any(not f.context for f in l.features)]
    # Fit the view to what the report is about: countries frame it but do not set the zoom.
    framing = [f.geometry for f in drawn if f.place_kind not in ("country", "continent")] or [f.geometry for f in drawn]
    focus = unary_union(framing) if framing else box(-10, -10, 10, 10)
    minx, miny, maxx, maxy = focus.bounds
    new_map = m is None
    if new_map:
        m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=7, tiles=None,
                       control_scale=True, width=width, height=height)
        if offline:
            # Per instance: folium's class-level lists stay untouched for other maps.
            m.default_js = []
            m.default_css = []
            js, css = _leaflet_assets()
            m.get_root().header.add_child(_raw(f"<style>{css}</style>"), name="leaflet_css")
            m.get_root().header.add_child(_raw(f"<script>{js}</script>"), name="leaflet_js")
    root = m.get_root()
    root.header.add_child(_raw(f"<style>{_asset('situation.css')}</style>"), name="situation_css")
    root.header.add_child(_raw(f"<script>{_asset('situation.js')}</script>"), name="situation_js")
    if tiles:
        _add_tiles(m, tiles)
    if basemap and new_map:
        base = folium.FeatureGroup(name="Country outlines", overlay=True, control=False)
        base.add_child(_layer_script(base, _basemap((minx, miny, maxx, maxy))))
        base.add_to(m)
    for layer in layers:
        group = folium.FeatureGroup(name=escape(f"{layer.name} ({sum(not f.context for f in layer.features)})"), overlay=True, show=True)
        data = {"type": "FeatureCollection",
                "features": [_feature_json(f, situation) for f in _draw_order(layer.features) if not f.context]}
        group.add_child(_layer_script(group, data))
        group.add_to(m)
    if new_map:
        root.html.add_child(_raw(_panel_html(situation, layers, drawn)), name="situation_panel")
        folium.LayerControl(collapsed=False, position="topright").add_to(m)
        if drawn:
            pad = 0.05 * max(maxx - minx, maxy - miny, 0.1)
            m.fit_bounds([[miny - pad, minx - pad], [maxy + pad, maxx + pad]])
    return m


def _draw_order(features):
    """Large areas first so that smaller ones and points stay clickable on top."""
    def size(f):
        g = f.geometry
        return -g.area if g.geom_type in ("Polygon", "MultiPolygon") else 0
    return sorted(features, key=size)


def _add_tiles(m, name: str):
    import folium

    try:
        import xyzservices.providers as xyz

        provider = xyz.query_name(name)
    except (ImportError, ValueError) as err:
        raise RenderError(f"unknown tile provider {name!r}: expected an xyzservices name such as "
                          "'OpenStreetMap.Mapnik' or 'CartoDB.Positron'") from err
    folium.TileLayer(tiles=provider.build_url(), attr=provider.html_attribution, name=provider.name,
                     max_zoom=provider.get("max_zoom", 18)).add_to(m)


def render_html(situation, **options) -> str:
    """The standalone HTML page of the situation map."""
    m = render_folium(situation, **options)
    return m.get_root().render()
