"""Command line: ``situation-map map REPORT -o map.html --geojson map.geojson``.

Exit codes: 0 success, 1 user error (bad input, unknown format, bad pack,
an output that cannot be written), 2 usage error (argparse, with the
subcommand's usage and a "did you mean" for a typo), 130 interrupted
(Ctrl-C, SIGINT), 141 standard output closed by its reader (``| head``:
the code of a tool ended by SIGPIPE, with nothing printed), 143 terminated
(SIGTERM). Errors are one line on stderr, never a traceback; an output is
written whole or not at all.
Each subcommand added since ``export`` is one ``_add_<name>(sub, common)``
parser function and one handler set with ``set_defaults(handler=...)``.
"""

from __future__ import annotations

import argparse
import difflib
import errno
import json
import os
import re
import signal
import sys
import time
import warnings
from pathlib import Path

from .errors import MappingError, MappingWarning, OutputError

__all__ = ["main"]

EXAMPLES = """examples:
  situation-map map report.txt -o situation.html --geojson situation.geojson
  cat report.txt | situation-map map - --published 2025-11-18 -o map.html
  situation-map places report.txt            # a table of the places found
  situation-map places report.txt --json     # the same as JSON
  situation-map map a.txt b.txt -o both.html # several reports merged into one map
  situation-map export report.txt -o situation.gpkg   # or .kml, .csv, .geojson
  situation-map export report.txt -o - --format kml   # to standard output
  situation-map batch feed.jsonl -o out/ --map all.html   # many reports: GeoParquet, GeoJSON Lines, one map
"""


class _Parser(argparse.ArgumentParser):
    """argparse with errors that help: the usage of the subcommand that was typed, and a
    "did you mean" for a mistyped option or subcommand (difflib)."""

    def parse_args(self, args=None, namespace=None):
        namespace, extras = self.parse_known_args(args, namespace)
        if extras:
            # argparse reports unknown options of a subcommand with the top-level usage: use the subcommand's.
            parser = self._chosen(namespace)
            message = f"unrecognized arguments: {' '.join(extras)}"
            options = [o for a in parser._actions for o in a.option_strings]
            for extra in extras:
                if extra.startswith("-"):
                    close = difflib.get_close_matches(extra.split("=", 1)[0], options, n=1, cutoff=0.6)
                    if close:
                        message += f"; did you mean {close[0]}?"
                        break
            parser.error(message)
        return namespace

    def _chosen(self, namespace) -> "argparse.ArgumentParser":
        parser = self
        while True:
            action = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
            name = getattr(namespace, action.dest, None) if action else None
            if action is None or name not in action.choices:
                return parser
            parser = action.choices[name]

    def error(self, message):
        choice = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if choice:
            close = difflib.get_close_matches(choice.group(1), re.findall(r"'([^']*)'", choice.group(2)), n=1, cutoff=0.6)
            if close:
                message += f"; did you mean {close[0]!r}?"
        super().error(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="situation-map", description="Turn a news report into a source-grounded situation map.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p):
        p.add_argument("reports", nargs="+", metavar="REPORT",
                       help="report text file (UTF-8 or HTML), or '-' for standard input; several are merged")
        p.add_argument("--title", help="title shown on the map (default: the file name)")
        p.add_argument("--source", help="publisher or outlet of the report")
        p.add_argument("--url", help="link to the report")
        p.add_argument("--published", metavar="YYYY-MM-DD", help="publication date, against which 'on Monday' is read (default: the report's Date:/Published: header)")
        p.add_argument("--gazetteer", action="append", default=[], metavar="PACK.geojson",
                       help="an extra gazetteer pack (repeatable)")
        p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
        p.add_argument("-v", "--verbose", action="count", default=0,
                       help="say more: each report, its timings and unresolved mentions")
        p.add_argument("--errors", choices=("strict", "replace"), default="strict",
                       help="invalid UTF-8: fail (strict, the default) or replace each bad sequence with U+FFFD "
                            "and warn (replace)")
        p.add_argument("--markup", choices=("auto", "text", "html"), default="auto",
                       help="read reports as plain text or HTML (auto: HTML for .html/.htm files and "
                            "text that starts like an HTML document)")
        p.add_argument("--max-chars", type=_count, default=None, metavar="N",
                       help="refuse a report longer than N characters (default 10,000,000; 0: no limit)")

    m = sub.add_parser("map", help="map a report to HTML and/or GeoJSON", epilog=EXAMPLES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    common(m)
    m.add_argument("-o", "--output", metavar="MAP.html", help="write the standalone HTML map here ('-' for stdout)")
    m.add_argument("--geojson", metavar="FILE.geojson", help="write the features as RFC 7946 GeoJSON ('-' for stdout)")
    m.add_argument("--tiles", metavar="PROVIDER", help="online basemap tiles, an xyzservices name such as "
                   "OpenStreetMap.Mapnik (default: offline outlines, no downloads)")
    m.add_argument("--png", metavar="MAP.png", help="also write a PNG of the map, drawn by headless Chromium")
    m.add_argument("--png-size", metavar="WxH", default="1600x1000", help="PNG window size in pixels (default 1600x1000)")

    p = sub.add_parser("places", help="list the place mentions and how each was resolved")
    common(p)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    _add_export(sub, common)
    _add_batch(sub, common)

    g = sub.add_parser("gazetteer", help="search the gazetteer, import GeoNames dumps, rebuild the index")
    gsub = g.add_subparsers(dest="gazetteer_command", required=True, metavar="ACTION")
    gs = gsub.add_parser("search", help="candidates for a name, with scores, kind, country, population, source")
    gs.add_argument("name", nargs="+", help="the name (several words need no quotes)")
    gs.add_argument("-n", "--limit", type=int, default=10, help="how many candidates (default 10)")
    gs.add_argument("--json", action="store_true", help="print JSON instead of a table")
    gi = gsub.add_parser("import-geonames", help="add a GeoNames dump (allCountries.zip, SY.zip, SY.txt) to the local index")
    gi.add_argument("dump", help="GeoNames dump in its tab-separated format, .zip or .txt")
    gi.add_argument("--alternate-names", metavar="FILE", help="alternateNamesV2 dump (.zip or .txt) for more spellings")
    gi.add_argument("--countries", metavar="CC,CC", help="keep only these ISO country codes (e.g. SY,LB,IL,JO)")
    gsub.add_parser("rebuild", help="read the world store and the imported GeoNames places again (after an import)")
    gsub.add_parser("info", help="records by kind and by source (packs, world store, imports) and the load time")

    e = sub.add_parser("eval", help="score geoparsing on a corpus with gold places (JSON Lines)")
    e.add_argument("corpus", nargs="+", help="corpus file(s): one {id, text, toponyms:[{start,end,text,lat,lon}]} per line")
    e.add_argument("--predictions", metavar="OUT.jsonl", help="write {id, places:[{start,end,text,lat,lon}]} per document")
    e.add_argument("--json", action="store_true", help="print the figures as JSON")
    e.add_argument("--uses", choices=("literal", "all"), default="literal",
                   help="what counts as a place name: literal uses (default), or all uses, also names inside longer "
                        "names ('Paris Police Department') and demonyms ('Russian troops'), as LGL annotates")
    e.add_argument("--reliability", action="store_true",
                   help="also print how often located places were right, by confidence band")
    e.add_argument("--by-kind", action="store_true",
                   help="also print the errors (missed, unresolved, > 161 km) by what the gold place is: first-level "
                        "region, country, other place in the gazetteer, or a place it does not hold")
    e.add_argument("--from-predictions", metavar="PRED.jsonl",
                   help="score these predictions ({id, places} per line, as --predictions writes) instead of running "
                        "the geoparser: another version's or another tool's output (one corpus only)")
    return parser


def _version() -> str:
    from . import __version__

    return __version__


class _Terminated(BaseException):
    """SIGTERM, raised where the program is, so that the same clean-up as for Ctrl-C runs."""


def _terminate(signum, frame):
    raise _Terminated()


def main(argv=None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    previous = None
    try:
        previous = signal.signal(signal.SIGTERM, _terminate)
    except ValueError:  # not the main thread: leave signals alone
        pass
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", MappingWarning)
            warnings.showwarning = lambda message, category, *_a, **_k: _warn(args, message, category)
            try:
                code = getattr(args, "handler", _run)(args)
            finally:
                _hidden_warnings(args)
            sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
            return code
    except BrokenPipeError:
        return _closed_pipe()
    except MappingError as err:
        print(f"situation-map: error: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        if err.errno == errno.EPIPE:
            return _closed_pipe()
        print(f"situation-map: error: {err.strerror or err}: {err.filename or ''}".rstrip(": "), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("situation-map: interrupted; no output was left half-written", file=sys.stderr)
        return 130
    except _Terminated:
        print("situation-map: terminated; no output was left half-written", file=sys.stderr)
        return 143
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _closed_pipe() -> int:
    """The reader of standard output went away (``| head``): stop quietly, like a tool ended by SIGPIPE.

    What is still buffered for stdout goes to /dev/null, so the interpreter's
    own flush at exit does not print "Exception ignored ... BrokenPipeError".
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (AttributeError, OSError, ValueError):  # not a real file (captured output): nothing to redirect
        pass
    return 128 + signal.SIGPIPE


def _run(args) -> int:
    if args.command == "gazetteer":
        return _gazetteer(args)
    if args.command == "eval":
        return _eval(args)
    started = time.perf_counter()
    if args.command == "places":
        return _places(_situation(args), args)
    if not args.output and not args.geojson and not args.png:
        raise MappingError("nothing to write: give -o MAP.html and/or --geojson FILE.geojson")
    fixes = {"html": "-o", "geojson": "--geojson", "png": "--png",
             **{name: "situation-map export REPORT -o" for name in ("gpkg", "kml", "csv")}}
    _check_outputs(args, [(args.output, "html", "-o"), (args.geojson, "geojson", "--geojson"),
                          (args.png, "png", "--png")], fixes)
    situation = _situation(args)
    if args.png:
        from .output.snapshot import find_chromium, parse_size

        png_size = parse_size(args.png_size)
        find_chromium()  # no browser: fail before writing anything
    written = []
    if args.geojson:
        situation.to_geojson(args.geojson)
        written.append(args.geojson)
    if args.output:
        situation.save_html(args.output, tiles=args.tiles)
        written.append(args.output)
    if args.png:
        from .output.snapshot import save_png

        save_png(situation, args.png, html_path=args.output if args.output and args.output != "-" else None,
                 size=png_size, tiles=args.tiles)
        written.append(args.png)
    if not args.quiet and "-" not in written:
        layers = ", ".join(f"{l.name} {len(l.features)}" for l in situation.layers)
        print(f"{len(situation.features)} features ({layers}); {len(situation.unresolved)} unresolved; "
              f"wrote {', '.join(written)} in {time.perf_counter() - started:.2f} s", file=sys.stderr)
    return 0


def _places(situation, args) -> int:
    """Each mention and what the map draws for it: the derived area ("Border area (IL–SY)", "Countryside
    of Daraa province") when there is one, the place otherwise; ``place`` is the gazetteer record."""
    from .gazetteer.places import inner_point
    from .situation import _place_kind

    drawn: dict[tuple[str, int], list] = {}
    for f in situation.features:
        for m in f.mentions:
            drawn.setdefault((f.report_id, m.start), []).append(f)
    several = len(situation.reports) > 1
    rows = []
    for r in situation.resolutions:
        m = r.mention
        report_id = situation.report_of(m).id
        features = drawn.get((report_id, m.start), [])
        feature = features[0] if features else None
        if feature is not None and r.qualifier is not None:
            geometry = feature.geometry
            point = inner_point(geometry)
        else:
            point = r.place.point if r.place else None
        rows.append({
            "text": m.text, "start": m.start, "end": m.end, "resolved": r.resolved,
            "place": r.place.id if r.place else None,
            "name": feature.name if feature is not None else (r.place.name if r.place else None),
            "kind": _place_kind(r) if r.place else None,
            "lon": round(point[0], 5) if point else None, "lat": round(point[1], 5) if point else None,
            "confidence": r.confidence, "method": r.method,
            "qualifier": r.qualifier.text if r.qualifier else None,
            "rule": ",".join(r.qualifier.rules) if r.qualifier else None,
            "layers": sorted({f.layer for f in features}),
            **({"report": report_id} if several else {}),
        })
    if args.json:
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=1)
        print()
        return 0
    print(f"{'start':>6} {'end':>6}  {'mention':<32} {'on the map':<34} {'kind':<11} {'conf':>5}  method")
    for row in rows:
        print(f"{row['start']:>6} {row['end']:>6}  {row['text'][:32]:<32} {(row['name'] or '(unresolved)')[:34]:<34} "
              f"{(row['kind'] or '-'):<11} {row['confidence']:>5.2f}  {row['method']}")
    return 0


def _gazetteer(args) -> int:
    from .gazetteer import world

    if args.gazetteer_command == "search":
        from .gazetteer.search import search

        name = " ".join(args.name)
        rows = search(name, limit=args.limit)
        if args.json:
            json.dump(rows, sys.stdout, ensure_ascii=False, indent=1)
            print()
        elif not rows:
            print(f"no place matches {name!r}")
        else:
            print(f"{'score':>5}  {'id':<22} {'name':<28} {'kind':<11} {'cc':<3} {'population':>11}  source")
            for r in rows:
                print(f"{r['score']:>5.1f}  {r['id']:<22} {r['name'][:28]:<28} {r['kind']:<11} {r['country'] or '-':<3} "
                      f"{r['population'] or 0:>11,}  {r['source'][:60]}")
        return 0
    if args.gazetteer_command == "import-geonames":
        countries = {c.strip().upper() for c in args.countries.split(",")} if args.countries else None
        count, path, report = world.import_geonames(args.dump, alternate_names=args.alternate_names, countries=countries)
        print(f"situation-map: {args.dump}: {report.summary()}; {count:,} imported places in {path}", file=sys.stderr)
        return 0
    if args.gazetteer_command == "rebuild":
        index = world.world_index(rebuild=True)
        print(f"situation-map: read {len(index):,} places again in {world.LAST_LOAD['seconds']:.2f} s "
              f"({world.LAST_LOAD['path']}; imported: {world.LAST_LOAD.get('imported') or 'none'})", file=sys.stderr)
        return 0
    print(json.dumps(_gazetteer_info(), indent=1))
    return 0


def _gazetteer_info() -> dict:
    """Records by kind and by source: the packs, the world store, imported dumps."""
    import time as _time

    from .gazetteer import world
    from .gazetteer.places import default_gazetteer

    started = _time.perf_counter()
    gazetteer = default_gazetteer()
    seconds = _time.perf_counter() - started
    packs: dict[str, dict[str, int]] = {}
    for place in gazetteer:
        kinds = packs.setdefault(place.pack or "?", {})
        kinds[place.kind] = kinds.get(place.kind, 0) + 1
    store = gazetteer.world
    by_kind: dict[str, int] = {}
    if store is not None:
        for row_kind, level in zip(store.kind.values(), store.level.array.tolist()):
            name = f"admin_area (level {level})" if row_kind == "admin_area" else row_kind
            by_kind[name] = by_kind.get(name, 0) + 1
    return {
        "places": len(gazetteer) + (len(store) if store is not None else 0),
        "packs": {name: dict(sorted(kinds.items())) for name, kinds in sorted(packs.items())},
        "world": {"source": store.description if store is not None else None, "by_kind": dict(sorted(by_kind.items())),
                  "names": store.key_count if store is not None else 0},
        "store": world.LAST_LOAD.get("path"), "imported": world.LAST_LOAD.get("imported"),
        "load_seconds": round(seconds, 3),
    }


def _eval(args) -> int:
    from .evaluate import evaluate

    results = {}
    if args.from_predictions and len(args.corpus) != 1:
        raise MappingError(f"--from-predictions scores one corpus, got {len(args.corpus)}: run it once per corpus")
    for corpus in args.corpus:
        predictions = args.predictions if len(args.corpus) == 1 else (
            f"{args.predictions}.{Path(corpus).stem}.jsonl" if args.predictions else None)
        scores = evaluate(corpus, predictions=predictions, uses=args.uses, from_predictions=args.from_predictions)
        results[corpus] = scores.rates()
        if args.reliability:
            from .evaluate import reliability

            results[corpus]["reliability"] = reliability(scores.confidences)
    if args.json:
        print(json.dumps(results, indent=1))
        return 0
    print(f"{'corpus':<24} {'docs':>5} {'P':>6} {'R':>6} {'F1':>6} {'P~':>6} {'R~':>6} {'F1~':>6} {'acc161':>7} "
          f"{'acc161*':>7} {'median':>10} {'mean':>10} {'docs/s':>7} {'poss':>5} {'poss P':>6}")
    for corpus, r in results.items():
        print(f"{Path(corpus).name[:24]:<24} {r['documents']:>5} {r['precision_exact']:>6.3f} {r['recall_exact']:>6.3f} "
              f"{r['f1_exact']:>6.3f} {r['precision_overlap']:>6.3f} {r['recall_overlap']:>6.3f} {r['f1_overlap']:>6.3f} "
              f"{r['acc161']:>7.3f} {r['acc161_all']:>7.3f} {r['median_km']:>7.1f} km {r['mean_km']:>7.1f} km "
              f"{r['docs_per_s']:>7.1f} {r['possible']:>5} {r['possible_precision']:>6.3f}")
    print(f"uses: {args.uses}. P/R/F1: exact spans; ~: overlapping spans. acc161: located within 161 km of gold, among "
          "matched places given coordinates; acc161*: counting matched places left unresolved as misses. poss: names "
          "flagged as possible places (not claimed, not in P/R); poss P: the share of them that are gold toponyms.")
    if args.by_kind:
        for corpus, r in results.items():
            total = r["errors"] or 1
            shares = ", ".join(f"{kind} {n / total:.1%} ({n})" for kind, n in r["error_kinds"].items())
            print(f"{Path(corpus).name}: {r['errors']} errors of {r['gold']} gold toponyms, by what the gold place is: "
                  f"{shares}")
    if args.reliability:
        for corpus, r in results.items():
            print(f"{Path(corpus).name}: confidence band, predictions, mean confidence, share right")
            for row in r["reliability"]:
                print(f"  {row['band']:>8} {row['n']:>6} {row['mean_confidence']:>6.2f} {row['right']:>6.2f}")
    return 0


# -- export, and what map/places/export share ------------------------------------

def _add_export(sub, common) -> None:
    from .output.export import EXPORTERS, SUFFIXES

    listing = "\n".join(f"  {e.name:<8} {', '.join(e.suffixes):<17} {e.description}" for e in EXPORTERS.values())
    x = sub.add_parser(
        "export", help="write the features as GeoJSON, GeoPackage, KML or CSV (by the output's suffix)",
        epilog=f"formats:\n{listing}\n\nexamples:\n  situation-map export report.txt -o situation.gpkg\n"
               "  situation-map export a.txt b.txt -o both.kml      # several reports merged\n"
               "  situation-map export report.txt -o - --format csv > places.csv",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    common(x)
    x.add_argument("-o", "--output", required=True, metavar="OUT",
                   help=f"output file ({', '.join(sorted(SUFFIXES))}), or '-' for stdout with --format")
    x.add_argument("-f", "--format", metavar="FORMAT", help=f"output format, one of {', '.join(sorted(EXPORTERS))} "
                   "(default: from the output's suffix)")
    x.set_defaults(handler=_export)


def _export(args) -> int:
    from .output.export import exporter_for

    started = time.perf_counter()
    if args.output == "-" and not args.format:
        raise MappingError("writing to standard output needs --format (csv, geojson, gpkg or kml)")
    if args.format:
        exporter = exporter_for(None, args.format)  # an unknown format fails before any work
        _check_outputs(args, [(args.output, exporter.name, f"--format {args.format}")])
    else:
        exporter = exporter_for(args.output)
        _check_outputs(args, [(args.output, exporter.name, None)])
    situation = _situation(args)
    situation.export(args.output, exporter.name)
    if not args.quiet and args.output != "-":
        print(f"{len(situation.features)} features in {len(situation.layers)} layers; {len(situation.unresolved)} "
              f"unresolved; wrote {args.output} ({exporter.name}) in {time.perf_counter() - started:.2f} s",
              file=sys.stderr)
    return 0


# -- batch ----------------------------------------------------------------------------

def _add_batch(sub, common) -> None:
    # Not ``common``: a batch reads one INPUT (a folder or JSON Lines), and titles come from each report.
    del common
    from .batch import DEFAULT_MAP_LIMIT, ENGINES, FORMATS

    b = sub.add_parser(
        "batch", help="map many reports (a folder, or JSON Lines) into GeoParquet and GeoJSON Lines",
        description="Map every report of INPUT and write one row per feature, unresolved mention and report "
                    "(each with its report id) into the folder OUT. Running the same command again resumes: "
                    "reports already written are skipped.",
        epilog="input:\n  a folder: every .txt, .html, .htm, .xhtml file in it and its subfolders (id: the path)\n"
               "  a JSON Lines file, or '-' for stdin: {\"id\", \"text\", \"published\", \"source\", \"url\", \"title\"} a line\n\n"
               "output (OUT/):\n  features/, unresolved/, documents/   part-NNNNNNNNN.parquet (GeoParquet) and .geojsonl/.jsonl\n"
               "  errors.jsonl   bad records and failures, by id and line\n"
               "  manifest.json, progress.jsonl   what was run; what a resumed batch skips\n\n"
               "examples:\n  situation-map batch reports/ -o out/\n"
               "  situation-map batch feed.jsonl -o out/ --map all.html\n"
               "  situation-map batch feed.jsonl -o out/ --engine dask --scheduler tcp://10.0.0.5:8786\n"
               "  zcat feed.jsonl.gz | situation-map batch - -o out/",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    b.add_argument("input", metavar="INPUT", help="folder of report files, JSON Lines file, or '-' for JSON Lines on stdin")
    b.add_argument("-o", "--output", required=True, metavar="OUT", help="output folder (created if missing)")
    b.add_argument("--map", metavar="MAP.html", help="also write one merged map of the reports "
                   "(the first --map-limit of them)")
    b.add_argument("--map-limit", type=_count, default=DEFAULT_MAP_LIMIT, metavar="N",
                   help=f"reports in the merged map (default {DEFAULT_MAP_LIMIT:,}; a map of many more would not open)")
    b.add_argument("--engine", choices=ENGINES, default="local",
                   help="local: a pool of worker processes (default); dask: a Dask cluster")
    b.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address (tcp://host:8786); "
                   "default with --engine dask: a local cluster")
    b.add_argument("--workers", type=_count, metavar="N", help="worker processes (default: one per CPU; 1 runs here)")
    b.add_argument("--chunk-size", type=_count, metavar="N", help="reports per task and part file (default 200, "
                   "less for a small input)")
    b.add_argument("--format", default=",".join(FORMATS), metavar="LIST",
                   help=f"comma-separated: {', '.join(FORMATS)} (default both)")
    b.add_argument("--overwrite", action="store_true", help="start again, removing an earlier batch in OUT")
    b.add_argument("--source", help="publisher, for reports that do not name one")
    b.add_argument("--url", help="link, for reports that do not give one")
    b.add_argument("--published", metavar="YYYY-MM-DD", help="publication date, for reports without one")
    b.add_argument("--gazetteer", action="append", default=[], metavar="PACK.geojson",
                   help="an extra gazetteer pack (repeatable; on a cluster, a path every worker can read)")
    b.add_argument("--errors", choices=("strict", "replace"), default="strict",
                   help="invalid UTF-8: a bad record (strict, the default) or replaced with U+FFFD and a warning")
    b.add_argument("--markup", choices=("auto", "text", "html"), default="auto",
                   help="read reports as plain text or HTML (auto: HTML for .html/.htm files and HTML-looking text)")
    b.add_argument("--max-chars", type=_count, default=None, metavar="N",
                   help="a report longer than N characters is a bad record (default 10,000,000; 0: no limit)")
    b.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    b.add_argument("-v", "--verbose", action="count", default=0, help="also print each warning")
    b.set_defaults(handler=_batch)


def _batch(args) -> int:
    from .batch import BatchOptions, require_extra, run_batch
    from .language.report import MAX_REPORT_CHARS, parse_date

    require_extra(args.engine)  # before any work: one line naming the extra
    if args.published:
        parse_date(args.published)
    if args.chunk_size == 0 or args.workers == 0:
        raise MappingError("--workers and --chunk-size must be at least 1")
    options = BatchOptions(
        packs=tuple(args.gazetteer), errors=args.errors, markup=args.markup,
        max_chars=MAX_REPORT_CHARS if args.max_chars is None else (args.max_chars or None),
        source=args.source, url=args.url, published=args.published,
        formats=tuple(f.strip() for f in args.format.split(",") if f.strip()))
    counts = {"warning": 0}

    def log(line: str, kind: str) -> None:
        counts["warning"] += kind == "warning"
        if kind == "error" or (kind == "warning" and args.verbose and not args.quiet) or (kind == "notice" and not args.quiet):
            print(f"situation-map: batch: {line}", file=sys.stderr)

    try:
        result = run_batch(args.input, args.output, options=options, engine=args.engine, workers=args.workers,
                           scheduler=args.scheduler, chunk_size=args.chunk_size, map_path=args.map,
                           map_limit=args.map_limit, overwrite=args.overwrite,
                           progress=False if args.quiet else None, log=log)
    except KeyboardInterrupt:
        print(f"situation-map: batch: interrupted; what was written is kept in {args.output}: run the same command "
              "again to resume", file=sys.stderr)
        return 130
    if not args.quiet:
        print(f"situation-map: batch: {result.summary()}", file=sys.stderr)
        if counts["warning"] and not args.verbose:
            print(f"situation-map: batch: {counts['warning']:,} warnings (in {args.output}/errors.jsonl; -v prints them)",
                  file=sys.stderr)
        if result.map_path:
            print(f"situation-map: batch: wrote {result.map_path} ({result.map_reports:,} reports merged)", file=sys.stderr)
    return 0


def _situation(args):
    """Read every report named on the command line (all first, so bad input fails fast), map and merge them."""
    from .pipeline import merge_situations, run
    from .progress import Progress
    from .language.report import MAX_REPORT_CHARS, read_report_file

    if args.reports.count("-") > 1:
        raise MappingError("standard input ('-') can be read only once")
    max_chars = MAX_REPORT_CHARS if args.max_chars is None else (args.max_chars or None)
    reports = [read_report_file(path, title=args.title, source=args.source, url=args.url, published=args.published,
                                errors=args.errors, markup=args.markup, max_chars=max_chars)
               for path in args.reports]
    situations = []
    with Progress(len(reports), "mapping", enabled=None if len(reports) > 1 and not args.quiet else False) as bar:
        for path, report in zip(args.reports, reports):
            started = time.perf_counter()
            situation = run(report, packs=args.gazetteer)
            situations.append(situation)
            bar.advance(str(path))
            if args.verbose and not args.quiet:
                print(f"situation-map: {path}: {len(report.text):,} characters ({report.markup}), "
                      f"{len(situation.resolutions)} mentions, {len(situation.features)} features, "
                      f"{len(situation.unresolved)} unresolved, {time.perf_counter() - started:.2f} s", file=sys.stderr)
                for m in situation.unresolved:
                    print(f"situation-map:   unresolved {m.text!r} at {m.start}..{m.end}", file=sys.stderr)
    return merge_situations(situations)


def _check_outputs(args, outputs, fixes=None) -> None:
    """Refuse, before any work, an output that cannot be what was asked for.

    Each of ``outputs`` is ``(path or None, format, option)``: a folder, a
    missing folder, a suffix that names another format (see
    :func:`mapping.output.export.check_suffix`), the report being read, or two
    outputs on one file. A symlink is written through: its target is checked.
    """
    from .output.export import check_suffix
    from .io import output_target

    inputs = {}
    for report in args.reports:
        if report != "-" and os.path.exists(report):
            inputs[os.path.realpath(report)] = report
    seen: dict[str, str] = {}
    to_stdout = []
    for path, format, option in outputs:
        if path is None:
            continue
        if path == "-":
            to_stdout.append(option or "-o")
            continue
        target = output_target(path)
        check_suffix(path, format, option=option, fixes=fixes)
        real = os.path.realpath(target)
        if real in inputs or any(os.path.exists(real) and os.path.samefile(real, i) for i in inputs):
            raise OutputError(f"cannot write {path!r}: it is the report being read ({inputs.get(real, real)!r}); "
                              "choose another output name so that the report is not overwritten")
        if real in seen:
            raise OutputError(f"cannot write {path!r} twice: {seen[real]} and {option or '-o'} name the same file; "
                              "give each output its own name")
        seen[real] = option or "-o"
    if len(to_stdout) > 1:
        raise OutputError(f"only one output can go to standard output ('-'), got {' and '.join(to_stdout)}; "
                          "write the others to files")


def _count(value: str) -> int:
    try:
        number = int(value.replace(",", "").replace("_", ""))
    except ValueError:
        number = -1
    if number < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {value!r}")
    return number


#: Warnings printed before the rest are only counted (``-v`` prints every one).
MAX_WARNINGS = 20


def _warn(args, message, category) -> None:
    if getattr(args, "quiet", False) or (not issubclass(category, MappingWarning) and not getattr(args, "verbose", 0)):
        return
    shown = getattr(args, "_warnings_shown", 0)
    if shown >= MAX_WARNINGS and not getattr(args, "verbose", 0):
        args._warnings_hidden = getattr(args, "_warnings_hidden", 0) + 1
        return
    args._warnings_shown = shown + 1
    print(f"situation-map: warning: {message}", file=sys.stderr)


def _hidden_warnings(args) -> None:
    hidden = getattr(args, "_warnings_hidden", 0)
    if hidden:
        print(f"situation-map: warning: {hidden} more warning{'s' if hidden > 1 else ''} not shown "
              "(-v shows every one)", file=sys.stderr)
