//! Step 3: password spraying and guessing: failed sign-ins from one address
//! against many accounts, or many failures against one account, and any
//! success from that address afterwards. One finding per address.

use super::facts::{account_key, is_signin, when, HOUR_MS};
use super::{Context, DetectorDef, EntityKind, Finding, FindingBuilder, Severity};
use crate::model::{Outcome, Source};
use crate::store::{EventStore, Field};
use std::collections::{BTreeMap, BTreeSet};

pub const DEF: DetectorDef = DetectorDef {
    id: "identity.password_spray",
    step: 3,
    title: "Password spraying and guessing from one address",
    run,
};

/// Failures against this many accounts from one address make a spray.
const SPRAY_ACCOUNTS: usize = 5;
/// This many failures against one account from one address make guessing.
const GUESSES: usize = 10;
/// Successes from the address this long after its last failure count.
const FOLLOW_UP_MS: i64 = 24 * HOUR_MS;

fn run(store: &EventStore, ctx: &Context) -> Vec<Finding> {
    // address -> sign-in rows from it
    let mut by_ip: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for row in 0..store.len() as u32 {
        if is_signin(store, row) && !store.ip(row).is_empty() {
            by_ip.entry(store.ip(row)).or_default().push(row);
        }
    }
    let mut findings = Vec::new();
    for (ip, rows) in by_ip {
        let failures: Vec<u32> = rows.iter().copied().filter(|&r| store.outcome(r) == Outcome::Failure).collect();
        let (Some(&first_fail), Some(&last_fail)) = (failures.first(), failures.last()) else { continue };
        let mut per_account: BTreeMap<String, usize> = BTreeMap::new();
        for &r in &failures {
            *per_account.entry(account_key(store.actor(r))).or_default() += 1;
        }
        let spray = per_account.len() >= SPRAY_ACCOUNTS;
        let guessing = per_account.values().any(|&n| n >= GUESSES);
        if !spray && !guessing {
            continue;
        }
        let targeted: BTreeSet<&str> = per_account.keys().map(String::as_str).collect();
        let last_fail_time = store.time(last_fail);
        let follow_ups: Vec<u32> = rows
            .iter()
            .copied()
            .filter(|&r| {
                matches!(store.outcome(r), Outcome::Success | Outcome::Interrupted)
                    && store.time(r) >= store.time(first_fail)
                    && store.time(r) <= last_fail_time + FOLLOW_UP_MS
                    && targeted.contains(account_key(store.actor(r)).as_str())
            })
            .collect();
        let broke_in: BTreeSet<String> = follow_ups.iter().map(|&r| store.actor(r).to_string()).collect();
        let mut severity = if broke_in.is_empty() { Severity::Medium } else { Severity::High };
        if ctx.is_indicator_ip(ip) {
            severity = severity.raised();
        }
        let mut b = FindingBuilder::new(
            &DEF,
            severity,
            if broke_in.is_empty() {
                format!("{} failed sign-ins from {ip} against {} account(s)", failures.len(), targeted.len())
            } else {
                format!("{} failed sign-ins from {ip} against {} account(s), then a sign-in that got past the password for {}", failures.len(), targeted.len(), broke_in.iter().cloned().collect::<Vec<_>>().join(", "))
            },
            "Many accounts tried from one address with few attempts each is a password spray; many attempts on one account is guessing. \
             A success or an MFA prompt afterwards from the same address means the password was found and must be reset.",
        )
        .rows(failures.iter().copied())
        .rows(follow_ups.iter().copied())
        .entity(EntityKind::Ip, ip)
        .source(Source::SignIn)
        .matching(Field::Ip, &[ip])
        .detail(format!("first failure {}, last {}", when(store.time(first_fail)), when(last_fail_time)));
        for account in broke_in.iter().map(String::as_str).chain(targeted.iter().copied()) {
            b = b.entity(EntityKind::Account, account);
        }
        if let Some(range) = ctx.corporate_range_of(ip) {
            b = b.benign(format!("inside declared corporate range {range}: an app with an old password can look like this")).cap(Severity::Low);
        }
        if ctx.is_indicator_ip(ip) {
            b = b.detail("the address is a marked indicator");
        }
        findings.extend(b.build(store));
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    #[test]
    fn spray_then_success_is_high() {
        let mut events = Vec::new();
        for (i, name) in ["a", "b", "c", "d", "e", "f"].iter().enumerate() {
            events.push(signin(&format!("2026-03-02T02:0{i}:00Z"), &format!("{name}@contoso.com"), "203.0.113.7", "NG").failed());
        }
        events.push(signin("2026-03-02T02:30:00Z", "f@contoso.com", "203.0.113.7", "NG"));
        // An office printer retrying a stale password: guessing, but corporate.
        for i in 0..10 {
            events.push(signin(&format!("2026-03-02T03:{:02}:00Z", i), "scanner@contoso.com", "10.0.0.9", "FR").failed());
        }
        // Three failures for one user: a typo, not an attack.
        for i in 0..3 {
            events.push(signin(&format!("2026-03-02T04:0{i}:00Z"), "bob@contoso.com", "198.51.100.2", "FR").failed());
        }
        let store = store_of(events);
        let ctx = Context { corporate_ranges: vec!["10.0.0.0/8".into()], ..Context::default() };
        let findings = findings_of(&DEF, &store, &ctx);
        let got: Vec<(usize, Severity)> = findings.iter().map(|f| (f.rows.len(), f.severity)).collect();
        assert_eq!(got, vec![(10, Severity::Low), (7, Severity::High)], "{findings:#?}");
        assert!(findings[1].title.ends_with("for f@contoso.com"), "{}", findings[1].title);
    }
}
