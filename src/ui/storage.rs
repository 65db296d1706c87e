//! Case state in the browser's localStorage, saved after every change. Reading
//! goes through the versioned case format, so an unreadable saved case is
//! reported instead of silently replaced. Where the browser gives no storage
//! or refuses to write (storage turned off, a private window, a full quota,
//! some browsers on a page opened from disk), the analyst is told at start
//! and after each change, and pointed at Export ▸ Case file.

use crate::case::{self, Case};

const KEY: &str = "loupe.case";
/// Where a saved case that cannot be read is kept, so the next save (which
/// writes `KEY`) does not destroy what may be an analyst's only copy.
const UNREADABLE_KEY: &str = "loupe.case.unreadable";
/// Written and removed at start, to learn whether saving will work before
/// the analyst has done any work.
const PROBE_KEY: &str = "loupe.probe";

const CANNOT_SAVE: &str = "This copy of Loupe cannot save the case in this browser (it gives this page no storage). \
     Your work is lost on reload: use Export ▸ Case file to keep it.";
const SAVE_REFUSED: &str = "The browser refused to save the case (storage full or not allowed); \
     changes since the last save are lost on reload. Use Export ▸ Case file to keep your work.";

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The saved case (a fresh one when nothing is saved or it cannot be read)
/// and, when there is one, a problem to show the analyst.
pub fn load_case() -> (Case, Option<String>) {
    let Some(storage) = local_storage() else { return (Case::default(), Some(CANNOT_SAVE.into())) };
    let writable = storage.set_item(PROBE_KEY, "1").is_ok() && storage.remove_item(PROBE_KEY).is_ok();
    let cannot_save = (!writable).then(|| CANNOT_SAVE.to_string());
    match storage.get_item(KEY) {
        Ok(Some(text)) => match case::from_json(&text) {
            Ok(case) => (case, cannot_save),
            Err(e) => {
                let kept = storage.set_item(UNREADABLE_KEY, &text).is_ok();
                let where_kept = if kept { format!(" Its text was kept in this browser's local storage under '{UNREADABLE_KEY}'.") } else { String::new() };
                (Case::default(), Some(format!("The case saved in this browser could not be restored: {e}{where_kept}")))
            }
        },
        Ok(None) => (Case::default(), cannot_save),
        Err(_) => (Case::default(), Some(CANNOT_SAVE.into())),
    }
}

/// Save the case, or say why it could not be saved.
pub fn save_case(case: &Case) -> Result<(), String> {
    let Some(storage) = local_storage() else { return Err(CANNOT_SAVE.into()) };
    storage.set_item(KEY, &case::to_json(case)).map_err(|_| SAVE_REFUSED.into())
}
