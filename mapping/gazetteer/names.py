"""Name normalisation: the keys under which a place name is looked up.

Two keys, from strict to loose:

- :func:`name_key` ignores what does not distinguish places in English-language
  news: case, diacritics and script (through ``anyascii``'s transliteration),
  apostrophes and hyphens, the Arabic article, French-style "ou" for u.
- :func:`variant_key` also ignores how Arabic, Cyrillic and other names are
  romanised: vowels (Bint Jbeil / Bent Jbail, Dilling / Delling), y for i
  (Kupiansk / Kupyansk), a final h after a vowel (Nabatiyeh / Nabatiye), doubled
  letters, and digraphs with one-letter equivalents (dj/j, kh/h, gh/g, q/k,
  ph/f, w/v, ck/k). It is lossy on purpose: a match through it is weaker
  evidence than a match on :func:`name_key`, and the resolver says so.

Examples
--------
>>> name_key("Ţarţūs") == name_key("Tartus")
True
>>> name_key("Al-Qunaytirah"), name_key("al Qunaytirah"), name_key("Qunaytirah")
('qunaytirah', 'qunaytirah', 'qunaytirah')
>>> name_key("Mas‘ade"), name_key("Mas'ade")
('masade', 'masade')
>>> name_key("As-Suwayda")
'suwayda'
>>> name_key("Tartous") == name_key("Tartus")
True
>>> name_key("Харків")
'kharkiv'
>>> name_key("  ")
''
>>> variant_key("Bint Jbeil") == variant_key("Bent Jbail")
True
>>> variant_key("Nabatiyeh") == variant_key("Nabatiye") == variant_key("Nabatieh")
True
>>> variant_key("Kupiansk") == variant_key("Kupyansk"), variant_key("Dilling") == variant_key("Delling")
(True, True)
>>> variant_key("Idlib") == variant_key("Edlib")
True
>>> variant_key("Gaza")  # too short to match loosely
''
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["name_key", "fold", "word_keys", "join_keys", "variant_key", "VARIANT_MIN_CONSONANTS", "plain_romanisation"]

_APOSTROPHES = dict.fromkeys(map(ord, "'’‘ʼʻʿʾ`´ʹ"), None)
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_/.,]+")
# Arabic definite article in its sun-letter assimilated spellings; only
# removed when written as a separate word or hyphenated prefix, so that
# "Alma" or "Asbury" keep their letters.
_ARTICLES = frozenset({"al", "el", "ad", "ar", "as", "ash", "at", "az", "an", "adh", "ath", "ud", "ul"})
_HYPHEN_ARTICLE = re.compile(r"^(?:al|el|ad|ar|as|ash|at|az|an|adh|ath)-", re.IGNORECASE)


def _transliterate(text: str) -> str:
    try:
        from anyascii import anyascii
    except ImportError:  # without it, diacritics still fold; other scripts stay as they are
        decomposed = unicodedata.normalize("NFKD", text)
        return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return anyascii(text)


#: Countries whose place names GeoNames gives in a scholarly romanisation of Arabic, Persian, Pashto
#: or Hebrew ("Ḩamāh", "Tall Abīb"): its macrons, dots and ayn marks are not written in English.
ROMANISED_SCRIPT_COUNTRIES = frozenset(
    "AE AF BH DZ EG EH IL IQ IR JO KW LB LY MA MR OM PK PS QA SA SD SO SY TD TN YE".split())
_AYN_HAMZA = dict.fromkeys(map(ord, "‘’ʿʾʻʼ"), None)


def plain_romanisation(name: str, country: str | None) -> str:
    """``name`` as English writes it: without the romanisation marks of Arabic-script countries.

    Native Latin spellings keep their letters (Zahlé, São Paulo, Timişoara).

    >>> plain_romanisation("Ḩamāh", "SY"), plain_romanisation("B‘alabak", "LB"), plain_romanisation("Zahlé", "FR")
    ('Hamah', 'Balabak', 'Zahlé')
    """
    if name.isascii() or country not in ROMANISED_SCRIPT_COUNTRIES:
        return name
    decomposed = unicodedata.normalize("NFD", name.translate(_AYN_HAMZA))
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def fold(text: str) -> str:
    """Lower-case ``text``, transliterate it to ASCII and drop apostrophes (length may change)."""
    if not text.isascii():
        text = _transliterate(unicodedata.normalize("NFC", text))
    return text.lower().translate(_APOSTROPHES)


@lru_cache(maxsize=262144)
def word_keys(word: str) -> tuple[str, ...]:
    """The key parts of one written word (a word may split: "Deir-ez-Zor")."""
    # Common transliteration variant: French-style "ou" for Arabic u (Tartous = Tartus).
    return tuple(w.replace("ou", "u") for w in _SEPARATORS.split(fold(word)) if w)


def join_keys(parts) -> str:
    """Join key parts; a lone article ("Al Qunaytirah") is dropped unless it is the whole name."""
    if len(parts) > 1:
        parts = [w for w in parts if w not in _ARTICLES] or parts
    return " ".join(parts)


@lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """The lookup key of a place name (see module docstring)."""
    parts: list[str] = []
    for raw in name.split():
        hyphen_article = _HYPHEN_ARTICLE.match(raw)
        if hyphen_article:
            raw = raw[hyphen_article.end():]
        parts.extend(word_keys(raw))
    return join_keys(parts)


#: A variant key with fewer consonants than this is too unspecific to match on (Gaza, Hama, Homs).
VARIANT_MIN_CONSONANTS = 3
_DIGRAPHS = (("sch", "sh"), ("tch", "ch"), ("dj", "j"), ("kh", "h"), ("gh", "g"), ("ph", "f"), ("ck", "k"),
             ("q", "k"), ("w", "v"), ("y", "i"))
_VOWELS = frozenset("aeiou")
_NOT_LETTER = re.compile(r"[^a-z ]")


@lru_cache(maxsize=262144)
def variant_key(key_or_name: str) -> str:
    """The loose key of a name: romanisation variants collapse (see module docstring).

    Takes a name or a :func:`name_key`; returns ``''`` when the result has
    fewer than :data:`VARIANT_MIN_CONSONANTS` consonants.
    """
    key = _NOT_LETTER.sub("", name_key(key_or_name))
    words = []
    consonants = 0
    for word in key.split():
        for a, b in _DIGRAPHS:
            word = word.replace(a, b)
        if len(word) > 2 and word.endswith("h") and word[-2] in _VOWELS:
            word = word[:-1]  # Nabatiyeh, Hudaydah: the final h is a spelling of the vowel
        out = ["a"] if word[:1] in _VOWELS else []
        previous = ""
        for ch in word:
            if ch in _VOWELS or ch == previous:
                previous = ch
                continue
            out.append(ch)
            previous = ch
            consonants += 1
        if out:
            words.append("".join(out))
    return " ".join(words) if consonants >= VARIANT_MIN_CONSONANTS else ""
