"""Tokens and sentences with exact character offsets.

Everything downstream refers to the report by ``[start, end)`` offsets into
the text as read, so these helpers never alter the text they scan.

Examples
--------
>>> [t.text for t in tokenize("Syria's south, near Al-Qunaytirah.")]
['Syria', 'south', 'near', 'Al', 'Qunaytirah']
>>> text = "Mr. Al Shara met Putin. It rained."
>>> [text[s:e] for s, e in sentence_spans(text)]
['Mr. Al Shara met Putin.', 'It rained.']
>>> sentence_spans("")
[]
>>> re.findall(alternation(["Gaza", "Gaza Strip", "Golan"]), "the Gaza Strip, Gaza and the Golan")
['Gaza Strip', 'Gaza', 'Golan']
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["Token", "tokenize", "sentence_spans", "sentence_index", "alternation"]

# Words, with inner apostrophes kept (Mas'ade, Ma‘loula); a trailing possessive
# ('s, ’s) is left out so that "Syria's" yields the mention "Syria".
_WORD = re.compile(r"\w+(?:['’‘ʼʻ`]\w+)*", re.UNICODE)

_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof gen lt col maj capt sgt st mt ft jr sr no vs etc inc ltd co corp gov sen rep "
    "jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k u.n e.g i.e".split()
)
_NEWLINE = r"(?:\r\n|\r(?!\n)|\n)"  # LF, CRLF or a lone CR (old Mac files)
_SENTENCE_END = re.compile(rf"[.!?]+[\"”’')\]]*(?=\s)|{_NEWLINE}\s*{_NEWLINE}|[\r\n](?=\s*[-*•])")


class Token(NamedTuple):
    """A word of the report and where it sits: ``text == report[start:end]``.

    A named tuple: reports have hundreds of thousands of words, and a tuple is the
    cheapest immutable record Python builds.
    """

    text: str
    start: int
    end: int

    @property
    def is_capitalized(self) -> bool:
        return self.text[:1].isupper()


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Split ``text[start:end]`` into word tokens with offsets into ``text``."""
    tokens = []
    append, new = tokens.append, tuple.__new__  # the tuple built directly: Token() is a Python-level call
    for match in _WORD.finditer(text, start, len(text) if end is None else end):
        word, (s, e) = match.group(), match.span()
        if word[-1] in "sS" and len(word) > 2 and word[-2] in "'’":
            word, e = word[:-2], e - 2
        append(new(Token, (word, s, e)))
    return tokens


def sentence_spans(text: str, start: int = 0) -> list[tuple[int, int]]:
    """Sentence boundaries as ``(start, end)`` pairs, whitespace trimmed.

    A full stop after a known abbreviation ("Mr.", "U.S.") or an initial does
    not end a sentence; blank lines and list bullets always do.
    """
    spans: list[tuple[int, int]] = []
    begin = start
    for match in _SENTENCE_END.finditer(text, start):
        stop = match.end()
        if match.group()[0] == ".":
            # The word the full stop ends (the run of word characters and dots before it), if any.
            stop_at = match.start()
            word_start = stop_at
            while word_start > begin and (text[word_start - 1].isalnum() or text[word_start - 1] in "._"):
                word_start -= 1
            word = text[word_start:stop_at]
            if word and (word.lower() in _ABBREVIATIONS or len(word) == 1):
                continue
        _append_trimmed(text, begin, stop, spans)
        begin = stop
    _append_trimmed(text, begin, len(text), spans)
    return spans


#: A "sentence" longer than this (a run of text without a full stop, such as a
#: list pasted on one line) is split, after a comma, semicolon or colon when
#: there is one in its second half, else at whitespace, so that the sentence
#: each mention quotes, and the work done per sentence, stay bounded: every
#: mention's quote is at most this long, whatever the input. 600 characters
#: is longer than all but 2 of the 12,654 sentences of the LGL and GeoVirus
#: corpora (99.9% are under 430).
MAX_SENTENCE_CHARS = 600
_CLAUSE_END = re.compile(r"[,;:](?=\s)")


def _append_trimmed(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    while end - start > MAX_SENTENCE_CHARS:
        limit = start + MAX_SENTENCE_CHARS
        half = start + MAX_SENTENCE_CHARS // 2
        clause = None
        for clause in _CLAUSE_END.finditer(text, half, limit):
            pass  # the last clause end in the second half
        cut = clause.end() if clause else max(text.rfind(" ", half, limit), text.rfind("\n", half, limit))
        cut = cut if cut > start else limit
        _append_trimmed(text, start, cut, spans)
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        spans.append((start, end))


def sentence_index(spans: list[tuple[int, int]], offset: int) -> int:
    """Index of the sentence containing ``offset`` (or the nearest before it)."""
    lo, hi = 0, len(spans)
    while lo < hi:
        mid = (lo + hi) // 2
        if spans[mid][0] <= offset:
            lo = mid + 1
        else:
            hi = mid
    return max(lo - 1, 0)


def alternation(words) -> str:
    """A regular expression that matches any of ``words``, the longest first where several start alike.

    The same matches as ``"|".join(sorted(words, key=len, reverse=True))``, but built as a tree of
    shared prefixes: Python's regex engine tries the alternatives of a flat list one by one at every
    position of the text, and a tree rejects a position on its first character. The word lists
    (actors, organisations, not-places) have hundreds of entries, so this is what scanning a report
    for them costs.
    """
    tree: dict = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _alternation(tree) or "(?!)"


def _alternation(node: dict) -> str:
    branches = [re.escape(char) + _alternation(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" in node:  # a word ends here: the longer ones are tried first, then this one
        return f"(?:{body})?" if len(branches) == 1 else body + "?"
    return body
