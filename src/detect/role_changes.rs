//! Step 5: directory role assignments and PIM activations. Adding someone
//! to a privileged role is how an attacker turns one account into the
//! tenant. One finding per change.

use super::facts::{changes, is_audit, is_ual, op_is, routine_change, rows_with_op};
use super::{Context, DetectorDef, History, EntityKind, Finding, FindingBuilder, Severity};
use crate::store::{EventStore, Field};

pub const DEF: DetectorDef = DetectorDef {
    id: "identity.role_change",
    step: 5,
    title: "Directory role assignments and PIM activations",
    run,
    sliced: None,
};

pub(crate) const ADD_OPS: [&str; 7] = [
    "Add member to role",
    "Add eligible member to role",
    "Add scoped member to role",
    "Add member to role completed (PIM activation)",
    "Add member to role in PIM completed (permanent)",
    "Add member to role in PIM completed (timebound)",
    "Add eligible member to role in PIM completed (permanent)",
];
pub(crate) const REMOVE_OPS: [&str; 3] = ["Remove member from role", "Remove eligible member from role", "Remove scoped member from role"];

/// Roles that control the tenant, its identities or its mail.
const PRIVILEGED: [&str; 14] = [
    "Global Administrator",
    "Company Administrator",
    "Privileged Role Administrator",
    "Privileged Authentication Administrator",
    "Security Administrator",
    "Exchange Administrator",
    "SharePoint Administrator",
    "Application Administrator",
    "Cloud Application Administrator",
    "User Administrator",
    "Authentication Administrator",
    "Helpdesk Administrator",
    "Conditional Access Administrator",
    "Hybrid Identity Administrator",
];

/// The role's name from the modified properties (`Role.DisplayName`).
pub fn role_name(store: &EventStore, row: u32) -> String {
    changes(store, row)
        .into_iter()
        .find(|c| c.property.eq_ignore_ascii_case("Role.DisplayName") || c.property.eq_ignore_ascii_case("RoleDefinition.DisplayName"))
        .map(|c| if c.new.is_empty() { c.old } else { c.new })
        .unwrap_or_default()
}

fn run(store: &EventStore, ctx: &Context, history: &History) -> Vec<Finding> {
    let used = history.addresses();
    let mut findings = Vec::new();
    for row in rows_with_op(store, &[&ADD_OPS[..], &REMOVE_OPS].concat()) {
        if !(is_audit(store, row) || is_ual(store, row)) {
            continue;
        }
        let adds = op_is(store, row, &ADD_OPS);
        if !adds && !op_is(store, row, &REMOVE_OPS) {
            continue;
        }
        let role = role_name(store, row);
        let privileged = PRIVILEGED.iter().any(|p| p.eq_ignore_ascii_case(&role));
        let actor = store.actor(row);
        let target = store.target(row);
        let mut severity = match (adds, privileged) {
            (true, true) => Severity::High,
            (true, false) => Severity::Medium,
            (false, _) => Severity::Low,
        };
        let mut reasons = Vec::new();
        if adds && ((ctx.is_suspect(actor) || ctx.is_suspect(target)) && ctx.in_window(store.time(row)) || ctx.is_indicator_ip(store.ip(row))) {
            severity = Severity::Critical;
            reasons.push("involving a suspect account in the compromise window");
        }
        let role_text = if role.is_empty() { "a role".to_string() } else { role.clone() };
        let verb = store.operation(row).trim_end_matches('.');
        let mut title = format!("{verb}: {target} → {role_text} (by {actor})");
        if !reasons.is_empty() {
            title = format!("{title} — {}", reasons.join("; "));
        }
        let mut b = FindingBuilder::new(
            &DEF,
            severity,
            title,
            "A directory role gives an account power over other accounts, apps or mail. Attackers grant themselves or a new account a role to survive the reset of the first one, \
             so every assignment in the window needs an owner who can explain it.",
        )
        .rows([row])
        .entity(EntityKind::Account, target)
        .entity(EntityKind::Account, actor)
        .entity(EntityKind::Role, &role)
        .entity(EntityKind::Ip, store.ip(row))
        .source(store.source(row))
        .matching(Field::Op, &[store.operation(row)])
        .matching(Field::Target, &[target]);
        if !privileged && adds {
            b = b.benign("not one of the tenant-wide administrator roles");
        }
        if verb.contains("PIM activation") {
            b = b.benign("a PIM activation of a role the account was already eligible for");
        }
        if let Some(reasons) = routine_change(store, ctx, used, row) {
            for r in reasons {
                b = b.benign(r);
            }
            b = b.cap(Severity::Low);
        }
        findings.extend(b.build(store));
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::model::attr;

    #[test]
    fn privileged_roles_rank_higher() {
        let role = |name: &str| format!(r#"[{{"property":"Role.DisplayName","old":"","new":"\"{name}\""}}]"#);
        let store = store_of(vec![
            audit("2026-03-02T10:00:00Z", "Add member to role", "alice@contoso.com", "eve@contoso.com").with(attr::MODIFIED_PROPERTIES, &role("Global Administrator")),
            audit("2026-03-02T11:00:00Z", "Add member to role", "admin@contoso.com", "bob@contoso.com").with(attr::MODIFIED_PROPERTIES, &role("Reports Reader")),
            audit("2026-03-02T12:00:00Z", "Remove member from role", "admin@contoso.com", "bob@contoso.com").with(attr::MODIFIED_PROPERTIES, &role("Reports Reader")),
        ]);
        let findings = findings_of(&DEF, &store, &Context::default());
        let got: Vec<(Vec<u32>, Severity)> = findings.iter().map(|f| (f.rows.clone(), f.severity)).collect();
        assert_eq!(got, vec![(vec![0], Severity::High), (vec![1], Severity::Medium), (vec![2], Severity::Low)]);
        assert_eq!(findings[0].title, "Add member to role: eve@contoso.com → Global Administrator (by alice@contoso.com)");
    }

    #[test]
    fn the_admins_own_changes_before_the_window_are_low_the_intruders_critical() {
        let role = r#"[{"property":"Role.DisplayName","old":"","new":"\"Global Administrator\""}]"#;
        // The admin works from the office every day.
        let mut events = daily("2026-03-01T14:00:00Z", 10, "admin@contoso.com", "198.51.100.10", "US");
        let mut own = audit("2026-03-08T15:00:00Z", "Add member to role", "admin@contoso.com", "bob@contoso.com").with(attr::MODIFIED_PROPERTIES, role);
        own.ip = "198.51.100.10".into();
        let mut intruder = audit("2026-03-11T16:00:00Z", "Add member to role", "admin@contoso.com", "svc@contoso.com").with(attr::MODIFIED_PROPERTIES, role);
        intruder.ip = "203.0.113.7".into();
        events.extend([own, intruder]);
        let store = store_of(events);
        let ctx = Context { suspect_accounts: vec!["admin@contoso.com".into()], window: Some((t("2026-03-11T00:00:00Z"), t("2026-03-12T00:00:00Z"))), ..Context::default() };
        let findings = findings_of(&DEF, &store, &ctx);
        let got: Vec<(Vec<u32>, Severity)> = findings.iter().map(|f| (f.rows.clone(), f.severity)).collect();
        assert_eq!(got, vec![(vec![8], Severity::Low), (vec![11], Severity::Critical)], "{findings:#?}");
        assert!(findings[0].benign_signals.iter().any(|s| s.starts_with("outside the compromise window")), "{:?}", findings[0].benign_signals);
        // Without a window nothing is known to be routine: the same change stays High.
        let loud = findings_of(&DEF, &store, &Context::default());
        assert_eq!(loud[0].severity, Severity::High);
    }
}
