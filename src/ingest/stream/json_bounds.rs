//! Finding the records of a JSON export as its text streams in: the same
//! shapes as `json_split` (NDJSON, an array of records, page wrappers such
//! as `{"value": [...]}` or `{"Records": [...]}`, alone, per line or in an
//! array of pages), but resumable at any byte, so a record or a page cut by
//! a slice boundary is finished with the next piece.
//!
//! Only the structure is followed (strings, brackets, the keys of objects
//! that may be page wrappers); each record's syntax is its parser's job.

use super::byte_masks::first_of;
use crate::ingest::json_split::{describe, SplitError};

/// Keys whose array holds the records of a page wrapper.
const WRAPPER_KEYS: [&[u8]; 5] = [b"value", b"Records", b"records", b"Events", b"entries"];
const LONGEST_WRAPPER_KEY: usize = 7;

/// A record found: offsets into the decoded text, and its first line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub start: u64,
    pub end: u64,
    pub line: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    Key,
    Colon,
    Value,
    /// After a value: `,` or the closing brace (a scalar's bytes are passed over).
    Next,
}

#[derive(Clone, Debug)]
enum Frame {
    /// `[` at the top level: records or pages.
    TopArray { junk: bool },
    /// An object at the top level or in the top-level array: a record, or a
    /// page wrapper once a wrapper key with an array value is seen.
    Object { start: u64, line: u32, wrapper: bool, expect: Expect, key_is_wrapper: bool },
    /// The array of records inside a page wrapper.
    Page { junk: bool },
    /// A value passed over by depth: a record inside a page (`record` is
    /// its start), or a nested value of an object above.
    Skip { depth: u32, record: Option<(u64, u32)> },
}

/// The scanner's state between pieces of text.
#[derive(Debug)]
pub struct JsonBounds {
    stack: Vec<Frame>,
    in_string: bool,
    escape: bool,
    /// Whether the string being read is a key of an `Object`...
    in_key: bool,
    /// ... and its first bytes (one buffer for every key: no allocation each).
    key: Vec<u8>,
    /// After garbage at the top level: pass over the rest of its line.
    skipping_line: bool,
    /// Offset (into the decoded text) of the next byte to scan.
    pos: u64,
    line: u32,
    pub records: Vec<Span>,
    pub errors: Vec<SplitError>,
}

impl Default for JsonBounds {
    fn default() -> Self {
        JsonBounds::new()
    }
}

impl JsonBounds {
    pub fn new() -> JsonBounds {
        JsonBounds { stack: Vec::new(), in_string: false, escape: false, in_key: false, key: Vec::new(), skipping_line: false, pos: 0, line: 1, records: Vec::new(), errors: Vec::new() }
    }

    /// Offset of the next byte to scan.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// Start of the earliest record still open: text before it (or before
    /// `position()` when none is open) is no longer needed.
    pub fn pinned(&self) -> Option<(u64, u32)> {
        self.stack.iter().find_map(|f| match *f {
            Frame::Object { start, line, wrapper: false, .. } => Some((start, line)),
            Frame::Skip { record: Some(at), .. } => Some(at),
            _ => None,
        })
    }

    /// Give up on the open record (it grew past the size limit): report it
    /// and go on as if it had ended here.
    pub fn abandon_record(&mut self, reason: String) {
        let Some(at) = self.stack.iter().position(|f| matches!(f, Frame::Object { wrapper: false, .. } | Frame::Skip { record: Some(_), .. })) else { return };
        let line = self.pinned().map_or(self.line, |p| p.1);
        self.stack.truncate(at);
        self.in_string = false;
        self.escape = false;
        self.in_key = false;
        self.errors.push(SplitError { line, reason });
        self.skipping_line = self.stack.is_empty();
    }

    /// Scan the next piece of text (it continues where the last one ended).
    pub fn scan(&mut self, text: &[u8]) {
        let mut i = 0;
        while i < text.len() {
            i = self.step(text, i);
        }
        self.pos += text.len() as u64;
    }

    /// The text has ended: say what was left open.
    pub fn finish(&mut self) {
        if self.stack.is_empty() {
            return;
        }
        let reason = match self.pinned() {
            Some((_, line)) => SplitError { line, reason: cut_off(line) },
            None => match self.stack.last() {
                Some(Frame::Page { .. }) => SplitError { line: self.line, reason: "the file ends inside a page of records (truncated?)".into() },
                Some(Frame::Object { line, .. }) => SplitError { line: *line, reason: cut_off(*line) },
                _ => SplitError { line: self.line, reason: "the file ends inside the top-level array (truncated?)".into() },
            },
        };
        self.errors.push(reason);
        self.stack.clear();
    }

    /// Handle the byte at `i`; returns the index of the next byte to look at.
    fn step(&mut self, text: &[u8], i: usize) -> usize {
        let at = self.pos + i as u64;
        if self.in_string {
            return self.string_byte(text, i);
        }
        if self.skipping_line {
            return match text[i..].iter().position(|&b| b == b'\n') {
                Some(n) => {
                    self.skipping_line = false;
                    self.line += 1;
                    i + n + 1
                }
                None => text.len(),
            };
        }
        let b = text[i];
        if b == b'\n' {
            self.line += 1;
            return i + 1;
        }
        match self.stack.last_mut() {
            None => match b {
                b' ' | b'\t' | b'\r' | b',' => {}
                b'{' => self.stack.push(Frame::Object { start: at, line: self.line, wrapper: false, expect: Expect::Key, key_is_wrapper: false }),
                b'[' => self.stack.push(Frame::TopArray { junk: false }),
                _ => {
                    self.errors.push(SplitError { line: self.line, reason: format!("expected '{{' or '[' but found {}", describe(b)) });
                    self.skipping_line = true;
                    return i + 1;
                }
            },
            Some(Frame::TopArray { junk }) | Some(Frame::Page { junk }) => match b {
                b' ' | b'\t' | b'\r' => {}
                b',' => *junk = false,
                b']' => {
                    self.stack.pop();
                    self.close_value();
                }
                b'{' if !*junk => {
                    let record = matches!(self.stack.last(), Some(Frame::Page { .. }));
                    let line = self.line;
                    self.stack.push(if record { Frame::Skip { depth: 1, record: Some((at, line)) } } else { Frame::Object { start: at, line, wrapper: false, expect: Expect::Key, key_is_wrapper: false } });
                }
                _ => {
                    let first = !*junk;
                    *junk = true;
                    if first {
                        let line = self.line;
                        let reason = match self.stack.last() {
                            Some(Frame::Page { .. }) => format!("element on line {line} of a page is not an object"),
                            _ => format!("array element on line {line} is not an object"),
                        };
                        self.errors.push(SplitError { line, reason });
                    }
                    match b {
                        b'"' => self.in_string = true,
                        b'{' | b'[' => self.stack.push(Frame::Skip { depth: 1, record: None }),
                        _ => {}
                    }
                }
            },
            Some(Frame::Object { expect, key_is_wrapper, wrapper, .. }) => match (*expect, b) {
                (_, b' ' | b'\t' | b'\r') => {}
                (Expect::Key | Expect::Next, b',') => *expect = Expect::Key,
                (Expect::Key | Expect::Next, b'}') => self.close_object(at),
                (Expect::Key, b'"') => {
                    self.in_string = true;
                    self.in_key = true;
                    self.key.clear();
                }
                (Expect::Colon, b':') => *expect = Expect::Value,
                (Expect::Value, b'[') if *key_is_wrapper => {
                    *wrapper = true;
                    *expect = Expect::Next;
                    self.stack.push(Frame::Page { junk: false });
                }
                (Expect::Value, b'{' | b'[') => {
                    *expect = Expect::Next;
                    self.stack.push(Frame::Skip { depth: 1, record: None });
                }
                (Expect::Value, b'"') => {
                    *expect = Expect::Next;
                    self.in_string = true;
                }
                (Expect::Value, _) => *expect = Expect::Next,
                // Not JSON (a key that is not a string, a missing colon):
                // the record's parser will say so; follow brackets only.
                (_, b'{' | b'[') => self.stack.push(Frame::Skip { depth: 1, record: None }),
                (_, b'"') => self.in_string = true,
                _ => {}
            },
            Some(Frame::Skip { .. }) => return self.skip_bytes(text, i),
        }
        i + 1
    }

    /// Inside a skipped value: only quotes, brackets and newlines matter.
    fn skip_bytes(&mut self, text: &[u8], mut i: usize) -> usize {
        let Some(Frame::Skip { depth, record }) = self.stack.last_mut() else { return i + 1 };
        while i < text.len() {
            match first_of(&text[i..], [b'"', b'{', b'[', b'}', b']', b'\n']) {
                Some(plain) => i += plain,
                None => return text.len(),
            }
            match text[i] {
                b'"' => {
                    self.in_string = true;
                    return i + 1;
                }
                b'{' | b'[' => *depth += 1,
                b'}' | b']' => {
                    *depth -= 1;
                    if *depth == 0 {
                        if let Some((start, line)) = *record {
                            self.records.push(Span { start, end: self.pos + i as u64 + 1, line });
                        }
                        self.stack.pop();
                        self.close_value();
                        return i + 1;
                    }
                }
                b'\n' => self.line += 1,
                _ => {}
            }
            i += 1;
        }
        i
    }

    fn string_byte(&mut self, text: &[u8], mut i: usize) -> usize {
        while i < text.len() {
            if !self.escape {
                // Plain bytes up to the next one that matters, in one step.
                let plain = first_of(&text[i..], [b'"', b'\\', b'\n']).unwrap_or(text.len() - i);
                self.keep_key_bytes(&text[i..i + plain]);
                i += plain;
                if i == text.len() {
                    break;
                }
            }
            let b = text[i];
            if self.escape {
                self.escape = false;
            } else if b == b'\\' {
                self.escape = true;
            } else if b == b'"' {
                self.in_string = false;
                if std::mem::take(&mut self.in_key) {
                    let is_wrapper = WRAPPER_KEYS.contains(&self.key.as_slice());
                    if let Some(Frame::Object { expect, key_is_wrapper, .. }) = self.stack.last_mut() {
                        *key_is_wrapper = is_wrapper;
                        *expect = Expect::Colon;
                    }
                }
                return i + 1;
            } else if b == b'\n' {
                self.line += 1;
            }
            self.keep_key_bytes(&text[i..i + 1]);
            i += 1;
        }
        i
    }

    /// The first bytes of a key being read: enough to tell a wrapper key.
    fn keep_key_bytes(&mut self, bytes: &[u8]) {
        if self.in_key {
            let room = (LONGEST_WRAPPER_KEY + 1).saturating_sub(self.key.len());
            self.key.extend_from_slice(&bytes[..bytes.len().min(room)]);
        }
    }

    fn close_object(&mut self, at: u64) {
        if let Some(Frame::Object { start, line, wrapper, .. }) = self.stack.pop() {
            if !wrapper {
                self.records.push(Span { start, end: at + 1, line });
            }
        }
        self.close_value();
    }

    /// A value has ended inside whatever holds it.
    fn close_value(&mut self) {
        if let Some(Frame::Object { expect, .. }) = self.stack.last_mut() {
            *expect = Expect::Next;
        }
    }
}

fn cut_off(line: u32) -> String {
    format!("record starting on line {line} is cut off: the file ends inside it (truncated?)")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scan `text` cut into two pieces at `cut`.
    fn scan_cut(text: &str, cut: usize) -> JsonBounds {
        let mut s = JsonBounds::new();
        s.scan(&text.as_bytes()[..cut]);
        s.scan(&text.as_bytes()[cut..]);
        s.finish();
        s
    }

    fn records(text: &str) -> Vec<&str> {
        let whole = scan_cut(text, 0);
        for cut in 1..=text.len() {
            let s = scan_cut(text, cut);
            assert_eq!(s.records, whole.records, "cut at {cut} of {text}");
            assert_eq!(s.errors, whole.errors, "cut at {cut} of {text}");
        }
        whole.records.iter().map(|r| &text[r.start as usize..r.end as usize]).collect()
    }

    #[test]
    fn every_shape_cut_anywhere() {
        assert_eq!(records(r#"{"a":1}"#), [r#"{"a":1}"#]);
        assert_eq!(records("{\"a\":1}\n{\"a\":2}\n"), [r#"{"a":1}"#, r#"{"a":2}"#]);
        assert_eq!(records(r#"[{"a":1}, {"a":[2]}]"#), [r#"{"a":1}"#, r#"{"a":[2]}"#]);
        let page = r#"{"@odata.context":"x","value":[{"id":"1"},{"id":"2"}],"@odata.nextLink":"y"}"#;
        assert_eq!(records(page), [r#"{"id":"1"}"#, r#"{"id":"2"}"#]);
        assert_eq!(records(&format!("[{page},{page}]")).len(), 4);
        assert_eq!(records(r#"{"Records":[{"eventName":"x"}]}"#), [r#"{"eventName":"x"}"#]);
        assert_eq!(records(r#"{"entries":[{"insertId":"1"}],"nextPageToken":"t"}"#), [r#"{"insertId":"1"}"#]);
        assert_eq!(records(r#"[{"a":"}]\"{[","b":{"value":[1]}}]"#), [r#"{"a":"}]\"{[","b":{"value":[1]}}"#]);
    }

    /// Records long enough that strings and nested values span many
    /// sixteen-byte steps of `first_of`, with escapes, brackets inside
    /// strings and line breaks, each cut anywhere: every record whole.
    #[test]
    fn long_records_cut_anywhere() {
        use crate::ingest::stream::vector_check::XorShift;
        let values = [
            r#""a plain value long enough to take several steps of sixteen bytes""#,
            r#""quote \" backslash \\ and \\\" in a row""#,
            r#""brackets } ] { [ inside a string""#,
            r#"{"nested":[1,2,{"deeper":"} still a string ]"}],"n":null}"#,
            "\"line\\nbreak \u{e9}\u{2014}\"",
            "[\n  {\"spread\": \"over\"},\n  [\"lines\"]\n]",
            "12345.678",
        ];
        let mut rng = XorShift(0x5eed_1234_abcd_0001);
        for round in 0..40 {
            let mut text = String::new();
            let mut want = Vec::new();
            for record in 0..3 {
                let mut body = format!("{{\"id\":\"{round}-{record}\"");
                for k in 0..rng.next() % 6 {
                    let value = values[(rng.next() % values.len() as u64) as usize];
                    body.push_str(&format!(",\"key{k}\":{value}"));
                }
                body.push('}');
                text.push_str(&body);
                text.push('\n');
                want.push(body);
            }
            assert_eq!(records(&text), want, "{text}");
        }
    }

    #[test]
    fn truncated_and_garbage() {
        let s = scan_cut("[\n{\"a\":1},\n{\"a\":2},\n{\"a\":", 7);
        assert_eq!(s.records.len(), 2);
        assert!(s.errors[0].reason.contains("line 4"), "{:?}", s.errors);
        let s = scan_cut("{\"value\":[\n{\"a\":1},\n{\"a\":", 3);
        assert_eq!((s.records.len(), s.errors[0].line), (1, 3));
        let s = scan_cut("{\"a\":1}\nnot json\n{\"a\":2}", 12);
        assert_eq!(s.records.iter().map(|r| r.line).collect::<Vec<_>>(), [1, 3]);
        assert_eq!(s.errors, [SplitError { line: 2, reason: "expected '{' or '[' but found 'n'".into() }]);
        let s = scan_cut("{\"value\":[{\"a\":1},\n7,{\"a\":2}]}", 0);
        assert_eq!(s.records.len(), 2);
        assert_eq!(s.errors[0].reason, "element on line 2 of a page is not an object");
    }

    #[test]
    fn open_records_pin_their_start() {
        let mut s = JsonBounds::new();
        s.scan(br#"{"value":[{"id":"1"},{"id""#);
        assert_eq!(s.pinned(), Some((21, 1)));
        s.scan(br#":"2"}]}"#);
        assert_eq!(s.pinned(), None);
        assert_eq!(s.records.len(), 2);
    }
}
