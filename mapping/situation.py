"""The situation: features in layers by actor, each with its source notes.

This is the pipeline's last stage and its edge to the ecosystem: a
:class:`Situation` has ``__geo_interface__`` (an RFC 7946 FeatureCollection),
converts to a GeoDataFrame, writes GeoJSON, and renders with folium.
"""

from __future__ import annotations

import bisect
import functools
import json
import math
import re
import weakref
from dataclasses import dataclass, field
from pathlib import Path

from .language.actors import actor as get_actor
from .language.dates import When
from .language.events import EVENT_KINDS, Event, geo_precision as _geo_precision, time_precision as _time_precision
from .language.extract import Extraction, Mention
from .gazetteer.places import SITE_KINDS
from .language.report import Report
from .resolution.resolve import Resolution

__all__ = ["Feature", "Layer", "Situation", "Associative", "Disagreement", "build_situation", "OTHER_LAYER",
           "CONTEXT_LAYER"]

OTHER_LAYER = "Other places"
CONTEXT_LAYER = "Context"
#: Event kinds drawn as events of their own (presence and deployment mark the place in the actor's layer).
_EVENT_FEATURE_KINDS = frozenset(k for k in EVENT_KINDS if k not in ("presence", "deployment"))
#: Places farther than this from the focus of the report are context, not drawn into the view.
FOCUS_RADIUS_KM = 800.0
#: Areas larger than this are context (continents, vast countries), listed rather than drawn.
CONTEXT_AREA_KM2 = 1_500_000.0


@dataclass(frozen=True)
class Disagreement:
    """Another report's version of a feature: the same place and kind with another actor or date.

    Set by :func:`mapping.pipeline.merge_situations` on each of the features
    that reports disagree about; ``reports`` are the reports that give the
    other version and not this one.
    """

    feature: str
    actor: str | None
    when: str | None
    reports: tuple[str, ...]

    @property
    def note(self) -> str:
        """One line for a popup or a table: who says what instead.

        >>> Disagreement("quneitra-russia-patrol-2025-11-17", "russia", "2025-11-17", ("r2", "r3")).note
        'reports r2, r3 give Russia on 2025-11-17'
        """
        a = get_actor(self.actor)
        who = a.name if a else "no actor"
        which = ("report " if len(self.reports) == 1 else "reports ") + ", ".join(self.reports)
        return f"{which} give{'s' if len(self.reports) == 1 else ''} {who}" + (f" on {self.when}" if self.when else "")

    def to_dict(self) -> dict:
        return {"feature": self.feature, "actor": self.actor, "when": self.when, "reports": list(self.reports),
                "note": self.note}


@dataclass(frozen=True)
class Feature:
    """One thing on the map: a place, a derived area or an event location, with its mentions.

    ``kind`` is the event kind for events (checkpoint, strike, ...) and the
    place kind otherwise; ``place_kind`` is always the place's.

    In a situation merged from several reports (:func:`mapping.pipeline.merge_situations`)
    one feature can quote several reports: ``mention_reports`` gives the
    report of each mention (offsets index that report's text), ``reports``
    the distinct reports in order (``corroboration`` counts them) and
    ``disagreement`` the other reports' versions where they differ. A single
    report's features leave these empty, and its GeoJSON is unchanged.
    """

    id: str
    name: str
    kind: str
    place_kind: str
    geometry: object
    layer: str
    actor: str | None
    mentions: tuple[Mention, ...]
    gazetteer_id: str | None
    confidence: float
    method: str
    source: str
    precision_m: float
    approximate: bool
    #: How the location relates to the named place: ``site`` (the place itself), ``near``, ``part`` or
    #: ``region``; ``geo_precision`` is its ACLED code.
    geo_scope: str
    actors: tuple[str, ...] = ()
    event: str | None = None
    when: When | None = None
    derived_from: str | None = None
    rule: str | None = None
    report_id: str | None = None
    context: bool = False
    #: Other places the name could mean, with their scores (best first), when it was ambiguous.
    alternatives: tuple[tuple[str, float], ...] = ()
    #: ACLED's event type and sub-event type, and the target of the event (an actor id, civilians...).
    event_type: str | None = None
    sub_event_type: str | None = None
    target: str | None = None
    #: The place's country and population (for the popup: what the place is).
    country: str | None = None
    population: int | None = None
    #: The report of each mention, when the feature comes from merged reports (else empty).
    mention_reports: tuple[str, ...] = ()
    #: The distinct reports that give this feature, in report order (merged situations only).
    reports: tuple[str, ...] = ()
    #: Other reports' versions of this place and kind (another actor or date), merged situations only.
    disagreement: tuple[Disagreement, ...] = ()

    @property
    def geo_precision(self) -> int:
        """ACLED's geo-precision, as for events: 1 the place itself, 2 near or part of it, 3 a region."""
        return _geo_precision(self.geo_scope)

    @property
    def time_precision(self) -> int | None:
        """ACLED's time-precision, as for events: 1 a day, 2 a week, 3 a month or longer (None: undated)."""
        return _time_precision(self.when)

    @property
    def corroboration(self) -> int:
        """How many distinct reports give this feature (1 for a single report's)."""
        return len(self.reports) or 1

    def sources(self) -> tuple[tuple[str | None, Mention], ...]:
        """``(report id, mention)`` for every mention: which report each quotes."""
        if self.mention_reports:
            return tuple(zip(self.mention_reports, self.mentions))
        return tuple((self.report_id, m) for m in self.mentions)

    def mentions_in(self, report_id: str | None) -> tuple[Mention, ...]:
        """The mentions that quote report ``report_id`` (offsets index its text)."""
        return tuple(m for rid, m in self.sources() if rid == report_id)

    @property
    def properties(self) -> dict:
        properties = {
            "name": self.name,
            "kind": self.kind,
            "place_kind": self.place_kind,
            "layer": self.layer,
            "actor": self.actor,
            "actors": list(self.actors),
            "event": self.event,
            "when": self.when.iso if self.when else None,
            "when_start": self.when.first.isoformat() if self.when else None,
            "when_end": self.when.last.isoformat() if self.when else None,
            "when_precision": self.when.precision if self.when else None,
            "when_relation": self.when.relation if self.when else None,
            "mentions": ([{**m.to_dict(), "report_id": rid} for rid, m in self.sources()] if self.reports
                         else [m.to_dict() for m in self.mentions]),
            "gazetteer_id": self.gazetteer_id,
            "confidence": self.confidence,
            "method": self.method,
            "source": self.source,
            "precision_m": self.precision_m,
            "approximate": self.approximate,
            "geo_precision": self.geo_precision,
            "geo_scope": self.geo_scope,
            "derived_from": self.derived_from,
            "rule": self.rule,
            "context": self.context,
            "report_id": self.report_id,
            "alternatives": [{"gazetteer_id": pid, "score": score} for pid, score in self.alternatives],
            "event_type": self.event_type,
            "sub_event_type": self.sub_event_type,
            "target": self.target,
            "time_precision": self.time_precision,
            "country": self.country,
            "population": self.population,
        }
        if self.reports:  # merged reports only: a single report's GeoJSON stays as it was
            properties["corroboration"] = self.corroboration
            properties["reports"] = list(self.reports)
            properties["disagreement"] = [d.to_dict() for d in self.disagreement]
        return properties

    @property
    def __geo_interface__(self) -> dict:
        return {"type": "Feature", "id": self.id, "geometry": _geometry_json(self.geometry), "properties": self.properties}


@dataclass(frozen=True)
class Associative:
    """A place name not used as a place on the map, with the place it points to (``gazetteer_id``)."""

    text: str
    start: int
    end: int
    role: str
    gazetteer_id: str | None
    context: str | None
    sentence: str
    sentence_start: int = 0

    def to_dict(self) -> dict:
        return {"text": self.text, "start": self.start, "end": self.end, "role": self.role,
                "gazetteer_id": self.gazetteer_id, "context": self.context}


@dataclass(frozen=True)
class Layer:
    """Features of one actor (or of none: other places, context)."""

    name: str
    actor: str | None
    features: tuple[Feature, ...]

    @property
    def color(self) -> str:
        a = get_actor(self.actor)
        return a.color if a else ("#555555" if self.name == OTHER_LAYER else "#888888")

    @property
    def __geo_interface__(self) -> dict:
        return {"type": "FeatureCollection", "features": [f.__geo_interface__ for f in self.features]}


@dataclass(frozen=True)
class Situation:
    """A report's situation: features in layers, source notes, what stayed unresolved.

    Display it in Jupyter, or call :meth:`to_folium`, :meth:`to_geojson`,
    :meth:`to_geodataframe`, :meth:`save_html`.
    """

    reports: tuple[Report, ...]
    features: tuple[Feature, ...]
    unresolved: tuple[Mention, ...] = ()
    events: tuple[Event, ...] = field(default=(), repr=False)
    resolutions: tuple[Resolution, ...] = field(default=(), repr=False)
    #: Place names used for something else than the place: inside a longer name ("Paris Police
    #: Department"), as a demonym ("Russian troops") or for a government ("Moscow said").
    associative: tuple["Associative", ...] = field(default=(), repr=False)
    #: The report of each unresolved mention, when merged from several reports (else empty).
    unresolved_reports: tuple[str, ...] = field(default=(), repr=False)

    @property
    def report(self) -> Report:
        return self.reports[0]

    @property
    def layers(self) -> tuple[Layer, ...]:
        order: dict[str, list[Feature]] = {}
        for f in self.features:
            order.setdefault(f.layer, []).append(f)
        def rank(name):
            return (name == CONTEXT_LAYER, name == OTHER_LAYER, -len(order[name]), name)
        return tuple(Layer(name, order[name][0].actor if name not in (OTHER_LAYER, CONTEXT_LAYER) else None,
                           tuple(order[name])) for name in sorted(order, key=rank))

    def _resolution_of(self, mention: Mention):
        for r in self.resolutions:
            if r.mention is mention or (r.mention.start == mention.start and r.mention.text == mention.text):
                return r
        return None

    def reason_of(self, mention: Mention) -> str:
        """Why a mention stayed unresolved."""
        r = self._resolution_of(mention)
        return (r.reason if r is not None else None) or "no gazetteer record with this name"

    def candidates_of(self, mention: Mention) -> tuple[tuple[str, float], ...]:
        """The places an unresolved mention could have been, with their probabilities (best first)."""
        r = self._resolution_of(mention)
        return tuple(r.alternatives) if r is not None and not r.resolved else ()

    def report_of(self, mention: Mention) -> Report:
        """The report (of several merged) whose text ``mention`` quotes."""
        if len(self.reports) == 1:
            return self.report
        by_id = {r.id: r for r in self.reports}
        known = self._mention_reports.get(id(mention))
        if known is not None and known[0] is mention and known[1] in by_id:
            return by_id[known[1]]
        for r in self.reports:
            if r.text.startswith(mention.sentence, mention.sentence_start) and r.text.startswith(mention.text, mention.start):
                return r
        return self.report

    def unresolved_records(self) -> list[dict]:
        """The unresolved mentions as the GeoJSON contract's ``unresolved`` member lists them."""
        return [{**m.to_dict(), "reason": self.reason_of(m), "report_id": rid,
                 "candidates": [{"gazetteer_id": pid, "score": score} for pid, score in self.candidates_of(m)]}
                for rid, m in self._unresolved_sources()]

    def _unresolved_sources(self):
        if self.unresolved_reports:
            return zip(self.unresolved_reports, self.unresolved)
        return ((self.report_of(m).id, m) for m in self.unresolved)

    @functools.cached_property
    def _mention_reports(self) -> dict:
        """id(mention) -> (mention, report id), from the features' and unresolved mentions' records."""
        known = {}
        for f in self.features:
            for rid, m in f.sources():
                known[id(m)] = (m, rid)
        for rid, m in zip(self.unresolved_reports, self.unresolved):
            known[id(m)] = (m, rid)
        return known

    def export(self, path, format: str | None = None) -> Path:
        """Write the situation as GeoJSON, GeoPackage, KML or CSV, by ``path``'s suffix (see :mod:`mapping.output.export`)."""
        from .output.export import export

        return export(self, path, format)

    def layer(self, name: str) -> Layer:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(f"no layer {name!r}; layers are {[l.name for l in self.layers]}")

    def __repr__(self):
        layers = ", ".join(f"{l.name}: {len(l.features)}" for l in self.layers)
        return f"<Situation {len(self.features)} features ({layers}); {len(self.unresolved)} unresolved>"

    # -- the GeoJSON contract -------------------------------------------------
    @property
    def __geo_interface__(self) -> dict:
        document = self.report.metadata
        return {
            "type": "FeatureCollection",
            "document": document,
            "documents": [r.metadata for r in self.reports] if len(self.reports) > 1 else None,
            "unresolved": self.unresolved_records(),
            "associative": [a.to_dict() for a in self.associative],
            "features": [f.__geo_interface__ for f in self.features],
        }

    def to_geojson(self, path=None, *, indent: int | None = None) -> str:
        """The situation as RFC 7946 GeoJSON text; also written to ``path`` if given."""
        data = self.__geo_interface__
        if data.get("documents") is None:
            data.pop("documents")
        text = json.dumps(data, ensure_ascii=False, indent=indent, sort_keys=False)
        if path is not None:
            from .io import write_atomic

            write_atomic(path, text)
        return text

    def to_geodataframe(self):
        """Features as a GeoDataFrame in EPSG:4326 (mentions as a list column)."""
        import geopandas as gpd

        rows = [{"id": f.id, **f.properties} for f in self.features]
        if not rows:
            rows = {"id": [], "name": [], "kind": [], "layer": [], "actor": []}
        return gpd.GeoDataFrame(rows, geometry=[f.geometry for f in self.features], crs="EPSG:4326")

    def to_folium(self, m=None, **options):
        """A folium Map of the situation (or its layers added to ``m``).

        A map built here inlines Leaflet and works offline. A map of yours passed
        as ``m`` is used as it is: one made with ``folium.Map()`` loads Leaflet
        from folium's CDN links when opened; to stay offline, start from
        ``situation.to_folium()`` and add your own layers to that.
        """
        from .output.render import render_folium

        return render_folium(self, m=m, **options)

    def save_html(self, path, **options) -> Path:
        """Write the standalone HTML map to ``path``."""
        from .output.render import render_html
        from .io import write_atomic

        write_atomic(path, render_html(self, **options))
        return Path(path)

    def _repr_html_(self):
        return self.to_folium()._repr_html_()


def _geometry_json(geometry) -> dict:
    """RFC 7946 geometry: counter-clockwise exterior rings, coordinates on a 1e-6 degree grid.

    Rounding alone can fold a thin polygon onto itself; GEOS's snap-rounding
    (``set_precision``) puts coordinates on the grid and keeps the polygon valid.
    """
    from shapely.geometry import mapping

    return _round(mapping(_contract_shape(geometry)))


def _contract_shape(geometry):
    """The geometry as the GeoJSON contract writes it, before rounding: snapped polygons, CCW exterior rings."""
    import shapely
    from shapely.geometry.polygon import orient

    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        try:
            snapped = shapely.set_precision(geometry, 1e-6)
        except shapely.errors.GEOSException:
            # An invalid input (a derived area of a vast region can fold onto itself): repair, then snap.
            snapped = shapely.make_valid(geometry)
            try:
                snapped = shapely.set_precision(snapped, 1e-6)
            except shapely.errors.GEOSException:
                pass
        if not snapped.is_empty and snapped.geom_type in ("Polygon", "MultiPolygon"):
            geometry = snapped
    if geometry.geom_type == "Polygon":
        geometry = orient(geometry, 1.0)
    elif geometry.geom_type == "MultiPolygon":
        from shapely.geometry import MultiPolygon

        geometry = MultiPolygon([orient(p, 1.0) for p in geometry.geoms])
    return geometry


def _round(obj, digits=6):
    if isinstance(obj, float):
        return round(obj, digits)
    if isinstance(obj, (list, tuple)):
        return [_round(x, digits) for x in obj]
    if isinstance(obj, dict):
        return {k: _round(v, digits) for k, v in obj.items()}
    return obj


# -- assembly -------------------------------------------------------------------

def build_situation(extraction: Extraction, resolutions: tuple[Resolution, ...], events: tuple[Event, ...],
                    associative=()) -> Situation:
    """Group resolved places and current events into features and layers (context events are kept in
    ``Situation.events`` but not drawn); ``associative`` are resolutions of associative mentions."""
    report = extraction.report
    groups: dict[tuple, dict] = {}
    used: set[int] = set()

    def add(resolution: Resolution, actor_id, kind, event: Event | None, all_actors=()):
        place = resolution.place
        derived = resolution.qualifier is not None
        place_key = f"{place.id}~{'-'.join(resolution.qualifier.rules)}" if derived else place.id
        when = event.when if event else None
        key = (place_key, actor_id, kind, when.iso if when else None)
        group = groups.setdefault(key, {"resolution": resolution, "mentions": {}, "actor": actor_id, "kind": kind,
                                        "event": event.kind if event else None, "when": when, "actors": set(),
                                        "event_type": event.event_type if event else None,
                                        "sub_event_type": event.sub_event_type if event else None,
                                        "target": event.target if event else None})
        group["mentions"][resolution.mention.start] = resolution.mention
        group["actors"].update(all_actors or ([actor_id] if actor_id else []))
        group["confidence"] = max(group.get("confidence", 0), resolution.confidence)

    for event in events:
        if event.context:
            continue
        for r in event.locations:
            kind = event.kind if event.kind in _EVENT_FEATURE_KINDS else _place_kind(r)
            if event.kind in ("presence", "deployment") and r.place.kind not in SITE_KINDS and r.place.kind not in ("region", "zone", "admin_area", "city", "town", "village"):
                continue
            for actor_id in event.actors or (r.place.operator or r.place.controller,):
                if actor_id is None and event.kind not in _EVENT_FEATURE_KINDS:
                    continue
                add(r, actor_id, kind, event, event.actors)
                used.add(r.mention.start)

    controllers = sorted((a.start, a.end, a.actor) for a in extraction.actor_mentions if a.role == "controller")
    ends = [c[1] for c in controllers]
    for r in resolutions:
        if not r.resolved or r.mention.start in used:
            continue
        place = r.place
        text_before = report.text[max(0, r.mention.start - 30):r.mention.start]
        controller = _controller_before(controllers, ends, report.text, r.mention)
        if controller is None and "occupied" in text_before.lower():
            controller = place.controller
        actor_id = controller or place.operator or (place.controller if place.kind in ("zone", "region") and r.qualifier is None and place.controller else None)
        add(r, actor_id, _place_kind(r), None)

    features = [_feature(key, g, report) for key, g in groups.items()]
    features = _mark_context(features)
    features.sort(key=lambda f: (f.layer == CONTEXT_LAYER, f.layer == OTHER_LAYER, f.layer, f.mentions[0].start, f.id))
    unresolved = tuple(r.mention for r in resolutions if not r.resolved)
    kept = tuple(Associative(r.mention.text, r.mention.start, r.mention.end, r.mention.role,
                             r.place.id if r.resolved else None, r.mention.context, r.mention.sentence,
                             r.mention.sentence_start) for r in associative)
    return Situation((report,), tuple(features), unresolved, events, resolutions, kept)


_CONTROL_GAP = re.compile(r"[-\s](?:occupied|held|controlled|annexed|run)\s+(?:the\s+)?", re.IGNORECASE)


def _controller_before(controllers, ends, text: str, mention) -> str | None:
    """The actor of "Israeli-held X" or "Israeli-occupied X" (within or right before the mention)."""
    k = bisect.bisect_right(ends, mention.end) - 1
    if k < 0:
        return None
    start, end, actor = controllers[k]
    if mention.start <= start < mention.end:
        return actor
    gap = text[end:mention.start]
    return actor if end <= mention.start and (not gap.strip(" -") or _CONTROL_GAP.fullmatch(gap)) else None


def _place_kind(r: Resolution) -> str:
    """A border area derived from two countries is a zone, not a country."""
    return "zone" if r.qualifier is not None and "border" in r.qualifier.rules else r.place.kind


def _feature(key, group, report: Report) -> Feature:
    r: Resolution = group["resolution"]
    place = r.place
    mentions = tuple(group["mentions"][k] for k in sorted(group["mentions"]))
    actor_id = group["actor"]
    a = get_actor(actor_id)
    layer = a.name if a else OTHER_LAYER
    if r.qualifier:
        phrase = report.text[slice(*r.phrase)]
        name = phrase[4:] if phrase.lower().startswith("the ") else phrase
        name = name[:1].upper() + name[1:]
        if "border" in r.qualifier.rules and r.alternatives:
            others = [alternative.replace("country-", "").upper() for alternative, _ in r.alternatives]
            name = f"{name} ({'–'.join(sorted((place.country, *others)))})"
    else:
        name = place.name
    kind = group["kind"]
    fid = "-".join(str(x) for x in (key[0], actor_id or "none", kind, key[3] or "")).strip("-")
    return Feature(
        id=fid, name=name, kind=kind, place_kind=_place_kind(r), geometry=r.geometry if r.geometry is not None else place.geometry,
        layer=layer, actor=actor_id, mentions=mentions, gazetteer_id=place.id, confidence=group["confidence"],
        method=r.method, source=place.source, precision_m=place.precision_m,
        approximate=place.approximate or r.qualifier is not None, geo_scope=r.geo_precision,
        actors=tuple(sorted(group["actors"])), event=group["event"], when=group["when"],
        derived_from=place.id if r.qualifier else None,
        rule=",".join(r.qualifier.rules) if r.qualifier else None, report_id=report.id,
        alternatives=tuple(r.alternatives) if not (r.qualifier and "border" in r.qualifier.rules) else (),
        event_type=group["event_type"], sub_event_type=group["sub_event_type"], target=group["target"],
        country=place.country, population=place.population,
    )


def _mark_context(features: list[Feature]) -> list[Feature]:
    """Move far-away and vast places to the context layer, so they do not pull the view."""
    from dataclasses import replace
    from .resolution.resolve import _km

    areas = {f.id: _area_km2(f.geometry) for f in features}
    local = [f for f in features if f.place_kind not in ("country", "continent") and areas[f.id] < CONTEXT_AREA_KM2]
    if not local:
        local = [f for f in features if areas[f.id] < CONTEXT_AREA_KM2] or features
    # Focus: the point with the most mentions nearby (a weighted medoid), robust to one far-away place.
    points = [(_point(f), len(f.mentions)) for f in local]
    focus = max(points, key=lambda p: sum(w for q, w in points if _km(p[0], q) < FOCUS_RADIUS_KM))[0] if points else None
    result = []
    for f in features:
        far = focus is not None and f.geometry.distance(_shapely_point(focus)) > 0 and _km(_point(f), focus) > FOCUS_RADIUS_KM and not f.geometry.contains(_shapely_point(focus))
        if areas[f.id] >= CONTEXT_AREA_KM2 or far:
            f = replace(f, context=True, layer=CONTEXT_LAYER if f.actor is None else f.layer)
        result.append(f)
    return result


#: Geodesic areas (km²) of the geometries seen, by geometry object: a gazetteer's places keep theirs from
#: report to report, so a country's area is computed once per process, not once per report.
_AREAS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _area_km2(geometry) -> float:
    """The geodesic area of a polygon, in km² (0 for points and lines), or a planar estimate when that is
    surely on one side of :data:`CONTEXT_AREA_KM2` (all the caller asks)."""
    if geometry.geom_type not in ("Polygon", "MultiPolygon"):
        return 0.0
    known = _AREAS.get(geometry)
    if known is not None:
        return known
    # A degree of latitude is 111 km and a degree of longitude at most that: the planar area in degrees²
    # times 111² bounds the true area from above, and with the cosine of the lowest latitude from below.
    west, south, east, north = geometry.bounds
    cos_low = math.cos(math.radians(min(89.9, max(abs(south), abs(north)))))
    upper = geometry.area * 111.32 ** 2
    if upper < CONTEXT_AREA_KM2 / 2 or upper * cos_low > CONTEXT_AREA_KM2 * 2:
        area = upper * (cos_low + 1) / 2  # an estimate: only its side of the threshold matters
    else:
        from pyproj import Geod

        area = abs(Geod(ellps="WGS84").geometry_area_perimeter(geometry)[0]) / 1e6
    _AREAS[geometry] = area
    return area


def _point(f: Feature) -> tuple[float, float]:
    from .gazetteer.places import inner_point

    return inner_point(f.geometry)


def _shapely_point(xy):
    from shapely.geometry import Point

    return Point(xy)
