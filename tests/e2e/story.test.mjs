// The suspect's story: with the suggested context accepted, each training
// incident's victim has marks in the lanes its attack touched, findings
// ring some of them, and clicking a mark opens its event in the detail pane.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAdminScenario, loadSample, tid, until, useBrowser, withApp, TEST_TIMEOUT } from './harness.mjs';

const env = useBrowser();

/** Accepts Loupe's suggested context and opens the story panel. */
async function openStory(page) {
  await until(page, 'a suggested suspect account', () => /@/.test(document.querySelector('[data-testid="context-suspects"]')?.textContent || ''));
  await page.locator(tid('accept-context')).click();
  await page.locator('.context .badge.confirmed').waitFor();
  const story = page.locator(tid('story'));
  await story.locator('summary').click();
  await story.locator('.story-suspect svg').first().waitFor();
  return story;
}

/** The lanes that have at least one mark, by `data-lane`. */
async function lanesWithMarks(story) {
  return story.locator('.story-lane').evaluateAll((lanes) =>
    lanes.filter((l) => l.querySelector('[data-testid="story-mark"]')).map((l) => l.getAttribute('data-lane')));
}

test('the mailbox takeover victim\'s story: a lane per step of the attack, and a mark opens its event', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await loadSample(page);
    const story = await openStory(page);
    const lanes = await lanesWithMarks(story);
    for (const lane of ['signins', 'mfa', 'apps', 'mail-rules', 'mail']) {
      assert.ok(lanes.includes(lane), `lane ${lane} has marks (${lanes.join(', ')})`);
    }
    // The window is shaded and findings ring the events they cite.
    await story.locator('.story-window').first().waitFor();
    await until(page, 'a mark cited by a finding', () => document.querySelector('[data-testid="story"] .story-mark.cited') !== null);
    const citedTitle = await story.locator('.story-mark.cited title').first().textContent();
    assert.match(citedTitle, /Finding \(/, citedTitle);

    const rule = story.locator('.story-lane[data-lane="mail-rules"] [data-testid="story-mark"]').first();
    const title = await rule.locator('title').textContent();
    assert.match(title, /InboxRule|Set-Mailbox|TransportRule/, title);
    await rule.click();
    const detail = page.locator(tid('detail'));
    await detail.waitFor();
    assert.match(await detail.textContent(), /InboxRule|Set-Mailbox|TransportRule/);
  });
});

test('the compromised admin\'s story shows the role change, and its mark opens the audit record', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await loadAdminScenario(page);
    const story = await openStory(page);
    const lanes = await lanesWithMarks(story);
    for (const lane of ['signins', 'apps', 'roles']) {
      assert.ok(lanes.includes(lane), `lane ${lane} has marks (${lanes.join(', ')})`);
    }
    const role = story.locator('.story-lane[data-lane="roles"] [data-testid="story-mark"]').first();
    await role.click();
    const detail = page.locator(tid('detail'));
    await detail.waitFor();
    assert.match(await detail.textContent(), /role/i);
  });
});
