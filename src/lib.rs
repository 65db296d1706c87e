//! Loupe's core: parsing, the event model, the store and query engine, the
//! playbook and case state. Plain Rust with no browser types, so it builds
//! and tests natively; the Yew UI (`ui`) is compiled only for wasm32.

pub mod case;
pub mod collect;
pub mod detect;
pub mod enrich;
pub mod geo;
pub mod exercise;
pub mod ingest;
pub mod limits;
pub mod model;
pub mod playbook;
pub mod remediate;
pub mod report;
pub mod sample;
pub mod store;
pub mod story;
pub mod tenant;

#[cfg(target_arch = "wasm32")]
pub mod ui;
