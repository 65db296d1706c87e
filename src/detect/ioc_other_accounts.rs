//! Step 10: other accounts used from the marked attacker addresses. An
//! intruder with one mailbox often sprays or phishes from it, and their
//! infrastructure then shows up on colleagues' accounts. One finding per
//! other account.

use super::cloud::Identities;
use super::facts::{account_key, is_signin};
use super::{Context, DetectorDef, History, EntityKind, Finding, FindingBuilder, Severity};
use crate::model::{attr, Outcome, Source};
use crate::store::{EventStore, Field, TextColumn};
use std::collections::{BTreeMap, BTreeSet};

pub const DEF: DetectorDef = DetectorDef {
    id: "scope.indicator_other_accounts",
    step: 10,
    title: "Other accounts used from marked attacker addresses",
    run,
    sliced: None,
};

/// The person behind a row: a cloud row's federated name (the UPN a role
/// session was opened for through Entra ID) when it has one, else its actor.
fn person(store: &EventStore, row: u32) -> &str {
    match store.attr(row, attr::FEDERATED_NAME).map(str::trim) {
        Some(name) if store.source(row).is_cloud() && !name.is_empty() => name,
        _ => store.actor(row),
    }
}

fn run(store: &EventStore, ctx: &Context, _history: &History) -> Vec<Finding> {
    let ids = Identities::new(store, ctx);
    let mut groups: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    // Addresses are judged once each; most rows then fail on a number.
    let marked = store.text_match(TextColumn::Ip, |ip| ctx.is_indicator_ip(ip));
    for row in store.rows_matching(&marked) {
        let actor = store.actor(row);
        // A message trace row's actor is whoever mailed from the address, and
        // its address the sending server, not a sign-in: mail from a marked
        // address is `trace.mail_from_marked_sender`'s, with its recipients.
        // An Identity Protection detection from the address is
        // `scope.risk_from_marked_address`'s, which says what Entra saw.
        if actor.is_empty() || matches!(store.source(row), Source::MessageTrace | Source::RiskDetection) {
            continue;
        }
        // A suspect under another name (an AWS role session ARN, an Azure
        // or Graph activity object id) is the same account, not another one.
        let named_by_id = store.source(row).is_cloud() || store.source(row) == Source::GraphActivity;
        if ctx.is_suspect(actor) || ctx.is_suspect(person(store, row)) || (named_by_id && ids.matched(store, row).is_some()) {
            continue;
        }
        groups.entry(account_key(actor)).or_default().push(row);
    }
    let mut findings = Vec::new();
    for (_, rows) in groups {
        let Some(&first) = rows.first() else { continue };
        let account = store.actor(first);
        let successes = rows.iter().filter(|&&r| store.outcome(r) == Outcome::Success).count();
        let signin_failures = rows.iter().filter(|&&r| is_signin(store, r) && store.outcome(r) == Outcome::Failure).count();
        let severity = if successes > 0 { Severity::High } else { Severity::Medium };
        let ips: BTreeSet<&str> = rows.iter().map(|&r| store.ip(r)).collect();
        let mut b = FindingBuilder::new(
            &DEF,
            severity,
            format!("{account}: {} event(s) from attacker address(es) ({successes} successful, {signin_failures} failed sign-in(s))", rows.len()),
            "The same infrastructure touching another account means the attack is wider than the first mailbox. \
             Failures show attempts; any success means this account needs the same response as the first one.",
        )
        .rows(rows.iter().copied())
        .entity(EntityKind::Account, account)
        .matching(Field::Actor, &[account])
        .matching(Field::Ip, &ips.iter().copied().collect::<Vec<_>>());
        for ip in ips {
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
    use crate::detect::{Indicator, IndicatorKind};

    #[test]
    fn successes_and_attempts_on_other_accounts() {
        let store = store_of(vec![
            signin("2026-03-02T10:00:00Z", "alice@contoso.com", "203.0.113.7", "NG"),
            signin("2026-03-02T10:05:00Z", "bob@contoso.com", "203.0.113.7", "NG").failed(),
            signin("2026-03-02T10:06:00Z", "carol@contoso.com", "203.0.113.7", "NG"),
            signin("2026-03-02T10:07:00Z", "dave@contoso.com", "198.51.100.4", "FR"),
        ]);
        let ctx = Context { suspect_accounts: vec!["alice@contoso.com".into()], indicators: vec![Indicator::new(IndicatorKind::Ip, "203.0.113.7", "")], ..Context::default() };
        let findings = findings_of(&DEF, &store, &ctx);
        let got: Vec<(Vec<u32>, Severity)> = findings.iter().map(|f| (f.rows.clone(), f.severity)).collect();
        assert_eq!(got, vec![(vec![1], Severity::Medium), (vec![2], Severity::High)]);
    }

    #[test]
    fn the_suspects_own_cloud_sessions_are_not_other_accounts() {
        use crate::detect::cloud::test_rows::{aws, azure};
        let store = store_of(vec![
            signin("2026-03-02T10:00:00Z", "alice@contoso.com", "203.0.113.7", "NG").with(attr::USER_ID, "oid-alice"),
            aws("2026-03-02T10:10:00Z", "ConsoleLogin", "arn:aws:sts::1:assumed-role/EntraID-Administrators/Alice@Contoso.com", "203.0.113.7", ""),
            azure("2026-03-02T10:11:00Z", "Microsoft.Compute/virtualMachines/write", "oid-alice", "203.0.113.7", "/subscriptions/s/vm"),
            aws("2026-03-02T10:12:00Z", "CreateAccessKey", "arn:aws:sts::1:assumed-role/EntraID-Administrators/bob@contoso.com", "203.0.113.7", ""),
            aws("2026-03-03T10:00:00Z", "GetCallerIdentity", "arn:aws:iam::1:user/svc-edi", "203.0.113.7", ""),
        ]);
        let ctx = Context { suspect_accounts: vec!["alice@contoso.com".into()], indicators: vec![Indicator::new(IndicatorKind::Ip, "203.0.113.7", "")], ..Context::default() };
        let findings = findings_of(&DEF, &store, &ctx);
        let got: Vec<Vec<u32>> = findings.iter().map(|f| f.rows.clone()).collect();
        assert_eq!(got, vec![vec![4], vec![3]], "bob's session and the IAM user are other accounts; alice's are hers");
    }
}
