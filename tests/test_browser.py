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
    assert page.js("return document.querySelectorAll('.leaflet-marker-icon.sm-icon').length") == points
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
    assert figures["html_bytes"] < 450_000
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
    tooltip = page.js("return situationMap.features[arguments[0]].layer.getTooltip().getContent()", key)
    assert "<" not in tooltip.replace("&lt;", "")
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
