// The web build's SIMD128 scans (CSV record ends, quotes) against the
// portable ones: `cargo test` checks the native SSE2 scans the same way but
// never runs the wasm target's vector code, which every CSV load in the
// page's workers goes through. Run on dist/'s release module in Node
// (same V8 as Chromium), no page needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { distDir } from './harness.mjs';

test('the web build scans CSV text with SIMD128 exactly as byte by byte', async () => {
  const glue = fs.readdirSync(distDir).find((f) => /^loupe-app-.*\.js$/.test(f));
  const wasm = fs.readdirSync(distDir).find((f) => /^loupe-app-.*_bg\.wasm$/.test(f));
  assert.ok(glue && wasm, `no loupe-app-*.js and *_bg.wasm in ${distDir} (make dist)`);
  const bindings = await import(pathToFileURL(path.join(distDir, glue)).href);
  bindings.initSync({ module: fs.readFileSync(path.join(distDir, wasm)) });
  assert.equal(bindings.loupe_check_vector_scans(), '');
});
