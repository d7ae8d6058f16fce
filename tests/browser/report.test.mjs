// report.test.mjs: blockade's HTML report, opened in a real headless browser (Chromium, driven
// by playwright-core; no browser is downloaded: the system's /usr/bin/chromium is used).
//
// Runs the tool on the two-corridor test scenario (one run, an ensemble, a comparison of two
// policies and an optimisation of its escorts) and on the default scenario (a vulnerability
// analysis, 30 days), writes the reports, opens each from disk (file://) with every network
// request refused, and checks: no console error and no page error; every chart drawn by uPlot
// with a canvas of non-zero size and non-empty data; the map's SVG with country and road paths,
// place and attack circles; the headline, the timeline and the provenance; the optimisation's
// choices, finalists, selection and convergence; the vulnerability table, its highlights and its
// map layer, turned off and on. Saves a screenshot of each report into the build directory (a CI
// artefact).
//
// Environment (set by tests/CMakeLists.txt): BK_CLI, BK_SOURCE_DIR,
// BK_NODE_MODULES, BK_ARTIFACT_DIR; BK_CHROMIUM (default /usr/bin/chromium).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { check, checkNotThrown, env, finish, launchChromium, watchPage } from './harness.mjs';

const cli = env('BK_CLI');
const src = env('BK_SOURCE_DIR');
const artifacts = env('BK_ARTIFACT_DIR');

function run(args, what) {
  const r = spawnSync(args[0], args.slice(1), { encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`${what} failed (exit ${r.status}): ${args.join(' ')}\n${r.stderr}`);
  return r;
}

// The tool's `report` command.
function makeReport(dir, out, observed) {
  const args = [cli, 'report', dir, '--output', out, '--quiet'];
  if (observed) args.push('--observed', observed);
  run(args, 'blockade report');
}

// Three observed events in ACLED's columns, with a quoted comma in the notes.
const OBSERVED = [
  'event_id_cnty,event_date,event_type,sub_event_type,latitude,longitude,notes',
  'TST1,2025-09-06,Battles,Armed clash,13.1,-9.2,"Ambush on a fuel convoy near West Town, 3 tankers burned"',
  'TST2,2025-09-12,Strategic developments,Looting/property destruction,11.4,-7.1,Tankers burned',
  'TST3,2025-09-20,Violence against civilians,Abduction/forced disappearance,12.8,-8.5,Drivers abducted',
].join('\n') + '\n';

async function inspect(browser, file, label, expect) {
  // Nothing but the file itself may be loaded.
  const { context, page, problems, requests } = await openReport(browser, file,
    { deviceScaleFactor: 1, requestsAsProblems: false });
  await page.waitForTimeout(200);

  const state = await page.evaluate(() => window.bkReport);
  const dom = await page.evaluate(() => {
    const canvases = [...document.querySelectorAll('.uplot canvas')].map((c) => [c.width, c.height]);
    const svg = document.querySelector('#bk-map-svg');
    const q = (s) => (svg ? svg.querySelectorAll(s).length : 0);
    return {
      plots: document.querySelectorAll('.uplot').length,
      canvases,
      countries: q('path.country'),
      borders: q('path.border'),
      roads: q('path.road'),
      attacks: q('circle.attack'),
      places: q('circle.place'),
      observed: q('path.observed'),
      headline: document.querySelectorAll('#bk-headline li').length,
      timeline: document.querySelectorAll('#bk-timeline tbody tr').length,
      provenance: document.querySelector('#bk-prov')?.textContent ?? '',
      title: document.title,
    };
  });

  check(problems.length === 0, `${label}: no console or page errors${problems.length ? ': ' + problems.join('; ') : ''}`);
  check(requests.length === 0, `${label}: no network request${requests.length ? ': ' + requests.join(', ') : ''}`);
  check(state.errors.length === 0, `${label}: every section drawn${state.errors.length ? ': ' + state.errors.join('; ') : ''}`);
  check(state.charts.length >= expect.charts, `${label}: at least ${expect.charts} charts (got ${state.charts.length})`);
  check(dom.plots === state.charts.length, `${label}: one uPlot element per chart (${dom.plots})`);
  check(dom.canvases.length >= state.charts.length && dom.canvases.every(([w, h]) => w > 0 && h > 0),
    `${label}: every chart canvas has a non-zero size`);
  for (const c of state.charts)
    check(c.series > 0 && c.points > 0 && c.width > 0 && c.height > 0,
      `${label}: chart "${c.title}" has data (${c.series} series, ${c.points} points)`);
  for (const id of expect.chartIds)
    check(state.charts.some((c) => c.id === id || c.id.startsWith(id + '-')), `${label}: chart ${id} present`);
  check(dom.countries > 0 && dom.borders === 1, `${label}: map has country paths (${dom.countries}) and borders`);
  check(dom.roads === expect.roads, `${label}: map has the ${expect.roads} roads (got ${dom.roads})`);
  check(dom.places === expect.places, `${label}: map has the ${expect.places} places (got ${dom.places})`);
  if (expect.attacks) check(dom.attacks > 0, `${label}: map has attack circles (${dom.attacks})`);
  if (expect.observed) check(dom.observed === expect.observed, `${label}: map has ${expect.observed} observed events (got ${dom.observed})`);
  check(dom.headline >= 3, `${label}: headline box has sentences (${dom.headline})`);
  if (expect.window) {
    const w = await page.evaluate(() => [...document.querySelectorAll('#bk-headline li')].map((l) => l.textContent).filter((t) => /^From /.test(t)));
    check(w.length === 1 && /^From 1 Oct 2025 to 30 Oct 2025, median \(90 % of runs\): fuel delivered .+ \(.+ to .+\); tankers destroyed [0-9]+ \([0-9]+ to [0-9]+\)/.test(w[0]),
      `${label}: the window's totals in the headline (${w[0]})`);
  }
  check(dom.timeline >= 10, `${label}: timeline listed (${dom.timeline} entries)`);
  check(/SHA-256/.test(dom.provenance) && /Seed/.test(dom.provenance), `${label}: provenance shows the SHA-256 and the seed`);
  check(/Two corridors/.test(dom.title), `${label}: title names the scenario ("${dom.title}")`);

  // One date format on every time axis: '1 Sep', the year on the first tick.
  check(state.axisDates.length > 0 && state.axisDates.every((t) => /^\d{1,2} [A-Z][a-z]{2}( \d{4})?$/.test(t)),
    `${label}: every time axis writes dates as '1 Sep' (${[...new Set(state.axisDates)].slice(0, 6).join(', ')})`);
  // Legends: a value for every series without hovering (the last day's), a day's values on hover.
  const legend = () => page.evaluate(() => [...document.querySelectorAll('.uplot')].map((p) =>
    [...p.querySelectorAll('.u-legend .u-series')].map((s) => [
      s.querySelector('.u-label')?.textContent ?? '', s.querySelector('.u-value')?.textContent ?? ''])));
  const before = await legend();
  const empty = before.flat().filter(([, v]) => v === '' || v === '--' || v === '–' || /no data/.test(v));
  check(before.length > 0 && empty.length === 0,
    `${label}: every legend shows values without hovering${empty.length ? ': empty ' + JSON.stringify(empty.slice(0, 4)) : ''}`);
  check(before.every((l) => /\(last day/.test(l[0][1])), `${label}: legends say the values are the last day's (${before[0][0][1]})`);
  const over = page.locator('.uplot .u-over').first();
  await over.scrollIntoViewIfNeeded();
  const box = await over.boundingBox();
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
  await page.waitForTimeout(100);
  const hovered = (await legend())[0];
  check(/^\d{1,2} [A-Z][a-z]{2} \d{4}$/.test(hovered[0][1]) && hovered.slice(1).every(([, v]) => /^[-0-9.,]+( %)?$/.test(v)),
    `${label}: hovering a chart shows that day's date and values in its legend (${hovered.map((x) => x.join(': ')).join('; ')})`);
  await page.mouse.move(0, 0);
  // Small flows (the south corridor: a tanker or three a day)
  if (expect.smallBars) check(state.charts.some((c) => c.id === 'arrivals-small'), `${label}: small flows drawn as bars`);
  if (expect.smallToggle) {
    const det = await page.evaluate(() => {
      const d = document.querySelector('#bk-small-flows');
      return d ? { open: d.open, charts: d.querySelectorAll('.uplot').length, summary: d.querySelector('summary').textContent } : null;
    });
    check(det && !det.open && det.charts >= 1 && /Small flows/.test(det.summary),
      `${label}: small flows behind a closed toggle (${det ? det.summary : 'none'})`);
  }

  const shot = join(artifacts, `report-screenshot${expect.suffix}.png`);
  await page.screenshot({ path: shot, fullPage: true });
  await page.locator('#bk-time').screenshot({ path: join(artifacts, `report-screenshot${expect.suffix}-charts.png`) });
  check(statSync(shot).size > 10000, `${label}: screenshot saved to ${shot}`);
  await context.close();
}

// A comparison's report: the policies' table, one row per metric, each cell a difference with its
// confidence interval, under the second policy's name; no error.
async function inspectCompare(browser, file) {
  const { context, page, problems } = await openReport(browser, file, { requestsAsProblems: false });
  const t = await page.evaluate(() => {
    const table = document.querySelector('#bk-compare-table');
    if (!table) return null;
    const facts = {};
    const dl = document.querySelector('#bk-compare-facts');
    if (dl) [...dl.querySelectorAll('dt')].forEach((dt) => { facts[dt.textContent] = (facts[dt.textContent] ? facts[dt.textContent] + ' | ' : '') + dt.nextElementSibling.textContent; });
    const rowsOf = (tb) => [...tb.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map((c) => c.textContent));
    const more = document.querySelector('#bk-compare details.bk-small');
    return {
      facts,
      head: [...table.querySelectorAll('thead th')].map((th) => th.textContent),
      rows: rowsOf(table),
      more: more ? { open: more.open, rows: rowsOf(more) } : null,
    };
  });
  check(problems.length === 0, `comparison: no console or page errors${problems.length ? ': ' + problems.join('; ') : ''}`);
  check(t !== null, 'comparison: the policies table is drawn');
  if (t) {
    check(t.facts.Scenario === 'Two corridors (test)', `comparison: states the scenario (${t.facts.Scenario})`);
    check(/^as is/.test(t.facts['Reference policy'] ?? '') && /baseline/.test(t.facts['Reference policy']),
      `comparison: states the reference policy (${t.facts['Reference policy']})`);
    check(/^more escorts: escort_per_convoy 4$/.test(t.facts.Policy ?? ''),
      `comparison: states the policy with its description (${t.facts.Policy})`);
    check(/^8 under each policy/.test(t.facts['Paired replications'] ?? ''),
      `comparison: states the number of paired replications (${t.facts['Paired replications']})`);
    check(t.head.join(' | ') === 'Metric | Unit | Baseline: as is | more escorts | Difference [95 % CI] | In words',
      `comparison: baseline and policy values beside the difference (${t.head.join(' | ')})`);
    const all = t.rows.concat(t.more ? t.more.rows : []);
    check(t.rows.length >= 8 && all.length >= 30, `comparison: key metrics first (${t.rows.length}), every metric in all (${all.length})`);
    check(t.more && !t.more.open, 'comparison: the other metrics behind a closed toggle');
    check(t.rows[0][0] === 'school-closure days', `comparison: school-closure days first (${t.rows[0][0]})`);
    const destroyed = t.rows.find((r) => r[0] === 'tankers destroyed');
    check(destroyed && /^[0-9.,]+$/.test(destroyed[2]) && /^[0-9.,]+$/.test(destroyed[3]),
      `comparison: the baseline's and the policy's means (${destroyed ? destroyed.slice(2, 4).join(', ') : 'no row'})`);
    check(destroyed && /^[+-]?[0-9.,]+ \[.+, .+\]/.test(destroyed[4]),
      `comparison: each difference with its interval (${destroyed ? destroyed[4] : 'no row'})`);
    const words = /^more escorts (reduces|increases) .+ by .+ \(.+ to .+\), clear at 95 %\.$|^No clear difference in .+: more escorts changes it by .+, between .+ and .+ \(95 %\)\.$|^more escorts changes nothing in .+: the same in every paired replication\.$/;
    const bad = all.filter((r) => !words.test(r[5]));
    check(bad.length === 0, `comparison: a plain-words verdict on every metric${bad.length ? ': ' + bad.slice(0, 3).map((r) => r[5]).join(' / ') : ' (' + destroyed[5] + ')'}`);
    const sig = all.filter((r) => /✱$/.test(r[4]));
    check(sig.every((r) => /clear at 95 %/.test(r[5])) && all.filter((r) => /clear at 95 %/.test(r[5])).length === sig.length,
      `comparison: "clear at 95 %" exactly where the interval excludes 0 (${sig.length} metrics)`);
  }
  const shot = join(artifacts, 'report-screenshot-compare.png');
  await page.screenshot({ path: shot, fullPage: true });
  await page.locator('#bk-compare').screenshot({ path: join(artifacts, 'report-screenshot-compare-table.png') });
  await context.close();
}

// The report in `file` opened from disk, every network request refused, once it is drawn; the
// problems the page reports while it is open: console and page errors, and its network requests
// (in `requests` instead with requestsAsProblems false), as watchPage.
async function openReport(browser, file, { deviceScaleFactor, requestsAsProblems = true } = {}) {
  const options = { viewport: { width: 1200, height: 900 } };
  if (deviceScaleFactor) options.deviceScaleFactor = deviceScaleFactor;
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const { problems, requests } = await watchPage(page, 'file:', { requestsAsProblems });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  await page.waitForFunction(() => window.bkReport && window.bkReport.done, null, { timeout: 20000 });
  return { context, page, problems, requests };
}

// Reports of a posterior-predictive ensemble and comparison say so: the ensemble's headline and
// provenance name the draws, the comparison's facts the posterior; no error.
async function inspectPosterior(browser, ensFile, cmpFile) {
  for (const [file, label] of [[ensFile, 'posterior ensemble'], [cmpFile, 'posterior comparison']]) {
    const { context, page, problems } = await openReport(browser, file, { requestsAsProblems: false });
    const dom = await page.evaluate(() => {
      const facts = {};
      document.querySelectorAll('#bk-compare-facts dt, #bk-prov dt').forEach((dt) => { facts[dt.textContent] = dt.nextElementSibling.textContent; });
      return { facts, headline: [...document.querySelectorAll('#bk-headline li')].map((l) => l.textContent) };
    });
    check(problems.length === 0, `${label}: no console or page errors${problems.length ? ': ' + problems.join('; ') : ''}`);
    if (file === ensFile) {
      check(/^2 draws of a calibrated posterior, replication r running draw r mod 2 \(draws SHA-256 [0-9a-f]{64}\)$/.test(dom.facts.Posterior ?? ''),
        `${label}: the provenance names the draws (${dom.facts.Posterior})`);
      check(dom.headline.some((l) => /Spread over 2 draws of a calibrated posterior/.test(l)),
        `${label}: the headline says the bands carry the posterior (${dom.headline.join(' | ')})`);
    } else {
      check(/^replication r runs draw r mod 2 of a calibrated posterior under every policy/.test(dom.facts.Posterior ?? ''),
        `${label}: the facts name the posterior (${dom.facts.Posterior})`);
    }
    await context.close();
  }
}

// As the page writes a harm: 3 significant digits, a sign, a true minus.
const sig = (v) => Number(Math.abs(v)).toLocaleString('en-GB', { maximumSignificantDigits: 3 });
const signed = (v) => (v > 0 ? '+' : v < 0 ? '−' : '') + sig(v);

// An optimisation's report: the choices against the default with the intervals optimise.json
// carries, lever by lever, the finalists with both numbers and the group's answers, the
// selection and its guarantee, the convergence chart, the map.
async function inspectOptimise(browser, file, dir) {
  const res = JSON.parse(readFileSync(join(dir, 'optimise.json'), 'utf8'));
  const csv = readFileSync(join(dir, 'optimise.csv'), 'utf8').trim().split('\n').slice(1);
  const { context, page, problems } = await openReport(browser, file);
  const state = await page.evaluate(() => window.bkReport);
  const dom = await page.evaluate(() => {
    const rows = (id) => [...document.querySelectorAll(`#${id} tbody tr`)].map((tr) => [...tr.children].map((c) => c.textContent));
    const facts = {};
    document.querySelectorAll('#bk-opt-facts dt').forEach((dt) => { facts[dt.textContent] = dt.nextElementSibling.textContent; });
    return {
      facts, choice: rows('bk-opt-choice'), levers: rows('bk-opt-levers'), finalists: rows('bk-opt-finalists'),
      where: document.querySelector('#bk-opt-where')?.textContent ?? '',
      response: document.querySelector('#bk-opt-response')?.textContent ?? '',
      selection: document.querySelector('#bk-opt-selection')?.textContent ?? '',
      guarantee: document.querySelector('#bk-opt-guarantee')?.textContent ?? '',
      headline: [...document.querySelectorAll('#bk-headline li')].map((l) => l.textContent),
      canvases: [...document.querySelectorAll('#bk-optimise .uplot canvas')].map((c) => [c.width, c.height]),
      provenance: document.querySelector('#bk-prov')?.textContent ?? '',
      kicker: document.querySelector('.bk-kicker')?.textContent ?? '',
      timeline: [...document.querySelectorAll('#bk-timeline tbody tr td.date')].map((td) => td.textContent),
      timelineNote: document.querySelector('#bk-timeline')?.textContent ?? '',
    };
  });
  const label = 'optimisation';
  /* --days 30 from 1 Sep 2025: the scenario's entries of October and later are left out, and said so */
  check(dom.timeline.length > 0 && dom.timeline.every((d) => /Sep 2025$/.test(d)) &&
    /later entries of the scenario, from 1 Oct 2025 on, fall after the 30 days simulated/.test(dom.timelineNote),
    `${label}: the timeline keeps to the 30 days simulated (${dom.timeline.join(', ')})`);
  check(problems.length === 0 && state.errors.length === 0,
    `${label}: no console, page or drawing errors${problems.concat(state.errors).length ? ': ' + problems.concat(state.errors).join('; ') : ''}`);
  check(dom.kicker === 'Optimisation', `${label}: the page says what it is (${dom.kicker})`);
  check(dom.facts.Scenario === 'Two corridors (test)' && dom.facts['Harm measured by'] === res.measure &&
    /^6 per candidate/.test(dom.facts.Replications ?? ''), `${label}: states the scenario, the measure and the replications`);
  check(dom.choice.length === 3 && /default/.test(dom.choice[0][0]) && dom.choice[0][1] === res.default,
    `${label}: the default is the baseline (${dom.choice[0] && dom.choice[0][1]})`);
  for (const [i, key] of [[1, 'today'], [2, 'adapted']]) {
    const c = res[key], row = dom.choice[i] || [];
    const want = `${signed(c.improvement)} [${signed(c.ci95[0])}, ${signed(c.ci95[1])}]`;
    check(row[1] && row[1].startsWith(c.chosen) && row[2] && row[2].startsWith(want),
      `${label}: the choice against ${key === 'today' ? 'today\'s group' : 'its best response'} with the interval optimise.json carries (${row[2]}, want ${want})`);
    const clear = c.ci95[0] > 0 || c.ci95[1] < 0;
    // a choice that is the default (or never differs from it) has exactly 0 [0, 0]: said so
    const same = c.improvement === 0 && c.ci95[0] === 0 && c.ci95[1] === 0;
    check(clear ? /clear at 95 %/.test(row[3])
      : same ? /^The same harm as the default in every fresh replication/.test(row[3] || '')
        : /^No clear improvement/.test(row[3] || ''), `${label}: in words (${row[3]})`);
  }
  check(dom.levers.length === res.default.split(', ').length && dom.levers.every((r) => r.length === 4) &&
    dom.levers.every((r) => res.default.includes(`${r[0]} ${r[1]}`) && res.today.chosen.includes(`${r[0]} ${r[2]}`) && res.adapted.chosen.includes(`${r[0]} ${r[3]}`)),
    `${label}: lever by lever, the default and both choices (${dom.levers.map((r) => r.join(' ')).join('; ')})`);
  check(res.adapted.chosen === res.today.chosen ? /same policy/.test(dom.where) : /differ/.test(dom.where),
    `${label}: says whether the two choices differ (${dom.where})`);
  const robust = res.finalists.find((f) => f.levers === res.adapted.chosen);
  check(robust && dom.response.includes(robust.response), `${label}: the armed group's response to the robust choice (${dom.response})`);
  check(dom.finalists.length === res.finalists.length && dom.finalists.every((r, i) => r[0].startsWith(res.finalists[i].levers) && r[3] === res.finalists[i].response),
    `${label}: every finalist with the group's best response (${dom.finalists.length})`);
  check(dom.finalists.every((r) => r.length === 6 && r.slice(1).every((x) => x !== '' && x !== '–')),
    `${label}: both numbers for every finalist (against today's group and against its response)`);
  check(dom.selection.includes('Probability of correct selection 95 %') && dom.selection.includes(`${res.selection.replications} replications per finalist`) &&
    dom.selection.includes('capped') === res.selection.capped, `${label}: the selection's parameters (${dom.selection.slice(0, 120)}...)`);
  check(res.selection.capped ? !/P\(correct selection\) ≥/.test(dom.guarantee) : /^Guarantee: P\(correct selection\) ≥ 95 %/.test(dom.guarantee),
    `${label}: the guarantee, or that the cap voids it (${dom.guarantee || 'none'})`);
  const defender = csv.filter((l) => l.split(',')[1] === 'defender').length;
  const conv = state.charts.find((c) => c.id === 'opt-convergence');
  check(conv && conv.series === 2 && conv.points === 2 * defender && dom.canvases.length > 0 && dom.canvases.every(([w, h]) => w > 0 && h > 0),
    `${label}: the convergence chart, best so far and every candidate of the search (${conv ? conv.points : 0} points, ${defender} candidates)`);
  check(dom.headline.some((t) => t.startsWith('Best use of the levers against today’s armed group: ' + res.today.chosen)), `${label}: the headline names the choice`);
  check(state.map && state.map.roads === 7 && state.map.places === 7 && !state.map.vulnerability, `${label}: the map from scenario.yaml`);
  check(/SHA-256/.test(dom.provenance) && /Seed7/.test(dom.provenance.replace(/\s/g, '')), `${label}: provenance shows the SHA-256 and the seed`);
  const shot = join(artifacts, 'report-screenshot-optimise.png');
  await page.screenshot({ path: shot, fullPage: true });
  check(statSync(shot).size > 10000, `${label}: screenshot saved to ${shot}`);
  await context.close();
}

// A vulnerability analysis's report: every element in the table, the disagreements highlighted
// where vulnerability.json says, and the map layer of the weak links, which can be turned off
// and on and coloured by either measure.
async function inspectVulnerability(browser, file, dir) {
  const res = JSON.parse(readFileSync(join(dir, 'vulnerability.json'), 'utf8'));
  const csv = readFileSync(join(dir, 'vulnerability.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const { context, page, problems } = await openReport(browser, file);
  const state = await page.evaluate(() => window.bkReport);
  const table = () => page.evaluate(() => {
    const rows = [...document.querySelectorAll('#bk-vul-table tbody tr, #bk-vul-table-more tbody tr')];
    return {
      rows: rows.map((tr) => [tr.getAttribute('data-element')].concat([...tr.children].map((c) => c.textContent))),
      highlighted: rows.filter((tr) => tr.classList.contains('bk-disagree')).map((tr) => tr.getAttribute('data-element')),
      more: document.querySelector('#bk-vul-more') ? document.querySelector('#bk-vul-more').open : null,
      facts: document.querySelector('#bk-vul-facts')?.textContent ?? '',
    };
  });
  const t = await table();
  const label = 'vulnerability';
  check(t.rows.length === csv.length, `${label}: every element in the table (${t.rows.length} of ${csv.length})`);
  check(t.more === false, `${label}: the elements not simulated behind a closed toggle`);
  const first = t.rows.find((r) => r[0] === csv[0][1]);
  check(first && first[1] === csv[0][0] && first[4] === Number(csv[0][3]).toLocaleString('en-GB', { maximumFractionDigits: 1 }) &&
    first[6].replace('≠ ', '') === csv[0][6], `${label}: static rank, flow lost and simulated rank as written (${first ? first.slice(1, 7).join(' | ') : 'no row'})`);
  check(first && /^[−+]?[0-9.,]+ \[[−+]?[0-9.,]+, [−+]?[0-9.,]+\]$/.test(first[8]), `${label}: paired differences with their intervals (${first ? first[8] : ''})`);
  const dis = res.elements.filter((e) => e.disagree).map((e) => e.id);
  // The default scenario's Dakar - Tambacounda leg carries less of the deliveries than of the
  // capacity: at least one disagreement to show.
  check(dis.length > 0 && JSON.stringify(t.highlighted.slice().sort()) === JSON.stringify(dis.slice().sort()),
    `${label}: highlighted exactly where the rankings disagree (${t.highlighted.join(', ')})`);
  check(/Maximum flow/.test(t.facts) && t.facts.includes(String(Math.round(res.max_flow * 10) / 10)), `${label}: the max flow (${res.max_flow})`);

  const layer = () => page.evaluate(() => {
    const g = document.querySelector('#bk-map-svg g.layer[data-layer="vulnerability"]');
    const shown = (x) => !!x && getComputedStyle(x).display !== 'none';
    const m = (id) => g && g.querySelector(`g[data-measure="${id}"]`);
    return {
      control: !!document.querySelector('#bk-map-layers input[type=checkbox][data-layer="vulnerability"]'),
      checked: document.querySelector('#bk-layer-vulnerability')?.checked ?? null,
      visible: shown(g),
      simulated: shown(m('simulated')), static: shown(m('static')),
      segs: m('simulated') ? m('simulated').querySelectorAll('path.vuln-seg').length : 0,
      places: m('simulated') ? m('simulated').querySelectorAll('circle.vuln-place').length : 0,
      marks: m('simulated') ? m('simulated').querySelectorAll('path.vuln-mark').length : 0,
      legend: document.querySelector('#bk-vuln-legend')?.textContent ?? '',
      legendShown: shown(document.querySelector('#bk-vuln-legend')),
    };
  });
  const nSeg = csv.filter((r) => r[2] === 'segment').length, nPlace = csv.filter((r) => r[2] === 'place').length;
  let l = await layer();
  check(l.control && l.checked && l.visible && l.simulated && !l.static, `${label}: the map layer is on, with its checkbox, coloured by simulated harm`);
  check(l.segs === nSeg && l.places === nPlace && state.map.vulnerability && state.map.vulnerability.segments === nSeg,
    `${label}: every segment (${l.segs} of ${nSeg}) and place (${l.places} of ${nPlace}) on the layer`);
  const disSegs = res.elements.filter((e) => e.disagree && e.kind === 'segment').length;
  check(l.marks === disSegs, `${label}: disagreeing segments marked on the map (${l.marks})`);
  check(/demand unmet if closed/.test(l.legend), `${label}: the layer's legend (${l.legend.slice(0, 60)})`);
  await page.click('#bk-layer-vulnerability');
  l = await layer();
  check(!l.checked && !l.visible && !l.legendShown, `${label}: the layer turns off`);
  await page.click('#bk-layer-vulnerability');
  l = await layer();
  check(l.checked && l.visible && l.legendShown, `${label}: and on again`);
  await page.click('#bk-measure-vulnerability-static');
  l = await layer();
  check(l.static && !l.simulated && /flow lost if removed/.test(l.legend), `${label}: coloured by flow lost on request`);
  const shot = join(artifacts, 'report-screenshot-vulnerability.png');
  await page.screenshot({ path: shot, fullPage: true });
  await page.locator('#bk-map').screenshot({ path: join(artifacts, 'report-screenshot-vulnerability-map.png') });
  check(problems.length === 0 && state.errors.length === 0,
    `${label}: no console, page or drawing errors${problems.concat(state.errors).length ? ': ' + problems.concat(state.errors).join('; ') : ''}`);
  await context.close();
}

const tmp = mkdtempSync(join(tmpdir(), 'bk-report-'));
let browser;
try {
  const scenario = join(src, 'scenarios/test/two-corridors.yaml');
  // the same with a south port that loads one tanker a day: a small flow
  const small = join(tmp, 'small-south.yaml');
  writeFileSync(small, readFileSync(scenario, 'utf8').replace('load_rate_per_day: 12', 'load_rate_per_day: 1'));
  const observed = join(tmp, 'observed.csv');
  writeFileSync(observed, OBSERVED);

  run([cli, 'run', small, '--out', join(tmp, 'run'), '--quiet', '--no-store'], 'blockade run');
  const runHtml = join(tmp, 'run.html');
  makeReport(join(tmp, 'run'), runHtml, observed);
  const size = statSync(runHtml).size;
  check(size > 100000 && size < 2 * 1024 * 1024, `run report size ${size} bytes is under 2 MB`);
  check(!/(src|href)\s*=\s*["']?https?:/i.test(readFileSync(runHtml, 'utf8')), 'run report references no remote resource');

  run([cli, 'ensemble', small, '--replications', '12', '--threads', '1', '--out', join(tmp, 'ens'),
    '--quiet', '--no-store', '--window', '2025-10-01..2025-10-30'], 'blockade ensemble');
  const ensHtml = join(tmp, 'ens.html');
  makeReport(join(tmp, 'ens'), ensHtml, null);

  // a comparison of two policies, on common random numbers
  const polA = join(tmp, 'a.yaml'), polB = join(tmp, 'b.yaml');
  writeFileSync(polA, 'name: as is\nset: {}\n');
  writeFileSync(polB, 'name: more escorts\nset:\n  policy.convoy.escort_per_convoy: 4\n');
  run([cli, 'compare', scenario, '--policy', polA, '--policy', polB, '--replications', '8',
    '--threads', '1', '--out', join(tmp, 'cmp'), '--quiet', '--no-store'], 'blockade compare');
  const cmpHtml = join(tmp, 'cmp.html');
  makeReport(join(tmp, 'cmp'), cmpHtml, null);

  // the same ensemble and comparison over a posterior of two draws
  const posterior = join(tmp, 'posterior.csv'), spec = join(src, 'tests/data/calib-spec.yaml');
  writeFileSync(posterior, 'particle,weight,distance,fleet.fear_per_attack,observation.report_prob\n' +
    '0,1,0,0.05,0.9\n1,1,1,0.6,0.9\n');
  run([cli, 'ensemble', small, '--replications', '8', '--threads', '1', '--out', join(tmp, 'pens'),
    '--quiet', '--no-store', '--posterior', posterior, '--params', spec], 'blockade ensemble --posterior');
  const pensHtml = join(tmp, 'pens.html');
  makeReport(join(tmp, 'pens'), pensHtml, null);
  run([cli, 'compare', scenario, '--policy', polA, '--policy', polB, '--replications', '4',
    '--threads', '1', '--out', join(tmp, 'pcmp'), '--quiet', '--no-store', '--posterior', posterior,
    '--params', spec], 'blockade compare --posterior');
  const pcmpHtml = join(tmp, 'pcmp.html');
  makeReport(join(tmp, 'pcmp'), pcmpHtml, null);

  // an optimisation of the escorts (few replications, 30 days), and the default scenario's weak
  // links (30 days, 4 replications per closure)
  // an indifference zone wide enough that the selection's second stage is not capped: the page
  // then states the selection's guarantee
  const objective = join(tmp, 'harm.yaml');
  writeFileSync(objective, 'harm: {unmet_l: 1.0e-6}\nmeasure: mean\nindifference: 0.5\n');
  run([cli, 'optimise', scenario, '--levers', join(src, 'examples/optimise/two-corridors-levers.yaml'),
    '--objective', objective, '-n', '6', '--max-evals', '12', '--adversary-evals', '4', '--finalists', '3', '--days', '30',
    '--threads', '2', '--out', join(tmp, 'opt'), '--quiet', '--no-store'], 'blockade optimise');
  const optHtml = join(tmp, 'opt.html');
  makeReport(join(tmp, 'opt'), optHtml, null);
  run([cli, 'vulnerability', '-n', '4', '--days', '30', '--simulate', '12', '--threads', '2',
    '--out', join(tmp, 'vul'), '--quiet', '--no-store'], 'blockade vulnerability');
  const vulHtml = join(tmp, 'vul.html');
  makeReport(join(tmp, 'vul'), vulHtml, null);

  browser = await launchChromium();
  await inspect(browser, runHtml, 'single run', {
    charts: 6, chartIds: ['stock', 'arrivals', 'blackout', 'price', 'queue', 'pressure'],
    roads: 7, places: 7, attacks: true, observed: 3, suffix: '', smallBars: true,
  });
  await inspect(browser, ensHtml, 'ensemble', {
    charts: 8, chartIds: ['stock', 'arrivals', 'blackout', 'price', 'queue', 'pressure', 'curves'],
    roads: 7, places: 7, attacks: false, observed: 0, suffix: '-ensemble', smallToggle: true, window: true,
  });
  await inspectCompare(browser, cmpHtml);
  await inspectPosterior(browser, pensHtml, pcmpHtml);
  await inspectOptimise(browser, optHtml, join(tmp, 'opt'));
  await inspectVulnerability(browser, vulHtml, join(tmp, 'vul'));
} catch (e) {
  checkNotThrown(e);
} finally {
  if (browser) await browser.close();
  if (existsSync(tmp)) rmSync(tmp, { recursive: true, force: true });
}
finish();
