//! What the timeline shows for the applied query: matching rows, facets and
//! the histogram, computed together once per query or store change.

use crate::store::{parse, EvalContext, EventStore, FacetCount, FacetField, Histogram};
use std::rc::Rc;

/// Facets shown beside the timeline, in order.
pub const FACETS: [FacetField; 5] = [FacetField::User, FacetField::Ip, FacetField::Country, FacetField::Operation, FacetField::Source];
const FACET_TOP: usize = 8;
const HISTOGRAM_BUCKETS: usize = 120;

#[derive(Debug, PartialEq)]
pub struct TimelineView {
    pub rows: Rc<Vec<u32>>,
    pub facets: Vec<(FacetField, Vec<FacetCount>)>,
    pub histogram: Histogram,
}

/// Rows matching `query`, or the analyst-facing reason it cannot be run
/// ("column 6: unclosed quote …").
/// `ctx` carries the case's marked values (`ioc`) and event annotations
/// (`tag:`, `note:`, `bookmarked`).
pub fn matching_rows(store: &EventStore, query: &str, ctx: &EvalContext) -> Result<Vec<u32>, String> {
    let describe = |e: crate::store::QueryError| format!("column {}: {}", e.position + 1, e.message);
    let parsed = parse(query).map_err(describe)?;
    store.filter(&parsed, ctx).map_err(describe)
}

/// `matching_rows`' error for `query`, without running it (see
/// `EventStore::check`).
pub fn check(store: &EventStore, query: &str, ctx: &EvalContext) -> Result<(), String> {
    let describe = |e: crate::store::QueryError| format!("column {}: {}", e.position + 1, e.message);
    store.check(&parse(query).map_err(describe)?, ctx).map_err(describe)
}

pub fn compute(store: &EventStore, query: &str, ctx: &EvalContext) -> TimelineView {
    let rows = matching_rows(store, query, ctx).unwrap_or_default();
    let facets = FACETS.iter().map(|&f| (f, store.facets(&rows, f, FACET_TOP))).collect();
    let histogram = store.histogram(&rows, HISTOGRAM_BUCKETS);
    TimelineView { rows: Rc::new(rows), facets, histogram }
}

/// Short name of a facet's section, used in test ids (`facet-operation`).
pub fn facet_id(field: FacetField) -> &'static str {
    match field {
        FacetField::User => "user",
        FacetField::Ip => "ip",
        FacetField::Country => "country",
        FacetField::Operation => "operation",
        FacetField::Source => "source",
        FacetField::App => "app",
        FacetField::Outcome => "outcome",
    }
}
