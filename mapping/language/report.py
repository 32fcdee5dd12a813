r"""The report: its text exactly as read, and what is known about its publication.

A report may begin with header lines (``date YYYY-MM-DD``, or ``Date:``,
``Published:``, ``Updated:``, ``Title:``, ``Source:``, ``URL:``; see
:func:`read_report`); they give the publication date and metadata and are not
mapped, but offsets keep referring to the text as read, headers included.

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

HTML is read with its markup blanked out: every tag, comment and script
becomes spaces (block tags a paragraph break), every entity its character
padded with spaces, so the text keeps its length and offsets index the HTML
source as read.

>>> report = read_report("<p>Troops entered <b>Quneitra</b>.</p>", markup="html")
>>> report.text
'\n\n Troops entered    Quneitra    .\n\n  '
>>> report.text.index("Quneitra")
21
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import MappingWarning, ReportError

__all__ = ["Report", "read_report", "read_report_file", "parse_date", "strip_markup", "MARKUPS", "DECODE_ERRORS",
           "MAX_REPORT_CHARS"]

#: Reports longer than this many characters are refused (``max_chars=None``
#: lifts the limit): recognition and resolution time grows faster than the
#: text, so the limit keeps a run's time and memory bounded. A news report
#: is 5,000 to 20,000 characters; split a longer document into several
#: reports, which :func:`mapping.map_reports` merges.
MAX_REPORT_CHARS = 10_000_000

#: How a report file's bytes may be decoded: ``strict`` (invalid UTF-8 is an
#: error) or ``replace`` (each invalid sequence becomes U+FFFD, with a warning).
DECODE_ERRORS = ("strict", "replace")
#: What the report is written in: ``auto`` (HTML when it starts like an HTML
#: document or the file name ends in .html/.htm), ``text`` or ``html``.
MARKUPS = ("auto", "text", "html")
_HTML_SUFFIXES = (".html", ".htm", ".xhtml")
_HTML_START = re.compile(r"\A\ufeff?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])",
                         re.IGNORECASE | re.DOTALL)
#: File signatures of things people feed by mistake, with what to do instead.
_SIGNATURES = (
    (b"%PDF-", "a PDF document: extract its text first, e.g. pdftotext report.pdf report.txt"),
    (b"PK\x03\x04", "a ZIP archive (a .docx or .odt document is one): save the report as plain text first"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document: save the report as plain text first"),
    (b"{\\rtf", "an RTF document: save the report as plain text first"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "gzip-compressed data: decompress it first"),
)

_HEADER = re.compile(r"\A\ufeff?[ \t]*date[ \t]+(\d{4}-\d{2}-\d{2})(?:[ \t]+|[ \t]*(?:\r\n|\r|\n)|\Z)", re.IGNORECASE)
#: Header lines a report may start with (``Key: value``, case-insensitive), and what each gives.
HEADER_KEYS = {"date": "published", "published": "published", "posted": "published", "updated": "updated",
               "last updated": "updated", "title": "title", "headline": "title", "source": "source", "url": "url"}
#: At most this many header lines are read at the top of a report.
MAX_HEADER_LINES = 8
_HEADER_LINE = re.compile(
    r"[ \t]*(" + "|".join(k.replace(" ", r"[ \t]+") for k in sorted(HEADER_KEYS, key=len, reverse=True)) +
    r")[ \t]*:[ \t]*([^\r\n]*?)[ \t]*(\r\n|\r|\n|\Z)", re.IGNORECASE)


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
    markup : str
        ``text``, or ``html`` when ``text`` is an HTML source with its markup
        blanked out (same length, so offsets index the HTML as read).
    """

    text: str
    body_start: int = 0
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: dt.date | None = None
    id: str = field(default="")
    markup: str = "text"

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

    Datetimes and written dates as headers have them (``2025-11-18T14:05Z``,
    ``18 November 2025``, ``November 18, 2025``) are read too.

    >>> parse_date("2025-11-18"), parse_date("18 November 2025")
    (datetime.date(2025, 11, 18), datetime.date(2025, 11, 18))
    >>> parse_date("18/11/2025")
    Traceback (most recent call last):
    ...
    mapping.errors.ReportError: publication date '18/11/2025' is not an ISO date: expected YYYY-MM-DD, e.g. 2025-11-18 (or 18 November 2025)
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        from .dates import parse_written_date

        written = parse_written_date(text)
        if written is not None:
            return written
        raise ReportError(f"publication date {value!r} is not an ISO date: expected YYYY-MM-DD, e.g. 2025-11-18 "
                          "(or 18 November 2025)")
    try:
        return dt.date.fromisoformat(text)
    except ValueError as err:
        raise ReportError(f"publication date {value!r} is not a valid date: {err}") from err


_BLOCK_TAGS = frozenset(
    "address article aside blockquote body br dd div dl dt figcaption figure footer form h1 h2 h3 h4 h5 h6 head "
    "header hr html li main nav ol p pre section table tbody td tfoot th thead title tr ul".split())
_MARKUP = re.compile(
    r"<!--.*?(?:-->|\Z)"                                              # comments
    r"|<(script|style|template|noscript|svg|math|title)\b[^>]*>.*?(?:</\1\s*>|\Z)"  # content that is not body text
    r"|<!\[CDATA\[.*?(?:\]\]>|\Z)"
    r"|<[!?][^>]*>"                                                   # doctype, processing instructions
    r"|</?([A-Za-z][A-Za-z0-9:-]*)\b[^>]*>",                          # tags
    re.IGNORECASE | re.DOTALL)
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_NOT_NEWLINE = re.compile(r"[^\n]")


def strip_markup(text: str) -> str:
    r"""HTML ``text`` as plain text of the same length, so offsets still index the HTML.

    Tags, comments, scripts and styles become spaces (line breaks inside them
    are kept); a block-level tag (``p``, ``div``, ``br``, ``li``, ``h1``...)
    starts with a blank line so that it ends a sentence; an entity becomes its
    character followed by spaces (a non-breaking space becomes a space).

    >>> strip_markup("<h1>Daraa</h1><p>A&nbsp;strike &amp; a raid</p>")
    '\n\n  Daraa\n\n   \n\n A      strike &     a raid\n\n  '
    >>> strip_markup("") == ""
    True
    """
    def blank(match: re.Match) -> str:
        filler = _NOT_NEWLINE.sub(" ", match.group())
        if (match.group(2) or "").lower() in _BLOCK_TAGS:
            filler = "\n\n" + filler[2:]
        return filler

    def entity(match: re.Match) -> str:
        char = html.unescape(match.group()).replace("\xa0", " ")
        return char + " " * (len(match.group()) - len(char))

    return _ENTITY.sub(entity, _MARKUP.sub(blank, text))


def _html_title(text: str) -> str | None:
    match = re.search(r"<title\b[^>]*>(.*?)</title\s*>", text, re.IGNORECASE | re.DOTALL)
    title = " ".join(html.unescape(match.group(1)).split()) if match else ""
    return title or None


def read_report(text: str, *, title=None, source=None, url=None, published=None, markup: str = "auto",
                max_chars: int | None = MAX_REPORT_CHARS, default_title=None, name: str | None = None) -> Report:
    """Build a :class:`Report` from text, reading its header lines.

    A plain-text report may start with up to :data:`MAX_HEADER_LINES` header
    lines ``Key: value`` (keys in :data:`HEADER_KEYS`, any case: ``Date:``,
    ``Published:``, ``Posted:``, ``Updated:``, ``Title:``, ``Source:``,
    ``URL:``), or the line ``date YYYY-MM-DD``. They are not mapped, and
    offsets keep indexing the text as read. Dates may be ISO dates or
    datetimes or written out (``18 November 2025``, ``November 18, 2025``;
    see :func:`mapping.language.dates.parse_written_date`). The publication date is
    the first ``date``/``Date:``/``Published:``/``Posted:`` line; ``Updated:``
    counts only when there is none, because relative dates in a story ("on
    Monday") are written against its first publication.

    Arguments win over headers: ``published``, ``title``, ``source`` and
    ``url``; ``default_title`` (the file name) is used when neither gives a
    title; ``name`` is how warnings name the report. Text that looks like
    Markdown, JSON (GeoJSON) or source code is mapped with a
    :class:`~mapping.errors.MappingWarning`. ``markup`` is one of :data:`MARKUPS`; with ``html`` (or ``auto`` on
    text that starts like an HTML document) the markup is blanked out by
    :func:`strip_markup` and the page's ``<title>`` is the default title.
    Text longer than ``max_chars`` characters is refused (``None``: no limit).

    >>> r = read_report("Title: Quneitra\\nPublished: 18 November 2025\\nTroops entered Quneitra.")
    >>> r.title, r.published, r.text[r.body_start:]
    ('Quneitra', datetime.date(2025, 11, 18), 'Troops entered Quneitra.')
    """
    if isinstance(text, bytes):
        raise ReportError("report text must be str, got bytes: decode it first (or use map_file)")
    if not isinstance(text, str):
        raise ReportError(f"report text must be str, got {type(text).__name__}")
    if markup not in MARKUPS:
        raise ReportError(f"unknown markup {markup!r}: expected one of {', '.join(MARKUPS)}")
    _check_size(len(text), max_chars, "the report")
    surrogate = re.search("[\ud800-\udfff]", text)
    if surrogate:
        raise ReportError(f"the report has a lone surrogate {surrogate.group()!r} at character {surrogate.start()}, "
                          "which no file can hold: decode the text with errors='replace' first")
    if markup == "html" or (markup == "auto" and _HTML_START.match(text)):
        title = title or _html_title(text) or default_title
        text, markup = strip_markup(text), "html"
        if not text.strip():
            raise ReportError("the HTML report has no text outside its markup: expected some text to map")
    else:
        markup = "text"
    if not text.strip():
        raise ReportError(f"the report is empty: expected some text to map, got {text[:20]!r}")
    headers: dict[str, object] = {}
    body_start = 0
    if markup == "text":
        body_start, headers = _read_headers(text)
    elif text.startswith("\ufeff"):
        body_start = 1
    looks_like = _not_a_report(text, body_start) if markup == "text" else None
    if looks_like:
        warnings.warn(f"{name or 'the report'} looks like {looks_like}, not a news report: it is mapped as prose, and "
                      "names in headings, links, keys or code may be placed far from anything it is about; give the "
                      "text of a report (a rendered or plain-text copy)", MappingWarning, stacklevel=3)
    if headers and not text[body_start:].strip():
        if set(headers) - {"lines"} <= {"published"} and headers["lines"] == 1:
            raise ReportError(f"the report has a date header ({headers['published']}) but no text after it: "
                              "expected some text to map")
        raise ReportError("the report has header lines but no text after them: expected some text to map")
    return Report(
        text=text,
        body_start=body_start,
        title=title or headers.get("title") or default_title,
        source=source or headers.get("source"),
        url=url or headers.get("url"),
        published=(parse_date(published) or headers.get("published") or headers.get("updated")
                   or (dateline_date(text, body_start) if markup == "text" else None)),
        markup=markup,
    )


#: A dateline with a full date: "KHARTOUM, March 3, 2025 -", "GOMA, Congo, 3 March 2025 (Reuters) -".
_DATELINE_DATE = re.compile(r"\s*[A-Z][A-Z .'’/-]{1,40}(?:,\s*[A-Z][\w .'’-]{1,30})?,\s+"
                            r"(?P<date>(?:[A-Z][a-z]+day,?\s+)?(?:\d{1,2}\s+[A-Z][a-z]+\.?|[A-Z][a-z]+\.?\s+\d{1,2},?)\s+"
                            r"(?:19|20)\d\d)\b")


def dateline_date(text: str, start: int = 0) -> dt.date | None:
    """The date of a dateline that opens the report body, when it gives the year, or None: the report's
    publication date when no header or argument gives one (a wire story is dated so).

    >>> dateline_date("KHARTOUM, March 3, 2025 (Reuters) - The army said ...")
    datetime.date(2025, 3, 3)
    >>> dateline_date("GOMA, Congo, 3 March 2025 - M23 fighters ..."), dateline_date("KYIV, March 3 - Drones ...")
    (datetime.date(2025, 3, 3), None)
    """
    from .dates import parse_written_date

    m = _DATELINE_DATE.match(text, start)
    return parse_written_date(m.group("date")) if m else None


_MD_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+\S", re.MULTILINE)
_MD_FENCE = re.compile(r"^[ \t]{0,3}(?:```|~~~)", re.MULTILINE)
_MD_LINK = re.compile(r"!?\[[^\]\n]{1,200}\]\((?:[^)\s]{1,500})(?:\s+\"[^\"\n]*\")?\)")
_CODE_LINE = re.compile(
    r"^[ \t]*(?:(?:def|class|async def)\s+\w+\s*[(:]|(?:from\s+[\w.]+\s+)?import\s+[\w.*{]|#include\s*[<\"]"
    r"|(?:function|const|let|var)\s+\w+\s*[=(]|(?:public|private|protected|static)\s+\w+|package\s+[\w.]+;?$"
    r"|fn\s+\w+\s*\(|return\b.*;?$|[{}\])]+;?$|.*[;{]$|\w+(?:\.\w+)*\s*=\s*\S.*\)$|@\w+)", re.MULTILINE)


def _not_a_report(text: str, start: int) -> str | None:
    """What ``text`` looks like when it is not a news report (Markdown, JSON, source code), or None.

    Mapped anyway; the caller warns, because names in headings, links, keys
    and code ("Levant", "Jinja") are not places a report is about.
    """
    body = text[start:start + 200_000]
    stripped = body.lstrip()
    if stripped[:1] in "{[":
        import json

        try:
            data = json.loads(text[start:])
        except ValueError:
            data = None
        if isinstance(data, (dict, list)):
            kind = data.get("type") if isinstance(data, dict) else None
            return "JSON" + (f" (a GeoJSON {kind})" if kind in ("FeatureCollection", "Feature") else "")
    headings, links = len(_MD_HEADING.findall(body)), len(_MD_LINK.findall(body))
    blocks = (len(_MD_FENCE.findall(body)) + 1) // 2  # a fence opens a code block and another closes it
    if headings + blocks + links >= 3 and (headings or blocks):
        parts = [f"{n} {word}{'s' if n != 1 else ''}" for n, word in ((headings, "heading"), (blocks, "code block"),
                                                                       (links, "link")) if n]
        return f"Markdown ({', '.join(parts)})"
    lines = [line for line in body.splitlines() if line.strip()]
    code = len(_CODE_LINE.findall(body))
    if len(lines) >= 4 and code >= 4 and code >= 0.3 * len(lines):
        return f"source code ({code} of {len(lines)} lines)"
    return None


def _read_headers(text: str) -> tuple[int, dict]:
    """Where the body starts after the header lines at the top of ``text``, and what they say.

    The first ``date``-like line (``date YYYY-MM-DD``, ``Date:``,
    ``Published:``, ``Posted:``) gives the publication date; ``Updated:`` is
    used only when there is none of them. A date that cannot be read leaves
    the line a header (not mapped) and is named in a warning.
    """
    from .dates import parse_written_date

    pos = 1 if text.startswith("\ufeff") else 0
    found: dict[str, object] = {}
    lines = 0
    old = _HEADER.match(text)
    if old:
        try:
            found["published"] = dt.date.fromisoformat(old.group(1))
        except ValueError:
            old = None  # Not a real date: leave the line as text.
        else:
            pos, lines = old.end(), 1
            if old.group()[-1:] in (" ", "\t"):
                return pos, {**found, "lines": lines}  # "date 2025-11-18 Troops entered...": the text follows
    while lines < MAX_HEADER_LINES:
        m = _HEADER_LINE.match(text, pos)
        if not m:
            break
        key = HEADER_KEYS[re.sub(r"[ \t]+", " ", m.group(1).lower())]
        value = m.group(2)
        if key in ("published", "updated"):
            date = parse_written_date(value)
            if date is None:
                warnings.warn(f"header {m.group().strip()!r} is not a date this tool can read: expected e.g. "
                              f"'{m.group(1)}: 2025-11-18', '{m.group(1)}: 18 November 2025' or "
                              f"'{m.group(1)}: November 18, 2025' (an ISO time may follow); relative dates "
                              "stay undated unless --published is given", MappingWarning, stacklevel=3)
            elif key not in found:
                found[key] = date
        elif value and key not in found:
            found[key] = value
        pos, lines = m.end(), lines + 1
    return (pos, {**found, "lines": lines}) if lines else (1 if text.startswith("\ufeff") else 0, {})


def read_report_file(path, *, errors: str = "strict", markup: str = "auto", max_chars: int | None = MAX_REPORT_CHARS,
                     **metadata) -> Report:
    """Read a report from a UTF-8 file (``'-'`` is standard input).

    Offsets index the file decoded as UTF-8 with nothing altered: a
    byte-order mark is kept as the first character (and not mapped), CRLF
    line endings stay two characters, as ``open(path, encoding="utf-8",
    newline="").read()`` gives them.

    ``errors`` is one of :data:`DECODE_ERRORS`. With ``strict`` (the default)
    invalid UTF-8 is an error naming the byte offset; with ``replace`` each
    invalid sequence becomes one U+FFFD and a :class:`~mapping.errors.MappingWarning`
    says how many. Binary files (NUL bytes, known document and image
    signatures, UTF-16) are refused with what to do instead. ``markup`` is
    one of :data:`MARKUPS`; ``auto`` treats ``.html``/``.htm`` files and text
    that starts like an HTML document as HTML. A file of more than
    ``max_chars`` characters is refused before it is decoded in full.
    """
    import sys

    if errors not in DECODE_ERRORS:
        raise ReportError(f"unknown errors={errors!r}: expected one of {', '.join(DECODE_ERRORS)}")
    if str(path) == "-":
        name = "<stdin>"
        data = _read_stream(sys.stdin.buffer, name, max_chars, errors)
    else:
        p = Path(path)
        name = str(path)
        if p.is_dir():
            raise ReportError(f"report {str(path)!r} is a folder: expected a report file; to map the reports in it, "
                              f"name them (e.g. {str(p / '*.txt')})")
        if not p.exists():
            raise ReportError(f"report file {str(path)!r} does not exist or is not a file")
        if p.is_file():
            if max_chars is not None and p.stat().st_size > 4 * max_chars:  # UTF-8 needs at most 4 bytes a character
                _check_size(p.stat().st_size, max_chars, str(path), "bytes")
            data = p.read_bytes()
        else:  # a FIFO (<(command)), a device: read like standard input, in bounded chunks
            with open(p, "rb") as stream:
                data = _read_stream(stream, name, max_chars, errors)
    _refuse_binary(data, name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        if errors == "strict":
            raise ReportError(
                f"{name} is not valid UTF-8 (byte {err.start}: {data[err.start:err.start + 4]!r}); "
                "re-save it as UTF-8 (e.g. iconv -f cp1256 -t utf-8), or decode with --errors=replace"
            ) from err
        text = data.decode("utf-8", "replace")
        replaced = text.count("\ufffd") - data.count("\ufffd".encode("utf-8"))
        warnings.warn(f"{name}: {replaced} invalid UTF-8 sequence(s) replaced with U+FFFD (first at byte {err.start}); "
                      "each counts as one character in offsets", MappingWarning, stacklevel=2)
    _refuse_control_characters(text, name)
    if markup == "auto" and Path(name).suffix.lower() in _HTML_SUFFIXES:
        markup = "html"
    _check_size(len(text), max_chars, name)
    return read_report(text, markup=markup, max_chars=max_chars,
                       default_title=Path(name).stem if name != "<stdin>" else None, name=name, **metadata)


def _check_size(length: int, max_chars: int | None, name: str, unit: str = "characters", *, so_far: bool = False) -> None:
    if max_chars is not None and length > max_chars:
        raise ReportError(f"{name} is too long: {'more than ' if so_far else ''}{length:,} {unit}"
                          f"{' read so far' if so_far else ''}, the limit is {max_chars:,} characters; split it "
                          "into several reports (they can be mapped together), or raise the limit (--max-chars)")


#: Streams (standard input, FIFOs, devices) are read this many bytes at a time.
_CHUNK_BYTES = 65536


def _read_stream(stream, name: str, max_chars: int | None, errors: str) -> bytes:
    """The bytes of a stream of unknown length, read in bounded chunks.

    Each chunk is checked as it comes, so an endless or binary stream
    (``< /dev/zero``, ``< /dev/urandom``, ``yes |``) is refused on its first
    bad chunk: a NUL byte, a known binary signature, invalid UTF-8 (with
    ``errors='strict'``: reading stops there and the caller's decoding names
    the byte), or more than ``max_chars`` characters.
    """
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")("strict" if errors == "strict" else "replace")
    chunks: list[bytes] = []
    size = chars = 0
    head_checked = False
    while True:
        chunk = stream.read(_CHUNK_BYTES)
        if not chunk:
            break
        nul = chunk.find(b"\x00")
        if not head_checked and size + len(chunk) >= 16 or nul >= 0:
            _refuse_binary((b"".join(chunks) + chunk)[:16], name)  # signatures (PDF, PNG, gzip...) first
            head_checked = True
        if nul >= 0:
            raise ReportError(f"{name} looks like a binary file (NUL byte at offset {size + nul}): "
                              "expected a UTF-8 text report")
        chunks.append(chunk)
        size += len(chunk)
        try:
            chars += len(decoder.decode(chunk))
        except UnicodeDecodeError:
            break  # decoding the bytes read so far fails at the same byte, with the usual message
        _check_size(chars, max_chars, name, so_far=True)
    return b"".join(chunks)


def _refuse_binary(data: bytes, name: str) -> None:
    for signature, what in _SIGNATURES:
        if data.startswith(signature):
            raise ReportError(f"{name} is {what}; expected a UTF-8 text report")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ReportError(f"{name} is UTF-16 (byte-order mark {data[:2].hex(' ').upper()}): "
                          "re-save it as UTF-8, e.g. iconv -f utf-16 -t utf-8")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise ReportError(f"{name} looks like a binary file (NUL byte at offset {nul}): expected a UTF-8 text report")


_CONTROL = re.compile(r"[\x01-\x08\x0e-\x1f\x7f]")


def _refuse_control_characters(text: str, name: str) -> None:
    """Text that is mostly control characters is binary data that happened to decode."""
    sample = text[:65536]
    count = len(_CONTROL.findall(sample))
    if count > max(8, len(sample) // 100):
        raise ReportError(f"{name} looks like a binary file ({count} control characters in its first "
                          f"{len(sample)} characters): expected a UTF-8 text report")
