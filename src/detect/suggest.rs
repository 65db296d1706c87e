//! A starting investigation context inferred from the evidence, for the
//! analyst to confirm or correct: the sign-in that most looks like the
//! break-in, its account, its fingerprints (address, user agent, apps the
//! account consented to or added a credential to, and the addresses those
//! apps used), a first-seen address that signed in just before it (where a
//! phishing proxy relayed the real sign-in), and a window from the first
//! attempt from those addresses to the last activity of any of those
//! fingerprints, in any log.

use std::collections::HashMap;
use super::app_credentials::CREDENTIAL_OPS;
use super::facts::{account_key, is_signin, is_successful_signin, op_is, when};
use super::oauth_apps::{app_id, app_name};
use super::signins::{device_trusted, failures_before, Novelty, Risk, UnusualClient, FAILURES_BEFORE_MS};
use super::{Context, History, Indicator, IndicatorKind};
use crate::model::attr;
use crate::store::EventStore;

/// Below this score no sign-in is suspicious enough to suggest.
const MIN_SCORE: u32 = 5;
/// Records without an address this long after the intruder's address was
/// last seen still belong to its session.
const SESSION_GRACE_MS: i64 = super::facts::HOUR_MS;
/// Used on this many days, an address is the account owner's.
const ROUTINE_DAYS: usize = 7;

/// How suspicious a successful sign-in looks, with the reasons. Newness
/// alone is travel as often as not, so a sign-in also needs a sign of attack
/// (failures just before, Entra risk, a scripting or password-only client)
/// to score at all.
fn score(store: &EventStore, history: &History, row: u32, novelty: &Novelty) -> (u32, Vec<&'static str>) {
    let risk = Risk::of(store, row);
    let scripted = matches!(history.unusual_client(row), Some(UnusualClient::Script(_) | UnusualClient::Ropc));
    let risky = matches!(risk.level.as_str(), "medium" | "high");
    if novelty.failures_before.is_empty() && !risky && !scripted {
        return (0, Vec::new());
    }
    let mut score = 0;
    let mut why = Vec::new();
    if novelty.new_country {
        score += 3;
        why.push("first-seen country");
    }
    if novelty.new_ip {
        score += 2;
        why.push("first-seen address");
    }
    if novelty.new_ua {
        score += 1;
        why.push("first-seen client");
    }
    match novelty.failures_before.len() {
        0 => {}
        1 | 2 => {
            score += 2;
            why.push("failed sign-ins just before");
        }
        _ => {
            score += 3;
            why.push("several failed sign-ins just before");
        }
    }
    if !risk.is_closed() {
        match risk.level.as_str() {
            "high" | "medium" => {
                score += 2;
                why.push("medium or high sign-in risk");
            }
            "low" => score += 1,
            _ => {}
        }
    }
    if scripted {
        score += 2;
        why.push("scripting or password-only client");
    }
    (score, why)
}

/// The context the evidence suggests; the default context when nothing
/// stands out. The same evidence always gives the same suggestion.
pub fn suggest_context(store: &EventStore) -> Context {
    let defaults = Context::default();
    suggest_context_from(store, &History::new(store, &defaults))
}

/// `suggest_context` with a history of the store for the empty context
/// (the page's, whose sign-ins and addresses were worked out in slices).
pub fn suggest_context_from(store: &EventStore, history: &History) -> Context {
    let mut suggesting = Suggesting::new(store, history);
    super::work_rounds(&mut suggesting, usize::MAX);
    suggesting.finish()
}

/// `suggest_context_from` in slices, for whoever cannot stop for all of it
/// at once (the page, between paints), in two rounds (`Rounds`: `work`
/// over `0..pieces()` in order until `pieces()` stops growing), then
/// `finish`. The first round's pieces are the history's novelties (indexed
/// by account and address, a microsecond each); the second's, counted once
/// the first is done, its accounts (searched for the break-in, up to
/// milliseconds each).
pub struct Suggesting<'h, 'a> {
    store: &'h EventStore,
    history: &'h History<'a>,
    novelties: &'h [Novelty],
    first_seen: FirstSeenAddresses<'h>,
    /// Whether every novelty is indexed (the first round done).
    indexed: bool,
    accounts: Vec<(&'h str, &'h [u32])>,
    /// The best-scoring sign-in so far: (score, row, why).
    best: Option<(u32, u32, Vec<&'static str>)>,
}

impl<'h, 'a> Suggesting<'h, 'a> {
    pub fn new(store: &'h EventStore, history: &'h History<'a>) -> Suggesting<'h, 'a> {
        let accounts = history.signins().iter().map(|(account, rows)| (account.as_str(), rows.as_slice())).collect();
        let novelties = history.novelties();
        Suggesting { store, history, novelties, first_seen: FirstSeenAddresses::default(), indexed: novelties.is_empty(), accounts, best: None }
    }

    pub fn finish(self) -> Context {
        match self.best {
            Some((_, row, why)) => context_around(self.store, self.history, row, why),
            None => Context::default(),
        }
    }
}

impl super::Rounds for Suggesting<'_, '_> {
    fn pieces(&self) -> usize {
        self.novelties.len() + if self.indexed { self.accounts.len() } else { 0 }
    }

    fn work(&mut self, pieces: std::ops::Range<usize>) {
        let known = self.novelties.len();
        for n in self.novelties.get(pieces.start.min(known)..pieces.end.min(known)).unwrap_or_default() {
            self.first_seen.add(self.store, n);
        }
        self.indexed |= pieces.end >= known;
        let accounts = pieces.start.max(known) - known..pieces.end.max(known) - known;
        for i in accounts {
            if let Some(&(account, rows)) = self.accounts.get(i) {
                self.search_account(account, rows);
            }
        }
    }
}

/// The context around the break-in at `row`: its account, fingerprints and
/// window.
fn context_around(store: &EventStore, history: &History, row: u32, why: Vec<&'static str>) -> Context {
    let defaults = Context::default();
    let account = store.actor(row).to_string();
    let ip = store.ip(row).to_string();
    let first = store.time(row);
    let note = format!("suggested: {} sign-in at {} ({})", account, when(first), why.join(", "));
    let mut indicators = Vec::new();
    if !ip.is_empty() {
        indicators.push(Indicator::new(IndicatorKind::Ip, ip.clone(), note.clone()));
    }
    let ua = store.user_agent(row);
    if !ua.is_empty() {
        indicators.push(Indicator::new(IndicatorKind::UserAgent, ua, note.clone()));
    }
    let ips_end = last_time(store, row, |r| !ip.is_empty() && store.ip(r) == ip).unwrap_or(first);
    let apps = consented_apps(store, row, &ip, ips_end, &account);
    for (kind, value, note) in &apps {
        indicators.push(Indicator::new(*kind, value.clone(), note.clone()));
    }
    let app_ids: Vec<&str> = apps.iter().filter(|(k, _, _)| *k == IndicatorKind::AppId).map(|(_, v, _)| v.as_str()).collect();
    for (app_ip, note) in app_addresses(store, history, row, &account, &app_ids) {
        if !indicators.iter().any(|i| i.kind == IndicatorKind::Ip && i.value == app_ip) {
            indicators.push(Indicator::new(IndicatorKind::Ip, app_ip, note));
        }
    }
    let proxies = relays_before(store, history, row, &account);
    for (proxy_ip, _, note) in &proxies {
        if !indicators.iter().any(|i| i.kind == IndicatorKind::Ip && i.value == *proxy_ip) {
            indicators.push(Indicator::new(IndicatorKind::Ip, proxy_ip.clone(), note.clone()));
        }
    }
    let ips: Vec<&str> = indicators.iter().filter(|i| i.kind == IndicatorKind::Ip).map(|i| i.value.as_str()).collect();
    let end = last_time(store, row, |r| ips.contains(&store.ip(r)) || uses_app(store, r, &app_ids)).unwrap_or(first).max(first);
    // The window opens with the first attempt from the address in the hours
    // before, or with the relayed sign-in that came before it.
    let start = (super::facts::first_row_at(store, first - FAILURES_BEFORE_MS)..row).find(|&r| !ip.is_empty() && store.ip(r) == ip).map_or(first, |r| store.time(r));
    let start = proxies.iter().map(|(_, t, _)| *t).fold(start, i64::min);
    Context { suspect_accounts: vec![account], window: Some((start, end)), indicators, ..defaults }
}

impl Suggesting<'_, '_> {
    /// Weigh the account's successful sign-ins as the break-in: the highest
    /// score wins, the earliest row among equals.
    fn search_account(&mut self, account: &str, rows: &[u32]) {
        let (store, history) = (self.store, self.history);
        let used = history.addresses();
        for &row in rows {
            if !is_successful_signin(store, row) {
                continue;
            }
            // Accounts without enough history have no novelty record; the
            // failures right before still count for them.
            let fallback;
            let novelty = match history.novelty(row) {
                Some(n) => n,
                None => {
                    let failures_before = failures_before(store, rows, store.time(row));
                    fallback = Novelty { row, account: account.to_string(), new_ip: false, new_country: false, new_ua: false, failures_before, history: 0 };
                    &fallback
                }
            };
            // A later sign-in from an address first seen for the account
            // shortly before is as new as that first one (a replayed token
            // often shows its risk only on the background requests after).
            let inherited;
            let novelty = match self.first_seen.before(store, account, row) {
                Some(first) if !novelty.new_ip => {
                    inherited = Novelty { row, failures_before: novelty.failures_before.clone(), ..first.clone() };
                    &inherited
                }
                _ => novelty,
            };
            let (s, why) = score(store, history, row, novelty);
            // An address the account used routinely before is not the intruder's.
            if s < MIN_SCORE || used.days_before(account, store.ip(row), store.time(row)) >= ROUTINE_DAYS {
                continue;
            }
            let better = match &self.best {
                Some((b, r, _)) => s > *b || (s == *b && row < *r),
                None => true,
            };
            if better {
                self.best = Some((s, row, why));
            }
        }
    }
}

/// Time of the last row from `from` on that `matches`.
fn last_time(store: &EventStore, from: u32, matches: impl Fn(u32) -> bool) -> Option<i64> {
    (from..store.len() as u32).rev().find(|&r| matches(r)).map(|r| store.time(r))
}

/// Whether a row is an app's doing: its sign-ins, or UAL records naming it.
fn uses_app(store: &EventStore, row: u32, app_ids: &[&str]) -> bool {
    let id = store.attr(row, attr::APP_ID).unwrap_or("");
    app_ids.iter().any(|a| a.eq_ignore_ascii_case(store.app(row)) || a.eq_ignore_ascii_case(id))
}

/// Apps the account consented to, or added a secret or certificate to,
/// from the intruder's address after the break-in (or, for records without
/// an address, while the address was active and up to `SESSION_GRACE_MS`
/// after): their ids, or their names when no record gave an id.
fn consented_apps(store: &EventStore, from: u32, ip: &str, ip_end: i64, account: &str) -> Vec<(IndicatorKind, String, String)> {
    let mut ids: Vec<(IndicatorKind, String, String)> = Vec::new();
    let mut names: Vec<(IndicatorKind, String, String)> = Vec::new();
    for r in from..store.len() as u32 {
        let consent = op_is(store, r, &["Consent to application"]);
        if !(consent || op_is(store, r, &CREDENTIAL_OPS)) || !store.actor(r).eq_ignore_ascii_case(account) {
            continue;
        }
        let from_intruder = if store.ip(r).is_empty() { store.time(r) <= ip_end + SESSION_GRACE_MS } else { store.ip(r) == ip };
        if !from_intruder {
            continue;
        }
        let verb = if consent { "consented by" } else { "credential added by" };
        let note = format!("suggested: {verb} {account} at {}", when(store.time(r)));
        let id = app_id(store, r);
        let (list, kind, value) = if id.is_empty() { (&mut names, IndicatorKind::Other, app_name(store, r)) } else { (&mut ids, IndicatorKind::AppId, id) };
        if !value.is_empty() && !list.iter().any(|(_, v, _)| v.eq_ignore_ascii_case(&value)) {
            list.push((kind, value, note));
        }
    }
    if ids.is_empty() {
        names
    } else {
        ids
    }
}

/// Addresses the marked apps signed in from for the account: where the
/// app's tokens are redeemed, which is the attacker's infrastructure
/// (addresses the account had used routinely before are left out).
fn app_addresses(store: &EventStore, history: &History, from: u32, account: &str, app_ids: &[&str]) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = Vec::new();
    if app_ids.is_empty() {
        return found;
    }
    let rows = history.signins().get(&account_key(account)).map_or(&[][..], Vec::as_slice);
    for &r in &rows[rows.partition_point(|&r| r < from)..] {
        let ip = store.ip(r);
        if ip.is_empty() || !is_signin(store, r) || !is_successful_signin(store, r) || !uses_app(store, r, app_ids) || found.iter().any(|(i, _)| i == ip) {
            continue;
        }
        if history.addresses().days_before(account, ip, store.time(from)) < ROUTINE_DAYS {
            found.push((ip.to_string(), format!("suggested: {} signed in for {account} from here at {}", store.app(r), when(store.time(r)))));
        }
    }
    // The apps' own sign-ins (service principals, no user): addresses the
    // app had not used routinely before the break-in are where its stolen
    // credential is used.
    for r in from..store.len() as u32 {
        let (actor, ip) = (store.actor(r), store.ip(r));
        if ip.is_empty() || actor.contains('@') || !is_successful_signin(store, r) || !uses_app(store, r, app_ids) || found.iter().any(|(i, _)| i == ip) {
            continue;
        }
        if history.addresses().days_before(actor, ip, store.time(from)) < ROUTINE_DAYS {
            found.push((ip.to_string(), format!("suggested: {actor} signed in on its own from here at {}", when(store.time(r)))));
        }
    }
    found
}

/// The novelties of first-seen addresses, by account and address, each
/// list in the history's order. Looking through every novelty for every
/// sign-in was quadratic: a million-event export with a quarter of it
/// sign-ins has tens of thousands of novelties, and the suggestion took
/// seconds to tens of seconds on the page's thread.
#[derive(Default)]
struct FirstSeenAddresses<'h> {
    by_account_ip: HashMap<(&'h str, &'h str), Vec<&'h Novelty>>,
}

impl<'h> FirstSeenAddresses<'h> {
    /// Take in the history's next novelty (they come in its order).
    fn add(&mut self, store: &'h EventStore, n: &'h Novelty) {
        let ip = store.ip(n.row);
        if n.new_ip && !ip.is_empty() {
            self.by_account_ip.entry((n.account.as_str(), ip)).or_default().push(n);
        }
    }

    /// The novelty of the account's first sign-in from the same address as
    /// `row`, when that was a first-seen address and came in the
    /// `FAILURES_BEFORE_MS` before `row`.
    fn before(&self, store: &EventStore, account: &str, row: u32) -> Option<&'h Novelty> {
        let (ip, time) = (store.ip(row), store.time(row));
        if ip.is_empty() {
            return None;
        }
        self.by_account_ip
            .get(&(account, ip))?
            .iter()
            .copied()
            .filter(|n| n.row < row)
            .find(|n| time - store.time(n.row) <= FAILURES_BEFORE_MS)
    }
}

/// Successful sign-ins of the account in the hours before the break-in
/// from another first-seen address, on no managed device: an
/// adversary-in-the-middle proxy relays the person's own sign-in (their
/// browser, their MFA approval) from its address, then the stolen session
/// is replayed from elsewhere. (address, time of its first sign-in, note).
fn relays_before(store: &EventStore, history: &History, row: u32, account: &str) -> Vec<(String, i64, String)> {
    let (ip, time) = (store.ip(row), store.time(row));
    let mut found: Vec<(String, i64, String)> = Vec::new();
    for n in history.novelties() {
        let r = n.row;
        let gap = time - store.time(r);
        if r >= row || !n.new_ip || n.account != account || store.ip(r) == ip || !(0..=FAILURES_BEFORE_MS).contains(&gap) {
            continue;
        }
        if device_trusted(store, r) == Some(true) || history.addresses().days_before(account, store.ip(r), store.time(r)) >= ROUTINE_DAYS {
            continue;
        }
        if !found.iter().any(|(i, _, _)| i == store.ip(r)) {
            let note = format!("suggested: first-seen address signed in for {account} at {}, shortly before the break-in (where a phishing proxy would relay the real sign-in)", when(store.time(r)));
            found.push((store.ip(r).to_string(), store.time(r), note));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::model::attr;

    #[test]
    fn suggests_the_break_in_and_its_fingerprints() {
        let mut events = daily("2026-03-01T08:00:00Z", 10, "alice@contoso.com", "198.51.100.10", "FR");
        events.extend(daily("2026-03-01T08:00:00Z", 10, "bob@contoso.com", "198.51.100.11", "FR"));
        // Bob travels: new country, no failures, no risk: not enough.
        events.push(signin("2026-03-11T08:00:00Z", "bob@contoso.com", "192.0.2.50", "ES"));
        events.push(signin("2026-03-11T02:00:00Z", "alice@contoso.com", "203.0.113.7", "NG").failed());
        events.push(signin("2026-03-11T02:01:00Z", "alice@contoso.com", "203.0.113.7", "NG").failed());
        events.push(signin("2026-03-11T02:02:00Z", "alice@contoso.com", "203.0.113.7", "NG").ua("python-requests/2.31").with(attr::RISK_LEVEL_DURING_SIGNIN, "medium"));
        events.push(audit("2026-03-11T02:30:00Z", "Consent to application", "alice@contoso.com", "Mail Sync Pro").with(attr::ADDITIONAL_DETAILS, r#"{"AppId":"11112222-aaaa"}"#));
        events.push(ual("2026-03-11T05:00:00Z", "MailItemsAccessed", "alice@contoso.com", "203.0.113.7"));
        let store = store_of(events);
        let ctx = suggest_context(&store);
        assert_eq!(ctx.suspect_accounts, vec!["alice@contoso.com".to_string()]);
        // From the first failure from the address to its last activity.
        assert_eq!(ctx.window, Some((t("2026-03-11T02:00:00Z"), t("2026-03-11T05:00:00Z"))));
        let values: Vec<(IndicatorKind, &str)> = ctx.indicators.iter().map(|i| (i.kind, i.value.as_str())).collect();
        assert_eq!(values, vec![(IndicatorKind::Ip, "203.0.113.7"), (IndicatorKind::UserAgent, "python-requests/2.31"), (IndicatorKind::AppId, "11112222-aaaa")]);
        assert!(ctx.indicators[0].note.contains("first-seen country"), "{}", ctx.indicators[0].note);
        assert_eq!(suggest_context(&store), ctx, "deterministic");
    }

    #[test]
    fn ordinary_activity_suggests_nothing() {
        let store = store_of(daily("2026-03-01T08:00:00Z", 10, "alice@contoso.com", "198.51.100.10", "FR"));
        assert_eq!(suggest_context(&store), Context::default());
    }

    #[test]
    fn the_window_runs_to_the_last_activity_of_the_consented_app() {
        let mut events = daily("2026-03-01T08:00:00Z", 20, "alice@contoso.com", "198.51.100.10", "FR");
        events.push(signin("2026-03-11T02:00:00Z", "bob@contoso.com", "203.0.113.7", "NG").failed());
        events.push(signin("2026-03-11T02:01:00Z", "alice@contoso.com", "203.0.113.7", "NG").failed());
        events.push(signin("2026-03-11T02:02:00Z", "alice@contoso.com", "203.0.113.7", "NG").with(attr::RISK_LEVEL_DURING_SIGNIN, "medium"));
        let mut grant = audit("2026-03-11T02:30:00Z", "Add delegated permission grant", "alice@contoso.com", "Microsoft Graph");
        let mut consent = audit("2026-03-11T02:30:01Z", "Consent to application", "alice@contoso.com", "Mail Sync Pro").with(attr::ADDITIONAL_DETAILS, r#"{"AppId":"11112222-aaaa"}"#);
        // Alice's own consent the next morning, from home, is hers.
        let mut own = audit("2026-03-12T09:00:00Z", "Consent to application", "alice@contoso.com", "Zoom").with(attr::ADDITIONAL_DETAILS, r#"{"AppId":"3333-zoom"}"#);
        grant.ip = "203.0.113.7".into();
        consent.ip = "203.0.113.7".into();
        own.ip = "198.51.100.10".into();
        events.extend([grant, consent, own]);
        // The app redeems its tokens for days from another address, and reads mail.
        for day in 12..=18 {
            events.push(signin(&format!("2026-03-{day}T03:00:00Z"), "alice@contoso.com", "192.0.2.200", "DE").with(attr::APP_ID, "11112222-aaaa").with(attr::INTERACTIVE, "false"));
        }
        let mut read = ual("2026-03-18T03:01:00Z", "MailItemsAccessed", "alice@contoso.com", "192.0.2.200");
        read.app = "11112222-aaaa".into();
        events.push(read);
        // Alice's own work goes on after, from home: it does not stretch the window.
        events.push(signin("2026-03-25T08:00:00Z", "alice@contoso.com", "198.51.100.10", "FR"));
        let store = store_of(events);
        let ctx = suggest_context(&store);
        assert_eq!(ctx.window, Some((t("2026-03-11T02:00:00Z"), t("2026-03-18T03:01:00Z"))));
        let values: Vec<(IndicatorKind, &str)> = ctx.indicators.iter().map(|i| (i.kind, i.value.as_str())).collect();
        assert_eq!(
            values,
            vec![
                (IndicatorKind::Ip, "203.0.113.7"),
                (IndicatorKind::UserAgent, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0.0.0"),
                (IndicatorKind::AppId, "11112222-aaaa"),
                (IndicatorKind::Ip, "192.0.2.200"),
            ],
            "the resource of a grant (Microsoft Graph) is no indicator"
        );
    }

    #[test]
    fn a_relayed_sign_in_then_a_replayed_token_and_a_backdoored_app() {
        let mut events = daily("2026-03-01T14:00:00Z", 10, "admin@contoso.com", "198.51.100.10", "US");
        // The app signs in on its own from its server every day.
        for mut e in daily("2026-03-01T06:00:00Z", 12, "HR Sync", "198.51.100.5", "US") {
            e.set_attr(attr::APP_ID, "1111-aaaa".to_string());
            events.push(e);
        }
        // The proxy relays the admin's own sign-in; no sign of attack in it.
        events.push(signin("2026-03-11T15:00:00Z", "admin@contoso.com", "192.0.2.66", "NL").with(attr::DEVICE_MANAGED, "false"));
        // The stolen session replayed: only the background requests carry risk.
        events.push(signin("2026-03-11T15:20:00Z", "admin@contoso.com", "203.0.113.7", "RO").ua("Mozilla/5.0 (X11; Linux x86_64) Chrome/119.0"));
        events.push(signin("2026-03-11T15:25:00Z", "admin@contoso.com", "203.0.113.7", "RO").ua("Mozilla/5.0 (X11; Linux x86_64) Chrome/119.0").with(attr::RISK_LEVEL_DURING_SIGNIN, "medium"));
        let mut secret = audit("2026-03-11T15:30:00Z", "Update application – Certificates and secrets management ", "admin@contoso.com", "HR Sync").with(attr::ADDITIONAL_DETAILS, r#"{"AppId":"1111-aaaa"}"#);
        secret.ip = "203.0.113.7".into();
        events.push(secret);
        events.push(signin("2026-03-11T16:00:00Z", "HR Sync", "203.0.113.99", "US").with(attr::APP_ID, "1111-aaaa"));
        let store = store_of(events);
        let ctx = suggest_context(&store);
        assert_eq!(ctx.suspect_accounts, vec!["admin@contoso.com".to_string()]);
        let values: Vec<(IndicatorKind, &str)> = ctx.indicators.iter().map(|i| (i.kind, i.value.as_str())).collect();
        assert_eq!(
            values,
            vec![
                (IndicatorKind::Ip, "203.0.113.7"),
                (IndicatorKind::UserAgent, "Mozilla/5.0 (X11; Linux x86_64) Chrome/119.0"),
                (IndicatorKind::AppId, "1111-aaaa"),
                (IndicatorKind::Ip, "203.0.113.99"),
                (IndicatorKind::Ip, "192.0.2.66"),
            ],
            "the app's own server is no indicator"
        );
        // From the relayed sign-in to the app's last sign-in.
        assert_eq!(ctx.window.map(|w| w.0), Some(t("2026-03-11T15:00:00Z")));
    }
}
