//! The event store and its query engine.
//!
//! - `event_store`: `EventStore`, the loaded events column by column in time
//!   order, with the files they came from.
//! - `interner`: the string dictionaries behind the text columns.
//! - `packed`: integer columns in the fewest bytes their values need.
//! - `attrs`: every row's attributes, as shared templates and each row's
//!   own values.
//! - `query`: the query language (parse, canonical text, edit helpers).
//! - `eval`: running a query over the store (`EventStore::filter`).
//! - `facets`, `histogram`: summaries of a set of rows for the timeline.
//! - `row_moves`: where rows went when more were merged in, so row
//!   numbers held across a load can follow them.
//! - `enriched`: locations and networks from loaded IP databases, per
//!   distinct address, beside (never over) the logs' own.

mod attrs;
mod enriched;
mod eval;
mod event_store;
mod facets;
mod histogram;
pub mod interner;
mod packed;
pub mod query;
mod row_moves;

pub use enriched::{Location, LocationSource};
pub use eval::{EvalContext, RowAnnotation};
pub use event_store::{AttrKey, AttrRef, EventStore, FileId, LoadedFile, PendingFile, TextColumn, TextMatch, ROOM_STEPS};
pub use facets::{FacetCount, FacetField};
pub use histogram::{choose_buckets, Histogram, Scale, SourceCounts};
pub use interner::{hash_bytes, hash_text, EMPTY as EMPTY_TEXT_ID};
pub use query::{parse, Field, Query, QueryError, Term, TermKind};
pub use row_moves::RowMover;
