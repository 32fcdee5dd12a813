"""Exporters: a situation written as GeoJSON, GeoPackage, KML or CSV.

The format is inferred from the output's suffix through one table
(:data:`SUFFIXES`), or named with ``format=``; anything else is an
:class:`~mapping.errors.UnknownFormatError` that lists the formats. Every
exporter starts from the same record, the situation's ``__geo_interface__``
(the GeoJSON contract), so ids, properties and rounded geometries agree
across formats, and every one writes atomically: the output appears whole or
not at all.

Adding a format is one :class:`Exporter` subclass decorated with
:func:`register`.

Examples
--------
>>> formats()
['csv', 'geojson', 'gpkg', 'kml']
>>> exporter_for("out.GeoJSON").name
'geojson'
>>> exporter_for("out.shp")
Traceback (most recent call last):
...
mapping.errors.UnknownFormatError: cannot tell the output format from 'out.shp': expected a file ending in .csv, .geojson, .gpkg, .json or .kml (formats: csv, geojson, gpkg, kml), or name the format (--format, format=)
>>> exporter_for("-", format="xlsx")
Traceback (most recent call last):
...
mapping.errors.UnknownFormatError: unknown output format 'xlsx': expected one of csv, geojson, gpkg, kml
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path
from xml.etree import ElementTree as ET

from ..errors import MappingError, OutputError, UnknownFormatError

__all__ = ["Exporter", "EXPORTERS", "SUFFIXES", "OTHER_SUFFIXES", "register", "formats", "exporter_for", "export",
           "check_suffix", "format_of_suffix", "suffixes_of", "source_note"]

#: Exporters by format name.
EXPORTERS: dict[str, "Exporter"] = {}
#: Format name by lower-case file suffix.
SUFFIXES: dict[str, str] = {}
#: The outputs that are not exporters, by suffix: the HTML map (``situation-map map -o``,
#: :meth:`~mapping.Situation.save_html`) and its picture (``--png``). With :data:`SUFFIXES`
#: this is the one table of which suffix means which format.
OTHER_SUFFIXES: dict[str, str] = {".html": "html", ".htm": "html", ".png": "png"}
#: How messages name each format.
_FORMAT_WORDS = {"html": "the HTML map", "png": "a PNG image", "geojson": "GeoJSON", "gpkg": "a GeoPackage",
                 "kml": "KML", "csv": "CSV"}


class Exporter:
    """Writes a situation in one format.

    Subclasses set :attr:`name`, :attr:`suffixes` and :attr:`description`,
    and implement either :meth:`dumps` (text formats) or :meth:`write`
    (formats written by a library to a file, such as GeoPackage). They never
    deal with temporary files or standard output: :func:`export` does.
    """

    name: str = ""
    suffixes: tuple[str, ...] = ()
    description: str = ""

    def dumps(self, situation) -> str:
        """The situation in this format, as text."""
        raise NotImplementedError(f"{type(self).__name__} writes files only")

    def write(self, situation, path: Path) -> None:
        """Write the situation to ``path``, a new file in a private temporary folder."""
        path.write_bytes(self.dumps(situation).encode("utf-8"))

    def __repr__(self):
        return f"<{type(self).__name__} {self.name!r} ({', '.join(self.suffixes)})>"


def register(cls):
    """Class decorator: add an :class:`Exporter` to the registry and its suffixes to :data:`SUFFIXES`."""
    exporter = cls()
    EXPORTERS[exporter.name] = exporter
    for suffix in exporter.suffixes:
        SUFFIXES[suffix.lower()] = exporter.name
    return cls


def formats() -> list[str]:
    """Names of the output formats, sorted."""
    return sorted(EXPORTERS)


def exporter_for(path=None, format: str | None = None) -> Exporter:
    """The exporter named by ``format``, or else the one for ``path``'s suffix."""
    if format is not None:
        key = str(format).lower().lstrip(".")
        key = SUFFIXES.get(f".{key}", key)
        if key not in EXPORTERS:
            raise UnknownFormatError(f"unknown output format {format!r}: expected one of {', '.join(formats())}")
        if path is not None:
            check_suffix(path, key)
        return EXPORTERS[key]
    suffix = Path(str(path)).suffix.lower() if path is not None and str(path) != "-" else ""
    if suffix not in SUFFIXES:
        raise UnknownFormatError(
            f"cannot tell the output format from {str(path)!r}: expected a file ending in "
            f"{_or(sorted(SUFFIXES))} (formats: {', '.join(formats())}), or name the format (--format, format=)")
    return EXPORTERS[SUFFIXES[suffix]]


def format_of_suffix(path) -> str | None:
    """The format a file name's suffix names (an exporter's, ``html`` or ``png``), or None.

    >>> format_of_suffix("out.GPKG"), format_of_suffix("map.htm"), format_of_suffix("notes.txt")
    ('gpkg', 'html', None)
    """
    suffix = Path(str(path)).suffix.lower()
    return SUFFIXES.get(suffix) or OTHER_SUFFIXES.get(suffix)


def suffixes_of(format: str) -> list[str]:
    """The suffixes that name ``format``, the usual one first.

    >>> suffixes_of("geojson"), suffixes_of("html")
    (['.geojson', '.json'], ['.html', '.htm'])
    """
    if format in EXPORTERS:
        return list(EXPORTERS[format].suffixes)
    return [s for s, f in OTHER_SUFFIXES.items() if f == format]


def check_suffix(path, format: str, *, option: str | None = None, fixes: dict | None = None) -> None:
    """Refuse to write ``format`` to ``path`` when the file name says otherwise.

    With ``option`` (a command-line option that always writes ``format``,
    such as ``-o`` for the HTML map) the suffix must be one of the format's;
    ``fixes`` maps other formats to the option that writes them, for the
    message. Without it (the format was named, ``format=`` or ``--format``)
    only a suffix of another known format is refused: ``out.txt`` may hold
    CSV, ``out.gpkg`` may not hold KML. ``'-'`` (standard output) is always
    accepted.

    >>> check_suffix("m.html", "html", option="-o")
    >>> check_suffix("m.geojson", "html", option="-o", fixes={"geojson": "--geojson"})
    Traceback (most recent call last):
    ...
    mapping.errors.OutputError: -o writes the HTML map, but 'm.geojson' ends in .geojson (GeoJSON): expected a file ending in .html or .htm, e.g. m.html; to write GeoJSON, use --geojson m.geojson
    >>> check_suffix("out.gpkg", "kml")
    Traceback (most recent call last):
    ...
    mapping.errors.OutputError: format 'kml' contradicts 'out.gpkg', which ends in .gpkg (gpkg): name the file out.kml, or drop format= to write gpkg
    """
    if str(path) == "-":
        return
    expected = suffixes_of(format)
    suffix = Path(str(path)).suffix.lower()
    if suffix in expected:
        return
    known = format_of_suffix(path)
    renamed = str(Path(str(path)).with_suffix(expected[0])) if Path(str(path)).name not in ("", ".", "..") else None
    if option is None:
        if known is None:
            return
        raise OutputError(f"format {format!r} contradicts {str(path)!r}, which ends in {suffix} ({known}): name the "
                          f"file {renamed}, or drop format= to write {known}")
    if option.startswith("--format"):
        if known is None:
            return
        raise OutputError(f"{option} contradicts {str(path)!r}, which ends in {suffix} ({known}): name the file "
                          f"{renamed}, or drop --format to write {known}")
    ends = f"ends in {suffix}" + (f" ({_FORMAT_WORDS.get(known, known)})" if known else "") if suffix else "has no suffix"
    message = (f"{option} writes {_FORMAT_WORDS.get(format, format)}, but {str(path)!r} {ends}: expected a file "
               f"ending in {_or(expected)}" + (f", e.g. {renamed}" if renamed else ""))
    if known and fixes and known in fixes:
        message += f"; to write {_FORMAT_WORDS.get(known, known)}, use {fixes[known]} {path}"
    raise OutputError(message)


def _or(items) -> str:
    return ", ".join(items[:-1]) + " or " + items[-1] if len(items) > 1 else "".join(items)


def export(situation, path, format: str | None = None) -> Path:
    """Write ``situation`` to ``path`` in the format of its suffix (or ``format``).

    ``'-'`` writes to standard output (then ``format`` is required). The file
    is written in a temporary folder beside ``path`` and renamed into place,
    so a failure never leaves a partial file, and an existing file is only
    replaced by a complete one.
    """
    exporter = exporter_for(path, format)
    if str(path) == "-":
        data = _to_bytes(exporter, situation)
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return Path("-")
    from ..io import output_target, write_error

    path = Path(path)
    if path.is_dir() and not path.is_symlink():
        raise OutputError(f"cannot write {str(path)!r}: it is a folder; expected a file name such as "
                          f"{str(path / ('situation' + exporter.suffixes[0]))!r}")
    target = output_target(path)  # a symlink is written through
    parent = target.parent if str(target.parent) else Path(".")
    try:
        workdir = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent))
    except OSError as err:
        raise write_error(path, err) from err
    try:
        tmp = workdir / target.name
        try:
            exporter.write(situation, tmp)
        except OSError as err:
            raise write_error(path, err) from err
        except Exception as err:
            # GDAL (GeoPackage) reports a full disk or a file-size limit as its own error types.
            if type(err).__module__.startswith("pyogrio"):
                raise OutputError(f"cannot write {str(path)!r}: GDAL failed ({str(err).strip().splitlines()[0]}); "
                                  "check the free disk space and the file-size limit (ulimit -f); "
                                  "nothing was written") from err
            raise
        umask = os.umask(0)
        os.umask(umask)
        try:
            os.chmod(tmp, 0o666 & ~umask)
            os.replace(tmp, target)
        except OSError as err:
            raise write_error(path, err) from err
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return path


def _to_bytes(exporter: Exporter, situation) -> bytes:
    try:
        return exporter.dumps(situation).encode("utf-8")
    except NotImplementedError:
        with tempfile.TemporaryDirectory(prefix="situation-map-") as tmp:
            target = Path(tmp) / f"out{exporter.suffixes[0]}"
            exporter.write(situation, target)
            return target.read_bytes()


# -- shared helpers ---------------------------------------------------------------

def _records(situation) -> tuple[dict, list[dict]]:
    """The GeoJSON contract as plain data: (collection, features)."""
    data = situation.__geo_interface__
    return data, data["features"]


def _reports(situation) -> dict:
    return {r.id: r.metadata for r in situation.reports}


def _flat(value):
    """A property value as a scalar column: lists and objects become JSON text."""
    if isinstance(value, (list, dict, tuple)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def _document_for(report_id, reports: dict) -> dict:
    if report_id in reports:
        return reports[report_id]
    return next(iter(reports.values()), {})


def source_note(mention: dict, document: dict) -> str:
    """One mention's source note as plain text.

    >>> source_note({"text": "Quneitra", "start": 15, "end": 23, "sentence": "Troops entered Quneitra."},
    ...             {"title": "Briefing", "source": "Example News", "published": "2025-11-18"})
    '“Troops entered Quneitra.” (characters 15–23) — Example News, Briefing, 2025-11-18'
    """
    where = ", ".join(str(x) for x in (document.get("source"), document.get("title"), document.get("published")) if x)
    return f"“{mention['sentence']}” (characters {mention['start']}–{mention['end']})" + (f" — {where}" if where else "")


def _geometry(geojson_geometry):
    from shapely.geometry import shape

    return shape(geojson_geometry) if geojson_geometry else None


# -- GeoJSON ------------------------------------------------------------------------

@register
class GeoJSONExporter(Exporter):
    """RFC 7946 GeoJSON: exactly :meth:`mapping.Situation.to_geojson`."""

    name = "geojson"
    suffixes = (".geojson", ".json")
    description = "GeoJSON FeatureCollection (RFC 7946), with document and unresolved members"

    def dumps(self, situation) -> str:
        return situation.to_geojson()


# -- GeoPackage ---------------------------------------------------------------------

def _table_name(name: str, taken: set) -> str:
    base = re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_") or "layer"
    if base[0].isdigit():
        base = f"layer_{base}"
    table, n = base, 2
    while table in taken:
        table, n = f"{base}_{n}", n + 1
    taken.add(table)
    return table


#: GeoPackage table suffix for each geometry family; a family's single and Multi types share a table.
_FAMILIES = {"Point": "points", "MultiPoint": "points", "LineString": "lines", "MultiLineString": "lines",
             "Polygon": "polygons", "MultiPolygon": "polygons"}


def _family_geometry(geometry):
    """``(family, geometry)``: a GeometryCollection (what some derived areas come out as) keeps its
    parts of the highest dimension, so that every table holds one geometry type."""
    if geometry.geom_type != "GeometryCollection":
        return _FAMILIES[geometry.geom_type], geometry
    from shapely.geometry import MultiLineString, MultiPoint, MultiPolygon

    parts = [p for g in geometry.geoms for p in (getattr(g, "geoms", None) or [g]) if not p.is_empty]
    top = max((p.geom_type for p in parts), key=lambda t: ("Point", "LineString", "Polygon").index(t))
    multi = {"Point": MultiPoint, "LineString": MultiLineString, "Polygon": MultiPolygon}[top]
    return _FAMILIES[top], multi([p for p in parts if p.geom_type == top])


@register
class GeoPackageExporter(Exporter):
    """OGC GeoPackage through pyogrio: a table per layer and geometry family, plus ``unresolved`` and ``documents``.

    A layer mixes points (bases, checkpoints), lines and polygons (zones,
    provinces), and QGIS, shapefiles and most GIS tools want one geometry
    type per table, so each layer is split into ``<layer>_points``,
    ``<layer>_lines`` and ``<layer>_polygons`` (those it has), and a table
    that mixes single and Multi geometries of its family is promoted to the
    Multi type. ``unresolved`` (mentions not located) and ``documents`` are
    attribute tables, always written. List and object properties
    (``mentions``, ``actors``) are JSON text; the layer's display name is kept
    in each row's ``layer`` column.
    """

    name = "gpkg"
    suffixes = (".gpkg",)
    description = ("GeoPackage, a table per layer and geometry type (EPSG:4326), unresolved mentions and documents as "
                   "attribute tables")

    def write(self, situation, path: Path) -> None:
        import geopandas as gpd
        import pandas as pd
        import pyogrio

        data, features = _records(situation)
        taken = {"unresolved", "documents"}
        tables: dict[tuple[str, str], list[tuple[dict, object]]] = {}
        for f in features:
            family, geometry = _family_geometry(_geometry(f["geometry"]))
            tables.setdefault((f["properties"]["layer"], family), []).append((f, geometry))
        for (layer, family), rows in tables.items():
            table = _table_name(f"{layer}_{family}", taken)
            columns = ["id", *rows[0][0]["properties"]]
            geometries = [g for _, g in rows]
            kinds = {g.geom_type for g in geometries}
            if len(kinds) > 1:  # Polygon and MultiPolygon in one table: all MultiPolygon
                from shapely.geometry import MultiLineString, MultiPoint, MultiPolygon

                multi = {"points": MultiPoint, "lines": MultiLineString, "polygons": MultiPolygon}[family]
                geometries = [g if g.geom_type.startswith("Multi") else multi([g]) for g in geometries]
            frame = gpd.GeoDataFrame(
                [{"id": f["id"], **{k: _flat(v) for k, v in f["properties"].items()}} for f, _ in rows],
                columns=columns, geometry=geometries, crs="EPSG:4326")
            pyogrio.write_dataframe(frame, path, layer=table, driver="GPKG", geometry_type=geometries[0].geom_type,
                                    layer_options={"DESCRIPTION": f"{layer} ({family})"})
        documents = [{**r.metadata, "body_start": r.body_start, "length": len(r.text)} for r in situation.reports]
        pyogrio.write_dataframe(pd.DataFrame(documents, columns=["id", "title", "source", "url", "published",
                                                                 "body_start", "length"]),
                                path, layer="documents", driver="GPKG")
        columns = ["text", "start", "end", "sentence", "reason", "report_id"]
        unresolved = pd.DataFrame([{c: u.get(c) for c in columns} for u in data.get("unresolved") or []], columns=columns)
        if unresolved.empty:  # typed columns, so that the empty table still says what it would hold
            unresolved = unresolved.astype({"text": str, "start": "int64", "end": "int64", "sentence": str,
                                            "reason": str, "report_id": str})
        pyogrio.write_dataframe(unresolved, path, layer="unresolved", driver="GPKG")


# -- KML ------------------------------------------------------------------------------

_KML_NS = "http://www.opengis.net/kml/2.2"


def _kml_color(hex_rgb: str, alpha: int) -> str:
    """``#rrggbb`` as KML's ``aabbggrr``."""
    rgb = hex_rgb.lstrip("#")
    if not re.fullmatch(r"[0-9a-fA-F]{6}", rgb):
        rgb = "888888"
    return f"{alpha:02x}{rgb[4:6]}{rgb[2:4]}{rgb[0:2]}".lower()


def _kml_coords(coords) -> str:
    return " ".join(f"{x!r},{y!r}" for x, y, *_ in coords)


def _kml_geometry(parent, geometry: dict) -> None:
    kind = geometry["type"]
    if kind == "Point":
        ET.SubElement(ET.SubElement(parent, "Point"), "coordinates").text = _kml_coords([geometry["coordinates"]])
    elif kind == "LineString":
        line = ET.SubElement(parent, "LineString")
        ET.SubElement(line, "tessellate").text = "1"
        ET.SubElement(line, "coordinates").text = _kml_coords(geometry["coordinates"])
    elif kind == "Polygon":
        polygon = ET.SubElement(parent, "Polygon")
        ET.SubElement(polygon, "tessellate").text = "1"
        for i, ring in enumerate(geometry["coordinates"]):
            boundary = ET.SubElement(polygon, "outerBoundaryIs" if i == 0 else "innerBoundaryIs")
            ET.SubElement(ET.SubElement(boundary, "LinearRing"), "coordinates").text = _kml_coords(ring)
    elif kind.startswith("Multi") or kind == "GeometryCollection":
        multi = ET.SubElement(parent, "MultiGeometry")
        parts = geometry["geometries"] if kind == "GeometryCollection" else [
            {"type": kind[5:], "coordinates": c} for c in geometry["coordinates"]]
        for part in parts:
            _kml_geometry(multi, part)
    else:  # pragma: no cover - GeoJSON has no other types
        raise MappingError(f"cannot write geometry type {kind!r} to KML")


def _note_html(props: dict, mentions, document: dict) -> str:
    """A placemark's description: HTML from an autoescaping template, so every piece of report
    text is escaped.

    ``mentions`` are :class:`~mapping.language.extract.Mention` objects; each is
    quoted in its sentence, highlighted at its own offsets.
    """
    from .render import _templates

    quotes = []
    for m in mentions:
        i = m.start - m.sentence_start
        s = m.sentence
        quotes.append({"before": s[:i], "text": s[i:i + len(m.text)], "after": s[i + len(m.text):],
                       "start": m.start, "end": m.end})
    url = document.get("url")
    html_text = _templates().get_template("kml_note.html").render(
        head=" · ".join(str(x) for x in (props.get("kind"), props.get("layer"), props.get("when")) if x),
        quotes=quotes,
        where=", ".join(str(x) for x in (document.get("source"), document.get("title"), document.get("published")) if x),
        url=str(url) if url and re.match(r"https?://", str(url), re.IGNORECASE) else None,
        method=props.get("method"), confidence=props.get("confidence"), source=props.get("source") or "",
        precision_m=props.get("precision_m"), approximate=props.get("approximate"),
    )
    return html_text.strip()


def _kml_when(parent, props: dict) -> None:
    when = props.get("when")
    if not when:
        return
    if "/" in when:
        span = ET.SubElement(parent, "TimeSpan")
        ET.SubElement(span, "begin").text = props["when_start"]
        ET.SubElement(span, "end").text = props["when_end"]
    else:
        ET.SubElement(ET.SubElement(parent, "TimeStamp"), "when").text = when


def _style_id(key: str) -> str:
    return "style-" + re.sub(r"[^0-9A-Za-z_-]+", "-", key).strip("-")


@register
class KMLExporter(Exporter):
    """KML 2.2 for Google Earth: a folder per layer, a style per actor, source notes as descriptions.

    Dated features carry ``TimeStamp`` (a day, month or year) or ``TimeSpan``
    (an interval); each placemark's ``ExtendedData`` keeps the GeoJSON
    properties, ``feature_id`` being the feature's id. Unresolved mentions
    are placemarks without geometry in the folder "Unresolved mentions".
    """

    name = "kml"
    suffixes = (".kml",)
    description = "KML for Google Earth: folders per layer, styles per actor, time stamps, source notes"

    def dumps(self, situation) -> str:
        data, features = _records(situation)
        reports = _reports(situation)
        document_meta = data.get("document") or {}
        kml = ET.Element("kml", xmlns=_KML_NS)
        doc = ET.SubElement(kml, "Document")
        ET.SubElement(doc, "name").text = document_meta.get("title") or "situation-map"
        lines = [", ".join(str(v) for v in (m.get("source"), m.get("title"), m.get("published")) if v)
                 for m in reports.values()]
        ET.SubElement(doc, "description").text = "".join(f"<p>{html.escape(line)}</p>" for line in lines if line)
        for layer in situation.layers:
            for approximate in (False, True):
                style = ET.SubElement(doc, "Style", id=_style_id(layer.name + ("-approximate" if approximate else "")))
                icon = ET.SubElement(style, "IconStyle")
                ET.SubElement(icon, "color").text = _kml_color(layer.color, 0xFF)
                ET.SubElement(icon, "scale").text = "1.0"
                line = ET.SubElement(style, "LineStyle")
                ET.SubElement(line, "color").text = _kml_color(layer.color, 0xFF)
                ET.SubElement(line, "width").text = "1.5" if approximate else "2.5"
                poly = ET.SubElement(style, "PolyStyle")
                ET.SubElement(poly, "color").text = _kml_color(layer.color, 0x33 if approximate else 0x66)
        by_layer: dict[str, list[tuple]] = {}
        for feature, f in zip(situation.features, features):
            by_layer.setdefault(f["properties"]["layer"], []).append((feature, f))
        for layer in situation.layers:
            folder = ET.SubElement(doc, "Folder")
            ET.SubElement(folder, "name").text = layer.name
            for feature, f in by_layer.get(layer.name, []):
                props = f["properties"]
                pm = ET.SubElement(folder, "Placemark")
                ET.SubElement(pm, "name").text = props.get("name") or ""
                ET.SubElement(pm, "description").text = _note_html(
                    props, feature.mentions, _document_for(props.get("report_id"), reports))
                _kml_when(pm, props)
                ET.SubElement(pm, "styleUrl").text = "#" + _style_id(layer.name + ("-approximate" if props.get("approximate") else ""))
                extended = ET.SubElement(pm, "ExtendedData")
                for key, value in (("feature_id", f["id"]), *props.items()):
                    if key in ("name",) or value is None:
                        continue
                    d = ET.SubElement(extended, "Data", name=key)
                    ET.SubElement(d, "value").text = str(_flat(value)).lower() if isinstance(value, bool) else str(_flat(value))
                if f["geometry"]:
                    _kml_geometry(pm, f["geometry"])
        unresolved = data.get("unresolved") or []
        if unresolved:
            folder = ET.SubElement(doc, "Folder")
            ET.SubElement(folder, "name").text = "Unresolved mentions"
            for mention, u in zip(situation.unresolved, unresolved):
                pm = ET.SubElement(folder, "Placemark")
                ET.SubElement(pm, "name").text = u["text"]
                ET.SubElement(pm, "description").text = _note_html(
                    {"kind": "unresolved", "layer": u.get("reason")}, [mention], _document_for(u.get("report_id"), reports))
                extended = ET.SubElement(pm, "ExtendedData")
                for key in ("text", "start", "end", "reason", "report_id"):
                    if u.get(key) is not None:
                        ET.SubElement(ET.SubElement(extended, "Data", name=key), "value").text = str(u[key])
        ET.indent(kml, space=" ")
        body = ET.tostring(kml, encoding="unicode", xml_declaration=False)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + _xml_safe(body) + "\n"


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml_safe(text: str) -> str:
    """Characters XML 1.0 forbids (control characters a report may carry) become U+FFFD."""
    return _XML_INVALID.sub("\ufffd", text)


# -- CSV --------------------------------------------------------------------------------

_CSV_COLUMNS = ("WKT", "record", "id", "name", "kind", "place_kind", "layer", "actor", "actors", "event",
                "when", "when_start", "when_end", "when_precision", "when_relation",
                "lon", "lat", "mention_text", "mention_start", "mention_end", "mentions",
                "gazetteer_id", "confidence", "method", "source", "precision_m", "approximate", "geo_precision",
                "geo_scope", "time_precision", "derived_from", "rule", "context", "report_id", "report_source", "report_published", "reason")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    value = _flat(value)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value  # a spreadsheet would run it as a formula
    return value


@register
class CSVExporter(Exporter):
    """CSV of places and events, one row per feature, geometry as WKT (first column).

    ``record`` is ``event`` (the feature is where an event happened),
    ``place``, or ``unresolved`` (a mention not located: empty WKT, kept so
    nothing is lost). ``lon``/``lat`` are a representative point; the first
    mention is spelled out and all mentions are JSON text in ``mentions``.
    Text cells that a spreadsheet would run as a formula (starting with
    ``= + - @``) get a leading apostrophe.
    """

    name = "csv"
    suffixes = (".csv",)
    description = "CSV of places and events with WKT geometry; unresolved mentions as rows without geometry"

    def dumps(self, situation) -> str:
        from shapely import to_wkt
        from shapely.geometry import Point

        from ..gazetteer.places import inner_point

        data, features = _records(situation)
        reports = _reports(situation)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(_CSV_COLUMNS)
        for f in features:
            props = f["properties"]
            geom = _geometry(f["geometry"])
            point = Point(inner_point(geom))
            first = (props.get("mentions") or [{}])[0]
            document = _document_for(props.get("report_id"), reports)
            row = {**props, "WKT": to_wkt(geom, rounding_precision=6, trim=True), "id": f["id"],
                   "record": "event" if props.get("event") else "place",
                   "lon": round(point.x, 6), "lat": round(point.y, 6), "mention_text": first.get("text"),
                   "mention_start": first.get("start"), "mention_end": first.get("end"),
                   "report_source": document.get("source"), "report_published": document.get("published")}
            writer.writerow([_csv_cell(row.get(c)) for c in _CSV_COLUMNS])
        for u in data.get("unresolved") or []:
            document = _document_for(u.get("report_id"), reports)
            row = {"record": "unresolved", "name": u["text"], "mention_text": u["text"], "mention_start": u["start"],
                   "mention_end": u["end"], "mentions": [{k: u[k] for k in ("text", "start", "end", "sentence")}],
                   "report_id": u.get("report_id"), "report_source": document.get("source"),
                   "report_published": document.get("published"), "reason": u.get("reason")}
            writer.writerow([_csv_cell(row.get(c)) for c in _CSV_COLUMNS])
        return out.getvalue()
