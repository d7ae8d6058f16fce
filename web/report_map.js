/* report_map.js: the report's map (d3-geo, topojson-client, world-atlas): places, roads,
 * corridors, simulated and observed events, and the weak-links layer of report_decide.js.
 * Loaded after report.js, whose shared values and helpers it takes from window.bkReportParts. */
(function (P) {
  'use strict';

  var data = P.data,
    world = P.world,
    state = P.state,
    el = P.el,
    esc = P.esc,
    fmt = P.fmt,
    dateText = P.dateText,
    section = P.section,
    isEnsemble = P.isEnsemble,
    scen = P.scen,
    names = P.names;

  /* ---- map (d3-geo, topojson-client, world-atlas) ------------------------------------------- */

  var ROAD_CLASSES = [
    { max: 0, colour: '#8f9ba6', width: 2, label: 'no attack' },
    { max: 2, colour: '#f2a541', width: 3, label: '1–2 attacks' },
    { max: 5, colour: '#e4572e', width: 4.5, label: '3–5 attacks' },
    { max: 10, colour: '#b2182b', width: 6, label: '6–10 attacks' },
    { max: Infinity, colour: '#67001f', width: 7.5, label: 'more than 10' }];
  var COVER_CLASSES = [
    { max: 0.25, colour: '#c2d9a7', width: 2, label: 'open (cover < 0.25)' },
    { max: 0.5, colour: '#7fb069', width: 3, label: 'some cover (0.25–0.5)' },
    { max: 0.75, colour: '#3f7f3a', width: 4.5, label: 'good cover (0.5–0.75)' },
    { max: Infinity, colour: '#1f4d22', width: 6, label: 'dense cover (≥ 0.75)' }];

  function classOf(classes, v) {
    for (var i = 0; i < classes.length; i++) if (v <= classes[i].max) return classes[i];
    return classes[classes.length - 1];
  }

  /* Distance in km from point p to the segment a–b (lon/lat, flat approximation: fine at the
   * scale of a road leg). */
  function distKm(p, a, b) {
    var k = Math.cos(p[1] * Math.PI / 180) * 111.32, ky = 110.57;
    var ax = (a[0] - p[0]) * k, ay = (a[1] - p[1]) * ky, bx = (b[0] - p[0]) * k, by = (b[1] - p[1]) * ky;
    var dx = bx - ax, dy = by - ay, l2 = dx * dx + dy * dy;
    var t = l2 > 0 ? Math.max(0, Math.min(1, -(ax * dx + ay * dy) / l2)) : 0;
    var x = ax + t * dx, y = ay + t * dy;
    return Math.sqrt(x * x + y * y);
  }

  function drawMap() {
    var net = data.network ? data.network.features : [];
    var events = (data.events || []).filter(function (e) { return e[3] === 'ambush' || e[3] === 'road_cut'; });
    var observed = data.observed ? data.observed.events : [];
    var places = net.filter(function (f) { return f.geometry.type === 'Point'; });
    var segs = net.filter(function (f) { return f.geometry.type === 'LineString'; });
    var pts = [];
    net.forEach(function (f) {
      if (f.geometry.type === 'Point') pts.push(f.geometry.coordinates);
      else f.geometry.coordinates.forEach(function (c) { pts.push(c); });
    });
    events.forEach(function (e) { pts.push([e[0], e[1]]); });
    observed.forEach(function (e) { pts.push([e[0], e[1]]); });
    if (!pts.length) return;

    var s = section('Where', 'bk-map');
    var W = 1000, H = 600;
    var lon0 = d3.min(pts, function (p) { return p[0]; }), lon1 = d3.max(pts, function (p) { return p[0]; });
    var lat0 = d3.min(pts, function (p) { return p[1]; }), lat1 = d3.max(pts, function (p) { return p[1]; });
    var padX = Math.max(0.8, (lon1 - lon0) * 0.12), padY = Math.max(0.8, (lat1 - lat0) * 0.12);
    var proj = d3.geoMercator().fitExtent([[10, 10], [W - 10, H - 10]], {
      type: 'Feature', geometry: { type: 'MultiPoint', coordinates: [[lon0 - padX, lat0 - padY], [lon1 + padX, lat1 + padY]] } });
    proj.clipExtent([[0, 0], [W, H]]);
    var path = d3.geoPath(proj);

    /* Roads: attacks counted on the segment the simulation names, else on the nearest road
     * within 25 km. */
    var bySeg = {};
    segs.forEach(function (f) { bySeg[f.properties.id] = { f: f, sim: 0, obs: 0 }; });
    function nearest(p) {
      var best = null, bd = 25;
      segs.forEach(function (f) {
        var c = f.geometry.coordinates, d = distKm(p, c[0], c[1]);
        if (d < bd) { bd = d; best = bySeg[f.properties.id]; }
      });
      return best;
    }
    var nAttacks = 0;
    events.forEach(function (e) {
      if (e[3] !== 'ambush') return;
      nAttacks++;
      var sg = (e[5] && bySeg[e[5]]) || nearest([e[0], e[1]]);
      if (sg) sg.sim++;
    });
    observed.forEach(function (e) { var sg = nearest([e[0], e[1]]); if (sg) sg.obs++; });
    var byCover = nAttacks === 0;
    var classes = byCover ? COVER_CLASSES : ROAD_CLASSES;

    var home = scen && scen.country ? scen.country : null;
    var countries = topojson.feature(world, world.objects.countries).features;
    var borders = topojson.mesh(world, world.objects.countries, function (a, b) { return a !== b; });
    var svg = [];
    svg.push('<svg class="bk-map" id="bk-map-svg" viewBox="0 0 ' + W + ' ' + H + '" role="img" aria-labelledby="bk-map-title bk-map-desc">');
    svg.push('<title id="bk-map-title">Map of the supply corridors</title>');
    svg.push('<desc id="bk-map-desc">Country borders, the road network of the scenario coloured by ' +
      (byCover ? 'terrain cover' : 'the number of simulated attacks') + ', its places' +
      (events.length ? ', simulated attacks (circles) and road cuts (crosses)' : '') + (observed.length ? ' and observed events (diamonds)' : '') + '.</desc>');
    svg.push('<rect class="sea" width="' + W + '" height="' + H + '"/>');
    svg.push('<g class="countries">');
    countries.forEach(function (c) {
      var d = path(c);
      if (!d) return;
      var name = c.properties && c.properties.name || '';
      svg.push('<path class="country' + (home && name === home ? ' country-home' : '') + '" d="' + d + '"><title>' + esc(name) + '</title></path>');
    });
    svg.push('</g>');
    var bd = path(borders);
    if (bd) svg.push('<path class="border" d="' + bd + '"/>');
    countries.forEach(function (c) {
      var d = path(c);
      if (!d) return;
      var a = path.area(c);
      if (a < 9000) return; /* too little of it in view to label */
      var ct = path.centroid(c);
      if (!(ct[0] > 60 && ct[0] < W - 60 && ct[1] > 20 && ct[1] < H - 20)) return;
      svg.push('<text class="country-label" x="' + ct[0].toFixed(1) + '" y="' + ct[1].toFixed(1) + '">' + esc(c.properties.name) + '</text>');
    });
    /* Roads: a white casing, then the coloured line; width grows with the class too. */
    segs.forEach(function (f) {
      var info = bySeg[f.properties.id], cl = classOf(classes, byCover ? f.properties.cover : info.sim);
      svg.push('<path class="road-casing" d="' + path(f) + '" stroke-width="' + (cl.width + 3) + '"/>');
    });
    segs.forEach(function (f) {
      var p = f.properties, info = bySeg[p.id], cl = classOf(classes, byCover ? p.cover : info.sim);
      var tip = p.from + ' – ' + p.to + ': ' + fmt(p.length_km, 0) + ' km, terrain cover ' + fmt(p.cover, 2) +
        (byCover ? '' : ', ' + info.sim + ' simulated attack' + (info.sim === 1 ? '' : 's')) +
        (observed.length ? ', ' + info.obs + ' observed event' + (info.obs === 1 ? '' : 's') + ' nearby' : '') +
        (p.corridors.length ? '; corridor ' + p.corridors.join(', ') : '');
      svg.push('<path class="road" data-segment="' + esc(p.id) + '" d="' + path(f) + '" stroke="' + cl.colour + '" stroke-width="' + cl.width + '"><title>' + esc(tip) + '</title></path>');
    });
    /* Labels are placed greedily, most important first, and dropped where they would overlap
     * one already placed (its place or road keeps its tooltip). */
    var boxes = [];
    function placeLabel(x, y, text, size, anchorMiddle) {
      var w = text.length * size * 0.56, h = size + 2;
      var x0 = anchorMiddle ? x - w / 2 : x, y0 = y - size;
      if (x0 < 2 || x0 + w > W - 2 || y0 < 2 || y0 + h > H - 2) return false;
      for (var i = 0; i < boxes.length; i++) {
        var b = boxes[i];
        if (x0 < b[0] + b[2] && b[0] < x0 + w && y0 < b[1] + b[3] && b[1] < y0 + h) return false;
      }
      boxes.push([x0, y0, w, h]);
      return true;
    }
    var labels = [];
    var rank = { city: 1, port: 2, border: 3, depot: 4, town: 5 };
    places.slice().sort(function (a, b) { return (rank[a.properties.kind] || 6) - (rank[b.properties.kind] || 6); }).forEach(function (f) {
      var p = proj(f.geometry.coordinates), city = f.properties.kind === 'city';
      if (!p) return;
      boxes.push([p[0] - 5, p[1] - 5, 10, 10]); /* the marker itself */
      var name = f.properties.name, size = city ? 13 : 12;
      var spots = [[p[0] + 8, p[1] + 4], [p[0] - 8 - name.length * size * 0.56, p[1] + 4], [p[0] + 6, p[1] - 8], [p[0] + 6, p[1] + 17]];
      for (var i = 0; i < spots.length; i++) {
        if (placeLabel(spots[i][0], spots[i][1], name, size, false)) {
          labels.push('<text class="place-label' + (city ? ' place-label-city' : '') + '" x="' + spots[i][0].toFixed(1) + '" y="' + spots[i][1].toFixed(1) + '">' + esc(name) + '</text>');
          break;
        }
      }
    });
    /* Corridor names (up to the first parenthesis), on a leg part-way from the port. */
    if (scen && scen.corridors) {
      scen.corridors.forEach(function (c) {
        var legs = segs.filter(function (f) { return f.properties.corridors.indexOf(c.id) >= 0; });
        if (!legs.length) return;
        var short = c.name.replace(/\s*\(.*$/, '');
        for (var k = 0; k < legs.length; k++) {
          var ct = path.centroid(legs[(Math.floor(legs.length / 3) + k) % legs.length]);
          if (isFinite(ct[0]) && placeLabel(ct[0], ct[1] + 4, short, 12, true)) {
            labels.push('<text class="corridor-label" x="' + ct[0].toFixed(1) + '" y="' + (ct[1] + 4).toFixed(1) + '"><title>' + esc(c.name) + '</title>' + esc(short) + '</text>');
            break;
          }
        }
      });
    }
    /* The weak links (vulnerability), over the roads: each a layer that can be turned off. */
    var vl = P.vulnerabilityLayer(segs, places, proj, path);
    svg.push(vl.svg);
    /* Events: simulated attacks as circles (filled: successful), cuts as crosses, observed
     * events as diamonds. */
    if (events.length) svg.push('<g class="layer" data-layer="events">');
    events.forEach(function (e) {
      var p = proj([e[0], e[1]]);
      if (!p) return;
      var tip = dateText(e[2]) + ': ' + (e[7] || e[3]);
      if (e[3] === 'road_cut') {
        var r = 5;
        svg.push('<path class="cut" d="M' + (p[0] - r) + ',' + (p[1] - r) + 'L' + (p[0] + r) + ',' + (p[1] + r) + 'M' + (p[0] - r) + ',' + (p[1] + r) + 'L' + (p[0] + r) + ',' + (p[1] - r) + '"><title>' + esc(tip) + '</title></path>');
      } else {
        svg.push('<circle class="attack ' + (e[4] === false ? 'attack-failed' : 'attack-success') + '" cx="' + p[0].toFixed(1) + '" cy="' + p[1].toFixed(1) + '" r="4.5"><title>' + esc(tip) + '</title></circle>');
      }
    });
    if (events.length) svg.push('</g>');
    if (observed.length) svg.push('<g class="layer" data-layer="observed">');
    observed.forEach(function (e) {
      var p = proj([e[0], e[1]]);
      if (!p) return;
      var r = 5.5;
      svg.push('<path class="observed" d="M' + p[0] + ',' + (p[1] - r) + 'L' + (p[0] + r) + ',' + p[1] + 'L' + p[0] + ',' + (p[1] + r) + 'L' + (p[0] - r) + ',' + p[1] + 'Z"><title>' +
        esc('Observed, ' + dateText(e[2]) + (e[4] ? ' (' + e[4] + ')' : '') + ': ' + (e[3] || '')) + '</title></path>');
    });
    if (observed.length) svg.push('</g>');
    /* Places on top, then the labels. */
    places.forEach(function (f) {
      var p = proj(f.geometry.coordinates), k = f.properties.kind;
      if (!p) return;
      var city = k === 'city';
      svg.push('<circle class="place' + (city ? ' place-city' : '') + '" cx="' + p[0].toFixed(1) + '" cy="' + p[1].toFixed(1) + '" r="' + (city ? 6 : 3.5) + '"><title>' +
        esc(f.properties.name + ' (' + k + ')') + '</title></circle>');
    });
    svg.push(labels.join(''));
    svg.push('</svg>');
    var wrap = el('div', { class: 'bk-map-wrap' });
    wrap.innerHTML = svg.join('');
    var layers = P.layerControl(wrap.querySelector('svg'), [
      vl.entry,
      events.length ? { id: 'events', label: 'Simulated attacks and road cuts' } : null,
      observed.length ? { id: 'observed', label: 'Observed events (' + data.observed.file + ')' } : null]);
    if (layers) s.appendChild(layers);
    s.appendChild(wrap);

    /* Legend: line widths and marker shapes carry the meaning as well as the colours. */
    var leg = el('div', { class: 'bk-legend' });
    leg.appendChild(el('strong', { text: byCover ? 'Roads by terrain cover (no attacks in the data):' : 'Roads by simulated attacks:' }));
    classes.forEach(function (c) {
      leg.appendChild(el('span', { html: '<svg width="34" height="12" aria-hidden="true"><line x1="2" y1="6" x2="32" y2="6" stroke="' + c.colour + '" stroke-width="' + c.width + '" stroke-linecap="round"/></svg>' + esc(c.label) }));
    });
    s.appendChild(leg);
    var leg2 = el('div', { class: 'bk-legend' });
    if (events.length) {
      leg2.appendChild(el('span', { html: '<svg width="14" height="14" aria-hidden="true"><circle cx="7" cy="7" r="5" fill="#d7301f" stroke="#7a1a05"/></svg>successful attack (simulated)' }));
      leg2.appendChild(el('span', { html: '<svg width="14" height="14" aria-hidden="true"><circle cx="7" cy="7" r="5" fill="#fff" stroke="#7a1a05" stroke-width="1.5"/></svg>attack repelled (simulated)' }));
      leg2.appendChild(el('span', { html: '<svg width="14" height="14" aria-hidden="true"><path d="M2,2L12,12M2,12L12,2" stroke="#1d2630" stroke-width="2"/></svg>road cut (simulated)' }));
    }
    if (observed.length)
      leg2.appendChild(el('span', { html: '<svg width="14" height="14" aria-hidden="true"><path d="M7,1L13,7L7,13L1,7Z" fill="#1f4e99"/></svg>observed event (' + esc(data.observed.file) + ')' }));
    leg2.appendChild(el('span', { html: '<svg width="14" height="14" aria-hidden="true"><circle cx="7" cy="7" r="5" fill="#1d2630"/></svg>the city' }));
    s.appendChild(leg2);
    if (vl.legend) s.appendChild(vl.legend);
    var note = isEnsemble && !events.length
      ? 'An ensemble keeps no single run\'s events: the roads are coloured by terrain cover, which favours ambushes. Hover a road or a point for details.'
      : byCover ? 'No simulated attacks in this directory: the roads are coloured by terrain cover, which favours ambushes. Hover a road or a point for details.'
        : 'Hover a road or a point for details. Attacks are counted on the road the simulation names, or on the nearest road within 25 km.';
    s.appendChild(el('p', { class: 'bk-note', text: note + ' Borders: Natural Earth 1:110m (world-atlas); approximate.' }));

    var svgEl = wrap.querySelector('svg');
    state.map = {
      countries: svgEl.querySelectorAll('path.country').length,
      roads: svgEl.querySelectorAll('path.road').length,
      attacks: svgEl.querySelectorAll('circle.attack').length,
      observed: svgEl.querySelectorAll('path.observed').length,
      places: svgEl.querySelectorAll('circle.place').length,
      colouredBy: byCover ? 'cover' : 'attacks',
      layers: [].map.call(svgEl.querySelectorAll('g.layer'), function (g) { return g.getAttribute('data-layer'); }),
      vulnerability: vl.entry ? { segments: vl.segments, places: vl.places, measures: vl.measures } : null
    };
  }

  P.drawMap = drawMap;
  P.classOf = classOf;
})(window.bkReportParts);
