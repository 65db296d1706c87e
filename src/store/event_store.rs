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
//! next `add_file` or `remove_file`; across added rows they can be followed
//! (`rows_moved_since`).

use super::attrs::{AttrRemap, EncodedAhead, AttrValue, Attrs, KeyPlaces};
use super::interner::{Interner, EMPTY};
use super::packed::Packed;
use super::row_moves::{RowMover, RowMoves};
use crate::ingest::stream::batch::{self, Batch};
use crate::ingest::{FileSource, IngestReport};
use crate::model::attr::RECORD_ID;
use crate::model::{Event, EventRef, Outcome, RawSpan, Source, TimeMs};
use serde_json::Value;
use std::marker::PhantomData;

/// Not yet looked up (in a batch's string-number remap).
const NO_SYM: u32 = u32::MAX;

/// An attribute key resolved by `EventStore::attr_key`: where its value
/// sits in each of the store's attribute templates. It borrows the store,
/// which therefore cannot change while it is held.
#[derive(Clone, Debug)]
pub struct AttrKey<'s> {
    places: KeyPlaces,
    _store: PhantomData<&'s EventStore>,
}

/// An attribute value as the store keeps it (`EventStore::attr_ref_at`).
/// One text may be `Shared` in some rows and `Text` in others: compare
/// texts, not variants; a number only ever stands for one text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AttrRef<'s> {
    /// A value shared between rows, by number (`shared_attr_text`).
    Shared(u32),
    /// A value the store keeps as each row's own text.
    Text(&'s str),
}

/// A test of a text column's values, run once per distinct value by
/// `EventStore::text_match`. It borrows the store, like `AttrKey`.
#[derive(Clone, Debug)]
pub struct TextMatch<'s> {
    column: TextColumn,
    /// By symbol of the column's dictionary.
    hits: Vec<bool>,
    any: bool,
    _store: PhantomData<&'s EventStore>,
}

impl TextMatch<'_> {
    /// Whether some value of the column passed (else no row can match).
    pub fn any(&self) -> bool {
        self.any
    }
}

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

    fn of<'a>(self, event: &EventRef<'a>) -> &'a str {
        match self {
            TextColumn::Operation => event.operation,
            TextColumn::Actor => event.actor,
            TextColumn::Target => event.target,
            TextColumn::Ip => event.ip,
            TextColumn::Country => event.country,
            TextColumn::City => event.city,
            TextColumn::UserAgent => event.user_agent,
            TextColumn::App => event.app,
        }
    }
}

/// One interned column: a symbol per row and the dictionary behind them.
#[derive(Clone, Debug, Default)]
pub(super) struct SymColumn {
    pub(super) rows: Packed,
    pub(super) dict: Interner,
}

/// Latitude and longitude per row (NaN where the log gave none), or no
/// vectors at all while no row has coordinates, as in most logs.
#[derive(Clone, Debug, Default)]
struct Geo {
    lat: Vec<f32>,
    lon: Vec<f32>,
}

impl Geo {
    /// Add row number `row`.
    fn push(&mut self, row: usize, geo: Option<(f64, f64)>) {
        match geo {
            Some((lat, lon)) => {
                self.fill_to(row);
                self.lat.push(lat as f32);
                self.lon.push(lon as f32);
            }
            None if !self.lat.is_empty() => {
                self.lat.push(f32::NAN);
                self.lon.push(f32::NAN);
            }
            None => {}
        }
    }

    /// Materialise NaN rows up to `rows` (the vectors exist from now on).
    fn fill_to(&mut self, rows: usize) {
        if self.lat.len() < rows {
            self.lat.resize(rows, f32::NAN);
            self.lon.resize(rows, f32::NAN);
        }
    }

    /// Coordinates of a row, NaN where there are none.
    fn get(&self, row: usize) -> (f32, f32) {
        (self.lat.get(row).copied().unwrap_or(f32::NAN), self.lon.get(row).copied().unwrap_or(f32::NAN))
    }

    /// Append `other`'s `added` rows after our `rows` rows.
    fn append(&mut self, rows: usize, other: Geo, added: usize) {
        if other.lat.is_empty() {
            if !self.lat.is_empty() {
                self.fill_to(rows + added);
            }
            return;
        }
        self.fill_to(rows);
        self.lat.extend_from_slice(&other.lat);
        self.lon.extend_from_slice(&other.lon);
    }

    fn gather(&mut self, order: &[u32]) {
        if !self.lat.is_empty() {
            gather(&mut self.lat, order);
            gather(&mut self.lon, order);
        }
    }

    /// Whether the columns are empty (no row has a place) or hold every row.
    fn is_full(&self, rows: usize) -> bool {
        self.lat.is_empty() || (self.lat.len() == rows && self.lon.len() == rows)
    }

    fn tail_to_front(&mut self, start: usize, order: &[u32]) {
        for column in [&mut self.lat, &mut self.lon] {
            if !column.is_empty() {
                tail_to_front(column, start, order);
            }
        }
    }

    fn rotate_left_in(&mut self, range: std::ops::Range<usize>, by: usize) {
        for column in [&mut self.lat, &mut self.lon] {
            if !column.is_empty() {
                column[range.clone()].rotate_left(by);
            }
        }
    }

    fn shrink_to_fit(&mut self) {
        self.lat.shrink_to_fit();
        self.lon.shrink_to_fit();
    }

    fn heap_bytes(&self) -> usize {
        (self.lat.capacity() + self.lon.capacity()) * 4
    }
}

/// The steps `EventStore::expect_rows_in_step` makes room in: four groups
/// of columns, then each text column.
pub const ROOM_STEPS: usize = 4 + TextColumn::ALL.len();

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
    /// `FileId` numbers.
    pub(super) file: Packed,
    line: Packed,
    /// Each record's place in its file: start byte (low 32 bits, and the
    /// high bits, zero below 4 GiB) and length.
    raw_start: Vec<u32>,
    raw_start_high: Packed,
    raw_len: Packed,
    pub(super) text: [SymColumn; 8],
    geo: Geo,
    /// Every row's attributes (see `attrs`).
    pub(super) attrs: Attrs,
    /// IP databases and their answer per distinct address (`enriched`).
    pub(super) ip_answers: super::enriched::IpAnswers,
    /// Where rows went in recent merges, for row numbers held across them.
    moves: RowMoves,
    /// Parts of loading files whose strings were looked up here ahead of
    /// their merge (`prepare_part`).
    prepared: Vec<PreparedPart>,
}

/// A part's dictionaries renumbered into the store's: entry `i` of each
/// list is the store's symbol for the part's symbol `i`. Filled from the
/// front, a few thousand strings per step.
#[derive(Clone, Debug, Default)]
struct PreparedPart {
    part: u64,
    text: Vec<Vec<u32>>,
    attr_keys: Vec<u32>,
    attr_values: Vec<u32>,
    /// Its rows' attributes, encoded in the store's numbering.
    attr_rows: EncodedAhead,
}

/// Parts prepared at once: one per file loading at the same time.
const MAX_PREPARED_PARTS: usize = 8;

/// Each `PendingFile` gets its own number, so a store can tell which part
/// a preparation belongs to.
static NEXT_PART: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl EventStore {
    pub fn new() -> EventStore {
        EventStore::default()
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
        self.time.shrink_to_fit();
        self.source.shrink_to_fit();
        self.outcome.shrink_to_fit();
        self.file.shrink_to_fit();
        self.line.shrink_to_fit();
        self.raw_start.shrink_to_fit();
        self.raw_start_high.shrink_to_fit();
        self.raw_len.shrink_to_fit();
        self.geo.shrink_to_fit();
        self.attrs.shrink_to_fit();
        for col in &mut self.text {
            col.rows.shrink_to_fit();
            col.dict.shrink_to_fit();
        }
    }

    /// Add a file whose events were gathered in a `PendingFile` while it was
    /// read; same result as `add_file` without holding every `Event` at once.
    pub fn add_pending(&mut self, report: IngestReport, source: impl Into<FileSource>, pending: PendingFile) -> FileId {
        let id = self.add_loading(report, source, pending);
        self.shrink_to_fit();
        id
    }

    /// `add_pending` keeping the columns' spare room: for the first rows
    /// of a file still loading, or a file finished while others load
    /// (`release_spare_room` gives the room back after the last).
    pub fn add_loading(&mut self, report: IngestReport, source: impl Into<FileSource>, pending: PendingFile) -> FileId {
        let id = self.new_file_id();
        self.files.push(LoadedFile { id, report, source: source.into() });
        let old_len = self.len();
        let prepared = self.take_prepared(&pending);
        self.append_rows(pending.rows, id, prepared);
        self.restore_time_order(old_len);
        self.refresh_ip_answers();
        id
    }

    /// Add more rows to a file already in the store: a file still loading
    /// shows its rows as they come, in parts (see `ui::loader`).
    pub fn extend_file(&mut self, id: FileId, pending: PendingFile) {
        if pending.is_empty() || !self.files.iter().any(|f| f.id == id) {
            return;
        }
        let old_len = self.len();
        let prepared = self.take_prepared(&pending);
        self.append_rows(pending.rows, id, prepared);
        self.restore_time_order(old_len);
        // No shrink here: it would copy every column once per part; the
        // slack goes when the last loading file is finished
        // (`release_spare_room`).
        self.refresh_ip_answers();
    }

    /// Drop every file and row (a new case), keeping the IP databases,
    /// which are reference data. File ids are not reused: a load still
    /// under way for the old case must not take a new file for its own.
    pub fn clear_evidence(&mut self) {
        let mut moves = std::mem::take(&mut self.moves);
        moves.rebuilt();
        let mut fresh = EventStore { next_file: self.next_file, moves, ..EventStore::new() };
        fresh.set_enrichment(self.enrichment().clone());
        *self = fresh;
    }

    /// What is known of a file once it has been read to the end: its
    /// report and where its bytes are.
    pub fn finish_file(&mut self, id: FileId, report: IngestReport, source: impl Into<FileSource>) {
        if let Some(file) = self.files.iter_mut().find(|f| f.id == id) {
            file.report = report;
            file.source = source.into();
        }
    }

    /// Give back the columns' room beyond their rows, once no file is
    /// streaming in that made room for rows still to come.
    pub fn release_spare_room(&mut self) {
        self.shrink_to_fit();
    }

    /// Rows the columns hold room for without growing.
    pub fn row_capacity(&self) -> usize {
        self.time.capacity()
    }

    /// Look up to `budget` more of `part`'s distinct strings in this store's
    /// dictionaries, adding those it lacks, so that merging the part later
    /// (`extend_file`, `add_pending`) only renumbers its rows. True once
    /// every string is looked up. Readers see no change: rows stay as they
    /// are, and dictionaries only gain entries. The browser does this a few
    /// thousand strings per task before a loading file's part is merged:
    /// interning a 100,000-row part at once (a new record and session id per
    /// row) held the page's thread for tens of milliseconds.
    pub fn prepare_part(&mut self, part: &PendingFile, budget: usize) -> bool {
        if self.is_empty() {
            // The part's columns will be taken as they are (`append_rows`).
            return true;
        }
        let at = match self.prepared.iter().position(|p| p.part == part.id) {
            Some(at) => at,
            None => {
                // A load cancelled after preparing leaves its preparation
                // behind: keep only the latest few (one dropped is redone
                // by the merge).
                if self.prepared.len() >= MAX_PREPARED_PARTS {
                    self.prepared.remove(0);
                }
                self.prepared.push(PreparedPart { part: part.id, text: vec![Vec::new(); self.text.len()], ..PreparedPart::default() });
                self.prepared.len() - 1
            }
        };
        let prepared = &mut self.prepared[at];
        let mut left = budget;
        for ((mine, theirs), remap) in self.text.iter_mut().zip(&part.rows.text).zip(&mut prepared.text) {
            if !mine.dict.continue_remap(&theirs.dict, remap, &mut left) {
                return false;
            }
        }
        let theirs = &part.rows.attrs;
        self.attrs.keys.continue_remap(&theirs.keys, &mut prepared.attr_keys, &mut left)
            && self.attrs.values.continue_remap(&theirs.values, &mut prepared.attr_values, &mut left)
            && self.attrs.encode_ahead(theirs, &prepared.attr_keys, &prepared.attr_values, &mut prepared.attr_rows, &mut left)
    }

    /// What `prepare_part` looked up for `part`, if anything.
    fn take_prepared(&mut self, part: &PendingFile) -> Option<PreparedPart> {
        let at = self.prepared.iter().position(|p| p.part == part.id)?;
        Some(self.prepared.swap_remove(at))
    }

    /// Append the rows gathered in `rows` (a `PendingFile`'s) as file `file`;
    /// `prepared`, when given, is how far their strings were looked up here.
    fn append_rows(&mut self, rows: EventStore, file: FileId, prepared: Option<PreparedPart>) {
        let added = rows.len();
        if self.is_empty() {
            // Nothing here refers to our dictionaries: take the columns as
            // they are instead of copying and re-numbering them.
            let EventStore { time, source, outcome, line, raw_start, raw_start_high, raw_len, text, geo, attrs, .. } = rows;
            (self.time, self.source, self.outcome, self.line) = (time, source, outcome, line);
            (self.raw_start, self.raw_start_high, self.raw_len) = (raw_start, raw_start_high, raw_len);
            (self.text, self.geo, self.attrs) = (text, geo, attrs);
            self.file = Packed::filled(u32::from(file.0), added);
            self.forget_ip_answers();
            // Other parts' symbols were looked up in the dictionaries just replaced.
            self.prepared.clear();
            return;
        }
        let PreparedPart { text: mut text_remaps, attr_keys, attr_values, attr_rows, .. } = prepared.unwrap_or_default();
        text_remaps.resize(self.text.len(), Vec::new());
        let old_len = self.len();
        self.reserve(added);
        self.time.extend_from_slice(&rows.time);
        self.source.extend_from_slice(&rows.source);
        self.outcome.extend_from_slice(&rows.outcome);
        self.file.push_n(u32::from(file.0), added);
        self.line.append(&rows.line);
        self.raw_start.extend_from_slice(&rows.raw_start);
        self.raw_start_high.append(&rows.raw_start_high);
        self.raw_len.append(&rows.raw_len);
        self.geo.append(old_len, rows.geo, added);
        for ((mine, theirs), mut remap) in self.text.iter_mut().zip(&rows.text).zip(text_remaps) {
            mine.dict.continue_remap(&theirs.dict, &mut remap, &mut { usize::MAX });
            let largest = remap.iter().copied().max().unwrap_or(EMPTY);
            mine.rows.append_mapped(&theirs.rows, largest, |s| remap.get(s as usize).copied().unwrap_or(EMPTY));
        }
        self.attrs.append_remapped(rows.attrs, attr_keys, attr_values, attr_rows);
    }

    /// Drop a file and its rows.
    pub fn remove_file(&mut self, id: FileId) {
        if !self.files.iter().any(|f| f.id == id) {
            return;
        }
        self.files.retain(|f| f.id != id);
        let keep: Vec<u32> = (0..self.len() as u32).filter(|&r| self.file.get(r as usize) != Some(u32::from(id.0))).collect();
        self.apply_order(&keep);
        self.moves.rebuilt();
        self.attrs.compact();
        // The columns kept their room through the gather; the file's rows
        // are gone, so is the room they took.
        self.shrink_to_fit();
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

    /// The logs the store holds rows of, in `Source::ALL` order. A file
    /// may hold several (diagnostic-settings records mix sign-ins and audit).
    pub fn sources(&self) -> Vec<Source> {
        let mut seen = [false; Source::ALL.len()];
        for &i in &self.source {
            if let Some(s) = seen.get_mut(i as usize) {
                *s = true;
            }
        }
        Source::ALL.iter().zip(seen).filter(|(_, seen)| *seen).map(|(s, _)| *s).collect()
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
        col.dict.resolve(col.rows.get(row as usize).unwrap_or(EMPTY))
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
        let col = |c: TextColumn| self.text[c.index()].rows.get(row).unwrap_or(EMPTY);
        col(TextColumn::Country) != EMPTY || col(TextColumn::City) != EMPTY || !self.geo.get(row).0.is_nan()
    }

    /// Latitude and longitude, where the log gave them.
    pub fn geo(&self, row: u32) -> Option<(f64, f64)> {
        if row as usize >= self.len() {
            return None;
        }
        let (lat, lon) = self.geo.get(row as usize);
        (!lat.is_nan() && !lon.is_nan()).then_some((f64::from(lat), f64::from(lon)))
    }

    /// The row's attributes in the order the parser kept them.
    pub fn attrs(&self, row: u32) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.attrs.row(row as usize).map(move |(k, v)| (self.attrs.keys.resolve(k), self.attrs.text(v)))
    }

    /// One attribute's value (key matched exactly).
    pub fn attr(&self, row: u32, key: &str) -> Option<&str> {
        self.attrs.get(row as usize, key)
    }

    /// An attribute key resolved once, for reading it from many rows with
    /// `attr_at` (no hashing of the name nor search of the row's keys per
    /// row); `None` when no row has the key.
    pub fn attr_key(&self, name: &str) -> Option<AttrKey<'_>> {
        Some(AttrKey { places: self.attrs.key_places(name)?, _store: PhantomData })
    }

    /// `attr(row, name)` for the key `key` resolved by this store.
    #[inline]
    pub fn attr_at(&self, row: u32, key: &AttrKey<'_>) -> Option<&str> {
        self.attrs.get_at(row as usize, &key.places)
    }

    /// `attr_at`, with values the store shares between rows given by
    /// number, so that callers can work something out once per distinct
    /// value (see `AttrRef`).
    #[inline]
    pub fn attr_ref_at(&self, row: u32, key: &AttrKey<'_>) -> Option<AttrRef<'_>> {
        Some(match self.attrs.value_at(row as usize, &key.places)? {
            AttrValue::Sym(sym) => AttrRef::Shared(sym),
            AttrValue::Text(text) => AttrRef::Text(text),
        })
    }

    /// The text of an `AttrRef::Shared` value.
    pub fn shared_attr_text(&self, id: u32) -> &str {
        self.attrs.values.resolve(id)
    }

    /// The `AttrRef::Shared` number of a text, if some row shares it.
    pub fn shared_attr_id(&self, text: &str) -> Option<u32> {
        self.attrs.values.get(text)
    }

    /// How many `AttrRef::Shared` numbers there are (they run from 0).
    pub fn shared_attr_count(&self) -> usize {
        self.attrs.values.len()
    }

    /// The number standing for a row's value in a text column: rows with
    /// equal values have equal numbers, which run from 0 to
    /// `text_id_count` (and change when the store does). For working
    /// something out once per distinct value.
    #[inline]
    pub fn text_id(&self, row: u32, column: TextColumn) -> u32 {
        self.text[column.index()].rows.get(row as usize).unwrap_or(EMPTY)
    }

    pub fn text_id_count(&self, column: TextColumn) -> usize {
        self.text[column.index()].dict.len()
    }

    /// The text a `text_id` stands for.
    pub fn text_of_id(&self, column: TextColumn, id: u32) -> &str {
        self.text[column.index()].dict.resolve(id)
    }

    /// Whether the row has the attribute at all (as `attr(row, name).is_some()`),
    /// told by the row's template alone.
    #[inline]
    pub fn has_attr(&self, row: u32, key: &AttrKey<'_>) -> bool {
        self.attrs.has_key(row as usize, &key.places)
    }

    /// Which distinct values of a text column pass `test`, worked out once
    /// per value, for filtering rows by comparing numbers (`text_matches`,
    /// `rows_matching`).
    pub fn text_match(&self, column: TextColumn, test: impl Fn(&str) -> bool) -> TextMatch<'_> {
        let dict = &self.text[column.index()].dict;
        let hits: Vec<bool> = (0..dict.len() as u32).map(|sym| test(dict.resolve(sym))).collect();
        let any = hits.contains(&true);
        TextMatch { column, hits, any, _store: PhantomData }
    }

    /// Whether the row's value passed the `text_match` test.
    #[inline]
    pub fn text_matches(&self, row: u32, matched: &TextMatch<'_>) -> bool {
        let rows = &self.text[matched.column.index()].rows;
        rows.get(row as usize).and_then(|sym| matched.hits.get(sym as usize)).copied().unwrap_or(false)
    }

    /// The rows whose value passed the `text_match` test, in order.
    pub fn rows_matching(&self, matched: &TextMatch<'_>) -> Vec<u32> {
        if !matched.any {
            return Vec::new();
        }
        let rows = &self.text[matched.column.index()].rows;
        rows.select(0..self.len(), |sym| matched.hits.get(sym as usize).copied().unwrap_or(false))
    }

    pub fn file_of(&self, row: u32) -> FileId {
        FileId(self.file.get(row as usize).unwrap_or_default() as u16)
    }

    /// 1-based line of the record in its file.
    pub fn line(&self, row: u32) -> u32 {
        self.line.get(row as usize).unwrap_or_default()
    }

    pub fn raw_span(&self, row: u32) -> RawSpan {
        let row = row as usize;
        let low = self.raw_start.get(row).copied().unwrap_or_default();
        let high = self.raw_start_high.get(row).unwrap_or_default();
        let len = self.raw_len.get(row).unwrap_or_default();
        RawSpan { start: u64::from(high) << 32 | u64::from(low), len }
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
        (1..self.attrs.keys.len() as u32).map(move |k| self.attrs.keys.resolve(k))
    }

    /// Approximate heap bytes held by the columns and dictionaries (the
    /// files' texts not included).
    pub fn heap_bytes(&self) -> usize {
        self.heap_breakdown().iter().map(|(_, bytes)| bytes).sum()
    }

    /// `heap_bytes` part by part (columns, dictionaries), largest first.
    pub fn heap_breakdown(&self) -> Vec<(String, usize)> {
        let mut parts: Vec<(String, usize)> = vec![
            ("time".into(), self.time.capacity() * 8),
            ("source, outcome".into(), self.source.capacity() + self.outcome.capacity()),
            ("file".into(), self.file.heap_bytes()),
            ("line".into(), self.line.heap_bytes()),
            ("raw span".into(), self.raw_start.capacity() * 4 + self.raw_start_high.heap_bytes() + self.raw_len.heap_bytes()),
            ("lat, lon".into(), self.geo.heap_bytes()),
            ("IP answers".into(), self.ip_answers_heap_bytes()),
        ];
        parts.extend(self.attrs.heap_parts().iter().map(|&(name, bytes)| (name.to_string(), bytes)));
        for column in TextColumn::ALL {
            let col = &self.text[column.index()];
            parts.push((format!("{column:?} column"), col.rows.heap_bytes()));
            parts.push((format!("{column:?} dict ({} strings)", col.dict.len()), col.dict.heap_bytes()));
        }
        parts.sort_by_key(|part| std::cmp::Reverse(part.1));
        parts
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

    /// Make room for `total` rows in all, when a load can tell how many
    /// are coming: a column growing by doubling copies everything it holds,
    /// which at millions of rows is a pause of 100 ms or more on the page.
    pub fn expect_rows(&mut self, total: usize) {
        for step in 0..ROOM_STEPS {
            while !self.expect_rows_in_step(total, step) {}
        }
    }

    /// One of the `ROOM_STEPS` parts of `expect_rows` (four groups of
    /// columns, then each text column), for whoever cannot stop for all of it at once:
    /// making room copies each column, and all of them for 750,000 rows
    /// took 86 ms on the page. Room in some columns and not yet in others
    /// changes nothing a reader sees. Returns whether the step is done:
    /// the attributes' bytes take several calls (`reserve_exact_in_pieces`).
    pub fn expect_rows_in_step(&mut self, total: usize, step: usize) -> bool {
        // Exactly: room on top of another loading file's room is more
        // than the columns hold, and `reserve` would double them past it
        // (the attributes' bytes to hundreds of MB, a 119 ms task).
        let extra = total.saturating_sub(self.len());
        match step {
            0 => self.time.reserve_exact(extra),
            1 => {
                self.source.reserve_exact(extra);
                self.outcome.reserve_exact(extra);
                self.file.reserve_exact(extra);
                self.line.reserve_exact(extra);
            }
            2 => {
                self.raw_start.reserve_exact(extra);
                self.raw_start_high.reserve_exact(extra);
                self.raw_len.reserve_exact(extra);
            }
            3 => return self.attrs.reserve_exact_in_pieces(extra),
            text => {
                if let Some(col) = self.text.get_mut(text - 4) {
                    col.rows.reserve_exact(extra);
                }
            }
        }
        true
    }

    /// Room for `extra` more rows in every column.
    fn reserve(&mut self, extra: usize) {
        self.time.reserve(extra);
        self.source.reserve(extra);
        self.outcome.reserve(extra);
        self.file.reserve(extra);
        self.line.reserve(extra);
        self.raw_start.reserve(extra);
        self.raw_start_high.reserve(extra);
        self.raw_len.reserve(extra);
        self.attrs.reserve(extra);
        for col in &mut self.text {
            col.rows.reserve(extra);
        }
    }

    fn push_event(&mut self, file: FileId, event: Event) {
        self.push_ref(file, &event.as_ref());
    }

    fn push_ref(&mut self, file: FileId, event: &EventRef) {
        let row = self.len();
        self.time.push(event.time);
        self.source.push(event.source.index());
        self.outcome.push(event.outcome.index());
        self.file.push(u32::from(file.0));
        self.line.push(event.line);
        self.raw_start.push(event.raw.start as u32);
        self.raw_start_high.push((event.raw.start >> 32) as u32);
        self.raw_len.push(event.raw.len);
        for column in TextColumn::ALL {
            let col = &mut self.text[column.index()];
            let sym = col.dict.intern(column.of(event));
            col.rows.push(sym);
        }
        self.geo.push(row, event.geo);
        // The record's own id (UAL `Id`, sign-in request id, audit id) is how
        // findings, bookmarks and answer keys name an event across reloads;
        // kept as an attribute so it is also searchable (`RecordId:…`).
        let record_id = (!event.record_id.is_empty()).then_some((RECORD_ID, event.record_id));
        self.attrs.push_row(event.attrs.iter().chain(record_id));
    }

    /// The events of `batch` marked in `keep`, as `push_ref` would add them,
    /// each distinct string looked up once (see `ingest::stream::batch`).
    fn push_batch(&mut self, file: FileId, batch: &Batch, keep: &[bool]) {
        let mut remaps: Vec<Vec<u32>> = (0..TextColumn::ALL.len()).map(|c| vec![NO_SYM; batch.table(c).len()]).collect();
        // The batch's strings the store already has (most of them: the same
        // accounts, addresses and objects recur from slice to slice) are
        // looked up first, one after another, so their cache misses in the
        // dictionaries overlap; inside the row loop each lookup waited on
        // its own (10% of `loupe summary`'s CPU). Strings new to the store
        // are still added in row order below, so symbols are numbered as
        // before.
        for (c, (col, remap)) in self.text.iter().zip(&mut remaps).enumerate() {
            let table = batch.table(c);
            for (id, sym) in remap.iter_mut().enumerate() {
                if let Some(known) = col.dict.get(table.get(id as u32)) {
                    *sym = known;
                }
            }
        }
        let mut attr_remap = AttrRemap::new(batch.table(batch::KEY_TABLE), batch.table(batch::VALUE_TABLE));
        let mut geo = batch.geo().peekable();
        for (i, _) in keep.iter().enumerate().filter(|(_, &k)| k) {
            let row = self.len();
            self.time.push(batch.time(i));
            self.source.push(batch.source_index(i));
            self.outcome.push(batch.outcome_index(i));
            self.file.push(u32::from(file.0));
            self.line.push(batch.line(i));
            let raw = batch.raw(i);
            self.raw_start.push(raw.start as u32);
            self.raw_start_high.push((raw.start >> 32) as u32);
            self.raw_len.push(raw.len);
            for (c, (col, remap)) in self.text.iter_mut().zip(&mut remaps).enumerate() {
                let id = batch.text_id(c, i) as usize;
                let sym = match remap.get(id).copied() {
                    Some(sym) if sym != NO_SYM => sym,
                    Some(_) => {
                        let sym = col.dict.intern(batch.table(c).get(id as u32));
                        remap[id] = sym;
                        sym
                    }
                    None => EMPTY,
                };
                col.rows.push(sym);
            }
            // Skip the places of events not kept, then take this one's.
            while geo.next_if(|(at, _)| *at < i).is_some() {}
            let at = geo.next_if(|(at, _)| *at == i).map(|(_, g)| g);
            self.geo.push(row, at);
            self.attrs.push_batch_row(batch.attr_ids(i), &mut attr_remap, batch.record_id(i));
        }
    }

    /// The record's own id as the log gives it, or `""`.
    pub fn record_id(&self, row: u32) -> &str {
        self.attr(row, RECORD_ID).unwrap_or("")
    }

    /// Rows before `old_len` are sorted; sort the rest and merge them in,
    /// noting where the earlier rows went (`moves`).
    fn restore_time_order(&mut self, old_len: usize) {
        let total = self.len();
        let added = self.time.get(old_len..).map(time_order).unwrap_or_default();
        let appends = old_len == 0 || self.time.get(old_len - 1..old_len + 1).is_none_or(|t| t[0] <= t[1]);
        let added: Vec<u32> = match added {
            None if appends => return self.moves.merged(Vec::new()),
            None => (old_len as u32..total as u32).collect(),
            Some(order) => order.into_iter().map(|r| r + old_len as u32).collect(),
        };
        if old_len == 0 {
            self.apply_order(&added);
            return self.moves.merged(Vec::new());
        }
        // A newest-first export arrives in parts, each older than every row
        // before it: the part goes in front, which moves the columns' bytes
        // rather than gathering every row through an index.
        // Rows of equal time keep file order, so a part's newest rows that
        // tie with the oldest row before it go after the rows of that time:
        // the two short runs swap places once the part is in front. (With
        // times in seconds a tie at a part's edge is common; merging through
        // an index instead took 50–70 ms in wasm at 2.8 M rows.)
        let oldest_kept = self.time[0];
        let newest_added = added.last().map_or(TimeMs::MIN, |&r| self.time[r as usize]);
        if newest_added <= oldest_kept && self.geo.is_full(total) {
            let added_ties = added.iter().rev().take_while(|&&r| self.time[r as usize] == oldest_kept).count();
            let kept_ties = self.time[..old_len].iter().take_while(|&&t| t == oldest_kept).count();
            let tail_order: Vec<u32> = added.iter().map(|&r| r - old_len as u32).collect();
            self.put_tail_in_front(old_len, &tail_order);
            let first_tie = added.len() - added_ties;
            if added_ties > 0 {
                self.rotate_rows(first_tie..added.len() + kept_ties, added_ties);
            }
            let mut inserted_after = vec![0; first_tie];
            inserted_after.resize(added.len(), kept_ties as u32);
            return self.moves.merged(inserted_after);
        }
        let mut order = Vec::with_capacity(total);
        let mut inserted_after = Vec::with_capacity(added.len());
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
                inserted_after.push(a as u32);
                b += 1;
            }
        }
        self.apply_order(&order);
        // Rows added after every earlier row move nothing.
        if inserted_after.first().is_some_and(|&first| first as usize == old_len) {
            inserted_after.clear();
        }
        self.moves.merged(inserted_after);
    }

    /// The layout row numbers handed out now belong to: it changes
    /// whenever rows are added or removed.
    pub fn row_layout(&self) -> u64 {
        self.moves.layout()
    }

    /// Where rows numbered in layout `since` are now, or `None` when they
    /// cannot be followed (rows were removed, or too many merges ago).
    pub fn rows_moved_since(&self, since: u64) -> Option<RowMover<'_>> {
        self.moves.since(since)
    }

    /// Order the rows from `old_len` on by `tail_order` (positions within
    /// them), then move them in front of the others.
    fn put_tail_in_front(&mut self, old_len: usize, tail_order: &[u32]) {
        tail_to_front(&mut self.time, old_len, tail_order);
        tail_to_front(&mut self.source, old_len, tail_order);
        tail_to_front(&mut self.outcome, old_len, tail_order);
        tail_to_front(&mut self.raw_start, old_len, tail_order);
        for packed in [&mut self.file, &mut self.line, &mut self.raw_start_high, &mut self.raw_len] {
            packed.tail_to_front(old_len, tail_order);
        }
        for col in &mut self.text {
            col.rows.tail_to_front(old_len, tail_order);
        }
        self.geo.tail_to_front(old_len, tail_order);
        self.attrs.tail_to_front(old_len, tail_order);
    }

    /// Rotate the rows in `range` left by `by` (the first `by` go last).
    fn rotate_rows(&mut self, range: std::ops::Range<usize>, by: usize) {
        self.time[range.clone()].rotate_left(by);
        self.source[range.clone()].rotate_left(by);
        self.outcome[range.clone()].rotate_left(by);
        self.raw_start[range.clone()].rotate_left(by);
        for packed in [&mut self.file, &mut self.line, &mut self.raw_start_high, &mut self.raw_len] {
            packed.rotate_left_in(range.clone(), by);
        }
        for col in &mut self.text {
            col.rows.rotate_left_in(range.clone(), by);
        }
        self.geo.rotate_left_in(range.clone(), by);
        self.attrs.rotate_left_in(range, by);
    }

    /// Keep the rows listed, in the order listed (a permutation or a subset).
    /// The attributes' bytes stay where they are.
    fn apply_order(&mut self, order: &[u32]) {
        gather(&mut self.time, order);
        gather(&mut self.source, order);
        gather(&mut self.outcome, order);
        self.file.gather(order);
        self.line.gather(order);
        gather(&mut self.raw_start, order);
        self.raw_start_high.gather(order);
        self.raw_len.gather(order);
        self.geo.gather(order);
        for col in &mut self.text {
            col.rows.gather(order);
        }
        self.attrs.gather(order);
    }
}

/// The stable sort by time of `times` (positions), or `None` when they are
/// already in order. Exports that list the newest first are put in order
/// without sorting: runs of equal times are taken from the back, each kept
/// in its own order.
fn time_order(times: &[TimeMs]) -> Option<Vec<u32>> {
    if times.windows(2).all(|w| w[0] <= w[1]) {
        return None;
    }
    let mut order = Vec::with_capacity(times.len());
    if times.windows(2).all(|w| w[0] >= w[1]) {
        let mut end = times.len();
        while end > 0 {
            let time = times[end - 1];
            let start = times[..end].iter().rposition(|&t| t != time).map_or(0, |i| i + 1);
            order.extend(start as u32..end as u32);
            end = start;
        }
    } else {
        order.extend(0..times.len() as u32);
        order.sort_by_key(|&r| times[r as usize]);
    }
    Some(order)
}

/// Fewer bytes than any log's record with a time and an action takes: the
/// most rows `PendingFile::expect_file_bytes` makes room for per byte.
const MIN_ROW_BYTES: u64 = 32;

/// A file's events, interned as they arrive (see `EventStore::add_pending`).
/// In the browser the ingest steps push each batch here, so a large export
/// never exists as a million owned `Event`s.
#[derive(Clone, Debug)]
pub struct PendingFile {
    rows: EventStore,
    /// Names this part for `EventStore::prepare_part`.
    id: u64,
    /// The size of the file the rows come from, until room is made for
    /// them (`expect_file_bytes`).
    file_bytes: Option<u64>,
}

impl Default for PendingFile {
    fn default() -> Self {
        PendingFile::new()
    }
}

impl PendingFile {
    pub fn new() -> PendingFile {
        PendingFile { rows: EventStore::new(), id: NEXT_PART.fetch_add(1, std::sync::atomic::Ordering::Relaxed), file_bytes: None }
    }

    /// The rows will come from a file of `bytes` bytes, in file order:
    /// after the first batch, room is made for as many rows as the file
    /// holds at that batch's bytes per row. Columns growing by doubling
    /// copied everything they held, each time to fresh pages (in `loupe
    /// summary` of a 291 MB export, most of the merging thread's page
    /// faults).
    pub fn expect_file_bytes(&mut self, bytes: u64) {
        self.file_bytes = Some(bytes);
    }

    pub fn push(&mut self, event: Event) {
        self.rows.push_event(FileId::default(), event);
    }

    /// `push` from borrowed fields (no `String` per field).
    pub fn push_ref(&mut self, event: &EventRef) {
        self.rows.push_ref(FileId::default(), event);
    }

    /// The events of a worker's batch marked in `keep` (the same rows as
    /// `push_ref` of each, with far less hashing).
    pub fn push_batch(&mut self, batch: &Batch, keep: &[bool]) {
        self.rows.push_batch(FileId::default(), batch, keep);
        let read = batch.len().checked_sub(1).map_or(0, |last| batch.raw(last).end());
        if let (Some(file_bytes), true) = (self.file_bytes, read > 0) {
            self.file_bytes = None;
            // An eighth more, so that rows a little shorter on average than
            // the first batch's do not cost one last doubling; never more
            // than a row per `MIN_ROW_BYTES`, however short the first were.
            let rows = (self.rows.len() as u64 * file_bytes / read).min(file_bytes / MIN_ROW_BYTES);
            self.rows.expect_rows(usize::try_from(rows + rows / 8).unwrap_or(0));
        }
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

/// `column = order.map(|row| column[row])`; `order` holds valid rows.
/// Put `column[start..]` in `order` (positions counted from `start`).
pub(super) fn reorder_tail<T: Copy>(column: &mut [T], start: usize, order: &[u32]) {
    let Some(tail) = column.get_mut(start..) else { return };
    if order.iter().enumerate().all(|(i, &r)| i == r as usize) {
        return;
    }
    let reordered: Vec<T> = order.iter().map(|&r| tail[r as usize]).collect();
    tail.copy_from_slice(&reordered);
}

/// `column[start..]` put in `order`, then moved in front of the rest.
pub(super) fn tail_to_front<T: Copy>(column: &mut [T], start: usize, order: &[u32]) {
    reorder_tail(column, start, order);
    column.rotate_right(order.len());
}

fn gather<T: Copy>(column: &mut Vec<T>, order: &[u32]) {
    *column = gathered(column, order, column.capacity());
}

/// `values` picked in `order`, in a vector with room for `capacity`: a
/// merge through an index keeps the room made for rows still to come
/// (collected to their length, the columns doubled again at the next part,
/// copying every row).
pub(super) fn gathered<T: Copy>(values: &[T], order: &[u32], capacity: usize) -> Vec<T> {
    let mut out = Vec::with_capacity(capacity.max(order.len()));
    out.extend(order.iter().map(|&r| values[r as usize]));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{parse, EvalContext, FacetField};

    /// A tiny PRNG so the events are the same every run.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) % n.max(1)
        }
    }

    /// `n` events of file number `file`, newest first (as a UAL export),
    /// with equal times, coordinates only in file 1, record offsets past
    /// 4 GiB in file 2, values shared by many rows, by some, and by none.
    fn events(file: u64, n: u64) -> Vec<Event> {
        let mut rng = Rng(file * 7919 + 1);
        (0..n)
            .map(|i| {
                let mut event = Event {
                    time: 1_000_000 - (i as i64 / 3) * 10 - rng.below(2) as i64,
                    source: Source::ALL[rng.below(Source::ALL.len() as u64) as usize],
                    outcome: Outcome::ALL[rng.below(Outcome::ALL.len() as u64) as usize],
                    operation: ["MailItemsAccessed", "Send", "FileAccessed"][rng.below(3) as usize].into(),
                    actor: format!("User{}@Contoso.com", rng.below(40)),
                    target: format!("https://contoso/Docs/File{}.PDF", rng.below(3000)),
                    ip: format!("203.0.113.{}", rng.below(300)),
                    country: if i % 5 == 0 { "NL".into() } else { String::new() },
                    user_agent: "Mozilla/5.0".into(),
                    line: i as u32 + 2,
                    raw: RawSpan { start: i * 1000 + if file == 2 { 5 << 32 } else { 0 }, len: (i * 37 % 90_000) as u32 },
                    record_id: if i % 50 == 7 { String::new() } else { format!("{file:x}{i:07x}-rec-{:x}", rng.below(1 << 30)) },
                    geo: (file == 1 && i % 4 == 0).then_some((52.37, 4.89)),
                    ..Event::default()
                };
                event.set_attr("Workload", ["Exchange", "OneDrive"][rng.below(2) as usize]);
                event.set_attr("MailboxOwnerUPN", format!("user{}@contoso.com", rng.below(500)));
                event.set_attr("SessionId", format!("S{i}-{}", rng.below(1 << 20)));
                if i % 3 == 0 {
                    event.set_attr("ObjectId", format!("Ünïcode Folder\\Item{}", rng.below(20_000)));
                }
                if i % 7 == 0 {
                    event.set_attr("Param.Name", ["Invoices", "RSS"][rng.below(2) as usize]);
                }
                event
            })
            .collect()
    }

    /// The store's view of a row, as an `Event` with the fields it keeps.
    fn row(store: &EventStore, r: u32) -> (Event, FileId) {
        let mut event = store.event(r);
        event.attrs = store.attrs(r).map(|(k, v)| (k.to_string(), v.to_string())).collect();
        (event, store.file_of(r))
    }

    /// What the store should hold: every file's events, stably by time.
    fn expected(files: &[(FileId, Vec<Event>)]) -> Vec<(Event, FileId)> {
        let mut all: Vec<(Event, FileId)> = files
            .iter()
            .flat_map(|(id, events)| {
                events.iter().map(move |e| {
                    let mut e = e.clone();
                    e.geo = e.geo.map(|(a, b)| (f64::from(a as f32), f64::from(b as f32)));
                    e.source_time = String::new();
                    if !e.record_id.is_empty() {
                        e.attrs.push((RECORD_ID.into(), e.record_id.clone()));
                    }
                    (e, *id)
                })
            })
            .collect();
        all.sort_by_key(|(e, _)| e.time);
        all
    }

    fn check(store: &EventStore, files: &[(FileId, Vec<Event>)]) {
        let want = expected(files);
        assert_eq!(store.len(), want.len());
        for (r, want) in want.iter().enumerate() {
            assert_eq!(&row(store, r as u32), want, "row {r}");
        }
    }

    /// Rows whose text columns or attribute values contain `needle`
    /// (lower-cased), worked out the slow way.
    fn naive_search(store: &EventStore, needle: &str) -> Vec<u32> {
        let contains = |text: &str| !text.is_empty() && text.to_lowercase().contains(needle);
        (0..store.len() as u32)
            .filter(|&r| TextColumn::ALL.iter().any(|&c| contains(store.text(r, c))) || store.attrs(r).any(|(_, v)| contains(v)))
            .collect()
    }

    #[test]
    fn a_new_case_empties_the_store_without_reusing_file_ids() {
        let mut store = EventStore::new();
        let first = store.add_file(IngestReport::default(), FileSource::default(), events(0, 50));
        store.clear_evidence();
        assert!(store.is_empty() && store.files().is_empty());
        let second = store.add_file(IngestReport::default(), FileSource::default(), events(1, 50));
        assert_ne!(first, second, "a load of the old case still holds {first:?}");
        store.remove_file(first);
        assert_eq!(store.len(), 50, "removing the old case's file leaves the new one alone");
    }

    /// Parts of a newest-first file go in front of the rows before them
    /// (moved, not re-sorted), their rows tying with the oldest before them
    /// put after those; parts of a second file over the same hours are
    /// merged in. Either way every row number handed out before a part
    /// still finds its row after it, and the rows end as a whole load puts
    /// them. (Times come in runs of up to three equal ones: parts of 700,
    /// 7 and 2 rows cut runs at their edges.)
    #[test]
    fn rows_followed_across_parts_put_in_front_and_merged() {
        for part_rows in [700, 7, 2] {
            rows_followed_across_parts_of(part_rows);
        }
    }

    fn rows_followed_across_parts_of(part_rows: usize) {
        let mut store = EventStore::new();
        let mut whole = EventStore::new();
        for file in [1u64, 0] {
            let events = events(file, 3000);
            let mut id = None;
            for part in events.chunks(part_rows) {
                let before: Vec<(u32, u32)> = (0..store.len() as u32).map(|r| (store.file.at(r as usize), store.line(r))).collect();
                let layout = store.row_layout();
                let mut pending = PendingFile::new();
                pending.extend(part.iter().cloned());
                match id {
                    None => id = Some(store.add_pending(IngestReport::default(), FileSource::default(), pending)),
                    Some(id) => store.extend_file(id, pending),
                }
                let moved = store.rows_moved_since(layout).expect("rows can be followed across a part");
                for (row, place) in before.iter().enumerate() {
                    let now = moved.row(row as u32);
                    assert_eq!((store.file.at(now as usize), store.line(now)), *place, "row {row} of the earlier layout");
                }
                assert!(store.time.windows(2).all(|w| w[0] <= w[1]), "in time order");
            }
            whole.add_file(IngestReport::default(), FileSource::default(), events);
        }
        for row in 0..whole.len() as u32 {
            assert_eq!(store.event(row), whole.event(row), "row {row} with parts of {part_rows}");
        }
    }

    #[test]
    fn facets_are_the_most_frequent_values_ties_by_value() {
        let mut store = EventStore::new();
        store.add_file(IngestReport::default(), FileSource::default(), events(0, 5000));
        let rows: Vec<u32> = (0..store.len() as u32).filter(|r| r % 3 != 0).collect();
        for (field, column) in [(FacetField::Ip, TextColumn::Ip), (FacetField::User, TextColumn::Actor), (FacetField::Operation, TextColumn::Operation)] {
            // Counted the slow way: every value, sorted by count, then value.
            let mut all: std::collections::BTreeMap<String, u32> = std::collections::BTreeMap::new();
            for &r in &rows {
                let value = store.text(r, column);
                if !value.is_empty() {
                    *all.entry(value.to_string()).or_default() += 1;
                }
            }
            let mut expected: Vec<(String, u32)> = all.into_iter().collect();
            expected.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            for top in [0, 1, 7, 10, 1000] {
                let got: Vec<(String, u32)> = store.facets(&rows, field, top).into_iter().map(|f| (f.value, f.count)).collect();
                assert_eq!(got, expected.iter().take(top).cloned().collect::<Vec<_>>(), "{field:?} top {top}");
            }
        }
    }

    /// A file finishing, or another file's first rows arriving, keeps the
    /// room a load still streaming made; the last one gives it back.
    #[test]
    fn room_stays_until_released() {
        let mut store = EventStore::new();
        let mut pending = PendingFile::new();
        pending.extend(events(0, 100));
        let id = store.add_pending(IngestReport::default(), FileSource::default(), pending);
        for step in 0..ROOM_STEPS {
            store.expect_rows_in_step(10_000, step);
        }
        store.finish_file(id, IngestReport::default(), FileSource::default());
        let mut other = PendingFile::new();
        other.extend(events(2, 100));
        store.add_loading(IngestReport::default(), FileSource::default(), other);
        assert!(store.row_capacity() >= 10_000, "room kept: {}", store.row_capacity());
        store.release_spare_room();
        assert!(store.row_capacity() < 10_000, "room given back: {}", store.row_capacity());
        assert_eq!(store.len(), 200);
        // Removing a file gives its rows' room back too.
        for step in 0..ROOM_STEPS {
            store.expect_rows_in_step(10_000, step);
        }
        store.remove_file(id);
        assert!(store.row_capacity() < 10_000, "room given back on removal: {}", store.row_capacity());
        assert_eq!(store.len(), 100);
    }

    #[test]
    fn room_made_for_rows_changes_nothing_but_capacity() {
        let events = events(0, 3000);
        let (mut plain, mut roomy) = (EventStore::new(), EventStore::new());
        let (mut plain_id, mut roomy_id) = (None, None);
        for (n, part) in events.chunks(700).enumerate() {
            let mut pending = PendingFile::new();
            pending.extend(part.iter().cloned());
            match plain_id {
                None => plain_id = Some(plain.add_pending(IngestReport::default(), FileSource::default(), pending.clone())),
                Some(id) => plain.extend_file(id, pending.clone()),
            }
            match roomy_id {
                None => roomy_id = Some(roomy.add_pending(IngestReport::default(), FileSource::default(), pending)),
                Some(id) => roomy.extend_file(id, pending),
            }
            if n == 0 {
                roomy.expect_rows(events.len());
                assert!(roomy.attrs.data.capacity() >= roomy.attrs.data.len() * events.len() / roomy.len() * 9 / 10, "room for the rows' attributes too");
                // Every step of `expect_rows_in_step` made its columns' room.
                assert!(roomy.time.capacity() >= events.len());
                assert!(roomy.source.capacity() >= events.len() && roomy.raw_start.capacity() >= events.len());
            }
        }
        assert_eq!(roomy.len(), plain.len());
        for row in 0..plain.len() as u32 {
            assert_eq!(roomy.event(row), plain.event(row), "row {row}");
        }
    }

    #[test]
    fn parts_prepared_in_steps_merge_as_parts_that_were_not() {
        let files: Vec<Vec<Event>> = (0..2).map(|f| events(f, 2500)).collect();
        let mut plain = EventStore::new();
        let mut prepared = EventStore::new();
        for events in &files {
            let (mut plain_id, mut prepared_id) = (None, None);
            for (n, part) in events.chunks(600).enumerate() {
                let mut pending = PendingFile::new();
                pending.extend(part.iter().cloned());
                match plain_id {
                    None => plain_id = Some(plain.add_pending(IngestReport::default(), FileSource::default(), pending.clone())),
                    Some(id) => plain.extend_file(id, pending.clone()),
                }
                // A few strings per step; every other part is merged with
                // its preparation only begun, which the merge finishes.
                let mut steps = 0;
                while !prepared.prepare_part(&pending, 37) {
                    steps += 1;
                    if n % 2 == 1 && steps == 3 {
                        break;
                    }
                }
                if !prepared.is_empty() && n % 2 == 0 {
                    assert!(steps > 0, "a part takes several steps of 37 strings");
                }
                match prepared_id {
                    None => prepared_id = Some(prepared.add_pending(IngestReport::default(), FileSource::default(), pending)),
                    Some(id) => prepared.extend_file(id, pending),
                }
                assert!(prepared.prepared.is_empty(), "a merged part's preparation is let go");
            }
        }
        assert_eq!(prepared.len(), plain.len());
        for row in 0..plain.len() as u32 {
            assert_eq!(prepared.event(row), plain.event(row), "row {row}");
        }
        // A preparation made against dictionaries that were then replaced is dropped, not used.
        let mut store = EventStore::new();
        let id = store.add_pending(IngestReport::default(), FileSource::default(), { let mut p = PendingFile::new(); p.extend(events(0, 50)); p });
        let mut late = PendingFile::new();
        late.extend(events(1, 50));
        while !store.prepare_part(&late, 10) {}
        store.remove_file(id);
        store.add_pending(IngestReport::default(), FileSource::default(), { let mut p = PendingFile::new(); p.extend(events(2, 50)); p });
        assert!(store.prepared.is_empty());
    }

    #[test]
    fn holds_what_was_loaded_through_every_path() {
        let files: Vec<Vec<Event>> = (0..3).map(|f| events(f, 4000)).collect();
        let mut direct = EventStore::new();
        let mut pending_store = EventStore::new();
        // Each file in three parts, as a file still loading shows its rows.
        let mut parts_store = EventStore::new();
        let mut loaded = Vec::new();
        for events in &files {
            let id = direct.add_file(IngestReport::default(), FileSource::default(), events.clone());
            let mut pending = PendingFile::new();
            pending.extend(events.iter().cloned());
            assert_eq!(pending_store.add_pending(IngestReport::default(), FileSource::default(), pending), id);
            let mut parts = events.chunks(events.len() / 3 + 1).map(|part| {
                let mut pending = PendingFile::new();
                pending.extend(part.iter().cloned());
                pending
            });
            let first = parts.next().expect("a first part");
            assert_eq!(parts_store.add_pending(IngestReport::default(), FileSource::default(), first), id);
            parts.for_each(|part| parts_store.extend_file(id, part));
            let report = IngestReport { rows_ok: events.len() as u64, ..IngestReport::default() };
            parts_store.finish_file(id, report.clone(), FileSource::default());
            assert_eq!(parts_store.file(id).map(|f| &f.report), Some(&report));
            loaded.push((id, events.clone()));
            check(&direct, &loaded);
            check(&pending_store, &loaded);
            check(&parts_store, &loaded);
        }
        assert!(matches!(direct.raw_start_high, Packed::U8(_)), "offsets past 4 GiB keep their high bits");

        for needle in ["invoices", "ünïcode folder\\item12", "rec-1", "user7", "s59", "zzz"] {
            let query = parse(needle).expect("query");
            let want = naive_search(&direct, needle);
            for store in [&direct, &pending_store] {
                let got = store.filter(&query, &EvalContext::default()).unwrap_or_default();
                assert!(got == want, "{needle}: {} rows, expected {}", got.len(), want.len());
            }
        }
        let record = direct.record_id(100).to_string();
        let by_id = direct.filter(&parse(&format!("RecordId:{record}")).expect("query"), &EvalContext::default()).unwrap_or_default();
        assert_eq!(by_id, vec![100]);
        let ioc = EvalContext { indicators: vec![record.to_uppercase()], ..EvalContext::default() };
        assert_eq!(direct.filter(&parse("ioc").expect("query"), &ioc).ok(), Some(vec![100]));

        for mut store in [direct, pending_store] {
            let mut loaded = loaded.clone();
            let (removed, _) = loaded.remove(1);
            store.remove_file(removed);
            check(&store, &loaded);
            let again = store.add_file(IngestReport::default(), FileSource::default(), files[1].clone());
            loaded.push((again, files[1].clone()));
            check(&store, &loaded);
        }
    }

    /// A worker's batches, with some events dropped (as duplicates are),
    /// build the same rows as the kept events pushed one by one. Runs of
    /// dropped events cover ten placed (geo) events in a row, and
    /// batches split the file at odd sizes so each has its own tables.
    #[test]
    fn batches_with_dropped_events_hold_what_their_kept_events_hold() {
        for file in [1, 2] {
            let events = events(file, 3000);
            let keep: Vec<bool> = (0..events.len()).map(|i| !(10..50).contains(&(i % 300)) && i % 13 != 5).collect();
            let kept: Vec<Event> = events.iter().zip(&keep).filter(|(_, &k)| k).map(|(e, _)| e.clone()).collect();
            let mut want = EventStore::new();
            let want_id = want.add_file(IngestReport::default(), FileSource::default(), kept.clone());
            let mut pending = PendingFile::new();
            let mut at = 0;
            for size in [1, 7, 500, 1024, 3000].iter().cycle() {
                if at >= events.len() {
                    break;
                }
                let end = (at + size).min(events.len());
                let bytes = batch::encode(&events[at..end]);
                let read = Batch::read(&bytes).expect("a batch reads back");
                pending.push_batch(&read, &keep[at..end]);
                at = end;
            }
            let mut got = EventStore::new();
            let got_id = got.add_pending(IngestReport::default(), FileSource::default(), pending);
            check(&got, &[(got_id, kept.clone())]);
            check(&want, &[(want_id, kept)]);
            for r in 0..got.len() as u32 {
                assert_eq!(row(&got, r), row(&want, r), "row {r} of file {file}");
            }
        }
    }

    /// Every way of reading attributes and text columns by resolved key or
    /// number agrees with `attr` and `text`, on every row and key.
    fn check_resolved_reads(store: &EventStore) {
        let mut names: Vec<&str> = store.attr_key_names().collect();
        names.push("NoSuchKey");
        let (mut shared, mut own) = (0, 0);
        for name in names {
            let Some(key) = store.attr_key(name) else {
                assert!((0..store.len() as u32).all(|r| store.attr(r, name).is_none()), "{name}");
                continue;
            };
            for r in 0..store.len() as u32 {
                let want = store.attr(r, name);
                assert_eq!(store.attr_at(r, &key), want, "row {r} key {name}");
                assert_eq!(store.has_attr(r, &key), want.is_some(), "row {r} key {name}");
                let got = match store.attr_ref_at(r, &key) {
                    Some(AttrRef::Shared(id)) => {
                        shared += 1;
                        assert_eq!(store.shared_attr_id(store.shared_attr_text(id)), Some(id));
                        Some(store.shared_attr_text(id))
                    }
                    Some(AttrRef::Text(text)) => {
                        own += 1;
                        Some(text)
                    }
                    None => None,
                };
                assert_eq!(got, want, "row {r} key {name}");
            }
        }
        assert!(shared > 0 && own > 0, "values kept both ways: {shared} shared, {own} own");
        for column in TextColumn::ALL {
            let user = store.text_match(column, |text| text.starts_with("User1"));
            let want: Vec<u32> = (0..store.len() as u32).filter(|&r| store.text(r, column).starts_with("User1")).collect();
            assert_eq!(store.rows_matching(&user), want, "{column:?}");
            assert_eq!(user.any(), !want.is_empty());
            for r in 0..store.len() as u32 {
                assert_eq!(store.text_matches(r, &user), want.binary_search(&r).is_ok());
                let id = store.text_id(r, column);
                assert!((id as usize) < store.text_id_count(column));
                assert_eq!(store.text_of_id(column, id), store.text(r, column));
            }
        }
    }

    #[test]
    fn resolved_keys_and_numbers_read_what_attr_and_text_read() {
        let files: Vec<Vec<Event>> = (0..3).map(|f| events(f, 3000)).collect();
        let mut direct = EventStore::new();
        let mut pending_store = EventStore::new();
        let mut ids = Vec::new();
        for events in &files {
            ids.push(direct.add_file(IngestReport::default(), FileSource::default(), events.clone()));
            let mut pending = PendingFile::new();
            pending.extend(events.iter().cloned());
            pending_store.add_pending(IngestReport::default(), FileSource::default(), pending);
            check_resolved_reads(&direct);
            check_resolved_reads(&pending_store);
        }
        for mut store in [direct, pending_store] {
            store.remove_file(ids[1]);
            check_resolved_reads(&store);
            store.add_file(IngestReport::default(), FileSource::default(), files[1].clone());
            check_resolved_reads(&store);
        }
        assert!(EventStore::new().attr_key("Workload").is_none());
    }

    #[test]
    fn newest_first_with_equal_times_keeps_file_order_among_equals() {
        assert_eq!(time_order(&[1, 2, 2, 3]), None);
        assert_eq!(time_order(&[3, 2, 2, 1]), Some(vec![3, 1, 2, 0]));
        assert_eq!(time_order(&[2, 2, 1, 1, 1]), Some(vec![2, 3, 4, 0, 1]));
        assert_eq!(time_order(&[2, 3, 1, 3]), Some(vec![2, 0, 1, 3]));
        assert_eq!(time_order(&[]), None);
    }

    #[test]
    fn rows_cost_what_the_table_says() {
        let mut pending = PendingFile::new();
        pending.extend(events(0, 20_000));
        let mut store = EventStore::new();
        store.add_pending(IngestReport::default(), FileSource::default(), pending);
        let per_row = store.heap_bytes() / store.len();
        assert!(per_row < 120, "{per_row} bytes per row: {:?}", store.heap_breakdown());
    }
}
