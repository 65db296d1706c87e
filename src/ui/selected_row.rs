//! The row the analyst opened, kept on its event while a file loads.
//!
//! Row numbers are positions in time order: each part of a loading file
//! that merges rows in before the open one would otherwise swap the detail
//! pane to whatever event now sits at the old number.

use crate::store::EventStore;
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Clone)]
pub struct SelectedRow {
    /// The row and the store layout its number belongs to.
    row: Rc<RefCell<Option<(u32, u64)>>>,
    store: Rc<RefCell<EventStore>>,
    rerender: UseForceUpdateHandle,
}

impl PartialEq for SelectedRow {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.row, &other.row) && self.get() == other.get()
    }
}

#[hook]
pub fn use_selected_row(store: Rc<RefCell<EventStore>>) -> SelectedRow {
    let row = use_mut_ref(|| None::<(u32, u64)>);
    SelectedRow { row, store, rerender: use_force_update() }
}

impl SelectedRow {
    /// The open row's number now, or `None` when nothing is open or its
    /// event could not be followed (its file was removed).
    pub fn get(&self) -> Option<u32> {
        let (row, layout) = (*self.row.borrow())?;
        let store = self.store.try_borrow().ok()?;
        if layout == store.row_layout() {
            return Some(row);
        }
        let now = store.rows_moved_since(layout).map(|moved| moved.row(row)).filter(|&r| (r as usize) < store.len());
        // Remember the number in today's layout: the store keeps only a few
        // merges to follow.
        *self.row.borrow_mut() = now.map(|r| (r, store.row_layout()));
        now
    }

    pub fn is_some(&self) -> bool {
        self.get().is_some()
    }

    pub fn set(&self, row: Option<u32>) {
        let layout = self.store.try_borrow().map(|s| s.row_layout()).unwrap_or_default();
        *self.row.borrow_mut() = row.map(|r| (r, layout));
        self.rerender.force_update();
    }
}
