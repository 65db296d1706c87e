//! Values as PowerShell leaves them in a CSV cell: booleans in any case (or
//! the German words of a de-DE session), lists joined with `; `, `, ` or
//! new lines, or wrapped in `{a, b}`, placeholders (`-`, `N/A`), .NET type
//! names where a list was flattened, and recipients written as
//! `"Name" [SMTP:a@b.c]`.

/// Whether a cell says nothing: empty or a placeholder the tools write.
pub fn is_blank(text: &str) -> bool {
    let t = text.trim();
    t.is_empty() || t == "-" || t.eq_ignore_ascii_case("n/a") || t.eq_ignore_ascii_case("null") || t == "{}"
}

/// A boolean cell; `None` when blank or not a boolean.
pub fn flag(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "$true" | "yes" | "1" | "wahr" | "ja" | "enabled" => Some(true),
        "false" | "$false" | "no" | "0" | "falsch" | "nein" | "disabled" => Some(false),
        _ => None,
    }
}

/// Whether a cell holds a .NET type name instead of values
/// (`System.Object[]`, `System.Collections.Generic.List`1[System.String]`).
pub fn is_flattened(text: &str) -> bool {
    let t = text.trim();
    !t.contains(' ')
        && (t.starts_with("System.") || t.starts_with("Microsoft."))
        && (t.ends_with("[]") || t.ends_with(']') || t.contains("Collection") || t.contains("List`"))
}

/// The items of a list cell. Separators: `; `, new lines, `|`, and `, `
/// inside `{…}` or when `commas` is set (keyword lists are joined with
/// commas; recipient lists may hold commas inside names, so they are not).
pub fn list(text: &str, commas: bool) -> Vec<String> {
    let t = text.trim();
    if is_blank(t) || is_flattened(t) {
        return Vec::new();
    }
    let (inner, braced) = match t.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
        Some(inner) => (inner, true),
        None => (t, false),
    };
    let split_commas = commas || braced;
    inner
        .split(|c| c == ';' || c == '\n' || c == '\r' || c == '|' || (split_commas && c == ','))
        .map(|s| {
            let s = s.trim();
            // Unquote `"invoice"`, but keep the quotes of `"Eve" [SMTP:…]`.
            s.strip_prefix('"').and_then(|r| r.strip_suffix('"')).unwrap_or(s).trim()
        })
        .filter(|s| !is_blank(s))
        .map(str::to_string)
        .collect()
}

/// Every e-mail address in a cell, lower-cased, in order, once each:
/// `"Eve" [SMTP:eve@evil.test]; smtp:x@y.z` → `eve@evil.test`, `x@y.z`.
pub fn addresses(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let is_part = |c: char| c.is_ascii_alphanumeric() || "._%+-'".contains(c);
    for (at, _) in text.match_indices('@') {
        let before = text.get(..at).unwrap_or("");
        let after = text.get(at + 1..).unwrap_or("");
        let local: String = before.chars().rev().take_while(|c| is_part(*c)).collect::<Vec<_>>().into_iter().rev().collect();
        let domain: String = after.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-').collect();
        let local = local.trim_start_matches(['.', '\'']);
        let domain = domain.trim_end_matches('.');
        if local.is_empty() || !domain.contains('.') {
            continue;
        }
        let address = format!("{local}@{domain}").to_ascii_lowercase();
        if !out.contains(&address) {
            out.push(address);
        }
    }
    out
}

/// The domain of an address, lower-cased.
pub fn domain_of(address: &str) -> Option<String> {
    address.rsplit_once('@').map(|(_, d)| d.trim().to_ascii_lowercase()).filter(|d| !d.is_empty())
}

/// `Jane Doe (jane@contoso.com)` → (`Jane Doe`, `jane@contoso.com`); a
/// bare name or address stays as it is.
pub fn name_and_address(text: &str) -> (String, Option<String>) {
    let t = text.trim();
    if let Some(open) = t.rfind('(') {
        let inner = t.get(open + 1..).unwrap_or("").trim_end_matches(')');
        if let Some(address) = addresses(inner).into_iter().next() {
            return (t.get(..open).unwrap_or("").trim().to_string(), Some(address));
        }
    }
    let address = addresses(t).into_iter().next();
    (t.to_string(), address)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_in_english_and_german() {
        assert_eq!(flag("True"), Some(true));
        assert_eq!(flag("FALSCH"), Some(false));
        assert_eq!(flag("-"), None);
    }

    #[test]
    fn lists_in_every_spelling() {
        assert_eq!(list("{invoice, payment}", false), vec!["invoice", "payment"]);
        assert_eq!(list("invoice, payment", true), vec!["invoice", "payment"]);
        assert_eq!(list("a; b\r\nc", false), vec!["a", "b", "c"]);
        assert!(list("System.Object[]", false).is_empty());
        assert!(is_flattened("System.Object[]") && !is_flattened("System update"));
    }

    #[test]
    fn recipients_become_addresses() {
        assert_eq!(addresses("\"Eve\" [SMTP:Eve@Evil.test]; smtp:x@y.z; EX:/o=ExchangeLabs/ou=x"), vec!["eve@evil.test", "x@y.z"]);
        assert!(addresses("no address here @ all").is_empty());
        assert_eq!(name_and_address("Jane Doe (jane@contoso.com)"), ("Jane Doe".to_string(), Some("jane@contoso.com".to_string())));
        assert_eq!(name_and_address("S-1-5-21").1, None);
    }
}
