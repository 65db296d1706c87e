//! CSV as exports write it: a PowerShell `#TYPE` line before the header,
//! comma, semicolon or tab delimiters, quoted multi-line fields, and header
//! names that differ between tools only in case, spacing or a "(UTC)" hint.

use std::cell::RefCell;
use std::collections::HashMap;

/// Where the header row starts and how fields are separated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dialect {
    pub delimiter: u8,
    /// Byte offset of the header row (after any `#TYPE` / `#` preamble lines).
    pub header_offset: usize,
    /// Lines skipped before the header.
    pub skipped_lines: u32,
}

/// Find the header row and the delimiter it uses.
pub fn sniff_dialect(text: &str) -> Dialect {
    let mut offset = 0;
    let mut skipped_lines = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with("#TYPE") || trimmed.starts_with("#") || trimmed.is_empty() {
            offset += line.len();
            skipped_lines += 1;
            continue;
        }
        break;
    }
    let header_line = text[offset..].lines().next().unwrap_or("");
    let delimiter = [b',', b';', b'\t', b'|']
        .into_iter()
        .max_by_key(|&d| (count_outside_quotes(header_line, d), d == b','))
        .unwrap_or(b',');
    Dialect { delimiter, header_offset: offset, skipped_lines }
}

fn count_outside_quotes(line: &str, delimiter: u8) -> usize {
    let mut quoted = false;
    line.bytes()
        .filter(|&b| {
            if b == b'"' {
                quoted = !quoted;
            }
            !quoted && b == delimiter
        })
        .count()
}

/// A header row with lookups that forgive case, spaces, punctuation and
/// unit hints: `Date (UTC)`, `date`, `TimeGenerated [UTC]`, `IP address`.
#[derive(Clone, Debug, Default)]
pub struct Headers {
    pub names: Vec<String>,
    keys: Vec<String>,
    /// Answers of `index` by candidate name: mappers ask the same questions
    /// for every row, and normalising a name allocates.
    lookups: RefCell<HashMap<String, Option<usize>>>,
}

impl Headers {
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Headers {
        let names: Vec<String> = names.into_iter().map(|n| n.trim().trim_start_matches('\u{feff}').to_string()).collect();
        let keys = names.iter().map(|n| header_key(n)).collect();
        Headers { names, keys, lookups: RefCell::default() }
    }

    /// Index of the first header matching any of `candidates` (first candidate wins).
    pub fn index(&self, candidates: &[&str]) -> Option<usize> {
        candidates.iter().find_map(|c| self.index_of(c))
    }

    fn index_of(&self, candidate: &str) -> Option<usize> {
        if let Some(&known) = self.lookups.borrow().get(candidate) {
            return known;
        }
        let key = header_key(candidate);
        let found = self.keys.iter().position(|k| *k == key);
        self.lookups.borrow_mut().insert(candidate.to_string(), found);
        found
    }

    pub fn has(&self, name: &str) -> bool {
        self.index(&[name]).is_some()
    }

    /// How many of `names` are present: the basis of format detection.
    pub fn count_present(&self, names: &[&str]) -> u32 {
        names.iter().filter(|n| self.has(n)).count() as u32
    }

    /// The trimmed value of the first matching column, or `""`.
    pub fn get<'r>(&self, row: &'r csv::StringRecord, candidates: &[&str]) -> &'r str {
        self.index(candidates).and_then(|i| row.get(i)).map(str::trim).unwrap_or("")
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// Lower-case letters and digits only, with a trailing `(UTC)` / `[UTC]` hint removed.
pub fn header_key(name: &str) -> String {
    let mut name = name.trim();
    for hint in ["(utc)", "[utc]", "(local)", "[local]"] {
        // `get`: the hint's length may fall inside a character of a name
        // that is not text at all (a binary file read as CSV).
        let cut = name.len().saturating_sub(hint.len());
        if name.len() >= hint.len() && name.get(cut..).is_some_and(|end| end.eq_ignore_ascii_case(hint)) {
            name = &name[..cut];
        }
    }
    name.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_type_line_and_finds_semicolons() {
        let text = "#TYPE System.Management.Automation.PSCustomObject\r\n\"a\";\"b,c\";\"d\"\r\n1;2;3\r\n";
        let d = sniff_dialect(text);
        assert_eq!(d.delimiter, b';');
        assert_eq!(d.skipped_lines, 1);
        assert!(text[d.header_offset..].starts_with("\"a\""));
    }

    #[test]
    fn header_lookup_forgives_spelling() {
        let h = Headers::new(["\u{feff}Date (UTC)", "IP address", "TimeGenerated [UTC]"]);
        assert_eq!(h.index(&["date"]), Some(0));
        assert_eq!(h.index(&["IPAddress"]), Some(1));
        assert_eq!(h.index(&["nope", "timegenerated"]), Some(2));
        assert_eq!(h.count_present(&["Date", "ip address", "missing"]), 2);
    }
}
