//! Reading one JSON record as an object, forgiving the one flaw real exports
//! have that the JSON grammar refuses: a string escape of half a UTF-16
//! surrogate pair (`"\ud83d"` with no `\ude00` after it), written by tools
//! that cut a string between the two halves of an emoji. The record is
//! kept, the lone half reads as U+FFFD, and the caller says so.

use serde_json::{Map, Value};

/// The object, and whether a lone surrogate had to be replaced to read it.
pub fn parse_object(text: &str) -> Result<(Map<String, Value>, bool), serde_json::Error> {
    match serde_json::from_str::<Map<String, Value>>(text) {
        Ok(object) => Ok((object, false)),
        // serde_json words this several ways ("lone leading surrogate",
        // "unexpected end of hex escape" …): try the repair on any error.
        Err(e) => match replace_lone_surrogates(text) {
            Some(repaired) => serde_json::from_str::<Map<String, Value>>(&repaired).map(|object| (object, true)),
            None => Err(e),
        },
    }
}

/// What a caller tells the file's report when `parse_object` repaired a record.
pub const LONE_SURROGATE_WARNING: &str = "a string holds half of a UTF-16 surrogate pair (a \\uD800–\\uDFFF escape on its own); it reads as U+FFFD";

/// `text` with every `\uD800`–`\uDFFF` escape that is not half of a proper
/// pair written as `\uFFFD`; `None` when there was none.
fn replace_lone_surrogates(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let (mut copied, mut i, mut in_string, mut changed) = (0, 0, false, false);
    let escape_at = |at: usize| -> Option<u16> {
        let hex = bytes.get(at..at + 6)?;
        if hex[0] != b'\\' || hex[1] != b'u' {
            return None;
        }
        u16::from_str_radix(std::str::from_utf8(&hex[2..]).ok()?, 16).ok()
    };
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                in_string = !in_string;
                i += 1;
            }
            b'\\' if in_string => match escape_at(i) {
                Some(0xD800..=0xDBFF) if matches!(escape_at(i + 6), Some(0xDC00..=0xDFFF)) => i += 12,
                Some(0xD800..=0xDFFF) => {
                    out.push_str(&text[copied..i]);
                    out.push_str("\\uFFFD");
                    i += 6;
                    copied = i;
                    changed = true;
                }
                // Any other escape: the backslash and what it escapes.
                _ => i += 2,
            },
            _ => i += 1,
        }
    }
    changed.then(|| {
        out.push_str(&text[copied.min(text.len())..]);
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_surrogate_reads_as_the_replacement_character_and_pairs_stay() {
        let (object, repaired) = parse_object(r#"{"Subject":"Invoice \ud83d","Body":"ok \ud83d\ude00","Path":"C:\\users\\ud83d"}"#).expect("kept");
        assert!(repaired);
        assert_eq!(object["Subject"], "Invoice \u{FFFD}");
        assert_eq!(object["Body"], "ok 😀", "a proper pair is untouched");
        assert_eq!(object["Path"], "C:\\users\\ud83d", "an escaped backslash before 'u' is not an escape");
        let (object, repaired) = parse_object(r#"{"a":"\udc00 low first","b":"x"}"#).expect("kept");
        assert!(repaired);
        assert_eq!(object["a"], "\u{FFFD} low first");
        assert!(!parse_object(r#"{"a":"plain"}"#).expect("plain").1);
        assert!(parse_object(r#"{"a": nope}"#).is_err(), "other errors stay errors");
    }
}
