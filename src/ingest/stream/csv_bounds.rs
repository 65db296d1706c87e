//! Where CSV records end, found as text streams in, so a file can be cut
//! into slices that each hold whole records.
//!
//! The rules are the `csv` crate's (which then parses each slice): a quote
//! opens a quoted field only at the start of a field, `""` inside one is a
//! literal quote, and a record ends at `\n`, `\r\n` or a lone `\r` outside
//! quotes. A quote in the middle of an unquoted field (`5" screen`) is text.

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
}

impl CsvBounds {
    pub fn new(delimiter: u8) -> CsvBounds {
        CsvBounds { delimiter, state: State::Outside { field_start: true }, cr_at_end: false }
    }

    /// Forget an unclosed quote: the caller gave up on the record it opened.
    pub fn reset(&mut self) {
        self.state = State::Outside { field_start: true };
        self.cr_at_end = false;
    }

    /// Whether the text scanned so far ends inside a quoted field.
    pub fn in_quotes(&self) -> bool {
        matches!(self.state, State::InQuoted)
    }

    /// Scan the next piece of text; returns the offset in `bytes` just past
    /// the last record end in it, if any record ended.
    ///
    /// It jumps from one byte that matters to the next (`memchr`, SIMD
    /// where the target has it): inside quotes only quotes matter, outside
    /// only quotes and line ends. Whether a quote opens a field is told by
    /// the byte before it, which is what the state machine of the `csv`
    /// crate amounts to.
    pub fn scan(&mut self, bytes: &[u8]) -> Option<usize> {
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
                    match bytes[at] {
                        b'"' => {
                            let opens = if at == i { field_start } else { bytes[at - 1] == delimiter };
                            state = if opens { State::InQuoted } else { State::Outside { field_start: false } };
                        }
                        b'\n' => {
                            last = Some(at + 1);
                            state = State::Outside { field_start: true };
                        }
                        _ => {
                            // `\r`: the record ends here unless `\n` follows.
                            match bytes.get(at + 1) {
                                Some(b'\n') => {}
                                Some(_) => last = Some(at + 1),
                                None => self.cr_at_end = true,
                            }
                            state = State::Outside { field_start: true };
                        }
                    }
                    i = at + 1;
                }
            }
        }
        self.state = state;
        last
    }
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
}
