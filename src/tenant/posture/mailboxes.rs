//! Mailbox state from tool reports, as posture items: one gap per dangerous
//! inbox rule, forwarding, transport rule, delegation or unaudited mailbox
//! (named, with the file and row it came from), or one pass per report kind
//! when nothing in it is dangerous. Only kinds the snapshot covers are
//! checked, so a snapshot without mailbox reports gets no mailbox items.

use super::{CheckResult, Posture, PostureCheck};
use crate::detect::Severity;
use crate::tenant::kind::ObjectKind;
use crate::tenant::mail_risk::{self, TenantDomains};
use crate::tenant::object::TenantObject;
use crate::tenant::rules::Risk;

/// One check: its id, title, playbook step, the kind it reads, what a pass
/// says, and the judgement.
struct MailCheck {
    id: &'static str,
    title: &'static str,
    step: u8,
    kind: ObjectKind,
    quiet: &'static str,
}

const CHECKS: [MailCheck; 5] = [
    MailCheck { id: "inbox_rules", title: "Inbox rules that send mail out or hide it", step: 9, kind: ObjectKind::InboxRule, quiet: "no inbox rule forwards or redirects outside the tenant, or hides mail about payments or security" },
    MailCheck { id: "mailbox_forwarding", title: "Mailbox forwarding outside the tenant", step: 9, kind: ObjectKind::MailboxForwarding, quiet: "no mailbox forwards its mail outside the tenant" },
    MailCheck { id: "transport_rules", title: "Transport rules that copy mail out or skip spam filtering", step: 9, kind: ObjectKind::TransportRule, quiet: "no transport rule copies or redirects mail outside the tenant or sets the spam confidence level to -1" },
    MailCheck { id: "mailbox_permissions", title: "Mailboxes others can read or send as", step: 10, kind: ObjectKind::MailboxPermission, quiet: "no one but the owners holds FullAccess, SendAs, SendOnBehalf or Inbox rights" },
    MailCheck { id: "mailbox_auditing", title: "Mailboxes whose actions are not audited", step: 6, kind: ObjectKind::MailboxAuditSetting, quiet: "every listed mailbox is audited" },
];

pub fn is_mailbox_kind(kind: &ObjectKind) -> bool {
    CHECKS.iter().any(|c| c.kind == *kind)
}

fn judge(check: &MailCheck, object: &TenantObject, domains: &TenantDomains, suspects: &[String]) -> Option<Risk> {
    match check.kind {
        ObjectKind::InboxRule => mail_risk::inbox_rule(object, domains),
        ObjectKind::MailboxForwarding => mail_risk::forwarding(object, domains),
        ObjectKind::TransportRule => mail_risk::transport_rule(object, domains),
        ObjectKind::MailboxPermission => mail_risk::permission(object, domains, suspects),
        ObjectKind::MailboxAuditSetting => mail_risk::auditing(object),
        _ => None,
    }
}

pub fn mailboxes(posture: &Posture) -> Vec<PostureCheck> {
    let snapshot = posture.snapshot;
    let domains = TenantDomains::of(snapshot);
    let suspects: Vec<String> = posture.context.map(|c| c.suspect_accounts.clone()).unwrap_or_default();
    let mut out = Vec::new();
    for check in &CHECKS {
        if !snapshot.covers(&check.kind) {
            continue;
        }
        let mut listed = 0usize;
        let mut found = Vec::new();
        for object in snapshot.of_kind(&check.kind) {
            listed += 1;
            if let Some(risk) = judge(check, object, &domains, &suspects) {
                let reason = format!("{}: {} ({}, {})", object.name, risk.reason, object.source.file, object.source.position);
                found.push(PostureCheck::new(check.id, check.title, CheckResult::Gap, risk.level, reason).step(check.step).about(&object.id, &object.name));
            }
        }
        if found.is_empty() {
            let reason = format!("{} ({listed} {} listed)", check.quiet, check.kind.label());
            out.push(PostureCheck::new(check.id, check.title, CheckResult::Pass, Severity::Info, reason).step(check.step));
        }
        out.extend(found);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::{evaluate, CheckResult};
    use crate::detect::{Context, Severity};
    use crate::tenant::Snapshot;

    #[test]
    fn each_dangerous_object_is_a_gap_and_a_clean_report_a_pass() {
        let rules = "UserName,RuleName,Enabled,ForwardTo,RedirectTo,MoveToFolder,DeleteMessage,SubjectContainsWords\n\
                     ceo@contoso.com,sync,True,\"\"\"Eve\"\" [SMTP:eve@evil.test]\",,,False,\n\
                     ceo@contoso.com,news,True,,,Newsletters,False,newsletter\n";
        let perms = "UserPrincipalName,DisplayName,RecipientTypeDetails,FullAccessUsers,SendAsUsers,SendOnBehalfUsers\n\
                     cfo@contoso.com,CFO,UserMailbox,Eve (eve@contoso.com),,\n";
        let s = Snapshot::from_files([("rules.csv", rules.as_bytes()), ("perms.csv", perms.as_bytes())]);
        let ctx = Context { suspect_accounts: vec!["eve@contoso.com".into()], ..Context::default() };
        let checks = evaluate(&s, Some(&ctx));
        let gaps: Vec<_> = checks.iter().filter(|c| c.result == CheckResult::Gap).collect();
        assert_eq!(gaps.len(), 2, "{checks:#?}");
        let rule = gaps.iter().find(|c| c.check == "inbox_rules").expect("rule gap");
        assert_eq!((rule.step, rule.risk, rule.object.name.as_str()), (9, Severity::High, "sync (ceo@contoso.com)"));
        assert!(rule.reason.contains("eve@evil.test") && rule.reason.contains("rules.csv, line 2"), "{}", rule.reason);
        let perm = gaps.iter().find(|c| c.check == "mailbox_permissions").expect("permission gap");
        assert_eq!((perm.step, perm.risk), (10, Severity::High));
        assert!(!checks.iter().any(|c| c.check == "conditional_access_policies"), "a mailbox-only snapshot says nothing of CA");
    }
}
