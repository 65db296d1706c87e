//! Step 10: accounts created or guests invited. A new account, especially
//! one given a role soon after, is a way back in that outlives the first
//! compromise. One finding per new account.

use super::facts::{is_audit, is_ual, rows_with_op};
use super::{Context, DetectorDef, History, EntityKind, Finding, FindingBuilder, Severity};
use crate::store::{EventStore, Field};

pub const DEF: DetectorDef = DetectorDef {
    id: "scope.new_user",
    step: 10,
    title: "New users and invited guests",
    run,
    sliced: None,
};

const NEW_USER_OPS: [&str; 3] = ["Add user", "Invite external user", "Redeem external user invite"];

fn run(store: &EventStore, ctx: &Context, _history: &History) -> Vec<Finding> {
    let mut findings = Vec::new();
    for row in rows_with_op(store, &NEW_USER_OPS) {
        if !(is_audit(store, row) || is_ual(store, row)) {
            continue;
        }
        let actor = store.actor(row);
        let target = store.target(row);
        let involved = ctx.is_suspect(actor) && ctx.in_window(store.time(row)) || ctx.is_indicator_ip(store.ip(row));
        let severity = if involved { Severity::High } else { Severity::Info };
        let verb = store.operation(row).trim_end_matches('.');
        let mut b = FindingBuilder::new(
            &DEF,
            severity,
            format!("{verb}: {target} (by {actor})"),
            "Attackers with enough rights create an account or invite a guest they control, so they keep access after the compromised account is cleaned up. \
             Every account created during the window needs someone who asked for it.",
        )
        .rows([row])
        .entity(EntityKind::Account, target)
        .entity(EntityKind::Account, actor)
        .entity(EntityKind::Ip, store.ip(row))
        .source(store.source(row))
        .matching(Field::Op, &[store.operation(row)])
        .matching(Field::Target, &[target]);
        if !involved {
            b = b.benign("accounts are created every day by HR processes and admins");
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
    fn users_created_by_the_suspect_are_high() {
        let store = store_of(vec![
            audit("2026-03-02T10:00:00Z", "Add user", "alice@contoso.com", "svc-backup@contoso.com"),
            audit("2026-03-01T10:00:00Z", "Add user", "hr-sync@contoso.com", "newhire@contoso.com"),
        ]);
        let ctx = Context { suspect_accounts: vec!["alice@contoso.com".into()], window: Some((t("2026-03-02T00:00:00Z"), t("2026-03-03T00:00:00Z"))), ..Context::default() };
        let findings = findings_of(&DEF, &store, &ctx);
        let got: Vec<(Vec<u32>, Severity)> = findings.iter().map(|f| (f.rows.clone(), f.severity)).collect();
        assert_eq!(got, vec![(vec![0], Severity::Info), (vec![1], Severity::High)]);
    }
}
