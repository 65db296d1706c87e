//! Step 8: OAuth applications: user or admin consent, delegated permission
//! grants, app role assignments, and new service principals and app
//! registrations, with the permissions they got ranked by risk. One finding
//! per record.

use super::facts::{additional_details, changes, is_audit, is_ual, op_is, rows_with_op};
use super::scopes::{scopes, Scope};
use super::{Context, DetectorDef, History, EntityKind, Finding, FindingBuilder, IndicatorKind, Severity};
use crate::model::attr;
use crate::store::{EventStore, Field};

pub const DEF: DetectorDef = DetectorDef {
    id: "oauth.consent",
    step: 8,
    title: "Consent, permission grants and new applications",
    run,
    sliced: None,
};

pub(crate) const GRANT_OPS: [&str; 4] = ["Consent to application", "Add delegated permission grant", "Add app role assignment to service principal", "Add OAuth2PermissionGrant"];
pub(crate) const NEW_APP_OPS: [&str; 2] = ["Add service principal", "Add application"];

fn run(store: &EventStore, ctx: &Context, history: &History) -> Vec<Finding> {
    let used = history.addresses();
    let mut findings = Vec::new();
    for row in rows_with_op(store, &[&GRANT_OPS[..], &NEW_APP_OPS].concat()) {
        if !(is_audit(store, row) || is_ual(store, row)) {
            continue;
        }
        let grant = op_is(store, row, &GRANT_OPS);
        if !grant && !op_is(store, row, &NEW_APP_OPS) {
            continue;
        }
        let found = scopes(store, row);
        let top = found.first().map_or(Severity::Low, |s| s.risk);
        let actor = store.actor(row);
        let time = store.time(row);
        let admin_consent = changes(store, row).iter().any(|c| c.property.eq_ignore_ascii_case("ConsentContext.IsAdminConsent") && c.new.eq_ignore_ascii_case("true"));
        let mut severity = if grant {
            match top {
                Severity::Critical | Severity::High => Severity::High,
                Severity::Medium => Severity::Medium,
                _ => Severity::Low,
            }
        } else {
            Severity::Low
        };
        let mut reasons = Vec::new();
        let app = app_name(store, row);
        let app_id = app_id(store, row);
        if ctx.is_suspect(actor) && ctx.in_window(time) {
            severity = severity.raised().max(Severity::Medium);
            reasons.push("by a suspect account inside the compromise window");
        }
        if ctx.is_indicator_ip(store.ip(row)) || ctx.indicator(&[IndicatorKind::AppId, IndicatorKind::Other], &app_id).is_some() {
            severity = severity.raised().max(Severity::High);
            reasons.push("involving a marked indicator");
        }
        let verb = store.operation(row).trim_end_matches('.');
        let perms = list(&found);
        let mut title = if perms.is_empty() { format!("{verb}: {app} by {actor}") } else { format!("{verb}: {app} by {actor} ({perms})") };
        if !reasons.is_empty() {
            title = format!("{title} — {}", reasons.join("; "));
        }
        let why = if grant {
            "A consented app holds its own tokens to the user's data and keeps them after the password is reset or sessions are revoked. \
             Illicit consent is a common way to keep reading mail and files; broad permissions such as Mail.ReadWrite or Files.ReadWrite.All make it worse."
        } else {
            "A new application or service principal can be given credentials and permissions and then act on its own. \
             Check who created it, why, and what it was granted in the records that follow."
        };
        let mut b = FindingBuilder::new(&DEF, severity, title, why)
            .rows([row])
            .entity(EntityKind::Account, actor)
            .entity(EntityKind::App, &app)
            .entity(EntityKind::App, &app_id)
            .entity(EntityKind::Ip, store.ip(row))
            .source(store.source(row))
            .matching(Field::Op, &[store.operation(row)])
            .matching(Field::Actor, &[actor]);
        for s in &found {
            b = b.entity(EntityKind::Permission, &s.name).detail(format!("{} ({})", s.name, s.risk.label().to_lowercase()));
        }
        if admin_consent {
            b = b.detail("admin consent: granted for every user in the tenant");
        }
        if !found.is_empty() && found.iter().all(|s| s.risk <= Severity::Low) {
            b = b.benign("only sign-in and basic profile permissions");
        }
        let days = used.days_before(actor, store.ip(row), time);
        if days >= 7 {
            b = b.benign(format!("done from an address this account had signed in from on {days} days before"));
        }
        findings.extend(b.build(store));
    }
    findings
}

/// The application's name: the audit target, else what the details say.
pub fn app_name(store: &EventStore, row: u32) -> String {
    let target = store.target(row);
    if !target.is_empty() {
        return target.to_string();
    }
    additional_details(store, row)
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("AppDisplayName") || k.eq_ignore_ascii_case("ServicePrincipalName"))
        .map(|(_, v)| v)
        .unwrap_or_else(|| store.app(row).to_string())
}

/// The application (client) id, where the record gives one.
pub fn app_id(store: &EventStore, row: u32) -> String {
    let from_details = additional_details(store, row).into_iter().find(|(k, _)| k.eq_ignore_ascii_case("AppId")).map(|(_, v)| v);
    let from_changes = changes(store, row).into_iter().find(|c| c.property.eq_ignore_ascii_case("AppId") || c.property.eq_ignore_ascii_case("AppAddress")).map(|c| c.new);
    from_details.or(from_changes).or_else(|| store.attr(row, attr::APP_ID).map(str::to_string)).unwrap_or_default()
}

fn list(scopes: &[Scope]) -> String {
    super::facts::list_some(&scopes.iter().map(|s| s.name.clone()).collect::<Vec<_>>(), 4)
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    #[test]
    fn consent_with_mail_scopes_is_high_profile_only_is_low() {
        let consent = r#"[{"property":"ConsentContext.IsAdminConsent","old":"","new":"\"False\""},{"property":"ConsentAction.Permissions","old":"","new":"\"[] => [[Id: abc, ClientId: 111, ConsentType: Principal, Scope:  Mail.ReadWrite offline_access User.Read, CreatedDateTime: ]]; \""}]"#;
        let store = store_of(vec![
            audit("2026-03-02T10:00:00Z", "Consent to application", "alice@contoso.com", "Mail Sync Pro").with(attr::MODIFIED_PROPERTIES, consent),
            audit("2026-03-02T11:00:00Z", "Add delegated permission grant", "bob@contoso.com", "Zoom")
                .with(attr::MODIFIED_PROPERTIES, r#"[{"property":"DelegatedPermissionGrant.Scope","old":"","new":"\"openid profile User.Read\""}]"#),
            audit("2026-03-02T12:00:00Z", "Add service principal", "admin@contoso.com", "Contoso HR"),
        ]);
        let ctx = Context { suspect_accounts: vec!["alice@contoso.com".into()], window: Some((t("2026-03-02T00:00:00Z"), t("2026-03-03T00:00:00Z"))), ..Context::default() };
        let findings = findings_of(&DEF, &store, &ctx);
        let got: Vec<(Vec<u32>, Severity)> = findings.iter().map(|f| (f.rows.clone(), f.severity)).collect();
        assert_eq!(got, vec![(vec![0], Severity::Critical), (vec![1], Severity::Low), (vec![2], Severity::Low)], "{findings:#?}");
        assert!(findings[0].title.contains("Mail.ReadWrite, offline_access, User.Read"), "{}", findings[0].title);
        assert_eq!(findings[1].benign_signals, vec!["only sign-in and basic profile permissions".to_string()]);
    }
}
