//! Step 2: activity from the marked indicators (addresses, user agents, app
//! ids, accounts) after sessions were revoked, split into what falls inside
//! the access-token lifetime (tokens already issued still work) and what
//! comes after it (the attacker still has a way in).

use super::facts::{first_row_at, is_successful_signin, when};
use super::{Context, DetectorDef, History, EntityKind, Finding, FindingBuilder, Indicator, IndicatorKind, Severity};
use crate::model::Outcome;
use crate::store::{EventStore, Field};
use std::collections::BTreeMap;

pub const DEF: DetectorDef = DetectorDef {
    id: "containment.indicator_activity",
    step: 2,
    title: "Indicator activity after sessions were revoked",
    run,
    sliced: None,
};

/// Which indicator a row matches, if any.
fn matched<'a>(store: &EventStore, ctx: &'a Context, row: u32) -> Option<&'a Indicator> {
    ctx.indicators.iter().find(|i| {
        let v = i.value.trim();
        !v.is_empty()
            && match i.kind {
                IndicatorKind::Ip => store.ip(row).eq_ignore_ascii_case(v),
                IndicatorKind::UserAgent => store.user_agent(row).eq_ignore_ascii_case(v),
                IndicatorKind::AppId => store.app(row).eq_ignore_ascii_case(v) || store.attr(row, crate::model::attr::APP_ID).is_some_and(|a| a.eq_ignore_ascii_case(v)),
                IndicatorKind::Account => store.actor(row).eq_ignore_ascii_case(v),
                IndicatorKind::Domain | IndicatorKind::EmailAddress | IndicatorKind::Other => false,
            }
    })
}

fn run(store: &EventStore, ctx: &Context, _history: &History) -> Vec<Finding> {
    let Some(containment) = ctx.containment else { return Vec::new() };
    let token_end = containment.saturating_add(ctx.token_lifetime_ms());
    // (after token lifetime, indicator index) -> rows
    let mut groups: BTreeMap<(bool, usize), Vec<u32>> = BTreeMap::new();
    let first = first_row_at(store, containment);
    for row in first..store.len() as u32 {
        if store.outcome(row) == Outcome::Failure {
            continue;
        }
        if let Some(indicator) = matched(store, ctx, row) {
            let index = ctx.indicators.iter().position(|i| std::ptr::eq(i, indicator)).unwrap_or(0);
            groups.entry((store.time(row) >= token_end, index)).or_default().push(row);
        }
    }
    let mut findings = Vec::new();
    for ((late, index), rows) in groups {
        let Some(indicator) = ctx.indicators.get(index) else { continue };
        let Some(&first_row) = rows.first() else { continue };
        let signins = rows.iter().filter(|&&r| is_successful_signin(store, r)).count();
        let severity = match (late, signins > 0) {
            (true, true) => Severity::Critical,
            (true, false) => Severity::High,
            (false, true) => Severity::High,
            (false, false) => Severity::Medium,
        };
        let phase = if late { "after the token lifetime" } else { "within the token lifetime" };
        let why = if late {
            "Revocation should have ended every session once issued access tokens expired. Activity after that means the attacker still has a way in: \
             the password, an MFA method they registered, an app they were granted, or a session revocation that did not take."
        } else {
            "Access tokens issued before the revocation stay valid until they expire, so some activity in this window is expected. \
             It still shows what the attacker did last and which resources they reached, and sign-ins here mean fresh tokens were issued."
        };
        let kind_field = match indicator.kind {
            IndicatorKind::Ip => Field::Ip,
            IndicatorKind::UserAgent => Field::Ua,
            IndicatorKind::Account => Field::Actor,
            _ => Field::App,
        };
        let entity_kind = match indicator.kind {
            IndicatorKind::Ip => EntityKind::Ip,
            IndicatorKind::UserAgent => EntityKind::UserAgent,
            IndicatorKind::Account => EntityKind::Account,
            _ => EntityKind::App,
        };
        let mut b = FindingBuilder::new(
            &DEF,
            severity,
            format!("{} event(s) from indicator {} {phase} ({signins} successful sign-in(s))", rows.len(), indicator.value.trim()),
            why,
        )
        .rows(rows.iter().copied())
        .entity(entity_kind, indicator.value.trim())
        .detail(format!("sessions revoked at {}; tokens valid until about {}", when(containment), when(token_end)))
        .detail(format!("first event at {}", when(store.time(first_row))));
        if indicator.kind == IndicatorKind::AppId {
            // App ids sit in the app column or the AppId attribute: `ioc` covers both.
            b = b.ioc();
        } else {
            b = b.matching(kind_field, &[indicator.value.trim()]);
        }
        for account in rows.iter().map(|&r| store.actor(r)).collect::<std::collections::BTreeSet<_>>() {
            b = b.entity(EntityKind::Account, account);
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
    fn splits_at_the_token_lifetime() {
        let store = store_of(vec![
            ual("2026-03-02T09:00:00Z", "MailItemsAccessed", "alice@contoso.com", "203.0.113.7"),
            ual("2026-03-02T10:30:00Z", "MailItemsAccessed", "alice@contoso.com", "203.0.113.7"),
            signin("2026-03-02T10:40:00Z", "alice@contoso.com", "203.0.113.7", "NG").failed(),
            ual("2026-03-02T13:00:00Z", "MailItemsAccessed", "alice@contoso.com", "203.0.113.7"),
            signin("2026-03-02T13:05:00Z", "bob@contoso.com", "198.51.100.3", "FR").ua("python-requests/2.31"),
            signin("2026-03-02T13:06:00Z", "carol@contoso.com", "198.51.100.4", "FR").with(crate::model::attr::APP_ID, "aaaa-1111"),
        ]);
        let ctx = Context {
            containment: Some(t("2026-03-02T10:00:00Z")),
            indicators: vec![
                Indicator::new(IndicatorKind::Ip, "203.0.113.7", ""),
                Indicator::new(IndicatorKind::UserAgent, "python-requests/2.31", ""),
                Indicator::new(IndicatorKind::AppId, "AAAA-1111", ""),
            ],
            ..Context::default()
        };
        let findings = findings_of(&DEF, &store, &ctx);
        let got: Vec<(Vec<u32>, Severity)> = findings.iter().map(|f| (f.rows.clone(), f.severity)).collect();
        assert_eq!(got, vec![(vec![1], Severity::Medium), (vec![3], Severity::High), (vec![4], Severity::Critical), (vec![5], Severity::Critical)], "{findings:#?}");
        assert!(findings[0].title.contains("within the token lifetime"));
        assert_eq!(findings[3].query, "ioc time:2026-03-02T13:06Z..2026-03-02T13:06:00.001Z");
    }
}
