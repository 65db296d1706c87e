//! The facets and histogram of the timeline's rows, worked out a step at a
//! time after the rows themselves are drawn.
//!
//! On millions of rows the query, five facets and the histogram together
//! took over 50 ms in the task that redraws the page, once per part of a
//! loading file and once per filter. The rows come first; each facet and
//! the histogram follow in tasks of their own, and until they are ready the
//! previous ones stay on screen (as `Later` does for the other views).

use super::analysis::timed;
use super::view::{facet_of, histogram_of, RowsSummary, FACETS};
use crate::store::EventStore;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

/// The rows the summary is for, compared by identity: a new query result
/// is a new `Rc`, and comparing millions of row numbers would cost what
/// this saves.
#[derive(Clone)]
struct RowsOf(Rc<Vec<u32>>, u64);

impl PartialEq for RowsOf {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0) && self.1 == other.1
    }
}

/// The summary of `rows` (row numbers of the store's `layout`), or the
/// last one finished while it is worked out.
#[hook]
pub fn use_rows_summary(store: Rc<RefCell<EventStore>>, rows: Rc<Vec<u32>>, layout: u64) -> Rc<RowsSummary> {
    let shown = use_state(|| Rc::new(RowsSummary::default()));
    // Which request is the newest: an older one still under way gives up.
    let newest = use_mut_ref(|| 0u64);
    {
        let shown = shown.clone();
        use_effect_with(RowsOf(rows, layout), move |RowsOf(rows, layout)| {
            let request = {
                let mut newest = newest.borrow_mut();
                *newest += 1;
                *newest
            };
            let (rows, layout) = (rows.clone(), *layout);
            spawn_local(async move {
                let mut summary = RowsSummary::default();
                let still_wanted = || *newest.borrow() == request;
                for field in FACETS {
                    super::yield_now::to_browser().await;
                    let Some(store) = current(&store, layout).await.filter(|_| still_wanted()) else { return };
                    summary.facets.push((field, timed("timeline facets", || facet_of(&store, &rows, field))));
                }
                super::yield_now::to_browser().await;
                let Some(store) = current(&store, layout).await.filter(|_| still_wanted()) else { return };
                summary.histogram = timed("timeline histogram", || histogram_of(&store, &rows));
                drop(store);
                // Redrawing the facets and histogram is a task of its own.
                super::yield_now::to_browser().await;
                if still_wanted() {
                    shown.set(Rc::new(summary));
                }
            });
        });
    }
    (*shown).clone()
}

/// The store once nobody is changing it, if its rows are still numbered as
/// in `layout` (else a newer request follows with new rows).
pub(super) async fn current(store: &Rc<RefCell<EventStore>>, layout: u64) -> Option<std::cell::Ref<'_, EventStore>> {
    let store = free(store).await;
    (store.row_layout() == layout).then_some(store)
}

/// The store once nobody is changing it (a change runs in one task, so
/// this waits a task or two at most).
pub(super) async fn free(store: &Rc<RefCell<EventStore>>) -> std::cell::Ref<'_, EventStore> {
    loop {
        match store.try_borrow() {
            Ok(store) => return store,
            Err(_) => gloo::timers::future::TimeoutFuture::new(1).await,
        }
    }
}
