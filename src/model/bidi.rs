//! Bidirectional formatting characters in evidence, made visible. An
//! override such as U+202E (right-to-left override) reverses what follows
//! it on screen: `PDF SecureView Pro\u{202E}fdp.exe` displays as
//! `PDF SecureView Proexe.pdf`, the trick of a file or app name that hides
//! its real extension. Shown as-is, the analyst reads what the attacker
//! wanted read. So every view and report that shows evidence text writes
//! each such character as a visible marker (`⟨RLO⟩`), which has no
//! direction of its own and cannot reorder its neighbours. The stored
//! value is untouched: queries, indicators, the case file, JSON lines and
//! CSV exports keep the characters as the log had them.

use std::borrow::Cow;

/// The marker shown for a bidirectional formatting character, or `None`
/// for any other character. The names are Unicode's own abbreviations.
pub fn marker(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{202A}' => "⟨LRE⟩",
        '\u{202B}' => "⟨RLE⟩",
        '\u{202C}' => "⟨PDF⟩",
        '\u{202D}' => "⟨LRO⟩",
        '\u{202E}' => "⟨RLO⟩",
        '\u{2066}' => "⟨LRI⟩",
        '\u{2067}' => "⟨RLI⟩",
        '\u{2068}' => "⟨FSI⟩",
        '\u{2069}' => "⟨PDI⟩",
        '\u{200E}' => "⟨LRM⟩",
        '\u{200F}' => "⟨RLM⟩",
        '\u{061C}' => "⟨ALM⟩",
        _ => return None,
    })
}

/// `text` as shown to the analyst: each bidirectional formatting character
/// replaced by its marker (`⟨RLO⟩`). Borrows when there is none, the usual
/// case, so views may call it on every cell they draw.
pub fn visible(text: &str) -> Cow<'_, str> {
    // All twelve are outside ASCII and start with one of these lead bytes
    // (U+061C: D8; U+200E/F, U+202A–E, U+2066–9: E2), so most text is
    // passed over by a byte scan.
    if !text.bytes().any(|b| b == 0xD8 || b == 0xE2) || !text.chars().any(|c| marker(c).is_some()) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match marker(c) {
            Some(m) => out.push_str(m),
            None => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `visible` into an owned string, for views that hold their text.
pub fn visible_string(text: &str) -> String {
    visible(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_override_is_shown_as_its_marker_and_reorders_nothing() {
        assert_eq!(visible("PDF SecureView Pro\u{202E}fdp.exe"), "PDF SecureView Pro⟨RLO⟩fdp.exe");
        assert_eq!(visible("Frankfurt\u{202E}niaM"), "Frankfurt⟨RLO⟩niaM");
        // Every bidirectional formatting character, and nothing of it is left.
        let all = "\u{202A}\u{202B}\u{202C}\u{202D}\u{202E}\u{2066}\u{2067}\u{2068}\u{2069}\u{200E}\u{200F}\u{061C}";
        let shown = visible(all);
        assert_eq!(shown, "⟨LRE⟩⟨RLE⟩⟨PDF⟩⟨LRO⟩⟨RLO⟩⟨LRI⟩⟨RLI⟩⟨FSI⟩⟨PDI⟩⟨LRM⟩⟨RLM⟩⟨ALM⟩");
        assert!(shown.chars().all(|c| marker(c).is_none()));
        // The markers have no strong direction: what follows an override
        // keeps its order once the override is gone.
        assert!(visible("a\u{202E}b\u{202C}c").ends_with("b⟨PDF⟩c"));
    }

    #[test]
    fn text_without_one_is_borrowed_as_it_is() {
        for text in ["", "alice@contoso.com", "Zürich", "مرحبا", "שלום", "日本語 テキスト", "\u{2028}", "—–…", "\u{200B}zero width"] {
            assert!(matches!(visible(text), Cow::Borrowed(t) if t == text), "{text:?}");
        }
        // Right-to-left letters are text, not formatting: they are kept.
        assert_eq!(visible("مرحبا\u{200F}"), "مرحبا⟨RLM⟩");
        assert_eq!(visible_string("x\u{2066}y\u{2069}"), "x⟨LRI⟩y⟨PDI⟩");
    }
}
