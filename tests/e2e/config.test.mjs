// The tenant configuration view: open a baseline and a current Graph
// export and see the Conditional Access policy moved to report-only
// flagged, apps and posture checks listed; the training incidents ship
// their own baseline and current snapshots.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSample, repoRoot, tid, until, useBrowser, withApp, TEST_TIMEOUT } from './harness.mjs';

const env = useBrowser();
const fixtures = join(repoRoot, 'tests/fixtures/tenant');

test('a baseline and a current snapshot: the report-only switch is flagged', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    const baseline = (await readdir(join(fixtures, 'baseline'))).map((f) => join(fixtures, 'baseline', f));
    const current = (await readdir(join(fixtures, 'current'))).map((f) => join(fixtures, 'current', f));
    await page.locator(tid('config')).evaluate((d) => { d.open = true; });
    await page.locator(tid('file-input')).setInputFiles(current);
    await until(page, 'current snapshot files listed', (n) => document.querySelectorAll('[data-testid="snapshot-file"]').length === n, current.length);
    await page.locator(tid('file-input')).setInputFiles(baseline);
    await until(page, 'all snapshot files listed', (n) => document.querySelectorAll('[data-testid="snapshot-file"]').length === n, current.length + baseline.length);
    assert.equal(await page.locator(tid('file-card')).count(), 0, 'configuration exports are not evidence cards');
    // Nothing in these file names says "baseline": put them on that side.
    const roles = page.locator(tid('snapshot-role'));
    for (let i = current.length; i < current.length + baseline.length; i++) {
      await roles.nth(i).selectOption('baseline');
    }
    assert.ok(await page.locator(tid('change-group')).count() > 3, 'changes grouped by object type');
    const change = page.locator(tid('config-change'), { hasText: /report-only/i }).first();
    await change.waitFor();
    assert.match(await change.locator('.sev').textContent(), /high|critical/i);
    await page.locator(tid('posture-check')).first().waitFor();
    assert.ok(await page.locator(tid('app-row')).count() > 0, 'apps listed');
  });
});

test('the mailbox-takeover sample: its consented app leads the app inventory', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await loadSample(page);
    await page.locator(tid('config')).evaluate((d) => { d.open = true; });
    const app = page.locator(tid('app-row'), { hasText: 'PDF SecureView Pro' });
    await app.waitFor();
    assert.match(await app.locator('.sev').textContent(), /critical|high/i);
    // Only apps a suspect consented to: the mail app stays, every row says why.
    const before = await page.locator(tid('app-row')).count();
    await page.locator(tid('apps-by-suspect')).check();
    await until(page, 'the filter applied', (n) => document.querySelectorAll('[data-testid="app-row"]').length < n, before);
    const flags = await page.locator(`${tid('app-row')} .flags`).allTextContents();
    assert.ok(flags.length >= 1 && flags.every((f) => /consented by a suspect/.test(f)), flags.join(' | '));
    await app.waitFor();
  });
});

test('the compromised-admin training incident ships both snapshots: report-only and trusted-range changes flagged', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await page.locator(tid('sample-choice')).selectOption({ label: 'Compromised admin' });
    await page.locator(tid('load-sample')).click();
    await page.locator(tid('config')).evaluate((d) => { d.open = true; });
    await until(page, 'twenty snapshot files', () => document.querySelectorAll('[data-testid="snapshot-file"]').length === 20);
    const roles = await page.locator(tid('snapshot-role')).evaluateAll((els) => els.map((e) => e.value));
    assert.equal(roles.filter((r) => r === 'baseline').length, 10);
    const reportOnly = page.locator(tid('config-change'), { hasText: /report-only/i }).first();
    await reportOnly.waitFor();
    assert.match(await reportOnly.locator('.sev').textContent(), /high|critical/i);
    const location = page.locator(tid('config-change'), { hasText: /named location/i }).first();
    await location.waitFor();
    assert.match(await location.locator('.sev').textContent(), /high|critical/i);
  });
});

test('a whole folder of configuration exports opens at once', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await page.locator(tid('config')).evaluate((d) => { d.open = true; });
    const folder = join(fixtures, 'current');
    const count = (await readdir(folder)).length;
    await page.locator(tid('folder-input')).setInputFiles(folder);
    await until(page, 'every file of the folder listed', (n) => document.querySelectorAll('[data-testid="snapshot-file"]').length === n, count);
    await page.locator(tid('posture-check')).first().waitFor();
  });
});
