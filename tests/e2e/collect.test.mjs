// Evidence a step lacks comes with the commands that collect it, filled in
// with the case's suspect and window; the marked indicators come with
// tenant-wide hunts. Nothing is fetched: the queries are text to copy.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSample, tid, until, useBrowser, withApp, TEST_TIMEOUT } from './harness.mjs';

const env = useBrowser();

test('a step lacking cloud logs lists the commands to collect them, for the suspect; the indicators list hunts', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await loadSample(page);
    // The suggested context names the training incident's victim.
    const suspect = 'priya.raman@larkspurfreight.example';
    await until(page, 'the suspect suggested', (s) => document.querySelector('[data-testid="context"]')?.textContent.includes(s), suspect);

    // Step 4 needs Azure, AWS and GCP logs, none of which the sample has.
    const collect = page.locator(tid('collect-4'));
    await collect.locator('summary').click();
    const queries = collect.locator(tid('query-text'));
    await queries.first().waitFor();
    const texts = await queries.allTextContents();
    assert.ok(texts.some((q) => q.startsWith('AzureActivity') && q.includes(suspect)), texts.join('\n---\n'));
    assert.ok(texts.some((q) => q.startsWith('az monitor activity-log list') && q.includes(`'${suspect}'`)), 'az, shell-quoted');
    assert.ok(texts.some((q) => q.startsWith('gcloud logging read')), 'gcloud');
    assert.equal(await collect.locator(tid('copy-query')).count(), texts.length, 'one copy button per query');

    // Step 6 has the UAL loaded: nothing to collect for it but optional evidence it already has.
    const step6 = await page.locator(tid('collect-6')).count();
    if (step6 > 0) {
      await page.locator(tid('collect-6')).locator('summary').click();
      const step6Texts = await page.locator(tid('collect-6')).locator(tid('query-text')).allTextContents();
      assert.ok(!step6Texts.some((q) => q.startsWith('OfficeActivity')), 'the loaded UAL is not collected again');
    }

    // Hunts for the suggested indicators.
    const hunt = page.locator(tid('hunt'));
    await hunt.locator('summary').click();
    await hunt.locator(tid('query-text')).first().waitFor();
    const hunts = await hunt.locator(tid('query-text')).allTextContents();
    assert.ok(hunts.some((q) => q.startsWith('SigninLogs') && /IPAddress in \(dynamic\(\[/.test(q)), hunts.join('\n---\n'));
    assert.ok(hunts.some((q) => q.startsWith('search index=* sourcetype="azure:aad:signin"')), 'and in SPL');
  });
});
