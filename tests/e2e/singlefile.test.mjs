// dist/loupe.html, the whole app in one file, opened from disk (file://) with
// no server: both training incidents load from inside the page, nothing is
// requested but the file itself (and data:/blob: URLs), the case survives a
// reload, and where the browser gives no storage the page says so.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  distDir, loadSample, numbersIn, tid, until, useBrowser, waitForApp, waitForFilesLoaded, withApp, TEST_TIMEOUT, loadAdminScenario,
} from './harness.mjs';

const env = useBrowser({ serve: false });
const file = join(distDir, 'loupe.html');
const fileUrl = pathToFileURL(file).href;
// The page itself and data:/blob: URLs; no other file, no other scheme.
const fromDisk = { url: fileUrl, allowRequest: (u) => u === fileUrl || u.startsWith('data:') || u.startsWith('blob:') };

test('single file: built, self-contained, with its own strict CSP', async () => {
  const html = await readFile(file, 'utf8');
  const csp = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]*)">/)?.[1];
  assert.ok(csp, 'a CSP <meta>');
  assert.match(csp, /connect-src 'none'/);
  assert.match(csp, /script-src 'sha256-[A-Za-z0-9+/=]+' 'wasm-unsafe-eval';/);
  assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'|'self'/);
  assert.doesNotMatch(html, /<(script|link|img)\b[^>]*\b(src|href)="(?!data:)/i, 'no tag points at another file');
  for (const path of ['samples/manifest.json', 'samples/answer_key.json', 'samples/admin/manifest.json', 'samples/admin/answer_key.json', 'samples/admin/current/applications.json']) {
    assert.ok(html.includes(`id="loupe-file:${path}"`), `${path} is inside`);
  }
  const { size } = await stat(file);
  process.stderr.write(`  dist/loupe.html: ${(size / 1024 / 1024).toFixed(1)} MB\n`);
});

test('single file from disk: the sample incident loads, findings appear, nothing is fetched', { timeout: TEST_TIMEOUT }, async (t) => {
  const opened = Date.now();
  const watch = await withApp(env, t, async ({ page }) => {
    const mounted = Date.now();
    const clicked = Date.now();
    const events = await loadSample(page);
    const loaded = Date.now();
    assert.ok(events > 1000, `event-count shows ${events}, expected more than 1000`);
    assert.equal(await page.locator(tid('file-card')).count(), 6, 'one card per file in samples/manifest.json');
    for (const rows of await page.locator(`${tid('file-card')} ${tid('file-rows')}`).allTextContents()) {
      assert.match(rows, /\b0 rejected\b/, `file card says "${rows}"`);
    }
    assert.equal(await page.locator('p.file-unreadable').count(), 0, 'no sample file is unreadable');
    const [shown] = numbersIn(await page.locator(tid('match-count')).textContent());
    assert.equal(shown, events, 'the timeline holds every event');
    await page.locator(tid('row')).first().waitFor();
    await page.locator(tid('finding'), { hasText: 'forwards to external' }).first().waitFor();
    assert.equal(await page.locator('.banner[role="alert"]').count(), 0, 'no storage problem in Chromium from disk');
    process.stderr.write(`  from disk: app mounted ${mounted - opened} ms after opening, sample loaded ${loaded - clicked} ms after the click\n`);
  }, fromDisk);
  assert.ok(watch.requests.includes(fileUrl), `the page was opened from disk (${watch.requests[0]})`);
  // The parsing workers are made from blob: URLs the page writes itself
  // (the glue's text); anything else would be a fetch.
  const workers = watch.requests.filter((u) => u.startsWith('blob:'));
  assert.ok(workers.length >= 1, 'the single file starts its parsing workers from blob: URLs');
  assert.deepEqual(watch.requests.filter((u) => u !== fileUrl && !u.startsWith('data:') && !u.startsWith('blob:')), [], 'nothing fetched');
});

test('single file from disk: the compromised-admin scenario loads with its snapshots', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await loadAdminScenario(page);
  }, fromDisk);
});

test('single file from disk: the case survives a reload', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await page.locator(tid('step-status-1')).selectOption('done');
    await page.locator(tid('case-name')).fill('Case kept on disk');
    await page.locator(tid('case-name')).press('Enter');
    await page.locator(tid('case-name')).blur();
    await until(page, 'the case saved', () => /Case kept on disk/.test(localStorage.getItem('loupe.case') || ''));

    await page.reload({ waitUntil: 'load' });
    await waitForApp(page);
    await until(page, 'step 1 restored as done', () => document.querySelector('[data-testid="step-status-1"]')?.value === 'done');
    assert.equal(await page.locator(tid('case-name')).inputValue(), 'Case kept on disk');
    assert.equal(await page.locator('.banner[role="alert"]').count(), 0);
  }, fromDisk);
});

test('single file from disk: with no storage the page says the case cannot be saved', { timeout: TEST_TIMEOUT }, async (t) => {
  // As in a browser that refuses this page storage: reading localStorage throws.
  const noStorage = () => {
    Object.defineProperty(window, 'localStorage', {
      configurable: true,
      get() { throw new DOMException('The operation is insecure.', 'SecurityError'); },
    });
  };
  await withApp(env, t, async ({ page }) => {
    const banner = page.locator('.banner[role="alert"]');
    await banner.waitFor();
    assert.match(await banner.textContent(), /cannot save the case.*Export ▸ Case file/s);
    // The app still works; the message stays after a change.
    await page.locator(tid('step-status-1')).selectOption('in_progress');
    assert.match(await banner.textContent(), /cannot save the case.*Export ▸ Case file/s);
    await loadSample(page);
  }, { ...fromDisk, initScript: noStorage });
});

test('single file from disk: a storage that refuses writes is reported at start and on save', { timeout: TEST_TIMEOUT }, async (t) => {
  // As with a full quota: every write throws.
  const refuseWrites = () => {
    Storage.prototype.setItem = function setItem() { throw new DOMException('The quota has been exceeded.', 'QuotaExceededError'); };
  };
  await withApp(env, t, async ({ page }) => {
    const banner = page.locator('.banner[role="alert"]');
    await banner.waitFor();
    assert.match(await banner.textContent(), /cannot save the case/);
    await page.locator(tid('step-status-1')).selectOption('done');
    await until(page, 'the refused save reported', () => /refused to save the case.*Export ▸ Case file/s.test(document.querySelector('.banner[role="alert"]')?.textContent || ''));
  }, { ...fromDisk, initScript: refuseWrites });
});
