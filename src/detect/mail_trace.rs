//! Facts about Exchange message trace rows that the message trace
//! detectors share: which rows are trace rows, who a row went to, and
//! whether a recipient is outside the tenant.

use super::facts::{is_internal_domain, upn_domain};
use super::{Context, History};
use crate::ingest::message_trace::recipients_of;
use crate::model::{Outcome, Source};
use crate::store::EventStore;
use std::collections::BTreeSet;

pub fn is_trace(store: &EventStore, row: u32) -> bool {
    store.source(row) == Source::MessageTrace
}

/// Every message trace row, in time order.
pub fn trace_rows(store: &EventStore) -> impl Iterator<Item = u32> + '_ {
    (0..store.len() as u32).filter(move |&row| is_trace(store, row))
}

/// The recipients a row names (all of a message's for an admin center
/// report row).
pub fn recipients(store: &EventStore, row: u32) -> Vec<&str> {
    recipients_of(store.target(row)).collect()
}

/// Whether the trace says the message did not get through: a failed,
/// quarantined or spam-filtered message reached no one.
pub fn stopped(store: &EventStore, row: u32) -> bool {
    store.outcome(row) == Outcome::Failure
}

/// The tenant's mail domains: those the logs show (`History`), and the
/// suspects' own, which are the tenant's whatever else was loaded (a
/// message trace alone names outside senders as actors, so it cannot say).
pub fn tenant_domains(ctx: &Context, history: &History) -> BTreeSet<String> {
    let mut domains = history.tenant_domains().clone();
    domains.extend(ctx.suspect_accounts.iter().filter_map(|a| upn_domain(a)));
    domains
}

/// An address whose domain is not one of the tenant's. Text that is not an
/// address is neither inside nor outside.
pub fn is_outside(address: &str, tenant: &BTreeSet<String>) -> bool {
    upn_domain(address).is_some_and(|d| !is_internal_domain(&d, tenant))
}

pub fn is_inside(address: &str, tenant: &BTreeSet<String>) -> bool {
    upn_domain(address).is_some_and(|d| is_internal_domain(&d, tenant))
}
