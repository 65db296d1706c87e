// The bundled sample incident: it loads completely from the page's own
// origin, and the virtual timeline keeps the DOM small while scrolling.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  artifactsDir, loadSample, numbersIn, repoRoot, tid, until, useBrowser, waitForFilesLoaded, withApp, TEST_TIMEOUT, loadAdminScenario,
} from './harness.mjs';

const env = useBrowser();
const ROW_HEIGHT = 28;

test('load sample: every file loads with no rejected rows and no outside request', { timeout: TEST_TIMEOUT }, async (t) => {
  const watch = await withApp(env, t, async ({ page, origin }) => {
    const events = await loadSample(page);
    assert.ok(events > 1000, `event-count shows ${events}, expected more than 1000`);

    const cards = page.locator(tid('file-card'));
    assert.equal(await cards.count(), 6, 'one card per file in samples/manifest.json');
    for (const rows of await page.locator(`${tid('file-card')} ${tid('file-rows')}`).allTextContents()) {
      assert.match(rows, /\b0 rejected\b/, `file card says "${rows}"`);
      assert.ok(numbersIn(rows)[0] > 0, `file card says "${rows}": no rows kept`);
    }
    assert.equal(await page.locator('p.file-unreadable').count(), 0, 'no sample file is unreadable');

    // The screenshot shows a populated workbench.
    await page.locator(tid('row')).first().waitFor();
    await page.locator(`${tid('histogram')} rect.bar`).first().waitFor({ state: 'attached' });
    await mkdir(artifactsDir, { recursive: true });
    const shot = join(artifactsDir, 'sample.png');
    await page.screenshot({ path: shot });
    if (process.env.LOUPE_UPDATE_SCREENSHOT === '1') {
      await mkdir(join(repoRoot, 'docs'), { recursive: true });
      await copyFile(shot, join(repoRoot, 'docs/screenshot.png'));
    }
    void origin;
  });
  for (const file of ['samples/manifest.json', 'samples/ual_search.csv']) {
    assert.ok(watch.requests.some((u) => u.endsWith(file)), `the page fetched ${file}`);
  }
});

test('virtual timeline: few rows in the DOM, the last rows render after scrolling', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await loadSample(page);
    const [shown, total] = numbersIn(await page.locator(tid('match-count')).textContent());
    assert.ok(shown > 1000 && shown === total, `match-count says ${shown} of ${total}`);
    await page.locator(tid('row')).first().waitFor();
    const rowsInDom = await page.locator(tid('row')).count();
    assert.ok(rowsInDom > 0 && rowsInDom < 100, `${rowsInDom} rows in the DOM for ${shown} matches`);

    const spacerHeight = await page.locator('.tl-spacer').evaluate((el) => el.getBoundingClientRect().height);
    assert.equal(Math.round(spacerHeight), shown * ROW_HEIGHT, 'spacer is rows × 28 px');

    await page.locator('.tl-scroll').evaluate((el) => { el.scrollTop = el.scrollHeight; });
    // The last drawn row ends where the spacer ends: it is the last event.
    const lastDrawn = () => {
      const spacer = document.querySelector('.tl-spacer').getBoundingClientRect();
      const rows = document.querySelectorAll('[data-testid="row"]');
      const last = rows[rows.length - 1]?.getBoundingClientRect();
      return last && Math.abs(last.bottom - spacer.bottom) <= 1;
    };
    await until(page, 'the last row to be drawn at the end of the spacer', lastDrawn);

    // That last row is inside the scroll box, not merely in the DOM.
    const inView = await page.locator('.tl-scroll').evaluate((box) => {
      const rows = box.querySelectorAll('[data-testid="row"]');
      const b = box.getBoundingClientRect();
      const r = rows[rows.length - 1].getBoundingClientRect();
      return r.height === 28 && r.top >= b.top - 1 && r.bottom <= b.bottom + 1;
    });
    assert.ok(inView, 'the last row is visible inside .tl-scroll and 28 px high');
    assert.ok(await page.locator(tid('row')).count() < 100, 'still few rows in the DOM after scrolling');
  });
});

test('a scrolled timeline keeps its place when more rows arrive; a new query starts at the top', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await loadSample(page);
    await page.locator(tid('row')).first().waitFor();
    const scroller = page.locator('.tl-scroll');
    await scroller.evaluate((el) => { el.scrollTop = 100 * 28; });
    const before = numbersIn(await page.locator(tid('event-count')).textContent())[0];
    // More evidence arrives (rows change, the query does not).
    await page.locator(tid('file-input')).setInputFiles(join(repoRoot, 'tests/fixtures/signin_graph_page.json'));
    await until(page, 'the extra file to be loaded', (n) => {
      const text = document.querySelector('[data-testid="event-count"]')?.textContent || '';
      return Number(text.replace(/[^0-9]/g, '')) > n && ![...document.querySelectorAll('[data-testid="file-card"]')].some((c) => c.querySelector('progress'));
    }, before);
    assert.equal(await scroller.evaluate((el) => el.scrollTop), 100 * 28, 'the table stayed where the analyst had scrolled it');
    const input = page.locator(tid('query'));
    await input.fill('outcome:success');
    await input.press('Enter');
    await until(page, 'the new query to start at the top', () => document.querySelector('.tl-scroll').scrollTop === 0);
  });
});

test('the second training scenario loads from its own folder and names the case', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await loadAdminScenario(page);
  });
});
