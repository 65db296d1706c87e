//! Checking done actions against the evidence: once an action is marked
//! done, activity it should have stopped (after the token lifetime it
//! allows) means it did not take, or the intruder has another way in.

use super::{Plan, Promise};
use crate::detect::Context;
use crate::model::{attr, Outcome, TimeMs};
use crate::store::EventStore;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Contradiction {
    pub action: String,
    pub message: String,
    /// The rows that contradict it (the first 200).
    pub rows: Vec<u32>,
}

const ROWS_KEPT: usize = 200;

/// Done actions (id → when marked done) checked against the store.
pub fn verify(store: &EventStore, ctx: &Context, plan: &Plan, done: &BTreeMap<String, TimeMs>) -> Vec<Contradiction> {
    let mut out = Vec::new();
    for action in &plan.actions {
        let (Some(&done_at), Some(promise)) = (done.get(&action.id), action.promise.as_ref()) else { continue };
        let from = done_at + promise.grace_minutes.max(0) * 60_000;
        let start = crate::detect::facts::first_row_at(store, from);
        let rows: Vec<u32> = (start..store.len() as u32).filter(|&r| breaks(store, ctx, promise, r)).collect();
        if rows.is_empty() {
            continue;
        }
        let last = rows.last().map(|&r| crate::model::format_utc(store.time(r))).unwrap_or_default();
        out.push(Contradiction {
            action: action.id.clone(),
            message: format!(
                "Marked done at {}, but {} matching event(s) follow{} (the last at {last}): \"{}\" did not hold, or the intruder has another way in.",
                crate::model::format_utc(done_at),
                rows.len(),
                if promise.grace_minutes > 0 { format!(" more than {} min later", promise.grace_minutes) } else { String::new() },
                action.title
            ),
            rows: rows.into_iter().take(ROWS_KEPT).collect(),
        });
    }
    out
}

fn breaks(store: &EventStore, ctx: &Context, promise: &Promise, row: u32) -> bool {
    if promise.successful_only && store.outcome(row) != Outcome::Success {
        return false;
    }
    if promise.from_indicators && !ctx.is_indicator_ip(store.ip(row)) {
        return false;
    }
    if !promise.operations.is_empty() && !promise.operations.iter().any(|op| op.eq_ignore_ascii_case(store.operation(row))) {
        return false;
    }
    if let Some(account) = &promise.account {
        let (actor, target) = (store.actor(row), store.target(row));
        let mine = actor.eq_ignore_ascii_case(account)
            || target.eq_ignore_ascii_case(account)
            || target.to_lowercase().starts_with(&format!("{}\\", account.to_lowercase()));
        if !mine {
            return false;
        }
    }
    if let Some(app) = &promise.app {
        let app_id = store.attr(row, attr::APP_ID).unwrap_or("");
        if !app_id.eq_ignore_ascii_case(app) && !store.app(row).eq_ignore_ascii_case(app) {
            return false;
        }
    }
    true
}
