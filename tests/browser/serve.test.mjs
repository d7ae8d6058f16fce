// serve.test.mjs: the workbench of `blockade serve` in a real headless browser (Chromium, driven
// by playwright-core; no browser is downloaded: the system's /usr/bin/chromium is used).
//
// Starts the server on the embedded default scenario (port 0: any free port, read back from the
// URL it prints), opens the page with the token, changes a lever, runs a 50-replication ensemble
// and checks that the charts were redrawn from partial results before it finished, cancels a
// long ensemble, compares two policies, opens a past run and the diff of two runs; no console
// error, no page error, no request to anything but the server. Saves a screenshot into the
// build directory. Stops the server with SIGTERM and checks that it exits 0 and that the run
// store records the cancelled job as interrupted.
//
// Environment (set by tests/CMakeLists.txt): BK_CLI, BK_NODE_MODULES, BK_ARTIFACT_DIR;
// BK_CHROMIUM (default /usr/bin/chromium).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { check, checkNotThrown, env, finish, launchChromium, watchPage } from './harness.mjs';

const cli = env('BK_CLI');
const artifacts = env('BK_ARTIFACT_DIR');

// Start the server; resolves with { proc, url, origin } once it has printed its URL.
function startServer(tmp) {
  const proc = spawn(cli, ['serve', '--port', '0', '--threads', '2', '--partial-ms', '200',
    '--out', join(tmp, 'out'), '--store', join(tmp, 'runs.sqlite')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stderr.on('data', (d) => process.stderr.write(d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server printed no URL within 20 s')), 20000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:(\d+)\/\?token=([0-9a-f]+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, url: m[0], origin: `http://127.0.0.1:${m[1]}` });
      }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`the server exited (${code})`)); });
  });
}

function stopServer(proc) {
  return new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve(proc.exitCode);
    const timer = setTimeout(() => { proc.kill('SIGKILL'); }, 20000);
    proc.removeAllListeners('exit');
    proc.on('exit', (code, sig) => { clearTimeout(timer); resolve(code ?? sig); });
    proc.kill('SIGTERM');
  });
}

const tmp = mkdtempSync(join(tmpdir(), 'bk-serve-'));
let browser, server;
try {
  server = await startServer(tmp);
  check(true, `server listening at ${server.origin}`);
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const { problems, requests: external } = await watchPage(page, server.origin + '/');

  await page.goto(server.url, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="1"]', { timeout: 20000 });
  check(!page.url().includes('token='), 'the token is removed from the address bar');
  const levers = await page.locator('.bk-lever').count();
  check(levers > 10, `lever controls built from the schema (${levers} shown)`);

  // change a lever: escort units on the northern Dakar corridor
  await page.fill('#bk-filter', 'dakar_north.escort.units');
  const input = page.locator('[data-path="corridors.dakar_north.escort.units"]');
  await input.fill('12');
  await input.dispatchEvent('change');
  check((await page.textContent('#bk-changed')).includes('corridors.dakar_north.escort.units = 12'),
    'the changed lever is listed');

  // a 50-replication ensemble: partial results redraw the charts before it ends
  await page.evaluate(() => {
    window.bkSeen = [];
    window.bkPartials = [];
    const box = document.getElementById('bk-job-msg');
    new MutationObserver(() => window.bkSeen.push(box.textContent)).observe(box, { childList: true, characterData: true, subtree: true });
    const charts = document.getElementById('bk-charts');
    new MutationObserver(() => window.bkPartials.push(Number(charts.getAttribute('data-partial'))))
      .observe(charts, { attributes: true, attributeFilter: ['data-partial'] });
  });
  await page.fill('#bk-reps', '50');
  await page.fill('#bk-policy-name', 'escorts north');
  await page.click('#bk-run');
  await page.waitForSelector('#bk-job-msg[data-state="done"]', { timeout: 180000 });
  const seen = await page.evaluate(() => window.bkSeen);
  const partialDraws = seen.filter((t) => /running, ([1-9]\d*) of 50/.test(t) && !/50 of 50/.test(t)).length;
  const updates = Number(await page.getAttribute('#bk-charts', 'data-updates'));
  check(partialDraws > 0, `progress shown while running (${partialDraws} updates before the end)`);
  const partials = await page.evaluate(() => window.bkPartials);
  check(partials.some((n) => n > 0 && n < 50),
    `charts drawn from partial results before the end (after ${partials.join(', ')} replications)`);
  check(updates >= 3, `charts redrawn ${updates} times (partial results, then the final ones)`);
  const canvases = await page.locator('#bk-charts canvas').count();
  check(canvases >= 2, `fan chart and probability curves drawn (${canvases} canvases)`);

  // cancel a long ensemble
  await page.fill('#bk-reps', '5000');
  await page.click('#bk-run');
  await page.waitForFunction(() => /running, [1-9]\d* of 5000/.test(document.getElementById('bk-job-msg').textContent), null, { timeout: 120000 });
  // the page closed and opened again (with the cookie, without the token): the job runs on and
  // the page follows it again
  await page.reload({ waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="1"]', { timeout: 20000 });
  await page.waitForFunction(() => /running, [1-9]\d* of 5000/.test(document.getElementById('bk-job-msg').textContent), null, { timeout: 60000 });
  check(true, 'a reloaded page finds the running job again');
  await page.click('#bk-cancel');
  await page.waitForSelector('#bk-job-msg[data-state="cancelled"]', { timeout: 60000 });
  check(true, 'a running ensemble is cancelled');

  // compare two policies: the scenario as loaded against the lever changed again (the reload
  // above started a fresh page)
  await page.fill('#bk-filter', 'dakar_north.escort.units');
  const again = page.locator('[data-path="corridors.dakar_north.escort.units"]');
  await again.fill('12');
  await again.dispatchEvent('change');
  await page.fill('#bk-policy-name', 'escorts north');
  await page.fill('#bk-reps', '400');
  await page.click('#bk-compare');
  // the paired-difference table fills in while the comparison runs: a partial table (some but
  // not all replications) is shown before the job ends
  await page.waitForFunction(() => {
    const box = document.getElementById('bk-compare-result');
    const n = Number(box.getAttribute('data-partial') || 0);
    return n > 0 && n < 400 && document.querySelectorAll('#bk-compare-table tr').length > 10 &&
      document.getElementById('bk-job-msg').getAttribute('data-state') === 'running';
  }, null, { timeout: 180000 });
  const soFar = await page.getAttribute('#bk-compare-result', 'data-partial');
  check(true, `a partial comparison table (${soFar} of 400 replications) is shown while it runs`);
  await page.waitForSelector('#bk-job-msg[data-state="done"]', { timeout: 300000 });
  await page.waitForFunction(() => document.getElementById('bk-compare-result').getAttribute('data-partial') === '' &&
    document.querySelectorAll('#bk-compare-table tr').length > 10, null, { timeout: 60000 });
  const rows = await page.locator('#bk-compare-table tr').count();
  check(rows > 10, `the comparison's table has ${rows - 1} metrics`);
  const differing = await page.locator('#bk-compare-table tr.bk-changed').count();
  check(differing > 0, `the policies differ on ${differing} metrics`);

  // past runs: open one, then the diff of two
  await page.click('#bk-refresh');
  await page.waitForSelector('#bk-runs .bk-open');
  const runs = await page.locator('#bk-runs .bk-open').count();
  check(runs >= 3, `past runs listed (${runs})`);
  await page.locator('#bk-runs button[data-run="1"]').click();
  await page.waitForSelector('#bk-run-title');
  check((await page.textContent('#bk-run-title')) === 'Run 1', 'a past run opens');
  check(await page.locator('#bk-run-view a[download="bands.csv"]').count() === 1, 'its outputs can be downloaded');
  const ticks = page.locator('#bk-runs input[type=checkbox]');
  await ticks.nth(0).check();
  await ticks.nth((await ticks.count()) - 1).check();
  await page.click('#bk-diff');
  await page.waitForFunction(() => / against run /.test(document.getElementById('bk-run-title')?.textContent || ''));
  check(true, 'two past runs are compared');

  const shot = join(artifacts, 'serve-screenshot.png');
  await page.screenshot({ path: shot, fullPage: true });
  check(statSync(shot).size > 10000, `screenshot saved to ${shot}`);
  check(problems.length === 0, `no console or page errors${problems.length ? ': ' + problems.join('; ') : ''}`);
  check(external.length === 0, `no request beyond the server${external.length ? ': ' + external.join(' ') : ''}`);
  await browser.close();
  browser = null;

  const code = await stopServer(server.proc);
  check(code === 0, `SIGTERM stops the server cleanly (exit ${code})`);
  server = null;
  const list = spawnSync(cli, ['runs', 'list', '--store', join(tmp, 'runs.sqlite')], { encoding: 'utf8' });
  check(list.status === 0 && /interrupted/.test(list.stdout) && !/running/.test(list.stdout),
    'the run store records the cancelled job as interrupted and no run as still running');
} catch (e) {
  checkNotThrown(e);
} finally {
  if (browser) await browser.close();
  if (server) await stopServer(server.proc);
  if (existsSync(tmp)) rmSync(tmp, { recursive: true, force: true });
}
finish();
