//! Step 3: MFA and security-info changes: methods registered, changed or
//! deleted by the user or an admin, and `Update user` changes to the
//! StrongAuthentication* properties. One finding per change.

use super::facts::{changes, is_audit, is_ual, op_is, rows_with_op, subject_account, when, DAY_MS};
use super::{Context, DetectorDef, History, EntityKind, Finding, FindingBuilder, Severity};
use crate::store::{EventStore, Field};

pub const DEF: DetectorDef = DetectorDef {
    id: "identity.mfa_change",
    step: 3,
    title: "MFA and security info registered or changed",
    run,
    sliced: None,
};

pub(crate) const SECURITY_INFO_OPS: [&str; 10] = [
    "User started security info registration",
    "User registered security info",
    "User registered all required security info",
    "User changed default security info",
    "User deleted security info",
    "User updated security info",
    "Admin registered security info",
    "Admin updated security info",
    "Admin deleted security info",
    "Admin changed default security info",
];
pub(crate) const MFA_OFF_OPS: [&str; 2] = ["Disable Strong Authentication", "Update per-user multifactor authentication state"];
pub(crate) const STRONG_AUTH_PREFIX: &str = "StrongAuthentication";

/// A suspicious sign-in (first-seen address) this close before the change
/// links the two.
const LINK_MS: i64 = DAY_MS;

fn run(store: &EventStore, ctx: &Context, history: &History) -> Vec<Finding> {
    let used = history.addresses();
    let mut findings = Vec::new();
    let candidates = rows_with_op(store, &[&["Update user"][..], &SECURITY_INFO_OPS, &MFA_OFF_OPS].concat());
    for row in candidates {
        if !is_audit(store, row) && !is_ual(store, row) {
            continue;
        }
        let strong_auth: Vec<_> = if op_is(store, row, &["Update user"]) {
            changes(store, row).into_iter().filter(|c| c.property.starts_with(STRONG_AUTH_PREFIX)).collect()
        } else {
            Vec::new()
        };
        let registration = op_is(store, row, &SECURITY_INFO_OPS);
        let disables = op_is(store, row, &MFA_OFF_OPS) || strong_auth.iter().any(|c| c.property == "StrongAuthenticationRequirement");
        if !registration && !disables && strong_auth.is_empty() {
            continue;
        }
        let account = subject_account(store, row);
        let ip = store.ip(row);
        let time = store.time(row);
        let mut severity = if disables { Severity::Medium } else { Severity::Low };
        let mut reasons = Vec::new();
        if ctx.is_suspect(account) && ctx.in_window(time) {
            severity = Severity::High;
            reasons.push("by a suspect account inside the compromise window".to_string());
        }
        if ctx.is_indicator_ip(ip) {
            severity = Severity::High;
            reasons.push(format!("from indicator address {ip}"));
        }
        let lower = account.to_lowercase();
        // Worked out on the first change found (most stores have none), then shared.
        let linked = history.novelties().iter().filter(|n| n.new_ip && n.account == lower).map(|n| (store.ip(n.row), store.time(n.row))).find(|(i, t)| !ip.is_empty() && *i == ip && *t <= time && time - *t <= LINK_MS);
        if let Some((_, t)) = linked {
            severity = Severity::High;
            reasons.push(format!("from {ip}, first seen for this account at {}", when(t)));
        }
        let what = if strong_auth.is_empty() { store.operation(row).trim_end_matches('.').to_string() } else { "MFA settings changed".to_string() };
        let title = if reasons.is_empty() { format!("{what} for {account}") } else { format!("{what} for {account} ({})", reasons.join("; ")) };
        let why = "An attacker who holds a password registers their own authenticator or phone so they pass MFA from then on, even after the password is reset. \
                   Every method added during the compromise must be confirmed with the user or removed.";
        let mut b = FindingBuilder::new(&DEF, severity, title, why)
            .rows([row])
            .entity(EntityKind::Account, account)
            .entity(EntityKind::Ip, ip)
            .source(store.source(row))
            .matching(Field::Op, &[store.operation(row)])
            .matching(Field::User, &[account]);
        if let Some(reason) = store.attr(row, crate::model::attr::RESULT_REASON) {
            b = b.detail(reason.to_string());
        }
        for c in &strong_auth {
            b = b.detail(format!("{}: {} → {}", c.property, short(&c.old), short(&c.new)));
        }
        if store.actor(row) != account && !store.actor(row).is_empty() {
            b = b.detail(format!("done by {}", store.actor(row)));
        }
        let days = used.days_before(account, ip, time);
        if !ip.is_empty() && days >= 7 {
            b = b.benign(format!("made from an address this account had signed in from on {days} days before"));
            if reasons.is_empty() {
                b = b.cap(Severity::Low);
            }
        }
        if let Some(range) = ctx.corporate_range_of(ip) {
            b = b.benign(format!("made from inside declared corporate range {range}")).cap(Severity::Low);
        }
        findings.extend(b.build(store));
    }
    findings
}

/// Long property values cut for a detail line.
fn short(text: &str) -> String {
    const MAX: usize = 160;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(MAX).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::model::attr;

    #[test]
    fn registration_after_a_new_address_is_high_routine_one_is_low() {
        let mut events = daily("2026-03-01T08:00:00Z", 10, "alice@contoso.com", "198.51.100.10", "FR");
        events.push(signin("2026-03-11T02:00:00Z", "alice@contoso.com", "203.0.113.7", "NG"));
        let mut attacker = audit("2026-03-11T02:10:00Z", "User registered security info", "alice@contoso.com", "alice@contoso.com").with(attr::RESULT_REASON, "User registered Authenticator App with Notification and Code");
        attacker.ip = "203.0.113.7".into();
        events.push(attacker);
        let mut routine = audit("2026-03-05T09:00:00Z", "User registered security info", "alice@contoso.com", "alice@contoso.com");
        routine.ip = "198.51.100.10".into();
        events.push(routine);
        events.push(
            audit("2026-03-11T03:00:00Z", "Update user", "admin@contoso.com", "bob@contoso.com")
                .with(attr::MODIFIED_PROPERTIES, r#"[{"property":"StrongAuthenticationRequirement","old":"[{\"State\":1}]","new":"[]"}]"#),
        );
        events.push(audit("2026-03-11T03:05:00Z", "Update user", "admin@contoso.com", "bob@contoso.com").with(attr::MODIFIED_PROPERTIES, r#"[{"property":"Department","old":"[]","new":"[\"Sales\"]"}]"#));
        let store = store_of(events);
        let findings = findings_of(&DEF, &store, &Context::default());
        let got: Vec<(String, Severity)> = findings.iter().map(|f| (format!("{}@{}", store.operation(f.rows[0]), store.ip(f.rows[0])), f.severity)).collect();
        assert_eq!(
            got,
            vec![
                ("User registered security info@198.51.100.10".to_string(), Severity::Low),
                ("User registered security info@203.0.113.7".to_string(), Severity::High),
                ("Update user@".to_string(), Severity::Medium),
            ],
            "{findings:#?}"
        );
        assert!(findings[1].title.contains("first seen for this account"), "{}", findings[1].title);
        assert_eq!(findings[2].details, vec!["StrongAuthenticationRequirement: [{\"State\":1}] → []".to_string(), "done by admin@contoso.com".to_string()]);
    }

    #[test]
    fn a_registration_started_from_a_new_address_is_reported_too() {
        let mut events = daily("2026-03-01T08:00:00Z", 10, "alice@contoso.com", "198.51.100.10", "FR");
        events.push(signin("2026-03-11T02:00:00Z", "alice@contoso.com", "203.0.113.7", "NG"));
        let mut started = audit("2026-03-11T02:05:00Z", "User started security info registration", "alice@contoso.com", "alice@contoso.com")
            .with(attr::RESULT_REASON, "User started the registration for Authenticator App with Notification and Code");
        started.ip = "203.0.113.7".into();
        events.push(started);
        let store = store_of(events);
        let findings = findings_of(&DEF, &store, &Context::default());
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!((findings[0].rows.clone(), findings[0].severity), (vec![11], Severity::High));
        assert!(findings[0].title.starts_with("User started security info registration for alice@contoso.com"), "{}", findings[0].title);
    }
}
