//! Tiny in-code fixtures for the detectors' unit tests: events shaped as the
//! parsers produce them, a store over them, and checks every finding must
//! pass (non-empty evidence, and a query that parses and covers it).

use super::{Context, Finding};
use crate::ingest::IngestReport;
use crate::model::{attr, parse_rfc3339_utc, Event, Outcome, Source, TimeMs};
use crate::store::{parse, EventStore};
use std::sync::Arc;

pub fn t(text: &str) -> TimeMs {
    parse_rfc3339_utc(text).unwrap_or_else(|| panic!("bad test time {text}"))
}

/// A sign-in, successful unless changed.
pub fn signin(time: &str, upn: &str, ip: &str, country: &str) -> Event {
    let mut e = Event {
        time: t(time),
        source: Source::SignIn,
        operation: "Sign-in activity".into(),
        actor: upn.into(),
        ip: ip.into(),
        country: country.into(),
        outcome: Outcome::Success,
        user_agent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0.0.0".into(),
        app: "Office 365 Exchange Online".into(),
        ..Event::default()
    };
    e.set_attr(attr::CLIENT_APP, "Browser");
    e
}

pub fn audit(time: &str, operation: &str, actor: &str, target: &str) -> Event {
    Event { time: t(time), source: Source::DirectoryAudit, operation: operation.into(), actor: actor.into(), target: target.into(), outcome: Outcome::Success, ..Event::default() }
}

pub fn ual(time: &str, operation: &str, actor: &str, ip: &str) -> Event {
    let mut e = Event { time: t(time), source: Source::UnifiedAudit, operation: operation.into(), actor: actor.into(), ip: ip.into(), outcome: Outcome::Success, ..Event::default() };
    e.set_attr(attr::WORKLOAD, "Exchange");
    e
}

/// An Entra ID Protection detection on an account.
pub fn risk_detection(time: &str, upn: &str, kind: &str, level: &str, state: &str, ip: &str) -> Event {
    Event { time: t(time), source: Source::RiskDetection, operation: kind.into(), actor: upn.into(), ip: ip.into(), outcome: Outcome::Unknown, ..Event::default() }
        .with(attr::RISK_RECORD, "detection")
        .with(attr::RISK_LEVEL, level)
        .with(attr::RISK_STATE, state)
}

/// An account's Identity Protection risk state as of `time`.
pub fn risk_state(time: &str, upn: &str, level: &str, state: &str, detail: &str) -> Event {
    Event { time: t(time), source: Source::RiskDetection, operation: format!("Risk state: {state}"), actor: upn.into(), target: upn.into(), outcome: Outcome::Unknown, ..Event::default() }
        .with(attr::RISK_RECORD, "user risk state")
        .with(attr::RISK_LEVEL, level)
        .with(attr::RISK_STATE, state)
        .with(attr::RISK_DETAIL, detail)
}

pub trait EventExt {
    fn with(self, key: &str, value: &str) -> Self;
    fn failed(self) -> Self;
    fn ua(self, ua: &str) -> Self;
    fn geo(self, lat: f64, lon: f64) -> Self;
    fn target(self, target: &str) -> Self;
}

impl EventExt for Event {
    fn with(mut self, key: &str, value: &str) -> Self {
        self.attrs.retain(|(k, _)| k != key);
        self.set_attr(key, value);
        self
    }
    fn failed(mut self) -> Self {
        self.outcome = Outcome::Failure;
        self
    }
    fn ua(mut self, ua: &str) -> Self {
        self.user_agent = ua.into();
        self
    }
    fn geo(mut self, lat: f64, lon: f64) -> Self {
        self.geo = Some((lat, lon));
        self
    }
    fn target(mut self, target: &str) -> Self {
        self.target = target.into();
        self
    }
}

/// `count` daily sign-ins for an account from one address, starting `start`.
pub fn daily(start: &str, days: i64, upn: &str, ip: &str, country: &str) -> Vec<Event> {
    (0..days)
        .map(|d| {
            let mut e = signin(start, upn, ip, country);
            e.time += d * 86_400_000;
            e
        })
        .collect()
}

pub fn store_of(events: Vec<Event>) -> EventStore {
    let mut store = EventStore::new();
    store.add_file(IngestReport::default(), Arc::new(String::new()), events);
    store
}

/// Run one detector and check what every finding must satisfy.
pub fn findings_of(def: &super::DetectorDef, store: &EventStore, ctx: &Context) -> Vec<Finding> {
    let history = super::History::new(store, ctx);
    let findings = (def.run)(store, ctx, &history);
    for f in &findings {
        check(store, ctx, f);
        assert_eq!(f.detector, def.id);
        assert_eq!(f.step, def.step);
    }
    findings
}

pub fn check(store: &EventStore, ctx: &Context, f: &Finding) {
    assert!(!f.rows.is_empty(), "{} has no evidence", f.id);
    let query = parse(&f.query).unwrap_or_else(|e| panic!("{}: query '{}' does not parse: {e}", f.id, f.query));
    let matched = store.filter(&query, &ctx.eval_context()).unwrap_or_else(|e| panic!("{}: query '{}' fails: {e}", f.id, f.query));
    for row in &f.rows {
        assert!(matched.binary_search(row).is_ok(), "{}: query '{}' misses row {row}", f.id, f.query);
    }
    assert_eq!(f.first, store.time(f.rows[0]));
    assert!(!f.title.is_empty() && !f.why.is_empty());
}
