//! The browser UI: Yew components over the core. No parsing or analysis
//! happens here; components render what the core computed and send actions.
//! The DOM follows the contract the browser tests rely on (`data-testid`s).

pub(crate) mod analysis;
mod app;
mod clipboard;
mod components;
pub(crate) mod download;
mod embedded;
mod file_stream;
mod format;
mod loader;
mod map_places;
mod originals;
mod retire;
mod selected_row;
pub mod workers;
mod state;
mod storage;
mod summary;
mod shortcuts;
mod theme;
mod view;
mod yield_now;

pub use app::App;
