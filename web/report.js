/* report.js: draws blockade's HTML report from the data the library inlines in the page.
 *
 * Inputs, all in the page: #bk-data (JSON written by src/output/report.c), #bk-world (world-atlas
 * countries at 1:110m, TopoJSON) and the globals of the inlined libraries: uPlot (charts),
 * d3 (d3-array, d3-geo: the map's projection) and topojson (topojson-client). Nothing is loaded
 * from anywhere else.
 *
 * After drawing, window.bkReport describes what was drawn (charts with their number of points,
 * map elements, errors), for the browser test and for anyone curious.
 */
(function () {
  'use strict';

  var data = JSON.parse(document.getElementById('bk-data').textContent);
  var world = JSON.parse(document.getElementById('bk-world').textContent);
  var root = document.getElementById('bk-report');
  var state = { charts: [], map: null, errors: [], axisDates: [] };
  window.bkReport = state;

  /* Okabe-Ito colours (distinguishable with the common colour-vision deficiencies), each paired
   * with a line style so that a black-and-white print still tells the series apart. */
  var COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];
  var FAN_COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#8C6D1F', '#6A3D9A', '#B2182B'];
  var DASHES = [[], [7, 4], [2, 3], [10, 3, 2, 3], [4, 2, 1, 2], [1, 2]];
  var DASH_WORDS = ['solid', 'dashed', 'dotted', 'dash-dot', 'dash-dot-dot', 'fine dots'];
  var SMALL_FLOW = 3; /* tankers a day: a flow this small is drawn as bars (a run) or tucked away (an ensemble) */
  var MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

  /* ---- small helpers ------------------------------------------------------------------------ */

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === 'text') e.textContent = attrs[k];
        else if (k === 'html') e.innerHTML = attrs[k];
        else e.setAttribute(k, attrs[k]);
      });
    }
    (children || []).forEach(function (c) {
      if (c != null) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return e;
  }

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function fmt(v, digits) {
    if (v == null || !isFinite(v)) return '–';
    var d = digits == null ? (Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2) : digits;
    return Number(v).toLocaleString('en-GB', { maximumFractionDigits: d, minimumFractionDigits: 0 });
  }

  function pct(p) {
    return p == null || !isFinite(p) ? '–' : fmt(100 * p, p < 0.1 && p > 0 ? 1 : 0) + ' %';
  }

  /* 'YYYY-MM-DD' to seconds since 1970 at 00:00 UTC, and back to '1 Sep 2025'. */
  function dateSeconds(s) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s || '');
    return m ? Date.UTC(+m[1], +m[2] - 1, +m[3]) / 1000 : null;
  }
  function dateText(s) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s || '');
    return m ? +m[3] + ' ' + MONTHS[+m[2] - 1] + ' ' + m[1] : (s || '?');
  }
  function secondsText(t) {
    var d = new Date(t * 1000);
    return d.getUTCDate() + ' ' + MONTHS[d.getUTCMonth()] + ' ' + d.getUTCFullYear();
  }

  function section(title, id) {
    var s = el('section', { id: id, 'aria-labelledby': id + '-h' }, [el('h2', { id: id + '-h', text: title })]);
    root.appendChild(s);
    return s;
  }

  function guard(name, fn) {
    try {
      fn();
    } catch (e) {
      state.errors.push(name + ': ' + e.message);
      root.appendChild(el('p', { class: 'bk-error', text: 'Could not draw ' + name + ': ' + e.message }));
      console.error(e);
    }
  }

  function nums(a) {
    return (a || []).filter(function (v) { return v != null && isFinite(v); });
  }
  function lastFinite(a) {
    for (var i = (a || []).length - 1; i >= 0; i--) if (a[i] != null && isFinite(a[i])) return i;
    return -1;
  }
  function argMax(a) {
    var best = -1;
    (a || []).forEach(function (v, i) { if (v != null && isFinite(v) && (best < 0 || v > a[best])) best = i; });
    return best;
  }
  function argMin(a) {
    var best = -1;
    (a || []).forEach(function (v, i) { if (v != null && isFinite(v) && (best < 0 || v < a[best])) best = i; });
    return best;
  }
  /* Largest finite value of a series, -Infinity when none. */
  function peak(a) {
    return nums(a).reduce(function (m, v) { return v > m ? v : m; }, -Infinity);
  }
  function scaled(a, k) {
    return (a || []).map(function (v) { return v == null ? null : v * k; });
  }

  /* ---- what the data holds ------------------------------------------------------------------ */

  var isEnsemble = !!data.bands && !data.series;
  var dates = data.dates || [];
  var xs = dates.map(dateSeconds);
  var scen = data.scenario || null;
  var manifest = data.manifest || {};
  var summary = data.summary || {};

  function has(name) {
    return isEnsemble ? !!(data.bands && data.bands[name]) : !!(data.series && data.series[name]);
  }
  /* A series for a single run; a band {q05, q25, q50, q75, q95, mean} for an ensemble. */
  function get(name) {
    return isEnsemble ? data.bands[name] : data.series[name];
  }
  function scaleSeries(s, k) {
    if (!isEnsemble) return scaled(s, k);
    var out = {};
    ['mean', 'q05', 'q25', 'q50', 'q75', 'q95'].forEach(function (q) { out[q] = scaled(s[q], k); });
    return out;
  }
  function names() {
    return Object.keys(isEnsemble ? data.bands || {} : data.series || {});
  }

  /* Stock per product, in days of cover when the scenario gives the demand. */
  function stockSeries() {
    var out = [];
    if (scen && scen.products) {
      scen.products.forEach(function (p) {
        if (!has(p.column)) return;
        var d = p.demand_l_per_day;
        out.push({ label: p.name, key: p.column, k: d > 0 ? 1 / d : 1, cover: d > 0 });
      });
    } else {
      names().forEach(function (n) {
        var m = /^stock_(.+)_l$/.exec(n);
        if (m) out.push({ label: m[1], key: n, k: 1, cover: false });
      });
    }
    return out;
  }

  /* The words for the scenario's vehicles ("tankers", "boats", "vehicles" when mixed). */
  function vehicleWords() {
    if (scen && scen.vehicles) return scen.vehicles;
    return { one: 'tanker', many: 'tankers', road: true };
  }

  function corridorSeries() {
    var out = [];
    if (scen && scen.corridors) {
      scen.corridors.forEach(function (c) {
        var key = has(c.column) ? c.column : has(c.column + '_tankers') ? c.column + '_tankers' : null;
        if (key) out.push({ label: c.name, key: key, k: 1 });
      });
    } else {
      names().forEach(function (n) {
        var m = /^arrivals_(.+?)(_tankers)?$/.exec(n);
        if (m) out.push({ label: m[1] + ' corridor', key: n, k: 1 });
      });
    }
    return out;
  }

  /* The chart panels: each a title, a sentence, a y-axis label and its series. */
  function panels() {
    var list = [];
    var stocks = stockSeries();
    if (stocks.length) {
      var cover = stocks.every(function (s) { return s.cover; });
      list.push({
        id: 'stock', title: 'Fuel in the city',
        desc: cover ? 'Stock of each product in days of normal demand (stock ÷ the demand of every sector). 0 is a stock-out.'
          : 'Stock of each product in the city, litres (the scenario gives no demand to convert to days of cover).',
        y: cover ? 'days of cover' : 'litres', series: stocks, min: 0
      });
    }
    var corr = corridorSeries();
    if (corr.length) {
      var many = vehicleWords().many;
      list.push({ id: 'arrivals', title: 'Deliveries per corridor',
        desc: many.charAt(0).toUpperCase() + many.slice(1) + ' reaching the city each day, by supply corridor.',
        y: many + ' per day', series: corr, min: 0, flow: true });
    }
    if (has('cost_per_l'))
      list.push({ id: 'cost', title: 'Cost of a delivered litre',
        desc: 'Cost of the trips since the start over the litres delivered since the start, all modes (road, river, air), in the scenario\'s currency.',
        y: 'cost per litre', series: [{ label: 'cost per litre', key: 'cost_per_l', k: 1 }], min: 0 });
    if (has('blackout_hours'))
      list.push({ id: 'blackout', title: 'Power cuts', desc: 'Hours a day without grid power in the city.',
        y: 'hours without power', series: [{ label: 'blackout', key: 'blackout_hours', k: 1 }], min: 0 });
    if (has('price_ratio'))
      list.push({ id: 'price', title: 'Informal fuel price', desc: 'Street price as a multiple of the official price (1 = official price).',
        y: '× official price', series: [{ label: 'price ratio', key: 'price_ratio', k: 1 }] });
    if (has('queue_hours'))
      list.push({ id: 'queue', title: 'Queues at fuel stations', desc: 'Typical wait to buy fuel, hours.',
        y: 'hours of waiting', series: [{ label: 'queue', key: 'queue_hours', k: 1 }], min: 0 });
    if (has('pressure'))
      list.push({ id: 'pressure', title: 'Pressure on the city', desc: 'Index combining blackouts, queues, prices, school closures and shortage: 0 calm, 1 severe.',
        y: 'index, 0–1', series: [{ label: 'pressure', key: 'pressure', k: 1 }], min: 0, max: 1 });
    return list;
  }

  /* ---- charts (uPlot) ----------------------------------------------------------------------- */

  function rgba(hex, a) {
    var n = parseInt(hex.slice(1), 16);
    return 'rgba(' + (n >> 16 & 255) + ',' + (n >> 8 & 255) + ',' + (n & 255) + ',' + a + ')';
  }

  function baseOptions(width, yLabel, yMin, yMax, percent) {
    return {
      width: width, height: 230,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'); },
      scales: {
        x: { time: true },
        y: {
          range: function (u, lo, hi) {
            var a = yMin != null ? Math.min(yMin, lo) : lo, b = yMax != null ? Math.max(yMax, hi) : hi;
            if (!(b > a)) b = a + 1;
            return [a, b + (yMax != null ? 0 : (b - a) * 0.05)];
          }
        }
      },
      axes: [
        { label: 'date', labelSize: 18, size: 40, font: '11px system-ui, sans-serif', labelFont: '600 11px system-ui, sans-serif',
          space: 60, values: axisDates },
        {
          label: yLabel, labelSize: 18, size: 56, font: '11px system-ui, sans-serif', labelFont: '600 11px system-ui, sans-serif',
          values: function (u, vals) { return vals.map(function (v) { return percent ? fmt(100 * v, 0) + '%' : fmt(v); }); }
        }
      ],
      legend: { show: true, live: true },
      cursor: { drag: { x: false, y: false } }
    };
  }

  /* Every time axis: '1 Sep', with the year on the first tick and on each January. */
  function axisDates(u, vals) {
    var out = vals.map(function (t, i) {
      var d = new Date(t * 1000);
      return d.getUTCDate() + ' ' + MONTHS[d.getUTCMonth()] + (i === 0 || d.getUTCMonth() === 0 ? ' ' + d.getUTCFullYear() : '');
    });
    state.axisDates.push.apply(state.axisDates, out.slice(0, 3)); /* for the browser test */
    return out;
  }

  /* The index of series a's last value, or -1. */
  function lastIndex(a) {
    for (var i = (a || []).length - 1; i >= 0; i--) if (a[i] != null && isFinite(a[i])) return i;
    return -1;
  }

  /* A legend never shows an empty placeholder: away from the cursor it gives the last day's
   * values, and says so on the date. */
  function legendValue(u, v, si, idx, text) {
    if (idx == null) {
      var i = lastIndex(u.data[si]);
      return i < 0 ? 'no data' : text(u.data[si][i]);
    }
    return v == null ? 'no data' : text(v);
  }

  function xSeries() {
    return { label: 'date', value: function (u, t, si, idx) {
      if (idx == null) {
        var i = lastIndex(u.data[0]);
        return i < 0 ? 'no data' : secondsText(u.data[0][i]) + ' (last day; hover for others)';
      }
      return t == null ? 'no data' : secondsText(t);
    } };
  }

  function card(parent, title, desc, wide) {
    var box = el('div', { class: 'bk-chart', role: 'img', 'aria-label': title + '. ' + desc });
    var c = el('figure', { class: 'bk-card' + (wide ? ' bk-wide' : ''), style: 'margin:0' }, [
      el('h3', { text: title }), el('p', { class: 'bk-desc', text: desc }), box]);
    parent.appendChild(c);
    return box;
  }

  function register(id, title, u, series) {
    var points = 0;
    series.forEach(function (a) { points += nums(a).length; });
    state.charts.push({ id: id, title: title, series: series.length, points: points, width: u.width, height: u.height });
  }

  /* Lines, one per series (a single run, or probability curves). */
  function lineChart(parent, id, title, desc, yLabel, lines, opt) {
    opt = opt || {};
    var box = card(parent, title, desc, opt.wide);
    var o = baseOptions(Math.max(300, box.clientWidth), yLabel, opt.min, opt.max, opt.percent);
    o.series = [xSeries()];
    lines.forEach(function (l, i) {
      o.series.push({
        label: l.label + (lines.length > 1 ? ' (' + DASH_WORDS[i % DASH_WORDS.length] + ')' : ''),
        stroke: COLOURS[i % COLOURS.length], width: 2, dash: DASHES[i % DASHES.length],
        spanGaps: false, points: { show: false },
        value: function (u, v, si, idx) { return legendValue(u, v, si, idx, opt.percent ? pct : function (x) { return fmt(x); }); }
      });
      if (opt.bars) { /* small counts: one bar a day, not spikes */
        var last = o.series[o.series.length - 1];
        last.paths = uPlot.paths.bars({ size: [0.7, 14], align: 0 });
        last.fill = rgba(COLOURS[i % COLOURS.length], 0.55);
        last.dash = [];
        last.width = 1;
        last.label = l.label;
      }
    });
    var arrays = lines.map(function (l) { return l.values; });
    var u = new uPlot(o, [xs].concat(arrays), box);
    register(id, title, u, arrays);
    return u;
  }

  /* A fan: the 5–95 % and 25–75 % bands of the replications and the median line. */
  function fanChart(parent, id, title, desc, yLabel, band, colour, opt) {
    opt = opt || {};
    var box = card(parent, title, desc, opt.wide);
    var o = baseOptions(Math.max(300, box.clientWidth), yLabel, opt.min, opt.max, false);
    var edge = function (label, a, w, dash) {
      return { label: label, stroke: rgba(colour, a), width: w, dash: dash, points: { show: false },
        value: function (u, v, si, idx) { return legendValue(u, v, si, idx, function (x) { return fmt(x); }); } };
    };
    o.series = [xSeries(),
      edge('5 %', 0.45, 1, [2, 3]), edge('25 %', 0.7, 1, [6, 3]),
      edge('median', 1, 2.5, []),
      edge('75 %', 0.7, 1, [6, 3]), edge('95 %', 0.45, 1, [2, 3])];
    o.bands = [
      { series: [5, 1], fill: rgba(colour, 0.14) },
      { series: [4, 2], fill: rgba(colour, 0.28) }];
    var arrays = [band.q05, band.q25, band.q50, band.q75, band.q95];
    var u = new uPlot(o, [xs].concat(arrays), box);
    register(id, title, u, arrays);
    return u;
  }

  function drawCharts() {
    var list = panels();
    if (!list.length || !xs.length) return;
    var s = section('Over time', 'bk-time');
    s.appendChild(el('p', { class: 'bk-note', text: isEnsemble
      ? 'Each chart shows the spread of the simulated futures: the dark band holds the middle half of the runs (25–75 %), the light band 90 % of them (5–95 %), the line is the median. Hover a chart for the values of a day.'
      : 'One simulated future (a single run). Hover a chart for the values of a day; series differ by colour and line style.' }));
    var grid = el('div', { class: 'bk-grid' });
    s.appendChild(grid);
    var small = null; /* ensembles: fans of small flows, behind a toggle */
    list.forEach(function (p, pi) {
      if (!isEnsemble) {
        var lines = p.series.map(function (se) { return { label: se.label, values: scaled(get(se.key), se.k) }; });
        if (p.flow) { /* a few tankers a day are drawn as bars, apart from the big flows */
          var big = lines.filter(function (l) { return peak(l.values) > SMALL_FLOW; });
          var few = lines.filter(function (l) { return peak(l.values) <= SMALL_FLOW; });
          if (big.length) lineChart(grid, p.id, p.title, p.desc, p.y, big, { min: p.min, max: p.max });
          if (few.length)
            lineChart(grid, p.id + (big.length ? '-small' : ''), p.title + (big.length ? ': small flows' : ''),
              p.desc + ' At most ' + SMALL_FLOW + ' a day: one bar per day.', p.y, few,
              { min: p.min, max: p.max, bars: true });
          return;
        }
        lineChart(grid, p.id, p.title, p.desc, p.y, lines, { min: p.min, max: p.max });
      } else {
        p.series.forEach(function (se, i) {
          var t = p.series.length > 1 ? p.title + ': ' + se.label : p.title;
          var b = scaleSeries(get(se.key), se.k);
          var target = grid;
          if (p.flow && peak(b.q95) <= SMALL_FLOW) {
            if (!small) {
              small = el('details', { class: 'bk-small', id: 'bk-small-flows' });
              small.appendChild(el('summary', { text: '' }));
              small.appendChild(el('div', { class: 'bk-grid' }));
            }
            small.n = (small.n || 0) + 1;
            target = small.lastChild;
          }
          fanChart(target, p.id + (p.series.length > 1 ? '-' + i : ''), t, p.desc, p.y,
            b, FAN_COLOURS[(pi + i) % FAN_COLOURS.length], { min: p.min, max: p.max });
        });
      }
    });
    if (small) {
      small.firstChild.textContent = 'Small flows (' + small.n + ' chart' + (small.n > 1 ? 's' : '') +
        ': at most ' + SMALL_FLOW + ' a day in 95 % of the runs): show';
      s.appendChild(small);
    }
  }

  function curveLabel(name) {
    var m = /^stockout_(.+)$/.exec(name);
    if (m) {
      if (m[1] === 'any') return 'Stock-out of any product';
      var p = scen && scen.products ? scen.products.filter(function (x) { return x.id.toLowerCase().replace(/-/g, '_') === m[1]; })[0] : null;
      return 'Stock-out of ' + (p ? p.name.toLowerCase() : m[1]);
    }
    if (name === 'schools_closed') return 'Schools closed';
    if (name === 'priority_cut') return 'Priority sectors cut';
    if (name === 'first_attack') return 'First attack on tankers';
    return name.replace(/_/g, ' ');
  }

  function drawCurves() {
    var c = data.curves;
    if (!c || !Object.keys(c).length) return;
    var s = section('How likely, and by when', 'bk-curves');
    var grid = el('div', { class: 'bk-grid' });
    s.appendChild(grid);
    var first = ['stockout_any', 'schools_closed', 'priority_cut'];
    var keys = first.filter(function (k) { return k in c; }).concat(Object.keys(c).filter(function (k) { return first.indexOf(k) < 0; }));
    var lines = keys.map(function (k) { return { label: curveLabel(k), values: c[k] }; });
    lineChart(grid, 'curves', 'Probability that it has happened by each day',
      'Share of the simulated futures in which each event has happened at least once by that day.',
      'probability', lines, { min: 0, max: 1, percent: true, wide: true });
  }

  /* ---- headline ----------------------------------------------------------------------------- */

  function li(html) { return el('li', { html: html }); }

  function coverSeries() {
    /* Days of cover of the whole stock: the model's own cover_days, or stocks over demand. */
    if (has('cover_days')) return get('cover_days');
    return null;
  }

  function runHeadline(ul) {
    var cover = coverSeries();
    if (cover) {
      var lo = argMin(cover), last = lastFinite(cover);
      ul.appendChild(li('Fuel in the city fell to <strong>' + fmt(cover[lo], 1) + ' days of cover</strong> at its lowest, on ' +
        esc(dateText(dates[lo])) + '; <strong>' + fmt(cover[last], 1) + ' days</strong> on the last day (' + esc(dateText(dates[last])) + ').'));
    }
    var outs = [];
    stockSeries().forEach(function (p) {
      var a = get(p.key) || [];
      for (var i = 0; i < a.length; i++) if (a[i] != null && a[i] <= 0) { outs.push(esc(p.label) + ' on ' + esc(dateText(dates[i]))); break; }
    });
    if (stockSeries().length)
      ul.appendChild(li(outs.length ? 'Stock-out: <strong>' + outs.join('; ') + '</strong>.' : 'No product ran out in the city.'));
    if (has('blackout_hours')) {
      var b = get('blackout_hours'), tot = nums(b).reduce(function (x, y) { return x + y; }, 0), mb = argMax(b);
      ul.appendChild(li('Power cuts: <strong>' + fmt(tot, 0) + ' hours</strong> in total; the worst day had ' + fmt(b[mb], 1) + ' hours without power (' + esc(dateText(dates[mb])) + ').'));
    }
    if (has('price_ratio')) {
      var pr = get('price_ratio'), mp = argMax(pr);
      ul.appendChild(li('The informal price peaked at <strong>' + fmt(pr[mp], 2) + '×</strong> the official price on ' + esc(dateText(dates[mp])) + '.'));
    }
    if (has('schools_open')) {
      var so = get('schools_open'), closed = 0, first = -1;
      so.forEach(function (v, i) { if (v === 0) { closed++; if (first < 0) first = i; } });
      ul.appendChild(li(closed ? 'Schools were closed on <strong>' + closed + ' day' + (closed > 1 ? 's' : '') + '</strong>, first on ' + esc(dateText(dates[first])) + '.'
        : 'Schools stayed open throughout.'));
    }
    if (has('pressure')) {
      var pz = get('pressure'), mz = argMax(pz);
      ul.appendChild(li('Pressure on the city peaked at <strong>' + fmt(pz[mz], 2) + '</strong> on a 0–1 scale (' + esc(dateText(dates[mz])) + ').'));
    }
    var t = summary.totals;
    if (t) {
      var w = vehicleWords();
      ul.appendChild(li('<strong>' + fmt(t.deliveries, 0) + ' ' + esc(w.many) + '</strong> reached the city; <strong>' + fmt(t.attacks_attempted, 0) +
        ' attacks</strong> on ' + esc(w.many) + ' destroyed ' + fmt(t.tankers_destroyed, 0) + ' and captured ' + fmt(t.tankers_captured, 0) +
        ' ' + esc(w.many) + '; ' + fmt(t.drivers_kidnapped, 0) + (w.road ? ' drivers' : ' crew members') + ' were kidnapped.'));
      if (typeof t.cost_total === 'number') {
        var cur = scen && scen.currency ? ' ' + esc(scen.currency) : '';
        var parts = [];
        ['road', 'river', 'air'].forEach(function (m) {
          var l = t['delivered_' + m + '_l'];
          if (l > 0) parts.push(m + ' ' + fmt(t['cost_per_l_' + m], 2) + cur);
        });
        ul.appendChild(li('Transport cost <strong>' + fmt(t.cost_total, 0) + cur + '</strong>, <strong>' + fmt(t.cost_per_l, 2) + cur +
          ' per litre</strong> delivered' + (parts.length ? ' (per litre by mode: ' + parts.join('; ') + ')' : '') + '.'));
      }
    }
  }

  /* "median X (90 % of runs between a and b)" for one day of a band. */
  function bandText(b, i, k, digits, unit) {
    k = k || 1;
    return '<strong>' + fmt(b.q50[i] * k, digits) + unit + '</strong> (90 % of runs between ' + fmt(b.q05[i] * k, digits) + ' and ' + fmt(b.q95[i] * k, digits) + unit + ')';
  }

  var KEY_TOTALS = [
    ['delivered_l', 'Fuel delivered to the city over the period', 'L', 1],
    ['unmet_l', 'Demand left unmet', 'L', 1],
    ['shortage_days', 'Days with a shortage', ' days', 0],
    ['blackout_hours', 'Hours of power cuts in total', ' h', 0],
    ['school_closed_days', 'Days with schools closed', ' days', 0],
    ['peak_price_ratio', 'Peak informal price', '× official', 2],
    ['tankers_destroyed', 'Tankers burned', '', 0],
    ['tankers_captured', 'Tankers captured', '', 0],
    ['drivers_kidnapped', 'Drivers kidnapped', '', 0]];

  function ensembleHeadline(ul) {
    var n = summary.replications || manifest.replications;
    var last = xs.length - 1;
    if (n) ul.appendChild(li('<strong>' + fmt(n, 0) + ' simulated futures</strong> of the same scenario, each with its own random draws.'));
    var cover = coverSeries();
    if (cover) {
      ul.appendChild(li('Days of cover on the last day (' + esc(dateText(dates[last])) + '): median ' + bandText(cover, last, 1, 1, ' days') + '.'));
      var lo = argMin(cover.q50);
      ul.appendChild(li('Lowest median cover: ' + bandText(cover, lo, 1, 1, ' days') + ' on ' + esc(dateText(dates[lo])) + '.'));
    } else {
      stockSeries().forEach(function (p) {
        var b = get(p.key);
        ul.appendChild(li(esc(p.label) + ' on the last day: median ' + bandText(b, last, p.k, 1, p.cover ? ' days' : ' L') + '.'));
      });
    }
    if (data.curves) {
      Object.keys(data.curves).forEach(function (k) {
        var c = data.curves[k], i = lastFinite(c);
        if (i >= 0) ul.appendChild(li(esc(curveLabel(k)) + ' by ' + esc(dateText(dates[i])) + ': probability <strong>' + pct(c[i]) + '</strong>.'));
      });
    }
    [['blackout_hours', 'Power cuts on the peak median day', ' h', 1], ['price_ratio', 'Informal price at its median peak', '×', 2],
      ['pressure', 'Pressure index at its median peak', '', 2]].forEach(function (m) {
      if (!has(m[0])) return;
      var b = get(m[0]), i = argMax(b.q50);
      ul.appendChild(li(m[1] + ' (' + esc(dateText(dates[i])) + '): median ' + bandText(b, i, 1, m[3], m[2]) + '.'));
    });
    /* Whole-run outcomes from the ensemble's summary: median and 90 % interval. */
    var t = summary.totals || {};
    KEY_TOTALS.forEach(function (m) {
      var q = t[m[0]];
      if (!q || q.q50 == null) return;
      var f = m[2] === 'L' ? function (v) { return fmt(v / 1e6, 1); } : function (v) { return fmt(v, m[3]); };
      var unit = m[2] === 'L' ? ' million litres' : m[2];
      ul.appendChild(li(esc(m[1]) + ': median <strong>' + f(q.q50) + unit + '</strong> (90 % of runs between ' + f(q.q05) + ' and ' + f(q.q95) + unit + ').'));
    });
    /* The windows asked for with --window: fuel delivered, tankers destroyed, school closures. */
    var w = summary.windows || {};
    Object.keys(w).forEach(function (k) {
      var ser = w[k].series || {}, parts = [];
      [['delivered_l', 'fuel delivered'], ['destroyed', 'tankers destroyed'], ['school_closed_days', 'school-closure days']].forEach(function (m) {
        var q = ser[m[0]] && ser[m[0]].total;
        if (!q || q.q50 == null) return;
        parts.push(m[1] + ' ' + qty(q.q50, ser[m[0]].unit, q.q95) + ' (' + qty(q.q05, ser[m[0]].unit, q.q95) + ' to ' + qty(q.q95, ser[m[0]].unit, q.q95) + ')');
      });
      if (parts.length)
        ul.appendChild(li('From ' + esc(dateText(w[k].first_date)) + ' to ' + esc(dateText(w[k].last_date)) + ', median (90 % of runs): ' + esc(parts.join('; ')) + '.'));
    });
  }

  function drawHeadline() {
    var box = el('section', { class: 'bk-headline', id: 'bk-headline', 'aria-labelledby': 'bk-headline-h' },
      [el('h2', { id: 'bk-headline-h', text: 'In short' })]);
    var ul = el('ul');
    if (isEnsemble) ensembleHeadline(ul);
    else if (data.series) runHeadline(ul);
    if (data.compare) ul.appendChild(li('The policies compared are side by side in the table <a href="#bk-compare">Policies compared</a>.'));
    decideHeadline(ul);
    if (!ul.children.length) ul.appendChild(li('No daily figures in this directory.'));
    box.appendChild(ul);
    root.appendChild(box);
  }

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
    var vl = vulnerabilityLayer(segs, places, proj, path);
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
    var layers = layerControl(wrap.querySelector('svg'), [
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

  /* ---- optimisation and vulnerability (blockade optimise, blockade vulnerability) ------------ */

  var opt = data.optimise ? data.optimise.result : null;
  var vul = data.vulnerability || null;
  var vulInfo = vul && vul.analysis ? vul.analysis : null;

  /* {columns, rows} to a list of objects keyed by column. */
  function records(t) {
    if (!t) return [];
    return t.rows.map(function (r) {
      var o = {};
      t.columns.forEach(function (c, i) { o[c] = r[i]; });
      return o;
    });
  }

  /* A number to n significant digits (harm scores are small, any scale). */
  function sig(v, n) {
    if (v == null || !isFinite(v)) return '–';
    return Number(v).toLocaleString('en-GB', { maximumSignificantDigits: n || 3 });
  }
  function signed(v, f) {
    if (v == null || !isFinite(v)) return '–';
    return (v > 0 ? '+' : v < 0 ? '−' : '') + f(Math.abs(v));
  }

  /* "west.escort.units 5, convoy.speed_factor 0.8" to [[name, value], ...]; null when the text
   * is not of that form. */
  function leverPairs(label) {
    if (!label) return [];
    var out = [];
    var ok = String(label).split(', ').every(function (part) {
      var k = part.lastIndexOf(' ');
      if (k <= 0) return false;
      out.push([part.slice(0, k), part.slice(k + 1)]);
      return true;
    });
    return ok ? out : null;
  }

  /* The improvement of a choice over the default (default minus chosen harm) in words. */
  function improvementWords(imp, lo, hi) {
    var q = function (v) { return sig(v, 3); };
    if (lo > 0)
      return { text: 'Lowers the harm by ' + q(imp) + ' (' + q(lo) + ' to ' + q(hi) + '), clear at 95 %.', clear: true };
    if (hi < 0)
      return { text: 'Raises the harm by ' + q(-imp) + ' (' + q(-hi) + ' to ' + q(-lo) + '), clear at 95 %.', clear: true };
    if (imp === 0 && lo === 0 && hi === 0)
      return { text: 'The same harm as the default in every fresh replication.', clear: false };
    return { text: 'No clear improvement: ' + signed(imp, q) + ', between ' + signed(lo, q) + ' and ' + signed(hi, q) + ' (95 %).', clear: false };
  }

  function isCvar(o) {
    return !!(o.selection && o.selection.guarantee) || /^cvar/i.test(o.measure || '');
  }

  /* A chart over a plain number axis (not dates): the search's convergence. */
  function numberChart(parent, id, title, desc, xLabel, yLabel, x, lines, opt2) {
    opt2 = opt2 || {};
    var box = card(parent, title, desc, opt2.wide);
    var lastText = function (u, si, idx, f) {
      if (idx == null) {
        var i = lastIndex(u.data[si]);
        return i < 0 ? 'no data' : f(u.data[si][i]) + (si === 0 ? ' (last; hover for others)' : '');
      }
      var v = u.data[si][idx];
      return v == null ? 'none' : f(v);
    };
    var o = {
      width: Math.max(300, box.clientWidth), height: 230,
      scales: { x: { time: false } },
      axes: [
        { label: xLabel, labelSize: 18, size: 40, font: '11px system-ui, sans-serif', labelFont: '600 11px system-ui, sans-serif',
          values: function (u, vals) { return vals.map(function (v) { return Number.isInteger(v) ? String(v) : ''; }); } },
        { label: yLabel, labelSize: 18, size: 56, font: '11px system-ui, sans-serif', labelFont: '600 11px system-ui, sans-serif',
          values: function (u, vals) { return vals.map(function (v) { return sig(v, 3); }); } }],
      legend: { show: true, live: true },
      cursor: { drag: { x: false, y: false } },
      series: [{ label: xLabel, value: function (u, v, si, idx) { return lastText(u, 0, idx, function (t) { return String(t); }); } }]
    };
    lines.forEach(function (l, i) {
      var se = { label: l.label, stroke: COLOURS[i % COLOURS.length], width: l.points ? 0 : 2, dash: DASHES[i % DASHES.length],
        value: function (u, v, si, idx) { return lastText(u, si, idx, function (t) { return sig(t, 4); }); } };
      if (l.points) {
        se.paths = function () { return null; };
        se.points = { show: true, size: 6, stroke: COLOURS[i % COLOURS.length], fill: rgba(COLOURS[i % COLOURS.length], 0.35) };
      } else {
        se.points = { show: false };
        se.paths = uPlot.paths.stepped({ align: 1 });
      }
      o.series.push(se);
    });
    var arrays = lines.map(function (l) { return l.values; });
    var u = new uPlot(o, [x].concat(arrays), box);
    register(id, title, u, arrays);
    return u;
  }

  function factList(id, rows) {
    var dl = el('dl', { class: 'bk-facts', id: id });
    rows.forEach(function (r) {
      if (r == null || r[1] == null || r[1] === '') return;
      dl.appendChild(el('dt', { text: r[0] }));
      dl.appendChild(el('dd', { text: r[1] }));
    });
    return dl;
  }

  function table(id, heads, rows, cls) {
    var tb = el('tbody');
    rows.forEach(function (r) { tb.appendChild(r); });
    return el('table', { class: 'bk-table' + (cls ? ' ' + cls : ''), id: id }, [
      el('thead', null, [el('tr', null, heads.map(function (h) { return el('th', { scope: 'col', text: h }); }))]), tb]);
  }

  function drawOptimise() {
    if (!opt) return;
    var s = section('Best use of the levers', 'bk-optimise');
    var sel = opt.selection || {};
    var cands = records(data.optimise.candidates);
    s.appendChild(el('p', { class: 'bk-note', text: 'The levers of the defender were searched for the lowest harm (lower is better), every candidate on the same replications (common random numbers). ' +
      'The best candidates and the default then went through a ranking-and-selection procedure; each choice was checked against the default on fresh replications, so its interval does not carry the search’s selection bias.' }));
    s.appendChild(factList('bk-opt-facts', [
      ['Scenario', opt.scenario || (scen && scen.name)],
      ['Harm measured by', opt.measure],
      ['Replications', opt.replications != null ? fmt(opt.replications, 0) + ' per candidate in the search' + (opt.seed != null ? '; seed ' + opt.seed : '') + (opt.days ? '; ' + opt.days + ' days' : '') : null],
      ['Candidates simulated', opt.evaluations != null ? fmt(opt.evaluations, 0) + (opt.runs != null ? ' (' + fmt(opt.runs, 0) + ' runs in all)' : '') : null]]));

    /* The two choices against the default, each with the interval of its improvement. */
    s.appendChild(el('h3', { text: 'The choices against the default' }));
    var rows = [];
    var choiceRow = function (what, c) {
      var w = improvementWords(c.improvement, c.ci95[0], c.ci95[1]);
      return el('tr', { class: w.clear ? 'bk-clear' : '' }, [
        el('th', { scope: 'row', text: what }),
        el('td', { text: c.chosen + (c.chosen === opt['default'] ? ' (the default itself)' : '') }),
        el('td', { class: 'num', text: signed(c.improvement, function (v) { return sig(v, 3); }) + ' [' + signed(c.ci95[0], function (v) { return sig(v, 3); }) + ', ' +
          signed(c.ci95[1], function (v) { return sig(v, 3); }) + ']' + (w.clear ? ' ✱' : '') }),
        el('td', { class: 'bk-verdict', text: w.text })]);
    };
    rows.push(el('tr', null, [el('th', { scope: 'row', text: 'The default (the baseline)' }), el('td', { text: opt['default'] }), el('td', { class: 'num', text: '0' }), el('td', { text: 'The scenario’s own values: what the others are measured against.' })]));
    rows.push(choiceRow('Best against today’s armed group', opt.today));
    if (opt.adapted) rows.push(choiceRow('Best against its best response (' + (opt.adapted.score === 'stackelberg' ? 'Stackelberg' : opt.adapted.score || 'robust') + ')', opt.adapted));
    s.appendChild(table('bk-opt-choice', ['', 'Levers', 'Improvement over the default [95 % CI]', 'In words'], rows, 'bk-compare'));
    s.appendChild(el('p', { class: 'bk-note', text: 'Improvement = the default’s mean harm minus the choice’s, paired on fresh replications; positive is better. ' +
      (opt.adapted ? 'Against the armed group’s answer, each policy (the default too) faces its own best response. ' : '') + 'Starred where the 95 % interval excludes 0.' }));

    /* Lever by lever: where the choices differ from the default and from each other. */
    var pd = leverPairs(opt['default']), pt = leverPairs(opt.today.chosen), pa = opt.adapted ? leverPairs(opt.adapted.chosen) : [];
    if (pd && pt && pa) {
      var val = function (pairs, k) { var f = pairs.filter(function (p) { return p[0] === k; })[0]; return f ? f[1] : '–'; };
      var names = [];
      [pd, pt, pa].forEach(function (ps) { ps.forEach(function (p) { if (names.indexOf(p[0]) < 0) names.push(p[0]); }); });
      var lrows = names.map(function (k) {
        var d = val(pd, k), t = val(pt, k), a = val(pa, k);
        var cells = [el('th', { scope: 'row', text: k }), el('td', { class: 'num', text: d }),
          el('td', { class: 'num' + (t !== d ? ' bk-changed' : ''), text: t })];
        if (opt.adapted) cells.push(el('td', { class: 'num' + (a !== d ? ' bk-changed' : '') + (a !== t ? ' bk-differ' : ''), text: a }));
        return el('tr', { class: opt.adapted && a !== t ? 'bk-disagree' : '' }, cells);
      });
      var heads = ['Lever', 'Default', 'Against today’s group'];
      if (opt.adapted) heads.push('Against its best response');
      s.appendChild(el('h3', { text: 'Lever by lever' }));
      s.appendChild(table('bk-opt-levers', heads, lrows));
    }
    var same = !opt.adapted || opt.adapted.chosen === opt.today.chosen;
    var diffs = [];
    if (!same && pt && pa) pt.forEach(function (p) { var a = pa.filter(function (q) { return q[0] === p[0]; })[0]; if (a && a[1] !== p[1]) diffs.push(p[0] + ' ' + p[1] + ' against today’s group, ' + a[1] + ' against its answer'); });
    s.appendChild(el('p', { class: 'bk-opt-where' + (same ? '' : ' bk-warn-text'), id: 'bk-opt-where', text: !opt.adapted
      ? 'No adversary section in the lever file: the armed group was not allowed to answer, and only today’s group was searched against.'
      : same ? 'The same policy is best against today’s armed group and against its answer.'
        : 'The two choices differ: the group’s answer changes which policy is best' + (diffs.length ? ' (' + diffs.join('; ') + ').' : '.') }));

    /* The finalists: both numbers, and the group's answer to each. */
    var fins = opt.finalists || [];
    var respOf = function (lev) { var f = fins.filter(function (x) { return x.levers === lev; })[0]; return f ? f.response : null; };
    if (opt.adapted && respOf(opt.adapted.chosen))
      s.appendChild(el('p', { id: 'bk-opt-response', text: 'The armed group’s best response to the policy chosen against it: ' + respOf(opt.adapted.chosen) +
        (respOf(opt['default']) ? '; to the default: ' + respOf(opt['default']) : '') + '.' }));
    var n2 = sel.replications != null ? fmt(sel.replications, 0) : 'N';
    var frows = fins.map(function (f) {
      var tags = [];
      if (f.levers === opt['default']) tags.push('default');
      if (f.levers === opt.today.chosen) tags.push('chosen against today’s group');
      if (opt.adapted && f.levers === opt.adapted.chosen) tags.push('chosen against its answer');
      var cells = [el('td', { text: f.levers + (tags.length ? ' (' + tags.join('; ') + ')' : '') }),
        el('td', { class: 'num', text: sig(f.harm_today, 4) }), el('td', { class: 'num', text: sig(f.mean_stage2_today, 4) })];
      if (opt.adapted)
        cells.push(el('td', { text: f.response || '–' }), el('td', { class: 'num' + (f.harm_response > f.harm_today ? ' bk-worse' : ''), text: sig(f.harm_response, 4) }),
          el('td', { class: 'num', text: sig(f.mean_stage2_response, 4) }));
      return el('tr', { class: tags.length > (f.levers === opt['default'] ? 1 : 0) ? 'bk-chosen' : '' }, cells);
    });
    var ranked = isCvar(opt) ? 'CVaR, ' : '';
    var fh = ['Finalist', 'Harm vs today’s group (search: ' + ranked + fmt(opt.replications, 0) + ' reps)', 'Mean harm after the selection (' + n2 + ' reps)'];
    if (opt.adapted) fh.push('The group’s best response', 'Harm vs its response (search' + (ranked ? ': CVaR' : '') + ')', 'Mean harm vs its response (' + n2 + ' reps)');
    s.appendChild(el('h3', { text: 'Finalists' }));
    s.appendChild(table('bk-opt-finalists', fh, frows));

    /* The selection: its parameters and what it guarantees (nothing for the CVaR). */
    var g = [];
    g.push((sel.method ? 'Selection: ' + sel.method + '. ' : '') + 'Probability of correct selection ' + pct(sel.pcs) + ' when the best finalist is at least ' +
      sig(sel.indifference, 3) + ' better than every other (the indifference zone); ' + n2 + ' replications per finalist in its second stage.');
    if (sel.capped) g.push('The second stage was capped by --max-replications: the guarantee does not hold.');
    var gtext = sel.guarantee ? 'Guarantee: ' + sel.guarantee + '. The search ranked by the CVaR, but the selection compares means: no guarantee of correct selection applies to the CVaR.'
      : sel.capped ? '' : 'Guarantee: P(correct selection) ≥ ' + pct(sel.pcs) + ' for the mean harm, within the indifference zone.';
    var selBox = el('div', { class: 'bk-selection', id: 'bk-opt-selection' }, g.map(function (t) { return el('p', { text: t }); }));
    if (gtext) selBox.appendChild(el('p', { class: sel.guarantee ? 'bk-guarantee bk-warn-text' : 'bk-guarantee', id: 'bk-opt-guarantee', text: gtext }));
    s.appendChild(selBox);

    /* Convergence: the best harm so far by evaluation, from every candidate the defender's search
     * simulated. */
    var def = cands.filter(function (c) { return c.stage === 'defender' && c.candidate != null && c.harm_score != null; })
      .sort(function (a, b) { return a.candidate - b.candidate; });
    if (def.length) {
      var x = [], best = [], each = [], b = Infinity;
      def.forEach(function (c) {
        x.push(c.candidate + 1);
        each.push(c.harm_score);
        if (c.harm_score < b) b = c.harm_score;
        best.push(b);
      });
      var resp = cands.length - def.length;
      var grid = el('div', { class: 'bk-grid' });
      s.appendChild(grid);
      numberChart(grid, 'opt-convergence', 'Convergence of the search',
        'Harm of every candidate the defender’s search simulated (dots) and the best so far (line), by evaluation. ' +
        (isCvar(opt) ? 'Harm as the search ranked it (the CVaR). ' : '') +
        (resp > 0 ? resp + ' more candidates were the armed group’s best-response searches (in optimise.csv).' : ''),
        'evaluation', 'harm (lower is better)', x,
        [{ label: 'best so far', values: best }, { label: 'each candidate', values: each, points: true }], { wide: true });
    } else if (!data.optimise.candidates) {
      s.appendChild(el('p', { class: 'bk-note', text: 'optimise.csv is not in the directory: the convergence of the search is not drawn.' }));
    }
  }

  /* ---- vulnerability --------------------------------------------------------------------------- */

  var VULN_COLOURS = ['#fdd49e', '#fc8d59', '#d7301f', '#7f0000'];
  var VULN_WIDTHS = [3.5, 5, 6.5, 8];

  /* The elements of vulnerability.csv, with a name for people and the disagreement flag of
   * vulnerability.json. */
  function vulnElements() {
    if (!vul) return [];
    var byId = {};
    (vulInfo && vulInfo.elements || []).forEach(function (e) { byId[e.id] = e; });
    var names = {};
    (data.network ? data.network.features : []).forEach(function (f) {
      if (f.geometry.type === 'Point') names[f.properties.id] = f.properties.name;
    });
    return records(vul.elements).map(function (r) {
      var e = byId[r.element] || {};
      var parts = r.kind === 'segment' ? String(r.element).split('-') : null;
      var name = r.kind === 'place' && names[r.element] ? names[r.element]
        : parts && parts.length === 2 && names[parts[0]] && names[parts[1]] ? names[parts[0]] + ' – ' + names[parts[1]] : r.element;
      r.name = name;
      r.simulated = r.sim_rank != null;
      r.disagree = e.disagree === true;
      return r;
    });
  }

  /* The classes of a measure: 0 and below is "none"; the rest in four equal steps up to the
   * largest value. */
  function vulnClasses(max, f) {
    var out = [{ max: 0, colour: '#8f9ba6', width: 2, label: 'none' }];
    for (var i = 0; i < 4; i++)
      out.push({ max: i === 3 ? Infinity : max * (i + 1) / 4, colour: VULN_COLOURS[i], width: VULN_WIDTHS[i],
        label: (i === 0 ? 'up to ' : f(max * i / 4) + ' to ') + f(max * (i + 1) / 4) });
    return out;
  }

  function vulnTip(r) {
    var t = r.name + (r.name !== r.element ? ' (' + r.element + ')' : '') + ': static rank ' + r.static_rank + ', ' +
      fmt(r.flow_lost_tankers_per_day, 1) + ' tankers/day of flow lost if removed' + (r.in_min_cut ? ', in the minimum cut' : '');
    if (r.simulated)
      t += '; closed for the horizon: simulated rank ' + r.sim_rank + ', demand unmet ' + signed(r.d_unmet_l, function (v) { return fmt(v / 1e6, 1); }) +
        ' million L [' + signed(r.d_unmet_l_lo, function (v) { return fmt(v / 1e6, 1); }) + ', ' + signed(r.d_unmet_l_hi, function (v) { return fmt(v / 1e6, 1); }) + ']';
    else t += '; not simulated';
    if (r.disagree) t += '. The static and simulated rankings disagree here.';
    return t;
  }

  /* The map layer of the weak links: each segment and place of vulnerability.csv coloured by the
   * flow lost when it is removed (static) or by the demand unmet when it is closed (simulated);
   * a choice between the two, and a checkbox to hide the layer. */
  function vulnerabilityLayer(segs, places, proj, path) {
    var none = { svg: '', entry: null, legend: null, segments: 0, places: 0, measures: [] };
    var rows = vulnElements();
    if (!rows.length || !segs.length) return none;
    var segById = {}, placeById = {};
    segs.forEach(function (f) { segById[f.properties.id] = f; });
    places.forEach(function (f) { placeById[f.properties.id] = f; });
    var measures = [{ id: 'static', label: 'flow lost if removed (static, tankers/day)', get: function (r) { return r.flow_lost_tankers_per_day; },
      f: function (v) { return fmt(v, 1); } }];
    if (rows.some(function (r) { return r.simulated && r.d_unmet_l != null; }))
      measures.unshift({ id: 'simulated', label: 'demand unmet if closed (simulated, million L)', get: function (r) { return r.simulated ? r.d_unmet_l : null; },
        f: function (v) { return fmt(v / 1e6, 1); } });
    var svg = ['<g class="layer" data-layer="vulnerability">'];
    var nSeg = 0, nPlace = 0;
    measures.forEach(function (m, mi) {
      var max = rows.reduce(function (a, r) { var v = m.get(r); return v != null && v > a ? v : a; }, 0);
      m.classes = vulnClasses(max, m.f);
      svg.push('<g class="vuln-measure" data-measure="' + m.id + '"' + (mi ? ' style="display:none"' : '') + '>');
      rows.forEach(function (r) {
        var v = m.get(r), f = r.kind === 'segment' ? segById[r.element] : null;
        if (!f) return;
        var cl = v == null ? null : classOf(m.classes, v);
        svg.push('<path class="vuln-seg' + (r.disagree ? ' vuln-disagree' : '') + (v == null ? ' vuln-none' : '') + '" data-element="' + esc(r.element) + '" d="' + path(f) +
          '" stroke="' + (cl ? cl.colour : '#8f9ba6') + '" stroke-width="' + (cl ? cl.width : 2) + '"' + (v == null ? ' stroke-dasharray="4 4"' : '') + '><title>' + esc(vulnTip(r)) + '</title></path>');
        /* where the rankings disagree: a white dashed line along the middle */
        if (r.disagree) svg.push('<path class="vuln-mark" d="' + path(f) + '"><title>' + esc(vulnTip(r)) + '</title></path>');
        if (!mi) nSeg++;
      });
      rows.forEach(function (r) {
        var v = m.get(r), f = r.kind === 'place' ? placeById[r.element] : null;
        var p = f ? proj(f.geometry.coordinates) : null;
        if (!p) return;
        var cl = v == null ? null : classOf(m.classes, v);
        svg.push('<circle class="vuln-place' + (r.disagree ? ' vuln-disagree' : '') + '" data-element="' + esc(r.element) + '" cx="' + p[0].toFixed(1) + '" cy="' + p[1].toFixed(1) +
          '" r="' + (cl ? 4 + cl.width : 5) + '" fill="' + (cl ? cl.colour : '#ffffff') + '" fill-opacity="0.85"><title>' + esc(vulnTip(r)) + '</title></circle>');
        if (!mi) nPlace++;
      });
      svg.push('</g>');
    });
    svg.push('</g>');
    /* The legend of the layer, redrawn when the measure changes. */
    var legend = el('div', { class: 'bk-legend', id: 'bk-vuln-legend' });
    var fill = function (m) {
      legend.innerHTML = '';
      legend.appendChild(el('strong', { text: 'Weak links, by ' + m.label + ':' }));
      m.classes.forEach(function (c) {
        legend.appendChild(el('span', { html: '<svg width="34" height="12" aria-hidden="true"><line x1="2" y1="6" x2="32" y2="6" stroke="' + c.colour + '" stroke-width="' + c.width +
          '" stroke-linecap="round"/></svg>' + esc(c.label) }));
      });
      if (m.id === 'simulated')
        legend.appendChild(el('span', { html: '<svg width="34" height="12" aria-hidden="true"><line x1="2" y1="6" x2="32" y2="6" stroke="#8f9ba6" stroke-width="2" stroke-dasharray="4 4"/></svg>not simulated' }));
      if (rows.some(function (r) { return r.disagree; }))
        legend.appendChild(el('span', { html: '<svg width="34" height="14" aria-hidden="true"><line x1="2" y1="7" x2="32" y2="7" stroke="#d7301f" stroke-width="6" stroke-linecap="round"/><line x1="4" y1="7" x2="30" y2="7" stroke="#fff" stroke-width="1.6" stroke-dasharray="4 3"/></svg>' +
          '<svg width="14" height="14" aria-hidden="true"><circle cx="7" cy="7" r="5.5" fill="#fc8d59" stroke="#1d2630" stroke-width="2" stroke-dasharray="3 2"/></svg>the two rankings disagree (dashed)' }));
    };
    fill(measures[0]);
    return {
      svg: svg.join(''), legend: legend, segments: nSeg, places: nPlace,
      measures: measures.map(function (m) { return m.id; }),
      entry: { id: 'vulnerability', label: 'Weak links (vulnerability)', on: true, measures: measures, onMeasure: fill }
    };
  }

  /* Checkboxes that show and hide the map's layers (and a choice of measure for a layer that has
   * several). */
  function layerControl(svgEl, entries) {
    entries = entries.filter(function (e) { return e; });
    if (!entries.length) return null;
    var box = el('fieldset', { class: 'bk-layers', id: 'bk-map-layers' }, [el('legend', { text: 'Layers' })]);
    entries.forEach(function (e) {
      var g = svgEl.querySelector('g.layer[data-layer="' + e.id + '"]');
      if (!g) return;
      var cb = el('input', { type: 'checkbox', 'data-layer': e.id, id: 'bk-layer-' + e.id });
      cb.checked = e.on !== false;
      var lab = el('label', { for: 'bk-layer-' + e.id }, [cb, ' ' + e.label]);
      var item = el('span', { class: 'bk-layer' }, [lab]);
      var radios = [];
      if (e.measures && e.measures.length > 1) {
        e.measures.forEach(function (m, i) {
          var r = el('input', { type: 'radio', name: 'bk-measure-' + e.id, value: m.id, id: 'bk-measure-' + e.id + '-' + m.id });
          r.checked = i === 0;
          r.addEventListener('change', function () {
            [].forEach.call(g.querySelectorAll('g[data-measure]'), function (x) {
              x.style.display = x.getAttribute('data-measure') === m.id ? '' : 'none';
            });
            if (e.onMeasure) e.onMeasure(m);
          });
          radios.push(r);
          item.appendChild(el('label', { class: 'bk-measure', for: r.id }, [r, ' ' + m.label]));
        });
      }
      cb.addEventListener('change', function () {
        g.style.display = cb.checked ? '' : 'none';
        radios.forEach(function (r) { r.disabled = !cb.checked; });
        var leg = e.id === 'vulnerability' ? document.getElementById('bk-vuln-legend') : null;
        if (leg) leg.style.display = cb.checked ? '' : 'none';
      });
      if (!cb.checked) g.style.display = 'none';
      box.appendChild(item);
    });
    return box;
  }

  function drawVulnerability() {
    if (!vul) return;
    var rows = vulnElements();
    var s = section('Weak links of the network', 'bk-vulnerability');
    var info = vulInfo || {};
    var litres = info.tanker_l && info.max_flow != null ? ' (' + fmt(info.max_flow * info.tanker_l / 1e6, 1) + ' million litres a day)' : '';
    var sim = rows.filter(function (r) { return r.simulated; });
    s.appendChild(el('p', { class: 'bk-note', text: 'Each road segment and each place but the city is removed in turn from the supply graph (capacities in tankers per day, from the scenario alone) and the maximum flow from the ports to the city computed again: the flow lost ranks the elements (static rank). ' +
      'The first of that ranking are then closed for the whole horizon in the simulation, paired with the unchanged scenario on common random numbers: closure minus baseline, mean and 95 % interval (simulated rank, by demand unmet).' }));
    var cut = (info.ports_in_min_cut || []).map(function (p) { return 'port ' + p + ' (loading)'; })
      .concat(rows.filter(function (r) { return r.in_min_cut; }).map(function (r) { return r.name; }));
    var caps = (info.corridors || []).map(function (c) { return c.id + ' ' + fmt(c.capacity, 1) + ' (fleet ' + fmt(c.fleet, 1) + ', escorts ' + (c.escort == null ? 'no limit' : fmt(c.escort, 1)) + ')'; });
    var ports = info.ports ? Object.keys(info.ports).map(function (k) { return k + ' ' + fmt(info.ports[k], 1); }) : [];
    s.appendChild(factList('bk-vul-facts', [
      ['Scenario', info.scenario || (scen && scen.name)],
      ['Maximum flow', info.max_flow != null ? fmt(info.max_flow, 1) + ' tankers a day from the ports to the city' + litres : null],
      ['Graph', info.graph === 'corridors' ? 'fixed routing: each corridor is its own chain of roads (tankers cannot change corridor)'
        : info.graph === 'roads' ? 'risk-aware routing: the road network itself, each segment both ways' : info.graph],
      ['Corridor capacity', caps.length ? caps.join('; ') + ' tankers a day' : null],
      ['Port loading', ports.length ? ports.join('; ') + ' tankers a day' : null],
      ['Minimum cut', cut.length ? cut.join(', ') : null],
      ['Closures simulated', sim.length ? sim.length + ' elements' + (info.replications != null ? ', ' + fmt(info.replications, 0) + ' paired replications each' : '') +
        (info.days ? ', ' + info.days + ' days' : '') + (info.seed != null ? '; seed ' + info.seed : '') : 'none (the static analysis only)']]));

    var ci = function (v, lo, hi, f) {
      return v == null ? '–' : signed(v, f) + ' [' + signed(lo, f) + ', ' + signed(hi, f) + ']';
    };
    var one = function (v) { return fmt(v, 1); }, ml = function (v) { return fmt(v / 1e6, 1); }, whole = function (v) { return fmt(v, 0); };
    var heads = ['Static rank', 'Element', 'Kind', 'Flow lost (tankers/day)', 'In the min cut', 'Simulated rank',
      'First stock-out (days) [95 % CI]', 'Demand unmet (million L) [95 % CI]', 'Deliveries (tankers) [95 % CI]'];
    var main = [], rest = [];
    rows.forEach(function (r) {
      var tr = el('tr', { class: r.disagree ? 'bk-disagree' : '', 'data-element': r.element, title: r.disagree ? 'The static and the simulated rankings disagree here' : '' }, [
        el('td', { class: 'num', text: String(r.static_rank) }),
        el('th', { scope: 'row' }, [r.name, r.name !== r.element ? el('span', { class: 'bk-id', text: r.element }) : null]),
        el('td', { text: r.kind }),
        el('td', { class: 'num', text: fmt(r.flow_lost_tankers_per_day, 1) }),
        el('td', { text: r.in_min_cut ? 'yes' : '' }),
        el('td', { class: 'num', text: r.simulated ? (r.disagree ? '≠ ' : '') + r.sim_rank : 'not simulated' }),
        el('td', { class: 'num', text: ci(r.d_first_stockout_day, r.d_first_stockout_day_lo, r.d_first_stockout_day_hi, one) }),
        el('td', { class: 'num', text: ci(r.d_unmet_l, r.d_unmet_l_lo, r.d_unmet_l_hi, ml) }),
        el('td', { class: 'num', text: ci(r.d_deliveries, r.d_deliveries_lo, r.d_deliveries_hi, whole) })]);
      (r.simulated || r.in_min_cut || !sim.length ? main : rest).push(tr);
    });
    s.appendChild(table('bk-vul-table', heads, main, 'bk-vul'));
    if (rest.length)
      s.appendChild(el('details', { class: 'bk-small', id: 'bk-vul-more' }, [el('summary', { text: 'All elements (' + rest.length + ' more, not simulated)' }),
        table('bk-vul-table-more', heads, rest, 'bk-vul')]));
    var dis = rows.filter(function (r) { return r.disagree; });
    s.appendChild(el('p', { class: 'bk-note', id: 'bk-vul-disagree', text: !sim.length
      ? 'No closure was simulated (the static analysis only): there is no simulated ranking to compare.'
      : !vulInfo ? 'vulnerability.json is not in the directory: where the two rankings disagree is not marked.'
      : dis.length ? 'Highlighted (≠): where the static and the simulated rankings disagree (' + dis.map(function (r) { return r.name; }).join(', ') + '): the simulated rank is more than two places outside the ranks the static loss shares with its ties, or one finds an effect and the other none. ' +
        'A static loss with no simulated harm: the capacity lost is not the capacity used; a simulated harm with no static loss: the graph finds another path that the simulation’s tankers, bound to their corridor, do not take.'
        : 'The static and the simulated rankings agree on every simulated element.' }));
  }

  /* Sentences for "In short". */
  function decideHeadline(ul) {
    if (opt) {
      var w = improvementWords(opt.today.improvement, opt.today.ci95[0], opt.today.ci95[1]);
      ul.appendChild(li('Best use of the levers against today’s armed group: <strong>' + esc(opt.today.chosen) + '</strong>. ' + esc(w.text)));
      if (opt.adapted) {
        var wa = improvementWords(opt.adapted.improvement, opt.adapted.ci95[0], opt.adapted.ci95[1]);
        ul.appendChild(li((opt.adapted.chosen === opt.today.chosen ? 'The same policy is best against the group’s best response. '
          : 'Against the group’s best response the best is <strong>' + esc(opt.adapted.chosen) + '</strong>. ') + esc(wa.text)));
      }
      if (opt.selection && opt.selection.guarantee) ul.appendChild(li('<strong>No guarantee of correct selection for the CVaR</strong>: ' + esc(opt.selection.guarantee) + '.'));
      ul.appendChild(li('The search, the finalists and the selection are under <a href="#bk-optimise">Best use of the levers</a>.'));
    }
    if (vul) {
      var rows = vulnElements();
      var top = rows.filter(function (r) { return r.static_rank === 1; })[0];
      var simTop = rows.filter(function (r) { return r.sim_rank === 1; })[0];
      if (vulInfo && vulInfo.max_flow != null)
        ul.appendChild(li('The supply graph carries at most <strong>' + fmt(vulInfo.max_flow, 1) + ' tankers a day</strong> from the ports to the city.'));
      if (top) ul.appendChild(li('Losing <strong>' + esc(top.name) + '</strong> cuts most capacity: ' + fmt(top.flow_lost_tankers_per_day, 1) + ' tankers a day (static rank 1).'));
      if (simTop) ul.appendChild(li('Closed for the horizon in the simulation, <strong>' + esc(simTop.name) + '</strong> hurts most: ' +
        signed(simTop.d_unmet_l, function (v) { return fmt(v / 1e6, 1); }) + ' million litres of demand unmet (' + signed(simTop.d_unmet_l_lo, function (v) { return fmt(v / 1e6, 1); }) +
        ' to ' + signed(simTop.d_unmet_l_hi, function (v) { return fmt(v / 1e6, 1); }) + ', 95 %).'));
      var dis = rows.filter(function (r) { return r.disagree; }).length;
      if (vulInfo && rows.some(function (r) { return r.simulated; })) ul.appendChild(li(dis ? 'The two rankings disagree on <strong>' + dis + ' element' + (dis > 1 ? 's' : '') + '</strong>, highlighted under <a href="#bk-vulnerability">Weak links of the network</a>.'
        : 'The static and the simulated rankings agree: see <a href="#bk-vulnerability">Weak links of the network</a>.'));
    }
  }

  /* ---- timeline, comparison, provenance ----------------------------------------------------- */

  function drawTimeline() {
    if (!scen || !scen.timeline || !scen.timeline.length) return;
    var s = section('Scenario timeline', 'bk-timeline');
    s.appendChild(el('p', { class: 'bk-note', text: 'Dated events and decisions written into the scenario; the simulation applies them on these dates.' }));
    var rows = scen.timeline.slice().sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0; });
    var tb = el('tbody');
    rows.forEach(function (r) { tb.appendChild(el('tr', null, [el('td', { class: 'date', text: dateText(r[0]) }), el('td', { text: r[1] })])); });
    s.appendChild(el('table', { class: 'bk-table' }, [
      el('thead', null, [el('tr', null, [el('th', { scope: 'col', text: 'Date' }), el('th', { scope: 'col', text: 'What happens' })])]), tb]));
  }

  function numCell(v) {
    var x = parseFloat(v);
    return v !== '' && isFinite(x) && /^[-+0-9.eE]+$/.test(v) ? el('td', { class: 'num', text: fmt(x) }) : el('td', { text: v });
  }

  /* Words for the whole-run metrics of a comparison (the rest: the name with spaces). */
  var METRIC_WORDS = {
    school_closed_days: 'school-closure days', blackout_hours: 'blackout hours', tankers_destroyed: 'tankers destroyed',
    tankers_captured: 'tankers captured', drivers_kidnapped: 'drivers kidnapped', delivered_l: 'fuel delivered',
    unmet_l: 'demand unmet', shortage_days: 'shortage days', deliveries: 'tanker deliveries', attacks_attempted: 'attacks',
    attacks_successful: 'successful attacks', first_stockout_day: 'day of the first stock-out', escort_lost: 'escort units lost',
    first_priority_cut_day: 'day of the first cut to priority sectors', peak_price_ratio: 'peak informal price ratio',
    pressure_days: 'days under pressure', airlifted_l: 'fuel flown in', consumed_l: 'fuel consumed', final_stock_l: 'stock at the end',
    peak_blackout_hours: 'blackout hours on the worst day', peak_queue_hours: 'queue hours on the worst day'
  };
  /* Shown first, in this order; the others follow under "All metrics". */
  var KEY_METRICS = ['school_closed_days', 'blackout_hours', 'shortage_days', 'unmet_l', 'delivered_l', 'tankers_destroyed',
    'tankers_captured', 'drivers_kidnapped', 'first_stockout_day', 'first_priority_cut_day', 'peak_price_ratio'];

  function metricWords(m) { return METRIC_WORDS[m] || m.replace(/_/g, ' '); }

  /* A quantity with its unit for people: litres in millions from a million up. */
  function qty(v, unit, scale) {
    var mil = unit === 'L' && scale >= 1e6;
    var x = mil ? v / 1e6 : v;
    /* enough digits that a bound of an interval that excludes 0 does not print as 0 */
    var t = x !== 0 && Math.abs(x) < 1 ? String(Number(x.toPrecision(2))) : fmt(x, mil ? 1 : null);
    return t + (mil ? ' million L' : unit === 'L' ? ' L' : unit === 'ratio' ? '×' : '');
  }

  /* "B reduces school-closure days by 8 (5 to 11), clear at 95 %": the verdict of one metric. */
  function verdict(pb, m, unit, d, lo, hi, se) {
    var w = metricWords(m);
    var scale = Math.max(Math.abs(d), Math.abs(lo), Math.abs(hi));
    var q = function (v) { return qty(v, unit, scale); };
    if (d === 0 && se === 0 && lo === 0 && hi === 0)
      return { text: pb + ' changes nothing in ' + w + ': the same in every paired replication.', clear: false };
    var clear = lo > 0 || hi < 0;
    var verb = d < 0 ? 'reduces' : 'increases';
    var a = Math.abs(d), l = d < 0 ? -hi : lo, h = d < 0 ? -lo : hi;
    if (clear)
      return { text: pb + ' ' + verb + ' ' + w + ' by ' + q(a) + ' (' + q(l) + ' to ' + q(h) + '), clear at 95 %.', clear: true };
    return { text: 'No clear difference in ' + w + ': ' + pb + ' changes it by ' + (d > 0 ? '+' : '') + q(d) +
      ', between ' + (lo > 0 ? '+' : '') + q(lo) + ' and ' + (hi > 0 ? '+' : '') + q(hi) + ' (95 %).', clear: false };
  }

  function drawCompare() {
    var c = data.compare;
    if (!c) return;
    var s = section('Policies compared', 'bk-compare');
    var col = {};
    c.columns.forEach(function (n, i) { col[n] = i; });
    /* blockade compare writes policy_a (the reference), policy_b and ci95_low/high */
    var alias = { policy: 'policy_b', baseline: 'policy_a', ci_low: 'ci95_low', ci_high: 'ci95_high' };
    Object.keys(alias).forEach(function (k) { if (!(k in col) && alias[k] in col) col[k] = col[alias[k]]; });
    var pivot = ['metric', 'policy', 'mean_diff', 'ci_low', 'ci_high'].every(function (n) { return n in col; });
    if (!pivot) {
      var tb2 = el('tbody');
      c.rows.forEach(function (r) { tb2.appendChild(el('tr', null, r.map(numCell))); });
      s.appendChild(el('table', { class: 'bk-table', id: 'bk-compare-table' }, [
        el('thead', null, [el('tr', null, c.columns.map(function (n) { return el('th', { scope: 'col', text: n }); }))]), tb2]));
      return;
    }
    var cmp = data.comparison || {};
    var num = function (r, k) { return k in col ? parseFloat(r[col[k]]) : NaN; };
    var pairs = [], byPair = {};
    c.rows.forEach(function (r) {
      var key = ('baseline' in col ? r[col.baseline] : '') + '\u0000' + r[col.policy];
      if (!byPair[key]) { byPair[key] = { a: 'baseline' in col ? r[col.baseline] : 'the baseline', b: r[col.policy], rows: [] }; pairs.push(byPair[key]); }
      byPair[key].rows.push(r);
    });
    /* What was compared: the scenario, the policies as their own descriptions, the paired runs. */
    var n = 'n' in col && c.rows.length ? num(c.rows[0], 'n') : cmp.replications;
    var scenName = cmp.scenario || (scen && scen.name) || summary.scenario;
    var facts = el('dl', { class: 'bk-facts', id: 'bk-compare-facts' });
    var fact = function (k, v) { facts.appendChild(el('dt', { text: k })); facts.appendChild(el('dd', { text: v })); };
    if (scenName) fact('Scenario', scenName);
    var pols = Array.isArray(cmp.policies) ? cmp.policies : [];
    var polNames = pols.length ? pols.map(function (p) { return p.name; }) : [pairs[0].a].concat(pairs.map(function (p) { return p.b; }));
    polNames.forEach(function (name, i) {
      var p = pols[i] || {};
      fact(i === 0 ? 'Reference policy' : 'Policy', name + (p.label ? ': ' + p.label : '') + (i === 0 ? ' (the baseline)' : ''));
    });
    if (n) fact('Paired replications', fmt(n, 0) + ' under each policy, with the same seed and replication numbers (common random numbers)' +
      (cmp.seed != null ? '; seed ' + cmp.seed : '') + (cmp.days ? '; ' + cmp.days + ' days' : ''));
    s.appendChild(facts);
    s.appendChild(el('p', { class: 'bk-note', text: 'For each metric: the baseline’s mean, the policy’s, and the mean paired difference (policy − baseline) with its 95 % confidence interval. ' +
      'A difference is “clear at 95 %” when its interval excludes 0. “Never” days (no stock-out, no cut) count as the end of the horizon.' }));
    pairs.forEach(function (pair, pi) {
      var rows = pair.rows.slice().sort(function (x, y) {
        var a = KEY_METRICS.indexOf(x[col.metric]), b = KEY_METRICS.indexOf(y[col.metric]);
        return (a < 0 ? 999 : a) - (b < 0 ? 999 : b);
      });
      var head = el('tr', null, ['Metric', 'Unit', 'Baseline: ' + pair.a, pair.b, 'Difference [95 % CI]', 'In words'].map(function (t) { return el('th', { scope: 'col', text: t }); }));
      var keyBody = el('tbody'), restBody = el('tbody');
      rows.forEach(function (r) {
        var m = r[col.metric], unit = 'unit' in col ? r[col.unit] : '';
        var d = num(r, 'mean_diff'), lo = num(r, 'ci_low'), hi = num(r, 'ci_high'), se = num(r, 'se');
        var v = verdict(pair.b, m, unit, d, lo, hi, se);
        var tr = el('tr', { class: v.clear ? 'bk-clear' : '' }, [
          el('th', { scope: 'row', text: metricWords(m) }),
          el('td', { text: unit }),
          el('td', { class: 'num', text: fmt(num(r, 'mean_a')) }),
          el('td', { class: 'num', text: fmt(num(r, 'mean_b')) }),
          el('td', { class: 'num', text: (d > 0 ? '+' : '') + qty(d, '', 0) + ' [' + qty(lo, '', 0) + ', ' + qty(hi, '', 0) + ']' + (v.clear ? ' ✱' : '') }),
          el('td', { class: 'bk-verdict', text: v.text })]);
        (KEY_METRICS.indexOf(m) >= 0 ? keyBody : restBody).appendChild(tr);
      });
      s.appendChild(el('h3', { text: pair.b + ' against ' + pair.a }));
      s.appendChild(el('table', { class: 'bk-table bk-compare', id: pi === 0 ? 'bk-compare-table' : 'bk-compare-table-' + pi }, [el('thead', null, [head]), keyBody]));
      if (restBody.children.length) {
        var det = el('details', { class: 'bk-small' }, [el('summary', { text: 'All metrics (' + restBody.children.length + ' more)' }),
          el('table', { class: 'bk-table bk-compare' }, [el('thead', null, [head.cloneNode(true)]), restBody])]);
        s.appendChild(det);
      }
    });
  }

  function drawProvenance() {
    var s = section('About this report', 'bk-prov');
    s.className = 'bk-prov';
    var ms = typeof manifest.scenario === 'object' && manifest.scenario ? manifest.scenario
      : { name: manifest.scenario, sha256: manifest.scenario_sha256, file: manifest.scenario_file };
    var rows = [];
    var name = (scen && scen.name) || ms.name || summary.scenario;
    if (name) rows.push(['Scenario', name + (scen && scen.description ? ' — ' + scen.description : '')]);
    var decided = opt || vulInfo || {};
    var sha = (scen && scen.sha256) || ms.sha256 || summary.scenario_sha256 || decided.scenario_sha256;
    if (sha) rows.push(['Scenario SHA-256', sha]);
    if (ms.file !== undefined) rows.push(['Scenario file', ms.file === null ? 'the embedded default scenario' : ms.file]);
    var seed = manifest.seed != null ? manifest.seed : summary.seed != null ? summary.seed : decided.seed != null ? decided.seed : scen && scen.seed;
    if (seed != null) rows.push(['Seed', String(seed) + (manifest.replication != null ? ', replication ' + manifest.replication : '')]);
    var reps = manifest.replications || summary.replications || decided.replications;
    if (reps) rows.push(['Replications', String(reps) + (opt ? ' per candidate in the search' : vulInfo ? ' per simulated closure' : '')]);
    if (!dates.length && decided.days) rows.push(['Horizon', decided.days + ' days']);
    if (dates.length) rows.push(['Period', dateText(dates[0]) + ' to ' + dateText(dates[dates.length - 1]) + ' (' + dates.length + ' days)']);
    rows.push(['Produced by', 'blockade ' + (manifest.blockade_version || data.version) + (manifest.command ? ': ' + manifest.command.join(' ') : '') +
      '; report by blockade ' + data.version]);
    rows.push(['Sources', 'Simulated with the blockade model from the scenario above' +
      (data.observed ? '; observed events from ' + data.observed.file + ' (ACLED columns)' : '') +
      '; borders from Natural Earth 1:110m (world-atlas 2.0.2); charts drawn with uPlot, map with d3-geo and topojson-client. Figures are model outputs, not forecasts of record.']);
    var dl = el('dl');
    rows.forEach(function (r) { dl.appendChild(el('dt', { text: r[0] })); dl.appendChild(el('dd', { text: r[1] })); });
    s.appendChild(dl);
  }

  function drawSubtitle() {
    var sub = document.getElementById('bk-subtitle');
    var kind = data.kind === 'compare' ? 'Policy comparison' : data.kind === 'optimise' ? 'Optimisation'
      : data.kind === 'vulnerability' ? 'Vulnerability' : isEnsemble ? 'Ensemble' : 'Single run';
    var parts = [];
    var name = (scen && scen.name) || (manifest.scenario && manifest.scenario.name) || summary.scenario || (typeof manifest.scenario === 'string' ? manifest.scenario : null) ||
      (opt && opt.scenario) || (vulInfo && vulInfo.scenario);
    if (name) parts.push(name);
    if (scen && scen.city) parts.push('fuel supply of ' + scen.city);
    if (dates.length) parts.push(dateText(dates[0]) + ' – ' + dateText(dates[dates.length - 1]));
    sub.innerHTML = '<span class="bk-kicker">' + esc(kind) + '</span>' + esc(parts.join(' · '));
  }

  guard('the subtitle', drawSubtitle);
  guard('the headline', drawHeadline);
  guard('the charts', drawCharts);
  guard('the probability curves', drawCurves);
  guard('the optimisation', drawOptimise);
  guard('the vulnerability analysis', drawVulnerability);
  guard('the map', drawMap);
  guard('the timeline', drawTimeline);
  guard('the comparison', drawCompare);
  guard('the provenance', drawProvenance);
  state.done = true;
})();
