//! A starting investigation context inferred from the evidence, for the
//! analyst to confirm or correct: the sign-in that most looks like the
//! break-in, its account, the window it opened, and its fingerprints.

use super::facts::{account_key, is_successful_signin, op_is, when, AddressUse};
use super::oauth_apps::{app_id, app_name};
use super::signins::{by_account, novelties, unusual_client, Novelty, Risk, UnusualClient, FAILURES_BEFORE_MS};
use crate::model::Outcome;
use super::{Context, Indicator, IndicatorKind};
use crate::store::EventStore;
use std::collections::HashMap;

/// Below this score no sign-in is suspicious enough to suggest.
const MIN_SCORE: u32 = 5;
/// Used on this many days, an address is the account owner's.
const ROUTINE_DAYS: usize = 7;

/// How suspicious a successful sign-in looks, with the reasons. Newness
/// alone is travel as often as not, so a sign-in also needs a sign of attack
/// (failures just before, Entra risk, a scripting or password-only client)
/// to score at all.
fn score(store: &EventStore, row: u32, novelty: Option<&Novelty>) -> (u32, Vec<&'static str>) {
    let attack_signs = novelty.is_some_and(|n| !n.failures_before.is_empty())
        || matches!(Risk::of(store, row).level.as_str(), "medium" | "high")
        || matches!(unusual_client(store, row), Some(UnusualClient::Script(_) | UnusualClient::Ropc));
    if !attack_signs {
        return (0, Vec::new());
    }
    let mut score = 0;
    let mut why = Vec::new();
    if let Some(n) = novelty {
        if n.new_country {
            score += 3;
            why.push("first-seen country");
        }
        if n.new_ip {
            score += 2;
            why.push("first-seen address");
        }
        if n.new_ua {
            score += 1;
            why.push("first-seen client");
        }
        match n.failures_before.len() {
            0 => {}
            1 | 2 => {
                score += 2;
                why.push("failed sign-ins just before");
            }
            _ => {
                score += 3;
                why.push("several failed sign-ins just before");
            }
        }
    }
    let risk = Risk::of(store, row);
    if !risk.is_closed() {
        match risk.level.as_str() {
            "high" | "medium" => {
                score += 2;
                why.push("medium or high sign-in risk");
            }
            "low" => score += 1,
            _ => {}
        }
    }
    if matches!(unusual_client(store, row), Some(UnusualClient::Script(_) | UnusualClient::Ropc)) {
        score += 2;
        why.push("scripting or password-only client");
    }
    (score, why)
}

/// The context the evidence suggests; the default context when nothing
/// stands out. The same evidence always gives the same suggestion.
pub fn suggest_context(store: &EventStore) -> Context {
    let defaults = Context::default();
    let found = novelties(store, &defaults);
    let by_row: HashMap<u32, &Novelty> = found.iter().map(|n| (n.row, n)).collect();
    let accounts = by_account(store);
    let used = AddressUse::of(store);
    let mut best: Option<(u32, u32, Vec<&'static str>)> = None;
    for row in 0..store.len() as u32 {
        if !is_successful_signin(store, row) || store.actor(row).is_empty() {
            continue;
        }
        // Accounts without enough history have no novelty record; the
        // failures right before still count for them.
        let fallback;
        let novelty = match by_row.get(&row) {
            Some(n) => Some(*n),
            None => {
                let account = account_key(store.actor(row));
                let t = store.time(row);
                let failures_before = accounts
                    .get(&account)
                    .map(|rows| {
                        rows.iter().copied().filter(|&r| store.outcome(r) == Outcome::Failure && store.time(r) < t && store.time(r) >= t - FAILURES_BEFORE_MS).collect()
                    })
                    .unwrap_or_default();
                fallback = Novelty { row, account, new_ip: false, new_country: false, new_ua: false, failures_before, history: 0 };
                Some(&fallback)
            }
        };
        let (mut s, why) = score(store, row, novelty);
        // An address the account uses routinely is not the intruder's.
        if used.days(store.actor(row), store.ip(row)) >= ROUTINE_DAYS {
            s = 0;
        }
        if s >= MIN_SCORE && !matches!(&best, Some((b, _, _)) if s <= *b) {
            best = Some((s, row, why));
        }
    }
    let Some((_, row, why)) = best else { return defaults };
    let account = store.actor(row).to_string();
    let ip = store.ip(row).to_string();
    let start = store.time(row);
    let end = if ip.is_empty() { start } else { (row..store.len() as u32).filter(|&r| store.ip(r) == ip).map(|r| store.time(r)).max().unwrap_or(start) };
    let note = format!("suggested: {} sign-in at {} ({})", account, when(start), why.join(", "));
    let mut indicators = Vec::new();
    if !ip.is_empty() {
        indicators.push(Indicator::new(IndicatorKind::Ip, ip.clone(), note.clone()));
    }
    let ua = store.user_agent(row);
    if !ua.is_empty() {
        indicators.push(Indicator::new(IndicatorKind::UserAgent, ua, note.clone()));
    }
    for r in row..store.len() as u32 {
        if store.time(r) > end {
            break;
        }
        if op_is(store, r, &["Consent to application", "Add delegated permission grant"]) && store.actor(r).eq_ignore_ascii_case(&account) {
            let id = app_id(store, r);
            let (kind, value) = if id.is_empty() { (IndicatorKind::Other, app_name(store, r)) } else { (IndicatorKind::AppId, id) };
            if !value.is_empty() && !indicators.iter().any(|i: &Indicator| i.value.eq_ignore_ascii_case(&value)) {
                indicators.push(Indicator::new(kind, value, format!("suggested: consented by {account} at {}", when(store.time(r)))));
            }
        }
    }
    Context { suspect_accounts: vec![account], window: Some((start, end)), indicators, ..defaults }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::model::attr;

    #[test]
    fn suggests_the_break_in_and_its_fingerprints() {
        let mut events = daily("2026-03-01T08:00:00Z", 10, "alice@contoso.com", "198.51.100.10", "FR");
        events.extend(daily("2026-03-01T08:00:00Z", 10, "bob@contoso.com", "198.51.100.11", "FR"));
        // Bob travels: new country, no failures, no risk: not enough.
        events.push(signin("2026-03-11T08:00:00Z", "bob@contoso.com", "192.0.2.50", "ES"));
        events.push(signin("2026-03-11T02:00:00Z", "alice@contoso.com", "203.0.113.7", "NG").failed());
        events.push(signin("2026-03-11T02:01:00Z", "alice@contoso.com", "203.0.113.7", "NG").failed());
        events.push(signin("2026-03-11T02:02:00Z", "alice@contoso.com", "203.0.113.7", "NG").ua("python-requests/2.31").with(attr::RISK_LEVEL_DURING_SIGNIN, "medium"));
        events.push(audit("2026-03-11T02:30:00Z", "Consent to application", "alice@contoso.com", "Mail Sync Pro").with(attr::ADDITIONAL_DETAILS, r#"{"AppId":"11112222-aaaa"}"#));
        events.push(ual("2026-03-11T05:00:00Z", "MailItemsAccessed", "alice@contoso.com", "203.0.113.7"));
        let store = store_of(events);
        let ctx = suggest_context(&store);
        assert_eq!(ctx.suspect_accounts, vec!["alice@contoso.com".to_string()]);
        assert_eq!(ctx.window, Some((t("2026-03-11T02:02:00Z"), t("2026-03-11T05:00:00Z"))));
        let values: Vec<(IndicatorKind, &str)> = ctx.indicators.iter().map(|i| (i.kind, i.value.as_str())).collect();
        assert_eq!(values, vec![(IndicatorKind::Ip, "203.0.113.7"), (IndicatorKind::UserAgent, "python-requests/2.31"), (IndicatorKind::AppId, "11112222-aaaa")]);
        assert!(ctx.indicators[0].note.contains("first-seen country"), "{}", ctx.indicators[0].note);
        assert_eq!(suggest_context(&store), ctx, "deterministic");
    }

    #[test]
    fn ordinary_activity_suggests_nothing() {
        let store = store_of(daily("2026-03-01T08:00:00Z", 10, "alice@contoso.com", "198.51.100.10", "FR"));
        assert_eq!(suggest_context(&store), Context::default());
    }
}
