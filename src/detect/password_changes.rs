//! Step 3: password resets and changes. A helpdesk reset is routine; a
//! change by the account itself from the attacker's address, or inside the
//! compromise window, may be the attacker locking the owner out. One
//! finding per change.

use super::facts::{is_audit, is_ual, op_is, rows_with_op, subject_account};
use super::{Context, DetectorDef, History, EntityKind, Finding, FindingBuilder, Severity};
use crate::store::{EventStore, Field};

pub const DEF: DetectorDef = DetectorDef {
    id: "identity.password_change",
    step: 3,
    title: "Password resets and changes",
    run,
    sliced: None,
};

const PASSWORD_OPS: [&str; 7] = [
    "Reset user password",
    "Change user password",
    "Reset password (by admin)",
    "Reset password (self-service)",
    "Change password (self-service)",
    "Set force change user password",
    "Self-service password reset flow activity progress",
];

fn run(store: &EventStore, ctx: &Context, history: &History) -> Vec<Finding> {
    let used = history.addresses();
    let mut findings = Vec::new();
    for row in rows_with_op(store, &PASSWORD_OPS) {
        if !(is_audit(store, row) || is_ual(store, row)) {
            continue;
        }
        // Progress records of the self-service flow are steps, not changes.
        if op_is(store, row, &["Self-service password reset flow activity progress"]) {
            continue;
        }
        let account = subject_account(store, row);
        let actor = store.actor(row);
        let by_other = !actor.is_empty() && !actor.eq_ignore_ascii_case(account);
        let ip = store.ip(row);
        let time = store.time(row);
        let after_containment = ctx.containment.is_some_and(|c| time >= c);
        let mut severity = if by_other { Severity::Info } else { Severity::Low };
        let mut reasons = Vec::new();
        if ctx.is_indicator_ip(ip) {
            severity = Severity::High;
            reasons.push(format!("from indicator address {ip}"));
        } else if ctx.is_suspect(account) && ctx.in_window(time) && !by_other && !after_containment {
            severity = Severity::Medium;
            reasons.push("by the suspect account itself inside the compromise window".to_string());
        }
        let title = if reasons.is_empty() {
            format!("{} for {account}", store.operation(row).trim_end_matches('.'))
        } else {
            format!("{} for {account} ({})", store.operation(row).trim_end_matches('.'), reasons.join("; "))
        };
        let mut b = FindingBuilder::new(
            &DEF,
            severity,
            title,
            "A password change shows who controlled the account when. Done by the attacker, it locks the owner out and buys time; \
             done by the helpdesk after the compromise, it is part of the remediation and should be followed by revoking sessions.",
        )
        .rows([row])
        .entity(EntityKind::Account, account)
        .entity(EntityKind::Ip, ip)
        .source(store.source(row))
        .matching(Field::Op, &[store.operation(row)])
        .matching(Field::User, &[account]);
        if by_other {
            b = b.benign(format!("done by another account ({actor}), as a helpdesk reset is"));
        }
        if after_containment {
            b = b.benign("after containment: likely part of the remediation");
        }
        let days = used.days_before(account, ip, store.time(row));
        if !ip.is_empty() && days >= 7 {
            b = b.benign(format!("made from an address this account had signed in from on {days} days before"));
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
    fn helpdesk_resets_stay_info_attacker_change_is_high() {
        let mut attacker = audit("2026-03-02T10:00:00Z", "Change user password", "alice@contoso.com", "alice@contoso.com");
        attacker.ip = "203.0.113.7".into();
        let store = store_of(vec![
            audit("2026-03-01T10:00:00Z", "Reset user password", "helpdesk@contoso.com", "bob@contoso.com"),
            attacker,
            ual("2026-03-03T10:00:00Z", "Reset user password.", "helpdesk@contoso.com", "").target("alice@contoso.com"),
            audit("2026-03-03T10:01:00Z", "Self-service password reset flow activity progress", "carol@contoso.com", "carol@contoso.com"),
        ]);
        let ctx = Context { indicators: vec![Indicator::new(IndicatorKind::Ip, "203.0.113.7", "")], containment: Some(t("2026-03-03T09:00:00Z")), ..Context::default() };
        let findings = findings_of(&DEF, &store, &ctx);
        let got: Vec<(Vec<u32>, Severity)> = findings.iter().map(|f| (f.rows.clone(), f.severity)).collect();
        assert_eq!(got, vec![(vec![0], Severity::Info), (vec![1], Severity::High), (vec![2], Severity::Info)]);
        assert_eq!(findings[2].benign_signals.len(), 2);
    }
}
