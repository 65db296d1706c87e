//! Case values put into query languages the analyst pastes into another
//! engine. Suspects, addresses and user agents come from evidence an
//! intruder wrote, so each goes in through one of these and can never end
//! its string early. PowerShell and POSIX shell quoting are the remediation
//! plan's (`remediate::quote`).

pub use crate::remediate::quote::{ps, sh};

/// A KQL string literal (Sentinel, Log Analytics, Azure Data Explorer):
/// double-quoted, where a backslash escapes the quote, itself, tab and the
/// line breaks. Other control characters cannot be written and become
/// spaces.
pub fn kql(value: &str) -> String {
    backslash_quoted(value, true)
}

/// `'a', 'b'`: a PowerShell array of single-quoted strings.
pub fn ps_list(values: &[String]) -> String {
    values.iter().map(|v| ps(v)).collect::<Vec<_>>().join(", ")
}

/// `dynamic(["a", "b"])`: a KQL list for `in~` and `has_any`.
pub fn kql_list(values: &[String]) -> String {
    format!("dynamic([{}])", values.iter().map(|v| kql(v)).collect::<Vec<_>>().join(", "))
}

/// An SPL string literal for `where` and `eval` expressions: double-quoted,
/// a backslash escaping the quote and itself. SPL strings cannot hold line
/// breaks, so control characters become spaces. (In a `search` term `*`
/// is a wildcard even inside quotes; these literals are only used in
/// `where`, where it is a plain character.)
pub fn spl(value: &str) -> String {
    backslash_quoted(value, false)
}

/// A Cloud Logging query string value (`gcloud logging read` filters):
/// double-quoted with backslash escapes. The whole filter then goes through
/// `sh`.
pub fn logging_filter_value(value: &str) -> String {
    backslash_quoted(value, false)
}

/// Double quotes around `value`, with a backslash before a quote or a
/// backslash. Line breaks and tabs are written `\n`, `\r`, `\t` where the
/// language reads those escapes (`escape_breaks`: KQL); every other control
/// character, and the breaks where it does not (SPL, Cloud Logging), is a
/// space.
fn backslash_quoted(value: &str, escape_breaks: bool) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' if escape_breaks => out.push_str("\\n"),
            '\r' if escape_breaks => out.push_str("\\r"),
            '\t' if escape_breaks => out.push_str("\\t"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values an intruder could leave in a log, each trying to end its string.
    const HOSTILE: [&str; 9] = [
        r#"a"b"#,
        r"a\b",
        "a\\",
        "a\nb\r\nc",
        "a|b; drop",
        "x\" or 1==1 //",
        r#"\" | where true | take 1 //"#,
        "tab\there",
        "nul\u{0}bell\u{7}",
    ];

    /// Read a backslash-escaped double-quoted literal back the way KQL and
    /// SPL do; `None` when the literal ends before its last character.
    fn read_back(literal: &str, escapes: &[(char, char)]) -> Option<String> {
        let inner = literal.strip_prefix('"')?;
        let mut out = String::new();
        let mut chars = inner.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    let next = chars.next()?;
                    let plain = escapes.iter().find(|(code, _)| *code == next).map(|(_, plain)| *plain)?;
                    out.push(plain);
                }
                // An unescaped quote ends the literal: it must be the last character.
                '"' => return chars.peek().is_none().then_some(out),
                '\n' | '\r' => return None,
                c => out.push(c),
            }
        }
        None
    }

    fn printable(value: &str, keep: &[char]) -> String {
        value.chars().map(|c| if c.is_control() && !keep.contains(&c) { ' ' } else { c }).collect()
    }

    #[test]
    fn kql_literals_hold_any_value_whole() {
        let escapes = [('"', '"'), ('\\', '\\'), ('n', '\n'), ('r', '\r'), ('t', '\t')];
        for value in HOSTILE {
            let literal = kql(value);
            assert_eq!(read_back(&literal, &escapes), Some(printable(value, &['\n', '\r', '\t'])), "{value:?} → {literal}");
        }
        assert_eq!(kql_list(&["a\"b".into(), "c".into()]), r#"dynamic(["a\"b", "c"])"#);
    }

    #[test]
    fn spl_and_logging_literals_hold_any_value_on_one_line() {
        let escapes = [('"', '"'), ('\\', '\\')];
        for value in HOSTILE {
            for literal in [spl(value), logging_filter_value(value)] {
                assert_eq!(read_back(&literal, &escapes), Some(printable(value, &[])), "{value:?} → {literal}");
                assert!(!literal.contains('\n') && !literal.contains('\r'), "{literal}");
            }
        }
    }
}
