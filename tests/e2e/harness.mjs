// Shared browser-test harness: serves dist/ on 127.0.0.1, drives Debian's
// Chromium through playwright-core, and checks two rules on every page:
// it asks nothing of any other origin, and it logs no errors (CSP violations
// included). Test files call `useBrowser()` once and `withApp()` per test.

import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
export const repoRoot = resolve(here, '../..');
export const distDir = join(repoRoot, 'dist');
export const artifactsDir = join(here, 'artifacts');

// ESM `import` ignores NODE_PATH, CommonJS `require` honours it; fall back to
// the repository's own tools/ install when NODE_PATH is not set.
const require = createRequire(import.meta.url);
function loadPlaywright() {
  try {
    return require('playwright-core');
  } catch {
    return require(join(repoRoot, 'tools/node_modules/playwright-core'));
  }
}
const { chromium } = loadPlaywright();

const CHROMIUM = process.env.LOUPE_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

// The CI machine has two slow cores: waits are long, but they are waits for a
// condition, never sleeps.
export const TIMEOUT = Number(process.env.LOUPE_E2E_TIMEOUT_MS || 90_000);
export const TEST_TIMEOUT = TIMEOUT * 3;

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** A static file server for `root` on 127.0.0.1 and a free port. */
export async function serveStatic(root) {
  const rootDir = resolve(root);
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://127.0.0.1');
      let path = normalize(join(rootDir, decodeURIComponent(url.pathname)));
      if (path !== rootDir && !path.startsWith(rootDir + sep)) {
        res.writeHead(403).end();
        return;
      }
      if ((await stat(path).catch(() => null))?.isDirectory()) path = join(path, 'index.html');
      const body = await readFile(path);
      res.writeHead(200, {
        'Content-Type': MIME[extname(path).toLowerCase()] || 'application/octet-stream',
        'Content-Length': body.length,
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return { origin, close: () => new Promise((ok) => server.close(ok)) };
}

/**
 * Starts the server and Chromium for one test file (before/after hooks) and
 * returns a handle whose `origin` and `browser` are set once `before` ran.
 * With `serve: false` there is no server (pages are opened from disk).
 */
export function useBrowser({ root = distDir, serve = true } = {}) {
  const env = { origin: null, browser: null, server: null };
  before(async () => {
    await stat(join(root, 'index.html')).catch(() => {
      throw new Error(`${root}/index.html is missing: build first (make dist)`);
    });
    if (serve) {
      env.server = await serveStatic(root);
      env.origin = env.server.origin;
    }
    env.browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: TIMEOUT,
    });
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.close();
  });
  return env;
}

/** True when the page may ask for `url`: the test server, or data:/blob: URLs. */
export function isLocal(url, origin) {
  return url.startsWith(origin + '/') || url === origin || url.startsWith('data:') || url.startsWith('blob:');
}

/**
 * Runs `body({ page, context, origin, watch })` in a fresh browser context
 * (empty storage, 1280×800) on the app's page, then fails the test if the page
 * requested another origin or logged an error or a CSP violation. `url` opens
 * another address than the served `path` (such as a file:// URL), `allowRequest`
 * then says which requests are the page's own; `initScript` runs in the page
 * before the app (after the harness's own).
 */
export async function withApp(env, testContext, body, {
  path = '/index.html', url = null, allowRequest = null, initScript = null, allowConsole = [],
} = {}) {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(TIMEOUT);
  const watch = { requests: [], outside: [], errors: [], violations: [] };
  const allowed = allowRequest || ((u) => isLocal(u, env.origin));
  context.on('request', (req) => {
    const requested = req.url();
    watch.requests.push(requested);
    if (!allowed(requested)) watch.outside.push(requested);
  });
  // Reported by the page itself, so a violation is caught even if Chromium
  // words its console message differently. The init script runs through the
  // DevTools protocol, outside the page's CSP.
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  if (initScript) await context.addInitScript(initScript);
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    if (!allowConsole.some((re) => re.test(text))) watch.errors.push(`console: ${text}`);
  });
  page.on('pageerror', (err) => watch.errors.push(`page error: ${err.message}`));
  page.on('crash', () => watch.errors.push('page crashed'));

  let failed = true;
  try {
    await page.goto(url || env.origin + path, { waitUntil: 'load' });
    await waitForApp(page);
    await body({ page, context, origin: env.origin, watch });
    failed = false;
  } finally {
    if (failed) await saveFailureShot(page, testContext?.name);
    const violations = await page.evaluate(() => window.__cspViolations || []).catch(() => []);
    watch.violations.push(...violations);
    await context.close();
  }
  assert.deepEqual(watch.outside, [], 'the page requested another origin');
  assert.deepEqual(watch.violations, [], 'the page violated its Content-Security-Policy');
  assert.deepEqual(watch.errors, [], 'the page logged errors');
  return watch;
}

/** Waits until Yew has mounted the app (the top bar is in the DOM). */
export async function waitForApp(page) {
  await page.locator('.app').first().waitFor({ state: 'attached', timeout: TIMEOUT });
}

async function saveFailureShot(page, name) {
  try {
    await mkdir(artifactsDir, { recursive: true });
    const file = join(artifactsDir, `failed-${slug(name || 'test')}.png`);
    await page.screenshot({ path: file, fullPage: false, timeout: 10_000 });
    process.stderr.write(`  screenshot of the failure: ${file}\n`);
  } catch {
    // The page may be gone (crash); the assertion message says enough.
  }
}

function slug(text) {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);
}

/** `[data-testid=…]` selector. */
export const tid = (id) => `[data-testid="${id}"]`;

/** First integer in a text such as "12,345 events" or "N of M events"; NaN if none. */
export function numbersIn(text) {
  return [...String(text).matchAll(/\d[\d,]*/g)].map((m) => Number(m[0].replace(/,/g, '')));
}

/**
 * Polls `fn(arg)` in the page until it returns a truthy value and returns
 * that value. `what` names the condition in the timeout message.
 */
export async function until(page, what, fn, arg, timeout = TIMEOUT) {
  try {
    const handle = await page.waitForFunction(fn, arg, { timeout, polling: 100 });
    return await handle.jsonValue();
  } catch (err) {
    throw new Error(`timed out waiting for ${what}: ${err.message.split('\n')[0]}`);
  }
}

/** Waits until the findings and remediation lists have drawn every item
 * they show (they add a few dozen items per task; `aria-busy` meanwhile). */
export async function listsDrawn(page) {
  await until(page, 'the lists drawn', () => !document.querySelector('ul[aria-busy="true"]'));
}

/** Clicks "Load sample" and waits until every file card has finished loading. */
export async function loadSample(page) {
  await page.locator(tid('load-sample')).click();
  return waitForFilesLoaded(page, 6);
}

/**
 * Loads the "Compromised admin" training incident and checks it arrived
 * whole: the service-principal sign-ins read, nothing unreadable, the case
 * named after it, and step 11 planning the removal of the new admin.
 */
export async function loadAdminScenario(page) {
    await page.locator(tid('sample-choice')).selectOption({ label: 'Compromised admin' });
    await page.locator(tid('load-sample')).click();
    await waitForFilesLoaded(page, 10);
    const cards = await page.locator(tid('file-card')).allTextContents();
    assert.ok(cards.some((c) => /signins_serviceprincipal_graph\.json/.test(c)), cards.join(' | '));
    assert.ok(cards.every((c) => !/unreadable|not loaded/i.test(c)), cards.join(' | '));
    await until(page, 'the case named after the scenario', () => /^Training: /.test(document.querySelector('[data-testid="case-name"]').value));
    await page.locator(tid('remediation-11'), { hasText: 'Global Administrator' }).waitFor();
}

/**
 * Waits until at least `minCards` file cards exist and none shows a progress
 * bar; returns the event count shown in the top bar.
 */
export async function waitForFilesLoaded(page, minCards) {
  await until(page, `${minCards} file cards without a progress bar`, (n) => {
    const cards = document.querySelectorAll('[data-testid="file-card"]');
    return cards.length >= n && [...cards].every((c) => !c.querySelector('progress'));
  }, minCards);
  return numbersIn(await page.locator(tid('event-count')).textContent())[0];
}

/** Choose an item of the top bar's Export menu; resolves to its download.
 *  The menu must close again once the choice is made. */
export async function exportFromMenu(page, item) {
  await page.locator(tid('export-menu-toggle')).click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator(tid(item)).click()]);
  assert.equal(await page.locator(tid('export-menu')).evaluate((menu) => menu.open), false, 'the Export menu closes after a choice');
  return download;
}
