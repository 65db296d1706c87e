//! Case state in the browser's localStorage, saved after every change. Reading
//! goes through the versioned case format, so an unreadable saved case is
//! reported instead of silently replaced. Where the browser gives no storage
//! or refuses to write (storage turned off, a private window, a full quota,
//! some browsers on a page opened from disk), the analyst is told at start
//! and after each change, and pointed at Export ▸ Case file. A refused write
//! leaves the stored case as it was: the browser either stores a value whole
//! or throws, and the revision is written only after the case was.
//!
//! The same case open in two tabs: every save checks the stored revision
//! first (`case::tabs`) and does not overwrite another tab's save.

use crate::case::tabs::{self, Revision, SaveDecision, TabSignal, CASE_KEY, OPENED_KEY, PRESENT_KEY, REVISION_KEY};
use crate::case::{self, Case};
use std::cell::RefCell;

/// Where a saved case that cannot be read is kept, so the next save (which
/// writes `CASE_KEY`) does not destroy what may be an analyst's only copy.
const UNREADABLE_KEY: &str = "loupe.case.unreadable";
/// Written and removed at start, to learn whether saving will work before
/// the analyst has done any work.
const PROBE_KEY: &str = "loupe.probe";

const CANNOT_SAVE: &str = "This copy of Loupe cannot save the case in this browser (it gives this page no storage). \
     Your work is lost on reload: use Export ▸ Case file to keep it.";
const SAVE_REFUSED: &str = "The browser refused to save the case (storage full or not allowed); \
     changes since the last save are lost on reload. Use Export ▸ Case file to keep your work.";

/// This tab's id and the revision of the saved case it last read or wrote.
struct TabState {
    me: String,
    known: Option<Revision>,
}

thread_local! {
    static TAB: RefCell<TabState> = RefCell::new(TabState {
        me: tabs::tab_id(js_sys::Math::random(), js_sys::Date::now()),
        known: None,
    });
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn stored_revision(storage: &web_sys::Storage) -> Option<Revision> {
    storage.get_item(REVISION_KEY).ok().flatten().and_then(|t| Revision::parse(&t))
}

/// The saved case (a fresh one when nothing is saved or it cannot be read)
/// and, when there is one, a problem to show the analyst.
pub fn load_case() -> (Case, Option<String>) {
    let Some(storage) = local_storage() else { return (Case::default(), Some(CANNOT_SAVE.into())) };
    let writable = storage.set_item(PROBE_KEY, "1").is_ok() && storage.remove_item(PROBE_KEY).is_ok();
    let cannot_save = (!writable).then(|| CANNOT_SAVE.to_string());
    TAB.with(|tab| tab.borrow_mut().known = stored_revision(&storage));
    match storage.get_item(CASE_KEY) {
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

/// Why a change was not saved.
#[derive(Clone, Debug, PartialEq)]
pub enum SaveProblem {
    /// The browser gave no storage or refused the write.
    Refused(String),
    /// Another tab saved the case since this tab last read or wrote it.
    OtherTabSaved,
}

/// Save the case, unless another tab saved since; or say why it was not saved.
pub fn save_case(case: &Case) -> Result<(), SaveProblem> {
    let Some(storage) = local_storage() else { return Err(SaveProblem::Refused(CANNOT_SAVE.into())) };
    let text = case::to_json(case);
    let stored = stored_revision(&storage);
    let saved_text = storage.get_item(CASE_KEY).ok().flatten();
    TAB.with(|tab| {
        let mut tab = tab.borrow_mut();
        // Parsed only when another tab wrote since: the usual save compares
        // no more than the text.
        let same = saved_text.as_deref() == Some(text.as_str())
            || (tab.known != stored && saved_text.as_deref().and_then(|t| case::from_json(t).ok()).is_some_and(|saved| tabs::same_work(&saved, case)));
        match tabs::decide_save(tab.known.as_ref(), stored.as_ref(), same, &tab.me) {
            SaveDecision::AlreadySaved => {
                tab.known = stored;
                Ok(())
            }
            SaveDecision::Conflict => Err(SaveProblem::OtherTabSaved),
            SaveDecision::Write(next) => {
                storage.set_item(CASE_KEY, &text).map_err(|_| SaveProblem::Refused(SAVE_REFUSED.into()))?;
                // The case is written; should the tiny revision write fail,
                // the next save still sees `known` equal to what is stored.
                if storage.set_item(REVISION_KEY, &next.to_text()).is_ok() {
                    tab.known = Some(next);
                }
                Ok(())
            }
        }
    })
}

/// The case another tab saved, for "Load the other tab's version": from
/// now on this tab continues from that revision. `None` when nothing readable is saved.
pub fn take_saved_case() -> Option<Case> {
    let storage = local_storage()?;
    let case = case::from_json(&storage.get_item(CASE_KEY).ok().flatten()?).ok()?;
    TAB.with(|tab| tab.borrow_mut().known = stored_revision(&storage));
    Some(case)
}

/// "Keep this tab's version": the next save writes over the other tab's.
pub fn overwrite_next_save() {
    if let Some(storage) = local_storage() {
        TAB.with(|tab| tab.borrow_mut().known = stored_revision(&storage));
    }
}

/// Tell tabs already open on this origin that this one opened.
pub fn announce_opened() {
    if let Some(storage) = local_storage() {
        let me = TAB.with(|tab| tab.borrow().me.clone());
        let _ = storage.set_item(OPENED_KEY, &format!("{me} {}", js_sys::Date::now()));
    }
}

/// What another tab's storage write (a `storage` event's key and new value)
/// means here. Answers a newly opened tab, so it learns it is not alone. A
/// save by another tab that left the case exactly as this tab has it is
/// taken silently. `case` is this tab's current case.
pub fn on_storage_event(key: Option<String>, new_value: Option<String>, case: &Case) -> Option<TabSignal> {
    let (me, known) = TAB.with(|tab| {
        let tab = tab.borrow();
        (tab.me.clone(), tab.known.clone())
    });
    let signal = tabs::signal(key.as_deref(), new_value.as_deref(), &me, known.as_ref())?;
    let storage = local_storage()?;
    match &signal {
        TabSignal::OtherTabOpened => {
            let _ = storage.set_item(PRESENT_KEY, &format!("{me} {}", js_sys::Date::now()));
        }
        TabSignal::OtherTabSaved(revision) => {
            let saved = storage.get_item(CASE_KEY).ok().flatten().and_then(|t| case::from_json(&t).ok());
            if saved.is_some_and(|saved| tabs::same_work(&saved, case)) {
                TAB.with(|tab| tab.borrow_mut().known = Some(revision.clone()));
                return None;
            }
        }
        TabSignal::OtherTabPresent => {}
    }
    Some(signal)
}
