//! Renderings of evidence for people and other tools. Every export goes
//! through here so escaping rules live in one place.

pub mod document;
mod event_json;
pub mod incident;
mod indicators;
mod timeline_export;

pub use document::{to_html, to_markdown, Doc};
pub use event_json::event_json;
pub use incident::{ConfigChange, ReportInput};
pub use indicators::{indicators_csv, stix_bundle};
pub use timeline_export::{spreadsheet_safe, timeline_csv, timesketch_jsonl};
