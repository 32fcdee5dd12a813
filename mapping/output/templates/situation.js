// situation-map page script. The page carries data, not markup: features hold their name,
// kind, confidence, dates and the offsets of their mentions into the report text shown in the
// panel; popups and tooltips are built here from DOM text nodes, so report text is never parsed
// as HTML. The only markup set from data is our own SVG symbols (render._symbol).
var situationMap = window.situationMap || { features: {}, map: null, ready: false };
window.situationMap = situationMap;

(function (sm) {
  sm.geometries = sm.geometries || {};
  sm.symbols = sm.symbols || {};
  sm.details = sm.details || {};
  sm.reports = sm.reports || {};
  sm.points = sm.points || [];       // markers that may be spread apart when they overlap
  sm.flabels = sm.flabels || [];     // labels of mapped features, placed first
  sm.blabels = sm.blabels || [];     // basemap labels (countries, regions, towns), by rank

  sm.el = function (tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  };

  // The report of a feature: its metadata and its body text as the page holds it.
  sm.report = function (key, index) {
    var prefix = key.slice(0, key.lastIndexOf("-") + 1), list = sm.reports[prefix] || [], r = list[index] || {};
    if (r.text === undefined) {
      var box = document.querySelector('.sm-text[data-r="' + index + '"]');
      r.text = box ? box.textContent : "";
    }
    return r;
  };
})(situationMap);

// Geometries, symbols, styles, popup facts and report metadata, each written once (render._add_layers).
function situationMapTables(map, t) {
  var sm = situationMap, name;
  situationMapPanes(map);
  for (name in t.geometries) { sm.geometries[name] = t.geometries[name]; }
  for (name in t.symbols) { sm.symbols[name] = t.symbols[name]; }
  for (name in t.details) { sm.details[t.prefix + name] = t.details[name]; }
  sm.reports[t.prefix] = t.reports;
}

// Panes in drawing order: basemap, areas, lines, labels; Leaflet's markers stay above them all.
function situationMapPanes(map) {
  situationMap.map = situationMap.map || map;
  var pane = function (name, z, events) {
    if (map.getPane(name)) { return; }
    var p = map.createPane(name);
    p.style.zIndex = z;
    if (!events) { p.style.pointerEvents = "none"; }
  };
  pane("smBase", 150); pane("smAreas", 380, true); pane("smLines", 390, true); pane("smPoints", 420, true);
  pane("smLabels", 450);
  if (!map._smWired) {
    // Spread markers and place names again after every move, with or without the report panel
    // (layers added to a notebook's own map get no sm.init).
    map._smWired = true;
    map.on("zoomend moveend resize", function () { situationMap.relayout(); });
    map.whenReady(function () { situationMap.relayout(); });
  }
}

// The offline basemap: country outlines, first-level boundaries, lakes, and place names.
function situationMapBasemap(map, base) {
  var sm = situationMap;
  situationMapPanes(map);
  var renderer = L.svg({ pane: "smBase", padding: 0.5 });
  var swap = function (ring) { return ring.map(function (c) { return [c[1], c[0]]; }); };
  (base.countries || []).forEach(function (c) {
    L.polygon(c.polygons.map(function (poly) { return poly.map(swap); }), {
      renderer: renderer, pane: "smBase", color: "#9a9a9a", weight: 0.8, fillColor: "#f4f1ea", fillOpacity: 1,
      interactive: false
    }).addTo(map);
  });
  if (base.lakes && base.lakes.length) {
    L.polygon(base.lakes.map(function (poly) { return poly.map(swap); }), {
      renderer: renderer, pane: "smBase", color: "#8fb6cf", weight: 0.5, fillColor: "#cfe3ef", fillOpacity: 1,
      interactive: false
    }).addTo(map);
  }
  if (base.admin1 && base.admin1.length) {
    L.polyline(base.admin1.map(swap), {
      renderer: renderer, pane: "smBase", color: "#a59c92", weight: 0.7, dashArray: "5 3", interactive: false
    }).addTo(map);
  }
  // Place names: [text, lon, lat, class, minzoom]. Their markers are made when first needed
  // (see sm.declutter): a page of 450 names shows some tens at a time.
  (base.labels || []).forEach(function (l, rank) {
    sm.blabels.push({ data: l, latlng: L.latLng(l[2], l[1]), marker: null, el: null, minzoom: l[4], rank: rank, cls: l[3] });
  });
}

// The events list of a large map, as data: [when, label, feature keys, symbol], built when seen.
function situationMapEvents(rows) {
  var sm = situationMap, list = document.getElementById("sm-events");
  if (!list) { return; }
  var built = false;
  sm.buildEvents = function () {
    if (built) { return; }
    built = true;
    var frag = document.createDocumentFragment();
    rows.forEach(function (row) {
      var li = sm.el("li", row[2] ? "sm-event" : "sm-event sm-event-ctx");
      if (row[2]) { li.setAttribute("data-f", row[2]); li.tabIndex = 0; li.setAttribute("role", "button"); }
      li.appendChild(sm.el("span", "sm-when", row[0]));
      var dot = li.appendChild(sm.el("span", "sm-symbol sm-dot")), symbol = sm.symbols[row[3]];
      if (symbol) { dot.style.background = symbol.band === "hollow" ? "#fff" : symbol.color; dot.style.borderColor = symbol.color; }
      li.appendChild(sm.el("span", "sm-event-label", row[1]));
      if (row[2] && row[2].split(" ").every(function (k) { return sm.features[k] && sm.features[k].visible === false; })) {
        li.classList.add("sm-filtered");
      }
      frag.appendChild(li);
    });
    list.appendChild(frag);
    if (sm.timeline) { sm.timeline.forget(); }
  };
  if (window.IntersectionObserver) {
    var seen = new IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; })) { seen.disconnect(); sm.buildEvents(); }
    }, { rootMargin: "600px" });
    seen.observe(list);
  } else {
    setTimeout(sm.buildEvents, 1000);
  }
}

// Draws one layer of a situation and registers its features by key.
function situationMapLayer(data, group) {
  var sm = situationMap;
  (data.features || []).forEach(function (f) {
    if (!f.geometry && f.properties && f.properties._g) { f.geometry = sm.geometries[f.properties._g]; }
  });
  var symbols = sm.symbols;
  var map = sm.map;
  var hasPane = function (name) { return map && map.getPane && map.getPane(name); };
  if (data.canvas && !sm.canvas) {
    // Two canvases, so that every area lies beneath every point whatever its layer.
    sm.canvas = L.canvas({ padding: 0.5, pane: hasPane("smPoints") ? "smPoints" : "overlayPane" });
    sm.areaCanvas = L.canvas({ padding: 0.5, pane: hasPane("smAreas") ? "smAreas" : "overlayPane" });
  }
  var markerFor = function (f, latlng, className) {
    var p = f.properties, s = symbols[p._s];
    var html = sm.el("span", "sm-mark");
    // Our own SVG (render._symbol), no report text: parsed once per symbol, then cloned.
    sm.parsed = sm.parsed || {};
    if (!sm.parsed[p._s]) { var t = document.createElement("template"); t.innerHTML = s.svg; sm.parsed[p._s] = t.content.firstChild; }
    html.appendChild(sm.parsed[p._s].cloneNode(true));
    var label = null;
    if (p.lb) { label = sm.el("span", "sm-flabel", p.name); html.appendChild(label); }
    var marker = L.marker(latlng, {
      icon: L.divIcon({ className: className, html: html, iconSize: [s.size, s.size],
                        iconAnchor: [s.size / 2, s.size / 2], popupAnchor: [0, -s.size / 2], tooltipAnchor: [s.size / 2, 0] }),
      keyboard: true, title: p.name, alt: p.name
    });
    marker._smSize = s.size;
    marker._smLabel = label;
    sm.points.push(marker);
    if (label) { sm.flabels.push({ marker: marker, el: label, event: !!p.w }); }
    return marker;
  };
  var layer = L.geoJSON(data, {
    style: function (f) {
      var st = symbols[f.properties._st] || {};
      var out = L.extend({}, st);
      if (f.properties._g && st.stroke === false) {
        // A mentioned area in several actors' layers is tinted once, not darker for each.
        sm.tinted = sm.tinted || {};
        if (sm.tinted[f.properties._g]) { out.fillOpacity = 0; } else { sm.tinted[f.properties._g] = true; }
      }
      if (data.canvas) { out.renderer = sm.areaCanvas; }
      if (f.geometry && /Polygon/.test(f.geometry.type) && hasPane("smAreas")) { out.pane = "smAreas"; }
      else if (f.geometry && /LineString/.test(f.geometry.type) && hasPane("smLines")) { out.pane = "smLines"; }
      return out;
    },
    pointToLayer: function (f, latlng) {
      var s = symbols[f.properties._s];
      if (data.canvas) {
        return L.circleMarker(latlng, { renderer: sm.canvas, radius: 5, weight: s.band === "hollow" ? 2 : 1,
                                        color: s.band === "hollow" ? s.color : "#222", dashArray: s.band === "dashed" ? "3 2" : null,
                                        fillColor: s.band === "hollow" ? "#fff" : s.color, fillOpacity: 0.9 });
      }
      return markerFor(f, latlng, "sm-icon");
    },
    onEachFeature: function (f, l) {
      var p = f.properties;
      var entry = { layer: l, group: group, geojson: null, anchor: p._anchor, index: data.layer, visible: true,
                    extras: [] };
      if (p._center && !data.canvas) {
        var center = markerFor(f, p._center, "sm-icon sm-center");
        center.on("click", function () { sm.open(p._key, L.latLng(p._center)); });
        center.on("mouseover", function () { sm.tooltip(p._key, center); });
        center.addTo(group);
        entry.extras.push(center);
        entry.center = center;
      } else if (p.lb && p._anchor && !data.canvas) {
        // The name of an area or line, in its colour, at a point inside it.
        var st = symbols[p._st] || {};
        var text = sm.el("span", "sm-alabel-text" + (p.lb === 2 ? " sm-alabel-faint" : ""), p.name);
        text.style.color = st.tc || "#333";
        var tag = L.marker(p._anchor, { pane: hasPane("smLabels") ? "smLabels" : "markerPane", interactive: false,
                                        keyboard: false,
                                        icon: L.divIcon({ className: "sm-alabel", html: text, iconSize: null, iconAnchor: [0, 0] }) });
        tag.addTo(group);
        entry.extras.push(tag);
        sm.flabels.push({ marker: tag, el: text, event: !!p.w, area: true });
      }
      sm.features[p._key] = entry;
      l.on("click", function (e) { sm.open(p._key, e.latlng); });
      l.on("mouseover", function (e) { sm.tooltip(p._key, l, e.latlng); });
    }
  });
  layer.eachLayer(function (l) {
    var key = l.feature && l.feature.properties._key;
    if (key) { sm.features[key].geojson = layer; }
  });
  if (data.layer !== undefined) { group._smLayer = data.layer; }
  layer.addTo(group);
  return layer;
}

(function (sm) {
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var current = { el: null, index: 0, fromText: null };
  var el = sm.el;

  function panel() { return document.getElementById("sm-panel"); }
  function props(key) { var f = sm.features[key]; return f ? f.layer.feature.properties : null; }
  function details(key) { var p = props(key); return (p && sm.details[key.slice(0, key.lastIndexOf("-") + 1) + p._d]) || {}; }

  // One line naming a feature: "Quneitra: Israel checkpoint, 2025-11-17".
  sm.describe = function (key) {
    var p = props(key), d = details(key);
    if (!p) { return ""; }
    var what = (d.kl || p.kind || "").toLowerCase();
    return p.name + ": " + (d.a ? d.a + " " : "") + what + (p.w && p.w[0] ? ", " + p.w[0] : "");
  };

  // -- popups and tooltips, built from data ----------------------------------------------------
  function clip(text, start, end, limit) {
    // The sentence around a mention, shortened to about `limit` characters around it.
    var before = text.slice(0, start), after = text.slice(end);
    var room = Math.max(40, (limit - (end - start)) / 2);
    if (before.length > room) { before = "\u2026" + before.slice(before.length - room); }
    if (after.length > room) { after = after.slice(0, room) + "\u2026"; }
    return [before, text.slice(start, end), after];
  }

  sm.popupContent = function (key) {
    var p = props(key), d = details(key), report = sm.report(key, p.r), text = report.text || "";
    var root = el("div", "sm-popup");
    var color = (sm.symbols[p._s] || {}).color || (sm.symbols[p._st] || {}).color || "#555";
    var title = root.appendChild(el("div", "sm-popup-title", p.name));
    title.style.borderLeftColor = color;
    root.appendChild(el("div", "sm-popup-meta", [d.kl, d.a, p.w ? p.w[0] : null].filter(Boolean).join(" \u00b7 ")));
    var place = [d.pk ? "at a " + d.pk.toLowerCase() : null, d.cc,
                 d.pop ? "population " + Number(d.pop).toLocaleString("en") : null].filter(Boolean);
    if (place.length) { root.appendChild(el("div", "sm-popup-place", place.join(" \u00b7 "))); }
    var band = (sm.symbols[p._s] || {}).band || (p.c >= 0.8 ? "solid" : p.c >= 0.6 ? "dashed" : "hollow");
    var conf = root.appendChild(el("div", "sm-conf sm-conf-" + band));
    conf.appendChild(el("b", null, (d.band || "") + " " + Number(p.c).toFixed(2)));
    if (d.method) { conf.appendChild(document.createTextNode(" \u00b7 " + d.method)); }
    if (d.alts && d.alts.length) {
      var alts = root.appendChild(el("div", "sm-alts", "Also weighed: "));
      d.alts.forEach(function (a, i) {
        // [name, country, kind, score]
        var where = [a[1], a[2] ? a[2].toLowerCase() : null].filter(Boolean).join(", ");
        alts.appendChild(document.createTextNode((i ? "; " : "") + a[0] + (where ? " (" + where + ")" : "") + " " + Number(a[3]).toFixed(2)));
      });
    }
    if (d.corr && d.corr > 1) { root.appendChild(el("div", "sm-corr", "Reported by " + d.corr + " reports")); }
    if (d.dis) { root.appendChild(el("div", "sm-dis", "Reports disagree: " + d.dis)); }
    var shown = p.m.slice(0, 4);
    shown.forEach(function (m) {
      // [start, end, page start, page end, sentence start, sentence end]
      var parts = clip(text.slice(m[4], m[5]), m[2] - m[4], m[3] - m[4], 320);
      var q = root.appendChild(el("blockquote", "sm-quote"));
      q.appendChild(document.createTextNode(parts[0]));
      q.appendChild(el("mark", null, parts[1]));
      q.appendChild(document.createTextNode(parts[2]));
      root.appendChild(el("div", "sm-cite", ["characters " + m[0] + "\u2013" + m[1], report.source, report.published]
        .filter(Boolean).join(" \u00b7 ")));
    });
    if (p.m.length > shown.length) { root.appendChild(el("div", "sm-cite", (p.m.length - shown.length) + " more mentions in the text")); }
    var foot = [];
    if (d.rule) { foot.push("derived area (" + d.rule + ")" + (d.parent ? " from " + d.parent : "")); }
    if (d.appr) { foot.push("approximate geometry"); }
    if (d.src) { foot.push("coordinates: " + d.src); }
    if (foot.length) { root.appendChild(el("div", "sm-popup-foot", foot.join("; "))); }
    return root;
  };

  function popupOptions() {
    var map = sm.map, size = map.getSize(), box = map.getContainer().getBoundingClientRect();
    var narrow = size.x < 560, top = 10, right = 10, left = 10;
    // Keep popups clear of the controls: below the top ones on a phone; on a desktop, left of the layer
    // list and right of the zoom buttons.
    map.getContainer().querySelectorAll(".leaflet-top .leaflet-control").forEach(function (c) {
      var r = c.getBoundingClientRect();
      if (narrow) { top = Math.max(top, r.bottom - box.top + 6); }
      else if (c.parentNode.classList.contains("leaflet-right") && r.width < size.x / 2) {
        right = Math.max(right, box.right - r.left + 8);
      } else if (c.parentNode.classList.contains("leaflet-left") && r.width < size.x / 4) {
        left = Math.max(left, r.right - box.left + 8);
      }
    });
    var height = size.y - top - 10;
    // Fits the visible map, on a phone too, and leaves room below it for the feature it points
    // at (a short map above the open report panel); longer content scrolls inside the popup.
    return { maxWidth: Math.max(160, Math.min(340, size.x - right - left - 36)),
             minWidth: Math.min(220, size.x - right - left - 36),
             maxHeight: Math.max(90, Math.min(height - 60, Math.round(height * 0.55))),
             autoPanPaddingTopLeft: [left, top], autoPanPaddingBottomRight: [right, 10], keepInView: false,
             className: "sm-popup-wrap" };
  }

  // Opens feature `key`'s popup (at `latlng` for an area), building it the first time.
  sm.open = function (key, latlng) {
    var f = sm.features[key];
    if (!f || !sm.map) { return; }
    var target = f.layer;
    if (!target._map) { return; }
    if (!target.getPopup()) {
      target.bindPopup(function () { return sm.popupContent(key); }, popupOptions());
      target.on("popupopen", function () { sm.highlight(key); });
      target.on("popupclose", function () { sm.highlight(null); });
    } else {
      L.setOptions(target.getPopup(), popupOptions());
    }
    target.openPopup(latlng || (target.getLatLng ? undefined : f.anchor ? L.latLng(f.anchor[0], f.anchor[1]) : undefined));
  };

  sm.tooltip = function (key, target, latlng) {
    if (!target || !target._map) { return; }
    if (!target.getTooltip()) {
      target.bindTooltip(function () { return el("span", "sm-tip", sm.describe(key)); }, { direction: "top", opacity: 0.95 });
      target.openTooltip(latlng);
    }
  };

  // -- linking the text and the map ------------------------------------------------------------
  // Marks the mentions of feature `key` (null: none); scrolls the text to the first one
  // unless the user came from the text.
  sm.highlight = function (key) {
    var root = panel();
    if (!root) { return; }
    var active = root.querySelectorAll(".sm-active");
    for (var i = 0; i < active.length; i++) { active[i].classList.remove("sm-active"); }
    if (!key) { return; }
    var marks = root.querySelectorAll('[data-f~="' + key + '"]');
    for (var j = 0; j < marks.length; j++) { marks[j].classList.add("sm-active"); }
    var first = current.fromText || root.querySelector('.sm-text [data-f~="' + key + '"]');
    current.fromText = null;
    if (first && !first.closest(".sm-events")) { scrollToMark(first); }
  };

  function scrollToMark(mark) {
    var box = document.getElementById("sm-body");
    if (!box || box.clientHeight === 0) { return; }
    var top = mark.getBoundingClientRect().top - box.getBoundingClientRect().top + box.scrollTop - box.clientHeight / 3;
    var visible = mark.getBoundingClientRect().top >= box.getBoundingClientRect().top &&
      mark.getBoundingClientRect().bottom <= box.getBoundingClientRect().bottom;
    if (!visible) { box.scrollTo({ top: Math.max(0, top), behavior: reduceMotion ? "auto" : "smooth" }); }
  }

  var pending = null;  // the one move under way; a newer click replaces it

  // Moves the map to feature `key` and opens its popup.
  sm.show = function (key, fromEl) {
    var f = sm.features[key], map = sm.map;
    if (!f || !map) { return false; }
    if (!map.hasLayer(f.group)) { map.addLayer(f.group); }
    if (!f.visible && sm.timeline) { sm.timeline.include(props(key).w); }
    current.fromText = fromEl || null;
    if (pending) { map.off("moveend", pending); clearTimeout(pending.timer); pending = null; }
    var view = map.getBounds(), size = map.getSize();
    var move = null, target = f.center || f.layer;
    if (target.getLatLng) {
      var ll = target.getLatLng();
      if (!view.pad(-0.1).contains(ll) || map.getZoom() < 8) {
        var zoom = Math.min(Math.max(map.getZoom(), 9), 12);
        move = function () { reduceMotion ? map.setView(ll, zoom, { animate: false }) : map.flyTo(ll, zoom, { duration: 0.8 }); };
      }
    } else {
      var b = f.layer.getBounds();
      var ne = map.latLngToContainerPoint(b.getNorthEast()), sw = map.latLngToContainerPoint(b.getSouthWest());
      var small = Math.abs(ne.x - sw.x) < size.x / 12 && Math.abs(ne.y - sw.y) < size.y / 12;
      if (!view.contains(b) || small) {
        var opts = { padding: [30, 30], maxZoom: 10 };
        move = function () { reduceMotion ? map.fitBounds(b, L.extend({ animate: false }, opts)) : map.flyToBounds(b, L.extend({ duration: 0.8 }, opts)); };
      }
    }
    var open = function () { sm.open(key, f.center ? f.center.getLatLng() : undefined); };
    if (!move) { open(); return true; }
    // Open after the move, outside Leaflet's moveend dispatch: opening a popup there closes the
    // one whose pan is stopping, which then reads its map after losing it (issue 17).
    var finish = function () {
      if (pending !== finish) { return; }
      map.off("moveend", finish);
      clearTimeout(finish.timer);
      pending = null;
      L.Util.requestAnimFrame(open);
    };
    pending = finish;
    map.on("moveend", finish);
    finish.timer = setTimeout(finish, 2000);
    move();
    return true;
  };

  // A click on a mention: its feature, or the next one when the same mention is clicked again.
  sm.select = function (mark) {
    var keys = (mark.getAttribute("data-f") || "").split(" ").filter(Boolean);
    if (!keys.length) { return; }
    current.index = mark === current.el ? (current.index + 1) % keys.length : 0;
    current.el = mark;
    sm.show(keys[current.index], mark.closest(".sm-text") ? mark : null);
  };

  sm.hover = function (key, on) {
    var f = sm.features[key];
    if (!f) { return; }
    var target = f.center || f.layer;
    if (target.getElement && target.getLatLng) {
      var icon = target.getElement();
      if (icon) { icon.classList.toggle("sm-hover", on); }
    } else if (f.layer.setStyle) {
      var base = sm.symbols[f.layer.feature.properties._st] || {};
      f.layer.setStyle(on ? { weight: (base.weight || 2) + 3, opacity: 1, stroke: true, color: base.color || base.fillColor }
                          : L.extend({ stroke: base.stroke !== false }, base));
    }
  };

  // -- stacked markers: spread apart around their place ---------------------------------------
  sm.spread = function () {
    var map = sm.map;
    if (!map) { return; }
    var items = sm.points.filter(function (m) { return m._map && m._icon; });
    var cell = 24, grid = {}, groups = [];
    items.forEach(function (m) {
      m._smAt = map.latLngToLayerPoint(m.getLatLng());
      var k = Math.floor(m._smAt.x / cell) + ":" + Math.floor(m._smAt.y / cell);
      (grid[k] = grid[k] || []).push(m);
    });
    // Markers whose symbols overlap (centres closer than the symbol) join one group (union-find).
    var parent = new Map();
    var find = function (m) { while (parent.get(m) !== m) { m = parent.get(m); } return m; };
    items.forEach(function (m) { parent.set(m, m); });
    items.forEach(function (m) {
      var gx = Math.floor(m._smAt.x / cell), gy = Math.floor(m._smAt.y / cell);
      for (var dx = -1; dx <= 1; dx++) {
        for (var dy = -1; dy <= 1; dy++) {
          (grid[(gx + dx) + ":" + (gy + dy)] || []).forEach(function (o) {
            if (o !== m && o._smAt.distanceTo(m._smAt) < (m._smSize + o._smSize) / 2 - 2) { parent.set(find(o), find(m)); }
          });
        }
      }
    });
    var byRoot = new Map();
    items.forEach(function (m) { var r = find(m); if (!byRoot.has(r)) { byRoot.set(r, []); groups.push(byRoot.get(r)); } byRoot.get(r).push(m); });
    // Spread rings of neighbouring groups may collide: merge those groups and lay them out again.
    var placed = layout(groups);
    for (var round = 0; round < 40; round++) {
      var merged = mergeColliding(groups, placed);
      if (merged.length === groups.length) { break; }
      groups = merged;
      placed = layout(groups);
    }
    placed.forEach(function (p) { offset(p.m, p.x - p.m._smAt.x, p.y - p.m._smAt.y); });
  };

  // Where each marker of each group goes: its place when alone, else a ring (or a spiral for many).
  function layout(groups) {
    var out = [];
    groups.forEach(function (group, g) {
      if (group.length === 1) { out.push({ m: group[0], x: group[0]._smAt.x, y: group[0]._smAt.y, g: g }); return; }
      var cx = 0, cy = 0, biggest = 0, n = group.length;
      group.forEach(function (m) { cx += m._smAt.x; cy += m._smAt.y; biggest = Math.max(biggest, m._smSize); });
      cx /= n; cy /= n;
      var a = 0, r = biggest;
      group.forEach(function (m, i) {
        var x, y;
        if (n <= 8) {
          // A ring just wide enough for the symbols side by side: neighbours on the ring are a chord
          // 2r sin(pi/n) apart, and square symbols along a diagonal need that chord to be sqrt(2) times
          // their size (four at a town: N, E, S, W, whose corners would touch on a tighter ring).
          var radius = Math.max(biggest * 0.9, (biggest + 2) * Math.SQRT2 / (2 * Math.sin(Math.PI / n)));
          var angle = -Math.PI / 2 + 2 * Math.PI * i / n;
          x = cx + radius * Math.cos(angle); y = cy + radius * Math.sin(angle);
        } else {
          // A spiral for many: each step one symbol further along.
          a += (biggest + 4) / r; r = biggest + (biggest + 4) * a / (2 * Math.PI);
          x = cx + r * Math.cos(a); y = cy + r * Math.sin(a);
        }
        out.push({ m: m, x: x, y: y, g: g });
      });
    });
    return out;
  }

  function mergeColliding(groups, placed) {
    var parent = groups.map(function (_, i) { return i; });
    var find = function (i) { while (parent[i] !== i) { i = parent[i]; } return i; };
    var cell = 32, grid = {};
    placed.forEach(function (p) {
      var k = Math.floor(p.x / cell) + ":" + Math.floor(p.y / cell);
      (grid[k] = grid[k] || []).push(p);
    });
    placed.forEach(function (p) {
      var gx = Math.floor(p.x / cell), gy = Math.floor(p.y / cell);
      for (var dx = -1; dx <= 1; dx++) {
        for (var dy = -1; dy <= 1; dy++) {
          (grid[(gx + dx) + ":" + (gy + dy)] || []).forEach(function (o) {
            if (o.g !== p.g && Math.abs(o.x - p.x) < (o.m._smSize + p.m._smSize) / 2 + 1 &&
                Math.abs(o.y - p.y) < (o.m._smSize + p.m._smSize) / 2 + 1) { parent[find(o.g)] = find(p.g); }
          });
        }
      }
    });
    var out = {}, order = [];
    groups.forEach(function (group, i) {
      var r = find(i);
      if (!out[r]) { out[r] = []; order.push(r); }
      out[r] = out[r].concat(group);
    });
    return order.map(function (r) { return out[r]; });
  }

  function offset(m, dx, dy) {
    var icon = m._icon, size = m._smSize;
    dx = Math.round(dx); dy = Math.round(dy);
    m._smOffset = [dx, dy];
    icon.style.marginLeft = (dx - size / 2) + "px";
    icon.style.marginTop = (dy - size / 2) + "px";
    m.options.icon.options.popupAnchor = [dx, dy - size / 2];
    m.options.icon.options.tooltipAnchor = [dx + size / 2, dy];
    var leg = icon.querySelector(".sm-leg");
    if (!dx && !dy) { if (leg) { leg.remove(); } icon.classList.remove("sm-spread"); return; }
    if (!leg) { leg = icon.insertBefore(sm.el("span", "sm-leg"), icon.firstChild); }
    // A thin line from the symbol back to the true place, with a dot there.
    leg.style.left = size / 2 + "px";
    leg.style.top = size / 2 + "px";
    leg.style.width = Math.sqrt(dx * dx + dy * dy) + "px";
    leg.style.transform = "rotate(" + Math.atan2(-dy, -dx) + "rad)";
    icon.classList.add("sm-spread");
  }

  // -- labels that never overlap: features' names first, then countries, regions, towns -----------
  sm.declutter = function () {
    var map = sm.map;
    if (!map) { return; }
    var zoom = map.getZoom(), frame = map.getContainer().getBoundingClientRect();
    // Boxes taken so far, in 64-pixel buckets: each test looks at its neighbours only.
    var grid = {}, cell = 64;
    var cells = function (r, visit) {
      for (var x = Math.floor(r.left / cell); x <= Math.floor(r.right / cell); x++) {
        for (var y = Math.floor(r.top / cell); y <= Math.floor(r.bottom / cell); y++) { if (visit(x + ":" + y)) { return true; } }
      }
      return false;
    };
    var taken = { push: function (r) { cells(r, function (k) { (grid[k] = grid[k] || []).push(r); return false; }); } };
    var hits = function (r) {
      return cells(r, function (k) {
        var list = grid[k] || [];
        for (var i = 0; i < list.length; i++) {
          var t = list[i];
          if (r.left < t.right && t.left < r.right && r.top < t.bottom && t.top < r.bottom) { return true; }
        }
        return false;
      });
    };
    var grow = function (r, by) { return { left: r.left - by, top: r.top - by, right: r.right + by, bottom: r.bottom + by }; };
    var inside = function (r) { return r.left >= frame.left && r.right <= frame.right && r.top >= frame.top && r.bottom <= frame.bottom; };
    // The controls (zoom, layers, scale, attribution) cover the map: nothing is written under them.
    map.getContainer().querySelectorAll(".leaflet-control").forEach(function (c) { taken.push(grow(c.getBoundingClientRect(), 2)); });
    // Writes first (every candidate shown), then one layout, then the reads and the decisions.
    var candidates = [];
    sm.flabels.forEach(function (l) { if (l.marker._map && l.marker._icon) { l.el.classList.remove("sm-hidden"); candidates.push(l); } });
    var view = map.getBounds().pad(0.1);
    sm.blabels.forEach(function (l) {
      var on = l.minzoom <= zoom + 1e-6 && view.contains(l.latlng);
      if (!on) {
        if (l.marker && l.marker._map) { map.removeLayer(l.marker); }
        return;
      }
      if (!l.marker) {
        l.el = sm.el("span", "sm-blabel-text", l.data[0]);
        l.marker = L.marker(l.latlng, {
          pane: map.getPane("smLabels") ? "smLabels" : "markerPane", interactive: false, keyboard: false,
          icon: L.divIcon({ className: "sm-blabel sm-blabel-" + l.cls, html: l.el, iconSize: null, iconAnchor: [0, 0] })
        });
      }
      if (!l.marker._map) { l.marker.addTo(map); }
      l.el.classList.remove("sm-hidden");
      candidates.push(l);
    });
    // Symbols, from where spread() put them (no reading back from the page).
    sm.points.forEach(function (m) {
      if (!m._map || !m._icon) { return; }
      var p = map.latLngToContainerPoint(m.getLatLng()), o = m._smOffset || [0, 0], h = m._smSize / 2 + 1;
      var x = frame.left + p.x + o[0], y = frame.top + p.y + o[1];
      taken.push({ left: x - h, top: y - h, right: x + h, bottom: y + h });
    });
    var named = {};
    var decide = function (list, retry) {
      var rects = list.map(function (l) { return l.el.getBoundingClientRect(); });  // one layout for the lot
      var failed = [];
      list.forEach(function (l, i) {
        var r = grow(rects[i], 1), target = l.el, text = target.textContent;
        // The same name twice close by (a strike and an incursion at one town) is written once.
        var twin = (named[text] || []).some(function (t) { return Math.abs(t.left - r.left) + Math.abs(t.top - r.top) < 160; });
        if (twin || !inside(rects[i]) || hits(r)) {
          target.classList.add("sm-hidden");
          if (!twin && retry) { failed.push(l); }
        } else { taken.push(r); (named[text] = named[text] || []).push(r); }
      });
      return failed;
    };
    // Mapped features' names first, on the right of their symbol, else on its left; then the basemap's.
    var features = candidates.filter(function (l) { return l.marker._smLabel === l.el; });
    var others = candidates.filter(function (l) { return l.marker._smLabel !== l.el; });
    features.forEach(function (l) { l.el.classList.remove("sm-left"); });
    var left = decide(features, true);
    if (left.length) {
      left.forEach(function (l) { l.el.classList.add("sm-left"); l.el.classList.remove("sm-hidden"); });
      decide(left, false);
    }
    decide(others, false);
  };

  var scheduled = false;
  sm.relayout = function () {
    if (scheduled) { return; }
    scheduled = true;
    L.Util.requestAnimFrame(function () { scheduled = false; sm.spread(); sm.declutter(); });
  };

  // -- the timeline: show only what happened between two days ----------------------------------
  function isoDay(d) { return new Date(d * 86400000).toISOString().slice(0, 10); }

  function setupTimeline(root) {
    var box = document.getElementById("sm-timeline");
    if (!box) { return; }
    var from = document.getElementById("sm-from"), to = document.getElementById("sm-to");
    var undated = document.getElementById("sm-undated"), out = document.getElementById("sm-range-out");
    var count = document.getElementById("sm-range-count");
    var marksByKey = null;
    var apply = function () {
      var a = Math.min(+from.value, +to.value), b = Math.max(+from.value, +to.value), shown = 0, dated = 0;
      out.textContent = isoDay(a) + " \u2013 " + isoDay(b);
      for (var key in sm.features) {
        var f = sm.features[key], w = f.layer.feature.properties.w;
        var visible = w ? (w[2] >= a && w[1] <= b) : undated.checked;
        if (w) { dated++; if (visible) { shown++; } }
        if (visible === f.visible) { continue; }
        f.visible = visible;
        if (visible) {
          f.geojson.addLayer(f.layer);
          f.extras.forEach(function (x) { f.group.addLayer(x); });
        } else {
          if (f.layer.isPopupOpen && f.layer.isPopupOpen()) { f.layer.closePopup(); }
          f.geojson.removeLayer(f.layer);
          f.extras.forEach(function (x) { f.group.removeLayer(x); });
        }
      }
      count.textContent = shown + " of " + dated + " dated features";
      if (!marksByKey) {
        marksByKey = [];
        if (root) { root.querySelectorAll("[data-f]").forEach(function (m) { marksByKey.push([m, m.getAttribute("data-f").split(" ")]); }); }
      }
      marksByKey.forEach(function (entry) {
        var hidden = entry[1].every(function (k) { return sm.features[k] && !sm.features[k].visible; });
        entry[0].classList.toggle("sm-filtered", hidden);
      });
      sm.relayout();
    };
    [from, to].forEach(function (input) { input.addEventListener("input", apply); });
    undated.addEventListener("change", apply);
    sm.timeline = {
      set: function (a, b) { from.value = a; to.value = b; apply(); },
      include: function (w) {
        if (!w) { undated.checked = true; apply(); return; }
        from.value = Math.min(+from.value, w[1]); to.value = Math.max(+to.value, w[2]); apply();
      },
      apply: apply,
      forget: function () { marksByKey = null; }  // rows were added: index the marks again
    };
    // Everything starts visible: only the label needs writing now (a full pass over thousands of
    // features and marks would delay the first frame).
    var total = 0;
    for (var key in sm.features) { if (sm.features[key].layer.feature.properties.w) { total++; } }
    count.textContent = total + " of " + total + " dated features";
  }

  // Wires the panel to `map`: the legend under the layer list, mention clicks, layer toggles,
  // the phone-size fold; then fits the view to `bounds` ([[south, west], [north, east]]) clear of the controls.
  sm.init = function (map, bounds) {
    sm.map = map;
    var root = panel();
    var narrow = window.matchMedia && window.matchMedia("(max-width: 760px)").matches;
    var layers = map.getContainer().querySelector(".leaflet-control-layers");
    var legend = document.getElementById("sm-legend");
    if (legend && (narrow || map.getSize().y < 560)) { legend.open = false; }  // small frames: keep the map visible
    if (legend && layers) {
      legend.classList.add("sm-legend-in");
      layers.querySelector(".leaflet-control-layers-list").appendChild(legend);
    } else if (legend) {
      var control = L.control({ position: "bottomleft" });
      control.onAdd = function () {
        L.DomEvent.disableClickPropagation(legend);
        L.DomEvent.disableScrollPropagation(legend);
        return legend;
      };
      control.addTo(map);
    }
    if (layers) {
      // Outside the overlay list, which Leaflet rebuilds whenever a layer is added or removed.
      var overlays = layers.querySelector(".leaflet-control-layers-overlays");
      if (overlays && overlays.children.length && !layers.querySelector(".sm-control-h")) {
        var h = document.createElement("div");
        h.className = "sm-control-h";
        h.textContent = "Actors";
        overlays.parentNode.insertBefore(h, overlays);
      }
      if (narrow) {
        // On a phone the layer list and legend fold into Leaflet's layers button.
        layers.classList.remove("leaflet-control-layers-expanded");
        var link = layers.querySelector(".leaflet-control-layers-toggle");
        if (link) {
          link.addEventListener("click", function () { layers.classList.add("leaflet-control-layers-expanded"); });
          map.on("click", function () { layers.classList.remove("leaflet-control-layers-expanded"); });
        }
      }
    }
    // The page may have settled its layout since the map was created: measure again before fitting.
    map.invalidateSize(false);
    if (bounds) {
      var right = layers && !narrow ? Math.min(layers.offsetWidth + 20, map.getSize().x * 0.4) : 10;
      // Room for half a symbol around the frame, so that nothing on its edge is cut.
      map.fitBounds(bounds, { paddingTopLeft: [narrow ? 22 : 50, 22], paddingBottomRight: [Math.max(right, 22), 22], animate: false,
                              maxZoom: 11 });
    }
    map.on("overlayadd overlayremove", function (e) {
      if (root && e.layer && e.layer._smLayer !== undefined) {
        root.classList.toggle("sm-off-" + e.layer._smLayer, e.type === "overlayremove");
      }
      sm.relayout();
    });
    if (root) {
      root.addEventListener("click", function (e) {
        var mark = e.target.closest && e.target.closest("[data-f]");
        if (mark) { e.preventDefault(); sm.select(mark); }
      });
      root.addEventListener("keydown", function (e) {
        var mark = e.target.closest && e.target.closest("[data-f]");
        if (mark && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); sm.select(mark); }
      });
      var hover = function (on) {
        return function (e) {
          var mark = e.target.closest && e.target.closest("[data-f]");
          if (!mark) { return; }
          var keys = mark.getAttribute("data-f").split(" ");
          if (on && !mark.title && mark.tagName === "MARK") {
            mark.title = keys.map(sm.describe).join("; ") + (keys.length > 1 ? " (click again for the next)" : "");
          }
          keys.forEach(function (k) { sm.hover(k, on); });
        };
      };
      root.addEventListener("mouseover", hover(true));
      root.addEventListener("mouseout", hover(false));
      // Event rows of a large map name their symbol by reference: a dot in its colour.
      root.querySelectorAll(".sm-symbol[data-s]").forEach(function (s) {
        var symbol = sm.symbols[s.getAttribute("data-s")];
        if (symbol) { s.classList.add("sm-dot"); s.style.background = symbol.band === "hollow" ? "#fff" : symbol.color; s.style.borderColor = symbol.color; }
      });
      var toggle = document.getElementById("sm-toggle");
      if (toggle) {
        toggle.addEventListener("click", function () {
          var open = root.classList.toggle("sm-open");
          toggle.setAttribute("aria-expanded", open ? "true" : "false");
          toggle.textContent = open ? "Hide report" : "Report";
          map.invalidateSize();
        });
      }
      setupTimeline(root);
    }
    window.addEventListener("resize", function () { map.invalidateSize(); });
    sm.spread();
    sm.declutter();
    sm.ready = true;
    sm.readyAt = window.performance ? performance.now() : null;
  };
})(situationMap);
