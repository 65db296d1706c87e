// Evidence is untrusted text: markup in a record or a file name is shown as
// characters, never parsed into elements, and never fetches anything.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, tid, waitForFilesLoaded, useBrowser, withApp, TEST_TIMEOUT } from './harness.mjs';

const env = useBrowser();
// Would fetch from another origin and set a flag if it ever became an element.
const MARKUP = '<img src=https://evil.example/x onerror=window.__pwned=1>';

test('markup in evidence and file names is rendered as text', { timeout: TEST_TIMEOUT }, async (t) => {
  const tmp = await mkdtemp(join(tmpdir(), 'loupe-e2e-'));
  try {
    // The UAL fixture with markup appended to the user in every record
    // (UserIds column and the AuditData JSON alike).
    const fixture = await readFile(join(repoRoot, 'tests/fixtures/ual_search_export.csv'), 'utf8');
    // A file name cannot hold '/', so it gets a shorter tag.
    const hostile = join(tmp, '<img src=x onerror=window.__pwned=2>.csv');
    await writeFile(hostile, fixture.replaceAll('victim@contoso.com', `victim@contoso.com${MARKUP}`));

    await withApp(env, t, async ({ page }) => {
      await page.locator(tid('file-input')).setInputFiles([hostile]);
      await waitForFilesLoaded(page, 1);
      assert.match(await page.locator(`${tid('file-card')} .file-name`).textContent(), /<img src=/);

      await page.locator(tid('row')).first().waitFor();
      const actors = await page.locator(`${tid('row')} .c-actor`).allTextContents();
      assert.ok(actors.some((a) => a.includes(MARKUP)), `actor cells show the markup as text: ${actors}`);
      await page.locator(tid('row')).first().click();
      await page.locator(tid('raw-record')).waitFor();
      assert.ok((await page.locator(tid('raw-record')).textContent()).includes('<img src='));
      assert.ok((await page.locator(`${tid('detail')} dl.fields`).textContent()).includes(MARKUP));

      assert.equal(await page.locator('.app img').count(), 0, 'no <img> element came from evidence');
      assert.equal(await page.evaluate(() => window.__pwned), undefined);
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});
