// The same case open in two tabs of one browser: each tab is told that the
// other is open, and once one tab saves, the other stops saving and asks
// which version to keep, so neither overwrites the other without a choice.
// Both for the served build and for dist/loupe.html opened from disk
// (file://): there Chromium gives every file:// page one shared storage and
// delivers its `storage` events between them as between tabs of one site,
// so the same signals work, and a copy of loupe.html in another folder
// opens the same saved case and is told the same.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { distDir, tid, until, useBrowser, waitForApp, withApp, TEST_TIMEOUT } from './harness.mjs';

const env = useBrowser();
const fileUrl = pathToFileURL(join(distDir, 'loupe.html')).href;

async function rename(page, name) {
  await page.locator(tid('case-name')).fill(name);
  await page.locator(tid('case-name')).press('Enter');
}

const savedName = (page) => page.evaluate(() => JSON.parse(localStorage.getItem('loupe.case') || '{}')?.case?.name ?? null);
const caseName = (page) => page.locator(tid('case-name')).inputValue();

/** Opens a second tab at `url` beside `first` and plays the whole exchange:
 * both told, no silent overwrite, each choice. */
async function twoTabs(first, context, url) {
  await rename(first, 'Started in the first tab');
  await until(first, 'the first tab saved', () => (localStorage.getItem('loupe.case') || '').includes('Started in the first tab'));

  const second = await context.newPage();
  const secondErrors = [];
  second.on('pageerror', (e) => secondErrors.push(e.message));
  second.on('console', (m) => { if (m.type() === 'error') secondErrors.push(m.text()); });
  await second.goto(url, { waitUntil: 'load' });
  await waitForApp(second);
  assert.equal(await caseName(second), 'Started in the first tab', 'the second tab opens the saved case');

  // Each is told of the other.
  await second.locator(tid('tab-open-elsewhere')).waitFor();
  assert.match(await second.locator(tid('tab-open-elsewhere')).textContent(), /already open in another tab/);
  await first.locator(tid('tab-open-elsewhere')).waitFor();
  assert.match(await first.locator(tid('tab-open-elsewhere')).textContent(), /opened in another tab/);
  await first.locator(tid('tab-notice-dismiss')).click();
  assert.equal(await first.locator(tid('tab-open-elsewhere')).count(), 0);

  // The second tab saves; the first is told at once and asked.
  await rename(second, 'Renamed in the second tab');
  await until(second, 'the second tab saved', () => (localStorage.getItem('loupe.case') || '').includes('Renamed in the second tab'));
  await first.locator(tid('tab-conflict')).waitFor();
  assert.equal(await second.locator(tid('tab-conflict')).count(), 0, 'the tab that saved is not asked');

  // A change in the first tab now is held back, not written over the second's.
  await rename(first, 'Changed in the first tab meanwhile');
  await first.locator(tid('tab-conflict')).waitFor();
  assert.equal(await savedName(first), 'Renamed in the second tab', 'the first tab did not overwrite the second');
  assert.equal(await caseName(first), 'Changed in the first tab meanwhile', 'the first tab keeps its own change on screen');

  // Export this tab's version: a case file with the held-back change.
  const [file] = await Promise.all([first.waitForEvent('download'), first.locator(tid('tab-export-mine')).click()]);
  assert.match(file.suggestedFilename(), /^loupe-case-.*\.json$/);

  // Keep this tab's version: written, and now the second tab is asked.
  await first.locator(tid('tab-keep-mine')).click();
  await until(first, 'the first tab saved over', () => (localStorage.getItem('loupe.case') || '').includes('Changed in the first tab meanwhile'));
  assert.equal(await first.locator(tid('tab-conflict')).count(), 0);
  await second.locator(tid('tab-conflict')).waitFor();
  await rename(second, 'Second tab, not saved');
  assert.equal(await savedName(second), 'Changed in the first tab meanwhile', 'the second tab held back too');

  // Use the other tab's version: the second tab takes the first's case.
  await second.locator(tid('tab-load-theirs')).click();
  await until(second, 'the other version shown', () => document.querySelector('[data-testid="case-name"]').value === 'Changed in the first tab meanwhile');
  assert.equal(await second.locator(tid('tab-conflict')).count(), 0);
  assert.equal(await savedName(second), 'Changed in the first tab meanwhile');

  // Taking the other version writes nothing, so the first tab is not asked.
  assert.equal(await first.locator(tid('tab-conflict')).count(), 0);

  // A later save in the second tab is asked about in the first again.
  await rename(second, 'Agreed in the second tab');
  await until(second, 'the second tab saves again', () => (localStorage.getItem('loupe.case') || '').includes('Agreed in the second tab'));
  await first.locator(tid('tab-conflict')).waitFor();
  await first.locator(tid('tab-load-theirs')).click();
  await until(first, 'the first tab follows', () => document.querySelector('[data-testid="case-name"]').value === 'Agreed in the second tab');

  // Both reload to the last saved case.
  await second.reload({ waitUntil: 'load' });
  await waitForApp(second);
  assert.equal(await caseName(second), 'Agreed in the second tab');
  await second.close();
  assert.deepEqual(secondErrors, [], 'the second tab logged errors');
}

test('two tabs on one case: both told, no silent overwrite, the analyst chooses', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page, context, origin }) => {
    await twoTabs(page, context, `${origin}/index.html`);
  });
});

test('two tabs on one case from disk (file://): both told, no silent overwrite, the analyst chooses', { timeout: TEST_TIMEOUT }, async (t) => {
  const tmp = await mkdtemp(join(tmpdir(), 'loupe-e2e-'));
  const copyUrl = pathToFileURL(join(tmp, 'loupe.html')).href;
  await copyFile(join(distDir, 'loupe.html'), join(tmp, 'loupe.html'));
  // The page itself (and its copy) and data:/blob: URLs; nothing else.
  const fromDisk = { url: fileUrl, allowRequest: (u) => u === fileUrl || u === copyUrl || u.startsWith('data:') || u.startsWith('blob:') };
  try {
    await withApp(env, t, async ({ page, context }) => {
      assert.equal(await page.evaluate(() => location.protocol), 'file:');
      await twoTabs(page, context, fileUrl);

      // A copy of the file in another folder shares the storage: it opens
      // the case saved from the first and says that another tab has it.
      const copy = await context.newPage();
      await copy.goto(copyUrl, { waitUntil: 'load' });
      await waitForApp(copy);
      assert.equal(await caseName(copy), 'Agreed in the second tab', 'the copy opens the case saved from the original');
      await copy.locator(tid('tab-open-elsewhere')).waitFor();
      await page.locator(tid('tab-open-elsewhere')).waitFor();
      // Its first change is asked about in the original, not written over silently.
      await rename(copy, 'Renamed in the copy');
      await until(copy, 'the copy saved', () => (localStorage.getItem('loupe.case') || '').includes('Renamed in the copy'));
      await page.locator(tid('tab-conflict')).waitFor();
      await copy.close();
    }, fromDisk);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});
