//! Plans, slices and parsed slices as bytes, for handing them to another
//! instance of the same wasm module in a Web Worker (which shares no memory
//! with the page). The same code runs on both sides, so the format only has
//! to agree with itself; it is checked natively by a round trip.
//!
//! Events travel in a plain length-prefixed binary form rather than JSON:
//! the page's thread decodes every event a worker parsed, and that must cost
//! far less than parsing it did.

use super::{ParsePlan, Slice, SliceOutput};
use crate::ingest::csv_input::Headers;
use crate::ingest::dates::{DateOrder, OrderGuess};
use crate::ingest::report::RowIssue;
use crate::ingest::sniff::{Container, Format, SchemaDef, SCHEMAS};
use crate::ingest::text::Encoding;
use crate::model::{AttrList, Event, EventRef, Outcome, RawSpan, Source};
use serde::{Deserialize, Serialize};

/// A `ParsePlan` as JSON: the layout by its place in `SCHEMAS`.
#[derive(Serialize, Deserialize)]
struct PlanWire {
    file_name: String,
    layout: usize,
    delimiter: Option<u8>,
    encoding: u8,
    day_first: bool,
    headers: Option<Vec<String>>,
    header_line: String,
}

const ENCODINGS: [Encoding; 5] = [Encoding::Utf8, Encoding::Utf8Bom, Encoding::Utf16Le, Encoding::Utf16Be, Encoding::Windows1252];

fn layouts() -> impl Iterator<Item = &'static SchemaDef> {
    SCHEMAS.iter().flat_map(|defs| defs.iter())
}

pub fn plan_to_json(plan: &ParsePlan) -> String {
    let wire = PlanWire {
        file_name: plan.file_name.clone(),
        layout: layouts().position(|d| std::ptr::eq(d, plan.def)).unwrap_or(usize::MAX),
        delimiter: match plan.format.container {
            Container::Csv { delimiter } => Some(delimiter),
            Container::Json => None,
        },
        encoding: ENCODINGS.iter().position(|e| *e == plan.encoding).unwrap_or(0) as u8,
        day_first: plan.date_order == DateOrder::DayFirst,
        headers: plan.headers.as_ref().map(|h| h.names.clone()),
        header_line: plan.header_line.clone(),
    };
    serde_json::to_string(&wire).unwrap_or_default()
}

pub fn plan_from_json(json: &str) -> Result<ParsePlan, String> {
    let wire: PlanWire = serde_json::from_str(json).map_err(|e| format!("bad plan: {e}"))?;
    let def = layouts().nth(wire.layout).ok_or("bad plan: unknown layout")?;
    let container = match wire.delimiter {
        Some(delimiter) => Container::Csv { delimiter },
        None => Container::Json,
    };
    Ok(ParsePlan {
        file_name: wire.file_name,
        def,
        format: Format { schema: def.schema, container },
        encoding: *ENCODINGS.get(wire.encoding as usize).ok_or("bad plan: unknown encoding")?,
        date_order: if wire.day_first { DateOrder::DayFirst } else { DateOrder::MonthFirst },
        headers: wire.headers.map(|names| Headers::new(names.iter().map(String::as_str))),
        header_line: wire.header_line,
    })
}

/// A slice's place in its file, without its text (which travels as bytes).
#[derive(Serialize, Deserialize)]
pub struct SliceMeta {
    pub index: u32,
    pub base: u64,
    pub first_line: u32,
    pub records: Vec<(u32, u32, u32)>,
}

impl SliceMeta {
    pub fn of(slice: &Slice) -> SliceMeta {
        SliceMeta { index: slice.index, base: slice.base, first_line: slice.first_line, records: slice.records.clone() }
    }

    pub fn into_slice(self, text: String) -> Slice {
        Slice { index: self.index, text, base: self.base, first_line: self.first_line, records: self.records }
    }
}

/// Everything of a `SliceOutput` but its events.
#[derive(Serialize, Deserialize)]
struct OutputMeta {
    index: u32,
    rejected: u64,
    errors: Vec<(u32, String)>,
    warnings_total: u64,
    warnings: Vec<(u32, String)>,
    notes: Vec<String>,
    dates: Option<(bool, bool, bool)>,
    first_line: u32,
}

/// `[meta length: u32][meta JSON][events]`.
pub fn output_to_bytes(output: &SliceOutput) -> Vec<u8> {
    let meta = OutputMeta {
        index: output.index,
        rejected: output.rejected,
        errors: output.errors.iter().map(|i| (i.line, i.reason.clone())).collect(),
        warnings_total: output.warnings_total,
        warnings: output.warnings.iter().map(|i| (i.line, i.reason.clone())).collect(),
        notes: output.notes.clone(),
        dates: output.dates.map(|g| (g.order == DateOrder::DayFirst, g.ambiguous, g.saw_locale_dates)),
        first_line: output.first_line,
    };
    let meta = serde_json::to_vec(&meta).unwrap_or_default();
    let mut out = Vec::with_capacity(meta.len() + output.events.len() * 256);
    out.extend_from_slice(&(meta.len() as u32).to_le_bytes());
    out.extend_from_slice(&meta);
    for event in &output.events {
        write_event(&mut out, event);
    }
    out
}

pub fn output_from_bytes(bytes: &[u8]) -> Result<SliceOutput, String> {
    let (mut output, events) = read_output(bytes)?;
    events.for_each(|event| output.events.push(event.to_event()))?;
    Ok(output)
}

/// A slice's result with its events still as bytes: borrowed one at a time
/// by `WireEvents::for_each`, so taking them costs no `String` per field.
pub fn read_output(bytes: &[u8]) -> Result<(SliceOutput, WireEvents<'_>), String> {
    let mut r = Reader { bytes, at: 0 };
    let meta_len = r.u32()? as usize;
    let meta: OutputMeta = serde_json::from_slice(r.take(meta_len)?).map_err(|e| format!("bad slice result: {e}"))?;
    let events = WireEvents { bytes: &bytes[r.at..] };
    Ok((output_of(meta), events))
}

/// The events of a slice's result, as bytes.
pub struct WireEvents<'a> {
    bytes: &'a [u8],
}

impl<'a> WireEvents<'a> {
    /// Each event in turn, borrowed from the bytes.
    pub fn for_each(self, mut each: impl FnMut(EventRef<'_>)) -> Result<(), String> {
        let mut r = Reader { bytes: self.bytes, at: 0 };
        let mut attrs: Vec<(&str, &str)> = Vec::new();
        while r.at < self.bytes.len() {
            each(read_event(&mut r, &mut attrs)?);
        }
        Ok(())
    }
}

fn output_of(meta: OutputMeta) -> SliceOutput {
    let issues = |v: Vec<(u32, String)>| v.into_iter().map(|(line, reason)| RowIssue { line, reason }).collect();
    SliceOutput {
        index: meta.index,
        events: Vec::new(),
        rejected: meta.rejected,
        errors: issues(meta.errors),
        warnings_total: meta.warnings_total,
        warnings: issues(meta.warnings),
        notes: meta.notes,
        dates: meta.dates.map(|(day_first, ambiguous, saw)| OrderGuess { order: if day_first { DateOrder::DayFirst } else { DateOrder::MonthFirst }, ambiguous, saw_locale_dates: saw }),
        first_line: meta.first_line,
    }
}

fn write_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn write_event(out: &mut Vec<u8>, e: &Event) {
    out.extend_from_slice(&e.time.to_le_bytes());
    out.push(Source::ALL.iter().position(|s| *s == e.source).unwrap_or(0) as u8);
    out.push(Outcome::ALL.iter().position(|o| *o == e.outcome).unwrap_or(0) as u8);
    for s in [&e.operation, &e.actor, &e.target, &e.ip, &e.country, &e.city, &e.user_agent, &e.app, &e.source_time, &e.record_id] {
        write_str(out, s);
    }
    match e.geo {
        Some((lat, lon)) => {
            out.push(1);
            out.extend_from_slice(&lat.to_le_bytes());
            out.extend_from_slice(&lon.to_le_bytes());
        }
        None => out.push(0),
    }
    out.extend_from_slice(&(e.attrs.len() as u32).to_le_bytes());
    for (k, v) in &e.attrs {
        write_str(out, k);
        write_str(out, v);
    }
    out.extend_from_slice(&e.line.to_le_bytes());
    out.extend_from_slice(&e.raw.start.to_le_bytes());
    out.extend_from_slice(&e.raw.len.to_le_bytes());
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len()).ok_or("slice result cut short")?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        self.take(N)?.try_into().map_err(|_| "slice result cut short".to_string())
    }

    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn str(&mut self) -> Result<&'a str, String> {
        let n = self.u32()? as usize;
        std::str::from_utf8(self.take(n)?).map_err(|_| "slice result holds text that is not UTF-8".to_string())
    }
}

/// One event; its attribute pairs go into `attrs` (reused between events).
fn read_event<'a, 'v>(r: &mut Reader<'a>, attrs: &'v mut Vec<(&'a str, &'a str)>) -> Result<EventRef<'v>, String>
where
    'a: 'v,
{
    let time = i64::from_le_bytes(r.array()?);
    let source = *Source::ALL.get(r.u8()? as usize).ok_or("bad source")?;
    let outcome = *Outcome::ALL.get(r.u8()? as usize).ok_or("bad outcome")?;
    let mut s = || r.str();
    let (operation, actor, target, ip, country, city, user_agent, app, source_time, record_id) = (s()?, s()?, s()?, s()?, s()?, s()?, s()?, s()?, s()?, s()?);
    let geo = match r.u8()? {
        1 => Some((f64::from_le_bytes(r.array()?), f64::from_le_bytes(r.array()?))),
        _ => None,
    };
    let n = r.u32()? as usize;
    attrs.clear();
    for _ in 0..n {
        attrs.push((r.str()?, r.str()?));
    }
    let line = r.u32()?;
    let raw = RawSpan { start: u64::from_le_bytes(r.array()?), len: r.u32()? };
    Ok(EventRef { time, source, outcome, operation, actor, target, ip, country, city, user_agent, app, geo, attrs: AttrList::Borrowed(attrs), line, raw, record_id, source_time })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::stream::{parse_slice, Splitter};

    #[test]
    fn plans_and_parsed_slices_survive_the_trip() {
        let bytes = std::fs::read("tests/fixtures/ual_search_export.csv").unwrap();
        let mut splitter = Splitter::new("ual.csv", 1 << 20, None);
        let mut slices = splitter.push(&bytes).unwrap();
        slices.extend(splitter.finish().unwrap());
        let plan = splitter.plan().unwrap().clone();
        let copy = plan_from_json(&plan_to_json(&plan)).unwrap();
        assert!(std::ptr::eq(copy.def, plan.def));
        for slice in slices {
            let here = parse_slice(&plan, &slice);
            let meta: SliceMeta = serde_json::from_str(&serde_json::to_string(&SliceMeta::of(&slice)).unwrap()).unwrap();
            let there = output_from_bytes(&output_to_bytes(&parse_slice(&copy, &meta.into_slice(slice.text.clone())))).unwrap();
            assert!(!here.events.is_empty());
            assert_eq!(there.events, here.events);
            assert_eq!((there.rejected, there.index, there.first_line), (here.rejected, here.index, here.first_line));
        }
        assert!(output_from_bytes(&[1, 0, 0]).is_err(), "cut-short input is an error, not a panic");
    }
}
