//! A file read in pieces gives the same events as the whole file read at
//! once, wherever the pieces are cut: records that straddle a cut (quoted
//! multi-line CSV fields, JSON arrays and pages, NDJSON lines, UTF-16 code
//! units, gzip members) come out whole, with the same lines and byte ranges.

use loupe::ingest::stream::{parse_slice, FileAssembler, Splitter};
use loupe::ingest::{ingest_bytes, Deduper, IngestReport};
use loupe::model::Event;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("tests/fixtures/{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Read `bytes` fed in the given pieces, with tiny slices so that slices
/// are cut at many places too.
fn read_in_pieces(name: &str, bytes: &[u8], cuts: &[usize], slice_bytes: usize) -> (IngestReport, Vec<Event>) {
    let mut splitter = Splitter::new(name, slice_bytes, None);
    let mut slices = Vec::new();
    let mut from = 0;
    for &cut in cuts.iter().chain(std::iter::once(&bytes.len())) {
        match splitter.push(&bytes[from..cut]) {
            Ok(more) => slices.extend(more),
            Err(report) => return (*report, Vec::new()),
        }
        from = cut;
    }
    match splitter.finish() {
        Ok(more) => slices.extend(more),
        Err(report) => return (*report, Vec::new()),
    }
    let plan = splitter.plan().cloned().expect("a recognised file has a plan");
    let mut assembler = FileAssembler::new(&plan);
    let mut events = Vec::new();
    let mut dedupe = Deduper::default();
    for slice in &slices {
        assembler.absorb(parse_slice(&plan, slice), &mut dedupe, |e| events.push(e));
    }
    (assembler.finish(splitter.into_report()), events)
}

fn same_at_every_cut(name: &str, bytes: &[u8]) {
    let (whole_report, whole_events, _) = ingest_bytes(name, bytes, &mut Deduper::default());
    assert!(whole_report.unreadable.is_none(), "{name}: {:?}", whole_report.unreadable);
    assert!(!whole_events.is_empty(), "{name} has events");
    for cut in 0..=bytes.len() {
        for slice_bytes in [if cut % 2 == 0 { 1 } else { 97 }] {
            let (report, events) = read_in_pieces(name, bytes, &[cut], slice_bytes);
            assert_eq!(events.len(), whole_events.len(), "{name} cut at byte {cut}, slices of {slice_bytes}");
            for (a, b) in events.iter().zip(&whole_events) {
                assert_eq!(a, b, "{name} cut at byte {cut}, slices of {slice_bytes}");
            }
            assert_eq!(
                (report.rows_ok, report.rows_rejected, &report.errors, &report.sha256, report.bytes),
                (whole_report.rows_ok, whole_report.rows_rejected, &whole_report.errors, &whole_report.sha256, whole_report.bytes),
                "{name} cut at byte {cut}"
            );
        }
    }
}

#[test]
fn csv_with_quoted_multiline_fields() {
    same_at_every_cut("ual.csv", &fixture("ual_search_multiline_auditdata.csv"));
    same_at_every_cut("signins.csv", &fixture("signin_sentinel_semicolon_de.csv"));
}

#[test]
fn json_array_graph_pages_and_ndjson() {
    same_at_every_cut("audit.json", &fixture("audit_graph_page.json"));
    same_at_every_cut("pages.json", &fixture("signin_graph_pages.json"));
    same_at_every_cut("records.ndjson", &fixture("ual_auditdata_records.ndjson"));
    same_at_every_cut("trail.json", &fixture("cloudtrail_s3_records_create_access_key.json"));
    same_at_every_cut("truncated.json", &fixture("signin_graph_page_truncated.json"));
}

#[test]
fn utf16_split_inside_code_units_and_pairs() {
    let text = String::from_utf8(fixture("ual_search_export.csv")).unwrap();
    let text = text.replacen("contoso", "cöntoso 𝄞", 1);
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    same_at_every_cut("ual_utf16.csv", &bytes);
    let (_, events, source) = ingest_bytes("ual_utf16.csv", &bytes, &mut Deduper::default());
    let first = source.record_text(events[0].raw).unwrap();
    assert!(first.starts_with('"') && !first.contains("AuditData"), "the original record is read back from UTF-16 bytes: {first}");
}

#[test]
fn gzip_split_anywhere() {
    use std::io::Write;
    let plain = fixture("cloudtrail_s3_records_create_access_key.json");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&plain).unwrap();
    let packed = gz.finish().unwrap();
    same_at_every_cut("trail.json.gz", &packed);
}

#[test]
fn one_byte_at_a_time() {
    let bytes = fixture("ual_search_export.csv");
    let (_, whole, _) = ingest_bytes("ual.csv", &bytes, &mut Deduper::default());
    let cuts: Vec<usize> = (1..bytes.len()).collect();
    let (_, events) = read_in_pieces("ual.csv", &bytes, &cuts, 4096);
    assert_eq!(events, whole);
}

#[test]
fn a_runaway_quote_is_given_up_on_not_held_forever() {
    // One unclosed quote followed by more than the record limit of text:
    // the splitter must not keep the rest of the file as one record.
    let header = "CreationDate,UserIds,Operations,AuditData\n";
    let mut text = String::from(header);
    text.push_str("3/1/2026 10:05:00 AM,alice@contoso.com,Send,\"{ never closed\n");
    let filler = "3/1/2026 10:06:00 AM,bob@contoso.com,Send,x\n";
    while text.len() < loupe::ingest::stream::MAX_RECORD_BYTES + (1 << 20) {
        text.push_str(filler);
    }
    let mut splitter = Splitter::new("ual.csv", 1 << 20, None);
    let mut held = 0usize;
    for piece in text.as_bytes().chunks(1 << 20) {
        let slices = splitter.push(piece).unwrap();
        held = held.max(slices.iter().map(|s| s.text.len()).sum());
    }
    splitter.finish().unwrap();
    let report = splitter.into_report();
    assert!(report.errors.iter().any(|e| e.reason.contains("not closed")), "{:?}", report.errors);
}

/// Day/month order is decided from the file's first MB; a later slice whose
/// dates only read the other way gets a note in the file's report. Only
/// the dates the mapper reads count (not URLs or version numbers).
#[test]
fn dates_that_contradict_the_order_decided_at_the_start_are_reported() {
    let text = String::from_utf8(fixture("signin_sentinel_semicolon_de.csv")).expect("UTF-8 fixture");
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    let day_first_row = lines.find(|l| l.contains(";14.3.2026, 09:00:00.000;")).expect("a row dated 14.3.2026");
    let month_first_row = day_first_row.replace("14.3.2026", "3.14.2026");
    let mut file = format!("{header}\n");
    let mut rows = 0;
    while file.len() < 3 << 20 {
        file.push_str(day_first_row);
        file.push('\n');
        rows += 1;
    }
    let contradiction_line = rows + 2;
    // More than a slice of them, so that some slice reads month-first only.
    for _ in 0..400 {
        file.push_str(&month_first_row);
        file.push('\n');
    }
    // Read as the page reads, in pieces, so that slices are cut as it cuts them.
    let pieces = |len: usize| (1..len / (128 << 10)).map(|i| i * (128 << 10)).collect::<Vec<_>>();
    let (report, _) = read_in_pieces("signins_de.csv", file.as_bytes(), &pieces(file.len()), 256 << 10);
    let note = report.notes.iter().find(|n| n.starts_with("Locale dates from line")).unwrap_or_else(|| panic!("no note in {:?}", report.notes));
    let line: usize = note.trim_start_matches("Locale dates from line ").split(' ').next().and_then(|n| n.parse().ok()).expect("a line number");
    assert!(line > 1 && line <= contradiction_line, "{note} (the first month-first row is line {contradiction_line})");
    assert!(note.contains("month/day"), "{note}");
    // The same rows all day-first: no note.
    let consistent = format!("{header}\n{}", format!("{day_first_row}\n").repeat(rows + 400));
    let (report, _) = read_in_pieces("signins_de.csv", consistent.as_bytes(), &pieces(consistent.len()), 256 << 10);
    assert!(!report.notes.iter().any(|n| n.starts_with("Locale dates from line")), "{:?}", report.notes);
}
