//! Step 1: a successful sign-in from an address, country or kind of client
//! the account had not used in its baseline. One finding per account and
//! new address (or per new client family when the address was known).
//!
//! A first-seen country is a trip or a VPN as often as an intruder, so on
//! its own it stays Low and the finding lists what looks ordinary (known
//! device, MFA satisfied, usual client, no failures, no risk). It rises when
//! a sign of attack comes with it: failures just before, Entra risk, a
//! scripting or password-only client, an unmanaged device, no MFA, a
//! suspect account or a marked address.

use super::facts::{address_signals, list_some, when};
use super::history::AddressUse;
use super::signins::{assess, ua_family, Novelty, Risk};
use super::sliced_by::per_group;
use super::{Context, DetectorDef, History, EntityKind, Finding, FindingBuilder, Severity, Slices};
use crate::model::Source;
use crate::store::{EventStore, Field};

pub const DEF: DetectorDef = DetectorDef {
    id: "signin.first_seen",
    step: 1,
    title: "Sign-in from a first-seen address, country or client",
    run,
    sliced: Some(start),
};

fn run(store: &EventStore, ctx: &Context, history: &History) -> Vec<Finding> {
    super::whole(start(store, ctx, history))
}

/// What a group of novelties is new for: an address of the account, or
/// (the address known) a client family. Addresses come first.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum New<'h> {
    Address { account: &'h str, ip: &'h str },
    Client { account: &'h str, family: String },
}

/// The novelties gathered by what they are new for, then a group at a time.
fn start<'h>(store: &'h EventStore, ctx: &'h Context, history: &'h History<'_>) -> Box<dyn Slices + 'h> {
    let novelties = history.novelties();
    let used = history.addresses();
    per_group(
        novelties.len(),
        move |i| {
            let n = novelties.get(i as usize)?;
            let account = n.account.as_str();
            if n.new_ip {
                Some(New::Address { account, ip: store.ip(n.row) })
            } else if n.new_ua {
                Some(New::Client { account, family: ua_family(store.user_agent(n.row)) })
            } else {
                None
            }
        },
        move |new, members, findings| {
            let group: Vec<&Novelty> = members.iter().filter_map(|&i| novelties.get(i as usize)).collect();
            findings.extend(match new {
                New::Address { account, ip } => {
                    let rows = history.signins().get(*account).map_or(&[][..], Vec::as_slice);
                    new_address(store, ctx, used, rows, account, ip, &group)
                }
                New::Client { .. } => new_client(store, ctx, &group),
            });
        },
    )
}

fn new_address(store: &EventStore, ctx: &Context, used: &AddressUse, account_rows: &[u32], account: &str, ip: &str, group: &[&Novelty]) -> Option<Finding> {
    let first = group.first()?;
    let row = first.row;
    let country = store.country(row);
    let new_country = group.iter().any(|n| n.new_country);
    let new_ua = group.iter().any(|n| n.new_ua);
    let failures: Vec<u32> = first.failures_before.clone();
    let risk = Risk::of(store, row);
    let assessment = assess(store, account_rows, row, &failures, first.new_ua);
    let mut attack = assessment.attack.clone();
    if ctx.is_suspect(account) {
        attack.push("a suspect account".to_string());
    }
    if ctx.is_indicator_ip(ip) {
        attack.push("address marked as an indicator".to_string());
    }

    // A new country is Medium only with a sign of attack; failures, risk
    // and a marked address each raise it further.
    let mut severity = if new_country && !attack.is_empty() { Severity::Medium } else { Severity::Low };
    let mut also = Vec::new();
    if new_country {
        also.push(format!("new country {country}"));
    }
    if new_ua {
        also.push("new kind of client".to_string());
    }
    if !failures.is_empty() {
        severity = severity.raised();
        also.push(format!("{} failed sign-in(s) in the hours before", failures.len()));
    }
    if matches!(risk.level.as_str(), "medium" | "high") && !risk.is_closed() {
        severity = severity.raised();
        also.push(format!("{} sign-in risk", risk.level));
    }
    if ctx.is_indicator_ip(ip) {
        severity = severity.raised();
        also.push("marked as an indicator".to_string());
    }
    let severity = severity.min(Severity::High);
    let title = if also.is_empty() {
        format!("{account} signed in from first-seen address {ip}")
    } else {
        format!("{account} signed in from first-seen address {ip} ({})", also.join(", "))
    };
    let why = format!(
        "The account had not signed in successfully from {ip} in its baseline of {} earlier sign-ins. A new address is where a stolen password or token usually shows up first; \
         a country the account has never used, failures just before, or Entra risk make that more likely.",
        first.history
    );
    let (signals, cap) = address_signals(ctx, used, account, ip, store.time(row));
    // The failures before may come from other addresses; the query shows them too.
    let mut evidence_ips: Vec<&str> = vec![ip];
    for &r in &failures {
        if !evidence_ips.contains(&store.ip(r)) {
            evidence_ips.push(store.ip(r));
        }
    }
    let mut b = FindingBuilder::new(&DEF, severity, title, why)
        .rows(group.iter().map(|n| n.row))
        .rows(failures.iter().copied())
        .entity(EntityKind::Account, store.actor(row))
        .entity(EntityKind::Ip, ip)
        .entity(EntityKind::Country, if new_country { country } else { "" })
        .entity(EntityKind::UserAgent, if new_ua { store.user_agent(row) } else { "" })
        .source(Source::SignIn)
        .matching(Field::Actor, &[store.actor(row)])
        .matching(Field::Ip, &evidence_ips)
        .detail(format!("first sign-in from {ip}: {} ({})", when(store.time(row)), list_some(&[store.city(row).to_string(), country.to_string()], 2)));
    if group.len() > 1 {
        b = b.detail(format!("{} sign-ins from this address in the comparison window", group.len()));
    }
    if attack.is_empty() {
        b = b.detail("no sign of attack with it: a trip or a VPN is as likely as an intruder");
    } else {
        b = b.detail(format!("signs of attack: {}", attack.join(", ")));
    }
    for s in assessment.benign {
        b = b.benign(s);
    }
    for s in signals {
        b = b.benign(s);
    }
    if let Some(cap) = cap {
        b = b.cap(cap);
    }
    b.build(store)
}

fn new_client(store: &EventStore, ctx: &Context, group: &[&Novelty]) -> Option<Finding> {
    let first = group.first()?;
    let row = first.row;
    let ua = store.user_agent(row);
    let severity = if ctx.is_suspect(&first.account) && ctx.in_window(store.time(row)) { Severity::Low } else { Severity::Info };
    FindingBuilder::new(
        &DEF,
        severity,
        format!("{} signed in with a first-seen client from a known address", store.actor(row)),
        "The address is familiar but the client is not one this account used in its baseline. \
         On its own this is usually a new device or app; it matters when it matches the attacker's tooling.",
    )
    .rows(group.iter().map(|n| n.row))
    .entity(EntityKind::Account, store.actor(row))
    .entity(EntityKind::UserAgent, ua)
    .source(Source::SignIn)
    .matching(Field::Actor, &[store.actor(row)])
    .matching(Field::Ip, &[store.ip(row)])
    .benign("the address itself was already used by this account")
    .build(store)
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::model::{attr, Event};

    /// Alice signs in from home in France every day for three weeks.
    fn home() -> Vec<Event> {
        daily("2026-03-01T08:00:00Z", 21, "alice@contoso.com", "198.51.100.10", "FR")
    }

    #[test]
    fn new_country_after_failures_is_high() {
        let mut events = home();
        events.push(signin("2026-03-22T02:00:00Z", "alice@contoso.com", "203.0.113.7", "NG").failed());
        events.push(signin("2026-03-22T02:01:00Z", "alice@contoso.com", "203.0.113.7", "NG").failed());
        events.push(signin("2026-03-22T02:03:00Z", "alice@contoso.com", "203.0.113.7", "NG").ua("python-requests/2.31.0"));
        let store = store_of(events);
        let findings = findings_of(&DEF, &store, &Context::default());
        assert_eq!(findings.len(), 1, "{findings:#?}");
        let f = &findings[0];
        assert_eq!(f.severity, Severity::High);
        assert_eq!(f.rows, vec![21, 22, 23]);
        assert!(f.title.contains("203.0.113.7") && f.title.contains("new country NG"), "{}", f.title);
        assert!(f.entities.iter().any(|e| e.kind == EntityKind::Country && e.value == "NG"));
    }

    #[test]
    fn traveller_on_an_address_used_for_weeks_stays_low() {
        let mut events = home();
        events.extend(daily("2026-03-22T09:00:00Z", 14, "alice@contoso.com", "192.0.2.44", "JP"));
        let store = store_of(events);
        let findings = findings_of(&DEF, &store, &Context::default());
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].severity, Severity::Low);
        assert!(findings[0].benign_signals.iter().any(|s| s.contains("on 14 of its 35 active days")), "{:?}", findings[0].benign_signals);
    }

    #[test]
    fn corporate_range_is_info_and_no_history_is_silent() {
        let mut events = home();
        events.push(signin("2026-03-22T09:00:00Z", "alice@contoso.com", "10.1.2.3", "FR"));
        // Bob has no history: nothing to compare with.
        events.push(signin("2026-03-22T09:00:00Z", "bob@contoso.com", "203.0.113.9", "US"));
        let store = store_of(events);
        let ctx = Context { corporate_ranges: vec!["10.0.0.0/8".into()], ..Context::default() };
        let findings = findings_of(&DEF, &store, &ctx);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].severity, Severity::Info);
        assert_eq!(findings[0].benign_signals.last().map(String::as_str), Some("inside declared corporate range 10.0.0.0/8"));
    }

    #[test]
    fn window_compares_with_the_days_before_it() {
        let mut events = home();
        events.push(signin("2026-03-22T10:00:00Z", "alice@contoso.com", "203.0.113.7", "FR"));
        events.push(signin("2026-03-22T11:00:00Z", "alice@contoso.com", "203.0.113.7", "FR"));
        let store = store_of(events);
        let ctx = Context {
            suspect_accounts: vec!["Alice@contoso.com".into()],
            window: Some((t("2026-03-22T00:00:00Z"), t("2026-03-23T00:00:00Z"))),
            ..Context::default()
        };
        let findings = findings_of(&DEF, &store, &ctx);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].rows, vec![21, 22]);
        assert_eq!(findings[0].severity, Severity::Low);
    }

    fn on_laptop(e: Event) -> Event {
        e.with(attr::DEVICE_ID, "d-1")
            .with(attr::DEVICE_NAME, "LAPTOP-ALICE")
            .with(attr::DEVICE_COMPLIANT, "true")
            .with(attr::DEVICE_MANAGED, "true")
            .with(attr::AUTH_REQUIREMENT, "multiFactorAuthentication")
            .with(attr::INTERACTIVE, "true")
    }

    #[test]
    fn a_trip_abroad_on_the_usual_laptop_stays_low_and_says_why() {
        let mut events: Vec<Event> = home().into_iter().map(on_laptop).collect();
        events.push(on_laptop(signin("2026-03-22T07:00:00Z", "alice@contoso.com", "192.0.2.80", "NL")));
        let store = store_of(events);
        let findings = findings_of(&DEF, &store, &Context::default());
        assert_eq!(findings.len(), 1, "{findings:#?}");
        let f = &findings[0];
        assert_eq!(f.severity, Severity::Low);
        assert!(f.title.contains("new country NL"), "{}", f.title);
        for signal in ["device LAPTOP-ALICE used by this account before", "managed, compliant device", "MFA satisfied", "no failed sign-ins in the hours before", "no Entra risk"] {
            assert!(f.benign_signals.iter().any(|s| s == signal), "{signal} missing from {:?}", f.benign_signals);
        }
        assert!(f.details.iter().any(|d| d.starts_with("no sign of attack")), "{:?}", f.details);
    }

    #[test]
    fn a_new_country_with_one_sign_of_attack_is_medium() {
        let mut events: Vec<Event> = home().into_iter().map(on_laptop).collect();
        // No failures and no risk, but the password alone on an unknown, unmanaged device.
        events.push(
            signin("2026-03-22T07:00:00Z", "alice@contoso.com", "203.0.113.7", "NG")
                .with(attr::AUTH_REQUIREMENT, "singleFactorAuthentication")
                .with(attr::INTERACTIVE, "true")
                .with(attr::DEVICE_COMPLIANT, "false")
                .with(attr::DEVICE_MANAGED, "false"),
        );
        // Bob's trip is ordinary, but he is the suspect: that alone is a sign.
        events.extend(daily("2026-03-01T09:00:00Z", 21, "bob@contoso.com", "198.51.100.11", "FR"));
        events.push(signin("2026-03-22T09:00:00Z", "bob@contoso.com", "192.0.2.81", "ES"));
        let store = store_of(events);
        let ctx = Context { suspect_accounts: vec!["bob@contoso.com".into()], ..Context::default() };
        let findings = findings_of(&DEF, &store, &ctx);
        let got: Vec<(&str, Severity)> = findings.iter().map(|f| (store.actor(f.rows[0]), f.severity)).collect();
        assert_eq!(got, vec![("alice@contoso.com", Severity::Medium), ("bob@contoso.com", Severity::Medium)], "{findings:#?}");
        assert!(findings[0].details.iter().any(|d| d == "signs of attack: password only, no MFA, unmanaged or non-compliant device"), "{:?}", findings[0].details);
        assert!(findings[1].details.iter().any(|d| d == "signs of attack: a suspect account"), "{:?}", findings[1].details);
    }
}
