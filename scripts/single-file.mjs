// Writes dist/loupe.html: the whole release build in one HTML file that works
// when opened from disk (file://), with no server and no network.
//
//   node scripts/single-file.mjs [DIST]      (run by `make dist` after Trunk)
//
// It reads what Trunk wrote to DIST (index.html, the hashed wasm-bindgen glue
// and .wasm, the stylesheet, the favicon) and every file under DIST/samples/,
// and puts them inside the page:
// - the stylesheet in a <style>, the favicon as a data: URL;
// - the .wasm in base64 and each sample file gzipped and in base64, each in a
//   data block (<script type="application/x-loupe-…">), which the browser
//   never runs and CSP does not govern; src/ui/embedded.rs reads the samples;
// - the glue and the few lines that start it from the embedded bytes in one
//   inline <script type="module"> (the glue's `export`s are legal there).
// The page's Content-Security-Policy allows exactly that inline script and
// that inline style by their SHA-256, WebAssembly compilation, data: images,
// and no connection at all (connect-src 'none'). Anything in index.html this
// script does not know how to inline is an error, never silently left out.

import { createHash } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { extname, join, relative, resolve, sep } from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = resolve(process.argv[2] || 'dist');
const OUT = 'loupe.html';

const sha256 = (text) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
const fail = (why) => {
  process.stderr.write(`single-file: ${why}\n`);
  process.exit(1);
};

/** A local file an attribute points at (`./name`), inside DIST. */
async function asset(href) {
  const path = resolve(dist, href);
  if (!path.startsWith(dist + sep)) fail(`${href} is outside ${dist}`);
  return readFile(path);
}

/** Every file under `dir`, as paths relative to DIST with `/`, sorted. */
async function filesUnder(dir) {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dist, join(e.parentPath ?? e.path, e.name)).split(sep).join('/'))
    .sort();
}

/** The value of attribute `name` in one tag's text, or undefined. */
const attr = (tag, name) => tag.match(new RegExp(`\\s${name}="([^"]*)"`))?.[1];

/** Text that must not end the element it is put in, nor open a comment or script inside it. */
function checkInline(text, element, what) {
  if (new RegExp(`</${element}|<!--|<script`, 'i').test(text)) fail(`${what} holds markup that would break out of its <${element}>`);
}

const MIME = { '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon' };

let html = await readFile(join(dist, 'index.html'), 'utf8').catch(() => fail(`${dist}/index.html is missing: run trunk build first`));

// The loader tag Trunk wrote (Trunk.toml: pattern_script) names the glue and the wasm.
const bootTag = html.match(/<script type="module" src="[^"]*boot\.js"[^>]*><\/script>/)?.[0] || fail('no boot.js <script> in index.html');
const glue = (await asset(attr(bootTag, 'data-loupe-js'))).toString('utf8');
const wasm = await asset(attr(bootTag, 'data-loupe-wasm'));
const init = glue.match(/export\s*\{[^}]*\b(\w+) as default\b/)?.[1] || glue.match(/export default (\w+);/)?.[1] || fail('the wasm-bindgen glue has no default export (its init)');
if (/^\s*import\b/m.test(glue)) fail('the wasm-bindgen glue imports other modules (snippets?); they would have to be inlined too');
checkInline(glue, 'script', 'the wasm-bindgen glue');

const start = `${glue.trimEnd()}

// dist/loupe.html: the wasm comes from the data block #loupe-wasm (base64),
// not from a file next to the page.
{
  const binary = atob(document.getElementById('loupe-wasm').textContent);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  await ${init}({ module_or_path: bytes });
}
`;

// The glue's text once more, not run here: the parsing workers are made
// from it (a blob: URL holding the glue and their message loop).
const dataBlocks = [
  `<script type="application/x-loupe-wasm" id="loupe-wasm">${wasm.toString('base64')}</script>`,
  `<script type="application/x-loupe-glue" id="loupe-glue">${glue}</script>`,
];
let samplesRaw = 0;
const samples = await filesUnder(join(dist, 'samples')).catch(() => []);
if (samples.length === 0) fail(`${dist}/samples/ is empty: run make samples first`);
for (const path of samples) {
  if (/[\s"&<>]/.test(path)) fail(`${path}: a sample's path cannot hold spaces or markup characters`);
  const bytes = await readFile(join(dist, path));
  samplesRaw += bytes.length;
  dataBlocks.push(`<script type="application/x-loupe-file" id="loupe-file:${path}">${gzipSync(bytes, { level: 9 }).toString('base64')}</script>`);
}

// The stylesheet inline and the favicon as a data: URL.
let css = null;
html = html.replace(/<link\b[^>]*>/g, (tag) => {
  const rel = attr(tag, 'rel');
  if (rel === 'modulepreload' || rel === 'preload') return '';
  if (rel === 'stylesheet') {
    if (css !== null) fail('more than one stylesheet');
    css = attr(tag, 'href');
    return '<style>@CSS@</style>';
  }
  if (rel === 'icon') return `<link rel="icon" href="@ICON:${attr(tag, 'href')}@">`;
  fail(`index.html has a <link> this script cannot inline: ${tag}`);
});
if (css === null) fail('no stylesheet in index.html');
const style = (await asset(css)).toString('utf8');
checkInline(style, 'style', 'the stylesheet');
if (/url\(|@import/i.test(style)) fail('the stylesheet refers to other files, which the single file cannot carry (CSP: nothing is fetched)');
html = html.replace('@CSS@', () => style);
for (const [marker, href] of [...html.matchAll(/@ICON:([^@"]+)@/g)]) {
  const type = MIME[extname(href).toLowerCase()] || fail(`favicon ${href}: unknown type`);
  html = html.replace(marker, `data:${type};base64,${(await asset(href)).toString('base64')}`);
}

// The loader tag becomes the data blocks and the inline module.
html = html.replace(bootTag, () => `${dataBlocks.join('\n')}\n<script type="module">${start}</script>`);
if (/<script\b[^>]*\bsrc=/i.test(html)) fail('index.html loads a script this script does not inline');

// The served build's CSP and its explanation make way for this file's own.
const csp = [
  "default-src 'none'",
  `script-src ${sha256(start)} 'wasm-unsafe-eval'`,
  'worker-src blob:',
  `style-src ${sha256(style)}`,
  'img-src data:',
  "connect-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');
const cspTag = /<meta http-equiv="Content-Security-Policy" content="[^"]*">/;
if (!cspTag.test(html)) fail('no Content-Security-Policy <meta> in index.html');
html = html.replace(cspTag, () => `<meta http-equiv="Content-Security-Policy" content="${csp}">`);
const explanation = /<!--[^]*?Content-Security-Policy[^]*?-->/;
if (!explanation.test(html)) fail('the CSP comment in index.html moved; update this script');
html = html.replace(explanation, () => `<!--
    Loupe in one file (written by scripts/single-file.mjs from the release
    build): open it from disk, no server needed. The app, its stylesheet and
    both training incidents are inside; it fetches nothing.
    Content-Security-Policy, stricter than the served build's:
    - script-src: only the one inline module below, by its SHA-256 (the
      wasm-bindgen glue and its start); 'wasm-unsafe-eval' lets it compile
      its own WebAssembly (no eval of JS text). The data blocks holding the
      wasm, the glue's text and the sample files are never run here.
    - worker-src blob: the parsing workers, made in the page from the glue's
      text; they are given the compiled module and fetch nothing.
    - style-src: only the inline stylesheet, by its SHA-256; no style
      attributes (run-time sizes go through the CSS object model).
    - connect-src 'none': nothing is fetched, not even from disk; the
      samples are read from the page itself.
    - img-src data: the favicon.
  -->`);

await writeFile(join(dist, OUT), html);
const mb = (n) => `${(n / 1024 / 1024).toFixed(1)} MB`;
process.stdout.write(`single-file: wrote ${join(dist, OUT)} (${mb(Buffer.byteLength(html))}: wasm ${mb(wasm.length)}, ${samples.length} sample files ${mb(samplesRaw)} before gzip)\n`);
