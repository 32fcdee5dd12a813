"""The HTML map in a real browser: headless Chromium driven by selenium.

Skips when selenium, Chromium or chromedriver is missing. Every page is checked
for console errors and for requests leaving the file; screenshots go to
``test-artifacts/browser/`` (or ``$SITUATION_MAP_ARTIFACTS``).
"""

import json
import os
import shutil
import time
from pathlib import Path

import pytest

import mapping

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("SITUATION_MAP_ARTIFACTS", ROOT / "test-artifacts")) / "browser"
CHROMIUM = os.environ.get("SITUATION_MAP_CHROMIUM") or next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
CHROMEDRIVER = os.environ.get("SITUATION_MAP_CHROMEDRIVER") or shutil.which("chromedriver")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
         "--disable-component-update", "--disable-sync", "--disable-extensions", "--disable-dev-shm-usage"]

XSS_TITLE = "<script>window.__xss='title'</script> {{ 7*7 }} \"Bulletin\""
XSS_SOURCE = "<img src=x onerror=\"window.__xss='source'\">"
XSS = (" date 2025-11-18 <script>window.__xss='script'</script> Israeli troops set up a checkpoint near Quneitra "
       "<img src=x onerror=\"window.__xss='img'\"> </script><svg onload=\"window.__xss='svg'\"> {{ 7*7 }} {% raw %} "
       "{# c #} `${window.__xss='template'}` \"double\" 'single' – ünïcödé العربية 🚩, "
       "in the village of Zzyzxabad <b>Bold</b>.\n\nA second paragraph names Damascus </textarea></title>.")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not CHROMIUM or not CHROMEDRIVER:
        pytest.skip("Chromium and chromedriver are needed for browser tests (Debian: apt-get install chromium chromium-driver)")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.add_argument("--window-size=1400,900")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    try:
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    except Exception as err:  # a broken local install is a skip, not a failure of the map
        pytest.skip(f"could not start headless Chromium: {err}")
    # Belt and braces: even if a page asked for the network, nothing would leave the machine.
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["http://*", "https://*", "ws://*", "wss://*", "ftp://*"]})
    yield driver
    driver.quit()


class Page:
    """A map page open in the browser, with what it logged and requested while loading."""

    def __init__(self, driver, path: Path):
        driver.get_log("browser"), driver.get_log("performance")  # drop what earlier pages left
        self.driver, self.path, self.url = driver, path, path.resolve().as_uri()
        started = time.perf_counter()
        driver.get(self.url)
        self.wait("return !!(window.situationMap && window.situationMap.ready)")
        self.load_seconds = time.perf_counter() - started
        self.console = driver.get_log("browser")
        self.requests = self._requests()

    def _requests(self) -> list[str]:
        urls = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                urls.append(message["params"]["request"]["url"])
        return urls

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def wait(self, script, timeout=10.0, *args):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.driver.execute_script(script, *args)
            if value:
                return value
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for: {script}")

    def errors(self) -> list[dict]:
        return [e for e in self.console + self.driver.get_log("browser") if e["level"] == "SEVERE"]

    def outside_requests(self) -> list[str]:
        return [u for u in self.requests + self._requests() if u != self.url and not u.startswith("data:")]

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / name
        self.driver.save_screenshot(str(path))
        return path

    def popup_title(self) -> str:
        return self.wait("var t = document.querySelector('.leaflet-popup .sm-popup-title'); return t && t.textContent;")

    def click_mention(self, key: str):
        """Click the first mention in the text linked to feature ``key``."""
        from selenium.webdriver.common.by import By

        mark = self.driver.find_element(By.CSS_SELECTOR, f'.sm-text mark[data-f~="{key}"]')
        self.js("arguments[0].scrollIntoView({block: 'center'});", mark)
        mark.click()
        return mark


def _features(page) -> dict:
    """The features the page registered: key -> name, layer index, point or not."""
    return page.js("""
        var out = {};
        for (var k in situationMap.features) {
            var f = situationMap.features[k];
            out[k] = {name: f.layer.feature.properties.name, layer: f.index, point: !!f.layer.getLatLng,
                      mentions: document.querySelectorAll('.sm-text mark[data-f~="' + k + '"]').length};
        }
        return out;""")


def _write(situation, tmp_path, name="map.html") -> Path:
    return situation.save_html(tmp_path / name)


def _expected(situation):
    drawn = [f for f in situation.features if not f.context]
    layers = [l for l in situation.layers if any(not f.context for f in l.features)]
    return drawn, layers


def _check_clean(page):
    assert page.errors() == [], page.errors()
    assert page.outside_requests() == [], page.outside_requests()


def _check_rendered(page, situation):
    drawn, layers = _expected(situation)
    features = _features(page)
    assert len(features) == len(drawn)
    assert sorted(f["name"] for f in features.values()) == sorted(f.name for f in drawn)
    points = sum(f.geometry.geom_type == "Point" for f in drawn)
    assert page.js("return document.querySelectorAll('.leaflet-marker-icon.sm-icon:not(.sm-center)').length") == points
    assert page.js("return document.querySelectorAll('path.leaflet-interactive').length") >= len(drawn) - points
    # One checkbox per actor layer, no radio buttons (no competing base layers).
    assert page.js("return document.querySelectorAll('.leaflet-control-layers-overlays input[type=checkbox]').length") == len(layers)
    assert page.js("return document.querySelectorAll('.leaflet-control-layers input[type=radio]').length") == 0
    labels = page.js("return Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label')).map(l => l.textContent)")
    assert [label.split()[0] for label in labels] == [layer.name.split()[0] for layer in layers]
    # Every drawn feature is reachable from the text.
    assert all(f["mentions"] >= 1 for f in features.values()), features


def test_example_map_renders_offline_without_errors(browser, example_text, tmp_path):
    situation = mapping.map_report(example_text, title="Example briefing", source="situation-map")
    page = Page(browser, _write(situation, tmp_path))
    _check_clean(page)
    _check_rendered(page, situation)
    assert page.js("return document.title") == "Example briefing"
    assert page.js("return document.querySelector('.sm-panel .sm-title').textContent") == "Example briefing"
    page.screenshot("example-map.png")


def test_seed_map_renders_offline_without_errors(browser, seed_situation, tmp_path):
    page = Page(browser, _write(seed_situation, tmp_path, "seed.html"))
    _check_clean(page)
    _check_rendered(page, seed_situation)
    figures = {"html_bytes": page.path.stat().st_size, "load_seconds": round(page.load_seconds, 3),
               "ready_ms_after_navigation": round(page.js("return situationMap.readyAt"), 1)}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "seed-figures.json").write_text(json.dumps(figures, indent=1))
    assert figures["html_bytes"] < 1_000_000
    assert page.screenshot("seed-map.png").stat().st_size > 10_000


def test_clicking_a_mention_flies_to_the_feature_and_opens_its_popup(browser, example_text, tmp_path):
    situation = mapping.map_report(example_text, title="Example")
    page = Page(browser, _write(situation, tmp_path))
    features = _features(page)
    zoom_before = page.js("return situationMap.map.getZoom()")
    for key, feature in features.items():
        page.click_mention(key)
        if page.js(f'return document.querySelector(\'.sm-text mark[data-f~="{key}"]\').getAttribute("data-f").split(" ")[0]') != key:
            continue  # a mention shared by several features opens the first one first (tested below)
        title = page.popup_title()
        page.wait("var t = document.querySelector('.leaflet-popup .sm-popup-title'); return t && t.textContent === arguments[0];",
                  10, feature["name"])
        assert page.popup_title() == feature["name"]
        # The popup belongs to the feature clicked, and the map shows it.
        assert page.js("var f = situationMap.features[arguments[0]]; return f.layer.isPopupOpen();", key)
        in_view = page.js("""var f = situationMap.features[arguments[0]], m = situationMap.map;
            var ll = f.layer.getLatLng ? f.layer.getLatLng() : f.layer.getBounds().getCenter();
            return m.getBounds().pad(0.05).contains(ll);""", key)
        assert in_view, (key, title)
    points = [k for k, f in features.items() if f["point"]]
    assert points
    # From far away: the map flies to the place, zooms in, then opens the popup.
    page.js("situationMap.map.closePopup(); situationMap.map.setView([20, 10], 3, {animate: false});")
    page.click_mention(points[0])
    page.wait("return situationMap.features[arguments[0]].layer.isPopupOpen();", 10, points[0])
    assert page.popup_title() == features[points[0]]["name"]
    assert page.js("return situationMap.map.getZoom()") >= max(8, zoom_before)
    assert page.js("var m = situationMap.map; return m.getBounds().contains(situationMap.features[arguments[0]].layer.getLatLng());", points[0])
    # A row of the dated events list does the same.
    row = page.driver.find_element("css selector", ".sm-events li[data-f]")
    first = row.get_attribute("data-f").split()[0]
    page.js("situationMap.map.closePopup(); arguments[0].scrollIntoView({block: 'center'});", row)
    row.click()
    page.wait("return situationMap.features[arguments[0]].layer.isPopupOpen();", 10, first)
    _check_clean(page)


def test_clicking_a_feature_highlights_and_scrolls_to_its_mentions(browser, seed_situation, tmp_path):
    from selenium.webdriver.common.by import By

    page = Page(browser, _write(seed_situation, tmp_path, "seed.html"))
    features = _features(page)
    # The last-mentioned point feature, so that its mention starts out of the text's view.
    key = max((k for k, f in features.items() if f["point"]),
              key=lambda k: page.js(f'return document.querySelector(\'.sm-text mark[data-f~="{k}"]\').offsetTop'))
    page.js("document.getElementById('sm-body').scrollTop = 0;")
    icon = page.js("return situationMap.features[arguments[0]].layer.getElement();", key)
    page.js("situationMap.map.setView(situationMap.features[arguments[0]].layer.getLatLng(), 9, {animate: false});", key)
    browser.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}));", icon)
    assert page.popup_title() == features[key]["name"]
    active = browser.find_elements(By.CSS_SELECTOR, ".sm-text mark.sm-active")
    assert active and all(key in m.get_attribute("data-f").split() for m in active)
    assert len(active) == features[key]["mentions"]
    # The text scrolled so that the first mention is visible.
    page.wait("""var box = document.getElementById('sm-body').getBoundingClientRect();
        var r = document.querySelector('.sm-text mark.sm-active').getBoundingClientRect();
        return r.top >= box.top && r.bottom <= box.bottom;""", 5)
    page.js("situationMap.map.closePopup();")
    assert browser.find_elements(By.CSS_SELECTOR, ".sm-text mark.sm-active") == []
    _check_clean(page)


def test_a_mention_of_several_features_cycles_through_them(browser, seed_situation, tmp_path):
    page = Page(browser, _write(seed_situation, tmp_path, "seed.html"))
    shared = page.js("var m = document.querySelector('.sm-text mark[data-n]'); return m && m.getAttribute('data-f').split(' ');")
    if not shared:
        pytest.skip("no mention names several features in this report")
    names = _features(page)
    page.js("arguments[0].scrollIntoView({block: 'center'});", page.driver.find_element("css selector", ".sm-text mark[data-n]"))
    seen = []
    for key in shared:
        page.driver.find_element("css selector", ".sm-text mark[data-n]").click()
        page.wait("return situationMap.features[arguments[0]].layer.isPopupOpen();", 10, key)
        seen.append(page.popup_title())
    assert seen == [names[k]["name"] for k in shared]
    _check_clean(page)


def test_hiding_a_layer_greys_its_mentions_and_a_click_shows_it_again(browser, example_text, tmp_path):
    from selenium.webdriver.common.by import By

    situation = mapping.map_report(example_text)
    page = Page(browser, _write(situation, tmp_path))
    features = _features(page)
    key, feature = next((k, f) for k, f in features.items() if f["layer"] == 0)
    box = browser.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers-overlays input[type=checkbox]")[0]
    box.click()
    assert not box.is_selected()
    assert "sm-off-0" in page.js("return document.getElementById('sm-panel').className")
    color = page.js(f"return getComputedStyle(document.querySelector('.sm-text mark[data-f~=\"{key}\"]')).backgroundColor")
    assert color in ("rgba(0, 0, 0, 0)", "transparent")
    page.click_mention(key)
    page.wait("return situationMap.features[arguments[0]].layer.isPopupOpen();", 10, key)
    box = browser.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers-overlays input[type=checkbox]")[0]
    assert box.is_selected()
    assert page.js("return document.querySelectorAll('.leaflet-control-layers .sm-control-h').length") == 1
    assert "sm-off-0" not in page.js("return document.getElementById('sm-panel').className")
    _check_clean(page)


def test_report_text_is_inert_in_the_browser(browser, tmp_path):
    situation = mapping.map_report(XSS, title=XSS_TITLE, source=XSS_SOURCE, url="javascript:window.__xss='url'")
    page = Page(browser, _write(situation, tmp_path, "xss.html"))
    assert page.js("return window.__xss === undefined")
    assert page.js("return document.querySelectorAll('img[src=x], svg[onload], .sm-panel b, .leaflet-popup b').length") == 0
    assert page.js("return document.title") == XSS_TITLE
    panel = page.js("return document.getElementById('sm-panel').textContent")
    for text in ("<script>window.__xss='script'</script>", "<img src=x onerror=", "{{ 7*7 }}", "{% raw %}", "{# c #}",
                 "`${window.__xss='template'}`", "\"double\" 'single'", "ünïcödé العربية 🚩", "<b>Bold</b>",
                 "</textarea></title>", XSS_TITLE, XSS_SOURCE):
        assert text in panel, text
    assert page.js("return document.querySelector('.sm-panel a')") is None  # the javascript: link was refused
    # Unresolved and mapped mentions are marked in the text.
    assert "Zzyzxabad" in page.js("return Array.from(document.querySelectorAll('.sm-text mark.sm-unres')).map(m => m.textContent)")
    checkpoint = next(f for f in situation.features if f.kind == "checkpoint")
    key = next(k for k, f in _features(page).items() if f["name"] == checkpoint.name)
    page.click_mention(key)
    assert page.popup_title() == checkpoint.name
    popup = page.js("return document.querySelector('.leaflet-popup-content').textContent")
    assert "<script>window.__xss='script'</script>" in popup and "<img src=x onerror=" in popup
    tooltip = page.js("""var f = situationMap.features[arguments[0]], l = f.center || f.layer;
        l.fire('mouseover', {latlng: l.getLatLng ? l.getLatLng() : l.getBounds().getCenter()});
        var t = l.getTooltip(); return t && t.getElement() && t.getElement().innerHTML;""", key)
    assert tooltip and "<img" not in tooltip and "<script" not in tooltip
    time.sleep(0.3)
    assert page.js("return window.__xss === undefined")
    page.screenshot("xss-map.png")
    _check_clean(page)


def test_phone_sized_window_folds_the_text(browser, example_text, tmp_path):
    situation = mapping.map_report(example_text, title="Example")
    path = _write(situation, tmp_path)
    browser.set_window_size(420, 860)
    try:
        page = Page(browser, path)
        assert page.js("return getComputedStyle(document.getElementById('sm-body')).display") == "none"
        assert page.js("return getComputedStyle(document.getElementById('sm-toggle')).display") != "none"
        map_height = page.js("return situationMap.map.getSize().y")
        assert map_height > 500
        page.screenshot("phone-folded.png")
        page.driver.find_element("id", "sm-toggle").click()
        page.wait("return getComputedStyle(document.getElementById('sm-body')).display !== 'none'")
        assert page.js("return document.getElementById('sm-toggle').getAttribute('aria-expanded')") == "true"
        # The map shrank to make room and Leaflet knows its new size.
        page.wait("return situationMap.map.getSize().y === situationMap.map.getContainer().clientHeight")
        assert page.js("return situationMap.map.getSize().y") < map_height
        page.screenshot("phone-open.png")
        _check_clean(page)
    finally:
        browser.set_window_size(1400, 900)


def test_a_report_with_nothing_to_draw_still_opens_cleanly(browser, tmp_path):
    situation = mapping.map_report("Leaders met somewhere in Europe to talk about the village of Zzyzxabad.")
    assert not [f for f in situation.features if not f.context]
    page = Page(browser, _write(situation, tmp_path, "empty.html"))
    _check_clean(page)
    assert _features(page) == {}
    marks = page.js("return Array.from(document.querySelectorAll('.sm-text mark')).map(m => [m.className, m.textContent])")
    assert ["sm-unres", "Zzyzxabad"] in marks and ["sm-ctx", "Europe"] in marks
    assert page.js("return document.getElementById('sm-legend')") is None


# -- a map an analyst can read at a glance (issue 14), for a report outside Syria and for the seed ----

SUDAN = ROOT / "data" / "examples" / "sudan-briefing.txt"
PHONE = (390, 844)
DESKTOP = (1400, 900)


@pytest.fixture(scope="module")
def sudan_situation():
    return mapping.map_file(SUDAN, source="situation-map example")


@pytest.fixture(params=["sudan", "seed"])
def case(request):
    """(name, situation): the report outside Syria, and the user's seed report (skipped when absent)."""
    fixture = "sudan_situation" if request.param == "sudan" else "seed_situation"
    return request.param, request.getfixturevalue(fixture)


_VISIBLE_LABELS = """
    var frame = situationMap.map.getContainer().getBoundingClientRect(), out = [];
    var add = function (el, kind, minzoom) {
        if (el.closest('.sm-off') || el.classList.contains('sm-hidden') || !el.isConnected) { return; }
        var r = el.getBoundingClientRect();
        if (r.width === 0 || r.right < frame.left || r.left > frame.right || r.bottom < frame.top || r.top > frame.bottom) { return; }
        out.push({text: el.textContent, kind: kind, minzoom: minzoom, l: r.left, t: r.top, r: r.right, b: r.bottom});
    };
    situationMap.blabels.forEach(function (l) { if (l.marker && l.marker._map) { add(l.el, 'basemap-' + l.cls, l.minzoom); } });
    situationMap.flabels.forEach(function (l) { if (l.marker._map) { add(l.el, l.area ? 'area' : 'feature', null); } });
    return out;"""


def _overlaps(boxes, slack=0.5):
    pairs = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if a["l"] + slack < b["r"] and b["l"] + slack < a["r"] and a["t"] + slack < b["b"] and b["t"] + slack < a["b"]:
                pairs.append((a["text"], b["text"]))
    return pairs


def _settle(page):
    """Wait until the labels and spread markers are laid out for the current view."""
    page.js("situationMap.relayout();")
    page.wait("return new Promise(function (ok) { requestAnimationFrame(function () { requestAnimationFrame(function () { ok(true); }); }); });")


def _sized(browser, size):
    browser.set_window_size(*size)


def test_labels_exist_do_not_overlap_and_multiply_when_zooming_in(browser, case, tmp_path):
    name, situation = case
    page = Page(browser, _write(situation, tmp_path, f"{name}.html"))
    _settle(page)
    labels = page.js(_VISIBLE_LABELS)
    basemap = [l for l in labels if l["kind"].startswith("basemap")]
    assert len(basemap) >= 8, labels
    assert any(l["kind"] == "basemap-country" for l in basemap)
    assert any(l["kind"] in ("feature", "area") for l in labels)  # the mapped features are named too
    assert _overlaps(labels) == []
    tiers = {l["minzoom"] for l in basemap}
    zoom = page.js("return situationMap.map.getZoom()")
    for step in (1, 2):
        page.js("situationMap.map.setZoom(arguments[0], {animate: false});", zoom + step)
        _settle(page)
        labels = page.js(_VISIBLE_LABELS)
        assert _overlaps(labels) == [], step
        tiers |= {l["minzoom"] for l in labels if l["kind"].startswith("basemap")}
        # Zooming in brings names that the wider view left out.
        assert any(l["minzoom"] is not None and l["minzoom"] > zoom for l in labels), step
    assert len(tiers) >= 3
    _check_clean(page)


def _marker_boxes(page):
    return page.js("""
        return situationMap.points.filter(function (m) { return m._map && m._icon; }).map(function (m) {
            var r = m._icon.querySelector('svg').getBoundingClientRect(), ll = m.getLatLng();
            return {text: m.options.title, at: [ll.lat, ll.lng], l: r.left, t: r.top, r: r.right, b: r.bottom};
        });""")


def test_stacked_markers_spread_apart(browser, case, tmp_path):
    from dataclasses import replace

    from mapping import read_report
    from mapping.pipeline import map_reports

    name, situation = case
    # A merged map of the same report three times: one marker per place, corroborated by three reports.
    report = situation.report
    copies = [read_report(report.text, title=f"{name} copy {i}", source=report.source) for i in range(3)]
    merged = map_reports(copies)
    # Three features moved onto one point, as distinct events at one town are.
    points = [f for f in merged.features if not f.context and f.geometry.geom_type == "Point"]
    assert len(points) >= 3
    stacked = {id(f): replace(f, geometry=points[0].geometry) for f in points[:3]}
    merged = replace(merged, features=tuple(stacked.get(id(f), f) for f in merged.features))
    page = Page(browser, _write(merged, tmp_path, f"{name}-merged.html"))
    _settle(page)
    boxes = _marker_boxes(page)
    at = {}
    for box in boxes:
        at.setdefault(tuple(box["at"]), []).append(box)
    assert max(len(v) for v in at.values()) >= 3
    assert _overlaps(boxes, slack=1) == []
    assert page.js("return document.querySelectorAll('.sm-spread .sm-leg').length") >= 3  # legs back to the place
    header = page.js("return Array.from(document.querySelectorAll('.sm-reports li')).map(function (l) { return l.textContent; })")
    assert [h.split()[:3] for h in header] == [[name, "copy", str(i)] for i in range(3)]  # every report in the header
    page.screenshot(f"{name}-merged-spread.png")
    page.js("situationMap.map.setZoom(situationMap.map.getZoom() + 2, {animate: false});")
    _settle(page)
    assert _overlaps(_marker_boxes(page), slack=1) == []
    _check_clean(page)


def test_confidence_bands_look_different(browser, case, tmp_path):
    from dataclasses import replace

    from mapping.output.render import _broad

    name, situation = case
    levels = (0.95, 0.7, 0.52)
    features = []
    drawn = 0
    for f in situation.features:
        if not f.context and not _broad(f):
            f = replace(f, confidence=levels[drawn % 3])
            drawn += 1
        features.append(f)
    page = Page(browser, _write(replace(situation, features=tuple(features)), tmp_path, f"{name}-bands.html"))
    bands = page.js("""
        var out = {};
        for (var k in situationMap.features) {
            var f = situationMap.features[k], p = f.layer.feature.properties, m = f.center || f.layer, style = null;
            if (m._icon) {
                var svg = m._icon.querySelector('svg'), disc = svg.querySelector('circle');
                style = [svg.getAttribute('class'), disc.getAttribute('fill'), disc.getAttribute('stroke-dasharray') || ''];
            } else if (f.layer._path && (situationMap.symbols[p._st] || {}).stroke !== false) {
                // Outlined areas and lines (mentioned regions are faint fills: their doubt is in the popup).
                var path = f.layer._path;
                style = ['path', path.getAttribute('stroke-dasharray') || '', path.getAttribute('fill-opacity') || ''];
            }
            if (style) { (out[p.c] = out[p.c] || []).push(style); }
        }
        return out;""")
    styles = {float(c): {tuple(s) for s in v} for c, v in bands.items()}
    assert set(levels) <= set(styles), styles
    values = [styles[c] for c in levels]
    assert not (values[0] & values[1]) and not (values[1] & values[2]) and not (values[0] & values[2]), styles
    legend = page.js("return Array.from(document.querySelectorAll('.sm-legend-row')).map(function (r) { return r.textContent; })")
    assert sum(("Confident" in r) or ("Probable" in r) or ("Uncertain" in r) for r in legend) == 3
    # The popup says what the place is and how sure the tool is.
    key = next(k for k, f in _features(page).items() if f["point"])
    page.js("situationMap.open(arguments[0]);", key)
    text = page.wait("var p = document.querySelector('.leaflet-popup .sm-conf'); return p && p.textContent;")
    assert any(word in text for word in ("confident", "probable", "uncertain"))
    page.screenshot(f"{name}-confidence.png")
    _check_clean(page)


def _set_range(page, first, last):
    page.js("""var a = document.getElementById('sm-from'), b = document.getElementById('sm-to');
        a.value = arguments[0]; a.dispatchEvent(new Event('input')); b.value = arguments[1]; b.dispatchEvent(new Event('input'));""",
            first, last)


def test_timeline_hides_features_outside_the_chosen_days(browser, case, tmp_path):
    name, situation = case
    page = Page(browser, _write(situation, tmp_path, f"{name}.html"))
    dated = page.js("""var out = {}; for (var k in situationMap.features) { var w = situationMap.features[k].layer.feature.properties.w;
        if (w) { out[k] = [w[1], w[2]]; } } return out;""")
    days = sorted({d for span in dated.values() for d in span})
    if len(days) < 2:
        pytest.skip("fewer than two dated days on this map")
    assert page.js("return !!document.getElementById('sm-timeline')")
    day = max(dated.values(), key=lambda s: s[0])[0]  # the latest start: some features end before it
    _set_range(page, day, day)
    on_map = page.js("""var out = {}; for (var k in situationMap.features) { out[k] = !!situationMap.features[k].layer._map; } return out;""")
    for key, (first, last) in dated.items():
        assert on_map[key] == (first <= day <= last), (key, first, last, day)
    assert any(not on_map[k] for k in dated)
    assert page.js("return document.querySelectorAll('.sm-text mark.sm-filtered').length") > 0
    page.js("var u = document.getElementById('sm-undated'); u.checked = false; u.dispatchEvent(new Event('change'));")
    assert all(not v for k, v in page.js(
        "var out = {}; for (var k in situationMap.features) { out[k] = !!situationMap.features[k].layer._map; } return out;").items()
        if k not in dated)
    page.screenshot(f"{name}-timeline.png")
    # A click on a mention of a hidden feature widens the range to show it.
    hidden, mark = next((k, m) for k in dated if not on_map[k]
                        for m in page.driver.find_elements("css selector", f'.sm-panel [data-f^="{k}"]'))  # its own first
    page.js("arguments[0].scrollIntoView({block: 'center'});", mark)
    mark.click()
    page.wait("return situationMap.features[arguments[0]].layer.isPopupOpen();", 10, hidden)
    _check_clean(page)


def test_phone_popup_fits_and_the_flown_to_feature_is_not_behind_the_panel(browser, case, tmp_path):
    name, situation = case
    path = _write(situation, tmp_path, f"{name}.html")
    _sized(browser, PHONE)
    try:
        page = Page(browser, path)
        page.screenshot(f"{name}-phone.png")
        page.driver.find_element("id", "sm-toggle").click()
        page.wait("return getComputedStyle(document.getElementById('sm-body')).display !== 'none'")
        features = _features(page)
        key = max(features, key=lambda k: (features[k]["mentions"], features[k]["point"]))
        page.click_mention(key)
        page.wait("return situationMap.features[arguments[0]].layer.isPopupOpen();", 10, key)
        time.sleep(0.4)  # the pan that brings the popup into view
        fit = page.js("""
            var map = situationMap.map.getContainer().getBoundingClientRect();
            var popup = document.querySelector('.leaflet-popup').getBoundingClientRect();
            var f = situationMap.features[arguments[0]], t = f.center || f.layer;
            var ll = t.getLatLng ? t.getLatLng() : (f.anchor ? L.latLng(f.anchor[0], f.anchor[1]) : t.getBounds().getCenter());
            var p = situationMap.map.latLngToContainerPoint(ll);
            return {map: [map.left, map.top, map.right, map.bottom], popup: [popup.left, popup.top, popup.right, popup.bottom],
                    point: [map.left + p.x, map.top + p.y], vw: window.innerWidth, vh: window.innerHeight,
                    panel: document.getElementById('sm-panel').getBoundingClientRect().top,
                    controls: Math.max.apply(null, Array.from(document.querySelectorAll('.leaflet-top .leaflet-control'))
                        .map(function (c) { return c.getBoundingClientRect().bottom; }))};""", key)
        left, top, right, bottom = fit["map"]
        pl, pt, pr, pb = fit["popup"]
        assert left - 1 <= pl and pr <= right + 1 and top - 1 <= pt and pb <= bottom + 1, fit
        assert pr <= fit["vw"] and pb <= fit["vh"]
        assert pt >= fit["controls"], fit  # below the zoom and layer buttons
        x, y = fit["point"]
        assert left <= x <= right and top <= y <= bottom and y < fit["panel"], fit  # the feature is above the panel
        page.screenshot(f"{name}-phone-popup.png")
        _check_clean(page)
    finally:
        _sized(browser, DESKTOP)


def test_desktop_screenshots_of_each_case(browser, case, tmp_path):
    name, situation = case
    page = Page(browser, _write(situation, tmp_path, f"{name}.html"))
    _settle(page)
    assert page.screenshot(f"{name}-desktop.png").stat().st_size > 20_000
    key = max(_features(page).items(), key=lambda kv: kv[1]["mentions"])[0]
    page.js("situationMap.open(arguments[0]);", key)
    page.popup_title()
    time.sleep(0.6)  # the pan that brings the popup clear of the controls
    fit = page.js("""var p = document.querySelector('.leaflet-popup').getBoundingClientRect(), m = situationMap.map.getContainer().getBoundingClientRect();
        var c = document.querySelector('.leaflet-control-layers').getBoundingClientRect();
        var z = document.querySelector('.leaflet-control-zoom').getBoundingClientRect();
        return [p.left >= m.left, p.top >= m.top, p.right <= m.right, p.bottom <= m.bottom,
                p.right <= c.left || p.top >= c.bottom || p.bottom <= c.top,
                p.left >= z.right || p.top >= z.bottom || p.bottom <= z.top];""")
    assert all(fit), fit  # inside the map and clear of the layer list and the zoom buttons
    page.screenshot(f"{name}-desktop-popup.png")
    _check_clean(page)


def test_no_console_error_while_clicking_mentions_and_markers(browser, case, tmp_path):
    """Issue 17: clicking mentions, events and markers in quick succession logged a TypeError from a popup."""
    name, situation = case
    page = Page(browser, _write(situation, tmp_path, f"{name}.html"))
    marks = page.driver.find_elements("css selector", ".sm-text mark[data-f], .sm-events li[data-f]")
    assert marks
    for i, mark in enumerate(marks):
        page.js("arguments[0].scrollIntoView({block: 'center'});", mark)
        mark.click()
        time.sleep(0.25 if i % 2 else 0.05)  # some clicks land while the map is still flying
    for key in _features(page):
        page.js("""var f = situationMap.features[arguments[0]], t = f.center || f.layer;
            if (t._icon) { t._icon.dispatchEvent(new MouseEvent('click', {bubbles: true})); }
            else if (t._map) { t.fire('click', {latlng: t.getBounds ? t.getBounds().getCenter() : t.getLatLng()}); }""", key)
        time.sleep(0.15)
    time.sleep(1.0)
    _check_clean(page)


HOSTILE_NAME = "Zzyzxabad <img src=x onerror=\"window.__xss='name'\"> {{ 7*7 }} `${window.__xss='tpl'}`"


def test_hostile_place_names_and_sources_stay_inert_in_labels_popups_and_tooltips(browser, tmp_path):
    """A gazetteer pack is untrusted too: its names and sources reach labels, popups and tooltips as text."""
    pack = tmp_path / "hostile.geojson"
    pack.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "hostile-1", "geometry": {"type": "Point", "coordinates": [35.9, 33.05]},
         "properties": {"name": HOSTILE_NAME, "aliases": ["Zzyzxabad"], "kind": "village", "country": "SY",
                        "precision_m": 500, "source": "<script>window.__xss='source'</script>"}}]}), encoding="utf-8")
    situation = mapping.map_report(XSS, title=XSS_TITLE, source=XSS_SOURCE, packs=[pack])
    feature = next(f for f in situation.features if f.name == HOSTILE_NAME)
    page = Page(browser, _write(situation, tmp_path, "hostile.html"))
    _settle(page)
    key = next(k for k, f in _features(page).items() if f["name"] == HOSTILE_NAME)
    page.js("situationMap.open(arguments[0]);", key)
    assert page.popup_title() == HOSTILE_NAME
    popup = page.js("return document.querySelector('.leaflet-popup-content').textContent")
    assert "<script>window.__xss='source'</script>" in popup
    labels = page.js("return situationMap.flabels.map(function (l) { return l.el.textContent; })")
    assert HOSTILE_NAME in labels
    page.js("var f = situationMap.features[arguments[0]]; f.layer.fire('mouseover', {latlng: f.layer.getLatLng()});", key)
    assert HOSTILE_NAME in page.js("return situationMap.features[arguments[0]].layer.getTooltip().getElement().textContent", key)
    page.js("document.querySelector('.sm-text mark[data-f~=\"' + arguments[0] + '\"]').dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));", key)
    assert HOSTILE_NAME in page.js("return document.querySelector('.sm-text mark[data-f~=\"' + arguments[0] + '\"]').title", key)
    time.sleep(0.3)
    assert page.js("return window.__xss === undefined")
    assert page.js("return document.querySelectorAll('img[src=x], .leaflet-popup script, .sm-flabel img').length") == 0
    assert feature.source.startswith("<script>")
    _check_clean(page)


def test_layers_on_a_notebook_map_quote_the_report_in_their_popups(browser, example_text, tmp_path):
    """Without the report panel (to_folium(m=...)), popups quote the text carried in the page data."""
    import folium

    from mapping.output.render import _leaflet_assets, _raw

    situation = mapping.map_report(example_text, title="Example")
    m = folium.Map(tiles=None, location=[33, 36], zoom_start=8)
    m.default_js, m.default_css = [], []  # the notebook's own map, made offline for the test
    js, css = _leaflet_assets()
    m.get_root().header.add_child(_raw(f"<style>{css}</style><script>{js}</script>"), name="leaflet")
    situation.to_folium(m=m)
    path = tmp_path / "notebook.html"
    m.save(str(path))
    browser.get_log("browser")
    browser.get(path.resolve().as_uri())
    deadline = time.monotonic() + 10
    while not browser.execute_script("return !!(window.situationMap && Object.keys(situationMap.features).length)"):
        assert time.monotonic() < deadline, "no features registered"
        time.sleep(0.05)
    key, mention = browser.execute_script("""for (var k in situationMap.features) {
            var p = situationMap.features[k].layer.feature.properties;
            if (situationMap.features[k].layer.getLatLng) { return [k, p.m[0]]; } }""")
    browser.execute_script("situationMap.open(arguments[0]);", key)
    deadline = time.monotonic() + 10
    while not browser.execute_script("return !!document.querySelector('.leaflet-popup .sm-quote mark')"):
        assert time.monotonic() < deadline, "no popup"
        time.sleep(0.05)
    quoted = browser.execute_script("return document.querySelector('.leaflet-popup .sm-quote mark').textContent")
    assert quoted == example_text[mention[0]:mention[1]]
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
