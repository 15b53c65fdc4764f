/* geoair interactive map. Reads the JSON in #geoair-data (written by
 * geoair.maps.interactive) and draws it with Leaflet on a canvas.
 *
 * Every text in the data was HTML-escaped by geoair before embedding, so it is
 * inserted as HTML as it is; text typed by the user here (search) is escaped below.
 * window.geoair exposes the map, the layers and their feature counts (used by the
 * tests and handy in the browser console).
 */
(function () {
  'use strict';

  var D = JSON.parse(document.getElementById('geoair-data').textContent);
  // The page's own words, in the language the map was written in (geoair.messages).
  var UI = D.ui || {};
  function say(key, values) {
    var text = UI[key] || key;
    Object.keys(values || {}).forEach(function (k) { text = text.split('{' + k + '}').join(values[k]); });
    return text;
  }
  var byId = {};
  D.layers.forEach(function (l) { byId[l.id] = l; });
  var canvas = L.canvas({padding: 0.3, tolerance: 4});
  var map = L.map('ga-map', {preferCanvas: true, renderer: canvas, zoomSnap: 0.5});
  var state = {measuring: false, mode: {}, groups: {}, counts: {}, features: {}, layers: {},
               wanted: {}, points: {}};
  window.geoair = {map: map, groups: state.groups, counts: state.counts, data: D,
                   features: state.features, tileErrors: 0};

  function esc(s) {
    return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;').replace(/'/g, '&#x27;');
  }
  function cell(field, i) {
    if (field.link) {  // the name of a feature of another layer (e.g. a gate's enterprise)
      var pos = field.v[i];
      return pos < 0 ? null : cell(state.layers[field.link].fields[0], pos);
    }
    var v = field.v ? field.v[i] : (field.i[i] < 0 ? null : field.d[field.i[i]]);
    return v === null || v === undefined || v === '' ? null : v;
  }
  function classOf(mode, i) { return mode.values ? mode.values[i] : 0; }
  // Coordinates: integers from the layer's origin, in 1/s degree; lines and rings
  // hold differences from the previous vertex.
  function latlngs(ints, g) {
    var out = [], x = 0, y = 0;
    for (var k = 0; k < ints.length; k += 2) {
      x += ints[k]; y += ints[k + 1];
      out.push([g.o[1] + y / g.s, g.o[0] + x / g.s]);
    }
    return out;
  }
  function pointAt(g, x, y) { return [g.o[1] + y / g.s, g.o[0] + x / g.s]; }

  // ---- basemaps --------------------------------------------------------------------
  var tileLayers = {};
  var notice = L.control({position: 'bottomleft'});
  notice.onAdd = function () {
    var div = L.DomUtil.create('div', 'ga-notice');
    div.style.display = 'none';
    return div;
  };
  notice.addTo(map);
  function warn(text) {
    var div = notice.getContainer();
    div.innerHTML = text;
    div.style.display = 'block';
  }
  D.tiles.forEach(function (t) {
    var base = L.tileLayer(t.url, {subdomains: t.subdomains, attribution: t.attribution,
                                   maxZoom: 18, crossOrigin: false});
    var loaded = 0;
    base.on('tileload', function () { loaded += 1; });
    base.on('tileerror', function () {
      window.geoair.tileErrors += 1;
      if (loaded === 0 && window.geoair.tileErrors === 4) {
        warn(say('tilesFailed', {tiles: t.label}));
      }
    });
    var group = t.overlay ? L.layerGroup([base, L.tileLayer(t.overlay, {
      subdomains: t.subdomains, maxZoom: 18})]) : base;
    tileLayers[t.id] = group;
  });
  function setTiles(id) {
    Object.keys(tileLayers).forEach(function (k) {
      if (k === id) { map.addLayer(tileLayers[k]); } else { map.removeLayer(tileLayers[k]); }
    });
  }

  // ---- popups ----------------------------------------------------------------------
  function popupHtml(layer, i) {
    var f = layer.fields, h = ['<div class="ga-popup">'];
    var name = cell(f[0], i);
    h.push('<h4>' + (name === null ? layer.title : name) + '</h4><table>');
    for (var j = 1; j < f.length; j++) {
      var v = cell(f[j], i);
      if (v !== null) { h.push('<tr><th>' + f[j].label + '</th><td>' + v + '</td></tr>'); }
    }
    h.push('</table>');
    if (layer.extra[String(i)]) { h.push(layer.extra[String(i)]); }  // charts, then records
    layer.tables.forEach(function (t) {
      if (!t.index) {  // feature -> its rows, built at the first popup
        t.index = {};
        t.f.forEach(function (f, r) { (t.index[f] = t.index[f] || []).push(r); });
      }
      var rows = t.index[i];
      if (!rows) { return; }
      h.push('<div class="ga-sub">' + t.title + '</div><table><tr>');
      t.columns.forEach(function (c) { h.push('<th>' + c + '</th>'); });
      h.push('</tr>');
      rows.forEach(function (r) {
        h.push('<tr>');
        t.c.forEach(function (col) {
          var v = cell(col, r);
          h.push('<td>' + (v === null ? '' : v) + '</td>');
        });
        h.push('</tr>');
      });
      h.push('</table>');
    });
    h.push('</div>');
    return h.join('');
  }
  function centerOf(layerId, i) {
    var pts = state.points[layerId];
    if (pts) { return pts.latLng(i); }
    build(layerId);
    var feature = state.features[layerId][i];
    return feature.getLatLng ? feature.getLatLng() : feature.getBounds().getCenter();
  }
  window.geoair.centerOf = centerOf;
  function openPopup(layerId, i, latlng) {
    var layer = state.layers[layerId];
    var at = latlng || centerOf(layerId, i);
    return L.popup({maxWidth: 420, maxHeight: 360}).setLatLng(at)
      .setContent(popupHtml(layer, i)).openOn(map);
  }
  window.geoair.openPopup = openPopup;

  // ---- styles ----------------------------------------------------------------------
  function styleFor(layer, i) {
    var mode = layer.modes[state.mode[layer.id] || 0];
    var color = mode.classes[classOf(mode, i)].color;
    var hollow = layer.hollow && layer.hollow[i];
    if (layer.kind === 'line') {
      var weight = layer.id === 'gate_roads' ? 4 : 3;
      if (layer.widths) { weight = layer.widths[classOf(mode, i)] || 1; }  // roads by class
      return {color: color, weight: weight, opacity: 0.9,
              dashArray: layer.id === 'source_suspects' ? '6 4' : null};
    }
    if (layer.kind === 'polygon' || layer.kind === 'circle') {
      var outline = layer.id === 'counties';
      return {color: color, weight: outline ? 2 : 1.5, fillColor: color,
              fillOpacity: outline ? 0 : (layer.id === 'gate_buffers' ? 0.08 : 0.35),
              dashArray: layer.id === 'gate_buffers' ? '4 3' : null};
    }
    var r = layer.radius * (layer.big && layer.big[i] ? layer.bigFactor : 1);
    var burning = layer.id === 'gangue_heaps' && classOf(mode, i) === 0;
    return {radius: r, color: burning ? '#ffff00' : (hollow ? color : '#222'),
            weight: burning ? 3 : (hollow ? 2.5 : 0.8), fillColor: color,
            fillOpacity: hollow ? 0 : 0.9};
  }

  // ---- features --------------------------------------------------------------------
  function makeFeature(layer, i) {
    var g = layer.geom, st = styleFor(layer, i), opts = L.extend({renderer: canvas}, st);
    var line = function (part) { return latlngs(part, g); };
    var poly = function (p) { return p.map(line); };
    if (g.on) {  // circles around another layer's points (gate circles on their gates)
      var link = layer.fields.filter(function (fl) { return fl.link === g.on; })[0];
      var pg = byId[g.on].geom, pos = link.v[i];
      return L.circle(pointAt(pg, pg.x[pos], pg.y[pos]),
                      L.extend(opts, {radius: g.r.length === 1 ? g.r[0] : g.r[i]}));
    }
    if (g.x) {
      var at = pointAt(g, g.x[i], g.y[i]);
      if (layer.kind === 'circle') {
        return L.circle(at, L.extend(opts, {radius: g.r.length === 1 ? g.r[0] : g.r[i]}));
      }
      return L.circleMarker(at, opts);
    }
    if (g.g) {
      if (layer.kind === 'line') { return L.polyline(g.g[i].map(line), opts); }
      return L.polygon(g.g[i].map(poly), opts);
    }
    var m = g.m[i];
    if (!m) { return null; }
    if (m[0] === 0) { return L.circleMarker(pointAt(g, m[1][0], m[1][1]), opts); }
    if (m[0] === 1) { return L.polyline(m[1].map(line), opts); }
    return L.polygon(m[1].map(poly),
                     L.extend(opts, {fillOpacity: opts.fillOpacity === 0 ? 0 : 0.45,
                                     weight: 2}));
  }
  function restyle(layer) {
    if (state.points[layer.id]) { state.points[layer.id].restyle(); return; }
    (state.features[layer.id] || []).forEach(function (f, i) {
      if (f) {
        var st = styleFor(layer, i);
        if (f.setRadius && st.radius) { f.setRadius(st.radius); delete st.radius; }
        f.setStyle(st);
      }
    });
  }
  // ---- point layers: one canvas each, drawn in one pass ------------------------------
  // Tens of thousands of points as one Leaflet layer each would make every pan slow;
  // here a layer keeps its points in typed arrays (Web Mercator, zoom 0 pixels), draws
  // the ones in view in batches of equal style, and finds a clicked point by distance.
  map.createPane('gaPoints').style.zIndex = 450;
  // The points' canvases take no mouse events: a click reaches the areas and lines
  // below (Leaflet's canvas) and the map, which finds a clicked point by distance.
  map.getPane('gaPoints').style.pointerEvents = 'none';
  var MERCATOR_MAX = 85.0511287798;
  // One small pre-drawn image per style: copying it is much faster than drawing arcs.
  var sprites = {};
  function spriteFor(st, ratio) {
    var key = [st.fillColor, st.radius, st.color, st.weight, st.fillOpacity, ratio].join('|');
    if (sprites[key]) { return sprites[key]; }
    var size = Math.ceil((st.radius + st.weight + 1) * 2), c = document.createElement('canvas');
    c.width = c.height = size * ratio;
    var ctx = c.getContext('2d');
    ctx.scale(ratio, ratio);
    ctx.beginPath();
    ctx.arc(size / 2, size / 2, st.radius, 0, 2 * Math.PI);
    if (st.fillOpacity > 0) {
      ctx.globalAlpha = st.fillOpacity;
      ctx.fillStyle = st.fillColor;
      ctx.fill();
      ctx.globalAlpha = 1;
    }
    if (st.weight > 0) {
      ctx.lineWidth = st.weight;
      ctx.strokeStyle = st.color;
      ctx.stroke();
    }
    sprites[key] = c;
    return c;
  }
  var GaPoints = L.Layer.extend({
    options: {pane: 'gaPoints'},
    initialize: function (layer) {
      var g = layer.geom, n = layer.n;
      this.layer = layer;
      this.lat = new Float64Array(n);
      this.lng = new Float64Array(n);
      this.u = new Float64Array(n);
      this.v = new Float64Array(n);
      for (var i = 0; i < n; i++) {
        if (g.x[i] === null) {  // no location: never drawn, never hit
          this.lat[i] = this.lng[i] = this.u[i] = this.v[i] = NaN;
          continue;
        }
        var at = pointAt(g, g.x[i], g.y[i]);
        var lat = Math.max(-MERCATOR_MAX, Math.min(MERCATOR_MAX, at[0]));
        this.lat[i] = at[0];
        this.lng[i] = at[1];
        this.u[i] = (at[1] + 180) / 360;
        this.v[i] = 0.5 - Math.log(Math.tan(Math.PI / 4 + lat * Math.PI / 360)) / (2 * Math.PI);
      }
      this.drawn = 0;
      this.restyle();
    },
    latLng: function (i) { return L.latLng(this.lat[i], this.lng[i]); },
    restyle: function () {
      var batches = {}, layer = this.layer, radius = new Float32Array(layer.n);
      for (var i = 0; i < layer.n; i++) {
        var st = styleFor(layer, i);
        var key = [st.fillColor, st.radius, st.color, st.weight, st.fillOpacity].join('|');
        (batches[key] = batches[key] || {style: st, idx: []}).idx.push(i);
        radius[i] = st.radius;
      }
      this.batches = Object.keys(batches).map(function (k) { return batches[k]; });
      this.radius = radius;
      this._drawnAt = null;
      if (this._map) { this.redraw(); }
    },
    style: function (i) { return styleFor(this.layer, i); },
    onAdd: function (map) {
      this.canvas = L.DomUtil.create('canvas', 'leaflet-zoom-hide ga-points-canvas');
      this.getPane().appendChild(this.canvas);
      map.on('moveend viewreset resize', this.redraw, this);
      this.redraw();
    },
    onRemove: function (map) {
      map.off('moveend viewreset resize', this.redraw, this);
      L.DomUtil.remove(this.canvas);
      this.drawn = 0;
      this._drawnAt = null;
    },
    view: function () {  // zoom-scaled world size and the view's top-left, in pixels
      var map = this._map;
      return {scale: 256 * Math.pow(2, map.getZoom()), min: map.getPixelBounds().min,
              size: map.getSize()};
    },
    redraw: function (e) {
      // The canvas covers the view and 30 % more on every side: a pan that stays
      // within it needs no drawing (the canvas moves with the map), like Leaflet's own
      // renderer padding.
      var map = this._map, c = this.canvas, ratio = window.devicePixelRatio || 1;
      if (!map) { return; }
      var zoom = map.getZoom(), shown = map.getPixelBounds();
      var done = this._drawnAt;
      if (done && done.zoom === zoom && done.bounds.contains(shown) &&
          !(e && (e.type === 'viewreset' || e.type === 'resize'))) { return; }
      var pad = shown.getSize().multiplyBy(0.3).round();
      var min = shown.min.subtract(pad), size = shown.getSize().add(pad.multiplyBy(2));
      var view = {scale: 256 * Math.pow(2, zoom), min: min, size: size};
      L.DomUtil.setPosition(c, map.containerPointToLayerPoint(min.subtract(shown.min)));
      var ctx = c.getContext('2d'), u = this.u, v = this.v, drawn = 0, layer = this.layer;
      if (c.width !== size.x * ratio || c.height !== size.y * ratio) {  // resize only if needed
        c.width = size.x * ratio;
        c.height = size.y * ratio;
        c.style.width = size.x + 'px';
        c.style.height = size.y + 'px';
      }
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, c.width, c.height);
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      drawn = this.paint(ctx, view, ratio);
      this._drawnAt = {zoom: zoom, bounds: L.bounds(min, min.add(size))};
      if (layer.labels && layer.kind === 'point') {
        ctx.font = 'bold 11px sans-serif';
        ctx.textAlign = 'center';
        ctx.textBaseline = 'middle';
        ctx.fillStyle = '#fff';
        for (var i = 0; i < layer.n; i++) {
          if (!layer.labels[i]) { continue; }
          var lx = u[i] * view.scale - view.min.x, ly = v[i] * view.scale - view.min.y;
          ctx.fillText(layer.labels[i].replace(/&amp;/g, '&').replace(/&lt;/g, '<')
            .replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#x27;/g, "'"), lx, ly);
        }
      }
      this.drawn = drawn;
    },
    paint: function (ctx, view, ratio) {  // points in view, one sprite per style
      var u = this.u, v = this.v, size = view.size, drawn = 0;
      this.batches.forEach(function (batch) {
        var st = batch.style, idx = batch.idx, sprite = spriteFor(st, ratio);
        var half = sprite.width / ratio / 2, w = sprite.width / ratio;
        for (var k = 0; k < idx.length; k++) {
          var x = u[idx[k]] * view.scale - view.min.x, y = v[idx[k]] * view.scale - view.min.y;
          if (!(x >= -half && y >= -half && x <= size.x + half && y <= size.y + half)) {
            continue;  // out of view, or no location (NaN)
          }
          ctx.drawImage(sprite, x - half, y - half, w, w);
          drawn += 1;
        }
      });
      return drawn;
    },
    hit: function (containerPoint) {  // the nearest point under the cursor, or -1
      var view = this.view(), best = -1, bestD = Infinity;
      for (var i = 0; i < this.layer.n; i++) {
        var dx = this.u[i] * view.scale - view.min.x - containerPoint.x;
        var dy = this.v[i] * view.scale - view.min.y - containerPoint.y;
        var d = dx * dx + dy * dy, r = this.radius[i] + 3;
        if (d <= r * r && d < bestD) { best = i; bestD = d; }
      }
      return best;
    }
  });
  function toV(lat) {
    lat = Math.max(-MERCATOR_MAX, Math.min(MERCATOR_MAX, lat));
    return 0.5 - Math.log(Math.tan(Math.PI / 4 + lat * Math.PI / 360)) / (2 * Math.PI);
  }
  function toLat(v) { return Math.atan(Math.sinh(Math.PI * (1 - 2 * v))) * 180 / Math.PI; }

  // Many circles (gate circles: 75,000 at province scale) on one canvas, like points.
  var GaCircles = GaPoints.extend({
    initialize: function (layer) {
      var g = layer.geom, n = layer.n, link = null, pg = null;
      if (g.on) {
        link = layer.fields.filter(function (fl) { return fl.link === g.on; })[0];
        pg = byId[g.on].geom;
      }
      this.layer = layer;
      this.lat = new Float64Array(n);
      this.lng = new Float64Array(n);
      this.u = new Float64Array(n);
      this.v = new Float64Array(n);
      this.rm = new Float64Array(n);
      for (var i = 0; i < n; i++) {
        var src = pg || g, k = pg ? link.v[i] : i;
        this.rm[i] = g.r.length === 1 ? g.r[0] : g.r[i];
        if (k < 0 || src.x[k] === null) {
          this.lat[i] = this.lng[i] = this.u[i] = this.v[i] = NaN;
          continue;
        }
        var at = pointAt(src, src.x[k], src.y[k]);
        this.lat[i] = at[0];
        this.lng[i] = at[1];
        this.u[i] = (at[1] + 180) / 360;
        this.v[i] = toV(at[0]);
      }
      this.drawn = 0;
      this.restyle();
    },
    restyle: function () {
      var batches = {}, layer = this.layer;
      for (var i = 0; i < layer.n; i++) {
        var st = styleFor(layer, i), key = st.color + '|' + st.fillOpacity;
        (batches[key] = batches[key] || {style: st, idx: []}).idx.push(i);
      }
      this.batches = Object.keys(batches).map(function (k) { return batches[k]; });
      this._drawnAt = null;
      if (this._map) { this.redraw(); }
    },
    pxRadius: function (i, scale) {  // metres to pixels at the circle's latitude
      return this.rm[i] * scale / (40075016.686 * Math.cos(this.lat[i] * Math.PI / 180));
    },
    paint: function (ctx, view) {
      var self = this, size = view.size, drawn = 0;
      this.batches.forEach(function (batch) {
        var st = batch.style, idx = batch.idx;
        ctx.beginPath();
        for (var k = 0; k < idx.length; k++) {
          var i = idx[k], r = self.pxRadius(i, view.scale);
          var x = self.u[i] * view.scale - view.min.x, y = self.v[i] * view.scale - view.min.y;
          if (!(x >= -r && y >= -r && x <= size.x + r && y <= size.y + r)) { continue; }
          ctx.moveTo(x + r, y);
          ctx.arc(x, y, r, 0, 2 * Math.PI);
          drawn += 1;
        }
        ctx.globalAlpha = st.fillOpacity;
        ctx.fillStyle = st.fillColor;
        ctx.fill();
        ctx.globalAlpha = 1;
        ctx.setLineDash(st.dashArray ? st.dashArray.split(' ').map(Number) : []);
        ctx.lineWidth = st.weight;
        ctx.strokeStyle = st.color;
        ctx.stroke();
        ctx.setLineDash([]);
      });
      return drawn;
    },
    hit: function (p) {
      var view = this.view(), best = -1, bestD = Infinity;
      for (var i = 0; i < this.layer.n; i++) {
        var dx = this.u[i] * view.scale - view.min.x - p.x;
        var dy = this.v[i] * view.scale - view.min.y - p.y;
        var r = this.pxRadius(i, view.scale) + 2, d = dx * dx + dy * dy;
        if (d <= r * r && d < bestD) { best = i; bestD = d; }
      }
      return best;
    }
  });

  // Many short lines (gate roads) on one canvas: vertices in typed arrays, a box per
  // line to skip those out of view, clicks found by distance to the segments.
  var GaLines = GaPoints.extend({
    initialize: function (layer) {
      var g = layer.geom, n = layer.n, us = [], vs = [], starts = [], first = new Int32Array(n + 1);
      this.layer = layer;
      this.box = new Float64Array(4 * n);
      for (var i = 0; i < n; i++) {
        first[i] = starts.length;
        var minu = Infinity, minv = Infinity, maxu = -Infinity, maxv = -Infinity;
        g.g[i].forEach(function (part) {
          starts.push(us.length);
          latlngs(part, g).forEach(function (ll) {
            var u = (ll[1] + 180) / 360, v = toV(ll[0]);
            us.push(u); vs.push(v);
            minu = Math.min(minu, u); maxu = Math.max(maxu, u);
            minv = Math.min(minv, v); maxv = Math.max(maxv, v);
          });
        });
        this.box.set([minu, minv, maxu, maxv], 4 * i);
      }
      first[n] = starts.length;
      starts.push(us.length);
      this.u = Float64Array.from(us);
      this.v = Float64Array.from(vs);
      this.starts = Int32Array.from(starts);
      this.first = first;
      this.drawn = 0;
      this.restyle();
    },
    latLng: function (i) {
      var b = this.box;
      return L.latLng(toLat((b[4 * i + 1] + b[4 * i + 3]) / 2), (b[4 * i] + b[4 * i + 2]) / 2 * 360 - 180);
    },
    restyle: function () {
      var batches = {}, layer = this.layer;
      for (var i = 0; i < layer.n; i++) {
        var st = styleFor(layer, i), key = [st.color, st.weight, st.dashArray].join('|');
        (batches[key] = batches[key] || {style: st, idx: []}).idx.push(i);
      }
      this.batches = Object.keys(batches).map(function (k) { return batches[k]; });
      this._drawnAt = null;
      if (this._map) { this.redraw(); }
    },
    visible: function (i, view, pad) {
      var b = this.box, s = view.scale;
      return b[4 * i + 2] * s - view.min.x >= -pad && b[4 * i] * s - view.min.x <= view.size.x + pad &&
             b[4 * i + 3] * s - view.min.y >= -pad && b[4 * i + 1] * s - view.min.y <= view.size.y + pad;
    },
    paint: function (ctx, view) {
      var self = this, drawn = 0;
      ctx.lineCap = 'round';
      ctx.lineJoin = 'round';
      this.batches.forEach(function (batch) {
        var st = batch.style, idx = batch.idx;
        ctx.beginPath();
        for (var k = 0; k < idx.length; k++) {
          var i = idx[k];
          if (!self.visible(i, view, 0)) { continue; }
          for (var q = self.first[i]; q < self.first[i + 1]; q++) {
            for (var j = self.starts[q]; j < self.starts[q + 1]; j++) {
              var x = self.u[j] * view.scale - view.min.x, y = self.v[j] * view.scale - view.min.y;
              if (j === self.starts[q]) { ctx.moveTo(x, y); } else { ctx.lineTo(x, y); }
            }
          }
          drawn += 1;
        }
        ctx.globalAlpha = st.opacity || 1;
        ctx.setLineDash(st.dashArray ? st.dashArray.split(' ').map(Number) : []);
        ctx.lineWidth = st.weight;
        ctx.strokeStyle = st.color;
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.globalAlpha = 1;
      });
      return drawn;
    },
    hit: function (p) {
      var view = this.view(), best = -1, bestD = 25;  // within 5 pixels
      for (var i = 0; i < this.layer.n; i++) {
        if (!this.visible(i, view, 5)) { continue; }
        for (var q = this.first[i]; q < this.first[i + 1]; q++) {
          for (var j = this.starts[q] + 1; j < this.starts[q + 1]; j++) {
            var ax = this.u[j - 1] * view.scale - view.min.x, ay = this.v[j - 1] * view.scale - view.min.y;
            var bx = this.u[j] * view.scale - view.min.x, by = this.v[j] * view.scale - view.min.y;
            var dx = bx - ax, dy = by - ay, len = dx * dx + dy * dy;
            var s = len ? Math.max(0, Math.min(1, ((p.x - ax) * dx + (p.y - ay) * dy) / len)) : 0;
            var ex = ax + s * dx - p.x, ey = ay + s * dy - p.y, d = ex * ex + ey * ey;
            if (d < bestD) { best = i; bestD = d; }
          }
        }
      }
      return best;
    }
  });

  // Points are above areas and lines: a click goes to the topmost point layer hit.
  function pointHit(containerPoint) {
    for (var k = D.layers.length - 1; k >= 0; k--) {
      var pts = state.points[D.layers[k].id];
      if (pts && pts._map) {
        var i = pts.hit(containerPoint);
        if (i >= 0) { return [D.layers[k].id, i]; }
      }
    }
    return null;
  }
  map.on('click', function (e) {
    if (state.measuring) { return; }
    var hit = pointHit(e.containerPoint);
    if (hit) { openPopup(hit[0], hit[1]); }
  });
  map.on('mousemove', function (e) {
    if (state.measuring) { return; }
    var over = D.layers.some(function (l) {
      var pts = state.points[l.id];
      return pts && pts._map && pts.hit(e.containerPoint) >= 0;
    });
    map.getContainer().classList.toggle('ga-pointer', over);
  });

  function hasGeometry(layer, i) {
    var g = layer.geom;
    if (g.x) { return g.x[i] !== null; }
    if (g.on) {
      var link = layer.fields.filter(function (fl) { return fl.link === g.on; })[0];
      return byId[g.on].geom.x[link.v[i]] !== null;
    }
    if (g.g) { return g.g[i].length > 0; }
    if (g.m) { return g.m[i] !== null; }
    return true;
  }
  function countOf(layer) {
    var n = 0;
    for (var i = 0; i < layer.n; i++) { if (hasGeometry(layer, i)) { n += 1; } }
    return n;
  }
  // Leaflet features of an area or line layer, made when the layer is first shown:
  // 75,000 gate circles hidden until zoom 13 cost nothing at the start.
  function build(layerId) {
    var layer = state.layers[layerId], group = state.groups[layerId];
    if (state.points[layerId] || state.features[layerId]) { return; }
    var features = new Array(layer.n);
    for (var i = 0; i < layer.n; i++) {
      var f = hasGeometry(layer, i) ? makeFeature(layer, i) : null;
      features[i] = f;
      if (f) {
        f._gaIndex = i;
        if (layer.labels && layer.labels[i]) {
          f.bindTooltip(layer.labels[i], {permanent: true, interactive: false,
            direction: 'center', className: layer.id === 'counties' ? 'ga-label' : 'ga-stop-label'});
        }
        group.addLayer(f);
      }
    }
    state.features[layerId] = features;
  }
  window.geoair.build = build;
  var bounds = L.latLngBounds(D.bounds);
  map.fitBounds(bounds, {padding: [20, 20]});
  D.layers.forEach(function (layer) {
    state.layers[layer.id] = layer;
    state.mode[layer.id] = 0;
    if (layer.kind === 'point' || layer.fast) {
      var pts = layer.kind === 'point' ? new GaPoints(layer)
        : (layer.kind === 'circle' ? new GaCircles(layer) : new GaLines(layer));
      state.points[layer.id] = pts;
      state.groups[layer.id] = pts;
      state.features[layer.id] = [];
      state.counts[layer.id] = countOf(layer);
      state.wanted[layer.id] = layer.visible;
      return;
    }
    var group = L.featureGroup();
    group.on('click', function (e) {
      if (state.measuring) { return; }
      L.DomEvent.stopPropagation(e);
      var hit = pointHit(e.containerPoint);  // a point above this area or line wins
      if (hit) { openPopup(hit[0], hit[1]); } else { openPopup(layer.id, e.layer._gaIndex, e.latlng); }
    });
    state.features[layer.id] = null;  // made when first shown (see build)
    state.groups[layer.id] = group;
    state.counts[layer.id] = countOf(layer);
    state.wanted[layer.id] = layer.visible;
  });
  // A layer is on the map when its box is ticked and, for very large layers of small
  // things (gates, their circles and roads), the map is zoomed in far enough.
  function showLayers() {
    D.layers.forEach(function (layer) {
      var on = state.wanted[layer.id] && (!layer.minZoom || map.getZoom() >= layer.minZoom);
      var grp = state.groups[layer.id];
      if (on) { build(layer.id); }
      if (on && !map.hasLayer(grp)) { map.addLayer(grp); }
      if (!on && map.hasLayer(grp)) { map.removeLayer(grp); }
    });
    if (state.groups.counties && map.hasLayer(state.groups.counties)) {
      state.groups.counties.bringToBack();
    }
  }
  window.geoair.showLayers = showLayers;
  map.on('zoomend', showLayers);
  showLayers();
  if (state.groups.counties) { state.groups.counties.bringToBack(); }
  setTiles(D.activeTiles);

  // ---- title -----------------------------------------------------------------------
  var title = L.control({position: 'topleft'});
  title.onAdd = function () {
    var div = L.DomUtil.create('div', 'ga-title');
    div.innerHTML = D.title;
    return div;
  };
  title.addTo(map);

  // ---- layer control with groups and legends ----------------------------------------
  function legendHtml(layer) {
    var mode = layer.modes[state.mode[layer.id] || 0];
    var shape = layer.kind === 'line' ? ' ga-line' :
      (layer.kind === 'polygon' || layer.kind === 'circle' ? ' ga-area' : '');
    var used = {};
    if (mode.values) { mode.values.forEach(function (v) { used[v] = (used[v] || 0) + 1; }); }
    else { used[0] = mode.n; }
    var h = ['<ul class="ga-legend">'];
    mode.classes.forEach(function (c, k) {
      if (!used[k]) { return; }
      h.push('<li><span class="ga-swatch' + shape + '" style="background:' + c.color +
             '"></span>' + c.label + ' <span class="ga-count">(' + used[k] + ')</span></li>');
    });
    h.push('</ul>');
    if (layer.note) { h.push('<div class="ga-note">' + layer.note + '</div>'); }
    if (layer.minZoom) {
      h.push('<div class="ga-note">' + say('minZoom', {zoom: layer.minZoom}) + '</div>');
    }
    return h.join('');
  }
  var panel = L.control({position: 'topright'});
  panel.onAdd = function () {
    var div = L.DomUtil.create('div', 'ga-panel');
    var h = ['<div class="ga-head" data-role="head">' + say('panel') + '</div><div class="ga-body">'];
    h.push('<h3>' + say('basemap') + '</h3>');
    D.tiles.forEach(function (t) {
      h.push('<label><input type="radio" name="ga-tiles" value="' + t.id + '"' +
             (t.id === D.activeTiles ? ' checked' : '') + '> ' + esc(t.label) + '</label>');
    });
    h.push('<label><input type="radio" name="ga-tiles" value="none"' +
           (D.activeTiles === 'none' ? ' checked' : '') + '> ' + say('noBasemap') + '</label>');
    D.notes.forEach(function (n) { h.push('<div class="ga-note">' + n + '</div>'); });
    var groups = [];
    D.layers.forEach(function (l) { if (groups.indexOf(l.group) < 0) { groups.push(l.group); } });
    groups.forEach(function (g) {
      h.push('<h3>' + g + '</h3>');
      D.layers.forEach(function (l) {
        if (l.group !== g) { return; }
        h.push('<label><input type="checkbox" data-layer="' + l.id + '"' +
               (l.visible ? ' checked' : '') + '> ' + l.title +
               ' <span class="ga-count">' + state.counts[l.id] + '</span></label>');
        if (l.modes.length > 1) {
          h.push('<select data-mode="' + l.id + '">');
          l.modes.forEach(function (m, k) {
            h.push('<option value="' + k + '">' + say('colourBy', {mode: m.label}) + '</option>');
          });
          h.push('</select>');
        }
        h.push('<div data-legend="' + l.id + '">' + legendHtml(l) + '</div>');
      });
    });
    h.push('</div>');
    div.innerHTML = h.join('');
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    div.addEventListener('change', function (e) {
      var t = e.target;
      if (t.name === 'ga-tiles') { setTiles(t.value); }
      if (t.dataset.layer) {
        state.wanted[t.dataset.layer] = t.checked;
        showLayers();
      }
      if (t.dataset.mode) {
        var layer = state.layers[t.dataset.mode];
        state.mode[layer.id] = Number(t.value);
        restyle(layer);
        div.querySelector('[data-legend="' + layer.id + '"]').innerHTML = legendHtml(layer);
      }
    });
    div.querySelector('[data-role="head"]').addEventListener('click', function () {
      div.classList.toggle('ga-collapsed');
    });
    return div;
  };
  panel.addTo(map);

  // ---- search by name --------------------------------------------------------------
  var search = L.control({position: 'topleft'});
  search.onAdd = function () {
    var div = L.DomUtil.create('div', 'ga-search');
    div.innerHTML = '<input type="search" placeholder="' + say('searchPlaceholder') + '" ' +
                    'aria-label="' + say('searchLabel') + '"><ul class="ga-results"></ul>';
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    var input = div.querySelector('input'), list = div.querySelector('ul');
    var hits = [];
    // Features with the same name in the same layer (a factory's gates, a road cut into
    // pieces) are one result: choosing it shows them all and opens the first.
    function find(q) {
      var found = [], seen = {};
      D.layers.some(function (layer) {
        var f = layer.fields[0];
        for (var i = 0; i < layer.n && found.length < 30; i++) {
          var v = cell(f, i);
          if (v === null || String(v).toLowerCase().indexOf(q) < 0 || !hasGeometry(layer, i)) {
            continue;
          }
          var key = layer.id + '\u0000' + v;
          if (seen[key] !== undefined) { found[seen[key]][1].push(i); continue; }
          seen[key] = found.length;
          found.push([layer, [i], v]);
        }
        return found.length >= 30;
      });
      return found;
    }
    function choose(hit) {
      var layer = hit[0], items = hit[1], first = items[0];
      build(layer.id);
      state.wanted[layer.id] = true;
      var box = document.querySelector('[data-layer="' + layer.id + '"]');
      if (box) { box.checked = true; }
      var around = L.latLngBounds([]);
      items.forEach(function (i) {
        var f = state.points[layer.id] ? null : state.features[layer.id][i];
        if (f && f.getBounds) { around.extend(f.getBounds()); } else { around.extend(centerOf(layer.id, i)); }
      });
      var zoom = Math.max(map.getZoom(), 15, layer.minZoom || 0);
      if (items.length === 1 && !(state.features[layer.id][first] || {}).getBounds) {
        map.setView(around.getCenter(), zoom);
      } else {
        map.fitBounds(around, {maxZoom: 16, padding: [30, 30]});
        if (layer.minZoom && map.getZoom() < layer.minZoom) { map.setZoom(layer.minZoom); }
      }
      showLayers();
      openPopup(layer.id, first);
      list.innerHTML = '';
    }
    window.geoair.search = function (text) { input.value = text; input.dispatchEvent(new Event('input')); return hits.length; };
    input.addEventListener('input', function () {
      var q = esc(input.value.trim()).toLowerCase();
      list.innerHTML = '';
      hits = q ? find(q) : [];
      if (!q) { return; }
      list.innerHTML = hits.map(function (h, k) {
        var count = h[1].length > 1 ? say('places', {n: h[1].length}) : '';
        return '<li data-hit="' + k + '"' + (k === 0 ? ' class="ga-first"' : '') + '>' + h[2] +
               count + ' <small>' + h[0].title + '</small></li>';
      }).join('') || '<li>' + say('noResults') + '</li>';
    });
    input.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && hits.length) {  // Enter takes the first result
        e.preventDefault();
        choose(hits[0]);
      }
    });
    list.addEventListener('click', function (e) {
      var li = e.target.closest('li[data-hit]');
      if (li) { choose(hits[Number(li.dataset.hit)]); }
    });
    return div;
  };
  search.addTo(map);

  // ---- measuring tool --------------------------------------------------------------
  var measure = {points: [], line: null, label: null, marks: L.layerGroup().addTo(map)};
  function fmtDistance(m) {
    return m < 1000 ? say('metres', {n: m.toFixed(0)}) : say('km', {n: (m / 1000).toFixed(2)});
  }
  function measureTotal() {
    var total = 0;
    for (var k = 1; k < measure.points.length; k++) {
      total += map.distance(measure.points[k - 1], measure.points[k]);
    }
    return total;
  }
  window.geoair.measureTotal = measureTotal;
  function clearMeasure() {
    measure.points = [];
    measure.marks.clearLayers();
    measure.line = null;
  }
  var tools = L.control({position: 'topleft'});
  tools.onAdd = function () {
    var div = L.DomUtil.create('div', 'ga-tools');
    div.innerHTML = '<button type="button" data-tool="measure" title="' + say('measureTitle') + '">' +
                    say('measure') + '</button>' +
                    '<button type="button" data-tool="clear">' + say('clearMeasure') + '</button>' +
                    '<button type="button" data-tool="home">' + say('home') + '</button>';
    L.DomEvent.disableClickPropagation(div);
    div.addEventListener('click', function (e) {
      var tool = e.target.dataset.tool;
      if (tool === 'measure') {
        state.measuring = !state.measuring;
        e.target.classList.toggle('ga-active', state.measuring);
        map.getContainer().style.cursor = state.measuring ? 'crosshair' : '';
        if (state.measuring) { map.doubleClickZoom.disable(); clearMeasure(); }
        else { map.doubleClickZoom.enable(); }
      } else if (tool === 'clear') {
        clearMeasure();
      } else if (tool === 'home') {
        map.fitBounds(bounds, {padding: [20, 20]});
      }
    });
    return div;
  };
  tools.addTo(map);
  map.on('click', function (e) {
    if (!state.measuring) { return; }
    measure.points.push(e.latlng);
    L.circleMarker(e.latlng, {radius: 3, color: '#e6550d', renderer: canvas}).addTo(measure.marks);
    if (!measure.line) {
      measure.line = L.polyline(measure.points, {color: '#e6550d', weight: 3, renderer: canvas})
        .addTo(measure.marks);
    } else {
      measure.line.setLatLngs(measure.points);
    }
    if (measure.points.length > 1) {
      L.tooltip({permanent: true, className: 'ga-measure-label', direction: 'right'})
        .setLatLng(e.latlng).setContent(fmtDistance(measureTotal())).addTo(measure.marks);
    }
  });
  map.on('dblclick', function () {
    if (!state.measuring) { return; }
    state.measuring = false;
    map.getContainer().style.cursor = '';
    var b = document.querySelector('[data-tool="measure"]');
    if (b) { b.classList.remove('ga-active'); }
    setTimeout(function () { map.doubleClickZoom.enable(); }, 0);
  });

  var scale = L.control.scale({imperial: false, metric: true, position: 'bottomright'});
  scale._updateMetric = function (maxMeters) {  // units in the map's language: 米, 公里
    var meters = this._getRoundNum(maxMeters);
    var label = meters < 1000 ? say('metres', {n: meters}) : say('km', {n: meters / 1000});
    this._updateScale(this._mScale, label, meters / maxMeters);
  };
  scale.addTo(map);
  map.attributionControl.setPrefix('Leaflet');
  window.geoair.ready = true;
}());
