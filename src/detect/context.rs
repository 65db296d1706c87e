//! The investigation context detectors read: who is suspected, when, what
//! the attacker's fingerprints are, and the analyst's tuning. Saved with the
//! case, so every field has a default and old saves keep loading.

use crate::model::TimeMs;
use crate::store::EvalContext;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// What an indicator of compromise is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    Ip,
    UserAgent,
    AppId,
    Domain,
    EmailAddress,
    Account,
    Other,
}

impl IndicatorKind {
    /// What the analyst reads (in panels and reports).
    pub fn label(self) -> &'static str {
        match self {
            IndicatorKind::Ip => "IP",
            IndicatorKind::UserAgent => "user agent",
            IndicatorKind::AppId => "app",
            IndicatorKind::Domain => "domain",
            IndicatorKind::EmailAddress => "address",
            IndicatorKind::Account => "account",
            IndicatorKind::Other => "other",
        }
    }
}

/// A value the analyst marked as the attacker's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicator {
    pub kind: IndicatorKind,
    pub value: String,
    #[serde(default)]
    pub note: String,
}

impl Indicator {
    pub fn new(kind: IndicatorKind, value: impl Into<String>, note: impl Into<String>) -> Indicator {
        Indicator { kind, value: value.into(), note: note.into() }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Context {
    /// Accounts (UPNs) believed compromised; compared case-insensitively.
    pub suspect_accounts: Vec<String>,
    /// Start and end of the compromise, UTC ms, both inclusive.
    pub window: Option<(TimeMs, TimeMs)>,
    /// When the account's sessions and refresh tokens were revoked.
    pub containment: Option<TimeMs>,
    pub indicators: Vec<Indicator>,
    /// The organisation's own networks, as CIDR text the analyst declared.
    pub corporate_ranges: Vec<String>,
    /// Faster than this between two sign-ins is impossible travel.
    pub travel_speed_kmh: f64,
    /// Leave failed sign-ins out of impossible-travel pairs.
    pub travel_ignores_failed: bool,
    /// How long an access token stays valid after revocation.
    pub token_lifetime_minutes: i64,
    /// How many days of an account's history count as its normal.
    pub baseline_days: i64,
}

impl Default for Context {
    fn default() -> Self {
        Context {
            suspect_accounts: Vec::new(),
            window: None,
            containment: None,
            indicators: Vec::new(),
            corporate_ranges: Vec::new(),
            travel_speed_kmh: 900.0,
            travel_ignores_failed: false,
            token_lifetime_minutes: 90,
            baseline_days: 30,
        }
    }
}

const DAY_MS: i64 = 86_400_000;

impl Context {
    pub fn is_suspect(&self, account: &str) -> bool {
        !account.is_empty() && self.suspect_accounts.iter().any(|a| a.trim().eq_ignore_ascii_case(account.trim()))
    }

    /// Inside the compromise window; `false` when no window is set.
    pub fn in_window(&self, time: TimeMs) -> bool {
        self.window.is_some_and(|(start, end)| (start..=end).contains(&time))
    }

    pub fn baseline_ms(&self) -> i64 {
        self.baseline_days.max(1).saturating_mul(DAY_MS)
    }

    pub fn token_lifetime_ms(&self) -> i64 {
        self.token_lifetime_minutes.max(0).saturating_mul(60_000)
    }

    /// The declared corporate range an address falls in, if any.
    pub fn corporate_range_of(&self, ip: &str) -> Option<&str> {
        let addr = parse_ip(ip)?;
        self.corporate_ranges.iter().map(|r| r.trim()).find(|r| cidr_contains(r, addr))
    }

    /// The marked indicator equal to `value` (case-insensitive) among `kinds`.
    pub fn indicator(&self, kinds: &[IndicatorKind], value: &str) -> Option<&Indicator> {
        let value = value.trim();
        if value.is_empty() {
            return None;
        }
        self.indicators.iter().find(|i| kinds.contains(&i.kind) && i.value.trim().eq_ignore_ascii_case(value))
    }

    pub fn is_indicator_ip(&self, ip: &str) -> bool {
        self.indicator(&[IndicatorKind::Ip], ip).is_some()
    }

    pub fn indicator_values(&self, kind: IndicatorKind) -> impl Iterator<Item = &str> {
        self.indicators.iter().filter(move |i| i.kind == kind).map(|i| i.value.trim()).filter(|v| !v.is_empty())
    }

    /// What the store's `ioc` query term needs.
    /// The analyst's tuning held to values the detectors can use: a typo
    /// such as a speed of 0 km/h must not turn every sign-in into a finding.
    pub fn with_sane_tuning(mut self) -> Context {
        let defaults = Context::default();
        if !self.travel_speed_kmh.is_finite() || self.travel_speed_kmh < 50.0 {
            self.travel_speed_kmh = defaults.travel_speed_kmh;
        }
        self.travel_speed_kmh = self.travel_speed_kmh.min(50_000.0);
        self.token_lifetime_minutes = self.token_lifetime_minutes.clamp(0, 24 * 60);
        self.baseline_days = self.baseline_days.clamp(1, 365);
        self
    }

    pub fn eval_context(&self) -> EvalContext {
        EvalContext { indicators: self.indicators.iter().map(|i| i.value.trim().to_string()).filter(|v| !v.is_empty()).collect(), ..EvalContext::default() }
    }
}

/// Whether `text` is a network `cidr_contains` can match: an address, or
/// an address with a prefix length that fits its family.
pub fn is_network(text: &str) -> bool {
    let text = text.trim();
    match text.split_once('/') {
        Some((net, bits)) => match (net.trim().parse::<IpAddr>(), bits.trim().parse::<u32>()) {
            (Ok(IpAddr::V4(_)), Ok(bits)) => bits <= 32,
            (Ok(IpAddr::V6(_)), Ok(bits)) => bits <= 128,
            _ => false,
        },
        None => text.parse::<IpAddr>().is_ok(),
    }
}

/// Networks the analyst typed, one per line or separated by commas or
/// spaces: the ones Loupe can match, and the ones it cannot (to show).
pub fn parse_networks(text: &str) -> (Vec<String>, Vec<String>) {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for item in text.split(|c: char| c == ',' || c.is_whitespace()).map(str::trim).filter(|s| !s.is_empty()) {
        if is_network(item) {
            if !good.iter().any(|g: &String| g == item) {
                good.push(item.to_string());
            }
        } else {
            bad.push(item.to_string());
        }
    }
    (good, bad)
}

/// An address as logs write it: bare, `1.2.3.4:port` or `[v6]:port`.
pub fn parse_ip(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    if let Ok(ip) = text.parse() {
        return Some(ip);
    }
    if let Some(inner) = text.strip_prefix('[') {
        return inner.split_once(']').and_then(|(a, _)| a.parse().ok());
    }
    text.rsplit_once(':').and_then(|(a, _)| a.parse::<std::net::Ipv4Addr>().ok()).map(IpAddr::V4)
}

/// Whether `cidr` (`10.0.0.0/8`, or a bare address) contains `addr`.
pub fn cidr_contains(cidr: &str, addr: IpAddr) -> bool {
    let (net, bits) = match cidr.split_once('/') {
        Some((net, bits)) => match (net.trim().parse::<IpAddr>(), bits.trim().parse::<u32>()) {
            (Ok(net), Ok(bits)) => (net, bits),
            _ => return false,
        },
        None => match cidr.trim().parse::<IpAddr>() {
            Ok(net) => (net, if net.is_ipv4() { 32 } else { 128 }),
            Err(_) => return false,
        },
    };
    match (addr, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) if bits <= 32 => {
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) if bits <= 128 => {
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits) };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_networks_are_checked() {
        let (good, bad) = parse_networks("10.0.0.0/8\n 192.0.2.7, 2001:db8::/32 10.0.0.0/8\n10.1.2.3/33 office not-an-ip/8");
        assert_eq!(good, ["10.0.0.0/8", "192.0.2.7", "2001:db8::/32"]);
        assert_eq!(bad, ["10.1.2.3/33", "office", "not-an-ip/8"]);
        assert!(is_network("::1/128") && !is_network("::1/129"));
    }

    #[test]
    fn tuning_typos_fall_back_or_clamp() {
        let ctx = Context { travel_speed_kmh: 0.0, token_lifetime_minutes: -5, baseline_days: 0, ..Context::default() }.with_sane_tuning();
        assert_eq!((ctx.travel_speed_kmh, ctx.token_lifetime_minutes, ctx.baseline_days), (900.0, 0, 1));
        let ctx = Context { travel_speed_kmh: f64::NAN, token_lifetime_minutes: 100_000, baseline_days: 1000, ..Context::default() }.with_sane_tuning();
        assert_eq!((ctx.travel_speed_kmh, ctx.token_lifetime_minutes, ctx.baseline_days), (900.0, 1440, 365));
        let ctx = Context { travel_speed_kmh: 500.0, ..Context::default() }.with_sane_tuning();
        assert_eq!(ctx.travel_speed_kmh, 500.0);
    }

    #[test]
    fn defaults_and_old_saves() {
        let ctx: Context = serde_json::from_str(r#"{"suspect_accounts":["Alice@Contoso.com"]}"#).unwrap();
        assert_eq!(ctx.travel_speed_kmh, 900.0);
        assert_eq!(ctx.token_lifetime_minutes, 90);
        assert_eq!(ctx.baseline_days, 30);
        assert!(ctx.is_suspect("alice@contoso.com"));
        assert!(!ctx.is_suspect(""));
    }

    #[test]
    fn corporate_ranges_match_addresses() {
        let ctx = Context { corporate_ranges: vec!["10.0.0.0/8".into(), "2001:db8::/32".into(), "bad".into()], ..Context::default() };
        assert_eq!(ctx.corporate_range_of("10.20.30.40"), Some("10.0.0.0/8"));
        assert_eq!(ctx.corporate_range_of("10.20.30.40:443"), Some("10.0.0.0/8"));
        assert_eq!(ctx.corporate_range_of("2001:db8::9"), Some("2001:db8::/32"));
        assert_eq!(ctx.corporate_range_of("11.0.0.1"), None);
        assert_eq!(ctx.corporate_range_of(""), None);
    }

    #[test]
    fn indicators_match_case_insensitively() {
        let ctx = Context { indicators: vec![Indicator::new(IndicatorKind::Ip, "203.0.113.7", "")], ..Context::default() };
        assert!(ctx.is_indicator_ip("203.0.113.7"));
        assert!(ctx.indicator(&[IndicatorKind::UserAgent], "203.0.113.7").is_none());
        assert_eq!(ctx.eval_context().indicators, vec!["203.0.113.7".to_string()]);
    }
}
