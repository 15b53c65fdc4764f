/* geoair serve: one layer on a Leaflet map (the vendored Leaflet of geoair.maps), from
   GET /api/layers/{name}. No basemap: nothing is loaded from outside the server. Popup
   texts are set with textContent. */
(function () {
  "use strict";
  var box = document.getElementById("ga-layer-map");
  var status = document.getElementById("ga-layer-status");
  var T = JSON.parse(document.getElementById("ga-text").textContent);
  var name = box.getAttribute("data-layer");
  var context = box.getAttribute("data-context");
  var map = L.map(box, { preferCanvas: true });
  var renderer = L.canvas();

  function popup(properties) {
    var table = document.createElement("table");
    table.className = "ga-popup";
    Object.keys(properties).forEach(function (key) {
      var value = properties[key];
      if (value === null || value === undefined || value === "") return;
      var row = table.insertRow();
      var th = document.createElement("th");
      th.textContent = key;
      row.appendChild(th);
      row.insertCell().textContent = String(value);
    });
    return table;
  }

  function load(layerName) {
    return fetch("/api/layers/" + encodeURIComponent(layerName), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      });
  }

  if (context) {  // county outlines under the layer, for orientation (no basemap offline)
    load(context).then(function (data) {
      L.geoJSON(data, {
        renderer: renderer, interactive: false,
        style: function () { return { color: "#555", weight: 1, fill: false }; }
      }).addTo(map).bringToBack();
    }).catch(function () { /* the layer itself says if something is wrong */ });
  }

  status.textContent = T.loading;
  load(name)
    .then(function (data) {
      var layer = L.geoJSON(data, {
        renderer: renderer,
        style: function () { return { color: "#c0392b", weight: 2, fillOpacity: 0.2 }; },
        pointToLayer: function (feature, latlng) {
          return L.circleMarker(latlng, { renderer: renderer, radius: 4, color: "#c0392b", weight: 1, fillOpacity: 0.7 });
        },
        onEachFeature: function (feature, shape) {
          shape.bindPopup(function () { return popup(feature.properties || {}); });
        }
      }).addTo(map);
      var bounds = layer.getBounds();
      if (bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20] }); else map.setView([37.86, 113.58], 9);
      L.control.scale({ imperial: false }).addTo(map);
      status.textContent = data.features.length.toLocaleString();
      window.geoairLayer = { ready: true, count: data.features.length };
    })
    .catch(function (error) {
      status.textContent = T.internal_error + " (" + error.message + ")";
      window.geoairLayer = { ready: true, error: error.message };
    });
})();
