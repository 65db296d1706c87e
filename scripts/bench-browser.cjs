// Browser benchmark (figures, not a test): load a generated ~200 MB
// Search-UnifiedAuditLog export into the release build in headless Chromium
// and report load time and how long the main thread was ever blocked.
// Usage: node scripts/bench-browser.cjs DIST_DIR CSV_FILE
// (make bench-browser builds dist/ and generates the file first.)
const path = require('path');
const http = require('http');
const fs = require('fs');
const { chromium } = require(path.join(__dirname, '..', 'tools', 'node_modules', 'playwright-core'));

const [distArg, csvFile] = process.argv.slice(2);
const distDir = distArg && path.resolve(distArg);
if (!distArg || !csvFile) {
  console.error('usage: node scripts/bench-browser.cjs DIST_DIR CSV_FILE');
  process.exit(2);
}
const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml' };
const server = http.createServer((req, res) => {
  let p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  if (p.endsWith('/')) p += 'index.html';
  const file = path.join(distDir, path.normalize(p));
  if (!file.startsWith(distDir)) { res.writeHead(403); res.end(); return; }
  fs.readFile(file, (err, data) => {
    if (err) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' });
    res.end(data);
  });
});

server.listen(0, '127.0.0.1', async () => {
  const port = server.address().port;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    if (process.env.LOUPE_BENCH_VERBOSE) page.on('console', (m) => console.log('console:', m.text()));
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForSelector('[data-testid=file-input]', { state: 'attached' });
    // Long tasks are main-thread stretches over 50 ms; record each one.
    await page.evaluate(() => {
      window.__longTasks = [];
      new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push([e.duration, e.startTime]); }).observe({ type: 'longtask', buffered: true });
    });
    const size = fs.statSync(csvFile).size;
    const started = Date.now();
    const startedAt = await page.evaluate(() => performance.now());
    if (process.env.LOUPE_BENCH_VERBOSE) console.log('file chosen at', Math.round(startedAt));
    await page.setInputFiles('[data-testid=file-input]', csvFile);
    await page.waitForFunction(() => {
      const cards = document.querySelectorAll('[data-testid=file-card]');
      return cards.length > 0 && document.querySelectorAll('[data-testid=file-card] progress').length === 0;
    }, null, { timeout: 30 * 60 * 1000, polling: 500 });
    const seconds = (Date.now() - started) / 1000;
    const rows = await page.textContent('[data-testid=file-rows]');
    const taskEntries = await page.evaluate(() => window.__longTasks);
    if (process.env.LOUPE_BENCH_VERBOSE) console.log('long tasks [ms, start]:', JSON.stringify(taskEntries.map(([d, s]) => [Math.round(d), Math.round(s)])));
    const tasks = taskEntries.map(([d]) => d);
    const memory = await page.evaluate(() => (performance.memory ? performance.memory.usedJSHeapSize : 0));
    const queryStart = Date.now();
    await page.fill('[data-testid=query]', 'op:MailItemsAccessed');
    await page.press('[data-testid=query]', 'Enter');
    await page.waitForFunction(() => /^[\d,]+ of /.test(document.querySelector('[data-testid=match-count]').textContent), null, { timeout: 60000 });
    const querySeconds = (Date.now() - queryStart) / 1000;
    tasks.sort((a, b) => b - a);
    console.log(`file                     ${path.basename(csvFile)}, ${(size / 1e6).toFixed(1)} MB`);
    console.log(`result                   ${rows}`);
    console.log(`load (read+parse+index)  ${seconds.toFixed(1)} s, ${(size / 1e6 / seconds).toFixed(1)} MB/s`);
    console.log(`main thread blocked      longest ${tasks.length ? tasks[0].toFixed(0) : 0} ms; ${tasks.length} tasks over 50 ms; 95th percentile ${tasks.length ? tasks[Math.floor(tasks.length * 0.05)].toFixed(0) : 0} ms`);
    console.log(`filter op:MailItemsAccessed, round trip to screen  ${querySeconds.toFixed(2)} s`);
    if (memory) console.log(`JS heap in use           ${(memory / 1e6).toFixed(0)} MB (wasm memory is separate)`);
  } finally {
    await browser.close();
    server.close();
  }
});
