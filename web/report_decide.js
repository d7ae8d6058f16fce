/* report_decide.js: the report's sections that help decide: `blockade optimise` (the chosen
 * policies against the default, the armed group's answer, the search's convergence), `blockade
 * vulnerability` (the weak links, their map layer and the map's layer control) and `blockade
 * compare` (the paired differences between policies, with a verdict per metric). Loaded after report.js, whose
 * shared values and helpers it takes from window.bkReportParts. */
(function (P) {
  'use strict';

  var data = P.data,
    COLOURS = P.COLOURS,
    DASHES = P.DASHES,
    el = P.el,
    esc = P.esc,
    fmt = P.fmt,
    pct = P.pct,
    section = P.section,
    dates = P.dates,
    scen = P.scen,
    summary = P.summary,
    has = P.has,
    get = P.get,
    names = P.names,
    rgba = P.rgba,
    lastIndex = P.lastIndex,
    card = P.card,
    register = P.register,
    li = P.li,
    opt = P.opt,
    vul = P.vul,
    vulInfo = P.vulInfo,
    table = P.table,
    peak = P.peak,
    qty = P.qty;


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
        var cl = v == null ? null : P.classOf(m.classes, v);
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
        var cl = v == null ? null : P.classOf(m.classes, v);
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

  /* ---- the comparison of policies (blockade compare) ---------------------------------------- */

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
    if (cmp.posterior_draws) fact('Posterior', 'replication r runs draw r mod ' + cmp.posterior_draws + ' of a calibrated posterior under every policy ' +
      '(a policy’s own settings win over the draw): the differences carry the uncertainty of the inferred parameters too');
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

  P.drawCompare = drawCompare;
  P.drawOptimise = drawOptimise;
  P.drawVulnerability = drawVulnerability;
  P.decideHeadline = decideHeadline;
  P.vulnerabilityLayer = vulnerabilityLayer;
  P.layerControl = layerControl;
})(window.bkReportParts);
