//! Step 4: everything else the suspects did in a cloud, and everything
//! done from a marked address. The other cloud detectors pick out the
//! telling operations; this one makes sure the rest of the stolen
//! identity's cloud activity (reconnaissance, reads, other changes) is seen.

use super::{assess, rule_for, where_of, Identities, Rule};
use crate::detect::{Context, DetectorDef, EntityKind, Finding, FindingBuilder, History, Severity};
use crate::model::attr;
use crate::store::{EventStore, Field};
use std::collections::BTreeMap;

pub const DEF: DetectorDef = DetectorDef { id: "cloud.suspect_activity", step: 4, title: "Other cloud activity by suspect accounts or from marked addresses", run, sliced: None };

const OTHER_RULES: [&[Rule]; 7] = [super::compute::RULES, super::storage::RULES, super::secrets::RULES, super::iam::RULES, super::keys::RULES, super::logging::RULES, super::console::RULES];

const WHY: &str = "Whatever the stolen identity did in a cloud account is part of the incident, including the reads and listings that show \
what the attacker looked at before acting. Rows the other cloud findings already cover are left out here.";

/// Listing and reading, by the names the three clouds use.
fn reads_only(store: &EventStore, row: u32) -> bool {
    if store.attr(row, "ReadOnly").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return true;
    }
    let op = store.operation(row);
    let last = op.rsplit(['.', '/']).next().unwrap_or(op).to_ascii_lowercase();
    ["get", "list", "describe", "read", "lookup", "search", "batchget"].iter().any(|p| last.starts_with(p))
}

fn run(store: &EventStore, ctx: &Context, _: &History) -> Vec<Finding> {
    let ids = Identities::new(store, ctx);
    if ids.is_empty() && ctx.indicators.is_empty() {
        return Vec::new();
    }
    let mut groups: BTreeMap<(u8, String, String), Vec<u32>> = BTreeMap::new();
    for row in 0..store.len() as u32 {
        if !store.source(row).is_cloud() || OTHER_RULES.iter().any(|rules| rule_for(rules, store, row).is_some()) {
            continue;
        }
        let who = ids.matched(store, row);
        let marked = ctx.is_indicator_ip(store.ip(row));
        if who.is_none() && !marked {
            continue;
        }
        let who = who.unwrap_or_else(|| store.actor(row).to_string());
        let account = store.attr(row, attr::CLOUD_ACCOUNT).unwrap_or("").to_lowercase();
        groups.entry((store.source(row) as u8, who.to_lowercase(), account)).or_default().push(row);
    }
    let mut findings = Vec::new();
    for rows in groups.into_values() {
        let Some(&first) = rows.first() else { continue };
        let a = assess(store, ctx, &ids, &rows);
        let changes = rows.iter().filter(|&&r| !reads_only(store, r)).count();
        let base = if changes > 0 { Severity::Medium } else { Severity::Low };
        let (reasons, benign) = a.explain(ctx);
        let who = a.suspect.clone().unwrap_or_else(|| store.actor(first).to_string());
        let mut ops: Vec<&str> = rows.iter().map(|&r| store.operation(r)).collect();
        ops.sort_unstable();
        ops.dedup();
        let mut title = format!("{who}: {} other actions in {} ({changes} changes, {} reads)", rows.len(), where_of(store, first), rows.len() - changes);
        if !reasons.is_empty() {
            title = format!("{title} — {}", reasons.join(", "));
        }
        let actors = {
            let mut a: Vec<&str> = rows.iter().map(|&r| store.actor(r)).collect();
            a.sort_unstable();
            a.dedup();
            a
        };
        let mut b = FindingBuilder::new(&DEF, a.severity(ctx, base), title, WHY)
            .rows(rows.iter().copied())
            .entity(EntityKind::Account, &who)
            .entity(EntityKind::Ip, a.marked_ip.as_deref().unwrap_or(store.ip(first)))
            .source(store.source(first))
            .detail(format!("operations: {}", ops.iter().take(30).copied().collect::<Vec<_>>().join(", ")));
        // The actor term keeps the query to this identity; a marked-address
        // group may span callers, so it is held by the address instead.
        b = if a.suspect.is_some() || actors.len() <= 20 { b.matching(Field::Actor, &actors) } else { b.ioc() };
        if changes == 0 {
            b = b.benign("only reads and listings");
        }
        for s in benign {
            b = b.benign(s);
        }
        findings.extend(b.build(store));
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::super::test_rows::*;
    use super::*;
    use crate::detect::testkit::*;
    use crate::detect::{Indicator, IndicatorKind};

    #[test]
    fn the_rest_of_the_suspects_activity_is_summed_up() {
        let suspect = "arn:aws:sts::1:assumed-role/Admins/victim@contoso.com";
        let store = store_of(vec![
            aws("2026-03-01T17:00:00Z", "GetCallerIdentity", suspect, "203.0.113.7", ""),
            aws("2026-03-01T17:00:05Z", "ListBuckets", suspect, "203.0.113.7", ""),
            aws("2026-03-01T17:01:02Z", "CreateUser", suspect, "203.0.113.7", "svc"),
            aws("2026-03-01T17:02:00Z", "PutObject", suspect, "203.0.113.7", "bucket/x"),
            aws("2026-03-01T17:03:00Z", "ListUsers", "arn:aws:iam::1:user/ops", "198.51.100.10", ""),
            gcp("2026-03-01T17:03:00Z", "storage.objects.list", "ci@acme.iam.gserviceaccount.com", "203.0.113.8", "projects/_/buckets/b"),
        ]);
        let ctx = Context {
            suspect_accounts: vec!["victim@contoso.com".into()],
            indicators: vec![Indicator::new(IndicatorKind::Ip, "203.0.113.8", "")],
            window: Some((t("2026-03-01T16:00:00Z"), t("2026-03-02T00:00:00Z"))),
            ..Context::default()
        };
        let findings = findings_of(&DEF, &store, &ctx);
        let got: Vec<(Vec<u32>, Severity)> = findings.iter().map(|f| (f.rows.clone(), f.severity)).collect();
        assert_eq!(got, vec![(vec![0, 1, 3], Severity::Critical), (vec![5], Severity::High)]);
        assert!(findings[0].title.starts_with("victim@contoso.com: 3 other actions in AWS 111122223333 (1 changes, 2 reads)"), "{}", findings[0].title);
        assert!(findings[1].benign_signals.iter().any(|b| b == "only reads and listings"));
    }

    #[test]
    fn nothing_without_suspects_or_indicators() {
        let store = store_of(vec![aws("2026-03-01T17:00:00Z", "ListBuckets", "arn:aws:iam::1:user/ops", "198.51.100.10", "")]);
        assert!(findings_of(&DEF, &store, &Context::default()).is_empty());
    }
}
