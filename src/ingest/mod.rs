//! Reading evidence files into events.
//!
//! A file goes through one pipeline whatever it holds: decode the text
//! (`text`), tell CSV from JSON and find the records (`csv_input`,
//! `json_split`), recognise the export layout from its content through one
//! table of layouts (`sniff`), then map each record with that layout's
//! function (`signin`, `audit`, `ual`, `graph_activity`, `message_trace`,
//! `identity_protection`, and for cloud
//! infrastructure `azure_activity`, `cloudtrail`, `gcp_audit`). A bad record is counted and listed
//! with its line; it never costs the rest of the file.
//!
//! Files are read as they stream in (`stream`): cut into slices of whole
//! records that parse independently, on other threads or Web Workers, with
//! each event keeping its byte range in the file (`original`) so the
//! record is read again when shown. `ingest_bytes` runs a whole file held
//! in memory through the same slices.

pub mod audit;
pub mod azure_activity;
pub mod cloudtrail;
pub mod csv_input;
pub mod dates;
pub mod entra_diagnostic;
pub mod gcp_audit;
pub mod graph_activity;
pub mod identity_protection;
pub mod json_record;
pub mod json_split;
pub mod message_trace;
pub mod stream;
mod original;
mod provisioning;
mod report;
pub mod signin;
mod sniff;
pub mod text;
pub mod ual;

pub use original::{FileSource, Original, ReadAt};
pub use report::{hex, IngestReport, RowIssue, MAX_LISTED_ISSUES};
pub use sniff::{layout_score, Container, Format, Schema, SchemaDef, SCHEMAS};

use crate::model::{Event, Source, TimeMs};
use csv_input::Headers;
use dates::DateOrder;
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

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
    /// Day/month evidence of the locale dates parsed through `parse_time`.
    dates_seen: std::cell::Cell<dates::DateEvidence>,
}

impl RowCtx {
    pub fn new(date_order: DateOrder) -> RowCtx {
        RowCtx { date_order, file_name: String::new(), warnings: RefCell::default(), file_notes: RefCell::default(), dates_seen: Default::default() }
    }

    /// A record's time, in the file's day/month order. Locale dates are
    /// also counted as evidence of that order, so a slice read far from the
    /// start can tell when its dates contradict it (`dates_seen`).
    pub fn parse_time(&self, text: &str) -> Option<TimeMs> {
        let mut seen = self.dates_seen.get();
        seen.add(text.trim().trim_matches('"'));
        self.dates_seen.set(seen);
        dates::parse_time(text, self.date_order)
    }

    /// What the locale dates parsed so far say about day/month order.
    pub fn dates_seen(&self) -> dates::OrderGuess {
        self.dates_seen.get().guess()
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
/// twice (overlapping searches) is kept once. Each id keeps a hash of its
/// record's content, so a record that reuses an id with different content
/// (an edited export, a tool that numbers records per file, tampering) is
/// not mistaken for a copy: it is kept and counted as a conflicting id.
#[derive(Debug)]
pub struct Deduper {
    /// Dedupe key → content hash of the first record with that id
    /// (`UNKNOWN_CONTENT` when it was remembered without one), in
    /// `DEDUPE_TABLES` tables by the key's top bits.
    seen: Vec<HashMap<u64, u64>>,
    /// Later contents seen under an id (key, content hash): a further copy
    /// of one of them is a duplicate, not another conflict.
    variants: HashSet<(u64, u64)>,
}

/// What `Deduper::offer` found for a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seen {
    /// Its id was not seen before.
    First,
    /// The same id with the same content was already read: a copy, dropped.
    Duplicate,
    /// The same id was read with different content: kept, and reported.
    ConflictingId,
}

/// The ids are kept in this many tables (by their key's top bits), so that
/// room for millions of ids is made a table at a time (`expect_in_table`):
/// one table of 3 million took 27 ms natively and 82 ms in wasm to make.
pub const DEDUPE_TABLES: usize = 16;

impl Default for Deduper {
    fn default() -> Deduper {
        Deduper { seen: vec![HashMap::new(); DEDUPE_TABLES], variants: HashSet::new() }
    }
}

/// The content of an id remembered by `first_time` (rebuilt from the store,
/// which does not keep a content hash): any record with that id is a copy.
const UNKNOWN_CONTENT: u64 = 0;

impl Deduper {
    /// True the first time a (source, id) pair is offered; records without
    /// an id are always kept.
    pub fn first_time(&mut self, source: Source, record_id: &str) -> bool {
        record_id.is_empty() || self.first_time_key(Deduper::key(source, record_id))
    }

    /// `first_time` with the pair's `key` worked out already; the caller
    /// has checked that the record has an id.
    pub fn first_time_key(&mut self, key: u64) -> bool {
        match self.table(key).entry(key) {
            Entry::Vacant(e) => {
                e.insert(UNKNOWN_CONTENT);
                true
            }
            Entry::Occupied(_) => false,
        }
    }

    /// Make room in table `table` (of `DEDUPE_TABLES`) for its share of
    /// `more` ids, when a load can tell how many are coming (growing a
    /// table re-hashes every id it holds).
    pub fn expect_in_table(&mut self, table: usize, more: usize) {
        if let Some(seen) = self.seen.get_mut(table) {
            seen.reserve(more / DEDUPE_TABLES + 1);
        }
    }

    fn table(&mut self, key: u64) -> &mut HashMap<u64, u64> {
        // Keys are hashes: their top bits spread ids evenly.
        &mut self.seen[(key >> (64 - DEDUPE_TABLES.trailing_zeros())) as usize]
    }

    /// A record with an id: its pair's `key` and its `content_hash`.
    pub fn offer(&mut self, key: u64, content: u64) -> Seen {
        match self.table(key).entry(key) {
            Entry::Vacant(e) => {
                e.insert(content);
                Seen::First
            }
            Entry::Occupied(e) => {
                let first = *e.get();
                if first == content || first == UNKNOWN_CONTENT || !self.variants.insert((key, content)) {
                    Seen::Duplicate
                } else {
                    Seen::ConflictingId
                }
            }
        }
    }

    /// The 64-bit hash a (source, id) pair is remembered by. Written out
    /// byte by byte so that it is the same on every target.
    pub fn key(source: Source, record_id: &str) -> u64 {
        use std::hash::Hasher;
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        hasher.write_u8(source.index());
        hasher.write(record_id.as_bytes());
        hasher.finish()
    }

    /// A hash of what a record says: its time, operation, actor and
    /// address. Only what every export layout of a record gives alike: the
    /// same detection exported as a Graph page, a Sentinel table and an
    /// Extractor Suite CSV carries other attributes, app names and places,
    /// and its line and place in the file differ. Each part is taken in the
    /// one spelling all layouts share, so two exports of one record hash
    /// alike (`tests/ingest_conflicting_ids.rs` checks every fixture that
    /// holds a record another fixture holds too):
    /// - the time to the second: the search CSV writes whole seconds, Graph
    ///   and Sentinel fractions (its zone is gone already: times are UTC);
    /// - operation and actor without regard to case: layouts and portals
    ///   write `Alice@Contoso.com` and `alice@contoso.com` for one account;
    /// - an AWS actor by its last part: the console's event history writes
    ///   the user or session name where the records write the whole ARN;
    /// - the address as `ual::normalise_ip` writes it: without a port or
    ///   brackets, IPv4-mapped IPv6 as IPv4 (`[::ffff:1.2.3.4]:443` is
    ///   `1.2.3.4`);
    /// - no operation for sign-ins and message traces, where it is not the
    ///   record's own: a sign-in's kind comes from its table (Sentinel's
    ///   non-interactive table says it, the admin center's CSV does not), a
    ///   message's status is summed up differently by each trace layout
    ///   (and changes while the message is delivered).
    ///
    /// Never `UNKNOWN_CONTENT`.
    pub fn content_hash(source: Source, time: TimeMs, operation: &str, actor: &str, ip: &str) -> u64 {
        use std::hash::Hasher;
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        hasher.write_i64(time.div_euclid(1000));
        if !matches!(source, Source::SignIn | Source::MessageTrace) {
            write_caseless(&mut hasher, operation.trim());
        }
        write_caseless(&mut hasher, aws_principal_name(actor.trim()));
        let ip = ual::normalised_ip(ip);
        hasher.write_u64(ip.len() as u64);
        hasher.write(ip.as_bytes());
        hasher.finish().max(UNKNOWN_CONTENT + 1)
    }

    /// `content_hash` of an event.
    pub fn content_of(event: &crate::model::EventRef) -> u64 {
        Deduper::content_hash(event.source, event.time, event.operation, event.actor, event.ip)
    }
}

/// `text` lower-cased into `hasher`, its length first so no two different
/// splits of the text hash alike. ASCII text (nearly every operation and
/// account) is lowered through a stack buffer, without an allocation per
/// record; both ways feed the same bytes, the lower-cased UTF-8.
fn write_caseless(hasher: &mut impl std::hash::Hasher, text: &str) {
    if text.is_ascii() {
        hasher.write_u64(text.len() as u64);
        let mut lowered = [0u8; 64];
        for chunk in text.as_bytes().chunks(lowered.len()) {
            for (to, from) in lowered.iter_mut().zip(chunk) {
                *to = from.to_ascii_lowercase();
            }
            hasher.write(&lowered[..chunk.len()]);
        }
    } else {
        let lowered = text.to_lowercase();
        hasher.write_u64(lowered.len() as u64);
        hasher.write(lowered.as_bytes());
    }
}

/// The name at the end of an AWS ARN (`arn:aws:sts::1111:assumed-role/Admin/alice`
/// is `alice`, `arn:aws:iam::1111:root` is `root`), as the console's event
/// history writes the user; any other actor as it is.
fn aws_principal_name(actor: &str) -> &str {
    if actor.get(..4).is_some_and(|start| start.eq_ignore_ascii_case("arn:")) {
        let cut = actor.rfind('/').or_else(|| actor.rfind(':')).map_or(0, |i| i + 1);
        &actor[cut..]
    } else {
        actor
    }
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

/// Ingest a whole file at once. The events' raw spans point into the
/// returned source.
pub fn ingest_bytes(file_name: &str, bytes: &[u8], dedupe: &mut Deduper) -> (IngestReport, Vec<Event>, FileSource) {
    let mut events = Vec::new();
    let (report, plan, unpacked) = stream::ingest_in_memory(file_name, bytes, None, dedupe, |e| events.push(e));
    let original = Original::Bytes(Arc::new(unpacked.unwrap_or_else(|| bytes.to_vec())));
    (report, events, FileSource::new(original, plan.as_ref()))
}

/// What a file is, judged from its first bytes only (for telling evidence
/// from other files); the report's `unreadable` says why it is none.
pub fn recognise(file_name: &str, head: &[u8]) -> Result<Format, Box<IngestReport>> {
    let mut splitter = stream::Splitter::new(file_name, usize::MAX, Some(String::new()));
    splitter.push(head)?;
    if splitter.plan().is_none() {
        splitter.finish()?;
    }
    splitter.plan().map(|p| p.format).ok_or_else(|| Box::new(splitter.into_report()))
}

/// The original record behind an event, as JSON for the detail pane: JSON
/// records as they are, CSV rows as `{header: value}` with JSON-looking
/// fields (such as `AuditData`) expanded. `header_line` is the CSV file's
/// header row.
pub fn record_value(format: Format, header_line: &str, raw: &str) -> Value {
    match format.container {
        Container::Json => serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string())),
        Container::Csv { delimiter } => {
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

/// The header row of a CSV text (after any `#TYPE` preamble).
pub fn csv_header_line(text: &str) -> &str {
    let dialect = csv_input::sniff_dialect(text);
    text[dialect.header_offset..].lines().next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_read_again_is_a_copy_only_with_the_same_content() {
        let mut dedupe = Deduper::default();
        let key = Deduper::key(Source::UnifiedAudit, "4f6c");
        let content = |ip: &str| Deduper::content_hash(Source::UnifiedAudit, 1_000, "MailItemsAccessed", "victim@contoso.com", ip);
        assert_eq!(dedupe.offer(key, content("198.51.100.23")), Seen::First);
        assert_eq!(dedupe.offer(key, content("198.51.100.23")), Seen::Duplicate);
        assert_eq!(dedupe.offer(key, content("203.0.113.66")), Seen::ConflictingId);
        // A copy of the edited record is a copy, not another conflict.
        assert_eq!(dedupe.offer(key, content("203.0.113.66")), Seen::Duplicate);
        // The same id in another source is another record.
        assert_eq!(dedupe.offer(Deduper::key(Source::SignIn, "4f6c"), content("203.0.113.66")), Seen::First);
        // Fields do not run into each other.
        let split = |a: &str, b: &str| Deduper::content_hash(Source::UnifiedAudit, 0, a, b, "");
        assert_ne!(split("ab", "c"), split("a", "bc"));
        // Ids remembered without content (rebuilt from the store) only ever see copies.
        assert!(dedupe.first_time(Source::UnifiedAudit, "9a9a"));
        assert_eq!(dedupe.offer(Deduper::key(Source::UnifiedAudit, "9a9a"), content("203.0.113.66")), Seen::Duplicate);
    }

    #[test]
    fn ids_spread_over_every_table_and_room_made_changes_no_answer() {
        let ids: Vec<u64> = (0..4_000).map(|i| Deduper::key(Source::UnifiedAudit, &format!("id-{i}"))).collect();
        let mut roomy = Deduper::default();
        for table in 0..DEDUPE_TABLES {
            roomy.expect_in_table(table, 8_000);
        }
        let mut plain = Deduper::default();
        for (n, &key) in ids.iter().chain(&ids).enumerate() {
            let content = (n % 3) as u64 + 1;
            assert_eq!(roomy.offer(key, content), plain.offer(key, content), "offer {n}");
        }
        assert!(roomy.seen.iter().all(|table| table.len() > 100 && table.capacity() >= 8_000 / DEDUPE_TABLES), "every table used and made room in");
    }

    #[test]
    fn one_record_written_as_each_layout_writes_it_hashes_alike() {
        let hash = |time, operation, actor, ip| Deduper::content_hash(Source::UnifiedAudit, time, operation, actor, ip);
        let t = 1_772_380_698_000; // 2026-03-01T15:58:18Z
        let written = hash(t, "UserLoggedIn", "alice@contoso.com", "198.51.100.23");
        // Fractions of the second, case, ports, brackets, IPv4 in IPv6, blanks.
        assert_eq!(hash(t + 123, "UserLoggedIn", "alice@contoso.com", "198.51.100.23"), written);
        assert_eq!(hash(t + 999, "userloggedin", "Alice@Contoso.COM", "198.51.100.23:50412"), written);
        assert_eq!(hash(t, "UserLoggedIn", " ALICE@CONTOSO.COM", "::ffff:198.51.100.23"), written);
        assert_eq!(hash(t, "UserLoggedIn", "alice@contoso.com", "[::ffff:198.51.100.23]:443"), written);
        let v6 = hash(t, "UserLoggedIn", "alice@contoso.com", "2001:db8::7");
        assert_eq!(hash(t, "UserLoggedIn", "alice@contoso.com", "[2001:DB8:0::7]:443"), v6);
        // What an edit changes is still seen: another second, operation,
        // account or address.
        for edited in [
            hash(t + 1_000, "UserLoggedIn", "alice@contoso.com", "198.51.100.23"),
            hash(t - 1, "UserLoggedIn", "alice@contoso.com", "198.51.100.23"),
            hash(t, "UserLoginFailed", "alice@contoso.com", "198.51.100.23"),
            hash(t, "UserLoggedIn", "alice@contoso.co", "198.51.100.23"),
            hash(t, "UserLoggedIn", "alice@contoso.com", "198.51.100.24"),
            hash(t, "UserLoggedIn", "alice@contoso.com", ""),
            v6,
        ] {
            assert_ne!(edited, written);
        }
        // An AWS actor as its ARN or as the console's user name.
        let aws = |actor: &str| Deduper::content_hash(Source::CloudTrail, t, "ConsoleLogin", actor, "203.0.113.7");
        assert_eq!(aws("arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123/victim@contoso.com"), aws("victim@contoso.com"));
        assert_eq!(aws("arn:aws:iam::111122223333:root"), aws("root"));
        assert_ne!(aws("arn:aws:iam::111122223333:user/alice"), aws("bob"));
        // Case folds alike through the ASCII and the Unicode way, at any length.
        let long = "Victim.With.A.Rather.Long.Name.For.A.Mailbox.Over.Sixty.Four.Bytes@Contoso.com";
        assert_eq!(aws(long), aws(&long.to_lowercase()));
        assert_eq!(aws("ÆLFRIC@contoso.com"), aws("ælfric@CONTOSO.COM"));
        assert_eq!(aws("\u{212A}elvin"), aws("kelvin"));
        // Not an ARN, however it starts (a character across byte 4 included).
        assert_ne!(aws("ärn:x/victim@contoso.com"), aws("victim@contoso.com"));
        assert_ne!(aws("arn"), aws(""));
        // A sign-in's kind and a message's status are the layout's, not the record's.
        let signin = |operation| Deduper::content_hash(Source::SignIn, t, operation, "victim@contoso.com", "102.89.34.5");
        assert_eq!(signin("Sign-in"), signin("Non-interactive sign-in"));
        assert_ne!(signin("Sign-in"), Deduper::content_hash(Source::SignIn, t, "Sign-in", "victim@contoso.com", "102.89.34.6"));
        let trace = |status| Deduper::content_hash(Source::MessageTrace, t, status, "billing@evil.example", "198.51.100.23");
        assert_eq!(trace("Delivered"), trace("FilteredAsSpam"));
    }
}
