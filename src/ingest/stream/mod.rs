//! Reading a file of any size as it streams in.
//!
//! The file's bytes arrive in pieces (slices of a browser `File`, reads of a
//! native file). `Splitter` hashes them, unpacks gzip, decides encoding and
//! layout from the first piece, decodes, and cuts the text into `Slice`s of
//! whole records. Each slice is parsed on its own by `parse_slice`, with the
//! `ParsePlan` the splitter decided, so slices can go to other threads or
//! Web Workers; `FileAssembler` takes their results back in file order,
//! de-duplicates across files and keeps the file's report.
//!
//! No stage holds the whole file: the splitter keeps at most the text of an
//! unfinished record plus one slice, and events point back into the file by
//! byte range (`RawSpan`) so originals are read again only when shown.

pub mod batch;
mod byte_masks;
mod csv_bounds;
mod csv_records;
pub mod decode;
mod json_bounds;
#[cfg(not(target_arch = "wasm32"))]
pub mod native;
pub mod one_worker;
pub mod vector_check;
pub mod wire;

use super::csv_input::{self, Headers};
use super::dates::{self, DateOrder, OrderGuess};
use super::report::{hex, IngestReport, RowIssue, MAX_LISTED_ISSUES};
use super::sniff::{self, Container, Format, SchemaDef};
use super::text::{self, Encoding};
use super::{looks_like_upn, Deduper, RowCtx, Seen};
use crate::model::{Event, EventRef, RawSpan};
use csv_bounds::CsvBounds;
use decode::{original_len, StreamDecoder};
use json_bounds::JsonBounds;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// Bytes gathered before the encoding and layout are decided.
pub const SNIFF_BYTES: usize = 1 << 20;
/// A record longer than this is given up on (an unclosed quote or a
/// runaway JSON value would otherwise hold the rest of the file).
pub const MAX_RECORD_BYTES: usize = 64 << 20;
/// Unpacked gzip text kept so its records can be shown again; past this
/// the originals of that file are not kept (the events are).
pub const MAX_KEPT_UNPACKED: usize = 256 << 20;

/// Whole records of a file, ready to parse on their own.
#[derive(Clone, Debug, Default)]
pub struct Slice {
    /// Position among the file's slices, from 0.
    pub index: u32,
    pub text: String,
    /// Offset in the file (as loaded: unpacked for gzip) of `text`'s first byte.
    pub base: u64,
    /// Line of `text`'s first byte.
    pub first_line: u32,
    /// JSON only: each record's (start, end, line) in `text`.
    pub records: Vec<(u32, u32, u32)>,
}

/// What a file is and how its records are read: decided once from the
/// first piece, then shared by every slice's parser.
#[derive(Clone)]
pub struct ParsePlan {
    pub file_name: String,
    pub def: &'static SchemaDef,
    pub format: Format,
    pub encoding: Encoding,
    pub date_order: DateOrder,
    /// CSV only: the header row.
    pub headers: Option<Headers>,
    /// CSV only: the header row's text, to show a row's original as fields.
    pub header_line: String,
}

impl std::fmt::Debug for ParsePlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParsePlan").field("file_name", &self.file_name).field("format", &self.format).field("encoding", &self.encoding).finish()
    }
}

/// A slice's records, parsed.
#[derive(Debug, Default)]
pub struct SliceOutput {
    pub index: u32,
    /// Kept events (not yet de-duplicated), in file order.
    pub events: Vec<Event>,
    pub rejected: u64,
    /// The first rejected rows, with line and reason.
    pub errors: Vec<RowIssue>,
    pub warnings_total: u64,
    pub warnings: Vec<RowIssue>,
    /// Things to say once about the whole file.
    pub notes: Vec<String>,
    /// Day/month evidence in this slice's locale dates.
    pub dates: Option<OrderGuess>,
    /// First line of the slice, for messages about it.
    pub first_line: u32,
}

/// Parse one slice's records with the file's plan.
pub fn parse_slice(plan: &ParsePlan, slice: &Slice) -> SliceOutput {
    let mut ctx = RowCtx::new(plan.date_order);
    ctx.file_name = plan.file_name.clone();
    let mut out = SliceOutput { index: slice.index, first_line: slice.first_line, ..SliceOutput::default() };
    let mut offsets = OffsetMap::new(plan.encoding, &slice.text, slice.base);
    let mut keep = |line: u32, start: usize, end: usize, mapped: Result<Event, String>, ctx: &RowCtx, out: &mut SliceOutput| {
        for w in ctx.take_warnings() {
            out.warnings_total += 1;
            if out.warnings.len() < MAX_LISTED_ISSUES {
                out.warnings.push(RowIssue { line, reason: w });
            }
        }
        match mapped {
            Ok(event) if !crate::limits::EVENT_TIMES.contains(&event.time) => {
                out.rejected += 1;
                if out.errors.len() < MAX_LISTED_ISSUES {
                    out.errors.push(RowIssue { line, reason: crate::limits::event_time_refused(event.time) });
                }
            }
            Ok(mut event) => {
                event.line = line;
                let end = start + slice.text[start..end].trim_end_matches(['\r', '\n']).len();
                let start_at = offsets.at(start);
                event.raw = RawSpan::new(start_at, offsets.at(end));
                out.events.push(event);
            }
            Err(reason) => {
                out.rejected += 1;
                if out.errors.len() < MAX_LISTED_ISSUES {
                    out.errors.push(RowIssue { line, reason });
                }
            }
        }
    };
    match (&plan.headers, plan.format.container) {
        (Some(headers), Container::Csv { delimiter }) => match csv_records::CsvRecords::new(&slice.text, delimiter) {
            Some(mut records) => {
                // Room for a slice of typical rows (about 1 KB each in UAL exports)
                // up front, rather than the events moved at every doubling.
                out.events.reserve(slice.text.len() / 1024);
                let mut record = csv::StringRecord::new();
                while let Some(at) = records.next_record(&mut record) {
                    let (start, line) = record_start(&slice.text, slice.first_line, at.start as u64, at.line);
                    let mapped = super::check_width(headers, &record).and_then(|()| (plan.def.from_csv)(headers, &record, &ctx));
                    keep(line, start, at.end, mapped, &ctx, &mut out);
                }
            }
            None => {
                let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).has_headers(false).from_reader(slice.text.as_bytes());
                let mut record = csv::StringRecord::new();
                loop {
                    let (line, start, end, mapped) = match reader.read_record(&mut record) {
                        Ok(false) => break,
                        Ok(true) => {
                            let pos = record.position().cloned().unwrap_or_else(csv::Position::new);
                            let (start, line) = record_start(&slice.text, slice.first_line, pos.byte(), pos.line());
                            let end = reader.position().byte() as usize;
                            let mapped = super::check_width(headers, &record).and_then(|()| (plan.def.from_csv)(headers, &record, &ctx));
                            (line, start, end, mapped)
                        }
                        Err(e) => {
                            let line = e.position().map_or(slice.first_line, |p| record_start(&slice.text, slice.first_line, p.byte(), p.line()).1);
                            (line, 0, 0, Err(format!("not readable as CSV: {e}")))
                        }
                    };
                    keep(line, start, end, mapped, &ctx, &mut out);
                }
            }
        },
        _ => {
            for &(start, end, line) in &slice.records {
                let (start, end) = (start as usize, end as usize);
                let text = slice.text.get(start..end).unwrap_or("");
                let mapped = match crate::ingest::json_record::parse_object(text) {
                    Ok((obj, repaired)) => {
                        if repaired {
                            ctx.warn(crate::ingest::json_record::LONE_SURROGATE_WARNING);
                        }
                        (plan.def.from_json)(&obj, &ctx)
                    }
                    Err(e) => Err(format!("not valid JSON: {e}")),
                };
                keep(line, start, end, mapped, &ctx, &mut out);
            }
        }
    }
    out.notes = std::mem::take(&mut ctx.file_notes.borrow_mut());
    // Only the dates the mappers read count: a slice's URLs and version
    // numbers say nothing about day/month order.
    let guess = ctx.dates_seen();
    out.dates = guess.saw_locale_dates.then_some(guess);
    out
}

/// Where a CSV record starts in its slice, and its line. After a CRLF the
/// reader places the next record at the `\n`, one line early.
fn record_start(text: &str, first_line: u32, byte: u64, line: u64) -> (usize, u32) {
    let mut start = byte as usize;
    let mut line = first_line + line as u32 - 1;
    if text.as_bytes().get(start) == Some(&b'\n') {
        start += 1;
        line += 1;
    }
    (start, line)
}

/// Offsets in a slice's decoded text to offsets in the file. Asked in
/// increasing order, so converting costs one pass over the slice.
struct OffsetMap<'t> {
    encoding: Encoding,
    text: &'t str,
    at: usize,
    original: u64,
}

impl<'t> OffsetMap<'t> {
    fn new(encoding: Encoding, text: &'t str, base: u64) -> OffsetMap<'t> {
        OffsetMap { encoding, text, at: 0, original: base }
    }

    fn at(&mut self, pos: usize) -> u64 {
        if matches!(self.encoding, Encoding::Utf8 | Encoding::Utf8Bom) {
            return self.original - self.at as u64 + pos as u64;
        }
        if pos < self.at {
            // Out of order (never in practice): count from the start again.
            let base = self.original - original_len(self.encoding, &self.text[..self.at]);
            self.at = 0;
            self.original = base;
        }
        self.original += original_len(self.encoding, self.text.get(self.at..pos).unwrap_or(""));
        self.at = pos;
        self.original
    }
}

/// What the splitter does with text it has decoded, once the layout is known.
enum Cutter {
    Csv(CsvBounds),
    Json(JsonBounds),
}

/// Unpacks a gzip stream as its bytes arrive.
struct Gunzip {
    decoder: flate2::write::MultiGzDecoder<Vec<u8>>,
    /// The unpacked bytes, kept (up to `MAX_KEPT_UNPACKED`) so records can be shown again.
    kept: Option<Vec<u8>>,
    unpacked: u64,
}

/// Why a file is not read at all (its report says so in `unreadable`).
pub type Unreadable = Box<IngestReport>;

enum Stage {
    /// Gathering the first bytes.
    Sniffing(Vec<u8>),
    Reading { decoder: StreamDecoder, cutter: Cutter },
    Failed,
}

/// Cuts a file into slices of whole records as its bytes arrive.
pub struct Splitter {
    report: IngestReport,
    hasher: Option<Sha256>,
    gunzip: Option<Gunzip>,
    stage: Stage,
    plan: Option<ParsePlan>,
    /// Decoded text not yet handed out in a slice.
    buf: String,
    /// Decoded offset, file offset and line of `buf`'s first byte.
    buf_decoded: u64,
    buf_original: u64,
    buf_line: u32,
    /// CSV: end of the last whole record in `buf`.
    last_boundary: Option<usize>,
    /// CSV: line breaks the cutter counted before `buf`'s first byte.
    buf_newlines: u64,
    /// JSON: records found and not yet handed out (decoded offsets).
    next_slice: u32,
    slice_bytes: usize,
    /// Bytes of the file seen so far (as loaded, before unpacking).
    pub bytes_in: u64,
    gzip_decided: bool,
    first_bytes: Vec<u8>,
    /// Texts of parsed slices handed back (`recycle`), to take the next
    /// slices' text in memory already faulted in.
    spare_texts: Vec<String>,
}

impl Splitter {
    /// `slice_bytes` is the target size of a slice's text. `sha256` is the
    /// file's hash when already known (a bundled file keeps its original's).
    pub fn new(file_name: &str, slice_bytes: usize, sha256: Option<String>) -> Splitter {
        let mut report = IngestReport::with_hash(file_name, 0, sha256.clone().unwrap_or_default());
        report.bytes = 0;
        Splitter {
            report,
            hasher: sha256.is_none().then(Sha256::new),
            gunzip: None,
            stage: Stage::Sniffing(Vec::new()),
            plan: None,
            buf: String::new(),
            buf_decoded: 0,
            buf_original: 0,
            buf_line: 1,
            last_boundary: None,
            buf_newlines: 0,
            next_slice: 0,
            slice_bytes: slice_bytes.max(1),
            bytes_in: 0,
            gzip_decided: false,
            first_bytes: Vec::new(),
            spare_texts: Vec::new(),
        }
    }

    /// Take back the text of a slice once parsed, to hold a later slice's.
    /// A fresh buffer per slice had its pages faulted in (and zeroed by the
    /// kernel) as the text was copied in: 1.7% of `loupe summary`'s samples
    /// for the 291 MB bench file, on the thread that reads the file.
    pub fn recycle(&mut self, mut text: String) {
        if self.spare_texts.len() < MAX_SPARE_TEXTS {
            text.clear();
            self.spare_texts.push(text);
        }
    }

    /// The plan, once the first piece has been read.
    pub fn plan(&self) -> Option<&ParsePlan> {
        self.plan.as_ref()
    }

    /// Decoded text read but not yet handed out in a slice (bytes).
    pub fn text_waiting(&self) -> usize {
        self.buf.len()
    }

    /// The unpacked text of a gzip file, when small enough to keep.
    pub fn take_unpacked(&mut self) -> Option<Vec<u8>> {
        self.gunzip.as_mut().and_then(|g| g.kept.take())
    }

    /// Feed the next piece of the file; returns the slices it completed.
    /// Err once the file is found unreadable (binary, unknown layout…).
    pub fn push(&mut self, piece: &[u8]) -> Result<Vec<Slice>, Unreadable> {
        self.bytes_in += piece.len() as u64;
        if let Some(h) = &mut self.hasher {
            // In 64 KiB pieces: one huge update stays in a browser's slow tier.
            for part in piece.chunks(64 * 1024) {
                h.update(part);
            }
        }
        let mut slices = Vec::new();
        let joined;
        let mut piece = piece;
        if !self.gzip_decided {
            // Two bytes tell gzip; wait for them.
            self.first_bytes.extend_from_slice(piece);
            if self.first_bytes.len() < 2 {
                return Ok(slices);
            }
            self.gzip_decided = true;
            joined = std::mem::take(&mut self.first_bytes);
            piece = &joined;
            if piece.starts_with(b"\x1f\x8b") {
                self.gunzip = Some(Gunzip { decoder: flate2::write::MultiGzDecoder::new(Vec::new()), kept: Some(Vec::new()), unpacked: 0 });
            }
        }
        if self.gunzip.is_none() {
            self.unpacked(piece, &mut slices)?;
            return Ok(slices);
        }
        // A step at a time, so a gzip bomb's text is cut into slices as it
        // unpacks instead of all at once.
        for step in piece.chunks(crate::limits::GZIP_STEP_BYTES) {
            use std::io::Write;
            let Some(g) = self.gunzip.as_mut() else { break };
            if let Err(e) = g.decoder.write_all(step) {
                return self.gzip_failed(&e.to_string(), slices);
            }
            let unpacked = std::mem::take(g.decoder.get_mut());
            self.unpacked(&unpacked, &mut slices)?;
        }
        Ok(slices)
    }

    /// The file has ended: the last slices, and the report's file-level part.
    pub fn finish(&mut self) -> Result<Vec<Slice>, Unreadable> {
        let mut slices = Vec::new();
        if !self.gzip_decided {
            self.gzip_decided = true;
            let first = std::mem::take(&mut self.first_bytes);
            self.unpacked(&first, &mut slices)?;
        }
        if let Some(g) = self.gunzip.as_mut() {
            // The decoder holds back its last output until the next write:
            // flushed first, a stream cut off early still gives its text.
            let held = match std::io::Write::flush(&mut g.decoder) {
                Ok(()) => std::mem::take(g.decoder.get_mut()),
                Err(_) => Vec::new(),
            };
            self.unpacked(&held, &mut slices)?;
        }
        if let Some(g) = self.gunzip.as_mut() {
            if let Err(e) = g.decoder.try_finish() {
                let why = e.to_string();
                return self.gzip_failed(&why, slices);
            }
            let unpacked = std::mem::take(g.decoder.get_mut());
            self.unpacked(&unpacked, &mut slices)?;
            if let Some(g) = &self.gunzip {
                self.report.notes.push(format!("The file is gzip-compressed ({} bytes unpacked to {}); the SHA-256 is of the file as loaded.", self.bytes_in, g.unpacked));
            }
        }
        if let Stage::Sniffing(head) = &mut self.stage {
            let head = std::mem::take(head);
            self.decide(head, true)?;
        }
        if let Stage::Reading { decoder, cutter } = &mut self.stage {
            let mut tail = String::new();
            decoder.finish(&mut tail);
            if let Cutter::Json(j) = cutter {
                j.scan(tail.as_bytes());
                j.finish();
            }
            self.buf.push_str(&tail);
            if let Stage::Reading { decoder, .. } = &self.stage {
                let note = match (decoder.replaced, decoder.encoding()) {
                    (0, _) => None,
                    (n, Encoding::Utf8 | Encoding::Utf8Bom) => Some(format!("{n} bytes are not valid UTF-8 although the file began as UTF-8; each reads as '?'.")),
                    (n, _) => Some(format!("{n} characters could not be decoded and were replaced with U+FFFD.")),
                };
                self.report.notes.extend(note);
            }
            self.cut(true, &mut slices);
        }
        if let Some(h) = self.hasher.take() {
            self.report.sha256 = hex(&h.finalize());
        }
        self.report.bytes = self.bytes_in;
        Ok(slices)
    }

    /// Stop reading partway (the tab cannot hold more): the report of the
    /// part read, its SHA-256 that of the bytes seen so far.
    pub fn stop_early(mut self) -> IngestReport {
        if let Some(h) = self.hasher.take() {
            self.report.sha256 = hex(&h.finalize());
        }
        self.report.bytes = self.bytes_in;
        self.report
    }

    /// The report with everything the splitter knows (hash, size, format,
    /// file-level notes, rows it could not find records in).
    pub fn into_report(self) -> IngestReport {
        self.report
    }

    fn gzip_failed(&mut self, why: &str, mut slices: Vec<Slice>) -> Result<Vec<Slice>, Unreadable> {
        let name = self.report.file.clone();
        let unpacked = self.gunzip.as_ref().map_or(0, |g| g.unpacked);
        // A short file cut off (a download stopped early) has not reached
        // its layout decision yet: decide on the text that did unpack.
        if unpacked > 0 && self.plan.is_none() {
            if let Stage::Sniffing(head) = &mut self.stage {
                let head = std::mem::take(head);
                if let Err(mut report) = self.decide(head, true) {
                    let what = report.unreadable.take().unwrap_or_default();
                    let what = what.strip_prefix(&format!("{name}: ")).unwrap_or(&what);
                    report.unreadable = Some(format!("{name} is gzip-compressed and damaged after {unpacked} unpacked bytes ({why}); check the download is complete. What did unpack is not readable: {what}"));
                    return Err(report);
                }
            }
        }
        if unpacked == 0 || self.plan.is_none() {
            self.stage = Stage::Failed;
            return Err(self.unreadable(format!("{name} is gzip-compressed but does not unpack ({why}). Check the download is complete.")));
        }
        self.report.notes.push(format!("The gzip stream is damaged after {unpacked} unpacked bytes ({why}); the records before that point were kept. Check the download is complete."));
        self.gunzip = None;
        if let Stage::Reading { cutter: Cutter::Json(bounds), .. } = &mut self.stage {
            bounds.finish();
        }
        self.cut(true, &mut slices);
        self.stage = Stage::Failed;
        Ok(slices)
    }

    fn unreadable(&mut self, why: String) -> Unreadable {
        let mut report = self.report.clone();
        if let Some(h) = self.hasher.clone() {
            report.sha256 = hex(&h.finalize());
        }
        report.bytes = self.bytes_in;
        report.unreadable = Some(why);
        self.stage = Stage::Failed;
        Box::new(report)
    }

    /// Bytes of the file's text (unpacked if it was gzip).
    fn unpacked(&mut self, bytes: &[u8], slices: &mut Vec<Slice>) -> Result<(), Unreadable> {
        if let Some(g) = self.gunzip.as_mut() {
            g.unpacked += bytes.len() as u64;
            if let Some(kept) = &mut g.kept {
                if kept.len() + bytes.len() > MAX_KEPT_UNPACKED {
                    g.kept = None;
                    let note = format!("The file unpacks to more than {} MiB; its records' originals are not kept (unpack it and load the plain file to see them).", MAX_KEPT_UNPACKED >> 20);
                    self.report.notes.push(note);
                } else {
                    kept.extend_from_slice(bytes);
                }
            }
        }
        match &mut self.stage {
            Stage::Failed => Ok(()),
            Stage::Sniffing(head) => {
                head.extend_from_slice(bytes);
                if head.len() >= SNIFF_BYTES {
                    let head = std::mem::take(head);
                    self.decide(head, false)?;
                    self.cut(false, slices);
                }
                Ok(())
            }
            Stage::Reading { decoder, cutter } => {
                let from = self.buf.len();
                decoder.decode(bytes, &mut self.buf);
                scan(cutter, &self.buf, from, &mut self.last_boundary);
                self.cut(false, slices);
                Ok(())
            }
        }
    }

    /// Decide encoding and layout from the first bytes, then read them.
    fn decide(&mut self, head: Vec<u8>, complete: bool) -> Result<(), Unreadable> {
        let name = self.report.file.clone();
        if let Some(what) = sniff::binary_kind(&head) {
            return Err(self.unreadable(format!("{name} looks like {what}, not a log export. Loupe reads CSV or JSON exports; extract the file first.")));
        }
        if let Some(db) = crate::enrich::detect(&head) {
            return Err(self.unreadable(format!(
                "{name} is an IP database ({}), not a log export. Load it as an IP database to add locations and networks to the events' addresses (on the command line: --ipdb {name}).",
                db.label()
            )));
        }
        let (encoding, bom) = text::sniff_encoding(&head, complete);
        self.report.encoding = encoding.label().to_string();
        if encoding == Encoding::Windows1252 {
            self.report.notes.push("The file is not valid UTF-8; it was read as Windows-1252. Check names with accents.".into());
        }
        let mut decoder = StreamDecoder::new(encoding, bom as u64);
        let mut text = String::with_capacity(head.len());
        decoder.decode(&head[bom..], &mut text);
        if complete {
            decoder.finish(&mut text);
        }
        let trimmed = text.trim_start();
        if trimmed.is_empty() {
            return Err(self.unreadable(format!("{name} is empty.")));
        }
        if sniff::looks_binary(trimmed) {
            return Err(self.unreadable(format!("{name} holds binary data (control characters), not a CSV or JSON log export.")));
        }
        let guess = dates::infer_order_in_text(&text);
        if guess.saw_locale_dates {
            let whence = if complete { "the whole file" } else { "the file's first MB" };
            self.report.notes.push(match (guess.ambiguous, guess.order) {
                (true, _) => "Locale dates in this file never have a day above 12, so day/month order cannot be told; read as month/day (US). Check one event against the source.".into(),
                (false, DateOrder::MonthFirst) => format!("Locale dates read as month/day/year (inferred from {whence})."),
                (false, DateOrder::DayFirst) => format!("Locale dates read as day/month/year (inferred from {whence})."),
            });
        }
        self.buf_original = bom as u64;
        let (def, container, headers, header_line, cutter, data_start) = if trimmed.starts_with('{') || trimmed.starts_with('[') {
            let mut bounds = JsonBounds::new();
            bounds.scan(text.as_bytes());
            if complete {
                bounds.finish();
            }
            let parsed: Vec<(u32, Result<Map<String, Value>, String>)> = bounds
                .records
                .iter()
                .take(5)
                .map(|r| (r.line, crate::ingest::json_record::parse_object(&text[r.start as usize..r.end as usize]).map(|(object, _)| object).map_err(|e| e.to_string())))
                .collect();
            let samples: Vec<Map<String, Value>> = parsed.iter().filter_map(|(_, r)| r.as_ref().ok().cloned()).collect();
            match sniff::detect_json(&samples) {
                Ok(def) => (def, Container::Json, None, String::new(), Cutter::Json(bounds), 0),
                Err(why) => {
                    // Records were found but none parsed: the first one's error says more.
                    let first_error = parsed.iter().find_map(|(line, r)| r.as_ref().err().map(|e| format!(" The record on line {line} is not readable: {e}.")));
                    return Err(self.unreadable(format!("{name}: {why}{}", first_error.unwrap_or_default())));
                }
            }
        } else {
            let dialect = csv_input::sniff_dialect(&text);
            let mut reader = csv::ReaderBuilder::new().delimiter(dialect.delimiter).flexible(true).has_headers(false).from_reader(&text.as_bytes()[dialect.header_offset..]);
            let mut header = csv::StringRecord::new();
            match reader.read_record(&mut header) {
                Ok(true) => {}
                Ok(false) => return Err(self.unreadable(format!("{name}: the header row cannot be read as CSV (it is empty)."))),
                Err(e) => return Err(self.unreadable(format!("{name}: the header row cannot be read as CSV ({e})."))),
            }
            let headers = Headers::new(header.iter());
            let data_start = dialect.header_offset + reader.position().byte() as usize;
            let header_line = text[dialect.header_offset..data_start].trim_end_matches(['\r', '\n']).to_string();
            match sniff::detect_csv(&headers) {
                Ok(def) => {
                    self.report.delimiter = Some(char::from(dialect.delimiter));
                    (def, Container::Csv { delimiter: dialect.delimiter }, Some(headers), header_line, Cutter::Csv(CsvBounds::new(dialect.delimiter)), data_start)
                }
                Err(why) => return Err(self.unreadable(format!("{name}: {why}"))),
            }
        };
        let format = Format { schema: def.schema, container };
        self.report.format = Some(format);
        self.plan = Some(ParsePlan { file_name: name, def, format, encoding, date_order: guess.order, headers, header_line: header_line.trim_start_matches('\u{feff}').to_string() });
        // The header (and any preamble) is not a record: the text starts after it.
        let skipped = &text[..data_start];
        self.buf_original += original_len(encoding, skipped);
        self.buf_line = self.buf_line.saturating_add(skipped.matches('\n').count() as u32);
        self.buf_decoded = data_start as u64;
        self.buf = text[data_start..].to_string();
        let mut cutter = cutter;
        if let Cutter::Csv(_) = cutter {
            scan(&mut cutter, &self.buf, 0, &mut self.last_boundary);
        }
        self.stage = Stage::Reading { decoder, cutter };
        Ok(())
    }

    /// Hand out the text of whole records once there is a slice's worth
    /// (or everything, at the end).
    fn cut(&mut self, at_end: bool, slices: &mut Vec<Slice>) {
        if !at_end && self.buf.len() < self.next_slice_bytes() {
            return;
        }
        let Some(encoding) = self.plan.as_ref().map(|p| p.encoding) else { return };
        let Stage::Reading { cutter, .. } = &mut self.stage else { return };
        match cutter {
            Cutter::Csv(bounds) => {
                if at_end {
                    self.last_boundary = Some(self.buf.len());
                } else if self.last_boundary.is_none() && self.buf.len() > MAX_RECORD_BYTES {
                    // An unclosed quote or a line without end: give up on it at the last line break.
                    let reason = if bounds.in_quotes() {
                        format!("a quoted field opened on or after line {} is not closed within {} MiB; that text was skipped", self.buf_line, MAX_RECORD_BYTES >> 20)
                    } else {
                        format!("a line from line {} on runs over {} MiB without a line break; that text was skipped", self.buf_line, MAX_RECORD_BYTES >> 20)
                    };
                    bounds.reset();
                    let line = self.buf_line;
                    self.report.reject(line, reason);
                    let cut = self.buf.rfind('\n').map_or(self.buf.len(), |i| i + 1);
                    self.advance(cut, encoding);
                    return;
                }
                if let Some(end) = self.last_boundary.take() {
                    // The cutter counted the line breaks up to a record end it found
                    // (`last_boundary`), not those of the rest read at the end.
                    let line_breaks = (!at_end).then(|| {
                        let before_end = bounds.newlines_before_last_end();
                        (before_end - std::mem::replace(&mut self.buf_newlines, before_end)) as u32
                    });
                    self.emit(end, Vec::new(), line_breaks, encoding, slices);
                }
            }
            Cutter::Json(bounds) => {
                if let Some((start, _)) = bounds.pinned() {
                    if bounds.position() - start > MAX_RECORD_BYTES as u64 {
                        bounds.abandon_record(format!("a record is larger than {} MiB; it was skipped", MAX_RECORD_BYTES >> 20));
                    }
                }
                for e in bounds.errors.drain(..) {
                    self.report.reject(e.line, e.reason);
                }
                let keep_from = bounds.pinned().map_or(bounds.position(), |p| p.0);
                let cut = (keep_from - self.buf_decoded) as usize;
                let base = self.buf_decoded;
                let records: Vec<(u32, u32, u32)> = bounds.records.drain(..).map(|r| ((r.start - base) as u32, (r.end - base) as u32, r.line)).collect();
                if records.is_empty() {
                    self.advance(cut, encoding);
                } else {
                    self.emit(cut, records, None, encoding, slices);
                }
            }
        }
    }

    /// The text to gather before the next cut. The first slices are
    /// smaller (1, 2, 4… MiB up to `slice_bytes`), so the parsing threads
    /// start on the file's first megabyte rather than wait while a whole
    /// slice is read (`loupe summary` had a core idle for its first ~15 ms).
    fn next_slice_bytes(&self) -> usize {
        self.slice_bytes.min(FIRST_SLICE_BYTES << self.next_slice.min(8))
    }

    /// Make `buf[..end]` a slice; `line_breaks` in it, when already counted.
    fn emit(&mut self, end: usize, records: Vec<(u32, u32, u32)>, line_breaks_in: Option<u32>, encoding: Encoding, slices: &mut Vec<Slice>) {
        if end == 0 {
            return;
        }
        // The buffer becomes the slice's text and the few bytes after the
        // cut start a new buffer: one small copy instead of the slice's.
        let room = self.buf.len() - end + self.slice_bytes.min(MAX_BUFFER_RESERVE) + BUFFER_SLACK;
        // A spare too small is dropped rather than grown: growing copies all
        // of its old capacity to new pages (in `loupe summary`, the reading
        // thread's most samples in page faults, more than fresh buffers had).
        let mut rest = match self.spare_texts.pop() {
            Some(spare) if spare.capacity() >= room => spare,
            _ => String::with_capacity(room),
        };
        rest.push_str(&self.buf[end..]);
        self.buf.truncate(end);
        let text = std::mem::replace(&mut self.buf, rest);
        let slice = Slice { index: self.next_slice, base: self.buf_original, first_line: self.buf_line, records, text };
        self.buf_original += original_len(encoding, &slice.text);
        self.buf_line = self.buf_line.saturating_add(line_breaks_in.unwrap_or_else(|| line_breaks(&slice.text)));
        self.buf_decoded += slice.text.len() as u64;
        self.next_slice += 1;
        if let Some(b) = &mut self.last_boundary {
            *b -= end.min(*b);
        }
        slices.push(slice);
    }

    /// Drop `buf[..end]` without making a slice of it.
    fn advance(&mut self, end: usize, encoding: Encoding) {
        let dropped = &self.buf[..end];
        self.buf_original += original_len(encoding, dropped);
        let dropped_line_breaks = line_breaks(dropped);
        self.buf_line = self.buf_line.saturating_add(dropped_line_breaks);
        self.buf_newlines += u64::from(dropped_line_breaks);
        self.buf_decoded += end as u64;
        self.buf.drain(..end);
        if let Some(b) = &mut self.last_boundary {
            *b = b.saturating_sub(end);
        }
    }
}

/// Room reserved for the next slice's text (whole-file reads ask for a
/// slice of any size; the buffer grows as needed beyond this).
const MAX_BUFFER_RESERVE: usize = 4 << 20;
/// Text of the first slice of a file when slices are larger (see `next_slice_bytes`).
const FIRST_SLICE_BYTES: usize = 1 << 20;
/// Slice texts kept for reuse: about as many as are in flight at once.
const MAX_SPARE_TEXTS: usize = 16;
/// Room beyond a slice's text in its buffer, so the buffer takes the next
/// slice's too when the record cut at its end is longer, and the few bytes
/// of a character a piece cut in two (which the decoder carries) fit
/// without the buffer growing.
const BUFFER_SLACK: usize = 64 << 10;

/// Line breaks in `text`: few per KB in logs, so jumping between them
/// (`memchr`) beats looking at every byte.
fn line_breaks(text: &str) -> u32 {
    memchr::memchr_iter(b'\n', text.as_bytes()).count() as u32
}

/// Scan newly decoded text (`buf[from..]`) for record ends.
fn scan(cutter: &mut Cutter, buf: &str, from: usize, last_boundary: &mut Option<usize>) {
    match cutter {
        Cutter::Csv(bounds) => {
            if let Some(end) = bounds.scan(&buf.as_bytes()[from..]) {
                *last_boundary = Some(from + end);
            }
        }
        Cutter::Json(bounds) => bounds.scan(&buf.as_bytes()[from..]),
    }
}

/// Takes slices' results back in file order and keeps the file's report.
pub struct FileAssembler {
    date_order: DateOrder,
    rows_ok: u64,
    rows_rejected: u64,
    duplicates: u64,
    conflicting_ids: u64,
    errors: Vec<RowIssue>,
    warnings_total: u64,
    warnings: Vec<RowIssue>,
    first: Option<crate::model::TimeMs>,
    last: Option<crate::model::TimeMs>,
    accounts: BTreeSet<String>,
    notes: Vec<String>,
}

impl FileAssembler {
    pub fn new(plan: &ParsePlan) -> FileAssembler {
        FileAssembler {
            date_order: plan.date_order,
            rows_ok: 0,
            rows_rejected: 0,
            duplicates: 0,
            conflicting_ids: 0,
            errors: Vec::new(),
            warnings_total: 0,
            warnings: Vec::new(),
            first: None,
            last: None,
            accounts: BTreeSet::new(),
            notes: Vec::new(),
        }
    }

    /// Events kept so far.
    pub fn rows_ok(&self) -> u64 {
        self.rows_ok
    }

    /// Add a slice's results (slices must come in order); kept events go to `sink`.
    pub fn absorb(&mut self, mut output: SliceOutput, dedupe: &mut Deduper, mut sink: impl FnMut(Event)) {
        let events = std::mem::take(&mut output.events);
        self.absorb_issues(output);
        for event in events {
            if self.keep(&event.as_ref(), dedupe) {
                sink(event);
            }
        }
    }

    /// A slice's counts, issues and notes (its events go through `keep`).
    pub fn absorb_issues(&mut self, output: SliceOutput) {
        self.rows_rejected += output.rejected;
        self.errors.extend(output.errors.into_iter().take(MAX_LISTED_ISSUES.saturating_sub(self.errors.len())));
        self.warnings_total += output.warnings_total;
        self.warnings.extend(output.warnings.into_iter().take(MAX_LISTED_ISSUES.saturating_sub(self.warnings.len())));
        for note in output.notes {
            if !self.notes.contains(&note) {
                self.notes.push(note);
            }
        }
        if let Some(guess) = output.dates {
            if !guess.ambiguous && guess.order != self.date_order && !self.notes.iter().any(|n| n.starts_with("Locale dates from line")) {
                let (seen, read) = match guess.order {
                    DateOrder::DayFirst => ("day/month", "month/day"),
                    DateOrder::MonthFirst => ("month/day", "day/month"),
                };
                self.notes.push(format!(
                    "Locale dates from line {} on are {seen}/year, but the file was read as {read}/year from its start; check events from there against the source.",
                    output.first_line
                ));
            }
        }
    }

    /// Whether to keep a slice's event (not a duplicate); counts it if so.
    pub fn keep(&mut self, event: &EventRef, dedupe: &mut Deduper) -> bool {
        if !event.record_id.is_empty() {
            match dedupe.offer(Deduper::key(event.source, event.record_id), Deduper::content_of(event)) {
                Seen::Duplicate => {
                    self.duplicates += 1;
                    return false;
                }
                Seen::ConflictingId => self.conflicting_id(event.line, event.record_id),
                Seen::First => {}
            }
        }
        self.rows_ok += 1;
        self.first = Some(self.first.map_or(event.time, |t| t.min(event.time)));
        self.last = Some(self.last.map_or(event.time, |t| t.max(event.time)));
        let federated = event.attrs.get(crate::model::attr::FEDERATED_NAME).unwrap_or_default();
        for account in [event.actor, event.target, federated] {
            if looks_like_upn(account) && !self.accounts.contains(account) {
                self.accounts.insert(account.to_ascii_lowercase());
            }
        }
        true
    }

    /// A kept record whose id was read before with different content: counted,
    /// and listed with its line among the warnings.
    fn conflicting_id(&mut self, line: u32, record_id: &str) {
        self.conflicting_ids += 1;
        self.warnings_total += 1;
        if self.warnings.len() < MAX_LISTED_ISSUES {
            let id: String = record_id.chars().take(80).collect();
            self.warnings.push(RowIssue {
                line,
                reason: format!("record id {id} was already read with different content; both records are kept (an edited or re-numbered export?)"),
            });
        }
    }

    /// `keep` for every event of a worker's batch: `keep[i]` says whether
    /// event `i` is kept. Account names are checked once per distinct
    /// string of the batch rather than once per event.
    pub fn keep_batch(&mut self, batch: &batch::Batch, dedupe: &mut Deduper, keep: &mut Vec<bool>) {
        use batch::{VALUE_TABLE, KEY_TABLE};
        use crate::store::TextColumn;
        // Batch tables are numbered as the store's text columns.
        const ACTOR: usize = TextColumn::Actor as usize;
        const TARGET: usize = TextColumn::Target as usize;
        const OPERATION: usize = TextColumn::Operation as usize;
        const IP: usize = TextColumn::Ip as usize;
        keep.clear();
        let federated = batch.table(KEY_TABLE).find(crate::model::attr::FEDERATED_NAME);
        let mut checked: [Vec<bool>; 3] = [ACTOR, TARGET, VALUE_TABLE].map(|t| vec![false; batch.table(t).len()]);
        for i in 0..batch.len() {
            let record_id = batch.record_id(i);
            if !record_id.is_empty() {
                let source = crate::model::Source::ALL.get(usize::from(batch.source_index(i))).copied().unwrap_or_default();
                let content = Deduper::content_hash(source, batch.time(i), batch.text(OPERATION, i), batch.text(ACTOR, i), batch.text(IP, i));
                match dedupe.offer(batch.dedupe_key(i), content) {
                    Seen::Duplicate => {
                        self.duplicates += 1;
                        keep.push(false);
                        continue;
                    }
                    Seen::ConflictingId => self.conflicting_id(batch.line(i), record_id),
                    Seen::First => {}
                }
            }
            keep.push(true);
            self.rows_ok += 1;
            let time = batch.time(i);
            self.first = Some(self.first.map_or(time, |t| t.min(time)));
            self.last = Some(self.last.map_or(time, |t| t.max(time)));
            let federated_value = federated.and_then(|key| batch.attr_ids(i).find(|&(k, _)| k == key)).map(|(_, v)| v);
            let ids = [Some(batch.text_id(ACTOR, i)), Some(batch.text_id(TARGET, i)), federated_value];
            for ((table, id), seen) in [ACTOR, TARGET, VALUE_TABLE].into_iter().zip(ids).zip(&mut checked) {
                let Some(id) = id else { continue };
                match seen.get_mut(id as usize) {
                    Some(seen) if !*seen => *seen = true,
                    _ => continue,
                }
                let account = batch.table(table).get(id);
                if looks_like_upn(account) && !self.accounts.contains(account) {
                    self.accounts.insert(account.to_ascii_lowercase());
                }
            }
        }
    }

    /// The finished report, on top of the splitter's (hash, size, format,
    /// notes and the rows it could not find records in).
    pub fn finish(self, mut report: IngestReport) -> IngestReport {
        report.rows_ok = self.rows_ok;
        report.duplicates = self.duplicates;
        report.conflicting_ids = self.conflicting_ids;
        report.first = self.first;
        report.last = self.last;
        report.rows_rejected += self.rows_rejected;
        report.errors.extend(self.errors);
        report.errors.sort_by_key(|i| i.line);
        report.errors.truncate(MAX_LISTED_ISSUES);
        report.warnings_total += self.warnings_total;
        report.warnings.extend(self.warnings);
        report.warnings.truncate(MAX_LISTED_ISSUES);
        for note in self.notes {
            if !report.notes.contains(&note) {
                report.notes.push(note);
            }
        }
        report.accounts = self.accounts.into_iter().collect();
        report
    }
}

/// A whole file in memory, read through the same slices (tests, samples,
/// small files): kept events go to `sink`. The report says why when the
/// file is not read.
pub fn ingest_in_memory(file_name: &str, bytes: &[u8], sha256: Option<String>, dedupe: &mut Deduper, mut sink: impl FnMut(Event)) -> (IngestReport, Option<ParsePlan>, Option<Vec<u8>>) {
    let mut splitter = Splitter::new(file_name, 4 << 20, sha256);
    let mut run = || -> Result<Vec<Slice>, Unreadable> {
        let mut slices = splitter.push(bytes)?;
        slices.extend(splitter.finish()?);
        Ok(slices)
    };
    let slices = match run() {
        Ok(slices) => slices,
        Err(report) => return (*report, None, None),
    };
    let Some(plan) = splitter.plan().cloned() else {
        return (splitter.into_report(), None, None);
    };
    let mut assembler = FileAssembler::new(&plan);
    for slice in &slices {
        assembler.absorb(parse_slice(&plan, slice), dedupe, &mut sink);
    }
    let unpacked = splitter.take_unpacked();
    (assembler.finish(splitter.into_report()), Some(plan), unpacked)
}
