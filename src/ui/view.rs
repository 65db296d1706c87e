//! What the timeline shows for the applied query: matching rows, then
//! their facets and histogram (see `summary`), once per query or store
//! change.

use crate::store::{parse, EvalContext, EventStore, FacetCount, FacetField, Histogram};

/// Facets shown beside the timeline, in order.
pub const FACETS: [FacetField; 5] = [FacetField::User, FacetField::Ip, FacetField::Country, FacetField::Operation, FacetField::Source];
const FACET_TOP: usize = 8;
const HISTOGRAM_BUCKETS: usize = 120;

/// The facets and the histogram of the timeline's rows.
#[derive(Debug, Default, PartialEq)]
pub struct RowsSummary {
    pub facets: Vec<(FacetField, Vec<FacetCount>)>,
    pub histogram: Histogram,
}

/// The most frequent values of `field` among `rows`, as the facets show them.
pub fn facet_of(store: &EventStore, rows: &[u32], field: FacetField) -> Vec<FacetCount> {
    store.facets(rows, field, FACET_TOP)
}

/// The histogram of `rows`, as the chart shows it.
pub fn histogram_of(store: &EventStore, rows: &[u32]) -> Histogram {
    store.histogram(rows, HISTOGRAM_BUCKETS)
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
