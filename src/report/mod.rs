//! Renderings of evidence for people and other tools. Every export goes
//! through here so escaping rules live in one place.

mod event_json;
mod indicators;
mod timeline_export;

pub use event_json::event_json;
pub use indicators::{indicators_csv, stix_bundle};
pub use timeline_export::{spreadsheet_safe, timeline_csv, timesketch_jsonl};
