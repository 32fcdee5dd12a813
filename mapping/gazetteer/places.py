"""Gazetteer: places with geometry, provenance and precision, looked up by name.

Places come from *packs*: GeoJSON FeatureCollections whose features carry the
properties documented in ``data/README.md`` (``name``, ``aliases``, ``kind``,
``country``, ``precision_m``, ``approximate``, ``source``, ...). The packs
shipped in ``mapping/data/packs`` load lazily, once; more can be passed as
paths or named in the ``SITUATION_MAP_GAZETTEER`` environment variable
(``os.pathsep``-separated). A later pack's record replaces an earlier one with
the same id.

Examples
--------
>>> from shapely.geometry import Point
>>> g = Gazetteer([Place("x-damascus", "Damascus", "city", Point(36.29, 33.51),
...                      country="SY", aliases=("Dimashq", "Ash-Sham"),
...                      precision_m=2000, source="example")])
>>> [p.id for p in g.lookup("DIMASHQ")]
['x-damascus']
>>> g.lookup("Nowhere")
[]
>>> g.get("missing") is None
True
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import threading
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Iterable, Iterator

from ..datafiles import package_json
from ..errors import GazetteerError
from .names import name_key, plain_romanisation

__all__ = ["Place", "Gazetteer", "KINDS", "AREA_KINDS", "LINE_KINDS", "PHYSICAL_KINDS", "SITE_KINDS", "SETTLEMENT_KINDS",
           "load_pack", "default_gazetteer", "bundled_pack_paths"]

#: Kinds of place a pack may hold (see README, "Custom gazetteer packs").
KINDS = frozenset({
    # political and administrative
    "country", "continent", "region", "admin_area", "zone", "line",
    # settlements
    "city", "town", "village", "quarter",
    # physical features
    "sea", "strait", "river", "lake", "canal", "mountain", "mountain_range", "desert", "peninsula", "island",
    "valley", "forest", "plain",
    # sites
    "airbase", "naval_base", "military_site", "airport", "port", "dam", "power_plant", "crossing", "bridge",
    "camp", "hospital", "facility", "landmark",
})
#: Kinds whose natural geometry is an area.
AREA_KINDS = frozenset({"country", "continent", "region", "admin_area", "zone", "sea", "strait", "lake", "desert",
                        "mountain_range", "peninsula", "island", "valley", "forest", "plain"})
#: Kinds whose natural geometry is a line.
LINE_KINDS = frozenset({"river", "canal", "line"})
#: Natural features: never the seat of an actor, never a settlement.
PHYSICAL_KINDS = frozenset({"sea", "strait", "river", "lake", "canal", "mountain", "mountain_range", "desert",
                            "peninsula", "island", "valley", "forest", "plain"})
#: Kinds that are sites someone operates (bases, camps, crossings, plants).
SITE_KINDS = frozenset({"airbase", "naval_base", "military_site", "airport", "port", "dam", "power_plant",
                        "crossing", "bridge", "camp", "hospital", "facility"})
SETTLEMENT_KINDS = frozenset({"city", "town", "village"})

_GEOMETRY_TYPES = frozenset({"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"})
ENV_VAR = "SITUATION_MAP_GAZETTEER"


class BoundedMemo(dict):
    """A dict that empties itself when it holds ``size`` entries: the memos kept for speed stay
    bounded over a batch of any length, and a cleared memo only costs look-ups again.

    >>> memo = BoundedMemo(2)
    >>> memo.put("a", 1), memo.put("b", 2), memo.put("c", 3)
    (1, 2, 3)
    >>> sorted(memo)
    ['c']
    """

    __slots__ = ("size",)

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def put(self, key, value):
        """Keep ``value`` under ``key`` and return it."""
        if len(self) >= self.size:
            self.clear()
        self[key] = value
        return value


class _StoreArea:
    """A polygon of the world store, decoded when the place's geometry is first asked for."""

    __slots__ = ("store", "row")

    def __init__(self, store, row):
        self.store, self.row = store, row

    def build(self):
        return self.store.area(self.row)


class _StorePoint:
    """A point of the world store, built when the place's geometry is first asked for: ranking and
    recognition need only its coordinates, and a shapely Point costs more than the rest of the record."""

    __slots__ = ("lon", "lat")

    def __init__(self, lon, lat):
        self.lon, self.lat = lon, lat

    def build(self):
        from shapely.geometry import Point

        return Point(self.lon, self.lat)


class _LazyGeometry:
    """A shapely geometry built from its GeoJSON mapping on first access.

    Bundled packs hold thousands of records and a report needs a handful:
    building every polygon at load time would dominate the cold start.
    """

    def __get__(self, obj, objtype=None):
        if obj is None:
            return None
        value = obj.__dict__["_geometry"]
        if isinstance(value, dict):
            from shapely.geometry import shape

            value = shape(value)
            obj.__dict__["_geometry"] = value
        elif isinstance(value, (_StoreArea, _StorePoint)):
            value = value.build()
            obj.__dict__["_geometry"] = value
        return value

    def __set__(self, obj, value):
        obj.__dict__["_geometry"] = value


@dataclass(frozen=True, eq=False)
class Place:
    """A gazetteer record.

    ``geometry`` is a shapely geometry in WGS84 (lon, lat). ``precision_m`` says
    how far the true location or boundary may be from ours; ``approximate``
    marks hand-digitised or derived geometry, which the map draws dashed.
    ``operator`` and ``controller`` name actors (ids) that run or hold the place.
    """

    id: str
    name: str
    kind: str
    geometry: object = _LazyGeometry()
    country: str | None = None
    aliases: tuple[str, ...] = ()
    precision_m: float = 1000.0
    approximate: bool = False
    source: str = ""
    geonameid: int | None = None
    population: int | None = None
    admin1: str | None = None
    operator: str | None = None
    controller: str | None = None
    parent: str | None = None
    note: str | None = None
    pack: str | None = None
    label: tuple[float, float] | None = None
    bbox: tuple[float, float, float, float] | None = None
    #: 1 for a first-level unit (state, province, oblast...), 2 for a district; None otherwise.
    admin_level: int | None = None
    #: The local type of the place ("oblast", "governorate", "gulf", "nuclear"...).
    subtype: str | None = None
    #: Every country a feature touches (a river, a sea), main one first.
    countries: tuple[str, ...] = ()
    #: The ISO 3166-2 code of a first-level unit ("UA-14").
    code: str | None = None
    #: For a world record, how many names the world store indexes for it (see ``WorldStore.names_known``):
    #: a measure of how widely the place is known. 0 for the packs' records.
    names_known: int = 0

    def __post_init__(self):
        if self.kind not in KINDS:
            raise GazetteerError(f"place {self.id!r}: unknown kind {self.kind!r}; expected one of {sorted(KINDS)}")

    def __repr__(self):
        return f"Place({self.id!r}, {self.name!r}, {self.kind!r})"

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    @cached_property
    def point(self) -> tuple[float, float]:
        """The (lon, lat) that stands for the place: its label point if the record gives one,
        else the centroid of its largest part when that lies inside, else a point inside."""
        if self.label is not None:
            return self.label
        return inner_point(self.geometry)

    @cached_property
    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north), from the record's bbox when it has one (no geometry built)."""
        return self.bbox if self.bbox is not None else self.geometry.bounds

    @property
    def approx_area_km2(self) -> float:
        """The area of the bounding box in km² (0 for a point): enough to tell a town from a region."""
        if self.bbox is None and (isinstance(self.__dict__.get("_geometry"), _StorePoint)
                                  or self.geometry.geom_type == "Point"):
            return 0.0
        west, south, east, north = self.bounds
        return abs(east - west) * abs(north - south) * 111.32 ** 2 * math.cos(math.radians((north + south) / 2))

    @cached_property
    def area_km2(self) -> float:
        """Geodesic area in km² (0 for points and lines)."""
        if self.geometry.geom_type not in ("Polygon", "MultiPolygon"):
            return 0.0
        from pyproj import Geod

        area, _ = Geod(ellps="WGS84").geometry_area_perimeter(self.geometry)
        return abs(area) / 1e6

    @property
    def __geo_interface__(self) -> dict:
        from shapely.geometry import mapping

        return {"type": "Feature", "id": self.id, "geometry": mapping(self.geometry), "properties": self.properties()}

    def properties(self) -> dict:
        return {
            "name": self.name, "kind": self.kind, "country": self.country, "aliases": list(self.aliases),
            "precision_m": self.precision_m, "approximate": self.approximate, "source": self.source,
            "geonameid": self.geonameid, "population": self.population, "pack": self.pack,
            "admin_level": self.admin_level, "subtype": self.subtype, "countries": list(self.countries),
        }


# (name keys write "south" as "suth": the "ou" of French spellings is folded, as in Tartous/Tartus)
_COMPASS_JOINED = re.compile(r"\b(north|suth|south)(east|west)\b")
_COMPASS_SPLIT = re.compile(r"\b(north|suth|south) (east|west)\b")


def _other_compass_spelling(key: str) -> str | None:
    """The name key with its compass point written the other way ("northwest" and "north west"), or None.

    >>> _other_compass_spelling("northwest region"), _other_compass_spelling("suth east"), _other_compass_spelling("gaza")
    ('north west region', 'sutheast', None)
    """
    if "north" not in key and "suth" not in key and "south" not in key:
        return None
    joined = _COMPASS_JOINED.sub(r"\1 \2", key)
    if joined != key:
        return joined
    split = _COMPASS_SPLIT.sub(r"\1\2", key)
    return split if split != key else None


#: The shortest variant key (consonants) looked up as a name of several words written as one: shorter ones
#: match too many names by chance.
JOINED_VARIANT_MIN = 5


def inner_point(g) -> tuple[float, float]:
    """The (lon, lat) that stands for a geometry: a point's own; for an area the centroid of its largest
    part when that lies inside ("northern Israel" is labelled in Galilee, not on the edge of the Negev
    where shapely's representative point may fall), else a point inside; for a line a point on it."""
    if g.geom_type == "Point":
        return (g.x, g.y)
    if g.geom_type == "MultiPolygon":
        g = max(g.geoms, key=lambda part: part.area)
    if g.geom_type == "Polygon":
        c = g.centroid
        if g.contains(c):
            return (c.x, c.y)
    p = g.representative_point()
    return (p.x, p.y)


class Gazetteer:
    """Places indexed by id and by normalised name (see :func:`mapping.gazetteer.names.name_key`)."""

    def __init__(self, places: Iterable[Place] = (), world=None):
        self._by_id: dict[str, Place] = {}
        for place in places:
            self._by_id[place.id] = place
        self._index: dict[str, tuple[str, ...]] | None = None
        self._lowercase_keys: frozenset[str] = frozenset()
        #: A :class:`mapping.gazetteer.world.WorldStore` consulted after the curated packs (ids ``gn:<geonameid>``).
        self.world = world
        self._world_places: dict[str, Place] = {}
        # The store row of each world id this gazetteer has handed out: asking the store (row_of) the
        # first time builds its map of every GeoNames id, which a report's few hundred ids do not need.
        self._world_rows: dict[str, int] = {}
        self._briefs: dict[str, tuple] = {}
        self._memo = BoundedMemo(self.MEMO_SIZE)
        self._memos: dict[str, BoundedMemo] = {}
        self._linked = frozenset(p.geonameid for p in self._by_id.values() if p.geonameid)

    def __len__(self):
        return len(self._by_id)

    def __iter__(self) -> Iterator[Place]:
        return iter(self._by_id.values())

    def __contains__(self, place_id):
        return place_id in self._by_id

    def __getitem__(self, place_id: str) -> Place:
        place = self.get(place_id)
        if place is None:
            raise KeyError(f"no place with id {place_id!r} in the gazetteer")
        return place

    def get(self, place_id: str, default=None) -> Place | None:
        place = self._by_id.get(place_id)
        if place is None and place_id.startswith("gn:") and self.world is not None:
            place = self._world_places.get(place_id) or self._world_place(place_id)
        return place if place is not None else default

    @functools.cached_property
    def countries(self) -> dict[str, Place]:
        """ISO code -> the world pack's country record (computed once: every report asks)."""
        return {p.country: p for p in self._by_id.values() if p.kind == "country" and p.pack == "world" and p.country}

    def merged(self, other: Iterable[Place]) -> "Gazetteer":
        """A new gazetteer with ``other``'s records added (replacing same ids)."""
        return Gazetteer([*self, *other], world=self.world)

    # -- the world store ------------------------------------------------------
    def _world_row(self, place_id: str) -> int | None:
        row = self._world_rows.get(place_id)
        if row is None:
            row = self.world.row_of(int(place_id[3:]))
        return row

    def _world_place(self, place_id: str) -> Place | None:
        try:
            row = self._world_row(place_id)
        except ValueError:
            return None
        if row is None:
            return None
        place = self.world_place(row)
        self._world_places[place_id] = place
        return place

    def world_place(self, row: int) -> Place:
        """The :class:`Place` of a row of the world store."""
        w = self.world
        gid = w.geonameid[row]
        has_area = w.has_area(row)
        lon, lat = w.lon[row], w.lat[row]
        level = w.level[row] or None
        # GeoNames' scholarly romanisation ("Ḩamāh") is kept as an alias; the map shows the plain one.
        name, country = w.name[row], w.country[row]
        shown = plain_romanisation(name, country)
        aliases = w.aliases(row) if shown == name else (name, *w.aliases(row))
        place = Place(
            id=f"gn:{gid}", name=shown, kind=w.kind[row],
            geometry=_StoreArea(w, row) if has_area else _StorePoint(lon, lat), country=country, aliases=aliases,
            precision_m=float(w.precision_m[row]), approximate=bool(w.approximate[row]), geonameid=gid or None,
            population=w.population[row] or None, admin1=w.admin1[row], pack="geonames",
            source=w.source[row].replace("{geonameid}", str(gid)), label=(lon, lat) if has_area else None,
            bbox=w.bbox(row), admin_level=level, subtype=w.subtype[row],
            countries=(w.country[row],) if w.country[row] else (), code=w.code[row], names_known=w.names_known(row),
        )
        if not has_area:
            place.__dict__["point"] = (lon, lat)  # what Place.point would compute from the Point
        return place

    def brief(self, place_id: str) -> tuple:
        """(kind, admin level, population, curated, name) of a place, without building its record.

        Recognition asks this of every candidate of every capitalised word; building a
        :class:`Place` (and its geometry) for each would cost more than the rest of it.
        """
        cache = self._briefs
        info = cache.get(place_id)
        if info is None:
            place = self._by_id.get(place_id) or self._world_places.get(place_id)
            if place is not None:
                info = (place.kind, place.admin_level, place.population or 0, place.pack != "geonames", place.name)
            else:
                w = self.world
                row = self._world_row(place_id)
                info = (w.kind[row], w.level[row] or None, w.population[row], False, w.name[row])
            cache[place_id] = info
        return info

    def candidates(self, key: str) -> tuple[str, ...]:
        """Ids of places with this name key: curated records first, then unlinked world records."""
        found = self._memo.get(key)
        if found is None:
            found = self._spelled(key)
            other = _other_compass_spelling(key)
            if other is not None:
                # "Northwest region" and "North-West Region" (Cameroon's) are one name
                found += tuple(i for i in self._spelled(other) if i not in found)
            self._memo.put(key, found)
        return found

    def _spelled(self, key: str) -> tuple[str, ...]:
        """Ids of places with exactly this name key: curated records first, then unlinked world records."""
        curated = self.index.get(key, ())
        if self.world is None:
            return curated
        world = self._world_ids(self.world.lookup_key(key))
        return curated + world if curated else world

    def variant_candidates(self, key: str) -> tuple[str, ...]:
        """Ids of places whose name has the same spelling-variant key (:func:`mapping.gazetteer.names.variant_key`)."""
        from .names import variant_key

        vkey = variant_key(key)
        if not vkey:
            return ()
        memo_key = "\x00" + vkey  # no name key starts with NUL: one memo serves both look-ups
        found = self._memo.get(memo_key)
        if found is None:
            curated = self._variant_index().get(vkey, ())
            world = self._world_ids(self.world.lookup_variant(vkey)) if self.world is not None else ()
            found = curated + world
            if " " not in vkey and len(vkey) >= JOINED_VARIANT_MIN and self.world is not None:
                # "Banibangou" for "Bani Bangou", "Abukamal" for "Abu Kamal": a name of several words written as one
                found += tuple(i for i in self._world_ids(self.world.lookup_variant_joined(vkey)) if i not in found)
            self._memo.put(memo_key, found)
        return found

    #: Look-ups kept per gazetteer: news repeats its capitalised words ("The", "Monday", "President")
    #: from report to report, and each look-up builds a tuple of ids from the world store's rows.
    MEMO_SIZE = 200_000

    def memo(self, name: str, size: int = MEMO_SIZE) -> "BoundedMemo":
        """A memo of this gazetteer's, by name, for what later stages derive from its records (which
        words name a place, a name's candidate places...): it lives and dies with the gazetteer, so
        two gazetteers never share answers."""
        found = self._memos.get(name)
        if found is None:
            found = self._memos[name] = BoundedMemo(size)
        return found

    def _world_ids(self, rows) -> tuple[str, ...]:
        geonameid, linked, known = self.world.geonameid, self._linked, self._world_rows
        ids = []
        for row in rows:
            gid = geonameid[row]
            if gid and gid not in linked:
                place_id = f"gn:{gid}"
                known[place_id] = row
                ids.append(place_id)
        return tuple(ids)

    def _variant_index(self) -> dict[str, tuple[str, ...]]:
        index = getattr(self, "_variants", None)
        if index is None:
            from .names import variant_key

            table: dict[str, list[str]] = {}
            for key, ids in self.index.items():
                vkey = variant_key(key)
                if vkey:
                    bucket = table.setdefault(vkey, [])
                    bucket.extend(i for i in ids if i not in bucket)
            index = self._variants = {k: tuple(v) for k, v in table.items()}
        return index

    def is_curated(self, place_id: str) -> bool:
        return place_id in self._by_id

    def _build_index(self):
        index: dict[str, list[str]] = {}
        lowercase: set[str] = set()
        for place in self._by_id.values():
            for name in place.names:
                key = name_key(name)
                if not key:
                    continue
                ids = index.setdefault(key, [])
                if place.id not in ids:
                    ids.append(place.id)
                if name[:1].islower():
                    # Curated common-noun aliases ("buffer zone", "southern Syria")
                    # may match in lower case; proper names must be capitalised.
                    lowercase.add(key)
        self._index = {k: tuple(v) for k, v in index.items()}
        self._lowercase_keys = frozenset(lowercase)
        self.lowercase_first_words = frozenset(
            name.split()[0].lower() for p in self._by_id.values() for name in p.names if name[:1].islower())
        self._max_key_words = max((k.count(" ") + 1 for k in self._index), default=1)
        from .world import MAX_WORDS, key_prefixes

        self._prefixes = key_prefixes(self._index)
        if self.world is not None:
            self._max_key_words = max(self._max_key_words, MAX_WORDS)

    @property
    def index(self) -> dict[str, tuple[str, ...]]:
        if self._index is None:
            self._build_index()
        return self._index

    def extends(self, key: str) -> bool:
        """Whether some indexed name starts with the words of ``key`` and goes on."""
        memo_key = "\x01" + key  # beside the name and variant look-ups, which never start with \x01
        found = self._memo.get(memo_key)
        if found is None:
            self.index  # noqa: B018  (builds the index)
            found = key in self._prefixes or (self.world is not None and self.world.extends(key))
            self._memo.put(memo_key, found)
        return found

    @property
    def max_key_words(self) -> int:
        """The most words any indexed name has."""
        self.index  # noqa: B018  (builds the index)
        return self._max_key_words

    @property
    def lowercase_first_words(self) -> frozenset[str]:
        """First words of curated lower-case aliases ("buffer", "southern"): where a match may start."""
        self.index  # noqa: B018  (builds the index)
        return self._lowercase_first_words

    @lowercase_first_words.setter
    def lowercase_first_words(self, value):
        self._lowercase_first_words = value

    def matches_lowercase(self, key: str) -> bool:
        """Whether ``key`` has a curated alias written in lower case."""
        self.index  # noqa: B018  (builds the index)
        return key in self._lowercase_keys

    def lookup(self, name: str) -> list[Place]:
        """Places whose name or alias has the same key as ``name`` (curated first)."""
        return self.lookup_key(name_key(name))

    def lookup_key(self, key: str) -> list[Place]:
        return [self[i] for i in self.candidates(key)]


# --- packs -----------------------------------------------------------------

def _require(cond, path, index, field_name, message):
    if not cond:
        raise GazetteerError(f"{path}: feature {index} ({field_name}): {message}")


def _place_from_feature(feature: dict, path: str, index: int, pack: str, validate: bool = True) -> Place:
    if not validate:
        # Bundled packs: checked by their build script and the test suite, read as they are.
        props = feature["properties"]
        return _place(feature.get("id", props.get("id")), props, feature["geometry"], pack, feature.get("bbox"))
    from shapely.geometry import shape

    _require(isinstance(feature, dict) and feature.get("type") == "Feature", path, index, "type",
             "expected a GeoJSON Feature object")
    props = feature.get("properties")
    _require(isinstance(props, dict), path, index, "properties", "expected an object")
    fid = feature.get("id", props.get("id"))
    _require(isinstance(fid, str) and fid.strip(), path, index, "id", f"expected a non-empty string id, got {fid!r}")
    where = f"{index} ({fid!r})"
    name = props.get("name")
    _require(isinstance(name, str) and name.strip(), path, where, "name", f"expected a non-empty string, got {name!r}")
    kind = props.get("kind")
    _require(kind in KINDS, path, where, "kind", f"unknown kind {kind!r}; expected one of {', '.join(sorted(KINDS))}")
    aliases = props.get("aliases", [])
    _require(isinstance(aliases, list) and all(isinstance(a, str) for a in aliases), path, where, "aliases",
             "expected a list of strings")
    source = props.get("source")
    _require(isinstance(source, str) and source.strip(), path, where, "source",
             "expected a string saying where the coordinates come from")
    precision = props.get("precision_m")
    _require(isinstance(precision, (int, float)) and not isinstance(precision, bool) and precision >= 0
             and math.isfinite(precision), path, where, "precision_m", f"expected a number of metres >= 0, got {precision!r}")
    geometry = feature.get("geometry")
    _require(isinstance(geometry, dict) and geometry.get("type") in _GEOMETRY_TYPES, path, where, "geometry",
             f"expected a geometry of type {', '.join(sorted(_GEOMETRY_TYPES))}, got "
             f"{geometry.get('type') if isinstance(geometry, dict) else geometry!r}")
    if validate:
        try:
            geom = shape(geometry)
        except Exception as err:  # shapely raises several types for bad coordinates
            raise GazetteerError(f"{path}: feature {where} (geometry): cannot be read: {err}") from err
        _require(not geom.is_empty, path, where, "geometry", "is empty")
        minx, miny, maxx, maxy = geom.bounds
        _require(-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90, path, where, "geometry",
                 f"coordinates out of range (bounds {geom.bounds}); expected lon in [-180, 180], lat in [-90, 90] (lon first)")
        _require(geom.is_valid, path, where, "geometry", "is not valid (self-intersecting or badly wound)")
    else:
        geom = geometry  # built on first use; bundled packs are validated by their build and tests
    geonameid = props.get("geonameid")
    _require(geonameid is None or (isinstance(geonameid, int) and not isinstance(geonameid, bool)), path, where,
             "geonameid", f"expected an integer or null, got {geonameid!r}")
    _check_optional_fields(props, path, where)
    if validate and props.get("country") and kind not in PHYSICAL_KINDS:
        # A settlement, site or unit lies in its country (swapped coordinates, a wrong code do not); seas,
        # islands and ranges straddle borders and coasts, and their packs check them their own way.
        from .outlines import country_problem

        problem = country_problem(geom, props["country"])
        _require(problem is None, path, where, "geometry", problem)
    return _place(fid, props, geom, pack, feature.get("bbox"))


def _place(fid, props: dict, geometry, pack: str, bbox) -> Place:
    label = props.get("label")
    return Place(
        id=fid, name=props["name"], kind=props["kind"], geometry=geometry, country=props.get("country"),
        aliases=tuple(props.get("aliases", ())), precision_m=float(props["precision_m"]),
        approximate=bool(props.get("approximate", False)), source=props["source"], geonameid=props.get("geonameid"),
        population=props.get("population"), admin1=props.get("admin1"), operator=props.get("operator"),
        controller=props.get("controller"), parent=props.get("parent"), note=props.get("note"), pack=pack,
        bbox=_bbox(bbox), label=(float(label[0]), float(label[1])) if label else None,
        admin_level=props.get("admin_level"), subtype=props.get("subtype"),
        countries=tuple(props.get("countries") or ((props["country"],) if props.get("country") else ())),
        code=props.get("code"),
    )


def _bbox(value):
    if isinstance(value, list) and len(value) == 4 and all(isinstance(v, (int, float)) for v in value):
        return tuple(float(v) for v in value)
    return None


def _check_optional_fields(props: dict, path: str, where: str) -> None:
    """The optional properties: a wrong type would otherwise be taken silently ("false" as true)."""
    from ..language.actors import actors

    def fail(key, message):
        _require(False, path, where, key, message)

    if not all(a.strip() for a in props.get("aliases", [])):
        fail("aliases", "expected non-empty strings, got an empty alias")
    approximate = props.get("approximate", False)
    if not isinstance(approximate, bool):
        fail("approximate", f"expected true or false, got {approximate!r}")
    country = props.get("country")
    if country is not None and not (isinstance(country, str) and _COUNTRY_CODE.fullmatch(country)):
        fail("country", f"expected an ISO 3166 code such as 'SY' (or 'CN-TW'), or null, got {country!r}")
    population = props.get("population")
    if population is not None and not (isinstance(population, int) and not isinstance(population, bool) and population >= 0):
        fail("population", f"expected a whole number >= 0, or null, got {population!r}")
    for key in ("admin1", "parent", "note", "subtype", "code"):
        value = props.get(key)
        if value is not None and not isinstance(value, str):
            fail(key, f"expected a string or null, got {value!r}")
    countries = props.get("countries")
    if countries is not None and not (isinstance(countries, list)
                                      and all(isinstance(c, str) and _COUNTRY_CODE.fullmatch(c) for c in countries)):
        fail("countries", f"expected a list of ISO 3166 codes such as ['SY', 'LB'], or null, got {countries!r}")
    level = props.get("admin_level")
    if level is not None and not (isinstance(level, int) and not isinstance(level, bool) and 1 <= level <= 4):
        fail("admin_level", f"expected 1, 2, 3, 4 or null, got {level!r}")
    label = props.get("label")
    if label is not None and not (isinstance(label, list) and len(label) == 2
                                  and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in label)
                                  and -180 <= label[0] <= 180 and -90 <= label[1] <= 90):
        fail("label", f"expected [lon, lat] within range, or null, got {label!r}")
    for key in ("operator", "controller"):
        value = props.get(key)
        if value is not None and value not in actors():
            named = ", ".join(sorted(a for a in actors() if not a.startswith("country-")))
            fail(key, f"unknown actor {value!r}; expected null, country-<ISO code> (e.g. country-jo) or one of {named}")


_COUNTRY_CODE = re.compile(r"[A-Z]{2}(?:-[A-Z0-9]{1,3})?")


def load_pack(path, *, validate: bool = True) -> list[Place]:
    """Read and validate a gazetteer pack; errors name the file, feature and field.

    ``validate=False`` (used for the bundled packs, which their tests check)
    skips the geometry checks and builds each geometry on first use.

    >>> load_pack("/no/such/pack.geojson")
    Traceback (most recent call last):
    ...
    mapping.errors.GazetteerError: gazetteer pack '/no/such/pack.geojson' does not exist
    """
    path = Path(path)
    if not path.is_file():
        raise GazetteerError(f"gazetteer pack {str(path)!r} does not exist")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise GazetteerError(f"{path}: not valid UTF-8 JSON: {err}") from err
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        raise GazetteerError(f"{path}: expected a GeoJSON FeatureCollection with a 'features' list")
    pack = (data.get("pack") or {}).get("name") if isinstance(data.get("pack"), dict) else None
    pack = pack or path.stem
    places, seen = [], set()
    for i, feature in enumerate(data["features"]):
        place = _place_from_feature(feature, str(path), i, pack, validate)
        if place.id in seen:
            raise GazetteerError(f"{path}: feature {i} (id): duplicate id {place.id!r}; ids must be unique within a pack")
        seen.add(place.id)
        places.append(place)
    return places


def bundled_pack_paths() -> list[Path]:
    """The packs shipped with the package, in load order (world first, curated after)."""
    root = resources.files("mapping") / "data" / "packs"
    names = sorted(p.name for p in root.iterdir() if p.name.endswith(".geojson"))
    names.sort(key=lambda n: (n != "world.geojson", n))
    return [Path(str(root / n)) for n in names]


_LOCK = threading.Lock()
_CACHE: dict[tuple, Gazetteer] = {}


def default_gazetteer(extra_packs: Iterable = (), *, world: bool = True) -> Gazetteer:
    """The bundled packs plus ``extra_packs`` and those in ``$SITUATION_MAP_GAZETTEER``,
    backed by the GeoNames world index (see :mod:`mapping.gazetteer.world`) unless ``world=False``.

    Loaded once per combination and cached for the process.
    """
    env = [p for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p]
    paths = (*bundled_pack_paths(), *map(Path, env), *map(Path, extra_packs))
    key = (tuple(str(p) for p in paths), world)
    with _LOCK:
        if key not in _CACHE:
            places: list[Place] = []
            bundled = set(map(str, bundled_pack_paths()))
            for path in paths:
                places.extend(load_pack(path, validate=str(path) not in bundled))
            places = _with_extra_aliases(places)
            index = None
            if world:
                from .world import world_index

                index = world_index()
            _CACHE[key] = Gazetteer(places, world=index)
        return _CACHE[key]


def _with_extra_aliases(places: list[Place]) -> list[Place]:
    """Add the short forms news uses ("US", "UK") that the built packs lack."""
    from dataclasses import replace

    extra = package_json("extra_aliases.json")["aliases"]
    return [replace(p, aliases=p.aliases + tuple(a for a in extra[p.id] if a not in p.aliases)) if p.id in extra else p
            for p in places]
