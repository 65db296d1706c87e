//! How long detection takes: `run_all` and `suggest_context` on the sample
//! incident and on a large generated tenant, with the slowest detectors.
//! Figures, not assertions about speed; run in release:
//!
//! ```text
//! cargo test --release --test detect_perf -- --ignored --nocapture
//! ```
//!
//! The large tenant is built in code (a hand-written PRNG, fixed seed):
//! 2,000 people over 30 days, each signing in from home and sometimes from
//! elsewhere, with mail, file and directory activity, and a password spray.

use loupe::detect::{run_all, suggest_context, Context, History, DETECTORS};
use loupe::ingest::IngestReport;
use loupe::model::{attr, Event, Outcome, Source, TimeMs};
use loupe::sample::{generate, DEFAULT_SEED};
use loupe::store::EventStore;
use std::sync::Arc;
use std::time::Instant;

/// SplitMix64, enough to vary generated data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

const DAY: TimeMs = 86_400_000;
const START: TimeMs = 1_769_904_000_000; // 2026-02-01T00:00:00Z
const COUNTRIES: [&str; 6] = ["FR", "DE", "ES", "NL", "GB", "US"];
const UAS: [&str; 3] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
];
const UAL_OPS: [&str; 6] = ["MailItemsAccessed", "Send", "FileAccessed", "FileDownloaded", "FileModified", "MailItemsAccessed"];

fn signin(time: TimeMs, upn: &str, ip: &str, country: &str, ua: &str, outcome: Outcome) -> Event {
    let mut e = Event {
        time,
        source: Source::SignIn,
        operation: "Sign-in activity".into(),
        actor: upn.into(),
        ip: ip.into(),
        country: country.into(),
        outcome,
        user_agent: ua.into(),
        app: "Office 365 Exchange Online".into(),
        ..Event::default()
    };
    e.set_attr(attr::CLIENT_APP, "Browser");
    e.set_attr(attr::AUTH_REQUIREMENT, "multiFactorAuthentication");
    e.set_attr(attr::INTERACTIVE, "true");
    e.set_attr(attr::DEVICE_COMPLIANT, "true");
    e.set_attr(attr::DEVICE_MANAGED, "true");
    if outcome == Outcome::Failure {
        e.set_attr(attr::ERROR_CODE, "50126");
    }
    e
}

/// About `users * days * 3.4` events.
fn large_tenant(users: u64, days: i64) -> EventStore {
    let mut rng = Rng(7);
    let mut events = Vec::new();
    for u in 0..users {
        let upn = format!("user{u}@contoso.example");
        let home = format!("198.51.{}.{}", u / 250, u % 250);
        let country = COUNTRIES[(u % 2) as usize];
        for d in 0..days {
            let day = START + d * DAY + 7 * 3_600_000 + rng.below(3_600_000) as i64;
            let (ip, c) = if rng.chance(0.03) { (format!("192.0.2.{}", rng.below(250)), COUNTRIES[rng.below(6) as usize]) } else { (home.clone(), country) };
            if rng.chance(0.03) {
                events.push(signin(day - 60_000, &upn, &ip, c, UAS[0], Outcome::Failure));
            }
            events.push(signin(day, &upn, &ip, c, UAS[rng.below(3) as usize], Outcome::Success));
            events.push(signin(day + 3_600_000, &upn, &ip, c, UAS[1], Outcome::Success));
            for k in 0..2 {
                let mut e = Event {
                    time: day + (k + 1) * 1_800_000,
                    source: Source::UnifiedAudit,
                    operation: UAL_OPS[rng.below(6) as usize].into(),
                    actor: upn.clone(),
                    ip: ip.clone(),
                    outcome: Outcome::Success,
                    ..Event::default()
                };
                e.set_attr(attr::WORKLOAD, "Exchange");
                e.set_attr(attr::ITEM_COUNT, "3");
                events.push(e);
            }
            if rng.chance(0.4) {
                events.push(Event {
                    time: day + 5 * 3_600_000,
                    source: Source::DirectoryAudit,
                    operation: "Update user".into(),
                    actor: "admin@contoso.example".into(),
                    target: upn.clone(),
                    outcome: Outcome::Success,
                    ..Event::default()
                });
            }
        }
    }
    // A spray against 40 accounts on day 20, one of which falls.
    let spray = START + 20 * DAY + 2 * 3_600_000;
    for u in 0..40 {
        events.push(signin(spray + u * 5_000, &format!("user{u}@contoso.example"), "203.0.113.7", "NG", "python-requests/2.31.0", Outcome::Failure));
    }
    events.push(signin(spray + 600_000, "user3@contoso.example", "203.0.113.7", "NG", "python-requests/2.31.0", Outcome::Success));
    let mut store = EventStore::new();
    store.add_file(IngestReport::default(), Arc::new(String::new()), events);
    store
}

fn sample_store() -> EventStore {
    generate(DEFAULT_SEED).to_store()
}

/// The fastest of three runs, in ms (the machine is shared), and the result.
fn best_of_3<T>(mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut out = None;
    for _ in 0..3 {
        let started = Instant::now();
        out = Some(f());
        best = best.min(started.elapsed().as_secs_f64() * 1e3);
    }
    (best, out.expect("ran three times"))
}

fn time(label: &str, store: &EventStore) {
    let (suggest, ctx) = best_of_3(|| suggest_context(store));
    let (all, findings) = best_of_3(|| run_all(store, &ctx));
    println!("{label}: {} events; suggest_context {suggest:.0} ms; run_all {all:.0} ms, {} findings (best of 3)", store.len(), findings.len());
    let (all, findings) = best_of_3(|| run_all(store, &Context::default()));
    println!("{label}: run_all with the default context {all:.0} ms, {} findings", findings.len());

    // Where the time goes: the shared history first, then each detector.
    let history = History::new(store, &ctx);
    let mut parts: Vec<(String, f64)> = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |name: &str, parts: &mut Vec<(String, f64)>| {
        parts.push((name.to_string(), clock.elapsed().as_secs_f64() * 1e3));
        clock = Instant::now();
    };
    history.signins();
    lap("history: sign-ins by account", &mut parts);
    history.addresses();
    lap("history: address use", &mut parts);
    history.novelties();
    lap("history: novelties", &mut parts);
    history.tenant_domains();
    lap("history: tenant domains", &mut parts);
    for d in DETECTORS {
        (d.run)(store, &ctx, &history);
        lap(d.id, &mut parts);
    }
    parts.sort_by(|a, b| b.1.total_cmp(&a.1));
    let top: Vec<String> = parts.iter().take(8).map(|(n, ms)| format!("{n} {ms:.0} ms")).collect();
    println!("{label}: slowest parts: {}", top.join(", "));
}

#[test]
#[ignore = "timing figures; run in release with --ignored --nocapture"]
fn detection_timing() {
    time("sample incident", &sample_store());
    let started = Instant::now();
    let store = large_tenant(2_000, 30);
    println!("large tenant built in {:.0} ms", started.elapsed().as_secs_f64() * 1e3);
    time("large tenant", &store);
}
