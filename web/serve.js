/* serve.js: the page of `blockade serve` (docs/serve.md). It builds the lever controls from the
 * server's schema-generated list, starts ensembles and comparisons with the levers changed as a
 * policy patch, follows a job's progress and partial results as server-sent events (fan charts
 * and probability curves redrawn as replications complete), cancels jobs, and lists, opens,
 * compares and downloads past runs of the run store. It talks only to its own server (the
 * Content-Security-Policy allows nothing else); the access token travels in an HttpOnly cookie
 * set when the page was opened with ?token=, and is removed from the address bar at once. */
(function () {
  'use strict';

  if (window.location.search.indexOf('token=') >= 0)
    window.history.replaceState(null, '', window.location.pathname);

  var app = document.getElementById('bk-app');
  var COLOURS = ['#0b4f8a', '#b23b1e', '#2e7d32', '#6a3d9a', '#8c6d1f', '#00838f', '#ad1457'];
  var LIVE = [
    ['cover_days', 'Stock cover', 'days'],
    ['stock_l', 'City stock', 'L'],
    ['shortage_share', 'Unmet demand', 'share'],
    ['blackout_hours', 'Blackout', 'h/day'],
    ['queue_hours', 'Queues at stations', 'h'],
    ['price_ratio', 'Informal price', 'ratio to official'],
    ['deliveries', 'Deliveries', 'tankers/day'],
    ['attacks', 'Attacks', 'per day'],
    ['pressure', 'Social pressure', 'index']];
  var CURVES = {
    stockout_any: 'a city stock-out', priority_cut: 'a cut to priority users',
    schools_closed: 'schools closed', first_attack: 'a first attack'};

  var state = { levers: [], changed: {}, job: null, source: null, charts: [], updates: 0,
    metric: 'cover_days', runs: [], picked: [] };

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'on') Object.keys(attrs.on).forEach(function (ev) { e.addEventListener(ev, attrs.on[ev]); });
      else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return e;
  }
  function fmt(v, d) {
    if (v == null || !isFinite(v)) return '–';
    var a = Math.abs(v);
    if (d == null) d = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
    return Number(v).toLocaleString('en-GB', { maximumFractionDigits: d, minimumFractionDigits: 0 });
  }
  function api(method, path, body) {
    var opt = { method: method, credentials: 'same-origin', headers: {} };
    if (body !== undefined) {
      opt.headers['Content-Type'] = 'application/json';
      opt.body = JSON.stringify(body);
    }
    return fetch(path, opt).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) throw new Error((j && j.error && j.error.message) || ('HTTP ' + r.status));
        return j;
      });
    });
  }
  function say(node, text, bad) {
    node.textContent = text;
    node.className = 'bk-msg' + (bad ? ' bk-bad' : '');
  }

  /* CSV of the server's outputs: plain fields, no quotes in the columns read here. */
  function parseCsv(text) {
    var lines = text.split('\n').filter(function (l) { return l.length; });
    var head = lines.shift().split(',');
    return lines.map(function (l) {
      var f = l.split(','), o = {};
      head.forEach(function (h, i) { o[h] = f[i]; });
      return o;
    });
  }
  function bandsOf(csv) {
    var out = {};
    parseCsv(csv).forEach(function (r) {
      var b = out[r.metric] || (out[r.metric] = { unit: r.unit, x: [], q05: [], q25: [], q50: [], q75: [], q95: [], mean: [] });
      b.x.push(Date.parse(r.date + 'T00:00:00Z') / 1000);
      ['q05', 'q25', 'q50', 'q75', 'q95', 'mean'].forEach(function (q) { b[q].push(parseFloat(r[q])); });
    });
    return out;
  }
  function curvesOf(csv) {
    var out = {};
    parseCsv(csv).forEach(function (r) {
      var c = out[r.curve] || (out[r.curve] = { x: [], p: [] });
      c.x.push(Date.parse(r.date + 'T00:00:00Z') / 1000);
      c.p.push(parseFloat(r.probability));
    });
    return out;
  }

  /* ---- layout ------------------------------------------------------------------------------ */

  var subtitle = document.getElementById('bk-subtitle');
  var left = el('section', { class: 'bk-levers', id: 'bk-levers' });
  var right = el('section', { class: 'bk-work' });
  app.appendChild(el('div', { class: 'bk-layout' }, [left, right]));

  var filter = el('input', { type: 'search', id: 'bk-filter', placeholder: 'filter levers (e.g. escort, airlift)', 'aria-label': 'filter levers' });
  var group = el('select', { id: 'bk-group', 'aria-label': 'sub-model' });
  var leverList = el('div', { class: 'bk-lever-list', id: 'bk-lever-list' });
  var changedBox = el('p', { class: 'bk-note', id: 'bk-changed', text: 'No lever changed: runs use the scenario as loaded.' });
  left.appendChild(el('h2', { text: 'Levers' }));
  left.appendChild(el('div', { class: 'bk-row' }, [group, filter]));
  left.appendChild(changedBox);
  left.appendChild(leverList);

  var reps = el('input', { type: 'number', id: 'bk-reps', min: '1', max: '100000', value: '50', 'aria-label': 'replications' });
  var pname = el('input', { type: 'text', id: 'bk-policy-name', value: 'my policy', maxlength: '100', 'aria-label': 'policy name' });
  var runBtn = el('button', { id: 'bk-run', text: 'Run ensemble' });
  var cmpBtn = el('button', { id: 'bk-compare', text: 'Compare with baseline' });
  var cancelBtn = el('button', { id: 'bk-cancel', text: 'Cancel', disabled: 'disabled' });
  var progress = el('progress', { id: 'bk-progress', max: '1', value: '0' });
  var jobMsg = el('p', { class: 'bk-msg', id: 'bk-job-msg', text: 'No job yet.' });
  right.appendChild(el('h2', { text: 'Run' }));
  right.appendChild(el('div', { class: 'bk-row' }, [
    el('label', {}, ['replications ', reps]), el('label', {}, ['policy name ', pname]), runBtn, cmpBtn, cancelBtn]));
  right.appendChild(el('div', { class: 'bk-row' }, [progress, jobMsg]));

  var metricSel = el('select', { id: 'bk-metric', 'aria-label': 'metric' });
  LIVE.forEach(function (m) { metricSel.appendChild(el('option', { value: m[0], text: m[1] + ' (' + m[2] + ')' })); });
  var charts = el('div', { class: 'bk-grid', id: 'bk-charts' });
  var compareBox = el('div', { id: 'bk-compare-result' });
  right.appendChild(el('div', { class: 'bk-row' }, [el('label', {}, ['chart ', metricSel])]));
  right.appendChild(charts);
  right.appendChild(compareBox);

  var runsTable = el('table', { class: 'bk-table', id: 'bk-runs' });
  var diffBtn = el('button', { id: 'bk-diff', text: 'Compare the two runs ticked', disabled: 'disabled' });
  var refreshBtn = el('button', { id: 'bk-refresh', text: 'Refresh' });
  var runView = el('div', { id: 'bk-run-view' });
  right.appendChild(el('h2', { text: 'Past runs' }));
  right.appendChild(el('div', { class: 'bk-row' }, [refreshBtn, diffBtn]));
  right.appendChild(runsTable);
  right.appendChild(runView);

  /* ---- levers ------------------------------------------------------------------------------ */

  function leverInput(l) {
    var id = 'lever-' + l.path;
    var input;
    if (l.type === 'boolean') {
      input = el('input', { type: 'checkbox', id: id });
      input.checked = !!l.value;
    } else if (l.type === 'enum') {
      input = el('select', { id: id });
      l.words.forEach(function (w) { input.appendChild(el('option', { value: w, text: w })); });
      input.value = l.value;
    } else if (l.type === 'date') {
      input = el('input', { type: 'date', id: id, min: l.min, max: l.max });
      input.value = l.value || '';
    } else {
      input = el('input', { type: 'number', id: id, step: l.type === 'integer' ? '1' : 'any' });
      if (l.min != null) input.min = l.min;
      if (l.max != null) input.max = l.max;
      input.value = l.value;
    }
    input.setAttribute('data-path', l.path);
    input.addEventListener('change', function () {
      var v = l.type === 'boolean' ? input.checked : l.type === 'enum' ? input.value
        : l.type === 'date' ? (input.value || null) : parseFloat(input.value);
      if ((l.type === 'number' || l.type === 'integer') && !isFinite(v)) v = null;
      if (v === null || v === l.value) delete state.changed[l.path];
      else state.changed[l.path] = v;
      input.parentNode.parentNode.className = 'bk-lever' + (l.path in state.changed ? ' bk-changed' : '');
      showChanged();
    });
    return input;
  }
  function showChanged() {
    var keys = Object.keys(state.changed);
    changedBox.textContent = keys.length
      ? 'Changed: ' + keys.map(function (k) { return k + ' = ' + state.changed[k]; }).join('; ')
      : 'No lever changed: runs use the scenario as loaded.';
  }
  /* What a planner decides (rather than what the world is): the policy section, escorts on each
   * corridor, the city's stocks and reserves. */
  function isPolicyLever(l) {
    return /^policy\./.test(l.path) || /\.escort\./.test(l.path) || /^city\.(initial_stock_l|reserve_floor_l|reserve_tier)/.test(l.path);
  }
  function drawLevers() {
    var q = filter.value.toLowerCase(), g = group.value;
    leverList.textContent = '';
    var shown = 0;
    state.levers.forEach(function (l) {
      if (g === '__policy' ? !isPolicyLever(l) : g && l.submodel !== g) return;
      if (q && (l.path + ' ' + l.description).toLowerCase().indexOf(q) < 0) return;
      if (++shown > 120) return;
      var row = el('div', { class: 'bk-lever' + (l.path in state.changed ? ' bk-changed' : ''), title: l.description }, [
        el('label', { for: 'lever-' + l.path }, [el('code', { text: l.path }), el('span', { class: 'bk-note', text: ' ' + l.description + (l.unit ? ' [' + l.unit + ']' : '') + (l.bounds ? ', ' + l.bounds : '') })]),
        el('div', {}, [leverInput(l)])]);
      if (l.path in state.changed) row.querySelector('[data-path]').value = state.changed[l.path];
      leverList.appendChild(row);
    });
    if (shown > 120) leverList.appendChild(el('p', { class: 'bk-note', text: (shown - 120) + ' more: narrow the filter.' }));
  }
  filter.addEventListener('input', drawLevers);
  group.addEventListener('change', drawLevers);

  /* ---- charts ------------------------------------------------------------------------------ */

  function rgba(hex, a) {
    var n = parseInt(hex.slice(1), 16);
    return 'rgba(' + (n >> 16 & 255) + ',' + (n >> 8 & 255) + ',' + (n & 255) + ',' + a + ')';
  }
  function baseOptions(width, yLabel) {
    return {
      width: width, height: 240,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'); },
      scales: { x: { time: true } },
      axes: [{ size: 48, font: '11px system-ui, sans-serif' },
        { label: yLabel, labelSize: 18, size: 56, font: '11px system-ui, sans-serif', labelFont: '600 11px system-ui, sans-serif' }],
      legend: { show: true, live: true }, cursor: { drag: { x: false, y: false } }
    };
  }
  function card(title, desc) {
    var box = el('div', { class: 'bk-chart' });
    charts.appendChild(el('figure', { class: 'bk-card' }, [el('h3', { text: title }), el('p', { class: 'bk-desc', text: desc }), box]));
    return box;
  }
  /* Fan chart of one metric and probability curves; redrawn on every update. */
  function drawCharts(bands, curves, note) {
    state.charts.forEach(function (u) { u.destroy(); });
    state.charts = [];
    charts.textContent = '';
    var m = LIVE.filter(function (x) { return x[0] === metricSel.value; })[0] || LIVE[0];
    var b = bands && bands[m[0]];
    if (b) {
      var box = card(m[1], 'median, 25–75 % and 5–95 % of the replications' + note);
      var o = baseOptions(Math.max(320, box.clientWidth || 480), m[2]);
      var edge = function (label, a, w) { return { label: label, stroke: rgba(COLOURS[0], a), width: w, points: { show: false } }; };
      o.series = [{ label: 'date' }, edge('5 %', 0.45, 1), edge('25 %', 0.7, 1), edge('median', 1, 2.5), edge('75 %', 0.7, 1), edge('95 %', 0.45, 1)];
      o.bands = [{ series: [5, 1], fill: rgba(COLOURS[0], 0.14) }, { series: [4, 2], fill: rgba(COLOURS[0], 0.28) }];
      state.charts.push(new uPlot(o, [b.x, b.q05, b.q25, b.q50, b.q75, b.q95], box));
    }
    var names = Object.keys(curves || {}).filter(function (k) { return CURVES[k]; });
    if (names.length) {
      var cbox = card('Probability by date', 'share of replications in which the event has happened' + note);
      var co = baseOptions(Math.max(320, cbox.clientWidth || 480), 'probability');
      co.scales.y = { range: [0, 1] };
      co.series = [{ label: 'date' }];
      var data = [curves[names[0]].x];
      names.forEach(function (k, i) {
        co.series.push({ label: CURVES[k], stroke: COLOURS[i % COLOURS.length], width: 2, dash: i % 2 ? [6, 3] : [], points: { show: false } });
        data.push(curves[k].p);
      });
      state.charts.push(new uPlot(co, data, cbox));
    }
    charts.setAttribute('data-updates', String(++state.updates));
  }
  var last = { bands: null, curves: null, note: '' };
  metricSel.addEventListener('change', function () { if (last.bands) drawCharts(last.bands, last.curves, last.note); });
  function showData(bandsCsv, curvesCsv, note) {
    last = { bands: bandsOf(bandsCsv), curves: curvesOf(curvesCsv), note: note };
    drawCharts(last.bands, last.curves, note);
  }

  /* ---- jobs -------------------------------------------------------------------------------- */

  function policy(name) { return { name: name, set: Object.assign({}, state.changed) }; }
  function busy(on) {
    runBtn.disabled = on; cmpBtn.disabled = on; cancelBtn.disabled = !on;
  }
  function start(body) {
    var n = parseInt(reps.value, 10);
    body.replications = n;
    say(jobMsg, 'starting…');
    compareBox.textContent = '';
    api('POST', '/api/jobs', body).then(function (job) {
      state.job = job.id;
      busy(true);
      follow(job.id);
    }).catch(function (e) { say(jobMsg, e.message, true); });
  }
  runBtn.addEventListener('click', function () {
    start({ kind: 'ensemble', policies: [policy(pname.value || 'my policy')] });
  });
  cmpBtn.addEventListener('click', function () {
    start({ kind: 'compare', policies: [{ name: 'baseline', set: {} }, policy(pname.value || 'my policy')] });
  });
  cancelBtn.addEventListener('click', function () {
    if (state.job == null) return;
    api('POST', '/api/jobs/' + state.job + '/cancel').then(function () {
      say(jobMsg, 'cancelling job ' + state.job + '…');
    }).catch(function (e) { say(jobMsg, e.message, true); });
  });
  function follow(id) {
    if (state.source) state.source.close();
    var es = new EventSource('/api/jobs/' + id + '/events');
    state.source = es;
    var onEvent = function (ev) {
      var d = JSON.parse(ev.data), j = d.job;
      progress.max = j.total || 1;
      progress.value = j.done;
      say(jobMsg, 'job ' + j.id + ' (' + j.kind + '): ' + j.state + ', ' + j.done + ' of ' + j.total + ' replications' +
        (j.error ? ': ' + j.error : ''), j.state === 'failed');
      jobMsg.setAttribute('data-state', j.state);
      if (d.partial && d.partial.compare) {
        showCompare(d.partial.compare, true);
      } else if (d.partial) {
        showData(d.partial.bands, d.partial.curves, ' (' + d.partial.replications_done + ' replications so far)');
        charts.setAttribute('data-partial', String(d.partial.replications_done));
      }
      if (ev.type === 'end') {
        es.close();
        state.source = null;
        busy(false);
        finished(j);
      }
    };
    es.addEventListener('progress', onEvent);
    es.addEventListener('end', onEvent);
    es.onerror = function () {
      if (es.readyState === 2) { busy(false); say(jobMsg, 'lost the connection to the server', true); }
    };
  }
  function finished(j) {
    loadRuns();
    if (j.state !== 'done' || j.run_id == null) return;
    if (j.kind === 'ensemble') {
      Promise.all(['bands.csv', 'curves.csv'].map(function (f) {
        return fetch('/api/runs/' + j.run_id + '/files/' + f, { credentials: 'same-origin' }).then(function (r) {
          if (!r.ok) throw new Error('cannot fetch ' + f);
          return r.text();
        });
      })).then(function (t) {
        showData(t[0], t[1], ' (all ' + j.total + ' replications, run ' + j.run_id + ')');
      }).catch(function (e) { say(jobMsg, e.message, true); });
    } else if (j.result) {
      showCompare(j.result);
    }
  }
  // res: compare.json, or (partial) the same table for the replications completed so far
  function showCompare(res, partial) {
    compareBox.textContent = '';
    compareBox.setAttribute('data-partial', partial ? String(res.replications) : '');
    var t = el('table', { class: 'bk-table', id: 'bk-compare-table' }, [el('tr', {}, [
      'metric', 'policy', 'baseline mean', 'policy mean', 'difference', '95 % interval'].map(function (h) { return el('th', { text: h }); }))]);
    var rows = 0;
    (res.comparisons || []).forEach(function (c) {
      Object.keys(c.metrics || {}).forEach(function (name) {
        var m = c.metrics[name];
        rows++;
        t.appendChild(el('tr', { class: m.mean_diff ? 'bk-changed' : '' }, [el('td', { text: name + (m.unit ? ' (' + m.unit + ')' : '') }), el('td', { text: c.b }),
          el('td', { text: fmt(m.mean_a) }), el('td', { text: fmt(m.mean_b) }), el('td', { text: fmt(m.mean_diff) }),
          el('td', { text: m.ci95 ? fmt(m.ci95[0]) + ' … ' + fmt(m.ci95[1]) : '–' })]));
      });
    });
    compareBox.appendChild(el('h3', { text: 'Comparison: paired differences against ' + ((res.policies || [])[0] || {}).name + ' (common random numbers, ' + res.replications + ' replications' + (partial ? ' so far, running' : '') + ')' }));
    compareBox.appendChild(rows ? t : el('pre', { text: JSON.stringify(res, null, 1).slice(0, 4000) }));
  }

  /* ---- past runs --------------------------------------------------------------------------- */

  function loadRuns() {
    return api('GET', '/api/runs').then(function (runs) {
      state.runs = runs;
      state.picked = [];
      diffBtn.disabled = true;
      runsTable.textContent = '';
      runsTable.appendChild(el('tr', {}, ['', 'id', 'kind', 'status', 'start (UTC)', 'replications', 'policies', ''].map(function (h) { return el('th', { text: h }); })));
      runs.forEach(function (r) {
        var tick = el('input', { type: 'checkbox', 'aria-label': 'pick run ' + r.id });
        tick.addEventListener('change', function () {
          state.picked = state.picked.filter(function (x) { return x !== r.id; });
          if (tick.checked) state.picked.push(r.id);
          diffBtn.disabled = state.picked.length !== 2;
        });
        var pol = r.params && r.params.policies ? r.params.policies.join(' | ') : '';
        var open = el('button', { class: 'bk-open', 'data-run': String(r.id), text: 'open' });
        open.addEventListener('click', function () { openRun(r.id); });
        runsTable.appendChild(el('tr', {}, [el('td', {}, [tick]), el('td', { text: String(r.id) }), el('td', { text: r.kind }),
          el('td', { text: r.status === 'running' ? 'running or killed' : r.status }), el('td', { text: (r.start_utc || '').replace('T', ' ').slice(0, 19) }),
          el('td', { text: String(r.replications) }), el('td', { text: pol }), el('td', {}, [open])]));
      });
    }).catch(function (e) { runView.textContent = e.message; });
  }
  function openRun(id) {
    api('GET', '/api/runs/' + id).then(function (r) {
      runView.textContent = '';
      runView.appendChild(el('h3', { id: 'bk-run-title', text: 'Run ' + id }));
      var links = el('p', { class: 'bk-files' });
      r.files.forEach(function (f) {
        links.appendChild(el('a', { href: '/api/runs/' + id + '/files/' + encodeURIComponent(f.name), download: f.name, text: f.name }));
        links.appendChild(document.createTextNode(' '));
      });
      if (r.files.length) links.appendChild(el('a', { href: '/api/runs/' + id + '/report', download: 'report-' + id + '.html', text: 'offline report' }));
      runView.appendChild(links);
      runView.appendChild(el('pre', { class: 'bk-pre', text: r.text }));
      var names = r.files.map(function (f) { return f.name; });
      if (names.indexOf('bands.csv') >= 0 && names.indexOf('curves.csv') >= 0) {
        Promise.all(['bands.csv', 'curves.csv'].map(function (f) {
          return fetch('/api/runs/' + id + '/files/' + f, { credentials: 'same-origin' }).then(function (x) { return x.text(); });
        })).then(function (t) { showData(t[0], t[1], ' (run ' + id + ')'); });
      }
    }).catch(function (e) { runView.textContent = e.message; });
  }
  diffBtn.addEventListener('click', function () {
    var p = state.picked.slice().sort(function (a, b) { return a - b; });
    api('GET', '/api/runs/' + p[0] + '/diff/' + p[1]).then(function (d) {
      runView.textContent = '';
      runView.appendChild(el('h3', { id: 'bk-run-title', text: 'Run ' + p[0] + ' against run ' + p[1] }));
      runView.appendChild(el('pre', { class: 'bk-pre', text: d.text }));
    }).catch(function (e) { runView.textContent = e.message; });
  });
  refreshBtn.addEventListener('click', loadRuns);

  /* ---- start ------------------------------------------------------------------------------- */

  api('GET', '/api/scenario').then(function (s) {
    subtitle.textContent = s.name + ' · ' + s.days + ' days · seed ' + s.seed + ' · ' + (s.file || 'embedded default scenario') + ' · blockade ' + s.version;
    state.levers = s.levers;
    var groups = {};
    s.levers.forEach(function (l) { groups[l.submodel] = true; });
    group.appendChild(el('option', { value: '__policy', text: 'policy levers' }));
    group.appendChild(el('option', { value: '', text: 'all sub-models' }));
    Object.keys(groups).forEach(function (g) { group.appendChild(el('option', { value: g, text: g })); });
    group.value = '__policy';
    drawLevers();
    document.body.setAttribute('data-ready', '1');
  }).catch(function (e) { say(jobMsg, e.message, true); });
  loadRuns();
  /* A job still running (started before this page was opened, or before it was reloaded):
   * follow it again. Jobs belong to the server, not to the page. */
  api('GET', '/api/jobs').then(function (jobs) {
    var live = jobs.filter(function (j) { return j.state === 'running' || j.state === 'queued'; });
    if (live.length && state.job == null) {
      state.job = live[0].id;
      busy(true);
      follow(live[0].id);
    }
  }).catch(function () {});
})();
