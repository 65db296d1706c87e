// Findings beside the checklist: the suggested context, a step's findings,
// and the click from a finding to the timeline rows that prove it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSample, numbersIn, tid, until, useBrowser, withApp, TEST_TIMEOUT } from './harness.mjs';

const env = useBrowser();

test('accept the suggested context, open step 9, click the forwarding rule finding through to its rows', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await loadSample(page);
    await until(page, 'a suggested suspect account', () => /@/.test(document.querySelector('[data-testid="context-suspects"]')?.textContent || ''));
    await page.locator(tid('accept-context')).click();
    await page.locator('.context .badge.confirmed').waitFor();

    const step9 = page.locator(tid('step-findings-9'));
    await step9.waitFor();
    const rule = step9.locator(tid('finding'), { hasText: 'forwards to external' }).first();
    assert.match(await rule.textContent(), /critical|high/i, 'the forwarding rule is rated high or critical');
    await rule.click();

    await until(page, 'the query to become the finding\'s', () => /op:New-InboxRule/.test(document.querySelector('[data-testid="query"]').value));
    const [n] = numbersIn(await page.locator(tid('match-count')).textContent());
    assert.ok(n >= 1, `the finding's rows are shown (${n})`);
    const ops = await page.locator(`${tid('row')} .c-op`).allTextContents();
    assert.ok(ops.length >= 1 && ops.every((op) => op === 'New-InboxRule'), ops.join(', '));

    // The context survives a reload as the analyst confirmed it.
    await page.reload();
    await page.locator('.context .badge.confirmed').waitFor();
  });
});

test('mark an IP from an event\'s detail, then filter with ioc', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await loadSample(page);
    const query = page.locator(tid('query'));
    await query.fill('ip:192.0.2.11');
    await query.press('Enter');
    await until(page, 'rows for the IP', () => /^[1-9]/.test(document.querySelector('[data-testid="match-count"]').textContent));
    await page.locator(tid('row')).first().click();
    await page.locator(`${tid('mark')} button`, { hasText: 'Mark IP' }).click();
    await page.locator(tid('indicators'), { hasText: '192.0.2.11' }).waitFor();
    await query.fill('ioc ip:192.0.2.11');
    await query.press('Enter');
    await until(page, 'ioc to match the marked IP', () => /^[1-9]/.test(document.querySelector('[data-testid="match-count"]').textContent));
  });
});
