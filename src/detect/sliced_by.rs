//! Detector work cut into pieces the page can do between paints
//! (`Slices`): an account at a time, or rows gathered into groups and then
//! a group at a time. With hundreds of thousands of sign-ins the whole run
//! of one sign-in detector held the page for 100-350 ms.

use super::{Finding, History, Slices};
use std::collections::BTreeMap;
use std::ops::Range;

/// Sliced work over the accounts of `History::signins` (lower-cased, in
/// their map's order): `each` gets an account and its sign-in rows, in time
/// order, and adds that account's findings.
pub fn per_account<'h, F>(history: &'h History<'_>, each: F) -> Box<dyn Slices + 'h>
where
    F: FnMut(&'h str, &'h [u32], &mut Vec<Finding>) + 'h,
{
    let accounts = history.signins().iter().map(|(account, rows)| (account.as_str(), rows.as_slice())).collect();
    Box::new(PerAccount { accounts, each, findings: Vec::new() })
}

struct PerAccount<'h, F> {
    accounts: Vec<(&'h str, &'h [u32])>,
    each: F,
    findings: Vec<Finding>,
}

impl<'h, F> Slices for PerAccount<'h, F>
where
    F: FnMut(&'h str, &'h [u32], &mut Vec<Finding>) + 'h,
{
    fn pieces(&self) -> usize {
        self.accounts.len()
    }

    fn work(&mut self, pieces: Range<usize>) {
        for &(account, rows) in self.accounts.get(pieces).unwrap_or_default() {
            (self.each)(account, rows, &mut self.findings);
        }
    }

    fn finish(self: Box<Self>) -> Vec<Finding> {
        self.findings
    }
}

/// Sliced work in two rounds: each of `items` things (rows of the store,
/// say), numbered from 0, is given a group by `group_of` (those without one
/// are left out), then `each` gets each group with its items' numbers, in
/// order, and adds its findings. Groups come in the order of their keys.
/// The second round's pieces are counted once the first is done
/// (`Slices::pieces` grows).
pub fn per_group<'h, K, G, F>(items: usize, group_of: G, each: F) -> Box<dyn Slices + 'h>
where
    K: Ord + 'h,
    G: FnMut(u32) -> Option<K> + 'h,
    F: FnMut(&K, &[u32], &mut Vec<Finding>) + 'h,
{
    Box::new(PerGroup { items, group_of, gathering: BTreeMap::new(), groups: Vec::new(), each, findings: Vec::new() })
}

struct PerGroup<K, G, F> {
    /// The things to group: the first round's pieces.
    items: usize,
    group_of: G,
    gathering: BTreeMap<K, Vec<u32>>,
    /// The groups, once every item is gathered: the second round's pieces.
    groups: Vec<(K, Vec<u32>)>,
    each: F,
    findings: Vec<Finding>,
}

impl<K, G, F> Slices for PerGroup<K, G, F>
where
    K: Ord,
    G: FnMut(u32) -> Option<K>,
    F: FnMut(&K, &[u32], &mut Vec<Finding>),
{
    fn pieces(&self) -> usize {
        self.items + self.groups.len()
    }

    fn work(&mut self, pieces: Range<usize>) {
        for item in pieces.start.min(self.items)..pieces.end.min(self.items) {
            if let Some(key) = (self.group_of)(item as u32) {
                self.gathering.entry(key).or_default().push(item as u32);
            }
        }
        if pieces.end >= self.items && !self.gathering.is_empty() {
            self.groups = std::mem::take(&mut self.gathering).into_iter().collect();
        }
        let groups = pieces.start.max(self.items) - self.items..pieces.end.max(self.items) - self.items;
        for (key, members) in self.groups.get(groups).unwrap_or_default() {
            (self.each)(key, members, &mut self.findings);
        }
    }

    fn finish(self: Box<Self>) -> Vec<Finding> {
        self.findings
    }
}
