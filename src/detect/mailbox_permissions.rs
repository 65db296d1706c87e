//! (stub)
use super::{Context, DetectorDef, Finding};
use crate::store::EventStore;

pub const DEF: DetectorDef = DetectorDef { id: "mailbox_permissions", step: 10, title: "mailbox_permissions", run };

fn run(_store: &EventStore, _ctx: &Context) -> Vec<Finding> {
    Vec::new()
}
