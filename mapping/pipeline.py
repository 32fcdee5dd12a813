"""The pipeline: report text -> mentions -> resolved places -> events -> situation."""

from __future__ import annotations

from typing import Iterable

from .report import Report, read_report, read_report_file

__all__ = ["map_report", "map_file", "map_reports", "merge_situations", "run"]


def _gazetteer(gazetteer=None, packs: Iterable = ()):
    from .gazetteer import Gazetteer, default_gazetteer, load_pack

    if gazetteer is None:
        return default_gazetteer(tuple(packs))
    if not isinstance(gazetteer, Gazetteer):
        raise TypeError(f"gazetteer must be a mapping.Gazetteer, got {type(gazetteer).__name__}")
    extra = [p for path in packs for p in load_pack(path)]
    return gazetteer.merged(extra) if extra else gazetteer


def run(report: Report, gazetteer=None, *, packs: Iterable = ()):
    """Run every stage on a :class:`~mapping.report.Report` and return the situation."""
    from .events import find_events
    from .extract import extract
    from .resolve import resolve
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
        :func:`mapping.report.read_report`.

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
    :func:`mapping.report.read_report_file`.
    """
    report = read_report_file(path, title=title, source=source, url=url, published=published, **read_options)
    return run(report, gazetteer, packs=packs)


def map_reports(reports: Iterable[Report], gazetteer=None, *, packs: Iterable = ()):
    """Map several reports into one situation, keeping per-report source notes."""
    from dataclasses import replace

    return merge_situations([run(r, gazetteer, packs=packs) for r in reports])


def merge_situations(situations):
    """One situation from several, each report keeping its own source notes.

    Features stay apart (offsets refer to their own report); in a merged
    situation every feature id ends with ``@`` and its report's id, and
    reports with the same text get ids made unique with ``-2``, ``-3``...
    """
    from dataclasses import replace

    situations = list(situations)
    if not situations:
        raise ValueError("merge_situations needs at least one situation")
    if len(situations) == 1:
        return situations[0]
    reports, features, seen = [], [], set()
    for s in situations:
        report, n = s.report, 2
        while report.id in seen:
            report, n = replace(s.report, id=f"{s.report.id}-{n}"), n + 1
        seen.add(report.id)
        reports.append(report)
        features.extend(replace(f, id=f"{f.id}@{report.id}", report_id=report.id) for f in s.features)
    return replace(
        situations[0],
        reports=tuple(reports),
        features=tuple(features),
        unresolved=tuple(m for s in situations for m in s.unresolved),
        events=tuple(e for s in situations for e in s.events),
        resolutions=tuple(r for s in situations for r in s.resolutions),
        associative=tuple(a for s in situations for a in s.associative),
    )
