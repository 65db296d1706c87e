// Exercise mode on the bundled mailbox takeover: start, take a hint, mark
// a suspect and addresses with the ordinary tools (context panel, the
// detail's "Mark IP"), tag the attacker's inbox rule malicious, finish,
// and read the scorecard: what was found, what was missed and why it
// mattered, the decoy marked and why it is benign, hints used.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { artifactsDir, loadSample, tid, until, useBrowser, withApp, TEST_TIMEOUT } from './harness.mjs';

const env = useBrowser();
const VICTIM = 'priya.raman@larkspurfreight.example';
const SPRAY_IP = '203.0.113.61';
const VPN_IP = '198.51.100.250';

async function filter(page, text) {
  const query = page.locator(tid('query'));
  await query.fill(text);
  await query.press('Enter');
  await until(page, `rows for ${text}`, () => /^[1-9]/.test(document.querySelector('[data-testid="match-count"]').textContent));
}

test('exercise: start, a hint, marks, finish and the scorecard', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await loadSample(page);
    const panel = page.locator(tid('exercise'));
    await panel.locator(tid('exercise-start')).waitFor();
    assert.equal((await panel.locator(tid('exercise-difficulty')).textContent()).trim(), 'Beginner');
    await panel.locator(tid('exercise-rules')).locator('summary').click();
    assert.match(await panel.locator(tid('exercise-rules')).textContent(), /false positive costs 5 points/);
    await panel.locator(tid('exercise-start')).click();

    // The trainee's own context: nothing marked yet.
    await page.locator('.context .badge.confirmed').waitFor();
    assert.match(await page.locator(tid('context-suspects')).textContent(), /none yet/);

    // A hint for step 1, gentlest first.
    await panel.locator(tid('hint-step')).selectOption('1');
    await panel.locator(tid('hint-next')).click();
    await panel.locator(`${tid('hints')} li`).first().waitFor();
    assert.equal(await panel.locator(`${tid('hints')} li`).count(), 1);
    assert.match(await panel.locator(`${tid('hints')} li`).first().textContent(), /successful sign-in/);
    assert.equal((await panel.locator(tid('hints-used')).textContent()).trim(), '1');

    // A suspect from the context panel, the spray address from an event's detail.
    await page.locator(tid('add-suspect')).fill(VICTIM);
    await page.locator(tid('add-suspect')).press('Enter');
    await page.locator(tid('context-suspects'), { hasText: VICTIM }).waitFor();
    await filter(page, `ip:${SPRAY_IP}`);
    await page.locator(tid('row')).first().click();
    await page.locator(`${tid('mark')} button`, { hasText: 'Mark IP' }).click();
    await page.locator(tid('indicators'), { hasText: SPRAY_IP }).waitFor();
    await page.locator(`${tid('detail')} button.close`).click();
    // The VPN exit is a decoy: marking it is a false positive.
    await page.locator(tid('add-indicator')).fill(VPN_IP);
    await page.locator(tid('add-indicator')).press('Enter');
    await page.locator(tid('indicators'), { hasText: VPN_IP }).waitFor();

    // The inbox rule tagged malicious from the detail.
    await filter(page, 'op:New-InboxRule securemail-hub');
    await page.locator(tid('row')).first().click();
    await page.locator(tid('detail')).waitFor();
    await page.locator(`${tid('detail')} ${tid('tag-malicious')}`).click();
    // The detail lies over the right column: close it to reach the panel.
    await page.locator(`${tid('detail')} button.close`).click();

    await panel.locator(tid('exercise-finish')).click();
    const card = panel.locator(tid('scorecard'));
    await card.waitFor();
    const score = Number(await card.locator(tid('score')).textContent());
    assert.ok(score > 0 && score < 100, `score ${score}`);
    assert.match(await card.locator(tid('score-summary')).textContent(), /1 false positive · 0 called benign · 1 hint used/);
    assert.match(await card.locator(tid('score-hints')).textContent(), /step 1: 1/);

    const accounts = card.locator(tid('score-accounts'));
    assert.match(await accounts.locator(tid('found-item')).first().textContent(), new RegExp(VICTIM.replace(/\./g, '\\.')));
    const ips = card.locator(tid('score-ips'));
    assert.match(await ips.locator(tid('found-item')).textContent(), /spray and break-in address/);
    const missed = ips.locator(tid('missed-item'));
    assert.match(await missed.textContent(), /the malicious app's address.*203\.0\.113\.206.*step 8.*survives a password reset/);
    const decoy = ips.locator(tid('false-positive'));
    assert.match(await decoy.textContent(), /company VPN exit.*company's own VPN concentrator/);
    const rule = card.locator(tid('score-events')).locator('li', { hasText: 'inbox rule forwarding and deleting security mail' });
    assert.equal(await rule.getAttribute('data-testid'), 'found-item');
    assert.match(await rule.textContent(), /forwards mail/);
    await mkdir(artifactsDir, { recursive: true });
    await card.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(artifactsDir, 'exercise-scorecard.png') });

    // Saved with the case: after a reload the scorecard is there again.
    await page.reload();
    await page.locator(`${tid('exercise')} ${tid('scorecard')}`).waitFor();
    assert.match(await page.locator(`${tid('scorecard')} ${tid('score-accounts')}`).textContent(), /Priya Raman/);
    // Back to work: the hints stay counted.
    await page.locator(tid('exercise-resume')).click();
    assert.equal((await page.locator(tid('hints-used')).textContent()).trim(), '1');
  });
});
