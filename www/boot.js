// Starts the wasm app. Trunk writes the hashed file names into the data
// attributes of the <script> tag that loads this module (see Trunk.toml:
// pattern_script); keeping the loader in a file lets the CSP forbid inline script.
const tag = document.querySelector('script[data-loupe-js][data-loupe-wasm]');
const jsUrl = new URL(tag.dataset.loupeJs, document.baseURI);
const wasmUrl = new URL(tag.dataset.loupeWasm, document.baseURI);

const bindings = await import(jsUrl.href);
await bindings.default({ module_or_path: wasmUrl });
