//! (stub)
use super::{Context, DetectorDef, Finding};
use crate::store::EventStore;

pub const DEF: DetectorDef = DetectorDef { id: "oauth_apps", step: 8, title: "oauth_apps", run };

fn run(_store: &EventStore, _ctx: &Context) -> Vec<Finding> {
    Vec::new()
}
