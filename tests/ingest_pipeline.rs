//! Whole-file behaviour of the ingest pipeline that does not depend on one
//! export layout: files Loupe cannot read get a sentence, never a panic.

use loupe::ingest::{ingest_bytes, Deduper};

fn unreadable(name: &str, bytes: &[u8]) -> String {
    let (report, events, _) = ingest_bytes(name, bytes, &mut Deduper::default());
    assert!(events.is_empty());
    assert_eq!(report.rows_ok, 0);
    report.unreadable.unwrap_or_else(|| panic!("{name} should be unreadable"))
}

#[test]
fn empty_file_says_so() {
    assert_eq!(unreadable("empty.csv", b""), "empty.csv is empty.");
    assert_eq!(unreadable("blank.json", b" \r\n\t"), "blank.json is empty.");
}

#[test]
fn archives_and_binaries_are_named() {
    assert!(unreadable("export.zip", b"PK\x03\x04rest").contains("ZIP archive"));
    assert!(unreadable("x.gz", b"\x1f\x8b\x08\x00").contains("gzip"));
}

#[test]
fn unknown_csv_lists_its_columns_and_what_was_expected() {
    let why = unreadable("hr.csv", b"Name,Department,Salary\nAda,R&D,1\n");
    assert!(why.starts_with("hr.csv: a CSV file with columns Name, Department, Salary"), "{why}");
    assert!(why.contains("Search-UnifiedAuditLog"), "{why}");
}

#[test]
fn unknown_json_lists_its_fields() {
    let why = unreadable("x.json", br#"[{"foo": 1, "bar": 2}]"#);
    assert!(why.contains("fields bar, foo"), "{why}");
    let why = unreadable("y.json", b"[1, 2, 3]");
    assert!(why.contains("no readable record objects"), "{why}");
}

#[test]
fn report_carries_the_hash_and_size_even_when_unreadable() {
    let (report, _, _) = ingest_bytes("hr.csv", b"a,b\n", &mut Deduper::default());
    assert_eq!(report.bytes, 4);
    assert_eq!(report.sha256, "5be08c9684a1d25efcee09318204824278b08bbfb4aef973ffefd0b9d7478313");
}

#[test]
fn raw_spans_are_byte_ranges_of_the_file() {
    let bytes = std::fs::read("tests/fixtures/ual_search_export.csv").unwrap();
    let (_, events, source) = ingest_bytes("ual.csv", &bytes, &mut Deduper::default());
    assert!(events.len() >= 3, "fixture has several records");
    for e in &events {
        let text = source.record_text(e.raw).unwrap();
        assert!(text.starts_with('"') && !text.ends_with('\n'), "{text}");
        let line = bytes[..e.raw.start as usize].iter().filter(|&&b| b == b'\n').count() as u32 + 1;
        assert_eq!(line, e.line, "line of the record at byte {}", e.raw.start);
    }
}
