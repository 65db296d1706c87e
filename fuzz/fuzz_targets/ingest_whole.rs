//! A whole evidence file in memory, as `loupe summary` and the samples read
//! it: whatever the bytes, a report and never a panic, and the report
//! counts the events it gives.
#![no_main]
use libfuzzer_sys::fuzz_target;
use loupe::ingest::{ingest_bytes, Deduper};

fuzz_target!(|data: &[u8]| {
    let (report, events, _) = ingest_bytes("fuzz.csv", data, &mut Deduper::default());
    assert_eq!(report.rows_ok as usize, events.len());
    let _ = report.headline();
});
