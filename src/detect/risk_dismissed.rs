//! Step 5: an account's risk dismissed, remediated or marked safe during
//! the compromise window. An intruder with admin rights, or with the
//! victim's session and MFA method, can clear the risk Entra raised so that
//! risk-based Conditional Access stops challenging them: the identity logs
//! should show who did it. Without a window, only the suspects' risk
//! changes count. One finding per account, with the directory audit rows
//! of Identity Protection actions on the account around the change.

use super::facts::{account_key, attr_text, is_audit};
use super::identity_risk::{detail, is_closed, risk_rows, state};
use super::{Context, DetectorDef, EntityKind, Finding, FindingBuilder, History, Severity};
use crate::model::attr;
use crate::store::{EventStore, Field};
use std::collections::{BTreeMap, BTreeSet};

pub const DEF: DetectorDef = DetectorDef {
    id: "risk.cleared_in_window",
    step: 5,
    title: "Account risk dismissed or remediated during the compromise",
    run,
    sliced: None,
};

/// How far from a risk change an audit row of the same account may be to
/// count as the action behind it (the risk state's time is when Identity
/// Protection finished processing, a little after the click).
const AUDIT_SLACK_MS: i64 = 15 * 60_000;

/// Who or what closed the risk, as `riskDetail` says.
fn closed_by(detail: &str) -> (&'static str, Severity) {
    let d = detail.to_ascii_lowercase();
    if d.starts_with("admin") {
        ("an administrator", Severity::High)
    } else if d.contains("password") {
        ("a password change or reset by the user", Severity::Medium)
    } else if d.contains("mfa") {
        ("the user passing MFA when risk policy asked", Severity::Medium)
    } else if d.starts_with("ai") {
        ("Entra's own assessment", Severity::Low)
    } else {
        ("an unstated action", Severity::Medium)
    }
}

/// A directory audit row that touches Identity Protection.
fn is_risk_action(store: &EventStore, row: u32) -> bool {
    is_audit(store, row)
        && (store.operation(row).to_ascii_lowercase().contains("risk") || attr_text(store, row, attr::SERVICE).eq_ignore_ascii_case("Identity Protection"))
}

fn run(store: &EventStore, ctx: &Context, _history: &History) -> Vec<Finding> {
    let mut by_account: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for row in risk_rows(store) {
        let account = store.actor(row);
        let counts = match ctx.window {
            Some(_) => ctx.in_window(store.time(row)),
            None => ctx.is_suspect(account),
        };
        if counts && !account.is_empty() && is_closed(state(store, row)) {
            by_account.entry(account_key(account)).or_default().push(row);
        }
    }
    let actions: Vec<u32> = (0..store.len() as u32).filter(|&r| is_risk_action(store, r)).collect();
    let mut findings = Vec::new();
    for (key, rows) in by_account {
        let Some(&first) = rows.first() else { continue };
        let account = store.actor(first);
        let (how, mut severity) = rows.iter().map(|&r| closed_by(detail(store, r))).max_by_key(|(_, s)| *s).unwrap_or(("an unstated action", Severity::Medium));
        let audit_rows: Vec<u32> = actions
            .iter()
            .copied()
            .filter(|&a| {
                (store.target(a).eq_ignore_ascii_case(&key) || store.actor(a).eq_ignore_ascii_case(&key) && store.target(a).is_empty())
                    && rows.iter().any(|&r| (store.time(r) - store.time(a)).abs() <= AUDIT_SLACK_MS)
            })
            .collect();
        let by_whom: BTreeSet<&str> = audit_rows.iter().map(|&a| store.actor(a)).filter(|a| !a.is_empty()).collect();
        let initiators: BTreeSet<&str> = rows.iter().map(|&r| attr_text(store, r, attr::INITIATED_BY)).filter(|i| !i.is_empty()).collect();
        let by_suspect = by_whom.iter().any(|a| ctx.is_suspect(a)) || audit_rows.iter().any(|&a| ctx.is_indicator_ip(store.ip(a)));
        if by_suspect {
            severity = Severity::Critical;
        } else if ctx.is_suspect(account) {
            severity = severity.raised().min(Severity::High);
        }
        let states: BTreeSet<&str> = rows.iter().map(|&r| state(store, r)).collect();
        let mut users: Vec<&str> = vec![account];
        users.extend(by_whom.iter().copied());
        let mut b = FindingBuilder::new(
            &DEF,
            severity,
            format!("Risk on {account} {} during the compromise, by {how}", states.into_iter().collect::<Vec<_>>().join(" and ")),
            "Clearing an account's risk turns off the risk-based Conditional Access that would challenge or block the next sign-in. \
             During a compromise that may be the intruder covering their tracks: confirm the person who cleared it did so on purpose, and if not, confirm the account compromised again.",
        )
        .rows(rows.iter().copied())
        .rows(audit_rows.iter().copied())
        .entity(EntityKind::Account, account)
        .matching(Field::User, &users);
        for &row in &rows {
            b = b.detail(format!("{} at {} ({})", store.operation(row), super::facts::when(store.time(row)), detail(store, row)));
        }
        if !by_whom.is_empty() {
            b = b.detail(format!("Done by {} (directory audit)", by_whom.iter().copied().collect::<Vec<_>>().join(", ")));
            for who in &by_whom {
                b = b.entity(EntityKind::Account, who);
            }
        }
        if !initiators.is_empty() {
            b = b.detail(format!("Initiated by object id {}", initiators.into_iter().collect::<Vec<_>>().join(", ")));
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
    fn cleared_in_the_window_with_the_admin_behind_it() {
        let store = store_of(vec![
            risk_detection("2026-03-01T08:00:00Z", "alice@contoso.com", "unfamiliarFeatures", "high", "atRisk", "203.0.113.7"),
            audit("2026-03-01T09:00:00Z", "Dismiss user risk", "alice@contoso.com", "alice@contoso.com"),
            risk_state("2026-03-01T09:02:00Z", "alice@contoso.com", "none", "dismissed", "adminDismissedAllRiskForUser"),
            risk_state("2026-03-01T09:30:00Z", "bob@contoso.com", "none", "remediated", "userPassedMFADrivenByRiskBasedPolicy"),
            risk_state("2026-03-05T09:30:00Z", "carol@contoso.com", "none", "dismissed", "adminDismissedAllRiskForUser"),
        ]);
        let ctx = Context {
            suspect_accounts: vec!["alice@contoso.com".into()],
            window: Some((t("2026-03-01T07:00:00Z"), t("2026-03-02T07:00:00Z"))),
            ..Context::default()
        };
        let findings = findings_of(&DEF, &store, &ctx);
        let got: Vec<(&str, Severity, Vec<u32>)> = findings.iter().map(|f| (f.title.as_str(), f.severity, f.rows.clone())).collect();
        assert_eq!(
            got,
            vec![
                ("Risk on alice@contoso.com dismissed during the compromise, by an administrator", Severity::Critical, vec![1, 2]),
                ("Risk on bob@contoso.com remediated during the compromise, by the user passing MFA when risk policy asked", Severity::Medium, vec![3]),
            ]
        );
        let no_window = Context { suspect_accounts: vec!["carol@contoso.com".into()], ..Context::default() };
        assert_eq!(findings_of(&DEF, &store, &no_window).len(), 1);
    }
}
