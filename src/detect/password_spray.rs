//! Step 3: password spraying and guessing: wrong passwords from one address
//! against several accounts within an hour or many accounts overall, or
//! many against one account; then what shows the guesser got in: a success
//! from the address, or a refusal Entra only gives once the password was
//! right (MFA or MFA registration required, expired password, blocked by
//! Conditional Access). One finding per address.

use super::facts::{account_key, is_signin, when, HOUR_MS};
use super::signins::{error_code, is_credential_failure, is_lockout, password_accepted};
use super::sliced_by::per_group;
use super::{Context, DetectorDef, EntityKind, Finding, FindingBuilder, History, Severity, Slices};
use crate::model::{Outcome, Source};
use crate::store::{EventStore, Field};
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub const DEF: DetectorDef = DetectorDef {
    id: "identity.password_spray",
    step: 3,
    title: "Password spraying and guessing from one address",
    run,
    sliced: Some(start),
};

/// Failures against this many accounts from one address make a spray.
const SPRAY_ACCOUNTS: usize = 5;
/// … or against this many within `BURST_MS`: people mistype, but several
/// colleagues mistyping from one address in the same hour is rare.
const BURST_ACCOUNTS: usize = 3;
const BURST_MS: i64 = HOUR_MS;
/// This many failures against one account from one address make guessing.
const GUESSES: usize = 10;
/// Sign-ins from the address this long after its last failure count.
const FOLLOW_UP_MS: i64 = 24 * HOUR_MS;
/// An address an account signed in from on this many days is its own.
const ROUTINE_DAYS: usize = 7;

fn run(store: &EventStore, ctx: &Context, history: &History) -> Vec<Finding> {
    super::whole(start(store, ctx, history))
}

/// The sign-ins gathered by address, then an address at a time.
fn start<'h>(store: &'h EventStore, ctx: &'h Context, history: &'h History<'_>) -> Box<dyn Slices + 'h> {
    per_group(
        store.len(),
        move |row| (is_signin(store, row) && !store.ip(row).is_empty()).then(|| store.ip(row)),
        move |ip, rows, findings| findings.extend(finding(store, ctx, history, ip, rows)),
    )
}

/// Most distinct accounts among failures within any `BURST_MS`.
fn burst_accounts(store: &EventStore, failures: &[u32]) -> usize {
    let mut counts: HashMap<String, usize> = HashMap::new();
    let mut best = 0;
    let mut lo = 0;
    for &row in failures {
        *counts.entry(account_key(store.actor(row))).or_default() += 1;
        while let Some(&old) = failures.get(lo) {
            if store.time(row) - store.time(old) <= BURST_MS {
                break;
            }
            let key = account_key(store.actor(old));
            if let Some(n) = counts.get_mut(&key) {
                *n -= 1;
                if *n == 0 {
                    counts.remove(&key);
                }
            }
            lo += 1;
        }
        best = best.max(counts.len());
    }
    best
}

fn finding(store: &EventStore, ctx: &Context, history: &History, ip: &str, rows: &[u32]) -> Option<Finding> {
    let failures: Vec<u32> = rows.iter().copied().filter(|&r| is_credential_failure(store, r)).collect();
    let (&first_fail, &last_fail) = (failures.first()?, failures.last()?);
    let mut per_account: BTreeMap<String, usize> = BTreeMap::new();
    for &r in &failures {
        *per_account.entry(account_key(store.actor(r))).or_default() += 1;
    }
    let burst = burst_accounts(store, &failures);
    let spray = per_account.len() >= SPRAY_ACCOUNTS || burst >= BURST_ACCOUNTS;
    let guessing = per_account.values().any(|&n| n >= GUESSES);
    if !spray && !guessing {
        return None;
    }
    let targeted: BTreeSet<&str> = per_account.keys().map(String::as_str).collect();
    let last_fail_time = store.time(last_fail);
    let follow_ups: Vec<u32> = rows
        .iter()
        .copied()
        .filter(|&r| {
            let got_in = matches!(store.outcome(r), Outcome::Success | Outcome::Interrupted) || password_accepted(store, r).is_some();
            got_in && store.time(r) >= store.time(first_fail) && store.time(r) <= last_fail_time + FOLLOW_UP_MS && targeted.contains(account_key(store.actor(r)).as_str())
        })
        .collect();
    let broke_in: BTreeSet<String> = follow_ups.iter().map(|&r| store.actor(r).to_string()).collect();
    let accepted: Vec<String> = follow_ups
        .iter()
        .filter_map(|&r| password_accepted(store, r).map(|why| format!("{} at {}: error {} ({why})", store.actor(r), when(store.time(r)), error_code(store, r))))
        .collect();
    let lockouts = failures.iter().filter(|&&r| is_lockout(store, r)).count();

    let mut severity = if broke_in.is_empty() { Severity::Medium } else { Severity::High };
    if ctx.is_indicator_ip(ip) {
        severity = severity.raised();
    }
    let mut title = format!("{} failed sign-ins from {ip} against {} account(s)", failures.len(), targeted.len());
    if lockouts > 0 {
        title.push_str(&format!(", {lockouts} locked out"));
    }
    if !broke_in.is_empty() {
        let who = broke_in.iter().cloned().collect::<Vec<_>>().join(", ");
        if accepted.is_empty() {
            title.push_str(&format!(", then a sign-in that got past the password for {who}"));
        } else {
            title.push_str(&format!(", then the password was accepted for {who}"));
        }
    }
    let mut b = FindingBuilder::new(
        &DEF,
        severity,
        title,
        "Many accounts tried from one address with few attempts each is a password spray; many attempts on one account is guessing. \
         A success afterwards from the same address, or a refusal Entra only gives once the password is right (MFA or MFA registration required, \
         blocked by Conditional Access), means the password was found and must be reset.",
    )
    .rows(failures.iter().copied())
    .rows(follow_ups.iter().copied())
    .entity(EntityKind::Ip, ip)
    .source(Source::SignIn)
    .matching(Field::Ip, &[ip])
    .detail(format!("first failure {}, last {}", when(store.time(first_fail)), when(last_fail_time)));
    if burst >= BURST_ACCOUNTS {
        b = b.detail(format!("{burst} accounts tried within one hour"));
    }
    for line in accepted {
        b = b.detail(format!("password accepted: {line}"));
    }
    for account in broke_in.iter().map(String::as_str).chain(targeted.iter().copied()) {
        b = b.entity(EntityKind::Account, account);
    }
    if let Some(range) = ctx.corporate_range_of(ip) {
        b = b.benign(format!("inside declared corporate range {range}: an app with an old password can look like this")).cap(Severity::Low);
    }
    // The accounts' own office or VPN exit: colleagues mistyping, not a stranger.
    let used = history.addresses();
    if targeted.iter().all(|a| used.days_before(a, ip, store.time(first_fail)) >= ROUTINE_DAYS) {
        b = b.benign(format!("every targeted account had signed in from {ip} on {ROUTINE_DAYS} days or more before (a shared office or VPN exit)")).cap(Severity::Low);
    }
    if ctx.is_indicator_ip(ip) {
        b = b.detail("the address is a marked indicator");
    }
    b.build(store)
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::model::attr;

    #[test]
    fn spray_then_success_is_high() {
        let mut events = Vec::new();
        for (i, name) in ["a", "b", "c", "d", "e", "f"].iter().enumerate() {
            events.push(signin(&format!("2026-03-02T02:0{i}:00Z"), &format!("{name}@contoso.com"), "203.0.113.7", "NG").failed());
        }
        events.push(signin("2026-03-02T02:30:00Z", "f@contoso.com", "203.0.113.7", "NG"));
        // An office printer retrying a stale password: guessing, but corporate.
        for i in 0..10 {
            events.push(signin(&format!("2026-03-02T03:{:02}:00Z", i), "scanner@contoso.com", "10.0.0.9", "FR").failed());
        }
        // Three failures for one user: a typo, not an attack.
        for i in 0..3 {
            events.push(signin(&format!("2026-03-02T04:0{i}:00Z"), "bob@contoso.com", "198.51.100.2", "FR").failed());
        }
        let store = store_of(events);
        let ctx = Context { corporate_ranges: vec!["10.0.0.0/8".into()], ..Context::default() };
        let findings = findings_of(&DEF, &store, &ctx);
        let got: Vec<(usize, Severity)> = findings.iter().map(|f| (f.rows.len(), f.severity)).collect();
        assert_eq!(got, vec![(10, Severity::Low), (7, Severity::High)], "{findings:#?}");
        assert!(findings[1].title.ends_with("for f@contoso.com"), "{}", findings[1].title);
    }

    #[test]
    fn a_burst_against_three_accounts_then_an_accepted_password_is_high() {
        let attacker = "203.0.113.7";
        let mut events = Vec::new();
        for (i, name) in ["a", "b", "c"].iter().enumerate() {
            for k in 0..2 {
                events.push(signin(&format!("2026-03-02T02:{i}{k}:00Z"), &format!("{name}@contoso.com"), attacker, "NG").failed().with(attr::ERROR_CODE, "50126"));
            }
        }
        events.push(signin("2026-03-02T02:40:00Z", "a@contoso.com", attacker, "NG").failed().with(attr::ERROR_CODE, "50053"));
        // Error 50079 comes only after the right password: the guess worked.
        events.push(signin("2026-03-02T02:45:00Z", "c@contoso.com", attacker, "NG").failed().with(attr::ERROR_CODE, "50079"));
        let store = store_of(events);
        let findings = findings_of(&DEF, &store, &Context::default());
        assert_eq!(findings.len(), 1, "{findings:#?}");
        let f = &findings[0];
        assert_eq!(f.severity, Severity::High);
        assert_eq!(f.rows, (0..8).collect::<Vec<u32>>());
        assert_eq!(f.title, "7 failed sign-ins from 203.0.113.7 against 3 account(s), 1 locked out, then the password was accepted for c@contoso.com");
        assert!(f.details.iter().any(|d| d.ends_with("error 50079 (MFA registration required)")), "{:?}", f.details);
        assert!(f.details.iter().any(|d| d == "3 accounts tried within one hour"), "{:?}", f.details);
    }

    #[test]
    fn colleagues_mistyping_at_their_office_are_low_and_slow_or_token_failures_are_silent() {
        let office = "198.51.100.1";
        let mut events = Vec::new();
        for name in ["a", "b", "c"] {
            events.extend(daily("2026-03-01T08:00:00Z", 10, &format!("{name}@contoso.com"), office, "FR"));
        }
        for (i, name) in ["a", "b", "c"].iter().enumerate() {
            events.push(signin(&format!("2026-03-11T08:1{i}:00Z"), &format!("{name}@contoso.com"), office, "FR").failed().with(attr::ERROR_CODE, "50126"));
            // One mistake a day from a café: three accounts, but not in one hour.
            events.push(signin(&format!("2026-03-1{i}T12:00:00Z"), &format!("{name}@contoso.com"), "192.0.2.9", "FR").failed().with(attr::ERROR_CODE, "50126"));
            // Lapsed refresh tokens are no guesses.
            events.push(signin(&format!("2026-03-11T13:0{i}:00Z"), &format!("{name}@contoso.com"), "192.0.2.10", "FR").failed().with(attr::ERROR_CODE, "70043"));
        }
        let store = store_of(events);
        let findings = findings_of(&DEF, &store, &Context::default());
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!((findings[0].severity, store.ip(findings[0].rows[0])), (Severity::Low, office));
        assert!(findings[0].benign_signals[0].starts_with("every targeted account had signed in from 198.51.100.1"), "{:?}", findings[0].benign_signals);
    }
}
