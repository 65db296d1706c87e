//! Finds the records in a JSON export without building it as one value, so a
//! truncated or partly broken file still yields every complete record.
//!
//! Shapes handled, as exports write them:
//! - a single record object, or one record object per line (NDJSON);
//! - an array of records;
//! - a page wrapper `{"@odata.context": …, "value": [records]}` (Microsoft Graph),
//!   `{"Records": [records]}` (CloudTrail), `{"records": [records]}` (Azure
//!   diagnostic settings), `{"Events": [records]}` (CloudTrail lookup-events)
//!   or `{"entries": [records]}` (Cloud Logging API), alone, per line, or in
//!   an array of pages.
//!
//! Each record is returned as a byte span; parsing it is left to the caller.

/// Keys whose array holds the records of a page wrapper.
const WRAPPER_KEYS: [&[u8]; 5] = [b"value", b"Records", b"records", b"Events", b"entries"];

/// One record's place in the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordSpan {
    pub start: usize,
    pub end: usize,
    /// 1-based line of the record's first byte.
    pub line: u32,
}

/// Something the scanner could not use, with the line it starts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitError {
    pub line: u32,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct Split {
    pub records: Vec<RecordSpan>,
    pub errors: Vec<SplitError>,
}

/// Find the record spans in `text`.
pub fn split_records(text: &str) -> Split {
    let mut scanner = Scanner { bytes: text.as_bytes(), pos: 0, line: 1 };
    let mut split = Split::default();
    loop {
        scanner.skip_separators();
        let Some(b) = scanner.peek() else { break };
        let line = scanner.line;
        let result = match b {
            b'[' => scanner.top_level_array(&mut split.records),
            b'{' => scanner.object_or_wrapper(&mut split.records),
            _ => {
                split.errors.push(SplitError { line, reason: format!("expected '{{' or '[' but found {}", describe(b)) });
                scanner.skip_line();
                Ok(())
            }
        };
        if let Err(error) = result {
            split.errors.push(error);
        }
    }
    split
}

pub(crate) fn describe(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("'{}'", char::from(b))
    } else {
        format!("byte 0x{b:02X}")
    }
}

struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: u32,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        if b == b'\n' {
            self.line += 1;
        }
        Some(b)
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.bump();
        }
    }

    /// Whitespace and stray commas between top-level values.
    fn skip_separators(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n' | b',')) {
            self.bump();
        }
    }

    fn skip_line(&mut self) {
        while let Some(b) = self.bump() {
            if b == b'\n' {
                break;
            }
        }
    }

    fn top_level_array(&mut self, out: &mut Vec<RecordSpan>) -> Result<(), SplitError> {
        self.bump();
        loop {
            self.skip_separators();
            match self.peek() {
                None => return Err(self.error("the file ends inside the top-level array (truncated?)")),
                Some(b']') => {
                    self.bump();
                    return Ok(());
                }
                Some(b'{') => self.object_or_wrapper(out)?,
                Some(_) => {
                    let line = self.line;
                    self.skip_value().map_err(|_| self.cut_off_msg(line))?;
                    return Err(SplitError { line, reason: format!("array element on line {line} is not an object") });
                }
            }
        }
    }

    /// An object is either a record or a page wrapper holding records.
    fn object_or_wrapper(&mut self, out: &mut Vec<RecordSpan>) -> Result<(), SplitError> {
        let (start, line) = (self.pos, self.line);
        let mut inner = Vec::new();
        let mut is_wrapper = false;
        self.bump();
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b'}') => {
                    self.bump();
                    break;
                }
                Some(b',') => {
                    self.bump();
                    continue;
                }
                Some(b'"') => {}
                Some(b) => return Err(SplitError { line, reason: format!("record starting on line {line}: expected a key but found {}", describe(b)) }),
                None => return Err(self.cut_off(line, &mut inner, out)),
            }
            let key_start = self.pos + 1;
            self.skip_string().map_err(|_| self.cut_off_msg(line))?;
            let key = &self.bytes[key_start..self.pos - 1];
            self.skip_ws();
            if self.peek() != Some(b':') {
                if self.peek().is_none() {
                    return Err(self.cut_off(line, &mut inner, out));
                }
                return Err(SplitError { line, reason: format!("record starting on line {line}: expected ':' after a key") });
            }
            self.bump();
            self.skip_ws();
            if WRAPPER_KEYS.contains(&key) && self.peek() == Some(b'[') {
                is_wrapper = true;
                if let Err(e) = self.record_array(&mut inner) {
                    out.append(&mut inner);
                    return Err(e);
                }
            } else if self.skip_value().is_err() {
                return Err(self.cut_off(line, &mut inner, out));
            }
        }
        if is_wrapper {
            out.append(&mut inner);
        } else {
            out.push(RecordSpan { start, end: self.pos, line });
        }
        Ok(())
    }

    fn cut_off_msg(&self, line: u32) -> SplitError {
        SplitError { line, reason: format!("record starting on line {line} is cut off: the file ends inside it (truncated?)") }
    }

    /// An error at the scanner's current line.
    fn error(&self, reason: &str) -> SplitError {
        SplitError { line: self.line, reason: reason.to_string() }
    }

    /// Keep the complete records of a wrapper whose end is missing.
    fn cut_off(&self, line: u32, inner: &mut Vec<RecordSpan>, out: &mut Vec<RecordSpan>) -> SplitError {
        out.append(inner);
        self.cut_off_msg(line)
    }

    /// The records inside a wrapper's array.
    fn record_array(&mut self, out: &mut Vec<RecordSpan>) -> Result<(), SplitError> {
        self.bump();
        loop {
            self.skip_ws();
            let (start, line) = (self.pos, self.line);
            match self.peek() {
                None => return Err(self.error("the file ends inside a page of records (truncated?)")),
                Some(b']') => {
                    self.bump();
                    return Ok(());
                }
                Some(b',') => {
                    self.bump();
                }
                Some(b'{') => {
                    if self.skip_value().is_err() {
                        return Err(self.cut_off_msg(line));
                    }
                    out.push(RecordSpan { start, end: self.pos, line });
                }
                Some(_) => {
                    self.skip_value().map_err(|_| self.cut_off_msg(line))?;
                    return Err(SplitError { line, reason: format!("element on line {line} of a page is not an object") });
                }
            }
        }
    }

    /// Skip one JSON value of any kind. Err when the text ends inside it.
    fn skip_value(&mut self) -> Result<(), ()> {
        match self.peek() {
            Some(b'"') => self.skip_string(),
            Some(b'{' | b'[') => self.skip_nested(),
            Some(_) => {
                while let Some(b) = self.peek() {
                    if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n') {
                        return Ok(());
                    }
                    self.bump();
                }
                Ok(())
            }
            None => Err(()),
        }
    }

    fn skip_string(&mut self) -> Result<(), ()> {
        self.bump();
        while let Some(b) = self.bump() {
            match b {
                b'\\' => {
                    self.bump().ok_or(())?;
                }
                b'"' => return Ok(()),
                _ => {}
            }
        }
        Err(())
    }

    /// Skip a bracketed value by depth; the record's own parser checks syntax.
    fn skip_nested(&mut self) -> Result<(), ()> {
        let mut depth = 0usize;
        while let Some(b) = self.peek() {
            match b {
                b'"' => {
                    self.skip_string()?;
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        self.bump();
                        return Ok(());
                    }
                }
                _ => {}
            }
            self.bump();
        }
        Err(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &str) -> Vec<&str> {
        split_records(text).records.iter().map(|r| &text[r.start..r.end]).collect()
    }

    #[test]
    fn splits_every_shape() {
        assert_eq!(records(r#"{"a":1}"#), [r#"{"a":1}"#]);
        assert_eq!(records("{\"a\":1}\n{\"a\":2}\n"), [r#"{"a":1}"#, r#"{"a":2}"#]);
        assert_eq!(records(r#"[{"a":1}, {"a":[2]}]"#), [r#"{"a":1}"#, r#"{"a":[2]}"#]);
        let page = r#"{"@odata.context":"x","value":[{"id":"1"},{"id":"2"}],"@odata.nextLink":"y"}"#;
        assert_eq!(records(page), [r#"{"id":"1"}"#, r#"{"id":"2"}"#]);
        let pages = format!("[{page},{page}]");
        assert_eq!(records(&pages).len(), 4);
        assert_eq!(records(r#"{"Records":[{"eventName":"x"}]}"#), [r#"{"eventName":"x"}"#]);
        assert_eq!(records(r#"{"records":[{"time":"x"}]}"#), [r#"{"time":"x"}"#]);
        assert_eq!(records(r#"{"Events":[{"EventId":"1"}],"NextToken":"t"}"#), [r#"{"EventId":"1"}"#]);
        assert_eq!(records(r#"{"entries":[{"insertId":"1"}],"nextPageToken":"t"}"#), [r#"{"insertId":"1"}"#]);
    }

    #[test]
    fn strings_with_brackets_and_escapes_do_not_confuse_it() {
        let text = r#"[{"a":"}]\"{[","b":{"value":[1]}}]"#;
        assert_eq!(records(text), [r#"{"a":"}]\"{[","b":{"value":[1]}}"#]);
    }

    #[test]
    fn keeps_complete_records_of_a_truncated_file() {
        let text = "[\n{\"a\":1},\n{\"a\":2},\n{\"a\":";
        let split = split_records(text);
        assert_eq!(split.records.len(), 2);
        assert_eq!(split.errors.len(), 1);
        assert!(split.errors[0].reason.contains("line 4"), "{:?}", split.errors);
        let page = "{\"value\":[{\"a\":1},{\"a\":";
        let split = split_records(page);
        assert_eq!(split.records.len(), 1);
        assert_eq!(split.errors.len(), 1);
        let page = "{\"value\":[\n{\"a\":1},\n{\"a\":";
        assert_eq!(split_records(page).errors[0].line, 3, "the cut-off record's own line");
    }

    #[test]
    fn reports_lines_and_garbage() {
        let split = split_records("{\"a\":1}\nnot json\n{\"a\":2}");
        assert_eq!(split.records.iter().map(|r| r.line).collect::<Vec<_>>(), [1, 3]);
        assert_eq!(split.errors, [SplitError { line: 2, reason: "expected '{' or '[' but found 'n'".into() }]);
    }
}
