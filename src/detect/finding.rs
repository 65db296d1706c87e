//! What a detector reports: a `Finding` tied to a playbook step and to the
//! rows that prove it, with the timeline query that shows those rows.

use super::DetectorDef;
use crate::model::{Source, TimeMs};
use crate::store::{EventStore, Field, Query, Term, TermKind};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fmt::Write;

/// How urgently a finding needs the analyst. Ordered: `Info < … < Critical`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Info => "Info",
            Severity::Low => "Low",
            Severity::Medium => "Medium",
            Severity::High => "High",
            Severity::Critical => "Critical",
        }
    }

    /// One level up, stopping at `Critical`.
    pub fn raised(self) -> Severity {
        match self {
            Severity::Info => Severity::Low,
            Severity::Low => Severity::Medium,
            Severity::Medium => Severity::High,
            Severity::High | Severity::Critical => Severity::Critical,
        }
    }

    /// One level down, stopping at `Info`.
    pub fn lowered(self) -> Severity {
        match self {
            Severity::Critical => Severity::High,
            Severity::High => Severity::Medium,
            Severity::Medium => Severity::Low,
            Severity::Low | Severity::Info => Severity::Info,
        }
    }
}

/// What an entity named by a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Account,
    Ip,
    Country,
    UserAgent,
    App,
    Mailbox,
    EmailAddress,
    Domain,
    Role,
    Policy,
    Rule,
    Folder,
    Permission,
    File,
    Site,
    /// A cloud resource: Azure resource id, AWS ARN or name, Google Cloud resource name.
    CloudResource,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Entity {
    pub kind: EntityKind,
    pub value: String,
}

/// `Eq` as well as `PartialEq`: with it, `Rc<Vec<Finding>>` compares two
/// handles on the same list by address before comparing contents (the
/// standard library does so for `Eq` types only). The page's components
/// take the findings as such an `Rc` and compare their properties on every
/// redraw; without the shortcut each comparison walked tens of thousands
/// of findings and their rows, 100–500 ms per click on a million events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable across reloads: detector id plus a hash of the evidence.
    pub id: String,
    pub detector: &'static str,
    pub step: u8,
    pub severity: Severity,
    pub title: String,
    pub why: String,
    pub entities: Vec<Entity>,
    /// Evidence rows in time order; never empty.
    pub rows: Vec<u32>,
    /// Timeline query text whose results include every evidence row.
    pub query: String,
    /// Time of the first evidence row.
    pub first: TimeMs,
    /// Facts that point to ordinary activity rather than an attacker.
    pub benign_signals: Vec<String>,
    /// Supporting facts (old and new values, scopes, counts), one per line.
    pub details: Vec<String>,
}

/// Builds a `Finding`; `build` refuses one without evidence.
pub struct FindingBuilder {
    def: &'static DetectorDef,
    severity: Severity,
    title: String,
    why: String,
    entities: Vec<Entity>,
    rows: Vec<u32>,
    terms: Vec<Term>,
    benign: Vec<String>,
    details: Vec<String>,
    cap: Option<Severity>,
}

impl FindingBuilder {
    pub fn new(def: &'static DetectorDef, severity: Severity, title: impl Into<String>, why: impl Into<String>) -> FindingBuilder {
        FindingBuilder {
            def,
            severity,
            title: title.into(),
            why: why.into(),
            entities: Vec::new(),
            rows: Vec::new(),
            terms: Vec::new(),
            benign: Vec::new(),
            details: Vec::new(),
            cap: None,
        }
    }

    pub fn rows(mut self, rows: impl IntoIterator<Item = u32>) -> Self {
        self.rows.extend(rows);
        self
    }

    /// Name an entity (empty values and repeats are skipped).
    pub fn entity(mut self, kind: EntityKind, value: &str) -> Self {
        let value = value.trim();
        if !value.is_empty() && !self.entities.iter().any(|e| e.kind == kind && e.value.eq_ignore_ascii_case(value)) {
            self.entities.push(Entity { kind, value: value.to_string() });
        }
        self
    }

    pub fn benign(mut self, signal: impl Into<String>) -> Self {
        self.benign.push(signal.into());
        self
    }

    pub fn detail(mut self, line: impl Into<String>) -> Self {
        self.details.push(line.into());
        self
    }

    /// Never report above `cap` (set when the evidence looks ordinary).
    pub fn cap(mut self, cap: Severity) -> Self {
        self.cap = Some(self.cap.map_or(cap, |c| c.min(cap)));
        self
    }

    /// Add a query term `field:value1,value2`. A value with `*` would read
    /// as a wildcard, so such a term is left out (the query only gets wider).
    pub fn matching(mut self, field: Field, values: &[&str]) -> Self {
        let values: Vec<String> = values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()).map(str::to_string).collect();
        if !values.is_empty() && !values.iter().any(|v| v.contains('*')) {
            self.terms.push(Term { negated: false, kind: TermKind::Match { field, values }, position: 0 });
        }
        self
    }

    /// Add a free-text term: rows whose text holds any of `values`. For
    /// evidence from several sources that share a value but not a field.
    pub fn mentioning(mut self, values: &[&str]) -> Self {
        let values: Vec<String> = values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()).map(str::to_string).collect();
        if !values.is_empty() && !values.iter().any(|v| v.contains('*')) {
            self.terms.push(Term { negated: false, kind: TermKind::Text(values), position: 0 });
        }
        self
    }

    /// Add the `ioc` term: any value equal to a marked indicator.
    pub fn ioc(mut self) -> Self {
        self.terms.push(Term { negated: false, kind: TermKind::Ioc, position: 0 });
        self
    }

    pub fn source(self, source: Source) -> Self {
        self.matching(Field::Source, &[source.key()])
    }

    pub fn build(self, store: &EventStore) -> Option<Finding> {
        let mut rows = self.rows;
        rows.sort_unstable();
        rows.dedup();
        let (&first_row, &last_row) = (rows.first()?, rows.last()?);
        let first = store.time(first_row);
        let last = store.time(last_row);
        let mut terms = self.terms;
        terms.push(Term { negated: false, kind: TermKind::Between { start: Some(first), end: Some(last.saturating_add(1)) }, position: 0 });
        let query = Query { terms }.to_string();
        let severity = self.cap.map_or(self.severity, |cap| self.severity.min(cap));
        Some(Finding {
            id: format!("{}:{}", self.def.id, evidence_hash(store, &rows)),
            detector: self.def.id,
            step: self.def.step,
            severity,
            title: self.title,
            why: self.why,
            entities: self.entities,
            rows,
            query,
            first,
            benign_signals: self.benign,
            details: self.details,
        })
    }
}

/// A short hash of what the evidence rows say (not their positions, which
/// change when files are added), so a finding keeps its id across reloads.
fn evidence_hash(store: &EventStore, rows: &[u32]) -> String {
    let mut hasher = Sha256::new();
    for &row in rows {
        hasher.update(store.time(row).to_le_bytes());
        for text in [store.source(row).key(), store.operation(row), store.actor(row), store.target(row), store.ip(row)] {
            hasher.update(text.as_bytes());
            hasher.update([0u8]);
        }
    }
    let mut id = String::with_capacity(16);
    for b in hasher.finalize().iter().take(8) {
        let _ = write!(id, "{b:02x}");
    }
    id
}

/// Names for a list of findings that outlast a change of evidence: what
/// each is about (detector, step, the entities it names), where the id
/// hashes the evidence and so changes whenever a loading file adds a row to
/// a finding. Repeats are told apart by their place among themselves. The
/// page keys its finding lists by these, so a growing finding is updated
/// in place instead of being taken off and put back.
pub fn subject_keys(findings: &[&Finding]) -> Vec<String> {
    let mut seen: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    findings
        .iter()
        .map(|f| {
            let mut key = format!("{}|{}", f.detector, f.step);
            for e in &f.entities {
                let _ = write!(key, "|{:?}:{}", e.kind, e.value);
            }
            let repeat = seen.entry(key.clone()).or_insert(0);
            *repeat += 1;
            if *repeat > 1 {
                let _ = write!(key, "#{repeat}");
            }
            key
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(detector: &'static str, id: &str, entities: &[(EntityKind, &str)]) -> Finding {
        Finding {
            id: id.into(),
            detector,
            step: 6,
            severity: Severity::High,
            title: format!("{} rows", id.len()),
            why: String::new(),
            entities: entities.iter().map(|(kind, value)| Entity { kind: *kind, value: value.to_string() }).collect(),
            rows: vec![1],
            query: String::new(),
            first: 0,
            benign_signals: Vec::new(),
            details: Vec::new(),
        }
    }

    #[test]
    fn subject_keys_ignore_the_evidence_and_tell_repeats_apart() {
        let before = finding("mail.inbox_rule", "mail.inbox_rule:aaaa", &[(EntityKind::Account, "a@x"), (EntityKind::Rule, "..")]);
        let grown = finding("mail.inbox_rule", "mail.inbox_rule:bbbbbbbb", &[(EntityKind::Account, "a@x"), (EntityKind::Rule, "..")]);
        assert_eq!(subject_keys(&[&before]), subject_keys(&[&grown]));
        let other = finding("mail.inbox_rule", "mail.inbox_rule:cccc", &[(EntityKind::Account, "b@x"), (EntityKind::Rule, "..")]);
        let keys = subject_keys(&[&before, &grown, &other]);
        assert_eq!(keys.len(), 3);
        assert_ne!(keys[0], keys[1]);
        assert_ne!(keys[0], keys[2]);
        assert!(keys[1].ends_with("#2"));
    }
}
