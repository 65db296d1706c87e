//! What the analyst records on single events (bookmarks, tags, notes) and
//! on findings (confirmed or dismissed). Both outlive the evidence: an event
//! is named by its file's SHA-256 and its place in that file, so the marks
//! come back when the same file is attached again on another machine, and
//! each mark keeps a short summary so reports can list it with no evidence
//! loaded at all.

use crate::detect::{Finding, Severity};
use crate::model::{Source, TimeMs};
use crate::store::{EventStore, RowAnnotation};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// The tags offered with one click; any other word is a free tag.
pub const TAG_MALICIOUS: &str = "malicious";
pub const TAG_BENIGN: &str = "benign";
pub const TAG_NEEDS_REVIEW: &str = "needs-review";
pub const STANDARD_TAGS: [&str; 3] = [TAG_MALICIOUS, TAG_BENIGN, TAG_NEEDS_REVIEW];

/// Longest free tag kept, in characters.
const MAX_TAG_CHARS: usize = 40;

/// A tag as stored and searched: trimmed, lower case, inner spaces as `-`,
/// only letters, digits, `-`, `_`, `.` (so `tag:` terms need no quoting).
/// `None` when nothing is left.
pub fn normalize_tag(text: &str) -> Option<String> {
    let tag: String = text
        .trim()
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("-")
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(MAX_TAG_CHARS)
        .collect();
    let tag = tag.trim_matches('-').to_string();
    (!tag.is_empty()).then_some(tag)
}

/// Names an event across machines: `<first 16 hex of the file's SHA-256>:<line>:<byte offset>`.
pub fn event_key(file_sha256: &str, line: u32, offset: u64) -> String {
    format!("{}:{line}:{offset}", file_sha256.get(..16).unwrap_or(file_sha256))
}

/// The key of a loaded row, or `None` if its file is gone.
pub fn row_key(store: &EventStore, row: u32) -> Option<String> {
    let file = store.file(store.file_of(row))?;
    Some(event_key(&file.report.sha256, store.line(row), store.raw_span(row).start))
}

/// Enough of an event to list it without the evidence.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventSummary {
    pub time: TimeMs,
    pub source: Source,
    pub operation: String,
    pub actor: String,
    pub target: String,
    pub ip: String,
    pub file: String,
    pub line: u32,
}

impl EventSummary {
    pub fn of_row(store: &EventStore, row: u32) -> EventSummary {
        EventSummary {
            time: store.time(row),
            source: store.source(row),
            operation: store.operation(row).to_string(),
            actor: store.actor(row).to_string(),
            target: store.target(row).to_string(),
            ip: store.ip(row).to_string(),
            file: store.file(store.file_of(row)).map(|f| f.report.file.clone()).unwrap_or_default(),
            line: store.line(row),
        }
    }
}

/// The analyst's marks on one event.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventAnnotation {
    pub bookmarked: bool,
    /// Normalised (`normalize_tag`), sorted, no repeats.
    pub tags: Vec<String>,
    pub note: String,
    pub summary: EventSummary,
    pub updated_at: Option<TimeMs>,
}

impl EventAnnotation {
    pub fn is_empty(&self) -> bool {
        !self.bookmarked && self.tags.is_empty() && self.note.trim().is_empty()
    }

    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag)
    }
}

/// One change to an event's marks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventChange {
    SetBookmark(bool),
    /// Add a tag (normalised first; ignored when nothing is left of it).
    /// `malicious` and `benign` exclude each other: adding one drops the other.
    AddTag(String),
    RemoveTag(String),
    SetNote(String),
}

impl EventAnnotation {
    pub(super) fn change(&mut self, change: EventChange) {
        match change {
            EventChange::SetBookmark(on) => self.bookmarked = on,
            EventChange::AddTag(text) => {
                let Some(tag) = normalize_tag(&text) else { return };
                let opposite = match tag.as_str() {
                    TAG_MALICIOUS => Some(TAG_BENIGN),
                    TAG_BENIGN => Some(TAG_MALICIOUS),
                    _ => None,
                };
                self.tags.retain(|t| Some(t.as_str()) != opposite);
                if !self.has_tag(&tag) {
                    self.tags.push(tag);
                    self.tags.sort();
                }
            }
            EventChange::RemoveTag(text) => {
                let tag = normalize_tag(&text).unwrap_or(text);
                self.tags.retain(|t| *t != tag);
            }
            EventChange::SetNote(note) => self.note = note,
        }
    }
}

/// What the analyst decided about a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// It is what it says: part of the incident.
    Confirmed,
    /// Looked at and judged benign or irrelevant.
    Dismissed,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Confirmed => "Confirmed",
            Verdict::Dismissed => "Dismissed",
        }
    }
}

/// A verdict on one finding, with what it was about so a report can name
/// it when the evidence is not loaded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingVerdict {
    pub verdict: Verdict,
    #[serde(default)]
    pub note: String,
    pub at: TimeMs,
    pub title: String,
    pub step: u8,
    pub severity: Severity,
}

impl FindingVerdict {
    pub fn new(finding: &Finding, verdict: Verdict, at: TimeMs) -> FindingVerdict {
        FindingVerdict { verdict, note: String::new(), at, title: finding.title.clone(), step: finding.step, severity: finding.severity }
    }
}

/// The case's event annotations on the rows now loaded, for the query
/// language (`tag:`, `note:`, `bookmarked`) and the timeline's markers.
/// Annotations whose file is not loaded are left out.
pub fn resolve(annotations: &BTreeMap<String, EventAnnotation>, store: &EventStore) -> BTreeMap<u32, RowAnnotation> {
    if annotations.is_empty() {
        return BTreeMap::new();
    }
    // Each annotation's time narrows the search to a few rows (the time
    // column is sorted). Should a time not match (a file read by a newer
    // parser), one table of the loaded rows answers all such marks at once.
    let mut prefixes: HashMap<String, crate::store::FileId> = HashMap::new();
    for file in store.files() {
        prefixes.insert(file.report.sha256.get(..16).unwrap_or(&file.report.sha256).to_string(), file.id);
    }
    let mut rows = BTreeMap::new();
    let mut unplaced = Vec::new();
    for (key, annotation) in annotations {
        let Some(place) = parse_key(&prefixes, key) else { continue };
        let first = store.first_row_at(annotation.summary.time);
        let by_time = (first..store.len() as u32).take_while(|&r| store.time(r) == annotation.summary.time).find(|&r| place.is_row(store, r));
        match by_time {
            Some(row) => {
                rows.insert(row, row_annotation(annotation));
            }
            None => unplaced.push((place, annotation)),
        }
    }
    if !unplaced.is_empty() {
        let table: HashMap<Place, u32> = (0..store.len() as u32).map(|r| (Place::of_row(store, r), r)).collect();
        for (place, annotation) in unplaced {
            if let Some(&row) = table.get(&place) {
                rows.insert(row, row_annotation(annotation));
            }
        }
    }
    rows
}

fn row_annotation(annotation: &EventAnnotation) -> RowAnnotation {
    RowAnnotation { tags: annotation.tags.clone(), note: annotation.note.clone(), bookmarked: annotation.bookmarked }
}

/// Where a record sits among the loaded files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Place {
    file: crate::store::FileId,
    line: u32,
    offset: u64,
}

impl Place {
    fn of_row(store: &EventStore, row: u32) -> Place {
        Place { file: store.file_of(row), line: store.line(row), offset: store.raw_span(row).start }
    }

    fn is_row(self, store: &EventStore, row: u32) -> bool {
        Place::of_row(store, row) == self
    }
}

/// The place a key names, if its file is loaded.
fn parse_key(prefixes: &HashMap<String, crate::store::FileId>, key: &str) -> Option<Place> {
    let mut parts = key.split(':');
    let file = *prefixes.get(parts.next()?)?;
    let line = parts.next()?.parse().ok()?;
    let offset = parts.next()?.parse().ok()?;
    Some(Place { file, line, offset })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_normalised_for_search() {
        assert_eq!(normalize_tag("  Needs Review "), Some("needs-review".into()));
        assert_eq!(normalize_tag("<script>"), Some("script".into()));
        assert_eq!(normalize_tag("C2 server!"), Some("c2-server".into()));
        assert_eq!(normalize_tag(" - "), None);
        assert_eq!(normalize_tag(&"x".repeat(100)).map(|t| t.len()), Some(MAX_TAG_CHARS));
    }

    #[test]
    fn malicious_and_benign_exclude_each_other() {
        let mut a = EventAnnotation::default();
        a.change(EventChange::AddTag("Malicious".into()));
        a.change(EventChange::AddTag("phishing".into()));
        a.change(EventChange::AddTag("malicious".into()));
        assert_eq!(a.tags, vec!["malicious", "phishing"]);
        a.change(EventChange::AddTag("benign".into()));
        assert_eq!(a.tags, vec!["benign", "phishing"]);
        a.change(EventChange::RemoveTag("Phishing".into()));
        assert_eq!(a.tags, vec!["benign"]);
        a.change(EventChange::RemoveTag("benign".into()));
        assert!(a.is_empty());
        a.change(EventChange::SetNote("  ".into()));
        assert!(a.is_empty(), "a blank note is no annotation");
    }
}
