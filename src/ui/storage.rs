//! Case state in the browser's localStorage, saved after every change. Reading
//! goes through the versioned case format, so an unreadable saved case is
//! reported instead of silently replaced.

use crate::case::{self, Case};

const KEY: &str = "loupe.case";
/// Where a saved case that cannot be read is kept, so the next save (which
/// writes `KEY`) does not destroy what may be an analyst's only copy.
const UNREADABLE_KEY: &str = "loupe.case.unreadable";

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The saved case, a fresh one when nothing is saved, or why it cannot be read.
pub fn load_case() -> Result<Case, String> {
    let Some(storage) = local_storage() else { return Err("This browser does not allow local storage here; case state will not survive a reload.".into()) };
    match storage.get_item(KEY) {
        Ok(Some(text)) => case::from_json(&text).map_err(|e| {
            let kept = storage.set_item(UNREADABLE_KEY, &text).is_ok();
            let where_kept = if kept { format!(" Its text was kept in this browser's local storage under '{UNREADABLE_KEY}'.") } else { String::new() };
            format!("The case saved in this browser could not be restored: {e}{where_kept}")
        }),
        _ => Ok(Case::default()),
    }
}

/// Save the case; false when the browser refuses (private mode, quota).
pub fn save_case(case: &Case) -> bool {
    local_storage().is_some_and(|s| s.set_item(KEY, &case::to_json(case)).is_ok())
}
