//! Step 1: sign-ins Entra ID Protection marked as risky (risk level, state
//! or detections as logged). One finding per account and risk level. Where
//! Identity Protection's own detections are loaded too, those raised on the
//! same sign-ins (same request or correlation id) are named in the finding:
//! they say what Entra saw and whether someone has closed it since.

use super::history::AddressUse;
use super::facts::{address_signals, attr_text};
use super::identity_risk::{describe, detections_by_signin};
use super::signins::Risk;
use super::sliced_by::per_account;
use super::{Context, DetectorDef, History, EntityKind, Finding, FindingBuilder, Severity, Slices};
use crate::model::{attr, Outcome, Source};
use crate::store::{EventStore, Field};
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub const DEF: DetectorDef = DetectorDef {
    id: "signin.risky",
    step: 1,
    title: "Sign-ins Entra marked as risky",
    run,
    sliced: Some(start),
};

fn run(store: &EventStore, ctx: &Context, history: &History) -> Vec<Finding> {
    super::whole(start(store, ctx, history))
}

/// An account at a time (sign-ins without an account name are no
/// account's risk), one finding per risk level and outcome.
fn start<'h>(store: &'h EventStore, ctx: &'h Context, history: &'h History<'_>) -> Box<dyn Slices + 'h> {
    let used = history.addresses();
    let detections = detections_by_signin(store);
    per_account(history, move |account, rows, findings| {
        // (level, succeeded) -> rows
        let mut groups: BTreeMap<(String, bool), Vec<u32>> = BTreeMap::new();
        for &row in rows {
            let risk = Risk::of(store, row);
            if !risk.is_some() {
                continue;
            }
            let level = if risk.level.is_empty() { "unrated".to_string() } else { risk.level };
            let succeeded = store.outcome(row) == Outcome::Success;
            groups.entry((level, succeeded)).or_default().push(row);
        }
        for ((level, succeeded), rows) in groups {
            findings.extend(finding(store, ctx, used, &detections, account, &level, succeeded, &rows));
        }
    })
}

/// The Identity Protection detections raised on any of `rows`, each once.
fn joined_detections(store: &EventStore, detections: &HashMap<String, Vec<u32>>, rows: &[u32]) -> BTreeSet<u32> {
    rows.iter()
        .flat_map(|&r| [attr_text(store, r, attr::SIGNIN_ID), attr_text(store, r, attr::CORRELATION_ID)])
        .filter(|id| !id.is_empty())
        .filter_map(|id| detections.get(&id.to_ascii_lowercase()))
        .flatten()
        .copied()
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn finding(store: &EventStore, ctx: &Context, used: &AddressUse, detections: &HashMap<String, Vec<u32>>, account: &str, level: &str, succeeded: bool, rows: &[u32]) -> Option<Finding> {
    let first = *rows.first()?;
    let risks: Vec<Risk> = rows.iter().map(|&r| Risk::of(store, r)).collect();
    let types: BTreeSet<&str> = risks.iter().flat_map(|r| r.event_types.iter().map(String::as_str)).collect();
    let compromised = risks.iter().any(|r| r.state.eq_ignore_ascii_case("confirmedCompromised"));
    let all_closed = risks.iter().all(Risk::is_closed);
    let mut severity = match level {
        "high" => Severity::High,
        "medium" => Severity::Medium,
        _ => Severity::Low,
    };
    if compromised {
        severity = Severity::Critical;
    }
    if !succeeded {
        severity = severity.lowered();
    }
    let ips: BTreeSet<&str> = rows.iter().map(|&r| store.ip(r)).filter(|i| !i.is_empty()).collect();
    let outcome = if succeeded { "successful" } else { "failed or interrupted" };
    let mut b = FindingBuilder::new(
        &DEF,
        severity,
        format!("{} {outcome} sign-in(s) of {} with {level} risk", rows.len(), store.actor(first)),
        "Entra ID Protection scored these sign-ins as risky from signals Loupe cannot see, such as leaked credentials, anonymising networks and token anomalies. \
         A successful risky sign-in is one of the strongest hints that the account is in someone else's hands.",
    )
    .rows(rows.iter().copied())
    .entity(EntityKind::Account, store.actor(first))
    .source(Source::SignIn)
    .matching(Field::Actor, &[store.actor(first)])
    .matching(Field::Outcome, if succeeded { &["success"] } else { &["failure", "interrupted"] });
    for ip in &ips {
        b = b.entity(EntityKind::Ip, ip);
    }
    if !types.is_empty() {
        b = b.detail(format!("detections: {}", types.iter().copied().collect::<Vec<_>>().join(", ")));
    }
    let joined = if detections.is_empty() { BTreeSet::new() } else { joined_detections(store, detections, rows) };
    if !joined.is_empty() {
        let lines: Vec<String> = joined.iter().take(5).map(|&r| describe(store, r)).collect();
        let more = if joined.len() > 5 { format!(" and {} more", joined.len() - 5) } else { String::new() };
        b = b.detail(format!("Identity Protection detections on these sign-ins (source:risk): {}{more}", lines.join("; ")));
    }
    if all_closed {
        b = b.benign(format!("risk state is {} on every one of them", risks.first().map(|r| r.state.as_str()).unwrap_or_default())).cap(Severity::Low);
    }
    if ips.len() == 1 {
        if let Some(ip) = ips.first() {
            let (signals, cap) = address_signals(ctx, used, account, ip, store.time(first));
            for s in signals {
                b = b.benign(s);
            }
            if let Some(cap) = cap {
                b = b.cap(cap.max(Severity::Low));
            }
        }
    }
    b.build(store)
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::model::attr;

    #[test]
    fn levels_outcomes_and_dismissed_risk() {
        let store = store_of(vec![
            signin("2026-03-01T08:00:00Z", "alice@contoso.com", "203.0.113.7", "NG")
                .with(attr::RISK_LEVEL_DURING_SIGNIN, "high")
                .with(attr::RISK_STATE, "atRisk")
                .with(attr::RISK_EVENT_TYPES, "[\"unfamiliarFeatures\",\"anonymizedIPAddress\"]"),
            signin("2026-03-01T08:05:00Z", "alice@contoso.com", "203.0.113.7", "NG").with(attr::RISK_LEVEL_DURING_SIGNIN, "high").failed(),
            signin("2026-03-01T09:00:00Z", "bob@contoso.com", "198.51.100.3", "FR").with(attr::RISK_LEVEL_AGGREGATED, "medium").with(attr::RISK_STATE, "dismissed"),
            signin("2026-03-01T10:00:00Z", "carol@contoso.com", "198.51.100.4", "FR").with(attr::RISK_LEVEL_DURING_SIGNIN, "none").with(attr::RISK_STATE, "none"),
        ]);
        let findings = findings_of(&DEF, &store, &Context::default());
        assert_eq!(findings.len(), 3, "{findings:#?}");
        let alice_ok = findings.iter().find(|f| f.rows == vec![0]).unwrap();
        assert_eq!(alice_ok.severity, Severity::High);
        assert_eq!(alice_ok.details, vec!["detections: anonymizedIPAddress, unfamiliarFeatures".to_string()]);
        assert_eq!(findings.iter().find(|f| f.rows == vec![1]).unwrap().severity, Severity::Medium);
        let bob = findings.iter().find(|f| f.rows == vec![2]).unwrap();
        assert_eq!(bob.severity, Severity::Low);
        assert_eq!(bob.benign_signals, vec!["risk state is dismissed on every one of them".to_string()]);
    }

    #[test]
    fn detections_of_the_same_sign_in_are_named() {
        let store = store_of(vec![
            signin("2026-03-01T08:00:00Z", "alice@contoso.com", "203.0.113.7", "NG").with(attr::RISK_LEVEL_DURING_SIGNIN, "high").with(attr::SIGNIN_ID, "REQ-1"),
            risk_detection("2026-03-01T08:00:00Z", "alice@contoso.com", "anonymizedIPAddress", "high", "dismissed", "203.0.113.7").with(attr::SIGNIN_ID, "req-1"),
            risk_detection("2026-03-01T08:30:00Z", "alice@contoso.com", "unfamiliarFeatures", "low", "atRisk", "203.0.113.7").with(attr::SIGNIN_ID, "req-2"),
        ]);
        let findings = findings_of(&DEF, &store, &Context::default());
        assert_eq!(findings.len(), 1, "{findings:#?}");
        let joined: Vec<&String> = findings[0].details.iter().filter(|d| d.starts_with("Identity Protection detections")).collect();
        assert_eq!(joined.len(), 1, "{:?}", findings[0].details);
        assert!(joined[0].contains("anonymizedIPAddress (high, dismissed)") && !joined[0].contains("unfamiliarFeatures"), "{}", joined[0]);
    }
}
