// The single-file build in Firefox (Debian's Firefox ESR, driven over
// WebDriver BiDi by puppeteer-core): opened from disk, it starts, loads the
// training incident with nothing fetched from anywhere, and keeps the case
// across a reload. The Chromium side is singlefile.test.mjs.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { stat, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { distDir, repoRoot, TIMEOUT, TEST_TIMEOUT } from './harness.mjs';

const FIREFOX = process.env.LOUPE_FIREFOX || '/usr/bin/firefox-esr';
const puppeteer = createRequire(join(repoRoot, 'tools', 'node_modules', 'x.js'))('puppeteer-core');
const single = join(distDir, 'loupe.html');
const fileUrl = pathToFileURL(single).href;
const tid = (id) => `[data-testid="${id}"]`;
let browser;
let profile;

before(async () => {
  await stat(single);
  profile = await mkdtemp(join(tmpdir(), 'loupe-firefox-'));
  browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    userDataDir: profile,
    timeout: TIMEOUT,
    // No update checks, telemetry or captive-portal probes from the browser itself.
    extraPrefsFirefox: {
      'app.update.enabled': false,
      'datareporting.policy.dataSubmissionEnabled': false,
      'network.captive-portal-service.enabled': false,
      'network.connectivity-service.enabled': false,
    },
  });
});

after(async () => {
  await browser?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
});

async function filesLoaded(page, minCards) {
  await page.waitForFunction((n) => {
    const cards = document.querySelectorAll('[data-testid="file-card"]');
    return cards.length >= n && [...cards].every((c) => !c.querySelector('progress'));
  }, { timeout: TIMEOUT, polling: 100 }, minCards);
}

test('Firefox: the single file opened from disk loads the sample, fetches nothing and keeps the case across a reload', { timeout: TEST_TIMEOUT }, async () => {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  const errors = [];
  const requests = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => requests.push(r.url()));
  try {
    await page.goto(fileUrl);
    await page.waitForSelector(tid('load-sample'), { timeout: TIMEOUT });
    await page.click(tid('load-sample'));
    await filesLoaded(page, 6);
    const events = await page.$eval(tid('event-count'), (e) => e.textContent);
    assert.match(events, /^5,5\d\d events/);
    await page.waitForSelector(`${tid('findings')} .finding-item`, { timeout: TIMEOUT });
    const unreadable = await page.$$eval(tid('file-card'), (cards) => cards.filter((c) => /unreadable|not loaded/i.test(c.textContent)).length);
    assert.equal(unreadable, 0);

    // Case state in Firefox's storage for this file.
    await page.select(tid('step-status-1'), 'done');
    await page.waitForFunction(() => document.querySelector('[data-testid="step-status-1"]')?.value === 'done', { timeout: TIMEOUT });
    await page.reload();
    await page.waitForSelector(tid('step-status-1'), { timeout: TIMEOUT });
    await page.waitForFunction(() => document.querySelector('[data-testid="step-status-1"]')?.value === 'done', { timeout: TIMEOUT });
    const banner = await page.$('.banner');
    assert.equal(banner, null, 'no storage warning where storage works');

    // The observer sees the page's own loads (its data: icon), so a fetch
    // anywhere else would be listed too.
    assert.ok(requests.some((u) => u.startsWith('data:')), 'the request observer saw the page load its icon');
    assert.deepEqual(requests.filter((u) => u !== fileUrl && !u.startsWith('data:') && !u.startsWith('blob:')), [], 'nothing fetched');
    assert.deepEqual(errors, [], 'the page logged errors');
  } finally {
    await page.close();
  }
});
