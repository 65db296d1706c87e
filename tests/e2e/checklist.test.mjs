// The response checklist: a step's status is saved in the browser, survives a
// reload, and "New case" clears it only after the analyst confirms.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tid, until, useBrowser, waitForApp, withApp, TEST_TIMEOUT } from './harness.mjs';

const env = useBrowser();

const text = async (page, id) => (await page.locator(tid(id)).textContent()).trim();

test('checklist: step status persists across reload; New case clears it after confirming', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    assert.match(await text(page, 'overall-progress'), /\b0\/12\b/);
    await page.locator(tid('step-status-1')).selectOption('done');
    await page.locator(tid('step-done-at-1')).waitFor({ state: 'visible' });
    // The contract words it "done …"; the closing time in UTC is what matters.
    assert.match(await text(page, 'step-done-at-1'), /^(done|closed) \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
    assert.match(await text(page, 'phase-progress-15m'), /^1\/4\b/);
    assert.match(await page.locator(tid('step-1')).getAttribute('class'), /\bdone\b/);
    assert.ok(await page.evaluate(() => localStorage.getItem('loupe.case')), 'case saved in localStorage');

    await page.reload({ waitUntil: 'load' });
    await waitForApp(page);
    await until(page, 'step 1 restored as done', () =>
      document.querySelector('[data-testid="step-status-1"]')?.value === 'done');
    assert.match(await text(page, 'overall-progress'), /\b1\/12\b/);
    assert.match(await text(page, 'phase-progress-15m'), /^1\/4\b/);
    await page.locator(tid('step-done-at-1')).waitFor({ state: 'visible' });

    // Cancelling the confirm keeps the case.
    page.once('dialog', (d) => d.dismiss());
    await page.locator(tid('new-case')).click();
    assert.equal(await page.locator(tid('step-status-1')).inputValue(), 'done');

    page.once('dialog', (d) => d.accept());
    await page.locator(tid('new-case')).click();
    await until(page, 'step 1 back to not started', () =>
      document.querySelector('[data-testid="step-status-1"]')?.value === 'not_started');
    assert.match(await text(page, 'overall-progress'), /\b0\/12\b/);
    assert.equal(await page.locator(tid('step-done-at-1')).count(), 0);
  });
});
