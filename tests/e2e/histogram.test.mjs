// The histogram on the training incident: bars stacked by log with a legend,
// finding markers that open their finding, the compromise window and the
// containment time on the time axis, and a log-scale switch.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listsDrawn, loadSample, numbersIn, tid, until, useBrowser, withApp, TEST_TIMEOUT } from './harness.mjs';

const env = useBrowser();

/** Height of every stacked bar (its segments added up), in chart units, left to right. */
function stackHeights() {
  return [...document.querySelectorAll('[data-testid="histogram"] g.stack')].map((g) =>
    [...g.querySelectorAll('rect.bar')].reduce((sum, r) => sum + Number(r.getAttribute('height')), 0));
}

/** Stacks whose segments leave a gap or overlap: each must start where the one below ends. */
function brokenStacks() {
  return [...document.querySelectorAll('[data-testid="histogram"] g.stack')].filter((g) => {
    const rects = [...g.querySelectorAll('rect.bar')].map((r) => ({ y: Number(r.getAttribute('y')), h: Number(r.getAttribute('height')) }));
    return rects.some((r, i) => i > 0 && Math.abs(rects[i - 1].y - (r.y + r.h)) > 1e-6);
  }).length;
}

test('the histogram tells the logs apart and marks findings, the window and containment', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await loadSample(page);
    const [total] = numbersIn(await page.locator(tid('match-count')).textContent());

    // Legend: one entry per log present, the counts adding up to the matches.
    const legend = page.locator(`${tid('histogram-legend')} li`);
    await legend.first().waitFor();
    const entries = await legend.allTextContents();
    assert.ok(entries.length >= 3, `legend: ${entries.join(' | ')}`);
    assert.ok(entries.some((e) => e.startsWith('Entra sign-in log')), entries.join(' | '));
    assert.ok(entries.some((e) => e.startsWith('Unified Audit Log')), entries.join(' | '));
    const inLegend = entries.reduce((sum, e) => sum + numbersIn(e).at(-1), 0);
    assert.equal(inLegend, total, `legend counts ${entries.join(' | ')} against ${total} matches`);
    const colours = await page.locator(`${tid('histogram-legend')} .swatch`).evaluateAll((els) => els.map((el) => getComputedStyle(el).backgroundColor));
    assert.equal(new Set(colours).size, colours.length, `each log its own colour: ${colours.join(', ')}`);
    assert.equal(await page.evaluate(brokenStacks), 0, 'segments stack without gaps');

    // The suggested context's compromise window is shaded, with its title.
    const shaded = page.locator(tid('histogram-window'));
    await shaded.waitFor({ state: 'attached' });
    assert.ok(Number(await shaded.getAttribute('width')) > 0);
    assert.match(await shaded.locator('title').textContent(), /^Compromise window: /);

    // Log scale: the tallest bar stays, the others grow, and segments still stack.
    const linear = await page.evaluate(stackHeights);
    await page.locator(tid('histogram-log')).check();
    await until(page, 'the bars to change height', (before) => {
      const now = [...document.querySelectorAll('[data-testid="histogram"] g.stack')].map((g) =>
        [...g.querySelectorAll('rect.bar')].reduce((sum, r) => sum + Number(r.getAttribute('height')), 0));
      return now.length === before.length && now.some((h, i) => Math.abs(h - before[i]) > 0.01);
    }, linear);
    const log = await page.evaluate(stackHeights);
    assert.ok(Math.abs(Math.max(...log) - Math.max(...linear)) < 1e-6, 'the tallest bar keeps its height');
    assert.ok(log.every((h, i) => h >= linear[i] - 1e-6), 'no bar shrinks on the log scale');
    assert.ok(log.some((h, i) => h > linear[i] + 1), 'smaller bars grow on the log scale');
    assert.equal(await page.evaluate(brokenStacks), 0, 'segments stack without gaps on the log scale');
    await page.locator(tid('histogram-log')).uncheck();
    await until(page, 'the linear heights back', (before) => {
      const now = [...document.querySelectorAll('[data-testid="histogram"] g.stack')].map((g) =>
        [...g.querySelectorAll('rect.bar')].reduce((sum, r) => sum + Number(r.getAttribute('height')), 0));
      return now.length === before.length && now.every((h, i) => Math.abs(h - before[i]) < 1e-6);
    }, linear);

    // Containment, once the analyst sets it, is a line with its title.
    assert.equal(await page.locator(tid('histogram-containment')).count(), 0, 'no containment time yet');
    const windowEnd = await page.locator(tid('window-end')).inputValue();
    assert.ok(windowEnd, 'the suggested window has an end');
    await page.locator(tid('containment')).fill(windowEnd);
    await page.locator(tid('containment')).dispatchEvent('change');
    const line = page.locator(tid('histogram-containment'));
    await line.waitFor({ state: 'attached' });
    assert.match(await line.locator('title').textContent(), /^Containment \(sessions revoked\): /);

    // Finding markers, once the analysis is done; choosing one applies its query.
    await until(page, 'the analysis finished', () => !document.querySelector('[data-testid="findings-analysing"]'));
    const markers = page.locator(tid('histogram-finding'));
    await markers.first().waitFor();
    // A marker stands for the most severe finding of its column of the
    // chart, and says how many others share it (" · 2 more here").
    const alone = (label) => label.replace(/ · \d+ more here$/, '');
    const labels = await markers.evaluateAll((els) => els.map((el) => el.querySelector('title').textContent));
    assert.ok(labels.every((l) => /^(Critical|High|Medium|Low|Info): .+ \(.+\)( · \d+ more here)?$/.test(l)), labels.join(' | '));
    // A marker of a finding the findings list shows (medium or above), one of a kind on the chart.
    // Markers of findings close in time overlap; the most severe is drawn on top.
    const onTop = await markers.evaluateAll((els) => els.map((el) => {
      const r = el.getBoundingClientRect();
      return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)?.closest('[data-testid="histogram-finding"]') === el;
    }));
    const notable = labels.filter((l, i) => onTop[i] && /^(Critical|High|Medium): /.test(l) && labels.indexOf(l) === labels.lastIndexOf(l));
    assert.ok(notable.length > 0, `a medium or higher finding marked alone: ${labels.join(' | ')}`);
    const chosen = notable[0];
    const [, title, when] = /^\w+: (.+) \((.+)\)$/.exec(alone(chosen));
    const before = await page.locator(tid('query')).inputValue();
    await markers.nth(labels.indexOf(chosen)).click();
    await until(page, 'the query to change', (old) => document.querySelector('[data-testid="query"]').value !== old, before);
    const applied = await page.locator(tid('query')).inputValue();
    await until(page, 'the matches to be the finding\'s', (all) => {
      const n = Number((document.querySelector('[data-testid="match-count"]').textContent.match(/\d[\d,]*/) || ['0'])[0].replace(/,/g, ''));
      return n > 0 && n < all;
    }, total);
    // The same query as opening the finding from the findings list: the
    // marker's click was not taken for a drag across the chart.
    await listsDrawn(page);
    const inList = await page.locator(tid('finding')).evaluateAll((els, [t, w]) =>
      els.map((el, i) => (el.querySelector('.title')?.textContent === t && el.querySelector('.when')?.textContent === w ? i : -1)).filter((i) => i >= 0), [title, when]);
    assert.ok(inList.length >= 1, `"${title}" at ${when} in the findings list`);
    await page.locator(tid('query')).fill('');
    await page.locator(tid('query')).press('Enter');
    await until(page, 'the query cleared', () => document.querySelector('[data-testid="query"]').value === '');
    await page.locator(tid('finding')).nth(inList[0]).click();
    await until(page, 'the finding\'s query from the list', (q) => document.querySelector('[data-testid="query"]').value === q, applied);
    // Its evidence is in the results, so its own marker is still on the chart.
    await until(page, 'the chosen finding\'s marker on the narrowed chart', (label) =>
      [...document.querySelectorAll('[data-testid="histogram-finding"] title')].some((el) => el.textContent.replace(/ · \d+ more here$/, '') === label), alone(chosen));
  });
});
