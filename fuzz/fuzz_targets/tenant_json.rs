//! A tenant configuration export (Graph JSON pages, tool reports in CSV or
//! JSON) read into a snapshot, and told apart from log evidence.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if loupe::tenant::archive::is_zip(data) {
        return; // tenant_zip's ground
    }
    let _ = loupe::tenant::looks_like_snapshot("fuzz.json", data);
    let mut snapshot = loupe::tenant::Snapshot::new();
    snapshot.add_file("fuzz.json", data);
    let _ = snapshot.counts();
});
