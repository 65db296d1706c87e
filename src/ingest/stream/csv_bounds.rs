//! Where CSV records end, found as text streams in, so a file can be cut
//! into slices that each hold whole records.
//!
//! The rules are the `csv` crate's (which then parses each slice): a quote
//! opens a quoted field only at the start of a field, `""` inside one is a
//! literal quote, and a record ends at `\n`, `\r\n` or a lone `\r` outside
//! quotes. A quote in the middle of an unquoted field (`5" screen`) is text.

use super::byte_masks::{masks_at, Masks, BLOCK, VECTOR_MASKS};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Outside quotes; `field_start` when the last byte ended a field or a
    /// record (or nothing was read yet), so a quote here opens a quoted field.
    Outside { field_start: bool },
    InQuoted,
    /// A quote inside a quoted field: either the field's end or, doubled, a literal quote.
    QuoteInQuoted,
}

/// The state carried from one piece of text to the next.
#[derive(Clone, Debug)]
pub struct CsvBounds {
    delimiter: u8,
    state: State,
    /// The previous piece ended with `\r` outside quotes: the record ended
    /// there unless this piece starts with `\n`.
    cr_at_end: bool,
    /// `\n` bytes in all the text scanned, and in the text before the last
    /// record end found: the splitter numbers its slices' lines from these
    /// rather than counting the bytes of each slice again.
    newlines: u64,
    newlines_before_last_end: u64,
}

impl CsvBounds {
    pub fn new(delimiter: u8) -> CsvBounds {
        CsvBounds { delimiter, state: State::Outside { field_start: true }, cr_at_end: false, newlines: 0, newlines_before_last_end: 0 }
    }

    /// Forget an unclosed quote: the caller gave up on the record it opened.
    pub fn reset(&mut self) {
        self.state = State::Outside { field_start: true };
        self.cr_at_end = false;
    }

    /// What one scan hands the next (for holding two ways of scanning to
    /// each other).
    pub(super) fn carried(&self) -> impl PartialEq + std::fmt::Debug {
        (self.state, self.cr_at_end)
    }

    /// Whether the text scanned so far ends inside a quoted field.
    pub fn in_quotes(&self) -> bool {
        matches!(self.state, State::InQuoted)
    }

    /// Scan the next piece of text; returns the offset in `bytes` just past
    /// the last record end in it, if any record ended.
    ///
    /// Inside quotes only quotes matter, outside only quotes and line ends.
    /// Whether a quote opens a field is told by the byte before it, which
    /// is what the state machine of the `csv` crate amounts to.
    #[inline]
    pub fn scan(&mut self, bytes: &[u8]) -> Option<usize> {
        let last = if VECTOR_MASKS {
            self.scan_by_masks(bytes)
        } else {
            self.newlines += line_breaks(bytes);
            self.scan_by_jumps(bytes)
        };
        if let Some(end) = last {
            // Only the part of a record after the last end is counted again.
            self.newlines_before_last_end = self.newlines - line_breaks(&bytes[end..]);
        }
        last
    }

    /// `\n` bytes in all the text scanned before the last record end found
    /// (by this or an earlier `scan`).
    pub fn newlines_before_last_end(&self) -> u64 {
        self.newlines_before_last_end
    }

    /// `scan` stepping through each 64-byte block's masks of the bytes
    /// that matter (`byte_masks`, SSE2 or SIMD128): the splitter's scan of the
    /// 291 MB bench file took 12% of the command line's CPU when it looked
    /// for each quote on its own (`scan_by_jumps`).
    ///
    /// `\n` bytes are counted into `newlines` on the way, which saves the
    /// splitter a pass over the text to number lines (2% of the CPU).
    /// Outside quotes each one is stepped on; inside, a stretch passed over
    /// is looked at only when its masks show a line break in it (rare: JSON
    /// in a field has none). A count of every block's line breaks instead
    /// cost more than the pass it saved (no `popcnt` in the x86_64 baseline).
    pub(super) fn scan_by_masks(&mut self, bytes: &[u8]) -> Option<usize> {
        let mut last = None;
        if std::mem::take(&mut self.cr_at_end) && bytes.first() != Some(&b'\n') {
            last = Some(0);
        }
        let delimiter = self.delimiter;
        let len = bytes.len();
        let mut i = 0;
        let mut state = self.state;
        let mut block_at = 0;
        let mut block = masks_at(bytes, 0);
        let mut newlines = 0;
        // Line breaks (`\n` or `\r`) in the `n` bytes from `i` on, inside quotes.
        let breaks_ahead = |block: &Masks, shift: usize, n: usize| ((block.specials ^ block.quotes) >> shift) & low_bits(n);
        while i < len {
            if i - block_at >= BLOCK {
                block_at = i;
                block = masks_at(bytes, i);
            }
            let shift = i - block_at;
            match state {
                State::InQuoted => {
                    let ahead = block.quotes >> shift;
                    // Bytes of this block from `i` on that are in `bytes`.
                    let window = (BLOCK - shift).min(len - i);
                    let in_window = u64::MAX >> (BLOCK - window);
                    // Quotes pair off from `i` on (`""` is a literal quote); the
                    // field closes at the last quote of the first run of odd
                    // length, and is known to only where the byte after that
                    // run is in the window.
                    let closed = odd_run_ends(ahead) & in_window;
                    let (skip, closes) = if closed != 0 {
                        (closed.trailing_zeros() as usize, true)
                    } else if ahead >> (window - 1) & 1 == 0 {
                        // Every run was even (the usual case in JSON text): still inside.
                        (window, false)
                    } else {
                        // A run of quotes reaches the window's end: go on from its
                        // start, which the next block tells the length of.
                        let not_quotes = !ahead & in_window;
                        ((BLOCK - not_quotes.leading_zeros() as usize).min(window), false)
                    };
                    if skip > 0 {
                        if breaks_ahead(&block, shift, skip) != 0 {
                            newlines += line_breaks(&bytes[i..i + skip]);
                        }
                        i += skip;
                        if closes {
                            state = State::Outside { field_start: false };
                        }
                        continue;
                    }
                    // The window is all quotes: a step at a time.
                    let q = i;
                    if bytes.get(q + 1) == Some(&b'"') {
                        // `""`: a literal quote, still inside (the usual case in JSON text).
                        i = q + 2;
                    } else {
                        i = q + 1;
                        state = State::QuoteInQuoted;
                    }
                }
                State::QuoteInQuoted => {
                    if bytes[i] == b'"' {
                        i += 1;
                        state = State::InQuoted;
                    } else {
                        state = State::Outside { field_start: false };
                    }
                }
                State::Outside { field_start } => {
                    let ahead = block.specials >> shift;
                    if ahead == 0 {
                        // Nothing that matters up to the block's end: the
                        // last byte passed tells whether a field starts next.
                        let next = (block_at + BLOCK).min(len);
                        state = State::Outside { field_start: bytes[next - 1] == delimiter };
                        i = next;
                        continue;
                    }
                    let at = i + ahead.trailing_zeros() as usize;
                    state = self.after_special(bytes, i, at, field_start, &mut last);
                    newlines += u64::from(bytes[at] == b'\n');
                    i = at + 1;
                }
            }
        }
        self.state = state;
        self.newlines += newlines;
        last
    }

    /// What a quote, `\n` or `\r` at `at` does, met outside a quoted field
    /// as the first such byte from `i` on: the state after it, and the
    /// record end it makes (into `last`).
    fn after_special(&mut self, bytes: &[u8], i: usize, at: usize, field_start: bool, last: &mut Option<usize>) -> State {
        match bytes[at] {
            b'"' => {
                let opens = if at == i { field_start } else { bytes[at - 1] == self.delimiter };
                if opens {
                    State::InQuoted
                } else {
                    State::Outside { field_start: false }
                }
            }
            b'\n' => {
                *last = Some(at + 1);
                State::Outside { field_start: true }
            }
            _ => {
                // `\r`: the record ends here unless `\n` follows.
                match bytes.get(at + 1) {
                    Some(b'\n') => {}
                    Some(_) => *last = Some(at + 1),
                    None => self.cr_at_end = true,
                }
                State::Outside { field_start: true }
            }
        }
    }

    /// `scan` jumping from one byte that matters to the next (`memchr`,
    /// `next_quote`): the way where masks would cost a step per byte.
    pub(super) fn scan_by_jumps(&mut self, bytes: &[u8]) -> Option<usize> {
        let mut last = None;
        if std::mem::take(&mut self.cr_at_end) && bytes.first() != Some(&b'\n') {
            last = Some(0);
        }
        let delimiter = self.delimiter;
        let len = bytes.len();
        let mut i = 0;
        let mut state = self.state;
        while i < len {
            match state {
                State::InQuoted => match next_quote(bytes, i) {
                    // `""`: a literal quote, still inside (the usual case in JSON text).
                    Some(q) if bytes.get(q + 1) == Some(&b'"') => i = q + 2,
                    Some(q) => {
                        i = q + 1;
                        state = State::QuoteInQuoted;
                    }
                    None => break,
                },
                State::QuoteInQuoted => {
                    if bytes[i] == b'"' {
                        // `""`: a literal quote, still inside.
                        i += 1;
                        state = State::InQuoted;
                    } else {
                        // The field's end: look at this byte from outside.
                        state = State::Outside { field_start: false };
                    }
                }
                State::Outside { field_start } => {
                    // A field of its own quotes starts a byte or two on: looked at before `memchr3`.
                    let near = bytes[i..len.min(i + 4)].iter().position(|b| matches!(b, b'"' | b'\n' | b'\r'));
                    let Some(at) = near.or_else(|| memchr::memchr3(b'"', b'\n', b'\r', &bytes[i..])).map(|q| i + q) else {
                        let tail = bytes[i..].last().copied();
                        state = State::Outside { field_start: if tail.is_some() { tail == Some(delimiter) } else { field_start } };
                        break;
                    };
                    state = self.after_special(bytes, i, at, field_start, &mut last);
                    i = at + 1;
                }
            }
        }
        self.state = state;
        last
    }
}

/// `\n` bytes in `bytes`.
fn line_breaks(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

/// The lowest `n` bits set (`n` up to 64).
#[inline]
fn low_bits(n: usize) -> u64 {
    u64::MAX.checked_shr((BLOCK - n) as u32).unwrap_or(0)
}

/// Bit k set where bit k of `quotes` ends a run of ones of odd length
/// (bit k itself clear, bits k-1, k-2… set an odd number of times from the
/// run's start). A run reaching bit 63 is not reported. Adding a run's
/// lowest bit to it carries out just past its end; done separately for
/// runs starting on even and on odd bits, the carry's bit parity tells the
/// run's (the way simdjson finds odd runs of backslashes).
#[inline]
fn odd_run_ends(quotes: u64) -> u64 {
    const EVEN_BITS: u64 = 0x5555_5555_5555_5555;
    let starts = quotes & !(quotes << 1);
    let from_even = (starts & EVEN_BITS).wrapping_add(quotes) & !quotes;
    let from_odd = (starts & !EVEN_BITS).wrapping_add(quotes) & !quotes;
    (from_even & !EVEN_BITS) | (from_odd & EVEN_BITS)
}

/// The first `"` in `bytes` at or after `from`. JSON held in a CSV field
/// has a quote every few bytes, too close for `memchr`'s set-up to pay
/// off: the first words are looked at eight bytes at a time here (a byte
/// equal to `"` is one whose XOR with it is zero; the lowest such flag is
/// exact), and only a longer stretch is left to `memchr`.
#[inline]
pub(super) fn next_quote(bytes: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const QUOTES: u64 = ONES * b'"' as u64;
    let mut i = from;
    let words_end = bytes.len().min(from + 32);
    while i + 8 <= words_end {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[i..i + 8]);
        let x = u64::from_le_bytes(word) ^ QUOTES;
        let zero = x.wrapping_sub(ONES) & !x & HIGH;
        if zero != 0 {
            return Some(i + (zero.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    memchr::memchr(b'"', bytes.get(i..)?).map(|q| i + q)
}

#[cfg(test)]
mod tests {
    use super::super::vector_check::{random_text, XorShift};
    use super::*;

    fn ends(text: &str) -> Vec<usize> {
        let mut b = CsvBounds::new(b',');
        let mut out = Vec::new();
        let mut offset = 0;
        // Feed one byte at a time: every boundary must still be found.
        for (i, byte) in text.as_bytes().iter().enumerate() {
            if let Some(end) = b.scan(std::slice::from_ref(byte)) {
                out.push(offset + end);
            }
            offset = i + 1;
        }
        out
    }

    #[test]
    fn next_quote_finds_the_first_quote() {
        let text = b"0123456789abcdef\"ghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ\"x\"\"";
        for from in 0..=text.len() {
            let want = text.iter().skip(from).position(|&b| b == b'"').map(|p| from + p);
            assert_eq!(next_quote(text, from), want, "{from}");
        }
        assert_eq!(next_quote(b"\x80\xff\"", 0), Some(2));
        assert_eq!(next_quote(b"\x22\x23\x21", 1), None);
    }

    #[test]
    fn quoted_newlines_and_quotes_inside_fields() {
        let text = "a,b\n\"x\ny\",\"he said \"\"hi\"\"\"\n5\" screen,z\r\nlast,\"\"\n";
        assert_eq!(ends(text), [4, 27, 40, 48]);
    }

    #[test]
    fn lone_carriage_returns_end_records() {
        assert_eq!(ends("a\rb\rc"), [2, 4]);
        let mut b = CsvBounds::new(b',');
        assert_eq!(b.scan(b"a\r"), None);
        assert_eq!(b.scan(b"\nb"), Some(1));
        assert_eq!(b.scan(b"\r"), None);
        assert_eq!(b.scan(b"c"), Some(0));
    }

    /// Record ends as the `csv` crate reads them (the parser of each slice).
    fn csv_crate_ends(text: &str, delimiter: u8) -> Vec<usize> {
        let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(text.as_bytes());
        let mut record = csv::ByteRecord::new();
        let mut ends = Vec::new();
        while reader.read_byte_record(&mut record).unwrap_or(false) {
            // It stops between `\r` and `\n`; a slice takes both.
            let end = reader.position().byte() as usize;
            ends.push(if text.as_bytes().get(end) == Some(&b'\n') && end > 0 && text.as_bytes()[end - 1] == b'\r' { end + 1 } else { end });
        }
        ends
    }

    #[test]
    fn same_record_ends_as_the_csv_crate_wherever_the_text_is_cut() {
        let texts = [
            ("a,b\n\"x\ny\",\"he said \"\"hi\"\"\"\n5\" screen,z\r\nlast,\"\"\n", b','),
            ("\"a\"b\"c\",d\n\"\"\"\",\"\"\n,\"\n\"\n", b','),
            ("x;\"a;b\r\nc\";\"\"\"\";e\rf;g\n\"q\"\"\n\";h\n", b';'),
            ("1,\"{\"\"k\"\":\"\"v\\\"\"\"\"}\",2\n3,\"\",\"\"\"\"\n", b','),
        ];
        for (text, delimiter) in texts {
            let want = csv_crate_ends(text, delimiter);
            for cut in 0..=text.len() {
                let mut bounds = CsvBounds::new(delimiter);
                let (a, b) = text.as_bytes().split_at(cut);
                // Each piece reports its last record end. A lone `\r` at the
                // end of the first piece can only be told by the second.
                let lone_cr_at_cut = cut > 0 && a[cut - 1] == b'\r';
                let found = [bounds.scan(a), bounds.scan(b).map(|end| cut + end)];
                let expected = [
                    want.iter().rev().find(|&&e| e <= cut && !(e == cut && lone_cr_at_cut)).copied(),
                    want.iter().rev().find(|&&e| e > cut || (e == cut && lone_cr_at_cut)).copied(),
                ];
                assert_eq!(found, expected, "{text:?} cut at {cut}");
            }
        }
    }

    /// The line breaks before the last record end are those in the text
    /// up to it, however the text is cut into pieces.
    #[test]
    fn counts_line_breaks_before_the_last_record_end() {
        let alphabet: [&str; 9] = ["a", "bcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz", ",", "\"", "\"\"", "\r", "\n", "\r\n", "{\"\"k\"\":\"\"v\"\"}"];
        let mut rng = XorShift(0x1234_5678_9abc_def1);
        for _ in 0..5_000 {
            let text = random_text(&mut rng, &alphabet, 120);
            let bytes = text.as_bytes();
            let mut bounds = CsvBounds::new(b',');
            let mut at = 0;
            let mut last_end = None;
            while at < bytes.len() {
                let next = (at + 1 + (rng.next() as usize) % 150).min(bytes.len());
                if let Some(end) = bounds.scan(&bytes[at..next]) {
                    last_end = Some(at + end);
                }
                if let Some(end) = last_end {
                    assert_eq!(bounds.newlines_before_last_end(), line_breaks(&bytes[..end]), "{text:?} up to {next}");
                }
                at = next;
            }
        }
    }
}
