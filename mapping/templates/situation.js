// situation-map page script. Features carry pre-escaped popup and tooltip HTML;
// the report panel links mentions (data-f="key ...") to the features they name.
var situationMap = window.situationMap || { features: {}, map: null, ready: false };
window.situationMap = situationMap;

// Geometries shared by several features, written once (see render._share_geometries).
function situationMapGeometries(table) {
  situationMap.geometries = situationMap.geometries || {};
  for (var ref in table) { situationMap.geometries[ref] = table[ref]; }
}

// Marker symbols and area styles, written once per distinct value (see render._share_symbols).
function situationMapSymbols(table) {
  situationMap.symbols = situationMap.symbols || {};
  for (var ref in table) { situationMap.symbols[ref] = table[ref]; }
}

// Draws one layer of a situation and registers its features by key.
function situationMapLayer(data, group) {
  var sm = situationMap;
  (data.features || []).forEach(function (f) {
    if (!f.geometry && f.properties && f.properties._g && sm.geometries) { f.geometry = sm.geometries[f.properties._g]; }
  });
  var symbols = sm.symbols || {};
  if (data.canvas && !sm.canvas) { sm.canvas = L.canvas({ padding: 0.5 }); }
  var layer = L.geoJSON(data, {
    style: function (f) { return f.properties._style || symbols[f.properties._st]; },
    pointToLayer: function (f, latlng) {
      var s = f.properties._symbol || symbols[f.properties._s], nudge = f.properties._nudge || [0, 0];
      if (data.canvas) {
        return L.circleMarker(latlng, { renderer: sm.canvas, radius: 5, weight: 1, color: "#222",
                                        fillColor: s.color, fillOpacity: 0.9 });
      }
      return L.marker(latlng, {
        icon: L.divIcon({ className: "sm-icon", html: s.svg, iconSize: [s.size, s.size],
                          iconAnchor: [s.size / 2 - nudge[0], s.size / 2 - nudge[1]], popupAnchor: [nudge[0], nudge[1] - s.size / 2] }),
        keyboard: true, title: f.properties.name
      });
    },
    onEachFeature: function (f, l) {
      var p = f.properties;
      if (p._popup) { l.bindPopup(p._popup, { maxWidth: 360, autoPanPadding: [24, 24] }); }
      if (p._tooltip) { l.bindTooltip(p._tooltip, { sticky: true }); }
      if (p._center && !data.canvas) {
        var c = p._symbol || symbols[p._s], shift = p._nudge || [0, 0];
        var center = L.marker(p._center, {
          icon: L.divIcon({ className: "sm-center", html: c.svg, iconSize: [c.size, c.size],
                            iconAnchor: [c.size / 2 - shift[0], c.size / 2 - shift[1]] }),
          keyboard: false, title: p.name
        });
        center.on("click", function () { l.openPopup(L.latLng(p._center)); });
        center.addTo(group);
      }
      if (p._key) {
        sm.features[p._key] = { layer: l, group: group, geojson: null, anchor: p._anchor, index: data.layer };
        l.on("popupopen", function () { sm.highlight(p._key); });
        l.on("popupclose", function () { sm.highlight(null); });
      }
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

  function panel() { return document.getElementById("sm-panel"); }

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

  // Moves the map to feature `key` and opens its popup.
  sm.show = function (key, fromEl) {
    var f = sm.features[key], map = sm.map;
    if (!f || !map) { return false; }
    if (!map.hasLayer(f.group)) { map.addLayer(f.group); }
    current.fromText = fromEl || null;
    var anchor = f.anchor ? L.latLng(f.anchor[0], f.anchor[1]) : null;
    var open = function () { f.layer.openPopup(f.layer.getLatLng ? undefined : anchor); };
    var view = map.getBounds(), size = map.getSize();
    var move = null;
    if (f.layer.getLatLng) {
      var ll = f.layer.getLatLng();
      if (!view.pad(-0.1).contains(ll) || map.getZoom() < 8) {
        var zoom = Math.max(map.getZoom(), 9);
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
    if (!move) { open(); return true; }
    var done = false;
    var finish = function () { if (done) { return; } done = true; map.off("moveend", finish); open(); };
    map.on("moveend", finish);
    move();
    setTimeout(finish, 2000);
    return true;
  };

  // A click on a mention: its feature, or the next one when the same mention is clicked again.
  sm.select = function (el) {
    var keys = (el.getAttribute("data-f") || "").split(" ").filter(Boolean);
    if (!keys.length) { return; }
    current.index = el === current.el ? (current.index + 1) % keys.length : 0;
    current.el = el;
    sm.show(keys[current.index], el.closest(".sm-text") ? el : null);
  };

  sm.hover = function (key, on) {
    var f = sm.features[key];
    if (!f) { return; }
    if (f.layer.getLatLng) {
      var icon = f.layer.getElement && f.layer.getElement();
      if (icon) { icon.classList.toggle("sm-hover", on); }
    } else if (f.layer.setStyle) {
      var props = f.layer.feature.properties, base = props._style || (sm.symbols || {})[props._st] || {};
      f.layer.setStyle(on ? { weight: (base.weight || 2) + 3, opacity: 1 } : base);
    }
  };

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
    if (bounds) {
      var right = layers && !narrow ? Math.min(layers.offsetWidth + 20, map.getSize().x * 0.4) : 10;
      map.fitBounds(bounds, { paddingTopLeft: [narrow ? 10 : 50, 10], paddingBottomRight: [right, 10], animate: false });
    }
    map.on("overlayadd overlayremove", function (e) {
      if (root && e.layer && e.layer._smLayer !== undefined) {
        root.classList.toggle("sm-off-" + e.layer._smLayer, e.type === "overlayremove");
      }
    });
    if (root) {
      root.addEventListener("click", function (e) {
        var el = e.target.closest && e.target.closest("[data-f]");
        if (el) { e.preventDefault(); sm.select(el); }
      });
      root.addEventListener("keydown", function (e) {
        var el = e.target.closest && e.target.closest("[data-f]");
        if (el && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); sm.select(el); }
      });
      var hover = function (on) {
        return function (e) {
          var el = e.target.closest && e.target.closest("[data-f]");
          if (el) { el.getAttribute("data-f").split(" ").forEach(function (k) { sm.hover(k, on); }); }
        };
      };
      root.addEventListener("mouseover", hover(true));
      root.addEventListener("mouseout", hover(false));
      var toggle = document.getElementById("sm-toggle");
      if (toggle) {
        toggle.addEventListener("click", function () {
          var open = root.classList.toggle("sm-open");
          toggle.setAttribute("aria-expanded", open ? "true" : "false");
          toggle.textContent = open ? "Hide report" : "Report";
          map.invalidateSize();
        });
      }
    }
    window.addEventListener("resize", function () { map.invalidateSize(); });
    sm.ready = true;
    sm.readyAt = window.performance ? performance.now() : null;
  };
})(situationMap);
