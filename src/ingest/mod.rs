//! Reading evidence files into events.
//!
//! A file goes through one pipeline whatever it holds: decode the text
//! (`text`), tell CSV from JSON and find the records (`csv_input`,
//! `json_split`), recognise the export layout from its content through one
//! table of layouts (`sniff`), then map each record with that layout's
//! function (`signin`, `audit`, `ual`, and for cloud infrastructure
//! `azure_activity`, `cloudtrail`, `gcp_audit`). A bad record is counted and listed
//! with its line; it never costs the rest of the file.
//!
//! `FileIngest` works in steps so the browser can show progress and stay
//! responsive; `ingest_bytes` runs a whole file at once for the command line.

pub mod audit;
pub mod azure_activity;
pub mod cloudtrail;
pub mod csv_input;
pub mod dates;
pub mod gcp_audit;
pub mod json_split;
mod report;
pub mod signin;
mod sniff;
pub mod text;
pub mod ual;

pub use report::{hex, IngestReport, RowIssue, MAX_LISTED_ISSUES};
pub use sniff::{layout_score, Container, Format, Schema, SchemaDef, SCHEMAS};

use crate::model::{Event, Source};
use csv_input::{Dialect, Headers, SharedText};
use dates::DateOrder;
use json_split::RecordSpan;
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::collections::{BTreeSet, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// A file's decoded text, shared by the ingest job, its CSV reader and the
/// store. `Arc<String>` rather than `Arc<str>`: converting a `String` into
/// `Arc<str>` copies it, and the text of a large export is the biggest thing
/// Loupe holds.
pub type FileText = Arc<String>;

/// What a record mapper may consult and tell the pipeline.
#[derive(Debug, Default)]
pub struct RowCtx {
    /// Day/month order of locale dates in this file.
    pub date_order: DateOrder,
    /// The file's name. Never used to tell the layout (content does that);
    /// only where the content cannot say something the name does, such as
    /// which admin center sign-in download a CSV is.
    pub file_name: String,
    warnings: RefCell<Vec<String>>,
    file_notes: RefCell<Vec<String>>,
}

impl RowCtx {
    pub fn new(date_order: DateOrder) -> RowCtx {
        RowCtx { date_order, file_name: String::new(), warnings: RefCell::default(), file_notes: RefCell::default() }
    }

    /// Say something about the whole file once, however many records trigger
    /// it (e.g. "CreationDate is local time of the exporting machine; …").
    pub fn note_once(&self, note: impl Into<String>) {
        let note = note.into();
        let mut notes = self.file_notes.borrow_mut();
        if !notes.contains(&note) {
            notes.push(note);
        }
    }

    /// Keep the record but tell the analyst something about it
    /// (e.g. "AuditData is not valid JSON; kept the CSV columns only").
    pub fn warn(&self, reason: impl Into<String>) {
        self.warnings.borrow_mut().push(reason.into());
    }

    fn take_warnings(&self) -> Vec<String> {
        std::mem::take(&mut self.warnings.borrow_mut())
    }
}

/// Parse a JSON value that may arrive as JSON text (Log Analytics exports
/// nested objects such as `LocationDetails` as strings).
pub fn nested_json(value: &Value) -> Option<Value> {
    match value {
        Value::String(s) => {
            let t = s.trim();
            if t.starts_with('{') || t.starts_with('[') {
                serde_json::from_str(t).ok()
            } else {
                None
            }
        }
        Value::Null => None,
        other => Some(other.clone()),
    }
}

/// A scalar JSON value as text (`""` for null, objects and arrays as JSON).
pub fn value_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.trim().to_string(),
        other => other.to_string(),
    }
}

/// Look up a dotted path (`location.city`) in a JSON object, descending into
/// nested JSON text where needed; keys match case-insensitively.
pub fn json_path<'a>(obj: &'a Map<String, Value>, path: &str) -> Option<std::borrow::Cow<'a, Value>> {
    use std::borrow::Cow;
    let mut parts = path.split('.');
    let first = parts.next()?;
    let mut current: Cow<'a, Value> = Cow::Borrowed(get_ci(obj, first)?);
    for part in parts {
        current = match current {
            Cow::Borrowed(Value::Object(map)) => Cow::Borrowed(get_ci(map, part)?),
            Cow::Borrowed(v @ Value::String(_)) => match nested_json(v)? {
                Value::Object(map) => Cow::Owned(get_ci(&map, part)?.clone()),
                _ => return None,
            },
            Cow::Owned(Value::Object(map)) => Cow::Owned(get_ci(&map, part)?.clone()),
            Cow::Owned(v @ Value::String(_)) => match nested_json(&v)? {
                Value::Object(map) => Cow::Owned(get_ci(&map, part)?.clone()),
                _ => return None,
            },
            _ => return None,
        };
    }
    Some(current)
}

/// Text at the first of several dotted paths that has a non-empty value.
pub fn json_text(obj: &Map<String, Value>, paths: &[&str]) -> String {
    paths.iter().filter_map(|p| json_path(obj, p)).map(|v| value_text(&v)).find(|s| !s.is_empty()).unwrap_or_default()
}

fn get_ci<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).or_else(|| obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
}

/// Text at a dotted path of any JSON value (keys in any case; a numeric
/// part indexes an array); empty when a part is missing or the value there
/// is an object or array.
pub(crate) fn text_at(value: &Value, path: &str) -> String {
    let mut current = value;
    for part in path.split('.') {
        current = match current {
            Value::Object(map) => match get_ci(map, part) {
                Some(v) => v,
                None => return String::new(),
            },
            Value::Array(items) => match part.parse::<usize>().ok().and_then(|i| items.get(i)) {
                Some(v) => v,
                None => return String::new(),
            },
            _ => return String::new(),
        };
    }
    match current {
        Value::Object(_) | Value::Array(_) => String::new(),
        other => value_text(other),
    }
}

/// Remembers record ids across every file of a case, so a UAL record exported
/// twice (overlapping searches) is kept once.
#[derive(Debug, Default)]
pub struct Deduper {
    seen: HashSet<u64>,
}

impl Deduper {
    /// True the first time a (source, id) pair is offered; records without
    /// an id are always kept.
    pub fn first_time(&mut self, source: Source, record_id: &str) -> bool {
        if record_id.is_empty() {
            return true;
        }
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (source, record_id).hash(&mut hasher);
        self.seen.insert(hasher.finish())
    }
}

enum Cursor {
    Csv { reader: Box<csv::Reader<std::io::Cursor<SharedText>>>, headers: Headers, dialect: Dialect, record: csv::StringRecord },
    Json { spans: Vec<RecordSpan>, next: usize },
    Done,
}

/// One file being read, a batch of records at a time.
pub struct FileIngest {
    text: FileText,
    def: &'static SchemaDef,
    ctx: RowCtx,
    cursor: Cursor,
    report: IngestReport,
    accounts: BTreeSet<String>,
}

impl FileIngest {
    /// Decode and recognise a file. Err carries a report whose `unreadable`
    /// sentence says what the file looks like and what Loupe expected.
    pub fn open(file_name: &str, bytes: &[u8]) -> Result<FileIngest, Box<IngestReport>> {
        FileIngest::open_owned(file_name, bytes.to_vec())
    }

    /// `open` for a file already in memory: UTF-8 text is used in place.
    pub fn open_owned(file_name: &str, bytes: Vec<u8>) -> Result<FileIngest, Box<IngestReport>> {
        FileIngest::open_hashed(file_name, bytes, None)
    }

    /// `open_owned` with the file's SHA-256 already known (hex). The browser
    /// hashes with its native SubtleCrypto, many times faster than hashing
    /// in wasm; a hash is computed here when none is given.
    pub fn open_hashed(file_name: &str, bytes: Vec<u8>, sha256: Option<String>) -> Result<FileIngest, Box<IngestReport>> {
        let mut report = match sha256 {
            Some(hash) => IngestReport::with_hash(file_name, bytes.len(), hash),
            None => IngestReport::new(file_name, &bytes),
        };
        // CloudTrail delivers gzip files; Google Cloud sinks and archives often are too.
        let bytes = match gunzip(&bytes) {
            Some(Ok(plain)) => {
                report.notes.push(format!("The file is gzip-compressed ({} bytes unpacked to {}); the SHA-256 is of the file as loaded.", bytes.len(), plain.len()));
                plain
            }
            Some(Err(why)) => {
                report.unreadable = Some(format!("{file_name} is gzip-compressed but does not unpack ({why}). Check the download is complete."));
                return Err(Box::new(report));
            }
            None => bytes,
        };
        if let Some(what) = sniff::binary_kind(&bytes) {
            report.unreadable = Some(format!("{file_name} looks like {what}, not a log export. Loupe reads CSV or JSON exports; extract the file first."));
            return Err(Box::new(report));
        }
        // Reference data, not evidence: say where it goes instead of
        // listing its columns as an unknown layout.
        if let Some(db) = crate::enrich::detect(&bytes) {
            report.unreadable = Some(format!(
                "{file_name} is an IP database ({}), not a log export. Load it as an IP database to add locations and networks to the events' addresses (on the command line: --ipdb {file_name}).",
                db.label()
            ));
            return Err(Box::new(report));
        }
        let decoded = text::decode_owned(bytes);
        report.encoding = decoded.encoding.label().to_string();
        if decoded.replaced > 0 {
            report.notes.push(format!("{} characters could not be decoded and were replaced with U+FFFD.", decoded.replaced));
        }
        if decoded.encoding == text::Encoding::Windows1252 {
            report.notes.push("The file is not valid UTF-8; it was read as Windows-1252. Check names with accents.".into());
        }
        let text: FileText = Arc::new(decoded.text);
        let guess = dates::infer_order_in_text(&text);
        if guess.saw_locale_dates {
            report.notes.push(match (guess.ambiguous, guess.order) {
                (true, _) => "Locale dates in this file never have a day above 12, so day/month order cannot be told; read as month/day (US). Check one event against the source.".into(),
                (false, DateOrder::MonthFirst) => "Locale dates read as month/day/year (inferred from the whole file).".into(),
                (false, DateOrder::DayFirst) => "Locale dates read as day/month/year (inferred from the whole file).".into(),
            });
        }
        let mut ctx = RowCtx::new(guess.order);
        ctx.file_name = file_name.to_string();
        let trimmed = text.trim_start();
        if trimmed.is_empty() {
            report.unreadable = Some(format!("{file_name} is empty."));
            return Err(Box::new(report));
        }
        let (def, cursor) = if trimmed.starts_with('{') || trimmed.starts_with('[') {
            let split = json_split::split_records(&text);
            for e in &split.errors {
                report.reject(e.line, e.reason.clone());
            }
            let samples: Vec<Map<String, Value>> = split
                .spans_sample(&text)
                .filter_map(|s| serde_json::from_str::<Map<String, Value>>(s).ok())
                .collect();
            match sniff::detect_json(&samples) {
                Ok(def) => (def, Cursor::Json { spans: split.records, next: 0 }),
                Err(why) => {
                    report.unreadable = Some(format!("{file_name}: {why}"));
                    return Err(Box::new(report));
                }
            }
        } else {
            let dialect = csv_input::sniff_dialect(&text);
            let mut reader = csv_input::reader(&text, dialect);
            let headers = match reader.headers() {
                Ok(h) => Headers::new(h.iter()),
                Err(e) => {
                    report.unreadable = Some(format!("{file_name}: the header row cannot be read as CSV ({e})."));
                    return Err(Box::new(report));
                }
            };
            match sniff::detect_csv(&headers) {
                Ok(def) => {
                    report.delimiter = Some(char::from(dialect.delimiter));
                    (def, Cursor::Csv { reader: Box::new(reader), headers, dialect, record: csv::StringRecord::new() })
                }
                Err(why) => {
                    report.unreadable = Some(format!("{file_name}: {why}"));
                    return Err(Box::new(report));
                }
            }
        };
        let container = match cursor {
            Cursor::Csv { dialect, .. } => Container::Csv { delimiter: dialect.delimiter },
            _ => Container::Json,
        };
        report.format = Some(Format { schema: def.schema, container });
        Ok(FileIngest { text, def, ctx, cursor, report, accounts: BTreeSet::new() })
    }

    /// Read up to `max_records` more records, appending kept events to `out`.
    /// Returns false once the file is finished.
    pub fn step(&mut self, max_records: usize, dedupe: &mut Deduper, out: &mut Vec<Event>) -> bool {
        for _ in 0..max_records {
            let (line, span, mapped) = match &mut self.cursor {
                Cursor::Done => return false,
                Cursor::Json { spans, next } => {
                    let Some(span) = spans.get(*next).copied() else {
                        self.cursor = Cursor::Done;
                        return false;
                    };
                    *next += 1;
                    let record = &self.text[span.start..span.end];
                    let mapped = match serde_json::from_str::<Map<String, Value>>(record) {
                        Ok(obj) => (self.def.from_json)(&obj, &self.ctx),
                        Err(e) => Err(format!("not valid JSON: {e}")),
                    };
                    (span.line, (span.start, span.end), mapped)
                }
                Cursor::Csv { reader, headers, dialect, record } => {
                    match reader.read_record(record) {
                        Ok(false) => {
                            self.cursor = Cursor::Done;
                            return false;
                        }
                        Ok(true) => {
                            let pos = record.position().cloned().unwrap_or_else(csv::Position::new);
                            let (start, line) = csv_record_start(&self.text, *dialect, &pos);
                            let end = dialect.header_offset + reader.position().byte() as usize;
                            let mapped = check_width(headers, record).and_then(|()| (self.def.from_csv)(headers, record, &self.ctx));
                            (line, (start, end), mapped)
                        }
                        Err(e) => {
                            let line = e.position().map_or(0, |p| csv_record_start(&self.text, *dialect, p).1);
                            (line, (0, 0), Err(format!("not readable as CSV: {e}")))
                        }
                    }
                }
            };
            for w in self.ctx.take_warnings() {
                self.report.warn(line, w);
            }
            match mapped {
                Ok(mut event) => {
                    event.line = line;
                    event.raw = crate::model::RawSpan::new(span.0 as u64, trim_record_end(&self.text, span.0, span.1) as u64);
                    if dedupe.first_time(event.source, &event.record_id) {
                        self.note_kept(&event);
                        out.push(event);
                    } else {
                        self.report.duplicates += 1;
                    }
                }
                Err(reason) => self.report.reject(line, reason),
            }
        }
        true
    }

    fn note_kept(&mut self, event: &Event) {
        self.report.rows_ok += 1;
        self.report.first = Some(self.report.first.map_or(event.time, |t| t.min(event.time)));
        self.report.last = Some(self.report.last.map_or(event.time, |t| t.max(event.time)));
        let federated = event.attr(crate::model::attr::FEDERATED_NAME).map(str::to_string).unwrap_or_default();
        for account in [&event.actor, &event.target, &federated] {
            if looks_like_upn(account) && !self.accounts.contains(account.as_str()) {
                self.accounts.insert(account.to_ascii_lowercase());
            }
        }
    }

    /// Share of the file read so far, 0.0 to 1.0.
    pub fn progress(&self) -> f64 {
        let total = self.text.len().max(1) as f64;
        match &self.cursor {
            Cursor::Done => 1.0,
            Cursor::Json { spans, next } => spans.get(*next).map_or(1.0, |s| s.start as f64 / total),
            Cursor::Csv { reader, .. } => reader.position().byte() as f64 / total,
        }
    }

    pub fn report(&self) -> &IngestReport {
        &self.report
    }

    /// The finished report and the decoded text the events' raw spans point into.
    pub fn finish(mut self) -> (IngestReport, FileText) {
        self.report.notes.append(&mut self.ctx.file_notes.borrow_mut());
        self.report.accounts = self.accounts.into_iter().collect();
        (self.report, self.text)
    }
}

/// Unpack gzip data (one or more members); `None` when it is not gzip.
/// Unpacked size is capped so a hostile file cannot take all memory.
fn gunzip(bytes: &[u8]) -> Option<Result<Vec<u8>, String>> {
    use std::io::Read;
    const MAX_UNPACKED: u64 = 2 << 30;
    if !bytes.starts_with(b"\x1f\x8b") {
        return None;
    }
    let mut out = Vec::new();
    let decoder = flate2::read::MultiGzDecoder::new(bytes);
    Some(match decoder.take(MAX_UNPACKED + 1).read_to_end(&mut out) {
        Ok(_) if out.len() as u64 > MAX_UNPACKED => Err("it unpacks to more than 2 GiB".into()),
        Ok(_) => Ok(out),
        Err(e) => Err(e.to_string()),
    })
}

/// `name@domain` with nothing else around it: a mailbox folder path such as
/// `victim@contoso.com\\Inbox` or a display name is not an account.
fn looks_like_upn(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else { return false };
    !local.is_empty() && domain.contains('.') && !domain.contains('@') && !s.contains(['\\', '/', ' '])
}

/// A row narrower than the header is usually a cut-off line; wider rows are
/// accepted when the extra fields are empty (trailing delimiters).
fn check_width(headers: &Headers, record: &csv::StringRecord) -> Result<(), String> {
    let (got, want) = (record.len(), headers.len());
    if got < want && !(got == 1 && want == 1) {
        return Err(format!("has {got} fields but the header has {want} (cut-off line?)"));
    }
    if got > want && record.iter().skip(want).any(|f| !f.trim().is_empty()) {
        return Err(format!("has {got} fields but the header has {want}"));
    }
    Ok(())
}

/// Where a CSV record starts in the text, and its 1-based line. The reader
/// starts at the header row, so its byte offsets count from there; after a
/// CRLF it places the next record at the `\n`, one line early.
fn csv_record_start(text: &str, dialect: Dialect, pos: &csv::Position) -> (usize, u32) {
    let mut start = dialect.header_offset + pos.byte() as usize;
    let mut line = pos.line() as u32 + dialect.skipped_lines;
    if text.as_bytes().get(start) == Some(&b'\n') {
        start += 1;
        line += 1;
    }
    (start, line)
}

/// A CSV record's span runs to the start of the next one; drop the line break.
fn trim_record_end(text: &str, start: usize, end: usize) -> usize {
    let slice = text.get(start..end).unwrap_or("");
    start + slice.trim_end_matches(['\r', '\n']).len()
}

/// Ingest a whole file at once. The events' raw spans point into the returned text.
pub fn ingest_bytes(file_name: &str, bytes: &[u8], dedupe: &mut Deduper) -> (IngestReport, Vec<Event>, FileText) {
    ingest_owned(file_name, bytes.to_vec(), dedupe)
}

/// `ingest_bytes` for bytes the caller can give up: UTF-8 text is not copied.
pub fn ingest_owned(file_name: &str, bytes: Vec<u8>, dedupe: &mut Deduper) -> (IngestReport, Vec<Event>, FileText) {
    match FileIngest::open_owned(file_name, bytes) {
        Ok(mut job) => {
            let mut events = Vec::new();
            while job.step(4096, dedupe, &mut events) {}
            let (report, text) = job.finish();
            (report, events, text)
        }
        Err(report) => (*report, Vec::new(), FileText::default()),
    }
}

/// The original record behind an event, as JSON for the detail pane: JSON
/// records as they are, CSV rows as `{header: value}` with JSON-looking
/// fields (such as `AuditData`) expanded.
pub fn raw_record(text: &str, format: Format, event: &Event) -> Value {
    let raw = event.raw.slice(text);
    match format.container {
        Container::Json => serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string())),
        Container::Csv { delimiter } => {
            let dialect = csv_input::sniff_dialect(text);
            let header_line = text[dialect.header_offset..].lines().next().unwrap_or("");
            let two_rows = format!("{header_line}\n{raw}");
            let mut rdr = csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(two_rows.as_bytes());
            let mut rows = rdr.records().filter_map(Result::ok);
            let (Some(header), Some(row)) = (rows.next(), rows.next()) else { return Value::String(raw.to_string()) };
            let obj = header
                .iter()
                .zip(row.iter())
                .map(|(h, v)| {
                    let value = nested_json(&Value::String(v.to_string())).unwrap_or_else(|| Value::String(v.to_string()));
                    (h.trim_start_matches('\u{feff}').to_string(), value)
                })
                .collect();
            Value::Object(obj)
        }
    }
}
