// report.test.mjs: blockade's HTML report, opened in a real headless browser (Chromium, driven
// by playwright-core; no browser is downloaded: the system's /usr/bin/chromium is used).
//
// Runs the tool on the two-corridor test scenario (one run, an ensemble and a comparison of two
// policies), writes the reports, opens each from disk (file://) with every network request
// refused, and checks: no console error and no page error; every chart drawn by uPlot with a
// canvas of non-zero size and non-empty data; the map's SVG with country and road paths, place
// and attack circles; the headline, the timeline and the provenance. Saves a screenshot of each
// report into the build directory (a CI artefact).
//
// Environment (set by tests/CMakeLists.txt): BK_CLI, BK_SOURCE_DIR,
// BK_NODE_MODULES, BK_ARTIFACT_DIR; BK_CHROMIUM (default /usr/bin/chromium).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const env = (name, fallback) => {
  const v = process.env[name] ?? fallback;
  if (v === undefined) throw new Error(`environment variable ${name} is not set`);
  return v;
};
const cli = env('BK_CLI');
const src = env('BK_SOURCE_DIR');
const artifacts = env('BK_ARTIFACT_DIR');
const chromiumPath = env('BK_CHROMIUM', '/usr/bin/chromium');
const require = createRequire(join(env('BK_NODE_MODULES'), 'noop.js'));
const { chromium } = require('playwright-core');

let failures = 0;
function check(ok, what) {
  if (ok) {
    console.log(`ok - ${what}`);
  } else {
    failures++;
    console.log(`not ok - ${what}`);
  }
}

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
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems = [];
  const requests = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  // Nothing but the file itself may be loaded.
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    requests.push(url);
    return route.abort();
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  await page.waitForFunction(() => window.bkReport && window.bkReport.done, null, { timeout: 20000 });
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
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.route('**/*', (route) =>
    route.request().url().startsWith('file:') ? route.continue() : route.abort());
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  await page.waitForFunction(() => window.bkReport && window.bkReport.done, null, { timeout: 20000 });
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

  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    // launch() gives the browser a fresh, temporary user-data directory of its own.
  });
  await inspect(browser, runHtml, 'single run', {
    charts: 6, chartIds: ['stock', 'arrivals', 'blackout', 'price', 'queue', 'pressure'],
    roads: 7, places: 7, attacks: true, observed: 3, suffix: '', smallBars: true,
  });
  await inspect(browser, ensHtml, 'ensemble', {
    charts: 8, chartIds: ['stock', 'arrivals', 'blackout', 'price', 'queue', 'pressure', 'curves'],
    roads: 7, places: 7, attacks: false, observed: 0, suffix: '-ensemble', smallToggle: true, window: true,
  });
  await inspectCompare(browser, cmpHtml);
} catch (e) {
  failures++;
  console.log(`not ok - ${e.stack || e}`);
} finally {
  if (browser) await browser.close();
  if (existsSync(tmp)) rmSync(tmp, { recursive: true, force: true });
}
console.log(failures ? `${failures} check(s) failed` : 'all checks passed');
process.exit(failures ? 1 : 0);
