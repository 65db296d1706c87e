//! Identifiers from evidence put into command lines the analyst copies.
//! Evidence is attacker-controlled (a rule name, an app name, a UPN can
//! hold quotes, `$(…)`, backticks, newlines), so every value goes in
//! through one of these functions and can never end its string early.

/// A PowerShell single-quoted string. Inside single quotes PowerShell
/// expands nothing; the only way out is a quote, and PowerShell treats the
/// typographic quotes ‘ ’ ‚ ‛ as quotes too, so each of them is doubled.
/// Line breaks and other control characters are written as spaces so a
/// pasted command stays one line.
pub fn ps(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        match c {
            '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A POSIX shell single-quoted string (Azure CLI, AWS CLI, gcloud): a
/// quote closes, is escaped, and reopens.
pub fn sh(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        match c {
            '\'' => out.push_str("'\\''"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// An OData string literal for a Graph `-Filter` (quotes doubled). The
/// whole filter then goes through `ps`.
pub fn odata(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// `-Filter` with `property eq 'value'`, quoted for PowerShell.
pub fn ps_filter_eq(property: &str, value: &str) -> String {
    ps(&format!("{property} eq {}", odata(value)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What PowerShell would read back from a single-quoted literal.
    fn ps_unquote(literal: &str) -> Option<String> {
        let inner = literal.strip_prefix('\'')?.strip_suffix('\'')?;
        let quotes = ['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];
        let mut out = String::new();
        let mut chars = inner.chars().peekable();
        while let Some(c) = chars.next() {
            if quotes.contains(&c) {
                // A quote inside must be doubled, or the string has ended.
                if chars.next().is_none_or(|d| !quotes.contains(&d)) {
                    return None;
                }
            }
            out.push(c);
        }
        Some(out)
    }

    /// What a POSIX shell would read back from `sh`'s output.
    fn sh_unquote(literal: &str) -> Option<String> {
        let mut out = String::new();
        let mut rest = literal;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('\'') {
                let end = after.find('\'')?;
                out.push_str(&after[..end]);
                rest = &after[end + 1..];
            } else if let Some(after) = rest.strip_prefix("\\'") {
                out.push('\'');
                rest = after;
            } else {
                return None; // anything unquoted would be shell syntax
            }
        }
        Some(out)
    }

    const HOSTILE: [&str; 8] = [
        "plain@contoso.com",
        "o'brien@contoso.com",
        "'; Remove-MgUser -UserId x; '",
        "rule ‘smart’ ‚low‛",
        "$(Invoke-Expression evil) `whoami` ${env:PATH}",
        "line\nbreak\r\tand\u{0}nul",
        "'\\''; rm -rf / #",
        "",
    ];

    #[test]
    fn powershell_strings_hold_any_value() {
        for value in HOSTILE {
            let quoted = ps(value);
            let back = ps_unquote(&quoted).unwrap_or_else(|| panic!("{quoted} ends early"));
            let expected: String = value.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
            assert_eq!(back, expected);
            assert!(!quoted.contains('\n'));
        }
    }

    #[test]
    fn shell_strings_hold_any_value() {
        for value in HOSTILE {
            let quoted = sh(value);
            let back = sh_unquote(&quoted).unwrap_or_else(|| panic!("{quoted} escapes"));
            let expected: String = value.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
            assert_eq!(back, expected);
        }
    }

    #[test]
    fn filters_quote_twice() {
        assert_eq!(ps_filter_eq("appId", "abc"), "'appId eq ''abc'''");
        // OData doubles the quote, PowerShell doubles both again.
        assert_eq!(ps_filter_eq("displayName", "O'Neil"), "'displayName eq ''O''''Neil'''");
        assert_eq!(ps_unquote(&ps_filter_eq("displayName", "O'Neil")).unwrap(), "displayName eq 'O''Neil'");
    }
}
