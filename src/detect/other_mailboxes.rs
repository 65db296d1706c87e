//! (stub)
use super::{Context, DetectorDef, Finding};
use crate::store::EventStore;

pub const DEF: DetectorDef = DetectorDef { id: "other_mailboxes", step: 10, title: "other_mailboxes", run };

fn run(_store: &EventStore, _ctx: &Context) -> Vec<Finding> {
    Vec::new()
}
