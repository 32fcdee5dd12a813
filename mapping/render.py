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
import secrets
from functools import cache
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


_INERT = str.maketrans({"{": "&#123;", "}": "&#125;", "$": "&#36;", "`": "&#96;"})


def _inert(value):
    """Template output as HTML: escaped, and with ``{ } $ ` `` as entities.

    Autoescaping makes text safe as HTML; the extra entities also make it inert
    for any template engine that later reads the page (branca re-parses element
    output as Jinja; ``${`` and backticks matter inside JavaScript template
    literals). Values marked safe (our own SVG symbols) pass unchanged.

    >>> str(_inert("<b>{{ 7*7 }}</b> `${x}`"))
    '&lt;b&gt;&#123;&#123; 7*7 &#125;&#125;&lt;/b&gt; &#96;&#36;&#123;x&#125;&#96;'
    """
    from markupsafe import Markup, escape as markup_escape

    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return Markup(str(markup_escape(value)).translate(_INERT))


@cache
def _templates():
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(loader=PackageLoader("mapping", "templates"), autoescape=select_autoescape(["html"]),
                       trim_blocks=True, lstrip_blocks=True, finalize=_inert)


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
    return {"svg": svg, "size": size, "color": color}


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


def _symbol_kind(feature) -> str:
    return feature.kind if feature.kind in _GLYPHS else feature.place_kind


def _feature_json(feature, situation, key: str | None = None) -> dict:
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
    tooltip = str(_inert(f"{feature.name} · {KIND_LABELS.get(feature.kind, feature.kind)}" + (f" · {when}" if when else "")))
    props = {"name": feature.name, "kind": feature.kind, "_popup": popup, "_tooltip": tooltip,
             "_style": _style(feature, color), "_symbol": _symbol(_symbol_kind(feature), color, feature.approximate)}
    geometry = _display_geometry(feature)
    if key is not None:
        props["_key"] = key
        if geometry.geom_type != "Point":
            anchor = geometry.representative_point()
            props["_anchor"] = [round(anchor.y, 5), round(anchor.x, 5)]  # (lat, lon): Leaflet's order
            if _has_center(feature):
                # An event known only as an area ("a checkpoint in the countryside of ...") keeps
                # its symbol, at a point inside the area, besides the dashed uncertain area.
                props["_center"] = props["_anchor"]
    return {"type": "Feature", "id": feature.id, "geometry": _round_coordinates(_geometry_json(geometry), 5),
            "properties": props}


def _round_coordinates(geometry: dict, digits: int) -> dict:
    """A GeoJSON geometry with coordinates rounded for display (5 digits: about 1 m)."""
    def walk(c):
        return round(c, digits) if isinstance(c, float) else [walk(x) for x in c]
    if "geometries" in geometry:
        return {**geometry, "geometries": [_round_coordinates(g, digits) for g in geometry["geometries"]]}
    return {**geometry, "coordinates": walk(geometry["coordinates"])}


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


def _script(js: str):
    """An element that adds ``js`` to the page script when it renders, so after the
    elements added before it. Report text may reach ``js`` only through :func:`script_json`."""
    from branca.element import Element

    class _Deferred(Element):
        def __init__(self, code):
            super().__init__()
            self._name = "SituationScript"
            self.code = code

        def render(self, **kwargs):
            self.get_root().script.add_child(_raw(self.code), name=self.get_name())
            return ""

    return _Deferred(js)


def _layer_script(group, data: dict):
    """An element that adds the layer's data to the page script after the group exists."""
    return _script(f"var {group.get_name()}_data = situationMapLayer({script_json(data)}, {group.get_name()});")


_AREA_SAMPLES = {
    "area": ("Zone or province", '<rect x="2" y="3" width="24" height="14" rx="2" fill="#666" fill-opacity=".3" stroke="#666" stroke-width="2"/>'),
    "approximate": ("Approximate or derived area", '<rect x="2" y="3" width="24" height="14" rx="2" fill="#666" fill-opacity=".18" stroke="#666" stroke-width="2" stroke-dasharray="4 2.5"/>'),
    "broad": ("Region or country (outline only)", '<rect x="2" y="3" width="24" height="14" rx="2" fill="none" stroke="#666" stroke-width="1.3" stroke-dasharray="5 3"/>'),
    "line": ("Line", '<path d="M2 15 C9 2 17 18 26 5" fill="none" stroke="#666" stroke-width="3"/>'),
    "approximate_line": ("Approximate line", '<path d="M2 15 C9 2 17 18 26 5" fill="none" stroke="#666" stroke-width="3" stroke-dasharray="4 2.5"/>'),
}


def _area_style(feature) -> str | None:
    """Which legend sample a drawn line or area looks like (None for points)."""
    kind = feature.geometry.geom_type
    if kind == "Point" or kind == "MultiPoint":
        return None
    if kind in ("LineString", "MultiLineString"):
        return "approximate_line" if feature.approximate else "line"
    if feature.geo_precision == "region" or feature.place_kind in ("country", "continent"):
        return "broad"
    return "approximate" if feature.approximate else "area"


def _has_center(feature) -> bool:
    """Whether an event drawn as an area also gets its symbol inside the area."""
    return (feature.kind in _GLYPHS and feature.geometry.geom_type in ("Polygon", "MultiPolygon")
            and feature.geo_precision != "region")


def _legend(drawn) -> tuple[list[dict], list[dict]]:
    kinds = sorted({_symbol_kind(f) for f in drawn if f.geometry.geom_type == "Point" or _has_center(f)},
                   key=lambda k: KIND_LABELS.get(k, k))
    symbols = [{"label": KIND_LABELS.get(k, k), "svg": _symbol(k, "#666666", False)["svg"]} for k in kinds]
    present = {_area_style(f) for f in drawn} - {None}
    areas = [{"label": label, "svg": f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 28 20" class="sm-area">{svg}</svg>'}
             for style, (label, svg) in _AREA_SAMPLES.items() if style in present]
    return symbols, areas


def _tint(color: str, alpha: float = 0.22) -> str:
    """``#rrggbb`` as an ``rgba()`` tint for highlighting text."""
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha})"


def _when_label(when) -> str | None:
    if when is None:
        return None
    if when.relation in ("since", "after"):
        return f"{when.relation} {when.first.isoformat()}"
    if when.relation == "before":
        return f"before {when.last.isoformat()}"
    return when.iso


def _describe(feature) -> str:
    """One line naming a feature in the text's mention tooltips and the events list."""
    a = get_actor(feature.actor)
    what = KIND_LABELS.get(feature.kind, feature.kind).lower()
    who = f"{a.name} {what}" if a else what
    when = _when_label(feature.when)
    return f"{feature.name}: {who}" + (f", {when}" if when else "")


def _segments(text: str, begin: int, spans, keys: dict, layer_index: dict) -> list[dict]:
    """``text[begin:]`` cut at every mention boundary; each piece knows the features covering it.

    ``spans`` are ``(start, end, feature or None)``; None marks an unresolved mention.
    """
    cuts = {begin, len(text)}
    for start, end, _ in spans:
        if end > begin:
            cuts.update((max(start, begin), min(end, len(text))))
    cuts = sorted(cuts)
    pieces = []
    # Sweep the cuts once: spans enter when they start and leave when they end (linear, not cuts x spans).
    pending = sorted(spans, key=lambda s: s[0])
    active: list = []
    next_span = 0
    for a, b in zip(cuts, cuts[1:]):
        while next_span < len(pending) and pending[next_span][0] <= a:
            active.append(pending[next_span])
            next_span += 1
        active = [span for span in active if span[1] >= b]
        covering = [item for start, end, item in active]
        piece = {"text": text[a:b], "cls": None, "refs": "", "n": 0, "title": ""}
        # Deduplicated by identity: hashing a frozen Feature hashes all its mentions (quadratic on long reports).
        drawn = list({id(f): f for f in covering if f is not None and id(f) in keys}.values())
        context = list({id(f): f for f in covering if f is not None and id(f) not in keys}.values())
        if drawn:
            piece.update(cls=f"sm-m sm-l{layer_index[drawn[0].layer]}", refs=" ".join(keys[id(f)] for f in drawn),
                         n=len(drawn), title="; ".join(_describe(f) for f in drawn) +
                         (" (click again for the next)" if len(drawn) > 1 else ""))
        elif context:
            names = dict.fromkeys(f"{f.name} ({KIND_LABELS.get(f.place_kind, f.place_kind).lower()})" for f in context)
            piece.update(cls="sm-ctx", title="; ".join(names) + ": outside this map's view")
        elif covering:
            piece.update(cls="sm-unres", title="not located: no gazetteer record with this name")
        if piece["cls"] is None and pieces and pieces[-1]["cls"] is None:
            pieces[-1]["text"] += piece["text"]
        else:
            pieces.append(piece)
    return pieces


def _report_views(situation, keys: dict, layer_index: dict) -> list[dict]:
    """Each report's text after its header, its mentions linked to the features they name."""
    views = []
    for report in situation.reports:
        # A feature merged from several reports quotes each of them: only this report's mentions index its text.
        spans = [(m.start, m.end, f) for f in situation.features
                 for rid, m in f.sources() if (rid or situation.report.id) == report.id]
        spans += [(m.start, m.end, None) for m in situation.unresolved
                  if report.text[m.start:m.end] == m.text
                  and report.text[m.sentence_start:m.sentence_start + len(m.sentence)] == m.sentence]
        views.append({"title": report.title or report.source or report.id,
                      "segments": _segments(report.text, report.body_start, spans, keys, layer_index)})
    return views


def _event_rows(situation, keys: dict) -> list[dict]:
    """Events as a dated list (undated last); each row links to its drawn features."""
    def order(f):
        return (f.when is None, f.when.first.isoformat() if f.when else "", f.name)

    rows: dict[tuple, dict] = {}
    for f in sorted((f for f in situation.features if f.event), key=order):
        a = get_actor(f.actor)
        label = f"{a.name + ' ' if a else ''}{KIND_LABELS.get(f.kind, f.kind).lower()}: {f.name}"
        row = rows.setdefault((label, f.when.iso if f.when else None), {
            "when": _when_label(f.when), "label": label, "refs": [],
            "svg": _symbol(_symbol_kind(f), _color(f.actor), f.approximate)["svg"]})
        if id(f) in keys:
            row["refs"].append(keys[id(f)])
    return [{**row, "refs": " ".join(row["refs"])} for row in rows.values()]


def _panel_html(situation, layers, keys: dict) -> str:
    r = situation.report
    drawn = [f for f in situation.features if not f.context]
    layer_index = {layer.name: i for i, layer in enumerate(layers)}
    symbols, areas = _legend(drawn)
    colors = [layer.color if _HEX.match(layer.color) else "#555555" for layer in layers]
    events = _event_rows(situation, keys)
    counts = [f"{len(drawn)} mapped", f"{len(events)} events" if events else None,
              f"{len(situation.unresolved)} not located" if situation.unresolved else None]
    return _templates().get_template("panel.html").render(
        title=r.title or "Situation map", source=r.source, url=r.url if r.url and re.match(r"https?://", r.url) else None,
        published=r.published.isoformat() if r.published else None,
        counts=" · ".join(c for c in counts if c),
        layers=[{"index": i, "color": c, "tint": _tint(c)} for i, c in enumerate(colors)],
        reports=_report_views(situation, keys, layer_index),
        kinds=symbols, areas=areas, events=events,
        context=list({f.name: {"name": f.name, "kind": KIND_LABELS.get(f.place_kind, f.place_kind)}
                      for f in situation.features if f.context}.values()),
        unresolved=[m.to_dict() for m in situation.unresolved],
    )


def _layer_label(layer, count: int) -> str:
    """The layer control's label: a colour swatch, the escaped name and the count."""
    color = layer.color if _HEX.match(layer.color) else "#555555"
    return _templates().from_string(
        '<span class="sm-swatch" style="background:{{ color }}"></span>{{ name }} <span class="sm-count">{{ count }}</span>'
    ).render(color=color, name=layer.name, count=count)


def _basemap(bounds) -> dict:
    """Country outlines around the view, from the bundled world pack.

    Two levels of detail in one polygon per country, so that no seam shows: about
    400 m near the features (the coast at Tartous stays on the coast), about 6 km
    in a wider ring that is only seen when zooming out.
    """
    from shapely.geometry import box
    from shapely.ops import unary_union
    from .gazetteer import default_gazetteer
    from .situation import _geometry_json

    minx, miny, maxx, maxy = bounds
    pad_x, pad_y = max((maxx - minx), 2) * 1.5, max((maxy - miny), 2) * 1.5
    near = box(max(minx - pad_x, -180), max(miny - pad_y, -85), min(maxx + pad_x, 180), min(maxy + pad_y, 85))
    far_pad = max(maxx - minx, maxy - miny, 4) * 3
    far = box(max(minx - far_pad, -180), max(miny - far_pad, -85), min(maxx + far_pad, 180), min(maxy + far_pad, 85))
    features = []
    fw, fs, fe, fn = far.bounds
    for place in default_gazetteer():
        if place.kind != "country" or place.pack != "world":
            continue
        w, s, e, n = place.bounds
        if w > fe or e < fw or s > fn or n < fs or not place.geometry.intersects(far):
            continue
        parts = [_clip(place.geometry, far, 0.06, min_area=0.18 ** 2).difference(near)]
        if place.geometry.intersects(near):
            parts.append(_clip(place.geometry, near, 0.004))
        shape = unary_union([p for p in parts if not p.is_empty])
        if not shape.is_empty and shape.geom_type in ("Polygon", "MultiPolygon"):
            features.append({"type": "Feature", "geometry": _round_coordinates(_geometry_json(shape), 3),
                             "properties": {"name": place.name, "_style": {"color": "#9a9a9a", "weight": 0.8,
                                            "fillColor": "#f4f1ea", "fillOpacity": 1, "interactive": False}}})
    return {"type": "FeatureCollection", "features": features}


def _clip(geometry, frame, tolerance: float, min_area: float = 0.0):
    """``geometry`` simplified to ``tolerance`` degrees inside ``frame``, dropping polygons under ``min_area``.

    Simplified before the exact clip, so that pieces clipped to adjacent frames meet on the frame's edge.
    """
    from shapely.geometry import MultiPolygon, Polygon

    piece = geometry.intersection(frame.buffer(tolerance * 4, join_style=2))
    piece = piece.simplify(tolerance, preserve_topology=True).intersection(frame)
    if min_area:
        polygons = [p for p in getattr(piece, "geoms", [piece]) if p.geom_type == "Polygon" and p.area >= min_area]
        piece = MultiPolygon(polygons) if polygons else Polygon()
    return piece


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
        # zoom_snap 0.25: the first view fits the features closely (no tiles to keep whole).
        m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=7, tiles=None, zoom_snap=0.25,
                       font_size="13px", control_scale=True, width=width, height=height)
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
    keys = _add_layers(m, situation, layers)
    if new_map:
        pad = 0.05 * max(maxx - minx, maxy - miny, 0.1)
        bounds = [[miny - pad, minx - pad], [maxy + pad, maxx + pad]] if drawn else None
        _add_page(m, situation, layers, keys, bounds)
    return m


def _add_layers(m, situation, layers) -> dict:
    """One ``FeatureGroup`` per layer; returns each drawn feature's key (by ``id()``).

    Keys link a feature's drawing to its mentions in the text; they are unique on
    the page even when several situations are added to one map.
    """
    import folium

    prefix = f"f{secrets.token_hex(3)}-"
    keys = {id(f): f"{prefix}{i}" for i, f in enumerate(situation.features) if not f.context}
    datas = [{"type": "FeatureCollection", "layer": index,
              "features": [_feature_json(f, situation, keys[id(f)]) for f in _draw_order(layer.features) if not f.context]}
             for index, layer in enumerate(layers)]
    _nudge_coincident_points(datas)
    shared = _share_geometries(datas, prefix)
    if shared:
        m.add_child(_script(f"situationMapGeometries({script_json(shared)});"), name=f"situation_geometries_{prefix}")
    symbols = _share_symbols(datas, prefix)
    if symbols:
        m.add_child(_script(f"situationMapSymbols({script_json(symbols)});"), name=f"situation_symbols_{prefix}")
    for layer, data in zip(layers, datas):
        group = folium.FeatureGroup(name=_layer_label(layer, sum(not f.context for f in layer.features)),
                                    overlay=True, show=True)
        group.add_child(_layer_script(group, data))
        group.add_to(m)
    return keys


def _add_page(m, situation, layers, keys: dict, bounds) -> None:
    """The briefing around a new map: page layout, title, report panel, layer control, view."""
    import folium

    root = m.get_root()
    root.header.add_child(_raw(f"<style>{_asset('page.css')}</style>"), name="situation_page_css")
    title = situation.report.title or "Situation map"
    root.header.add_child(_raw(_templates().get_template("head.html").render(title=title)), name="situation_head")
    root.html.add_child(_raw(_panel_html(situation, layers, keys)), name="situation_panel")
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    # The script fits the view once the controls exist, so that they do not cover features.
    m.add_child(_script(f"situationMap.init({m.get_name()}, {script_json(bounds)});"), name="situation_init")


def _nudge_coincident_points(datas: list[dict], radius_px: int = 11) -> None:
    """Symbols at the same place (a strike and an incursion at Damascus) are set around it.

    Each gets ``_nudge`` ``[dx, dy]`` in screen pixels; the point itself does not move.
    """
    import math

    at: dict[tuple, list[dict]] = {}
    for data in datas:
        for feature in data["features"]:
            if feature["geometry"]["type"] == "Point":
                at.setdefault(tuple(feature["geometry"]["coordinates"]), []).append(feature)
            elif feature["properties"].get("_center"):  # symbols of events known as areas
                lat, lon = feature["properties"]["_center"]
                at.setdefault((lon, lat), []).append(feature)
    for features in at.values():
        if len(features) > 1:
            for i, feature in enumerate(features):
                angle = 2 * math.pi * i / len(features) - math.pi / 2
                feature["properties"]["_nudge"] = [round(radius_px * math.cos(angle)), round(radius_px * math.sin(angle))]


def _share_geometries(datas: list[dict], prefix: str) -> dict:
    """Geometries drawn more than once (a country in three actors' layers) are written once.

    Such features get ``geometry: null`` and a ``_g`` reference into the returned table,
    which the page script resolves before drawing.
    """
    uses: dict[str, list[dict]] = {}
    for data in datas:
        for feature in data["features"]:
            uses.setdefault(json.dumps(feature["geometry"], sort_keys=True), []).append(feature)
    table = {}
    for features in uses.values():
        if len(features) > 1:
            ref = f"{prefix}g{len(table)}"
            table[ref] = features[0]["geometry"]
            for feature in features:
                feature["geometry"] = None
                feature["properties"]["_g"] = ref
    return table


#: Above this many point features on one page, markers are drawn as circles on a canvas:
#: thousands of SVG icons in the DOM take seconds to lay out.
CANVAS_POINTS = 1000


def _share_symbols(datas: list[dict], prefix: str) -> dict:
    """Marker symbols and area styles are written once per distinct value and referenced by key.

    With many points the page switches to canvas circle markers (``data["canvas"]``).
    """
    table: dict[str, object] = {}
    refs: dict[str, str] = {}
    points = sum(f["geometry"] is not None and f["geometry"]["type"] == "Point" for d in datas for f in d["features"])
    for data in datas:
        data["canvas"] = points > CANVAS_POINTS
        for feature in data["features"]:
            props = feature["properties"]
            for name, short in (("_symbol", "_s"), ("_style", "_st")):
                value = props.pop(name, None)
                if value is None:
                    continue
                text = json.dumps(value, sort_keys=True)
                if text not in refs:
                    refs[text] = f"{prefix}{short}{len(refs)}"
                    table[refs[text]] = value
                props[short] = refs[text]
    return table


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
