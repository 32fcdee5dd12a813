"""Time to first render of an HTML file in headless Chromium.

Chromium is driven over the DevTools protocol on a pipe
(``--remote-debugging-pipe``: commands on fd 3, replies on fd 4, each a JSON
message ended by a NUL byte), so no port is opened. Every measurement uses a
fresh ``--user-data-dir`` and flags that keep the browser off the network.

The page is opened in a new tab; after its ``load`` event, a script waits for
two animation frames (the first frame that includes everything the load
scripts drew has then been produced) and reports ``performance.now()``,
which counts from the navigation start. That is the *first render* figure;
the browser's own start-up is reported apart.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

__all__ = ["find_chromium", "first_render", "FLAGS"]

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
         "--disable-component-update", "--disable-sync")

_PROBE = """
new Promise(function (resolve) {
  requestAnimationFrame(function () { requestAnimationFrame(function () {
    var nav = performance.getEntriesByType("navigation")[0] || {};
    var paint = {};
    performance.getEntriesByType("paint").forEach(function (e) { paint[e.name] = e.startTime; });
    resolve({
      rendered_ms: performance.now(),
      dom_content_loaded_ms: nav.domContentLoadedEventEnd || null,
      load_ms: nav.loadEventEnd || null,
      first_contentful_paint_ms: paint["first-contentful-paint"] || null,
      markers: document.querySelectorAll(".leaflet-marker-icon.sm-icon").length,
      paths: document.querySelectorAll("path.leaflet-interactive").length,
      labels: document.querySelectorAll(".sm-blabel .sm-blabel-text:not(.sm-hidden)").length,
      features: window.situationMap ? Object.keys(window.situationMap.features).length : null,
      canvas: document.querySelectorAll("canvas").length,
      heap_mb: performance.memory ? performance.memory.usedJSHeapSize / 1048576 : null
    });
  }); });
})
"""


def find_chromium(path: str | None = None) -> str | None:
    for candidate in (path, "/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


class _Pipe:
    def __init__(self, proc, write_fd, read_fd):
        self.proc, self.write_fd, self.read_fd = proc, write_fd, read_fd
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict] = []

    def _read_message(self, deadline: float) -> dict:
        import select

        while b"\0" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self.read_fd], [], [], remaining)
            if ready:
                chunk = os.read(self.read_fd, 1 << 20)
                if not chunk:
                    raise RuntimeError(f"Chromium closed the pipe (exit code {self.proc.poll()})")
                self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 120.0):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self.write_fd, data):]
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method: str, session: str | None, timeout: float = 120.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for i, event in enumerate(self.events):
                if event.get("method") == method and (session is None or event.get("sessionId") == session):
                    return self.events.pop(i)
            self.events.append(self._read_message(deadline))


def _above(fd: int, floor: int = 10) -> int:
    """``fd`` duplicated to a number of at least ``floor`` (the original closed)."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD, floor)
    os.close(fd)
    return high


def first_render(html_path, chromium: str, timeout: float = 180.0) -> dict:
    """Open ``html_path`` in a fresh headless Chromium; timings in seconds and page counts.

    Returns ``startup_s`` (process start to a tab ready), ``first_render_s``
    (navigation start to the first frame after ``load``), ``load_s``,
    ``dom_content_loaded_s``, ``first_contentful_paint_s``, ``wall_s`` (process
    start to that frame), ``markers``/``paths`` drawn by Leaflet as SVG (points on a canvas
    count in ``features`` only), basemap ``labels`` shown, ``canvas`` elements and the JS heap.
    """
    url = Path(html_path).resolve().as_uri()
    profile = tempfile.mkdtemp(prefix="sm-bench-chromium-")
    to_chrome_r, to_chrome_w = os.pipe()
    from_chrome_r, from_chrome_w = os.pipe()
    # The child's ends move above fd 9 first: a process that has closed files gets low numbers back from
    # os.pipe(), and "3<&5 4>&3" would overwrite the reply pipe before moving it to fd 4. bash, not sh:
    # dash takes one-digit fd numbers only ("Bad fd number" in a process with many files open).
    to_chrome_r, from_chrome_w = _above(to_chrome_r), _above(from_chrome_w)
    command = [chromium, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"]
    # Chromium reads commands on fd 3 and writes replies on fd 4.
    shell = 'exec "$@" 3<&{} 4>&{}'.format(to_chrome_r, from_chrome_w)
    started = time.perf_counter()
    proc = subprocess.Popen(["/bin/bash", "-c", shell, "bash", *command], pass_fds=(to_chrome_r, from_chrome_w),
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    os.close(to_chrome_r)
    os.close(from_chrome_w)
    pipe = _Pipe(proc, to_chrome_w, from_chrome_r)
    try:
        target = pipe.call("Target.createTarget", {"url": "about:blank"}, timeout=timeout)["targetId"]
        session = pipe.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        pipe.call("Page.enable", session=session)
        pipe.call("Runtime.enable", session=session)
        ready = time.perf_counter()
        pipe.call("Page.navigate", {"url": url}, session=session, timeout=timeout)
        pipe.wait_event("Page.loadEventFired", session, timeout=timeout)
        result = pipe.call("Runtime.evaluate", {"expression": _PROBE, "awaitPromise": True, "returnByValue": True},
                           session=session, timeout=timeout)
        done = time.perf_counter()
        if "exceptionDetails" in result:
            raise RuntimeError(f"probe failed: {result['exceptionDetails'].get('text')}")
        value = result["result"]["value"]
        errors = [e for e in pipe.events if e.get("method") == "Runtime.exceptionThrown"]
        try:
            pipe.call("Browser.close", timeout=10)
        except Exception:
            pass

        def s(ms):
            return ms / 1000.0 if ms is not None else None

        return {
            "startup_s": ready - started, "first_render_s": s(value["rendered_ms"]), "load_s": s(value["load_ms"]),
            "dom_content_loaded_s": s(value["dom_content_loaded_ms"]),
            "first_contentful_paint_s": s(value["first_contentful_paint_ms"]), "wall_s": done - started,
            "markers": value["markers"], "paths": value["paths"], "heap_mb": value["heap_mb"],
            "labels": value["labels"], "features": value["features"], "canvas": value["canvas"],
            "js_errors": len(errors),
        }
    finally:
        for fd in (to_chrome_w, from_chrome_r):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)  # our own process group (start_new_session), nothing else
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)
