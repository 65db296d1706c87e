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

test('the header names the case and counts time since the incident start', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    assert.equal(await text(page, 'incident-clock'), 'incident start not set');
    await page.locator(tid('case-name')).fill('Payroll mailbox takeover');
    await page.locator(tid('case-name')).press('Enter');
    await page.locator(tid('case-name')).blur();
    // Ninety minutes ago, in UTC minutes as the datetime-local input takes it.
    const start = await page.evaluate(() => new Date(Date.now() - 90 * 60_000).toISOString().slice(0, 16));
    await page.locator(tid('incident-start')).fill(start);
    await page.locator(tid('incident-start')).dispatchEvent('change');
    await until(page, 'the clock to run', () => /^T\+/.test(document.querySelector('[data-testid="incident-clock"]').textContent));
    assert.match(await text(page, 'incident-clock'), /^T\+1 h (29|30|31) min since \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);

    await page.reload({ waitUntil: 'load' });
    await waitForApp(page);
    await until(page, 'the case name restored', () => document.querySelector('[data-testid="case-name"]')?.value === 'Payroll mailbox takeover');
    assert.match(await text(page, 'incident-clock'), /^T\+1 h (29|30|31) min/);
  });
});

test('an unreadable saved case is reported and kept aside, not overwritten', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await page.evaluate(() => localStorage.setItem('loupe.case', '{"kind":"loupe-case","version":99,"case":{}}'));
    await page.reload({ waitUntil: 'load' });
    await waitForApp(page);
    const banner = page.locator('.banner[role="alert"]');
    await banner.waitFor();
    assert.match(await banner.textContent(), /newer Loupe.*loupe\.case\.unreadable/s);
    // A change saves the fresh case; the unreadable one is still there.
    await page.locator(tid('step-status-1')).selectOption('in_progress');
    assert.equal(await page.evaluate(() => localStorage.getItem('loupe.case.unreadable')), '{"kind":"loupe-case","version":99,"case":{}}');
    assert.match(await page.evaluate(() => localStorage.getItem('loupe.case')), /in_progress/);
  });
});
