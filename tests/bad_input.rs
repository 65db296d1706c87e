//! The bad-input corpus (`tests/fixtures/bad/`, written by
//! `scripts/make_bad_fixtures.py`): every file with the outcome it must
//! have. Each file goes to the reader its name's prefix says (`ipdb_`,
//! `tenant_`, `case_`, `bundle_`, `query_`; anything else is evidence) and
//! the outcome is summed up as one text: the counts, then every listed
//! issue with its line (`line 4: …`), note and refusal. The table asserts
//! the counts exactly and a few specific parts of that text.
//!
//! Inputs too big to commit (bombs, 50 MB fields, 200,000 columns) are
//! made here at run time, in the tests below the table.
//!
//! `LOUPE_BAD_DUMP=1 cargo test --test bad_input -- --nocapture` prints
//! every file's outcome, to write a new row of the table from.

use loupe::ingest::stream::{parse_slice, FileAssembler, Splitter};
use loupe::ingest::{ingest_bytes, Deduper, IngestReport};
use std::path::PathBuf;

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad")
}

/// One evidence file's report as text.
fn ingest_outcome(report: &IngestReport) -> String {
    if let Some(why) = &report.unreadable {
        return format!("refused: {why}");
    }
    let mut out = format!("kept={} rejected={} duplicates={}", report.rows_ok, report.rows_rejected, report.duplicates);
    if report.conflicting_ids > 0 {
        out.push_str(&format!(" conflicting={}", report.conflicting_ids));
    }
    for issue in &report.errors {
        out.push_str(&format!(" | line {}: {}", issue.line, issue.reason));
    }
    for issue in &report.warnings {
        out.push_str(&format!(" | warning line {}: {}", issue.line, issue.reason));
    }
    for note in &report.notes {
        out.push_str(&format!(" | note: {note}"));
    }
    out
}

/// The same file fed to the streaming splitter `piece` bytes at a time:
/// its report, which must agree with the whole-file read.
fn ingest_in_pieces(name: &str, bytes: &[u8], piece: usize) -> IngestReport {
    stream_in_pieces(name, bytes, piece, 64)
}

/// `bytes` through the splitter `piece` bytes at a time, cut into slices
/// of about `slice_bytes`, as the command line and the browser read files.
fn stream_in_pieces(name: &str, bytes: &[u8], piece: usize, slice_bytes: usize) -> IngestReport {
    let mut splitter = Splitter::new(name, slice_bytes, None);
    let mut slices = Vec::new();
    for part in bytes.chunks(piece) {
        match splitter.push(part) {
            Ok(more) => slices.extend(more),
            Err(report) => return *report,
        }
    }
    match splitter.finish() {
        Ok(more) => slices.extend(more),
        Err(report) => return *report,
    }
    let Some(plan) = splitter.plan().cloned() else { return splitter.into_report() };
    let mut assembler = FileAssembler::new(&plan);
    let mut dedupe = Deduper::default();
    for slice in &slices {
        assembler.absorb(parse_slice(&plan, slice), &mut dedupe, |_| {});
    }
    assembler.finish(splitter.into_report())
}

fn tenant_outcome(name: &str, bytes: &[u8]) -> String {
    let read = loupe::tenant::read::read_file(name, bytes);
    let mut out = format!("objects={} reports={}", read.objects.len(), read.reports.len());
    for report in &read.reports {
        out.push_str(&format!(" | {}", report.headline()));
        for problem in &report.problems {
            out.push_str(&format!(" | {}: {}", problem.position, problem.reason));
        }
        for note in &report.notes {
            out.push_str(&format!(" | note: {note}"));
        }
    }
    out
}

fn ipdb_outcome(name: &str, bytes: &[u8]) -> String {
    match loupe::enrich::parse_database(name, bytes.to_vec()) {
        Err(why) => format!("refused: {why}"),
        Ok(db) => {
            let report = db.report();
            let mut out = format!("ok={} bad={} skipped={}", report.rows_ok, report.rows_bad, report.rows_skipped);
            for row in &report.errors {
                out.push_str(&format!(" | line {}: {}", row.line, row.reason));
            }
            out
        }
    }
}

fn bundle_outcome(bytes: &[u8]) -> String {
    match loupe::case::bundle::open(bytes) {
        Err(why) => format!("refused: {why}"),
        Ok(opened) => {
            let mut out = format!("case {:?}, files={}", opened.case.name, opened.files.len());
            for (file, content) in &opened.files {
                match content {
                    Ok(bytes) => out.push_str(&format!(" | {}: {} bytes", file.entry, bytes.len())),
                    Err(why) => out.push_str(&format!(" | {}: {why}", file.entry)),
                }
            }
            out
        }
    }
}

fn query_outcome(bytes: &[u8]) -> String {
    match loupe::store::parse(&String::from_utf8_lossy(bytes)) {
        Ok(query) => format!("terms={}", query.terms.len()),
        Err(e) => format!("refused: {} (column {})", e.message, e.position + 1),
    }
}

/// What reading `name` gives, by the reader its prefix names.
fn outcome(name: &str, bytes: &[u8]) -> String {
    let prefix = name.split('_').next().unwrap_or("");
    match prefix {
        "ipdb" => ipdb_outcome(name, bytes),
        "tenant" => tenant_outcome(name, bytes),
        "case" => match loupe::case::from_json(&String::from_utf8_lossy(bytes)) {
            Ok(case) => format!("case {:?} notes {:?}", case.name, case.notes),
            Err(why) => format!("refused: {why}"),
        },
        "bundle" => bundle_outcome(bytes),
        "query" => query_outcome(bytes),
        _ => {
            let (report, events, _) = ingest_bytes(name, bytes, &mut Deduper::default());
            assert_eq!(report.rows_ok as usize, events.len(), "{name}: the report counts the events it gives");
            ingest_outcome(&report)
        }
    }
}

/// Expected outcome of one corpus file: the start of its outcome text
/// (the counts, or `refused: ` and the first words of the message), and
/// parts it must contain (a line and its reason, a note).
struct Expect {
    file: &'static str,
    starts: &'static str,
    contains: &'static [&'static str],
}

const fn expect(file: &'static str, starts: &'static str, contains: &'static [&'static str]) -> Expect {
    Expect { file, starts, contains }
}

/// Every corpus file and its outcome. Where the outcome is a limitation
/// rather than a choice, the comment says so.
const CORPUS: &[Expect] = &[
    expect("bin_all_nul_bytes.csv", "refused: bin_all_nul_bytes.csv holds binary data (control characters),", &[]),
    expect("bin_elf_executable", "refused: bin_elf_executable looks like a program (ELF executable), ", &[]),
    expect("bin_gzip_of_png.gz", "refused: bin_gzip_of_png.gz looks like a PNG image, not a log expor", &[]),
    expect("bin_pdf_document.pdf", "refused: bin_pdf_document.pdf looks like a PDF document, not a log ex", &[]),
    expect("bin_png_image.png", "refused: bin_png_image.png looks like a PNG image, not a log expor", &[]),
    expect("bin_random_bytes.bin", "refused: bin_random_bytes.bin holds binary data (control characters),", &[]),
    expect("bin_zip_of_text_not_a_snapshot.zip", "refused: bin_zip_of_text_not_a_snapshot.zip looks like a ZIP archive (or an Excel .", &[]),
    expect("bomb_csv_quote_never_closed.csv", "kept=1 rejected=1 duplicates=0", &["line 3: has 6 fields but the header has 11 (cut-off line?)", "note: Locale dates in this file never have a day above 12, so day/mont"]),
    expect("bomb_gzip_4mb_line_without_break.csv.gz", "kept=0 rejected=1 duplicates=0", &["line 2: has 1 fields but the header has 11 (cut-off line?)", "note: The file is gzip-compressed (4209 bytes unpacked to 4194443); th"]),
    expect("bomb_gzip_8mb_of_newlines.csv.gz", "kept=0 rejected=0 duplicates=0", &["note: The file is gzip-compressed (8285 bytes unpacked to 8388747); th"]),
    expect("bomb_json_nesting_5000_deep.json", "refused: bomb_json_nesting_5000_deep.json: JSON with no readable record objects i", &[]),
    expect("bomb_record_nested_3000_deep.json", "refused: bomb_record_nested_3000_deep.json: JSON with no readable record objects i", &["The record on line 1 is not readable: recursion limit exceeded"]),
    expect("bundle_case_damaged.zip", "refused: This is not a Loupe case file: it is not valid JSON (EOF whi", &[]),
    expect("bundle_hash_mismatch_and_missing_entry.zip", "case \"\", files=2", &["evidence/001-a.csv: evidence/001-a.csv does not match its recorded hash (damaged", "evidence/002-missing.csv: evidence/002-missing.csv is listed but not in the bund"]),
    expect("bundle_manifest_wrong_shape.zip", "refused: its bundle.json is damaged: invalid type: string \"one\", expe", &[]),
    expect("bundle_without_manifest.zip", "refused: no bundle.json", &[]),
    expect("case_damaged_body.json", "refused: The case file is damaged: invalid type: integer `42`, expect", &[]),
    expect("case_hostile_strings.json", "case \"<script>alert(1)</script>\\u{202e}\" notes \"=HYPERLINK(\\\"http://evil\\\")\\0\"", &[]),
    expect("case_newer_version.json", "refused: This case file was written by a newer Loupe (case format v99", &[]),
    expect("case_no_version.json", "refused: The case file has no version number.", &[]),
    expect("case_not_json.json", "refused: This is not a Loupe case file: it is not valid JSON (EOF whi", &[]),
    expect("case_wrong_kind.json", "refused: This is not a Loupe case file (no \"kind\": \"loupe-case\").", &[]),
    expect("date_empty_and_garbage.json", "kept=1 rejected=2 duplicates=0", &["line 4: no time: createdDateTime is empty", "line 25: no usable time in createdDateTime 'yesterday'"]),
    expect("date_feb_30.csv", "kept=1 rejected=1 duplicates=0", &["line 2: no usable time in CreationDate '2/30/2026 4:58:30 PM'", "note: Locale dates read as month/day/year (inferred from the whole fil"]),
    expect("date_feb_30_signin_portal.csv", "kept=2 rejected=1 duplicates=0", &["line 2: no usable time in Date (UTC) '2026-02-30T16:02:11Z'"]),
    expect("date_locale_ambiguous.csv", "kept=2 rejected=0 duplicates=0", &["note: Locale dates in this file never have a day above 12, so day/mont"]),
    expect("date_locale_contradicting.csv", "kept=1 rejected=1 duplicates=0", &["line 2: no usable time in CreationDate '31/12/2025 16:58:30'", "note: Locale dates read as month/day/year (inferred from the whole fil"]),
    expect("date_locale_day_first.csv", "kept=2 rejected=0 duplicates=0", &["note: Locale dates read as day/month/year (inferred from the whole fil"]),
    expect("date_locale_month_first.csv", "kept=2 rejected=0 duplicates=0", &["note: Locale dates read as month/day/year (inferred from the whole fil"]),
    expect("date_month_13_hour_25.csv", "kept=1 rejected=1 duplicates=0", &["line 2: no usable time in CreationDate '13/13/2026 25:61:00'", "note: Locale dates in this file never have a day above 12, so day/mont"]),
    expect("date_negative_epoch.json", "kept=1 rejected=2 duplicates=0", &["line 4: no usable time in createdDateTime '-86400000'", "line 25: its time 1969-12-31T23:59:59.000Z is outside 1970–2099, so it is not a "]),
    expect("date_year_9999.json", "kept=1 rejected=1 duplicates=0", &["line 4: its time 9999-12-31T23:59:59.000Z is outside 1970–2099, so it is not a l"]),
    expect("date_year_zero.json", "kept=1 rejected=1 duplicates=0", &["line 4: its time 0000-01-01T00:00:00.000Z is outside 1970–2099, so it is not a l"]),
    expect("dup_empty_ids_kept.ndjson", "kept=3 rejected=0 duplicates=0", &[]),
    // A record whose id was already loaded with other content (here another
    // address and account) is kept, and flagged with its line.
    expect("dup_same_id_conflicting_content.json", "kept=3 rejected=0 duplicates=0 conflicting=1", &["warning line 25: record id a1c3e5f7-0001-4b2d-9e8f-100000000001 was already read with different content; both records are kept"]),
    expect("dup_ual_edited_copy_under_same_id.csv", "kept=3 rejected=0 duplicates=2 conflicting=1", &["warning line 3: record id 4f6c3b1e-2a7d-4e88-9c1f-5b2d7e9a0c01 was already read with different content", "note: Locale dates in this file never have a day above 12, so day/mont"]),
    expect("dup_same_record_twice.csv", "kept=2 rejected=0 duplicates=1", &["note: Locale dates in this file never have a day above 12, so day/mont"]),
    expect("enc_bom_in_middle_of_file.csv", "kept=3 rejected=0 duplicates=0", &[]),
    expect("enc_invalid_utf8_byte_in_row.csv", "kept=3 rejected=0 duplicates=0", &["note: The file is not valid UTF-8; it was read as Windows-1252. Check "]),
    expect("enc_lone_surrogate_escape.json", "kept=1 rejected=0 duplicates=0", &["warning line 4: a string holds half of a UTF-16 surrogate pair (a \\uD800–\\uDFFF "]),
    expect("enc_mixed_utf8_then_latin1.csv", "kept=2 rejected=0 duplicates=0", &["note: The file is not valid UTF-8; it was read as Windows-1252. Check "]),
    expect("enc_two_boms_at_start.csv", "kept=3 rejected=0 duplicates=0", &["note: Locale dates in this file never have a day above 12, so day/mont"]),
    expect("enc_utf16be_no_bom.csv", "kept=3 rejected=0 duplicates=0", &[]),
    expect("enc_utf16le_bom_json_page.json", "kept=3 rejected=0 duplicates=0", &[]),
    expect("enc_utf16le_bom_odd_byte_count.csv", "kept=3 rejected=1 duplicates=0", &["line 5: has 1 fields but the header has 11 (cut-off line?)", "note: 1 characters could not be decoded and were replaced with U+FFFD."]),
    expect("enc_utf16le_no_bom.csv", "kept=3 rejected=0 duplicates=0", &[]),
    expect("enc_utf32le_bom.csv", "refused: enc_utf32le_bom.csv looks like UTF-32 text (save it as UTF-", &[]),
    expect("enc_windows1252_excel_resave.csv", "kept=3 rejected=0 duplicates=0", &["note: The file is not valid UTF-8; it was read as Windows-1252. Check "]),
    expect("hostile_ansi_and_crlf_injection.ndjson", "kept=1 rejected=0 duplicates=0", &[]),
    expect("hostile_bidi_overrides.json", "kept=2 rejected=0 duplicates=0", &[]),
    expect("hostile_formula_shaped_values.csv", "kept=4 rejected=0 duplicates=0", &["note: Locale dates in this file never have a day above 12, so day/mont"]),
    expect("hostile_nul_bytes_in_fields.csv", "kept=2 rejected=0 duplicates=0", &["note: Locale dates in this file never have a day above 12, so day/mont"]),
    expect("hostile_nul_escapes_in_json.json", "kept=2 rejected=0 duplicates=0", &[]),
    expect("hostile_script_tags_in_fields.csv", "kept=2 rejected=0 duplicates=0", &["note: Locale dates in this file never have a day above 12, so day/mont"]),
    expect("ipdb_city_bad_rows.csv", "ok=6 bad=5 skipped=0", &["line 7: first address 'not-an-ip' is not an IP address", "line 8: range 198.51.100.200 – 198.51.100.1 ends before it starts", "line 9: latitude '91.5' is not a number between -90 and 90", "line 10: range 10.0.0.0 – ::1 mixes IPv4 and IPv6", "line 11: has 4 fields"]),
    expect("ipdb_country_truncated_row.csv", "ok=2 bad=1 skipped=0", &["line 3: has 2 fields; a DB-IP IP to Country Lite (CSV) row has 3"]),
    expect("ipdb_iptoasn_lone_quote.tsv", "ok=1 bad=0 skipped=1", &[]),
    expect("ipdb_not_a_database.csv", "refused: ipdb_not_a_database.csv is not an IP database Loupe reads (DB-I", &[]),
    expect("query_bad_time.txt", "refused: bad time '31/02/2026' in after: — use 2026-03-01 or 2026-03-", &[]),
    expect("query_field_without_value.txt", "refused: 'user:' at column 1 needs a value, e.g. user:alice@contoso.c", &[]),
    expect("query_hostile_characters.txt", "terms=4", &[]),
    expect("query_lone_dash.txt", "refused: a lone '-' at column 9 must be followed by a term to exclude", &[]),
    expect("query_unclosed_quote.txt", "refused: unclosed quote starting at column 6 (column 6)", &[]),
    expect("query_unknown_field.txt", "terms=1", &[]),
    expect("struct_blank_lines_between_rows.csv", "kept=2 rejected=0 duplicates=0", &["note: Locale dates in this file never have a day above 12, so day/mont"]),
    expect("struct_empty_file.csv", "refused: struct_empty_file.csv is empty.", &[]),
    expect("struct_extra_column.csv", "kept=2 rejected=0 duplicates=0", &["note: Locale dates in this file never have a day above 12, so day/mont"]),
    expect("struct_graph_page_empty_value.json", "refused: struct_graph_page_empty_value.json: JSON with no readable record objects i", &[]),
    expect("struct_header_only.csv", "kept=0 rejected=0 duplicates=0", &[]),
    expect("struct_json_empty_array.json", "refused: struct_json_empty_array.json: JSON with no readable record objects i", &[]),
    expect("struct_json_scalar.json", "refused: struct_json_scalar.json: a CSV file with columns 42 — not a lay", &[]),
    expect("struct_mixed_crlf_and_lf.csv", "kept=2 rejected=0 duplicates=0", &["note: Locale dates in this file never have a day above 12, so day/mont"]),
    expect("struct_ndjson_blank_and_garbage_lines.ndjson", "kept=1 rejected=2 duplicates=0", &["line 3: expected '{' or '[' but found 'n'", "line 4: record starting on line 4 is cut off: the file ends inside it (truncated"]),
    expect("struct_renamed_columns.csv", "refused: struct_renamed_columns.csv: a CSV file with columns RunspaceId, Re", &[]),
    expect("struct_row_narrower_than_header.csv", "kept=1 rejected=1 duplicates=0", &["line 2: has 3 fields but the header has 11 (cut-off line?)", "note: Locale dates in this file never have a day above 12, so day/mont"]),
    expect("struct_row_wider_than_header.csv", "kept=1 rejected=1 duplicates=0", &["line 2: has 12 fields but the header has 11", "note: Locale dates in this file never have a day above 12, so day/mont"]),
    expect("struct_two_graph_pages_concatenated.json", "kept=4 rejected=0 duplicates=0", &[]),
    expect("struct_type_line_and_header_only.csv", "kept=0 rejected=0 duplicates=0", &[]),
    expect("struct_type_line_only.csv", "refused: struct_type_line_only.csv: the header row cannot be read as CSV (", &[]),
    expect("struct_unknown_csv_layout.csv", "refused: struct_unknown_csv_layout.csv: a CSV file with columns Name, Colour, ", &[]),
    expect("struct_unknown_json_layout.json", "refused: struct_unknown_json_layout.json: JSON records with fields bar, foo — no", &[]),
    expect("struct_whitespace_only.json", "refused: struct_whitespace_only.json is empty.", &[]),
    expect("tenant_objects_without_ids.json", "objects=0 reports=1", &["tenant_objects_without_ids.json: no configuration objects; 2 not usable", "$.value[0]: domain without an id: it cannot be matched between snapshots", "$.value[1]: domain without an id: it cannot be matched between snapshots"]),
    expect("tenant_page_truncated.json", "objects=1 reports=1", &["tenant_page_truncated.json: 1 domain; 2 not usable", "line 27, column 28: not valid JSON: EOF while parsing an object at line 27 colum", "line 23: record starting on line 23 is cut off: the file ends inside it (truncat", "note: the file is not valid JSON as a whole; complete objects were rec"]),
    expect("tenant_zip_bad_entry_and_good_entry.zip", "objects=2 reports=2", &["tenant_zip_bad_entry_and_good_entry.zip/garbage.json: not read: not a tenant sna", "tenant_zip_bad_entry_and_good_entry.zip/domains.json: 2 domain"]),
    expect("tenant_zip_inside_zip.zip", "objects=2 reports=2", &["tenant_zip_inside_zip.zip/inner.zip: not read: a zip inside a zip; unpack it and", "tenant_zip_inside_zip.zip/domains.json: 2 domain"]),
    expect("tenant_zip_path_traversal.zip", "objects=4 reports=2", &["tenant_zip_path_traversal.zip/../../etc/domains.json: 2 domain", "tenant_zip_path_traversal.zip//abs/domains2.json: 2 domain"]),
    expect("tenant_zip_truncated.zip", "objects=0 reports=1", &["tenant_zip_truncated.zip: not read: not a readable zip archive: invalid Zip arch"]),
    expect("trunc_csv_mid_header.csv", "refused: trunc_csv_mid_header.csv: a CSV file with columns RunspaceId, Re", &[]),
    expect("trunc_csv_mid_quoted_auditdata.csv", "kept=2 rejected=1 duplicates=0", &["line 4: has 6 fields but the header has 11 (cut-off line?)", "note: Locale dates in this file never have a day above 12, so day/mont"]),
    expect("trunc_csv_mid_row_unquoted.csv", "kept=1 rejected=1 duplicates=0", &["line 3: has 50 fields but the header has 56 (cut-off line?)"]),
    expect("trunc_graph_page_before_close.json", "kept=3 rejected=1 duplicates=0", &["line 67: the file ends inside a page of records (truncated?)"]),
    expect("trunc_graph_page_mid_value.json", "kept=2 rejected=1 duplicates=0", &["line 46: record starting on line 46 is cut off: the file ends inside it (truncat"]),
    expect("trunc_gzip_half.csv.gz", "kept=0 rejected=1 duplicates=0", &["line 2: has 3 fields but the header has 11 (cut-off line?)", "note: The gzip stream is damaged after 212 unpacked bytes (incomplete deflate stream); the records before that point were kept"]),
    expect("trunc_gzip_half_of_200_rows.csv.gz", "kept=76 rejected=1 duplicates=0", &["line 78: has 6 fields but the header has 11 (cut-off line?)", "note: The gzip stream is damaged after"]),
    expect(
        "trunc_gzip_inside_first_record.json.gz",
        "refused: trunc_gzip_inside_first_record.json.gz is gzip-compressed and damaged after 206 unpacked bytes (incomplete deflate stream)",
        &["What did unpack is not readable: JSON with no readable record objects in it."],
    ),
    expect("trunc_gzip_header_only.csv.gz", "refused: trunc_gzip_header_only.csv.gz is gzip-compressed but does not unpack ", &[]),
    expect("trunc_gzip_no_trailer.json.gz", "kept=3 rejected=0 duplicates=0", &["note: The gzip stream is damaged after 1927 unpacked bytes (corrupt gz"]),
    expect("trunc_json_array_mid_object.json", "kept=2 rejected=1 duplicates=0", &["line 44: record starting on line 44 is cut off: the file ends inside it (truncat"]),
    expect("trunc_json_mid_string.json", "kept=2 rejected=1 duplicates=0", &["line 46: record starting on line 46 is cut off: the file ends inside it (truncat"]),
    expect("trunc_ndjson_last_line.ndjson", "kept=2 rejected=1 duplicates=0", &["line 3: record starting on line 3 is cut off: the file ends inside it (truncated"]),
    expect("trunc_utf8_mid_sequence.csv", "kept=1 rejected=0 duplicates=0", &["note: 1 bytes are not valid UTF-8 although the file began as UTF-8"]),
    expect("type_array_and_scalars_as_records.json", "kept=2 rejected=4 duplicates=0", &["line 1: array element on line 1 is not an object", "line 1: array element on line 1 is not an object"]),
    expect("type_auditdata_not_json.csv", "kept=3 rejected=0 duplicates=0", &["warning line 2: AuditData is not valid JSON (key must be a string at line 1 colu", "warning line 3: AuditData is empty; kept the CSV columns only", "note: Locale dates in this file never have a day above 12, so day/mont"]),
    expect("type_huge_numbers.json", "kept=1 rejected=1 duplicates=0", &["line 4: not valid JSON: number out of range at line 12 column 25"]),
    expect("type_nested_json_as_text.json", "kept=2 rejected=0 duplicates=0", &[]),
    expect("type_nulls_everywhere.json", "kept=1 rejected=1 duplicates=0", &["line 4: no time: createdDateTime is empty"]),
    expect("type_number_where_string.json", "kept=2 rejected=0 duplicates=0", &[]),
    expect("type_object_where_string.json", "kept=2 rejected=0 duplicates=0", &[]),
];

#[test]
fn every_corpus_file_has_its_expected_outcome() {
    let mut names: Vec<String> = std::fs::read_dir(corpus_dir())
        .expect("the corpus folder")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".md"))
        .collect();
    names.sort();
    let dump = std::env::var_os("LOUPE_BAD_DUMP").is_some();
    let mut failures = Vec::new();
    for name in &names {
        let bytes = std::fs::read(corpus_dir().join(name)).expect("read corpus file");
        let got = outcome(name, &bytes);
        if dump {
            println!("{name}\n    {got}\n");
            continue;
        }
        let Some(want) = CORPUS.iter().find(|e| e.file == name) else {
            failures.push(format!("{name}: no expected outcome in the table (got: {got})"));
            continue;
        };
        if !got.starts_with(want.starts) {
            failures.push(format!("{name}: expected to start with {:?}, got {got}", want.starts));
        }
        for part in want.contains {
            if !got.contains(part) {
                failures.push(format!("{name}: expected {part:?} in {got}"));
            }
        }
    }
    for want in CORPUS {
        if !names.iter().any(|n| n == want.file) {
            failures.push(format!("{}: in the table but not in the corpus", want.file));
        }
    }
    assert!(dump || names.len() >= 60, "the corpus holds {} files", names.len());
    assert!(failures.is_empty(), "{} corpus files differ:\n{}", failures.len(), failures.join("\n"));
}

/// Hostile values are evidence: kept as they were written, to be shown as
/// text (the exports neutralise formulas, the page never renders HTML).
#[test]
fn hostile_values_are_kept_verbatim() {
    let read = |name: &str| {
        let bytes = std::fs::read(corpus_dir().join(name)).expect("corpus file");
        ingest_bytes(name, &bytes, &mut Deduper::default()).1
    };
    let actors: Vec<String> = read("hostile_formula_shaped_values.csv").iter().map(|e| e.actor.clone()).collect();
    assert!(actors.iter().any(|a| a.starts_with("=HYPERLINK(")), "{actors:?}");
    assert!(actors.iter().any(|a| a.starts_with("@SUM(")), "{actors:?}");
    let events = read("hostile_script_tags_in_fields.csv");
    assert!(events.iter().any(|e| e.actor == "<script>alert(1)</script>@contoso.com"), "{:?}", events.iter().map(|e| &e.actor).collect::<Vec<_>>());
    let events = read("hostile_bidi_overrides.json");
    assert!(events.iter().any(|e| e.actor.contains('\u{202e}')));
}

/// The streaming splitter, fed a few bytes at a time, gives every evidence
/// file of the corpus the same counts and refusals as the whole-file read.
#[test]
fn evidence_files_read_the_same_in_small_pieces() {
    for entry in std::fs::read_dir(corpus_dir()).expect("the corpus folder").filter_map(|e| e.ok()) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if ["ipdb_", "tenant_", "case_", "bundle_", "query_"].iter().any(|p| name.starts_with(p)) || name.ends_with(".md") {
            continue;
        }
        let bytes = std::fs::read(entry.path()).expect("read corpus file");
        let (whole, _, _) = ingest_bytes(&name, &bytes, &mut Deduper::default());
        for piece in [1, 7, 4096] {
            if piece == 1 && bytes.len() > 64 * 1024 {
                continue;
            }
            let parts = ingest_in_pieces(&name, &bytes, piece);
            assert_eq!(
                (parts.rows_ok, parts.rows_rejected, parts.duplicates, parts.unreadable.is_some()),
                (whole.rows_ok, whole.rows_rejected, whole.duplicates, whole.unreadable.is_some()),
                "{name} in pieces of {piece} bytes: {} / whole: {}",
                ingest_outcome(&parts),
                ingest_outcome(&whole)
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Inputs too big to commit, made at run time.

/// The Search-UnifiedAuditLog header and one row with `audit_data` as its
/// AuditData (quoted, quotes doubled).
fn ual_file(audit_data: &str, rows_after: usize) -> Vec<u8> {
    let header = "\"RunspaceId\",\"RecordType\",\"CreationDate\",\"UserIds\",\"Operations\",\"AuditData\",\"ResultIndex\",\"ResultCount\",\"Identity\",\"IsValid\",\"ObjectState\"\n";
    let row = |id: usize, audit: &str| {
        format!("\"r\",\"ExchangeItem\",\"3/1/2026 4:58:30 PM\",\"victim@contoso.com\",\"Send\",\"{}\",\"1\",\"1\",\"id-{id}\",\"True\",\"Unchanged\"\n", audit.replace('"', "\"\""))
    };
    let mut out = String::with_capacity(header.len() + audit_data.len() + 400 * (rows_after + 1));
    out.push_str(header);
    out.push_str(&row(0, audit_data));
    for i in 1..=rows_after {
        out.push_str(&row(i, &format!("{{\"CreationTime\":\"2026-03-01T15:58:3{}\",\"Id\":\"id-{i}\",\"Operation\":\"Send\",\"UserId\":\"victim@contoso.com\"}}", i % 10)));
    }
    out.into_bytes()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).expect("gzip in memory");
    encoder.finish().expect("gzip in memory")
}

#[test]
fn a_50_mb_field_is_read_and_a_70_mb_one_is_skipped_with_its_line() {
    let blob = "A".repeat(50 << 20);
    let audit = format!("{{\"CreationTime\":\"2026-03-01T15:58:30\",\"Id\":\"big\",\"Operation\":\"Send\",\"UserId\":\"victim@contoso.com\",\"Blob\":\"{blob}\"}}");
    let (report, _, _) = ingest_bytes("big_field.csv", &ual_file(&audit, 2), &mut Deduper::default());
    assert_eq!((report.rows_ok, report.rows_rejected), (3, 0), "{}", ingest_outcome(&report));

    // Read as files are loaded (in pieces): the record limit is the
    // splitter's, which bounds what it holds while a record is unfinished.
    let blob = "A".repeat(70 << 20);
    let report = stream_in_pieces("huge_field.csv", &ual_file(&blob, 2), 256 << 10, 4 << 20);
    let got = ingest_outcome(&report);
    assert!(got.contains("line 2: a quoted field opened on or after line 2 is not closed within 64 MiB"), "{got}");
}

#[test]
fn a_70_mb_line_without_a_break_is_skipped_with_a_message_that_says_so() {
    let mut bytes = ual_file("{}", 0);
    bytes.extend(std::iter::repeat_n(b'A', 70 << 20));
    let report = stream_in_pieces("long_line.csv", &bytes, 256 << 10, 4 << 20);
    let got = ingest_outcome(&report);
    assert!(got.contains("runs over 64 MiB without a line break"), "{got}");
}

#[test]
fn a_gzip_bomb_unpacks_a_step_at_a_time_and_its_endless_line_is_skipped() {
    // 120 MiB of one letter after the header packs into about 120 KB.
    let mut plain = ual_file("{\"CreationTime\":\"2026-03-01T15:58:30\",\"Id\":\"x\",\"Operation\":\"Send\"}", 0);
    plain.extend(std::iter::repeat_n(b'A', 120 << 20));
    let packed = gzip(&plain);
    assert!(packed.len() < plain.len() / 200, "{} bytes packed", packed.len());
    drop(plain);
    // Handed over as one piece (as a browser's read of a few MB is): the
    // splitter unpacks it a step at a time (`GZIP_STEP_BYTES`), so the
    // endless line is given up on at 64 MiB instead of unpacked whole.
    let mut splitter = Splitter::new("bomb.csv.gz", 4 << 20, None);
    let first = splitter.push(&packed).expect("gzip unpacks");
    assert!(first.iter().all(|s| s.text.len() < 8 << 20));
    let report = stream_in_pieces("bomb.csv.gz", &packed, 256 << 10, 4 << 20);
    let got = ingest_outcome(&report);
    println!("{got}");
    assert!(got.starts_with("kept=1 rejected=2"), "{got}");
    assert!(got.contains("runs over 64 MiB without a line break"), "{got}");
}

#[test]
fn two_hundred_thousand_columns_are_read_in_reasonable_time() {
    let started = std::time::Instant::now();
    let header_cells: Vec<String> = (0..200_000).map(|i| format!("c{i}")).collect();
    let mut text = format!("\"CreationDate\",\"UserIds\",\"Operations\",\"AuditData\",{}\n", header_cells.join(","));
    text.push_str("\"3/1/2026 4:58:30 PM\",\"a@b.c\",\"Send\",\"{\"\"Id\"\":\"\"1\"\",\"\"CreationTime\"\":\"\"2026-03-01T15:58:30\"\"}\"");
    text.push_str(&",".repeat(200_000));
    text.push('\n');
    let (report, _, _) = ingest_bytes("wide.csv", text.as_bytes(), &mut Deduper::default());
    assert_eq!((report.rows_ok, report.rows_rejected), (1, 0), "{}", ingest_outcome(&report));
    assert!(started.elapsed().as_secs() < 30, "took {:?}", started.elapsed());
}

#[test]
fn json_nested_a_million_deep_is_refused_without_exhausting_the_stack() {
    let mut text = String::from("[{\"createdDateTime\":\"2026-03-01T16:02:11Z\",\"deep\":");
    text.push_str(&"[".repeat(1_000_000));
    let (report, _, _) = ingest_bytes("deep.json", text.as_bytes(), &mut Deduper::default());
    assert_eq!(report.rows_ok, 0);
    let read = loupe::tenant::read::read_file("deep.json", text.as_bytes());
    assert!(read.objects.is_empty());
    assert!(loupe::case::from_json(&text).is_err());
}

/// A zip with `copies` entries of `entry_bytes` zeros each, deflated once
/// and copied, so a large archive costs one compression.
fn zip_of_zeros(entry_bytes: usize, copies: usize) -> Vec<u8> {
    use std::io::{Cursor, Write};
    use zip::write::SimpleFileOptions;
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).large_file(true);
    let mut one = zip::ZipWriter::new(Cursor::new(Vec::new()));
    one.start_file("zeros.json", options).expect("zip entry");
    one.write_all(&vec![0u8; entry_bytes]).expect("zip entry");
    let one = one.finish().expect("zip").into_inner();
    let mut source = zip::ZipArchive::new(Cursor::new(one)).expect("zip reads back");
    let mut many = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..copies {
        let entry = source.by_index_raw(0).expect("entry");
        many.raw_copy_file_rename(entry, format!("zeros-{i}.json")).expect("copy entry");
    }
    many.finish().expect("zip").into_inner()
}

#[test]
fn zip_bombs_are_refused_before_they_are_inflated() {
    // Over the entry count.
    let many = zip_of_zeros(0, loupe::limits::MAX_ZIP_ENTRIES + 1);
    let got = tenant_outcome("many_entries.zip", &many);
    assert!(got.contains("lists 10001 entries, over the 10000 Loupe opens"), "{got}");
    // 20 entries of 64 MiB: 1.25 GiB declared, over the snapshot's 1 GiB.
    let big = zip_of_zeros(64 << 20, 20);
    assert!(big.len() < 2 << 20);
    let started = std::time::Instant::now();
    let got = tenant_outcome("ratio.zip", &big);
    assert!(got.contains("the archive inflates to 1342177280 bytes, over the 1073741824 byte limit"), "{got}");
    assert!(started.elapsed().as_secs() < 5, "refused without inflating ({:?})", started.elapsed());
    // A bundle may hold more (2 GiB), not 33 × 64 MiB.
    let bundle = zip_of_zeros(64 << 20, 33);
    let got = bundle_outcome(&bundle);
    assert!(got.contains("refused: the archive inflates to 2214592512 bytes, over the 2147483648 byte limit"), "{got}");
}

#[test]
fn a_case_document_over_its_limit_is_refused_with_its_size() {
    let mut text = String::from("{\"kind\":\"loupe-case\",\"version\":2,\"case\":{\"notes\":\"");
    text.push_str(&"x".repeat(loupe::limits::MAX_CASE_BYTES));
    text.push_str("\"}}");
    let why = loupe::case::from_json(&text).expect_err("too big");
    assert!(why.contains("This file is 64 MB, larger than a case document may be (64 MB)"), "{why}");
}
