//! Step 10: mail from a marked sender (an address or domain marked as the
//! attacker's, or sent from a marked IP) reached mailboxes, as the Exchange
//! message trace shows: the phishing that started the incident, or the
//! intruder's follow-up, went to more people than the first victim. The
//! finding lists who received it, the accounts to check next. The UAL
//! detectors see what an account did once in; only the trace sees mail
//! arriving. A suspect's own mail, even from a marked IP, is left to
//! `trace.outside_mail_in_window` and `trace.internal_phishing_burst` (and
//! the UAL's `scope.attacker_mail_sent`), which say more about it. One
//! finding per sender.

use super::facts::{account_key, list_some, upn_domain};
use super::mail_trace::{recipients, stopped, trace_rows};
use super::{Context, DetectorDef, EntityKind, Finding, FindingBuilder, History, IndicatorKind, Severity};
use crate::model::Source;
use crate::store::{EventStore, Field};
use std::collections::{BTreeMap, BTreeSet};

pub const DEF: DetectorDef = DetectorDef {
    id: "trace.mail_from_marked_sender",
    step: 10,
    title: "Mail from a marked sender reached mailboxes",
    run,
    sliced: None,
};

/// Recipients named in a detail line before "and N more".
const LISTED: usize = 20;

/// Why a row's sender counts as marked, if it does.
fn marked_because(ctx: &Context, sender: &str, ip: &str) -> Option<String> {
    if ctx.indicator(&[IndicatorKind::EmailAddress, IndicatorKind::Account], sender).is_some() {
        return Some(format!("the sender {sender} is marked"));
    }
    if let Some(domain) = upn_domain(sender) {
        if ctx.indicator(&[IndicatorKind::Domain], &domain).is_some() {
            return Some(format!("the sender's domain {domain} is marked"));
        }
    }
    ctx.is_indicator_ip(ip).then(|| format!("it came from the marked address {ip}"))
}

fn run(store: &EventStore, ctx: &Context, _history: &History) -> Vec<Finding> {
    if ctx.indicators.is_empty() {
        return Vec::new();
    }
    let mut by_sender: BTreeMap<String, (Vec<u32>, BTreeSet<String>)> = BTreeMap::new();
    for row in trace_rows(store) {
        if stopped(store, row) {
            continue;
        }
        let sender = store.actor(row);
        if ctx.is_suspect(sender) {
            continue;
        }
        if let Some(reason) = marked_because(ctx, sender, store.ip(row)) {
            let (rows, reasons) = by_sender.entry(account_key(sender)).or_default();
            rows.push(row);
            reasons.insert(reason);
        }
    }
    let mut findings = Vec::new();
    for (rows, reasons) in by_sender.into_values() {
        let Some(&first) = rows.first() else { continue };
        let sender = store.actor(first);
        let reached: BTreeSet<String> = rows.iter().flat_map(|&r| recipients(store, r)).map(str::to_ascii_lowercase).collect();
        let reached: Vec<String> = reached.into_iter().collect();
        let subjects: BTreeSet<&str> = rows.iter().filter_map(|&r| store.attr(r, crate::model::attr::SUBJECT)).filter(|s| !s.is_empty()).collect();
        let mut b = FindingBuilder::new(
            &DEF,
            Severity::High,
            format!("Mail from {sender} reached {} mailbox(es): {}", reached.len(), list_some(&reached, 3)),
            "Everyone who received mail from the attacker may have opened a link or an attachment, or answered it. \
             Check each recipient's sign-ins after the delivery, and remove the messages from their mailboxes.",
        )
        .rows(rows.iter().copied())
        .entity(EntityKind::EmailAddress, sender)
        .source(Source::MessageTrace)
        .matching(Field::Actor, &[sender])
        .detail(format!("Marked because {}", reasons.into_iter().collect::<Vec<_>>().join("; ")))
        .detail(format!("Recipients: {}", list_some(&reached, LISTED)));
        if !subjects.is_empty() {
            let subjects: Vec<String> = subjects.into_iter().map(|s| format!("\"{s}\"")).collect();
            b = b.detail(format!("Subjects: {}", list_some(&subjects, 5)));
        }
        for r in &reached {
            b = b.entity(EntityKind::Mailbox, r);
        }
        findings.extend(b.build(store));
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::detect::Indicator;
    use crate::model::{Event, Outcome};

    fn mail(time: &str, from: &str, to: &str, ip: &str) -> Event {
        Event { time: t(time), source: Source::MessageTrace, operation: "Delivered".into(), actor: from.into(), target: to.into(), ip: ip.into(), outcome: Outcome::Success, ..Event::default() }
    }

    #[test]
    fn a_marked_address_domain_or_ip_and_not_a_stopped_message() {
        let store = store_of(vec![
            mail("2026-03-02T10:00:00Z", "Billing@Evil.example", "alice@contoso.com", "198.51.100.1"),
            mail("2026-03-02T10:00:00Z", "billing@evil.example", "bob@contoso.com", "198.51.100.1"),
            mail("2026-03-02T10:01:00Z", "hr@lookalike.example", "carol@contoso.com", "198.51.100.2"),
            mail("2026-03-02T10:02:00Z", "news@vendor.example", "dan@contoso.com", "203.0.113.9"),
            mail("2026-03-02T10:03:00Z", "news@vendor.example", "erin@contoso.com", "198.51.100.3"),
            mail("2026-03-02T10:04:00Z", "billing@evil.example", "frank@contoso.com", "198.51.100.1").failed(),
            mail("2026-03-02T10:05:00Z", "alice@contoso.com", "gina@contoso.com", "203.0.113.9"),
        ]);
        let ctx = Context {
            suspect_accounts: vec!["alice@contoso.com".into()],
            indicators: vec![
                Indicator::new(IndicatorKind::EmailAddress, "billing@evil.example", ""),
                Indicator::new(IndicatorKind::Domain, "lookalike.example", ""),
                Indicator::new(IndicatorKind::Ip, "203.0.113.9", ""),
            ],
            ..Context::default()
        };
        let findings = findings_of(&DEF, &store, &ctx);
        let got: Vec<(&str, Vec<u32>)> = findings.iter().map(|f| (f.title.as_str(), f.rows.clone())).collect();
        assert_eq!(
            got,
            vec![
                ("Mail from Billing@Evil.example reached 2 mailbox(es): alice@contoso.com, bob@contoso.com", vec![0, 1]),
                ("Mail from hr@lookalike.example reached 1 mailbox(es): carol@contoso.com", vec![2]),
                ("Mail from news@vendor.example reached 1 mailbox(es): dan@contoso.com", vec![3]),
            ]
        );
        assert!(findings_of(&DEF, &store, &Context::default()).is_empty());
    }
}
