//! Step 10: an account reading other people's mailboxes (UAL records whose
//! `MailboxOwnerUPN` is not the actor) or other people's OneDrive. One
//! finding per actor and owner.

use super::facts::{account_key, attr_text, is_ual};
use super::{Context, DetectorDef, History, EntityKind, Finding, FindingBuilder, Severity};
use crate::model::{attr, Source};
use crate::store::{AttrRef, EventStore, Field, TextColumn};
use std::collections::{BTreeMap, HashMap};

pub const DEF: DetectorDef = DetectorDef {
    id: "scope.other_mailboxes",
    step: 10,
    title: "Access to other people's mailboxes or OneDrive",
    run,
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

fn run(store: &EventStore, ctx: &Context, _history: &History) -> Vec<Finding> {
    let groups = access_by_owner(store);
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
/// or else whose OneDrive, is not the actor's; keys lower-cased. What text
/// tells is worked out once per distinct actor, site and target, and rows
/// are first grouped by the store's texts, without allocating.
fn access_by_owner(store: &EventStore) -> BTreeMap<(String, String, bool), Vec<u32>> {
    let owner_key = store.attr_key(attr::MAILBOX_OWNER);
    let site_key = store.attr_key(attr::SITE_URL);
    let mut actors = PerId::new(store.text_id_count(TextColumn::Actor));
    let mut targets = PerId::new(store.text_id_count(TextColumn::Target));
    let mut sites = PerId::new(if site_key.is_some() { store.shared_attr_count() } else { 0 });
    // (actor id, owner as the row has it, is mailbox) -> rows
    let mut found: HashMap<(u32, &str, bool), Vec<u32>> = HashMap::new();
    for row in 0..store.len() as u32 {
        if !is_ual(store, row) {
            continue;
        }
        let actor_id = store.text_id(row, TextColumn::Actor);
        let actor = store.text_of_id(TextColumn::Actor, actor_id);
        let Some(actor_onedrive) = actors.get(actor_id, || actor.contains('@').then(|| onedrive_key(actor))) else { continue };
        let owner = owner_key.as_ref().and_then(|key| store.attr_at(row, key)).map_or("", str::trim);
        if !owner.is_empty() && !owner.eq_ignore_ascii_case(actor) {
            found.entry((actor_id, owner, true)).or_default().push(row);
            continue;
        }
        let site = match site_key.as_ref().and_then(|key| store.attr_ref_at(row, key)) {
            Some(AttrRef::Shared(id)) => *sites.get(id, || onedrive_owner(store.shared_attr_text(id).trim())),
            Some(AttrRef::Text(url)) => onedrive_owner(url.trim()),
            None => None,
        };
        let target_id = store.text_id(row, TextColumn::Target);
        let url = site.or_else(|| *targets.get(target_id, || onedrive_owner(store.text_of_id(TextColumn::Target, target_id))));
        if let Some(site_owner) = url {
            if !site_owner.eq_ignore_ascii_case(actor_onedrive) {
                found.entry((actor_id, site_owner, false)).or_default().push(row);
            }
        }
    }
    let mut groups: BTreeMap<(String, String, bool), Vec<u32>> = BTreeMap::new();
    for ((actor_id, owner, mailbox), rows) in found {
        let actor = store.text_of_id(TextColumn::Actor, actor_id);
        groups.entry((account_key(actor), owner.to_lowercase(), mailbox)).or_default().extend(rows);
    }
    // Actors or owners differing only in case were found apart.
    groups.values_mut().for_each(|rows| rows.sort_unstable());
    groups
}

/// A value worked out at most once per number, on first use.
struct PerId<T> {
    known: Vec<Option<T>>,
}

impl<T> PerId<T> {
    fn new(ids: usize) -> PerId<T> {
        PerId { known: std::iter::repeat_with(|| None).take(ids).collect() }
    }

    /// The value for `id`, from `work_out` the first time.
    fn get(&mut self, id: u32, work_out: impl FnOnce() -> T) -> &T {
        let i = id as usize;
        if i >= self.known.len() {
            self.known.resize_with(i + 1, || None);
        }
        self.known[i].get_or_insert_with(work_out)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

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
