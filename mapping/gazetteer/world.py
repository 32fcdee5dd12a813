"""The world gazetteer: GeoNames places, first-level regions and districts, in a compact store.

The store ships with the package (``mapping/data/world/world.npz``, built by
``data/build_world.py`` from registry packages; see ``data/README.md``): parallel
numeric arrays, UTF-8 blobs with offsets, WKB geometry for the regions, and a
name-key index in CSR form. It is read with ``numpy.load(allow_pickle=False)``,
a format that cannot carry code, and loads in a fraction of a second.

Places imported from a GeoNames dump (``situation-map gazetteer
import-geonames``) are written to a store of the same format in the user cache
directory (``platformdirs.user_cache_dir("situation-map")``, or
``$SITUATION_MAP_CACHE``) with a manifest giving its format version and SHA-256;
a store that does not match its manifest is ignored with one warning.

Records are materialised as :class:`~mapping.gazetteer.places.Place` only when a
mention asks for them; their ids are ``gn:<geonameid>``.

Examples
--------
>>> store = world_index()
>>> row = store.lookup_key("kharkiv")[0]
>>> store.name[row], store.country[row], store.kind[row]
('Kharkiv', 'UA', 'city')
>>> store.lookup_key("no such place at all")
()
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time
import warnings
from bisect import bisect_left
from contextlib import nullcontext
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from .names import name_key, variant_key

__all__ = ["WorldStore", "MergedStore", "world_index", "cache_dir", "write_store", "read_store",
           "read_geonames_dump", "import_geonames", "StoreError", "STORE_VERSION", "TableBuilder", "DumpReport"]

#: Bumped whenever the layout of a store changes; a store of another version is not read.
STORE_VERSION = 1
FORMAT = "situation-map world store"
#: Alternate names of small places are mostly noise (other languages' spellings of a hamlet).
ALIAS_MIN_POPULATION = 15_000
#: Names of more words than this are not indexed (they are descriptions, not names).
MAX_WORDS = 5
_MAX_WORDS = MAX_WORDS  # the name earlier versions exported
_LATIN = re.compile(r"^[A-Za-z\u00C0-\u024F\u1E00-\u1EFF'’‘ʿʾ`.\- ]+$")


class StoreError(ValueError):
    """A store file is not a situation-map world store of this version, or is damaged."""


def cache_dir() -> Path:
    override = os.environ.get("SITUATION_MAP_CACHE")
    if override:
        return Path(override)
    try:
        from platformdirs import user_cache_dir

        return Path(user_cache_dir("situation-map", appauthor=False))
    except ImportError:
        return Path.home() / ".cache" / "situation-map"


# -- building a store -------------------------------------------------------------

_COLUMNS = ("geonameid", "name", "lon", "lat", "population", "country", "admin1", "kind", "level", "subtype",
            "precision_m", "approximate", "source", "aliases", "area", "parent", "code")
#: Polygon coordinates are stored as integers of this many degrees (about 1 m).
COORDINATE_STEP = 1e-5


@dataclass
class TableBuilder:
    """Rows of a store being built, column by column; ``keys`` lists the names each row is found by.

    ``source`` may contain ``{geonameid}``, filled in when a place is read; ``area`` is
    a shapely Polygon or MultiPolygon (rows without one are points).
    """

    columns: dict = field(default_factory=lambda: {c: [] for c in _COLUMNS})
    names: list = field(default_factory=list)

    def add(self, *, geonameid=0, name, lon, lat, population=0, country=None, admin1=None, kind, level=0,
            subtype=None, precision_m, approximate=False, source, aliases=(), area=None, parent=None,
            code=None, keys=()) -> int:
        row = len(self.names)
        values = dict(geonameid=int(geonameid or 0), name=name, lon=float(lon), lat=float(lat),
                      population=int(population or 0), country=country, admin1=admin1, kind=kind, level=int(level),
                      subtype=subtype, precision_m=float(precision_m), approximate=bool(approximate), source=source,
                      aliases=tuple(aliases), area=area, parent=parent, code=code)
        for column, value in values.items():
            self.columns[column].append(value)
        self.names.append(tuple(dict.fromkeys((name, *keys))))
        return row

    def __len__(self):
        return len(self.names)


def _blob(strings):
    """A UTF-8 blob and offsets: string ``i`` is ``blob[off[i]:off[i+1]]``."""
    import numpy as np

    encoded = [s.encode("utf-8") for s in strings]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets


def _coded(values):
    """Small-vocabulary strings as indexes into a table; index 0 stands for None."""
    import numpy as np

    table = [None] + sorted({v for v in values if v is not None})
    where = {v: i for i, v in enumerate(table)}
    dtype = np.uint8 if len(table) < 256 else np.uint16 if len(table) < 65536 else np.uint32
    return np.array([where[v] for v in values], dtype=dtype), table


def _key_index(names_per_row):
    """Sorted keys and, for each, the rows it names (CSR), from each row's names."""
    import numpy as np

    keys: dict[str, list[int]] = {}
    variants: dict[str, list[int]] = {}
    for row, names in enumerate(names_per_row):
        seen, seen_v = set(), set()
        for n in names:
            key = name_key(n)
            if key and key.count(" ") < MAX_WORDS and key not in seen:
                seen.add(key)
                keys.setdefault(key, []).append(row)
        for key in seen:
            v = variant_key(key)
            if v and v not in seen_v:
                seen_v.add(v)
                variants.setdefault(v, []).append(row)

    def csr(table):
        ordered = sorted(table)
        offsets = np.zeros(len(ordered) + 1, dtype=np.int32)
        np.cumsum([len(table[k]) for k in ordered], out=offsets[1:])
        rows = np.array([r for k in ordered for r in table[k]], dtype=np.int32)
        return "\n".join(ordered), offsets, rows

    return csr(keys), csr(variants)


def write_store(path, table: TableBuilder, *, description: str) -> Path:
    """Write ``table`` as a store: a folder of ``.npy`` arrays and ``meta.json``, replaced whole.

    The folder is written beside ``path`` and renamed into place, so a reader
    never sees half a store.
    """
    import shutil
    import tempfile

    import numpy as np

    c = table.columns
    arrays = {
        "geonameid": np.array(c["geonameid"], dtype=np.int32),
        "lon": np.array(c["lon"], dtype=np.float32),
        "lat": np.array(c["lat"], dtype=np.float32),
        "population": np.array(c["population"], dtype=np.int32),
        "level": np.array(c["level"], dtype=np.uint8),
        "precision_m": np.array(c["precision_m"], dtype=np.float32),
        "approximate": np.array(c["approximate"], dtype=np.bool_),
    }
    meta = {"format": FORMAT, "version": STORE_VERSION, "description": description, "rows": len(table)}
    for column in ("country", "admin1", "kind", "subtype", "source", "parent", "code"):
        arrays[column], meta[column] = _coded(c[column])
    arrays["name_blob"], arrays["name_off"] = _blob(c["name"])
    arrays["alias_blob"], arrays["alias_off"] = _blob("\x1f".join(a) for a in c["aliases"])
    arrays.update(_areas(c["area"]))
    (keys, key_off, key_rows), (vkeys, vkey_off, vkey_rows) = _key_index(table.names)
    for prefix, (joined, offsets, rows) in (("key", (keys, key_off, key_rows)), ("vkey", (vkeys, vkey_off, vkey_rows))):
        blob = joined.encode("utf-8")
        arrays[f"{prefix}_blob"] = np.frombuffer(blob, dtype=np.uint8)
        arrays[f"{prefix}_off"], arrays[f"{prefix}_rows"] = offsets, rows
        meta[f"{prefix}_buckets"] = _buckets(joined)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        for name, array in arrays.items():
            np.save(staging / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
        (staging / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, sort_keys=True), encoding="utf-8")
        if path.exists():
            old = path.with_name(f".{path.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(path, old)
            os.replace(staging, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return path


def _buckets(joined: str) -> dict:
    """Where each bucket of the sorted keys starts and ends: {first two characters: [byte start, byte end,
    first slot]}, so that a look-up decodes only its bucket."""
    buckets, byte, slot = {}, 0, 0
    for key in joined.split("\n") if joined else []:
        size = len(key.encode("utf-8"))
        bucket = key[:2]
        entry = buckets.get(bucket)
        if entry is None:
            buckets[bucket] = [byte, byte + size, slot]
        else:
            entry[1] = byte + size
        byte += size + 1
        slot += 1
    return buckets


def _areas(areas) -> dict:
    """Polygons as integer coordinates in ragged arrays (shapely's layout for MultiPolygons)."""
    import numpy as np
    import shapely

    rows = [i for i, a in enumerate(areas) if a is not None]
    if not rows:
        return {"area_row": np.zeros(0, dtype=np.int32), "area_bbox": np.zeros((0, 4), dtype=np.float32),
                "area_coords": np.zeros((0, 2), dtype=np.int32), "area_rings": np.zeros(1, dtype=np.int32),
                "area_parts": np.zeros(1, dtype=np.int32), "area_geoms": np.zeros(1, dtype=np.int32)}
    geoms = [shapely.multipolygons(shapely.get_parts(areas[i])) for i in rows]
    _, coords, (rings, parts, whole) = shapely.to_ragged_array(geoms)
    return {"area_row": np.array(rows, dtype=np.int32),
            "area_bbox": np.array([g.bounds for g in geoms], dtype=np.float32),
            "area_coords": np.round(coords / COORDINATE_STEP).astype(np.int32),
            "area_rings": rings.astype(np.int32), "area_parts": parts.astype(np.int32),
            "area_geoms": whole.astype(np.int32)}


def key_prefixes(keys) -> frozenset:
    """Every proper word-prefix of the multi-word keys ("new", "new york" for "new york mills")."""
    prefixes = set()
    for key in keys:
        words = key.split(" ")
        for n in range(1, len(words)):
            prefixes.add(" ".join(words[:n]))
    return frozenset(prefixes)


# -- reading a store --------------------------------------------------------------

class _Column:
    """A numeric column: Python values by row, the numpy array as ``array``.

    The values become a Python list on first access: a memory-mapped array is
    quick to open and slow to index one element at a time.
    """

    __slots__ = ("array", "_values")

    def __init__(self, array):
        self.array = array
        self._values = None

    def __len__(self):
        return len(self.array)

    def _list(self):
        return self.array.tolist()

    def __getitem__(self, i):
        values = self._values
        if values is None:
            values = self._values = self._list()
        return values[i]


class _Rounded(_Column):
    """Coordinates stored as float32, read back at the five decimals GeoNames gives."""

    __slots__ = ()

    def _list(self):
        import numpy as np

        return np.round(self.array.astype(np.float64), 5).tolist()


class _Strings:
    """Row ``i``'s string, decoded from a blob on access (the blob read into memory on first access)."""

    __slots__ = ("_blob", "_off", "_bytes", "_offsets")

    def __init__(self, blob, offsets):
        self._blob, self._off = blob, offsets
        self._bytes = self._offsets = None

    def __len__(self):
        return len(self._off) - 1

    def __getitem__(self, i):
        if self._bytes is None:
            self._bytes, self._offsets = self._blob.tobytes(), self._off.tolist()
        return self._bytes[self._offsets[i]:self._offsets[i + 1]].decode("utf-8")


class _Coded:
    """Row ``i``'s value from a small table (None where the row has none)."""

    __slots__ = ("_codes", "_table", "_values")

    def __init__(self, codes, table):
        self._codes, self._table = codes, table
        self._values = None

    def __len__(self):
        return len(self._codes)

    def __getitem__(self, i):
        values = self._values
        if values is None:
            values = self._values = self._codes.tolist()
        return self._table[values[i]]

    def values(self) -> list:
        """Every row's value, in row order."""
        table = self._table
        return [table[c] for c in self._codes.tolist()]

    def code_of(self, value):
        """The index ``value`` has in the table, or None."""
        try:
            return self._table.index(value)
        except ValueError:
            return None

    @property
    def array(self):
        return self._codes


class _KeyIndex:
    """Sorted keys in buckets by their first two characters, each bucket decoded on first use.

    A report touches a few hundred buckets out of a few thousand, so a look-up
    never pays for building a dict of every name in the world.
    """

    def __init__(self, blob, offsets, rows, buckets: dict):
        self._blob, self._off, self._rows = blob, offsets, rows
        self._buckets = buckets
        self._loaded: dict[str, tuple[list[str], int]] = {}
        self._joined: dict[str, dict[str, list[str]]] = {}

    def __len__(self):
        return len(self._off) - 1

    def _bucket(self, key: str) -> tuple[list[str], int]:
        """The bucket's keys, sorted (found by bisection: most buckets are searched a few times), and the
        slot of its first key."""
        name = key[:2]
        loaded = self._loaded.get(name)
        if loaded is None:
            where = self._buckets.get(name)
            if where is None:
                loaded = ([], 0)
            else:
                start, end, first = where
                loaded = (self._blob[start:end].tobytes().decode("utf-8").split("\n"), first)
            self._loaded[name] = loaded
        return loaded

    def get(self, key: str) -> tuple[int, ...]:
        keys, first = self._bucket(key)
        k = bisect_left(keys, key)
        if k == len(keys) or keys[k] != key:
            return ()
        slot = first + k
        if not isinstance(self._off, list):
            self._off, self._rows = self._off.tolist(), self._rows.tolist()
        return tuple(self._rows[self._off[slot]:self._off[slot + 1]])

    def bucket_keys(self, key: str) -> list[str]:
        """The keys that share the first two characters of ``key``."""
        return self._bucket(key)[0]

    def joined(self, joined: str) -> list[str]:
        """The keys of several words in ``joined``'s bucket that are ``joined`` without their spaces."""
        name = joined[:2]
        table = self._joined.get(name)
        if table is None:
            table = self._joined[name] = {}
            for key in self._bucket(joined)[0]:
                if " " in key:
                    table.setdefault(key.replace(" ", ""), []).append(key)
        return table.get(joined, [])

    def extends(self, key: str) -> bool:
        """Whether some key starts with ``key`` and a space: a longer name may follow."""
        keys = self._bucket(key)[0]
        probe = key + " "
        k = bisect_left(keys, probe)
        return k < len(keys) and keys[k].startswith(probe)

    def all_keys(self) -> list[str]:
        text = self._blob.tobytes().decode("utf-8")
        return text.split("\n") if text else []


class WorldStore:
    """World places in parallel columns, indexed by name key and by spelling variant.

    Columns are sequences indexed by row: ``geonameid``, ``name``, ``lon``,
    ``lat``, ``population``, ``country``, ``admin1``, ``kind``, ``level``,
    ``subtype``, ``precision_m``, ``approximate``, ``source``, ``parent``,
    ``code``; numeric and coded ones also give their numpy array as ``.array``.
    """

    def __init__(self, arrays, meta, *, path=None):
        if meta.get("format") != FORMAT or meta.get("version") != STORE_VERSION:
            raise StoreError(f"{path}: expected a {FORMAT} of version {STORE_VERSION}, got "
                             f"{meta.get('format')!r} version {meta.get('version')!r}")
        self.path = path
        self.meta = meta
        self.description = meta.get("description", "")
        for column in ("geonameid", "population", "level", "precision_m", "approximate"):
            setattr(self, column, _Column(arrays[column]))
        self.lon, self.lat = _Rounded(arrays["lon"]), _Rounded(arrays["lat"])
        for column in ("country", "admin1", "kind", "subtype", "source", "parent", "code"):
            setattr(self, column, _Coded(arrays[column], meta[column]))
        self.name = _Strings(arrays["name_blob"], arrays["name_off"])
        self._aliases = _Strings(arrays["alias_blob"], arrays["alias_off"])
        self._area_rows = arrays["area_row"]
        self._area = {k: arrays[k] for k in ("area_bbox", "area_coords", "area_rings", "area_parts", "area_geoms")}
        self._keys = _KeyIndex(arrays["key_blob"], arrays["key_off"], arrays["key_rows"], meta["key_buckets"])
        self._variants = _KeyIndex(arrays["vkey_blob"], arrays["vkey_off"], arrays["vkey_rows"], meta["vkey_buckets"])
        self._key_rows = arrays["key_rows"]
        self._names_known = None
        self._rows_by_id = None

    def __len__(self):
        return len(self.geonameid)

    def __repr__(self):
        return f"<WorldStore {len(self):,} places, {len(self._keys):,} names: {self.description}>"

    @property
    def key_count(self) -> int:
        return len(self._keys)

    def all_keys(self) -> list[str]:
        """Every indexed name key (decodes them all: for search, not for look-ups)."""
        return self._keys.all_keys()

    def lookup_key(self, key: str) -> tuple[int, ...]:
        """Rows with a name or alias whose key is ``key``."""
        return self._keys.get(key)

    def lookup_variant(self, key: str) -> tuple[int, ...]:
        """Rows with a name whose spelling-variant key (:func:`mapping.gazetteer.names.variant_key`) is ``key``."""
        return self._variants.get(key)

    def lookup_variant_joined(self, joined: str) -> tuple[int, ...]:
        """Rows with a name of several words whose variant key, written as one word, is ``joined``
        ("Bani Bangou" for "Banibangou"). Such a key shares its first two characters with ``joined`` (a
        variant key's first word has two at least), so only that bucket of keys is read."""
        rows: list[int] = []
        for key in self._variants.joined(joined):
            rows += [r for r in self._variants.get(key) if r not in rows]
        return tuple(rows)

    def similar_keys(self, key: str) -> list[str]:
        """Keys that begin like ``key`` (its first two characters): where a misspelling is looked for."""
        return self._keys.bucket_keys(key)

    def extends(self, key: str) -> bool:
        """Whether an indexed name starts with the words of ``key`` and goes on."""
        return self._keys.extends(key)

    def aliases(self, row: int) -> tuple[str, ...]:
        text = self._aliases[row]
        return tuple(text.split("\x1f")) if text else ()

    def names_known(self, row: int) -> int:
        """How many name keys lead to the row: its own name and the alternate names the store indexes
        (GeoNames keeps many for a place the world writes about, one for a village; the ranker reads it
        as how widely the place is known)."""
        if self._names_known is None:
            import numpy as np

            self._names_known = np.bincount(np.asarray(self._key_rows), minlength=len(self))
        return int(self._names_known[row])

    def _slot(self, row: int) -> int | None:
        if not isinstance(self._area_rows, dict):
            self._area_rows = {r: k for k, r in enumerate(self._area_rows.tolist())}
        return self._area_rows.get(row)

    def has_area(self, row: int) -> bool:
        return self._slot(row) is not None

    def area(self, row: int):
        """The row's polygon (a shapely Polygon or MultiPolygon), or None for a point."""
        slot = self._slot(row)
        if slot is None:
            return None
        import numpy as np
        import shapely

        a = self._area
        p0, p1 = int(a["area_geoms"][slot]), int(a["area_geoms"][slot + 1])
        r0, r1 = int(a["area_parts"][p0]), int(a["area_parts"][p1])
        c0, c1 = int(a["area_rings"][r0]), int(a["area_rings"][r1])
        coords = np.asarray(a["area_coords"][c0:c1], dtype=np.float64) * COORDINATE_STEP
        rings = np.asarray(a["area_rings"][r0:r1 + 1]) - c0
        parts = np.asarray(a["area_parts"][p0:p1 + 1]) - r0
        geometry = shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, coords,
                                             (rings, parts, np.array([0, p1 - p0])))[0]
        return geometry if len(geometry.geoms) > 1 else geometry.geoms[0]

    def bbox(self, row: int) -> tuple[float, float, float, float] | None:
        slot = self._slot(row)
        if slot is None:
            return None
        return tuple(round(float(v), 5) for v in self._area["area_bbox"][slot])

    def row_of(self, geonameid: int) -> int | None:
        if self._rows_by_id is None:
            ids = self.geonameid.array.tolist()
            self._rows_by_id = {g: i for i, g in enumerate(ids) if g}
        return self._rows_by_id.get(geonameid)

    def rows_in_bbox(self, west: float, south: float, east: float, north: float):
        """Rows whose representative point lies in the box (a numpy index array)."""
        import numpy as np

        lon, lat = self.lon.array, self.lat.array
        return np.nonzero((lon >= west) & (lon <= east) & (lat >= south) & (lat <= north))[0]

    def rows_of_country(self, country: str):
        import numpy as np

        code = self.country.code_of(country)
        return np.nonzero(self.country.array == code)[0] if code is not None else np.zeros(0, dtype=np.int64)


class MergedStore:
    """The shipped store with imported GeoNames dumps behind it (rows of the import after the shipped ones).

    A record of an import that the shipped store already holds (same GeoNames
    id) adds its names to the shipped record instead of a second record.
    """

    def __init__(self, base: WorldStore, extra: WorldStore):
        self.path, self.meta = base.path, base.meta
        self.description = f"{base.description} + {extra.description}"
        self._parts = (base, extra)
        self._offset = len(base)
        self._canonical = None
        for column in ("geonameid", "lon", "lat", "population", "level", "precision_m", "approximate",
                       "country", "admin1", "kind", "subtype", "source", "parent", "code", "name"):
            setattr(self, column, _Chained(getattr(base, column), getattr(extra, column)))

    def __len__(self):
        return self._offset + len(self._parts[1])

    def __repr__(self):
        return f"<MergedStore {len(self):,} places: {self.description}>"

    @property
    def key_count(self):
        return sum(p.key_count for p in self._parts)

    def all_keys(self):
        return sorted(set(self._parts[0].all_keys()) | set(self._parts[1].all_keys()))

    def _canonical_row(self, row: int) -> int:
        if self._canonical is None:
            base, extra = self._parts
            self._canonical = {}
            for local in range(len(extra)):
                gid = extra.geonameid[local]
                known = base.row_of(gid) if gid else None
                if known is not None:
                    self._canonical[local] = known
        return self._canonical.get(row, self._offset + row)

    def _merge(self, base_rows, extra_rows):
        rows = list(base_rows)
        for r in extra_rows:
            canonical = self._canonical_row(r)
            if canonical not in rows:
                rows.append(canonical)
        return tuple(rows)

    def lookup_key(self, key):
        return self._merge(self._parts[0].lookup_key(key), self._parts[1].lookup_key(key))

    def lookup_variant(self, key):
        return self._merge(self._parts[0].lookup_variant(key), self._parts[1].lookup_variant(key))

    def lookup_variant_joined(self, joined):
        return self._merge(self._parts[0].lookup_variant_joined(joined), self._parts[1].lookup_variant_joined(joined))

    def extends(self, key):
        return self._parts[0].extends(key) or self._parts[1].extends(key)

    def similar_keys(self, key):
        return sorted(set(self._parts[0].similar_keys(key)) | set(self._parts[1].similar_keys(key)))

    def _part(self, row):
        return (self._parts[0], row) if row < self._offset else (self._parts[1], row - self._offset)

    def aliases(self, row):
        part, local = self._part(row)
        return part.aliases(local)

    def names_known(self, row):
        part, local = self._part(row)
        return part.names_known(local)

    def has_area(self, row):
        part, local = self._part(row)
        return part.has_area(local)

    def area(self, row):
        part, local = self._part(row)
        return part.area(local)

    def bbox(self, row):
        part, local = self._part(row)
        return part.bbox(local)

    def row_of(self, geonameid):
        row = self._parts[0].row_of(geonameid)
        if row is None:
            local = self._parts[1].row_of(geonameid)
            row = None if local is None else self._offset + local
        return row

    def rows_in_bbox(self, west, south, east, north):
        import numpy as np

        base, extra = self._parts
        return np.concatenate([base.rows_in_bbox(west, south, east, north),
                               extra.rows_in_bbox(west, south, east, north) + self._offset])

    def rows_of_country(self, country):
        import numpy as np

        base, extra = self._parts
        return np.concatenate([base.rows_of_country(country), extra.rows_of_country(country) + self._offset])


class _Chained:
    __slots__ = ("_a", "_b", "_n")

    def __init__(self, a, b):
        self._a, self._b, self._n = a, b, len(a)

    def __len__(self):
        return self._n + len(self._b)

    def __getitem__(self, i):
        return self._a[i] if i < self._n else self._b[i - self._n]

    def values(self) -> list:
        return self._a.values() + self._b.values()

    @property
    def array(self):
        import numpy as np

        return np.concatenate([self._a.array, self._b.array])


_ARRAYS = ("geonameid", "lon", "lat", "population", "level", "precision_m", "approximate", "country", "admin1",
           "kind", "subtype", "source", "parent", "code", "name_blob", "name_off", "alias_blob", "alias_off",
           "area_row", "area_bbox", "area_coords", "area_rings", "area_parts", "area_geoms",
           "key_blob", "key_off", "key_rows", "vkey_blob", "vkey_off", "vkey_rows")


def read_store(path) -> WorldStore:
    """Read a store written by :func:`write_store` (memory-mapped: pages load as they are read).

    Raises :class:`StoreError` when ``path`` is not a store of this version. Arrays are
    read with ``allow_pickle=False``: a store cannot carry code.
    """
    import numpy as np

    path = Path(path)
    try:
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise StoreError(f"{path}: not a readable {FORMAT}: {err}") from err
    if not isinstance(meta, dict):
        raise StoreError(f"{path}: not a {FORMAT} (its meta.json is not an object)")
    arrays = {}
    for name in _ARRAYS:
        _refuse_objects(path, name)
        try:
            arrays[name] = np.load(path / f"{name}.npy", mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError) as err:
            raise StoreError(f"{path}: array {name!r} is missing or damaged: {err}") from err
    rows = meta.get("rows")
    if any(len(arrays[c]) != rows for c in ("geonameid", "lon", "lat", "kind")):
        raise StoreError(f"{path}: its arrays disagree on the number of places (meta says {rows})")
    try:
        return WorldStore(arrays, meta, path=str(path))
    except KeyError as err:
        raise StoreError(f"{path}: a {FORMAT} without its {err} table") from err


def _refuse_objects(path: Path, name: str) -> None:
    """Raise :class:`StoreError` if array ``name`` declares Python objects (its data would be a pickle).

    ``allow_pickle=False`` already refuses them; reading the header first says why
    in words a user can act on, instead of numpy's "cannot be memory-mapped".
    A file too damaged to have a header is left to ``numpy.load`` to report.
    """
    from numpy.lib import format as npy

    try:
        with open(path / f"{name}.npy", "rb") as fh:
            version = npy.read_magic(fh)
            header = {(1, 0): npy.read_array_header_1_0, (2, 0): npy.read_array_header_2_0}.get(version)
            dtype = header(fh)[2] if header else None
    except (OSError, ValueError):
        return
    if dtype is not None and dtype.hasobject:
        raise StoreError(f"{path}: array {name!r} holds Python objects (a pickle, which could run code); "
                         "a store holds only numbers and text: refused unread")


def shipped_store_path() -> Path:
    return Path(str(resources.files("mapping") / "data" / "world"))


_LOCK = threading.Lock()
_INDEX: WorldStore | None = None
LAST_LOAD: dict = {}


def world_index(rebuild: bool = False) -> WorldStore:
    """The world store shipped with the package, with any imported GeoNames dumps merged behind it.

    Read once per process. ``rebuild`` reads the files again (after an import).
    """
    global _INDEX
    with _LOCK:
        if _INDEX is not None and not rebuild:
            return _INDEX
        started = time.perf_counter()
        path = shipped_store_path()
        store = read_store(path)
        imported = _read_imported()
        if imported is not None:
            store = MergedStore(store, imported)
        LAST_LOAD.update(seconds=time.perf_counter() - started, path=str(path),
                         imported=str(_imported_file()) if imported is not None else None)
        _INDEX = store
        return store


# -- the local store of imported GeoNames dumps --------------------------------------

def _imported_file() -> Path:
    return cache_dir() / f"imported-geonames-v{STORE_VERSION}"


def _manifest_file() -> Path:
    return cache_dir() / f"imported-geonames-v{STORE_VERSION}.json"


def _sha256(path: Path) -> str:
    """One digest over every file of a store folder (names and contents, in order)."""
    digest = hashlib.sha256()
    for file in sorted(path.iterdir()):
        digest.update(file.name.encode("utf-8") + b"\0")
        with open(file, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


#: How long a map waits for an import in another process before going on without the imported places.
READ_WAIT_SECONDS = 10.0


class _ImportInProgress(Exception):
    """Another process has held the import lock longer than a reader waits."""


def _read_imported(*, locked: bool = False) -> WorldStore | None:
    """The imported store if it exists and matches its manifest; otherwise None (with one warning).

    Nothing is rebuilt: the dump an import read is not kept, so the warning asks
    for the import to be run again. Unless the caller already holds the import
    lock (``locked``), a shared lock is taken, so that an import in another
    process is not seen half-way (new files, old manifest) and taken for damage.
    """
    from ..errors import MappingWarning

    path, manifest = _imported_file(), _manifest_file()
    try:
        with nullcontext() if locked else _import_lock(path, shared=True, wait=READ_WAIT_SECONDS):
            if not path.exists():
                return None
            expected = json.loads(manifest.read_text(encoding="utf-8"))
            if not isinstance(expected, dict) or expected.get("format") != FORMAT:
                raise StoreError(f"{manifest}: not a manifest of a {FORMAT}")
            if expected.get("version") != STORE_VERSION:
                raise StoreError(f"{manifest}: made for store version {expected.get('version')!r}, "
                                 f"this situation-map reads version {STORE_VERSION}")
            if expected.get("sha256") != _sha256(path):
                raise StoreError(f"{path}: its files do not match the SHA-256 in its manifest "
                                 "(changed or damaged since the import)")
            return read_store(path)
    except _ImportInProgress as busy:
        warnings.warn(f"leaving out the imported GeoNames places: {busy}", MappingWarning, stacklevel=3)
        return None
    except (OSError, ValueError) as err:  # StoreError is a ValueError
        warnings.warn(f"ignoring the imported GeoNames places: {err}; run `situation-map gazetteer "
                      "import-geonames` again to import them", MappingWarning, stacklevel=3)
        return None


# -- GeoNames dumps -------------------------------------------------------------------

#: GeoNames feature codes the gazetteer can use, by class, with the kind they become.
FEATURE_KINDS = {
    "A": {"PCLI": "country", "PCLD": "country", "PCLF": "country", "PCLS": "country", "TERR": "country",
          "ADM1": "admin_area", "ADM2": "admin_area", "ADM3": "admin_area", "ADM4": "admin_area",
          "ADMD": "admin_area", "ZN": "zone", "ZNB": "zone"},
    "H": {"STM": "river", "STMS": "river", "STMI": "river", "WAD": "valley", "LK": "lake", "LKS": "lake",
          "RSV": "lake", "LKI": "lake", "SEA": "sea", "GULF": "sea", "BAY": "sea", "BAYS": "sea", "OCN": "sea",
          "STRT": "strait", "CHN": "strait", "CNL": "canal", "LGN": "lake", "MRSH": "plain", "SWMP": "plain"},
    "L": {"RGN": "region", "AREA": "region", "RGNE": "region", "OAS": "plain", "PRK": "landmark", "RES": "zone",
          "MILB": "military_site", "PRT": "port", "CMN": "plain"},
    "P": {},  # every populated place: city, town or village by population
    "R": {"RD": "landmark", "RDJCT": "landmark", "TNL": "landmark", "PASS": "mountain"},
    "S": {"AIRB": "airbase", "AIRP": "airport", "AIRF": "airport", "AIRH": "airport", "MILB": "military_site",
          "INSM": "military_site", "BRKS": "military_site", "FT": "military_site", "NVB": "naval_base",
          "CMP": "camp", "CMPRF": "camp", "CMPQ": "camp", "PSTB": "crossing", "PSTC": "crossing", "DAM": "dam",
          "PS": "power_plant", "PSH": "power_plant", "PSN": "power_plant", "PRT": "port", "PIER": "port",
          "HBR": "port", "HSP": "hospital", "HSPC": "hospital", "HSPD": "hospital", "BDG": "bridge",
          "PRN": "facility", "NSY": "facility", "OILT": "port", "OILR": "facility", "MFG": "facility",
          "MSQE": "landmark", "CH": "landmark", "MNMT": "landmark", "SQR": "landmark", "CSTL": "landmark",
          "PAL": "landmark", "RUIN": "landmark", "UNIV": "landmark", "STDM": "landmark", "GOVL": "landmark",
          "ADMF": "landmark", "EMB": "landmark", "MKT": "landmark", "SHRN": "landmark", "TMPL": "landmark"},
    "T": {"MT": "mountain", "PK": "mountain", "HLL": "mountain", "VLC": "mountain", "MTS": "mountain_range",
          "HLLS": "mountain_range", "PKS": "mountain_range", "DSRT": "desert", "PEN": "peninsula", "ISL": "island",
          "ISLS": "island", "ISLT": "island", "VAL": "valley", "VALS": "valley", "PLN": "plain", "PLAT": "plain",
          "UPLD": "plain", "CAPE": "landmark", "DLTA": "plain", "GRGE": "valley", "PT": "landmark", "SPIT": "peninsula"},
    "U": {},  # undersea features: not named in the news we map
    "V": {"FRST": "forest", "FRSTF": "forest", "GRSLD": "plain"},
}
_ADMIN_LEVELS = {"ADM1": 1, "ADM2": 2, "ADM3": 3, "ADM4": 4, "ADMD": 2}
_SKIPPED_LANGUAGES = frozenset({"link", "post", "iata", "icao", "faac", "abbr", "wkdt", "unlc", "fr_1793", "tcid"})
#: How far the true place may be from a GeoNames point, by kind (GeoNames gives a point per feature).
_DUMP_PRECISION_M = {"country": 300_000.0, "admin_area": 25_000.0, "region": 50_000.0, "sea": 100_000.0,
                     "river": 50_000.0, "lake": 10_000.0, "mountain_range": 50_000.0, "desert": 100_000.0,
                     "plain": 25_000.0, "valley": 10_000.0, "forest": 20_000.0, "island": 10_000.0,
                     "peninsula": 20_000.0, "strait": 10_000.0, "canal": 20_000.0}


def kind_for_population(population: int) -> str:
    return "city" if population >= 100_000 else "town" if population >= 5_000 else "village"


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
            from ..errors import GazetteerError

            raise GazetteerError(f"{path}: no GeoNames .txt table inside the zip")
        return io.TextIOWrapper(archive.open(names[0]), encoding="utf-8")
    return open(path, encoding="utf-8")


@dataclass
class DumpReport:
    """What reading a GeoNames dump kept and skipped, and why."""

    kept: int = 0
    skipped: dict = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def summary(self) -> str:
        if not self.skipped:
            return f"kept {self.kept:,} places, skipped none"
        reasons = "; ".join(f"{n:,} {why}" for why, n in sorted(self.skipped.items(), key=lambda kv: (-kv[1], kv[0])))
        return f"kept {self.kept:,} places; skipped {sum(self.skipped.values()):,}: {reasons}"


def read_geonames_dump(path, *, alternate_names=None, countries=None, report: DumpReport | None = None) -> TableBuilder:
    """Read a GeoNames dump (the 19-column tab-separated format) into a :class:`TableBuilder`.

    Every feature class the gazetteer has a kind for is kept (see
    :data:`FEATURE_KINDS`): populated places, administrative units, regions,
    water bodies, terrain, and sites such as bases, airports, dams, ports and
    crossings. ``countries`` (ISO codes) filters rows. What is skipped, and
    why, is counted in ``report``. Errors name the file and line.
    """
    from ..errors import GazetteerError

    path = Path(path)
    if not path.is_file():
        raise GazetteerError(f"GeoNames dump {str(path)!r} does not exist")
    report = report if report is not None else DumpReport()
    table = TableBuilder()
    names_of: dict[int, set[str]] = {}
    rows_of: dict[int, int] = {}
    with _open_dump(path, prefer=path.stem) as fh:
        for number, line in enumerate(fh, 1):
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 15:
                raise GazetteerError(f"{path}: line {number}: expected 19 tab-separated GeoNames columns, got {len(cols)}")
            fclass, fcode, cc = cols[6], cols[7], cols[8]
            if countries and cc not in countries:
                report.skip("in other countries (--countries)")
                continue
            kinds = FEATURE_KINDS.get(fclass)
            if kinds is None:
                report.skip(f"of unknown feature class {fclass!r}")
                continue
            kind = kinds.get(fcode) if fclass != "P" else None
            if fclass != "P" and kind is None:
                report.skip(f"of feature class {fclass} codes the gazetteer has no kind for")
                continue
            try:
                gid, lat, lon = int(cols[0]), float(cols[4]), float(cols[5])
                population = int(cols[14] or 0)
            except ValueError as err:
                raise GazetteerError(f"{path}: line {number}: bad number: {err}") from err
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise GazetteerError(f"{path}: line {number}: coordinates out of range ({lat}, {lon})")
            kind = kind or kind_for_population(population)
            level = _ADMIN_LEVELS.get(fcode, 0) if kind == "admin_area" else 0
            alternates = [a for a in cols[3].split(",") if a and _LATIN.match(a) and not a.islower()]
            rows_of[gid] = table.add(
                geonameid=gid, name=cols[1], lon=round(lon, 5), lat=round(lat, 5), population=population, country=cc or None,
                admin1=cols[10] or None, kind=kind, level=level, subtype=fcode.lower() if fclass != "P" else None,
                precision_m=_DUMP_PRECISION_M.get(kind, 2_000.0), approximate=kind in _DUMP_PRECISION_M,
                source=f"GeoNames {{geonameid}} ({fclass}.{fcode}) from dump {path.name} (CC BY 4.0)")
            names_of[gid] = {cols[1], cols[2], *alternates}
            report.kept += 1
    if alternate_names:
        with _open_dump(Path(alternate_names), prefer="alternateNames") as fh:
            for line in fh:
                cols = line.rstrip("\n").split("\t")
                if len(cols) < 4 or cols[2] in _SKIPPED_LANGUAGES:
                    continue
                gid = int(cols[1]) if cols[1].isdigit() else None
                if gid in names_of and _LATIN.match(cols[3]) and not cols[3].islower():
                    names_of[gid].add(cols[3])
    for gid, row in rows_of.items():
        table.names[row] = tuple(dict.fromkeys((table.columns["name"][row], *sorted(names_of[gid]))))
    return table


def _merge_tables(old: WorldStore, new: TableBuilder) -> TableBuilder:
    """An earlier import's records plus a new dump's (the new record wins for the same GeoNames id)."""
    ids = set(new.columns["geonameid"])
    for row in range(len(old)):
        gid = old.geonameid[row]
        if gid in ids:
            continue
        new.add(geonameid=gid, name=old.name[row], lon=old.lon[row], lat=old.lat[row],
                population=old.population[row], country=old.country[row], admin1=old.admin1[row],
                kind=old.kind[row], level=old.level[row], subtype=old.subtype[row], precision_m=old.precision_m[row],
                approximate=old.approximate[row], source=old.source[row], aliases=old.aliases(row),
                keys=old.aliases(row))
    return new


def import_geonames(path, *, alternate_names=None, countries=None) -> tuple[int, Path, DumpReport]:
    """Add a GeoNames dump to the local store (merged with earlier imports).

    Returns (places now in the local store, its path, what was kept and skipped).
    """
    global _INDEX
    report = DumpReport()
    table = read_geonames_dump(path, alternate_names=alternate_names, countries=countries, report=report)
    # Names an earlier import found are kept as aliases, so that merging loses no spelling.
    for row in range(len(table)):
        table.columns["aliases"][row] = tuple(n for n in table.names[row][1:])
    from ..errors import OutputError
    from ..io import write_atomic

    target = _imported_file()
    try:
        with _import_lock(target):
            previous = _read_imported(locked=True)
            if previous is not None:
                table = _merge_tables(previous, table)
            write_store(target, table, description=f"GeoNames dumps imported by situation-map ({Path(path).name} last)")
            write_atomic(_manifest_file(), json.dumps({"format": FORMAT, "version": STORE_VERSION, "rows": len(table),
                                                       "sha256": _sha256(target)}, indent=1))
    except (OSError, OutputError) as err:  # everything in this block is in the cache directory
        raise _cache_error(err) from err
    with _LOCK:
        _INDEX = None  # the next world_index() merges the new places
    return len(table), target, report


def _cache_error(err: Exception):
    """A failure to write the cache directory as one :class:`~mapping.errors.CacheError` line.

    The bare OSError names a file the user never chose ("Not a directory:
    .../imported-geonames-v1"); this names the cache directory, what is wrong
    with it, and the variable that moves it.
    """
    from ..errors import CacheError
    from ..io import _WRITE_ERRORS

    folder = cache_dir()
    blocker = next((p for p in (folder, *folder.parents) if os.path.exists(p) and not os.path.isdir(p)), None)
    if blocker is not None:
        reason = f"{str(blocker)!r} is a file, not a folder"
    elif isinstance(err, OSError):
        detail = f"{err.strerror or err}" + (f": {str(err.filename)!r}" if err.filename else "")
        reason = f"{_WRITE_ERRORS[err.errno]} ({detail})" if err.errno in _WRITE_ERRORS else detail
    else:
        reason = str(err)
    return CacheError(f"cannot store imported GeoNames places in the cache directory {str(folder)!r}: {reason}; "
                      "set SITUATION_MAP_CACHE to a writable folder and import again")


class _import_lock:
    """A lock file beside the store: exclusive for an import, so that concurrent imports do not lose
    each other's places; shared for a reader, so that it never sees an import half-way.

    A reader does not create the lock file (the cache may be read-only) and goes on
    unlocked when it cannot open it: with no lock file there has been no import.
    A reader waits at most ``wait`` seconds, then raises :class:`_ImportInProgress`.
    """

    def __init__(self, target: Path, *, shared: bool = False, wait: float | None = None):
        self.path = target.with_suffix(".lock")
        self.shared = shared
        self.wait = wait  # seconds to wait for the lock (None: as long as it takes)
        self.fh = None

    def __enter__(self):
        if self.shared:
            try:
                self.fh = open(self.path, "rb")
            except OSError:  # no import yet, or a cache we may not open: nothing to wait for
                return self
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.fh = open(self.path, "a")
        try:
            import fcntl

            mode = fcntl.LOCK_SH if self.shared else fcntl.LOCK_EX
            if self.wait is None:
                fcntl.flock(self.fh, mode)
            else:  # a map must not hang behind an import of allCountries (minutes): poll, then give up
                deadline = time.monotonic() + self.wait
                while True:
                    try:
                        fcntl.flock(self.fh, mode | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() >= deadline:
                            raise _ImportInProgress(
                                f"an import into {str(self.path.parent)!r} is still running after {self.wait:g} s; "
                                "they will be in the next map once it ends") from None
                        time.sleep(0.05)
        except ImportError:  # Windows: imports are rare and interactive; go on unlocked
            pass
        except BaseException:
            self.fh.close()
            raise
        return self

    def __exit__(self, *exc):
        if self.fh is not None:
            self.fh.close()
