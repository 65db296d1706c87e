//! The sign-in map (playbook step 1: where did a sign-in come from, and
//! does travel explain it?), drawn offline from a bundled country outline.
//!
//! - `world`: the outline, the projection and the country table
//!   (Natural Earth, public domain; see `world.rs` for the data's origin).
//! - `row_places`: every sign-in row's place, resolved once per store.
//! - `tally`: a filter's sign-in rows counted by place, in slices.
//! - `signin_map`: the places and the impossible-travel hops between them.
//! - `drawing`: the marks to draw (points, lines, labels, tooltips), shared
//!   by the report's static SVG (`to_svg`) and the UI's component.

pub mod drawing;
pub mod row_places;
pub mod signin_map;
pub mod tally;
pub mod world;

pub use drawing::{layout, to_svg, Drawing, LineMark, PointMark};
pub use row_places::RowPlaces;
pub use tally::PlaceTally;
pub use signin_map::{place_query, Located, MapPlace, OutcomeCounts, SigninMap, TravelHops, TravelHopsBuilder, TravelLine};

#[cfg(test)]
mod tests;
