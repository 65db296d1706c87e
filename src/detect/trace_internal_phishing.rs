//! Step 10: a suspect account mailed many colleagues at once, as the
//! Exchange message trace shows: internal phishing from a taken-over
//! mailbox, which colleagues trust and open. Either many distinct internal
//! recipients within a short time, or one subject sent to many. The UAL's
//! `Send` records (`scope.attacker_mail_sent`) need the sender's address
//! marked and do not say who received the mail; this needs neither, and
//! names the recipients. One finding per sender.

use super::facts::{account_key, list_some, when};
use super::mail_trace::{is_inside, recipients, tenant_domains, trace_rows};
use super::{Context, DetectorDef, EntityKind, Finding, FindingBuilder, History, Severity};
use crate::model::{attr, Source, TimeMs};
use crate::store::{EventStore, Field};
use std::collections::{BTreeMap, BTreeSet};

pub const DEF: DetectorDef = DetectorDef {
    id: "trace.internal_phishing_burst",
    step: 10,
    title: "A suspect mailed many colleagues at once",
    run,
    sliced: None,
};

/// Distinct internal recipients within `BURST_MS` that make a burst: more
/// than a person writes to by hand, fewer than a whole-company mailing.
const BURST_RECIPIENTS: usize = 25;
const BURST_MS: TimeMs = 30 * 60_000;
/// Distinct internal recipients of one subject, at any pace.
const SAME_SUBJECT_RECIPIENTS: usize = 25;
/// Recipients named in a detail line before "and N more".
const LISTED: usize = 20;

/// The rows (of one sender, in time order) of the span of at most
/// `BURST_MS` that reached the most distinct recipients, and how many.
fn busiest_span(store: &EventStore, rows: &[(u32, Vec<String>)]) -> (usize, Vec<u32>) {
    let mut best: (usize, Vec<u32>) = (0, Vec::new());
    let mut start = 0;
    for end in 0..rows.len() {
        let end_time = store.time(rows[end].0);
        while start < end && end_time - store.time(rows[start].0) > BURST_MS {
            start += 1;
        }
        let span = &rows[start..=end];
        let distinct: BTreeSet<&String> = span.iter().flat_map(|(_, to)| to).collect();
        if distinct.len() > best.0 {
            best = (distinct.len(), span.iter().map(|(r, _)| *r).collect());
        }
    }
    best
}

fn run(store: &EventStore, ctx: &Context, history: &History) -> Vec<Finding> {
    if ctx.suspect_accounts.is_empty() {
        return Vec::new();
    }
    let tenant = tenant_domains(ctx, history);
    // Per sender: each row and its internal recipients, in time order.
    let mut by_sender: BTreeMap<String, Vec<(u32, Vec<String>)>> = BTreeMap::new();
    for row in trace_rows(store) {
        let sender = store.actor(row);
        if !ctx.is_suspect(sender) {
            continue;
        }
        let inside: Vec<String> = recipients(store, row).into_iter().filter(|r| is_inside(r, &tenant)).map(str::to_ascii_lowercase).collect();
        if !inside.is_empty() && !inside.iter().all(|r| r.eq_ignore_ascii_case(sender)) {
            by_sender.entry(account_key(sender)).or_default().push((row, inside));
        }
    }
    let mut findings = Vec::new();
    for rows in by_sender.into_values() {
        let Some(&(first, _)) = rows.first() else { continue };
        let sender = store.actor(first);
        let (burst_count, burst_rows) = busiest_span(store, &rows);
        let mut by_subject: BTreeMap<&str, (BTreeSet<&String>, Vec<u32>)> = BTreeMap::new();
        for (row, to) in &rows {
            let subject = store.attr(*row, attr::SUBJECT).unwrap_or("").trim();
            if !subject.is_empty() {
                let (who, subject_rows) = by_subject.entry(subject).or_default();
                who.extend(to);
                subject_rows.push(*row);
            }
        }
        let top_subject = by_subject.into_iter().max_by_key(|(_, (who, _))| who.len()).filter(|(_, (who, _))| who.len() >= SAME_SUBJECT_RECIPIENTS);
        let (evidence, how) = if burst_count >= BURST_RECIPIENTS {
            let (Some(&a), Some(&b)) = (burst_rows.first(), burst_rows.last()) else { continue };
            (burst_rows, format!("{burst_count} colleagues within {} minutes ({} to {})", BURST_MS / 60_000, when(store.time(a)), when(store.time(b))))
        } else if let Some((subject, (who, subject_rows))) = top_subject {
            let count = who.len();
            (subject_rows, format!("{count} colleagues with the subject \"{subject}\""))
        } else {
            continue;
        };
        let reached: BTreeSet<String> =
            evidence.iter().flat_map(|&r| recipients(store, r)).filter(|r| is_inside(r, &tenant)).map(str::to_ascii_lowercase).collect();
        let reached: Vec<String> = reached.into_iter().collect();
        let in_window = evidence.iter().any(|&r| ctx.in_window(store.time(r)));
        let severity = if in_window { Severity::High } else { Severity::Medium };
        let subjects: BTreeSet<&str> = evidence.iter().filter_map(|&r| store.attr(r, attr::SUBJECT)).filter(|s| !s.is_empty()).collect();
        let mut b = FindingBuilder::new(
            &DEF,
            severity,
            format!("{sender} mailed {how}"),
            "Colleagues trust mail from a colleague's own mailbox, so a compromised account is used to phish the rest of the organisation. \
             Ask the owner whether they sent it; if not, remove the messages and check the recipients' sign-ins after delivery.",
        )
        .rows(evidence.iter().copied())
        .entity(EntityKind::Account, sender)
        .source(Source::MessageTrace)
        .matching(Field::Actor, &[sender])
        .detail(format!("Recipients: {}", list_some(&reached, LISTED)));
        if !in_window {
            b = b.benign("outside the compromise window: a mailing the owner sent may look the same");
        }
        if !subjects.is_empty() {
            let subjects: Vec<String> = subjects.into_iter().map(|s| format!("\"{s}\"")).collect();
            b = b.detail(format!("Subjects: {}", list_some(&subjects, 5)));
        }
        findings.extend(b.build(store));
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::model::{Event, Outcome};

    fn mail(time: TimeMs, from: &str, to: &str, subject: &str) -> Event {
        Event { time, source: Source::MessageTrace, operation: "Delivered".into(), actor: from.into(), target: to.into(), outcome: Outcome::Success, ..Event::default() }
            .with(attr::SUBJECT, subject)
    }

    fn ctx() -> Context {
        Context { suspect_accounts: vec!["alice@contoso.com".into()], window: Some((t("2026-03-02T00:00:00Z"), t("2026-03-03T00:00:00Z"))), ..Context::default() }
    }

    #[test]
    fn thirty_colleagues_in_ten_minutes_is_a_burst_and_twenty_four_is_not() {
        let start = t("2026-03-02T10:00:00Z");
        let burst: Vec<Event> = (0..30).map(|i| mail(start + i * 20_000, "alice@contoso.com", &format!("user{i}@contoso.com"), &format!("Document {i}"))).collect();
        let findings = findings_of(&DEF, &store_of(burst), &ctx());
        assert_eq!(findings.iter().map(|f| (f.severity, f.rows.len())).collect::<Vec<_>>(), vec![(Severity::High, 30)]);
        assert!(findings[0].title.starts_with("alice@contoso.com mailed 30 colleagues within 30 minutes"), "{}", findings[0].title);

        let short: Vec<Event> = (0..24).map(|i| mail(start + i * 20_000, "alice@contoso.com", &format!("user{i}@contoso.com"), &format!("Document {i}"))).collect();
        assert!(findings_of(&DEF, &store_of(short), &ctx()).is_empty());
    }

    #[test]
    fn one_subject_to_many_over_a_day_and_not_a_slow_trickle_of_different_ones() {
        let start = t("2026-03-02T08:00:00Z");
        let same: Vec<Event> = (0..26).map(|i| mail(start + i * 1_800_000, "alice@contoso.com", &format!("user{i}@contoso.com"), "Shared: Q1 bonus")).collect();
        let findings = findings_of(&DEF, &store_of(same), &ctx());
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].title, "alice@contoso.com mailed 26 colleagues with the subject \"Shared: Q1 bonus\"");

        let trickle: Vec<Event> = (0..26).map(|i| mail(start + i * 1_800_000, "alice@contoso.com", &format!("user{i}@contoso.com"), &format!("Re: {i}"))).collect();
        assert!(findings_of(&DEF, &store_of(trickle), &ctx()).is_empty());
    }
}
