"""Command line: ``situation-map map REPORT -o map.html --geojson map.geojson``.

Exit codes: 0 success, 1 user error (bad input, unknown format, bad pack),
2 usage error (argparse). Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from .errors import MappingError

__all__ = ["main"]

EXAMPLES = """examples:
  situation-map map report.txt -o situation.html --geojson situation.geojson
  cat report.txt | situation-map map - --published 2025-11-18 -o map.html
  situation-map places report.txt            # a table of the places found
  situation-map places report.txt --json     # the same as JSON
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="situation-map", description="Turn a news report into a source-grounded situation map.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p):
        p.add_argument("report", help="report text file (UTF-8), or '-' for standard input")
        p.add_argument("--title", help="title shown on the map (default: the file name)")
        p.add_argument("--source", help="publisher or outlet of the report")
        p.add_argument("--url", help="link to the report")
        p.add_argument("--published", metavar="YYYY-MM-DD", help="publication date (default: the report's 'date' header)")
        p.add_argument("--gazetteer", action="append", default=[], metavar="PACK.geojson",
                       help="an extra gazetteer pack (repeatable)")
        p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")

    m = sub.add_parser("map", help="map a report to HTML and/or GeoJSON", epilog=EXAMPLES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    common(m)
    m.add_argument("-o", "--output", metavar="MAP.html", help="write the standalone HTML map here ('-' for stdout)")
    m.add_argument("--geojson", metavar="FILE.geojson", help="write the features as RFC 7946 GeoJSON ('-' for stdout)")
    m.add_argument("--tiles", metavar="PROVIDER", help="online basemap tiles, an xyzservices name such as "
                   "OpenStreetMap.Mapnik (default: offline outlines, no downloads)")

    p = sub.add_parser("places", help="list the place mentions and how each was resolved")
    common(p)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return parser


def _version() -> str:
    from . import __version__

    return __version__


def main(argv=None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except MappingError as err:
        print(f"situation-map: error: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"situation-map: error: {err.strerror or err}: {err.filename or ''}".rstrip(": "), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _run(args) -> int:
    from .pipeline import map_file

    started = time.perf_counter()
    situation = map_file(args.report, title=args.title, source=args.source, url=args.url,
                         published=args.published, packs=args.gazetteer)
    if args.command == "places":
        return _places(situation, args)
    if not args.output and not args.geojson:
        raise MappingError("nothing to write: give -o MAP.html and/or --geojson FILE.geojson")
    written = []
    if args.geojson:
        situation.to_geojson(args.geojson)
        written.append(args.geojson)
    if args.output:
        situation.save_html(args.output, tiles=args.tiles)
        written.append(args.output)
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
