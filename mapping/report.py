"""The report: its text exactly as read, and what is known about its publication.

A report may begin with a header line ``date YYYY-MM-DD`` (optionally indented);
the header gives the publication date and is not mapped, but offsets keep
referring to the text as read, header included.

Examples
--------
>>> report = read_report(" date 2025-11-18 Troops entered Quneitra.")
>>> report.published
datetime.date(2025, 11, 18)
>>> report.text[report.body_start:]
'Troops entered Quneitra.'
>>> read_report("   ")
Traceback (most recent call last):
...
mapping.errors.ReportError: the report is empty: expected some text to map, got '   '
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ReportError

__all__ = ["Report", "read_report", "read_report_file", "parse_date"]

_HEADER = re.compile(r"\A\ufeff?[ \t]*date[ \t]+(\d{4}-\d{2}-\d{2})(?:[ \t]+|[ \t]*\r?\n|\Z)", re.IGNORECASE)


@dataclass(frozen=True)
class Report:
    """A news report and its publication metadata.

    Attributes
    ----------
    text : str
        The text as read; every offset in the pipeline indexes into it.
    body_start : int
        Where the mappable text begins (after a ``date`` header, if any).
    title, source, url : str or None
        Publication metadata, shown on the map and in every source note.
    published : datetime.date or None
        Publication date; relative dates ("on Monday") are resolved against it.
    id : str
        A short stable identifier derived from the text (for merged reports).
    """

    text: str
    body_start: int = 0
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: dt.date | None = None
    id: str = field(default="")

    def __post_init__(self):
        if not isinstance(self.text, str):
            raise ReportError(f"report text must be str, got {type(self.text).__name__}")
        if not 0 <= self.body_start <= len(self.text):
            raise ReportError(f"body_start {self.body_start!r} is outside the text (length {len(self.text)})")
        if not self.id:
            digest = hashlib.sha1(self.text.encode("utf-8", "surrogatepass")).hexdigest()[:10]
            object.__setattr__(self, "id", f"report-{digest}")

    @property
    def metadata(self) -> dict:
        """Publication metadata as JSON-ready values (the GeoJSON ``document`` member)."""
        return {
            "id": self.id,
            "title": self.title,
            "source": self.source,
            "url": self.url,
            "published": self.published.isoformat() if self.published else None,
        }


def parse_date(value) -> dt.date | None:
    """Parse an ISO date (``YYYY-MM-DD``), a date or datetime, or None.

    >>> parse_date("2025-11-18")
    datetime.date(2025, 11, 18)
    >>> parse_date("18/11/2025")
    Traceback (most recent call last):
    ...
    mapping.errors.ReportError: publication date '18/11/2025' is not an ISO date: expected YYYY-MM-DD, e.g. 2025-11-18
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ReportError(f"publication date {value!r} is not an ISO date: expected YYYY-MM-DD, e.g. 2025-11-18")
    try:
        return dt.date.fromisoformat(text)
    except ValueError as err:
        raise ReportError(f"publication date {value!r} is not a valid date: {err}") from err


def read_report(text: str, *, title=None, source=None, url=None, published=None) -> Report:
    """Build a :class:`Report` from text, reading an optional ``date`` header.

    An explicit ``published`` wins over the header's date.
    """
    if isinstance(text, bytes):
        raise ReportError("report text must be str, got bytes: decode it first (or use map_file)")
    if not isinstance(text, str):
        raise ReportError(f"report text must be str, got {type(text).__name__}")
    if not text.strip():
        raise ReportError(f"the report is empty: expected some text to map, got {text[:20]!r}")
    header = _HEADER.match(text)
    body_start = 0
    header_date = None
    if header:
        try:
            header_date = dt.date.fromisoformat(header.group(1))
            body_start = header.end()
        except ValueError:
            header = None  # Not a real date: leave the line as text.
    elif text.startswith("\ufeff"):
        body_start = 1
    return Report(
        text=text,
        body_start=body_start,
        title=title,
        source=source,
        url=url,
        published=parse_date(published) or header_date,
    )


def read_report_file(path, **metadata) -> Report:
    """Read a report from a UTF-8 file (``'-'`` is standard input).

    A byte-order mark is accepted; invalid UTF-8 is an error that names the
    byte offset rather than a silent replacement, since offsets must match the
    user's own view of the file.
    """
    import sys

    if str(path) == "-":
        data = sys.stdin.buffer.read()
        name = "<stdin>"
    else:
        p = Path(path)
        if not p.is_file():
            raise ReportError(f"report file {str(path)!r} does not exist or is not a file")
        data = p.read_bytes()
        name = str(path)
    if b"\x00" in data[:4096]:
        raise ReportError(f"{name} looks like a binary file (NUL bytes): expected a UTF-8 text report")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ReportError(
            f"{name} is not valid UTF-8 (byte {err.start}: {data[err.start:err.start + 4]!r}); "
            "re-save it as UTF-8, e.g. iconv -f cp1256 -t utf-8"
        ) from err
    metadata.setdefault("title", Path(name).stem if name != "<stdin>" else None)
    return read_report(text, **metadata)
