//! Hand the page's thread back to the browser for a moment: input, painting
//! and other tasks run, then the caller goes on in a task of its own.
//!
//! A message posted to oneself, not `setTimeout(0)`: nested timeouts are
//! clamped to 4 ms or more, so a load or an analysis that yields hundreds of
//! times would spend seconds waiting on the clamp rather than working.

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

pub async fn to_browser() {
    let Ok(channel) = web_sys::MessageChannel::new() else {
        // No message channels (never seen in a browser that runs wasm): a timeout does the same, slower.
        gloo::timers::future::TimeoutFuture::new(0).await;
        return;
    };
    let answered = js_sys::Promise::new(&mut |resolve, _reject| {
        channel.port1().set_onmessage(Some(&resolve));
    });
    if channel.port2().post_message(&JsValue::NULL).is_err() {
        gloo::timers::future::TimeoutFuture::new(0).await;
        return;
    }
    let _ = JsFuture::from(answered).await;
    // The ports close with the channel; clear the handler so the promise's
    // resolver is not kept alive by port1.
    channel.port1().set_onmessage(None);
}
