//! Copying a command or query for the analyst to paste elsewhere.

use wasm_bindgen_futures::JsFuture;

/// Put `text` on the clipboard; the message says what happened, for the
/// line under the copied item (a page opened from disk may be refused).
pub async fn copy(text: &str, done: &str) -> String {
    let result = match web_sys::window().map(|w| w.navigator().clipboard()) {
        Some(clipboard) => JsFuture::from(clipboard.write_text(text)).await.map(|_| ()),
        None => Err(wasm_bindgen::JsValue::NULL),
    };
    match result {
        Ok(()) => done.to_string(),
        Err(_) => "This browser refused the clipboard here: select the text and copy it.".to_string(),
    }
}
