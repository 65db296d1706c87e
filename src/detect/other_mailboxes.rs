//! Step 10: an account reading other people's mailboxes (UAL records whose
//! `MailboxOwnerUPN` is not the actor) or other people's OneDrive. One
//! finding per actor and owner.

use super::facts::{account_key, attr_text, is_ual};
use super::{Context, DetectorDef, EntityKind, Finding, FindingBuilder, History, Severity, Slices};
use crate::model::{attr, Source};
use crate::store::{AttrKey, AttrRef, EventStore, Field, TextColumn};
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

pub const DEF: DetectorDef = DetectorDef {
    id: "scope.other_mailboxes",
    step: 10,
    title: "Access to other people's mailboxes or OneDrive",
    run,
    sliced: Some(start),
};

/// `https://contoso-my.sharepoint.com/personal/bob_contoso_com/…` -> `bob_contoso_com`.
fn onedrive_owner(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("-my.sharepoint.com/personal/")?;
    rest.split('/').next().filter(|s| !s.is_empty())
}

/// `alice@contoso.com` as OneDrive writes it in URLs: `alice_contoso_com`.
fn onedrive_key(upn: &str) -> String {
    upn.trim().to_lowercase().replace(['@', '.'], "_")
}

fn run(store: &EventStore, ctx: &Context, history: &History) -> Vec<Finding> {
    super::whole(start(store, ctx, history))
}

/// A row at a time: on millions of mail and file rows the scan is the
/// longest of all detectors.
fn start<'h>(store: &'h EventStore, ctx: &'h Context, _history: &'h History<'_>) -> Box<dyn Slices + 'h> {
    Box::new(OtherMailboxes { ctx, access: OwnerAccess::new(store) })
}

struct OtherMailboxes<'h> {
    ctx: &'h Context,
    access: OwnerAccess<'h>,
}

impl Slices for OtherMailboxes<'_> {
    fn pieces(&self) -> usize {
        self.access.store.len()
    }

    fn work(&mut self, rows: Range<usize>) {
        self.access.rows(rows.start as u32..rows.end as u32);
    }

    fn finish(self: Box<Self>) -> Vec<Finding> {
        let store = self.access.store;
        findings_of_groups(store, self.ctx, self.access.groups())
    }
}

fn findings_of_groups(store: &EventStore, ctx: &Context, groups: BTreeMap<(String, String, bool), Vec<u32>>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for ((_, owner, mailbox), rows) in groups {
        let Some(&first) = rows.first() else { continue };
        let actor = store.actor(first);
        let suspect_in_window = ctx.is_suspect(actor) && rows.iter().any(|&r| ctx.in_window(store.time(r)));
        let from_indicator = rows.iter().any(|&r| ctx.is_indicator_ip(store.ip(r)));
        let severity = if suspect_in_window || from_indicator { Severity::High } else { Severity::Low };
        let logon_types: Vec<&str> = rows.iter().map(|&r| attr_text(store, r, attr::LOGON_TYPE)).filter(|l| !l.is_empty()).collect();
        let place = if mailbox { "mailbox" } else { "OneDrive" };
        let mut b = FindingBuilder::new(
            &DEF,
            severity,
            format!("{actor} accessed {owner}'s {place} ({} event(s))", rows.len()),
            "Reading someone else's mailbox or files needs delegated or admin rights. Assistants and shared mailboxes do this every day; \
             a compromised account doing it shows the attacker reaching beyond the first victim.",
        )
        .rows(rows.iter().copied())
        .entity(EntityKind::Account, actor)
        .entity(if mailbox { EntityKind::Mailbox } else { EntityKind::Site }, &owner)
        .source(Source::UnifiedAudit)
        .matching(Field::Actor, &[actor]);
        if mailbox {
            b = b.matching(Field::Attr(attr::MAILBOX_OWNER.to_string()), &[&owner]);
        }
        if !logon_types.is_empty() {
            b = b.detail(format!("logon type(s): {}", super::facts::tally(logon_types).into_iter().map(|(k, n)| format!("{k} ×{n}")).collect::<Vec<_>>().join(", ")));
        }
        if !suspect_in_window && !from_indicator {
            b = b.benign("delegates and shared-mailbox members access other mailboxes routinely");
        }
        findings.extend(b.build(store));
    }
    findings
}

/// (actor, owner, is mailbox) -> rows, for UAL rows whose mailbox owner,
/// or else whose OneDrive, is not the actor's; keys lower-cased.
#[cfg(test)]
fn access_by_owner(store: &EventStore) -> BTreeMap<(String, String, bool), Vec<u32>> {
    let mut access = OwnerAccess::new(store);
    access.rows(0..store.len() as u32);
    access.groups()
}

/// The rows of accounts in mailboxes or OneDrives not their own, gathered
/// a slice of rows at a time.
///
/// Most rows are an account in its own mailbox or OneDrive, so that case
/// is told by comparing numbers: what text tells is worked out once per
/// distinct actor, site URL and target, into small tables, and rows read
/// no text (reading dictionaries row after row is what costs).
struct OwnerAccess<'s> {
    store: &'s EventStore,
    owner_key: Option<AttrKey<'s>>,
    site_key: Option<AttrKey<'s>>,
    names: OneDriveNames,
    actors: Vec<Option<Option<Account>>>,
    sites: Vec<u32>,
    targets: Vec<u32>,
    /// (actor id, owner as the row has it, is mailbox) -> rows
    found: HashMap<(u32, &'s str, bool), Vec<u32>>,
}

impl<'s> OwnerAccess<'s> {
    fn new(store: &'s EventStore) -> OwnerAccess<'s> {
        let site_key = store.attr_key(attr::SITE_URL);
        OwnerAccess {
            store,
            owner_key: store.attr_key(attr::MAILBOX_OWNER),
            sites: vec![UNSEEN; if site_key.is_some() { store.shared_attr_count() } else { 0 }],
            site_key,
            names: OneDriveNames::default(),
            actors: vec![None; store.text_id_count(TextColumn::Actor)],
            targets: vec![UNSEEN; store.text_id_count(TextColumn::Target)],
            found: HashMap::new(),
        }
    }

    /// The OneDrive owner of a row, as its text says it.
    fn site_owner(&self, row: u32) -> Option<&'s str> {
        let url = self.site_key.as_ref().and_then(|key| self.store.attr_at(row, key)).map_or("", str::trim);
        [url, self.store.target(row)].into_iter().find_map(onedrive_owner)
    }

    fn rows(&mut self, rows: Range<u32>) {
        let store = self.store;
        for row in rows {
            if !is_ual(store, row) {
                continue;
            }
            let actor_id = store.text_id(row, TextColumn::Actor);
            let names = &mut self.names;
            let Some(slot) = self.actors.get_mut(actor_id as usize) else { continue };
            let Some(account) = *slot.get_or_insert_with(|| Account::of(store, store.text_of_id(TextColumn::Actor, actor_id), names)) else { continue };
            let owner = match self.owner_key.as_ref().and_then(|key| store.attr_ref_at(row, key)) {
                Some(AttrRef::Shared(id)) if id == account.shared_id => "",
                Some(AttrRef::Shared(id)) => store.shared_attr_text(id).trim(),
                Some(AttrRef::Text(text)) => text.trim(),
                None => "",
            };
            if !owner.is_empty() && !owner.eq_ignore_ascii_case(store.text_of_id(TextColumn::Actor, actor_id)) {
                self.found.entry((actor_id, owner, true)).or_default().push(row);
                continue;
            }
            let site = match self.site_key.as_ref().and_then(|key| store.attr_ref_at(row, key)) {
                Some(AttrRef::Shared(id)) => cached(&mut self.sites, id, || names.of_url(store.shared_attr_text(id).trim())),
                Some(AttrRef::Text(url)) => names.of_url(url.trim()),
                None => NONE,
            };
            let onedrive = match site {
                NONE => {
                    let target = store.text_id(row, TextColumn::Target);
                    cached(&mut self.targets, target, || names.of_url(store.text_of_id(TextColumn::Target, target)))
                }
                site => site,
            };
            if onedrive != NONE && onedrive != account.onedrive {
                let owner = self.site_owner(row).unwrap_or("");
                self.found.entry((actor_id, owner, false)).or_default().push(row);
            }
        }
    }

    /// (actor, owner, is mailbox) -> rows, keys lower-cased.
    fn groups(self) -> BTreeMap<(String, String, bool), Vec<u32>> {
        let mut groups: BTreeMap<(String, String, bool), Vec<u32>> = BTreeMap::new();
        for ((actor_id, owner, mailbox), rows) in self.found {
            let actor = self.store.text_of_id(TextColumn::Actor, actor_id);
            groups.entry((account_key(actor), owner.to_lowercase(), mailbox)).or_default().extend(rows);
        }
        // Actors or owners differing only in case were found apart.
        groups.values_mut().for_each(|rows| rows.sort_unstable());
        groups
    }
}

/// A table entry not worked out yet, and one for "no such thing".
const UNSEEN: u32 = u32::MAX;
const NONE: u32 = u32::MAX - 1;

/// `table[id]`, from `work_out` the first time.
fn cached(table: &mut [u32], id: u32, work_out: impl FnOnce() -> u32) -> u32 {
    match table.get_mut(id as usize) {
        Some(slot) if *slot == UNSEEN => {
            *slot = work_out();
            *slot
        }
        Some(slot) => *slot,
        None => work_out(),
    }
}

/// What the rows of one actor text need of it.
#[derive(Clone, Copy)]
struct Account {
    /// Its shared attribute number (`NONE` if it has none or needs
    /// trimming): an owner with that number is the actor.
    shared_id: u32,
    /// Its name as OneDrive writes it in URLs, by number.
    onedrive: u32,
}

impl Account {
    /// `None` for an actor that is not an account (no `@`).
    fn of(store: &EventStore, actor: &str, names: &mut OneDriveNames) -> Option<Account> {
        let shared_id = if actor.trim() == actor { store.shared_attr_id(actor) } else { None };
        actor.contains('@').then(|| Account { shared_id: shared_id.unwrap_or(NONE), onedrive: names.number(&onedrive_key(actor)) })
    }
}

/// OneDrive owner names by number, equal when the names are equal but for
/// ASCII case (as `eq_ignore_ascii_case` compares them).
#[derive(Default)]
struct OneDriveNames {
    numbers: HashMap<String, u32>,
}

impl OneDriveNames {
    fn number(&mut self, name: &str) -> u32 {
        let next = self.numbers.len() as u32;
        *self.numbers.entry(name.to_ascii_lowercase()).or_insert(next)
    }

    /// The number of the OneDrive owner of a URL, or `NONE`.
    fn of_url(&mut self, url: &str) -> u32 {
        onedrive_owner(url).map_or(NONE, |name| self.number(name))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    /// The grouping as first written: every row's texts compared directly.
    fn groups_read_from_text(store: &EventStore) -> BTreeMap<(String, String, bool), Vec<u32>> {
        let mut groups: BTreeMap<(String, String, bool), Vec<u32>> = BTreeMap::new();
        for row in 0..store.len() as u32 {
            let actor = store.actor(row);
            if !is_ual(store, row) || !actor.contains('@') {
                continue;
            }
            let owner = super::super::facts::attr_text(store, row, attr::MAILBOX_OWNER);
            if !owner.is_empty() && !owner.eq_ignore_ascii_case(actor) {
                groups.entry((account_key(actor), owner.to_lowercase(), true)).or_default().push(row);
                continue;
            }
            let url = [super::super::facts::attr_text(store, row, attr::SITE_URL), store.target(row)].into_iter().find_map(onedrive_owner);
            if let Some(site_owner) = url.filter(|o| !o.eq_ignore_ascii_case(&onedrive_key(actor))) {
                groups.entry((account_key(actor), site_owner.to_lowercase(), false)).or_default().push(row);
            }
        }
        groups
    }

    #[test]
    fn grouping_by_numbers_finds_what_reading_texts_finds() {
        let names = ["alice@contoso.com", "Alice@Contoso.com", " bob@contoso.com", "bob@contoso.com", "carol", "dörte@contoso.com", "Dörte@contoso.com"];
        let mut state = 11u64;
        let mut next = |n: usize| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize % n
        };
        let events: Vec<_> = (0..12_000)
            .map(|i| {
                let actor = names[next(names.len())];
                let mut e = ual("2026-03-02T10:00:00Z", "MailItemsAccessed", actor, "198.51.100.1");
                e.time += i as i64;
                match next(4) {
                    // Owners first all different (kept as each row's own
                    // text), then recurring (kept as shared numbers).
                    0 | 1 if i < 8000 => e = e.with(attr::MAILBOX_OWNER, &format!("user{i}@contoso.com ")),
                    0 => e = e.with(attr::MAILBOX_OWNER, names[next(names.len())]),
                    1 => e = e.with(attr::MAILBOX_OWNER, &format!("user{}@contoso.com ", next(3))),
                    2 => {
                        let person = ["alice_contoso_com", "ALICE_contoso_com", "bob_contoso_com", "d\u{f6}rte_contoso_com"][next(4)];
                        let page = if i < 8000 { i } else { next(5) };
                        e = e.with(attr::SITE_URL, &format!(" https://contoso-my.sharepoint.com/personal/{person}/p{page} "));
                    }
                    _ => e = e.target(["https://contoso-my.sharepoint.com/personal/bob_contoso_com/x", "app", ""][next(3)]),
                }
                if i % 7 == 0 {
                    e.source = crate::model::Source::DirectoryAudit;
                }
                e
            })
            .collect();
        let store = store_of(events);
        for key in [attr::MAILBOX_OWNER, attr::SITE_URL] {
            let key = store.attr_key(key).expect("key");
            let kinds: Vec<bool> = (0..store.len() as u32).filter_map(|r| store.attr_ref_at(r, &key)).map(|v| matches!(v, AttrRef::Shared(_))).collect();
            assert!(kinds.contains(&true) && kinds.contains(&false), "values kept both ways");
        }
        let groups = access_by_owner(&store);
        assert_eq!(groups, groups_read_from_text(&store));
        assert!(groups.len() > 100 && groups.keys().any(|k| !k.2), "{} groups", groups.len());
    }

    #[test]
    fn other_owners_mailboxes_and_onedrive() {
        let store = store_of(vec![
            ual("2026-03-02T10:00:00Z", "MailItemsAccessed", "alice@contoso.com", "203.0.113.7").with(attr::MAILBOX_OWNER, "ceo@contoso.com").with(attr::LOGON_TYPE, "Delegate"),
            ual("2026-03-02T10:01:00Z", "MailItemsAccessed", "alice@contoso.com", "203.0.113.7").with(attr::MAILBOX_OWNER, "Alice@contoso.com"),
            ual("2026-03-02T10:02:00Z", "FileDownloaded", "alice@contoso.com", "203.0.113.7")
                .with(attr::SITE_URL, "https://contoso-my.sharepoint.com/personal/bob_contoso_com/"),
            ual("2026-03-02T10:03:00Z", "FileDownloaded", "alice@contoso.com", "203.0.113.7")
                .with(attr::SITE_URL, "https://contoso-my.sharepoint.com/personal/alice_contoso_com/"),
            ual("2026-03-02T10:04:00Z", "MailItemsAccessed", "assistant@contoso.com", "198.51.100.9").with(attr::MAILBOX_OWNER, "ceo@contoso.com"),
        ]);
        let ctx = Context { suspect_accounts: vec!["alice@contoso.com".into()], window: Some((t("2026-03-02T00:00:00Z"), t("2026-03-03T00:00:00Z"))), ..Context::default() };
        let findings = findings_of(&DEF, &store, &ctx);
        let got: Vec<(Vec<u32>, Severity)> = findings.iter().map(|f| (f.rows.clone(), f.severity)).collect();
        assert_eq!(got, vec![(vec![2], Severity::High), (vec![0], Severity::High), (vec![4], Severity::Low)], "{findings:#?}");
    }
}
