// Draws one layer of a situation: features carry pre-escaped popup and tooltip HTML.
function situationMapLayer(data, group) {
  var layer = L.geoJSON(data, {
    style: function (f) { return f.properties._style; },
    pointToLayer: function (f, latlng) {
      var s = f.properties._symbol;
      return L.marker(latlng, {
        icon: L.divIcon({ className: "sm-icon", html: s.svg, iconSize: [s.size, s.size], iconAnchor: [s.size / 2, s.size / 2] }),
        keyboard: true, title: f.properties.name
      });
    },
    onEachFeature: function (f, l) {
      if (f.properties._popup) { l.bindPopup(f.properties._popup, { maxWidth: 360 }); }
      if (f.properties._tooltip) { l.bindTooltip(f.properties._tooltip, { sticky: true }); }
    }
  });
  layer.addTo(group);
  return layer;
}
