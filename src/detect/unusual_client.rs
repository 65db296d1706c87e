//! Step 1: successful sign-ins from clients people do not normally use:
//! scripting tools and HTTP libraries, password-only ROPC (`BAV2ROPC`), and
//! legacy mail protocols that cannot do MFA. One finding per account and
//! client.

use super::history::AddressUse;
use super::facts::{day_of, is_successful_signin};
use super::signins::UnusualClient;
use super::sliced_by::per_account;
use super::{Context, DetectorDef, History, EntityKind, Finding, FindingBuilder, Severity, Slices};
use crate::model::{attr, Source};
use crate::store::{EventStore, Field};
use std::collections::{BTreeMap, BTreeSet};

pub const DEF: DetectorDef = DetectorDef {
    id: "signin.unusual_client",
    step: 1,
    title: "Successful sign-in from a scripting tool, ROPC or a legacy protocol",
    run,
    sliced: Some(start),
};

/// Used on this many days, the client is the account's routine (a mail
/// app on IMAP, a scheduled script), not an intruder's one-off.
const ROUTINE_DAYS: usize = 7;

fn run(store: &EventStore, ctx: &Context, history: &History) -> Vec<Finding> {
    super::whole(start(store, ctx, history))
}

fn start<'h>(store: &'h EventStore, ctx: &'h Context, history: &'h History<'_>) -> Box<dyn Slices + 'h> {
    let used = history.addresses();
    per_account(history, move |_, rows, findings| {
        let mut groups: BTreeMap<String, (UnusualClient, Vec<u32>)> = BTreeMap::new();
        for &row in rows {
            if !is_successful_signin(store, row) {
                continue;
            }
            if let Some(client) = history.unusual_client(row) {
                groups.entry(client.label()).or_insert_with(|| (client, Vec::new())).1.push(row);
            }
        }
        for (label, (client, group)) in groups {
            findings.extend(finding(store, ctx, used, &label, &client, &group));
        }
    })
}

fn finding(store: &EventStore, ctx: &Context, used: &AddressUse, label: &str, client: &UnusualClient, rows: &[u32]) -> Option<Finding> {
    let first = *rows.first()?;
    let account = store.actor(first);
    let mut severity = match client {
        UnusualClient::Script(_) | UnusualClient::Ropc => Severity::Medium,
        UnusualClient::Legacy(_) => Severity::Low,
    };
    let ips: BTreeSet<&str> = rows.iter().map(|&r| store.ip(r)).filter(|i| !i.is_empty()).collect();
    if ips.iter().any(|ip| ctx.is_indicator_ip(ip)) || (ctx.is_suspect(account) && rows.iter().any(|&r| ctx.in_window(store.time(r)))) {
        severity = severity.raised();
    }
    let why = match client {
        UnusualClient::Script(_) => "People sign in through browsers and Office apps; a scripting tool signing in with the account's password is typical of automated account takeover and bulk data theft.",
        UnusualClient::Ropc => "ROPC hands the password straight to the token service, skipping interactive checks such as MFA prompts; attackers use it to test and use stolen passwords.",
        UnusualClient::Legacy(_) => "Legacy mail protocols authenticate with the password alone, so they get around MFA; password-spray and mail-theft tools favour them.",
    };
    let mut b = FindingBuilder::new(&DEF, severity, format!("{account} signed in successfully with {label} ({} time(s))", rows.len()), why)
        .rows(rows.iter().copied())
        .entity(EntityKind::Account, account)
        .entity(EntityKind::UserAgent, store.user_agent(first))
        .source(Source::SignIn)
        .matching(Field::Actor, &[account])
        .matching(Field::Outcome, &["success"]);
    for ip in &ips {
        b = b.entity(EntityKind::Ip, ip);
    }
    b = match client {
        UnusualClient::Legacy(protocol) => b.matching(Field::Attr(attr::CLIENT_APP.to_string()), &[protocol]),
        _ => b.matching(Field::Ua, &[store.user_agent(first)]),
    };
    let days: BTreeSet<i64> = rows.iter().map(|&r| day_of(store.time(r))).collect();
    if days.len() >= ROUTINE_DAYS {
        b = b.benign(format!("the account signed in with this client on {} different days", days.len())).cap(Severity::Low);
    }
    if ips.len() == 1 {
        if let Some(range) = ips.first().and_then(|ip| ctx.corporate_range_of(ip)) {
            b = b.benign(format!("inside declared corporate range {range}")).cap(Severity::Low);
        }
        if let Some(ip) = ips.first() {
            let days = used.days(account, ip);
            if days >= 7 {
                b = b.benign(format!("address used by this account on {days} days"));
            }
        }
    }
    b.build(store)
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    #[test]
    fn scripts_ropc_and_legacy() {
        let store = store_of(vec![
            signin("2026-03-01T08:00:00Z", "alice@contoso.com", "203.0.113.7", "NG").ua("python-requests/2.31.0"),
            signin("2026-03-01T08:01:00Z", "alice@contoso.com", "203.0.113.7", "NG").ua("BAV2ROPC"),
            signin("2026-03-01T08:02:00Z", "alice@contoso.com", "203.0.113.7", "NG").ua("").with(attr::CLIENT_APP, "IMAP4"),
            // A failed scripted attempt is not a success.
            signin("2026-03-01T08:03:00Z", "bob@contoso.com", "203.0.113.7", "NG").ua("curl/8.0").failed(),
            signin("2026-03-01T08:04:00Z", "carol@contoso.com", "198.51.100.1", "FR"),
        ]);
        let ctx = Context { indicators: vec![super::super::Indicator::new(super::super::IndicatorKind::Ip, "203.0.113.7", "")], ..Context::default() };
        let findings = findings_of(&DEF, &store, &ctx);
        let sev: Vec<(Vec<u32>, Severity)> = findings.iter().map(|f| (f.rows.clone(), f.severity)).collect();
        assert_eq!(sev, vec![(vec![2], Severity::Medium), (vec![1], Severity::High), (vec![0], Severity::High)], "{findings:#?}");
    }

    #[test]
    fn a_mail_client_used_every_day_is_low() {
        let events = daily("2026-03-01T08:00:00Z", 10, "alice@contoso.com", "198.51.100.10", "FR");
        let store = store_of(events.into_iter().map(|e| e.with(attr::CLIENT_APP, "IMAP4")).collect());
        let findings = findings_of(&DEF, &store, &Context::default());
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].severity, Severity::Low);
        assert_eq!(findings[0].rows.len(), 10);
        assert!(findings[0].query.contains("ClientApp:IMAP4"), "{}", findings[0].query);
    }
}
