//! Facts about rows that several detectors need: what kind of event a row
//! is, directory-audit property changes, the tenant's own mail domains,
//! distances, and how familiar an address is to an account.

use crate::model::{attr, Outcome, Source, TimeMs};
use crate::store::{AttrKey, AttrRef, EventStore, TextColumn};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashSet};

pub const HOUR_MS: i64 = 3_600_000;
pub const DAY_MS: i64 = 86_400_000;

pub fn day_of(time: TimeMs) -> i64 {
    time.div_euclid(DAY_MS)
}

/// The first row at or after `time` (rows are in time order).
pub fn first_row_at(store: &EventStore, time: TimeMs) -> u32 {
    let (mut lo, mut hi) = (0u32, store.len() as u32);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if store.time(mid) < time {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Accounts compare case-insensitively; this is the form used as a key.
pub fn account_key(text: &str) -> String {
    text.trim().to_lowercase()
}

pub fn is_signin(store: &EventStore, row: u32) -> bool {
    store.source(row) == Source::SignIn
}

pub fn is_successful_signin(store: &EventStore, row: u32) -> bool {
    is_signin(store, row) && store.outcome(row) == Outcome::Success
}

pub fn is_audit(store: &EventStore, row: u32) -> bool {
    store.source(row) == Source::DirectoryAudit
}

pub fn is_ual(store: &EventStore, row: u32) -> bool {
    store.source(row) == Source::UnifiedAudit
}

/// Operation equal to one of `names`, ignoring case and the full stop the
/// UAL puts after Entra activity names (`Reset user password.`).
pub fn op_is(store: &EventStore, row: u32, names: &[&str]) -> bool {
    op_named(store.operation(row), names)
}

/// Whether an operation's text is one of `names` (see `op_is`).
pub(crate) fn op_named(op: &str, names: &[&str]) -> bool {
    let op = op.trim().trim_end_matches('.');
    names.iter().any(|n| n.eq_ignore_ascii_case(op))
}

/// The rows `op_is(store, row, names)` holds for, in order. Detectors of a
/// few operations start from these rather than test every row: the
/// operation dictionary is matched once and rows compare numbers.
pub fn rows_with_op(store: &EventStore, names: &[&str]) -> Vec<u32> {
    store.rows_matching(&store.text_match(TextColumn::Operation, |op| op_named(op, names)))
}

/// The account an audit row is about: its target when that is an account,
/// else its actor.
pub fn subject_account(store: &EventStore, row: u32) -> &str {
    let target = store.target(row);
    if target.contains('@') {
        target
    } else {
        store.actor(row)
    }
}

/// An attribute as a yes/no, as logs write them (`true`, `True`, `1`, `Yes`).
pub fn attr_flag(store: &EventStore, row: u32, key: &str) -> Option<bool> {
    match store.attr(row, key)?.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

/// Attribute text, `""` when absent.
pub fn attr_text<'a>(store: &'a EventStore, row: u32, key: &str) -> &'a str {
    store.attr(row, key).map(str::trim).unwrap_or("")
}

/// Every `Param.*` attribute of a UAL row: (parameter name, value).
pub fn params(store: &EventStore, row: u32) -> Vec<(&str, &str)> {
    store.attrs(row).filter_map(|(k, v)| k.strip_prefix(attr::PARAM_PREFIX).map(|name| (name, v))).collect()
}

/// A `Param.*` value by parameter name (case-insensitive).
pub fn param<'a>(store: &'a EventStore, row: u32, name: &str) -> Option<&'a str> {
    store
        .attrs(row)
        .find(|(k, v)| k.strip_prefix(attr::PARAM_PREFIX).is_some_and(|n| n.eq_ignore_ascii_case(name)) && !v.trim().is_empty())
        .map(|(_, v)| v.trim())
}

/// One changed property of a directory object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The target the property belongs to, as the log names it (display
    /// name, UPN or id); empty where the log does not say.
    pub target: String,
    pub property: String,
    pub old: String,
    pub new: String,
}

/// The row's modified properties. Entra audit rows use
/// `{property|displayName, old|oldValue, new|newValue}`; UAL rows
/// `{Name, OldValue, NewValue}`. Values are unquoted when they are JSON strings.
pub fn changes(store: &EventStore, row: u32) -> Vec<Change> {
    let Some(text) = store.attr(row, attr::MODIFIED_PROPERTIES) else { return Vec::new() };
    let items = match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => items,
        Ok(obj @ Value::Object(_)) => vec![obj],
        _ => return Vec::new(),
    };
    items
        .iter()
        .filter_map(|item| {
            let obj = item.as_object()?;
            let get = |names: &[&str]| {
                names
                    .iter()
                    .find_map(|n| obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(n)).map(|(_, v)| v))
                    .map(unquote)
                    .unwrap_or_default()
            };
            let property = get(&["property", "displayName", "Name"]);
            Some(Change { target: get(&["target"]), property, old: get(&["old", "oldValue", "OldValue"]), new: get(&["new", "newValue", "NewValue"]) })
        })
        .collect()
}

/// A JSON value as plain text; JSON strings that themselves hold a quoted
/// string (`"\"True\""`, as Entra writes them) lose the inner quotes.
pub(crate) fn unquote(value: &Value) -> String {
    let text = match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let t = text.trim();
    match serde_json::from_str::<Value>(t) {
        Ok(Value::String(inner)) => inner.trim().to_string(),
        _ => t.to_string(),
    }
}

/// The row's additional details as (key, value), from a JSON object or a
/// list of `{key, value}`.
pub fn additional_details(store: &EventStore, row: u32) -> Vec<(String, String)> {
    let Some(text) = store.attr(row, attr::ADDITIONAL_DETAILS) else { return Vec::new() };
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => map.iter().map(|(k, v)| (k.clone(), unquote(v))).collect(),
        Ok(Value::Array(items)) => items
            .iter()
            .filter_map(|i| {
                let obj = i.as_object()?;
                let key = obj.iter().find(|(k, _)| k.eq_ignore_ascii_case("key")).map(|(_, v)| unquote(v))?;
                let value = obj.iter().find(|(k, _)| k.eq_ignore_ascii_case("value")).map(|(_, v)| unquote(v)).unwrap_or_default();
                Some((key, value))
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The mail domains the tenant owns, inferred from the accounts in the
/// logs: those acting in the audit logs and owning mailboxes (sign-in logs
/// also list guests under their home addresses, so they count only when
/// nothing else was loaded). Guests' `#EXT#` names and consumer mail
/// services are left out.
pub fn tenant_domains(store: &EventStore) -> BTreeSet<String> {
    let mut accounts = TenantAccounts::new(store);
    accounts.rows(0..store.len() as u32);
    accounts.domains()
}

/// The distinct (is a sign-in row, text) of every row's actor and mailbox
/// owner, gathered a slice of rows at a time (the page paints between
/// slices). Values the store numbers are told apart by number, so most
/// rows cost a few array look-ups and no hashing of text.
pub struct TenantAccounts<'s> {
    store: &'s EventStore,
    owner_key: Option<AttrKey<'s>>,
    actor_seen: Vec<[bool; 2]>,
    owner_seen: Vec<[bool; 2]>,
    owner_texts: HashSet<(bool, &'s str)>,
    found: Vec<(bool, &'s str)>,
}

impl<'s> TenantAccounts<'s> {
    pub fn new(store: &'s EventStore) -> TenantAccounts<'s> {
        let owner_key = store.attr_key(attr::MAILBOX_OWNER);
        TenantAccounts {
            store,
            actor_seen: vec![[false; 2]; store.text_id_count(TextColumn::Actor)],
            owner_seen: vec![[false; 2]; if owner_key.is_some() { store.shared_attr_count() } else { 0 }],
            owner_key,
            owner_texts: HashSet::new(),
            found: Vec::new(),
        }
    }

    pub fn rows(&mut self, rows: std::ops::Range<u32>) {
        let store = self.store;
        for row in rows {
            // A message trace's senders are anyone who mailed the tenant, so
            // they say nothing about which domains it owns.
            if store.source(row) == Source::MessageTrace {
                continue;
            }
            // Identity Protection names accounts as the sign-in log does,
            // guests under their home addresses included.
            let signin = is_signin(store, row) || store.source(row) == Source::RiskDetection;
            let actor = store.text_id(row, TextColumn::Actor);
            if first_time(&mut self.actor_seen, actor, signin) {
                self.found.push((signin, store.text_of_id(TextColumn::Actor, actor)));
            }
            match self.owner_key.as_ref().and_then(|key| store.attr_ref_at(row, key)) {
                Some(AttrRef::Shared(id)) if first_time(&mut self.owner_seen, id, signin) => self.found.push((signin, store.shared_attr_text(id).trim())),
                Some(AttrRef::Text(text)) if self.owner_texts.insert((signin, text.trim())) => self.found.push((signin, text.trim())),
                _ => {}
            }
        }
    }

    /// The tenant's domains (see `tenant_domains`) from the rows taken.
    pub fn domains(self) -> BTreeSet<String> {
        let mut from_audit: BTreeSet<String> = BTreeSet::new();
        let mut from_signin: BTreeSet<String> = BTreeSet::new();
        for (signin, text) in self.found {
            if text.is_empty() {
                continue;
            }
            if let Some(domain) = upn_domain(text).filter(|d| !is_consumer_domain(d)) {
                if signin {
                    from_signin.insert(domain);
                } else {
                    from_audit.insert(domain);
                }
            }
        }
        if from_audit.is_empty() {
            from_signin
        } else {
            from_audit
        }
    }
}

/// Whether number `id` is met for the first time on this side (sign-in
/// rows or not), marking it met.
fn first_time(seen: &mut [[bool; 2]], id: u32, signin: bool) -> bool {
    match seen.get_mut(id as usize).and_then(|s| s.get_mut(usize::from(signin))) {
        Some(seen) => !std::mem::replace(seen, true),
        None => false,
    }
}

/// The domain of a UPN or address, lower-cased; `None` for guests and
/// text that is not an address.
pub fn upn_domain(text: &str) -> Option<String> {
    let text = text.trim().trim_start_matches("smtp:").trim_start_matches("SMTP:");
    if text.as_bytes().windows(5).any(|w| w.eq_ignore_ascii_case(b"#ext#")) {
        return None;
    }
    let (local, domain) = text.rsplit_once('@')?;
    let domain = domain.trim().trim_end_matches(['>', ']', '.']).to_ascii_lowercase();
    let valid = !local.is_empty() && domain.contains('.') && domain.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    valid.then_some(domain)
}

fn is_consumer_domain(domain: &str) -> bool {
    const CONSUMER: [&str; 8] = ["gmail.com", "outlook.com", "hotmail.com", "live.com", "yahoo.com", "proton.me", "protonmail.com", "icloud.com"];
    CONSUMER.contains(&domain)
}

/// Whether `domain` is one of `tenant` or a subdomain of one.
pub fn is_internal_domain(domain: &str, tenant: &BTreeSet<String>) -> bool {
    let domain = domain.to_ascii_lowercase();
    tenant.iter().any(|t| domain == *t || domain.strip_suffix(t.as_str()).is_some_and(|rest| rest.ends_with('.')))
}

/// Email addresses in free text (rule parameters, forwarding targets).
pub fn email_addresses(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for token in text.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '"' | '\'' | '[' | ']' | '(' | ')' | '<' | '>' | '{' | '}')) {
        let token = token.trim_start_matches("smtp:").trim_start_matches("SMTP:").trim_matches(['.', ':']);
        if upn_domain(token).is_some() && !found.iter().any(|f: &String| f.eq_ignore_ascii_case(token)) {
            found.push(token.to_string());
        }
    }
    found
}

/// Great-circle distance in km.
pub fn haversine_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    const EARTH_RADIUS_KM: f64 = 6371.0;
    let (lat1, lon1) = (a.0.to_radians(), a.1.to_radians());
    let (lat2, lon2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// The benign signals that apply to any sign-in address, and the severity
/// cap they justify: a declared corporate range caps at Info; an address
/// the account had used on a week or more of days before `since` caps at
/// Low. Use that only began at `since` is shown but caps nothing: an
/// intruder's address or app can be used for days too.
pub fn address_signals(ctx: &super::Context, used: &super::history::AddressUse, account: &str, ip: &str, since: TimeMs) -> (Vec<String>, Option<super::Severity>) {
    use super::Severity;
    let mut signals = Vec::new();
    let mut cap = None;
    if let Some(range) = ctx.corporate_range_of(ip) {
        signals.push(format!("inside declared corporate range {range}"));
        cap = Some(Severity::Info);
    }
    let days = used.days(account, ip);
    let before = used.days_before(account, ip, since);
    let active = used.active_days(account);
    if before >= 7 {
        signals.push(format!("address used by this account on {before} days before this ({days} of its {active} active days in all)"));
        cap = Some(cap.unwrap_or(Severity::Low).min(Severity::Low));
    } else if days >= 3 {
        signals.push(format!("address used by this account on {days} of its {active} active days ({before} of them before this)"));
    }
    let others = used.other_accounts(account, ip);
    if others.len() >= 3 {
        signals.push(format!("{} other accounts signed in from this address (shared office or VPN exit?)", others.len()));
    }
    (signals, cap)
}

/// Earlier days an actor must have signed in from an address before a
/// change made from it counts as made from where they work.
pub const ROUTINE_CHANGE_DAYS: usize = 3;

/// Why a directory or mailbox change looks like the tenant's routine rather
/// than the intrusion, or `None`. Only once a compromise window is set: the
/// change falls outside it, from an address that is not marked and that the
/// actor had signed in from on `ROUTINE_CHANGE_DAYS` earlier days. A suspect
/// account's own work before the window counts too: the window is when
/// someone else had the account. Detectors cap such changes at Low and show
/// these reasons; without a window they stay as loud as they are.
pub fn routine_change(store: &EventStore, ctx: &super::Context, used: &super::history::AddressUse, row: u32) -> Option<Vec<String>> {
    let (start, end) = ctx.window?;
    let time = store.time(row);
    let ip = store.ip(row);
    if (start..=end).contains(&time) || ip.is_empty() || ctx.is_indicator_ip(ip) {
        return None;
    }
    let actor = store.actor(row);
    let days = used.days_before(actor, ip, time);
    (days >= ROUTINE_CHANGE_DAYS).then(|| {
        vec![
            format!("outside the compromise window ({} to {})", when(start), when(end)),
            format!("made from {ip}, where {actor} had signed in on {days} earlier days"),
        ]
    })
}

/// Counts of strings, for summaries in a stable order.
pub fn tally<'a>(items: impl IntoIterator<Item = &'a str>) -> BTreeMap<&'a str, usize> {
    let mut counts = BTreeMap::new();
    for item in items {
        *counts.entry(item).or_default() += 1;
    }
    counts
}

/// A list of values for a sentence: "a, b and 3 more".
pub fn list_some(values: &[String], max: usize) -> String {
    match values.len() {
        0 => String::new(),
        n if n <= max => values.join(", "),
        n => format!("{} and {} more", values[..max].join(", "), n - max),
    }
}

/// UTC time for a sentence.
pub fn when(time: TimeMs) -> String {
    crate::store::query::format_time(time)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        let paris = (48.8566, 2.3522);
        let new_york = (40.7128, -74.0060);
        let d = haversine_km(paris, new_york);
        assert!((5830.0..5850.0).contains(&d), "{d}");
        assert_eq!(haversine_km(paris, paris), 0.0);
    }

    #[test]
    fn domains_and_addresses() {
        assert_eq!(upn_domain("Alice@Contoso.com"), Some("contoso.com".into()));
        assert_eq!(upn_domain("bob_fabrikam.com#EXT#@contoso.onmicrosoft.com"), None);
        assert_eq!(upn_domain("no-at-sign"), None);
        assert_eq!(email_addresses("smtp:x@evil.example; [y@evil.example]"), vec!["x@evil.example", "y@evil.example"]);
        let tenant: BTreeSet<String> = ["contoso.com".to_string()].into();
        assert!(is_internal_domain("mail.contoso.com", &tenant));
        assert!(!is_internal_domain("contoso.com.evil.example", &tenant));
    }
}
