//! Step 1: two successive sign-ins of one account too far apart for the
//! time between them. Each pair of addresses is judged on its own (a VPN
//! exit used for weeks is ordinary, a new foreign address is not), then an
//! account's pairs are reported as one finding, as severe as its worst pair.

use super::history::AddressUse;
use super::facts::{address_signals, day_of, haversine_km, when};
use super::sliced_by::per_account;
use super::{Context, DetectorDef, History, EntityKind, Finding, FindingBuilder, Severity, Slices};
use crate::model::{Outcome, Source};
use crate::store::{EventStore, Field};
use std::collections::BTreeMap;

pub const DEF: DetectorDef = DetectorDef {
    id: "signin.impossible_travel",
    step: 1,
    title: "Impossible travel between successive sign-ins",
    run,
    sliced: Some(start),
};

/// Geolocation of an address is rough; closer than this is never travel.
const MIN_DISTANCE_KM: f64 = 500.0;
/// Hops between the same two addresses on this many days are routine.
const ROUTINE_DAYS: usize = 7;

/// One sign-in followed by another too far away for the time between them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hop {
    pub from: u32,
    pub to: u32,
    pub km: f64,
    /// Infinite when both happened at the same moment.
    pub kmh: f64,
}

/// The hop from row `from` to the later row `to` when it is impossible
/// travel: both placed by coordinates, different addresses, at least
/// `MIN_DISTANCE_KM` apart, faster than the context's travel speed. The
/// sign-in map draws a finding's hops with the same test.
pub fn impossible_hop(store: &EventStore, ctx: &Context, from: u32, to: u32) -> Option<Hop> {
    let (a, b) = (store.geo(from)?, store.geo(to)?);
    if store.ip(from) == store.ip(to) {
        return None;
    }
    let km = haversine_km(a, b);
    let hours = (store.time(to) - store.time(from)) as f64 / 3_600_000.0;
    let kmh = if hours > 0.0 { km / hours } else { f64::INFINITY };
    (km >= MIN_DISTANCE_KM && kmh > ctx.travel_speed_kmh).then_some(Hop { from, to, km, kmh })
}

fn run(store: &EventStore, ctx: &Context, history: &History) -> Vec<Finding> {
    super::whole(start(store, ctx, history))
}

fn start<'h>(store: &'h EventStore, ctx: &'h Context, history: &'h History<'_>) -> Box<dyn Slices + 'h> {
    let used = history.addresses();
    per_account(history, move |account, rows, findings| {
        let located: Vec<u32> = rows
            .iter()
            .copied()
            .filter(|&r| store.geo(r).is_some() && match store.outcome(r) {
                Outcome::Success => true,
                Outcome::Failure | Outcome::Interrupted => !ctx.travel_ignores_failed,
                Outcome::Unknown => false,
            })
            .collect();
        // (earlier address, later address) -> hops between them.
        let mut pairs: BTreeMap<(String, String), Vec<Hop>> = BTreeMap::new();
        for pair in located.windows(2) {
            let [from, to] = [pair[0], pair[1]];
            if let Some(hop) = impossible_hop(store, ctx, from, to) {
                pairs.entry((store.ip(from).to_string(), store.ip(to).to_string())).or_default().push(hop);
            }
        }
        let per_pair: Vec<Finding> = pairs.into_iter().filter_map(|((ip_a, ip_b), hops)| finding(store, ctx, used, account, &ip_a, &ip_b, &hops)).collect();
        findings.extend(merge_account(store, account, per_pair));
    })
}

/// One finding for all of an account's impossible pairs: the worst pair
/// sets the severity and the title, every pair's hops are evidence, and
/// only the pairs judged as severe as the worst lend it benign signals
/// (a VPN pair's excuse must not soften an attacker's pair).
fn merge_account(store: &EventStore, account: &str, mut pairs: Vec<Finding>) -> Option<Finding> {
    if pairs.len() <= 1 {
        return pairs.pop();
    }
    pairs.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.first.cmp(&b.first)));
    let worst = &pairs[0];
    let ips: Vec<&str> = pairs.iter().flat_map(|f| f.entities.iter()).filter(|e| e.kind == EntityKind::Ip).map(|e| e.value.as_str()).collect();
    let mut b = FindingBuilder::new(
        &DEF,
        worst.severity,
        format!("{} (and {} more pair(s) of addresses)", worst.title, pairs.len() - 1),
        worst.why.clone(),
    )
    .rows(pairs.iter().flat_map(|f| f.rows.iter().copied()))
    .source(Source::SignIn)
    .matching(Field::Actor, &[account])
    .matching(Field::Ip, &ips);
    for f in &pairs {
        for e in &f.entities {
            b = b.entity(e.kind, &e.value);
        }
        b = b.detail(format!("{}: {}", f.severity.label(), f.title));
        for d in &f.details {
            b = b.detail(format!("  {d}"));
        }
        if f.severity == worst.severity {
            for s in &f.benign_signals {
                b = b.benign(s.clone());
            }
        }
    }
    b.build(store)
}

fn finding(store: &EventStore, ctx: &Context, used: &AddressUse, account: &str, ip_a: &str, ip_b: &str, hops: &[Hop]) -> Option<Finding> {
    let first = hops.first()?;
    let (from, to) = (first.from, first.to);
    let place = |r: u32| if store.city(r).is_empty() { store.country(r).to_string() } else { format!("{}, {}", store.city(r), store.country(r)) };
    let speed = if first.kmh.is_finite() { format!("{:.0} km/h", first.kmh) } else { "at the same moment".to_string() };
    let both_succeeded = store.outcome(from) == Outcome::Success && store.outcome(to) == Outcome::Success;
    let mut severity = if both_succeeded { Severity::Medium } else { Severity::Low };
    if ctx.is_indicator_ip(ip_a) || ctx.is_indicator_ip(ip_b) {
        severity = severity.raised();
    }
    let mut b = FindingBuilder::new(
        &DEF,
        severity,
        format!("{} signed in from {} then {} ({:.0} km, {speed})", store.actor(to), place(from), place(to), first.km),
        format!(
            "Nobody travels {:.0} km in that time, so two parties may be using the account at once. \
             VPNs, proxies and mobile carriers also move an address's location, so check whether either address is one of the organisation's exits.",
            first.km
        ),
    )
    .rows(hops.iter().flat_map(|h| [h.from, h.to]))
    .entity(EntityKind::Account, store.actor(to))
    .entity(EntityKind::Ip, ip_a)
    .entity(EntityKind::Ip, ip_b)
    .entity(EntityKind::Country, store.country(from))
    .entity(EntityKind::Country, store.country(to))
    .source(Source::SignIn)
    .matching(Field::Actor, &[store.actor(to)])
    .matching(Field::Ip, &[ip_a, ip_b])
    .detail(format!("{} from {ip_a} at {}, then {ip_b} at {}", account, when(store.time(from)), when(store.time(to))));
    if hops.len() > 1 {
        b = b.detail(format!("{} such hops between these two addresses", hops.len()));
    }
    // The same two addresses alternating day after day is a VPN or proxy
    // being switched on and off, not two people.
    let hop_days: std::collections::BTreeSet<i64> = hops.iter().map(|h| day_of(store.time(h.to))).collect();
    if hop_days.len() >= ROUTINE_DAYS {
        b = b.benign(format!("the account alternated between these two addresses on {} days", hop_days.len())).cap(Severity::Low);
    }
    // Ordinary if the account uses both addresses routinely.
    let (signals_a, cap_a) = address_signals(ctx, used, account, ip_a, store.time(from));
    let (signals_b, cap_b) = address_signals(ctx, used, account, ip_b, store.time(from));
    for s in signals_a {
        b = b.benign(format!("{ip_a}: {s}"));
    }
    for s in signals_b {
        b = b.benign(format!("{ip_b}: {s}"));
    }
    if let (Some(a), Some(c)) = (cap_a, cap_b) {
        b = b.cap(a.max(c));
    } else if let Some(c) = cap_b {
        // The later address is the one that would be the intruder's.
        b = b.cap(c);
    }
    b.build(store)
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    const PARIS: (f64, f64) = (48.85, 2.35);
    const LAGOS: (f64, f64) = (6.45, 3.39);
    const LYON: (f64, f64) = (45.76, 4.84);

    #[test]
    fn paris_then_lagos_in_an_hour_is_medium() {
        let store = store_of(vec![
            signin("2026-03-01T08:00:00Z", "alice@contoso.com", "198.51.100.10", "FR").geo(PARIS.0, PARIS.1),
            signin("2026-03-01T09:00:00Z", "alice@contoso.com", "203.0.113.7", "NG").geo(LAGOS.0, LAGOS.1),
        ]);
        let findings = findings_of(&DEF, &store, &Context::default());
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].severity, Severity::Medium);
        assert_eq!(findings[0].rows, vec![0, 1]);
        assert!(findings[0].title.contains("km/h"), "{}", findings[0].title);
    }

    #[test]
    fn near_hops_slow_hops_and_ignored_failures_are_silent() {
        let store = store_of(vec![
            signin("2026-03-01T08:00:00Z", "alice@contoso.com", "198.51.100.10", "FR").geo(PARIS.0, PARIS.1),
            // Lyon is under 500 km away.
            signin("2026-03-01T08:10:00Z", "alice@contoso.com", "198.51.100.20", "FR").geo(LYON.0, LYON.1),
            // Lagos ten hours later is a flight.
            signin("2026-03-01T18:10:00Z", "alice@contoso.com", "203.0.113.7", "NG").geo(LAGOS.0, LAGOS.1),
            signin("2026-03-01T18:30:00Z", "alice@contoso.com", "198.51.100.10", "FR").geo(PARIS.0, PARIS.1).failed(),
        ]);
        let ctx = Context { travel_ignores_failed: true, ..Context::default() };
        assert!(findings_of(&DEF, &store, &ctx).is_empty());
        let with_failures = findings_of(&DEF, &store, &Context::default());
        assert_eq!(with_failures.len(), 1);
        assert_eq!(with_failures[0].severity, Severity::Low);
    }

    #[test]
    fn vpn_exit_used_for_weeks_caps_low() {
        let mut events = daily("2026-03-01T08:00:00Z", 10, "alice@contoso.com", "198.51.100.10", "FR");
        for e in events.iter_mut() {
            e.geo = Some(PARIS);
        }
        let mut vpn = daily("2026-03-01T08:30:00Z", 10, "alice@contoso.com", "192.0.2.1", "US");
        for e in vpn.iter_mut() {
            e.geo = Some((40.7, -74.0));
        }
        events.extend(vpn);
        let store = store_of(events);
        let findings = findings_of(&DEF, &store, &Context::default());
        assert_eq!(findings.len(), 1, "one finding for the pair, not one per hop");
        assert_eq!(findings[0].severity, Severity::Low);
        assert_eq!(findings[0].rows.len(), 20);
    }

    #[test]
    fn an_accounts_pairs_merge_into_one_finding_as_severe_as_the_worst() {
        // A VPN exit alternating with the office for ten days (ordinary),
        // then one sign-in from Lagos twenty minutes after Paris.
        let mut events = daily("2026-03-01T08:00:00Z", 10, "alice@contoso.com", "198.51.100.10", "FR");
        for e in events.iter_mut() {
            e.geo = Some(PARIS);
        }
        let mut vpn = daily("2026-03-01T08:30:00Z", 10, "alice@contoso.com", "192.0.2.1", "US");
        for e in vpn.iter_mut() {
            e.geo = Some((40.7, -74.0));
        }
        events.extend(vpn);
        events.push(signin("2026-03-11T09:00:00Z", "alice@contoso.com", "198.51.100.10", "FR").geo(PARIS.0, PARIS.1));
        events.push(signin("2026-03-11T09:20:00Z", "alice@contoso.com", "203.0.113.7", "NG").geo(LAGOS.0, LAGOS.1));
        events.push(signin("2026-03-01T08:00:00Z", "bob@contoso.com", "198.51.100.10", "FR").geo(PARIS.0, PARIS.1));
        events.push(signin("2026-03-01T09:00:00Z", "bob@contoso.com", "203.0.113.8", "NG").geo(LAGOS.0, LAGOS.1));
        let store = store_of(events);
        let findings = findings_of(&DEF, &store, &Context::default());
        assert_eq!(findings.len(), 2, "one finding per account");
        let alice = findings.iter().find(|f| f.entities.iter().any(|e| e.value == "alice@contoso.com")).unwrap();
        assert_eq!(alice.severity, Severity::Medium, "the Lagos pair is not excused by the VPN pair");
        assert!(!alice.benign_signals.iter().any(|s| s.contains("192.0.2.1") || s.contains("alternated")), "{:?}", alice.benign_signals);
        assert!(alice.title.contains("Lagos") || alice.title.contains("NG"), "{}", alice.title);
        assert_eq!(alice.rows.len(), 22);
        assert!(alice.details.iter().any(|d| d.starts_with("Low:")), "{:?}", alice.details);
        let query = crate::store::query::parse(&alice.query).unwrap();
        let shown = store.filter(&query, &Context::default().eval_context()).unwrap();
        assert!(alice.rows.iter().all(|r| shown.contains(r)), "the query shows every evidence row");
    }
}
