// harness.mjs: what the browser tests share: their environment, the checks they count (TAP-like
// "ok" / "not ok" lines), Chromium (the system's, driven by playwright-core) and the watch over a
// page's errors and requests.
import { createRequire } from 'node:module';
import { join } from 'node:path';

// The environment variable `name` (set by tests/CMakeLists.txt), or `fallback`; throws if neither.
export const env = (name, fallback) => {
  const v = process.env[name] ?? fallback;
  if (v === undefined) throw new Error(`environment variable ${name} is not set`);
  return v;
};

const require = createRequire(join(env('BK_NODE_MODULES'), 'noop.js'));
const { chromium } = require('playwright-core');

let failures = 0;

// One check: printed, and counted when it fails.
export function check(ok, what) {
  console.log(`${ok ? 'ok' : 'not ok'} - ${what}`);
  if (!ok) failures++;
}

// An exception that stopped the test, as a failed check.
export function checkNotThrown(e) {
  check(false, e.stack || e);
}

// The summary line, then the exit: 1 if any check failed.
export function finish() {
  console.log(failures ? `${failures} check(s) failed` : 'all checks passed');
  process.exit(failures ? 1 : 0);
}

// Headless Chromium (BK_CHROMIUM, default /usr/bin/chromium) with nothing of its own on the
// network; launch() gives it a fresh, temporary user-data directory.
export function launchChromium() {
  return chromium.launch({
    executablePath: env('BK_CHROMIUM', '/usr/bin/chromium'),
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// Watches page from now on: console errors and page errors go into `problems`; every request for
// anything whose URL does not start with `allowed` is refused and its URL goes into `requests`
// (or, with requestsAsProblems, into `problems` as "network request: URL").
export async function watchPage(page, allowed, { requestsAsProblems = false } = {}) {
  const problems = [], requests = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(allowed)) return route.continue();
    if (requestsAsProblems) problems.push(`network request: ${url}`);
    else requests.push(url);
    return route.abort();
  });
  return { problems, requests };
}
