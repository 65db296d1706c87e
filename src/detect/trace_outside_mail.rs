//! Step 6: a suspect account mailed recipients outside the tenant inside
//! the compromise window, as the Exchange message trace shows: data sent
//! out, or payment fraud (BEC) sent to partners in the owner's name. The
//! UAL's `Send` records (`scope.attacker_mail_sent`) say a message was sent
//! from an attacker address but not to whom; the trace names every
//! recipient, so this finding is the list to check and warn. One finding
//! per sender.

use super::facts::{account_key, list_some};
use super::mail_trace::{is_outside, recipients, stopped, tenant_domains, trace_rows};
use super::{Context, DetectorDef, EntityKind, Finding, FindingBuilder, History, Severity};
use crate::model::Source;
use crate::store::{EventStore, Field};
use std::collections::{BTreeMap, BTreeSet};

pub const DEF: DetectorDef = DetectorDef {
    id: "trace.outside_mail_in_window",
    step: 6,
    title: "Mail a suspect sent outside the tenant during the compromise",
    run,
    sliced: None,
};

/// Distinct outside recipients from which the finding is High even when
/// no row came from a marked address: more than a person's usual replies.
const MANY_OUTSIDE_RECIPIENTS: usize = 10;
/// Recipients named in a title or detail line before "and N more".
const LISTED: usize = 8;

fn run(store: &EventStore, ctx: &Context, history: &History) -> Vec<Finding> {
    if ctx.window.is_none() || ctx.suspect_accounts.is_empty() {
        return Vec::new();
    }
    let tenant = tenant_domains(ctx, history);
    let mut by_sender: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for row in trace_rows(store) {
        let sender = store.actor(row);
        if !ctx.is_suspect(sender) || !ctx.in_window(store.time(row)) || stopped(store, row) {
            continue;
        }
        if recipients(store, row).iter().any(|r| is_outside(r, &tenant)) {
            by_sender.entry(account_key(sender)).or_default().push(row);
        }
    }
    let mut findings = Vec::new();
    for rows in by_sender.into_values() {
        let Some(&first) = rows.first() else { continue };
        let sender = store.actor(first);
        let outside: BTreeSet<String> =
            rows.iter().flat_map(|&r| recipients(store, r)).filter(|r| is_outside(r, &tenant)).map(str::to_ascii_lowercase).collect();
        let outside: Vec<String> = outside.into_iter().collect();
        let domains: BTreeSet<&str> = outside.iter().filter_map(|r| r.rsplit_once('@').map(|(_, d)| d)).collect();
        let from_marked = rows.iter().any(|&r| ctx.is_indicator_ip(store.ip(r)));
        let severity = if from_marked || outside.len() >= MANY_OUTSIDE_RECIPIENTS { Severity::High } else { Severity::Medium };
        let mut b = FindingBuilder::new(
            &DEF,
            severity,
            format!("{sender} mailed {} outside recipient(s) during the compromise: {}", outside.len(), list_some(&outside, 3)),
            "Mail leaving the tenant while the account was in the intruder's hands may carry the owner's data, or ask partners to pay \
             into a new account in the owner's name. Check each message with the owner and warn recipients of any the owner did not send.",
        )
        .rows(rows.iter().copied())
        .entity(EntityKind::Account, sender)
        .source(Source::MessageTrace)
        .matching(Field::Actor, &[sender])
        .detail(format!("Outside recipients: {}", list_some(&outside, LISTED)))
        .detail(format!("Their domains: {}", domains.into_iter().collect::<Vec<_>>().join(", ")));
        if from_marked {
            b = b.detail("Some were sent from an address marked as the attacker's.");
        }
        for r in outside.iter().take(LISTED) {
            b = b.entity(EntityKind::EmailAddress, r);
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

    pub(crate) fn mail(time: &str, from: &str, to: &str) -> Event {
        Event { time: t(time), source: Source::MessageTrace, operation: "Delivered".into(), actor: from.into(), target: to.into(), outcome: Outcome::Success, ..Event::default() }
    }

    #[test]
    fn outside_mail_in_the_window_and_not_before_it_nor_inside() {
        let store = store_of(vec![
            mail("2026-03-01T09:00:00Z", "alice@contoso.com", "old-partner@fabrikam.net"),
            mail("2026-03-02T10:00:00Z", "alice@contoso.com", "bob@contoso.com"),
            mail("2026-03-02T10:05:00Z", "alice@contoso.com", "ap@fabrikam.net"),
            mail("2026-03-02T10:06:00Z", "alice@contoso.com", "billing@tailspin.example"),
            mail("2026-03-02T10:07:00Z", "alice@contoso.com", "x@drop.example").failed(),
            mail("2026-03-02T10:08:00Z", "carol@contoso.com", "ap@fabrikam.net"),
        ]);
        let ctx = Context { suspect_accounts: vec!["alice@contoso.com".into()], window: Some((t("2026-03-02T00:00:00Z"), t("2026-03-03T00:00:00Z"))), ..Context::default() };
        let findings = findings_of(&DEF, &store, &ctx);
        let got: Vec<(&str, Severity, Vec<u32>)> = findings.iter().map(|f| (f.title.as_str(), f.severity, f.rows.clone())).collect();
        assert_eq!(got, vec![("alice@contoso.com mailed 2 outside recipient(s) during the compromise: ap@fabrikam.net, billing@tailspin.example", Severity::Medium, vec![2, 3])]);
        assert!(findings_of(&DEF, &store, &Context { window: None, ..ctx }).is_empty(), "no window, no finding");
    }
}
