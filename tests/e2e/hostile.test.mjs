// Hostile strings in evidence, on one loaded case, through every view and
// every export: markup never becomes an element or runs (a sentinel it would
// set stays unset), spreadsheet formulas arrive as text, bidirectional
// overrides are shown as visible markers (⟨RLO⟩) and reorder nothing on
// screen or in a report while exports keep them, and a 100 KB token is kept
// whole. Then a record reusing an id with other content, counted on its card.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { distDir, exportFromMenu, repoRoot, tid, until, useBrowser, waitForFilesLoaded, withApp, TEST_TIMEOUT } from './harness.mjs';

const env = useBrowser();

const VICTIM = 'priya.raman@larkspurfreight.example';
// Each would set window.__pwned if it ever became an element or ran.
const IMG = '<img src=x onerror=window.__pwned=1>';
const HOSTILE_USER = `${VICTIM}${IMG}`;
const SCRIPT = '<script>window.__pwned=2</script>';
const FORMULA = '=HYPERLINK("http://evil.example","x")';
const HOSTILE_AGENT = `${FORMULA}${SCRIPT}`;
const RLO = '\u202e';
const HOSTILE_CITY = `<svg onload=window.__pwned=3>Frankfurt${RLO}niaM`;
const HOSTILE_APP = `PDF SecureView Pro${RLO}fdp.exe`;
const LONG_TOKEN = `hostile-long-${'A'.repeat(100_000)}`;
const SUBJECT_FORMULA = `${FORMULA} hostile-subject +cmd|' /C calc'!A0 ${RLO}exe.pdf`;
const SUBJECT_AT = "@SUM(1+1)*cmd|' /C calc'!A0 hostile-subject";
const SUBJECT_TAB = '\t=1+1 hostile-subject';
// Readers trim a field's edges, so the tab goes at ingest and the '@' is what
// the export must guard.
const TAB_TARGET = `\t@PDF SecureView Pro${RLO}fdp.exe`;
const RECIPIENT_TAB = '\t=1+1@evil.example';
const IP_MINUS = '-2+3';
const IP_PLUS = '+cmd|calc';
const NOTE = `${IMG} ${FORMULA} -2+3 @SUM(1) ${RLO}txt.exe`;
const CASE_NAME = `IR ${SCRIPT} ${RLO}gnp.exe`;
// How the app shows evidence text: each bidirectional formatting character
// as a visible marker (src/model/bidi.rs), so nothing reorders on screen.
const shown = (value) => value.replaceAll(RLO, '⟨RLO⟩');
// Any bidirectional formatting character (U+202A–E, U+2066–9, U+200E/F, U+061C).
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/;

const csvField = (v) => `"${v.replaceAll('"', '""')}"`;

/** The default training incident's files with hostile values put in. */
async function hostileFiles(dir) {
  const samples = join(distDir, 'samples');
  const read = (name) => readFile(join(samples, name), 'utf8');
  const everywhere = (text) => text.replaceAll(VICTIM, HOSTILE_USER).replaceAll('PDF SecureView Pro', HOSTILE_APP);
  const signins = everywhere(await read('signins_interactive.csv'))
    .replaceAll(',python-requests/2.31.0,', `,${csvField(HOSTILE_AGENT)},`)
    .replaceAll('"Frankfurt am Main, Hessen, DE"', csvField(`${HOSTILE_CITY}, Hessen, DE`));
  const trace = everywhere(await read('message_trace.csv'));
  const row = (time, recipient, subject, fromIp, n) =>
    [time, HOSTILE_USER, recipient, subject, 'Delivered', '', fromIp, '1234', `<hostile-${n}@evil.example>`, `11111111-2222-4333-8444-00000000000${n}`].map(csvField).join(',');
  const extra = [
    row('3/3/2026 11:59:00 PM', "@SUM(1+1)*cmd|' /C calc'!A0@evil.example", SUBJECT_FORMULA, IP_MINUS, 1),
    row('3/3/2026 11:59:01 PM', '-2+3@evil.example', `hostile-subject ${LONG_TOKEN}`, IP_PLUS, 2),
    row('3/3/2026 11:59:02 PM', 'a@evil.example', SUBJECT_AT, '=1+1', 3),
    row('3/3/2026 11:59:03 PM', RECIPIENT_TAB, SUBJECT_TAB, '198.51.100.9', 4),
  ].join('\r\n');
  const files = {
    'signins_interactive.csv': signins,
    'audit_graph.json': everywhere(await read('audit_graph.json')).replaceAll(`"displayName":"${HOSTILE_APP}"`, `"displayName":${JSON.stringify(TAB_TARGET)}`),
    'ual_search.csv': everywhere(await read('ual_search.csv')),
    // A file name cannot hold '/'.
    [`trace ${IMG.replace('=1', '=4')}.csv`]: `${trace.replace(/\r?\n$/, '')}\r\n${extra}\r\n`,
  };
  const paths = [];
  for (const [name, text] of Object.entries(files)) {
    const path = join(dir, name);
    await writeFile(path, text);
    paths.push(path);
  }
  return paths;
}

/** RFC 4180 cells of a CSV text (BOM dropped). */
function csvCells(text) {
  const cells = [];
  let cell = '', quoted = false;
  const s = text.replace(/^\ufeff/, '');
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',' || c === '\n') { cells.push(cell); cell = ''; } else if (c === '\r' && s[i + 1] === '\n') { /* row end follows */ } else cell += c;
  }
  if (cell) cells.push(cell);
  return cells;
}

function assertSpreadsheetSafe(text, what) {
  const cells = csvCells(text);
  const risky = cells.filter((c) => /^[=+\-@\t\r]/.test(c));
  assert.deepEqual(risky.map((c) => c.slice(0, 60)), [], `${what}: no cell starts a formula`);
}

/** No element the evidence could have made, and the sentinel unset. */
async function assertInert(page, where) {
  const found = await page.evaluate(() => ({
    pwned: window.__pwned,
    elements: [...document.querySelectorAll('img, script:not([src]), iframe, object, embed, foreignObject')].map((e) => e.outerHTML.slice(0, 80)),
    handlers: [...document.querySelectorAll('*')].flatMap((e) => [...e.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${e.tagName} ${a.name}`)),
  }));
  assert.equal(found.pwned, undefined, `${where}: nothing from the evidence ran`);
  assert.deepEqual(found.elements, [], `${where}: no element from the evidence`);
  assert.deepEqual(found.handlers, [], `${where}: no inline event handler`);
}

async function text(page, selector) {
  return page.locator(selector).evaluateAll((els) => els.map((e) => e.textContent + ' ' + [...e.querySelectorAll('[title]')].map((t) => t.getAttribute('title')).join(' ')).join(' '));
}

async function download(page, testid) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.locator(tid(testid)).click()]);
  return { name: file.suggestedFilename(), path: await file.path() };
}

const rows0 = (page) => page.locator(tid('row')).first();

async function applyQuery(page, query) {
  await page.locator(tid('query')).fill(query);
  await page.locator(tid('query')).press('Enter');
  await until(page, `the query ${query}`, (q) => document.querySelector('[data-testid="query"]').value === q, query);
}

test('hostile strings stay inert and readable in every view, export and report', { timeout: TEST_TIMEOUT * 2 }, async (t) => {
  const tmp = await mkdtemp(join(tmpdir(), 'loupe-e2e-'));
  try {
    const paths = await hostileFiles(tmp);
    await withApp(env, t, async ({ page }) => {
      await page.locator(tid('file-input')).setInputFiles(paths);
      await waitForFilesLoaded(page, 4);
      const cards = await text(page, tid('file-card'));
      assert.ok(cards.includes(`trace ${IMG.replace('=1', '=4')}.csv`), 'the hostile file name is shown as text');

      // Timeline and facets.
      await page.locator(tid('row')).first().waitFor();
      await applyQuery(page, `user:"${HOSTILE_USER}"`);
      const actors = await page.locator(`${tid('row')} .c-actor`).allTextContents();
      assert.ok(actors.includes(HOSTILE_USER), `actor cells show the account as text: ${actors.slice(0, 3)}`);
      const facets = await text(page, '.facets');
      assert.ok(facets.includes(HOSTILE_USER), 'the user facet lists the hostile account as text');
      await applyQuery(page, 'SecureView');
      // The app's name that hides its extension shows the override as a marker.
      await until(page, 'the consented app\'s rows', (app) => [...document.querySelectorAll('[data-testid="row"] .c-app')].some((c) => c.textContent === app), shown(HOSTILE_APP));
      const timelineText = await text(page, '.timeline, .facets');
      assert.ok(!BIDI.test(timelineText), 'no override character is left in the timeline or facets');
      await assertInert(page, 'timeline and facets');

      // The tenant configuration view lists the apps the audit log names.
      await page.locator(`${tid('config')} > summary`).click();
      await until(page, 'an app with its override shown as a marker', () => [...document.querySelectorAll('[data-testid="app-row"]')].some((r) => r.textContent.includes('⟨RLO⟩')));
      assert.ok(!BIDI.test(await text(page, tid('config'))), 'no override character is left in the configuration view');
      await page.locator(`${tid('config')} > summary`).click();

      // Findings name the hostile account, as text.
      await page.locator(tid('finding')).first().waitFor();
      const findings = await text(page, tid('findings'));
      assert.ok(findings.includes(HOSTILE_USER), 'a finding names the hostile account');

      // Story of the suspect (the suggested context accepted).
      await until(page, 'the hostile account suggested', (u) => (document.querySelector('[data-testid="context-suspects"]')?.textContent || '').includes(u), HOSTILE_USER);
      await page.locator(tid('accept-context')).click();
      await page.locator('.context .badge.confirmed').waitFor();
      await page.locator(`${tid('story')} > summary`).click();
      await page.locator(`${tid('story')} .story-suspect svg`).first().waitFor();
      assert.ok((await text(page, tid('story'))).includes(HOSTILE_USER), 'the story names the hostile account');

      // Map: the hostile city is a place's name, shown as text.
      await applyQuery(page, '');
      await page.locator(`${tid('map-panel')} > summary`).click();
      await page.locator(tid('map')).waitFor();
      await until(page, 'map points', () => document.querySelectorAll('[data-testid="map-point"]').length > 0);
      const map = await page.locator(tid('map-panel')).evaluate((m) => m.textContent);
      // Without an IP database the map places sign-ins by country; the accounts it lists are text.
      assert.ok(map.includes(HOSTILE_USER), `the map lists the hostile account: ${map.slice(0, 300)}`);
      await assertInert(page, 'findings, story and map');

      // A sign-in from the hostile city and with the hostile user agent.
      await applyQuery(page, 'source:signin ip:203.0.113.61');
      await rows0(page).click();
      await page.locator(tid('raw-record')).waitFor();
      const signin = await page.locator(tid('detail')).evaluate((d) => d.textContent);
      assert.ok(signin.includes(shown(HOSTILE_CITY)), 'the detail pane shows the hostile city as text, its override as a marker');
      assert.ok(!BIDI.test(signin), 'no override character is left in the detail pane');
      assert.ok(signin.includes(FORMULA) && signin.includes(SCRIPT), 'the detail pane shows the hostile user agent as text');

      // Detail pane of each hostile message: every value readable, the long token whole.
      await applyQuery(page, 'hostile-subject');
      await until(page, 'the four hostile messages', () => /^4 of/.test(document.querySelector('[data-testid="match-count"]').textContent));
      const rows = page.locator(tid('row'));
      for (let i = 0; i < 4; i++) {
        await rows.nth(i).click();
        await page.locator(tid('raw-record')).waitFor();
        const detail = await page.locator(tid('detail')).evaluate((d) => d.textContent);
        assert.ok(detail.includes(HOSTILE_USER), 'the detail pane shows the sender as text');
        // A CSV reader trims a field's edges, so the tab before "=1+1" is not kept.
        assert.ok([shown(SUBJECT_FORMULA), LONG_TOKEN, SUBJECT_AT, SUBJECT_TAB.trim()].some((s) => detail.includes(s)), `the detail pane shows the subject: ${JSON.stringify(detail.slice(detail.indexOf("Subject") - 20, detail.indexOf("Subject") + 80))}`);
      }
      // Bookmark, tag and note the formula message; name the case hostilely.
      await rows.first().click();
      await page.locator(tid('bookmark')).click();
      await page.locator(tid('tag-input')).fill(`${IMG}tag`);
      await page.locator(tid('tag-input')).press('Enter');
      await page.locator(tid('event-note')).fill(NOTE);
      await page.locator(tid('event-note')).blur();
      await page.locator(tid('case-name')).fill(CASE_NAME);
      await page.locator(tid('case-name')).press('Enter');
      await until(page, 'the note saved', (n) => (localStorage.getItem('loupe.case') || '').includes(JSON.stringify(n).slice(1, -1)), NOTE);
      assert.equal(await page.locator(tid('event-note')).inputValue(), NOTE);
      await assertInert(page, 'detail, marks and notes');

      // Timeline exports of the hostile messages: formulas guarded, values whole.
      const csv = await readFile((await download(page, 'export-csv')).path, 'utf8');
      assertSpreadsheetSafe(csv, 'timeline CSV');
      const cells = csvCells(csv);
      // Columns hold the value behind an apostrophe; the attributes cell holds it as JSON.
      const inCsv = (value) => cells.some((c) => c === `'${value}` || c.includes(JSON.stringify(value).slice(1, -1)));
      for (const value of [SUBJECT_FORMULA, SUBJECT_AT, SUBJECT_TAB.trim(), IP_MINUS, IP_PLUS, '=1+1', RECIPIENT_TAB.trim(), HOSTILE_USER]) {
        assert.ok(inCsv(value), `${JSON.stringify(value)} is in the CSV, guarded`);
      }
      assert.ok(cells.some((c) => c.includes(LONG_TOKEN)), 'the 100 KB token is whole');
      // The consented app's records: a target that started with a tab and '@'.
      await applyQuery(page, 'SecureView');
      const appCsv = await readFile((await download(page, 'export-csv')).path, 'utf8');
      assertSpreadsheetSafe(appCsv, 'timeline CSV of the app');
      assert.ok(csvCells(appCsv).includes(`'${TAB_TARGET.trim()}`), 'the app\'s name is in the CSV, guarded, its override kept');
      await applyQuery(page, 'hostile-subject');
      const jsonl = (await readFile((await download(page, 'export-jsonl')).path, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
      assert.equal(jsonl.length, 4);
      const jsonText = JSON.stringify(jsonl);
      for (const value of [SUBJECT_FORMULA, SUBJECT_AT, SUBJECT_TAB.trim(), IP_MINUS, HOSTILE_USER, LONG_TOKEN]) {
        assert.ok(jsonText.includes(JSON.stringify(value).slice(1, -1)), `${value.slice(0, 40)} kept verbatim in JSON lines`);
      }

      // Indicators: a formula-shaped address marked as an indicator.
      await page.locator(tid('add-indicator')).fill(IP_MINUS);
      await page.locator(tid('add-indicator')).press('Enter');
      await until(page, 'the indicator listed', (v) => (document.querySelector('[data-testid="indicators"]')?.textContent || '').includes(v), IP_MINUS);
      const iocCsv = await readFile((await download(page, 'export-indicators-csv')).path, 'utf8');
      assertSpreadsheetSafe(iocCsv, 'indicator CSV');
      assert.ok(csvCells(iocCsv).some((c) => c.includes(HOSTILE_USER)), 'the suspect account is in the indicator CSV');
      const stix = await readFile((await download(page, 'export-indicators-stix')).path, 'utf8');
      assert.ok(JSON.parse(stix).objects.some((o) => (o.pattern || '').includes(HOSTILE_USER)), 'STIX quotes the hostile account');

      // Case file: everything verbatim.
      const caseFile = await readFile(await (await exportFromMenu(page, 'export-case')).path(), 'utf8');
      const saved = JSON.parse(caseFile).case;
      assert.equal(saved.name, CASE_NAME);
      assert.ok(JSON.stringify(saved).includes(JSON.stringify(NOTE).slice(1, -1)), 'the note is verbatim in the case file');

      // Markdown report: markup escaped, values readable.
      const md = await readFile(await (await exportFromMenu(page, 'report-md')).path(), 'utf8');
      const rawTags = md.split('\n').filter((l) => /(^|[^\\])<(img|script|svg)/i.test(l));
      assert.deepEqual(rawTags.map((l) => l.slice(0, 120)), [], 'every < in the Markdown report is escaped');
      assert.ok(md.includes('\\<img src=x onerror=window.\\_\\_pwned=1\\>'), 'the account\'s markup is escaped, still readable');
      assert.ok(md.includes('⟨RLO⟩') && !BIDI.test(md), 'override characters are shown as markers in the Markdown report');

      // HTML report: opened as a page, nothing runs and the text is there.
      const htmlPath = await (await exportFromMenu(page, 'report-html')).path();
      const html = await readFile(htmlPath, 'utf8');
      assert.ok(!/<img|<script|<svg onload/i.test(html), 'no raw markup in the HTML report');
      assert.ok(html.includes('&lt;img src=x onerror=window.__pwned=1&gt;'));
      const reportFile = join(tmp, 'report.html');
      await writeFile(reportFile, html);
      // Its own context: the app's context counts requests outside its origin.
      const reportContext = await env.browser.newContext();
      const report = await reportContext.newPage();
      const reportErrors = [];
      report.on('pageerror', (e) => reportErrors.push(e.message));
      report.on('console', (m) => { if (m.type() === 'error') reportErrors.push(m.text()); });
      await report.goto(pathToFileURL(reportFile).href, { waitUntil: 'load' });
      await assertInert(report, 'the HTML report');
      const reportText = await report.evaluate(() => document.body.textContent);
      assert.ok(reportText.includes(HOSTILE_USER), 'the report reads the hostile account as text');
      assert.ok(reportText.includes(shown(CASE_NAME)), 'the report reads the case name as text, its override as a marker');
      assert.ok(reportText.includes(shown(HOSTILE_APP)) && !BIDI.test(html), 'the HTML report shows the app\'s override as a marker');
      await reportContext.close();
      assert.deepEqual(reportErrors, [], 'the report page logged no error (nothing tried to run)');

      // Case + evidence bundle: the case inside is verbatim, the evidence byte for byte.
      const bundlePath = await (await exportFromMenu(page, 'export-bundle')).path();
      const listing = execFileSync('unzip', ['-Z1', bundlePath], { encoding: 'utf8' }).split('\n').filter(Boolean);
      const caseEntry = listing.find((n) => n.endsWith('.json') && !n.includes('/'));
      assert.ok(caseEntry, `a case entry in ${listing}`);
      const bundled = JSON.parse(execFileSync('unzip', ['-p', bundlePath, caseEntry], { encoding: 'utf8', maxBuffer: 64 << 20 }));
      assert.equal(bundled.case.name, CASE_NAME);
      const traceEntry = listing.find((n) => n.includes('trace'));
      assert.ok(traceEntry, `the hostile-named file is in the bundle: ${listing}`);
      const bundledTrace = execFileSync('unzip', ['-p', bundlePath, traceEntry], { encoding: 'utf8', maxBuffer: 64 << 20 });
      assert.ok(bundledTrace.includes(LONG_TOKEN) && bundledTrace.includes(csvField(SUBJECT_FORMULA)), 'the evidence is bundled unchanged');

      await assertInert(page, 'after every export');
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});

test('a record reusing an id with other content is kept and counted on its file card', { timeout: TEST_TIMEOUT }, async (t) => {
  // One record, an edited copy under its id, a copy of each, another record
  // (scripts/make_bad_fixtures.py).
  const file = join(repoRoot, 'tests/fixtures/bad/dup_ual_edited_copy_under_same_id.csv');
  await withApp(env, t, async ({ page }) => {
    await page.locator(tid('file-input')).setInputFiles([file]);
    await waitForFilesLoaded(page, 1);
    const card = page.locator(tid('file-card'));
    const rows = await card.locator(tid('file-rows')).textContent();
    assert.match(rows, /\b3 rows kept\b.*\b2 duplicates removed\b.*\b1 row reusing an id with other content \(kept\)/, rows);
    await card.locator('.file-warnings > summary').click();
    const warnings = await card.locator('.file-warnings').textContent();
    assert.match(warnings, /line 3: record id 4f6c3b1e-2a7d-4e88-9c1f-5b2d7e9a0c01 was already read with different content; both records are kept/, warnings);
    // Both versions are in the timeline, each with its own address, beside the other record.
    await until(page, 'the three kept rows', () => document.querySelectorAll('[data-testid="row"]').length === 3);
    const ips = (await page.locator(`${tid('row')} .c-ip`).allTextContents()).sort();
    assert.deepEqual(ips, ['198.51.100.23', '198.51.100.23', '203.0.113.66']);
  });
});
