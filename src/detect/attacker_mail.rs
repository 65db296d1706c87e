//! Step 10: mail sent from a mailbox by the attacker (UAL `Send`, `SendAs`,
//! `SendOnBehalf` from a marked indicator address or user agent, or by a
//! marked application): internal
//! phishing or payment fraud sent in the victim's name reaches colleagues
//! and partners who trust it. One finding per sending account.

use super::facts::{account_key, is_ual, rows_with_op};
use super::{Context, DetectorDef, EntityKind, Finding, FindingBuilder, History, IndicatorKind, Severity, Slices};
use crate::model::{attr, Source};
use crate::store::{EventStore, Field};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

pub const DEF: DetectorDef = DetectorDef {
    id: "scope.attacker_mail_sent",
    step: 10,
    title: "Mail sent from attacker addresses",
    run,
    sliced: Some(start),
};

pub(crate) const SEND_OPS: [&str; 3] = ["Send", "SendAs", "SendOnBehalf"];

fn run(store: &EventStore, ctx: &Context, history: &History) -> Vec<Finding> {
    super::whole(start(store, ctx, history))
}

/// A sent message at a time: a large tenant's export holds millions.
fn start<'h>(store: &'h EventStore, ctx: &'h Context, _history: &'h History<'_>) -> Box<dyn Slices + 'h> {
    Box::new(SentMail { store, ctx, rows: rows_with_op(store, &SEND_OPS), groups: BTreeMap::new() })
}

struct SentMail<'h> {
    store: &'h EventStore,
    ctx: &'h Context,
    /// The rows of send operations, the pieces of the work.
    rows: Vec<u32>,
    /// Sending account -> its sends from marked addresses, clients or apps.
    groups: BTreeMap<String, Vec<u32>>,
}

impl Slices for SentMail<'_> {
    fn pieces(&self) -> usize {
        self.rows.len()
    }

    fn work(&mut self, pieces: Range<usize>) {
        let (store, ctx) = (self.store, self.ctx);
        for &row in self.rows.get(pieces).unwrap_or_default() {
            if is_ual(store, row) && sent_by_attacker(store, ctx, row) {
                self.groups.entry(account_key(store.actor(row))).or_default().push(row);
            }
        }
    }

    fn finish(self: Box<Self>) -> Vec<Finding> {
        findings_per_account(self.store, self.groups)
    }
}

/// Whether a send came from a marked address or client, or a marked app.
fn sent_by_attacker(store: &EventStore, ctx: &Context, row: u32) -> bool {
    let app_id = store.attr(row, attr::APP_ID).unwrap_or("");
    ctx.is_indicator_ip(store.ip(row))
        || ctx.indicator(&[IndicatorKind::UserAgent], store.user_agent(row)).is_some()
        || ctx.indicator(&[IndicatorKind::AppId], store.app(row)).is_some()
        || ctx.indicator(&[IndicatorKind::AppId], app_id).is_some()
}

/// One finding per sending account.
fn findings_per_account(store: &EventStore, groups: BTreeMap<String, Vec<u32>>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (_, rows) in groups {
        let Some(&first) = rows.first() else { continue };
        let account = store.actor(first);
        let ips: BTreeSet<&str> = rows.iter().map(|&r| store.ip(r)).filter(|i| !i.is_empty()).collect();
        let mut b = FindingBuilder::new(
            &DEF,
            Severity::High,
            format!("{} message(s) sent as {account} from attacker addresses", rows.len()),
            "Mail sent by the intruder in the owner's name is how a mailbox takeover spreads: colleagues and partners trust it, \
             so it carries phishing links and changed payment details. Find the recipients and warn them.",
        )
        .rows(rows.iter().copied())
        .entity(EntityKind::Account, account)
        .source(Source::UnifiedAudit)
        .matching(Field::Op, &SEND_OPS)
        .matching(Field::Actor, &[account]);
        for ip in &ips {
            b = b.entity(EntityKind::Ip, ip);
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
    use crate::model::attr;

    #[test]
    fn sends_from_indicator_addresses() {
        let store = store_of(vec![
            ual("2026-03-02T10:00:00Z", "Send", "alice@contoso.com", "203.0.113.7"),
            ual("2026-03-02T10:01:00Z", "Send", "alice@contoso.com", "198.51.100.10"),
            ual("2026-03-02T10:02:00Z", "MailItemsAccessed", "alice@contoso.com", "203.0.113.7"),
        ]);
        let ctx = Context { indicators: vec![Indicator::new(IndicatorKind::Ip, "203.0.113.7", "")], ..Context::default() };
        let findings = findings_of(&DEF, &store, &ctx);
        assert_eq!(findings.len(), 1);
        assert_eq!((findings[0].rows.clone(), findings[0].severity), (vec![0], Severity::High));
    }

    #[test]
    fn sends_by_a_marked_app_from_any_address() {
        let store = store_of(vec![
            ual("2026-03-02T10:00:00Z", "Send", "alice@contoso.com", "192.0.2.200").with(attr::APP_ID, "1111-AAAA"),
            ual("2026-03-02T10:05:00Z", "Send", "alice@contoso.com", "198.51.100.10").with(attr::APP_ID, "2222-bbbb"),
        ]);
        let ctx = Context { indicators: vec![Indicator::new(IndicatorKind::AppId, "1111-aaaa", "")], ..Context::default() };
        let findings = findings_of(&DEF, &store, &ctx);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].rows, vec![0]);
    }
}
