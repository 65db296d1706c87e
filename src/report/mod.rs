//! Renderings of evidence for people and other tools. Every export goes
//! through here so escaping rules live in one place.

mod event_json;

pub use event_json::event_json;
