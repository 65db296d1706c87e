//! Step 10: the directory (users, groups, roles, service principals,
//! applications) read in bulk through Microsoft Graph inside the compromise
//! window, by a suspect account or by an app a suspect let in. Listing the
//! tenant is how an intruder picks the next account to phish and the
//! admins to impersonate (AzureHound, GraphRunner and the like do it in
//! minutes). One finding per caller (thresholds in `graph_calls`).

use super::graph_calls::{bulk_read_findings, DataKind};
use super::{Context, DetectorDef, Finding, History};
use crate::store::EventStore;

pub const DEF: DetectorDef = DetectorDef {
    id: "graph.bulk_directory_reads",
    step: 10,
    title: "The directory read in bulk through Microsoft Graph",
    run,
    sliced: None,
};

const WHY: &str = "Reading users, groups, roles and apps by the hundred maps the tenant: who the admins are, which groups open which doors, \
                   which apps hold permissions. It usually comes just before phishing colleagues or reaching for a role.";

fn run(store: &EventStore, ctx: &Context, history: &History) -> Vec<Finding> {
    bulk_read_findings(&DEF, store, ctx, history, &[DataKind::Directory], WHY)
}
