// The case as a file: export it, start over, open the file again and get the
// checklist, context and remediation progress back; a file from a newer
// Loupe is refused with a reason and changes nothing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { artifactsDir, exportFromMenu, loadSample, tid, until, useBrowser, withApp, TEST_TIMEOUT } from './harness.mjs';

const env = useBrowser();

test('export the case, start a new one, import the file: the work comes back', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await loadSample(page);
    await page.locator(tid('accept-context')).click();
    await page.locator('.context .badge.confirmed').waitFor();
    await page.locator(tid('step-status-9')).selectOption('done');
    const rule = page.locator(`${tid('remediation-11')} ${tid('action')}`, { hasText: 'Remove inbox rule' });
    await rule.locator(tid('action-done')).check();
    await rule.locator(tid('action-done-at')).waitFor();
    // A tagged, annotated event and a dismissed finding travel with the case.
    await page.locator(tid('query')).fill('op:New-InboxRule user:priya.raman');
    await page.locator(tid('query')).press('Enter');
    await until(page, 'the rule row', () => document.querySelector('[data-testid="row"] .c-op')?.textContent === 'New-InboxRule');
    await page.locator(tid('row')).first().click();
    await page.locator(tid('tag-malicious')).click();
    await page.locator(tid('event-note')).fill('forwards finance mail out');
    await page.locator(tid('event-note')).blur();
    await page.keyboard.press('Escape');
    const dismissed = page.locator(`${tid('findings')} .finding-item`).first();
    const dismissedTitle = await dismissed.locator('.title').textContent();
    await dismissed.locator(tid('finding-dismiss')).click();

    const download = await exportFromMenu(page, 'export-case');
    assert.match(download.suggestedFilename(), /^loupe-case-training-.*-\d{4}-\d{2}-\d{2}\.json$/);
    await mkdir(artifactsDir, { recursive: true });
    const saved = join(artifactsDir, download.suggestedFilename());
    await download.saveAs(saved);
    const doc = JSON.parse(await readFile(saved, 'utf8'));
    assert.equal(doc.kind, 'loupe-case');
    assert.ok(doc.case.context.suspect_accounts.length > 0);
    assert.ok(doc.case.files.length >= 6, 'the evidence manifest travels with the case');
    assert.equal(Object.keys(doc.case.events).length, 1, 'the tagged event travels with the case');
    assert.equal(Object.values(doc.case.findings)[0].verdict, 'dismissed');

    page.once('dialog', (d) => d.accept());
    await page.locator(tid('new-case')).click();
    await until(page, 'a fresh case', () => document.querySelector('[data-testid="step-status-9"]')?.value === 'not_started');

    page.once('dialog', (d) => d.accept());
    await page.locator(tid('file-input')).setInputFiles([saved]);
    await until(page, 'step 9 back as done', () => document.querySelector('[data-testid="step-status-9"]')?.value === 'done');
    await page.locator('.context .badge.confirmed').waitFor();
    assert.equal(await page.locator(tid('file-card')).count(), 0, 'a case file is not evidence');
    // Re-attaching the evidence restores the full view with the progress.
    await loadSample(page);
    await until(page, 'the remediation progress back', () => /^Remediation: 1\//.test(document.querySelector('[data-testid="remediation-progress-11"]')?.textContent || ''));
    await page.locator(tid('query')).fill('tag:malicious note:finance');
    await page.locator(tid('query')).press('Enter');
    await until(page, 'the tagged event found again', () => document.querySelector('[data-testid="match-count"]')?.textContent.startsWith('1 of'));
    await page.locator(tid('findings-show-dismissed')).check();
    const again = page.locator(`${tid('findings')} .finding-item`, { hasText: dismissedTitle.slice(0, 40) });
    assert.equal(await again.first().getAttribute('data-verdict'), 'dismissed');

    // A case written by a newer Loupe: refused on its card, nothing changed.
    const newer = join(artifactsDir, 'newer-case.json');
    await writeFile(newer, JSON.stringify({ kind: 'loupe-case', version: 99, case: {} }));
    await page.locator(tid('file-input')).setInputFiles([newer]);
    await page.locator(tid('file-card'), { hasText: 'newer Loupe' }).waitFor();
    assert.equal(await page.locator(tid('step-status-9')).inputValue(), 'done');
  });
});

test('case + evidence bundle: one zip carries the case and the evidence; opening it restores both', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await loadSample(page);
    await page.locator(tid('query')).fill('op:New-InboxRule user:priya.raman');
    await page.locator(tid('query')).press('Enter');
    await until(page, 'the rule row', () => document.querySelector('[data-testid="row"] .c-op')?.textContent === 'New-InboxRule');
    await page.locator(tid('row')).first().click();
    await page.locator(tid('tag-malicious')).click();
    await page.keyboard.press('Escape');
    const events = await page.locator(tid('event-count')).textContent();

    const download = await exportFromMenu(page, 'export-bundle');
    assert.match(download.suggestedFilename(), /^loupe-bundle-.*\.zip$/);
    await mkdir(artifactsDir, { recursive: true });
    const saved = join(artifactsDir, download.suggestedFilename());
    await download.saveAs(saved);
    const bytes = await readFile(saved);
    assert.equal(bytes.subarray(0, 2).toString(), 'PK');

    page.once('dialog', (d) => d.accept());
    await page.locator(tid('new-case')).click();
    await until(page, 'an empty workbench', () => document.querySelectorAll('[data-testid="file-card"]').length === 0);

    page.once('dialog', (d) => d.accept());
    await page.locator(tid('file-input')).setInputFiles([saved]);
    await until(page, 'the bundled evidence loaded', () => {
      const cards = document.querySelectorAll('[data-testid="file-card"]');
      return cards.length >= 6 && [...cards].every((c) => !c.querySelector('progress'));
    });
    await until(page, 'the same events', (n) => document.querySelector('[data-testid="event-count"]')?.textContent === n, events);
    assert.equal(await page.locator('.file-unreadable').count(), 0, 'every bundled file was read');
    await page.locator(tid('query')).fill('tag:malicious');
    await page.locator(tid('query')).press('Enter');
    await until(page, 'the tagged event found in the bundled evidence', () => document.querySelector('[data-testid="match-count"]')?.textContent.startsWith('1 of'));
  });
});
