//! Facts about Microsoft Graph activity rows that the Graph detectors share:
//! who a row's caller is in the case's terms (the logs name object ids, the
//! case names accounts), which apps the suspects let in, what kind of data a
//! request read, and bursts of reads by one caller.

use super::cloud::Identities;
use super::facts::{account_key, first_row_at, is_audit, is_ual, rows_with_op, tally, when, HOUR_MS};
use super::oauth_apps::app_id;
use super::{Context, DetectorDef, EntityKind, Finding, FindingBuilder, History, IndicatorKind, Severity};
use crate::model::{attr, Outcome, Source, TimeMs};
use crate::store::{EventStore, Field, TextColumn};
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub fn is_graph(store: &EventStore, row: u32) -> bool {
    store.source(row) == Source::GraphActivity
}

/// What a Graph read was about, from its operation (`GET /users/{id}/messages`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DataKind {
    Mail,
    TeamsMessages,
    Files,
    /// Users, groups, roles, apps: what an intruder lists to plan the next step.
    Directory,
}

/// Segments that make a path about each kind. Mail and files are told by any
/// segment (`/users/{id}/messages` is mail, not the directory); the directory
/// by the first (`/me` is the caller's own profile).
const MAIL: [&str; 2] = ["messages", "mailFolders"];
const TEAMS: [&str; 3] = ["chats", "teams", "channels"];
const FILES: [&str; 4] = ["drive", "drives", "sites", "shares"];
const DIRECTORY: [&str; 7] = ["users", "groups", "directoryRoles", "servicePrincipals", "applications", "directoryObjects", "roleManagement"];

impl DataKind {
    pub fn label(self) -> &'static str {
        match self {
            DataKind::Mail => "mail",
            DataKind::TeamsMessages => "Teams messages",
            DataKind::Files => "files",
            DataKind::Directory => "the directory",
        }
    }

    /// The kind of data a read operation is about, if one of these.
    pub fn of_operation(operation: &str) -> Option<DataKind> {
        let path = operation.split_once(' ').map_or(operation, |(_, path)| path);
        // `root:{path}:` and `users(…)` keep their name before `:` or `(`.
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).map(|s| s.split([':', '(']).next().unwrap_or(s)).collect();
        let any = |names: &[&str]| segments.iter().any(|s| names.iter().any(|n| s.eq_ignore_ascii_case(n)));
        if any(&MAIL) {
            Some(if any(&TEAMS) { DataKind::TeamsMessages } else { DataKind::Mail })
        } else if any(&FILES) {
            Some(DataKind::Files)
        } else if segments.first().is_some_and(|first| DIRECTORY.iter().any(|n| first.eq_ignore_ascii_case(n))) {
            Some(DataKind::Directory)
        } else {
            None
        }
    }
}

/// Who is behind Graph rows, as the case names them. Worked out per
/// distinct caller and app, not per row.
pub struct GraphCallers {
    ids: Identities,
    /// App id (lower case) -> why it is the suspects' app.
    apps: BTreeMap<String, String>,
    suspect_by_actor: HashMap<u32, Option<String>>,
}

impl GraphCallers {
    pub fn new(store: &EventStore, ctx: &Context) -> GraphCallers {
        GraphCallers { ids: Identities::new(store, ctx), apps: suspect_apps(store, ctx), suspect_by_actor: HashMap::new() }
    }

    /// Whether there is anyone to look for.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty() && self.apps.is_empty()
    }

    /// The suspect account a Graph row's caller is: its UPN where the
    /// sign-in or audit log tied the object id to it, else the caller as
    /// the row names it.
    pub fn suspect(&mut self, store: &EventStore, row: u32) -> Option<String> {
        let actor_id = store.text_id(row, TextColumn::Actor);
        let ids = &self.ids;
        self.suspect_by_actor
            .entry(actor_id)
            .or_insert_with(|| {
                ids.matched(store, row)?;
                let actor = store.actor(row);
                Some(ids.account_of_object_id(actor).unwrap_or(actor).to_string())
            })
            .clone()
    }

    /// Why a row's app is one the suspects let in (consented to in the
    /// window, or marked), if it is.
    pub fn suspect_app(&self, store: &EventStore, row: u32) -> Option<&str> {
        self.apps.get(&account_key(store.app(row))).map(String::as_str)
    }
}

/// Apps marked as indicators, and apps a suspect consented to inside the
/// compromise window (any time when no window is set): an illicit consent
/// lets the app read on its own, so its Graph calls are the intruder's too.
fn suspect_apps(store: &EventStore, ctx: &Context) -> BTreeMap<String, String> {
    let mut apps: BTreeMap<String, String> = ctx.indicator_values(IndicatorKind::AppId).map(|id| (account_key(id), "marked as an indicator".to_string())).collect();
    for row in rows_with_op(store, &["Consent to application"]) {
        let actor = store.actor(row);
        let time = store.time(row);
        if !(is_audit(store, row) || is_ual(store, row)) || !ctx.is_suspect(actor) || (ctx.window.is_some() && !ctx.in_window(time)) {
            continue;
        }
        let id = app_id(store, row);
        if !id.trim().is_empty() {
            apps.entry(account_key(&id)).or_insert_with(|| format!("{actor} consented to it at {}", when(time)));
        }
    }
    apps
}

/// Successful reads of one kind of data by one caller.
pub struct Reads {
    /// The suspect account, or the app id when the caller is a suspect's app.
    pub caller: String,
    /// Why the app counts, when the caller is an app.
    pub app_reason: Option<String>,
    pub kind: DataKind,
    /// In time order.
    pub rows: Vec<u32>,
}

impl Reads {
    /// The most reads within `span` of each other, and when that run began.
    pub fn peak(&self, store: &EventStore, span: i64) -> (usize, TimeMs) {
        let mut best = (0, 0);
        let mut start = 0;
        for (end, &row) in self.rows.iter().enumerate() {
            let time = store.time(row);
            while self.rows.get(start).is_some_and(|&r| store.time(r) <= time.saturating_sub(span)) {
                start += 1;
            }
            let count = end + 1 - start;
            if count > best.0 {
                best = (count, self.rows.get(start).map_or(time, |&r| store.time(r)));
            }
        }
        best
    }
}

/// Successful `GET`s of the given kinds inside the compromise window (the
/// whole evidence when no window is set) by a suspect account or by a
/// suspects' app, grouped by caller and kind.
pub fn reads_in_window(store: &EventStore, ctx: &Context, callers: &mut GraphCallers, kinds: &[DataKind]) -> Vec<Reads> {
    let Some((start, end)) = ctx.window.or_else(|| store.time_range()) else { return Vec::new() };
    if callers.is_empty() {
        return Vec::new();
    }
    let mut kind_of_op: HashMap<u32, Option<DataKind>> = HashMap::new();
    let mut groups: BTreeMap<(String, DataKind), Reads> = BTreeMap::new();
    for row in first_row_at(store, start)..first_row_at(store, end.saturating_add(1)) {
        if !is_graph(store, row) || store.outcome(row) != Outcome::Success {
            continue;
        }
        let op = store.text_id(row, TextColumn::Operation);
        let kind = *kind_of_op.entry(op).or_insert_with(|| {
            let text = store.text_of_id(TextColumn::Operation, op);
            text.starts_with("GET ").then(|| DataKind::of_operation(text)).flatten()
        });
        let Some(kind) = kind.filter(|k| kinds.contains(k)) else { continue };
        let (caller, app_reason) = match callers.suspect(store, row) {
            Some(account) => (account, None),
            None => match callers.suspect_app(store, row) {
                Some(why) => (store.app(row).to_string(), Some(why.to_string())),
                None => continue,
            },
        };
        groups.entry((account_key(&caller), kind)).or_insert_with(|| Reads { caller, app_reason, kind, rows: Vec::new() }).rows.push(row);
    }
    groups.into_values().collect()
}

/// This many successful reads of one kind within `BURST_SPAN_MS` of each
/// other make a bulk read. People reading their own mail or files through
/// an app make a few requests a minute at most; a script paging through a
/// mailbox or the directory makes hundreds.
pub const BULK_READS: usize = 100;
pub const BURST_SPAN_MS: i64 = HOUR_MS;
/// A burst this large is High on its own.
pub const BULK_READS_HIGH: usize = 1000;
/// Days an address must have been used for sign-ins before the window for
/// reads from it to look like the owner's own.
const OWNERS_ADDRESS_DAYS: usize = 7;

/// One finding per caller and kind whose reads in the window hold a burst
/// of `BULK_READS`, citing every read of that kind by that caller in the
/// window. Shared by the detectors of data reads (step 6) and directory
/// reads (step 10).
pub fn bulk_read_findings(def: &'static DetectorDef, store: &EventStore, ctx: &Context, history: &History, kinds: &[DataKind], why: &str) -> Vec<Finding> {
    let mut callers = GraphCallers::new(store, ctx);
    reads_in_window(store, ctx, &mut callers, kinds).iter().filter_map(|reads| bulk_read_finding(def, store, ctx, history, reads, why)).collect()
}

fn bulk_read_finding(def: &'static DetectorDef, store: &EventStore, ctx: &Context, history: &History, reads: &Reads, why: &str) -> Option<Finding> {
    let (peak, peak_start) = reads.peak(store, BURST_SPAN_MS);
    if peak < BULK_READS {
        return None;
    }
    let rows = &reads.rows;
    let marked = rows.iter().filter(|&&r| ctx.is_indicator_ip(store.ip(r))).count();
    let mut severity = Severity::Medium;
    if marked > 0 || reads.app_reason.is_some() || peak >= BULK_READS_HIGH {
        severity = Severity::High;
    }
    let who = if reads.app_reason.is_some() { format!("App {}", reads.caller) } else { reads.caller.clone() };
    let bytes: u64 = rows.iter().filter_map(|&r| store.attr(r, attr::RESPONSE_SIZE)).filter_map(|s| s.trim().parse::<u64>().ok()).sum();
    let actors: BTreeSet<&str> = rows.iter().map(|&r| store.actor(r)).collect();
    let ops = tally(rows.iter().map(|&r| store.operation(r)));
    let mut b = FindingBuilder::new(
        def,
        severity,
        format!("{who} read {} through Microsoft Graph: {} request(s) in the window, {peak} within an hour", reads.kind.label(), rows.len()),
        why,
    )
    .rows(rows.iter().copied())
    .entity(if reads.app_reason.is_some() { EntityKind::App } else { EntityKind::Account }, &reads.caller)
    .source(Source::GraphActivity)
    .matching(Field::Actor, &actors.iter().copied().collect::<Vec<_>>())
    .matching(Field::Outcome, &["success"])
    .matching(Field::Op, &ops.keys().copied().collect::<Vec<_>>())
    .detail(format!("busiest hour from {}: {peak} read(s)", when(peak_start)));
    if ctx.window.is_none() {
        b = b.detail("no compromise window is set: counted over all loaded evidence");
    }
    if let Some(reason) = &reads.app_reason {
        b = b.detail(format!("the app is the suspects': {reason}"));
    }
    if bytes > 0 {
        b = b.detail(format!("{bytes} bytes returned"));
    }
    let mut by_count: Vec<(&str, usize)> = ops.into_iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    for (op, n) in by_count.iter().take(8) {
        b = b.detail(format!("{op}: {n}"));
    }
    let mut by_address: Vec<(&str, usize)> = tally(rows.iter().map(|&r| store.ip(r))).into_iter().collect();
    by_address.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    for (ip, n) in by_address.iter().take(5) {
        let mark = if ctx.is_indicator_ip(ip) { " (marked)" } else { "" };
        b = b.detail(format!("from {ip}: {n}{mark}")).entity(EntityKind::Ip, ip);
    }
    for app in rows.iter().map(|&r| store.app(r)).collect::<BTreeSet<_>>() {
        b = b.entity(EntityKind::App, app);
    }
    // Reads only from addresses the owner signed in from for a week or
    // more before the window look like the owner's own work.
    let since = ctx.window.map_or(peak_start, |(start, _)| start);
    let used = history.addresses();
    let owners = reads.app_reason.is_none()
        && marked == 0
        && by_address.iter().all(|(ip, _)| !ip.is_empty() && used.days_before(&reads.caller, ip, since) >= OWNERS_ADDRESS_DAYS);
    if owners {
        b = b.benign(format!("every read came from addresses {} had signed in from on {OWNERS_ADDRESS_DAYS} or more days before", reads.caller)).cap(Severity::Low);
    }
    b.build(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_are_told_apart_by_what_they_read() {
        let kind = DataKind::of_operation;
        assert_eq!(kind("GET /users/{id}/messages"), Some(DataKind::Mail));
        assert_eq!(kind("GET /me/mailFolders/inbox/messages/{id}/attachments"), Some(DataKind::Mail));
        assert_eq!(kind("GET /chats/{id}/messages"), Some(DataKind::TeamsMessages));
        assert_eq!(kind("GET /me/drive/root:{path}:/content"), Some(DataKind::Files));
        assert_eq!(kind("GET /sites/{id}/drives"), Some(DataKind::Files));
        assert_eq!(kind("GET /users"), Some(DataKind::Directory));
        assert_eq!(kind("GET /servicePrincipals(…)"), Some(DataKind::Directory));
        assert_eq!(kind("GET /groups/{id}/members"), Some(DataKind::Directory));
        assert_eq!(kind("GET /me"), None);
        assert_eq!(kind("GET /me/memberOf"), None);
        assert_eq!(kind("POST /$batch"), None);
    }
}
