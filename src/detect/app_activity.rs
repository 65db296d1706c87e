//! Step 8: sign-ins of a marked application (an app id the analyst or
//! `suggest_context` flagged, e.g. one consented during the compromise, or
//! an existing app that was given a new secret). Its token refreshes show
//! the app still reaching data, whatever happens to the user's password.
//! One finding per app; a trusted app's own sign-ins from the addresses it
//! had used for a week or more before the window get a finding of their own
//! at Low, so the new addresses stand out.

use super::facts::is_signin;
use super::{Context, DetectorDef, History, EntityKind, Finding, FindingBuilder, IndicatorKind, Severity};
use crate::model::{attr, Outcome, Source};
use crate::store::{EventStore, Field};
use std::collections::{BTreeMap, BTreeSet};

pub const DEF: DetectorDef = DetectorDef {
    id: "oauth.app_activity",
    step: 8,
    title: "Sign-ins of marked applications",
    run,
    sliced: None,
};

/// Days of use before the window that make an address the app's routine.
const ROUTINE_DAYS: usize = 7;

fn run(store: &EventStore, ctx: &Context, history: &History) -> Vec<Finding> {
    let ids: Vec<&str> = ctx.indicator_values(IndicatorKind::AppId).collect();
    if ids.is_empty() {
        return Vec::new();
    }
    let mut groups: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for row in 0..store.len() as u32 {
        if !is_signin(store, row) || store.outcome(row) != Outcome::Success {
            continue;
        }
        let app_id = store.attr(row, attr::APP_ID).unwrap_or("");
        if let Some(id) = ids.iter().find(|id| id.eq_ignore_ascii_case(app_id) || id.eq_ignore_ascii_case(store.app(row))) {
            groups.entry(id.to_lowercase()).or_default().push(row);
        }
    }
    let used = history.addresses();
    let mut findings = Vec::new();
    for (id, all_rows) in groups {
        // Routine: the row's own address, used by the same signer on a week
        // or more of days before the window (or before the app's first
        // sign-in here when no window is set).
        let since = ctx.window.map(|(start, _)| start).or_else(|| all_rows.first().map(|&r| store.time(r))).unwrap_or_default();
        let (routine, rows): (Vec<u32>, Vec<u32>) = all_rows.iter().partition(|&&r| !ctx.is_indicator_ip(store.ip(r)) && used.days_before(store.actor(r), store.ip(r), since) >= ROUTINE_DAYS);
        findings.extend(routine_finding(store, &id, &routine, since));
        let Some(&first) = rows.first() else { continue };
        let accounts: BTreeSet<&str> = rows.iter().map(|&r| store.actor(r)).filter(|a| !a.is_empty()).collect();
        let ips: BTreeSet<&str> = rows.iter().map(|&r| store.ip(r)).filter(|i| !i.is_empty()).collect();
        let name = store.app(first);
        let mut b = FindingBuilder::new(
            &DEF,
            Severity::High,
            format!("Marked app {name} signed in {} time(s) for {}", rows.len(), accounts.iter().copied().collect::<Vec<_>>().join(", ")),
            "Each of these is the application getting a fresh token with the permissions it was granted. \
             Revoking the user's sessions does not stop it; removing the consent or the service principal does.",
        )
        .rows(rows.iter().copied())
        .entity(EntityKind::App, &id)
        .entity(EntityKind::App, name)
        .source(Source::SignIn)
        .matching(Field::Outcome, &["success"])
        .ioc();
        for a in accounts {
            b = b.entity(EntityKind::Account, a);
        }
        for ip in ips {
            b = b.entity(EntityKind::Ip, ip);
        }
        findings.extend(b.build(store));
    }
    findings
}

/// The marked app's sign-ins from its usual addresses, at Low.
fn routine_finding(store: &EventStore, id: &str, rows: &[u32], since: i64) -> Option<Finding> {
    let &first = rows.first()?;
    let ips: BTreeSet<&str> = rows.iter().map(|&r| store.ip(r)).collect();
    let mut b = FindingBuilder::new(
        &DEF,
        Severity::Low,
        format!("Marked app {} signed in {} time(s) from its usual address(es)", store.app(first), rows.len()),
        "The app kept signing in from where it had signed in for at least a week before the window. \
         These are most likely its owner's own use; compare the credential each used with the one added during the compromise.",
    )
    .rows(rows.iter().copied())
    .entity(EntityKind::App, id)
    .source(Source::SignIn)
    .matching(Field::Outcome, &["success"])
    .matching(Field::Ip, &ips.iter().copied().collect::<Vec<_>>())
    .benign(format!("addresses used by the app on {ROUTINE_DAYS} or more days before {}", super::facts::when(since)));
    for ip in ips {
        b = b.entity(EntityKind::Ip, ip);
    }
    b.build(store)
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::detect::Indicator;

    #[test]
    fn token_refreshes_of_a_marked_app() {
        let store = store_of(vec![
            signin("2026-03-02T10:00:00Z", "alice@contoso.com", "203.0.113.7", "NG").with(attr::APP_ID, "1111-aaaa"),
            signin("2026-03-02T11:00:00Z", "alice@contoso.com", "198.51.100.1", "FR").with(attr::APP_ID, "2222-bbbb"),
        ]);
        let ctx = Context { indicators: vec![Indicator::new(IndicatorKind::AppId, "1111-AAAA", "")], ..Context::default() };
        let findings = findings_of(&DEF, &store, &ctx);
        assert_eq!(findings.len(), 1);
        assert_eq!((findings[0].rows.clone(), findings[0].severity), (vec![0], Severity::High));
    }

    #[test]
    fn a_trusted_apps_usual_host_is_told_apart_from_a_new_one() {
        // The app signs in on its own from its server every day, then from a new address.
        let mut events = daily("2026-03-01T06:00:00Z", 10, "HR Sync", "198.51.100.5", "US");
        for e in &mut events {
            e.set_attr(attr::APP_ID, "1111-aaaa".to_string());
        }
        events.push(signin("2026-03-11T03:00:00Z", "HR Sync", "203.0.113.9", "US").with(attr::APP_ID, "1111-aaaa"));
        events.push(signin("2026-03-11T06:00:00Z", "HR Sync", "198.51.100.5", "US").with(attr::APP_ID, "1111-aaaa"));
        let store = store_of(events);
        let ctx = Context {
            indicators: vec![Indicator::new(IndicatorKind::AppId, "1111-aaaa", "")],
            window: Some((t("2026-03-11T00:00:00Z"), t("2026-03-12T00:00:00Z"))),
            ..Context::default()
        };
        let findings = findings_of(&DEF, &store, &ctx);
        let got: Vec<(usize, Severity)> = findings.iter().map(|f| (f.rows.len(), f.severity)).collect();
        assert_eq!(got, vec![(11, Severity::Low), (1, Severity::High)], "{findings:#?}");
        assert_eq!(store.ip(findings[1].rows[0]), "203.0.113.9");
    }
}
