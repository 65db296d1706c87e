//! Step 9: inbox rules created or changed (`New-InboxRule`, `Set-InboxRule`,
//! Outlook's `UpdateInboxRules`), judged by what they do: forward or
//! redirect outside the tenant, delete or hide mail in rarely opened
//! folders, and match words about security or payments. One finding per
//! rule change.

use super::facts::{is_ual, rows_with_op};
use super::mailflow::{external_domains, mail_rule_of, MailRule};
use super::{Context, DetectorDef, EntityKind, Finding, FindingBuilder, History, Severity, Slices};
use crate::model::Source;
use crate::store::{EventStore, Field};
use std::ops::Range;

pub const DEF: DetectorDef = DetectorDef {
    id: "mail.inbox_rule",
    step: 9,
    title: "Inbox rules that forward, delete or hide mail",
    run,
    sliced: Some(start),
};

pub(crate) const RULE_OPS: [&str; 4] = ["New-InboxRule", "Set-InboxRule", "UpdateInboxRules", "Enable-InboxRule"];

pub fn severity_of(rule: &MailRule) -> Severity {
    let external = !rule.external.is_empty();
    let hides = rule.hides();
    let keywords = !rule.keywords.is_empty();
    match (external, hides, keywords) {
        (true, true, _) | (true, _, true) => Severity::Critical,
        (true, false, false) => Severity::High,
        (false, true, true) => Severity::High,
        (false, true, false) | (false, false, true) => Severity::Medium,
        (false, false, false) if !rule.recipients.is_empty() => Severity::Low,
        _ => Severity::Info,
    }
}

fn run(store: &EventStore, ctx: &Context, history: &History) -> Vec<Finding> {
    super::whole(start(store, ctx, history))
}

/// A rule change at a time: exports of large tenants hold thousands, each
/// read and judged.
fn start<'h>(store: &'h EventStore, ctx: &'h Context, history: &'h History<'_>) -> Box<dyn Slices + 'h> {
    Box::new(RuleChanges { store, ctx, history, rows: rows_with_op(store, &RULE_OPS), findings: Vec::new() })
}

struct RuleChanges<'h, 'x> {
    store: &'h EventStore,
    ctx: &'h Context,
    history: &'h History<'x>,
    /// The rows of rule operations, the pieces of the work.
    rows: Vec<u32>,
    findings: Vec<Finding>,
}

impl Slices for RuleChanges<'_, '_> {
    fn pieces(&self) -> usize {
        self.rows.len()
    }

    fn work(&mut self, pieces: Range<usize>) {
        for &row in self.rows.get(pieces).unwrap_or_default() {
            self.findings.extend(finding_of(self.store, self.ctx, self.history, row));
        }
    }

    fn finish(self: Box<Self>) -> Vec<Finding> {
        self.findings
    }
}

/// The finding of one rule operation's row, if it is from the audit log.
fn finding_of(store: &EventStore, ctx: &Context, history: &History, row: u32) -> Option<Finding> {
    if !is_ual(store, row) {
        return None;
    }
    // Worked out once a rule is met: a scan of every row.
    let tenant = history.tenant_domains();
    let params = super::facts::params(store, row);
    let rule = mail_rule_of(&params, tenant);
    let mut severity = severity_of(&rule);
    let actor = store.actor(row);
    if severity >= Severity::Medium && (ctx.is_suspect(actor) && ctx.in_window(store.time(row)) || ctx.is_indicator_ip(store.ip(row))) {
        severity = severity.raised();
    }
    let mailbox = if store.target(row).is_empty() { actor } else { store.target(row) };
    let name = if rule.name.is_empty() { String::new() } else { format!(" '{}'", rule.name) };
    let actions = rule.actions();
    let title = if actions.is_empty() {
        format!("{} inbox rule{name} on {mailbox}", store.operation(row))
    } else {
        format!("Inbox rule{name} on {mailbox} {}", actions.join(", "))
    };
    let why = "Attackers who take over a mailbox add rules that send copies of mail out of the organisation, or that hide replies and security notices from the owner while they run a fraud. \
               The rule keeps working after the password is reset, so it must be found and removed.";
    let mut b = FindingBuilder::new(&DEF, severity, title, why)
        .rows([row])
        .entity(EntityKind::Account, actor)
        .entity(EntityKind::Mailbox, mailbox)
        .entity(EntityKind::Rule, &rule.name)
        .entity(EntityKind::Folder, rule.folder.as_deref().unwrap_or(""))
        .entity(EntityKind::Ip, store.ip(row))
        .source(Source::UnifiedAudit)
        .matching(Field::Op, &[store.operation(row)])
        .matching(Field::Actor, &[actor]);
    for address in &rule.external {
        b = b.entity(EntityKind::EmailAddress, address);
    }
    for domain in external_domains(&rule) {
        b = b.entity(EntityKind::Domain, &domain);
    }
    if !rule.recipients.is_empty() && rule.external.is_empty() {
        b = b.benign(format!("every recipient is inside the tenant ({})", tenant.iter().cloned().collect::<Vec<_>>().join(", ")));
    }
    for (name, value) in params {
        b = b.detail(format!("{name}: {value}"));
    }
    b.build(store)
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::model::Event;

    fn tenant_activity() -> Vec<Event> {
        vec![ual("2026-03-01T07:00:00Z", "MailItemsAccessed", "alice@contoso.com", "198.51.100.10"), ual("2026-03-01T07:00:00Z", "Send", "bob@contoso.com", "198.51.100.11")]
    }

    #[test]
    fn every_rule_form_is_judged_by_what_it_does() {
        let mut events = tenant_activity();
        events.push(
            ual("2026-03-02T10:00:00Z", "New-InboxRule", "alice@contoso.com", "203.0.113.7")
                .with("Param.Name", "..")
                .with("Param.ForwardTo", "drop@evil.example")
                .with("Param.DeleteMessage", "True"),
        );
        events.push(
            ual("2026-03-02T10:05:00Z", "New-InboxRule", "alice@contoso.com", "203.0.113.7")
                .with("Param.Name", "x")
                .with("Param.SubjectOrBodyContainsWords", "invoice;payment")
                .with("Param.MoveToFolder", "Inbox\\RSS Feeds")
                .with("Param.MarkAsRead", "True"),
        );
        events.push(
            ual("2026-03-02T10:10:00Z", "UpdateInboxRules", "alice@contoso.com", "203.0.113.7")
                .with("Param.RuleName", "sec")
                .with("Param.RuleActions", "[{\"ActionType\":\"DeleteMessage\"}]")
                .with("Param.RuleCondition", "Subject contains 'password reset'"),
        );
        // A tidy-up rule moving newsletters inside the tenant: informational.
        events.push(ual("2026-03-02T11:00:00Z", "New-InboxRule", "bob@contoso.com", "198.51.100.11").with("Param.Name", "News").with("Param.MoveToFolder", "Newsletters"));
        events.push(ual("2026-03-02T11:05:00Z", "Set-InboxRule", "bob@contoso.com", "198.51.100.11").with("Param.Name", "Boss").with("Param.ForwardTo", "carol@contoso.com"));
        let store = store_of(events);
        let findings = findings_of(&DEF, &store, &Context::default());
        let got: Vec<(Vec<u32>, Severity)> = findings.iter().map(|f| (f.rows.clone(), f.severity)).collect();
        assert_eq!(
            got,
            vec![(vec![2], Severity::Critical), (vec![3], Severity::High), (vec![4], Severity::High), (vec![5], Severity::Info), (vec![6], Severity::Low)],
            "{findings:#?}"
        );
        assert!(findings[0].title.contains("forwards to external drop@evil.example, deletes messages"), "{}", findings[0].title);
        assert!(findings[0].entities.iter().any(|e| e.kind == EntityKind::Domain && e.value == "evil.example"));
        assert!(findings[1].title.contains("matches 'invoice', 'payment'"), "{}", findings[1].title);
        assert_eq!(findings[4].benign_signals, vec!["every recipient is inside the tenant (contoso.com)".to_string()]);
    }
}
