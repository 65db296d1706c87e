//! Sign-in facts shared by detectors and `suggest_context`: each account's
//! history, which values of a sign-in the account had never used before,
//! the risk Entra logged, and unusual clients.

use super::facts::{attr_flag, attr_text, DAY_MS, HOUR_MS};
use super::Context;
use crate::model::{attr, Outcome, TimeMs};
use crate::store::EventStore;
use std::collections::{BTreeMap, HashMap};

/// Failures this long before a success count as "right before" it.
pub const FAILURES_BEFORE_MS: i64 = 6 * HOUR_MS;

/// Successful sign-ins needed before an account's history says anything.
const MIN_HISTORY: usize = 3;

/// A user agent without its version numbers, so a browser update is not a
/// new client: `Chrome/120.0.6099` and `Chrome/121.0.6167` are one family.
pub fn ua_family(ua: &str) -> String {
    let mut out = String::with_capacity(ua.len());
    for c in ua.trim().chars() {
        let version_dot = c == '.' && out.ends_with(['/', '.']);
        if !(c.is_ascii_digit() || version_dot) {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// A successful sign-in and what about it was new for its account.
#[derive(Clone, Debug, PartialEq)]
pub struct Novelty {
    pub row: u32,
    pub account: String,
    pub new_ip: bool,
    pub new_country: bool,
    pub new_ua: bool,
    /// The account's failed sign-ins in the hours just before.
    pub failures_before: Vec<u32>,
    /// Successful sign-ins in the baseline it was compared with.
    pub history: usize,
}

impl Novelty {
    pub fn is_new(&self) -> bool {
        self.new_ip || self.new_country || self.new_ua
    }
}

/// Every successful sign-in with a value its account had not used in the
/// baseline. For a suspect account with a compromise window, the baseline is
/// the `baseline_days` before the window and every sign-in in the window is
/// compared with it; otherwise each sign-in is compared with the account's
/// own `baseline_days` before it. Accounts with too little history to
/// compare against are skipped.
pub fn novelties_of(store: &EventStore, ctx: &Context, by_account: &BTreeMap<String, Vec<u32>>) -> Vec<Novelty> {
    let mut finder = NoveltyFinder::new(store, ctx);
    for (account, rows) in by_account {
        finder.account(account, rows);
    }
    finder.finish()
}

/// `novelties_of` an account at a time, for whoever cannot stop for all
/// of them at once (the page, between paints).
pub struct NoveltyFinder<'a> {
    store: &'a EventStore,
    ctx: &'a Context,
    families: Families<'a>,
    found: Vec<Novelty>,
}

impl<'a> NoveltyFinder<'a> {
    pub fn new(store: &'a EventStore, ctx: &'a Context) -> NoveltyFinder<'a> {
        NoveltyFinder { store, ctx, families: Families::default(), found: Vec::new() }
    }

    /// Take in one account (lower-cased) and its sign-in rows, in time order.
    pub fn account(&mut self, account: &str, rows: &[u32]) {
        let (store, ctx) = (self.store, self.ctx);
        match ctx.window {
            Some(window) if ctx.is_suspect(account) => window_novelties(store, ctx, &mut self.families, account, rows, window, &mut self.found),
            _ => rolling_novelties(store, ctx, &mut self.families, account, rows, &mut self.found),
        }
    }

    /// The novelties of every account taken in, in row order.
    pub fn finish(mut self) -> Vec<Novelty> {
        self.found.sort_by_key(|n| n.row);
        self.found
    }
}

/// Client families of user agents, numbered, each worked out once per
/// distinct user agent in the store (the empty family is `None`).
#[derive(Default)]
struct Families<'a> {
    of_ua: HashMap<&'a str, Option<u32>>,
    ids: HashMap<String, u32>,
}

impl<'a> Families<'a> {
    fn of(&mut self, ua: &'a str) -> Option<u32> {
        if let Some(&id) = self.of_ua.get(ua) {
            return id;
        }
        let family = ua_family(ua);
        let id = if family.is_empty() {
            None
        } else {
            let next = self.ids.len() as u32;
            Some(*self.ids.entry(family).or_insert(next))
        };
        self.of_ua.insert(ua, id);
        id
    }
}

/// When each value was last used by one account. Keys borrow the store's
/// strings; clients are compared by family.
#[derive(Default)]
struct Seen<'a> {
    ip: HashMap<&'a str, TimeMs>,
    country: HashMap<&'a str, TimeMs>,
    ua: HashMap<u32, TimeMs>,
}

impl<'a> Seen<'a> {
    fn add(&mut self, store: &'a EventStore, families: &mut Families<'a>, row: u32) {
        let t = store.time(row);
        for (map, value) in [(&mut self.ip, store.ip(row)), (&mut self.country, store.country(row))] {
            if !value.is_empty() {
                map.insert(value, t);
            }
        }
        if let Some(family) = families.of(store.user_agent(row)) {
            self.ua.insert(family, t);
        }
    }

    /// Whether a value was not seen since `since` (empty values are never new).
    fn is_new(last: Option<&TimeMs>, value: &str, since: TimeMs) -> bool {
        !value.is_empty() && !matches!(last, Some(&t) if t >= since)
    }

    fn ip_new(&self, value: &str, since: TimeMs) -> bool {
        Seen::is_new(self.ip.get(value), value, since)
    }

    fn country_new(&self, value: &str, since: TimeMs) -> bool {
        Seen::is_new(self.country.get(value), value, since)
    }

    fn ua_new(&self, families: &mut Families<'a>, ua: &'a str, since: TimeMs) -> bool {
        families.of(ua).is_some_and(|family| !matches!(self.ua.get(&family), Some(&t) if t >= since))
    }
}

/// The account's failed sign-ins in the `FAILURES_BEFORE_MS` before `time`
/// (`rows`: the account's sign-ins, in time order).
pub fn failures_before(store: &EventStore, rows: &[u32], time: TimeMs) -> Vec<u32> {
    let from = rows.partition_point(|&r| store.time(r) < time - FAILURES_BEFORE_MS);
    let to = rows.partition_point(|&r| store.time(r) < time);
    rows.get(from..to).unwrap_or(&[]).iter().copied().filter(|&r| store.outcome(r) == Outcome::Failure).collect()
}

fn novelty<'a>(store: &'a EventStore, seen: &Seen<'a>, families: &mut Families<'a>, since: TimeMs, account: &str, row: u32, history: usize) -> Novelty {
    Novelty {
        row,
        account: account.to_string(),
        new_ip: seen.ip_new(store.ip(row), since),
        new_country: seen.country_new(store.country(row), since),
        new_ua: seen.ua_new(families, store.user_agent(row), since),
        failures_before: Vec::new(),
        history,
    }
}

fn rolling_novelties<'a>(store: &'a EventStore, ctx: &Context, families: &mut Families<'a>, account: &str, rows: &[u32], found: &mut Vec<Novelty>) {
    let baseline = ctx.baseline_ms();
    let mut seen = Seen::default();
    let mut successes: Vec<TimeMs> = Vec::new();
    for &row in rows {
        if store.outcome(row) != Outcome::Success {
            continue;
        }
        let t = store.time(row);
        let since = t - baseline;
        let in_baseline = &successes[successes.partition_point(|&s| s < since)..];
        // Times are sorted: two days or more when the first and last differ.
        let spans_days = match (in_baseline.first(), in_baseline.last()) {
            (Some(a), Some(b)) => a.div_euclid(DAY_MS) != b.div_euclid(DAY_MS),
            _ => false,
        };
        if in_baseline.len() >= MIN_HISTORY && spans_days {
            let mut n = novelty(store, &seen, families, since, account, row, in_baseline.len());
            if n.is_new() {
                n.failures_before = failures_before(store, rows, t);
                found.push(n);
            }
        }
        seen.add(store, families, row);
        successes.push(t);
    }
}

fn window_novelties<'a>(store: &'a EventStore, ctx: &Context, families: &mut Families<'a>, account: &str, rows: &[u32], (start, end): (TimeMs, TimeMs), found: &mut Vec<Novelty>) {
    let since = start - ctx.baseline_ms();
    let mut seen = Seen::default();
    let mut history = 0;
    for &row in rows {
        let t = store.time(row);
        if store.outcome(row) == Outcome::Success && (since..start).contains(&t) {
            seen.add(store, families, row);
            history += 1;
        }
    }
    if history < MIN_HISTORY {
        return;
    }
    for &row in rows {
        let t = store.time(row);
        if store.outcome(row) == Outcome::Success && (start..=end).contains(&t) {
            let mut n = novelty(store, &seen, families, since, account, row, history);
            if n.is_new() {
                n.failures_before = failures_before(store, rows, t);
                found.push(n);
            }
        }
    }
}

/// Risk Entra logged on a sign-in.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Risk {
    /// `low`, `medium` or `high`: the higher of the during-sign-in and
    /// aggregated levels; empty when none.
    pub level: String,
    pub state: String,
    pub event_types: Vec<String>,
    pub detail: String,
}

impl Risk {
    pub fn of(store: &EventStore, row: u32) -> Risk {
        let rank = |l: &str| match l.to_ascii_lowercase().as_str() {
            "high" => 3,
            "medium" => 2,
            "low" => 1,
            _ => 0,
        };
        let levels = [attr_text(store, row, attr::RISK_LEVEL_DURING_SIGNIN), attr_text(store, row, attr::RISK_LEVEL_AGGREGATED)];
        let level = levels.iter().max_by_key(|l| rank(l)).filter(|l| rank(l) > 0).map(|l| l.to_ascii_lowercase()).unwrap_or_default();
        let types = attr_text(store, row, attr::RISK_EVENT_TYPES);
        let event_types = types
            .split(|c: char| matches!(c, ',' | '[' | ']' | '"' | ';') || c.is_whitespace())
            .filter(|t| !t.is_empty() && !t.eq_ignore_ascii_case("none"))
            .map(str::to_string)
            .collect();
        let state = attr_text(store, row, attr::RISK_STATE).to_string();
        let state = if state.eq_ignore_ascii_case("none") { String::new() } else { state };
        Risk { level, state, event_types, detail: attr_text(store, row, attr::RISK_DETAIL).to_string() }
    }

    pub fn is_some(&self) -> bool {
        !self.level.is_empty() || !self.event_types.is_empty() || self.state.eq_ignore_ascii_case("atRisk") || self.state.eq_ignore_ascii_case("confirmedCompromised")
    }

    /// The analyst or Entra already closed it.
    pub fn is_closed(&self) -> bool {
        ["dismissed", "remediated", "confirmedSafe"].iter().any(|s| self.state.eq_ignore_ascii_case(s))
    }
}

/// Why a sign-in's client is unusual for a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnusualClient {
    /// A scripting tool or HTTP library in the user agent.
    Script(&'static str),
    /// Resource-owner password credentials (`BAV2ROPC`): password only.
    Ropc,
    /// A legacy protocol that cannot do MFA (ClientApp as logged).
    Legacy(String),
}

impl UnusualClient {
    pub fn label(&self) -> String {
        match self {
            UnusualClient::Script(tool) => format!("scripting client {tool}"),
            UnusualClient::Ropc => "password-only ROPC sign-in (BAV2ROPC)".to_string(),
            UnusualClient::Legacy(protocol) => format!("legacy protocol {protocol}"),
        }
    }
}

const SCRIPT_MARKERS: [(&str, &str); 14] = [
    ("python-requests", "python-requests"),
    ("python-urllib", "Python urllib"),
    ("aiohttp", "Python aiohttp"),
    ("python/", "Python"),
    ("curl/", "curl"),
    ("wget/", "Wget"),
    ("go-http-client", "Go http client"),
    ("okhttp", "OkHttp"),
    ("axios/", "axios"),
    ("node-fetch", "node-fetch"),
    ("powershell", "PowerShell"),
    ("libwww-perl", "libwww-perl"),
    ("postmanruntime", "Postman"),
    ("java/", "Java HTTP client"),
];

/// ClientApp values of protocols that authenticate with a password alone.
const LEGACY_CLIENT_APPS: [&str; 13] = [
    "exchange activesync",
    "imap4",
    "imap",
    "pop3",
    "pop",
    "authenticated smtp",
    "smtp",
    "other clients",
    "exchange web services",
    "autodiscover",
    "mapi over http",
    "outlook anywhere (rpc over http)",
    "offline address book",
];

pub fn unusual_client(store: &EventStore, row: u32) -> Option<UnusualClient> {
    classify_client(store.user_agent(row), store.attr(row, attr::CLIENT_APP).unwrap_or(""))
}

/// What a user agent and ClientApp say about the client (`History`
/// remembers the answer per distinct pair).
pub fn classify_client(user_agent: &str, client_app: &str) -> Option<UnusualClient> {
    let ua = user_agent.to_ascii_lowercase();
    let client_app = client_app.trim();
    if ua.contains("bav2ropc") || client_app.eq_ignore_ascii_case("bav2ropc") {
        return Some(UnusualClient::Ropc);
    }
    if let Some((_, tool)) = SCRIPT_MARKERS.iter().find(|(m, _)| ua.contains(m)) {
        return Some(UnusualClient::Script(tool));
    }
    LEGACY_CLIENT_APPS.iter().any(|l| l.eq_ignore_ascii_case(client_app)).then(|| UnusualClient::Legacy(client_app.to_string()))
}

/// The sign-in's Entra error code (`0` or empty on success).
pub fn error_code(store: &EventStore, row: u32) -> &str {
    attr_text(store, row, attr::ERROR_CODE)
}

/// Error codes Entra returns only after the password was checked and found
/// right: the sign-in was then stopped for MFA, MFA registration, an expired
/// password or a Conditional Access policy. After a run of wrong passwords
/// one of these means the guesser found the password.
const PASSWORD_ACCEPTED_CODES: [(&str, &str); 12] = [
    ("50055", "password expired"),
    ("50072", "MFA registration required"),
    ("50074", "MFA required"),
    ("50076", "MFA required"),
    ("50079", "MFA registration required"),
    ("50158", "external security challenge required"),
    ("53000", "compliant device required"),
    ("53001", "domain-joined device required"),
    ("53002", "approved app required"),
    ("53003", "blocked by Conditional Access"),
    ("53004", "MFA registration blocked by risk"),
    ("530032", "blocked by a security policy"),
];

/// Codes a guesser collects: wrong password, locked account (smart
/// lockout), no such user, disabled account, no password given.
const BAD_CREDENTIAL_CODES: [&str; 5] = ["50126", "50053", "50034", "50057", "50056"];

/// What a failed or interrupted sign-in says about the password: `Some`
/// with the reason when Entra had accepted it.
pub fn password_accepted(store: &EventStore, row: u32) -> Option<&'static str> {
    if store.outcome(row) == Outcome::Success {
        return None;
    }
    let code = error_code(store, row);
    PASSWORD_ACCEPTED_CODES.iter().find(|(c, _)| *c == code).map(|(_, why)| *why)
}

/// A failure with wrong or unusable credentials (or no code to say
/// otherwise); expired tokens and policy refusals are not guesses.
pub fn is_credential_failure(store: &EventStore, row: u32) -> bool {
    let code = error_code(store, row);
    store.outcome(row) == Outcome::Failure && (code.is_empty() || BAD_CREDENTIAL_CODES.contains(&code))
}

/// Entra's smart lockout (50053).
pub fn is_lockout(store: &EventStore, row: u32) -> bool {
    error_code(store, row) == "50053"
}

/// Whether the device was managed and compliant; `None` when the log does not say.
pub fn device_trusted(store: &EventStore, row: u32) -> Option<bool> {
    let compliant = attr_flag(store, row, attr::DEVICE_COMPLIANT);
    let managed = attr_flag(store, row, attr::DEVICE_MANAGED);
    match (compliant, managed) {
        (None, None) => None,
        (c, m) => Some(c.unwrap_or(true) && m.unwrap_or(true)),
    }
}

/// An interactive sign-in (the person typed or chose something).
pub fn is_interactive(store: &EventStore, row: u32) -> bool {
    attr_flag(store, row, attr::INTERACTIVE).unwrap_or_else(|| !attr_text(store, row, attr::SIGNIN_EVENT_TYPE).to_ascii_lowercase().contains("noninteractive"))
}

/// An interactive sign-in satisfied by the password alone.
pub fn is_single_factor(store: &EventStore, row: u32) -> bool {
    is_interactive(store, row) && attr_text(store, row, attr::AUTH_REQUIREMENT).eq_ignore_ascii_case("singleFactorAuthentication")
}

/// MFA was done or satisfied by a claim in the token.
fn mfa_satisfied(store: &EventStore, row: u32) -> bool {
    let result = attr_text(store, row, attr::MFA_RESULT).to_ascii_lowercase();
    attr_text(store, row, attr::AUTH_REQUIREMENT).eq_ignore_ascii_case("multiFactorAuthentication")
        && (result.is_empty() || result.contains("success") || result.contains("satisfied") || result.contains("completed"))
}

/// What a successful sign-in shows beyond being new: signs of an attacker,
/// and signs of the owner on a trip or a VPN.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Assessment {
    pub attack: Vec<String>,
    pub benign: Vec<String>,
}

/// Weigh a successful sign-in of an account. `account_rows` are the
/// account's sign-ins in time order, `failures` its failures just before,
/// `new_client` whether the client family is new to it.
pub fn assess(store: &EventStore, account_rows: &[u32], row: u32, failures: &[u32], new_client: bool) -> Assessment {
    let mut a = Assessment::default();
    if failures.is_empty() {
        a.benign.push("no failed sign-ins in the hours before".to_string());
    } else {
        a.attack.push(format!("{} failed sign-in(s) in the hours before", failures.len()));
    }
    let risk = Risk::of(store, row);
    if matches!(risk.level.as_str(), "medium" | "high") && !risk.is_closed() {
        a.attack.push(format!("{} sign-in risk", risk.level));
    } else if !risk.is_some() {
        a.benign.push("no Entra risk".to_string());
    }
    match unusual_client(store, row) {
        Some(client) => a.attack.push(client.label()),
        None if new_client => a.attack.push("a kind of client the account had not used".to_string()),
        None => a.benign.push("the account's usual kind of client".to_string()),
    }
    if is_single_factor(store, row) {
        a.attack.push("password only, no MFA".to_string());
    } else if mfa_satisfied(store, row) {
        a.benign.push("MFA satisfied".to_string());
    }
    let device = attr_text(store, row, attr::DEVICE_ID);
    let known_device = !device.is_empty()
        && account_rows.iter().take_while(|&&r| r < row).any(|&r| store.outcome(r) == Outcome::Success && attr_text(store, r, attr::DEVICE_ID) == device);
    if known_device {
        let name = attr_text(store, row, attr::DEVICE_NAME);
        a.benign.push(format!("device {} used by this account before", if name.is_empty() { device } else { name }));
    }
    match device_trusted(store, row) {
        Some(true) => a.benign.push("managed, compliant device".to_string()),
        Some(false) if !known_device => a.attack.push("unmanaged or non-compliant device".to_string()),
        _ => {}
    }
    a
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::model::Event;

    #[test]
    fn ua_family_ignores_versions() {
        assert_eq!(ua_family("Mozilla/5.0 Chrome/120.0.6099.1"), ua_family("Mozilla/5.0 Chrome/121.0.6167.85"));
        assert_ne!(ua_family("Mozilla/5.0 Chrome/120.0"), ua_family("python-requests/2.31.0"));
        assert_eq!(ua_family(""), "");
    }

    #[test]
    fn error_codes_say_whether_the_password_was_right() {
        let codes = ["50126", "50079", "50074", "0", "53003", "", "50053", "70043"];
        let events = codes
            .iter()
            .enumerate()
            .map(|(i, code)| {
                let e = signin(&format!("2026-03-01T08:0{i}:00Z"), "alice@contoso.com", "203.0.113.7", "NG").with(attr::ERROR_CODE, code);
                match *code {
                    "0" => e,
                    "50074" => Event { outcome: Outcome::Interrupted, ..e },
                    _ => e.failed(),
                }
            })
            .collect();
        let store = store_of(events);
        let accepted: Vec<Option<&str>> = (0..8).map(|r| password_accepted(&store, r)).collect();
        assert_eq!(accepted, vec![None, Some("MFA registration required"), Some("MFA required"), None, Some("blocked by Conditional Access"), None, None, None]);
        let guesses: Vec<bool> = (0..8).map(|r| is_credential_failure(&store, r)).collect();
        assert_eq!(guesses, vec![true, false, false, false, false, true, true, false], "a lapsed token (70043) is no guess");
        assert!(is_lockout(&store, 6));
    }

    #[test]
    fn clients_are_recognised_in_any_case() {
        let store = store_of(vec![
            signin("2026-03-01T08:00:00Z", "a@contoso.com", "203.0.113.7", "NG").ua("Python-Requests/2.31"),
            signin("2026-03-01T08:01:00Z", "a@contoso.com", "203.0.113.7", "NG").ua("").with(attr::CLIENT_APP, "IMAP4"),
            signin("2026-03-01T08:02:00Z", "a@contoso.com", "203.0.113.7", "NG").ua("Mozilla/5.0 (Windows NT 10.0) Chrome/120.0"),
        ]);
        assert_eq!(unusual_client(&store, 0), Some(UnusualClient::Script("python-requests")));
        assert_eq!(unusual_client(&store, 1), Some(UnusualClient::Legacy("IMAP4".into())));
        assert_eq!(unusual_client(&store, 2), None);
    }

    /// Alice signs in every morning from her managed laptop with MFA.
    fn alice_at_home() -> Vec<Event> {
        daily("2026-03-01T08:00:00Z", 10, "alice@contoso.com", "198.51.100.10", "FR").into_iter().map(on_laptop).collect()
    }

    fn on_laptop(e: Event) -> Event {
        e.with(attr::DEVICE_ID, "d-1")
            .with(attr::DEVICE_NAME, "LAPTOP-ALICE")
            .with(attr::DEVICE_COMPLIANT, "true")
            .with(attr::DEVICE_MANAGED, "true")
            .with(attr::AUTH_REQUIREMENT, "multiFactorAuthentication")
            .with(attr::MFA_RESULT, "MFA requirement satisfied by claim in the token")
            .with(attr::INTERACTIVE, "true")
    }

    #[test]
    fn a_trip_on_the_usual_laptop_shows_only_benign_signs() {
        let mut events = alice_at_home();
        events.push(on_laptop(signin("2026-03-11T08:00:00Z", "alice@contoso.com", "192.0.2.80", "NL")));
        let store = store_of(events);
        let rows: Vec<u32> = (0..11).collect();
        let a = assess(&store, &rows, 10, &[], false);
        assert!(a.attack.is_empty(), "{a:?}");
        assert_eq!(
            a.benign,
            vec![
                "no failed sign-ins in the hours before",
                "no Entra risk",
                "the account's usual kind of client",
                "MFA satisfied",
                "device LAPTOP-ALICE used by this account before",
                "managed, compliant device",
            ]
        );
    }

    #[test]
    fn a_password_only_script_on_a_strange_device_shows_attack_signs() {
        let mut events = alice_at_home();
        events.push(signin("2026-03-11T02:00:00Z", "alice@contoso.com", "203.0.113.7", "NG").failed());
        events.push(
            signin("2026-03-11T02:05:00Z", "alice@contoso.com", "203.0.113.7", "NG")
                .ua("python-requests/2.31")
                .with(attr::AUTH_REQUIREMENT, "singleFactorAuthentication")
                .with(attr::INTERACTIVE, "true")
                .with(attr::DEVICE_COMPLIANT, "false")
                .with(attr::DEVICE_MANAGED, "false")
                .with(attr::RISK_LEVEL_DURING_SIGNIN, "medium"),
        );
        let store = store_of(events);
        let rows: Vec<u32> = (0..12).collect();
        let failures = failures_before(&store, &rows, store.time(11));
        assert_eq!(failures, vec![10]);
        let a = assess(&store, &rows, 11, &failures, true);
        assert_eq!(
            a.attack,
            vec!["1 failed sign-in(s) in the hours before", "medium sign-in risk", "scripting client python-requests", "password only, no MFA", "unmanaged or non-compliant device"]
        );
        assert!(a.benign.is_empty(), "{a:?}");
    }
}
