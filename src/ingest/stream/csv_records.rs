//! A slice's CSV records, read exactly as the `csv` crate reads them with
//! `flexible(true)`, `has_headers(false)` and the default quoting (a quote
//! opens a quoted field only at the start of a field, `""` inside one is a
//! literal quote, text after the closing quote belongs to the field, a
//! record ends at `\n`, `\r\n` or a lone `\r`, blank lines are skipped, a
//! UTF-8 byte-order mark at the very start is dropped), with the same
//! record positions (start byte and line, end byte).
//!
//! The `csv` crate steps a state machine over every byte: 13% of the native
//! profile, a quarter of the parsing threads' instructions. Here the reader
//! jumps between the bytes that matter (`memchr`, SIMD where the target has
//! it) and a field without doubled quotes is copied once, straight from the
//! slice's text into the record.

use super::byte_masks::QuoteFinder;
use memchr::memchr3;

/// Where a record was found: as `csv::Reader` reports it, the position
/// before the call that read it (`start`, `line`, counted from 1) and
/// after it (`end`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordAt {
    pub start: usize,
    pub line: u64,
    pub end: usize,
}

/// Reads the records of one slice of text.
pub struct CsvRecords<'t> {
    text: &'t str,
    delimiter: u8,
    pos: usize,
    /// Line at `pos`, counted from 1.
    line: u64,
    /// The last record ended with `\r`: a `\n` right after it is skipped.
    after_cr: bool,
    started: bool,
    /// A field being unquoted (`""` inside quotes), or text after a closing
    /// quote: bytes of whole characters, put together from pieces of the text.
    field: Vec<u8>,
    /// Quotes inside quoted fields, a block of the text at a time.
    quotes: QuoteFinder,
}

impl<'t> CsvRecords<'t> {
    /// None for a delimiter that quotes or ends records (the `csv` crate's
    /// own reader is used then).
    pub fn new(text: &'t str, delimiter: u8) -> Option<CsvRecords<'t>> {
        if matches!(delimiter, b'"' | b'\r' | b'\n') {
            return None;
        }
        Some(CsvRecords { text, delimiter, pos: 0, line: 1, after_cr: false, started: false, field: Vec::new(), quotes: QuoteFinder::default() })
    }

    /// The next record's fields into `record`; None at the end of the text.
    pub fn next_record(&mut self, record: &mut csv::StringRecord) -> Option<RecordAt> {
        let bytes = self.text.as_bytes();
        let len = bytes.len();
        let (start, line) = (self.pos, self.line);
        let mut pos = self.pos;
        if !self.started {
            self.started = true;
            if bytes.starts_with(b"\xef\xbb\xbf") {
                pos += 3;
            }
        }
        if std::mem::take(&mut self.after_cr) && bytes.get(pos) == Some(&b'\n') {
            pos += 1;
        }
        while pos < len && matches!(bytes[pos], b'\r' | b'\n') {
            pos += 1;
        }
        if pos >= len {
            self.advance(start, len);
            return None;
        }
        record.clear();
        let d = self.delimiter;
        // At the start of a field.
        loop {
            let Some(&first) = bytes.get(pos) else {
                record.push_field("");
                break;
            };
            // Where the field's text ends: a delimiter, a line end or the end.
            let stop;
            if first == b'"' {
                pos += 1;
                let mut from = pos;
                self.field.clear();
                let mut borrowed = None;
                loop {
                    let Some(q) = self.quotes.next(bytes, pos) else {
                        // Unclosed at the end of the text: the rest is the field.
                        append_piece(&mut self.field, bytes, from, len);
                        pos = len;
                        break;
                    };
                    if bytes.get(q + 1) == Some(&b'"') {
                        // `""`: one literal quote.
                        append_piece(&mut self.field, bytes, from, q + 1);
                        pos = q + 2;
                        from = pos;
                        continue;
                    }
                    pos = q + 1;
                    match bytes.get(pos) {
                        Some(&c) if c != d && c != b'\r' && c != b'\n' => {
                            // Text after the closing quote: up to the field's end, quotes and all.
                            let at = memchr3(d, b'\r', b'\n', &bytes[pos..]).map_or(len, |i| pos + i);
                            append_piece(&mut self.field, bytes, from, q);
                            append_piece(&mut self.field, bytes, pos, at);
                            pos = at;
                        }
                        _ if self.field.is_empty() => borrowed = Some(&self.text[from..q]),
                        _ => append_piece(&mut self.field, bytes, from, q),
                    }
                    break;
                }
                match borrowed.map(Ok).unwrap_or_else(|| std::str::from_utf8(&self.field)) {
                    Ok(text) => record.push_field(text),
                    // Never: pieces cut at quotes (ASCII) from text are UTF-8.
                    // (`from_utf8_lossy` checks far slower when all is well.)
                    Err(_) => record.push_field(&String::from_utf8_lossy(&self.field)),
                }
                stop = pos;
            } else {
                stop = memchr3(d, b'\r', b'\n', &bytes[pos..]).map_or(len, |i| pos + i);
                record.push_field(&self.text[pos..stop]);
            }
            pos = stop;
            match bytes.get(pos) {
                None => break,
                Some(&c) if c == d => pos += 1,
                Some(&b'\n') => {
                    pos += 1;
                    break;
                }
                Some(_) => {
                    // `\r`: the record ends; a `\n` after it goes with the next call.
                    pos += 1;
                    self.after_cr = true;
                    break;
                }
            }
        }
        self.advance(start, pos);
        Some(RecordAt { start, line, end: pos })
    }

    /// Move to `to`, counting the line ends passed.
    fn advance(&mut self, from: usize, to: usize) {
        self.line += memchr::memchr_iter(b'\n', &self.text.as_bytes()[from..to]).count() as u64;
        self.pos = to;
    }
}

/// Append `bytes[from..to]` to `field`. JSON in a CSV field is cut by its
/// doubled quotes into pieces of a few bytes each (`""k"":""v""`): a piece
/// of up to 16 bytes is copied as 16 and cut back, one move in place of a
/// call to `memcpy` of the exact length (4% of `loupe summary`'s samples
/// were such calls). Always inlined: as a call of its own it cost about
/// what it saved.
#[inline(always)]
fn append_piece(field: &mut Vec<u8>, bytes: &[u8], from: usize, to: usize) {
    const SHORT: usize = 16;
    let piece_len = to - from;
    if piece_len <= SHORT {
        if let Some(chunk) = bytes[from..].first_chunk::<SHORT>() {
            let kept = field.len() + piece_len;
            field.extend_from_slice(chunk);
            field.truncate(kept);
            return;
        }
    }
    field.extend_from_slice(&bytes[from..to]);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records, positions and fields as the `csv` crate reads `text`.
    fn csv_crate(text: &str, delimiter: u8) -> Vec<(RecordAt, Vec<String>)> {
        let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).has_headers(false).from_reader(text.as_bytes());
        let mut record = csv::StringRecord::new();
        let mut out = Vec::new();
        while reader.read_record(&mut record).unwrap() {
            let pos = record.position().unwrap();
            let at = RecordAt { start: pos.byte() as usize, line: pos.line(), end: reader.position().byte() as usize };
            out.push((at, record.iter().map(str::to_string).collect()));
        }
        out
    }

    fn ours(text: &str, delimiter: u8) -> Vec<(RecordAt, Vec<String>)> {
        let mut records = CsvRecords::new(text, delimiter).unwrap();
        let mut record = csv::StringRecord::new();
        let mut out = Vec::new();
        while let Some(at) = records.next_record(&mut record) {
            out.push((at, record.iter().map(str::to_string).collect()));
        }
        out
    }

    #[test]
    fn reads_as_the_csv_crate_reads() {
        let texts = [
            "a,b\n\"x\ny\",\"he said \"\"hi\"\"\"\n5\" screen,z\r\nlast,\"\"\n",
            "\"a\"b\"c\",d\n\"\"\"\",\"\"\n,\"\n\"\n",
            "1,\"{\"\"k\"\":\"\"v\\\"\"\"\"}\",2\n3,\"\",\"\"\"\"\n",
            "\n\n\r\na,b\r\r\n\nc\r",
            "\u{feff}a,b\nc",
            "\u{feff}\"q\",b\n",
            "a,",
            "\"unclosed,\nstill",
            "\"ab\"cd\"e,f\r\n\"x\"",
            ",,\n,\r\n\"\"",
            "é,\"ü\"\"ß\"\n",
            "",
            "\r",
            "\"",
            "\"\"\"",
        ];
        for text in texts {
            assert_eq!(ours(text, b','), csv_crate(text, b','), "{text:?}");
        }
        assert_eq!(ours("x;\"a;b\r\nc\";\"\"\"\";e\rf;g\n", b';'), csv_crate("x;\"a;b\r\nc\";\"\"\"\";e\rf;g\n", b';'));
        assert!(CsvRecords::new("", b'"').is_none());
    }

    #[test]
    fn random_texts_read_as_the_csv_crate_reads() {
        let alphabet: [&str; 9] = ["a", "bc", ",", "\"", "\"\"", "\r", "\n", "\r\n", ";"];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            let mut text = String::new();
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let n = (state % 24) as usize;
            for _ in 0..n {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push_str(alphabet[(state % alphabet.len() as u64) as usize]);
            }
            for delimiter in [b',', b';'] {
                assert_eq!(ours(&text, delimiter), csv_crate(&text, delimiter), "{text:?}");
            }
        }
    }
}
