//! Saving a file the page made (a case, a report) to the analyst's disk:
//! a Blob behind a temporary object URL and a clicked `download` link. No
//! network is involved; the URL is revoked straight after.

use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, Url};

/// Offer `contents` as a download named `file_name`.
pub fn save(file_name: &str, mime: &str, contents: &str) -> Result<(), String> {
    offer(file_name, mime, &js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(contents)))
}

/// Offer binary `contents` (a zip) as a download named `file_name`.
pub fn save_bytes(file_name: &str, mime: &str, contents: &[u8]) -> Result<(), String> {
    offer(file_name, mime, &js_sys::Array::of1(&js_sys::Uint8Array::from(contents)))
}

fn offer(file_name: &str, mime: &str, parts: &js_sys::Array) -> Result<(), String> {
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let blob = Blob::new_with_u8_array_sequence_and_options(parts, &options).map_err(|_| "the browser could not make the file".to_string())?;
    let url = Url::create_object_url_with_blob(&blob).map_err(|_| "the browser could not offer the file".to_string())?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let link: HtmlAnchorElement = document.create_element("a").map_err(|_| "no link")?.unchecked_into();
    link.set_href(&url);
    link.set_download(file_name);
    link.click();
    let _ = Url::revoke_object_url(&url);
    Ok(())
}
