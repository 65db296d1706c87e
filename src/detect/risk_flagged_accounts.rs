//! Step 1: accounts Entra ID Protection itself flagged: detections or a
//! risk state at medium or high, or an account confirmed compromised. Entra
//! sees signals the logs do not (leaked credentials, threat intelligence,
//! token anomalies), so its verdict helps settle whether an account is in
//! someone else's hands and which other accounts are. One finding per
//! account, its detections (type, address, time) as evidence.

use super::facts::account_key;
use super::identity_risk::{describe, is_closed, is_compromised, is_detection, is_serious, level, risk_rows, state};
use super::{Context, DetectorDef, EntityKind, Finding, FindingBuilder, History, Severity};
use crate::ingest::identity_protection::level_rank;
use crate::model::Source;
use crate::store::{EventStore, Field};
use std::collections::{BTreeMap, BTreeSet};

pub const DEF: DetectorDef = DetectorDef {
    id: "risk.account_flagged",
    step: 1,
    title: "Accounts Entra ID Protection flagged as at risk or compromised",
    run,
    sliced: None,
};

/// Detections listed in the finding's details before "and N more".
const LISTED: usize = 10;

fn run(store: &EventStore, ctx: &Context, _history: &History) -> Vec<Finding> {
    let mut by_account: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for row in risk_rows(store) {
        if !store.actor(row).is_empty() {
            by_account.entry(account_key(store.actor(row))).or_default().push(row);
        }
    }
    by_account.into_values().filter_map(|rows| finding(store, ctx, &rows)).collect()
}

/// `all` is every Identity Protection row of one account, in time order.
fn finding(store: &EventStore, ctx: &Context, all: &[u32]) -> Option<Finding> {
    let rows: Vec<u32> = all.iter().copied().filter(|&r| is_serious(store, r)).collect();
    let (&first, &last) = (rows.first()?, all.last()?);
    let account = store.actor(first);
    let compromised = rows.iter().any(|&r| is_compromised(state(store, r)));
    let top = rows.iter().map(|&r| level_rank(level(store, r))).max().unwrap_or(0);
    let severity = match (compromised, top) {
        (true, _) => Severity::Critical,
        (false, 3) => Severity::High,
        _ => Severity::Medium,
    };
    let verdict = if compromised {
        "confirmed compromised"
    } else if top == 3 {
        "at high risk"
    } else {
        "at medium risk"
    };
    let detections: Vec<u32> = rows.iter().copied().filter(|&r| is_detection(store, r)).collect();
    let types: BTreeSet<&str> = detections.iter().map(|&r| store.operation(r)).collect();
    let ips: BTreeSet<&str> = rows.iter().map(|&r| store.ip(r)).filter(|ip| !ip.is_empty()).collect();
    let suspect = if ctx.is_suspect(account) { " (a suspect)" } else { "" };
    let mut b = FindingBuilder::new(
        &DEF,
        severity,
        format!("Entra ID Protection has {account}{suspect} {verdict}: {} detection(s)", detections.len()),
        "Entra ID Protection scores accounts from signals the logs do not show, such as leaked credentials, threat intelligence on the address and token replay. \
         An account it rates medium or high, or that someone confirmed compromised, needs its sign-ins checked and, if they are not the user's, the same response as the first victim.",
    )
    .rows(rows.iter().copied())
    .entity(EntityKind::Account, account)
    .source(Source::RiskDetection)
    .matching(Field::Actor, &[account]);
    for ip in &ips {
        b = b.entity(EntityKind::Ip, ip);
    }
    if !types.is_empty() {
        b = b.detail(format!("Detection types: {}", types.into_iter().collect::<Vec<_>>().join(", ")));
    }
    for &row in detections.iter().take(LISTED) {
        b = b.detail(describe(store, row));
    }
    if detections.len() > LISTED {
        b = b.detail(format!("and {} more", detections.len() - LISTED));
    }
    // The account's latest row says where it stands now. Closed risk on a
    // suspect reassures no one (`risk.cleared_in_window` asks who closed it).
    let now = state(store, last);
    if is_closed(now) {
        b = b.benign(format!("the latest risk state is {now}"));
        if !ctx.is_suspect(account) {
            b = b.cap(if compromised { Severity::High } else { Severity::Low });
        }
    }
    b.build(store)
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    #[test]
    fn high_medium_and_compromised_accounts_but_not_low_ones() {
        let store = store_of(vec![
            risk_detection("2026-03-01T08:00:00Z", "alice@contoso.com", "unfamiliarFeatures", "high", "atRisk", "203.0.113.7"),
            risk_detection("2026-03-01T08:01:00Z", "alice@contoso.com", "anonymizedIPAddress", "medium", "atRisk", "203.0.113.7"),
            risk_detection("2026-03-01T09:00:00Z", "bob@contoso.com", "unfamiliarFeatures", "low", "atRisk", "198.51.100.3"),
            risk_detection("2026-03-01T10:00:00Z", "carol@contoso.com", "leakedCredentials", "medium", "remediated", ""),
            risk_detection("2026-03-01T11:00:00Z", "dan@contoso.com", "adminConfirmedUserCompromised", "high", "confirmedCompromised", ""),
        ]);
        let ctx = Context { suspect_accounts: vec!["alice@contoso.com".into()], ..Context::default() };
        let findings = findings_of(&DEF, &store, &ctx);
        let got: Vec<(&str, Severity, Vec<u32>)> = findings.iter().map(|f| (f.title.as_str(), f.severity, f.rows.clone())).collect();
        assert_eq!(
            got,
            vec![
                ("Entra ID Protection has alice@contoso.com (a suspect) at high risk: 2 detection(s)", Severity::High, vec![0, 1]),
                ("Entra ID Protection has carol@contoso.com at medium risk: 1 detection(s)", Severity::Low, vec![3]),
                ("Entra ID Protection has dan@contoso.com confirmed compromised: 1 detection(s)", Severity::Critical, vec![4]),
            ]
        );
        assert!(findings[0].details.iter().any(|d| d.starts_with("unfamiliarFeatures (high, atRisk) from 203.0.113.7")), "{:?}", findings[0].details);
    }
}
