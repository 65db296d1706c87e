// The README's pictures, taken from the single-file build opened from disk
// at 1280×800: the workbench on the training incident (light and dark),
// the remediation plan beside the configuration view, the sign-in map, a
// suspect's story, and an exercise's scorecard.
// Usage: node scripts/screenshots.mjs   (after `make dist`; `make screenshots`)
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const { chromium } = createRequire(join(root, 'tools', 'node_modules', 'x.js'))('playwright-core');
const page_url = pathToFileURL(join(root, 'dist', 'loupe.html')).href;
const docs = join(root, 'docs');
const tid = (id) => `[data-testid="${id}"]`;

const browser = await chromium.launch({
  executablePath: process.env.LOUPE_CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(page_url);
  await page.locator(tid('load-sample')).click();
  await page.waitForFunction(() => {
    const cards = document.querySelectorAll('[data-testid="file-card"]');
    return cards.length >= 4 && [...cards].every((c) => !c.querySelector('progress'));
  });
  await page.locator(tid('accept-context')).click();
  // Tag the attacker's rule and open it, as an analyst would have.
  await page.locator(tid('query')).fill('op:New-InboxRule user:priya.raman');
  await page.locator(tid('query')).press('Enter');
  await page.waitForTimeout(300);
  await page.locator(tid('row')).first().click();
  await page.locator(tid('tag-malicious')).click();
  await page.locator(tid('bookmark')).click();
  await page.locator(tid('event-note')).fill('Forwards finance mail to an outside address and deletes security mail');
  await page.locator(tid('event-note')).blur();
  for (const [theme, file] of [['light', 'screenshot.png'], ['dark', 'dark.png']]) {
    await page.evaluate((t) => { document.documentElement.dataset.theme = t; }, theme);
    await page.waitForTimeout(200);
    await page.screenshot({ path: join(docs, file) });
    console.log(`wrote docs/${file}`);
  }
  await page.evaluate(() => { document.documentElement.dataset.theme = 'light'; });
  await page.keyboard.press('Escape');
  await page.locator(tid('step-11')).scrollIntoViewIfNeeded().catch(() => {});
  await page.screenshot({ path: join(docs, 'remediation.png') });
  console.log('wrote docs/remediation.png');

  // The sign-in map and the suspect's story, each unfolded on its own over
  // the whole timeline (a taller window, so the story is not cut off).
  await page.setViewportSize({ width: 1280, height: 1200 });
  await page.locator(tid('query')).fill('');
  await page.locator(tid('query')).press('Enter');
  await page.locator(`${tid('map-panel')} > summary`).click();
  await page.locator(tid('map-point')).first().waitFor();
  await page.locator(tid('map-panel')).screenshot({ path: join(docs, 'map.png') });
  console.log('wrote docs/map.png');
  await page.locator(`${tid('map-panel')} > summary`).click();
  await page.locator(`${tid('story')} > summary`).click();
  await page.locator(tid('story-mark')).first().waitFor();
  await page.locator(tid('story')).screenshot({ path: join(docs, 'story.png') });
  console.log('wrote docs/story.png');
  await page.locator(`${tid('story')} > summary`).click();
  await page.setViewportSize({ width: 1280, height: 800 });

  // A trainee's first attempt: the victim and one address found, the VPN
  // exit wrongly marked, one hint taken.
  page.on('dialog', (d) => d.accept());
  const panel = page.locator(tid('exercise'));
  await panel.locator(tid('exercise-start')).click();
  await panel.locator(tid('hint-step')).selectOption('1');
  await panel.locator(tid('hint-next')).click();
  for (const [field, value] of [['add-suspect', 'priya.raman@larkspurfreight.example'], ['add-indicator', '203.0.113.61'], ['add-indicator', '198.51.100.250']]) {
    await page.locator(tid(field)).fill(value);
    await page.locator(tid(field)).press('Enter');
  }
  await panel.locator(tid('exercise-finish')).click();
  await panel.locator(tid('scorecard')).waitFor();
  await panel.locator(tid('scorecard')).scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(docs, 'exercise.png') });
  console.log('wrote docs/exercise.png');
} finally {
  await browser.close();
}
