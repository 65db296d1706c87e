//! Step 9: what actually left through forwarding. The UAL shows an inbox
//! rule, a mailbox setting or a transport rule sending mail to an outside
//! address; the Exchange message trace shows every message that reached
//! that address afterwards. The count and the senders say how much mail
//! the intruder received, which the owner and the data protection officer
//! will ask first. When the loaded trace covers the time since the rule and
//! nothing reached the address, that is said too: it is an answer. One
//! finding per outside address.

use super::facts::{is_ual, list_some, rows_with_op};
use super::mail_trace::{recipients, stopped, tenant_domains, trace_rows};
use super::mailflow::mail_rule;
use super::{Context, DetectorDef, EntityKind, Finding, FindingBuilder, History, Severity};
use crate::model::{attr, format_utc};
use crate::store::EventStore;
use std::collections::{BTreeMap, BTreeSet};

pub const DEF: DetectorDef = DetectorDef {
    id: "trace.mail_forwarded_out",
    step: 9,
    title: "Mail that reached an outside forwarding address",
    run,
    sliced: None,
};

/// Every UAL operation that can make mail go to another address.
const FORWARDING_OPS: [&str; 8] =
    ["New-InboxRule", "Set-InboxRule", "UpdateInboxRules", "Enable-InboxRule", "Set-Mailbox", "New-TransportRule", "Set-TransportRule", "Enable-TransportRule"];
/// Messages from which the finding is Critical: a mailbox's steady flow,
/// not one test message.
const MANY_MESSAGES: usize = 10;
/// Senders or subjects named in a detail line before "and N more".
const LISTED: usize = 6;

fn run(store: &EventStore, ctx: &Context, history: &History) -> Vec<Finding> {
    let trace: Vec<u32> = trace_rows(store).collect();
    let Some(&last_trace_row) = trace.last() else { return Vec::new() };
    let tenant = tenant_domains(ctx, history);
    // Outside address → the rule rows that send mail to it, in time order.
    let mut destinations: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for row in rows_with_op(store, &FORWARDING_OPS) {
        if !is_ual(store, row) {
            continue;
        }
        for address in mail_rule(store, row, &tenant).external {
            destinations.entry(address.to_ascii_lowercase()).or_default().push(row);
        }
    }
    let trace_end = store.time(last_trace_row);
    let mut findings = Vec::new();
    for (address, rule_rows) in destinations {
        let Some(&first_rule) = rule_rows.first() else { continue };
        let since = store.time(first_rule);
        if trace_end < since {
            // The trace ends before the rule: it cannot say either way.
            continue;
        }
        let reached: Vec<u32> = trace
            .iter()
            .copied()
            .filter(|&r| store.time(r) >= since && !stopped(store, r) && recipients(store, r).iter().any(|to| to.eq_ignore_ascii_case(&address)))
            .collect();
        // An inbox rule's target is `mailbox\rule name`.
        let target = store.target(first_rule).split('\\').next().unwrap_or("");
        let mailbox = if target.is_empty() { store.actor(first_rule) } else { target };
        let set_by_intruder = rule_rows.iter().any(|&r| ctx.is_suspect(store.actor(r)) && ctx.in_window(store.time(r)) || ctx.is_indicator_ip(store.ip(r)));
        let domain = address.rsplit_once('@').map_or("", |(_, d)| d);
        let mut b = if reached.is_empty() {
            FindingBuilder::new(
                &DEF,
                Severity::Info,
                format!("No message in the loaded trace reached {address}, forwarded to from {mailbox}"),
                "The message trace loaded runs past the time the forwarding was set, and no delivered message went to that address. \
                 Check that the trace covers every day since, and every mailbox the rule could act on (a trace is limited to 10 days by default).",
            )
            .rows(rule_rows.iter().copied())
            .detail(format!("Forwarding set {}; the trace ends {}", format_utc(since), format_utc(trace_end)))
        } else {
            let senders: BTreeSet<String> = reached.iter().map(|&r| store.actor(r).to_ascii_lowercase()).filter(|s| !s.is_empty()).collect();
            let subjects: BTreeSet<&str> = reached.iter().filter_map(|&r| store.attr(r, attr::SUBJECT)).filter(|s| !s.trim().is_empty()).collect();
            let severity = if reached.len() >= MANY_MESSAGES || set_by_intruder { Severity::Critical } else { Severity::High };
            let (first, last) = (store.time(reached[0]), store.time(reached[reached.len() - 1]));
            FindingBuilder::new(
                &DEF,
                severity,
                format!("{} message(s) reached {address} after {mailbox} began forwarding there", reached.len()),
                "Each of these messages left the tenant through the forwarding, so its content is in the recipient's hands. \
                 List them for the owner and the data protection officer, remove the forwarding, and check the same address in other mailboxes.",
            )
            .rows(rule_rows.iter().copied().chain(reached.iter().copied()))
            .detail(format!("Delivered from {} to {}", format_utc(first), format_utc(last)))
            .detail(format!("Senders: {}", list_some(&senders.into_iter().collect::<Vec<_>>(), LISTED)))
            .detail(format!("Subjects: {}", list_some(&subjects.into_iter().map(str::to_string).collect::<Vec<_>>(), LISTED)))
        };
        b = b
            .entity(EntityKind::EmailAddress, &address)
            .entity(EntityKind::Domain, domain)
            .entity(EntityKind::Mailbox, mailbox)
            // The rule rows hold the address in a parameter, the trace rows as a recipient.
            .mentioning(&[&address]);
        if set_by_intruder {
            b = b.detail("The forwarding was set by a suspect account in the compromise window, or from a marked address.");
        }
        findings.extend(b.build(store));
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::model::{Event, Outcome, Source};

    fn mail(time: &str, from: &str, to: &str) -> Event {
        Event { time: t(time), source: Source::MessageTrace, operation: "Delivered".into(), actor: from.into(), target: to.into(), outcome: Outcome::Success, ..Event::default() }
    }

    #[test]
    fn counts_what_reached_the_address_after_the_rule_and_says_when_nothing_did() {
        let store = store_of(vec![
            ual("2026-03-01T07:00:00Z", "MailItemsAccessed", "alice@contoso.com", "198.51.100.10").with("MailboxOwnerUPN", "alice@contoso.com"),
            // Before the rule: not counted.
            mail("2026-03-01T08:00:00Z", "partner@fabrikam.net", "drop@evil.example"),
            ual("2026-03-02T10:00:00Z", "New-InboxRule", "alice@contoso.com", "203.0.113.7").with("Param.Name", ".").with("Param.ForwardTo", "Drop@Evil.example"),
            ual("2026-03-02T10:01:00Z", "Set-Mailbox", "bob@contoso.com", "198.51.100.11").target("bob@contoso.com").with("Param.ForwardingSmtpAddress", "smtp:bob.home@outlook.example"),
            mail("2026-03-02T11:00:00Z", "alice@contoso.com", "drop@evil.example"),
            mail("2026-03-02T12:00:00Z", "alice@contoso.com", "drop@evil.example").failed(),
            mail("2026-03-02T13:00:00Z", "ceo@contoso.com", "bob@contoso.com;drop@evil.example"),
            mail("2026-03-02T14:00:00Z", "carol@contoso.com", "dan@contoso.com"),
        ]);
        let ctx = Context { suspect_accounts: vec!["alice@contoso.com".into()], window: Some((t("2026-03-02T00:00:00Z"), t("2026-03-03T00:00:00Z"))), ..Context::default() };
        let findings = findings_of(&DEF, &store, &ctx);
        let got: Vec<(&str, Severity, Vec<u32>)> = findings.iter().map(|f| (f.title.as_str(), f.severity, f.rows.clone())).collect();
        assert_eq!(
            got,
            vec![
                ("No message in the loaded trace reached bob.home@outlook.example, forwarded to from bob@contoso.com", Severity::Info, vec![3]),
                ("2 message(s) reached drop@evil.example after alice@contoso.com began forwarding there", Severity::Critical, vec![2, 4, 6]),
            ],
            "{findings:#?}"
        );
        // Without a trace there is nothing to say.
        let no_trace = store_of(vec![ual("2026-03-02T10:00:00Z", "New-InboxRule", "alice@contoso.com", "203.0.113.7").with("Param.ForwardTo", "drop@evil.example")]);
        assert!(findings_of(&DEF, &no_trace, &ctx).is_empty());
    }
}
