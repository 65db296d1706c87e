// Findings beside the checklist: the suggested context, a step's findings,
// and the click from a finding to the timeline rows that prove it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listsDrawn, loadSample, numbersIn, tid, until, useBrowser, waitForFilesLoaded, withApp, TEST_TIMEOUT } from './harness.mjs';

const env = useBrowser();

test('accept the suggested context, open step 9, click the forwarding rule finding through to its rows', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await loadSample(page);
    await until(page, 'a suggested suspect account', () => /@/.test(document.querySelector('[data-testid="context-suspects"]')?.textContent || ''));
    await page.locator(tid('accept-context')).click();
    await page.locator('.context .badge.confirmed').waitFor();

    const step9 = page.locator(tid('step-findings-9'));
    await step9.waitFor();
    const rule = step9.locator(tid('finding'), { hasText: 'forwards to external' }).first();
    assert.match(await rule.textContent(), /critical|high/i, 'the forwarding rule is rated high or critical');
    await rule.click();

    await until(page, 'the query to become the finding\'s', () => /op:New-InboxRule/.test(document.querySelector('[data-testid="query"]').value));
    const [n] = numbersIn(await page.locator(tid('match-count')).textContent());
    assert.ok(n >= 1, `the finding's rows are shown (${n})`);
    const ops = await page.locator(`${tid('row')} .c-op`).allTextContents();
    assert.ok(ops.length >= 1 && ops.every((op) => op === 'New-InboxRule'), ops.join(', '));

    // The context survives a reload as the analyst confirmed it.
    await page.reload();
    await page.locator('.context .badge.confirmed').waitFor();
  });
});

test('mark an IP from an event\'s detail, then filter with ioc', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await loadSample(page);
    const query = page.locator(tid('query'));
    await query.fill('ip:192.0.2.11');
    await query.press('Enter');
    await until(page, 'rows for the IP', () => /^[1-9]/.test(document.querySelector('[data-testid="match-count"]').textContent));
    await page.locator(tid('row')).first().click();
    await page.locator(`${tid('mark')} button`, { hasText: 'Mark IP' }).click();
    await page.locator(tid('indicators'), { hasText: '192.0.2.11' }).waitFor();
    // Marked values are highlighted wherever they show.
    await page.locator(`${tid('detail')} dd.ioc`, { hasText: '192.0.2.11' }).first().waitFor();
    await page.locator(`${tid('facet-ip')} .value.ioc`, { hasText: '192.0.2.11' }).waitFor();
    await page.locator(`${tid('row')} .ioc`, { hasText: '192.0.2.11' }).first().waitFor();
    assert.ok(await page.locator(`${tid('mark')} button`, { hasText: 'Mark IP: marked' }).isDisabled());
    await query.fill('ioc ip:192.0.2.11');
    await query.press('Enter');
    await until(page, 'ioc to match the marked IP', () => /^[1-9]/.test(document.querySelector('[data-testid="match-count"]').textContent));
  });
});

test('the findings list sorts by time and step, hides info until asked, and explains a finding', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await loadSample(page);
    const list = page.locator(`${tid('findings-list')} > li`);
    await until(page, 'findings listed', () => document.querySelectorAll('[data-testid="findings-list"] > li').length > 0);
    await until(page, 'the findings worked out', () => !document.querySelector('[data-testid="findings-analysing"]'));
    await listsDrawn(page);
    const severities = async () => (await page.locator(`${tid('findings-list')} .sev`).allTextContents()).map((s) => s.trim().toLowerCase());
    const atLowFloor = await list.count();
    assert.ok(!(await severities()).includes('info'), 'info findings are hidden by default');

    await page.locator(tid('findings-floor')).selectOption('all');
    await until(page, 'info findings shown', (n) => document.querySelectorAll('[data-testid="findings-list"] > li').length > n, atLowFloor);
    assert.ok((await severities()).includes('info'));
    await page.locator(tid('findings-floor')).selectOption('high');
    await until(page, 'only high and critical', () => [...document.querySelectorAll('[data-testid="findings-list"] .sev')].every((s) => /high|critical/i.test(s.textContent)));
    await listsDrawn(page);

    const times = async () => page.locator(`${tid('findings-list')} .when`).allTextContents();
    await page.locator(tid('findings-sort-time')).click();
    await listsDrawn(page);
    const ascending = await times();
    assert.deepEqual(ascending, [...ascending].sort(), 'earliest first');
    await page.locator(tid('findings-sort-time')).click();
    await listsDrawn(page);
    const descending = await times();
    assert.deepEqual(descending, [...ascending].sort().reverse(), 'latest first after a second click');

    await page.locator(tid('findings-sort-step')).click();
    await listsDrawn(page);
    const steps = (await page.locator(`${tid('findings-list')} .step-no`).allTextContents()).map((s) => numbersIn(s)[0]);
    assert.deepEqual(steps, [...steps].sort((a, b) => a - b), 'playbook order');

    const first = list.first();
    await first.locator(tid('finding-why')).click();
    const explained = first.locator(tid('finding-explained'));
    await explained.waitFor();
    assert.match(await explained.textContent(), /evidence row/);
  });
});

test('edit the context by hand: add a suspect and raise the travel speed', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await loadSample(page);
    await until(page, 'a suggested suspect account', () => /@/.test(document.querySelector('[data-testid="context-suspects"]')?.textContent || ''));
    const suspect = page.locator(tid('add-suspect'));
    await suspect.fill('dana.whitfield@larkspurfreight.example');
    await suspect.press('Enter');
    await page.locator('.context .badge.confirmed').waitFor();
    await page.locator(tid('context-suspects'), { hasText: 'dana.whitfield@' }).waitFor();

    await page.locator(tid('findings-floor')).selectOption('all');
    const travel = () => [...document.querySelectorAll('[data-testid="findings-list"] .title')].filter((e) => /km\/h/.test(e.textContent)).length;
    const before = await page.evaluate(travel);
    assert.ok(before >= 1, 'the sample has impossible travel at 900 km/h');
    await page.locator(`${tid('tuning')} > summary`).click();
    const speed = page.locator(tid('travel-speed'));
    await speed.fill('50000');
    await speed.press('Enter');
    await speed.blur();
    await until(page, 'fewer travel findings at 50,000 km/h', (n) => [...document.querySelectorAll('[data-testid="findings-list"] .title')].filter((e) => /km\/h/.test(e.textContent)).length < n, before);

    const ranges = page.locator(tid('corporate-ranges'));
    await ranges.fill('192.0.2.0/24\nnot-a-network');
    await ranges.blur();
    await page.locator('.context .problem', { hasText: 'not-a-network' }).waitFor();

    // The edits are the case's: they survive a reload.
    await page.reload();
    await page.locator(tid('context-suspects'), { hasText: 'dana.whitfield@' }).waitFor();
    await page.locator(`${tid('tuning')} > summary`).click();
    assert.equal(await page.locator(tid('travel-speed')).inputValue(), '50000');
    assert.equal(await page.locator(tid('corporate-ranges')).inputValue(), '192.0.2.0/24');
  });
});

/** A Search-UnifiedAuditLog export with `rules` inbox rules, each by another
 * user, each forwarding outside the tenant: one finding and one remediation
 * action per rule. */
async function writeManyRulesExport(path, rules) {
  let text = '"RunspaceId","RecordType","CreationDate","UserIds","Operations","AuditData","ResultIndex","ResultCount","Identity","IsValid","ObjectState"\r\n';
  const start = Date.UTC(2026, 1, 1);
  for (let i = 0; i < rules; i++) {
    const iso = new Date(start + i * 60_000).toISOString().slice(0, 19);
    const id = `7d0c9a44-1b2e-4c3d-8e9f-${String(i).padStart(12, '0')}`;
    const user = `user${i}@contoso.com`;
    const audit = `{""CreationTime"":""${iso}"",""Id"":""${id}"",""Operation"":""New-InboxRule"",""RecordType"":1,""ResultStatus"":""True"",""UserKey"":""1003200${i}"",""UserType"":0,""Version"":1,""Workload"":""Exchange"",""UserId"":""${user}"",""ClientIP"":""203.0.113.${i % 250}"",""ObjectId"":""${user}\\\\Invoices"",""Parameters"":[{""Name"":""Name"",""Value"":""Invoices""},{""Name"":""ForwardTo"",""Value"":""drop${i}@evil.example""},{""Name"":""DeleteMessage"",""Value"":""True""}]}`;
    text += `"3c2d1e0f-9a8b-4c7d-6e5f-4a3b2c1d0e9f","ExchangeAdmin","${iso}","${user}","New-InboxRule","${audit}","${i + 1}","${rules}","${id}","True","Unchanged"\r\n`;
  }
  await writeFile(path, text);
}

test('hundreds of findings: worked out after the load, drawn a hundred at a time', { timeout: TEST_TIMEOUT }, async (t) => {
  const tmp = await mkdtemp(join(tmpdir(), 'loupe-e2e-'));
  try {
    const path = join(tmp, 'ual_rules.csv');
    await writeManyRulesExport(path, 250);
    await withApp(env, t, async ({ page }) => {
      await page.locator(tid('file-input')).setInputFiles([path]);
      await waitForFilesLoaded(page, 1);
      await until(page, 'the analysis finished', () => !document.querySelector('[data-testid="findings-analysing"]'));
      const summary = await page.locator(`${tid('findings')} summary`).textContent();
      assert.ok(numbersIn(summary)[0] >= 250, summary);
      // The list is drawn a few dozen items per task, so wait for each page
      // to be whole, then check it stops there.
      const items = async (n) => {
        await until(page, `${n} findings drawn`, (n) => document.querySelectorAll('[data-testid="findings-list"] > li').length >= n, n);
        await page.waitForTimeout(200);
        return page.locator(`${tid('findings-list')} > li`).count();
      };
      assert.equal(await items(100), 100, 'a first page of findings');
      const more = page.locator(tid('findings-more'));
      assert.match(await more.textContent(), /^Show 100 more \(\d+ not shown\)$/);
      await more.click();
      assert.equal(await items(200), 200);
      await more.click();
      const all = numbersIn(summary)[0] - Number(/(\d+) below the severity floor/.exec(summary)?.[1] || 0);
      assert.equal(await items(all), all);
      assert.equal(await more.count(), 0, 'nothing left to show');
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});
