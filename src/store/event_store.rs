//! `EventStore`: every loaded event, column by column, in time order.
//!
//! Strings are interned per column (see `interner`), so a row is a handful of
//! integers. Per-row cost, not counting distinct strings:
//!
//! | column                         | bytes |
//! |--------------------------------|-------|
//! | time (i64)                     | 8     |
//! | source, outcome (u8 each)      | 2     |
//! | file (u16)                     | 2     |
//! | line (u32)                     | 4     |
//! | raw span (u64 start, u32 len)  | 12    |
//! | 8 text symbols (u32 each)      | 32    |
//! | lat, lon (f32 each, NaN = none)| 8     |
//! | attribute offset (u32)         | 4     |
//! | **fixed total**                | **72**|
//!
//! plus 8 bytes per attribute (key symbol, value symbol), plus the distinct
//! strings (each kept once, with a lower-cased copy only when it has
//! capitals). Measured by `loupe-bench`: a million UAL events read from a
//! generated `Search-UnifiedAuditLog` export take 167 MB, 176 bytes per
//! event. The files' decoded texts are held separately so the raw record
//! can be shown.
//!
//! Row ids handed out are positions in time order (`u32`), valid until the
//! next `add_file` or `remove_file`.

use super::interner::{Interner, EMPTY};
use crate::ingest::{FileSource, IngestReport};
use crate::model::attr::RECORD_ID;
use crate::model::{Event, Outcome, RawSpan, Source, TimeMs};
use serde_json::Value;

/// Identifies a loaded file for as long as it stays loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u16);

/// A file whose events are in the store: its ingest report and the way
/// back to its records (the events' raw spans are byte ranges in it).
#[derive(Clone, Debug)]
pub struct LoadedFile {
    pub id: FileId,
    pub report: IngestReport,
    pub source: FileSource,
}

/// The interned text columns of an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TextColumn {
    Operation,
    Actor,
    Target,
    Ip,
    Country,
    City,
    UserAgent,
    App,
}

impl TextColumn {
    pub const ALL: [TextColumn; 8] = [
        TextColumn::Operation,
        TextColumn::Actor,
        TextColumn::Target,
        TextColumn::Ip,
        TextColumn::Country,
        TextColumn::City,
        TextColumn::UserAgent,
        TextColumn::App,
    ];

    pub(super) fn index(self) -> usize {
        self as usize
    }

    fn of(self, event: &Event) -> &str {
        match self {
            TextColumn::Operation => &event.operation,
            TextColumn::Actor => &event.actor,
            TextColumn::Target => &event.target,
            TextColumn::Ip => &event.ip,
            TextColumn::Country => &event.country,
            TextColumn::City => &event.city,
            TextColumn::UserAgent => &event.user_agent,
            TextColumn::App => &event.app,
        }
    }
}

/// One interned column: a symbol per row and the dictionary behind them.
#[derive(Clone, Debug, Default)]
pub(super) struct SymColumn {
    pub(super) rows: Vec<u32>,
    pub(super) dict: Interner,
}

/// The loaded events, columnar and sorted by time.
#[derive(Clone, Debug, Default)]
pub struct EventStore {
    pub(super) files: Vec<LoadedFile>,
    next_file: u16,
    pub(super) time: Vec<TimeMs>,
    /// Index into `Source::ALL`.
    pub(super) source: Vec<u8>,
    /// Index into `Outcome::ALL`.
    pub(super) outcome: Vec<u8>,
    pub(super) file: Vec<u16>,
    line: Vec<u32>,
    /// Each record's place in its file: start byte and length.
    raw_start: Vec<u64>,
    raw_len: Vec<u32>,
    pub(super) text: [SymColumn; 8],
    lat: Vec<f32>,
    lon: Vec<f32>,
    pub(super) attr_keys: Interner,
    pub(super) attr_values: Interner,
    /// Every row's attributes, row after row, as (key symbol, value symbol).
    pub(super) attrs: Vec<(u32, u32)>,
    /// Row `r`'s attributes are `attrs[attr_offsets[r]..attr_offsets[r + 1]]`.
    pub(super) attr_offsets: Vec<u32>,
    /// IP databases and their answer per distinct address (`enriched`).
    pub(super) ip_answers: super::enriched::IpAnswers,
}

pub(super) fn source_index(source: Source) -> u8 {
    Source::ALL.iter().position(|s| *s == source).unwrap_or(0) as u8
}

pub(super) fn outcome_index(outcome: Outcome) -> u8 {
    Outcome::ALL.iter().position(|o| *o == outcome).unwrap_or(0) as u8
}

impl EventStore {
    pub fn new() -> EventStore {
        EventStore { attr_offsets: vec![0], ..EventStore::default() }
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.time.len()
    }

    pub fn is_empty(&self) -> bool {
        self.time.is_empty()
    }

    pub fn files(&self) -> &[LoadedFile] {
        &self.files
    }

    pub fn file(&self, id: FileId) -> Option<&LoadedFile> {
        self.files.iter().find(|f| f.id == id)
    }

    /// Add a file's events (in any order); rows are re-sorted by time, keeping
    /// earlier-loaded rows first among equal times.
    pub fn add_file(&mut self, report: IngestReport, source: impl Into<FileSource>, events: Vec<Event>) -> FileId {
        let id = self.new_file_id();
        self.files.push(LoadedFile { id, report, source: source.into() });
        if self.attr_offsets.is_empty() {
            self.attr_offsets.push(0);
        }
        let old_len = self.len();
        self.reserve(events.len());
        for event in events {
            self.push_event(id, event);
        }
        self.restore_time_order(old_len);
        self.shrink_to_fit();
        self.refresh_ip_answers();
        id
    }

    /// Loads happen rarely and the store then lives long: trim growth slack.
    fn shrink_to_fit(&mut self) {
        self.attrs.shrink_to_fit();
        self.attr_keys.shrink_to_fit();
        self.attr_values.shrink_to_fit();
        for col in &mut self.text {
            col.dict.shrink_to_fit();
        }
    }

    /// Add a file whose events were gathered in a `PendingFile` while it was
    /// read; same result as `add_file` without holding every `Event` at once.
    pub fn add_pending(&mut self, report: IngestReport, source: impl Into<FileSource>, pending: PendingFile) -> FileId {
        let id = self.new_file_id();
        self.files.push(LoadedFile { id, report, source: source.into() });
        if self.attr_offsets.is_empty() {
            self.attr_offsets.push(0);
        }
        let old_len = self.len();
        let rows = pending.rows;
        let added = rows.len();
        self.reserve(added);
        self.time.extend_from_slice(&rows.time);
        self.source.extend_from_slice(&rows.source);
        self.outcome.extend_from_slice(&rows.outcome);
        self.file.extend(std::iter::repeat(id.0).take(added));
        self.line.extend_from_slice(&rows.line);
        self.raw_start.extend_from_slice(&rows.raw_start);
        self.raw_len.extend_from_slice(&rows.raw_len);
        self.lat.extend_from_slice(&rows.lat);
        self.lon.extend_from_slice(&rows.lon);
        for (mine, theirs) in self.text.iter_mut().zip(&rows.text) {
            let remap = remap_symbols(&theirs.dict, &mut mine.dict);
            mine.rows.extend(theirs.rows.iter().map(|&s| remap.get(s as usize).copied().unwrap_or(EMPTY)));
        }
        let keys = remap_symbols(&rows.attr_keys, &mut self.attr_keys);
        let values = remap_symbols(&rows.attr_values, &mut self.attr_values);
        let base = self.attrs.len() as u32;
        self.attrs.extend(rows.attrs.iter().map(|&(k, v)| (keys.get(k as usize).copied().unwrap_or(EMPTY), values.get(v as usize).copied().unwrap_or(EMPTY))));
        self.attr_offsets.extend(rows.attr_offsets.iter().skip(1).map(|&o| base + o));
        self.restore_time_order(old_len);
        self.shrink_to_fit();
        self.refresh_ip_answers();
        id
    }

    /// Drop a file and its rows.
    pub fn remove_file(&mut self, id: FileId) {
        if !self.files.iter().any(|f| f.id == id) {
            return;
        }
        self.files.retain(|f| f.id != id);
        let keep: Vec<u32> = (0..self.len() as u32).filter(|&r| self.file.get(r as usize) != Some(&id.0)).collect();
        self.apply_order(&keep);
    }

    /// Earliest and latest event time.
    pub fn time_range(&self) -> Option<(TimeMs, TimeMs)> {
        Some((*self.time.first()?, *self.time.last()?))
    }

    /// The first row at or after `time` (`len()` when there is none).
    pub fn first_row_at(&self, time: TimeMs) -> u32 {
        self.time.partition_point(|&t| t < time) as u32
    }

    pub fn time(&self, row: u32) -> TimeMs {
        self.time.get(row as usize).copied().unwrap_or_default()
    }

    pub fn source(&self, row: u32) -> Source {
        self.source.get(row as usize).and_then(|&i| Source::ALL.get(i as usize)).copied().unwrap_or_default()
    }

    pub fn outcome(&self, row: u32) -> Outcome {
        self.outcome.get(row as usize).and_then(|&i| Outcome::ALL.get(i as usize)).copied().unwrap_or_default()
    }

    /// A text column's value for a row (`""` when the log did not say).
    pub fn text(&self, row: u32, column: TextColumn) -> &str {
        let col = &self.text[column.index()];
        col.dict.resolve(col.rows.get(row as usize).copied().unwrap_or(EMPTY))
    }

    pub fn operation(&self, row: u32) -> &str {
        self.text(row, TextColumn::Operation)
    }

    pub fn actor(&self, row: u32) -> &str {
        self.text(row, TextColumn::Actor)
    }

    pub fn target(&self, row: u32) -> &str {
        self.text(row, TextColumn::Target)
    }

    pub fn ip(&self, row: u32) -> &str {
        self.text(row, TextColumn::Ip)
    }

    pub fn country(&self, row: u32) -> &str {
        self.text(row, TextColumn::Country)
    }

    pub fn city(&self, row: u32) -> &str {
        self.text(row, TextColumn::City)
    }

    pub fn user_agent(&self, row: u32) -> &str {
        self.text(row, TextColumn::UserAgent)
    }

    pub fn app(&self, row: u32) -> &str {
        self.text(row, TextColumn::App)
    }

    /// Whether the log itself placed the row (country, city or coordinates).
    pub(super) fn log_has_location(&self, row: usize) -> bool {
        let col = |c: TextColumn| self.text[c.index()].rows.get(row).copied().unwrap_or(EMPTY);
        col(TextColumn::Country) != EMPTY || col(TextColumn::City) != EMPTY || self.lat.get(row).is_some_and(|l| !l.is_nan())
    }

    /// Latitude and longitude, where the log gave them.
    pub fn geo(&self, row: u32) -> Option<(f64, f64)> {
        let lat = *self.lat.get(row as usize)?;
        let lon = *self.lon.get(row as usize)?;
        (!lat.is_nan() && !lon.is_nan()).then_some((f64::from(lat), f64::from(lon)))
    }

    /// The row's attributes in the order the parser kept them.
    pub fn attrs(&self, row: u32) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.attr_syms(row).iter().map(move |&(k, v)| (self.attr_keys.resolve(k), self.attr_values.resolve(v)))
    }

    /// One attribute's value (key matched exactly).
    pub fn attr(&self, row: u32, key: &str) -> Option<&str> {
        let key = self.attr_keys.get(key)?;
        self.attr_syms(row).iter().find(|(k, _)| *k == key).map(|&(_, v)| self.attr_values.resolve(v))
    }

    pub(super) fn attr_syms(&self, row: u32) -> &[(u32, u32)] {
        let r = row as usize;
        match (self.attr_offsets.get(r), self.attr_offsets.get(r + 1)) {
            (Some(&start), Some(&end)) => self.attrs.get(start as usize..end as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    pub fn file_of(&self, row: u32) -> FileId {
        FileId(self.file.get(row as usize).copied().unwrap_or_default())
    }

    /// 1-based line of the record in its file.
    pub fn line(&self, row: u32) -> u32 {
        self.line.get(row as usize).copied().unwrap_or_default()
    }

    pub fn raw_span(&self, row: u32) -> RawSpan {
        let start = self.raw_start.get(row as usize).copied().unwrap_or_default();
        let len = self.raw_len.get(row as usize).copied().unwrap_or_default();
        RawSpan { start, len }
    }

    /// The event as an owned `Event`. `source_time` is not stored; the raw
    /// record (`raw_record`) has it.
    pub fn event(&self, row: u32) -> Event {
        Event {
            time: self.time(row),
            source: self.source(row),
            operation: self.operation(row).to_string(),
            actor: self.actor(row).to_string(),
            target: self.target(row).to_string(),
            ip: self.ip(row).to_string(),
            country: self.country(row).to_string(),
            city: self.city(row).to_string(),
            geo: self.geo(row),
            outcome: self.outcome(row),
            user_agent: self.user_agent(row).to_string(),
            app: self.app(row).to_string(),
            attrs: self.attrs(row).filter(|(k, _)| *k != RECORD_ID).map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            source_time: String::new(),
            line: self.line(row),
            raw: self.raw_span(row),
            record_id: self.record_id(row).to_string(),
        }
    }

    /// The original record behind a row, as the detail pane shows it;
    /// `Null` when the core cannot reach the file's bytes (in the browser
    /// the page reads them and calls `raw_record_from`).
    pub fn raw_record(&self, row: u32) -> Value {
        let Some(file) = self.file(self.file_of(row)) else { return Value::Null };
        match file.source.original.read(self.raw_span(row)) {
            Some(bytes) => self.raw_record_from(row, &bytes),
            None => Value::Null,
        }
    }

    /// The original record behind a row from its bytes (the row's
    /// `raw_span` of its file).
    pub fn raw_record_from(&self, row: u32, bytes: &[u8]) -> Value {
        let Some(file) = self.file(self.file_of(row)) else { return Value::Null };
        let text = file.source.decode(bytes);
        match file.report.format {
            Some(format) => crate::ingest::record_value(format, &file.source.header_line(), &text),
            None => Value::String(text),
        }
    }

    /// Distinct attribute keys of the loaded events (in first-seen order).
    pub fn attr_key_names(&self) -> impl Iterator<Item = &str> + '_ {
        (1..self.attr_keys.len() as u32).map(move |k| self.attr_keys.resolve(k))
    }

    /// Approximate heap bytes held by the columns and dictionaries (the
    /// files' texts not included).
    pub fn heap_bytes(&self) -> usize {
        let fixed = self.time.capacity() * 8
            + self.source.capacity()
            + self.outcome.capacity()
            + self.file.capacity() * 2
            + self.line.capacity() * 4
            + self.raw_start.capacity() * 8
            + self.raw_len.capacity() * 4
            + self.lat.capacity() * 4
            + self.lon.capacity() * 4
            + self.attrs.capacity() * 8
            + self.attr_offsets.capacity() * 4;
        let columns: usize = self.text.iter().map(|c| c.rows.capacity() * 4 + c.dict.heap_bytes()).sum();
        fixed + columns + self.attr_keys.heap_bytes() + self.attr_values.heap_bytes() + self.ip_answers_heap_bytes()
    }

    fn new_file_id(&mut self) -> FileId {
        if self.next_file < u16::MAX {
            self.next_file += 1;
            return FileId(self.next_file);
        }
        // Tens of thousands of loads in one session: reuse a free id.
        let free = (1..u16::MAX).find(|n| !self.files.iter().any(|f| f.id.0 == *n)).unwrap_or(u16::MAX);
        FileId(free)
    }

    fn reserve(&mut self, extra: usize) {
        self.time.reserve(extra);
        self.source.reserve(extra);
        self.outcome.reserve(extra);
        self.file.reserve(extra);
        self.line.reserve(extra);
        self.raw_start.reserve(extra);
        self.raw_len.reserve(extra);
        self.lat.reserve(extra);
        self.lon.reserve(extra);
        self.attr_offsets.reserve(extra);
        for col in &mut self.text {
            col.rows.reserve(extra);
        }
    }

    fn push_event(&mut self, file: FileId, event: Event) {
        self.time.push(event.time);
        self.source.push(source_index(event.source));
        self.outcome.push(outcome_index(event.outcome));
        self.file.push(file.0);
        self.line.push(event.line);
        self.raw_start.push(event.raw.start);
        self.raw_len.push(event.raw.len);
        for column in TextColumn::ALL {
            let col = &mut self.text[column.index()];
            let sym = col.dict.intern(column.of(&event));
            col.rows.push(sym);
        }
        let (lat, lon) = event.geo.map_or((f32::NAN, f32::NAN), |(a, b)| (a as f32, b as f32));
        self.lat.push(lat);
        self.lon.push(lon);
        for (key, value) in &event.attrs {
            let k = self.attr_keys.intern(key);
            let v = self.attr_values.intern(value);
            self.attrs.push((k, v));
        }
        // The record's own id (UAL `Id`, sign-in request id, audit id) is how
        // findings, bookmarks and answer keys name an event across reloads;
        // kept as an attribute so it is also searchable (`RecordId:…`).
        if !event.record_id.is_empty() {
            let k = self.attr_keys.intern(RECORD_ID);
            let v = self.attr_values.intern(&event.record_id);
            self.attrs.push((k, v));
        }
        self.attr_offsets.push(self.attrs.len() as u32);
    }

    /// The record's own id as the log gives it, or `""`.
    pub fn record_id(&self, row: u32) -> &str {
        self.attr(row, RECORD_ID).unwrap_or("")
    }

    /// Rows before `old_len` are sorted; sort the rest and merge them in.
    fn restore_time_order(&mut self, old_len: usize) {
        let total = self.len();
        let mut added: Vec<u32> = (old_len as u32..total as u32).collect();
        added.sort_by_key(|&r| self.time[r as usize]);
        let already_sorted = added.iter().enumerate().all(|(i, &r)| r as usize == old_len + i);
        let appends = match added.first() {
            Some(&r) if old_len > 0 => self.time[old_len - 1] <= self.time[r as usize],
            _ => true,
        };
        if already_sorted && appends {
            return;
        }
        let mut order = Vec::with_capacity(total);
        let (mut a, mut b) = (0usize, 0usize);
        while a < old_len || b < added.len() {
            let take_old = match added.get(b) {
                None => true,
                Some(&new_row) => a < old_len && self.time[a] <= self.time[new_row as usize],
            };
            if take_old {
                order.push(a as u32);
                a += 1;
            } else {
                order.push(added[b]);
                b += 1;
            }
        }
        self.apply_order(&order);
    }

    /// Keep the rows listed, in the order listed (a permutation or a subset).
    fn apply_order(&mut self, order: &[u32]) {
        gather(&mut self.time, order);
        gather(&mut self.source, order);
        gather(&mut self.outcome, order);
        gather(&mut self.file, order);
        gather(&mut self.line, order);
        gather(&mut self.raw_start, order);
        gather(&mut self.raw_len, order);
        gather(&mut self.lat, order);
        gather(&mut self.lon, order);
        for col in &mut self.text {
            gather(&mut col.rows, order);
        }
        let mut attrs = Vec::with_capacity(self.attrs.len());
        let mut offsets = Vec::with_capacity(order.len() + 1);
        offsets.push(0);
        for &row in order {
            attrs.extend_from_slice(self.attr_syms(row));
            offsets.push(attrs.len() as u32);
        }
        self.attrs = attrs;
        self.attr_offsets = offsets;
    }
}

/// A file's events, interned as they arrive (see `EventStore::add_pending`).
/// In the browser the ingest steps push each batch here, so a large export
/// never exists as a million owned `Event`s.
#[derive(Clone, Debug)]
pub struct PendingFile {
    rows: EventStore,
}

impl Default for PendingFile {
    fn default() -> Self {
        PendingFile::new()
    }
}

impl PendingFile {
    pub fn new() -> PendingFile {
        PendingFile { rows: EventStore::new() }
    }

    pub fn push(&mut self, event: Event) {
        self.rows.push_event(FileId::default(), event);
    }

    pub fn extend(&mut self, events: impl IntoIterator<Item = Event>) {
        for event in events {
            self.push(event);
        }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// For each symbol of `from`, its symbol in `into` (interning as needed).
fn remap_symbols(from: &Interner, into: &mut Interner) -> Vec<u32> {
    (0..from.len() as u32).map(|s| into.intern(from.resolve(s))).collect()
}

/// `column = order.map(|row| column[row])`; `order` holds valid rows.
fn gather<T: Copy>(column: &mut Vec<T>, order: &[u32]) {
    let reordered: Vec<T> = order.iter().map(|&r| column[r as usize]).collect();
    *column = reordered;
}
