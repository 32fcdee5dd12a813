"""Build mapping/data/country_info.json: the demonyms and the capital of every country.

Source: the PyPI package ``countryinfo`` (MIT licence; its data derive from the
REST Countries project). Its conventional points (``latlng``) become the
countries' label points in the world pack (``data/build_packs.py``). A capital is the seat of
government by which news names a state ("Islamabad denies"): the actors registry makes it the
country's seat (``mapping.language.actors``).
Build-time only: ``pip install countryinfo && python data/build_country_info.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main():
    from countryinfo import all_countries

    records = {}
    for info in (c.info() for c in all_countries()):
        iso = (info.get("ISO") or {}).get("alpha2")
        if not iso:
            continue
        demonym = (info.get("demonym") or "").strip()
        records[iso] = {
            "name": info.get("name"),
            "demonyms": [d.strip() for d in demonym.split(",") if d.strip()] if demonym else [],
        }
        capital = info.get("capital") or ""
        capital = (capital[0] if isinstance(capital, list) and capital else capital or "").strip()
        if capital:
            records[iso]["capital"] = capital
    out = ROOT / "mapping" / "data" / "country_info.json"
    data = {"description": "Country demonyms and capitals, from the countryinfo package (MIT; REST Countries data).",
            "countries": records}
    out.write_text(json.dumps(data, ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(records)} countries -> {out}")


if __name__ == "__main__":
    main()
