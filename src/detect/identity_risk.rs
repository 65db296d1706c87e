//! Facts about Entra ID Protection rows that the risk detectors share:
//! which rows are detections and which are risk states, their level and
//! state, and the detections raised on a sign-in.

use super::facts::{attr_text, when};
use crate::ingest::identity_protection::level_rank;
use crate::model::{attr, Source};
use crate::store::EventStore;
use std::collections::HashMap;

pub fn is_risk(store: &EventStore, row: u32) -> bool {
    store.source(row) == Source::RiskDetection
}

/// Every Identity Protection row, in time order.
pub fn risk_rows(store: &EventStore) -> impl Iterator<Item = u32> + '_ {
    (0..store.len() as u32).filter(move |&row| is_risk(store, row))
}

/// A detection (of a user or a service principal), as opposed to a risk state row.
pub fn is_detection(store: &EventStore, row: u32) -> bool {
    is_risk(store, row) && attr_text(store, row, attr::RISK_RECORD).contains("detection")
}

pub fn level(store: &EventStore, row: u32) -> &str {
    attr_text(store, row, attr::RISK_LEVEL)
}

pub fn state(store: &EventStore, row: u32) -> &str {
    attr_text(store, row, attr::RISK_STATE)
}

pub fn detail(store: &EventStore, row: u32) -> &str {
    attr_text(store, row, attr::RISK_DETAIL)
}

pub fn is_compromised(state: &str) -> bool {
    state.eq_ignore_ascii_case("confirmedCompromised")
}

/// Closed by someone or something: the risk no longer counts against the account.
pub fn is_closed(state: &str) -> bool {
    ["dismissed", "remediated", "confirmedSafe"].iter().any(|s| state.eq_ignore_ascii_case(s))
}

/// Medium or high, or confirmed compromised: what Entra itself would act on.
pub fn is_serious(store: &EventStore, row: u32) -> bool {
    level_rank(level(store, row)) >= 2 || is_compromised(state(store, row))
}

/// One detection as a line: `unfamiliarFeatures (high, atRisk) from 203.0.113.7 at …`.
pub fn describe(store: &EventStore, row: u32) -> String {
    let mut facts: Vec<&str> = [level(store, row), state(store, row)].into_iter().filter(|s| !s.is_empty()).collect();
    facts.dedup();
    let facts = if facts.is_empty() { String::new() } else { format!(" ({})", facts.join(", ")) };
    let ip = store.ip(row);
    let from = if ip.is_empty() { String::new() } else { format!(" from {ip}") };
    format!("{}{facts}{from} at {}", store.operation(row), when(store.time(row)))
}

/// Detection rows by the request and correlation ids of the sign-in that
/// raised them (lower case), to join sign-ins with what Entra saw in them.
pub fn detections_by_signin(store: &EventStore) -> HashMap<String, Vec<u32>> {
    let mut by_id: HashMap<String, Vec<u32>> = HashMap::new();
    for row in risk_rows(store).filter(|&r| is_detection(store, r)) {
        for key in [attr::SIGNIN_ID, attr::CORRELATION_ID] {
            let id = attr_text(store, row, key);
            if !id.is_empty() {
                let rows = by_id.entry(id.to_ascii_lowercase()).or_default();
                if !rows.contains(&row) {
                    rows.push(row);
                }
            }
        }
    }
    by_id
}
