//! Sign-in facts shared by detectors and `suggest_context`: each account's
//! history, which values of a sign-in the account had never used before,
//! the risk Entra logged, and unusual clients.

use super::facts::{account_key, attr_text, is_signin, DAY_MS, HOUR_MS};
use super::Context;
use crate::model::{attr, Outcome, TimeMs};
use crate::store::EventStore;
use std::collections::{BTreeMap, HashMap};

/// Failures this long before a success count as "right before" it.
pub const FAILURES_BEFORE_MS: i64 = 6 * HOUR_MS;

/// Successful sign-ins needed before an account's history says anything.
const MIN_HISTORY: usize = 3;

/// Sign-in rows per account (lower-cased), in time order.
pub fn by_account(store: &EventStore) -> BTreeMap<String, Vec<u32>> {
    let mut map: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for row in 0..store.len() as u32 {
        if is_signin(store, row) && !store.actor(row).is_empty() {
            map.entry(account_key(store.actor(row))).or_default().push(row);
        }
    }
    map
}

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
pub fn novelties(store: &EventStore, ctx: &Context) -> Vec<Novelty> {
    let mut found = Vec::new();
    for (account, rows) in by_account(store) {
        match ctx.window {
            Some(window) if ctx.is_suspect(&account) => window_novelties(store, ctx, &account, &rows, window, &mut found),
            _ => rolling_novelties(store, ctx, &account, &rows, &mut found),
        }
    }
    found.sort_by_key(|n| n.row);
    found
}

/// When each value was last used by one account. Keys borrow the store's
/// strings; client families are computed once per distinct user agent.
#[derive(Default)]
struct Seen<'a> {
    ip: HashMap<&'a str, TimeMs>,
    country: HashMap<&'a str, TimeMs>,
    ua: HashMap<String, TimeMs>,
    families: HashMap<&'a str, String>,
}

impl<'a> Seen<'a> {
    fn family(&mut self, ua: &'a str) -> &str {
        self.families.entry(ua).or_insert_with(|| ua_family(ua))
    }

    fn add(&mut self, store: &'a EventStore, row: u32) {
        let t = store.time(row);
        for (map, value) in [(&mut self.ip, store.ip(row)), (&mut self.country, store.country(row))] {
            if !value.is_empty() {
                map.insert(value, t);
            }
        }
        let family = self.family(store.user_agent(row)).to_string();
        if !family.is_empty() {
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

    fn ua_new(&mut self, ua: &'a str, since: TimeMs) -> bool {
        let family = self.family(ua).to_string();
        Seen::is_new(self.ua.get(&family), &family, since)
    }
}

fn failures_before(store: &EventStore, rows: &[u32], time: TimeMs) -> Vec<u32> {
    rows.iter()
        .copied()
        .filter(|&r| {
            let t = store.time(r);
            store.outcome(r) == Outcome::Failure && t < time && t >= time - FAILURES_BEFORE_MS
        })
        .collect()
}

fn novelty<'a>(store: &'a EventStore, seen: &mut Seen<'a>, since: TimeMs, account: &str, row: u32, history: usize) -> Novelty {
    Novelty {
        row,
        account: account.to_string(),
        new_ip: seen.ip_new(store.ip(row), since),
        new_country: seen.country_new(store.country(row), since),
        new_ua: seen.ua_new(store.user_agent(row), since),
        failures_before: Vec::new(),
        history,
    }
}

fn rolling_novelties(store: &EventStore, ctx: &Context, account: &str, rows: &[u32], found: &mut Vec<Novelty>) {
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
            let mut n = novelty(store, &mut seen, since, account, row, in_baseline.len());
            if n.is_new() {
                n.failures_before = failures_before(store, rows, t);
                found.push(n);
            }
        }
        seen.add(store, row);
        successes.push(t);
    }
}

fn window_novelties(store: &EventStore, ctx: &Context, account: &str, rows: &[u32], (start, end): (TimeMs, TimeMs), found: &mut Vec<Novelty>) {
    let since = start - ctx.baseline_ms();
    let mut seen = Seen::default();
    let mut history = 0;
    for &row in rows {
        let t = store.time(row);
        if store.outcome(row) == Outcome::Success && (since..start).contains(&t) {
            seen.add(store, row);
            history += 1;
        }
    }
    if history < MIN_HISTORY {
        return;
    }
    for &row in rows {
        let t = store.time(row);
        if store.outcome(row) == Outcome::Success && (start..=end).contains(&t) {
            let mut n = novelty(store, &mut seen, since, account, row, history);
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
    let ua = store.user_agent(row).to_ascii_lowercase();
    if ua.contains("bav2ropc") || attr_text(store, row, attr::CLIENT_APP).eq_ignore_ascii_case("bav2ropc") {
        return Some(UnusualClient::Ropc);
    }
    if let Some((_, tool)) = SCRIPT_MARKERS.iter().find(|(m, _)| ua.contains(m)) {
        return Some(UnusualClient::Script(tool));
    }
    let client_app = attr_text(store, row, attr::CLIENT_APP);
    LEGACY_CLIENT_APPS.contains(&client_app.to_ascii_lowercase().as_str()).then(|| UnusualClient::Legacy(client_app.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ua_family_ignores_versions() {
        assert_eq!(ua_family("Mozilla/5.0 Chrome/120.0.6099.1"), ua_family("Mozilla/5.0 Chrome/121.0.6167.85"));
        assert_ne!(ua_family("Mozilla/5.0 Chrome/120.0"), ua_family("python-requests/2.31.0"));
        assert_eq!(ua_family(""), "");
    }
}
