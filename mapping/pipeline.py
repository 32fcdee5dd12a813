"""The pipeline: report text -> mentions -> resolved places -> events -> situation."""

from __future__ import annotations

from typing import Iterable

from .language.report import Report, read_report, read_report_file

__all__ = ["map_report", "map_file", "map_reports", "merge_situations", "run"]


def _gazetteer(gazetteer=None, packs: Iterable = ()):
    from .gazetteer.places import Gazetteer, default_gazetteer, load_pack

    if gazetteer is None:
        return default_gazetteer(tuple(packs))
    if not isinstance(gazetteer, Gazetteer):
        raise TypeError(f"gazetteer must be a mapping.Gazetteer, got {type(gazetteer).__name__}")
    extra = [p for path in packs for p in load_pack(path)]
    return gazetteer.merged(extra) if extra else gazetteer


def run(report: Report, gazetteer=None, *, packs: Iterable = ()):
    """Run every stage on a :class:`~mapping.language.report.Report` and return the situation."""
    from .language.events import find_events
    from .language.extract import extract
    from .resolution.resolve import resolve
    from .situation import build_situation

    gaz = _gazetteer(gazetteer, packs)
    extraction = extract(report, gaz)
    everything = resolve(extraction, gaz, associative=True)
    literal = {id(m) for m in extraction.mentions}
    resolutions = resolve(extraction, gaz)
    associative = tuple(r for r in everything if id(r.mention) not in literal)
    events = find_events(extraction, resolutions)
    return build_situation(extraction, resolutions, events, associative)


def map_report(text: str, *, title=None, source=None, url=None, published=None, gazetteer=None, packs: Iterable = (),
               **read_options):
    """Map a report given as text.

    Parameters
    ----------
    text : str
        The report. A first line ``date YYYY-MM-DD`` gives the publication date.
    title, source, url : str, optional
        Publication metadata shown on the map and in every source note.
    published : str or datetime.date, optional
        Publication date (ISO), against which "on Monday" is resolved.
    gazetteer : mapping.Gazetteer, optional
        Replaces the bundled gazetteer.
    packs : iterable of paths, optional
        Extra gazetteer packs (GeoJSON) to load beside it.
    **read_options
        ``markup`` (``auto``, ``text``, ``html``) and ``max_chars``, passed to
        :func:`mapping.language.report.read_report`.

    Returns
    -------
    mapping.Situation
    """
    report = read_report(text, title=title, source=source, url=url, published=published, **read_options)
    return run(report, gazetteer, packs=packs)


def map_file(path, *, title=None, source=None, url=None, published=None, gazetteer=None, packs: Iterable = (),
             **read_options):
    """Map a report read from a UTF-8 file (``'-'`` for standard input).

    ``read_options`` (``errors``, ``markup``, ``max_chars``) go to
    :func:`mapping.language.report.read_report_file`.
    """
    report = read_report_file(path, title=title, source=source, url=url, published=published, **read_options)
    return run(report, gazetteer, packs=packs)


def map_reports(reports: Iterable[Report], gazetteer=None, *, packs: Iterable = ()):
    """Map several reports into one situation (see :func:`merge_situations`)."""
    return merge_situations([run(r, gazetteer, packs=packs) for r in reports])


def merge_situations(situations):
    """One situation from several reports: the same feature from several reports becomes one.

    Features are grouped by place (or derived area), actor, kind and date,
    the key a single report groups its mentions by. A group found in several
    reports becomes one feature whose mentions come from all of them (each
    still quoting its own report: ``Feature.mention_reports`` says which, and
    offsets index that report's text), with ``corroboration`` (how many
    distinct reports give it) and ``reports``. Where reports give the same
    place and kind with another actor on the same date, or the same actor on
    another date, the features stay apart and each gets a ``disagreement``
    note naming the other reports' version (a report that gives both
    versions, as in a joint patrol, is no disagreement).

    Reports with the same text get ids made unique with ``-2``, ``-3``... One
    situation is returned as it is.

    Examples
    --------
    >>> from mapping import map_report
    >>> a = map_report("date 2025-11-18\\nIsraeli troops set up a checkpoint near Quneitra on Monday.")
    >>> b = map_report("date 2025-11-18\\nOn Monday Israeli forces set up a checkpoint near Quneitra.")
    >>> [(f.name, f.kind, f.corroboration) for f in merge_situations([a, b]).features if f.kind == "checkpoint"]
    [('Near Quneitra', 'checkpoint', 2)]
    """
    from dataclasses import replace

    from .situation import CONTEXT_LAYER, OTHER_LAYER

    situations = list(situations)
    if not situations:
        raise ValueError("merge_situations needs at least one situation")
    if len(situations) == 1:
        return situations[0]
    reports, seen = [], set()
    for s in situations:
        for original in s.reports:
            report, n = original, 2
            while report.id in seen:
                report, n = replace(original, id=f"{original.id}-{n}"), n + 1
            seen.add(report.id)
            reports.append((original, report))
    renamed = {}  # (situation index, original id) -> unique id
    k = 0
    for i, s in enumerate(situations):
        for original in s.reports:
            renamed[i, original.id] = reports[k][1].id
            k += 1
    order = {report.id: n for n, (_, report) in enumerate(reports)}

    groups: dict[tuple, list] = {}
    unresolved, unresolved_reports = [], []
    for i, s in enumerate(situations):
        for f in s.features:
            sources = tuple((renamed[i, rid if (i, rid) in renamed else s.report.id], m) for rid, m in f.sources())
            groups.setdefault(_merge_key(f), []).append((f, sources))
        for m in s.unresolved:
            unresolved.append(m)
            unresolved_reports.append(renamed[i, s.report_of(m).id])
    features = [_merged_feature(members, order) for members in groups.values()]
    features = _unique_ids(_note_disagreements(features, order))
    features.sort(key=lambda f: (f.layer == CONTEXT_LAYER, f.layer == OTHER_LAYER, f.layer,
                                 order[f.reports[0]], f.mentions[0].start, f.id))
    return replace(
        situations[0],
        reports=tuple(report for _, report in reports),
        features=tuple(features),
        unresolved=tuple(unresolved),
        events=tuple(e for s in situations for e in s.events),
        resolutions=tuple(r for s in situations for r in s.resolutions),
        associative=tuple(a for s in situations for a in s.associative),
        unresolved_reports=tuple(unresolved_reports),
    )


def _place_key(f) -> tuple:
    """The place or derived area: a derived area is also told apart by its geometry ("20 km north of X")."""
    if f.derived_from is None:
        return (f.gazetteer_id, None, None)
    import shapely

    return (f.gazetteer_id, f.rule, shapely.to_wkb(f.geometry, hex=True, output_dimension=2))


def _merge_key(f) -> tuple:
    return (*_place_key(f), f.actor, f.kind, f.when.iso if f.when else None)


def _merged_feature(members, order: dict):
    """One feature from the same group in several reports (members in report order)."""
    from dataclasses import replace

    members = sorted(members, key=lambda m: order[m[1][0][0]] if m[1] else 0)
    first = members[0][0]
    sources = [source for _, ss in members for source in ss]
    reports = tuple(dict.fromkeys(rid for rid, _ in sources))
    features = [f for f, _ in members]
    context = all(f.context for f in features)
    layer = first.layer if context else next(f.layer for f in features if not f.context)
    return replace(
        first, mentions=tuple(m for _, m in sources), mention_reports=tuple(rid for rid, _ in sources),
        report_id=reports[0], reports=reports, confidence=max(f.confidence for f in features),
        actors=tuple(sorted({a for f in features for a in f.actors})), context=context, layer=layer,
    )


def _note_disagreements(features: list, order: dict) -> list:
    """Give each feature the versions of other reports that disagree with it on actor or date."""
    from dataclasses import replace

    from .situation import Disagreement

    by_place: dict[tuple, list[int]] = {}
    for n, f in enumerate(features):
        by_place.setdefault((*_place_key(f), f.kind), []).append(n)
    notes: dict[int, list] = {}
    for indexes in by_place.values():
        for a in indexes:
            for b in indexes:
                if a != b and _disagree(features[a], features[b]):
                    other = features[b]
                    only_other = tuple(r for r in other.reports if r not in features[a].reports)
                    notes.setdefault(a, []).append(Disagreement(other.id, other.actor, other.when.iso if other.when else None,
                                                                only_other))
    return [replace(f, disagreement=tuple(sorted(notes[n], key=lambda d: (order[d.reports[0]], d.feature))))
            if n in notes else f for n, f in enumerate(features)]


def _disagree(f, g) -> bool:
    """Do ``f`` and ``g`` (same place and kind) give another actor on the same date, or another date?

    Only reports that give one version and not the other disagree: a report
    that names two actors (a joint patrol) or a feature without an actor or
    date contradicts nothing.
    """
    if not set(f.reports) - set(g.reports) or not set(g.reports) - set(f.reports):
        return False
    other_date = f.when is not None and g.when is not None and (f.when.last < g.when.first or g.when.last < f.when.first)
    other_actor = (f.actor is not None and g.actor is not None and f.actor != g.actor
                   and f.actor not in g.actors and g.actor not in f.actors)
    return (other_actor and not other_date) or (other_date and f.actor == g.actor)


def _unique_ids(features: list) -> list:
    """Keep ids unique: two groups with one id (derived areas of different shape) get their first report's id."""
    from dataclasses import replace

    taken: dict[str, int] = {}
    for f in features:
        taken[f.id] = taken.get(f.id, 0) + 1
    return [replace(f, id=f"{f.id}@{f.report_id}") if taken[f.id] > 1 else f for f in features]
