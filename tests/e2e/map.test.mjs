// The sign-in map on both training incidents: it follows the timeline's
// filter (the intruder's address alone puts a point on the intruder's
// country), draws the impossible-travel findings as labelled lines, and a
// click on a place narrows the timeline to it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  distDir, loadAdminScenario, loadSample, numbersIn, tid, until, useBrowser, withApp, TEST_TIMEOUT,
} from './harness.mjs';

const env = useBrowser();

async function answerKey(folder) {
  return JSON.parse(await readFile(join(distDir, folder, 'answer_key.json'), 'utf8'));
}

async function applyQuery(page, text) {
  const input = page.locator(tid('query'));
  await input.fill(text);
  await input.press('Enter');
  await until(page, `the query "${text}" to be applied`, (t) => document.querySelector('[data-testid="query"]').value === t, text);
}

async function matchCount(page) {
  return numbersIn(await page.locator(tid('match-count')).textContent())[0];
}

async function openMap(page) {
  await page.locator(`${tid('map-panel')} > summary`).click();
  await page.locator(tid('map')).waitFor();
}

/** The countries of the map's points, as their data-country attributes say. */
async function pointCountries(page) {
  return page.locator(tid('map-point')).evaluateAll((points) => points.map((p) => p.getAttribute('data-country')));
}

async function checkMap(page, key) {
  // The intruder's sign-in addresses alone: every point left is theirs.
  const attacker = key.attacker_ips.filter((ip) => !ip.includes(':'));
  assert.ok(attacker.length > 0, 'the answer key lists the intruder\'s addresses');
  await applyQuery(page, `source:signin ip:${attacker.join(',')}`);
  await openMap(page);
  await until(page, 'a map point for the intruder\'s sign-ins', () => document.querySelectorAll('[data-testid="map-point"]').length > 0);
  const attackerCountries = [...new Set(await pointCountries(page))];
  assert.ok(attackerCountries.every((c) => /^[A-Z]{2}$/.test(c)), `points carry country codes: ${attackerCountries}`);
  const titles = await page.locator(`${tid('map-point')} title`).allTextContents();
  assert.ok(titles.some((t) => attacker.some((ip) => t.includes(ip))), `a point lists an intruder address: ${titles.join(' | ')}`);

  // The whole evidence: the intruder's countries still have points, and the
  // impossible-travel findings are lines with distance, time and speed.
  await applyQuery(page, '');
  await until(page, 'the map to show more places', (n) => document.querySelectorAll('[data-testid="map-point"]').length > n, titles.length);
  const everyCountry = await pointCountries(page);
  for (const country of attackerCountries) {
    assert.ok(everyCountry.includes(country), `${country} has a point on the whole map (${everyCountry})`);
  }
  await until(page, 'an impossible-travel line', () => document.querySelectorAll('[data-testid="map-travel"]').length > 0);
  const labels = await page.locator(tid('map-travel-label')).allTextContents();
  assert.ok(labels.length > 0 && labels.every((l) => /\d km in .+, (\d[\d,]* km\/h|at the same moment)/.test(l)), labels.join(' | '));
  assert.match(await page.locator(`${tid('map-travel')} title`).first().textContent(), /Impossible travel: .+ signed in from .+ then /);
  // Every route is listed as text under the map, the labelled ones and any drawn thin.
  const drawnApart = await page.locator(tid('map-travel')).count();
  const thin = page.locator(`${tid('map-travel-other')} title`);
  const drawnThin = (await thin.count()) ? numbersIn(await thin.textContent())[0] : 0;
  await page.locator(`${tid('map-routes')} > summary`).click();
  await until(page, 'the list of routes', () => document.querySelectorAll('[data-testid="map-route"]').length > 0);
  // A page at a time: show them all.
  while (await page.locator(tid('map-routes-more')).count()) await page.locator(tid('map-routes-more')).click();
  const routes = await page.locator(tid('map-route')).allTextContents();
  assert.equal(routes.length, drawnApart + drawnThin, routes.join(' | '));
  assert.ok(routes.every((r) => /^Impossible travel: .+ signed in from .+ then .+ km in /.test(r)), routes.join(' | '));

  // A click on the intruder's place narrows the timeline to it.
  const total = await matchCount(page);
  const before = everyCountry.length;
  // Smaller points are drawn over larger ones: the country's last is on top.
  const point = page.locator(`${tid('map-point')}[data-country="${attackerCountries[0]}"]`).last();
  const place = await point.getAttribute('data-place');
  await point.click();
  await until(page, 'the query to name the place', () => /source:signin (ip|country):/.test(document.querySelector('[data-testid="query"]').value));
  const narrowed = await matchCount(page);
  assert.ok(narrowed > 0 && narrowed < total, `the place's sign-ins: ${narrowed} of ${total}`);
  // The map follows: the clicked place is left, among fewer.
  await until(page, 'the map to follow the new filter', (n) => document.querySelectorAll('[data-testid="map-point"]').length < n, before);
  const places = await page.locator(tid('map-point')).evaluateAll((points) => points.map((p) => p.getAttribute('data-place')));
  assert.ok(places.includes(place), `${place} is still on the map: ${places.join(' | ')}`);
}

test('mailbox takeover: the intruder\'s country is on the map, travel is drawn, a click filters', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await loadSample(page);
    await checkMap(page, await answerKey('samples'));
  });
});

test('compromised admin: the intruder\'s country is on the map, travel is drawn, a click filters', { timeout: TEST_TIMEOUT }, async (t) => {
  await withApp(env, t, async ({ page }) => {
    await loadAdminScenario(page);
    await checkMap(page, await answerKey('samples/admin'));
  });
});
