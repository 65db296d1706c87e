//! The timeline's query language: parsing to a `Query` and writing it back
//! as canonical text. Evaluation against the store is in `eval`.
//!
//! A query is whitespace-separated terms that must all match:
//! - `field:value` — `user:` (actor or target), `actor:`, `target:`, `ip:`,
//!   `op:`, `country:`, `city:`, `app:`, `ua:`, `source:`, `outcome:`,
//!   `file:`, `asn:`; any other `Name:value` matches the event attribute `Name`.
//!   `country:` and `city:` also match locations from loaded IP databases
//!   for events whose log gave none; `asn:` (a number, `AS64500`, or part of
//!   the network's name) matches only what the IP databases say.
//! - free text — matches any text field or attribute value.
//! - `after:T`, `before:T`, `time:START..END` — UTC times.
//! - `ioc` — any value equal to a marked indicator.
//! - `tag:T` — events the analyst tagged T (`tag:*` any tag), `note:text`
//!   — events whose analyst note contains the text, `bookmarked` —
//!   bookmarked events. These read the case's annotations (`EvalContext`).
//!
//! A leading `-` negates a term, `,` separates alternatives (`op:A,B`),
//! `"…"` quotes a value (`\"` and `\\` inside quotes), and `*` is a wildcard
//! that makes the value match the whole text (`user:*@evil.example`).
//! Without `*`, values match as case-insensitive substrings, except
//! `source:`/`outcome:` (keys) and `ip:` (exact, `10.1.` prefix, CIDR).

use crate::model::{parse_rfc3339_utc, Outcome, Source, TimeMs};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};
use std::fmt;

/// Names the query language knows besides attribute names, for messages.
pub const KNOWN_FIELDS: &[&str] =
    &["user", "actor", "target", "ip", "op", "country", "city", "asn", "app", "ua", "source", "outcome", "file", "tag", "note", "after", "before", "time"];

/// What a `field:value` term looks at.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    /// Actor or target.
    User,
    Actor,
    Target,
    Ip,
    Op,
    Country,
    City,
    /// Autonomous system of the IP, from loaded IP databases.
    Asn,
    App,
    /// User agent.
    Ua,
    Source,
    Outcome,
    /// Name of the loaded file.
    File,
    /// A tag the analyst put on the event.
    Tag,
    /// The analyst's note on the event.
    Note,
    /// An event attribute, by key (matched case-insensitively).
    Attr(String),
}

impl Field {
    /// The field a name refers to; names that are not built in are attributes.
    pub fn from_name(name: &str) -> Field {
        match name.to_ascii_lowercase().as_str() {
            "user" | "users" | "account" => Field::User,
            "actor" => Field::Actor,
            "target" => Field::Target,
            "ip" => Field::Ip,
            "op" | "operation" => Field::Op,
            "country" => Field::Country,
            "city" => Field::City,
            "asn" => Field::Asn,
            "app" => Field::App,
            "ua" | "useragent" | "user_agent" => Field::Ua,
            "source" => Field::Source,
            "outcome" => Field::Outcome,
            "file" => Field::File,
            "tag" | "tags" => Field::Tag,
            "note" | "notes" => Field::Note,
            _ => Field::Attr(name.to_string()),
        }
    }

    /// The canonical name, as written in query text.
    pub fn name(&self) -> &str {
        match self {
            Field::User => "user",
            Field::Actor => "actor",
            Field::Target => "target",
            Field::Ip => "ip",
            Field::Op => "op",
            Field::Country => "country",
            Field::City => "city",
            Field::Asn => "asn",
            Field::App => "app",
            Field::Ua => "ua",
            Field::Source => "source",
            Field::Outcome => "outcome",
            Field::File => "file",
            Field::Tag => "tag",
            Field::Note => "note",
            Field::Attr(name) => name,
        }
    }
}

/// What one term asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TermKind {
    /// `field:v1,v2` — any of the values. Source and outcome values are
    /// stored as their canonical keys.
    Match { field: Field, values: Vec<String> },
    /// Free text, any of the values.
    Text(Vec<String>),
    /// At or after this time.
    After(TimeMs),
    /// Strictly before this time.
    Before(TimeMs),
    /// `time:START..END`: at or after start and before end.
    Between { start: Option<TimeMs>, end: Option<TimeMs> },
    /// Any value equal to one of the case's indicators.
    Ioc,
    /// Events the analyst bookmarked.
    Bookmarked,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    pub negated: bool,
    pub kind: TermKind,
    /// Char offset (0-based) of the term in the text it was parsed from.
    pub position: usize,
}

impl Term {
    fn is_time(&self) -> bool {
        matches!(self.kind, TermKind::After(_) | TermKind::Before(_) | TermKind::Between { .. })
    }

    fn is_single_match(&self, field: &Field, value: &str) -> bool {
        match &self.kind {
            TermKind::Match { field: f, values } => f.name().eq_ignore_ascii_case(field.name()) && values.len() == 1 && values[0].eq_ignore_ascii_case(value),
            _ => false,
        }
    }
}

/// A parsed query: all terms must match. The empty query matches everything.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Query {
    pub terms: Vec<Term>,
}

/// Why query text could not be parsed or evaluated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryError {
    /// A sentence for the analyst.
    pub message: String,
    /// Char offset (0-based) in the query text where the problem is.
    pub position: usize,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for QueryError {}

fn error(position: usize, message: impl Into<String>) -> QueryError {
    QueryError { message: message.into(), position }
}

/// Parse query text.
pub fn parse(text: &str) -> Result<Query, QueryError> {
    let mut parser = Parser { chars: text.chars().collect(), pos: 0 };
    let mut terms = Vec::new();
    loop {
        parser.skip_space();
        if parser.pos >= parser.chars.len() {
            break;
        }
        terms.push(parser.term()?);
    }
    Ok(Query { terms })
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

/// A value with the char offset where it starts.
struct Value {
    text: String,
    position: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, pos: usize) -> Option<char> {
        self.chars.get(pos).copied()
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn term(&mut self) -> Result<Term, QueryError> {
        let position = self.pos;
        let mut negated = false;
        if self.peek() == Some('-') {
            if ends_term(self.peek_at(self.pos + 1)) {
                return Err(error(position, format!("a lone '-' at column {} must be followed by a term to exclude, e.g. -op:Send", position + 1)));
            }
            negated = true;
            self.pos += 1;
        }
        let body = self.pos;
        let mut word_end = body;
        while self.peek_at(word_end).is_some_and(|c| !c.is_whitespace()) {
            word_end += 1;
        }
        let word: String = self.chars[body..word_end].iter().collect();
        let kind = if let Some(name) = field_name(&word) {
            self.pos = body + name.chars().count() + 1;
            self.field_term(&name, body)?
        } else if word.eq_ignore_ascii_case("ioc") {
            self.pos = word_end;
            TermKind::Ioc
        } else if word.eq_ignore_ascii_case("bookmarked") {
            self.pos = word_end;
            TermKind::Bookmarked
        } else {
            let values = self.values()?;
            TermKind::Text(values.into_iter().map(|v| v.text).collect())
        };
        Ok(Term { negated, kind, position })
    }

    fn field_term(&mut self, name: &str, name_pos: usize) -> Result<TermKind, QueryError> {
        let lower = name.to_ascii_lowercase();
        let values = self.values()?;
        let Some(first) = values.first() else {
            let example = match lower.as_str() {
                "after" | "before" => "2026-03-01T10:00Z",
                "time" => "2026-03-01T10:00Z..2026-03-01T12:00Z",
                "ip" => "203.0.113.7",
                "source" => "signin",
                "outcome" => "failure",
                "op" => "New-InboxRule",
                _ => "alice@contoso.com",
            };
            return Err(error(name_pos, format!("'{name}:' at column {} needs a value, e.g. {lower}:{example}", name_pos + 1)));
        };
        if matches!(lower.as_str(), "after" | "before" | "time") {
            if let Some(extra) = values.get(1) {
                return Err(error(extra.position, format!("{lower}: takes one time, not a list (column {})", extra.position + 1)));
            }
            return time_term(&lower, first);
        }
        let field = Field::from_name(name);
        let mut texts = Vec::with_capacity(values.len());
        for value in values {
            texts.push(match field {
                Field::Source => match Source::from_key(&value.text) {
                    Some(s) => s.key().to_string(),
                    None => {
                        let keys: Vec<&str> = Source::ALL.iter().map(|s| s.key()).collect();
                        let (last, rest) = keys.split_last().map_or(("", &[][..]), |(l, r)| (*l, r));
                        return Err(error(value.position, format!("unknown source '{}' in source: — use {} or {last}", value.text, rest.join(", "))));
                    }
                },
                Field::Outcome => match Outcome::from_key(&value.text) {
                    Some(o) => o.key().to_string(),
                    None => {
                        return Err(error(value.position, format!("unknown outcome '{}' in outcome: — use success, failure, interrupted or unknown", value.text)))
                    }
                },
                Field::Ip if value.text.contains('/') => {
                    if parse_cidr(&value.text).is_none() {
                        return Err(error(value.position, format!("bad network '{}' in ip: — use 203.0.113.0/24 or 2001:db8::/32", value.text)));
                    }
                    value.text
                }
                _ => value.text,
            });
        }
        Ok(TermKind::Match { field, values: texts })
    }

    /// A comma-separated list of bare or quoted values, up to whitespace.
    fn values(&mut self) -> Result<Vec<Value>, QueryError> {
        let mut values = Vec::new();
        loop {
            let position = self.pos;
            let text = if self.peek() == Some('"') {
                self.quoted()?
            } else {
                let mut text = String::new();
                while let Some(c) = self.peek().filter(|c| !c.is_whitespace() && *c != ',') {
                    text.push(c);
                    self.pos += 1;
                }
                text
            };
            let comma = self.peek() == Some(',');
            if text.is_empty() && (comma || !values.is_empty()) {
                return Err(error(position, format!("empty value at column {} in a comma list; remove the extra comma", position + 1)));
            }
            if !text.is_empty() {
                values.push(Value { text, position });
            }
            if !comma {
                return Ok(values);
            }
            self.pos += 1;
        }
    }

    /// A `"…"` value; the parser is on the opening quote.
    fn quoted(&mut self) -> Result<String, QueryError> {
        let open = self.pos;
        self.pos += 1;
        let mut text = String::new();
        loop {
            match self.peek() {
                None => return Err(error(open, format!("unclosed quote starting at column {}", open + 1))),
                Some('"') => {
                    self.pos += 1;
                    break;
                }
                Some('\\') if matches!(self.peek_at(self.pos + 1), Some('"' | '\\')) => {
                    text.extend(self.peek_at(self.pos + 1));
                    self.pos += 2;
                }
                Some(c) => {
                    text.push(c);
                    self.pos += 1;
                }
            }
        }
        match self.peek() {
            Some(c) if !c.is_whitespace() && c != ',' => Err(error(
                self.pos,
                format!("unexpected '{c}' right after the closing quote at column {}; put a space between terms", self.pos + 1),
            )),
            _ => Ok(text),
        }
    }
}

/// End of input or whitespace: where a term ends.
fn ends_term(c: Option<char>) -> bool {
    match c {
        None => true,
        Some(c) => c.is_whitespace(),
    }
}

/// The field name if `word` is a `name:value` term. Words that merely
/// contain a colon — IPv6 addresses, URLs — are free text.
fn field_name(word: &str) -> Option<String> {
    let (name, rest) = word.split_once(':')?;
    let mut chars = name.chars();
    let first = chars.next()?;
    let identifier = (first.is_alphabetic() || first == '_') && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-'));
    let ipv6_like = name.len() <= 4 && name.chars().all(|c| c.is_ascii_hexdigit()) && (rest.starts_with(':') || rest.contains(':'));
    (identifier && !ipv6_like && !rest.starts_with("//")).then(|| name.to_string())
}

fn time_term(field: &str, value: &Value) -> Result<TermKind, QueryError> {
    let bad = |text: &str, position: usize| error(position, format!("bad time '{text}' in {field}: — use 2026-03-01 or 2026-03-01T10:00Z"));
    match field {
        "after" => parse_time(&value.text).map(TermKind::After).ok_or_else(|| bad(&value.text, value.position)),
        "before" => parse_time(&value.text).map(TermKind::Before).ok_or_else(|| bad(&value.text, value.position)),
        _ => {
            let Some((a, b)) = value.text.split_once("..") else {
                return Err(error(value.position, format!("time: needs START..END, e.g. time:2026-03-01T10:00Z..2026-03-01T12:00Z (got '{}')", value.text)));
            };
            let side = |s: &str, offset: usize| -> Result<Option<TimeMs>, QueryError> {
                if s.is_empty() {
                    return Ok(None);
                }
                parse_time(s).map(Some).ok_or_else(|| bad(s, value.position + offset))
            };
            let start = side(a, 0)?;
            let end = side(b, a.chars().count() + 2)?;
            if start.is_none() && end.is_none() {
                return Err(error(value.position, "time: needs at least a start or an end, e.g. time:2026-03-01..2026-03-02"));
            }
            Ok(TermKind::Between { start, end })
        }
    }
}

/// A UTC time written as RFC 3339, `YYYY-MM-DD`, or `YYYY-MM-DDTHH:MM[:SS[.fff]][Z]`.
pub fn parse_time(text: &str) -> Option<TimeMs> {
    let text = text.trim();
    if let Some(ms) = parse_rfc3339_utc(text) {
        return Some(ms);
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis());
    }
    let bare = text.strip_suffix(['Z', 'z']).unwrap_or(text);
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(bare, f).ok())
        .map(|t| t.and_utc().timestamp_millis())
}

/// The shortest query text for a time: a date at midnight, else minutes,
/// seconds or milliseconds as needed.
pub fn format_time(ms: TimeMs) -> String {
    let Some(t) = DateTime::<Utc>::from_timestamp_millis(ms) else { return ms.to_string() };
    if (0..=9999).contains(&t.year()) {
        return format_time_digits(&t, ms);
    }
    let pattern = if ms.rem_euclid(86_400_000) == 0 {
        "%Y-%m-%d"
    } else if ms.rem_euclid(60_000) == 0 {
        "%Y-%m-%dT%H:%MZ"
    } else if ms.rem_euclid(1000) == 0 {
        "%Y-%m-%dT%H:%M:%SZ"
    } else {
        "%Y-%m-%dT%H:%M:%S%.3fZ"
    };
    t.format(pattern).to_string()
}

/// `format_time` for years of four digits, written directly: every
/// finding's query has two times, and parsing a strftime pattern for each
/// cost more than the rest of the query.
fn format_time_digits(t: &DateTime<Utc>, ms: TimeMs) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(24);
    let _ = write!(out, "{:04}-{:02}-{:02}", t.year(), t.month(), t.day());
    if ms.rem_euclid(86_400_000) == 0 {
        return out;
    }
    let _ = write!(out, "T{:02}:{:02}", t.hour(), t.minute());
    if ms.rem_euclid(60_000) != 0 {
        let _ = write!(out, ":{:02}", t.second());
        if ms.rem_euclid(1000) != 0 {
            let _ = write!(out, ".{:03}", ms.rem_euclid(1000));
        }
    }
    out.push('Z');
    out
}

/// A network in CIDR notation: address and prefix length.
pub fn parse_cidr(text: &str) -> Option<(std::net::IpAddr, u8)> {
    let (addr, bits) = text.split_once('/')?;
    let addr: std::net::IpAddr = addr.parse().ok()?;
    let bits: u8 = bits.parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    (bits <= max).then_some((addr, bits))
}

/// Write a value so that it parses back to itself.
fn write_value(f: &mut fmt::Formatter<'_>, value: &str, free_text: bool) -> fmt::Result {
    let needs_quotes = value.is_empty()
        || value.contains('"')
        || value.chars().any(|c| c.is_whitespace() || c == ',')
        || (free_text && (value.contains(':') || value.starts_with('-') || value.eq_ignore_ascii_case("ioc")));
    if !needs_quotes {
        return f.write_str(value);
    }
    f.write_str("\"")?;
    for c in value.chars() {
        if matches!(c, '"' | '\\') {
            f.write_str("\\")?;
        }
        write!(f, "{c}")?;
    }
    f.write_str("\"")
}

fn write_values(f: &mut fmt::Formatter<'_>, values: &[String], free_text: bool) -> fmt::Result {
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            f.write_str(",")?;
        }
        write_value(f, value, free_text)?;
    }
    Ok(())
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negated {
            f.write_str("-")?;
        }
        match &self.kind {
            TermKind::Match { field, values } => {
                write!(f, "{}:", field.name())?;
                write_values(f, values, false)
            }
            TermKind::Text(values) => write_values(f, values, true),
            TermKind::After(t) => write!(f, "after:{}", format_time(*t)),
            TermKind::Before(t) => write!(f, "before:{}", format_time(*t)),
            TermKind::Between { start, end } => {
                write!(f, "time:{}..{}", start.map(format_time).unwrap_or_default(), end.map(format_time).unwrap_or_default())
            }
            TermKind::Ioc => f.write_str("ioc"),
            TermKind::Bookmarked => f.write_str("bookmarked"),
        }
    }
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, term) in self.terms.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{term}")?;
        }
        Ok(())
    }
}

impl Query {
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    fn with_terms(&self, keep: impl Fn(&Term) -> bool, add: Option<Term>) -> String {
        let mut terms: Vec<Term> = self.terms.iter().filter(|t| keep(t)).cloned().collect();
        terms.extend(add);
        Query { terms }.to_string()
    }

    /// The query text with `field:value` added (e.g. after a facet click).
    /// A term for the same single value, included or excluded, is replaced.
    pub fn with_term(&self, field: Field, value: &str) -> String {
        self.with_single(field, value, false)
    }

    /// Whether the query holds `field:value` on its own as an included term
    /// (a facet value that is already picked).
    pub fn includes_term(&self, field: &Field, value: &str) -> bool {
        self.terms.iter().any(|t| !t.negated && t.is_single_match(field, value))
    }

    /// The query text with `-field:value` added, replacing any term for the
    /// same single value.
    pub fn with_excluded_term(&self, field: Field, value: &str) -> String {
        self.with_single(field, value, true)
    }

    fn with_single(&self, field: Field, value: &str, negated: bool) -> String {
        let added = Term { negated, kind: TermKind::Match { values: vec![value.to_string()], field: field.clone() }, position: 0 };
        self.with_terms(|t| !t.is_single_match(&field, value), Some(added))
    }

    /// The query text without terms for exactly `field:value` (included or
    /// excluded). Lists of several values are left alone.
    pub fn without_term(&self, field: Field, value: &str) -> String {
        self.with_terms(|t| !t.is_single_match(&field, value), None)
    }

    /// The query text with its time terms replaced by `time:start..end`
    /// (e.g. after selecting a span on the histogram).
    pub fn with_time_range(&self, start: TimeMs, end: TimeMs) -> String {
        let added = Term { negated: false, kind: TermKind::Between { start: Some(start), end: Some(end) }, position: 0 };
        self.with_terms(|t| !t.is_time(), Some(added))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_are_written_as_the_strftime_patterns_write_them() {
        use chrono::{DateTime, Utc};
        let chrono_form = |ms: i64| {
            let t = DateTime::<Utc>::from_timestamp_millis(ms).expect("time");
            let pattern = match ms {
                _ if ms.rem_euclid(86_400_000) == 0 => "%Y-%m-%d",
                _ if ms.rem_euclid(60_000) == 0 => "%Y-%m-%dT%H:%MZ",
                _ if ms.rem_euclid(1000) == 0 => "%Y-%m-%dT%H:%M:%SZ",
                _ => "%Y-%m-%dT%H:%M:%S%.3fZ",
            };
            t.format(pattern).to_string()
        };
        let mut ms: i64 = -62_167_219_200_000; // year 0
        while ms < 253_402_300_800_000 {
            for t in [ms, ms + 1, ms + 999, ms + 1000, ms + 60_000, ms + 86_400_000, ms + 3_723_004] {
                assert_eq!(super::format_time(t), chrono_form(t), "{t}");
            }
            ms += 7_777_777_777_777 / 100;
        }
        assert_eq!(super::format_time(1_772_359_200_001), "2026-03-01T10:00:00.001Z");
        assert_eq!(super::format_time(253_402_300_800_000), chrono_form(253_402_300_800_000), "year 10000");
    }

    #[test]
    fn includes_term_sees_only_a_lone_included_value() {
        let q = super::parse("user:alice -ip:192.0.2.1 op:Send,New-InboxRule").unwrap();
        assert!(q.includes_term(&super::Field::User, "ALICE"));
        assert!(!q.includes_term(&super::Field::Ip, "192.0.2.1"), "excluded, not included");
        assert!(!q.includes_term(&super::Field::Op, "Send"), "part of a list");
        assert_eq!(q.without_term(super::Field::User, "alice"), "-ip:192.0.2.1 op:Send,New-InboxRule");
    }

    use super::*;

    fn one(text: &str) -> Term {
        let q = parse(text).unwrap();
        assert_eq!(q.terms.len(), 1, "{text}");
        q.terms.into_iter().next().unwrap()
    }

    fn matched(field: Field, values: &[&str]) -> TermKind {
        TermKind::Match { field, values: values.iter().map(|v| v.to_string()).collect() }
    }

    fn err(text: &str) -> QueryError {
        parse(text).unwrap_err()
    }

    const T_0301: TimeMs = 1_772_323_200_000; // 2026-03-01T00:00Z

    #[test]
    fn parses_every_field() {
        let cases = [
            ("user:alice", Field::User),
            ("actor:alice", Field::Actor),
            ("target:alice", Field::Target),
            ("ip:10.0.0.1", Field::Ip),
            ("op:Send", Field::Op),
            ("operation:Send", Field::Op),
            ("country:FR", Field::Country),
            ("city:Paris", Field::City),
            ("asn:AS64500", Field::Asn),
            ("app:Outlook", Field::App),
            ("ua:curl", Field::Ua),
            ("file:ual.csv", Field::File),
            ("USER:alice", Field::User),
        ];
        for (text, field) in cases {
            let term = one(text);
            let TermKind::Match { field: got, .. } = term.kind else { panic!("{text}") };
            assert_eq!(got, field, "{text}");
        }
        assert_eq!(one("Param.ForwardTo:evil.example").kind, matched(Field::Attr("Param.ForwardTo".into()), &["evil.example"]));
        assert_eq!(one("source:SignIn").kind, matched(Field::Source, &["signin"]));
        assert_eq!(one("source:m365").kind, matched(Field::Source, &["ual"]));
        assert_eq!(one("outcome:failed").kind, matched(Field::Outcome, &["failure"]));
    }

    #[test]
    fn parses_free_text_ioc_negation_and_lists() {
        assert_eq!(one("invoice").kind, TermKind::Text(vec!["invoice".into()]));
        assert_eq!(one("IOC").kind, TermKind::Ioc);
        assert_eq!(one("\"ioc\"").kind, TermKind::Text(vec!["ioc".into()]));
        let neg = one("-outcome:success");
        assert!(neg.negated);
        assert_eq!(neg.kind, matched(Field::Outcome, &["success"]));
        assert!(one("-ioc").negated);
        assert_eq!(one("op:New-InboxRule,Set-InboxRule").kind, matched(Field::Op, &["New-InboxRule", "Set-InboxRule"]));
        let q = parse("  op:Send   -ip:10.  invoice ").unwrap();
        assert_eq!(q.terms.len(), 3);
        assert_eq!(q.terms.iter().map(|t| t.position).collect::<Vec<_>>(), vec![2, 12, 21]);
    }

    #[test]
    fn parses_quoted_values() {
        assert_eq!(one("user:\"a b\"").kind, matched(Field::User, &["a b"]));
        assert_eq!(one("op:\"Add member, role\",Send").kind, matched(Field::Op, &["Add member, role", "Send"]));
        assert_eq!(one(r#""say \"hi\" \\ C:\Users""#).kind, TermKind::Text(vec![r#"say "hi" \ C:\Users"#.into()]));
        assert_eq!(one("-\"a:b\"").kind, TermKind::Text(vec!["a:b".into()]));
    }

    #[test]
    fn colons_in_addresses_and_urls_are_free_text() {
        assert_eq!(one("fe80::1").kind, TermKind::Text(vec!["fe80::1".into()]));
        assert_eq!(one("2001:db8::5").kind, TermKind::Text(vec!["2001:db8::5".into()]));
        assert_eq!(one("https://evil.example/x").kind, TermKind::Text(vec!["https://evil.example/x".into()]));
        assert_eq!(one("ip:2001:db8::/32").kind, matched(Field::Ip, &["2001:db8::/32"]));
    }

    #[test]
    fn parses_times() {
        assert_eq!(one("after:2026-03-01").kind, TermKind::After(T_0301));
        assert_eq!(one("after:2026-03-01T10:00Z").kind, TermKind::After(T_0301 + 10 * 3_600_000));
        assert_eq!(one("before:2026-03-01T10:00").kind, TermKind::Before(T_0301 + 10 * 3_600_000));
        assert_eq!(one("before:2026-03-01T11:00:00+01:00").kind, TermKind::Before(T_0301 + 10 * 3_600_000));
        assert_eq!(one("after:2026-03-01T10:00:05.250Z").kind, TermKind::After(T_0301 + 36_005_250));
        assert_eq!(
            one("time:2026-03-01..2026-03-02T06:30Z").kind,
            TermKind::Between { start: Some(T_0301), end: Some(T_0301 + 86_400_000 + 6 * 3_600_000 + 1_800_000) }
        );
        assert_eq!(one("time:..2026-03-01").kind, TermKind::Between { start: None, end: Some(T_0301) });
    }

    #[test]
    fn errors_say_what_and_where() {
        let e = err("user:\"a b");
        assert_eq!((e.message.as_str(), e.position), ("unclosed quote starting at column 6", 5));
        let e = err("op:Send after:yesterday");
        assert_eq!(e.message, "bad time 'yesterday' in after: — use 2026-03-01 or 2026-03-01T10:00Z");
        assert_eq!(e.position, 14);
        let e = err("time:2026-03-01..tomorrow");
        assert_eq!((e.message.as_str(), e.position), ("bad time 'tomorrow' in time: — use 2026-03-01 or 2026-03-01T10:00Z", 17));
        let e = err("source:splunk");
        assert_eq!((e.message.as_str(), e.position), ("unknown source 'splunk' in source: — use signin, audit, ual, azure, cloudtrail, gcp, graph, trace or risk", 7));
        assert_eq!(err("outcome:maybe").position, 8);
        let e = err("ip:203.0.113.0/33");
        assert_eq!(e.message, "bad network '203.0.113.0/33' in ip: — use 203.0.113.0/24 or 2001:db8::/32");
        let e = err("op:Send user:");
        assert_eq!((e.message.as_str(), e.position), ("'user:' at column 9 needs a value, e.g. user:alice@contoso.com", 8));
        assert_eq!(err("op:a,,b").position, 5);
        assert_eq!(err("x - y").position, 2);
        assert_eq!(err("\"a\"b").position, 3);
        assert_eq!(err("after:2026-03-01,2026-03-02").position, 17);
        assert!(err("time:2026-03-01").message.starts_with("time: needs START..END"));
    }

    #[test]
    fn display_is_canonical_and_round_trips() {
        let text = "Operation:Send  -OUTCOME:ok user:\"a b\",c*d \"-x\" \"k:v\" \"ioc\" ioc after:2026-03-01T10:00:00Z before:2026-03-02 time:2026-03-01T10:00:05.5Z.. ip:10.0.0.0/8 Param.ForwardTo:\"q\\\"uote\"";
        let q = parse(text).unwrap();
        let canonical = q.to_string();
        assert_eq!(
            canonical,
            "op:Send -outcome:success user:\"a b\",c*d \"-x\" \"k:v\" \"ioc\" ioc after:2026-03-01T10:00Z before:2026-03-02 time:2026-03-01T10:00:05.500Z.. ip:10.0.0.0/8 Param.ForwardTo:\"q\\\"uote\""
        );
        let again = parse(&canonical).unwrap();
        assert_eq!(again.to_string(), canonical);
        assert_eq!(again.terms.iter().map(|t| &t.kind).collect::<Vec<_>>(), q.terms.iter().map(|t| &t.kind).collect::<Vec<_>>());
    }

    #[test]
    fn helpers_edit_query_text() {
        let q = parse("op:Send -user:bob after:2026-03-01").unwrap();
        assert_eq!(q.with_term(Field::User, "bob"), "op:Send after:2026-03-01 user:bob");
        assert_eq!(q.with_term(Field::Ip, "203.0.113.7"), "op:Send -user:bob after:2026-03-01 ip:203.0.113.7");
        assert_eq!(q.with_term(Field::Attr("Param.Name".into()), "x y"), "op:Send -user:bob after:2026-03-01 Param.Name:\"x y\"");
        assert_eq!(q.with_excluded_term(Field::Op, "send"), "-user:bob after:2026-03-01 -op:send");
        assert_eq!(q.without_term(Field::User, "BOB"), "op:Send after:2026-03-01");
        assert_eq!(q.with_time_range(T_0301, T_0301 + 3_600_000), "op:Send -user:bob time:2026-03-01..2026-03-01T01:00Z");
        assert_eq!(Query::default().with_term(Field::Source, "signin"), "source:signin");
    }
}
