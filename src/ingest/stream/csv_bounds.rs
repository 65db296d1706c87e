//! Where CSV records end, found as text streams in, so a file can be cut
//! into slices that each hold whole records.
//!
//! The rules are the `csv` crate's (which then parses each slice): a quote
//! opens a quoted field only at the start of a field, `""` inside one is a
//! literal quote, and a record ends at `\n`, `\r\n` or a lone `\r` outside
//! quotes. A quote in the middle of an unquoted field (`5" screen`) is text.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    StartField,
    InField,
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
        CsvBounds { delimiter, state: State::StartField, cr_at_end: false }
    }

    /// Forget an unclosed quote: the caller gave up on the record it opened.
    pub fn reset(&mut self) {
        self.state = State::StartField;
        self.cr_at_end = false;
    }

    /// Scan the next piece of text; returns the offset in `bytes` just past
    /// the last record end in it, if any record ended.
    pub fn scan(&mut self, bytes: &[u8]) -> Option<usize> {
        let mut last = None;
        if std::mem::take(&mut self.cr_at_end) && bytes.first() != Some(&b'\n') {
            last = Some(0);
        }
        let delimiter = self.delimiter;
        let mut state = self.state;
        let len = bytes.len();
        let mut i = 0;
        while i < len {
            let b = bytes[i];
            match state {
                State::InQuoted => {
                    // Most of a quoted field is plain text: jump to the next quote.
                    match bytes[i..].iter().position(|&c| c == b'"') {
                        Some(q) => {
                            i += q;
                            state = State::QuoteInQuoted;
                        }
                        None => break,
                    }
                }
                State::QuoteInQuoted if b == b'"' => state = State::InQuoted,
                State::StartField if b == b'"' => state = State::InQuoted,
                _ if b == delimiter => state = State::StartField,
                _ if b == b'\n' => {
                    state = State::StartField;
                    last = Some(i + 1);
                }
                _ if b == b'\r' => {
                    state = State::StartField;
                    match bytes.get(i + 1) {
                        Some(b'\n') => {}
                        Some(_) => last = Some(i + 1),
                        None => self.cr_at_end = true,
                    }
                }
                State::StartField | State::QuoteInQuoted => state = State::InField,
                State::InField => {}
            }
            i += 1;
        }
        self.state = state;
        last
    }
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
}
