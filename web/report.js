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
    var draws = manifest.posterior_draws || summary.posterior_draws;
    if (draws) ul.appendChild(li('Spread over <strong>' + fmt(draws, 0) + ' draws of a calibrated posterior</strong> (posterior predictive): the bands carry the uncertainty of the inferred parameters as well as chance.'));
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
    P.decideHeadline(ul);
    if (!ul.children.length) ul.appendChild(li('No daily figures in this directory.'));
    box.appendChild(ul);
    root.appendChild(box);
  }

  /* The results of `blockade optimise` and `blockade vulnerability`, when the page has them
   * (drawn by report_decide.js; named in the subtitle and the provenance). */
  var opt = data.optimise ? data.optimise.result : null;
  var vul = data.vulnerability || null;
  var vulInfo = vul && vul.analysis ? vul.analysis : null;

  function table(id, heads, rows, cls) {
    var tb = el('tbody');
    rows.forEach(function (r) { tb.appendChild(r); });
    return el('table', { class: 'bk-table' + (cls ? ' ' + cls : ''), id: id }, [
      el('thead', null, [el('tr', null, heads.map(function (h) { return el('th', { scope: 'col', text: h }); }))]), tb]);
  }

  /* ---- timeline, provenance -------------------------------------------------------------------- */

  function drawTimeline() {
    if (!scen || !scen.timeline || !scen.timeline.length) return;
    var s = section('Scenario timeline', 'bk-timeline');
    s.appendChild(el('p', { class: 'bk-note', text: 'Dated events and decisions written into the scenario; the simulation applies them on these dates.' }));
    /* Only what falls inside the horizon simulated (a run, an ensemble or an analysis may be
     * shorter than the scenario: --days). */
    var days = dates.length || (opt && opt.days) || (vulInfo && vulInfo.days) || scen.days;
    var start = dateSeconds(scen.start_date);
    var endSec = start != null && days ? start + days * 86400 : null;
    var endIso = endSec != null ? new Date(endSec * 1000).toISOString().slice(0, 10) : null;
    var all = scen.timeline.slice().sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0; });
    var rows = endIso ? all.filter(function (r) { return r[0] < endIso; }) : all;
    var left = all.length - rows.length;
    if (left > 0)
      s.appendChild(el('p', { class: 'bk-note', text: left + (left === 1 ? ' later entry' : ' later entries') + ' of the scenario, from ' +
        secondsText(endSec) + ' on, fall after the ' + days + ' days simulated and are not shown.' }));
    var tb = el('tbody');
    rows.forEach(function (r) { tb.appendChild(el('tr', null, [el('td', { class: 'date', text: dateText(r[0]) }), el('td', { text: r[1] })])); });
    s.appendChild(el('table', { class: 'bk-table' }, [
      el('thead', null, [el('tr', null, [el('th', { scope: 'col', text: 'Date' }), el('th', { scope: 'col', text: 'What happens' })])]), tb]));
  }

  /* A quantity with its unit for people: litres in millions from a million up. */
  function qty(v, unit, scale) {
    var mil = unit === 'L' && scale >= 1e6;
    var x = mil ? v / 1e6 : v;
    /* enough digits that a bound of an interval that excludes 0 does not print as 0 */
    var t = x !== 0 && Math.abs(x) < 1 ? String(Number(x.toPrecision(2))) : fmt(x, mil ? 1 : null);
    return t + (mil ? ' million L' : unit === 'L' ? ' L' : unit === 'ratio' ? '×' : '');
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
    var post = manifest.posterior_draws || summary.posterior_draws;
    if (post) rows.push(['Posterior', post + ' draws of a calibrated posterior, replication r running draw r mod ' + post +
      ' (draws SHA-256 ' + (manifest.posterior_draws_sha256 || summary.posterior_draws_sha256) + ')']);
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

  /* What report_map.js and report_decide.js share with this file; they add their own drawings. */
  var P = window.bkReportParts = {};
  P.COLOURS = COLOURS;
  P.DASHES = DASHES;
  P.card = card;
  P.data = data;
  P.dateText = dateText;
  P.dates = dates;
  P.el = el;
  P.esc = esc;
  P.fmt = fmt;
  P.get = get;
  P.has = has;
  P.isEnsemble = isEnsemble;
  P.lastIndex = lastIndex;
  P.li = li;
  P.names = names;
  P.opt = opt;
  P.pct = pct;
  P.peak = peak;
  P.qty = qty;
  P.register = register;
  P.rgba = rgba;
  P.scen = scen;
  P.section = section;
  P.state = state;
  P.summary = summary;
  P.table = table;
  P.vul = vul;
  P.vulInfo = vulInfo;
  P.world = world;

  /* Once every part of the script has run (they follow this one in the page). */
  function main() {
    guard('the subtitle', drawSubtitle);
    guard('the headline', drawHeadline);
    guard('the charts', drawCharts);
    guard('the probability curves', drawCurves);
    guard('the optimisation', P.drawOptimise);
    guard('the vulnerability analysis', P.drawVulnerability);
    guard('the map', P.drawMap);
    guard('the timeline', drawTimeline);
    guard('the comparison', P.drawCompare);
    guard('the provenance', drawProvenance);
    state.done = true;
  }
  document.addEventListener('DOMContentLoaded', main);
})();
