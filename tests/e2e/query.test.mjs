// Filtering the timeline: query text, bad query, row detail, facet clicks.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSample, numbersIn, tid, until, useBrowser, withApp, TEST_TIMEOUT } from './harness.mjs';

const env = useBrowser();

/** Types `text` into the query box and presses Enter. */
async function runQuery(page, text) {
  const input = page.locator(tid('query'));
  await input.fill(text);
  await input.press('Enter');
}

async function matchCount(page) {
  return numbersIn(await page.locator(tid('match-count')).textContent());
}

/** Waits until match-count differs from `before` and returns the new [N, M]. */
async function waitForNewCount(page, before) {
  await until(page, `match-count to change from "${before}"`, (old) => {
    const el = document.querySelector('[data-testid="match-count"]');
    return el && el.textContent !== old;
  }, before);
  return matchCount(page);
}

async function rowOps(page) {
  return page.locator(`${tid('row')} .c-op`).allTextContents();
}

test('op: filter narrows the timeline; a malformed query is reported and keeps the rows', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await loadSample(page);
    const before = await page.locator(tid('match-count')).textContent();
    await runQuery(page, 'op:New-InboxRule');
    const [n, m] = await waitForNewCount(page, before);
    assert.ok(n >= 1 && n < m, `match-count "${n} of ${m}"`);
    await page.locator(tid('row')).first().waitFor();
    const ops = await rowOps(page);
    assert.equal(ops.length, Math.min(n, ops.length));
    assert.ok(ops.length >= 1);
    for (const op of ops) assert.equal(op.trim(), 'New-InboxRule');
    assert.equal(await page.locator(tid('query-error')).count(), 0, 'no query error for a good query');

    const rowsBefore = await page.locator(tid('row')).allTextContents();
    const countBefore = await page.locator(tid('match-count')).textContent();
    await runQuery(page, 'user:"oops');
    const error = page.locator(tid('query-error'));
    await error.waitFor({ state: 'visible' });
    assert.ok((await error.textContent()).trim().length > 0, 'the error says what is wrong');
    assert.deepEqual(await page.locator(tid('row')).allTextContents(), rowsBefore, 'previous rows kept');
    assert.equal(await page.locator(tid('match-count')).textContent(), countBefore);
  });
});

test('row detail shows the original record as text', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await loadSample(page);
    const before = await page.locator(tid('match-count')).textContent();
    await runQuery(page, 'op:New-InboxRule');
    await waitForNewCount(page, before);
    const row = page.locator(tid('row')).first();
    await row.click();
    const detail = page.locator(tid('detail'));
    await detail.waitFor({ state: 'visible' });
    await until(page, 'the clicked row to be selected', () =>
      document.querySelectorAll('[data-testid="row"].selected').length === 1);

    const raw = page.locator(tid('raw-record'));
    const text = await raw.textContent();
    assert.match(text, /"Operation"/);
    assert.match(text, /New-InboxRule/);
    assert.doesNotThrow(() => JSON.parse(text), 'raw-record holds JSON');
    const shape = await raw.evaluate((el) => ({ tag: el.tagName, children: el.childElementCount }));
    assert.deepEqual(shape, { tag: 'PRE', children: 0 }, 'raw record is plain text in a <pre>');
    assert.ok(await page.locator(`${tid('detail')} dl.fields dt`).count() > 0, 'normalised fields listed');

    await page.locator(`${tid('detail')} button.close`).click();
    await detail.waitFor({ state: 'hidden' });
  });
});

test('facet click adds an op: term and narrows the timeline', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await loadSample(page);
    const [total] = await matchCount(page);
    const before = await page.locator(tid('match-count')).textContent();
    const value = page.locator(`${tid('facet-operation')} button.facet-value`).first();
    await value.click();
    const [n, m] = await waitForNewCount(page, before);
    assert.match(await page.locator(tid('query')).inputValue(), /op:/);
    assert.ok(n >= 1 && n < total, `match-count "${n} of ${m}" after the facet click (was ${total})`);

    // The same value clicked again takes its term out.
    const narrowed = await page.locator(tid('match-count')).textContent();
    await page.locator(`${tid('facet-operation')} button.facet-value`).first().click();
    const [back] = await waitForNewCount(page, narrowed);
    assert.equal(back, total);
    assert.doesNotMatch(await page.locator(tid('query')).inputValue(), /op:/);
  });
});

test('a histogram drag sets a time range and "Whole range" takes it out', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await loadSample(page);
    const [total] = await matchCount(page);
    const unfiltered = await page.locator(tid('match-count')).textContent();
    await runQuery(page, 'source:ual');
    const [ual] = await waitForNewCount(page, unfiltered);
    assert.ok(ual > 0 && ual < total, `${ual} UAL events of ${total}`);
    assert.equal(await page.locator(tid('whole-range')).count(), 0, 'no time range yet');

    const box = await page.locator(tid('histogram')).boundingBox();
    const before = await page.locator(tid('match-count')).textContent();
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 4 });
    await page.mouse.up();
    const [narrowed] = await waitForNewCount(page, before);
    assert.ok(narrowed > 0 && narrowed < ual, `${narrowed} of ${ual} UAL events in the span`);
    assert.match(await page.locator(tid('query')).inputValue(), /^source:ual time:\S+\.\.\S+$/);

    const during = await page.locator(tid('match-count')).textContent();
    await page.locator(tid('whole-range')).click();
    assert.deepEqual((await waitForNewCount(page, during))[0], ual);
    assert.equal(await page.locator(tid('query')).inputValue(), 'source:ual', 'other terms kept');
    assert.equal(await page.locator(tid('whole-range')).count(), 0);
  });
});
