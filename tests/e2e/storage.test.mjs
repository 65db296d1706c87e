// The case is saved in the browser's localStorage after every change. When
// the browser refuses a write (storage full), the analyst is told, and the
// case saved before is neither removed nor cut short: a reload brings it back.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tid, until, useBrowser, waitForApp, withApp, TEST_TIMEOUT } from './harness.mjs';

const env = useBrowser();

// Runs in the page before the app: while `window.__storageFull` is set,
// every write throws the error a full quota gives.
function refuseWritesWhenFull() {
  const setItem = Storage.prototype.setItem;
  Storage.prototype.setItem = function (key, value) {
    if (window.__storageFull) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    return setItem.call(this, key, value);
  };
}

async function rename(page, name) {
  await page.locator(tid('case-name')).fill(name);
  await page.locator(tid('case-name')).press('Enter');
}

const savedCase = (page) => page.evaluate(() => localStorage.getItem('loupe.case'));
const banner = (page) => page.locator('.banner[role="alert"]');

test('storage full: the analyst is told and the case saved before survives a reload', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await rename(page, 'Saved before the quota filled');
    await until(page, 'the case saved', () => (localStorage.getItem('loupe.case') || '').includes('Saved before the quota filled'));
    const before = await savedCase(page);
    assert.equal(await banner(page).count(), 0, 'no storage message while saving works');

    // A write refused as a full quota does.
    await page.evaluate(() => { window.__storageFull = true; });
    await rename(page, 'Changed while storage is full');
    await banner(page).waitFor();
    assert.match(await banner(page).textContent(), /refused to save the case.*storage full.*Export ▸ Case file/s);
    assert.equal(await savedCase(page), before, 'the refused write left the saved case whole');
    await page.evaluate(() => { window.__storageFull = false; });
    await rename(page, 'Saved before the quota filled');
    await until(page, 'the message gone once a save works', () => !document.querySelector('.banner[role="alert"]'));
    const whole = await savedCase(page);
    assert.ok(whole.includes('Saved before the quota filled'), whole);

    // A real full quota: junk fills the origin's storage, then a change too
    // big to fit is refused by the browser itself.
    await page.evaluate(() => {
      const chunk = 'x'.repeat(256 * 1024);
      for (let i = 0; i < 200; i++) {
        try { localStorage.setItem(`filler.${i}`, chunk); } catch { break; }
      }
    });
    await rename(page, `Too big to save ${'y'.repeat(2_000_000)}`);
    await until(page, 'the refusal shown', () => /refused to save/.test(document.querySelector('.banner[role="alert"]')?.textContent || ''));
    assert.equal(await savedCase(page), whole, 'a real quota error left the saved case whole');
    await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('filler.')).forEach((k) => localStorage.removeItem(k)));

    await page.reload({ waitUntil: 'load' });
    await waitForApp(page);
    await until(page, 'the saved case restored', () => document.querySelector('[data-testid="case-name"]').value === 'Saved before the quota filled');
    assert.equal(await savedCase(page), whole);
    assert.equal(await banner(page).count(), 0, 'saving works again after the reload');

    // And the next change is saved as usual.
    await rename(page, 'Saved after the reload');
    await until(page, 'the next change saved', () => (localStorage.getItem('loupe.case') || '').includes('Saved after the reload'));
  }, { initScript: refuseWritesWhenFull });
});
