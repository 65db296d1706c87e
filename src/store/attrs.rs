//! `Attrs`: every row's attributes, the (key, value) pairs in the order the
//! parser kept them, in a few bytes per row.
//!
//! Rows of one kind of record carry the same keys, and most values come
//! from a handful (`Workload`, `RecordType`, `ResultStatus`…). A row is kept
//! as a *template*, its list of (key, value) pairs with a hole where a value
//! is the row's own, and the values that fill the holes:
//!
//! - a template is stored once and shared by every row that has the same
//!   keys and the same values outside the holes;
//! - a row is a string: its template's number, then each hole's value
//!   as a symbol of the shared value dictionary (for values that recur, such
//!   as a mailbox or a site), or as the text itself (for values that are
//!   each row's own, such as record ids: there a dictionary entry and its
//!   hash slot would cost more than the text).
//!
//! How a key's values are kept is learnt as rows arrive. A key starts with
//! its values in the template (`Few`); past `few_limit` distinct values (16,
//! fewer when templates multiply) they go into holes as symbols (`Varied`);
//! when, after 1,024 of them, all but one in a hundred were new, as text
//! (`Unique`), and back to symbols for good if they start to recur. The
//! record id is `Unique` from the start. Only new rows follow a change, so
//! one key's values may be kept differently in different rows: what a row
//! reads back, and what a query matches, is the same either way.
//!
//! Rows' strings are self-delimiting, so a row only needs where its
//! string starts: re-sorting rows moves these starts, not the bytes.
//!
//! Queries match dictionary values once per query and text values per row
//! (`scan_plan`, `row_matches`); each key keeps the set of bytes its text
//! values hold, so a search for `invoice` never reads a record id.

use super::interner::{hash_bytes, lowered, Interner, EMPTY};
use crate::model::attr::RECORD_ID;

/// Template value slot of a hole whose value is a symbol (a number in the row).
const HOLE_SYM: u32 = u32::MAX;
/// Template value slot of a hole whose value is text (length, then bytes).
const HOLE_TEXT: u32 = u32::MAX - 1;
const NO_SLOT: u32 = u32::MAX;

/// Distinct values a key may have before they leave the templates.
const FEW_LIMIT: usize = 16;
/// Occurrences of a key before its values may be judged each row's own;
/// they are when all but one in a hundred were new.
const UNIQUE_AFTER: u32 = 1024;
/// How many of a `Unique` key's values are checked for repeats at a time.
const REPEAT_WINDOW: u32 = 1024;
/// Slots of the table of recently seen `Unique` values (a power of two).
const RECENT_SLOTS: usize = 4096;
/// Templates allowed before their number is watched against the rows'.
const TEMPLATES_BEFORE_PRESSURE: usize = 4096;

/// How a key's values are kept (see the module notes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Class {
    #[default]
    Few,
    Varied,
    Unique,
}

/// What is known about one key's values.
#[derive(Clone, Debug, Default)]
struct KeyStats {
    class: Class,
    /// `Few`: the distinct values seen.
    few: Vec<u32>,
    /// `Varied`: occurrences, and how many of them interned a new value.
    seen: u32,
    fresh: u32,
    /// `Unique` as judged from its values: values checked in this window,
    /// and how many of them had been seen shortly before.
    window: u32,
    repeats: u32,
    /// Values that once recurred stay symbols.
    settled: bool,
    /// The bytes of the values kept as text, lower-cased.
    text_bytes: ByteSet,
}

impl KeyStats {
    fn new(key: &str) -> KeyStats {
        // Record ids are each record's own by definition.
        let class = if key == RECORD_ID { Class::Unique } else { Class::Few };
        KeyStats { class, settled: class == Class::Unique, ..KeyStats::default() }
    }
}

/// A set of byte values: which bytes occur in a key's text values (lower-
/// cased, as query patterns see them). A pattern needing a byte that never
/// occurs cannot match, so a query skips those values without reading them
/// (a search for `invoice` never reads a record id).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct ByteSet([u64; 4]);

impl ByteSet {
    fn add_lowered(&mut self, text: &str) {
        if text.is_ascii() {
            for b in text.bytes() {
                self.insert(b.to_ascii_lowercase());
            }
        } else {
            lowered(text).bytes().for_each(|b| self.insert(b));
        }
    }

    fn insert(&mut self, b: u8) {
        if let Some(word) = self.0.get_mut(usize::from(b >> 6)) {
            *word |= 1 << (b & 63);
        }
    }

    /// Whether every byte of `bytes` is in the set.
    pub(super) fn has_all(&self, bytes: &[u8]) -> bool {
        bytes.iter().all(|&b| self.0.get(usize::from(b >> 6)).is_some_and(|w| w & (1 << (b & 63)) != 0))
    }

    fn union(&mut self, other: &ByteSet) {
        for (mine, theirs) in self.0.iter_mut().zip(other.0) {
            *mine |= theirs;
        }
    }
}

/// What a query looks at in each row's attributes (see `Attrs::scan_plan`).
pub(super) struct ScanPlan {
    /// By template: a pair outside the holes matches.
    hit: Vec<bool>,
    /// By template: some hole may match.
    scan: Vec<bool>,
    /// By key: its symbol holes, its text holes may match.
    sym_keys: Vec<bool>,
    text_keys: Vec<bool>,
}

/// What a batch's key and value numbers became in an `Attrs`, filled in as
/// they are first met (`NO_SLOT` until then).
pub(super) struct AttrRemap<'a> {
    key_table: crate::ingest::stream::batch::Table<'a>,
    value_table: crate::ingest::stream::batch::Table<'a>,
    keys: Vec<u32>,
    values: Vec<u32>,
}

impl<'a> AttrRemap<'a> {
    pub(super) fn new(key_table: crate::ingest::stream::batch::Table<'a>, value_table: crate::ingest::stream::batch::Table<'a>) -> AttrRemap<'a> {
        AttrRemap { key_table, value_table, keys: vec![NO_SLOT; key_table.len()], values: vec![NO_SLOT; value_table.len()] }
    }
}

/// An attribute value as a row holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum AttrValue<'a> {
    /// A symbol of `Attrs::values`.
    Sym(u32),
    /// The text itself (a value no other row shares).
    Text(&'a str),
}

/// Bytes of `data` moved per call of `Attrs::reserve_exact_in_pieces`:
/// moving hundreds of MB at once, into memory the tab touches for the
/// first time, held the page's thread for 40–50 ms.
const DATA_MOVED_PER_PIECE: usize = 16 << 20;

/// The attribute lists of the store's rows (see the module notes).
#[derive(Clone, Debug)]
pub(super) struct Attrs {
    pub(super) keys: Interner,
    /// The values that recur (in templates or as hole symbols).
    pub(super) values: Interner,
    stats: Vec<KeyStats>,
    templates: Templates,
    /// Where row `r`'s string starts in `data`.
    starts: Vec<u32>,
    /// The rows' strings: numbers in `write_varint`'s ASCII form and
    /// values' text, so that a value is read back without checking it is
    /// UTF-8.
    pub(super) data: String,
    /// `data` on its way into a bigger buffer, a piece per call of
    /// `reserve_exact_in_pieces` (its capacity is the room wanted).
    moving_data: Option<String>,
    few_limit: usize,
    /// Template count at which the template pressure is next checked.
    pressure_at: usize,
    /// Fingerprints of recent `Unique` values, to notice them recurring.
    recent: Vec<u32>,
    /// Whether any row holds a value as text.
    has_text: bool,
    scratch: Vec<(u32, u32)>,
    scratch_data: String,
}

impl Default for Attrs {
    fn default() -> Self {
        Attrs {
            keys: Interner::new(),
            values: Interner::new(),
            stats: vec![KeyStats::new("")],
            templates: Templates::new(),
            starts: Vec::new(),
            data: String::new(),
            moving_data: None,
            few_limit: FEW_LIMIT,
            pressure_at: TEMPLATES_BEFORE_PRESSURE,
            recent: Vec::new(),
            has_text: false,
            scratch: Vec::new(),
            scratch_data: String::new(),
        }
    }
}

impl Attrs {
    /// Number of rows.
    pub(super) fn len(&self) -> usize {
        self.starts.len()
    }

    /// Add a row with these attributes, in this order.
    pub(super) fn push_row<'a>(&mut self, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) {
        self.scratch.clear();
        self.scratch_data.clear();
        for (key, value) in pairs {
            let k = self.key_number(key);
            let slot = self.keep_value(k, value, None);
            self.scratch.push((k, slot));
        }
        self.end_row();
    }

    /// `push_row` for a row of a `Batch`: keys and values are string
    /// numbers of the batch's tables, and `remap` remembers what each
    /// number became here, so each distinct string is looked up once per
    /// batch. The same row results as from `push_row` with the texts.
    pub(super) fn push_batch_row(&mut self, pairs: impl Iterator<Item = (u32, u32)>, remap: &mut AttrRemap, record_id: &str) {
        self.scratch.clear();
        self.scratch_data.clear();
        for (key, value) in pairs {
            let k = match remap.keys.get(key as usize).copied() {
                Some(k) if k != NO_SLOT => k,
                _ => {
                    let k = self.key_number(remap.key_table.get(key));
                    if let Some(slot) = remap.keys.get_mut(key as usize) {
                        *slot = k;
                    }
                    k
                }
            };
            let slot = self.keep_value(k, remap.value_table.get(value), remap.values.get_mut(value as usize));
            self.scratch.push((k, slot));
        }
        if !record_id.is_empty() {
            let k = self.key_number(RECORD_ID);
            let slot = self.keep_value(k, record_id, None);
            self.scratch.push((k, slot));
        }
        self.end_row();
    }

    /// The key's number, with statistics kept for it from its first row.
    fn key_number(&mut self, key: &str) -> u32 {
        let k = self.keys.intern(key);
        if k as usize >= self.stats.len() {
            self.stats.resize(k as usize + 1, KeyStats::new(key));
        }
        k
    }

    /// Store the row gathered in `scratch` and `scratch_data`.
    fn end_row(&mut self) {
        let template = self.templates.intern(&self.scratch);
        if self.templates.len() >= self.pressure_at {
            self.ease_template_pressure();
        }
        let start = self.data.len();
        write_varint(&mut self.data, template);
        self.data.push_str(&self.scratch_data);
        self.starts.push(offset(start));
    }

    /// Keep one value of key `k`: its template slot (a symbol or a hole),
    /// with a hole's value written to `scratch_data`. `known_sym` caches the
    /// value's symbol in `values` (`NO_SLOT` until it has one).
    fn keep_value(&mut self, k: u32, value: &str, known_sym: Option<&mut u32>) -> u32 {
        let Some(stats) = self.stats.get_mut(k as usize) else { return EMPTY };
        if stats.class == Class::Unique {
            self.has_text = true;
            write_varint(&mut self.scratch_data, offset(value.len()));
            self.scratch_data.push_str(value);
            stats.text_bytes.add_lowered(value);
            if !stats.settled {
                watch_repeats(stats, &mut self.recent, value);
            }
            return HOLE_TEXT;
        }
        let known = self.values.len();
        let sym = match known_sym {
            Some(&mut sym) if sym != NO_SLOT => sym,
            Some(cache) => {
                *cache = self.values.intern(value);
                *cache
            }
            None => self.values.intern(value),
        };
        if stats.class == Class::Few {
            if stats.few.contains(&sym) {
                return sym;
            }
            if stats.few.len() < self.few_limit {
                stats.few.push(sym);
                return sym;
            }
            *stats = KeyStats { class: Class::Varied, settled: stats.settled, text_bytes: stats.text_bytes, ..KeyStats::default() };
        }
        stats.seen = stats.seen.saturating_add(1);
        if self.values.len() > known {
            stats.fresh += 1;
        }
        if !stats.settled && stats.seen >= UNIQUE_AFTER && u64::from(stats.fresh) * 100 >= u64::from(stats.seen) * 99 {
            stats.class = Class::Unique;
        }
        write_varint(&mut self.scratch_data, sym);
        HOLE_SYM
    }

    /// Many templates for the rows: combinations of `Few` values are too
    /// varied to share, so let fewer values stay in templates.
    fn ease_template_pressure(&mut self) {
        self.pressure_at = self.templates.len() * 2;
        if self.templates.len() * 8 < self.starts.len() + 1 || self.few_limit <= 1 {
            return;
        }
        self.few_limit /= 2;
        for stats in &mut self.stats {
            if stats.class == Class::Few && stats.few.len() > self.few_limit {
                *stats = KeyStats { class: Class::Varied, settled: stats.settled, text_bytes: stats.text_bytes, ..KeyStats::default() };
            }
        }
    }

    /// Row `r`'s attributes as (key symbol, value).
    pub(super) fn row(&self, r: usize) -> AttrRow<'_> {
        let (template, data) = self.row_parts(r);
        AttrRow { pairs: self.templates.get(template).iter(), data }
    }

    /// Row `r`'s template and the string of its holes.
    fn row_parts(&self, r: usize) -> (u32, &str) {
        let data = self.starts.get(r).and_then(|&s| self.data.get(s as usize..)).unwrap_or("");
        match read_varint(data) {
            Some((template, used)) => (template, data.get(used..).unwrap_or("")),
            None => (0, ""),
        }
    }

    /// The text of a value.
    pub(super) fn text<'a>(&'a self, value: AttrValue<'a>) -> &'a str {
        match value {
            AttrValue::Sym(sym) => self.values.resolve(sym),
            AttrValue::Text(text) => text,
        }
    }

    /// One attribute's value (key matched exactly). Only the holes before
    /// it are read, and those only as far as to skip them.
    pub(super) fn get(&self, r: usize, key: &str) -> Option<&str> {
        let key = self.keys.get(key)?;
        let (template, mut data) = self.row_parts(r);
        let pairs = self.templates.get(template);
        let at = pairs.iter().position(|&(k, _)| k == key)?;
        for &(_, slot) in &pairs[..at] {
            data = skip_hole(slot, data)?;
        }
        let mut row = AttrRow { pairs: [].iter(), data };
        let value = row.hole(pairs[at].1)?;
        Some(self.text(value))
    }

    /// Where `key`'s value is in each template, so that reading it from a
    /// row needs neither the key's hash nor a search of the row's pairs;
    /// `None` when no row has the key.
    pub(super) fn key_places(&self, key: &str) -> Option<KeyPlaces> {
        let key = self.keys.get(key)?;
        let places = (0..self.templates.len() as u32).map(|t| place_in(self.templates.get(t), key)).collect();
        Some(KeyPlaces { key, places })
    }

    /// Row `r`'s value for a resolved key: the same as `get` with its name.
    #[inline]
    pub(super) fn get_at(&self, r: usize, key: &KeyPlaces) -> Option<&str> {
        self.value_at(r, key).map(|value| self.text(value))
    }

    /// Row `r`'s value for a resolved key, as the row holds it.
    #[inline]
    pub(super) fn value_at(&self, r: usize, key: &KeyPlaces) -> Option<AttrValue<'_>> {
        let (template, data) = self.row_parts(r);
        let place = match key.places.get(template as usize) {
            Some(&place) => place,
            None => place_in(self.templates.get(template), key.key),
        };
        let at = match place {
            Place::Absent => return None,
            Place::Fixed(sym) => return Some(AttrValue::Sym(sym)),
            Place::Hole(at) => at as usize,
        };
        let pairs = self.templates.get(template);
        let mut data = data;
        for &(_, slot) in pairs.get(..at)? {
            data = skip_hole(slot, data)?;
        }
        let mut row = AttrRow { pairs: [].iter(), data };
        row.hole(pairs.get(at)?.1)
    }

    /// Whether row `r`'s template has the resolved key (reads only the
    /// template number).
    #[inline]
    pub(super) fn has_key(&self, r: usize, key: &KeyPlaces) -> bool {
        let (template, _) = self.row_parts(r);
        match key.places.get(template as usize) {
            Some(&place) => place != Place::Absent,
            None => place_in(self.templates.get(template), key.key) != Place::Absent,
        }
    }

    /// What to look at for a query: `pair` tells a (key, symbol) pair that
    /// matches, `sym_key` a key whose symbols may match, `text_key` a key
    /// whose text values may match, given the bytes they hold.
    pub(super) fn scan_plan(&self, pair: impl Fn(u32, u32) -> bool, sym_key: impl Fn(u32) -> bool, text_key: impl Fn(u32, &ByteSet) -> bool) -> ScanPlan {
        let sym_keys: Vec<bool> = (0..self.keys.len() as u32).map(&sym_key).collect();
        let text_keys: Vec<bool> = self.stats.iter().enumerate().map(|(k, stats)| text_key(k as u32, &stats.text_bytes)).collect();
        let may = |keys: &[bool], k: u32| keys.get(k as usize).copied().unwrap_or(false);
        let (mut hit, mut scan) = (Vec::new(), Vec::new());
        for t in 0..self.templates.len() as u32 {
            let pairs = self.templates.get(t);
            hit.push(pairs.iter().any(|&(k, v)| v < HOLE_TEXT && pair(k, v)));
            scan.push(pairs.iter().any(|&(k, v)| (v == HOLE_SYM && may(&sym_keys, k)) || (v == HOLE_TEXT && may(&text_keys, k))));
        }
        ScanPlan { hit, scan, sym_keys, text_keys }
    }

    /// Whether row `r` has an attribute that matches: a matching pair in
    /// its template, or a hole value that the plan says may match and
    /// `hole` accepts.
    pub(super) fn row_matches(&self, r: usize, plan: &ScanPlan, mut hole: impl FnMut(u32, AttrValue<'_>) -> bool) -> bool {
        let (template, data) = self.row_parts(r);
        let t = template as usize;
        if plan.hit.get(t).copied().unwrap_or(false) {
            return true;
        }
        if !plan.scan.get(t).copied().unwrap_or(false) {
            return false;
        }
        let mut data = data;
        for &(k, slot) in self.templates.get(template) {
            match slot {
                HOLE_SYM => {
                    let Some((sym, used)) = read_varint(data) else { return false };
                    data = data.get(used..).unwrap_or("");
                    if plan.sym_keys.get(k as usize).copied().unwrap_or(false) && hole(k, AttrValue::Sym(sym)) {
                        return true;
                    }
                }
                HOLE_TEXT => {
                    let Some((len, used)) = read_varint(data) else { return false };
                    let end = used + len as usize;
                    if plan.text_keys.get(k as usize).copied().unwrap_or(false) {
                        let text = data.get(used..end).unwrap_or("");
                        if hole(k, AttrValue::Text(text)) {
                            return true;
                        }
                    }
                    data = data.get(end..).unwrap_or("");
                }
                _ => {}
            }
        }
        false
    }

    /// Whether some row keeps a value as text (which a dictionary scan
    /// does not see).
    pub(super) fn has_text(&self) -> bool {
        self.has_text
    }

    /// Keep the rows listed, in the order listed. Their strings stay where
    /// they are (see `compact`).
    /// Rows from `start` on put in `order`, then moved in front; their
    /// bytes stay where they are.
    pub(super) fn tail_to_front(&mut self, start: usize, order: &[u32]) {
        super::event_store::tail_to_front(&mut self.starts, start, order);
    }

    pub(super) fn rotate_left_in(&mut self, range: std::ops::Range<usize>, by: usize) {
        self.starts[range].rotate_left(by);
    }

    pub(super) fn gather(&mut self, order: &[u32]) {
        self.starts = super::event_store::gathered(&self.starts, order, self.starts.capacity());
    }

    /// Rewrite the bytes in row order, dropping those of rows no longer kept.
    pub(super) fn compact(&mut self) {
        let mut data = String::with_capacity(self.data.len());
        for start in &mut self.starts {
            let from = *start as usize;
            let len = row_len(&self.templates, self.data.get(from..).unwrap_or(""));
            *start = offset(data.len());
            data.push_str(self.data.get(from..from + len).unwrap_or(""));
        }
        self.data = data;
        self.moving_data = None;
    }

    /// Append `other`'s rows after ours, re-numbering its keys, values and
    /// templates into ours. The first of its keys and values may have been
    /// looked up in ours already (`keys[i]` is our symbol for their key
    /// `i`, and so for `values`), and its first rows encoded in our
    /// numbering (`encode_ahead`); the rest is done here.
    pub(super) fn append_remapped(&mut self, other: Attrs, mut keys: Vec<u32>, mut values: Vec<u32>, mut ahead: EncodedAhead) {
        if self.starts.is_empty() {
            // No row of ours refers to anything we hold.
            *self = other;
            return;
        }
        self.keys.continue_remap(&other.keys, &mut keys, &mut { usize::MAX });
        self.values.continue_remap(&other.values, &mut values, &mut { usize::MAX });
        // Keys new to us keep what the other side learnt about them; the
        // bytes of text values are those of both sides' rows.
        for (theirs, &mine) in keys.iter().enumerate() {
            let Some(stats) = other.stats.get(theirs) else { continue };
            if mine as usize >= self.stats.len() {
                self.stats.resize(mine as usize + 1, KeyStats::default());
                let few = stats.few.iter().map(|&v| remap_value(&values, v)).collect();
                if let Some(slot) = self.stats.get_mut(mine as usize) {
                    *slot = KeyStats { few, ..stats.clone() };
                }
            } else if let Some(slot) = self.stats.get_mut(mine as usize) {
                slot.text_bytes.union(&stats.text_bytes);
            }
        }
        self.remap_templates(&other, &keys, &values, &mut ahead.templates);
        self.data.reserve(other.data.len());
        self.starts.reserve(other.starts.len());
        let base = self.data.len();
        self.data.push_str(&ahead.data);
        self.starts.extend(ahead.starts.iter().map(|&s| offset(base + s as usize)));
        encode_rows(&other, ahead.starts.len()..other.len(), &ahead.templates, &values, &mut self.data, &mut self.starts);
        self.has_text |= other.has_text;
    }

    /// Encode up to `*left` more of `other`'s rows into `ahead` in our
    /// numbering, `keys` and `values` being its whole keys and values
    /// renumbered (see `EventStore::prepare_part`); true once every row is.
    /// Only our templates change: they gain entries.
    pub(super) fn encode_ahead(&mut self, other: &Attrs, keys: &[u32], values: &[u32], ahead: &mut EncodedAhead, left: &mut usize) -> bool {
        if self.starts.is_empty() {
            // `append_remapped` takes the other's rows as they are.
            return true;
        }
        self.remap_templates(other, keys, values, &mut ahead.templates);
        let done = ahead.starts.len();
        let end = done.saturating_add(*left).min(other.len());
        *left -= end - done;
        encode_rows(other, done..end, &ahead.templates, values, &mut ahead.data, &mut ahead.starts);
        end == other.len()
    }

    /// Look up `other`'s templates `templates.len()..` in ours.
    fn remap_templates(&mut self, other: &Attrs, keys: &[u32], values: &[u32], templates: &mut Vec<u32>) {
        let mut pairs = Vec::new();
        for t in templates.len() as u32..other.templates.len() as u32 {
            pairs.clear();
            pairs.extend(other.templates.get(t).iter().map(|&(k, v)| (keys.get(k as usize).copied().unwrap_or(EMPTY), remap_value(values, v))));
            templates.push(self.templates.intern(&pairs));
        }
    }

    /// Loads happen rarely and the store then lives long: trim growth slack.
    pub(super) fn shrink_to_fit(&mut self) {
        self.keys.shrink_to_fit();
        self.values.shrink_to_fit();
        self.templates.shrink_to_fit();
        self.starts.shrink_to_fit();
        self.data.shrink_to_fit();
        self.moving_data = None;
        self.scratch = Vec::new();
        self.scratch_data = String::new();
    }

    /// Room for `rows` more rows, their strings as long as the average so
    /// far: growing `data` later copies all of it, hundreds of MB at
    /// millions of rows.
    pub(super) fn reserve(&mut self, rows: usize) {
        self.starts.reserve(rows);
        self.data.reserve(self.bytes_for(rows));
    }

    /// Room for about `rows` more rows, and no more (no doubling past
    /// them), with `data` moved into its bigger buffer a piece
    /// per call: true once the room is made. Rows appended between calls
    /// are moved too; `compact` and `shrink_to_fit` drop a move under way
    /// (the next call starts again).
    pub(super) fn reserve_exact_in_pieces(&mut self, rows: usize) -> bool {
        self.reserve_exact_in_pieces_of(rows, DATA_MOVED_PER_PIECE)
    }

    fn reserve_exact_in_pieces_of(&mut self, rows: usize, piece: usize) -> bool {
        let Some(moved) = &mut self.moving_data else {
            self.starts.reserve_exact(rows);
            let wanted = self.data.len() + self.bytes_for(rows);
            if wanted <= self.data.capacity() {
                return true;
            }
            if self.data.len() <= piece {
                self.data.reserve_exact(wanted - self.data.len());
                return true;
            }
            self.moving_data = Some(String::with_capacity(wanted));
            return false;
        };
        let mut until = (moved.len() + piece).min(self.data.len());
        while !self.data.is_char_boundary(until) {
            until -= 1;
        }
        moved.push_str(&self.data[moved.len()..until]);
        if until < self.data.len() {
            return false;
        }
        if let Some(moved) = self.moving_data.take() {
            self.data = moved;
        }
        true
    }

    /// The bytes `rows` more rows should take, at the rows' average so far.
    fn bytes_for(&self, rows: usize) -> usize {
        let bytes_per_row = self.data.len().checked_div(self.starts.len()).unwrap_or(0);
        rows.saturating_mul(bytes_per_row)
    }

    /// Heap bytes: (row starts and bytes, templates, value dictionary, the rest).
    pub(super) fn heap_parts(&self) -> [(&'static str, usize); 4] {
        let other = self.keys.heap_bytes()
            + self.stats.iter().map(|s| s.few.capacity() * 4).sum::<usize>()
            + self.stats.capacity() * std::mem::size_of::<KeyStats>()
            + self.recent.capacity() * 4
            + self.scratch.capacity() * 8
            + self.scratch_data.capacity();
        [
            ("attr rows (start + bytes)", self.starts.capacity() * 4 + self.data.capacity()),
            ("attr templates", self.templates.heap_bytes()),
            ("attr value dict", self.values.heap_bytes()),
            ("attr keys and stats", other),
        ]
    }
}

/// A key resolved against the templates (see `Attrs::key_places`).
#[derive(Clone, Debug)]
pub(super) struct KeyPlaces {
    key: u32,
    /// By template number.
    places: Vec<Place>,
}

/// Where a key's value is in one template: the first pair with the key,
/// as `Attrs::get` finds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    Absent,
    /// The value is the template's own (a symbol of `Attrs::values`).
    Fixed(u32),
    /// The value is in a hole: the pair's position in the template.
    Hole(u32),
}

fn place_in(pairs: &[(u32, u32)], key: u32) -> Place {
    match pairs.iter().position(|&(k, _)| k == key) {
        None => Place::Absent,
        Some(at) => match pairs[at].1 {
            slot if slot >= HOLE_TEXT => Place::Hole(at as u32),
            sym => Place::Fixed(sym),
        },
    }
}

/// Note whether a value judged `Unique` was seen shortly before (in
/// `recent`, fingerprints by hash); when a window of them has more than one
/// in four repeats, the key's values go back to being interned, for good.
fn watch_repeats(stats: &mut KeyStats, recent: &mut Vec<u32>, value: &str) {
    if recent.is_empty() {
        *recent = vec![0; RECENT_SLOTS];
    }
    let hash = hash_bytes(value.as_bytes());
    let fingerprint = (hash >> 32) as u32 | 1;
    if let Some(slot) = recent.get_mut(hash as usize & (RECENT_SLOTS - 1)) {
        if *slot == fingerprint {
            stats.repeats += 1;
        }
        *slot = fingerprint;
    }
    stats.window += 1;
    if stats.window == REPEAT_WINDOW {
        if stats.repeats * 4 > REPEAT_WINDOW {
            *stats = KeyStats { class: Class::Varied, settled: true, text_bytes: stats.text_bytes, ..KeyStats::default() };
        }
        stats.window = 0;
        stats.repeats = 0;
    }
}

/// Rows of another `Attrs` already encoded in this one's numbering, ahead
/// of `append_remapped` (see `Attrs::encode_ahead`).
#[derive(Clone, Debug, Default)]
pub(super) struct EncodedAhead {
    /// Our template for each of theirs, as far as looked up.
    templates: Vec<u32>,
    data: String,
    /// Where each encoded row starts in `data`.
    starts: Vec<u32>,
}

/// A value symbol of theirs as ours; a hole marker stays as it is.
fn remap_value(values: &[u32], v: u32) -> u32 {
    if v >= HOLE_TEXT {
        v
    } else {
        values.get(v as usize).copied().unwrap_or(EMPTY)
    }
}

/// Append `other`'s rows `rows` to `data` and `starts`, written with our
/// templates and values (`templates`, `values`: theirs renumbered).
fn encode_rows(other: &Attrs, rows: std::ops::Range<usize>, templates: &[u32], values: &[u32], data: &mut String, starts: &mut Vec<u32>) {
    for r in rows {
        let (template, row_data) = other.row_parts(r);
        starts.push(offset(data.len()));
        write_varint(data, templates.get(template as usize).copied().unwrap_or(0));
        let mut row = AttrRow { pairs: other.templates.get(template).iter(), data: row_data };
        while let Some(&(_, slot)) = row.pairs.next() {
            if slot < HOLE_TEXT {
                continue;
            }
            match row.hole(slot) {
                Some(AttrValue::Sym(sym)) => write_varint(data, remap_value(values, sym)),
                Some(AttrValue::Text(text)) => {
                    write_varint(data, offset(text.len()));
                    data.push_str(text);
                }
                None => break,
            }
        }
    }
}

/// A row's attributes as (key symbol, value), decoded as they are read.
pub(super) struct AttrRow<'a> {
    pairs: std::slice::Iter<'a, (u32, u32)>,
    data: &'a str,
}

impl<'a> AttrRow<'a> {
    /// The value for a template slot, reading a hole's value from the row.
    /// `None` only for a malformed row.
    fn hole(&mut self, slot: u32) -> Option<AttrValue<'a>> {
        match slot {
            HOLE_SYM => {
                let (sym, used) = read_varint(self.data)?;
                self.data = self.data.get(used..)?;
                Some(AttrValue::Sym(sym))
            }
            HOLE_TEXT => {
                let (len, used) = read_varint(self.data)?;
                let end = used + len as usize;
                let text = self.data.get(used..end)?;
                self.data = self.data.get(end..)?;
                Some(AttrValue::Text(text))
            }
            sym => Some(AttrValue::Sym(sym)),
        }
    }
}

impl<'a> Iterator for AttrRow<'a> {
    type Item = (u32, AttrValue<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let &(key, slot) = self.pairs.next()?;
        Some((key, self.hole(slot)?))
    }
}

/// `data` after the value of a template slot (nothing for a slot that is
/// not a hole).
#[inline]
fn skip_hole(slot: u32, data: &str) -> Option<&str> {
    match slot {
        HOLE_SYM => data.get(read_varint(data)?.1..),
        HOLE_TEXT => {
            let (len, used) = read_varint(data)?;
            data.get(used + len as usize..)
        }
        _ => Some(data),
    }
}

/// Length of the row string at the start of `data`.
fn row_len(templates: &Templates, data: &str) -> usize {
    let Some((template, used)) = read_varint(data) else { return 0 };
    let mut rest = data.get(used..).unwrap_or("");
    for &(_, slot) in templates.get(template) {
        match skip_hole(slot, rest) {
            Some(after) => rest = after,
            None => break,
        }
    }
    data.len() - rest.len()
}

/// The distinct attribute lists, holes included, each with a number.
#[derive(Clone, Debug)]
struct Templates {
    pairs: Vec<(u32, u32)>,
    /// Template `t` is `pairs[bounds[t]..bounds[t + 1]]`.
    bounds: Vec<u32>,
    /// Open-addressing hash table of template numbers, load ≤ 1/2.
    table: Vec<u32>,
}

impl Templates {
    /// With template 0, the empty list.
    fn new() -> Templates {
        let mut templates = Templates { pairs: Vec::new(), bounds: vec![0], table: vec![NO_SLOT; 16] };
        templates.intern(&[]);
        templates
    }

    fn len(&self) -> usize {
        self.bounds.len() - 1
    }

    fn get(&self, t: u32) -> &[(u32, u32)] {
        let t = t as usize;
        match (self.bounds.get(t), self.bounds.get(t + 1)) {
            (Some(&start), Some(&end)) => self.pairs.get(start as usize..end as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    fn intern(&mut self, pairs: &[(u32, u32)]) -> u32 {
        let mask = self.table.len() - 1;
        let mut slot = (hash_pairs(pairs) as usize) & mask;
        while let Some(&t) = self.table.get(slot) {
            if t == NO_SLOT {
                break;
            }
            if self.get(t) == pairs {
                return t;
            }
            slot = (slot + 1) & mask;
        }
        let t = self.len() as u32;
        self.pairs.extend_from_slice(pairs);
        self.bounds.push(offset(self.pairs.len()));
        if let Some(entry) = self.table.get_mut(slot) {
            *entry = t;
        }
        if self.len() * 2 > self.table.len() {
            self.grow();
        }
        t
    }

    fn grow(&mut self) {
        let size = self.table.len() * 2;
        let mask = size - 1;
        let mut table = vec![NO_SLOT; size];
        for t in 0..self.len() as u32 {
            let mut slot = (hash_pairs(self.get(t)) as usize) & mask;
            while table.get(slot).is_some_and(|&s| s != NO_SLOT) {
                slot = (slot + 1) & mask;
            }
            if let Some(entry) = table.get_mut(slot) {
                *entry = t;
            }
        }
        self.table = table;
    }

    fn shrink_to_fit(&mut self) {
        self.pairs.shrink_to_fit();
        self.bounds.shrink_to_fit();
    }

    fn heap_bytes(&self) -> usize {
        self.pairs.capacity() * 8 + self.bounds.capacity() * 4 + self.table.capacity() * 4
    }
}

fn hash_pairs(pairs: &[(u32, u32)]) -> u64 {
    let mut h: u64 = pairs.len() as u64;
    for &(k, v) in pairs {
        h = (h.rotate_left(5) ^ (u64::from(k) << 32 | u64::from(v))).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    h ^ (h >> 29)
}

/// A byte offset or length as the rows store it. Attribute bytes beyond
/// 4 GiB would take more memory than a browser tab has.
fn offset(n: usize) -> u32 {
    u32::try_from(n).expect("attribute data beyond 4 GiB")
}

/// Append `n` in ASCII: six bits a byte, low bits first, 0x40 set on
/// every byte but the last (values below 64 take one byte, below 4,096 two).
fn write_varint(out: &mut String, mut n: u32) {
    while n >= 0x40 {
        out.push(char::from((n & 0x3f) as u8 | 0x40));
        n >>= 6;
    }
    out.push(char::from(n as u8));
}

/// A `write_varint` number at the start of `data`, and the bytes it took.
#[inline]
fn read_varint(data: &str) -> Option<(u32, usize)> {
    let mut n = 0u32;
    for (i, &byte) in data.as_bytes().iter().enumerate().take(6) {
        n |= u32::from(byte & 0x3f) << (6 * i);
        if byte & 0x40 == 0 {
            return Some((n, i + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(attrs: &Attrs) -> Vec<Vec<(String, String)>> {
        (0..attrs.len()).map(|r| attrs.row(r).map(|(k, v)| (attrs.keys.resolve(k).to_string(), attrs.text(v).to_string())).collect()).collect()
    }

    fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// Rows like a UAL export's: a few shared values, a mailbox from a
    /// thousand, a session id per row, a record id per row.
    fn sample(n: usize) -> Vec<Vec<(String, String)>> {
        (0..n)
            .map(|i| {
                let mut row = vec![("Workload".to_string(), ["Exchange", "OneDrive"][i % 2].to_string())];
                if i % 3 != 0 {
                    row.push(("MailboxOwnerUPN".into(), format!("user{}@contoso.com", i * 7 % 1000)));
                }
                row.push(("SessionId".into(), format!("{:08x}-session", i * 2_654_435_761 % 1_000_003)));
                row.push(("RecordType".into(), (i % 5).to_string()));
                row.push((RECORD_ID.into(), format!("{i:08x}-Rec")));
                row
            })
            .collect()
    }

    fn load(rows: &[Vec<(String, String)>]) -> Attrs {
        let mut attrs = Attrs::default();
        for row in rows {
            attrs.push_row(row.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        }
        attrs
    }

    #[test]
    fn rows_read_back_in_order() {
        let mut attrs = Attrs::default();
        attrs.push_row([("b", "2"), ("a", "1"), ("b", "3")]);
        attrs.push_row([]);
        attrs.push_row([("a", ""), (RECORD_ID, "R-1")]);
        assert_eq!(rows(&attrs), vec![owned(&[("b", "2"), ("a", "1"), ("b", "3")]), vec![], owned(&[("a", ""), (RECORD_ID, "R-1")])]);
        assert_eq!(attrs.get(0, "b"), Some("2"));
        assert_eq!((attrs.get(1, "a"), attrs.get(2, RECORD_ID), attrs.get(9, "a"), attrs.get(0, "zz")), (None, Some("R-1"), None, None));
    }

    /// Room made a piece at a time while rows keep coming (some with
    /// text of several bytes a character, cut mid-way by a piece's end),
    /// and a compaction in the middle of a move: the rows read back as
    /// they were written, and the room is there at the end.
    #[test]
    fn room_made_in_pieces_keeps_every_row() {
        let mut input = sample(3000);
        for (i, row) in input.iter_mut().enumerate().step_by(7) {
            row.push(("DisplayName".into(), format!("Zoë Ångström — {i}")));
        }
        let (first, rest) = input.split_at(1000);
        let mut attrs = load(first);
        let mut calls = 0;
        let mut next = rest.iter();
        while !attrs.reserve_exact_in_pieces_of(4000, 101) {
            calls += 1;
            if let Some(row) = next.next() {
                attrs.push_row(row.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            }
            if calls == 40 {
                attrs.compact();
            }
        }
        assert!(calls > 100, "moved in pieces ({calls} calls)");
        // The room asked for (made again after the compaction; twice the
        // rows left, as later rows hold more of their values as text) holds the rest.
        let room = attrs.data.capacity();
        for row in next {
            attrs.push_row(row.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        }
        assert_eq!(attrs.data.capacity(), room, "the rows still to come fit without growing");
        assert_eq!(rows(&attrs), input);
    }

    #[test]
    fn learns_how_to_keep_each_key() {
        let input = sample(5000);
        let attrs = load(&input);
        assert_eq!(rows(&attrs), input);
        let class = |key: &str| attrs.keys.get(key).and_then(|k| attrs.stats.get(k as usize)).map(|s| s.class);
        assert_eq!(class("Workload"), Some(Class::Few));
        assert_eq!(class("RecordType"), Some(Class::Few));
        assert_eq!(class("MailboxOwnerUPN"), Some(Class::Varied));
        assert_eq!(class("SessionId"), Some(Class::Unique));
        assert_eq!(class(RECORD_ID), Some(Class::Unique));
        assert!(attrs.templates.len() < 200, "{} templates", attrs.templates.len());
        // A thousand mailboxes, the session ids seen before they were judged
        // unique, and no record id.
        assert!(attrs.values.len() < 1000 + UNIQUE_AFTER as usize + 50, "{} values", attrs.values.len());
        assert!(attrs.has_text());
    }

    #[test]
    fn unique_values_that_recur_are_interned_again() {
        // Ids first, then a few hundred values over and over.
        let input: Vec<Vec<(String, String)>> =
            (0..20_000).map(|i| vec![("Token".to_string(), if i < 200 { format!("first{i}") } else { format!("again{}", i % 300) })]).collect();
        let attrs = load(&input);
        assert_eq!(rows(&attrs), input);
        let k = attrs.keys.get("Token").unwrap_or(0);
        assert_eq!(attrs.stats[k as usize].class, Class::Varied);
    }

    #[test]
    fn too_many_templates_push_values_into_holes() {
        // Ten keys of 16 values each, independent: 16^10 combinations.
        let mut state = 7u64;
        let input: Vec<Vec<(String, String)>> = (0..40_000)
            .map(|_| {
                (0..10)
                    .map(|k| {
                        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                        (format!("k{k}"), ((state >> 33) % 16).to_string())
                    })
                    .collect()
            })
            .collect();
        let attrs = load(&input);
        assert_eq!(rows(&attrs), input);
        assert!(attrs.templates.len() < 10_000, "{} templates", attrs.templates.len());
    }

    #[test]
    fn gather_compact_and_append() {
        let input = sample(3000);
        let mut attrs = load(&input);
        let order: Vec<u32> = (0..3000u32).rev().filter(|r| r % 4 != 1).collect();
        attrs.gather(&order);
        let expected: Vec<_> = order.iter().map(|&r| input[r as usize].clone()).collect();
        assert_eq!(rows(&attrs), expected);
        let bytes = attrs.data.len();
        attrs.compact();
        assert!(attrs.data.len() < bytes);
        assert_eq!(rows(&attrs), expected);

        // Another file, with keys and values of its own and some shared.
        let more: Vec<Vec<(String, String)>> =
            sample(2000).into_iter().enumerate().map(|(i, mut row)| {
                row.insert(0, ("Extra".into(), format!("x{}", i % 3)));
                row
            }).collect();
        attrs.append_remapped(load(&more), Vec::new(), Vec::new(), EncodedAhead::default());
        let all: Vec<_> = expected.into_iter().chain(more).collect();
        assert_eq!(rows(&attrs), all);
        assert_eq!(attrs.get(2250, "Extra"), Some("x0"));

        let mut empty = Attrs::default();
        empty.append_remapped(load(&all[..10]), Vec::new(), Vec::new(), EncodedAhead::default());
        assert_eq!(rows(&empty), all[..10].to_vec());
    }

    #[test]
    fn matches_look_at_templates_then_holes() {
        let input = sample(500);
        let attrs = load(&input);
        let exchange = attrs.values.get("Exchange").unwrap_or(u32::MAX);
        let record = attrs.keys.get(RECORD_ID).unwrap_or(0);
        let plan = attrs.scan_plan(|_, v| v == exchange, |_| false, |k, _| k == record);
        let matching: Vec<usize> =
            (0..500).filter(|&r| attrs.row_matches(r, &plan, |_, v| matches!(v, AttrValue::Text(t) if t.ends_with("7-Rec")))).collect();
        let expected: Vec<usize> = (0..500).filter(|&r| r % 2 == 0 || format!("{r:08x}").ends_with('7')).collect();
        assert_eq!(matching, expected);

        // Holes the plan rules out are not even read.
        let plan = attrs.scan_plan(|_, _| false, |_| false, |_, bytes| bytes.has_all(b"zz"));
        assert!((0..500).all(|r| !attrs.row_matches(r, &plan, |_, _| panic!("read a hole"))));
    }

    #[test]
    fn byte_sets_know_the_lower_cased_bytes_of_text_values() {
        let attrs = load(&sample(300));
        let record = attrs.keys.get(RECORD_ID).unwrap_or(0);
        let bytes = attrs.stats[record as usize].text_bytes;
        assert!(bytes.has_all(b"0123456789abcdef-rec"));
        assert!(!bytes.has_all(b"R") && !bytes.has_all(b"invoice"));
        let mut set = ByteSet::default();
        set.add_lowered("ÉTÉ");
        assert!(set.has_all("été".as_bytes()) && !set.has_all(b"x") && !set.has_all("É".as_bytes()));
    }

    #[test]
    fn varints() {
        for n in [0u32, 1, 63, 64, 127, 128, 4095, 4096, 300_000, u32::MAX] {
            let mut out = String::new();
            write_varint(&mut out, n);
            assert!(out.is_ascii());
            assert_eq!(read_varint(&out), Some((n, out.len())), "{n}");
        }
        assert_eq!((read_varint("@@"), read_varint("")), (None, None));
    }
}
