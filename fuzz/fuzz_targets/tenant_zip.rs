//! A `.zip` of tenant configuration files: the archive reader (entries,
//! limits) and each entry's reader.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let read = loupe::tenant::read::read_file("fuzz.zip", data);
    for report in &read.reports {
        let _ = report.headline();
    }
});
