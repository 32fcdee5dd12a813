"""The data files shipped inside the package (``mapping/data/``), read through ``importlib.resources``.

One place reads them, so that a file broken by a bad edit or a partial install
fails with a message that names the file and says how to fix it, not with a
bare ``JSONDecodeError`` from deep inside a pipeline stage.

Examples
--------
>>> sorted(package_json("neighbours.json"))
['about', 'neighbours']
>>> package_lines("common_words.txt")[0].isalpha()
True
>>> package_json("no-such-file.json")
Traceback (most recent call last):
...
mapping.errors.DataFileError: mapping/data/no-such-file.json: the file is missing: reinstall situation-map (pip install --force-reinstall .)
"""

from __future__ import annotations

import json
from importlib import resources

from .errors import DataFileError

__all__ = ["package_json", "package_lines", "learned_model"]

_REINSTALL = "reinstall situation-map (pip install --force-reinstall .)"


def _read_text(parts: tuple[str, ...]) -> str:
    path = resources.files("mapping").joinpath("data", *parts)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataFileError(f"mapping/data/{'/'.join(parts)}: the file is missing: {_REINSTALL}") from None
    except UnicodeDecodeError as err:
        raise DataFileError(f"mapping/data/{'/'.join(parts)}: expected UTF-8 text, byte {err.start} is not: "
                            f"{_REINSTALL}") from None


def package_json(*parts: str):
    """The parsed JSON file ``mapping/data/<parts>``; :class:`~mapping.errors.DataFileError` names the file
    and the line when it is missing or malformed."""
    text = _read_text(parts)
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise DataFileError(f"mapping/data/{'/'.join(parts)}: line {err.lineno}, column {err.colno}: expected "
                            f"JSON: {err.msg}: {_REINSTALL}") from None


def package_lines(*parts: str) -> list[str]:
    """The lines of the text file ``mapping/data/<parts>``, without blank lines and ``#`` comments."""
    return [line for line in _read_text(parts).splitlines() if line and not line.startswith("#")]


def learned_model(name: str, neutral: dict) -> dict:
    """The learned weights ``mapping/data/models/<name>`` (written by ``data/train_models.py``), or
    ``neutral`` while that script fits the first model and the file does not exist yet."""
    if not resources.files("mapping").joinpath("data", "models", name).is_file():
        return neutral
    return package_json("models", name)
