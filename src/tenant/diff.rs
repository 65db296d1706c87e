//! Baseline against current: per object, added, removed or changed (matched
//! on kind and id), the properties that changed, and how much each change
//! matters with the reason (`rules`).

use super::jsondiff::{diff, PropertyChange};
use super::kind::ObjectKind;
use super::object::TenantObject;
use super::rules::{assess, describe, Risk, RuleCtx};
use super::snapshot::Snapshot;
use crate::detect::Severity;
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

/// One object that differs between the snapshots.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectChange {
    pub kind: ObjectKind,
    pub id: String,
    /// Display name (the current one when both exist).
    pub name: String,
    pub change: ChangeKind,
    /// The highest of `risks`.
    pub risk: Severity,
    /// Every reason found, highest first; never empty.
    pub risks: Vec<Risk>,
    /// Properties that changed (empty for added and removed objects).
    pub changes: Vec<PropertyChange>,
    /// Only volatile properties (timestamps, etags) changed; `changes` lists them.
    pub volatile_only: bool,
}

impl ObjectChange {
    /// The reasons as one sentence list, highest first.
    pub fn reason(&self) -> String {
        self.risks.iter().map(|r| r.reason.as_str()).collect::<Vec<_>>().join("; ")
    }
}

/// All differences, riskiest first, and what the analyst should know about
/// the comparison itself.
#[derive(Debug, Default)]
pub struct SnapshotDiff {
    pub changes: Vec<ObjectChange>,
    pub notes: Vec<String>,
}

/// Compare `baseline` with `current`.
pub fn diff_snapshots(baseline: &Snapshot, current: &Snapshot) -> SnapshotDiff {
    let mut out = SnapshotDiff::default();
    let kinds_old: BTreeSet<&ObjectKind> = baseline.objects().map(|o| &o.kind).collect();
    let kinds_new: BTreeSet<&ObjectKind> = current.objects().map(|o| &o.kind).collect();
    for kind in kinds_new.difference(&kinds_old).filter(|k| !baseline.covers(k)) {
        out.notes.push(format!(
            "the baseline holds no {} objects: if its export left them out, the ones listed as added were there before",
            kind.slug()
        ));
    }
    for kind in kinds_old.difference(&kinds_new).filter(|k| !current.covers(k)) {
        out.notes.push(format!(
            "the current snapshot holds no {} objects: if its export left them out, the ones listed as removed are still there",
            kind.slug()
        ));
    }
    for old in baseline.objects() {
        match current.get(&old.kind, &old.id) {
            None => out.changes.push(build((baseline, current), old, Some(old), None, ChangeKind::Removed, Vec::new(), false)),
            Some(new) => {
                let (changes, volatile) = diff(&old.raw, &new.raw);
                if !changes.is_empty() {
                    out.changes.push(build((baseline, current), new, Some(old), Some(new), ChangeKind::Changed, changes, false));
                } else if !volatile.is_empty() {
                    out.changes.push(build((baseline, current), new, Some(old), Some(new), ChangeKind::Changed, volatile, true));
                }
            }
        }
    }
    for new in current.objects() {
        if baseline.get(&new.kind, &new.id).is_none() {
            out.changes.push(build((baseline, current), new, None, Some(new), ChangeKind::Added, Vec::new(), false));
        }
    }
    out.changes.sort_by(|a, b| {
        b.risk.cmp(&a.risk).then_with(|| a.kind.cmp(&b.kind)).then_with(|| a.name.cmp(&b.name)).then_with(|| a.id.cmp(&b.id))
    });
    out
}

/// One object's change between two versions rebuilt from elsewhere (the
/// audit log's old and new values), through the same rules as the diff.
/// `baseline` and `current` are only for names and look-ups. `None` when
/// both versions are missing or they do not differ.
pub fn compare_versions(old: Option<&TenantObject>, new: Option<&TenantObject>, baseline: &Snapshot, current: &Snapshot) -> Option<ObjectChange> {
    match (old, new) {
        (None, None) => None,
        (Some(o), None) => Some(build((baseline, current), o, Some(o), None, ChangeKind::Removed, Vec::new(), false)),
        (None, Some(n)) => Some(build((baseline, current), n, None, Some(n), ChangeKind::Added, Vec::new(), false)),
        (Some(o), Some(n)) => {
            let (changes, volatile) = diff(&o.raw, &n.raw);
            if !changes.is_empty() {
                Some(build((baseline, current), n, Some(o), Some(n), ChangeKind::Changed, changes, false))
            } else if !volatile.is_empty() {
                Some(build((baseline, current), n, Some(o), Some(n), ChangeKind::Changed, volatile, true))
            } else {
                None
            }
        }
    }
}

fn build(
    (baseline, current): (&Snapshot, &Snapshot),
    object: &TenantObject,
    old: Option<&TenantObject>,
    new: Option<&TenantObject>,
    change: ChangeKind,
    changes: Vec<PropertyChange>,
    volatile_only: bool,
) -> ObjectChange {
    let ctx = RuleCtx { old, new, change, changes: &changes, baseline, current };
    let name = describe(&ctx).unwrap_or_else(|| object.name.clone());
    let mut risks = if volatile_only {
        vec![Risk::new(Severity::Info, "only timestamps or annotations changed: the object was written without a configuration change")]
    } else {
        assess(&ctx)
    };
    if risks.is_empty() {
        risks.push(default_risk(object, change, &changes));
    }
    risks.sort_by_key(|r| std::cmp::Reverse(r.level));
    let risk = risks.first().map_or(Severity::Info, |r| r.level);
    ObjectChange { kind: object.kind.clone(), id: object.id.clone(), name, change, risk, risks, changes, volatile_only }
}

/// When no rule speaks: say what happened, plainly.
fn default_risk(object: &TenantObject, change: ChangeKind, changes: &[PropertyChange]) -> Risk {
    let what = object.kind.label();
    match change {
        ChangeKind::Added => Risk::new(Severity::Info, format!("new {what}")),
        ChangeKind::Removed => Risk::new(Severity::Info, format!("{what} removed")),
        ChangeKind::Changed => {
            let paths: Vec<&str> = changes.iter().map(|c| c.path.as_str()).take(5).collect();
            let more = changes.len().saturating_sub(paths.len());
            let tail = if more > 0 { format!(" and {more} more") } else { String::new() };
            Risk::new(Severity::Info, format!("{what} changed: {}{tail}", paths.join(", ")))
        }
    }
}
