"""Build mapping/data/person_names.tsv: how common a word is as a first name and as a surname.

Recognition uses it as evidence that a capitalised word names a person ("Lincoln",
"Lucy", "Jones") rather than the village GeoNames has of that name. The learned
toponym classifier weighs it with everything else (data/train_models.py).

Source: the frequency lists of the 1990 US Census (first names by sex, surnames;
public domain, US Census Bureau), as shipped in the PyPI package ``names`` (MIT).
US-centric: names from other traditions appear only as far as they are common
in the United States.

Run: ``pip install names && python data/build_person_names.py``
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "mapping" / "data" / "person_names.tsv"
#: Surnames rarer than this share of the population (percent) are left out.
MIN_SURNAME_PERCENT = 0.0005


def read(path: Path) -> dict[str, float]:
    shares = {}
    for line in path.read_text(encoding="ascii").splitlines():
        parts = line.split()
        if len(parts) >= 2:
            shares[parts[0].capitalize()] = float(parts[1])
    return shares


def main() -> None:
    import names

    folder = Path(names.__file__).parent
    first: dict[str, float] = {}
    for sex in ("male", "female"):
        for name, share in read(folder / f"dist.{sex}.first").items():
            first[name] = first.get(name, 0.0) + share / 2
    last = {n: s for n, s in read(folder / "dist.all.last").items() if s >= MIN_SURNAME_PERCENT}
    lines = ["# Share of the US population (percent) with this first name and with this surname, from the 1990 US",
             "# Census name lists (public domain), via the PyPI package names (MIT). Built by data/build_person_names.py.",
             "# name\tfirst\tlast"]
    for name in sorted(set(first) | set(last)):
        lines.append(f"{name}\t{first.get(name, 0.0):.4f}\t{last.get(name, 0.0):.4f}")
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines) - 3} names -> {OUT}")


if __name__ == "__main__":
    main()
