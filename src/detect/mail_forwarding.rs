//! Step 9: mailbox forwarding (`Set-Mailbox` with `ForwardingSmtpAddress`,
//! `ForwardingAddress`, `DeliverToMailboxAndForward`) and transport rules
//! that redirect or copy mail (`New-TransportRule` / `Set-TransportRule`).
//! One finding per change.

use super::facts::{is_ual, op_is, param, rows_with_op};
use super::mailflow::{external_domains, mail_rule_of};
use super::{Context, DetectorDef, History, EntityKind, Finding, FindingBuilder, Severity};
use crate::model::Source;
use crate::store::{EventStore, Field};

pub const DEF: DetectorDef = DetectorDef {
    id: "mail.forwarding",
    step: 9,
    title: "Mailbox forwarding and transport rules sending mail elsewhere",
    run,
    sliced: None,
};

pub(crate) const MAILBOX_OPS: [&str; 1] = ["Set-Mailbox"];
pub(crate) const TRANSPORT_OPS: [&str; 3] = ["New-TransportRule", "Set-TransportRule", "Enable-TransportRule"];

fn run(store: &EventStore, ctx: &Context, history: &History) -> Vec<Finding> {
    let mut findings = Vec::new();
    for row in rows_with_op(store, &[&TRANSPORT_OPS[..], &MAILBOX_OPS].concat()) {
        if !is_ual(store, row) {
            continue;
        }
        let transport = op_is(store, row, &TRANSPORT_OPS);
        if !transport && !op_is(store, row, &MAILBOX_OPS) {
            continue;
        }
        // Worked out once a rule is met: a scan of every row.
        let tenant = history.tenant_domains();
        let params = super::facts::params(store, row);
        let rule = mail_rule_of(&params, tenant);
        if rule.recipients.is_empty() {
            continue;
        }
        let actor = store.actor(row);
        let external = !rule.external.is_empty();
        let mut severity = match (external, transport) {
            (true, true) => Severity::Critical,
            (true, false) => Severity::High,
            (false, _) => Severity::Low,
        };
        if external && (ctx.is_suspect(actor) && ctx.in_window(store.time(row)) || ctx.is_indicator_ip(store.ip(row))) {
            severity = severity.raised();
        }
        let target = if store.target(row).is_empty() { actor } else { store.target(row) };
        let recipients = if external { rule.external.join(", ") } else { rule.recipients.join(", ") };
        let keeps_copy = param(store, row, "DeliverToMailboxAndForward").is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let (title, why) = if transport {
            (
                format!("Transport rule{} sends mail to {recipients}", if rule.name.is_empty() { String::new() } else { format!(" '{}'", rule.name) }),
                "A transport rule acts on mail for the whole organisation, so one that copies or redirects mail outside it leaks every matching message. \
                 Creating one needs Exchange admin rights, which makes it a sign of a privileged compromise.",
            )
        } else {
            (
                format!("Mailbox {target} forwards to {recipients}{}", if keeps_copy { " (keeping a copy)" } else { "" }),
                "Forwarding set on the mailbox sends every incoming message to another address without any rule the owner would see in Outlook. \
                 It survives a password reset and is a common way to keep reading a victim's mail.",
            )
        };
        let mut b = FindingBuilder::new(&DEF, severity, title, why)
            .rows([row])
            .entity(EntityKind::Account, actor)
            .entity(EntityKind::Mailbox, if transport { "" } else { target })
            .entity(EntityKind::Rule, &rule.name)
            .entity(EntityKind::Ip, store.ip(row))
            .source(Source::UnifiedAudit)
            .matching(Field::Op, &[store.operation(row)])
            .matching(Field::Actor, &[actor]);
        for address in &rule.recipients {
            b = b.entity(EntityKind::EmailAddress, address);
        }
        for domain in external_domains(&rule) {
            b = b.entity(EntityKind::Domain, &domain);
        }
        if !external {
            b = b.benign("forwarding stays inside the tenant's own domains");
        }
        for (name, value) in params {
            b = b.detail(format!("{name}: {value}"));
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
    fn external_forwarding_and_transport_rules() {
        let store = store_of(vec![
            ual("2026-03-01T07:00:00Z", "MailItemsAccessed", "alice@contoso.com", "198.51.100.10").with("MailboxOwnerUPN", "alice@contoso.com"),
            ual("2026-03-02T10:00:00Z", "Set-Mailbox", "alice@contoso.com", "203.0.113.7")
                .target("alice@contoso.com")
                .with("Param.ForwardingSmtpAddress", "smtp:drop@evil.example")
                .with("Param.DeliverToMailboxAndForward", "True"),
            ual("2026-03-02T11:00:00Z", "New-TransportRule", "admin@contoso.com", "198.51.100.1").with("Param.Name", "cc").with("Param.BlindCopyTo", "x@evil.example"),
            // Internal forwarding to a colleague while on leave.
            ual("2026-03-02T12:00:00Z", "Set-Mailbox", "bob@contoso.com", "198.51.100.11").target("bob@contoso.com").with("Param.ForwardingAddress", "carol@contoso.com"),
            // Other Set-Mailbox changes are not forwarding.
            ual("2026-03-02T13:00:00Z", "Set-Mailbox", "bob@contoso.com", "198.51.100.11").with("Param.AuditEnabled", "True"),
        ]);
        let ctx = Context { suspect_accounts: vec!["alice@contoso.com".into()], window: Some((t("2026-03-02T00:00:00Z"), t("2026-03-03T00:00:00Z"))), ..Context::default() };
        let findings = findings_of(&DEF, &store, &ctx);
        let got: Vec<(Vec<u32>, Severity)> = findings.iter().map(|f| (f.rows.clone(), f.severity)).collect();
        assert_eq!(got, vec![(vec![1], Severity::Critical), (vec![2], Severity::Critical), (vec![3], Severity::Low)], "{findings:#?}");
        assert_eq!(findings[0].title, "Mailbox alice@contoso.com forwards to drop@evil.example (keeping a copy)");
    }
}
