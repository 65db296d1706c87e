//! Reading one exported file (or a `.zip` of them) into tenant objects, with
//! a report of what was read, what was not and why.
//!
//! Shapes accepted, one type per file or mixed: a single object (as
//! `GET …/{id}` returns it), a `value` page (`@odata.context`,
//! `@odata.nextLink`), an array of objects, an array of pages, or several of
//! these one after another (NDJSON). A file that is not valid JSON as a
//! whole still yields every complete object in it, found by
//! `ingest::json_split`; the page contexts are then unavailable and the
//! types come from `@odata.type` or the shape.

use super::archive;
use super::kind::{classify, context_key, from_context, Evidence, ObjectKind};
use super::normalize::{from_powershell, is_powershell_shaped};
use super::object::{identify, TenantObject};
use crate::ingest::json_split::split_records;
use crate::ingest::text::decode;
use crate::ingest::IngestReport;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// How many problems a report lists; all are counted.
pub const MAX_LISTED_PROBLEMS: usize = 50;
/// How many keys an unknown object's sample shows.
const SAMPLE_KEYS: usize = 12;

/// Something that could not be used, and where it is: `line 12, column 3`
/// when the text is broken, or a JSON path (`$[1].value[4]`) when the
/// object is well-formed but not usable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub position: String,
    pub reason: String,
}

/// Objects of a type Loupe has no rules for (or no name for), listed so
/// nothing is dropped without a word.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnknownGroup {
    /// The type name the export gave (`group`), or `unrecognised`.
    pub label: String,
    pub count: usize,
    /// Keys of the first such object, to help the analyst tell what it is.
    pub sample_keys: Vec<String>,
    /// Where the first one is.
    pub first_position: String,
    /// Whether these objects are kept in the snapshot (they are when they
    /// have a type name and an id, and are then diffed without risk rules).
    pub kept: bool,
}

/// What one file gave.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FileReport {
    /// The file's name; `archive.zip/inner/path.json` for a zip entry.
    pub file: String,
    pub bytes: u64,
    pub sha256: String,
    pub encoding: String,
    /// Objects read, per type (`conditionalAccessPolicy` → 12).
    pub read: BTreeMap<String, usize>,
    /// Types told from the shape alone, as a caveat (`user` → 3).
    pub by_shape: BTreeMap<String, usize>,
    /// Kinds whose collection this file holds, from page contexts, even
    /// when the page is empty: an empty list of grants is evidence that
    /// there were none, not a gap in the export.
    pub covers: BTreeSet<String>,
    pub unknown: Vec<UnknownGroup>,
    pub problems_total: usize,
    pub problems: Vec<Problem>,
    /// Things the analyst should know (incomplete paging, PowerShell casing…).
    pub notes: Vec<String>,
    /// Why nothing could be read at all.
    pub unreadable: Option<String>,
}

impl FileReport {
    pub(crate) fn new(name: &str, bytes: &[u8]) -> FileReport {
        let hashed = IngestReport::new(name, bytes);
        FileReport { file: name.to_string(), bytes: bytes.len() as u64, sha256: hashed.sha256, ..FileReport::default() }
    }

    pub(crate) fn problem(&mut self, position: impl Into<String>, reason: impl Into<String>) {
        self.problems_total += 1;
        if self.problems.len() < MAX_LISTED_PROBLEMS {
            self.problems.push(Problem { position: position.into(), reason: reason.into() });
        }
    }

    pub(crate) fn note_once(&mut self, note: impl Into<String>) {
        let note = note.into();
        if !self.notes.contains(&note) {
            self.notes.push(note);
        }
    }

    /// Objects read, all types.
    pub fn objects_read(&self) -> usize {
        self.read.values().sum()
    }

    /// One line for a terminal or a status bar.
    pub fn headline(&self) -> String {
        if let Some(why) = &self.unreadable {
            return format!("{}: not read: {why}", self.file);
        }
        let read: Vec<String> = self.read.iter().map(|(k, n)| format!("{n} {k}")).collect();
        let mut line = format!("{}: {}", self.file, if read.is_empty() { "no configuration objects".to_string() } else { read.join(", ") });
        let unknown: usize = self.unknown.iter().map(|u| u.count).sum();
        if unknown > 0 {
            line.push_str(&format!("; {unknown} of unknown type"));
        }
        if self.problems_total > 0 {
            line.push_str(&format!("; {} not usable", self.problems_total));
        }
        line
    }
}

/// One file's objects and report. A zip gives one report per entry.
#[derive(Debug, Default)]
pub struct FileRead {
    pub objects: Vec<TenantObject>,
    pub reports: Vec<FileReport>,
}

/// Read a file (Graph JSON, a tenant report of Extractor-Suite or Hawk, or
/// a zip of these). Never fails: what cannot be read is said in the report.
pub fn read_file(name: &str, bytes: &[u8]) -> FileRead {
    if archive::is_zip(bytes) {
        return read_zip(name, bytes);
    }
    let mut report = FileReport::new(name, bytes);
    let objects = read_one(bytes, &mut report);
    FileRead { objects, reports: vec![report] }
}

/// One file that is not a zip: a tenant report told by its columns (CSV)
/// or keys (JSON) first, else Graph JSON.
fn read_one(bytes: &[u8], report: &mut FileReport) -> Vec<TenantObject> {
    match super::tabular::read_report(bytes, report) {
        Some(objects) => objects,
        None => read_json(bytes, report),
    }
}

fn read_zip(name: &str, bytes: &[u8]) -> FileRead {
    let mut out = FileRead::default();
    match archive::entries(bytes) {
        Err(why) => {
            let mut report = FileReport::new(name, bytes);
            report.unreadable = Some(why);
            out.reports.push(report);
        }
        Ok(entries) => {
            for entry in entries {
                let inner = format!("{name}/{}", entry.path);
                match entry.content {
                    Ok(content) if archive::is_zip(&content) => {
                        let mut report = FileReport::new(&inner, &content);
                        report.unreadable = Some("a zip inside a zip; unpack it and load the inner archive".into());
                        out.reports.push(report);
                    }
                    Ok(content) => {
                        let mut report = FileReport::new(&inner, &content);
                        let objects = read_one(&content, &mut report);
                        out.objects.extend(objects);
                        out.reports.push(report);
                    }
                    Err(why) => {
                        let mut report = FileReport::new(&inner, &[]);
                        report.unreadable = Some(why);
                        out.reports.push(report);
                    }
                }
            }
            if out.reports.is_empty() {
                let mut report = FileReport::new(name, bytes);
                report.unreadable = Some("the archive holds no files".into());
                out.reports.push(report);
            }
        }
    }
    out
}

fn read_json(bytes: &[u8], report: &mut FileReport) -> Vec<TenantObject> {
    let decoded = decode(bytes);
    report.encoding = decoded.encoding.label().to_string();
    if decoded.replaced > 0 {
        report.note_once(format!("{} bytes could not be decoded and were replaced", decoded.replaced));
    }
    let text = decoded.text.trim_start_matches('\u{feff}');
    if text.trim().is_empty() {
        report.unreadable = Some("the file is empty".into());
        return Vec::new();
    }
    if !text.trim_start().starts_with(['{', '[']) {
        report.unreadable = Some("not a tenant snapshot (Microsoft Graph JSON, or a tenant report of Microsoft-Extractor-Suite or Hawk whose columns Loupe knows)".into());
        return Vec::new();
    }
    let mut walker = Walker { report, objects: Vec::new(), unknown_samples: BTreeMap::new(), file: String::new() };
    walker.file = walker.report.file.clone();
    let mut values = Vec::new();
    let mut broken = None;
    for (i, item) in serde_json::Deserializer::from_str(text).into_iter::<Value>().enumerate() {
        match item {
            Ok(v) => values.push((i, v)),
            Err(e) => {
                broken = Some(e);
                break;
            }
        }
    }
    match broken {
        None => {
            let several = values.len() > 1;
            for (i, value) in values {
                let path = if several { format!("$<{}>", i + 1) } else { "$".to_string() };
                walker.top(value, &path);
            }
        }
        Some(e) => {
            walker.report.problem(format!("line {}, column {}", e.line(), e.column()), format!("not valid JSON: {e}"));
            walker.report.note_once("the file is not valid JSON as a whole; complete objects were recovered one by one, without their page's @odata.context");
            let split = split_records(text);
            for error in split.errors {
                walker.report.problem(format!("line {}", error.line), error.reason);
            }
            for span in split.records {
                let position = format!("line {}", span.line);
                match text.get(span.start..span.end).map(serde_json::from_str::<Value>) {
                    Some(Ok(value)) => walker.object(value, None, &position),
                    Some(Err(e)) => walker.report.problem(position, format!("object is not valid JSON: {e}")),
                    None => walker.report.problem(position, "object boundary is not on a character boundary"),
                }
            }
        }
    }
    let Walker { objects, unknown_samples, report, .. } = walker;
    for (label, (count, keys, position, kept)) in unknown_samples {
        report.unknown.push(UnknownGroup { label, count, sample_keys: keys, first_position: position, kept });
    }
    if objects.is_empty() && report.unknown.is_empty() && report.problems_total == 0 {
        let note = if report.covers.is_empty() {
            "no objects in this file".to_string()
        } else {
            let kinds: Vec<&str> = report.covers.iter().map(String::as_str).collect();
            format!("an empty list of {}: the tenant had none", kinds.join(", "))
        };
        report.note_once(note);
    }
    objects
}

/// Walks parsed JSON, recording objects and problems in the report.
struct Walker<'r> {
    report: &'r mut FileReport,
    objects: Vec<TenantObject>,
    /// label → (count, sample keys, first position, kept)
    unknown_samples: BTreeMap<String, (usize, Vec<String>, String, bool)>,
    file: String,
}

fn is_page(map: &Map<String, Value>) -> bool {
    matches!(map.get("value"), Some(Value::Array(_)))
        && map.keys().all(|k| k == "value" || k.starts_with('@') || k.starts_with("odata."))
}

impl Walker<'_> {
    /// A top-level value: a page, an object, or an array of either.
    fn top(&mut self, value: Value, path: &str) {
        match value {
            Value::Array(items) => {
                let mut last_next_link = None;
                for (i, item) in items.into_iter().enumerate() {
                    let at = format!("{path}[{i}]");
                    match item {
                        Value::Object(map) if is_page(&map) => last_next_link = Some(self.page(map, &at)),
                        Value::Object(map) => self.object(Value::Object(map), None, &at),
                        other => self.report.problem(at, format!("expected an object, found {}", kind_of_value(&other))),
                    }
                }
                if let Some(Some(link)) = last_next_link {
                    self.next_link_note(&link);
                }
            }
            Value::Object(map) if is_page(&map) => {
                if let Some(link) = self.page(map, path) {
                    self.next_link_note(&link);
                }
            }
            Value::Object(map) => self.object(Value::Object(map), None, path),
            other => self.report.problem(path, format!("expected an object or an array, found {}", kind_of_value(&other))),
        }
    }

    fn next_link_note(&mut self, link: &str) {
        let shown: String = link.chars().take(120).collect();
        self.report.note_once(format!(
            "the last page has an @odata.nextLink ({shown}…): the export stopped before the end of the list, so objects may be missing"
        ));
    }

    /// A `value` page; returns its `@odata.nextLink` if any.
    fn page(&mut self, mut map: Map<String, Value>, path: &str) -> Option<String> {
        let context = map.get("@odata.context").and_then(Value::as_str).map(str::to_string);
        let next = map.get("@odata.nextLink").and_then(Value::as_str).map(str::to_string);
        if let Some(kind) = context.as_deref().and_then(from_context) {
            self.report.covers.insert(kind.slug().to_string());
        }
        if let Some(Value::Array(items)) = map.remove("value") {
            for (i, item) in items.into_iter().enumerate() {
                let at = format!("{path}.value[{i}]");
                match item {
                    Value::Object(_) => self.object(item, context.as_deref(), &at),
                    other => self.report.problem(at, format!("expected an object, found {}", kind_of_value(&other))),
                }
            }
        }
        next
    }

    /// One configuration object.
    fn object(&mut self, value: Value, page_context: Option<&str>, position: &str) {
        let value = match value {
            Value::Object(map) if is_powershell_shaped(&map) => {
                self.report.note_once("PowerShell SDK output (PascalCase keys, AdditionalProperties): keys were camel-cased to Graph's names");
                from_powershell(Value::Object(map))
            }
            other => other,
        };
        let Value::Object(map) = value else {
            self.report.problem(position, format!("expected an object, found {}", kind_of_value(&value)));
            return;
        };
        let context = map.get("@odata.context").and_then(Value::as_str).map(str::to_string).or_else(|| page_context.map(str::to_string));
        let Some((kind, evidence)) = classify(&map, context.as_deref()) else {
            self.unknown("unrecognised", &map, position, false);
            return;
        };
        // The parent a context names: the domain of a federation setting,
        // the user whose sign-in methods a page lists.
        let owner = context.as_deref().and_then(|c| match kind {
            ObjectKind::FederationConfiguration => context_key(c, "domains"),
            ObjectKind::AuthenticationMethod => context_key(c, "users").or_else(|| context_key(c, "me")),
            _ => None,
        });
        let raw = Value::Object(map);
        match identify(&kind, &raw, owner.as_deref()) {
            Some(id) => {
                if !kind.is_known() {
                    if let Value::Object(map) = &raw {
                        self.unknown(kind.slug(), map, position, true);
                    }
                }
                if evidence == Evidence::Shape {
                    *self.report.by_shape.entry(kind.slug().to_string()).or_default() += 1;
                }
                *self.report.read.entry(kind.slug().to_string()).or_default() += 1;
                self.objects.push(TenantObject::new(kind, id, owner, raw, &self.file, position));
            }
            None => {
                let label = kind.slug().to_string();
                self.report.problem(position, format!("{label} without an id: it cannot be matched between snapshots"));
            }
        }
    }

    fn unknown(&mut self, label: &str, map: &Map<String, Value>, position: &str, kept: bool) {
        let entry = self.unknown_samples.entry(label.to_string()).or_insert_with(|| {
            (0, map.keys().take(SAMPLE_KEYS).cloned().collect(), position.to_string(), kept)
        });
        entry.0 += 1;
    }
}

fn kind_of_value(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> FileRead {
        read_file("t.json", text.as_bytes())
    }

    #[test]
    fn page_with_context() {
        let got = read(r##"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#identity/conditionalAccess/policies","value":[{"id":"p1","displayName":"MFA","state":"enabled"}]}"##);
        assert_eq!(got.objects.len(), 1);
        assert_eq!(got.objects[0].kind, ObjectKind::ConditionalAccessPolicy);
        assert_eq!(got.reports[0].read.get("conditionalAccessPolicy"), Some(&1));
        assert!(got.reports[0].by_shape.is_empty());
    }

    #[test]
    fn array_of_pages_mixed_types_and_next_link() {
        let got = read(
            r##"[{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#domains","value":[{"id":"contoso.com","authenticationType":"Managed","isVerified":true}]},
                {"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users","@odata.nextLink":"https://graph.microsoft.com/v1.0/users?$skiptoken=x","value":[{"id":"u1","userPrincipalName":"a@contoso.com"}]}]"##,
        );
        let kinds: Vec<&ObjectKind> = got.objects.iter().map(|o| &o.kind).collect();
        assert_eq!(kinds, vec![&ObjectKind::Domain, &ObjectKind::User]);
        assert!(got.reports[0].notes.iter().any(|n| n.contains("nextLink")));
    }

    #[test]
    fn unknown_objects_are_listed_with_keys() {
        let got = read(r##"[{"id":"g1","@odata.type":"#microsoft.graph.group","displayName":"Sales"},{"foo":1,"bar":2},{"foo":3}]"##);
        let r = &got.reports[0];
        assert_eq!(r.unknown.len(), 2);
        let group = r.unknown.iter().find(|u| u.label == "group").expect("group listed");
        assert!(group.kept && group.count == 1);
        let odd = r.unknown.iter().find(|u| u.label == "unrecognised").expect("unrecognised listed");
        assert_eq!((odd.count, odd.sample_keys.clone(), odd.first_position.as_str(), odd.kept), (2, vec!["bar".to_string(), "foo".to_string()], "$[1]", false));
        assert_eq!(got.objects.len(), 1, "the group is kept for a generic diff");
    }

    #[test]
    fn broken_json_keeps_complete_objects_and_says_where() {
        let got = read("[\n{\"id\":\"contoso.com\",\"authenticationType\":\"Federated\",\"isVerified\":true},\n{\"id\":\"x\",\"authenticationType\":");
        assert_eq!(got.objects.len(), 1);
        let r = &got.reports[0];
        assert!(r.problems.iter().any(|p| p.position.starts_with("line ")), "{:?}", r.problems);
    }

    #[test]
    fn bad_input_never_panics() {
        for text in ["", "   ", "hello", "42", "[1,2]", "{\"value\": [1, null]}", "[[[", "{\"id\": null, \"userPrincipalName\": 5}", "\u{feff}[]"] {
            let got = read(text);
            assert!(got.objects.is_empty(), "{text}");
            let r = &got.reports[0];
            assert!(r.unreadable.is_some() || r.problems_total > 0 || !r.notes.is_empty() || !r.unknown.is_empty(), "{text}: {r:?}");
        }
    }

    #[test]
    fn object_without_id_is_a_problem() {
        let got = read(r##"{"conditions":{},"grantControls":{}}"##);
        assert!(got.objects.is_empty());
        assert!(got.reports[0].problems[0].reason.contains("without an id"));
    }

    #[test]
    fn zip_of_files() {
        let bytes = super::archive::tests::make_zip(&[
            ("export/domains.json", r##"{"value":[{"id":"contoso.com","authenticationType":"Managed","isVerified":true}]}"##),
            ("export/readme.txt", "not json"),
        ]);
        let got = read_file("tenant.zip", &bytes);
        assert_eq!(got.objects.len(), 1);
        assert_eq!(got.reports.len(), 2);
        assert_eq!(got.reports[0].file, "tenant.zip/export/domains.json");
        assert!(got.reports[1].unreadable.is_some());
        assert_eq!(got.objects[0].source.file, "tenant.zip/export/domains.json");
    }

    #[test]
    fn powershell_output_is_camel_cased() {
        let got = read(r##"[{"Id":"loc1","DisplayName":"HQ","AdditionalProperties":{"@odata.type":"#microsoft.graph.ipNamedLocation","isTrusted":true,"ipRanges":[]}}]"##);
        assert_eq!(got.objects[0].kind, ObjectKind::NamedLocation);
        assert_eq!(got.objects[0].name, "HQ");
        assert!(got.reports[0].notes.iter().any(|n| n.contains("PowerShell")));
    }
}
