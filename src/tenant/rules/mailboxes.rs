//! Mailbox configuration between two snapshots: an inbox rule, forwarding,
//! transport rule, delegation or audit setting that became dangerous (by
//! the judgement of `mail_risk`) is reported at that risk; one that stopped
//! being dangerous is worth a look (who cleaned it up, and when).

use super::{Risk, RuleCtx};
use crate::detect::Severity;
use crate::tenant::diff::ChangeKind;
use crate::tenant::kind::ObjectKind;
use crate::tenant::mail_risk::{self, TenantDomains};
use crate::tenant::object::TenantObject;

fn judge(object: &TenantObject, domains: &TenantDomains) -> Option<Risk> {
    match object.kind {
        ObjectKind::InboxRule => mail_risk::inbox_rule(object, domains),
        ObjectKind::MailboxForwarding => mail_risk::forwarding(object, domains),
        ObjectKind::TransportRule => mail_risk::transport_rule(object, domains),
        ObjectKind::MailboxPermission => mail_risk::permission(object, domains, &[]),
        ObjectKind::MailboxAuditSetting => mail_risk::auditing(object),
        _ => None,
    }
}

pub fn assess(ctx: &RuleCtx) -> Vec<Risk> {
    let domains = TenantDomains::of(ctx.current);
    let before = ctx.old.and_then(|o| judge(o, &domains));
    let after = ctx.new.and_then(|o| judge(o, &domains));
    let name = ctx.quoted();
    match (ctx.change, before, after) {
        (ChangeKind::Removed, Some(was), _) => vec![Risk::new(Severity::Low, format!("{name} is gone; it {}: find who removed it and whether it ran first", was.reason))],
        (ChangeKind::Added, _, Some(now)) => vec![Risk::new(now.level, format!("new: {name} {}", now.reason))],
        (ChangeKind::Changed, was, Some(now)) if was.as_ref().is_none_or(|w| w.reason != now.reason) => {
            vec![Risk::new(now.level, format!("{name} changed and now {}", now.reason))]
        }
        _ => Vec::new(),
    }
}
