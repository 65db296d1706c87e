//! Files the page carries inside itself. The single-file build
//! (`dist/loupe.html`, written by `scripts/single-file.mjs`) is opened from
//! disk, where nothing can be fetched, so it holds every file under
//! `samples/` as a data block: `<script type="application/x-loupe-file"
//! id="loupe-file:samples/…">` with the file gzipped and in base64. A data
//! block is never run (and CSP does not apply to it). The served build has
//! none, and the loader fetches as before.

use flate2::read::GzDecoder;
use std::io::Read;

/// Id prefix of a data block; the rest is the path relative to the page.
const ID_PREFIX: &str = "loupe-file:";
/// No bundled file comes near this; a block that inflates past it is damaged.
const MAX_BYTES: u64 = 256 * 1024 * 1024;

/// The file at `path` (such as `samples/admin/manifest.json`) if the page
/// carries it: `None` when it does not, an error when its data is damaged.
pub fn file(path: &str) -> Option<Result<Vec<u8>, String>> {
    let window = web_sys::window()?;
    let block = window.document()?.get_element_by_id(&format!("{ID_PREFIX}{path}"))?;
    let text = block.text_content().unwrap_or_default();
    Some(decode(&window, &text).map_err(|why| format!("{path}: the copy inside this page is damaged ({why})")))
}

fn decode(window: &web_sys::Window, base64: &str) -> Result<Vec<u8>, String> {
    // atob gives one char per byte (U+0000 to U+00FF).
    let binary = window.atob(base64).map_err(|_| "not base64".to_string())?;
    let gzipped: Vec<u8> = binary.chars().map(|c| u8::try_from(u32::from(c)).map_err(|_| "not base64".to_string())).collect::<Result<_, _>>()?;
    let mut bytes = Vec::new();
    GzDecoder::new(gzipped.as_slice()).take(MAX_BYTES).read_to_end(&mut bytes).map_err(|e| format!("not gzip: {e}"))?;
    Ok(bytes)
}
