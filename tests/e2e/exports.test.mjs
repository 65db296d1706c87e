// Timeline and indicator exports: the files other tools read. A value that
// a spreadsheet would run as a formula arrives as text; JSON lines carry
// Timesketch's required fields; the STIX bundle quotes what it names.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, tid, until, useBrowser, waitForFilesLoaded, withApp, TEST_TIMEOUT } from './harness.mjs';

const env = useBrowser();
const FORMULA = "=HYPERLINK(\"http://evil.example\",\"x\")";

async function download(page, testid) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.locator(tid(testid)).click()]);
  const path = await file.path();
  return { name: file.suggestedFilename(), text: await readFile(path, 'utf8') };
}

test('timeline CSV and Timesketch JSONL of the matching rows; indicators as CSV and STIX', { timeout: TEST_TIMEOUT }, async (t) => {
  const tmp = await mkdtemp(join(tmpdir(), 'loupe-e2e-'));
  try {
    const fixture = await readFile(join(repoRoot, 'tests/fixtures/ual_search_export.csv'), 'utf8');
    const hostile = join(tmp, 'ual_formula.csv');
    // A user name that starts a formula, in the column and in AuditData alike
    // (CSV quotes doubled inside the quoted field).
    await writeFile(hostile, fixture.replaceAll('victim@contoso.com', FORMULA.replaceAll('"', '""')));
    await withApp(env, t, async ({ page }) => {
      await page.locator(tid('file-input')).setInputFiles([hostile]);
      await waitForFilesLoaded(page, 1);
      await page.locator(tid('row')).first().waitFor();
      const [rows] = (await page.locator(tid('match-count')).textContent()).match(/\d+/);

      const csv = await download(page, 'export-csv');
      assert.match(csv.name, /^loupe-timeline-\d{4}-\d{2}-\d{2}\.csv$/);
      assert.ok(csv.text.startsWith('\ufeff'), 'UTF-8 BOM for Excel');
      assert.ok(csv.text.includes(`"'=HYPERLINK(""http://evil.example"",""x"")"`), 'the formula is neutralised with a leading apostrophe');
      assert.ok(!/(^|,)"?=HYPERLINK/m.test(csv.text), 'no cell starts with =');

      const jsonl = await download(page, 'export-jsonl');
      const lines = jsonl.text.trim().split('\n').map((l) => JSON.parse(l));
      assert.equal(lines.length, Number(rows));
      for (const line of lines) {
        for (const key of ['message', 'datetime', 'timestamp', 'timestamp_desc']) assert.ok(key in line, `${key} in ${JSON.stringify(line)}`);
      }

      // Mark the formula-shaped account; both indicator exports quote it.
      await page.locator(tid('add-suspect')).fill(FORMULA);
      await page.locator(tid('add-suspect')).press('Enter');
      await page.locator('.context .badge.confirmed').waitFor();
      const indicators = await download(page, 'export-indicators-csv');
      assert.ok(indicators.text.startsWith('\ufeff') && indicators.text.includes("'=HYPERLINK"), indicators.text);
      const stix = JSON.parse((await download(page, 'export-indicators-stix')).text);
      assert.equal(stix.type, 'bundle');
      const account = stix.objects.find((o) => o.pattern.startsWith('[user-account:user_id'));
      assert.equal(account.pattern, `[user-account:user_id = '${FORMULA}']`);
      assert.equal(account.spec_version, '2.1');
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});
