//! Step 6: what each suspect account did in the compromise window, per
//! workload (mail items read, messages sent, files downloaded and their
//! size, searches, admin cmdlets), plus its activity by address. Summaries
//! rather than alarms: their severity rises only with volume or indicators.

use super::attacker_mail::SEND_OPS;
use super::facts::{account_key, first_row_at, attr_text, is_signin, is_ual, op_is, tally, DAY_MS};
use super::sliced_by::per_group;
use super::{Context, DetectorDef, History, EntityKind, Finding, FindingBuilder, Severity, Slices};
use crate::model::{attr, Source};
use crate::store::{EventStore, Field};
use std::collections::{BTreeMap, HashMap};

pub const DEF: DetectorDef = DetectorDef {
    id: "ual.window_activity",
    step: 6,
    title: "What the suspect accounts did in the compromise window",
    run,
    sliced: Some(start),
};

const MAIL_READ_ITEMS_MEDIUM: u64 = 500;
const SENDS_MEDIUM: usize = 20;
const DOWNLOADS_MEDIUM: usize = 50;
const DOWNLOADS_HIGH: usize = 500;
const DOWNLOAD_BYTES_MEDIUM: u64 = 100 * 1024 * 1024;

/// Mail read from a mailbox (one record may stand for many items).
pub(crate) const MAIL_READ_OPS: [&str; 1] = ["MailItemsAccessed"];
/// Files copied out of SharePoint or OneDrive, by browser or sync client.
pub(crate) const DOWNLOAD_OPS: [&str; 2] = ["FileDownloaded", "FileSyncDownloadedFull"];

const SEARCH_OPS: [&str; 3] = ["SearchQueryInitiatedExchange", "SearchQueryInitiatedSharePoint", "SearchQueryPerformed"];

fn run(store: &EventStore, ctx: &Context, history: &History) -> Vec<Finding> {
    super::whole(start(store, ctx, history))
}

/// The window's rows gathered by suspect (a million rows when the window
/// is the whole log), then a suspect at a time.
fn start<'h>(store: &'h EventStore, ctx: &'h Context, _history: &'h History<'_>) -> Box<dyn Slices + 'h> {
    let (lo, hi) = match ctx.window.or_else(|| store.time_range()) {
        Some((start, end)) if !ctx.suspect_accounts.is_empty() => (first_row_at(store, start), first_row_at(store, end.saturating_add(1))),
        _ => (0, 0),
    };
    let mut keys: Vec<String> = ctx.suspect_accounts.iter().map(|s| account_key(s)).collect();
    keys.sort();
    keys.dedup();
    // Each distinct actor text is keyed once, not once per row.
    let mut suspect_of: HashMap<&'h str, Option<usize>> = HashMap::new();
    let group_of = {
        let keys = keys.clone();
        move |i: u32| {
            let actor = store.actor(lo + i);
            *suspect_of.entry(actor).or_insert_with(|| keys.binary_search(&account_key(actor)).ok())
        }
    };
    per_group((hi - lo) as usize, group_of, move |&suspect, items, findings| {
        let rows: Vec<u32> = items.iter().map(|&i| lo + i).collect();
        // A suspect named twice (in two spellings) is summarised for each.
        for account in ctx.suspect_accounts.iter().filter(|s| keys.get(suspect) == Some(&account_key(s))) {
            let mut by_workload: BTreeMap<String, Vec<u32>> = BTreeMap::new();
            for &r in rows.iter().filter(|&&r| is_ual(store, r)) {
                by_workload.entry(attr_text(store, r, attr::WORKLOAD).to_string()).or_default().push(r);
            }
            for (workload, group) in &by_workload {
                findings.extend(workload_summary(store, ctx, account, workload, group));
            }
            findings.extend(by_address(store, ctx, account, &rows));
        }
    })
}

fn workload_summary(store: &EventStore, ctx: &Context, account: &str, workload: &str, rows: &[u32]) -> Option<Finding> {
    let ops = tally(rows.iter().map(|&r| store.operation(r)));
    let count = |name: &str| ops.iter().filter(|(op, _)| op.eq_ignore_ascii_case(name)).map(|(_, n)| *n).sum::<usize>();
    let mail_items: u64 = rows
        .iter()
        .filter(|&&r| op_is(store, r, &MAIL_READ_OPS))
        .map(|&r| attr_text(store, r, attr::ITEM_COUNT).parse::<u64>().unwrap_or(1))
        .sum();
    let sends: usize = SEND_OPS.iter().map(|op| count(op)).sum();
    let downloads: usize = DOWNLOAD_OPS.iter().map(|op| count(op)).sum();
    let download_bytes: u64 = rows
        .iter()
        .filter(|&&r| op_is(store, r, &DOWNLOAD_OPS))
        .filter_map(|&r| attr_text(store, r, attr::FILE_SIZE).parse::<u64>().ok())
        .sum();
    let searches: usize = SEARCH_OPS.iter().map(|op| count(op)).sum();
    let cmdlets: Vec<&str> = ops.keys().copied().filter(|op| is_cmdlet(op)).collect();
    let from_indicators = rows.iter().filter(|&&r| ctx.is_indicator_ip(store.ip(r))).count();

    let mut severity = Severity::Info;
    if mail_items >= MAIL_READ_ITEMS_MEDIUM || sends >= SENDS_MEDIUM || downloads >= DOWNLOADS_MEDIUM || download_bytes >= DOWNLOAD_BYTES_MEDIUM || !cmdlets.is_empty() {
        severity = Severity::Medium;
    }
    if downloads >= DOWNLOADS_HIGH {
        severity = Severity::High;
    }
    if from_indicators > 0 && severity < Severity::High {
        severity = severity.raised();
    }
    let mut parts = Vec::new();
    if mail_items > 0 {
        parts.push(format!("{mail_items} mail items accessed"));
    }
    if sends > 0 {
        parts.push(format!("{sends} messages sent"));
    }
    if downloads > 0 {
        parts.push(format!("{downloads} files downloaded ({})", size(download_bytes)));
    }
    if searches > 0 {
        parts.push(format!("{searches} searches"));
    }
    if !cmdlets.is_empty() {
        parts.push(format!("{} admin cmdlet(s)", cmdlets.len()));
    }
    if parts.is_empty() {
        parts.push(format!("{} operations", rows.len()));
    }
    let name = if workload.is_empty() { "unnamed workload" } else { workload };
    let mut b = FindingBuilder::new(
        &DEF,
        severity,
        format!("{account} in {name}: {}", parts.join(", ")),
        "This is what the account did in the window, the record of whether mail or files left the tenant and whether settings changed. \
         Read it against the owner's normal work: the volume and the addresses matter more than any single operation.",
    )
    .rows(rows.iter().copied())
    .entity(EntityKind::Account, account)
    .source(Source::UnifiedAudit)
    .matching(Field::Actor, &[account]);
    if !workload.is_empty() {
        b = b.matching(Field::Attr(attr::WORKLOAD.to_string()), &[workload]);
    }
    let mut by_count: Vec<(&str, usize)> = ops.iter().map(|(k, v)| (*k, *v)).collect();
    by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    for (op, n) in by_count.iter().take(12) {
        b = b.detail(format!("{op}: {n}"));
    }
    if !cmdlets.is_empty() {
        b = b.detail(format!("cmdlets: {}", cmdlets.join(", ")));
    }
    if from_indicators > 0 {
        b = b.detail(format!("{from_indicators} operation(s) from marked indicator addresses"));
    } else {
        b = b.benign("none of it came from a marked indicator address");
    }
    b.build(store)
}

fn by_address(store: &EventStore, ctx: &Context, account: &str, rows: &[u32]) -> Option<Finding> {
    let addressed: Vec<u32> = rows.iter().copied().filter(|&r| !store.ip(r).is_empty() && (is_ual(store, r) || is_signin(store, r))).collect();
    if addressed.is_empty() {
        return None;
    }
    let counts = tally(addressed.iter().map(|&r| store.ip(r)));
    let mut ranked: Vec<(&str, usize)> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let indicator_ips: Vec<&str> = ranked.iter().map(|(ip, _)| *ip).filter(|ip| ctx.is_indicator_ip(ip)).collect();
    let severity = if indicator_ips.is_empty() { Severity::Info } else { Severity::Low };
    let span_days = rows.first().zip(rows.last()).map_or(0, |(a, b)| (store.time(*b) - store.time(*a)) / DAY_MS + 1);
    let mut b = FindingBuilder::new(
        &DEF,
        severity,
        format!("{account}: activity from {} address(es) over {span_days} day(s)", ranked.len()),
        "Splitting the account's activity by address separates the owner's own work from the attacker's. \
         An address that carries much of the volume and is not one of the owner's usual ones is where to look first.",
    )
    .rows(addressed.iter().copied())
    .entity(EntityKind::Account, account)
    .matching(Field::Actor, &[account]);
    for (ip, n) in ranked.iter().take(15) {
        let mark = if ctx.is_indicator_ip(ip) { " (indicator)" } else { "" };
        b = b.detail(format!("{ip}: {n} event(s){mark}")).entity(EntityKind::Ip, ip);
    }
    b.build(store)
}

/// Exchange admin cmdlets are written `Verb-Noun`.
fn is_cmdlet(op: &str) -> bool {
    const VERBS: [&str; 8] = ["New-", "Set-", "Add-", "Remove-", "Enable-", "Disable-", "Update-", "Get-"];
    VERBS.iter().any(|v| op.starts_with(v)) && !op.contains(' ')
}

fn size(bytes: u64) -> String {
    const MB: f64 = 1024.0 * 1024.0;
    if bytes as f64 >= 1024.0 * MB {
        format!("{:.1} GB", bytes as f64 / (1024.0 * MB))
    } else {
        format!("{:.1} MB", bytes as f64 / MB)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    #[test]
    fn summarises_each_workload_and_address() {
        let mut events = vec![
            ual("2026-03-02T10:00:00Z", "MailItemsAccessed", "alice@contoso.com", "203.0.113.7").with(attr::ITEM_COUNT, "450"),
            ual("2026-03-02T10:01:00Z", "MailItemsAccessed", "alice@contoso.com", "203.0.113.7").with(attr::ITEM_COUNT, "60"),
            ual("2026-03-02T10:02:00Z", "Send", "alice@contoso.com", "198.51.100.10"),
            ual("2026-03-02T10:03:00Z", "New-InboxRule", "alice@contoso.com", "203.0.113.7"),
            // Outside the window and another account: not counted.
            ual("2026-03-05T10:00:00Z", "Send", "alice@contoso.com", "198.51.100.10"),
            ual("2026-03-02T10:00:00Z", "Send", "bob@contoso.com", "198.51.100.11"),
        ];
        for i in 0..3 {
            events.push(
                ual(&format!("2026-03-02T11:0{i}:00Z"), "FileDownloaded", "alice@contoso.com", "203.0.113.7")
                    .with(attr::WORKLOAD, "OneDrive")
                    .with(attr::FILE_SIZE, "1048576"),
            );
        }
        let store = store_of(events);
        let ctx = Context { suspect_accounts: vec!["Alice@contoso.com".into()], window: Some((t("2026-03-02T00:00:00Z"), t("2026-03-03T00:00:00Z"))), ..Context::default() };
        let findings = findings_of(&DEF, &store, &ctx);
        let titles: Vec<(&str, Severity, usize)> = findings.iter().map(|f| (f.title.as_str(), f.severity, f.rows.len())).collect();
        assert_eq!(
            titles,
            vec![
                ("Alice@contoso.com in Exchange: 510 mail items accessed, 1 messages sent, 1 admin cmdlet(s)", Severity::Medium, 4),
                ("Alice@contoso.com in OneDrive: 3 files downloaded (3.0 MB)", Severity::Info, 3),
                ("Alice@contoso.com: activity from 2 address(es) over 1 day(s)", Severity::Info, 7),
            ]
        );
        assert_eq!(findings[2].details[0], "203.0.113.7: 6 event(s)");
    }
}
