//! Plans, slices and parsed slices as bytes, for handing them to another
//! instance of the same wasm module in a Web Worker (which shares no memory
//! with the page). The same code runs on both sides, so the format only has
//! to agree with itself; it is checked natively by a round trip.
//!
//! Events travel as a `batch` (columns, texts numbered per slice) rather
//! than JSON: the page's thread takes in every event a worker parsed, and
//! that must cost far less than parsing it did.

use super::batch::{self, Batch};
use super::{ParsePlan, Slice, SliceOutput};
use crate::ingest::csv_input::Headers;
use crate::ingest::dates::{DateOrder, OrderGuess};
use crate::ingest::report::RowIssue;
use crate::ingest::sniff::{Container, Format, SchemaDef, SCHEMAS};
use crate::ingest::text::Encoding;
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

/// `[meta length: u32][meta JSON][events as a `batch`]`.
pub fn output_to_bytes(output: &SliceOutput) -> Vec<u8> {
    let mut out = Vec::new();
    write_output(output, &mut out);
    out
}

/// `output_to_bytes` into `out` (cleared first): a buffer handed back
/// once read takes the next slice's result in pages already in place.
pub fn write_output(output: &SliceOutput, out: &mut Vec<u8>) {
    out.clear();
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
    out.extend_from_slice(&(meta.len() as u32).to_le_bytes());
    out.extend_from_slice(&meta);
    batch::encode_into(&output.events, out);
}

/// A slice's result with owned events (`source_time` is not carried).
pub fn output_from_bytes(bytes: &[u8]) -> Result<SliceOutput, String> {
    let (mut output, events) = read_output(bytes)?;
    events.for_each(|event| output.events.push(event.to_event()));
    Ok(output)
}

/// A slice's result with its events still as bytes: a `Batch` that the
/// store takes in by string number, with no `String` per field.
pub fn read_output(bytes: &[u8]) -> Result<(SliceOutput, Batch<'_>), String> {
    let meta_len = bytes.get(..4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize).ok_or("slice result cut short")?;
    let meta = bytes.get(4..).and_then(|rest| rest.get(..meta_len)).ok_or("slice result cut short")?;
    let meta: OutputMeta = serde_json::from_slice(meta).map_err(|e| format!("bad slice result: {e}"))?;
    let events = Batch::read(&bytes[4 + meta_len..])?;
    Ok((output_of(meta), events))
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
            let mut here = parse_slice(&plan, &slice);
            here.events.iter_mut().for_each(|e| e.source_time.clear());
            let meta: SliceMeta = serde_json::from_str(&serde_json::to_string(&SliceMeta::of(&slice)).unwrap()).unwrap();
            let there = output_from_bytes(&output_to_bytes(&parse_slice(&copy, &meta.into_slice(slice.text.clone())))).unwrap();
            assert!(!here.events.is_empty());
            assert_eq!(there.events, here.events);
            assert_eq!((there.rejected, there.index, there.first_line), (here.rejected, here.index, here.first_line));
        }
        assert!(output_from_bytes(&[1, 0, 0]).is_err(), "cut-short input is an error, not a panic");
    }
}
