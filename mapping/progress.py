"""A progress bar for long command-line runs (many reports, index builds).

It draws one self-erasing line on a terminal and stays silent otherwise
(pipes, files, ``--quiet``), so logs and captured output never fill with
carriage returns.

Examples
--------
>>> import io
>>> out = io.StringIO()
>>> with Progress(2, "mapping", stream=out, enabled=True) as bar:
...     bar.advance("a.txt")
...     bar.advance("b.txt")
>>> out.getvalue().split("\\r")[3].rstrip()
'mapping [########################] 2/2 b.txt'
>>> with Progress(2, "mapping", stream=io.StringIO()) as bar:  # not a terminal: silent
...     bar.advance()
"""

from __future__ import annotations

import sys

__all__ = ["Progress"]


class Progress:
    """``total`` steps, drawn as ``label [####....] done/total item`` on ``stream`` (stderr)."""

    def __init__(self, total: int, label: str, *, stream=None, enabled: bool | None = None, width: int = 24):
        self.total = max(int(total), 1)
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.enabled = enabled
        self.width = width
        self.done = 0
        self._drawn = 0

    def __enter__(self) -> "Progress":
        self._draw("")
        return self

    def __exit__(self, *exc) -> None:
        if self.enabled and self._drawn:
            self.stream.write("\r" + " " * self._drawn + "\r")
            self.stream.flush()

    def advance(self, item: str = "") -> None:
        """One more step done; ``item`` names it."""
        self.done = min(self.done + 1, self.total)
        self._draw(item)

    def _draw(self, item: str) -> None:
        if not self.enabled:
            return
        filled = self.width * self.done // self.total
        line = f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total} {item[:40]}"
        self.stream.write("\r" + line.ljust(self._drawn))
        self.stream.flush()
        self._drawn = max(self._drawn, len(line))
