"""Time expressions resolved against the publication date.

Each expression becomes a :class:`When`: an interval of days with a precision
(``day``, ``week``, ``month``, ``year``) and a relation (``at``, ``since``,
``before``, ``after``), so that past context ("since 2017", "a 2018
arrangement") stays distinct from the current situation.

Examples
--------
>>> import datetime as dt
>>> tuesday = dt.date(2025, 11, 18)
>>> [(w.text, w.iso) for w in find_times("On Monday, troops moved.", tuesday)]
[('On Monday', '2025-11-17')]
>>> [(w.text, w.iso, w.relation) for w in find_times("since the overthrow in December last year", tuesday)]
[('in December last year', '2024-12', 'at')]
>>> [(w.text, w.iso) for w in find_times("Under a 2018 arrangement", tuesday)]
[('2018', '2018')]
>>> find_times("On Monday", None)
[]

A date that falls outside the calendar Python can represent (0001-01-01 to
9999-12-31) stays undated: it is left out of the result, collected in
``unresolved`` with the reason, and a :class:`~mapping.errors.MappingWarning`
says which expression and why.

>>> import warnings
>>> unresolved = []
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore")
...     find_times("Troops will leave next year.", dt.date(9999, 12, 31), unresolved=unresolved)
[]
>>> unresolved[0].text, unresolved[0].reason
('next year', 'counted from 9999-12-31 it falls outside the dates that can be represented (0001-01-01 to 9999-12-31)')
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import warnings
from dataclasses import dataclass

from .text import alternation

__all__ = ["When", "UnresolvedTime", "find_times", "shift_days", "parse_written_date", "OUT_OF_RANGE"]

#: Why a time expression counted from the publication date has no date.
OUT_OF_RANGE = (f"outside the dates that can be represented ({dt.date.min.isoformat()} to "
                f"{dt.date.max.isoformat()})")

_WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_NUMBER_WORDS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "several": None}

_MONTH_NAMES = alternation(_MONTHS)
_PATTERNS = [
    ("iso", re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")),
    ("dmy", re.compile(rf"\b(\d{{1,2}})\s+({_MONTH_NAMES})\.?,?\s+(\d{{4}})\b", re.IGNORECASE)),
    ("mdy", re.compile(rf"\b({_MONTH_NAMES})\.?\s+(\d{{1,2}}),?\s+(\d{{4}})\b", re.IGNORECASE)),
    ("month_range", re.compile(rf"\b(?:between|from)\s+({_MONTH_NAMES})\.?(?:\s+(\d{{4}}))?\s+(?:and|to|until|through)\s+({_MONTH_NAMES})\.?(?:\s+(\d{{4}}))?\b", re.IGNORECASE)),
    ("month_rel", re.compile(rf"\b(?:in\s+)?({_MONTH_NAMES})\s+(last|this|next)\s+year\b", re.IGNORECASE)),
    ("month_year", re.compile(rf"\b(?:in\s+)?({_MONTH_NAMES})\s+(\d{{4}})\b", re.IGNORECASE)),
    ("dm", re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_NAMES})\b(?!\.?,?\s+\d{{4}})", re.IGNORECASE)),
    ("md", re.compile(rf"\b({_MONTH_NAMES})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?!,?\s+\d{{4}})(?!\d)", re.IGNORECASE)),
    ("part_year", re.compile(r"\b(early|mid|late|earlier|later)[\s-]+((?:19|20)\d{2})\b", re.IGNORECASE)),
    ("weekday", re.compile(r"\b(?:(on|last|this|since|by)\s+)?(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", re.IGNORECASE)),
    ("relday", re.compile(r"\b(yesterday|today|tonight|the day before yesterday)\b", re.IGNORECASE)),
    ("relweek", re.compile(r"\b(last|this|next)\s+(week|month|year)\b", re.IGNORECASE)),
    ("month_only", re.compile(rf"\b(?:in|since|by|until|during|early|late|mid)[\s-]+({alternation(m for m in _MONTHS if len(m) > 3)})\b(?!\s+\d)", re.IGNORECASE)),
    ("since_year", re.compile(r"\b(since|in|from|until|before|after|by)\s+((?:19|20)\d{2})\b", re.IGNORECASE)),
    ("year", re.compile(r"\b((?:19|20)\d{2})(?=\s+(?:arrangement|agreement|deal|accord|war|offensive|ceasefire|truce|election|attack|strike|law|decision|memorandum))", re.IGNORECASE)),
]


#: What every pattern above needs somewhere: a digit, or a month, weekday or relative word at a word start.
_MAYBE_TIME = re.compile(rf"\d|\b(?:{_MONTH_NAMES}|{alternation(_WEEKDAYS)}|yesterday|today|tonight|week|month|year)",
                         re.IGNORECASE)
_DAY_NAMES = alternation({*_WEEKDAYS, *(d.lower() for d in calendar.day_abbr), "tues", "thur", "thurs"})
# A time after the date, as datelines write it: "T14:05:00Z", " 14:05 GMT", ", 2:05 p.m. EST", " at 10:00 (UTC+3)".
_TIME_TAIL = (r"(?:(?:[T\s,|@]+|\s+at\s+)\d{1,2}(?:[:.]\d{2}){1,2}(?:\.\d+)?\s*(?:[ap]\.?m\.?)?"
              r"\s*(?:Z|[+-]\d{2}:?\d{2}|[A-Za-z]{2,5}(?:[+-]\d{1,2}(?::?\d{2})?)?|\([^)]*\))?)?")
_WRITTEN_DATE = re.compile(
    rf"\s*(?:(?:{_DAY_NAMES})\.?,?\s+)?"
    rf"(?:(?P<iso>\d{{4}}-\d{{2}}-\d{{2}})"
    rf"|(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m1>{_MONTH_NAMES})\.?,?\s+(?P<y1>\d{{4}})"
    rf"|(?P<m2>{_MONTH_NAMES})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y2>\d{{4}}))"
    rf"{_TIME_TAIL}\s*", re.IGNORECASE)


def parse_written_date(value: str) -> dt.date | None:
    """The calendar date of a dateline as news sites write it, or None.

    ISO dates and datetimes (the date as written: a time zone does not move
    it), and day-month-year or month-day-year with the month in words, with
    an optional weekday before and time after. Numeric day/month orders
    (``18/11/2025``, ``11/18/2025``) are ambiguous and not read.

    >>> parse_written_date("2025-11-18T23:30:00-05:00"), parse_written_date("Tuesday, 18 November 2025 14:05 GMT")
    (datetime.date(2025, 11, 18), datetime.date(2025, 11, 18))
    >>> parse_written_date("Nov. 18, 2025, 2:05 p.m. EST"), parse_written_date("18/11/2025")
    (datetime.date(2025, 11, 18), None)
    >>> parse_written_date("30 February 2025") is None
    True
    """
    m = _WRITTEN_DATE.fullmatch(value)
    if not m:
        return None
    try:
        if m.group("iso"):
            return dt.date.fromisoformat(m.group("iso"))
        if m.group("d1"):
            return dt.date(int(m.group("y1")), _MONTHS[m.group("m1").lower()], int(m.group("d1")))
        return dt.date(int(m.group("y2")), _MONTHS[m.group("m2").lower()], int(m.group("d2")))
    except ValueError:
        return None


@dataclass(frozen=True)
class When:
    """A resolved time expression; ``text == report[start:end]``."""

    text: str
    start: int
    end: int
    first: dt.date
    last: dt.date
    precision: str
    relation: str = "at"

    @property
    def iso(self) -> str:
        """ISO 8601 at the expression's precision ('2025-11-17', '2024-12', '2018', or an interval)."""
        if self.precision == "day":
            return self.first.isoformat()
        if self.precision == "month":
            return self.first.strftime("%Y-%m")
        if self.precision == "year":
            return f"{self.first.year:04d}"
        return f"{self.first.isoformat()}/{self.last.isoformat()}"

    def shifted(self, days: int) -> "When | None":
        """The same span ``days`` later (earlier when negative); None when that leaves the calendar."""
        try:
            return When(self.text, self.start, self.end, self.first + dt.timedelta(days),
                        self.last + dt.timedelta(days), self.precision, self.relation)
        except OverflowError:
            _warn_undated(self.text, self.start, self.end,
                          f"shifted by {days:+d} days from {self.first.isoformat()} it falls {OUT_OF_RANGE}")
            return None


@dataclass(frozen=True)
class UnresolvedTime:
    """A time expression found but not dated, and why; ``text == report[start:end]``."""

    text: str
    start: int
    end: int
    reason: str


def _warn_undated(text: str, start: int, end: int, reason: str) -> None:
    from ..errors import MappingWarning

    warnings.warn(f"{text!r} (characters {start}-{end}) cannot be dated: {reason}; it is left undated",
                  MappingWarning, stacklevel=3)


def _month_span(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def shift_days(phrase: str) -> int | None:
    """Days between an event and the one it is dated from: 'a day after' -> -1.

    >>> shift_days("a day after"), shift_days("two days before"), shift_days("hours after")
    (-1, 2, 0)
    """
    m = re.fullmatch(r"\s*(a|one|two|three|four|five|six|seven|hours|\d+)\s*(?:days?)?\s+(after|before)\s*", phrase, re.IGNORECASE)
    if not m:
        return None
    word = m.group(1).lower()
    n = 0 if word == "hours" else int(word) if word.isdigit() else _NUMBER_WORDS[word]
    return -n if m.group(2).lower() == "after" else n


def find_times(text: str, published: dt.date | None, start: int = 0, end: int | None = None, *,
               unresolved: list | None = None) -> list[When]:
    """Time expressions in ``text[start:end]`` resolved against ``published``.

    Without a publication date, only absolute dates (with a year) resolve.
    An expression that, counted from ``published``, falls outside the
    representable calendar is not returned: it is appended to ``unresolved``
    (when a list is given) as an :class:`UnresolvedTime`, and warned about.
    """
    end = len(text) if end is None else end
    found: list[When] = []
    taken: list[tuple[int, int]] = []
    if not _MAYBE_TIME.search(text, start, end):
        return found  # most sentences: no digit, month, weekday or relative word for any pattern to start on
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text, start, end):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            try:
                when = _resolve(kind, m, published)
            except (OverflowError, ValueError):
                # Only relative arithmetic gets here (absolute dates that do not exist return None).
                reason = f"counted from {published.isoformat()} it falls {OUT_OF_RANGE}"
                if unresolved is not None:
                    unresolved.append(UnresolvedTime(m.group(), m.start(), m.end(), reason))
                _warn_undated(m.group(), m.start(), m.end(), reason)
                taken.append((m.start(), m.end()))  # a shorter pattern must not date part of it
                continue
            if when:
                found.append(when)
                taken.append((m.start(), m.end()))
    return sorted(found, key=lambda w: w.start)


def _resolve(kind: str, m: re.Match, published: dt.date | None) -> When | None:
    g = m.groups()
    text, s, e = m.group(), m.start(), m.end()
    try:
        if kind == "iso":
            d = dt.date(int(g[0]), int(g[1]), int(g[2]))
            return When(text, s, e, d, d, "day")
        if kind == "dmy":
            d = dt.date(int(g[2]), _MONTHS[g[1].lower()], int(g[0]))
            return When(text, s, e, d, d, "day")
        if kind == "mdy":
            d = dt.date(int(g[2]), _MONTHS[g[0].lower()], int(g[1]))
            return When(text, s, e, d, d, "day")
        if kind == "month_year":
            first, last = _month_span(int(g[1]), _MONTHS[g[0].lower()])
            return When(text, s, e, first, last, "month")
    except ValueError:
        return None
    if kind == "part_year":
        year, part = int(g[1]), g[0].lower()
        months = {"early": (1, 4), "earlier": (1, 4), "mid": (5, 8), "late": (9, 12), "later": (9, 12)}[part]
        return When(text, s, e, dt.date(year, months[0], 1), _month_span(year, months[1])[1], "range")
    if kind == "since_year":
        year = int(g[1])
        relation = {"since": "since", "from": "since", "until": "before", "before": "before", "after": "after", "by": "before"}.get(g[0].lower(), "at")
        return When(text, s, e, dt.date(year, 1, 1), dt.date(year, 12, 31), "year", relation)
    if kind == "year":
        year = int(g[0])
        return When(text, s, e, dt.date(year, 1, 1), dt.date(year, 12, 31), "year")
    if published is None:
        return None
    if kind in ("dm", "md"):
        day, month = (int(g[0]), _MONTHS[g[1].lower()]) if kind == "dm" else (int(g[1]), _MONTHS[g[0].lower()])
        try:
            d = dt.date(published.year, month, day)
            if d > published:  # "December 30" in a January report: last December
                d = dt.date(published.year - 1, month, day)
        except ValueError:
            return None
        return When(text, s, e, d, d, "day")
    if kind == "month_only":
        month = _MONTHS[g[0].lower()]
        year = published.year if month <= published.month else published.year - 1
        first, last = _month_span(year, month)
        relation = "since" if m.group().lower().startswith("since") else "at"
        return When(text, s, e, first, last, "month", relation)
    if kind == "month_range":
        m1, m2 = _MONTHS[g[0].lower()], _MONTHS[g[2].lower()]
        y2 = int(g[3]) if g[3] else (published.year if m2 <= published.month else published.year - 1)
        y1 = int(g[1]) if g[1] else (y2 if m1 <= m2 else y2 - 1)
        return When(text, s, e, _month_span(y1, m1)[0], _month_span(y2, m2)[1], "range")
    if kind == "month_rel":
        year = published.year + {"last": -1, "this": 0, "next": 1}[g[1].lower()]
        first, last = _month_span(year, _MONTHS[g[0].lower()])
        return When(text, s, e, first, last, "month")
    if kind == "weekday":
        qualifier = (g[0] or "").lower()
        target = _WEEKDAYS[g[1].lower()]
        back = (published.weekday() - target) % 7
        if qualifier == "last" and back == 0:
            back = 7
        d = published - dt.timedelta(days=back)
        return When(text, s, e, d, d, "day", "since" if qualifier == "since" else "at")
    if kind == "relday":
        word = g[0].lower()
        d = published - dt.timedelta(days={"yesterday": 1, "the day before yesterday": 2}.get(word, 0))
        return When(text, s, e, d, d, "day")
    if kind == "relweek":
        unit, which = g[1].lower(), {"last": -1, "this": 0, "next": 1}[g[0].lower()]
        if unit == "week":
            monday = published - dt.timedelta(days=published.weekday()) + dt.timedelta(weeks=which)
            return When(text, s, e, monday, monday + dt.timedelta(days=6), "week")
        if unit == "month":
            month = published.month + which
            year = published.year + (month - 1) // 12
            first, last = _month_span(year, (month - 1) % 12 + 1)
            return When(text, s, e, first, last, "month")
        year = published.year + which
        return When(text, s, e, dt.date(year, 1, 1), dt.date(year, 12, 31), "year")
    return None
