//! Importing a case document (local storage, Import ▸ Case file): a case
//! or a refusal, never a panic; a case read back writes and reads again.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = loupe::case::is_case_document(data);
    let text = String::from_utf8_lossy(data);
    if let Ok(case) = loupe::case::from_json(&text) {
        let again = loupe::case::from_json(&loupe::case::to_json(&case)).expect("a case Loupe wrote reads back");
        assert_eq!(again, case);
    }
});
