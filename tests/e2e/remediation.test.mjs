// The remediation plan in the checklist: step 11 on the sample lists the
// actions with their commands, a done box records the time and survives a
// reload, and a revocation the evidence contradicts is flagged.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listsDrawn, loadSample, tid, until, useBrowser, withApp, TEST_TIMEOUT } from './harness.mjs';

const env = useBrowser();

test('walk step 11: commands with the real identifiers, done boxes that persist, progress', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await loadSample(page);
    const step11 = page.locator(tid('remediation-11'));
    await step11.waitFor();
    // Findings (and the actions they bring) are worked out in steps after the load.
    await until(page, 'the findings worked out', () => !document.querySelector('[data-testid="findings-analysing"]'));
    await listsDrawn(page);
    const titles = await step11.locator(`${tid('action')} .action-title span`).allTextContents();
    for (const expected of [/Reset the password of priya\.raman@/, /Remove inbox rule/, /Revoke the consent to PDF SecureView Pro/, /Remove the Microsoft Authenticator app/]) {
      assert.ok(titles.some((title) => expected.test(title)), `${expected} in ${titles.join(' | ')}`);
    }
    const rule = step11.locator(tid('action'), { hasText: 'Remove inbox rule' });
    await rule.locator('summary').click();
    const command = await rule.locator(tid('command')).first().textContent();
    assert.match(command, /Remove-InboxRule -Mailbox 'priya\.raman@larkspurfreight\.example' -Identity '\.\.'/);

    const progress = page.locator(tid('remediation-progress-11'));
    const before = await progress.textContent();
    assert.match(before, /0\/\d+ actions done/);
    await rule.locator(tid('action-done')).check();
    await until(page, 'one action done', () => /^Remediation: 1\//.test(document.querySelector('[data-testid="remediation-progress-11"]').textContent));
    await rule.locator('.done-at').waitFor();

    await page.reload();
    await page.locator(tid('remediation-progress-11')).waitFor({ state: 'detached' }).catch(() => {});
    await loadSample(page);
    await until(page, 'the done action restored', () => /^Remediation: 1\//.test(document.querySelector('[data-testid="remediation-progress-11"]')?.textContent || ''));
  });
});

test('a revocation marked done while the intruder kept going is flagged in step 2', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await loadSample(page);
    const step2 = page.locator(tid('remediation-2'));
    await step2.waitFor();
    const revoke = step2.locator(tid('action'), { hasText: 'Revoke every session' });
    // Marked done now, after all the evidence: nothing contradicts it.
    await revoke.locator(tid('action-done')).check();
    const doneAt = revoke.locator(tid('action-done-at'));
    await doneAt.waitFor();
    assert.equal(await revoke.locator(tid('action-contradicted')).count(), 0);
    // The helpdesk really did it an hour into the break-in: the sign-ins
    // from the intruder's addresses afterwards contradict it.
    await doneAt.fill('2026-02-24T04:00');
    await doneAt.blur();
    const warning = revoke.locator(tid('action-contradicted'));
    await warning.waitFor();
    assert.match(await warning.textContent(), /matching event\(s\) follow/);
  });
});

test('compromised admin: step 4 lists the cloud actions with the identifiers from the logs', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await page.locator(tid('sample-choice')).selectOption({ label: 'Compromised admin' });
    await page.locator(tid('load-sample')).click();
    const step4 = page.locator(tid('remediation-4'));
    await step4.waitFor();
    const key = step4.locator(tid('action'), { hasText: 'access key' }).first();
    await key.locator('summary').click();
    assert.match(await key.locator(tid('command')).first().textContent(), /aws iam update-access-key --user-name 'svc-edi-transfer' --access-key-id 'AKIA[A-Z0-9]+' --status Inactive/);
    await step4.locator(tid('action'), { hasText: 'Stop the VM' }).first().waitFor();
    const step11 = page.locator(tid('remediation-11'));
    await step11.locator(tid('action'), { hasText: 'tms-sql-admin' }).first().waitFor();
  });
});
