// IP databases: dropped next to evidence, they are listed apart, and UAL
// events (which carry only an address) get a location that says which
// database it came from.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { numbersIn, repoRoot, tid, until, useBrowser, waitForFilesLoaded, withApp, TEST_TIMEOUT } from './harness.mjs';

const env = useBrowser();
const fixtures = join(repoRoot, 'tests/fixtures');
const CITY = 'ipdb_dbip_city_lite_sample.csv';
const ASN = 'ipdb_iptoasn_v4v6.tsv';

async function runQuery(page, text) {
  const before = await page.locator(tid('match-count')).textContent();
  const input = page.locator(tid('query'));
  await input.fill(text);
  await input.press('Enter');
  await until(page, `match-count to change from "${before}"`, (old) => {
    const el = document.querySelector('[data-testid="match-count"]');
    return el && el.textContent !== old;
  }, before);
  return numbersIn(await page.locator(tid('match-count')).textContent());
}

test('UAL plus IP databases: database locations in the timeline and detail, with their source', { timeout: TEST_TIMEOUT }, async (t) => {
  const ual = join(repoRoot, 'www/samples/ual_search.csv');
  await withApp(env, t, async ({ page }) => {
    await page.locator(tid('file-input')).setInputFiles([ual, join(fixtures, CITY), join(fixtures, ASN)]);
    await until(page, 'two IP database cards', () => document.querySelectorAll('[data-testid="ipdb-card"]').length === 2);
    await waitForFilesLoaded(page, 1);
    assert.equal(await page.locator(tid('file-card')).count(), 1, 'only the UAL is an evidence card');
    assert.equal(await page.locator(tid('file-unreadable')).count(), 0, 'no database is reported as unreadable evidence');

    const cityCard = page.locator(tid('ipdb-card')).filter({ hasText: CITY });
    assert.match(await cityCard.locator(tid('ipdb-rows')).textContent(), /^\s*7 rows · \d+ ranges · 2 bad rows\s*$/);
    assert.match(await cityCard.locator('details.file-errors li').first().textContent(), /^line 7: /);

    const [n] = await runQuery(page, 'country:RO');
    assert.ok(n >= 1, 'UAL events placed in RO by the database');
    const cell = page.locator(`${tid('row')} ${tid('country-enriched')}`).first();
    assert.equal((await cell.textContent()).trim(), 'RO');
    assert.match(await cell.getAttribute('title'), new RegExp(`Bucharest, RO — from ${CITY.replace(/\./g, '\\.')}`));

    await page.locator(tid('row')).first().click();
    const detail = page.locator(tid('detail'));
    await detail.waitFor();
    assert.equal((await detail.locator(tid('location-source')).textContent()).trim(), `from ${CITY}`);
    assert.equal((await detail.locator(tid('network')).textContent()).trim(), 'AS64511 BULLETPROOF-EXAMPLE hosting');
    assert.equal((await detail.locator(tid('network-source')).textContent()).trim(), `from ${ASN}`);
    assert.match(await detail.locator('dl.fields').textContent(), /Bucharest/);

    // Unloaded, the city database no longer answers (it put this address in
    // Singapore); the ASN file's registry country does.
    await cityCard.locator(tid('ipdb-remove')).click();
    await until(page, 'one IP database card', () => document.querySelectorAll('[data-testid="ipdb-card"]').length === 1);
    await runQuery(page, 'ip:203.0.113.206 country:RO');
    await page.locator(tid('row')).first().click();
    await until(page, 'the location source to name the ASN file',
      (name) => document.querySelector('[data-testid="location-source"]')?.textContent.trim() === `from ${name}`, ASN);
  });
});
