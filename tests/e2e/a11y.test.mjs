// Accessibility basics on the working page (sample loaded, an event open,
// the shortcut help shown): every control has a name a screen reader can
// say, the page has a language and a title, the first Tab stops are the top
// bar's controls in reading order, and text colours meet WCAG AA in both
// themes for the main surfaces.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSample, tid, useBrowser, withApp, TEST_TIMEOUT } from './harness.mjs';

const env = useBrowser();

/** Controls on screen that have no accessible name, described for the message. */
function unnamedControls() {
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const nameOf = (el) => {
    const labelled = (el.getAttribute('aria-labelledby') || '').split(/\s+/).map((id) => document.getElementById(id)?.textContent || '').join(' ');
    const labels = el.labels ? [...el.labels].map((l) => l.textContent).join(' ') : '';
    return [el.getAttribute('aria-label'), labelled, labels, el.tagName === 'SELECT' ? '' : el.textContent, el.getAttribute('title')]
      .map((t) => (t || '').trim()).find((t) => t.length > 0) || '';
  };
  const controls = document.querySelectorAll('button, input:not([type=hidden]), select, textarea, [role=button], a[href]');
  return [...controls].filter(visible).filter((el) => !nameOf(el)).map((el) => el.outerHTML.slice(0, 120));
}

/** WCAG contrast ratio of two CSS colours. */
function contrastOf([fg, bg]) {
  const rgb = (css) => css.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number);
  const lum = (c) => {
    const [r, g, b] = rgb(c).map((v) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}

/** Text and background colour of each main surface. */
function surfaceColours() {
  const pick = (selector) => {
    const el = document.querySelector(selector);
    if (!el) return null;
    let bgEl = el;
    let bg = getComputedStyle(bgEl).backgroundColor;
    while (bgEl && (bg === 'rgba(0, 0, 0, 0)' || bg === 'transparent')) {
      bgEl = bgEl.parentElement;
      bg = bgEl ? getComputedStyle(bgEl).backgroundColor : 'rgb(255, 255, 255)';
    }
    return [selector, getComputedStyle(el).color, bg];
  };
  return ['.tl-row .c-op', '.tl-row .c-time', '.detail .fields dd', '.step', '.findings-panel summary', '.topbar .brand', '.file-card']
    .map(pick).filter(Boolean);
}

test('controls are named, the page has a language, Tab starts in the top bar, text contrast passes in both themes', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
    assert.ok((await page.title()).length > 0);
    // Focus order: from the top of the page, Tab reaches the case name and
    // then the open-files button before anything below the top bar.
    const stops = [];
    for (let i = 0; i < 3; i += 1) {
      await page.keyboard.press('Tab');
      stops.push(await page.evaluate(() => document.activeElement?.getAttribute('data-testid') || document.activeElement?.tagName));
    }
    assert.deepEqual(stops, ['case-name', 'open-files', 'open-folder']);

    await loadSample(page);
    await page.locator(tid('row')).first().click();
    await page.locator(tid('detail')).waitFor();
    await page.locator(`${tid('findings')} ${tid('finding-why')}`).first().click();
    assert.deepEqual(await page.evaluate(unnamedControls), [], 'controls without an accessible name');
    await page.keyboard.press('Escape');
    await page.keyboard.press('?');
    await page.locator(tid('shortcuts')).waitFor();
    assert.deepEqual(await page.evaluate(unnamedControls), [], 'controls without an accessible name (help open)');
    await page.keyboard.press('Escape');

    for (const theme of ['light', 'dark']) {
      await page.evaluate((th) => { document.documentElement.dataset.theme = th; }, theme);
      await page.locator(tid('row')).first().click();
      const surfaces = await page.evaluate(surfaceColours);
      assert.ok(surfaces.length >= 5, `found ${surfaces.length} surfaces`);
      for (const [selector, fg, bg] of surfaces) {
        const ratio = contrastOf([fg, bg]);
        assert.ok(ratio >= 4.5, `${theme}: ${selector} ${fg} on ${bg} is ${ratio.toFixed(2)}:1`);
      }
    }
  });
});
