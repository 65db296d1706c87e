// One parsing worker against one native thread (figures, not a test):
// the release build's wasm module, run in Node's V8 (Chromium's engine) on
// one thread with nothing else competing, parses a file as one of the
// page's workers would (every 1 MiB slice, written as the worker's reply),
// then `loupe-bench --one-thread` does the same natively; then both hash the
// file (SHA-256), which the page's hashing worker does beside the parsing.
// Usage: node scripts/bench-worker.mjs DIST_DIR FILE...
// (make bench-browser runs it after the browser loads.)
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { pathToFileURL, fileURLToPath } from 'node:url';

const [distArg, ...files] = process.argv.slice(2);
if (!distArg || files.length === 0) {
  console.error('usage: node scripts/bench-worker.mjs DIST_DIR FILE...');
  process.exit(2);
}
const dist = path.resolve(distArg);
const glue = fs.readdirSync(dist).find((f) => /^loupe-app-.*\.js$/.test(f));
const wasm = fs.readdirSync(dist).find((f) => /^loupe-app-.*_bg\.wasm$/.test(f));
if (!glue || !wasm) {
  console.error(`bench-worker: no loupe-app-*.js and *_bg.wasm in ${dist} (make dist)`);
  process.exit(2);
}
const bindings = await import(pathToFileURL(path.join(dist, glue)).href);
bindings.initSync({ module: fs.readFileSync(path.join(dist, wasm)) });
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const bench = path.join(root, 'target', 'release', 'loupe-bench');

for (const file of files) {
  const bytes = fs.readFileSync(file);
  const mb = bytes.length / 1e6;
  // Best of three: the first run also grows wasm memory and warms V8's tiers.
  let best = Infinity;
  let slices = 0;
  for (let run = 0; run < 3; run++) {
    const [n, ms] = bindings.loupe_bench_one_worker(path.basename(file), bytes);
    slices = n;
    best = Math.min(best, ms);
  }
  const wasmRate = mb / (best / 1000);
  // The hashing worker's work: SHA-256 in 8 MiB pieces (FileHasher), which
  // in wasm is software only, beside the CPU's SHA instructions natively.
  let hashBest = Infinity;
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    const hasher = new bindings.FileHasher();
    for (let at = 0; at < bytes.length; at += 8 << 20) hasher.update(bytes.subarray(at, at + (8 << 20)));
    hasher.finish();
    hashBest = Math.min(hashBest, performance.now() - started);
  }
  const wasmHashRate = mb / (hashBest / 1000);
  let native = null;
  let nativeHash = null;
  if (fs.existsSync(bench)) {
    const runs = [0, 1, 2].map(() => execFileSync(bench, ['--one-thread', file], { encoding: 'utf8' }));
    const best = (pattern) => Math.max(...runs.map((out) => Number((out.match(pattern) || [])[1])).filter((r) => r > 0));
    native = best(/parsing .*?([\d.]+) MB\/s/);
    nativeHash = best(/hashing .*?([\d.]+) MB\/s/);
  }
  console.log(`file                     ${path.basename(file)}, ${mb.toFixed(1)} MB, ${slices} slices`);
  console.log(`one wasm worker          ${wasmRate.toFixed(1)} MB/s (best of 3, Node ${process.versions.node}, V8 ${process.versions.v8})`);
  if (native > 0) console.log(`one native thread        ${native.toFixed(1)} MB/s (best of 3); wasm ÷ native ${(wasmRate / native).toFixed(2)}×`);
  console.log(`SHA-256 in wasm          ${wasmHashRate.toFixed(1)} MB/s (best of 3): ${(1000 / wasmHashRate).toFixed(1)} s of a core per GB`);
  if (nativeHash > 0) console.log(`SHA-256 natively         ${nativeHash.toFixed(1)} MB/s (best of 3); wasm ÷ native ${(wasmHashRate / nativeHash).toFixed(2)}×`);
  console.log('');
}
