"""Static images of the map: the standalone HTML page rendered by headless Chromium.

The same browser the tests use draws the page, so the picture is what a reader
sees. Chromium is found on ``PATH`` (``chromium``, ``chromium-browser``,
``google-chrome``...) or given by the ``SITUATION_MAP_CHROMIUM`` environment
variable; nothing is downloaded, and the page itself makes no request.

>>> parse_size("1600x1000")
(1600, 1000)
>>> parse_size("wide")
Traceback (most recent call last):
...
mapping.errors.RenderError: image size 'wide' is not WIDTHxHEIGHT: expected e.g. 1600x1000 (each 200..8000 pixels)
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from ..errors import RenderError

__all__ = ["find_chromium", "save_png", "html_to_png", "parse_size", "CHROMIUM_NAMES", "CHROMIUM_FLAGS"]

#: Executable names tried on PATH, in order.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
#: Flags for a quiet, isolated, offline-friendly headless run.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
                  "--disable-component-update", "--disable-sync", "--disable-extensions", "--hide-scrollbars",
                  "--mute-audio", "--no-default-browser-check")


def find_chromium() -> str:
    """The Chromium (or Chrome) executable to use, or a :class:`RenderError` saying how to get one."""
    configured = os.environ.get("SITUATION_MAP_CHROMIUM")
    if configured:
        path = shutil.which(configured)
        if path is None:
            raise RenderError(f"SITUATION_MAP_CHROMIUM={configured!r} is not an executable: "
                              "set it to the path of chromium or google-chrome")
        return path
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    raise RenderError("PNG output needs Chromium or Chrome, and none was found on PATH (looked for "
                      f"{', '.join(CHROMIUM_NAMES)}): install it (Debian/Ubuntu: apt-get install chromium) "
                      "or set SITUATION_MAP_CHROMIUM to the browser's path")


def parse_size(text: str) -> tuple[int, int]:
    """``"WIDTHxHEIGHT"`` as a pair of pixel counts."""
    match = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", str(text))
    size = (int(match.group(1)), int(match.group(2))) if match else None
    if size is None or not all(200 <= v <= 8000 for v in size):
        raise RenderError(f"image size {text!r} is not WIDTHxHEIGHT: expected e.g. 1600x1000 (each 200..8000 pixels)")
    return size


def html_to_png(html_path, png_path, *, size=(1600, 1000), scale: float = 1.0, timeout: float = 90.0) -> Path:
    """Render the HTML file ``html_path`` in headless Chromium and write a PNG to ``png_path``.

    ``size`` is the window in CSS pixels; ``scale`` the device pixel ratio (2 for
    sharp slides). The PNG appears only when complete; a failure leaves no file.
    """
    html_path = Path(html_path).resolve()
    if not html_path.is_file():
        raise RenderError(f"no HTML file to render at {str(html_path)!r}")
    width, height = size
    chromium = find_chromium()
    with tempfile.TemporaryDirectory(prefix="situation-map-png-") as tmp:
        shot = Path(tmp) / "shot.png"
        command = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={Path(tmp) / 'profile'}",
                   f"--window-size={width},{height}", f"--force-device-scale-factor={scale:g}",
                   "--virtual-time-budget=5000", f"--screenshot={shot}", html_path.as_uri()]
        # A session of its own, so that on a timeout the browser and its helpers stop together.
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
        try:
            _, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise RenderError(f"Chromium did not finish the screenshot within {timeout:g} s ({chromium})") from exc
        if not shot.is_file() or shot.read_bytes()[:8] != b"\x89PNG\r\n\x1a\n":
            lines = [line for line in err.decode("utf-8", "replace").splitlines() if "dbus" not in line.lower()]
            detail = lines[-1].strip() if lines else f"exit status {process.returncode}"
            raise RenderError(f"Chromium wrote no screenshot ({chromium}): {detail}")
        from ..io import write_atomic

        return write_atomic(png_path, shot.read_bytes())


def save_png(situation, png_path, *, html_path=None, size=(1600, 1000), scale: float = 1.0, **options) -> Path:
    """Write a PNG of the situation map; ``html_path`` reuses an HTML file already written."""
    if html_path is not None:
        return html_to_png(html_path, png_path, size=size, scale=scale)
    find_chromium()  # fail before rendering when there is no browser
    with tempfile.TemporaryDirectory(prefix="situation-map-html-") as tmp:
        page = situation.save_html(Path(tmp) / "map.html", **options)
        return html_to_png(page, png_path, size=size, scale=scale)
