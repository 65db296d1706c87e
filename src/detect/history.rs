//! What the whole store says about each account, worked out once per
//! `run_all` and shared by every detector: each account's sign-in rows,
//! the addresses it used and on how many days, the sign-ins that brought a
//! value new to it, and the tenant's own mail domains. Each part is built
//! the first time a detector asks for it, so a run that needs none of them
//! pays nothing.

use super::facts::{account_key, day_of, is_signin, is_successful_signin, tenant_domains};
use super::signins::{classify_client, novelties_of, Novelty, NoveltyFinder, UnusualClient};
use super::Context;
use crate::model::{attr, TimeMs};
use crate::store::EventStore;
use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;
use std::rc::Rc;

/// Shared facts for one detection run over one store and context. The
/// parts that do not depend on the context (sign-ins, addresses, domains)
/// can be shared with a history for another context (`for_context`).
pub struct History<'a> {
    store: &'a EventStore,
    ctx: &'a Context,
    signins: OnceCell<Rc<BTreeMap<String, Vec<u32>>>>,
    addresses: OnceCell<Rc<AddressUse<'a>>>,
    novelties: OnceCell<Vec<Novelty>>,
    domains: OnceCell<Rc<BTreeSet<String>>>,
    /// (user agent, client app) -> what kind of client it is.
    clients: RefCell<HashMap<(&'a str, &'a str), Option<UnusualClient>>>,
}

impl<'a> History<'a> {
    pub fn new(store: &'a EventStore, ctx: &'a Context) -> History<'a> {
        History {
            store,
            ctx,
            signins: OnceCell::new(),
            addresses: OnceCell::new(),
            novelties: OnceCell::new(),
            domains: OnceCell::new(),
            clients: RefCell::new(HashMap::new()),
        }
    }

    /// A history of the same store for `ctx`, sharing the parts already
    /// worked out that do not depend on the context (the suggestion and the
    /// detectors then pass over every row once, not once each).
    pub fn for_context<'c>(&self, ctx: &'c Context) -> History<'c>
    where
        'a: 'c,
    {
        let shared = History::new(self.store, ctx);
        let _ = self.signins.get().map(|known| shared.signins.set(known.clone()));
        let _ = self.addresses.get().map(|known| shared.addresses.set(known.clone()));
        let _ = self.domains.get().map(|known| shared.domains.set(known.clone()));
        shared
    }

    /// Sign-in rows per account (lower-cased), in time order.
    pub fn signins(&self) -> &BTreeMap<String, Vec<u32>> {
        self.signins.get_or_init(|| Rc::new(signins_by_account(self.store)))
    }

    /// Where each account signed in successfully, and on which days.
    pub fn addresses(&self) -> &AddressUse<'a> {
        self.addresses.get_or_init(|| Rc::new(AddressUse::of(self.store)))
    }

    /// The sign-ins and addresses as worked out by whoever passed over
    /// every row of this store in slices (`SigninsByAccount`,
    /// `AddressUse::add_rows`: the page, between paints); parts already
    /// known stay.
    pub fn know_signins_and_addresses(&self, signins: BTreeMap<String, Vec<u32>>, addresses: AddressUse<'a>) {
        let _ = self.signins.set(Rc::new(signins));
        let _ = self.addresses.set(Rc::new(addresses));
    }

    /// The novelties worked out an account at a time, for whoever cannot
    /// stop for all of them at once (the page, between paints).
    pub fn novelties_in_slices(&self) -> NoveltiesInSlices<'_, 'a> {
        let accounts = self.signins().iter().map(|(account, rows)| (account.as_str(), rows.as_slice())).collect();
        NoveltiesInSlices { history: self, accounts, finder: NoveltyFinder::new(self.store, self.ctx) }
    }

    /// Successful sign-ins that brought a value new to their account (see
    /// `signins::novelties_of`), in row order.
    pub fn novelties(&self) -> &[Novelty] {
        self.novelties.get_or_init(|| novelties_of(self.store, self.ctx, self.signins()))
    }

    /// The novelty record of a row, if it has one.
    pub fn novelty(&self, row: u32) -> Option<&Novelty> {
        let found = self.novelties();
        found.binary_search_by_key(&row, |n| n.row).ok().and_then(|i| found.get(i))
    }

    /// Whether a sign-in's client is unusual for a person (see
    /// `signins::classify_client`), worked out once per distinct user agent
    /// and client app.
    pub fn unusual_client(&self, row: u32) -> Option<UnusualClient> {
        let ua = self.store.user_agent(row);
        let client_app = self.store.attr(row, attr::CLIENT_APP).unwrap_or("");
        self.clients.borrow_mut().entry((ua, client_app)).or_insert_with(|| classify_client(ua, client_app)).clone()
    }

    /// The mail domains the tenant owns (see `facts::tenant_domains`).
    pub fn tenant_domains(&self) -> &BTreeSet<String> {
        self.domains.get_or_init(|| Rc::new(tenant_domains(self.store)))
    }

    /// The tenant's domains as worked out by whoever ran
    /// `facts::TenantAccounts` over every row of this store in slices
    /// (the page, between paints); ignored when already known.
    pub fn know_tenant_domains(&self, domains: BTreeSet<String>) {
        let _ = self.domains.set(Rc::new(domains));
    }
}

/// `History::novelties` an account at a time: `work` over `0..pieces()`
/// in order, then `finish` hands them to the history.
pub struct NoveltiesInSlices<'h, 'a> {
    history: &'h History<'a>,
    accounts: Vec<(&'h str, &'h [u32])>,
    finder: NoveltyFinder<'a>,
}

impl NoveltiesInSlices<'_, '_> {
    pub fn pieces(&self) -> usize {
        self.accounts.len()
    }

    pub fn work(&mut self, pieces: Range<usize>) {
        for &(account, rows) in self.accounts.get(pieces).unwrap_or_default() {
            self.finder.account(account, rows);
        }
    }

    /// Ignored when the history already knew its novelties.
    pub fn finish(self) {
        let _ = self.history.novelties.set(self.finder.finish());
    }
}

/// Sign-in rows per account (lower-cased), in time order.
pub fn signins_by_account(store: &EventStore) -> BTreeMap<String, Vec<u32>> {
    let mut signins = SigninsByAccount::default();
    signins.add_rows(store, 0..store.len() as u32);
    signins.finish()
}

/// Sign-in rows per account, gathered a slice of rows at a time (rows in
/// order). Each distinct actor text is lower-cased once, not once per row.
#[derive(Default)]
pub struct SigninsByAccount<'s> {
    keys: HashMap<&'s str, String>,
    map: BTreeMap<String, Vec<u32>>,
}

impl<'s> SigninsByAccount<'s> {
    pub fn add_rows(&mut self, store: &'s EventStore, rows: Range<u32>) {
        for row in rows {
            let actor = store.actor(row);
            if !is_signin(store, row) || actor.is_empty() {
                continue;
            }
            let key = self.keys.entry(actor).or_insert_with(|| account_key(actor));
            match self.map.get_mut(key.as_str()) {
                Some(rows) => rows.push(row),
                None => {
                    self.map.insert(key.clone(), vec![row]);
                }
            }
        }
    }

    pub fn finish(self) -> BTreeMap<String, Vec<u32>> {
        self.map
    }
}

/// Successful sign-ins per account and address: the days the account used
/// the address, and the accounts seen on each address. Addresses borrow the
/// store's strings; accounts are numbered.
#[derive(Debug, Default, PartialEq)]
pub struct AddressUse<'a> {
    index: HashMap<String, u32>,
    names: Vec<String>,
    /// (account, address) -> distinct days, ascending.
    days: HashMap<(u32, &'a str), Vec<i64>>,
    accounts: HashMap<&'a str, BTreeSet<u32>>,
    account_days: Vec<Vec<i64>>,
    /// Actor text as the store holds it -> account number.
    ids: HashMap<&'a str, u32>,
}

impl<'a> AddressUse<'a> {
    pub fn of(store: &'a EventStore) -> AddressUse<'a> {
        let mut used = AddressUse::default();
        used.add_rows(store, 0..store.len() as u32);
        used
    }

    /// Take in the successful sign-ins among `rows` (slices in row order).
    pub fn add_rows(&mut self, store: &'a EventStore, rows: Range<u32>) {
        for row in rows {
            let ip = store.ip(row);
            if ip.is_empty() || !is_successful_signin(store, row) {
                continue;
            }
            let actor = store.actor(row);
            let account = match self.ids.get(actor) {
                Some(&id) => id,
                None => {
                    let id = self.id_of(&account_key(actor));
                    self.ids.insert(actor, id);
                    id
                }
            };
            // Rows come in time order, so a day is new when it differs from the last one kept.
            let day = day_of(store.time(row));
            let days = self.days.entry((account, ip)).or_default();
            if days.last() != Some(&day) {
                days.push(day);
            }
            if let Some(active) = self.account_days.get_mut(account as usize) {
                if active.last() != Some(&day) {
                    active.push(day);
                }
            }
            self.accounts.entry(ip).or_default().insert(account);
        }
    }

    fn id_of(&mut self, key: &str) -> u32 {
        if let Some(&id) = self.index.get(key) {
            return id;
        }
        let id = self.names.len() as u32;
        self.index.insert(key.to_string(), id);
        self.names.push(key.to_string());
        self.account_days.push(Vec::new());
        id
    }

    fn id(&self, account: &str) -> Option<u32> {
        self.index.get(&account_key(account)).copied()
    }

    /// Distinct days the account signed in successfully from the address.
    pub fn days(&self, account: &str, ip: &str) -> usize {
        self.id(account).and_then(|id| self.days.get(&(id, ip))).map_or(0, Vec::len)
    }

    /// Distinct days before the day of `time` the account signed in
    /// successfully from the address: whether it was the owner's before
    /// something happened, which later use by an intruder cannot change.
    pub fn days_before(&self, account: &str, ip: &str, time: TimeMs) -> usize {
        let day = day_of(time);
        self.id(account).and_then(|id| self.days.get(&(id, ip))).map_or(0, |days| days.partition_point(|&d| d < day))
    }

    /// Distinct days the account signed in successfully at all.
    pub fn active_days(&self, account: &str) -> usize {
        self.id(account).and_then(|id| self.account_days.get(id as usize)).map_or(0, Vec::len)
    }

    /// Other accounts (lower-cased) that signed in successfully from the address.
    pub fn other_accounts(&self, account: &str, ip: &str) -> Vec<String> {
        let me = self.id(account);
        self.accounts
            .get(ip)
            .map(|ids| ids.iter().filter(|&&id| Some(id) != me).filter_map(|&id| self.names.get(id as usize).cloned()).collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    #[test]
    fn address_use_counts_days_and_accounts() {
        let mut events = daily("2026-03-01T08:00:00Z", 3, "Alice@contoso.com", "198.51.100.10", "FR");
        events.push(signin("2026-03-01T09:00:00Z", "alice@contoso.com", "198.51.100.10", "FR"));
        events.push(signin("2026-03-02T09:00:00Z", "bob@contoso.com", "198.51.100.10", "FR"));
        events.push(signin("2026-03-04T09:00:00Z", "alice@contoso.com", "203.0.113.7", "NG").failed());
        let store = store_of(events);
        let used = AddressUse::of(&store);
        assert_eq!(used.days("ALICE@contoso.com", "198.51.100.10"), 3);
        assert_eq!(used.days("alice@contoso.com", "203.0.113.7"), 0, "failures do not count");
        assert_eq!(used.active_days("alice@contoso.com"), 3);
        assert_eq!(used.other_accounts("alice@contoso.com", "198.51.100.10"), vec!["bob@contoso.com".to_string()]);
        assert_eq!(used.days("nobody@contoso.com", "198.51.100.10"), 0);
        assert_eq!(used.days_before("alice@contoso.com", "198.51.100.10", t("2026-03-03T23:00:00Z")), 2);
        assert_eq!(used.days_before("alice@contoso.com", "198.51.100.10", t("2026-03-01T23:00:00Z")), 0);
    }

    #[test]
    fn signins_are_grouped_by_lower_cased_account() {
        let store = store_of(vec![
            signin("2026-03-01T08:00:00Z", "Alice@contoso.com", "198.51.100.10", "FR"),
            ual("2026-03-01T08:01:00Z", "Send", "alice@contoso.com", "198.51.100.10"),
            signin("2026-03-01T08:02:00Z", "alice@contoso.com", "198.51.100.10", "FR"),
        ]);
        let map = signins_by_account(&store);
        assert_eq!(map.get("alice@contoso.com"), Some(&vec![0, 2]));
        assert_eq!(map.len(), 1);
    }
}
