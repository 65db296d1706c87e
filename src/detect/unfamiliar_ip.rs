//! Step 5: over the whole log, successful sign-ins from addresses the
//! account hardly uses (one or two days), for accounts with enough history
//! to have a normal. Complements step 1's first-seen check: this one lists
//! every rare address, not only the first sign-in from each.

use super::facts::{day_of, is_successful_signin};
use super::sliced_by::per_account;
use super::{Context, DetectorDef, History, EntityKind, Finding, FindingBuilder, Severity, Slices};
use crate::model::Source;
use crate::store::{EventStore, Field};
use std::collections::BTreeSet;

pub const DEF: DetectorDef = DetectorDef {
    id: "signin.unfamiliar_ip",
    step: 5,
    title: "Successful sign-ins from addresses unfamiliar to the account",
    run,
    sliced: Some(start),
};

/// Used on at most this many days, an address is unfamiliar.
const RARE_DAYS: usize = 2;
/// The account must be active on this many days to have a normal.
const MIN_ACTIVE_DAYS: usize = 5;

fn run(store: &EventStore, ctx: &Context, history: &History) -> Vec<Finding> {
    super::whole(start(store, ctx, history))
}

/// An account at a time (sign-ins without an account name have no
/// account's normal to stand out from).
fn start<'h>(store: &'h EventStore, ctx: &'h Context, history: &'h History<'_>) -> Box<dyn Slices + 'h> {
    per_account(history, move |account, rows, findings| findings.extend(of_account(store, ctx, history, account, rows)))
}

/// The account's finding, if it has a normal and signed in from
/// addresses outside it (`rows`: its sign-ins).
fn of_account(store: &EventStore, ctx: &Context, history: &History, account: &str, rows: &[u32]) -> Option<Finding> {
    let used = history.addresses();
    if used.active_days(account) < MIN_ACTIVE_DAYS {
        return None;
    }
    let rows: Vec<u32> = rows
        .iter()
        .copied()
        .filter(|&row| is_successful_signin(store, row) && !store.ip(row).is_empty())
        .filter(|&row| used.days(account, store.ip(row)) <= RARE_DAYS && ctx.corporate_range_of(store.ip(row)).is_none())
        .collect();
    let &first = rows.first()?;
    let ips: BTreeSet<&str> = rows.iter().map(|&r| store.ip(r)).collect();
    let countries: BTreeSet<&str> = rows.iter().map(|&r| store.country(r)).filter(|c| !c.is_empty()).collect();
    let marked = ips.iter().any(|ip| ctx.is_indicator_ip(ip));
    let severity = if marked {
        Severity::High
    } else if ctx.is_suspect(account) {
        Severity::Medium
    } else {
        Severity::Info
    };
    let active = used.active_days(account);
    let mut b = FindingBuilder::new(
        &DEF,
        severity,
        format!("{}: {} successful sign-in(s) from {} unfamiliar address(es)", store.actor(first), rows.len(), ips.len()),
        format!(
            "Over the {active} days this account was active, these addresses were used on no more than {RARE_DAYS} of them. \
             Rare addresses are where an intruder's sessions stand out from the owner's routine; most will be travel, hotspots or mobile networks."
        ),
    )
    .rows(rows.iter().copied())
    .entity(EntityKind::Account, store.actor(first))
    .source(Source::SignIn)
    .matching(Field::Actor, &[store.actor(first)])
    .matching(Field::Outcome, &["success"])
    .matching(Field::Ip, &ips.iter().copied().collect::<Vec<_>>());
    for ip in &ips {
        let days: BTreeSet<i64> = rows.iter().filter(|&&r| store.ip(r) == *ip).map(|&r| day_of(store.time(r))).collect();
        let country = rows.iter().find(|&&r| store.ip(r) == *ip).map_or("", |&r| store.country(r));
        b = b.entity(EntityKind::Ip, ip).detail(format!("{ip} ({country}): {} day(s)", days.len()));
    }
    for c in &countries {
        b = b.entity(EntityKind::Country, c);
    }
    if countries.len() == 1 && !marked {
        b = b.benign("all from one country");
    }
    b.build(store)
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    #[test]
    fn rare_addresses_of_established_accounts() {
        let mut events = daily("2026-03-01T08:00:00Z", 10, "alice@contoso.com", "198.51.100.10", "FR");
        events.push(signin("2026-03-05T20:00:00Z", "alice@contoso.com", "203.0.113.7", "NG"));
        events.push(signin("2026-03-05T20:00:00Z", "alice@contoso.com", "10.0.0.5", "FR"));
        // Bob has only two days: no normal yet.
        events.extend(daily("2026-03-01T08:00:00Z", 2, "bob@contoso.com", "198.51.100.11", "FR"));
        let store = store_of(events);
        let ctx = Context { corporate_ranges: vec!["10.0.0.0/8".into()], suspect_accounts: vec!["alice@contoso.com".into()], ..Context::default() };
        let findings = findings_of(&DEF, &store, &ctx);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].severity, Severity::Medium);
        assert_eq!(findings[0].rows.len(), 1);
        assert_eq!(store.ip(findings[0].rows[0]), "203.0.113.7");
    }
}
