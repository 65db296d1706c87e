//! Big lists the page stops showing (tens of thousands of findings, each
//! with its strings), freed a slice at a time once the redraw that replaced
//! them is over. Freed at once, inside that redraw, they held the page's
//! thread for tens of milliseconds at millions of rows.

use super::yield_now::to_browser;
use std::rc::Rc;
use wasm_bindgen_futures::spawn_local;

/// Items freed between two looks at the clock.
const SLICE: usize = 256;

/// Free for this long (ms) before letting the page paint.
const STEP_MS: f64 = 4.0;

/// Redraws waited for before leaving the list to whoever holds it last.
const WAITS_FOR_LAST_HOLDER: usize = 3;

/// Let go of `shared`, freeing the items `into_items` takes out of it in
/// slices when this was its last holder. Small lists go at once.
pub fn free_in_slices<T: 'static, Item: 'static>(shared: Rc<T>, size: usize, into_items: fn(T) -> Vec<Item>) {
    if size <= SLICE {
        return;
    }
    spawn_local(async move {
        let mut shared = shared;
        for _ in 0..WAITS_FOR_LAST_HOLDER {
            // The redraw that stops showing the list lets go of its copies.
            to_browser().await;
            match Rc::try_unwrap(shared) {
                Ok(owned) => return free(into_items(owned)).await,
                Err(still_shared) => shared = still_shared,
            }
        }
    });
}

async fn free<Item>(mut items: Vec<Item>) {
    while !items.is_empty() {
        let started = js_sys::Date::now();
        while !items.is_empty() && js_sys::Date::now() - started < STEP_MS {
            items.truncate(items.len().saturating_sub(SLICE));
        }
        if !items.is_empty() {
            to_browser().await;
        }
    }
}
