//! A slice's events as columns, with the texts numbered per slice: what a
//! parsing worker (or thread) hands back.
//!
//! The store keeps every text as a symbol of a dictionary. When workers sent
//! each event's strings, the receiving thread (the page's, in the browser)
//! hashed every field of every event to find its symbol: about 9 µs an
//! event in wasm, a third of the page's time on a large load. Here the worker
//! numbers the distinct strings of its slice, one table per dictionary the
//! store keeps, so the receiver looks up each distinct string once per slice
//! (`StoreRemap`) and every row after that is an array index.
//!
//! Layout (little-endian), each part checked against the buffer's length
//! when read, so a cut or garbled buffer is an error and never a panic:
//!
//! ```text
//! events: u32
//! TABLES × { strings: u32, text bytes: u32, ends: u32 × strings, text }
//! time i64 × n · source u8 × n · outcome u8 × n · line u32 × n
//! raw start u64 × n · raw len u32 × n · dedupe key u64 × n
//! TEXT_COLUMNS × { string number u32 × n }
//! record ids: { text bytes: u32, ends u32 × n, text }
//! geo: { count: u32, (event u32, lat f64, lon f64) × count }
//! attributes: { pairs: u32, ends u32 × n, (key u32, value u32) × pairs }
//! ```

use crate::ingest::Deduper;
use crate::model::{AttrList, Event, EventRef, Outcome, RawSpan, Source};

/// The event's text columns, in the store's order (`store::TextColumn`).
pub const TEXT_COLUMNS: usize = 8;
/// The table of attribute keys, and of attribute values (all keys share it,
/// as the store's value dictionary does).
pub const KEY_TABLE: usize = TEXT_COLUMNS;
pub const VALUE_TABLE: usize = TEXT_COLUMNS + 1;
const TABLES: usize = TEXT_COLUMNS + 2;

/// Column `c` of an event (the store's `TextColumn` order).
fn column_of(event: &Event, c: usize) -> &str {
    match c {
        0 => &event.operation,
        1 => &event.actor,
        2 => &event.target,
        3 => &event.ip,
        4 => &event.country,
        5 => &event.city,
        6 => &event.user_agent,
        _ => &event.app,
    }
}

/// A slice's events in the layout above.
pub fn encode(events: &[Event]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(events, &mut out);
    out
}

/// `encode`, appended to `out`: a result's other parts go in front of the
/// events without the events' bytes being copied after them, and a buffer
/// already used once (its pages in place) can take them.
pub fn encode_into(events: &[Event], out: &mut Vec<u8>) {
    let mut tables = SPARE_TABLES.with(|spare| std::mem::take(&mut *spare.borrow_mut()));
    tables.resize_with(TABLES, TableBuilder::new);
    tables.iter_mut().for_each(TableBuilder::clear);
    let n = events.len();
    let mut text_ids = vec![0u32; TEXT_COLUMNS * n];
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let mut pair_ends = Vec::with_capacity(n);
    for (i, event) in events.iter().enumerate() {
        for (c, table) in tables.iter_mut().take(TEXT_COLUMNS).enumerate() {
            text_ids[c * n + i] = table.number(column_of(event, c));
        }
        for (k, v) in &event.attrs {
            let key = tables[KEY_TABLE].number(k);
            pairs.push((key, tables[VALUE_TABLE].number(v)));
        }
        pair_ends.push(pairs.len() as u32);
    }
    out.reserve(n * 160 + tables.iter().map(|t| t.text.len() + t.ends.len() * 4).sum::<usize>());
    put_u32(out, n as u32);
    for table in &tables {
        put_u32(out, table.ends.len() as u32);
        put_u32(out, table.text.len() as u32);
        table.ends.iter().for_each(|&e| put_u32(out, e));
        out.extend_from_slice(table.text.as_bytes());
    }
    events.iter().for_each(|e| out.extend_from_slice(&e.time.to_le_bytes()));
    events.iter().for_each(|e| out.push(e.source.index()));
    events.iter().for_each(|e| out.push(e.outcome.index()));
    events.iter().for_each(|e| put_u32(out, e.line));
    events.iter().for_each(|e| out.extend_from_slice(&e.raw.start.to_le_bytes()));
    events.iter().for_each(|e| put_u32(out, e.raw.len));
    // The duplicate check's hash, worked out here rather than on the
    // receiving thread; the check itself stays there (it spans slices).
    events.iter().for_each(|e| out.extend_from_slice(&Deduper::key(e.source, &e.record_id).to_le_bytes()));
    text_ids.iter().for_each(|&id| put_u32(out, id));
    put_u32(out, events.iter().map(|e| e.record_id.len() as u32).sum());
    let mut end = 0u32;
    for e in events {
        end += e.record_id.len() as u32;
        put_u32(out, end);
    }
    events.iter().for_each(|e| out.extend_from_slice(e.record_id.as_bytes()));
    let geo: Vec<(usize, (f64, f64))> = events.iter().enumerate().filter_map(|(i, e)| Some((i, e.geo?))).collect();
    put_u32(out, geo.len() as u32);
    for (i, (lat, lon)) in geo {
        put_u32(out, i as u32);
        out.extend_from_slice(&lat.to_le_bytes());
        out.extend_from_slice(&lon.to_le_bytes());
    }
    put_u32(out, pairs.len() as u32);
    pair_ends.iter().for_each(|&e| put_u32(out, e));
    for (k, v) in pairs {
        put_u32(out, k);
        put_u32(out, v);
    }
    if tables.iter().all(|t| t.slots.len() <= MAX_SPARE_SLOTS) {
        SPARE_TABLES.with(|spare| *spare.borrow_mut() = tables);
    }
}

thread_local! {
    /// The tables of this thread's last slice, cleared and used again for
    /// its next: fresh ones doubled a dozen times per slice, each time
    /// copying their strings to new, unfaulted pages.
    static SPARE_TABLES: std::cell::RefCell<Vec<TableBuilder>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Tables with more slots than this (a slice far larger than the pipeline
/// cuts, such as a whole file read at once) are not kept for the next.
const MAX_SPARE_SLOTS: usize = 1 << 18;

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// Numbers the distinct strings of one table, in order of first use
/// (0 is always the empty string).
struct TableBuilder {
    text: String,
    ends: Vec<u32>,
    /// Open-addressing hash table (`FREE` = free), load ≤ 1/2: each entry a
    /// string's number in the low half and the low 32 bits of its hash in
    /// the high half. The hash lets a probe pass other strings without
    /// comparing their text, and lets the table grow without hashing every
    /// string again (a slice's tables double a dozen times: a quarter of
    /// the numbering's instructions went on re-hashing).
    slots: Vec<u64>,
}

const FREE: u64 = u64::MAX;

impl TableBuilder {
    fn new() -> TableBuilder {
        TableBuilder { text: String::new(), ends: vec![0], slots: vec![FREE; 64] }
    }

    /// Empty again (only `""`), keeping its memory.
    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
        self.ends.push(0);
        self.slots.fill(FREE);
    }

    fn get(&self, id: u32) -> &str {
        let start = if id == 0 { 0 } else { self.ends[id as usize - 1] as usize };
        &self.text[start..self.ends[id as usize] as usize]
    }

    fn number(&mut self, s: &str) -> u32 {
        if s.is_empty() {
            return 0;
        }
        let hash = crate::store::hash_text(s.as_bytes()) as u32;
        let mask = self.slots.len() - 1;
        let mut slot = hash as usize & mask;
        while self.slots[slot] != FREE {
            let entry = self.slots[slot];
            let id = entry as u32;
            if (entry >> 32) as u32 == hash && self.get(id) == s {
                return id;
            }
            slot = (slot + 1) & mask;
        }
        let id = self.ends.len() as u32;
        self.text.push_str(s);
        self.ends.push(self.text.len() as u32);
        self.slots[slot] = u64::from(hash) << 32 | u64::from(id);
        if self.ends.len() * 2 > self.slots.len() {
            self.grow();
        }
        id
    }

    fn grow(&mut self) {
        let mask = self.slots.len() * 2 - 1;
        let mut slots = vec![FREE; mask + 1];
        for &entry in self.slots.iter().filter(|&&e| e != FREE) {
            let mut slot = (entry >> 32) as usize & mask;
            while slots[slot] != FREE {
                slot = (slot + 1) & mask;
            }
            slots[slot] = entry;
        }
        self.slots = slots;
    }
}

/// One table of distinct strings, borrowed from a batch's bytes.
#[derive(Clone, Copy, Debug)]
pub struct Table<'a> {
    ends: &'a [u8],
    text: &'a str,
}

impl<'a> Table<'a> {
    /// Number of strings (string 0 is `""`).
    pub fn len(&self) -> usize {
        self.ends.len() / 4
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// String `id` (`""` when there is none such).
    pub fn get(&self, id: u32) -> &'a str {
        let id = id as usize;
        let start = if id == 0 { Some(0) } else { u32_at(self.ends, id - 1) };
        match (start, u32_at(self.ends, id)) {
            (Some(start), Some(end)) => self.text.get(start as usize..end as usize).unwrap_or(""),
            _ => "",
        }
    }

    /// The number of `s` in this table, if it has it.
    pub fn find(&self, s: &str) -> Option<u32> {
        (0..self.len() as u32).find(|&id| self.get(id) == s)
    }
}

/// A slice's events, read from the bytes `encode` wrote.
#[derive(Clone, Copy, Debug)]
pub struct Batch<'a> {
    len: usize,
    tables: [Table<'a>; TABLES],
    time: &'a [u8],
    source: &'a [u8],
    outcome: &'a [u8],
    line: &'a [u8],
    raw_start: &'a [u8],
    raw_len: &'a [u8],
    dedupe: &'a [u8],
    text_ids: &'a [u8],
    record_id_ends: &'a [u8],
    record_ids: &'a str,
    geo: &'a [u8],
    pair_ends: &'a [u8],
    pairs: &'a [u8],
}

const CUT_SHORT: &str = "slice result cut short";

/// Reads the parts of a buffer in turn.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len()).ok_or(CUT_SHORT)?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    /// `n` items of `size` bytes.
    fn items(&mut self, n: usize, size: usize) -> Result<&'a [u8], String> {
        self.take(n.checked_mul(size).ok_or(CUT_SHORT)?)
    }

    fn u32(&mut self) -> Result<usize, String> {
        Ok(u32_at(self.take(4)?, 0).unwrap_or(0) as usize)
    }

    fn text(&mut self, n: usize) -> Result<&'a str, String> {
        std::str::from_utf8(self.take(n)?).map_err(|_| "slice result holds text that is not UTF-8".to_string())
    }
}

fn u32_at(bytes: &[u8], i: usize) -> Option<u32> {
    let b = bytes.get(i * 4..i * 4 + 4)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn u64_at(bytes: &[u8], i: usize) -> Option<u64> {
    let b = bytes.get(i * 8..i * 8 + 8)?;
    let mut word = [0u8; 8];
    word.copy_from_slice(b);
    Some(u64::from_le_bytes(word))
}

impl<'a> Batch<'a> {
    /// The batch in `bytes` (the whole of them).
    pub fn read(bytes: &'a [u8]) -> Result<Batch<'a>, String> {
        let mut c = Cursor { bytes, at: 0 };
        let n = c.u32()?;
        let mut tables = [Table { ends: &[], text: "" }; TABLES];
        for table in &mut tables {
            let (strings, text_len) = (c.u32()?, c.u32()?);
            let ends = c.items(strings, 4)?;
            *table = Table { ends, text: c.text(text_len)? };
        }
        let (time, source, outcome, line) = (c.items(n, 8)?, c.items(n, 1)?, c.items(n, 1)?, c.items(n, 4)?);
        let (raw_start, raw_len, dedupe) = (c.items(n, 8)?, c.items(n, 4)?, c.items(n, 8)?);
        let text_ids = c.items(n, 4 * TEXT_COLUMNS)?;
        let record_text_len = c.u32()?;
        let record_id_ends = c.items(n, 4)?;
        let record_ids = c.text(record_text_len)?;
        let geo_count = c.u32()?;
        let geo = c.items(geo_count, 20)?;
        let pair_count = c.u32()?;
        let pair_ends = c.items(n, 4)?;
        let pairs = c.items(pair_count, 8)?;
        if c.at != bytes.len() {
            return Err("slice result has bytes past its end".into());
        }
        Ok(Batch { len: n, tables, time, source, outcome, line, raw_start, raw_len, dedupe, text_ids, record_id_ends, record_ids, geo, pair_ends, pairs })
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Table `t`: a text column's (`0..TEXT_COLUMNS`), `KEY_TABLE` or `VALUE_TABLE`.
    pub fn table(&self, t: usize) -> Table<'a> {
        self.tables.get(t).copied().unwrap_or(Table { ends: &[], text: "" })
    }

    pub fn time(&self, i: usize) -> i64 {
        u64_at(self.time, i).unwrap_or(0) as i64
    }

    /// Index into `Source::ALL`.
    pub fn source_index(&self, i: usize) -> u8 {
        self.source.get(i).copied().unwrap_or(0)
    }

    /// Index into `Outcome::ALL`.
    pub fn outcome_index(&self, i: usize) -> u8 {
        self.outcome.get(i).copied().unwrap_or(0)
    }

    pub fn line(&self, i: usize) -> u32 {
        u32_at(self.line, i).unwrap_or(0)
    }

    pub fn raw(&self, i: usize) -> RawSpan {
        RawSpan { start: u64_at(self.raw_start, i).unwrap_or(0), len: u32_at(self.raw_len, i).unwrap_or(0) }
    }

    /// `Deduper::key` of the event's source and record id.
    pub fn dedupe_key(&self, i: usize) -> u64 {
        u64_at(self.dedupe, i).unwrap_or(0)
    }

    /// The event's string number in text column `c`.
    pub fn text_id(&self, c: usize, i: usize) -> u32 {
        u32_at(self.text_ids, c * self.len + i).unwrap_or(0)
    }

    pub fn text(&self, c: usize, i: usize) -> &'a str {
        self.table(c).get(self.text_id(c, i))
    }

    pub fn record_id(&self, i: usize) -> &'a str {
        let start = if i == 0 { Some(0) } else { u32_at(self.record_id_ends, i - 1) };
        match (start, u32_at(self.record_id_ends, i)) {
            (Some(start), Some(end)) => self.record_ids.get(start as usize..end as usize).unwrap_or(""),
            _ => "",
        }
    }

    /// Each event with coordinates, in event order: (event, (lat, lon)).
    pub fn geo(&self) -> impl Iterator<Item = (usize, (f64, f64))> + 'a {
        self.geo.chunks_exact(20).map(|g| {
            let at = u32_at(g, 0).unwrap_or(0) as usize;
            let lat = f64::from_bits(u64_at(&g[4..], 0).unwrap_or(0));
            let lon = f64::from_bits(u64_at(&g[12..], 0).unwrap_or(0));
            (at, (lat, lon))
        })
    }

    /// The event's attributes as (key number, value number) pairs.
    pub fn attr_ids(&self, i: usize) -> impl Iterator<Item = (u32, u32)> + 'a {
        let start = if i == 0 { 0 } else { u32_at(self.pair_ends, i - 1).unwrap_or(0) as usize };
        let end = u32_at(self.pair_ends, i).unwrap_or(0) as usize;
        let pairs = self.pairs.get(start * 8..end * 8).unwrap_or(&[]);
        pairs.chunks_exact(8).map(|p| (u32_at(p, 0).unwrap_or(0), u32_at(p, 1).unwrap_or(0)))
    }

    /// Each event in turn as an `EventRef` (the text of every field looked
    /// up; for callers that want events rather than the store's columns).
    /// `source_time` is not carried (the store does not keep it).
    pub fn for_each(&self, mut each: impl FnMut(EventRef<'_>)) {
        let mut geo = self.geo().peekable();
        let mut attrs: Vec<(&str, &str)> = Vec::new();
        let (keys, values) = (self.table(KEY_TABLE), self.table(VALUE_TABLE));
        for i in 0..self.len {
            attrs.clear();
            attrs.extend(self.attr_ids(i).map(|(k, v)| (keys.get(k), values.get(v))));
            let at = geo.next_if(|(at, _)| *at <= i).filter(|(at, _)| *at == i);
            let t = |c| self.text(c, i);
            each(EventRef {
                time: self.time(i),
                source: Source::ALL.get(self.source_index(i) as usize).copied().unwrap_or_default(),
                outcome: Outcome::ALL.get(self.outcome_index(i) as usize).copied().unwrap_or_default(),
                operation: t(0),
                actor: t(1),
                target: t(2),
                ip: t(3),
                country: t(4),
                city: t(5),
                user_agent: t(6),
                app: t(7),
                geo: at.map(|(_, g)| g),
                attrs: AttrList::Borrowed(&attrs),
                source_time: "",
                line: self.line(i),
                raw: self.raw(i),
                record_id: self.record_id(i),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(i: u32) -> Event {
        let mut e = Event {
            time: 1_700_000_000_000 + i64::from(i),
            source: Source::ALL[i as usize % Source::ALL.len()],
            outcome: Outcome::ALL[i as usize % Outcome::ALL.len()],
            operation: ["Send", "MailItemsAccessed", ""][i as usize % 3].into(),
            actor: format!("user{}@contoso.com", i % 4),
            target: if i % 2 == 0 { String::new() } else { format!("Ünïcode/{i}") },
            ip: "203.0.113.9".into(),
            line: i + 2,
            raw: RawSpan { start: u64::from(i) * 1000 + (5 << 32), len: 999 },
            record_id: if i % 5 == 0 { String::new() } else { format!("rec-{i}") },
            geo: (i % 3 == 1).then_some((52.37, -4.89 - f64::from(i))),
            ..Event::default()
        };
        e.set_attr("Workload", ["Exchange", "SharePoint"][i as usize % 2]);
        if i % 4 == 0 {
            e.set_attr("SessionId", format!("S{i}"));
        }
        e
    }

    #[test]
    fn events_come_back_as_they_went() {
        let events: Vec<Event> = (0..50).map(event).collect();
        let bytes = encode(&events);
        let batch = Batch::read(&bytes).unwrap();
        assert_eq!(batch.len(), 50);
        let mut back = Vec::new();
        batch.for_each(|e| back.push(e.to_event()));
        assert_eq!(back, events);
        for (i, e) in events.iter().enumerate() {
            assert_eq!(batch.dedupe_key(i), Deduper::key(e.source, &e.record_id));
        }
        // Shared strings are in their table once.
        assert_eq!(batch.table(1).len(), 5, "\"\" and four actors");
        assert_eq!(batch.table(KEY_TABLE).find("SessionId"), Some(2));
        assert!(Batch::read(&encode(&[])).unwrap().is_empty());
    }

    #[test]
    fn cut_or_garbled_bytes_are_an_error() {
        let bytes = encode(&(0..20).map(event).collect::<Vec<_>>());
        for cut in [0, 1, 4, 40, bytes.len() / 2, bytes.len() - 1] {
            assert!(Batch::read(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(Batch::read(&longer).is_err());
        // Numbers that point nowhere read as empty strings, not a panic.
        let mut garbled = bytes;
        let n = garbled.len();
        garbled[n - 8..].copy_from_slice(&[0xff; 8]);
        let batch = Batch::read(&garbled).unwrap();
        batch.for_each(|_| {});
    }
}
