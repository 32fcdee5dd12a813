"""Rendering: the situation as a folium map and as standalone offline HTML.

Composes folium's own pieces (one ``FeatureGroup`` per layer, ``LayerControl``
last). Report text is untrusted: it reaches the page only through autoescaping
Jinja templates (popups, tooltips, the side panel) and as JSON made safe for
``<script>``; folium's Popup/Tooltip classes, which do not escape, are not used.
Offline by default: Leaflet's JavaScript and CSS are inlined from the installed
``xstatic-leaflet`` package, the basemap is drawn from the bundled Natural
Earth layers (:mod:`mapping.output.basemap`) with place names (:mod:`mapping.output.labels`),
and no tile server is contacted unless ``tiles`` is given.

The page carries data, not markup, for each feature: its name, kind, confidence,
dates, the offsets of its mentions into the report text that the panel shows,
and a reference to facts shared with other features. The page script
(``templates/situation.js``) builds popups and tooltips from them with DOM
text nodes, so report text is never parsed as HTML there either.
"""

from __future__ import annotations

import json
import re
import secrets
from functools import cache
from importlib import resources

from ..datafiles import package_json
from ..language.actors import actor as get_actor
from ..errors import RenderError

__all__ = ["render_folium", "render_html", "script_json", "framing_bounds", "confidence_band", "accessible", "contrast",
           "KIND_LABELS", "FAINT_KINDS", "LINE_KINDS", "CONFIDENCE_BANDS", "CANVAS_POINTS"]

KIND_LABELS = {
    # events
    "checkpoint": "Checkpoint", "strike": "Strike", "incursion": "Incursion", "patrol": "Patrol", "visit": "Visit",
    "meeting": "Meeting", "clash": "Clash", "deployment": "Deployment", "presence": "Presence",
    # political and administrative
    "country": "Country", "continent": "Continent", "region": "Region", "admin_area": "Province", "zone": "Zone",
    "line": "Line",
    # settlements
    "city": "City", "town": "Town", "village": "Village", "quarter": "Quarter",
    # physical features
    "sea": "Sea", "strait": "Strait", "river": "River", "lake": "Lake", "canal": "Canal", "mountain": "Mountain",
    "mountain_range": "Mountain range", "desert": "Desert", "peninsula": "Peninsula", "island": "Island",
    "valley": "Valley", "forest": "Forest", "plain": "Plain",
    # sites
    "airbase": "Air base", "naval_base": "Naval facility", "military_site": "Military site", "airport": "Airport",
    "port": "Port", "dam": "Dam", "power_plant": "Power plant", "crossing": "Crossing", "bridge": "Bridge",
    "camp": "Camp", "hospital": "Hospital", "facility": "Facility", "landmark": "Landmark",
}
#: Kinds drawn as a faint fill with their name, never an outline that reads as a border:
#: vast or vaguely bounded areas that a report mentions rather than locates something in.
FAINT_KINDS = frozenset({"country", "continent", "region", "sea", "strait", "lake", "desert", "mountain_range",
                         "peninsula", "island", "valley", "forest", "plain"})
#: Kinds drawn as lines (when their geometry is a line).
LINE_KINDS = frozenset({"river", "canal", "line"})
#: Confidence bands, best first: (lowest confidence, band, description). Drawn solid, dashed and hollow.
CONFIDENCE_BANDS = ((0.8, "solid", "confident"), (0.6, "dashed", "probable"), (0.0, "hollow", "uncertain"))
#: The basemap's land colour; symbol and text colours are checked for contrast against it.
LAND = "#f4f1ea"

_GLYPHS = {
    # events
    "strike": '<path d="M12 3l2 5.5 5.5-1.5-3 4.5 4.5 3-5.5.5.5 5.5-4-3.5-4 3.5.5-5.5-5.5-.5 4.5-3-3-4.5 5.5 1.5z" fill="#fff"/>',
    "checkpoint": '<g><rect x="4" y="10" width="16" height="4" fill="#fff"/><path d="M7 10l-2 4M11 10l-2 4M15 10l-2 4M19 10l-2 4" stroke="#000" stroke-width="1.3"/><path d="M6 14v5M18 14v5" stroke="#fff" stroke-width="1.6"/></g>',
    "incursion": '<path d="M4 13h10v4l6-5-6-5v4H4z" fill="#fff"/>',
    "patrol": '<path d="M12 5l7 7-7 7-7-7z" fill="none" stroke="#fff" stroke-width="2"/>',
    "visit": '<path d="M8 4v16M8 5h9l-2 3 2 3H8" fill="#fff" stroke="#fff" stroke-width="1.5"/>',
    "meeting": '<g fill="#fff"><circle cx="9" cy="12" r="3.2"/><circle cx="15" cy="12" r="3.2" opacity=".8"/></g>',
    "clash": '<path d="M6 6l12 12M18 6L6 18" stroke="#fff" stroke-width="2.6" stroke-linecap="round"/>',
    "deployment": '<path d="M5 15l7-7 7 7" fill="none" stroke="#fff" stroke-width="2.6"/>',
    # settlements: a building for a city, a disc for a town, a small dot for a village
    "city": '<rect x="7.5" y="7.5" width="9" height="9" fill="#fff"/>',
    "town": '<circle cx="12" cy="12" r="4.2" fill="#fff"/>',
    "village": '<circle cx="12" cy="12" r="2.8" fill="#fff"/>',
    "quarter": '<rect x="8" y="8" width="8" height="8" fill="none" stroke="#fff" stroke-width="2"/>',
    # sites
    "airbase": '<path d="M12 3l1.6 6.2 6.9 3.3v1.7l-6.9-1.6-.6 4.6 2.2 1.6V20l-3.2-.9-3.2.9v-1.2l2.2-1.6-.6-4.6-6.9 1.6v-1.7l6.9-3.3z" fill="#fff"/>',
    "airport": '<path d="M12 3l1.6 6.2 6.9 3.3v1.7l-6.9-1.6-.6 4.6 2.2 1.6V20l-3.2-.9-3.2.9v-1.2l2.2-1.6-.6-4.6-6.9 1.6v-1.7l6.9-3.3z" fill="none" stroke="#fff" stroke-width="1.3"/>',
    "naval_base": '<g fill="none" stroke="#fff" stroke-width="1.6"><circle cx="12" cy="6.5" r="1.8"/><path d="M12 8.3V19M8 11h8M6 14.5c1 3 3.3 4.5 6 4.5s5-1.5 6-4.5"/></g>',
    "port": '<g fill="none" stroke="#fff" stroke-width="1.6"><path d="M12 5V19M6 14.5c1 3 3.3 4.5 6 4.5s5-1.5 6-4.5"/><path d="M4 8h16" stroke-dasharray="2 1.5"/></g>',
    "military_site": '<path d="M12 4l7 3v5c0 4-3 6.5-7 8-4-1.5-7-4-7-8V7z" fill="#fff"/>',
    "crossing": '<path d="M4 9h13l-3-3M20 15H7l3 3" fill="none" stroke="#fff" stroke-width="2"/>',
    "bridge": '<path d="M4 14h16M7 14v4M17 14v4M4 14c3-5 13-5 16 0" fill="none" stroke="#fff" stroke-width="1.8"/>',
    "dam": '<path d="M6 7h12l-2 10H8z" fill="#fff"/>',
    "power_plant": '<path d="M13.5 3l-6.5 10h4.5l-1.5 8 7.5-11h-4.5z" fill="#fff"/>',
    "camp": '<path d="M12 5l7 13H5z" fill="none" stroke="#fff" stroke-width="2"/>',
    "hospital": '<path d="M10 5h4v5h5v4h-5v5h-4v-5H5v-4h5z" fill="#fff"/>',
    "facility": '<path d="M5 19V11l4 2.5V11l4 2.5V11l4 2.5V6h2v13z" fill="#fff"/>',
    "landmark": '<path d="M12 4l2.4 5 5.4.6-4 3.7 1.1 5.4L12 16l-4.9 2.7 1.1-5.4-4-3.7 5.4-.6z" fill="none" stroke="#fff" stroke-width="1.6"/>',
    "mountain": '<path d="M4 18l5-9 3 5 2-3 5 7z" fill="#fff"/>',
}
_SYMBOL_SIZES = {"village": 16, "town": 20, "quarter": 18}
_DEFAULT_GLYPH = '<circle cx="12" cy="12" r="3.5" fill="#fff"/>'
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def script_json(value) -> str:
    """JSON that is safe inside an HTML ``<script>`` element.

    >>> script_json({"t": "</script><b>"})
    '{"t":"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e"}'
    """
    text = json.dumps(value, ensure_ascii=False, sort_keys=False, separators=(",", ":"), check_circular=False)
    # "{{", "{%" and "{#" never occur in JSON structure, only inside strings: escaping
    # them keeps any template engine from reading report text as template code.
    for opener in ("{{", "{%", "{#"):
        text = text.replace(opener, "\\u007b" + opener[1])
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def script_data(value) -> str:
    r"""A JavaScript expression for ``value``: ``JSON.parse("...")`` over :func:`script_json`.

    Browsers parse a large JSON string much faster than the same data as a JavaScript
    literal; the string literal is JSON's own, and holds nothing ``<script>`` could end on.

    >>> print(script_data({"t": "</script>"}))
    JSON.parse("{\"t\":\"\\u003c/script\\u003e\"}")
    """
    return f"JSON.parse({json.dumps(script_json(value), ensure_ascii=False)})"


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

    return Environment(loader=PackageLoader("mapping.output", "templates"), autoescape=select_autoescape(["html"]),
                       trim_blocks=True, lstrip_blocks=True, finalize=_inert)


def _asset(name: str) -> str:
    return (resources.files("mapping.output") / "templates" / name).read_text(encoding="utf-8")


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


# -- colours ---------------------------------------------------------------------------------

def _luminance(color: str) -> float:
    def channel(v):
        v /= 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(int(color[i:i + 2], 16)) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21).

    >>> round(contrast("#000000", "#ffffff"), 1)
    21.0
    """
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@cache
def accessible(color: str, against: str = LAND, ratio: float = 3.0) -> str:
    """``color`` darkened just enough to reach ``ratio`` against ``against`` (WCAG AA: 3 for symbols, 4.5 for text).

    >>> accessible("#f1c40f")  # a yellow actor colour on the beige land
    '#a6870a'
    >>> accessible("#1f5fbf")  # dark enough already
    '#1f5fbf'
    """
    if not _HEX.match(color):
        color = "#555555"
    rgb = [int(color[i:i + 2], 16) for i in (1, 3, 5)]
    for step in range(0, 101):
        k = 1 - step / 100
        candidate = "#" + "".join(f"{round(v * k):02x}" for v in rgb)
        if contrast(candidate, against) >= ratio:
            return candidate
    return "#000000"


def _color(actor_id) -> str:
    a = get_actor(actor_id)
    return accessible(a.color if a and _HEX.match(a.color) else "#555555")


def _layer_color(layer) -> str:
    return accessible(layer.color if _HEX.match(layer.color) else "#555555")


def confidence_band(confidence: float) -> tuple[str, str]:
    """The drawing band of a confidence: ``("solid", "confident")``, ``("dashed", "probable")`` or ``("hollow", "uncertain")``.

    >>> confidence_band(0.95), confidence_band(0.7), confidence_band(0.52)
    (('solid', 'confident'), ('dashed', 'probable'), ('hollow', 'uncertain'))
    """
    for floor, band, word in CONFIDENCE_BANDS:
        if confidence >= floor:
            return band, word
    return CONFIDENCE_BANDS[-1][1:]


# -- symbols and styles ----------------------------------------------------------------------

def _symbol(kind: str, color: str, band: str = "solid") -> dict:
    return dict(_symbol_cached(kind, color, band))


@cache
def _symbol_cached(kind: str, color: str, band: str) -> dict:
    """A marker: the kind's glyph in a disc of the actor's colour; the band sets the ring (solid, dashed, hollow)."""
    glyph = _GLYPHS.get(kind, _DEFAULT_GLYPH)
    size = _SYMBOL_SIZES.get(kind, 24 if kind in _GLYPHS else 16)
    if band == "hollow":
        # Uncertain: an empty disc with a broken ring; the glyph takes the actor's colour.
        disc = f'<circle cx="12" cy="12" r="10.2" fill="#fff" stroke="{color}" stroke-width="2.6" stroke-dasharray="3 2.2"/>'
        glyph = glyph.replace('"#fff"', f'"{color}"')
    elif band == "dashed":
        disc = (f'<circle cx="12" cy="12" r="11" fill="{color}" stroke="#222" stroke-width="1"/>'
                '<circle cx="12" cy="12" r="9.3" fill="none" stroke="#fff" stroke-width="1.6" stroke-dasharray="3 2.4"/>')
    else:
        disc = f'<circle cx="12" cy="12" r="11" fill="{color}" stroke="#222" stroke-width="1"/>'
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="{size}" height="{size}" '
           f'class="sm-band-{band}">{disc}{glyph}</svg>')
    return {"svg": svg, "size": size, "color": color, "band": band}


def _broad(feature) -> bool:
    """A vast or vaguely bounded area the report mentions: drawn faint, with its name, never outlined."""
    return (feature.geo_scope == "region" or feature.place_kind in FAINT_KINDS) and \
        feature.geometry.geom_type in ("Polygon", "MultiPolygon")


def _is_line(feature) -> bool:
    return feature.geometry.geom_type in ("LineString", "MultiLineString")


def _style(feature, color: str) -> dict:
    return _style_cached(_is_line(feature), _broad(feature), feature.place_kind in ("river", "canal"),
                         feature.approximate, confidence_band(feature.confidence)[0], color)


@cache
def _style_cached(line: bool, broad: bool, waterway: bool, approximate: bool, band: str, color: str) -> dict:
    if line:
        weight = 4 if waterway else 3
        return {"color": color, "tc": accessible(color, LAND, 4.5), "weight": weight, "opacity": 0.9, "fill": False,
                "lineCap": "round",
                "dashArray": {"solid": None, "dashed": "9 6", "hollow": "2 7"}[band]}
    if broad:
        return {"stroke": False, "fill": True, "fillColor": color, "fillOpacity": 0.05 if band == "hollow" else 0.1,
                "color": color, "tc": accessible(color, LAND, 4.5)}
    return {"color": color, "tc": accessible(color, LAND, 4.5), "weight": 2, "opacity": 0.9, "fill": True, "fillColor": color,
            "fillOpacity": 0.0 if band == "hollow" else 0.12 if approximate else 0.25,
            "dashArray": {"solid": None, "dashed": "8 5", "hollow": "2 5"}[band]}


def _symbol_kind(feature) -> str:
    """The glyph: the event's (strike, checkpoint...) when it has one, else the place's (city, air base...)."""
    return feature.kind if feature.event and feature.kind in _GLYPHS else feature.place_kind


def _has_center(feature) -> bool:
    """Whether an event drawn as an area also gets its symbol inside the area."""
    return (feature.event is not None and feature.geometry.geom_type in ("Polygon", "MultiPolygon")
            and not _broad(feature))


# -- features as page data --------------------------------------------------------------------

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class _TextIndex:
    """Offsets in a report (Python characters) as offsets in the page's copy of its body.

    The browser's copy differs in two ways: the HTML parser turns CRLF into LF, and
    JavaScript strings count characters outside the BMP (emoji) as two units.
    """

    def __init__(self, report):
        import bisect

        self.bisect = bisect.bisect_left
        self.body = report.body_start
        text = report.text
        self.crlf = [m.start() for m in re.finditer("\r\n", text)] if "\r\n" in text else []
        self.astral = [m.start() for m in _ASTRAL.finditer(text)] if _ASTRAL.search(text) else []

    def __call__(self, offset: int) -> int:
        offset = max(offset, self.body)
        if not self.crlf and not self.astral:
            return offset - self.body
        shift = (self.bisect(self.astral, offset) - self.bisect(self.astral, self.body)
                 - (self.bisect(self.crlf, offset) - self.bisect(self.crlf, self.body)))
        return offset - self.body + shift

    def mentions(self, mentions) -> list[list[int]]:
        """[start, end, page start, page end, sentence start, sentence end] of each mention."""
        if not self.crlf and not self.astral:
            b = self.body
            return [[m.start, m.end, m.start - b, m.end - b, max(m.sentence_start, b) - b,
                     max(m.sentence_start + len(m.sentence), b) - b] for m in mentions]
        return [[m.start, m.end, self(m.start), self(m.end), self(m.sentence_start), self(m.sentence_start + len(m.sentence))]
                for m in mentions]

    @staticmethod
    def dom_text(report) -> str:
        """The body as the browser holds it in the panel (line ends as LF)."""
        return re.sub("\r\n?", "\n", report.text[report.body_start:])


def _day(d) -> int:
    import datetime as dt

    return (d - dt.date(1970, 1, 1)).days


class _PageData:
    """What the page script needs for every feature, with repeated values written once."""

    def __init__(self, situation, frame=None):
        self.situation = situation
        self.frame = frame  # (west, south, east, north) of the first view, for placing area names
        self.report_index = {r.id: i for i, r in enumerate(situation.reports)}
        self.text_index = [_TextIndex(r) for r in situation.reports]
        self.details: dict[str, str] = {}
        self.table: dict[str, object] = {}
        self._names: dict[str, list] = {}
        self.in_properties: bool | None = None  # whether Feature.properties carries the optional fields
        self._by_inputs: dict[tuple, str] = {}

    def ref(self, value, prefix: str) -> str:
        text = json.dumps(value, sort_keys=True)
        key = self.details.get(text)
        if key is None:
            key = self.details[text] = f"{prefix}{len(self.details)}"
            self.table[key] = value
        return key

    def details_ref(self, feature) -> str:
        """The key of the feature's popup facts; features that agree on every input share one entry."""
        optional = _optional(feature, self)
        key = (feature.kind, feature.place_kind, bool(feature.event), feature.actor,
               None if feature.derived_from else feature.gazetteer_id, feature.derived_from,
               confidence_band(feature.confidence), feature.method, feature.source, feature.approximate, feature.rule,
               tuple(feature.alternatives[:5]), tuple(sorted(optional.items(), key=lambda kv: kv[0])))
        try:
            ref = self._by_inputs.get(key)
        except TypeError:  # an unhashable optional value: no sharing for this one
            return self.ref(_details(feature, self, optional), "d")
        if ref is None:
            ref = self._by_inputs[key] = self.ref(_details(feature, self, optional), "d")
        return ref

    def place_info(self, place_id):
        """[name, country name, kind label] of a gazetteer record (for the alternatives weighed)."""
        if place_id not in self._names:
            place = _gazetteer().get(place_id) if place_id else None
            self._names[place_id] = ([place.name, _country_name(place.country), KIND_LABELS.get(place.kind, place.kind)]
                                     if place else [place_id, None, None])
        return self._names[place_id]


@cache
def _gazetteer():
    from ..gazetteer.places import default_gazetteer

    return default_gazetteer()


@cache
def _country_names() -> dict:
    return {code: info.get("name") for code, info in package_json("country_info.json").get("countries", {}).items()}


def _country_name(code) -> str | None:
    if not code:
        return None
    place = _gazetteer().get(f"country-{code.lower()}")
    return place.name if place else _country_names().get(code.upper(), code)


#: Optional feature fields shown in popups when the situation provides them.
_OPTIONAL_FIELDS = ("country", "population", "corroboration", "disagreement")


@cache
def _attribute_fields(cls) -> tuple[str, ...]:
    return tuple(k for k in _OPTIONAL_FIELDS if hasattr(cls, k) or k in getattr(cls, "__dataclass_fields__", {}))


def _optional(feature, data) -> dict:
    """The optional fields of a feature, read as attributes, or from ``properties`` when only there."""
    fields = _attribute_fields(type(feature))
    found = {k: getattr(feature, k) for k in fields} if fields else {}
    if len(fields) < len(_OPTIONAL_FIELDS) and data.in_properties is not False:
        if data.in_properties is None:
            # Building ``properties`` costs a dict per mention: only when it may hold something.
            data.in_properties = any(k in feature.properties for k in _OPTIONAL_FIELDS)
        if data.in_properties:
            props = feature.properties
            found.update({k: props.get(k) for k in _OPTIONAL_FIELDS if k not in found})
    return found


def _details(feature, data: _PageData, props: dict | None = None) -> dict:
    """The popup's facts about a feature that are not in the report text (shared by features that agree)."""
    props = _optional(feature, data) if props is None else props
    a = get_actor(feature.actor)
    band, word = confidence_band(feature.confidence)
    country, population = props.get("country"), props.get("population")
    if (country is None or population is None) and feature.gazetteer_id and not feature.derived_from:
        place = _gazetteer().get(feature.gazetteer_id)
        if place is not None:
            country = country or place.country
            population = population if population is not None else place.population
    out = {"kl": KIND_LABELS.get(feature.kind, feature.kind.replace("_", " ")),
           "pk": KIND_LABELS.get(feature.place_kind, feature.place_kind.replace("_", " ")) if feature.event else None,
           "a": a.name if a else None, "cc": _country_name(country), "pop": population or None,
           "band": word, "method": feature.method, "src": feature.source, "appr": feature.approximate,
           "rule": feature.rule, "parent": data.place_info(feature.derived_from)[0] if feature.derived_from else None,
           "alts": [data.place_info(pid) + [round(score, 2)] for pid, score in feature.alternatives[:5]],
           "corr": props.get("corroboration"), "dis": _disagreement_note(props.get("disagreement"))}
    return {k: v for k, v in out.items() if v not in (None, False, [])}


def _disagreement_note(disagreement) -> str | None:
    """Other reports' versions of a feature as one line ("report r2 gives Russia on 2025-11-17; ..."), None
    when there are none (a single report, or reports that agree)."""
    if not disagreement:
        return None
    notes = [d.note if hasattr(d, "note") else str(d.get("note", "")) for d in disagreement]
    return "; ".join(n for n in notes if n) or None


def _feature_json(feature, data: _PageData, key: str, labelled: bool) -> dict:
    from ..situation import _geometry_json

    color = _color(feature.actor)
    report = data.report_index.get(feature.report_id, 0)
    at = data.text_index[report]
    props = {"_key": key, "name": feature.name, "kind": feature.kind, "r": report,
             "c": round(feature.confidence, 2),
             "m": at.mentions(feature.mentions),
             "_d": data.details_ref(feature)}
    if feature.when is not None:
        props["w"] = [_when_label(feature.when), _day(feature.when.first), _day(feature.when.last)]
    geometry = _display_geometry(feature)
    if geometry.geom_type == "Point":
        props["_symbol"] = _symbol_cached(_symbol_kind(feature), color, confidence_band(feature.confidence)[0])
        if labelled:
            props["lb"] = 1
        return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(geometry.x, 5), round(geometry.y, 5)]},
                "properties": props}
    else:
        props["_style"] = _style(feature, color)
        anchor = (_label_point(geometry, data.frame) if _broad(feature) else geometry.representative_point()
                  if not _is_line(feature) else _line_label_point(geometry, data.frame))
        props["_anchor"] = [round(anchor.y, 5), round(anchor.x, 5)]  # (lat, lon): Leaflet's order
        if _has_center(feature):
            # An event known only as an area ("a checkpoint in the countryside of ...") keeps
            # its symbol, at a point inside the area, besides the uncertain area.
            props["_center"] = props["_anchor"]
            props["_symbol"] = _symbol(_symbol_kind(feature), color, confidence_band(feature.confidence)[0])
    if labelled:
        props["lb"] = 1 if not _broad(feature) else 2  # 2: the name of a mentioned area, in its colour
    return {"type": "Feature", "geometry": _round_coordinates(_geometry_json(geometry), 5), "properties": props}


def _label_point(geometry, frame):
    """Where to write an area's name: inside the part of it that the first view shows, if any."""
    point = geometry.representative_point()
    if frame is None:
        return point
    from shapely.geometry import box
    from shapely.ops import polylabel

    view = box(*frame)
    if view.contains(point):
        return point
    part = geometry.intersection(view)
    if part.is_empty or part.geom_type not in ("Polygon", "MultiPolygon"):
        return point
    if part.geom_type == "MultiPolygon":
        part = max(part.geoms, key=lambda g: g.area)
    return polylabel(part, tolerance=max(part.length / 400, 1e-4))


def _line_label_point(geometry, frame):
    """The middle of a line, or of its part in the first view."""
    if frame is not None:
        from shapely.geometry import box

        part = geometry.intersection(box(*frame))
        if not part.is_empty and part.geom_type in ("LineString", "MultiLineString"):
            geometry = part
    if geometry.geom_type == "MultiLineString":
        geometry = max(geometry.geoms, key=lambda g: g.length)
    return geometry.interpolate(0.5, normalized=True)


def _round_coordinates(geometry: dict, digits: int) -> dict:
    """A GeoJSON geometry with coordinates rounded for display (5 digits: about 1 m)."""
    import numpy as np

    def walk(c):
        if isinstance(c, float):
            return round(c, digits)
        if c and isinstance(c[0], (list, tuple)) and c[0] and isinstance(c[0][0], float):
            return np.round(np.asarray(c, dtype=float), digits).tolist()  # a ring or line at once
        return [walk(x) for x in c]
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
    return _script(f"var {group.get_name()}_data = situationMapLayer({script_data(data)}, {group.get_name()});")


# -- the legend and the report panel ----------------------------------------------------------

_AREA_SAMPLES = {
    "area": ("Zone or province", '<rect x="2" y="3" width="24" height="14" rx="2" fill="#666" fill-opacity=".3" stroke="#666" stroke-width="2"/>'),
    "approximate": ("Approximate or derived area (light fill)", '<rect x="2" y="3" width="24" height="14" rx="2" fill="#666" fill-opacity=".14" stroke="#666" stroke-width="2"/>'),
    "broad": ("Mentioned region, country or sea (faint fill, its name)", '<rect x="2" y="3" width="24" height="14" rx="2" fill="#666" fill-opacity=".16"/>'),
    "line": ("Line, river or canal", '<path d="M2 15 C9 2 17 18 26 5" fill="none" stroke="#666" stroke-width="3"/>'),
}
_BAND_SAMPLES = {
    "solid": "Confident (0.8 or more): solid",
    "dashed": "Probable (0.6 to 0.8): dashed ring or outline",
    "hollow": "Uncertain (under 0.6): hollow",
}


def _area_style(feature) -> str | None:
    """Which legend sample a drawn line or area looks like (None for points)."""
    kind = feature.geometry.geom_type
    if kind in ("Point", "MultiPoint"):
        return None
    if kind in ("LineString", "MultiLineString"):
        return "line"
    if _broad(feature):
        return "broad"
    return "approximate" if feature.approximate else "area"


def _legend(drawn) -> tuple[list[dict], list[dict], list[dict]]:
    kinds = sorted({_symbol_kind(f) for f in drawn if f.geometry.geom_type == "Point" or _has_center(f)},
                   key=lambda k: KIND_LABELS.get(k, k))
    symbols = [{"label": KIND_LABELS.get(k, k.replace("_", " ").capitalize()), "svg": _symbol(k, "#666666")["svg"]}
               for k in kinds]
    present = {_area_style(f) for f in drawn} - {None}
    areas = [{"label": label, "svg": f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 28 20" class="sm-area">{svg}</svg>'}
             for style, (label, svg) in _AREA_SAMPLES.items() if style in present]
    used = {confidence_band(f.confidence)[0] for f in drawn}
    bands = [{"label": label, "svg": _symbol("town", "#666666", band)["svg"]}
             for band, label in _BAND_SAMPLES.items() if band in used] if len(used) > 1 or used - {"solid"} else []
    return symbols, areas, bands


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


def _unresolved_reason(mention) -> str:
    reason = getattr(mention, "reason", None)
    return f"not located: {reason}" if reason else "not located: no gazetteer record with this name"


def _segments(text: str, begin: int, spans, keys: dict, layer_index: dict) -> list[dict]:
    """``text[begin:]`` cut at every mention boundary; each piece knows what covers it.

    ``spans`` are ``(start, end, item)``: a Feature, ``("u", mention)`` for an unresolved
    mention or ``("a", record)`` for an associative one (a demonym, "Syrian-backed").
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
        features = [f for f in covering if not isinstance(f, tuple)]
        # Deduplicated by identity: hashing a frozen Feature hashes all its mentions (quadratic on long reports).
        drawn = list({id(f): f for f in features if id(f) in keys}.values())
        context = list({id(f): f for f in features if id(f) not in keys}.values())
        unresolved = [item[1] for item in covering if isinstance(item, tuple) and item[0] == "u"]
        associative = [item[1] for item in covering if isinstance(item, tuple) and item[0] == "a"]
        if drawn:
            # No title: the page script names the features on hover (thousands of titles cost megabytes).
            piece.update(cls=f"sm-m sm-l{layer_index[drawn[0].layer]}", refs=" ".join(keys[id(f)] for f in drawn),
                         n=len(drawn))
        elif context:
            names = dict.fromkeys(f"{f.name} ({KIND_LABELS.get(f.place_kind, f.place_kind).lower()})" for f in context)
            piece.update(cls="sm-ctx", title="; ".join(names) + ": outside this map's view")
        elif unresolved:
            piece.update(cls="sm-unres", title=_unresolved_reason(unresolved[0]))
        elif associative:
            record = associative[0]
            role = getattr(record, "role", "associative")
            what = "a demonym" if role == "demonym" else "named in passing (not a location)"
            place = getattr(record, "gazetteer_id", None)
            name = _gazetteer().get(place).name if place and _gazetteer().get(place) else None
            piece.update(cls="sm-assoc", title=f"{what}" + (f": {name}" if name else "") + "; not drawn")
        if piece["cls"] is None and pieces and pieces[-1]["cls"] is None:
            pieces[-1]["text"] += piece["text"]
        else:
            pieces.append(piece)
    return pieces


def _text(value) -> str:
    """``value`` escaped for HTML text or a quoted attribute, and inert (see :func:`_inert`)."""
    from markupsafe import escape as markup_escape

    return str(markup_escape(value)).translate(_INERT)


def _segments_html(pieces):
    """The text with its marks, as HTML, every value (text and attributes) through :func:`_text`.

    Thousands of marks through a template loop cost seconds; this builds one string,
    escaping each inserted value exactly as the templates' autoescape does.
    """
    from markupsafe import Markup

    out = []
    for s in pieces:
        if not s["cls"]:
            out.append(_text(s["text"]))
            continue
        attrs = ' class="' + _text(s["cls"]) + '"'
        if s["refs"]:
            attrs += ' data-f="' + _text(s["refs"]) + '" tabindex="0" role="button"'
        if s["n"] > 1:
            attrs += ' data-n="' + _text(s["n"]) + '"'
        if s["title"]:
            attrs += ' title="' + _text(s["title"]) + '"'
        out.append("<mark" + attrs + ">" + _text(s["text"]) + "</mark>")
    return Markup("".join(out))


def _report_views(situation, keys: dict, layer_index: dict) -> list[dict]:
    """Each report's text after its header, its mentions linked to the features they name."""
    views = []
    associative = tuple(getattr(situation, "associative", ()) or ())
    for index, report in enumerate(situation.reports):
        # A feature merged from several reports quotes each of them: only this report's mentions index its text.
        spans = [(m.start, m.end, f) for f in situation.features
                 for rid, m in f.sources() if (rid or situation.report.id) == report.id]
        spans += [(m.start, m.end, ("u", m)) for m in situation.unresolved
                  if report.text[m.start:m.end] == m.text
                  and report.text[m.sentence_start:m.sentence_start + len(m.sentence)] == m.sentence]
        spans += [(a.start, a.end, ("a", a)) for a in associative
                  if len(situation.reports) == 1 or report.text[a.start:a.end] == a.text]
        views.append({"index": index, "title": report.title or report.source or report.id,
                      "html": _segments_html(_segments(report.text, report.body_start, spans, keys, layer_index))})
    return views


def _event_rows(situation, keys: dict, symbol_refs: dict) -> list[dict]:
    """Events as a dated list (undated last); each row links to its drawn features."""
    def order(f):
        return (f.when is None, f.when.first.isoformat() if f.when else "", f.name)

    rows: dict[tuple, dict] = {}
    refs_by_object: dict[int, str | None] = {}
    for f in sorted((f for f in situation.features if f.event), key=order):
        a = get_actor(f.actor)
        label = f"{a.name + ' ' if a else ''}{KIND_LABELS.get(f.kind, f.kind).lower()}: {f.name}"
        symbol = _symbol_cached(_symbol_kind(f), _color(f.actor), confidence_band(f.confidence)[0])
        if id(symbol) not in refs_by_object:
            refs_by_object[id(symbol)] = symbol_refs.get(json.dumps(symbol, sort_keys=True))
        row = rows.setdefault((label, f.when.iso if f.when else None), {
            "when": _when_label(f.when), "label": label, "refs": [],
            "symbol": refs_by_object[id(symbol)], "svg": symbol["svg"]})
        if id(f) in keys:
            row["refs"].append(keys[id(f)])
    return [{**row, "refs": " ".join(row["refs"])} for row in rows.values()]


def _event_rows_html(rows, inline_symbols: bool):
    """The events list as HTML, every value through :func:`_text` (see :func:`_segments_html`)."""
    from markupsafe import Markup

    out = []
    for e in rows:
        cls = "sm-event" if e["refs"] else "sm-event sm-event-ctx"
        attrs = (' data-f="' + _text(e["refs"]) + '" tabindex="0" role="button"') if e["refs"] else ""
        if inline_symbols or not e["symbol"]:
            symbol = '<span class="sm-symbol">' + e["svg"] + "</span>"  # our own SVG (render._symbol)
        else:
            symbol = '<span class="sm-symbol" data-s="' + _text(e["symbol"]) + '"></span>'
        out.append('        <li class="' + cls + '"' + attrs + '><span class="sm-when">' + _text(e["when"] or "undated")
                   + "</span>" + symbol + '<span class="sm-event-label">' + _text(e["label"]) + "</span></li>\n")
    return Markup("".join(out))


def _timeline(drawn) -> dict | None:
    """The range of days of the dated features, when there are at least two distinct days."""
    dated = [f.when for f in drawn if f.when is not None]
    days = sorted({_day(w.first) for w in dated} | {_day(w.last) for w in dated})
    if len(days) < 2:
        return None
    import datetime as dt

    first, last = days[0], days[-1]
    iso = [(dt.date(1970, 1, 1) + dt.timedelta(days=d)).isoformat() for d in (first, last)]
    return {"min": first, "max": last, "min_iso": iso[0], "max_iso": iso[1],
            "undated": sum(f.when is None for f in drawn)}


def _panel_html(situation, layers, keys: dict, symbol_refs: dict, inline_symbols: bool, events=None) -> str:
    from markupsafe import Markup

    r = situation.report
    drawn = [f for f in situation.features if not f.context]
    layer_index = {layer.name: i for i, layer in enumerate(layers)}
    symbols, areas, bands = _legend(drawn)
    colors = [_layer_color(layer) for layer in layers]
    events = _event_rows(situation, keys, symbol_refs) if events is None else events
    associative = tuple(getattr(situation, "associative", ()) or ())
    counts = [f"{len(drawn)} mapped", f"{len(events)} events" if events else None,
              f"{len(situation.unresolved)} not located" if situation.unresolved else None]
    reports = [{"title": x.title or x.source or x.id, "source": x.source if x.title else None,
                "published": x.published.isoformat() if x.published else None} for x in situation.reports]
    return _templates().get_template("panel.html").render(
        title=r.title or "Situation map", source=r.source, url=r.url if r.url and re.match(r"https?://", r.url) else None,
        published=r.published.isoformat() if r.published else None,
        merged=reports if len(reports) > 1 else None,
        counts=" · ".join(c for c in counts if c),
        layers=[{"index": i, "color": c, "tint": _tint(c)} for i, c in enumerate(colors)],
        reports=_report_views(situation, keys, layer_index),
        kinds=symbols, areas=areas, bands=bands,
        events=(_event_rows_html(events, inline_symbols) if inline_symbols else Markup("")) if events else None,
        lazy_events=bool(events) and not inline_symbols,
        timeline=_timeline(drawn),
        context=list({f.name: {"name": f.name, "kind": KIND_LABELS.get(f.place_kind, f.place_kind)}
                      for f in situation.features if f.context}.values()),
        unresolved=[{**m.to_dict(), "reason": getattr(m, "reason", None)} for m in situation.unresolved],
        associative=[{"text": a.text, "start": a.start, "end": a.end,
                      "role": "demonym" if getattr(a, "role", None) == "demonym" else "in passing"}
                     for a in associative],
    )


def _layer_label(layer, count: int) -> str:
    """The layer control's label: a colour swatch, the escaped name and the count."""
    return _templates().from_string(
        '<span class="sm-swatch" style="background:{{ color }}"></span>{{ name }} <span class="sm-count">{{ count }}</span>'
    ).render(color=_layer_color(layer), name=layer.name, count=count)


# -- framing ---------------------------------------------------------------------------------

def framing_bounds(drawn) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of what the first view should show: events and sites, not mentioned areas.

    Events and places that are points or small areas set the frame; mentioned countries,
    regions and seas do so only when nothing else is drawn.
    """
    if not drawn:
        return None
    located = [f for f in drawn if not _broad(f)]
    events = [f for f in located if f.event]
    sites = [f for f in located if f.geometry.geom_type == "Point"]
    seen = {id(f) for f in events}
    framing = [f.geometry for f in events + [f for f in sites if id(f) not in seen]]
    if not events:
        # An event known only as a vast area ("an attack in the Red Sea") still gets into the view,
        # by a point inside it, not by its whole extent.
        framing += [f.geometry.representative_point() for f in drawn if f.event and _broad(f)]
    framing = framing or [f.geometry for f in located] or [f.geometry for f in drawn]
    # Bounds of the bounds (no union: cheaper, and indifferent to an invalid derived area).
    boxes = [g.bounds for g in framing if not g.is_empty]
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


# -- the map ---------------------------------------------------------------------------------

def render_folium(situation, m=None, *, tiles: str | None = None, offline: bool = True, basemap: bool = True,
                  labels: bool = True, width="100%", height="100%"):
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
        Draw the bundled country outlines, first-level boundaries and lakes under the features.
    labels : bool
        Name countries, regions, towns and cities on the basemap (more as one zooms in).
    """
    import folium

    drawn = [f for f in situation.features if not f.context]
    layers = [l for l in situation.layers if any(not f.context for f in l.features)]
    minx, miny, maxx, maxy = framing_bounds(drawn) or (-10, -10, 10, 10)
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
    keys, datas, canvas = _layer_data(situation, layers, (minx, miny, maxx, maxy) if drawn else None)
    if new_map and (basemap or labels):
        from .basemap import basemap_layers
        from .labels import choose_labels

        base = basemap_layers((minx, miny, maxx, maxy)) if basemap else {"countries": [], "admin1": [], "lakes": []}
        if labels:
            # Basemap names keep clear of the symbols (on a canvas map of thousands of dots, they cannot).
            points = [] if canvas else [(f.geometry.x, f.geometry.y, 13) for f in drawn if f.geometry.geom_type == "Point"]
            named = {f.name for f in drawn} if not canvas else set()
            base["labels"] = [l.to_json() for l in choose_labels((minx, miny, maxx, maxy), reserved=points, exclude=named)]
        m.add_child(_script(f"situationMapBasemap({m.get_name()}, {script_data(base)});"), name="situation_basemap")
    # Without a panel (layers added to the caller's map) no page element holds the report text:
    # the popups then quote it from the data.
    symbol_refs = _add_layers(m, situation, layers, keys, datas, with_texts=not new_map)
    if new_map:
        pad = 0.05 * max(maxx - minx, maxy - miny, 0.1)
        bounds = [[miny - pad, minx - pad], [maxy + pad, maxx + pad]] if drawn else None
        _add_page(m, situation, layers, keys, bounds, symbol_refs, inline_symbols=not canvas)
    return m


def _report_meta(situation, with_texts: bool = False) -> list[dict]:
    out = []
    for r in situation.reports:
        meta = {"title": r.title, "source": r.source or r.title, "published": r.published.isoformat() if r.published else None}
        if with_texts:
            meta["text"] = _TextIndex.dom_text(r)
        out.append(meta)
    return out


def _layer_data(situation, layers, frame=None):
    """Each drawn feature's key (by ``id()``), the layers' GeoJSON for the page, and whether markers go on a canvas.

    Keys link a feature's drawing to its mentions in the text; they are unique on
    the page even when several situations are added to one map.
    """
    prefix = f"f{secrets.token_hex(3)}-"
    keys = {id(f): f"{prefix}{i}" for i, f in enumerate(situation.features) if not f.context}
    if not keys:
        keys = {}
    points = sum(f.geometry.geom_type == "Point" for f in situation.features if not f.context)
    canvas = points > CANVAS_POINTS
    data = _PageData(situation, frame)
    datas = [{"type": "FeatureCollection", "layer": index, "canvas": canvas,
              "features": [_feature_json(f, data, keys[id(f)], labelled=not canvas)
                           for f in _draw_order(layer.features) if not f.context]}
             for index, layer in enumerate(layers)]
    datas.append(data.table)  # the shared details, written by _add_layers
    return keys, datas, canvas


def _add_layers(m, situation, layers, keys, datas, with_texts: bool = False) -> dict:
    """One ``FeatureGroup`` per layer, over one table of shared geometries, symbols and details."""
    import folium

    details = datas.pop()
    prefix = next(iter(keys.values()), "f-").rsplit("-", 1)[0] + "-"
    shared = _share_geometries(datas, prefix)
    symbols, refs = _share_symbols(datas, prefix)
    tables = {"prefix": prefix, "geometries": shared, "symbols": symbols, "details": details,
              "reports": _report_meta(situation, with_texts)}
    m.add_child(_script(f"situationMapTables({m.get_name()}, {script_data(tables)});"),
                name=f"situation_tables_{prefix}")
    for layer, data in zip(layers, datas):
        group = folium.FeatureGroup(name=_layer_label(layer, sum(not f.context for f in layer.features)),
                                    overlay=True, show=True)
        group.add_child(_layer_script(group, data))
        group.add_to(m)
    return refs


def _add_page(m, situation, layers, keys: dict, bounds, symbol_refs: dict, inline_symbols: bool) -> None:
    """The briefing around a new map: page layout, title, report panel, layer control, view."""
    import folium

    root = m.get_root()
    root.header.add_child(_raw(f"<style>{_asset('page.css')}</style>"), name="situation_page_css")
    title = situation.report.title or "Situation map"
    root.header.add_child(_raw(_templates().get_template("head.html").render(title=title)), name="situation_head")
    events = _event_rows(situation, keys, symbol_refs)
    root.html.add_child(_raw(_panel_html(situation, layers, keys, symbol_refs, inline_symbols, events)),
                        name="situation_panel")
    if not inline_symbols:
        # A large map's events list is built by the page script when it scrolls into view:
        # ten thousand rows of markup would double the time to the first frame.
        rows = [[e["when"] or "undated", e["label"], e["refs"], e["symbol"]] for e in events]
        if rows:
            m.add_child(_script(f"situationMapEvents({script_data(rows)});"), name="situation_events")
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    # The script fits the view once the controls exist, so that they do not cover features.
    m.add_child(_script(f"situationMap.init({m.get_name()}, {script_json(bounds)});"), name="situation_init")


def _share_geometries(datas: list[dict], prefix: str) -> dict:
    """Geometries drawn more than once (a country in three actors' layers) are written once.

    Such features get ``geometry: null`` and a ``_g`` reference into the returned table,
    which the page script resolves before drawing.
    """
    uses: dict[str, list[dict]] = {}
    for data in datas:
        for feature in data["features"]:
            if feature["geometry"]["type"] == "Point":
                continue  # a point is shorter than a reference to it
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


def _share_symbols(datas: list[dict], prefix: str) -> tuple[dict, dict]:
    """Marker symbols and area styles are written once per distinct value and referenced by key.

    Returns the table (key -> value) and the keys by the value's JSON text.
    """
    table: dict[str, object] = {}
    refs: dict[str, str] = {}
    by_object: dict[int, str] = {}  # symbols and styles are cached objects: most are seen again by identity
    for data in datas:
        for feature in data["features"]:
            props = feature["properties"]
            for name, short in (("_symbol", "_s"), ("_style", "_st")):
                value = props.pop(name, None)
                if value is None:
                    continue
                ref = by_object.get(id(value))
                if ref is None:
                    text = json.dumps(value, sort_keys=True)
                    if text not in refs:
                        refs[text] = f"{prefix}{short}{len(refs)}"
                        table[refs[text]] = value
                    ref = by_object[id(value)] = refs[text]
                props[short] = ref
    return table, refs


def _draw_order(features):
    """Large areas first, then lines, then points, so that smaller things stay clickable on top."""
    def size(f):
        g = f.geometry
        if g.geom_type in ("Polygon", "MultiPolygon"):
            return (0, -g.area)
        return (1, 0) if g.geom_type in ("LineString", "MultiLineString") else (2, 0)
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
