//! A report as a header and rows, whether it came as CSV (`Export-Csv`) or
//! as a JSON array of flat objects (`ConvertTo-Json`). JSON values become
//! the text `Export-Csv` would have written, so each family reads one shape.

use crate::ingest::csv_input::{sniff_dialect, Headers};
use crate::ingest::dates::{parse_time, DateEvidence, DateOrder};
use crate::ingest::json_split::split_records;
use crate::ingest::text::decode;
use serde_json::{Map, Value};

/// One row and where it is in the file (`line 12`, `$[3]`).
pub struct Row {
    pub position: String,
    pub record: csv::StringRecord,
}

pub struct Table {
    pub headers: Headers,
    pub rows: Vec<Row>,
    /// `CSV, ';'-delimited` or `JSON`.
    pub format: String,
    pub encoding: &'static str,
    pub replaced: usize,
    /// Rows that could not be parsed at all: (position, reason).
    pub problems: Vec<(String, String)>,
}

impl Table {
    /// The trimmed value of the first column named like any of `names`, or `""`.
    pub fn get<'r>(&self, row: &'r Row, names: &[&str]) -> &'r str {
        self.headers.get(&row.record, names)
    }

    /// The value, or `None` when empty or a placeholder (`-`, `N/A`).
    pub fn value<'r>(&self, row: &'r Row, names: &[&str]) -> Option<&'r str> {
        Some(self.get(row, names)).filter(|v| !super::values::is_blank(v))
    }

    pub fn has(&self, names: &[&str]) -> bool {
        self.headers.index(names).is_some()
    }

    /// The day/month order of the dates in these columns, from all rows.
    pub fn date_order(&self, names: &[&str]) -> DateOrder {
        let mut evidence = DateEvidence::default();
        for row in &self.rows {
            evidence.add(self.get(row, names));
        }
        evidence.guess().order
    }

    /// A date column's value as ISO 8601 UTC when it parses, else as written.
    pub fn time(&self, row: &Row, names: &[&str], order: DateOrder) -> Option<String> {
        let text = self.value(row, names)?;
        Some(match parse_time(text, order).and_then(chrono::DateTime::from_timestamp_millis) {
            Some(t) => t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            None => text.to_string(),
        })
    }
}

fn text_of(bytes: &[u8]) -> (String, &'static str, usize) {
    let decoded = decode(bytes);
    let text = decoded.text.trim_start_matches('\u{feff}').to_string();
    (text, decoded.encoding.label(), decoded.replaced)
}

fn is_json(text: &str) -> bool {
    text.trim_start().starts_with(['[', '{'])
}

/// The header of a report from its first bytes: the CSV header row, or the
/// keys of the first complete JSON object.
pub fn sniff_headers(head: &[u8]) -> Option<Headers> {
    let (text, _, _) = text_of(head);
    if text.trim().is_empty() {
        return None;
    }
    if is_json(&text) {
        let split = split_records(&text);
        let Some(first) = split.records.first() else {
            // A first object longer than the head: its keys so far will do.
            let keys = keys_in(&text);
            return (keys.len() > 1).then(|| Headers::new(keys.iter().map(String::as_str)));
        };
        let value: Value = serde_json::from_str(text.get(first.start..first.end)?).ok()?;
        let map = value.as_object()?;
        return Some(Headers::new(map.keys().map(String::as_str)));
    }
    let dialect = sniff_dialect(&text);
    let header_line = text.get(dialect.header_offset..)?.lines().next()?;
    let mut reader = csv::ReaderBuilder::new().delimiter(dialect.delimiter).has_headers(false).from_reader(header_line.as_bytes());
    let record = reader.records().next()?.ok()?;
    (record.len() > 1).then(|| Headers::new(record.iter()))
}

/// Every JSON string followed by a colon (an object key), in order, once
/// each, from text that may stop anywhere.
fn keys_in(text: &str) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '"' {
            continue;
        }
        let mut s = String::new();
        let mut closed = false;
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => {
                    closed = true;
                    break;
                }
                _ => s.push(c),
            }
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if closed && chars.peek() == Some(&':') && !keys.contains(&s) {
            keys.push(s);
        }
    }
    keys
}

/// Parse a whole report. `None` when it is neither CSV with a header nor
/// JSON objects.
pub fn parse(bytes: &[u8]) -> Option<Table> {
    let (text, encoding, replaced) = text_of(bytes);
    if text.trim().is_empty() {
        return None;
    }
    let mut table = if is_json(&text) { parse_json(&text)? } else { parse_csv(&text)? };
    table.encoding = encoding;
    table.replaced = replaced;
    Some(table)
}

fn parse_csv(text: &str) -> Option<Table> {
    // The csv reader counts a record's line before it consumes the `\n` of
    // a `\r\n`, so with Windows line ends every row would be a line short.
    let text = &text.replace("\r\n", "\n");
    let dialect = sniff_dialect(text);
    let body = text.get(dialect.header_offset..)?;
    let mut reader = csv::ReaderBuilder::new().delimiter(dialect.delimiter).flexible(true).has_headers(true).from_reader(body.as_bytes());
    let headers = Headers::new(reader.headers().ok()?.iter());
    if headers.len() < 2 {
        return None;
    }
    let first_line = u64::from(dialect.skipped_lines);
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for record in reader.records() {
        match record {
            Ok(record) => {
                let line = record.position().map_or(0, |p| p.line()) + first_line;
                let position = format!("line {line}");
                if record.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                if record.len() != headers.len() {
                    problems.push((position, format!("the row has {} fields where the header has {}", record.len(), headers.len())));
                    continue;
                }
                rows.push(Row { position, record });
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line()) + first_line;
                problems.push((format!("line {line}"), format!("not readable as CSV: {e}")));
            }
        }
    }
    let delimiter = char::from(dialect.delimiter);
    let format = if delimiter == ',' { "CSV".to_string() } else { format!("CSV, '{delimiter}'-delimited") };
    Some(Table { headers, rows, format, encoding: "", replaced: 0, problems })
}

fn parse_json(text: &str) -> Option<Table> {
    let mut objects: Vec<(String, Map<String, Value>)> = Vec::new();
    let mut problems = Vec::new();
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => {
            for (i, item) in items.into_iter().enumerate() {
                match item {
                    Value::Object(map) => objects.push((format!("$[{i}]"), map)),
                    _ => problems.push((format!("$[{i}]"), "expected an object".to_string())),
                }
            }
        }
        Ok(Value::Object(map)) => objects.push(("$".to_string(), map)),
        Ok(_) => return None,
        Err(e) => {
            // Keep every complete object of a cut or damaged file.
            problems.push((format!("line {}, column {}", e.line(), e.column()), format!("not valid JSON: {e}")));
            let split = split_records(text);
            for error in split.errors {
                problems.push((format!("line {}", error.line), error.reason));
            }
            for span in split.records {
                match text.get(span.start..span.end).map(serde_json::from_str::<Value>) {
                    Some(Ok(Value::Object(map))) => objects.push((format!("line {}", span.line), map)),
                    _ => problems.push((format!("line {}", span.line), "not a complete JSON object".to_string())),
                }
            }
        }
    }
    let mut names: Vec<String> = Vec::new();
    for (_, map) in &objects {
        for key in map.keys() {
            if !names.contains(key) {
                names.push(key.clone());
            }
        }
    }
    if names.is_empty() {
        return None;
    }
    let headers = Headers::new(names.iter().map(String::as_str));
    let rows = objects
        .into_iter()
        .map(|(position, map)| {
            let record: csv::StringRecord = names.iter().map(|n| map.get(n).map(as_csv_text).unwrap_or_default()).collect();
            Row { position, record }
        })
        .collect();
    Some(Table { headers, rows, format: "JSON".to_string(), encoding: "", replaced: 0, problems })
}

/// A JSON value as `Export-Csv` would have written it, lists joined.
fn as_csv_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Bool(true) => "True".to_string(),
        Value::Bool(false) => "False".to_string(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => items.iter().map(as_csv_text).filter(|s| !s.is_empty()).collect::<Vec<_>>().join("; "),
        Value::Object(_) => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_keep_their_line_and_bad_rows_are_said() {
        let t = parse(b"#TYPE Selected.System.Management.Automation.PSCustomObject\n\"a\",\"b\"\n1,2\n3\n\"multi\nline\",4\n").expect("table");
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].position, "line 3");
        assert_eq!(t.rows[1].position, "line 5");
        assert_eq!(t.problems.len(), 1);
        assert_eq!(t.problems[0].0, "line 4");
    }

    #[test]
    fn json_values_become_csv_text() {
        let t = parse(br#"[{"A":["x","y"],"B":true},{"A":null,"C":3},5]"#).expect("table");
        assert_eq!(t.headers.names, vec!["A", "B", "C"]);
        assert_eq!(t.get(&t.rows[0], &["a"]), "x; y");
        assert_eq!(t.get(&t.rows[0], &["b"]), "True");
        assert_eq!(t.get(&t.rows[1], &["c"]), "3");
        assert_eq!(t.problems.len(), 1);
    }

    #[test]
    fn nothing_tabular_is_none() {
        for text in ["", "   ", "hello", "42", "[1,2]"] {
            assert!(parse(text.as_bytes()).is_none(), "{text}");
        }
    }
}
