// Opening real files through the file picker: good exports, an unrelated CSV,
// and an export with broken rows, each summarised on its own card.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, tid, waitForFilesLoaded, useBrowser, withApp, TEST_TIMEOUT } from './harness.mjs';

const env = useBrowser();
const fixtures = join(repoRoot, 'tests/fixtures');

function card(page, fileName) {
  return page.locator(tid('file-card')).filter({
    has: page.locator('.file-name', { hasText: fileName }),
  });
}

test('file picker: cards for good, unrelated and partly broken files', { timeout: TEST_TIMEOUT }, async (t) => {
  const tmp = await mkdtemp(join(tmpdir(), 'loupe-e2e-'));
  try {
    const hr = join(tmp, 'hr.csv');
    await writeFile(hr, 'Name,Salary\nAlice,100\nBob,200\n');
    const ual = join(fixtures, 'ual_search_export.csv');
    const signin = join(fixtures, 'signin_portal_interactive.csv');
    const badRows = join(fixtures, 'ual_search_bad_rows.csv');

    await withApp(env, t, async ({ page }) => {
      await page.locator(tid('file-input')).setInputFiles([ual, signin, hr]);
      await waitForFilesLoaded(page, 3);

      const ualCard = card(page, 'ual_search_export.csv');
      assert.match(await ualCard.locator(tid('file-rows')).textContent(), /\b6 rows kept\b.*\b0 rejected\b/);
      assert.match(await ualCard.locator('.file-format').textContent(), /Unified Audit Log/);
      const sha = createHash('sha256').update(await readFile(ual)).digest('hex');
      assert.match(await ualCard.locator('.file-hash').textContent(), new RegExp(sha));

      const signinCard = card(page, 'signin_portal_interactive.csv');
      assert.match(await signinCard.locator(tid('file-rows')).textContent(), /\b4 rows kept\b.*\b0 rejected\b/);
      assert.match(await signinCard.locator('.file-format').textContent(), /sign-in/i);

      const hrCard = card(page, 'hr.csv');
      const unreadable = await hrCard.locator(tid('file-unreadable')).textContent();
      assert.match(unreadable, /columns Name, Salary/);
      assert.match(unreadable, /not a layout Loupe knows/);

      // Picked second: its three good rows carry the ids of three rows of
      // ual_search_export.csv. Two say the same and count as duplicates. The
      // third's AuditData is damaged, so it is read from the search CSV's own
      // columns (the exporting machine's local time, an hour off, and no
      // address): Loupe cannot tell it is the same record, so it keeps it and
      // says so rather than drop it.
      await page.locator(tid('file-input')).setInputFiles([badRows]);
      await waitForFilesLoaded(page, 4);
      const badCard = card(page, 'ual_search_bad_rows.csv');
      assert.match(await badCard.locator(tid('file-rows')).textContent(),
        /^\s*1 row kept · 2 rejected · 2 duplicates removed · 1 row reusing an id with other content \(kept\)\s*$/);
      assert.match(await badCard.locator('details.file-errors summary').textContent(), /2 rejected rows/);
      const firstError = (await badCard.locator('details.file-errors li').first().textContent()).trim();
      assert.match(firstError, /^line 5: no usable time in CreationTime '2026-02-30T10:00:00'/);

      const [events] = (await page.locator(tid('event-count')).textContent()).match(/\d[\d,]*/);
      assert.equal(Number(events.replace(/,/g, '')), 6 + 4 + 1, 'events from the readable files, duplicates once, the damaged copy kept');
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});

test('unloading a file removes its events; opened again, its records are not duplicates', { timeout: TEST_TIMEOUT }, async (t) => {
  const tmp = await mkdtemp(join(tmpdir(), 'loupe-e2e-'));
  try {
    const hr = join(tmp, 'hr.csv');
    await writeFile(hr, 'Name,Salary\nAlice,100\n');
    const ual = join(fixtures, 'ual_search_export.csv');
    const badRows = join(fixtures, 'ual_search_bad_rows.csv');
    const eventCount = async (page) => Number((await page.locator(tid('event-count')).textContent()).match(/\d[\d,]*/)[0].replace(/,/g, ''));

    await withApp(env, t, async ({ page }) => {
      await page.locator(tid('file-input')).setInputFiles([ual, hr]);
      await waitForFilesLoaded(page, 2);
      assert.equal(await eventCount(page), 6);

      // A card for a file that was not read can be dismissed.
      await card(page, 'hr.csv').locator(tid('file-remove')).click();
      await card(page, 'hr.csv').waitFor({ state: 'detached' });

      await card(page, 'ual_search_export.csv').locator(tid('file-remove')).click();
      await card(page, 'ual_search_export.csv').waitFor({ state: 'detached' });
      assert.equal(await eventCount(page), 0);
      assert.equal(await page.locator(tid('row')).count(), 0);
      assert.equal(await page.locator(tid('file-card-missing')).count(), 0, 'an unloaded file leaves the case');

      // Its three good rows share record ids with the unloaded export; they
      // are kept now, not counted as duplicates of records no longer loaded.
      await page.locator(tid('file-input')).setInputFiles([badRows]);
      await waitForFilesLoaded(page, 1);
      assert.match(await card(page, 'ual_search_bad_rows.csv').locator(tid('file-rows')).textContent(), /^\s*3 rows kept · 2 rejected\s*$/);
      assert.equal(await eventCount(page), 3);
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});

test('a diagnostic-settings archive of Entra logs counts as sign-in, audit and risk logs loaded', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await page.locator(tid('file-input')).setInputFiles([join(fixtures, 'entra_diagnostic_PT1H.json')]);
    await waitForFilesLoaded(page, 1);
    const diagnostic = card(page, 'entra_diagnostic_PT1H.json');
    assert.match(await diagnostic.locator('.file-format').textContent(), /diagnostic settings/);
    // Its sign-in, audit and risky-user records are read; a category Loupe does not read would be rejected.
    assert.match(await diagnostic.locator(tid('file-rows')).textContent(), /\b4 rows kept\b.*\b0 rejected\b/);
    // Step 10 needs the UAL, the audit log and the sign-in log: the one
    // file gives two of them, and the risk data that helps it.
    const have = await page.locator(`${tid('step-10')} .needs li.have`).allTextContents();
    assert.ok(have.some((t) => t.startsWith('Entra sign-in logs')), `loaded: ${have.join(' | ')}`);
    assert.ok(have.some((t) => t.startsWith('Entra audit logs')), `loaded: ${have.join(' | ')}`);
    assert.ok(have.some((t) => t.startsWith('Entra ID Protection')), `loaded: ${have.join(' | ')}`);
    const missing = await page.locator(`${tid('step-10')} .needs li.missing`).allTextContents();
    assert.ok(missing.some((t) => t.startsWith('Microsoft 365 Unified Audit Log')), `missing: ${missing.join(' | ')}`);
  });
});
