//! Step 3: successful sign-ins that did not use MFA: interactive sign-ins
//! satisfied by the password alone (`singleFactorAuthentication`) and
//! legacy or ROPC sign-ins, which cannot do MFA. One finding per account
//! and address.

use super::facts::{address_signals, is_successful_signin};
use super::signins::{is_single_factor, UnusualClient};
use super::sliced_by::per_account;
use super::{Context, DetectorDef, History, EntityKind, Finding, FindingBuilder, Severity, Slices};
use crate::model::Source;
use crate::store::{EventStore, Field};
use std::collections::BTreeMap;

pub const DEF: DetectorDef = DetectorDef {
    id: "identity.mfa_gap",
    step: 3,
    title: "Successful sign-ins without MFA (single factor or legacy protocol)",
    run,
    sliced: Some(start),
};

fn run(store: &EventStore, ctx: &Context, history: &History) -> Vec<Finding> {
    super::whole(start(store, ctx, history))
}

/// An account at a time (sign-ins without an account name are no
/// account's gap), its addresses one finding each.
fn start<'h>(store: &'h EventStore, ctx: &'h Context, history: &'h History<'_>) -> Box<dyn Slices + 'h> {
    per_account(history, move |account, rows, findings| {
        let mut by_ip: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
        for &row in rows {
            if !is_successful_signin(store, row) {
                continue;
            }
            let legacy = matches!(history.unusual_client(row), Some(UnusualClient::Legacy(_) | UnusualClient::Ropc));
            if legacy || is_single_factor(store, row) {
                by_ip.entry(store.ip(row)).or_default().push(row);
            }
        }
        for (ip, rows) in by_ip {
            findings.extend(finding(store, ctx, history, account, ip, &rows));
        }
    })
}

/// The finding for an account's sign-ins without MFA from one address.
fn finding(store: &EventStore, ctx: &Context, history: &History, account: &str, ip: &str, rows: &[u32]) -> Option<Finding> {
    let used = history.addresses();
    let &first = rows.first()?;
    let legacy: Vec<String> = rows.iter().filter_map(|&r| match history.unusual_client(r) {
        Some(c @ (UnusualClient::Legacy(_) | UnusualClient::Ropc)) => Some(c.label()),
        _ => None,
    }).collect();
    let mut severity = if legacy.is_empty() { Severity::Low } else { Severity::Medium };
    if ctx.is_indicator_ip(ip) || (ctx.is_suspect(account) && rows.iter().any(|&r| ctx.in_window(store.time(r)))) {
        severity = Severity::High;
    }
    let how = legacy.first().cloned().unwrap_or_else(|| "password only".to_string());
    let mut b = FindingBuilder::new(
        &DEF,
        severity,
        format!("{} signed in {} time(s) from {} without MFA ({how})", store.actor(first), rows.len(), if ip.is_empty() { "an unknown address" } else { ip }),
        "Each of these sign-ins was let in on the password alone. Whatever policy or protocol allowed that is a gap an attacker with the password can keep using, \
         so close it (block legacy authentication, remove the MFA exclusion) as part of the reset.",
    )
    .rows(rows.iter().copied())
    .entity(EntityKind::Account, store.actor(first))
    .entity(EntityKind::Ip, ip)
    .source(Source::SignIn)
    .matching(Field::Actor, &[store.actor(first)])
    .matching(Field::Ip, &[ip])
    .matching(Field::Outcome, &["success"]);
    let (signals, cap) = address_signals(ctx, used, account, ip, store.time(first));
    for s in signals {
        b = b.benign(s);
    }
    if let Some(cap) = cap {
        b = b.cap(cap.max(Severity::Low).min(if legacy.is_empty() { Severity::Low } else { Severity::Medium }));
    }
    b.build(store)
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::model::attr;

    #[test]
    fn single_factor_and_legacy_successes() {
        let store = store_of(vec![
            signin("2026-03-01T08:00:00Z", "alice@contoso.com", "203.0.113.7", "NG").with(attr::AUTH_REQUIREMENT, "singleFactorAuthentication").with(attr::INTERACTIVE, "true"),
            signin("2026-03-01T08:01:00Z", "alice@contoso.com", "203.0.113.8", "NG").with(attr::CLIENT_APP, "Authenticated SMTP"),
            // Non-interactive token refresh: single factor by design.
            signin("2026-03-01T08:02:00Z", "bob@contoso.com", "198.51.100.2", "FR").with(attr::AUTH_REQUIREMENT, "singleFactorAuthentication").with(attr::INTERACTIVE, "false"),
            signin("2026-03-01T08:03:00Z", "carol@contoso.com", "198.51.100.3", "FR").with(attr::AUTH_REQUIREMENT, "multiFactorAuthentication"),
        ]);
        let findings = findings_of(&DEF, &store, &Context::default());
        let got: Vec<(Vec<u32>, Severity)> = findings.iter().map(|f| (f.rows.clone(), f.severity)).collect();
        assert_eq!(got, vec![(vec![0], Severity::Low), (vec![1], Severity::Medium)]);
        assert!(findings[1].title.contains("legacy protocol Authenticated SMTP"), "{}", findings[1].title);
    }
}
