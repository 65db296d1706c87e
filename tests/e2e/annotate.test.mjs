// Marks on events and findings, the incident report, keyboard shortcuts and
// the theme: an analyst tags the attacker's inbox rule, finds it again with
// the query language (also after reloading the evidence), judges findings,
// and downloads a report that carries all of it with hostile text escaped.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { listsDrawn, artifactsDir, exportFromMenu, loadSample, numbersIn, tid, until, useBrowser, withApp, TEST_TIMEOUT } from './harness.mjs';

const env = useBrowser();
const HOSTILE_NOTE = '<img src=x onerror=alert(1)> =HYPERLINK("http://evil.example") | sends CFO mail out';

async function runQuery(page, text) {
  const input = page.locator(tid('query'));
  await input.fill(text);
  await input.press('Enter');
  await until(page, `the query "${text}" applied`, (q) => {
    const el = document.querySelector('[data-testid="query"]');
    return el && el.value === q && !document.querySelector('[data-testid="query-error"]');
  }, text);
}

async function matches(page, text) {
  await runQuery(page, text);
  // The count line follows the applied query in the same render.
  await page.waitForTimeout(150);
  return numbersIn(await page.locator(tid('match-count')).textContent())[0];
}

async function saveDownload(page, button) {
  const download = await exportFromMenu(page, button);
  await mkdir(artifactsDir, { recursive: true });
  const file = join(artifactsDir, download.suggestedFilename());
  await download.saveAs(file);
  return { name: download.suggestedFilename(), text: await readFile(file, 'utf8') };
}

test('tag, bookmark and annotate an event; find it by tag:, bookmarked and note:, also after the evidence is loaded again', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await loadSample(page);
    await runQuery(page, 'op:New-InboxRule user:priya.raman');
    await page.locator(tid('row')).first().click();
    await page.locator(tid('annotate')).waitFor();
    await page.locator(tid('tag-malicious')).click();
    await until(page, 'malicious pressed', () => document.querySelector('[data-testid="tag-malicious"]')?.getAttribute('aria-pressed') === 'true');
    await page.locator(tid('bookmark')).click();
    await page.locator(tid('tag-input')).fill('Exfil rule');
    await page.locator(tid('tag-input')).press('Enter');
    await page.locator(tid('tag-chip'), { hasText: 'exfil-rule' }).waitFor();
    await page.locator(tid('event-note')).fill(HOSTILE_NOTE);
    await page.locator(tid('event-note')).blur();
    // The row shows its marks.
    await page.locator(`${tid('row')} ${tid('row-mark')} .tag-malicious`).first().waitFor();

    assert.equal(await matches(page, 'tag:malicious'), 1);
    assert.equal(await matches(page, 'bookmarked'), 1);
    assert.equal(await matches(page, 'tag:exfil-rule'), 1);
    assert.equal(await matches(page, 'note:"cfo mail"'), 1);
    // Malicious and benign exclude each other.
    await page.locator(tid('row')).first().click();
    await page.locator(tid('tag-benign')).click();
    assert.equal(await matches(page, 'tag:malicious'), 0);
    assert.equal(await matches(page, 'tag:benign'), 1);
    await page.locator(tid('row')).first().click();
    await page.locator(tid('tag-malicious')).click();

    // Reload: the case is kept in the browser, the evidence is not; attached
    // again, the marks find their event by file hash and position.
    await page.reload();
    await page.locator('.app').waitFor();
    await loadSample(page);
    assert.equal(await matches(page, 'tag:malicious'), 1);
    const op = await page.locator(`${tid('row')} .c-op`).first().textContent();
    assert.equal(op, 'New-InboxRule');
  });
});

test('keyboard: / focuses the filter, j/k step rows, b/m mark the event, d closes a step, ? shows help', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await loadSample(page);
    await page.locator('body').click({ position: { x: 640, y: 790 } }).catch(() => {});
    await page.keyboard.press('Escape');
    await page.locator(tid('case-name')).focus();
    await page.locator(tid('case-name')).blur();
    await page.keyboard.press('/');
    await until(page, 'the filter focused', () => document.activeElement?.getAttribute('data-testid') === 'query');
    await page.keyboard.type('op:Set-InboxRule,New-InboxRule');
    await page.keyboard.press('Enter');
    await page.locator(tid('query')).blur();
    await page.keyboard.press('j');
    await page.locator(tid('detail')).waitFor();
    const first = await page.locator(`${tid('detail')} h2`).textContent();
    await page.keyboard.press('j');
    await until(page, 'the next event open', (f) => document.querySelector('[data-testid="detail"] h2')?.textContent !== f, first);
    await page.keyboard.press('k');
    await until(page, 'back to the first event', (f) => document.querySelector('[data-testid="detail"] h2')?.textContent === f, first);
    await page.keyboard.press('b');
    await page.keyboard.press('m');
    await until(page, 'bookmark and tag from the keyboard', () =>
      document.querySelector('[data-testid="bookmark"]')?.getAttribute('aria-pressed') === 'true'
      && document.querySelector('[data-testid="tag-malicious"]')?.getAttribute('aria-pressed') === 'true');
    await page.keyboard.press('d');
    await until(page, 'step 1 done', () => document.querySelector('[data-testid="step-status-1"]')?.value === 'done');
    await page.keyboard.press('?');
    await page.locator(tid('shortcuts')).waitFor();
    await page.keyboard.press('Escape');
    await page.locator(tid('shortcuts')).waitFor({ state: 'detached' });
    await page.keyboard.press('Escape');
    await page.locator(tid('detail')).waitFor({ state: 'detached' });
    // Typing in a field is never taken for a shortcut.
    await page.locator(tid('query')).fill('');
    await page.locator(tid('query')).type('bjmd');
    assert.equal(await page.locator(tid('query')).inputValue(), 'bjmd');
    assert.equal(await page.locator(tid('step-status-2')).inputValue(), 'not_started');
  });
});

test('confirm and dismiss findings, then the Markdown and HTML reports carry the work with hostile text escaped', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await loadSample(page);
    await page.locator(tid('case-name')).fill('IR <script>alert(1)</script>');
    await page.locator(tid('case-name')).press('Enter');
    await runQuery(page, 'op:New-InboxRule user:priya.raman');
    await page.locator(tid('row')).first().click();
    await page.locator(tid('tag-malicious')).click();
    await page.locator(tid('event-note')).fill(HOSTILE_NOTE);
    await page.locator(tid('event-note')).blur();
    await page.keyboard.press('Escape');

    const panel = page.locator(tid('findings'));
    const items = panel.locator('.finding-item');
    await items.first().waitFor();
    await listsDrawn(page);
    const before = await items.count();
    const confirmedTitle = await items.nth(0).locator('.title').textContent();
    await items.nth(0).locator(tid('finding-confirm')).click();
    await until(page, 'the first finding confirmed', () => document.querySelector('[data-testid="findings"] .finding-item')?.dataset.verdict === 'confirmed');
    const dismissedTitle = await items.nth(1).locator('.title').textContent();
    await items.nth(1).locator(tid('finding-dismiss')).click();
    await until(page, 'the dismissed finding hidden', (n) => document.querySelectorAll('[data-testid="findings"] .finding-item').length === n - 1, before);
    await panel.locator(tid('findings-show-dismissed')).check();
    await until(page, 'the dismissed finding shown on request', (n) => document.querySelectorAll('[data-testid="findings"] .finding-item').length === n, before);

    const md = await saveDownload(page, 'report-md');
    assert.match(md.name, /^loupe-report-.*\.md$/);
    for (const section of ['## Summary', '## Accounts involved', '## Timeline of tagged events', '## Findings by checklist step', '## Indicators', '## Configuration changes', '## Remediation actions', '## Checklist']) {
      assert.ok(md.text.includes(section), `markdown report lacks ${section}`);
    }
    const tagged = md.text.split('\n').find((l) => l.includes('New-InboxRule') && l.includes('malicious'));
    assert.ok(tagged, 'the tagged event is in the report timeline');
    assert.ok(tagged.includes('\\<img src=x onerror=alert(1)\\>'), tagged);
    assert.ok(md.text.split('\n').some((l) => l.includes('| Confirmed |') && l.includes(confirmedTitle.slice(0, 30).replace(/[.]/g, '.'))), 'confirmed finding listed');
    assert.ok(md.text.includes('| Dismissed |'), 'dismissed finding listed');
    assert.ok(!md.text.includes('<script>'), 'script tag in the markdown');

    const html = await saveDownload(page, 'report-html');
    assert.match(html.name, /^loupe-report-.*\.html$/);
    assert.ok(!/<script/i.test(html.text), 'script in the HTML report');
    assert.ok(!html.text.includes('<img'), 'evidence markup in the HTML report');
    assert.ok(html.text.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.ok(html.text.includes('IR &lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(html.text.includes(dismissedTitle.slice(0, 20).replace(/&/g, '&amp;')), 'dismissed finding in the HTML report');
    assert.ok(html.text.includes("default-src 'none'"), 'the report page forbids everything but its own style');
  });
});

test('theme: system, light, dark, and the choice survives a reload', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    const theme = () => page.evaluate(() => `${document.documentElement.dataset.themeChoice}:${document.documentElement.dataset.theme}`);
    // Headless Chromium reports a light system.
    assert.equal(await theme(), 'auto:light');
    await page.locator(tid('theme')).click();
    assert.equal(await theme(), 'light:light');
    await page.locator(tid('theme')).click();
    assert.equal(await theme(), 'dark:dark');
    await page.reload();
    await page.locator('.app').waitFor();
    assert.equal(await theme(), 'dark:dark');
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.notEqual(background, 'rgb(238, 240, 243)', 'the dark theme changes the page background');
  });
});

test('theme: following the system shows dark on a dark system', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.reload();
    await page.locator('.app').waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  });
});
