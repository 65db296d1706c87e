//! Step 8: sign-ins of a marked application (an app id the analyst or
//! `suggest_context` flagged, e.g. one consented during the compromise).
//! Its token refreshes show the app still reaching data, whatever happens to
//! the user's password. One finding per app.

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
};

fn run(store: &EventStore, ctx: &Context, _history: &History) -> Vec<Finding> {
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
    let mut findings = Vec::new();
    for (id, rows) in groups {
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
}
