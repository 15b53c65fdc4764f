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
  var canvas = L.canvas({padding: 0.3, tolerance: 4});
  var map = L.map('ga-map', {preferCanvas: true, renderer: canvas, zoomSnap: 0.5});
  var state = {measuring: false, mode: {}, groups: {}, counts: {}, features: {}, layers: {}};
  window.geoair = {map: map, groups: state.groups, counts: state.counts, data: D,
                   features: state.features, tileErrors: 0};

  function esc(s) {
    return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;').replace(/'/g, '&#x27;');
  }
  function cell(field, i) {
    var v = field.v ? field.v[i] : (field.i[i] < 0 ? null : field.d[field.i[i]]);
    return v === null || v === undefined || v === '' ? null : v;
  }
  function latlngs(flat) {
    var out = [];
    for (var k = 0; k < flat.length; k += 2) { out.push([flat[k + 1], flat[k]]); }
    return out;
  }

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
        warn('无法连接底图服务器（' + t.label + '），以县区界为底图。' +
             '内网使用时此为正常现象。');
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
    layer.tables.forEach(function (t) {
      var rows = t.rows[String(i)];
      if (!rows) { return; }
      h.push('<div class="ga-sub">' + t.title + '</div><table><tr>');
      t.columns.forEach(function (c) { h.push('<th>' + c + '</th>'); });
      h.push('</tr>');
      rows.forEach(function (r) {
        h.push('<tr>');
        r.forEach(function (v) { h.push('<td>' + (v === null ? '' : v) + '</td>'); });
        h.push('</tr>');
      });
      h.push('</table>');
    });
    if (layer.extra[String(i)]) { h.push(layer.extra[String(i)]); }
    h.push('</div>');
    return h.join('');
  }
  function openPopup(layerId, i, latlng) {
    var layer = state.layers[layerId];
    var feature = state.features[layerId][i];
    var at = latlng || (feature.getLatLng ? feature.getLatLng()
                                          : feature.getBounds().getCenter());
    return L.popup({maxWidth: 420, maxHeight: 360}).setLatLng(at)
      .setContent(popupHtml(layer, i)).openOn(map);
  }
  window.geoair.openPopup = openPopup;

  // ---- styles ----------------------------------------------------------------------
  function styleFor(layer, i) {
    var mode = layer.modes[state.mode[layer.id] || 0];
    var color = mode.classes[mode.values[i]].color;
    var hollow = layer.hollow && layer.hollow[i];
    if (layer.kind === 'line') {
      return {color: color, weight: layer.id === 'gate_roads' ? 4 : 3, opacity: 0.9,
              dashArray: layer.id === 'source_suspects' ? '6 4' : null};
    }
    if (layer.kind === 'polygon' || layer.kind === 'circle') {
      var outline = layer.id === 'counties';
      return {color: color, weight: outline ? 2 : 1.5, fillColor: color,
              fillOpacity: outline ? 0 : (layer.id === 'gate_buffers' ? 0.08 : 0.35),
              dashArray: layer.id === 'gate_buffers' ? '4 3' : null};
    }
    var r = layer.radius * (layer.big && layer.big[i] ? layer.bigFactor : 1);
    var burning = layer.id === 'gangue_heaps' && mode.values[i] === 0;
    return {radius: r, color: burning ? '#ffff00' : (hollow ? color : '#222'),
            weight: burning ? 3 : (hollow ? 2.5 : 0.8), fillColor: color,
            fillOpacity: hollow ? 0 : 0.9};
  }

  // ---- features --------------------------------------------------------------------
  function makeFeature(layer, i) {
    var g = layer.geom, st = styleFor(layer, i), opts = L.extend({renderer: canvas}, st);
    if (g.x) {
      if (layer.kind === 'circle') { return L.circle([g.y[i], g.x[i]], L.extend(opts, {radius: g.r[i]})); }
      return L.circleMarker([g.y[i], g.x[i]], opts);
    }
    if (g.g) {
      if (layer.kind === 'line') { return L.polyline(g.g[i].map(latlngs), opts); }
      return L.polygon(g.g[i].map(function (p) { return p.map(latlngs); }), opts);
    }
    var m = g.m[i];
    if (!m) { return null; }
    if (m[0] === 0) { return L.circleMarker([m[1][1], m[1][0]], opts); }
    if (m[0] === 1) { return L.polyline(m[1].map(latlngs), opts); }
    return L.polygon(m[1].map(function (p) { return p.map(latlngs); }),
                     L.extend(opts, {fillOpacity: opts.fillOpacity === 0 ? 0 : 0.45,
                                     weight: 2}));
  }
  function restyle(layer) {
    state.features[layer.id].forEach(function (f, i) {
      if (f) {
        var st = styleFor(layer, i);
        if (f.setRadius && st.radius) { f.setRadius(st.radius); delete st.radius; }
        f.setStyle(st);
      }
    });
  }
  var bounds = L.latLngBounds(D.bounds);
  map.fitBounds(bounds, {padding: [20, 20]});
  D.layers.forEach(function (layer) {
    state.layers[layer.id] = layer;
    state.mode[layer.id] = 0;
    var features = new Array(layer.n);
    var group = L.featureGroup();
    var count = 0;
    for (var i = 0; i < layer.n; i++) {
      var f = makeFeature(layer, i);
      features[i] = f;
      if (f) {
        f._gaIndex = i;
        if (layer.labels && layer.labels[i]) {
          f.bindTooltip(layer.labels[i], {permanent: true, interactive: false,
            direction: 'center', className: layer.id === 'counties' ? 'ga-label' : 'ga-stop-label'});
        }
        group.addLayer(f);
        count += 1;
      }
    }
    group.on('click', function (e) {
      if (state.measuring) { return; }
      L.DomEvent.stopPropagation(e);
      openPopup(layer.id, e.layer._gaIndex, e.latlng);
    });
    state.features[layer.id] = features;
    state.groups[layer.id] = group;
    state.counts[layer.id] = count;
    if (layer.visible) { group.addTo(map); }
  });
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
    mode.values.forEach(function (v) { used[v] = (used[v] || 0) + 1; });
    var h = ['<ul class="ga-legend">'];
    mode.classes.forEach(function (c, k) {
      if (!used[k]) { return; }
      h.push('<li><span class="ga-swatch' + shape + '" style="background:' + c.color +
             '"></span>' + c.label + ' <span class="ga-count">(' + used[k] + ')</span></li>');
    });
    h.push('</ul>');
    if (layer.note) { h.push('<div class="ga-note">' + layer.note + '</div>'); }
    return h.join('');
  }
  var panel = L.control({position: 'topright'});
  panel.onAdd = function () {
    var div = L.DomUtil.create('div', 'ga-panel');
    var h = ['<div class="ga-head" data-role="head">图层与图例 ▾</div><div class="ga-body">'];
    h.push('<h3>底图</h3>');
    D.tiles.forEach(function (t) {
      h.push('<label><input type="radio" name="ga-tiles" value="' + t.id + '"' +
             (t.id === D.activeTiles ? ' checked' : '') + '> ' + esc(t.label) + '</label>');
    });
    h.push('<label><input type="radio" name="ga-tiles" value="none"' +
           (D.activeTiles === 'none' ? ' checked' : '') + '> 无底图（县区界）</label>');
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
            h.push('<option value="' + k + '">按' + m.label + '着色</option>');
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
        var grp = state.groups[t.dataset.layer];
        if (t.checked) { map.addLayer(grp); } else { map.removeLayer(grp); }
        if (state.groups.counties && map.hasLayer(state.groups.counties)) {
          state.groups.counties.bringToBack();
        }
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
    div.innerHTML = '<input type="search" placeholder="搜索名称（企业、站点、园区…）" ' +
                    'aria-label="搜索名称"><ul class="ga-results"></ul>';
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    var input = div.querySelector('input'), list = div.querySelector('ul');
    input.addEventListener('input', function () {
      var q = esc(input.value.trim()).toLowerCase(), hits = [];
      list.innerHTML = '';
      if (!q) { return; }
      D.layers.some(function (layer) {
        var f = layer.fields[0];
        for (var i = 0; i < layer.n && hits.length < 30; i++) {
          var v = cell(f, i);
          if (v !== null && String(v).toLowerCase().indexOf(q) >= 0 && state.features[layer.id][i]) {
            hits.push([layer, i, v]);
          }
        }
        return hits.length >= 30;
      });
      list.innerHTML = hits.map(function (h, k) {
        return '<li data-hit="' + k + '">' + h[2] + ' <small>' + h[0].title + '</small></li>';
      }).join('') || '<li>无结果</li>';
      list.onclick = function (e) {
        var li = e.target.closest('li[data-hit]');
        if (!li) { return; }
        var hit = hits[Number(li.dataset.hit)], f = state.features[hit[0].id][hit[1]];
        if (!map.hasLayer(state.groups[hit[0].id])) {
          map.addLayer(state.groups[hit[0].id]);
          var box = document.querySelector('[data-layer="' + hit[0].id + '"]');
          if (box) { box.checked = true; }
        }
        if (f.getLatLng) { map.setView(f.getLatLng(), Math.max(map.getZoom(), 15)); }
        else { map.fitBounds(f.getBounds(), {maxZoom: 16}); }
        openPopup(hit[0].id, hit[1]);
      };
    });
    return div;
  };
  search.addTo(map);

  // ---- measuring tool --------------------------------------------------------------
  var measure = {points: [], line: null, label: null, marks: L.layerGroup().addTo(map)};
  function fmtDistance(m) {
    return m < 1000 ? m.toFixed(0) + ' 米' : (m / 1000).toFixed(2) + ' 公里';
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
    div.innerHTML = '<button type="button" data-tool="measure" title="在地图上依次点击，双击结束">测距</button>' +
                    '<button type="button" data-tool="clear">清除测量</button>' +
                    '<button type="button" data-tool="home">全图</button>';
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
  scale._updateMetric = function (maxMeters) {  // Chinese units: 米, 公里
    var meters = this._getRoundNum(maxMeters);
    var label = meters < 1000 ? meters + ' 米' : (meters / 1000) + ' 公里';
    this._updateScale(this._mScale, label, meters / maxMeters);
  };
  scale.addTo(map);
  map.attributionControl.setPrefix('Leaflet');
  window.geoair.ready = true;
}());
