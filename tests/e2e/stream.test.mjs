// Large exports stream from the File: the page answers while one loads, the
// card shows what has been read, a cancelled load keeps nothing, and the
// detail pane reads a record's original back from the file.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tid, numbersIn, until, waitForFilesLoaded, useBrowser, withApp, TEST_TIMEOUT } from './harness.mjs';

const env = useBrowser();

/** A Search-UnifiedAuditLog export of `rows` records (about 560 bytes each). */
async function writeUalExport(path, rows) {
  const file = await open(path, 'w');
  const start = Date.UTC(2026, 1, 1);
  let chunk = '#TYPE Deserialized.Microsoft.Exchange.Data.ApplicationLogic.UnifiedAuditLogEvent\r\n'
    + '"RunspaceId","RecordType","CreationDate","UserIds","Operations","AuditData","ResultIndex","ResultCount","Identity","IsValid","ObjectState"\r\n';
  for (let i = 0; i < rows; i++) {
    const t = new Date(start + (rows - i) * 1000);
    const iso = t.toISOString().slice(0, 19);
    const us = `${t.getUTCMonth() + 1}/${t.getUTCDate()}/${t.getUTCFullYear()} ${((t.getUTCHours() + 11) % 12) + 1}:${iso.slice(14, 19)} ${t.getUTCHours() < 12 ? 'AM' : 'PM'}`;
    const id = `4f6c3b1e-2a7d-4e88-9c1f-${String(i).padStart(12, '0')}`;
    const user = `user${i % 500}@contoso.com`;
    const ip = `198.51.${(i >> 8) & 255}.${i & 255}`;
    const audit = `{""CreationTime"":""${iso}"",""Id"":""${id}"",""Operation"":""MailItemsAccessed"",""OrganizationId"":""6b1c4f2e-8d3a-4c5b-9e7f-0a1b2c3d4e5f"",""RecordType"":50,""ResultStatus"":""Succeeded"",""UserKey"":""10032002A1B2C3D4"",""UserType"":0,""Version"":1,""Workload"":""Exchange"",""UserId"":""${user}"",""ClientIPAddress"":""${ip}"",""ClientInfoString"":""Client=REST;Client=RESTSystem;;""}`;
    chunk += `"3c2d1e0f-9a8b-4c7d-6e5f-4a3b2c1d0e9f","ExchangeItemAggregated","${us}","${user}","MailItemsAccessed","${audit}","${i + 1}","${rows}","${id}","True","Unchanged"\r\n`;
    if (chunk.length > 1 << 20) {
      await file.write(chunk);
      chunk = '';
    }
  }
  await file.write(chunk);
  await file.close();
}

/** Counts the page's `Blob.slice` and `Blob.stream` calls; with `noByteStream`,
 * files give only a plain stream, as in a browser without byte streams. */
function watchFileReads(noByteStream) {
  const { slice, stream } = Blob.prototype;
  window.__fileReads = { slices: 0, streams: 0 };
  Blob.prototype.slice = function (...args) {
    window.__fileReads.slices++;
    return slice.apply(this, args);
  };
  Blob.prototype.stream = function () {
    window.__fileReads.streams++;
    return noByteStream ? new ReadableStream({ start(c) { c.close(); } }) : stream.call(this);
  };
}

test('a large export streams in: progress with rate, the page answers, the original is read back from the file', { timeout: TEST_TIMEOUT }, async (t) => {
  const tmp = await mkdtemp(join(tmpdir(), 'loupe-e2e-'));
  try {
    const rows = 120_000;
    const path = join(tmp, 'ual_big.csv');
    await writeUalExport(path, rows);
    await withApp(env, t, async ({ page }) => {
      await page.locator(tid('file-input')).setInputFiles([path]);
      // While it loads: the card says how far it is, and the query box takes typing.
      const rate = await page.locator(tid('file-rate')).textContent();
      assert.match(rate, /MB of \d+ MB · [\d,]+ events · \d+ MB\/s · about \d+ s left · \d+ workers?/, 'slices are parsed in workers');
      await page.locator(tid('query')).fill('op:MailItemsAccessed');
      assert.equal(await page.locator(tid('query')).inputValue(), 'op:MailItemsAccessed');
      assert.ok(await page.locator(tid('file-cancel')).isVisible(), 'a loading file can be cancelled');
      const count = await waitForFilesLoaded(page, 1);
      assert.equal(count, rows);
      assert.match(await page.locator(tid('file-rows')).textContent(), /120,000 rows kept · 0 rejected/);
      // Hashed in a worker of its own that reads the File: the whole file's SHA-256.
      const sha = createHash('sha256').update(await readFile(path)).digest('hex');
      assert.match(await page.locator(tid('file-card')).locator('.file-hash').textContent(), new RegExp(sha));
      // Read through the file's byte stream: one slice only, the first
      // megabyte that tells the file's kind.
      const reads = await page.evaluate(() => window.__fileReads);
      assert.deepEqual(reads, { slices: 1, streams: 1 }, `the file read as one stream (${JSON.stringify(reads)})`);
      await page.locator(tid('row')).first().click();
      await until(page, 'the original record read back from the file', () => /CreationTime/.test(document.querySelector('[data-testid="raw-record"]')?.textContent || ''));
      const raw = await page.locator(tid('raw-record')).textContent();
      assert.match(raw, /"AuditData": \{/);
      assert.match(raw, /"MailItemsAccessed"/);
    }, { initScript: `(${watchFileReads})(false)` });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});

test('where files have no byte stream, a large export is read in slices and every row is kept', { timeout: TEST_TIMEOUT }, async (t) => {
  const tmp = await mkdtemp(join(tmpdir(), 'loupe-e2e-'));
  try {
    const rows = 60_000;
    const path = join(tmp, 'ual_slices.csv');
    await writeUalExport(path, rows);
    await withApp(env, t, async ({ page }) => {
      await page.locator(tid('file-input')).setInputFiles([path]);
      assert.equal(await waitForFilesLoaded(page, 1), rows);
      assert.match(await page.locator(tid('file-rows')).textContent(), /60,000 rows kept · 0 rejected/);
      const sha = createHash('sha256').update(await readFile(path)).digest('hex');
      assert.match(await page.locator(tid('file-card')).locator('.file-hash').textContent(), new RegExp(sha));
      const reads = await page.evaluate(() => window.__fileReads);
      assert.ok(reads.streams === 1 && reads.slices >= 8, `the stream refused, the file read in slices (${JSON.stringify(reads)})`);
    }, { initScript: `(${watchFileReads})(true)` });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});

test('the open event stays open while a newest-first export merges older rows in before it', { timeout: TEST_TIMEOUT }, async (t) => {
  const tmp = await mkdtemp(join(tmpdir(), 'loupe-e2e-'));
  try {
    // Newest first, as Search-UnifiedAuditLog writes: every later part of
    // the file goes before the rows already shown.
    const rows = 200_000;
    const path = join(tmp, 'ual_newest_first.csv');
    await writeUalExport(path, rows);
    await withApp(env, t, async ({ page }) => {
      await page.locator(tid('file-input')).setInputFiles([path]);
      await page.locator(tid('row')).first().waitFor();
      await page.locator(tid('row')).first().click();
      const fields = page.locator(`${tid('detail')} .fields`);
      const opened = await fields.textContent();
      const shownBefore = numbersIn(await page.locator(tid('event-count')).textContent())[0];
      assert.ok(shownBefore < rows, `opened while loading (${shownBefore} of ${rows} shown)`);
      assert.equal(await waitForFilesLoaded(page, 1), rows);
      assert.equal(await fields.textContent(), opened, 'the detail pane still shows the event the analyst opened');
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});

test('a cancelled load leaves nothing behind: loading the file again keeps every row', { timeout: TEST_TIMEOUT }, async (t) => {
  const tmp = await mkdtemp(join(tmpdir(), 'loupe-e2e-'));
  try {
    const rows = 150_000;
    const path = join(tmp, 'ual_cancel.csv');
    await writeUalExport(path, rows);
    await withApp(env, t, async ({ page }) => {
      await page.locator(tid('file-input')).setInputFiles([path]);
      await page.locator(tid('file-rate')).waitFor();
      await page.locator(tid('file-cancel')).click();
      await until(page, 'the cancelled card gone', () => document.querySelectorAll('[data-testid="file-card"]').length === 0);
      // Rows it had shown while loading leave the store at its next step.
      await until(page, 'no events from the cancelled load', () => !/[1-9]/.test(document.querySelector('[data-testid="event-count"]')?.textContent || ''));
      // The same file again: none of its records counts as a duplicate of the cancelled load's.
      await page.locator(tid('file-input')).setInputFiles([]);
      await page.locator(tid('file-input')).setInputFiles([path]);
      const count = await waitForFilesLoaded(page, 1);
      assert.equal(count, rows);
      const kept = await page.locator(tid('file-rows')).textContent();
      assert.match(kept, /150,000 rows kept · 0 rejected/);
      assert.doesNotMatch(kept, /duplicate/);
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});

test('a file past what the tab can hold stops with its message; what was loaded and the rest of the case keep working', { timeout: TEST_TIMEOUT }, async (t) => {
  const tmp = await mkdtemp(join(tmpdir(), 'loupe-e2e-'));
  try {
    const path = join(tmp, 'ual_too_big.csv');
    await writeUalExport(path, 60_000);
    // A stop point the page has already passed: the load stops after its first parsed slice.
    await withApp(env, t, async ({ page }) => {
      await page.locator(tid('file-input')).setInputFiles([path]);
      const kept = await waitForFilesLoaded(page, 1);
      assert.ok(kept > 0 && kept < 60_000, `some events kept, not all (${kept})`);
      const notes = await page.locator('.file-notes').textContent();
      assert.match(notes, /Stopped after \d+ MB of \d+ MB \([\d,]+ events kept\): this browser tab cannot hold more/);
      assert.match(notes, /command line/);
      // What was loaded is usable, and another file still loads.
      await page.locator(tid('query')).fill('op:MailItemsAccessed');
      await page.locator(tid('query')).press('Enter');
      await until(page, 'the filter applied', () => /^[\d,]+ of /.test(document.querySelector('[data-testid="match-count"]')?.textContent || ''));
      await page.evaluate(() => { window.__loupeMemoryStopBytes = 4 * 1024 ** 3; });
      await page.locator(tid('file-input')).setInputFiles([join(process.cwd(), '../fixtures/signin_portal_interactive.csv')]);
      await waitForFilesLoaded(page, 2);
      const cards = await page.locator(tid('file-rows')).allTextContents();
      assert.ok(cards.some((c) => /\b4 rows kept\b/.test(c)), cards.join(' | '));
    }, { initScript: () => { window.__loupeMemoryStopBytes = 1; } });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});
