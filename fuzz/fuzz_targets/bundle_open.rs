//! Opening a case + evidence bundle (a zip): the case and each file, or
//! why not, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = loupe::case::bundle::is_bundle(data);
    let _ = loupe::case::bundle::open(data);
});
