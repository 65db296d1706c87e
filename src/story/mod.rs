//! The suspect's story: for each suspect account, what it did and in what
//! order, as lanes of marks on one time axis (sign-ins, MFA changes, apps,
//! mail rules, mail, downloads, roles, cloud, Graph), with the compromise
//! window and the containment time across them. The UI draws it; this
//! core decides what goes where, without browser types.
//!
//! - `lane`: `Lane` and the classifier from a row to its lane, using the
//!   detectors' own operation lists.
//! - `axis`: the time axis cut into columns, and its tick times.
//! - `build`: `SuspectStory` and its `Mark`s, events gathered per lane and
//!   column so a million events still draw as a few hundred marks.

mod axis;
mod build;
mod lane;

pub use axis::Axis;
pub use build::{build, build_cited, stories, suspects, Citations, Frame, Mark, SuspectStory};
pub use lane::{lane_of, Lane, LaneClassifier};
