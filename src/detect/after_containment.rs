//! (stub)
use super::{Context, DetectorDef, Finding};
use crate::store::EventStore;

pub const DEF: DetectorDef = DetectorDef { id: "after_containment", step: 2, title: "after_containment", run };

fn run(_store: &EventStore, _ctx: &Context) -> Vec<Finding> {
    Vec::new()
}
