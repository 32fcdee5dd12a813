"""Batch geoparsing: many reports to GeoParquet and GeoJSON Lines, on a process pool or a Dask cluster.

:func:`run_batch` reads a folder of ``.txt``/``.html`` reports or a JSON
Lines file (one ``{"id", "text", "published", "source", "url", "title"}``
object a line), maps every report with the same pipeline as
``situation-map map``, and writes one row per feature, per unresolved
mention and per report, each with its report id, into an output folder::

    OUT/
      manifest.json                  what was run, on what, with which options; totals and timings
      progress.jsonl                 one line per finished part: what makes a resumed batch skip it
      errors.jsonl                   every bad record and failure, by report id and line
      features/part-000000000.parquet     GeoParquet 1.1 (WKB, EPSG:4326), one row per feature
      unresolved/part-000000000.parquet   one row per mention not located
      documents/part-000000000.parquet    one row per report mapped: metadata and counts
      geojsonl/features/part-000000000.geojsonl    the features as GeoJSON Lines (the GeoJSON contract's)
      geojsonl/unresolved/part-000000000.geojsonl  unresolved mentions (null geometry)
      geojsonl/documents/part-000000000.jsonl      the documents as JSON Lines

Each Parquet folder is a dataset (``geopandas.read_parquet("OUT/features")``,
DuckDB's ``'OUT/features/*.parquet'``).

A part holds the rows of one chunk of consecutive reports and is named by the
input position of its first report, so reading the parts in name order gives
the rows in input order, whatever the engine and however many workers ran.
Every file is written under a temporary name and renamed into place, and a
part counts as written only once its line is in ``progress.jsonl``: an
interrupted batch loses at most the chunks in flight, and running it again
skips the reports already written. :func:`read_table` reads a table back.

Records that cannot be read (invalid JSON, no ``text``, a duplicate id, text
that :mod:`mapping.language.report` refuses, any :class:`~mapping.errors.MappingError`)
are bad records, and an unexpected exception while mapping one report is a
failure: both are counted, reported with the report's id and line, and
written to ``errors.jsonl``; neither stops the batch.

Engines: ``local`` (the default) is a pool of worker processes, each loading
the gazetteer once when it starts (one worker runs in this process);
``dask`` runs the same chunks on a Dask cluster (``scheduler=`` an address,
or a local cluster), the gazetteer loaded once per worker by a worker plugin.

Examples
--------
>>> import json, tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> lines = [{"id": "a", "text": "Israeli troops set up a checkpoint near Quneitra.", "published": "2025-11-18"},
...          {"id": "b", "text": ""}]
>>> _ = (folder / "feed.jsonl").write_text("\\n".join(json.dumps(x) for x in lines), encoding="utf-8")
>>> result = run_batch(folder / "feed.jsonl", folder / "out", workers=1, progress=False)
>>> result.written, result.errors, sorted(read_table(folder / "out", "features")["report_id"])
(1, 1, ['a'])
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
import threading
import time
import traceback
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .errors import MappingError
from .language.report import MARKUPS, DECODE_ERRORS, MAX_REPORT_CHARS

__all__ = ["BatchOptions", "BatchResult", "run_batch", "read_table", "process_chunk", "require_extra",
           "ENGINES", "FORMATS", "TABLES", "REPORT_SUFFIXES"]

#: Where the work runs.
ENGINES = ("local", "dask")
#: Output formats of every table.
FORMATS = ("parquet", "geojsonl")
#: The tables of a batch output folder.
TABLES = ("features", "unresolved", "documents")
#: Files of a folder input that are reports (others are counted and left alone).
REPORT_SUFFIXES = (".txt", ".html", ".htm", ".xhtml")
#: Reports per chunk (and so per part file) unless a small input asks for less.
DEFAULT_CHUNK = 200
#: Reports of the merged map unless ``map_limit`` says otherwise: a map of more would not open.
DEFAULT_MAP_LIMIT = 500
_LAYOUT_VERSION = 1
_MANIFEST = "manifest.json"
_PROGRESS = "progress.jsonl"
_ERRORS = "errors.jsonl"
#: Where each table's parts go, by format: Parquet datasets at the top, line files under geojsonl/.
_PLACES = {("features", "parquet"): ("features", ".parquet"), ("unresolved", "parquet"): ("unresolved", ".parquet"),
           ("documents", "parquet"): ("documents", ".parquet"),
           ("features", "geojsonl"): ("geojsonl/features", ".geojsonl"),
           ("unresolved", "geojsonl"): ("geojsonl/unresolved", ".geojsonl"),
           ("documents", "geojsonl"): ("geojsonl/documents", ".jsonl")}
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\Z")


def require_extra(engine: str = "local") -> None:
    """Fail with one line naming the ``batch`` extra when its packages are missing."""
    needed = ["pyarrow"] + (["dask", "distributed"] if engine == "dask" else [])
    missing = []
    for name in needed:
        try:
            __import__(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise MappingError(f"situation-map batch needs {', '.join(missing)}, which {'is' if len(missing) == 1 else 'are'} "
                           "not installed: pip install 'situation-map[batch]'")


# -- options and records -------------------------------------------------------------

@dataclass(frozen=True)
class BatchOptions:
    """How every report of a batch is read and written (the same on every worker).

    ``source``, ``url`` and ``published`` are defaults for reports that do
    not give their own (a JSON Lines record's fields win); ``packs`` are
    extra gazetteer packs, read by every worker (on a cluster, from a path
    they all see).
    """

    packs: tuple[str, ...] = ()
    errors: str = "strict"
    markup: str = "auto"
    max_chars: int | None = MAX_REPORT_CHARS
    source: str | None = None
    url: str | None = None
    published: str | None = None
    formats: tuple[str, ...] = FORMATS

    def __post_init__(self):
        if self.errors not in DECODE_ERRORS:
            raise MappingError(f"unknown errors={self.errors!r}: expected one of {', '.join(DECODE_ERRORS)}")
        if self.markup not in MARKUPS:
            raise MappingError(f"unknown markup {self.markup!r}: expected one of {', '.join(MARKUPS)}")
        unknown = [f for f in self.formats if f not in FORMATS]
        if unknown or not self.formats:
            raise MappingError(f"unknown batch format(s) {', '.join(map(repr, unknown)) or '(none given)'}: "
                               f"expected one or more of {', '.join(FORMATS)}")
        object.__setattr__(self, "packs", tuple(str(Path(p).resolve()) for p in self.packs))
        object.__setattr__(self, "formats", tuple(f for f in FORMATS if f in self.formats))

    def fingerprint(self) -> dict:
        """What decides the rows: a resumed batch must be run with the same."""
        return {"packs": list(self.packs), "errors": self.errors, "markup": self.markup, "max_chars": self.max_chars,
                "source": self.source, "url": self.url, "published": self.published, "formats": list(self.formats)}


@dataclass(frozen=True)
class Record:
    """One report of the input: a file to read, a JSON Lines object, or why it cannot be either.

    ``key`` is unique within the input (the id, or the id and line of a
    duplicate): it is what a resumed batch matches written reports by.
    """

    index: int
    id: str
    key: str
    line: int | None = None
    path: str | None = None
    fields: dict | None = None
    error: str | None = None


@dataclass(frozen=True)
class Chunk:
    """Consecutive records for one task; ``write=False`` maps them for the merged map only."""

    first: int
    records: tuple[Record, ...]
    write: bool = True
    keep_below: int = 0  # records with an index below this return their situation (for the merged map)


@dataclass
class ChunkResult:
    first: int
    write: bool
    keys: list[str]
    tables: dict[str, dict[str, bytes]]
    errors: list[dict]
    counts: dict[str, int]
    timings: dict[str, float]
    situations: list[tuple[int, object]] = field(default_factory=list)


@dataclass
class BatchResult:
    """What a batch did: counts, where it wrote, how long it took."""

    out: Path
    reports: int = 0          # records seen in the input
    written: int = 0          # reports mapped and written in this run
    skipped: int = 0          # reports already written by an earlier run
    errors: int = 0           # bad records and failures in this run
    failures: int = 0         # of which unexpected exceptions
    features: int = 0
    unresolved: int = 0
    seconds: float = 0.0
    workers: int = 1
    engine: str = "local"
    timings: dict = field(default_factory=dict)
    map_path: Path | None = None
    map_reports: int = 0
    interrupted: bool = False

    def summary(self) -> str:
        """One line: what was mapped, what failed, how fast.

        >>> BatchResult(Path("out"), written=1, errors=1, features=3, seconds=2.0).summary()
        '1 report mapped (3 features, 0 unresolved), 1 error in 2.0 s (0.5 reports/s on 1 local worker); wrote out'
        """
        rate = self.written / self.seconds if self.seconds else 0.0
        return (f"{_n(self.written, 'report')} mapped ({_n(self.features, 'feature')}, {self.unresolved:,} unresolved), "
                f"{_n(self.errors, 'error')}" + (f" ({_n(self.failures, 'failure')})" if self.failures else "")
                + (f", {self.skipped:,} already written" if self.skipped else "")
                + f" in {self.seconds:.1f} s ({rate:,.{1 if rate < 10 else 0}f} reports/s on "
                + f"{_n(self.workers, self.engine + ' worker')}); wrote {self.out}")


def _n(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


# -- reading the input -----------------------------------------------------------------

def read_input(source, options: BatchOptions | None = None) -> tuple[Iterator[Record], int | None, str]:
    """The records of a folder, a JSON Lines file or ``'-'`` (JSON Lines on stdin).

    Returns ``(records, total, description)``; ``total`` is None for stdin.
    A folder is read recursively in sorted path order (hidden files and
    folders left out); each ``.txt``, ``.html``, ``.htm`` or ``.xhtml`` file
    is a report whose id is its path relative to the folder.
    """
    options = options or BatchOptions()
    if str(source) == "-":
        return _jsonl_records(sys.stdin.buffer, options), None, "<stdin>"
    path = Path(source)
    if path.is_dir():
        files = sorted(_report_files(path), key=lambda p: p.relative_to(path).as_posix())
        records = (Record(i, p.relative_to(path).as_posix(), p.relative_to(path).as_posix(), path=str(p))
                   for i, p in enumerate(files))
        return records, len(files), f"{path} ({len(files):,} report files)"
    if path.is_file():
        if path.suffix.lower() in REPORT_SUFFIXES:
            raise MappingError(f"{str(path)!r} is one report: batch reads a folder of reports or a JSON Lines file "
                               "(.jsonl); map one report with: situation-map map REPORT")
        with open(path, "rb") as fh:
            total = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
        with open(path, "rb") as fh:
            fh.seek(max(path.stat().st_size - 1, 0))
            total += fh.read(1) not in (b"\n", b"")
        return _jsonl_records(open(path, "rb"), options, close=True), total, f"{path} ({total:,} lines)"
    raise MappingError(f"batch input {str(source)!r} does not exist: expected a folder of .txt/.html reports, "
                       "a JSON Lines file (.jsonl), or '-' for JSON Lines on standard input")


def _report_files(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if not name.startswith(".") and Path(name).suffix.lower() in REPORT_SUFFIXES:
                yield Path(root) / name


def _jsonl_records(stream, options: BatchOptions, close: bool = False) -> Iterator[Record]:
    """Records of JSON Lines: blank lines are skipped, anything else is a record or a bad record."""
    seen: dict[str, int] = {}
    index = 0
    try:
        for number, raw in enumerate(stream, 1):
            if not raw.strip():
                continue
            fields, error = _parse_line(raw, options)
            rid = fields.get("id") if fields else None
            if error is None:
                if rid is None:
                    rid = f"line-{number}"
                elif not isinstance(rid, (str, int)) or isinstance(rid, bool) or (isinstance(rid, str) and not rid.strip()):
                    error, rid = f"'id' must be a non-empty string or a whole number, got {rid!r}", f"line-{number}"
                rid = str(rid)
            else:
                rid = f"line-{number}"
            key = rid
            if error is None and rid in seen:
                error = f"duplicate id {rid!r} (first at line {seen[rid]}): ids must be unique, the first is kept"
                key = f"{rid}#line-{number}"
            elif error is None:
                seen[rid] = number
            else:
                key = f"{rid}#line-{number}" if rid in seen else rid
                seen.setdefault(rid, number)
            # Only the fields a report is read from travel to the workers (a corpus line may carry much more).
            kept = {k: fields[k] for k in _RECORD_FIELDS if k in fields} if error is None else None
            yield Record(index, rid, key, line=number, fields=kept, error=error)
            index += 1
    finally:
        if close:
            stream.close()


_RECORD_FIELDS = ("text", "title", "source", "url", "published")


def _parse_line(raw: bytes, options: BatchOptions) -> tuple[dict | None, str | None]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        if options.errors == "strict":
            return None, f"not valid UTF-8 (byte {err.start} of the line): re-save the file as UTF-8, or use --errors=replace"
        text = raw.decode("utf-8", "replace")
    try:
        fields = json.loads(text)
    except json.JSONDecodeError as err:
        return None, f"invalid JSON: {err.msg} at column {err.colno}"
    if not isinstance(fields, dict):
        return None, f"expected a JSON object with 'text', got {type(fields).__name__}"
    return fields, None


# -- the worker's side -----------------------------------------------------------------

_STATE: dict = {}
_STATE_LOCK = threading.Lock()
_WARNINGS_LOCK = threading.Lock()


def _gazetteer(options: BatchOptions):
    """The gazetteer for these options, loaded once per process (cached by :func:`default_gazetteer`)."""
    from .gazetteer.places import default_gazetteer

    with _STATE_LOCK:
        gaz = _STATE.get(options.packs)
        if gaz is None:
            gaz = default_gazetteer(options.packs)
            gaz.index  # noqa: B018  build the name index now, not inside the first report's timing
            _STATE[options.packs] = gaz
    return gaz


def init_worker(options: BatchOptions) -> None:
    """Load what every report needs once, when a worker starts: the gazetteer and the writers' modules."""
    _gazetteer(options)
    _warm_writers(options.formats)


def _warm_writers(formats) -> None:
    """Encode one made-up row of each table, so the writers' imports (pyarrow pulls in pandas) happen now."""
    import shapely

    point = shapely.to_wkb(shapely.points(0.0, 0.0))
    _encode({"features": [("warm-up", '{"type":"Point","coordinates":[0.0,0.0]}', point, "Point",
                           {"report_id": "warm-up", "when_start": "2025-01-01", "when_end": "2025-01-01",
                            "mentions": [{"text": "x", "start": 0, "end": 1, "sentence": "x"}], "actors": []})],
             "unresolved": [{"report_id": "warm-up", "text": "x", "start": 0, "end": 1}],
             "documents": [{"report_id": "warm-up", "published": "2025-01-01"}]}, formats)


def process_chunk(chunk: Chunk, options: BatchOptions) -> ChunkResult:
    """Map the reports of ``chunk``: the rows of every table (as file bytes), errors, counts, timings.

    A bad record or an exception in one report is recorded and the next
    report goes on; the result is a function of the chunk and the options
    only, so every engine gives the same rows.
    """
    from .pipeline import run

    gaz = _gazetteer(options)
    started, cpu = time.perf_counter(), time.process_time()
    rows = {"features": [], "unresolved": [], "documents": []}
    errors: list[dict] = []
    keys: list[str] = []
    situations: list[tuple[int, object]] = []
    timings = {"read": 0.0, "map": 0.0, "rows": 0.0}
    for record in chunk.records:
        keys.append(record.key)
        if record.error:
            errors.append(_error(record, "bad-record", None, record.error))
            continue
        t0 = time.perf_counter()
        try:
            report, caught = _read(record, options)
        except MappingError as err:
            errors.append(_error(record, "bad-record", type(err).__name__, str(err)))
            continue
        except Exception as err:  # noqa: BLE001  one report's failure must not stop the batch
            errors.append(_error(record, "failure", type(err).__name__, str(err), traceback.format_exc(limit=8)))
            continue
        for message in caught:
            errors.append(_error(record, "warning", "MappingWarning", message))
        t1 = time.perf_counter()
        try:
            situation = run(report, gaz)
        except MappingError as err:
            errors.append(_error(record, "bad-record", type(err).__name__, str(err)))
            continue
        except Exception as err:  # noqa: BLE001
            errors.append(_error(record, "failure", type(err).__name__, str(err), traceback.format_exc(limit=8)))
            continue
        t2 = time.perf_counter()
        if chunk.write:
            try:
                _add_rows(rows, record, report, situation)
            except Exception as err:  # noqa: BLE001  (rows are added only once all of the report's are made)
                errors.append(_error(record, "failure", type(err).__name__, str(err), traceback.format_exc(limit=8)))
                continue
        if record.index < chunk.keep_below:
            situations.append((record.index, replace(situation, events=(), resolutions=())))
        t3 = time.perf_counter()
        timings["read"] += t1 - t0
        timings["map"] += t2 - t1
        timings["rows"] += t3 - t2
    t4 = time.perf_counter()
    tables = _encode(rows, options.formats) if chunk.write else {}
    timings["encode"] = time.perf_counter() - t4
    timings["wall"] = time.perf_counter() - started
    timings["cpu"] = time.process_time() - cpu
    counts = {"reports": len(rows["documents"]), "features": len(rows["features"]),
              "unresolved": len(rows["unresolved"]), "errors": sum(e["error"] != "warning" for e in errors),
              "failures": sum(e["error"] == "failure" for e in errors),
              "characters": sum(d["characters"] for d in rows["documents"])}
    return ChunkResult(chunk.first, chunk.write, keys, tables, errors, counts, timings, situations)


def _error(record: Record, kind: str, type_name: str | None, message: str, trace: str | None = None) -> dict:
    return {"index": record.index, "id": record.id, "line": record.line, "path": record.path, "error": kind,
            "type": type_name, "message": message, **({"traceback": trace} if trace else {})}


def _read(record: Record, options: BatchOptions):
    """The record as a :class:`~mapping.language.report.Report` whose id is the record's, through mapping.language.report's checks."""
    from .language import report as reports

    with _WARNINGS_LOCK, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if record.path is not None:
            report = reports.read_report_file(record.path, errors=options.errors, markup=options.markup,
                                              max_chars=options.max_chars, source=options.source, url=options.url,
                                              published=options.published)
        else:
            report = _read_fields(record.fields, options)
    from .errors import MappingWarning

    messages = [str(w.message) for w in caught if issubclass(w.category, MappingWarning)]
    return replace(report, id=record.id), messages


def _read_fields(fields: dict, options: BatchOptions):
    from .language import report as reports

    text = fields.get("text")
    if text is None:
        raise MappingError("the record has no 'text': expected {\"id\", \"text\", \"published\", \"source\", \"url\"}")
    if not isinstance(text, str):
        raise MappingError(f"'text' must be a string, got {type(text).__name__}")
    meta = {}
    for name in ("title", "source", "url"):
        value = fields.get(name, getattr(options, name, None))
        if value is not None and not isinstance(value, str):
            raise MappingError(f"{name!r} must be a string, got {type(value).__name__} {value!r}")
        meta[name] = value or None
    published = fields.get("published", options.published)
    if published is not None and not isinstance(published, str):
        raise MappingError(f"'published' must be an ISO date string (YYYY-MM-DD), got {type(published).__name__} {published!r}")
    if published and _ISO_DATETIME.match(published.strip()):
        published = published.strip()[:10]  # a feed's timestamp: its date is the publication date
    nul = text.find("\x00")
    if nul >= 0:
        raise MappingError(f"the text has a NUL character at {nul}: expected a text report, not binary data")
    reports._refuse_control_characters(text, "the text")
    return reports.read_report(text, markup=options.markup, max_chars=options.max_chars, published=published or None,
                               **meta)


# -- rows -------------------------------------------------------------------------------

_GEOMETRY_CACHE: dict = {}
_GEOMETRY_CACHE_SIZE = 8192
_DUMPS = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _contract_geometry(feature) -> tuple[str, bytes, str]:
    """(GeoJSON text, WKB, geometry type) of a feature's geometry as the GeoJSON contract writes it.

    The same place has the same geometry in every report that names it, so
    conversions are kept: by gazetteer id for a gazetteer place (a country's
    outline is converted once per worker, not once per report) and by the
    geometry's own bytes for a derived area ("southern Quneitra" again).
    """
    import shapely

    if feature.derived_from is None and feature.gazetteer_id:
        key = feature.gazetteer_id
    else:
        key = shapely.to_wkb(feature.geometry)
    hit = _GEOMETRY_CACHE.get(key)
    if hit is not None:
        return hit
    import numpy as np

    from .situation import _contract_shape

    shape = _contract_shape(feature.geometry)
    value = (_DUMPS(_geojson_geometry(shape)),
             shapely.to_wkb(shapely.transform(shape, lambda xy: np.round(xy, 6)), output_dimension=2, byte_order=1),
             shape.geom_type)
    if len(_GEOMETRY_CACHE) >= _GEOMETRY_CACHE_SIZE:
        _GEOMETRY_CACHE.pop(next(iter(_GEOMETRY_CACHE)))
    _GEOMETRY_CACHE[key] = value
    return value


def _geojson_geometry(shape) -> dict:
    """``shapely.geometry.mapping`` with coordinates rounded to 6 digits, as the contract has them, array at a time."""
    import numpy as np
    import shapely

    def coords(g):
        return np.round(shapely.get_coordinates(g), 6).tolist()

    kind = shape.geom_type
    if kind == "Point":
        return {"type": kind, "coordinates": coords(shape)[0] if not shape.is_empty else []}
    if kind in ("LineString", "LinearRing", "MultiPoint"):
        return {"type": kind, "coordinates": coords(shape) if kind != "MultiPoint" else [coords(p)[0] for p in shape.geoms]}
    if kind == "Polygon":
        return {"type": kind, "coordinates": [coords(shape.exterior), *(coords(r) for r in shape.interiors)]} if not shape.is_empty else {"type": kind, "coordinates": []}
    if kind == "MultiLineString":
        return {"type": kind, "coordinates": [coords(line) for line in shape.geoms]}
    if kind == "MultiPolygon":
        return {"type": kind, "coordinates": [[coords(p.exterior), *(coords(r) for r in p.interiors)] for p in shape.geoms]}
    return {"type": kind, "geometries": [_geojson_geometry(g) for g in shape.geoms]}


def _add_rows(rows: dict, record: Record, report, situation) -> None:
    features = [(f.id, *_contract_geometry(f), f.properties) for f in situation.features]
    unresolved = situation.unresolved_records()
    rows["features"].extend(features)
    rows["unresolved"].extend(unresolved)
    meta = report.metadata
    rows["documents"].append({
        "report_id": report.id, "index": record.index, "line": record.line, "path": record.path,
        "title": meta["title"], "source": meta["source"], "url": meta["url"], "published": meta["published"],
        "markup": report.markup, "characters": len(report.text), "body_start": report.body_start,
        "mentions": sum(len(f.mentions) for f in situation.features) + len(situation.unresolved),
        "features": len(situation.features), "unresolved": len(situation.unresolved)})


def _schemas():
    import pyarrow as pa

    mention = pa.struct([("text", pa.string()), ("start", pa.int64()), ("end", pa.int64()), ("sentence", pa.string())])
    alternative = pa.struct([("gazetteer_id", pa.string()), ("score", pa.float64())])
    features = pa.schema([
        ("report_id", pa.string()), ("feature_id", pa.string()), ("name", pa.string()), ("kind", pa.string()),
        ("place_kind", pa.string()), ("layer", pa.string()), ("actor", pa.string()), ("actors", pa.list_(pa.string())),
        ("event", pa.string()), ("when", pa.string()), ("when_start", pa.date32()), ("when_end", pa.date32()),
        ("when_precision", pa.string()), ("when_relation", pa.string()), ("mentions", pa.list_(mention)),
        ("gazetteer_id", pa.string()), ("confidence", pa.float64()), ("method", pa.string()), ("source", pa.string()),
        ("precision_m", pa.float64()), ("approximate", pa.bool_()), ("geo_precision", pa.int8()),
        ("geo_scope", pa.string()), ("time_precision", pa.int8()),
        ("derived_from", pa.string()), ("rule", pa.string()), ("context", pa.bool_()),
        ("alternatives", pa.list_(alternative)), ("geometry", pa.binary()),
    ])
    unresolved = pa.schema([("report_id", pa.string()), ("text", pa.string()), ("start", pa.int64()), ("end", pa.int64()),
                            ("sentence", pa.string()), ("reason", pa.string())])
    documents = pa.schema([
        ("report_id", pa.string()), ("index", pa.int64()), ("line", pa.int64()), ("path", pa.string()),
        ("title", pa.string()), ("source", pa.string()), ("url", pa.string()), ("published", pa.date32()),
        ("markup", pa.string()), ("characters", pa.int64()), ("body_start", pa.int64()), ("mentions", pa.int64()),
        ("features", pa.int64()), ("unresolved", pa.int64()),
    ])
    return {"features": features, "unresolved": unresolved, "documents": documents}


_SCHEMAS: dict = {}


def _schema(table: str):
    if not _SCHEMAS:
        _SCHEMAS.update(_schemas())
    return _SCHEMAS[table]


#: Feature properties that are not columns of their own: report_id is first, the rest is derived.
_NOT_COLUMNS = frozenset({"report_id"})


def _date(value):
    return dt.date.fromisoformat(value) if value else None


def _encode(rows: dict, formats: tuple[str, ...]) -> dict[str, dict[str, bytes]]:
    """Each table's rows as file contents in each format."""
    out: dict[str, dict[str, bytes]] = {t: {} for t in TABLES}
    if "parquet" in formats:
        out["features"]["parquet"] = _features_parquet(rows["features"])
        out["unresolved"]["parquet"] = _parquet("unresolved", [
            {c: u.get(c) for c in _schema("unresolved").names} for u in rows["unresolved"]])
        out["documents"]["parquet"] = _parquet("documents", [
            {**d, "published": _date(d["published"])} for d in rows["documents"]])
    if "geojsonl" in formats:
        dumps = _DUMPS
        out["features"]["geojsonl"] = "".join(
            f'{{"type":"Feature","id":{dumps(fid)},"geometry":{geometry},"properties":{dumps(props)}}}\n'
            for fid, geometry, _, _, props in rows["features"]).encode("utf-8")
        out["unresolved"]["geojsonl"] = "".join(
            dumps({"type": "Feature", "geometry": None, "properties": u}) + "\n" for u in rows["unresolved"]).encode("utf-8")
        out["documents"]["geojsonl"] = "".join(dumps(d) + "\n" for d in rows["documents"]).encode("utf-8")
    return out


def _parquet(table: str, records: list[dict], metadata: dict | None = None) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _schema(table)
    if metadata:
        schema = schema.with_metadata(metadata)
    arrow = pa.Table.from_pylist(records, schema=schema)
    sink = pa.BufferOutputStream()
    pq.write_table(arrow, sink, compression="zstd")
    return sink.getvalue().to_pybytes()


def _features_parquet(features: list) -> bytes:
    """Features as GeoParquet 1.1: WKB geometry, EPSG:4326 (lon, lat), geometry types and bbox in the metadata."""
    import shapely

    columns = _schema("features").names
    records, types = [], set()
    bounds = [float("inf"), float("inf"), float("-inf"), float("-inf")]
    for fid, _, wkb, geom_type, props in features:
        row = {c: props.get(c) for c in columns}
        row.update(report_id=props.get("report_id"), feature_id=fid, geometry=wkb,
                   when_start=_date(props.get("when_start")), when_end=_date(props.get("when_end")))
        records.append(row)
        types.add(geom_type)
    if features:
        geoms = shapely.from_wkb([f[2] for f in features])
        box = shapely.total_bounds(geoms)
        bounds = [round(float(x), 6) for x in box]
    column = {"encoding": "WKB", "geometry_types": sorted(types), "crs": _crs_json(), "edges": "planar"}
    if features:
        column["bbox"] = bounds
    geo = {"version": "1.1.0", "primary_column": "geometry", "columns": {"geometry": column}}
    return _parquet("features", records, {b"geo": json.dumps(geo, sort_keys=True).encode("utf-8")})


_CRS: list = []


def _crs_json() -> dict:
    """EPSG:4326 as PROJJSON (GeoParquet's CRS field); coordinates stay (lon, lat) as the format requires."""
    if not _CRS:
        from pyproj import CRS

        _CRS.append(CRS.from_epsg(4326).to_json_dict())
    return _CRS[0]


# -- the output folder ------------------------------------------------------------------

class _Output:
    """The output folder: manifest, progress log, parts written atomically, what a resume skips."""

    def __init__(self, out: Path, options: BatchOptions, source: str, *, overwrite: bool, chunk_size: int | None):
        self.out = out
        self.options = options
        self.done: set[str] = set()
        self.parts: set[str] = set()
        self.logged_errors: list[dict] = []
        manifest_path = out / _MANIFEST
        if out.exists() and not out.is_dir():
            raise MappingError(f"batch output {str(out)!r} is a file: expected a folder (it is created if missing)")
        if out.is_dir() and manifest_path.is_file() and overwrite:
            self._clear()
        elif out.is_dir() and not manifest_path.is_file() and any(out.iterdir()):
            raise MappingError(f"batch output folder {str(out)!r} is not empty and holds no batch: "
                               "give a new or empty folder")
        out.mkdir(parents=True, exist_ok=True)
        self.run = 1
        self.manifest = {}
        if manifest_path.is_file():
            self.manifest = self._read_manifest(manifest_path)
            previous = self.manifest.get("options")
            if previous != options.fingerprint():
                changed = sorted(k for k in options.fingerprint() if (previous or {}).get(k) != options.fingerprint()[k])
                raise MappingError(f"batch output {str(out)!r} was written with other options ({', '.join(changed)}): "
                                   "resume with the same options, or start again with --overwrite or another folder")
            self.run = int(self.manifest.get("runs", 0)) + 1
            self._read_progress()
        self.chunk_size = chunk_size or self.manifest.get("chunk_size")
        self.manifest.update({
            "format": "situation-map batch", "layout": _LAYOUT_VERSION, "tool": _version(), "input": source,
            "options": options.fingerprint(), "runs": self.run, "status": "running",
            "started": _now(), "tables": {t: ["/*".join(_PLACES[t, f]) for f in options.formats] for t in TABLES},
            "crs": "EPSG:4326 (lon, lat)"})
        self._clean_orphans()

    @staticmethod
    def _read_manifest(path: Path) -> dict:
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise MappingError(f"cannot read the batch manifest {str(path)!r} ({err}): start again with --overwrite") from err
        if not isinstance(manifest, dict) or manifest.get("format") != "situation-map batch":
            raise MappingError(f"{str(path)!r} is not a situation-map batch manifest: give another output folder")
        if manifest.get("layout") != _LAYOUT_VERSION:
            raise MappingError(f"batch output {str(path.parent)!r} has layout {manifest.get('layout')!r}, this version "
                               f"writes layout {_LAYOUT_VERSION}: start again with --overwrite or another folder")
        return manifest

    def _read_progress(self) -> None:
        path = self.out / _PROGRESS
        if not path.is_file():
            return
        good = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
                entry["part"], entry["keys"]
            except (ValueError, KeyError, TypeError):
                continue  # a line cut short by an interruption: its part is written again
            good.append(line)
            self.parts.add(entry["part"])
            self.done.update(entry["keys"])
            self.logged_errors.extend(entry.get("errors", ()))
        from .io import write_atomic

        write_atomic(path, "".join(line + "\n" for line in good))

    def _clean_orphans(self) -> None:
        """Part files that no progress line vouches for (written when the batch was interrupted)."""
        for folder in {self.out / where for where, _ in _PLACES.values()}:
            if not folder.is_dir():
                continue
            for p in folder.iterdir():
                part = p.name.split(".", 1)[0]
                if p.name.startswith(".") or part not in self.parts:
                    p.unlink()

    def _clear(self) -> None:
        import shutil

        for table in TABLES:
            shutil.rmtree(self.out / table, ignore_errors=True)
        shutil.rmtree(self.out / "geojsonl", ignore_errors=True)
        for name in (_PROGRESS, _ERRORS, _MANIFEST):
            (self.out / name).unlink(missing_ok=True)

    def write_manifest(self, **updates) -> None:
        from .io import write_atomic

        self.manifest.update(updates)
        write_atomic(self.out / _MANIFEST, json.dumps(self.manifest, indent=1, ensure_ascii=False) + "\n")

    def part_name(self, first: int) -> str:
        name = f"part-{first:09d}"
        return name if name not in self.parts else f"{name}-{self.run}"

    def write_part(self, result: ChunkResult) -> None:
        from .io import write_atomic

        name = self.part_name(result.first)
        for table, formats in result.tables.items():
            for fmt, data in formats.items():
                where, suffix = _PLACES[table, fmt]
                (self.out / where).mkdir(parents=True, exist_ok=True)
                write_atomic(self.out / where / f"{name}{suffix}", data)
        entry = {"part": name, "first": result.first, "run": self.run, "keys": result.keys, "counts": result.counts,
                 "errors": result.errors}
        with open(self.out / _PROGRESS, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        self.parts.add(name)
        self.done.update(result.keys)
        self.logged_errors.extend(result.errors)

    def write_errors(self) -> None:
        from .io import write_atomic

        errors = sorted(self.logged_errors, key=lambda e: (e["index"], e["id"], e["error"], e["message"]))
        write_atomic(self.out / _ERRORS, "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in errors))


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def _version() -> str:
    from . import __version__

    return __version__


# -- chunks and engines -----------------------------------------------------------------

def _chunks(records: Iterable[Record], done: set, size: int, map_limit: int, counter: dict) -> Iterator[Chunk]:
    """Consecutive records not yet written, ``size`` at a time; written ones below ``map_limit`` go to the map only."""
    todo: list[Record] = []
    again: list[Record] = []
    for record in records:
        counter["seen"] += 1
        if record.key in done:
            counter["skipped"] += 1
            if record.index < map_limit and not record.error:
                again.append(record)
                if len(again) >= size:
                    yield Chunk(again[0].index, tuple(again), write=False, keep_below=map_limit)
                    again = []
            continue
        todo.append(record)
        if len(todo) >= size:
            yield Chunk(todo[0].index, tuple(todo), keep_below=map_limit)
            todo = []
    if again:
        yield Chunk(again[0].index, tuple(again), write=False, keep_below=map_limit)
    if todo:
        yield Chunk(todo[0].index, tuple(todo), keep_below=map_limit)


def _run_serial(chunks, options):
    init_worker(options)
    for chunk in chunks:
        yield process_chunk(chunk, options)


def _init_pool_worker(options: BatchOptions) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    init_worker(options)


def _run_pool(chunks, options, workers: int):
    """A pool of worker processes, at most two chunks in flight per worker (memory stays bounded)."""
    import concurrent.futures as cf
    import multiprocessing as mp

    methods = mp.get_all_start_methods()
    # fork starts a worker in milliseconds; it is unsafe only when this process runs other threads
    method = "fork" if "fork" in methods and threading.active_count() == 1 else (
        "forkserver" if "forkserver" in methods else "spawn")
    if method == "fork":
        # Loaded here once, the gazetteer is shared by every forked worker (copy-on-write) instead of
        # loaded again by each; its name tables are typed arrays, so the pages mostly stay shared.
        init_worker(options)
    pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context(method),
                                  initializer=_init_pool_worker, initargs=(options,))
    pending: set = set()
    finished_cleanly = False
    try:
        for chunk in chunks:
            pending.add(pool.submit(process_chunk, chunk, options))
            if len(pending) >= 2 * workers:
                finished, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                for future in sorted(finished, key=lambda f: f.result().first):
                    yield future.result()
        for future in cf.as_completed(pending):
            yield future.result()
        pending = set()
        finished_cleanly = True
    finally:
        if finished_cleanly:
            pool.shutdown(wait=True)
        else:  # interrupted or failed: the chunks in flight are lost, and written again on resume
            processes = list((getattr(pool, "_processes", None) or {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                process.terminate()
            for process in processes:
                process.join(5)


def _gazetteer_plugin(options: BatchOptions):
    """A Dask worker plugin that loads the gazetteer once per worker, before its first task."""
    from distributed.diagnostics.plugin import WorkerPlugin

    class GazetteerPlugin(WorkerPlugin):
        name = "situation-map-gazetteer"
        idempotent = True

        def __init__(self, options):
            self.options = options

        def setup(self, worker):
            init_worker(self.options)

    return GazetteerPlugin(options)


def _run_dask(chunks, options, workers: int, scheduler: str | None, processes: bool = True):
    """The same chunks on a Dask cluster: ``scheduler`` is its address, or a local cluster is started."""
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=processes, dashboard_address=None,
                               silence_logs=40)
        client = Client(cluster)
    try:
        plugin = _gazetteer_plugin(options)
        if hasattr(client, "register_plugin"):
            client.register_plugin(plugin)
        else:  # distributed < 2023.9
            client.register_worker_plugin(plugin)
        slots = max(2 * max(len(client.scheduler_info().get("workers", {})), workers), 2)
        chunks = iter(chunks)
        running = as_completed()
        for chunk in chunks:
            running.add(client.submit(process_chunk, chunk, options, pure=False))
            if running.count() >= slots:
                break
        for future in running:
            result = future.result()
            future.release()
            chunk = next(chunks, None)
            if chunk is not None:
                running.add(client.submit(process_chunk, chunk, options, pure=False))
            yield result
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# -- the batch ---------------------------------------------------------------------------

def run_batch(source, out, *, options: BatchOptions | None = None, engine: str = "local", workers: int | None = None,
              scheduler: str | None = None, chunk_size: int | None = None, map_path=None,
              map_limit: int = DEFAULT_MAP_LIMIT, overwrite: bool = False, progress: bool | None = None,
              log: Callable[[str, str], None] | None = None, dask_processes: bool = True) -> BatchResult:
    """Map every report of ``source`` into the output folder ``out`` (see the module docstring).

    Parameters
    ----------
    source : path or '-'
        A folder of report files, a JSON Lines file, or ``'-'`` for JSON Lines on stdin.
    out : path
        The output folder; created if missing. If it holds a batch written
        with the same options, the reports already written are skipped.
    options : BatchOptions, optional
        How reports are read (packs, markup, decoding, defaults) and the formats written.
    engine : {'local', 'dask'}
        A local process pool (``workers`` processes; 1 runs here), or Dask.
    workers : int, optional
        Worker processes (default: the CPUs this process may use).
    scheduler : str, optional
        A Dask scheduler's address (``tcp://host:8786``); without it a local cluster is started.
    chunk_size : int, optional
        Reports per task and part file (default 200, less for a small input so every worker gets work).
    map_path : path, optional
        Also write one merged map of the first ``map_limit`` reports here.
    overwrite : bool
        Start again, removing an earlier batch in ``out``.
    progress : bool, optional
        Draw a progress bar on stderr (default: when it is a terminal).
    log : callable, optional
        Called as ``log(line, kind)`` for each bad record and failure (``kind`` ``'error'``), warning
        (``'warning'``) and notice (``'notice'``); default: every line to stderr.
    dask_processes : bool
        Whether a local Dask cluster runs its workers in processes (threads when False).

    Returns
    -------
    BatchResult
    """
    from .progress import Progress

    if engine not in ENGINES:
        raise MappingError(f"unknown engine {engine!r}: expected one of {', '.join(ENGINES)}")
    require_extra(engine)
    options = options or BatchOptions()
    if workers is None:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if workers < 1:
        raise MappingError(f"workers must be at least 1, got {workers}")
    if scheduler and engine != "dask":
        raise MappingError("a scheduler address is for the Dask engine: add --engine dask")
    if chunk_size is not None and chunk_size < 1:
        raise MappingError(f"chunk size must be at least 1, got {chunk_size}")
    if map_path is not None:
        map_path = Path(map_path)
        if map_path.is_dir() or not (map_path.parent if str(map_path.parent) else Path(".")).is_dir():
            raise MappingError(f"cannot write the map to {str(map_path)!r}: expected a file name in an existing folder")
    log = log or (lambda line, kind: print(f"situation-map: batch: {line}", file=sys.stderr))
    started = time.perf_counter()
    records, total, description = read_input(source, options)
    out = Path(out)
    output = _Output(out, options, str(Path(source).resolve()) if str(source) != "-" else "-",
                     overwrite=overwrite, chunk_size=chunk_size)
    size = output.chunk_size or (DEFAULT_CHUNK if total is None else max(1, min(DEFAULT_CHUNK, -(-total // (4 * workers)))))
    output.write_manifest(chunk_size=size, engine=engine, workers=workers)
    result = BatchResult(out=out, workers=workers, engine=engine)
    counter = {"seen": 0, "skipped": 0}
    limit = map_limit if map_path is not None else 0
    chunks = _chunks(records, output.done, size, limit, counter)
    if engine == "dask":
        results = _run_dask(chunks, options, workers, scheduler, processes=dask_processes)
    elif workers == 1:
        results = _run_serial(chunks, options)
    else:
        results = _run_pool(chunks, options, workers)
    timings: dict[str, float] = {}
    kept: list[tuple[int, object]] = []
    processed = 0
    previous_term = _interrupt_on_sigterm()
    with Progress(total or 1, "batch", enabled=progress) as bar:
        try:
            for chunk_result in results:
                if chunk_result.write:
                    output.write_part(chunk_result)
                    for error in chunk_result.errors:
                        log(_error_line(error), "warning" if error["error"] == "warning" else "error")
                    for key in ("features", "unresolved", "errors", "failures"):
                        setattr(result, key, getattr(result, key) + chunk_result.counts[key])
                    result.written += chunk_result.counts["reports"]
                    for key, seconds in chunk_result.timings.items():
                        timings[key] = timings.get(key, 0.0) + seconds
                kept.extend(chunk_result.situations)
                if total is None:
                    bar.total = max(counter["seen"], 1)
                if chunk_result.write:
                    processed += len(chunk_result.keys)
                # Reports already written count as done: a resumed batch's bar starts where it stopped.
                bar.done = min(processed + counter["skipped"], bar.total) - 1
                bar.advance(f"{result.written:,} mapped, {result.errors:,} errors")
        except KeyboardInterrupt:
            result.interrupted = True
        finally:
            close = getattr(results, "close", None)
            if close:
                close()
            _restore_sigterm(previous_term)
    result.reports = counter["seen"]
    result.skipped = counter["skipped"]
    if counter["skipped"] and not result.interrupted:
        log(f"{counter['skipped']:,} reports already written in {out} were skipped", "notice")
    result.seconds = time.perf_counter() - started
    result.timings = {k: round(v, 3) for k, v in timings.items()}
    output.write_errors()
    status = "interrupted" if result.interrupted else "complete"
    output.write_manifest(status=status, finished=_now(), reports=len(output.done), last_run={
        "reports": result.reports, "written": result.written, "skipped": result.skipped, "errors": result.errors,
        "failures": result.failures, "features": result.features, "unresolved": result.unresolved,
        "seconds": round(result.seconds, 3), "workers": workers, "engine": engine, "timings": result.timings})
    if result.interrupted:
        raise KeyboardInterrupt
    if map_path is not None:
        _write_map(kept, map_path, limit, result, log)
    return result


def _interrupt_on_sigterm():
    """A batch job killed by its scheduler (SIGTERM) stops as on Ctrl-C: workers ended, what was written kept."""
    import signal

    if threading.current_thread() is not threading.main_thread():
        return None

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, interrupt)


def _restore_sigterm(previous) -> None:
    import signal

    if previous is not None:
        signal.signal(signal.SIGTERM, previous)


def _error_line(error: dict) -> str:
    where = f"line {error['line']}" if error.get("line") else error.get("path") or f"record {error['index'] + 1}"
    what = {"bad-record": "bad record", "failure": "failed", "warning": "warning"}[error["error"]]
    kind = f"{error['type']}: " if error["error"] == "failure" and error.get("type") else ""
    return f"{error['id']} ({where}): {what}: {kind}{error['message']}"


def _write_map(kept: list, map_path: Path, limit: int, result: BatchResult, log) -> None:
    from .pipeline import merge_situations

    kept.sort(key=lambda item: item[0])
    situations = [s for _, s in kept]
    if limit == 0:
        log(f"--map-limit 0: {map_path} not written", "notice")
        return
    if not situations:
        log(f"no report could be mapped: {map_path} not written", "notice")
        return
    merged = merge_situations(situations)
    merged.save_html(map_path)
    result.map_path, result.map_reports = map_path, len(situations)
    if result.reports > limit:
        log(f"the map shows the first {limit:,} of {result.reports:,} reports (--map-limit {limit}); "
            f"every report is in {result.out}", "notice")


def read_table(out, table: str = "features"):
    """A table of a batch output folder, in input order: a GeoDataFrame for features, else a DataFrame.

    Reads the GeoParquet parts when they were written, else the GeoJSON Lines.
    """
    if table not in TABLES:
        raise MappingError(f"unknown batch table {table!r}: expected one of {', '.join(TABLES)}")
    parquet = sorted((Path(out) / table).glob("part-*.parquet"))
    import pandas as pd

    if parquet:
        import pyarrow as pa
        import pyarrow.parquet as pq

        arrow = pa.concat_tables([pq.read_table(p) for p in parquet])
        if table == "features":
            import geopandas as gpd

            frame = arrow.drop_columns(["geometry"]).to_pandas()
            return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries.from_wkb(arrow.column("geometry").to_pylist()),
                                    crs="EPSG:4326")
        return arrow.to_pandas()
    where, suffix = _PLACES[table, "geojsonl"]
    folder = Path(out) / where
    if not folder.is_dir() and not (Path(out) / table).is_dir():
        raise MappingError(f"{str(out)!r} has no {table} table: expected a batch output folder")
    records = [json.loads(line) for p in sorted(folder.glob(f"part-*{suffix}"))
               for line in p.read_text(encoding="utf-8").splitlines() if line]
    if table == "features":
        import geopandas as gpd

        if not records:
            return gpd.GeoDataFrame(geometry=[], crs="EPSG:4326")
        frame = gpd.GeoDataFrame.from_features(records, crs="EPSG:4326")
        frame.insert(0, "feature_id", [r["id"] for r in records])
        return frame
    return pd.DataFrame([r["properties"] if table == "unresolved" else r for r in records])
