//! (stub)
use super::{Context, DetectorDef, Finding};
use crate::store::EventStore;

pub const DEF: DetectorDef = DetectorDef { id: "role_changes", step: 5, title: "role_changes", run };

fn run(_store: &EventStore, _ctx: &Context) -> Vec<Finding> {
    Vec::new()
}
