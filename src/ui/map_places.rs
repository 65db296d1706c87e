//! The sign-in map of the timeline's rows, worked out in tasks of its own
//! after the rows are drawn (as `summary` does for the facets).
//!
//! Over a million rows the map's places took 60–200 ms in the task that
//! unfolded the map or changed the filter. Now each row's place is resolved
//! once per store (`RowPlaces`, kept here across filters) and a filter's
//! rows are only counted (`PlaceTally`); both go in slices of about
//! `STEP_MS`, the page painting between them. Until the new map is ready
//! the last one finished stays on screen.

use super::analysis::timed;
use super::summary::current;
use crate::geo::{PlaceTally, RowPlaces, SigninMap, TravelHops};
use crate::store::EventStore;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

/// A task works this long before it lets the page paint (ms).
const STEP_MS: f64 = 8.0;
/// Rows resolved or counted between two looks at the clock: well under a
/// millisecond of work.
const ROWS_PER_LOOK: usize = 8192;

/// What a map is worked out for. The rows and hops are compared by
/// identity: a new query result or new findings are a new `Rc`.
#[derive(Clone)]
pub struct MapRequest {
    pub rows: Rc<Vec<u32>>,
    /// The store's row numbering the rows are in.
    pub layout: u64,
    /// Changes whenever the store does.
    pub generation: u64,
    pub hops: Rc<TravelHops>,
    /// The case's indicator values (marked addresses ring their place).
    pub marked: Vec<String>,
}

impl PartialEq for MapRequest {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.rows, &other.rows)
            && self.layout == other.layout
            && self.generation == other.generation
            && Rc::ptr_eq(&self.hops, &other.hops)
            && self.marked == other.marked
    }
}

/// The map last finished, and whether it is the one `request` asks for.
pub struct ShownMap {
    pub map: Rc<SigninMap>,
    pub current: bool,
}

/// Every row's place, with the store (generation and numbering) it was
/// resolved for.
type KeptPlaces = ((u64, u64), RowPlaces);

/// The map of `request`, worked out while `unfolded`; meanwhile the last
/// one finished.
#[hook]
pub fn use_signin_map(store: Rc<RefCell<EventStore>>, request: MapRequest, unfolded: bool) -> ShownMap {
    let shown = use_state(|| (None::<MapRequest>, Rc::new(SigninMap::default())));
    let places = use_mut_ref(|| ((u64::MAX, u64::MAX), RowPlaces::default()));
    // Which request is the newest: an older one still under way gives up.
    let newest = use_mut_ref(|| 0u64);
    let is_current = shown.0.as_ref() == Some(&request);
    {
        let shown = shown.clone();
        use_effect_with((request, unfolded), move |(request, unfolded)| {
            *newest.borrow_mut() += 1;
            if !*unfolded || is_current {
                return;
            }
            let wanted = *newest.borrow();
            let request = request.clone();
            spawn_local(async move {
                let still_wanted = || *newest.borrow() == wanted;
                if !resolve_places(&store, &places, &request, &still_wanted).await {
                    return;
                }
                if let Some(map) = count_rows(&store, &places, &request, &still_wanted).await {
                    shown.set((Some(request), Rc::new(map)));
                }
            });
        });
    }
    ShownMap { map: shown.1.clone(), current: is_current }
}

/// Resolve every row's place for the request's store, a step at a time,
/// unless kept from an earlier request. False when given up.
async fn resolve_places(store: &Rc<RefCell<EventStore>>, places: &Rc<RefCell<KeptPlaces>>, request: &MapRequest, still_wanted: &impl Fn() -> bool) -> bool {
    let store_key = (request.generation, request.layout);
    loop {
        super::yield_now::to_browser().await;
        let Some(store) = current(store, request.layout).await.filter(|_| still_wanted()) else { return false };
        let mut kept = places.borrow_mut();
        if kept.0 != store_key || kept.1.len() != store.len() {
            *kept = (store_key, RowPlaces::new(store.len()));
        }
        if kept.1.is_complete() {
            return true;
        }
        timed("sign-in map: places of rows", || for_a_step(|| {
            kept.1.resolve(&store, ROWS_PER_LOOK);
            kept.1.is_complete()
        }));
    }
}

/// Count the request's rows by place, a step at a time; `None` when
/// given up.
async fn count_rows(store: &Rc<RefCell<EventStore>>, places: &Rc<RefCell<KeptPlaces>>, request: &MapRequest, still_wanted: &impl Fn() -> bool) -> Option<SigninMap> {
    let store_key = (request.generation, request.layout);
    let mut tally: Option<PlaceTally> = None;
    let mut counted: usize = 0;
    loop {
        super::yield_now::to_browser().await;
        let store = current(store, request.layout).await.filter(|_| still_wanted())?;
        let kept = places.borrow();
        // Another request for another store took the places meanwhile.
        if kept.0 != store_key || !kept.1.is_complete() {
            return None;
        }
        let tally = tally.get_or_insert_with(|| PlaceTally::new(&store, &kept.1, &request.hops));
        let rows = &request.rows;
        timed("sign-in map: rows counted", || for_a_step(|| {
            let end = counted.saturating_add(ROWS_PER_LOOK).min(rows.len());
            tally.add(&store, &kept.1, &request.hops, rows.get(counted..end).unwrap_or_default());
            counted = end;
            counted == rows.len()
        }));
        if counted == rows.len() {
            break;
        }
    }
    super::yield_now::to_browser().await;
    let store = current(store, request.layout).await.filter(|_| still_wanted())?;
    let kept = places.borrow();
    if kept.0 != store_key {
        return None;
    }
    let tally = tally?;
    Some(timed("sign-in map: places", || tally.finish(&store, &kept.1, &request.marked, &request.hops)))
}

/// Call `work` until it says it is done or `STEP_MS` have gone by.
fn for_a_step(mut work: impl FnMut() -> bool) {
    let started = super::workers::now();
    while !work() {
        if super::workers::now() - started > STEP_MS {
            return;
        }
    }
}
