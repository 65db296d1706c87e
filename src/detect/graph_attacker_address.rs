//! Step 5: a suspect's token calling Microsoft Graph from an address the
//! case holds to be the attacker's: one marked as an indicator, or one the
//! suspect first signed in from inside the compromise window (what
//! `signin.first_seen` reports). The sign-in log says a token was issued
//! there; these rows say what it was then used for. Calls by an app a
//! suspect let in count too. One finding per caller and address.

use super::facts::{list_some, tally, when};
use super::graph_calls::{is_graph, GraphCallers};
use super::{Context, DetectorDef, EntityKind, Finding, FindingBuilder, History, Severity};
use crate::model::{attr, Outcome, Source};
use crate::store::{EventStore, Field, TextColumn};
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub const DEF: DetectorDef = DetectorDef {
    id: "graph.token_from_attacker_address",
    step: 5,
    title: "A suspect's token used with Microsoft Graph from an attacker address",
    run,
    sliced: None,
};

/// Why an address is the attacker's.
enum Attacker {
    Marked,
    /// First seen for this suspect (lower case) in a sign-in at this time.
    FirstSeen { account: String, at: i64 },
}

/// Who made a group of calls: a suspect account, or an app the suspects let in.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Caller {
    Account(String),
    App(String),
}

fn run(store: &EventStore, ctx: &Context, history: &History) -> Vec<Finding> {
    let mut callers = GraphCallers::new(store, ctx);
    if callers.is_empty() {
        return Vec::new();
    }
    let first_seen = first_seen_in_window(store, ctx, history);
    // Addresses are judged once each: most rows fail on a number.
    let mut candidate_ip: HashMap<u32, bool> = HashMap::new();
    let mut groups: BTreeMap<(Caller, String), Vec<u32>> = BTreeMap::new();
    for row in 0..store.len() as u32 {
        if !is_graph(store, row) {
            continue;
        }
        let ip = store.ip(row);
        if !*candidate_ip.entry(store.text_id(row, TextColumn::Ip)).or_insert_with(|| ctx.is_indicator_ip(ip) || first_seen.contains_key(ip)) {
            continue;
        }
        let caller = match callers.suspect(store, row) {
            Some(account) => Caller::Account(account),
            None if callers.suspect_app(store, row).is_some() => Caller::App(store.app(row).to_string()),
            None => continue,
        };
        groups.entry((caller, ip.to_string())).or_default().push(row);
    }
    groups
        .into_iter()
        .filter_map(|((caller, ip), rows)| {
            // A first-seen address counts for the account that signed in from it only.
            let why = match (&caller, ctx.is_indicator_ip(&ip)) {
                (_, true) => Attacker::Marked,
                (Caller::Account(account), false) => first_seen_for(&first_seen, &ip, account)?,
                (Caller::App(_), false) => return None,
            };
            finding(store, &callers, &caller, &ip, &why, &rows)
        })
        .collect()
}

/// This many other accounts signing in from an address before the window
/// make it the company's own (an office or VPN exit nobody declared as a
/// corporate range): a suspect's first use of it is not the intruder's.
const SHARED_BEFORE_BY: usize = 3;

fn shared_before_window(history: &History, account: &str, ip: &str, start: i64) -> bool {
    let used = history.addresses();
    used.other_accounts(account, ip).iter().filter(|other| used.days_before(other, ip, start) > 0).count() >= SHARED_BEFORE_BY
}

/// Addresses of the suspects' successful sign-ins that were new to them
/// inside the compromise window (none without a window), outside declared
/// corporate ranges and the company's shared addresses: address -> (account, first time).
fn first_seen_in_window(store: &EventStore, ctx: &Context, history: &History) -> BTreeMap<String, Vec<(String, i64)>> {
    let mut found: BTreeMap<String, Vec<(String, i64)>> = BTreeMap::new();
    let Some((start, _)) = ctx.window else { return found };
    for n in history.novelties() {
        let (ip, time) = (store.ip(n.row), store.time(n.row));
        if n.new_ip
            && ctx.is_suspect(&n.account)
            && ctx.in_window(time)
            && ctx.corporate_range_of(ip).is_none()
            && !shared_before_window(history, &n.account, ip, start)
        {
            let seen = found.entry(ip.to_string()).or_default();
            if !seen.iter().any(|(a, _)| a == &n.account) {
                seen.push((n.account.clone(), time));
            }
        }
    }
    found
}

fn first_seen_for(first_seen: &BTreeMap<String, Vec<(String, i64)>>, ip: &str, caller: &str) -> Option<Attacker> {
    let (account, at) = first_seen.get(ip)?.iter().find(|(account, _)| account.eq_ignore_ascii_case(caller))?;
    Some(Attacker::FirstSeen { account: account.clone(), at: *at })
}

fn finding(store: &EventStore, callers: &GraphCallers, caller: &Caller, ip: &str, why: &Attacker, rows: &[u32]) -> Option<Finding> {
    let &first = rows.first()?;
    let succeeded = rows.iter().filter(|&&r| store.outcome(r) == Outcome::Success).count();
    let (severity, where_from) = match why {
        Attacker::Marked => (Severity::High, format!("{ip}, marked as an attacker address")),
        Attacker::FirstSeen { account, at } => (Severity::Medium, format!("{ip}, first seen for {account} in a sign-in at {} inside the compromise window", when(*at))),
    };
    // Nothing read (every call refused) is an attempt, not a loss.
    let severity = if succeeded == 0 { severity.lowered() } else { severity };
    let (who, entity, name, app_reason) = match caller {
        Caller::Account(account) => (format!("{account}'s token"), EntityKind::Account, account.as_str(), None),
        Caller::App(app) => (format!("App {app}"), EntityKind::App, app.as_str(), callers.suspect_app(store, first)),
    };
    let actors: BTreeSet<&str> = rows.iter().map(|&r| store.actor(r)).filter(|a| !a.is_empty()).collect();
    let apps: BTreeSet<&str> = rows.iter().map(|&r| store.app(r)).filter(|a| !a.is_empty()).collect();
    let agents: BTreeSet<&str> = rows.iter().map(|&r| store.user_agent(r)).filter(|a| !a.is_empty()).collect();
    let tokens: BTreeSet<&str> = rows.iter().filter_map(|&r| store.attr(r, attr::SIGNIN_ACTIVITY_ID)).map(str::trim).filter(|t| !t.is_empty()).collect();
    let mut b = FindingBuilder::new(
        &DEF,
        severity,
        format!("{who} called Microsoft Graph {} time(s) from {ip} ({succeeded} answered)", rows.len()),
        "Each row is a request made with the token from that address: what the intruder read or changed with the session, beyond the sign-in itself. \
         Revoking sessions stops new tokens; one already issued keeps working until it expires.",
    )
    .rows(rows.iter().copied())
    .entity(entity, name)
    .entity(EntityKind::Ip, ip)
    .source(Source::GraphActivity)
    .matching(Field::Ip, &[ip])
    .matching(Field::Actor, &actors.iter().copied().collect::<Vec<_>>())
    .detail(format!("from {where_from}"));
    if let Some(reason) = app_reason {
        b = b.detail(format!("the app is the suspects': {reason}"));
    }
    for app in &apps {
        b = b.entity(EntityKind::App, app);
    }
    let mut ops: Vec<(&str, usize)> = tally(rows.iter().map(|&r| store.operation(r))).into_iter().collect();
    ops.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    for (op, n) in ops.iter().take(10) {
        b = b.detail(format!("{op}: {n}"));
    }
    if !agents.is_empty() {
        b = b.detail(format!("user agent(s): {}", list_some(&agents.iter().map(|a| a.to_string()).collect::<Vec<_>>(), 3)));
    }
    if !tokens.is_empty() {
        b = b.detail(format!("sign-in(s) that issued the token (SignInActivityId): {}", list_some(&tokens.iter().map(|t| t.to_string()).collect::<Vec<_>>(), 3)));
    }
    if succeeded == 0 {
        b = b.benign("Graph refused every one of these requests");
    }
    b.build(store)
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::detect::{Indicator, IndicatorKind};
    use crate::model::Event;

    const OID: &str = "4f1c2e3a-8b7d-4c6e-9a15-0d2b3c4e5f60";

    fn graph(time: &str, op: &str, actor: &str, ip: &str) -> Event {
        Event { time: t(time), source: Source::GraphActivity, operation: op.into(), actor: actor.into(), ip: ip.into(), outcome: Outcome::Success, app: "app-1".into(), ..Event::default() }
            .with(attr::USER_ID, actor)
    }

    #[test]
    fn a_suspects_calls_from_a_marked_address_by_object_id() {
        let store = store_of(vec![
            signin("2026-03-14T10:00:00Z", "megan@contoso.com", "203.0.113.45", "NL").with(attr::USER_ID, OID),
            graph("2026-03-14T10:05:00Z", "GET /me/messages", OID, "203.0.113.45"),
            graph("2026-03-14T10:06:00Z", "GET /users", OID, "203.0.113.45").failed(),
            // Same caller from home; another user from the marked address.
            graph("2026-03-14T11:00:00Z", "GET /me/messages", OID, "198.51.100.20"),
            graph("2026-03-14T10:07:00Z", "GET /me", "9d0e1f2a-0000-4000-8000-000000000001", "203.0.113.45"),
        ]);
        let ctx = Context { suspect_accounts: vec!["Megan@contoso.com".into()], indicators: vec![Indicator::new(IndicatorKind::Ip, "203.0.113.45", "")], ..Context::default() };
        let findings = findings_of(&DEF, &store, &ctx);
        let got: Vec<(&str, Severity, Vec<u32>)> = findings.iter().map(|f| (f.title.as_str(), f.severity, f.rows.clone())).collect();
        assert_eq!(got, vec![("megan@contoso.com's token called Microsoft Graph 2 time(s) from 203.0.113.45 (1 answered)", Severity::High, vec![1, 2])]);
        assert!(findings_of(&DEF, &store, &Context { indicators: vec![], ..ctx }).is_empty(), "no attacker address, no finding");
    }

    #[test]
    fn an_address_first_seen_for_the_suspect_in_the_window_is_the_attackers() {
        let mut events = daily("2026-03-01T08:00:00Z", 10, "megan@contoso.com", "198.51.100.20", "NL");
        for e in &mut events {
            e.set_attr(attr::USER_ID, OID.to_string());
        }
        events.push(signin("2026-03-14T10:00:00Z", "megan@contoso.com", "203.0.113.45", "NL").with(attr::USER_ID, OID));
        events.push(graph("2026-03-14T10:05:00Z", "GET /me/messages", OID, "203.0.113.45"));
        // Her usual address, and before the window: not the attacker's.
        events.push(graph("2026-03-14T11:00:00Z", "GET /me/messages", OID, "198.51.100.20"));
        events.push(graph("2026-03-14T09:00:00Z", "GET /me/messages", OID, "203.0.113.45"));
        let store = store_of(events);
        let ctx = Context { suspect_accounts: vec!["megan@contoso.com".into()], window: Some((t("2026-03-14T09:30:00Z"), t("2026-03-15T00:00:00Z"))), ..Context::default() };
        let findings = findings_of(&DEF, &store, &ctx);
        let got: Vec<(Severity, Vec<&str>)> = findings.iter().map(|f| (f.severity, f.rows.iter().map(|&r| store.ip(r)).collect())).collect();
        // The address is the attacker's from then on, so the earlier call from it is shown too.
        assert_eq!(got, vec![(Severity::Medium, vec!["203.0.113.45", "203.0.113.45"])], "{findings:#?}");
        assert!(findings[0].details[0].contains("first seen for megan@contoso.com"), "{:?}", findings[0].details);
    }

    #[test]
    fn an_office_address_colleagues_used_before_the_window_is_not_the_attackers() {
        let mut events = daily("2026-03-01T08:00:00Z", 10, "megan@contoso.com", "198.51.100.20", "NL");
        for e in &mut events {
            e.set_attr(attr::USER_ID, OID.to_string());
        }
        for colleague in ["adele@contoso.com", "lee@contoso.com", "nestor@contoso.com"] {
            events.extend(daily("2026-03-02T08:30:00Z", 5, colleague, "192.0.2.10", "NL"));
        }
        // Her first day at the office falls inside the window.
        events.push(signin("2026-03-14T10:00:00Z", "megan@contoso.com", "192.0.2.10", "NL").with(attr::USER_ID, OID));
        events.push(graph("2026-03-14T10:05:00Z", "GET /me/drive/recent", OID, "192.0.2.10"));
        let store = store_of(events);
        let ctx = Context { suspect_accounts: vec!["megan@contoso.com".into()], window: Some((t("2026-03-14T09:30:00Z"), t("2026-03-15T00:00:00Z"))), ..Context::default() };
        assert!(findings_of(&DEF, &store, &ctx).is_empty());
    }
}
