// The tenant configuration view: open a baseline and a current Graph
// export, see the Conditional Access policy moved to report-only flagged,
// the consented mail app in the inventory, and posture gaps; with no
// baseline, the sample's changes come from its audit log.

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
    const change = page.locator(tid('config-change'), { hasText: /report-only/i }).first();
    await change.waitFor();
    assert.match(await change.locator('.sev').textContent(), /high|critical/i);
    await page.locator(tid('posture-check')).first().waitFor();
    assert.ok(await page.locator(tid('app-row')).count() > 0, 'apps listed');
  });
});

test('no baseline: the sample\'s consented app is in the inventory from its audit log', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await loadSample(page);
    await page.locator(`${tid('config')} > summary`).click();
    const app = page.locator(tid('app-row'), { hasText: 'PDF SecureView Pro' });
    await app.waitFor();
    assert.match(await app.locator('.sev').textContent(), /critical|high/i);
  });
});
