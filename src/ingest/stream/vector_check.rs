//! Holds the vector scans (`byte_masks`: SSE2 natively, SIMD128 in the
//! browser's wasm) to the portable ones on random text. The native tests
//! run it; so does a test of the web build in Node (`loupe_check_vector_scans`),
//! since `cargo test` never runs the wasm target's SIMD code.

use super::byte_masks::{self, QuoteFinder, BLOCK};
use super::csv_bounds::{next_quote, CsvBounds};

/// A small repeatable random source (xorshift64).
pub(super) struct XorShift(pub u64);

impl XorShift {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Fewer than `most_parts` pieces of `alphabet`, chosen by `rng`.
pub(super) fn random_text(rng: &mut XorShift, alphabet: &[&str], most_parts: u64) -> String {
    let mut text = String::new();
    for _ in 0..rng.next() % most_parts {
        text.push_str(alphabet[(rng.next() % alphabet.len() as u64) as usize]);
    }
    text
}

/// The first disagreement between this target's vector scans and the
/// portable ones, described, or `None`.
pub fn vector_scans_disagree() -> Option<String> {
    masks_disagree().or_else(quote_finders_disagree).or_else(record_scans_disagree).or_else(first_stops_disagree)
}

/// `first_of` (what JSON's structure scan jumps with) against the byte at
/// a time search, from every start in random texts, with three stopping
/// bytes and with six.
fn first_stops_disagree() -> Option<String> {
    let alphabet: [&str; 10] = ["a", "bcdefghijklmnopqrstuvwxyz0123456789", "\"", "\\", "\n", "{", "}", "[", "]", "\u{e9}\u{2014}"];
    let (three, six) = ([b'"', b'\\', b'\n'], [b'"', b'{', b'[', b'}', b']', b'\n']);
    let mut rng = XorShift(0x1234_5678_9abc_def1);
    for _ in 0..2_000 {
        let text = random_text(&mut rng, &alphabet, 40);
        let bytes = text.as_bytes();
        for from in 0..=bytes.len() {
            let rest = &bytes[from..];
            let found = (byte_masks::first_of(rest, three), byte_masks::first_of(rest, six));
            let want = (byte_masks::portable_first_of(rest, three), byte_masks::portable_first_of(rest, six));
            if found != want {
                return Some(format!("first stop in {text:?} from {from}: {found:?}, byte at a time {want:?}"));
            }
        }
    }
    None
}

/// A block's masks against the byte-at-a-time ones, on blocks of mostly
/// the stopping bytes and their neighbours (one bit off, high bit set).
fn masks_disagree() -> Option<String> {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    for _ in 0..2_000 {
        let mut block = [0u8; BLOCK];
        for b in &mut block {
            let r = rng.next();
            *b = match r % 8 {
                0 => b'"',
                1 => b'\n',
                2 => b'\r',
                3 => b'"' ^ 0x80,
                4 => b'\n' + 1,
                _ => (r >> 8) as u8,
            };
        }
        let (vector, portable) = (byte_masks::masks_at(&block, 0), byte_masks::portable_masks(&block));
        if vector != portable {
            return Some(format!("masks of {block:?}: {vector:?}, byte at a time {portable:?}"));
        }
    }
    None
}

/// `QuoteFinder` against `next_quote`, asked forwards and backwards.
fn quote_finders_disagree() -> Option<String> {
    let text: Vec<u8> = (0..300usize).map(|i| if i % 7 == 0 || i % 61 == 3 || (130..140).contains(&i) { b'"' } else { b'x' }).collect();
    for order in [false, true] {
        let mut finder = QuoteFinder::default();
        for k in 0..=text.len() + 2 {
            let from = if order { text.len() + 2 - k } else { k };
            let (found, want) = (finder.next(&text, from), next_quote(&text, from));
            if found != want {
                return Some(format!("quote from {from}: {found:?}, wanted {want:?}"));
            }
        }
    }
    None
}

/// `CsvBounds` scanning by masks against scanning by jumps, on random texts
/// long enough to span blocks, cut anywhere into two pieces (so every state
/// is carried from one to the next).
fn record_scans_disagree() -> Option<String> {
    let alphabet: [&str; 14] = ["a", "bcdefghijklmnopqrstuvwxyz0123456789", ",", "\"", "\"\"", "\"\"\"", "\r", "\n", "\r\n", ";", "{\"\"k\"\":\"\"v\"\"}", ",\"", "\",x", "\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\""];
    let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
    for _ in 0..20_000 {
        let text = random_text(&mut rng, &alphabet, 80);
        let bytes = text.as_bytes();
        for delimiter in [b',', b';'] {
            let cut = (rng.next() as usize) % (bytes.len() + 1);
            let (a, b) = bytes.split_at(cut);
            let mut by_masks = CsvBounds::new(delimiter);
            let mut by_jumps = CsvBounds::new(delimiter);
            for piece in [a, b] {
                let (masked, jumped) = (by_masks.scan_by_masks(piece), by_jumps.scan_by_jumps(piece));
                if masked != jumped || by_masks.carried() != by_jumps.carried() {
                    return Some(format!("{text:?} cut at {cut}: by masks {masked:?} {:?}, by jumps {jumped:?} {:?}", by_masks.carried(), by_jumps.carried()));
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn vector_scans_agree_with_the_portable_ones() {
        assert_eq!(super::vector_scans_disagree(), None);
    }
}
