//! Checking done actions against the evidence: once an action is marked
//! done, activity it should have stopped (after the token lifetime it
//! allows) means it did not take, or the intruder has another way in.

use super::{Plan, Promise};
use crate::detect::Context;
use crate::model::{attr, Outcome, TimeMs};
use crate::store::{AttrKey, EventStore, TextColumn, TextMatch};
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
        let test = PromiseTest::new(store, ctx, promise);
        let rows: Vec<u32> = match test.candidates(store) {
            Some(candidates) => {
                let from = candidates.partition_point(|&r| r < start);
                candidates[from..].iter().copied().filter(|&r| test.breaks(store, r)).collect()
            }
            None => (start..store.len() as u32).filter(|&r| test.breaks(store, r)).collect(),
        };
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

/// A promise's conditions worked out once per distinct operation, account,
/// address and app name of the store, so each row after the action costs
/// a few number look-ups rather than text comparisons and a lower-cased
/// copy of its target.
struct PromiseTest<'s> {
    successful_only: bool,
    /// Each `None` is a condition the promise does not set.
    indicator_ip: Option<TextMatch<'s>>,
    operation: Option<TextMatch<'s>>,
    /// (actor is the account, target is the account or one of its objects)
    account: Option<(TextMatch<'s>, TextMatch<'s>)>,
    /// (the app column names it, the app id attribute's key, the app)
    app: Option<(TextMatch<'s>, Option<AttrKey<'s>>, &'s str)>,
}

impl<'s> PromiseTest<'s> {
    fn new(store: &'s EventStore, ctx: &Context, promise: &'s Promise) -> PromiseTest<'s> {
        PromiseTest {
            successful_only: promise.successful_only,
            indicator_ip: promise.from_indicators.then(|| store.text_match(TextColumn::Ip, |ip| ctx.is_indicator_ip(ip))),
            operation: (!promise.operations.is_empty())
                .then(|| store.text_match(TextColumn::Operation, |op| promise.operations.iter().any(|name| name.eq_ignore_ascii_case(op)))),
            account: promise.account.as_deref().map(|account| {
                let own_object = format!("{}\\", account.to_lowercase());
                (
                    store.text_match(TextColumn::Actor, |actor| actor.eq_ignore_ascii_case(account)),
                    store.text_match(TextColumn::Target, |target| target.eq_ignore_ascii_case(account) || target.to_lowercase().starts_with(&own_object)),
                )
            }),
            app: promise.app.as_deref().map(|app| (store.text_match(TextColumn::App, |name| name.eq_ignore_ascii_case(app)), store.attr_key(attr::APP_ID), app)),
        }
    }

    /// The rows, in order, that one of the promise's own conditions lets
    /// through (the account's, else the operations', else the marked
    /// addresses'), picked by comparing column numbers; `None` when it sets
    /// none of these and every row must be tested.
    fn candidates(&self, store: &EventStore) -> Option<Vec<u32>> {
        if let Some((actor, target)) = &self.account {
            let (by_actor, by_target) = (store.rows_matching(actor), store.rows_matching(target));
            let mut both = Vec::with_capacity(by_actor.len() + by_target.len());
            let (mut a, mut t) = (by_actor.iter().peekable(), by_target.iter().peekable());
            loop {
                let next = match (a.peek(), t.peek()) {
                    (Some(&&x), Some(&&y)) if x < y => a.next(),
                    (Some(&&x), Some(&&y)) if y < x => t.next(),
                    (Some(_), Some(_)) => {
                        t.next();
                        a.next()
                    }
                    (Some(_), None) => a.next(),
                    (None, Some(_)) => t.next(),
                    (None, None) => break,
                };
                both.extend(next.copied());
            }
            return Some(both);
        }
        if let Some(operation) = &self.operation {
            return Some(store.rows_matching(operation));
        }
        self.indicator_ip.as_ref().map(|ip| store.rows_matching(ip))
    }

    /// Whether the row is activity the promise says should have stopped.
    fn breaks(&self, store: &EventStore, row: u32) -> bool {
        if self.successful_only && store.outcome(row) != Outcome::Success {
            return false;
        }
        if self.indicator_ip.as_ref().is_some_and(|ip| !store.text_matches(row, ip)) {
            return false;
        }
        if self.operation.as_ref().is_some_and(|op| !store.text_matches(row, op)) {
            return false;
        }
        if let Some((actor, target)) = &self.account {
            if !store.text_matches(row, actor) && !store.text_matches(row, target) {
                return false;
            }
        }
        if let Some((app_name, app_id_key, app)) = &self.app {
            let app_id = app_id_key.as_ref().and_then(|key| store.attr_at(row, key)).unwrap_or("");
            if !app_id.eq_ignore_ascii_case(app) && !store.text_matches(row, app_name) {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{run_all, suggest_context, Indicator, IndicatorKind};
    use crate::sample::{generate_scenario, Scenario, DEFAULT_SEED};

    /// The reading of a promise row by row, text against text, that
    /// `PromiseTest` replaced: the two must agree on every row.
    fn breaks_by_text(store: &EventStore, ctx: &Context, promise: &Promise, row: u32) -> bool {
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

    /// Promises of every shape: the plan's own, and ones built from the
    /// store's values (accounts in another case, `mailbox\rule`
    /// targets, apps by name and by id, operations, marked addresses).
    fn promises(store: &EventStore, plan: &Plan) -> Vec<Promise> {
        let mut out: Vec<Promise> = plan.actions.iter().filter_map(|a| a.promise.clone()).collect();
        let step = (store.len() / 40).max(1);
        for row in (0..store.len() as u32).step_by(step) {
            let target_owner = store.target(row).split('\\').next().unwrap_or("").to_string();
            let app_id = store.attr(row, attr::APP_ID).unwrap_or("").to_string();
            out.push(Promise { account: Some(store.actor(row).to_uppercase()), from_indicators: row % 2 == 0, ..Promise::default() });
            out.push(Promise { account: Some(target_owner), operations: vec![store.operation(row).to_lowercase(), "Sign-in".into()], ..Promise::default() });
            out.push(Promise { app: Some(store.app(row).to_uppercase()), successful_only: true, ..Promise::default() });
            out.push(Promise { app: Some(app_id), from_indicators: true, ..Promise::default() });
        }
        out.push(Promise::default());
        out
    }

    #[test]
    fn promise_tests_agree_with_reading_the_text_on_the_training_incidents() {
        for scenario in Scenario::ALL {
            let store = generate_scenario(scenario, DEFAULT_SEED).to_store();
            let mut ctx = suggest_context(&store);
            // A marked address the sign-ins use, so `from_indicators` passes some rows.
            let ip = (0..store.len() as u32).map(|r| store.ip(r)).find(|ip| !ip.is_empty()).unwrap_or("").to_string();
            ctx.indicators.push(Indicator::new(IndicatorKind::Ip, ip, ""));
            let plan = crate::remediate::plan(&store, &ctx, &run_all(&store, &ctx));
            let mut passing = 0;
            for promise in promises(&store, &plan) {
                let test = PromiseTest::new(&store, &ctx, &promise);
                let mut expected_rows = Vec::new();
                for row in 0..store.len() as u32 {
                    let expected = breaks_by_text(&store, &ctx, &promise, row);
                    assert_eq!(test.breaks(&store, row), expected, "{scenario:?} row {row} {promise:?}");
                    if expected {
                        expected_rows.push(row);
                    }
                }
                // The candidate rows hold every row that breaks the promise.
                if let Some(candidates) = test.candidates(&store) {
                    assert!(candidates.windows(2).all(|w| w[0] < w[1]), "{scenario:?} candidates in order, once each");
                    let kept: Vec<u32> = candidates.into_iter().filter(|&r| test.breaks(&store, r)).collect();
                    assert_eq!(kept, expected_rows, "{scenario:?} {promise:?}");
                }
                passing += expected_rows.len();
            }
            assert!(passing > 0, "{scenario:?}: some rows break some promise");
        }
    }
}
