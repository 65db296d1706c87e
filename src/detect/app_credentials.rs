//! Step 8: credentials (secrets and certificates) added to applications and
//! service principals, which let whoever holds them act as the app without
//! any user. One finding per record.

use super::facts::{changes, is_audit, is_ual, op_is, routine_change, rows_with_op};
use super::oauth_apps::app_name;
use super::{Context, DetectorDef, History, EntityKind, Finding, FindingBuilder, Severity};
use crate::store::{EventStore, Field};

pub const DEF: DetectorDef = DetectorDef {
    id: "oauth.credentials",
    step: 8,
    title: "Secrets or certificates added to applications",
    run,
    sliced: None,
};

pub const CREDENTIAL_OPS: [&str; 4] = [
    "Add service principal credentials",
    "Update application – Certificates and secrets management",
    "Update application - Certificates and secrets management",
    "Add application credentials",
];

fn run(store: &EventStore, ctx: &Context, history: &History) -> Vec<Finding> {
    let used = history.addresses();
    let mut findings = Vec::new();
    let candidates = rows_with_op(store, &[&["Update application", "Update service principal"][..], &CREDENTIAL_OPS].concat());
    for row in candidates {
        if !(is_audit(store, row) || is_ual(store, row)) {
            continue;
        }
        let keys_changed = op_is(store, row, &["Update application", "Update service principal"])
            && changes(store, row).iter().any(|c| c.property.eq_ignore_ascii_case("KeyDescription") || c.property.eq_ignore_ascii_case("FederatedIdentityCredentials"));
        if !op_is(store, row, &CREDENTIAL_OPS) && !keys_changed {
            continue;
        }
        let actor = store.actor(row);
        let app = app_name(store, row);
        let mut severity = Severity::Medium;
        let mut reasons = Vec::new();
        if ctx.is_suspect(actor) && ctx.in_window(store.time(row)) {
            severity = Severity::Critical;
            reasons.push("by a suspect account inside the compromise window");
        } else if ctx.is_indicator_ip(store.ip(row)) {
            severity = Severity::Critical;
            reasons.push("from a marked indicator address");
        }
        let title = if reasons.is_empty() { format!("Credential added to {app} by {actor}") } else { format!("Credential added to {app} by {actor} ({})", reasons.join("; ")) };
        let mut b = FindingBuilder::new(
            &DEF,
            severity,
            title,
            "A secret or certificate lets its holder sign in as the application, with every permission the app has, and no user or MFA involved. \
             Attackers add one to an existing privileged app to keep access after the user's password is reset.",
        )
        .rows([row])
        .entity(EntityKind::Account, actor)
        .entity(EntityKind::App, &app)
        .entity(EntityKind::Ip, store.ip(row))
        .source(store.source(row))
        .matching(Field::Op, &[store.operation(row)])
        .matching(Field::Actor, &[actor]);
        for c in changes(store, row).iter().filter(|c| c.property.to_ascii_lowercase().contains("key") || c.property.to_ascii_lowercase().contains("credential")) {
            b = b.detail(format!("{}: {}", c.property, c.new));
        }
        if actor.is_empty() || !actor.contains('@') {
            b = b.benign("done by an application or service, as certificate rotation is");
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

    #[test]
    fn secrets_added() {
        let store = store_of(vec![
            audit("2026-03-02T10:00:00Z", "Update application – Certificates and secrets management ", "alice@contoso.com", "Mail Sync Pro"),
            audit("2026-03-02T10:05:00Z", "Add service principal credentials", "Managed Identity Service", "HR Connector"),
            audit("2026-03-02T10:10:00Z", "Update application", "bob@contoso.com", "Web").with(crate::model::attr::MODIFIED_PROPERTIES, r#"[{"property":"DisplayName","old":"a","new":"b"}]"#),
        ]);
        let ctx = Context { suspect_accounts: vec!["alice@contoso.com".into()], window: Some((t("2026-03-02T00:00:00Z"), t("2026-03-03T00:00:00Z"))), ..Context::default() };
        let findings = findings_of(&DEF, &store, &ctx);
        let got: Vec<(Vec<u32>, Severity)> = findings.iter().map(|f| (f.rows.clone(), f.severity)).collect();
        assert_eq!(got, vec![(vec![0], Severity::Critical), (vec![1], Severity::Medium)]);
        assert_eq!(findings[1].benign_signals.len(), 1);
    }
}
