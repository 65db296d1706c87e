// A Microsoft-Extractor-Suite output folder opened in one go: every log
// file becomes an evidence card read as its own log, every tenant report
// joins the configuration view, whatever the files are called.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { repoRoot, tid, until, useBrowser, withApp, TEST_TIMEOUT } from './harness.mjs';

const env = useBrowser();
const fixtures = join(repoRoot, 'tests/fixtures');

// What each log file of the fixture folder must be read as.
const LOGS = {
  'UAL-20260301160000.csv': /Unified Audit Log/,
  'UAL-20260301180000.json': /Unified Audit Log/,
  'UAL-20260301200000.jsonl': /Unified Audit Log/,
  '20260301170000-SignInLogsGraph.json': /sign-in/i,
  'SignInLogs.json': /sign-in/i,
  '20260301170000-AuditLogs.json': /audit log/i,
  'MessageTrace.csv': /message trace/i,
  'RiskyDetections.csv': /risk detections/i,
  'RiskyUsers.csv': /risky users/i,
};

async function filesUnder(dir) {
  const out = [];
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    if ((await stat(path)).isDirectory()) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out;
}

async function exists(path) {
  return stat(path).then(() => true, () => false);
}

test('an Extractor-Suite output folder: logs to the timeline, tenant reports to the configuration view', { timeout: TEST_TIMEOUT }, async (t) => {
  const tmp = await mkdtemp(join(tmpdir(), 'loupe-es-'));
  try {
    const output = join(tmp, 'Output');
    await cp(join(fixtures, 'extractor_suite/Output'), output, { recursive: true });
    // The tenant reports the suite writes beside its logs.
    const reports = join(fixtures, 'tenant/extractor_suite');
    if (await exists(reports)) await cp(reports, join(output, 'Reports'), { recursive: true });
    const logs = (await filesUnder(join(fixtures, 'extractor_suite/Output'))).map((p) => basename(p));
    const tenantFiles = (await exists(reports)) ? (await filesUnder(reports)).map((p) => basename(p)) : [];
    assert.deepEqual(logs.sort(), Object.keys(LOGS).sort(), 'the fixture folder holds the logs this test names');

    await withApp(env, t, async ({ page }) => {
      await page.locator(tid('config')).evaluate((d) => { d.open = true; });
      await page.locator(tid('folder-input')).setInputFiles(output);
      await until(page, 'every log file loaded', (n) => {
        const cards = [...document.querySelectorAll('[data-testid="file-card"]')];
        return cards.length === n && cards.every((c) => c.querySelector('[data-testid="file-rows"]'));
      }, logs.length);
      await until(page, 'every tenant report listed', (n) => document.querySelectorAll('[data-testid="snapshot-file"]').length === n, tenantFiles.length);

      for (const [name, format] of Object.entries(LOGS)) {
        const card = page.locator(tid('file-card')).filter({ has: page.locator('.file-name', { hasText: new RegExp(`^${name.replace(/[.]/g, '\\.')}$`) }) });
        assert.equal(await card.count(), 1, `${name} has one card`);
        assert.match(await card.locator('.file-format').textContent(), format, name);
        assert.match(await card.locator(tid('file-rows')).textContent(), /· 0 rejected/, name);
      }
      const listed = await page.locator(tid('snapshot-file')).allTextContents();
      for (const name of tenantFiles) {
        assert.ok(listed.some((text) => text.includes(name)), `${name} is in the configuration view`);
      }

      // The reports' gaps show under the steps they answer: step 9 the
      // forwarding inbox rule, and the way to the configuration view.
      await page.locator(tid('config')).evaluate((d) => { d.open = false; });
      const step9 = page.locator(tid('step-config-9'));
      await step9.waitFor();
      assert.match(await step9.textContent(), /Inbox rules that send mail out or hide it: \. \(j\.doe@contoso\.com\)/);
      assert.match(await step9.locator('.sev').first().textContent(), /critical/i);
      await page.locator(tid('step-config-open-9')).click();
      await until(page, 'the configuration view open', () => document.querySelector('[data-testid="config"]').open);
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});
