// The virtual timeline's rows are positioned without inline styles (the CSP
// refuses them), and keyboard stepping keeps the selected row in view.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSample, tid, until, useBrowser, withApp, TEST_TIMEOUT } from './harness.mjs';

const env = useBrowser();

/** Whether the selected row lies fully inside the scroll box. */
async function selectedInView(page) {
  return page.evaluate(() => {
    const box = document.querySelector('.tl-scroll').getBoundingClientRect();
    const row = document.querySelector('[data-testid="row"].selected');
    if (!row) return false;
    const r = row.getBoundingClientRect();
    return r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
  });
}

test('the CSP refuses inline styles and the page uses none', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    assert.match(csp, /style-src 'self';/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    await loadSample(page);
    await page.locator('.tl-scroll').evaluate((el) => { el.scrollTop = el.scrollHeight / 2; });
    await page.locator(tid('row')).first().click();
    // Styles set through the CSS object model show up as style attributes;
    // only the timeline's spacer and row window may have them. A style
    // attribute written as markup would also be a CSP violation, which the
    // harness reports as a console error.
    const styled = await page.locator('[style]').evaluateAll((els) => els.map((e) => e.className).sort());
    assert.deepEqual(styled, ['tl-spacer', 'tl-window']);
  });
});

test('arrow keys step through rows and the selection stays in view', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await loadSample(page);
    const rows = page.locator(tid('row'));
    const fourth = await rows.nth(3).textContent();
    await rows.first().click();
    await page.locator(tid('detail')).waitFor({ state: 'visible' });
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
    await until(page, 'the fourth row to be selected', (text) =>
      document.querySelector('[data-testid="row"].selected')?.textContent === text, fourth);
    assert.ok(await selectedInView(page), 'selected row visible');

    // Far down: stepping a page at a time keeps the selection visible even
    // though the detail pane has made the table shorter.
    for (let i = 0; i < 5; i++) await page.keyboard.press('PageDown');
    await until(page, 'the selection to move down', (text) =>
      document.querySelector('[data-testid="row"].selected')?.textContent !== text, fourth);
    assert.ok(await selectedInView(page), 'selected row visible after PageDown');
    await page.keyboard.press('End');
    await until(page, 'the last row to be selected and drawn', () => document.querySelector('[data-testid="row"].selected') !== null);
    assert.ok(await selectedInView(page), 'last row visible');

    // Escape closes the detail pane.
    await page.keyboard.press('Escape');
    await page.locator(tid('detail')).waitFor({ state: 'detached' });
  });
});
