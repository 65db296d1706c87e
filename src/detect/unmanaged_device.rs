//! Step 1: successful interactive sign-ins from a device that is not
//! managed or not compliant, for accounts that otherwise use managed
//! devices. One finding per account.

use super::facts::is_successful_signin;
use super::signins::{device_trusted, is_interactive};
use super::sliced_by::per_account;
use super::{Context, DetectorDef, History, EntityKind, Finding, FindingBuilder, Severity, Slices};
use crate::model::Source;
use crate::store::{EventStore, Field};
use std::collections::BTreeSet;

pub const DEF: DetectorDef = DetectorDef {
    id: "signin.unmanaged_device",
    step: 1,
    title: "Sign-in from an unmanaged or non-compliant device",
    run,
    sliced: Some(start),
};

fn run(store: &EventStore, ctx: &Context, history: &History) -> Vec<Finding> {
    super::whole(start(store, ctx, history))
}

fn start<'h>(store: &'h EventStore, ctx: &'h Context, history: &'h History<'_>) -> Box<dyn Slices + 'h> {
    per_account(history, move |_, rows, findings| findings.extend(of_account(store, ctx, rows)))
}

/// The account's finding, if it signed in from a device known not to be
/// managed or compliant (`rows`: its sign-ins).
fn of_account(store: &EventStore, ctx: &Context, rows: &[u32]) -> Option<Finding> {
    let mut trusted = 0;
    let mut untrusted: Vec<u32> = Vec::new();
    for &r in rows.iter().filter(|&&r| is_successful_signin(store, r) && is_interactive(store, r)) {
        match device_trusted(store, r) {
            Some(true) => trusted += 1,
            Some(false) => untrusted.push(r),
            None => {}
        }
    }
    let &first = untrusted.first()?;
    let account = store.actor(first);
    let ips: BTreeSet<&str> = untrusted.iter().map(|&r| store.ip(r)).filter(|i| !i.is_empty()).collect();
    let usual_managed = trusted >= 3 && trusted >= untrusted.len() * 3;
    let mut severity = if usual_managed { Severity::Medium } else { Severity::Info };
    if ips.iter().any(|ip| ctx.is_indicator_ip(ip)) || (ctx.is_suspect(account) && untrusted.iter().any(|&r| ctx.in_window(store.time(r)))) {
        severity = severity.raised();
    }
    let mut b = FindingBuilder::new(
        &DEF,
        severity,
        format!("{account} signed in {} time(s) from an unmanaged or non-compliant device", untrusted.len()),
        "A device the organisation does not manage is outside its controls and is what an attacker signing in with stolen credentials brings. \
         It weighs more when the account otherwise always uses managed devices.",
    )
    .rows(untrusted.iter().copied())
    .entity(EntityKind::Account, account)
    .source(Source::SignIn)
    .matching(Field::Actor, &[account])
    .matching(Field::Outcome, &["success"])
    .detail(format!("{trusted} interactive sign-in(s) of this account came from managed, compliant devices"));
    for ip in &ips {
        b = b.entity(EntityKind::Ip, ip);
    }
    if !usual_managed {
        b = b.benign("the account often signs in from unmanaged devices (personal devices may be allowed)");
    }
    b.build(store)
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::model::attr;

    #[test]
    fn managed_user_on_a_strange_device_is_medium() {
        let mut events: Vec<_> = daily("2026-03-01T08:00:00Z", 5, "alice@contoso.com", "198.51.100.10", "FR")
            .into_iter()
            .map(|e| e.with(attr::DEVICE_COMPLIANT, "true").with(attr::DEVICE_MANAGED, "true"))
            .collect();
        events.push(signin("2026-03-06T08:00:00Z", "alice@contoso.com", "203.0.113.7", "NG").with(attr::DEVICE_COMPLIANT, "false"));
        // Bob always uses his own laptop: informational only.
        events.extend(daily("2026-03-01T09:00:00Z", 3, "bob@contoso.com", "198.51.100.11", "FR").into_iter().map(|e| e.with(attr::DEVICE_MANAGED, "False")));
        let store = store_of(events);
        let findings = findings_of(&DEF, &store, &Context::default());
        assert_eq!(findings.len(), 2);
        let alice = findings.iter().find(|f| f.title.starts_with("alice")).unwrap();
        assert_eq!((alice.severity, alice.rows.len()), (Severity::Medium, 1));
        let bob = findings.iter().find(|f| f.title.starts_with("bob")).unwrap();
        assert_eq!((bob.severity, bob.rows.len()), (Severity::Info, 3));
    }
}
