//! Step 10: mailbox permissions granted (`Add-MailboxPermission`,
//! `Add-RecipientPermission`, folder permissions), which let another
//! account read or send as the mailbox. One finding per grant.

use super::facts::{is_ual, param, routine_change, rows_with_op};
use super::{Context, DetectorDef, History, EntityKind, Finding, FindingBuilder, Severity};
use crate::model::Source;
use crate::store::{EventStore, Field};

pub const DEF: DetectorDef = DetectorDef {
    id: "scope.mailbox_permission",
    step: 10,
    title: "Mailbox permissions granted",
    run,
    sliced: None,
};

const GRANT_OPS: [&str; 5] = ["Add-MailboxPermission", "Add-RecipientPermission", "Add-MailboxFolderPermission", "Set-MailboxFolderPermission", "Add-ADPermission"];

fn run(store: &EventStore, ctx: &Context, history: &History) -> Vec<Finding> {
    let used = history.addresses();
    let mut findings = Vec::new();
    for row in rows_with_op(store, &GRANT_OPS) {
        if !is_ual(store, row) {
            continue;
        }
        let actor = store.actor(row);
        let mailbox = param(store, row, "Identity").unwrap_or(store.target(row));
        let grantee = param(store, row, "User").or_else(|| param(store, row, "Trustee")).unwrap_or("");
        let rights = param(store, row, "AccessRights").unwrap_or("");
        let full = rights.to_ascii_lowercase().contains("fullaccess") || rights.to_ascii_lowercase().contains("sendas") || rights.eq_ignore_ascii_case("Owner");
        let involved = [actor, grantee].iter().any(|a| ctx.is_suspect(a)) && ctx.in_window(store.time(row)) || ctx.is_indicator_ip(store.ip(row));
        let severity = match (involved, full) {
            (true, _) => Severity::High,
            (false, true) => Severity::Medium,
            (false, false) => Severity::Low,
        };
        let grantee_text = if grantee.is_empty() { "someone".to_string() } else { grantee.to_string() };
        let rights_text = if rights.is_empty() { String::new() } else { format!(" {rights}") };
        let mut b = FindingBuilder::new(
            &DEF,
            severity,
            format!("{actor} gave {grantee_text}{rights_text} on {mailbox}"),
            "A permission on a mailbox lets another account read it or send as its owner without signing in as them, \
             and it survives the owner's password reset. Attackers grant one to an account they control to keep reading mail.",
        )
        .rows([row])
        .entity(EntityKind::Account, actor)
        .entity(EntityKind::Account, grantee)
        .entity(EntityKind::Mailbox, mailbox)
        .source(Source::UnifiedAudit)
        .matching(Field::Op, &[store.operation(row)])
        .matching(Field::Actor, &[actor]);
        if !involved {
            b = b.benign("admins grant delegate and shared-mailbox access routinely");
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
    fn full_access_grants() {
        let store = store_of(vec![
            ual("2026-03-02T10:00:00Z", "Add-MailboxPermission", "admin@contoso.com", "198.51.100.1")
                .with("Param.Identity", "ceo@contoso.com")
                .with("Param.User", "alice@contoso.com")
                .with("Param.AccessRights", "FullAccess"),
            ual("2026-03-02T11:00:00Z", "Add-MailboxFolderPermission", "bob@contoso.com", "198.51.100.2")
                .with("Param.Identity", "bob@contoso.com:\\Calendar")
                .with("Param.User", "carol@contoso.com")
                .with("Param.AccessRights", "Reviewer"),
        ]);
        let ctx = Context { suspect_accounts: vec!["alice@contoso.com".into()], window: Some((t("2026-03-02T00:00:00Z"), t("2026-03-03T00:00:00Z"))), ..Context::default() };
        let findings = findings_of(&DEF, &store, &ctx);
        let got: Vec<(Vec<u32>, Severity)> = findings.iter().map(|f| (f.rows.clone(), f.severity)).collect();
        assert_eq!(got, vec![(vec![0], Severity::High), (vec![1], Severity::Low)]);
        assert_eq!(findings[0].title, "admin@contoso.com gave alice@contoso.com FullAccess on ceo@contoso.com");
    }
}
