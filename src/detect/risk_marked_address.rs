//! Step 10: Entra ID Protection detections from a marked attacker address
//! on accounts other than the suspects. A detection means Entra saw that
//! account used from the address and found it suspicious, so the intruder
//! (or their infrastructure) reached another victim. `scope.indicator_other_accounts`
//! leaves these rows to this detector, which can say what Entra saw. One
//! finding per account.

use super::facts::account_key;
use super::identity_risk::{describe, is_closed, is_detection, risk_rows, state};
use super::{Context, DetectorDef, EntityKind, Finding, FindingBuilder, History, Severity};
use crate::model::Source;
use crate::store::{EventStore, Field};
use std::collections::{BTreeMap, BTreeSet};

pub const DEF: DetectorDef = DetectorDef {
    id: "scope.risk_from_marked_address",
    step: 10,
    title: "Risk detections from marked attacker addresses on other accounts",
    run,
    sliced: None,
};

fn run(store: &EventStore, ctx: &Context, _history: &History) -> Vec<Finding> {
    if ctx.indicators.is_empty() {
        return Vec::new();
    }
    let mut by_account: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for row in risk_rows(store) {
        let account = store.actor(row);
        if !is_detection(store, row) || account.is_empty() || ctx.is_suspect(account) || !ctx.is_indicator_ip(store.ip(row)) {
            continue;
        }
        by_account.entry(account_key(account)).or_default().push(row);
    }
    let mut findings = Vec::new();
    for rows in by_account.into_values() {
        let Some(&first) = rows.first() else { continue };
        let account = store.actor(first);
        let ips: BTreeSet<&str> = rows.iter().map(|&r| store.ip(r)).collect();
        let ip_list: Vec<&str> = ips.iter().copied().collect();
        let mut b = FindingBuilder::new(
            &DEF,
            Severity::High,
            format!("{account}: {} risk detection(s) from attacker address(es) {}", rows.len(), ip_list.join(", ")),
            "Entra ID Protection saw this account used from an address marked as the attacker's. \
             The intrusion reaches beyond the suspects: check this account's sign-ins from the address and give it the same response if any succeeded.",
        )
        .rows(rows.iter().copied())
        .entity(EntityKind::Account, account)
        .source(Source::RiskDetection)
        .matching(Field::Actor, &[account])
        .matching(Field::Ip, &ip_list);
        for ip in &ip_list {
            b = b.entity(EntityKind::Ip, ip);
        }
        for &row in &rows {
            b = b.detail(describe(store, row));
        }
        if rows.iter().all(|&r| is_closed(state(store, r))) {
            // Closed may be the user passing MFA, which an attacker holding
            // the MFA method passes too: the address still needs checking.
            b = b.benign(format!("every detection is closed ({})", state(store, first))).cap(Severity::Medium);
        }
        findings.extend(b.build(store));
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::detect::{Indicator, IndicatorKind};

    #[test]
    fn other_accounts_from_a_marked_address_and_not_the_suspect() {
        let store = store_of(vec![
            risk_detection("2026-03-01T08:00:00Z", "alice@contoso.com", "unfamiliarFeatures", "high", "atRisk", "203.0.113.7"),
            risk_detection("2026-03-01T09:00:00Z", "bob@contoso.com", "anonymizedIPAddress", "low", "atRisk", "203.0.113.7"),
            risk_detection("2026-03-01T09:30:00Z", "carol@contoso.com", "unfamiliarFeatures", "medium", "dismissed", "203.0.113.7"),
            risk_detection("2026-03-01T10:00:00Z", "dan@contoso.com", "unfamiliarFeatures", "high", "atRisk", "198.51.100.3"),
            risk_state("2026-03-01T10:30:00Z", "erin@contoso.com", "high", "atRisk", "none"),
        ]);
        let ctx = Context {
            suspect_accounts: vec!["alice@contoso.com".into()],
            indicators: vec![Indicator::new(IndicatorKind::Ip, "203.0.113.7", "")],
            ..Context::default()
        };
        let findings = findings_of(&DEF, &store, &ctx);
        let got: Vec<(&str, Severity, Vec<u32>)> = findings.iter().map(|f| (f.title.as_str(), f.severity, f.rows.clone())).collect();
        assert_eq!(
            got,
            vec![
                ("bob@contoso.com: 1 risk detection(s) from attacker address(es) 203.0.113.7", Severity::High, vec![1]),
                ("carol@contoso.com: 1 risk detection(s) from attacker address(es) 203.0.113.7", Severity::Medium, vec![2]),
            ]
        );
        assert!(findings_of(&DEF, &store, &Context::default()).is_empty());
    }
}
