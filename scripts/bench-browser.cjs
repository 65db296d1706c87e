// Browser benchmark (figures, not a test): load generated
// Search-UnifiedAuditLog exports into the release build in headless Chromium
// and report, per file: MB/s, the ratio to the native command line on the
// same file in the same run (`loupe summary`), the longest main-thread task,
// peak memory of all browser processes while loading, and the time until
// the first rows show.
// Usage: node scripts/bench-browser.cjs DIST_DIR CSV_FILE...
// (LOUPE_BENCH_REPEAT=N loads each file N times.)
// (make bench-browser builds dist/ and generates the files first.)
const path = require('path');
const { staticServer } = require('./static-server.cjs');
const fs = require('fs');
const { chromium } = require(path.join(__dirname, '..', 'tools', 'node_modules', 'playwright-core'));

const [distArg, ...csvFiles] = process.argv.slice(2);
const distDir = distArg && path.resolve(distArg);
if (!distArg || csvFiles.length === 0) {
  console.error('usage: node scripts/bench-browser.cjs DIST_DIR CSV_FILE...');
  process.exit(2);
}
const { execFileSync } = require('child_process');

/** Resident memory (MB) of every Chromium process, from /proc. */
function browserMemoryMb() {
  let kb = 0;
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!/chromium/.test(cmd)) continue;
      const rss = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)/m);
      if (rss) kb += Number(rss[1]);
    } catch { /* the process ended */ }
  }
  return kb / 1024;
}

/** MB/s of one native thread doing what one browser worker does to the
 * file (`loupe-bench --one-thread`), or null. */
function oneNativeThreadMbs(file) {
  const bench = path.join(__dirname, '..', 'target', 'release', 'loupe-bench');
  if (!fs.existsSync(bench)) return null;
  const out = execFileSync(bench, ['--one-thread', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const m = out.match(/([\d.]+) MB\/s/);
  return m ? Number(m[1]) : null;
}

/** Seconds the native command line takes on the same file. */
function nativeSeconds(file) {
  const loupe = path.join(__dirname, '..', 'target', 'release', 'loupe');
  if (!fs.existsSync(loupe)) return null;
  const t = process.hrtime.bigint();
  execFileSync(loupe, ['summary', file], { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 1 << 30 });
  return Number(process.hrtime.bigint() - t) / 1e9;
}
const server = staticServer(distDir);

server.listen(0, '127.0.0.1', async () => {
  const port = server.address().port;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  try {
    // LOUPE_BENCH_REPEAT=N: load each file N times (a fresh page each time),
    // for a spread of figures on a noisy machine.
    const repeat = Math.max(1, Number(process.env.LOUPE_BENCH_REPEAT) || 1);
    for (const csvFile of csvFiles) for (let run = 0; run < repeat; run++) await benchOne(browser, port, csvFile);
  } finally {
    await browser.close();
    server.close();
  }
});

async function benchOne(browser, port, csvFile) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    if (process.env.LOUPE_BENCH_VERBOSE) page.on('console', (m) => console.log('console:', m.text()));
    // The app names each step that held the main thread over 50 ms.
    const slowSteps = [];
    page.on('console', (m) => { if (m.text().startsWith('loupe: slow step')) slowSteps.push(m.text().replace('loupe: slow step ', '')); });
    // And where the load's time went, thread by thread.
    const timings = [];
    page.on('console', (m) => { if (m.text().startsWith('loupe: load timings')) timings.push(m.text().replace(/^loupe: load timings [^:]*: /, '')); });
    page.on('crash', () => console.log('the page crashed'));
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForSelector('[data-testid=file-input]', { state: 'attached' });
    // Long tasks are main-thread stretches over 50 ms; record each one.
    await page.evaluate(() => {
      window.__longTasks = [];
      new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push([e.duration, e.startTime]); }).observe({ type: 'longtask', buffered: true });
    });
    // LOUPE_BENCH_FORM_CONTROLS=1: count the form controls (buttons, inputs,
    // selects) the page adds or removes during the load. Each such change
    // makes Chromium's autofill walk every control 100 ms later, a long task
    // on a large page.
    if (process.env.LOUPE_BENCH_FORM_CONTROLS) {
      await page.evaluate(() => {
        window.__controls = {};
        const name = (el) => `${el.tagName.toLowerCase()}${el.dataset.testid ? '[' + el.dataset.testid.replace(/[0-9]+/g, 'N') + ']' : ''} in ${el.parentElement?.closest('[data-testid]')?.dataset.testid?.replace(/[0-9]+/g, 'N') || el.parentElement?.className || '?'}`;
        const count = (nodes, how) => {
          for (const node of nodes) {
            if (!(node instanceof Element)) continue;
            const controls = [node, ...node.querySelectorAll('button, input, select, textarea')].filter((el) => el.matches('button, input, select, textarea'));
            if (!controls.length) continue;
            // Named by the subtree that came or went, which is what to fix.
            const root = `${node.tagName.toLowerCase()}.${[...node.classList].join('.')}${node.dataset.testid ? '[' + node.dataset.testid.replace(/[0-9]+/g, 'N') + ']' : ''}`;
            const key = `${how} ${root} (${controls.length} controls, first ${name(controls[0])})`;
            window.__controls[key] = (window.__controls[key] || 0) + 1;
          }
        };
        new MutationObserver((records) => {
          for (const r of records) { count(r.addedNodes, 'added'); count(r.removedNodes, 'removed'); }
        }).observe(document.body, { childList: true, subtree: true });
      });
    }
    // LOUPE_BENCH_DOM=1: count the elements the page adds and removes during
    // the load, by the nearest part of the page with a test id: which view
    // rebuilds its nodes instead of updating them.
    if (process.env.LOUPE_BENCH_DOM) {
      await page.evaluate(() => {
        window.__dom = {};
        const part = (el) => el?.closest?.('[data-testid]')?.dataset.testid?.replace(/[0-9]+/g, 'N') || el?.className || '?';
        const tally = (target, nodes, how) => {
          let n = 0;
          for (const node of nodes) if (node instanceof Element) n += 1 + node.getElementsByTagName('*').length;
          if (!n) return;
          const key = `${how} in ${part(target)}`;
          window.__dom[key] = (window.__dom[key] || 0) + n;
        };
        new MutationObserver((records) => {
          for (const r of records) { tally(r.target, r.addedNodes, 'added'); tally(r.target, r.removedNodes, 'removed'); }
        }).observe(document.body, { childList: true, subtree: true });
      });
    }
    const size = fs.statSync(csvFile).size;
    const baseMemory = browserMemoryMb();
    let peakMemory = baseMemory;
    const sampler = setInterval(() => { peakMemory = Math.max(peakMemory, browserMemoryMb()); }, 250);
    // LOUPE_BENCH_TRACE=file.json: a Chromium trace of the load (every thread).
    if (process.env.LOUPE_BENCH_TRACE) await browser.startTracing(page, { path: process.env.LOUPE_BENCH_TRACE, categories: (process.env.LOUPE_BENCH_TRACE_CATEGORIES || 'devtools.timeline,disabled-by-default-devtools.timeline').split(',') });
    // Long tasks before this instant are the page starting up (compiling the
    // wasm, the first render): reported apart from the load's.
    const loadStartedAt = await page.evaluate(() => performance.now());
    const started = Date.now();
    await page.setInputFiles('[data-testid=file-input]', csvFile);
    let firstRows = null;
    let lastDetail = '';
    for (;;) {
      const state = await page.evaluate(() => ({
        rows: document.querySelectorAll('[data-testid=row]').length,
        busy: document.querySelectorAll('[data-testid=file-card] progress').length,
        cards: document.querySelectorAll('[data-testid=file-card]').length,
        detail: document.querySelector('[data-testid=file-rate]')?.textContent || '',
      })).catch(() => null);
      if (!state) break;
      if (state.detail) lastDetail = state.detail;
      if (firstRows === null && state.rows > 0) firstRows = (Date.now() - started) / 1000;
      if (state.cards > 0 && state.busy === 0) break;
      if (Date.now() - started > 60 * 60 * 1000) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const seconds = (Date.now() - started) / 1000;
    // Then the findings, worked out in steps after the load (traced too: their
    // drawing is main-thread work the long-task count includes).
    let findingsShown = null;
    for (;;) {
      const analysing = await page.evaluate(() => document.querySelectorAll('[data-testid=findings-analysing]').length).catch(() => 0);
      if (!analysing) { findingsShown = (Date.now() - started) / 1000; break; }
      if (Date.now() - started > 60 * 60 * 1000) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    if (process.env.LOUPE_BENCH_TRACE) await browser.stopTracing();
    clearInterval(sampler);
    const rows = await page.textContent('[data-testid=file-rows]').catch(() => '(no result)');
    const unreadable = await page.textContent('[data-testid=file-unreadable]').catch(() => '');
    const taskEntries = await page.evaluate(() => window.__longTasks).catch(() => []);
    const tasks = taskEntries.filter(([, at]) => at >= loadStartedAt).map(([d]) => d).sort((a, b) => b - a);
    const startupTasks = taskEntries.filter(([, at]) => at < loadStartedAt).map(([d]) => d).sort((a, b) => b - a);
    const native = nativeSeconds(csvFile);
    const mbs = size / 1e6 / seconds;
    console.log(`file                     ${path.basename(csvFile)}, ${(size / 1e6).toFixed(1)} MB`);
    console.log(`result                   ${unreadable || rows}`);
    console.log(`last progress line       ${lastDetail}`);
    console.log(`browser load             ${seconds.toFixed(1)} s, ${mbs.toFixed(1)} MB/s (read, split, parse in workers, merge, index)`);
    if (native) console.log(`native loupe summary     ${native.toFixed(1)} s, ${(size / 1e6 / native).toFixed(1)} MB/s; browser ÷ native speed ${(native / seconds).toFixed(2)}×`);
    console.log(`first rows shown after   ${firstRows === null ? 'never' : firstRows.toFixed(1) + ' s'}`);
    console.log(`findings shown after     ${findingsShown === null ? 'never' : findingsShown.toFixed(1) + ' s'}`);
    console.log(`main thread blocked      longest ${tasks.length ? tasks[0].toFixed(0) : 0} ms; ${tasks.length} tasks over 50 ms (from choosing the file until the findings show)`);
    if (startupTasks.length) console.log(`  before the load        ${startupTasks.length} tasks over 50 ms while the page started, longest ${startupTasks[0].toFixed(0)} ms (not counted above)`);
    for (const t of timings) console.log(`where the time went      ${t}`);
    // The workers' own time (summed over them) against one native thread
    // doing the same work. In the app a worker shares the cores with the
    // page and the hashing worker; bench-worker.mjs times one alone.
    const workerMs = timings.map((t) => t.match(/workers parsing (\d+)/)).filter(Boolean).reduce((sum, m) => sum + Number(m[1]), 0);
    // (`--one-thread` holds the whole file and its slices in memory: not for the 4 GB file.)
    const nativeThread = workerMs && size < 1.5e9 ? oneNativeThreadMbs(csvFile) : null;
    if (workerMs) {
      const workerMbs = size / 1e6 / (workerMs / 1000);
      console.log(`workers in the app       ${workerMbs.toFixed(1)} MB/s parsing, sharing the cores${nativeThread ? `; one native thread alone ${nativeThread.toFixed(1)} MB/s on the same slices: ${(workerMbs / nativeThread).toFixed(2)}×` : ''}`);
    }
    if (slowSteps.length) console.log(`steps over 50 ms         ${slowSteps.join('; ')}`);
    if (process.env.LOUPE_BENCH_VERBOSE) console.log(`long tasks (ms at start) ${taskEntries.map(([d, at]) => `${d.toFixed(0)} at ${(at - loadStartedAt).toFixed(0)}`).join(', ')}`);
    if (process.env.LOUPE_BENCH_DOM) {
      const dom = await page.evaluate(() => window.__dom).catch(() => ({}));
      const lines = Object.entries(dom).sort((a, b) => b[1] - a[1]).slice(0, 15);
      console.log(`elements added/removed   ${lines.map(([k, n]) => `${n} ${k}`).join('; ') || 'none'}`);
    }
    if (process.env.LOUPE_BENCH_FORM_CONTROLS) {
      const controls = await page.evaluate(() => window.__controls).catch(() => ({}));
      const top = Object.entries(controls).sort((a, b) => b[1] - a[1]).slice(0, 12);
      console.log(`form controls changed    ${top.map(([k, n]) => `${k} ×${n}`).join('; ') || 'none'}`);
    }
    console.log(`browser memory           peak ${peakMemory.toFixed(0)} MB, all Chromium processes (${baseMemory.toFixed(0)} MB before the load)`);
    console.log('');
    await page.close();
}
