"""situation-map: turn a news report into a source-grounded situation map.

>>> import mapping
>>> situation = mapping.map_report(" date 2025-11-18 Israeli troops set up a checkpoint near Quneitra on Monday.")
>>> [(f.kind, f.actor, f.when.iso) for f in situation.features if f.kind == "checkpoint"]
[('checkpoint', 'israel', '2025-11-17')]

Heavy modules (shapely, pyproj, folium, geopandas) load on first use, so
``import mapping`` stays quick.

The package is laid out by pipeline stage:

- ``mapping.language``: the report and its words: tokens and sentences, place
  recognition, actors, dates, events;
- ``mapping.gazetteer``: places and how they are looked up: curated packs, the
  world store, name keys, search;
- ``mapping.resolution``: which place a mention means (the learned ranker) and
  the areas qualifiers derive;
- ``mapping.output``: the map (folium, offline HTML, snapshots) and the exports;
- at the top: the pipeline, the situation it builds, batch runs, evaluation,
  the command line and the errors.
"""

from __future__ import annotations

from importlib import import_module

__version__ = "0.1.0"

__all__ = [
    "map_report", "map_file", "map_reports", "read_report", "read_report_file", "Report",
    "Situation", "Feature", "Layer", "Gazetteer", "Place", "default_gazetteer", "load_pack",
    "MappingError", "ReportError", "GazetteerError", "UnknownFormatError", "OutputError", "RenderError", "CacheError",
    "MappingWarning",
]

_LAZY = {
    "map_report": "pipeline", "map_file": "pipeline", "map_reports": "pipeline",
    "read_report": "language.report", "read_report_file": "language.report", "Report": "language.report",
    "Situation": "situation", "Feature": "situation", "Layer": "situation",
    "Gazetteer": "gazetteer.places", "Place": "gazetteer.places", "default_gazetteer": "gazetteer.places",
    "load_pack": "gazetteer.places",
    "MappingError": "errors", "ReportError": "errors", "GazetteerError": "errors",
    "UnknownFormatError": "errors", "OutputError": "errors", "RenderError": "errors", "CacheError": "errors",
    "MappingWarning": "errors",
}


def __getattr__(name):
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'mapping' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *__all__])
