//! The query box's parser: any text gives a query or a message with a
//! position inside the text, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Err(e) = loupe::store::parse(&text) {
        assert!(e.position <= text.chars().count(), "position {} past the end", e.position);
    }
});
