//! Evaluating a `Query` against the store.
//!
//! Each string term is first turned into the set of matching symbols by
//! scanning the column's dictionary once (lower-cased text is cached there),
//! so the per-row work is a bitset lookup. Time terms narrow the row range by
//! binary search on the sorted time column. Terms then run one after the
//! other, cheapest first, each over the rows the previous ones kept.

use super::attrs::{AttrValue, ByteSet, ScanPlan};
use super::enriched::parse_ip_loosely;
use super::event_store::{EventStore, TextColumn};
use super::interner::{lowered, Interner, SymSet, EMPTY};
use super::query::{parse_cidr, Field, Query, QueryError, TermKind, KNOWN_FIELDS};
use crate::model::{Outcome, Source, TimeMs};
use std::collections::{BTreeMap, HashSet};
use std::net::IpAddr;

/// What evaluation needs from outside the store.
#[derive(Clone, Debug, Default)]
pub struct EvalContext {
    /// The case's marked indicators (IPs, accounts, user agents, app ids…)
    /// for the `ioc` term. Empty: `ioc` matches nothing.
    pub indicators: Vec<String>,
    /// The analyst's annotations on events, by row, for `tag:`, `note:`
    /// and `bookmarked`. Rows not here have none.
    pub annotations: BTreeMap<u32, RowAnnotation>,
}

/// What the analyst recorded on one event, as the query language sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RowAnnotation {
    pub tags: Vec<String>,
    pub note: String,
    pub bookmarked: bool,
}

/// How one value matches a lower-cased text.
enum Pattern {
    Substring(String),
    /// `*` wildcards; the pieces between them, matched over the whole text.
    Glob(Vec<String>),
    Exact(String),
    Prefix(String),
    Network(IpAddr, u8),
}

impl Pattern {
    fn general(value: &str) -> Pattern {
        let lower = value.to_lowercase();
        if lower.contains('*') {
            Pattern::Glob(lower.split('*').map(str::to_string).collect())
        } else {
            Pattern::Substring(lower)
        }
    }

    fn ip(value: &str) -> Pattern {
        let lower = value.to_lowercase();
        if let Some((addr, bits)) = parse_cidr(&lower) {
            Pattern::Network(addr, bits)
        } else if lower.contains('*') {
            Pattern::general(&lower)
        } else if lower.ends_with('.') || lower.ends_with(':') {
            Pattern::Prefix(lower)
        } else {
            Pattern::Exact(lower)
        }
    }

    /// Texts a matching text must contain, when the pattern says
    /// (`None`: an address pattern, which reads the text as an address).
    fn needs(&self) -> Option<&[String]> {
        match self {
            Pattern::Substring(p) | Pattern::Exact(p) | Pattern::Prefix(p) => Some(std::slice::from_ref(p)),
            Pattern::Glob(parts) => Some(parts),
            Pattern::Network(..) => None,
        }
    }

    fn matches(&self, text: &str) -> bool {
        match self {
            Pattern::Substring(p) => text.contains(p.as_str()),
            Pattern::Exact(p) => text == p,
            Pattern::Prefix(p) => text.starts_with(p.as_str()),
            Pattern::Glob(parts) => glob_matches(parts, text),
            Pattern::Network(net, bits) => parse_ip_loosely(text).is_some_and(|ip| in_network(ip, *net, *bits)),
        }
    }
}

/// The annotated rows (sorted) whose annotation passes `keep`.
fn annotated_rows(ctx: &EvalContext, keep: impl Fn(&RowAnnotation) -> bool) -> Test {
    Test::Rows(ctx.annotations.iter().filter(|(_, a)| keep(a)).map(|(&row, _)| row).collect())
}

fn glob_matches(parts: &[String], text: &str) -> bool {
    let [first, middle @ .., last] = parts else {
        return parts.first().is_some_and(|p| p == text);
    };
    let Some(mut rest) = text.strip_prefix(first.as_str()) else { return false };
    for piece in middle {
        match rest.find(piece.as_str()) {
            Some(i) => rest = &rest[i + piece.len()..],
            None => return false,
        }
    }
    rest.ends_with(last.as_str())
}

fn in_network(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - u32::from(bits)) };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - u32::from(bits)) };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// Symbols of `dict` (other than "") whose lower-cased text any pattern matches.
fn matching_symbols(dict: &Interner, patterns: &[Pattern]) -> SymSet {
    let mut set = SymSet::with_capacity(dict.len());
    for (sym, text) in dict.iter_lower() {
        if sym != EMPTY && patterns.iter().any(|p| p.matches(text)) {
            set.insert(sym);
        }
    }
    set
}

/// A compiled term: what a row must satisfy.
enum Test {
    Always(bool),
    /// Any of these text columns holds a symbol in its set, or (when
    /// `attrs` is given) an attribute pair matches.
    Text { columns: Vec<(usize, SymSet)>, attrs: Option<AttrTest> },
    /// Bit `i` set: `Source::ALL[i]` / `Outcome::ALL[i]` matches.
    Source(u32),
    Outcome(u8),
    File(Vec<u16>),
    /// start ≤ time < end.
    Time(TimeMs, TimeMs),
    /// The row's location: the log's value in `column` is in `set`, or the
    /// log gave no location and the IP's database place is in `ips`.
    Located { column: usize, set: SymSet, ips: SymSet },
    /// The row's IP symbol is in the set (database networks).
    Ips(SymSet),
    /// The row is one of these (sorted): annotation terms.
    Rows(Vec<u32>),
}

struct AttrTest {
    /// `None`: any key.
    keys: Option<SymSet>,
    /// Matching symbols of the value dictionary.
    values: SymSet,
    /// Which templates match and which holes to read.
    plan: ScanPlan,
    /// How a value a row keeps as text matches.
    text: TextMatch,
}

/// How an attribute value kept as text (not in the dictionary) matches:
/// lower-cased as the dictionary's are, and never when empty.
enum TextMatch {
    Patterns(Vec<Pattern>),
    Among(HashSet<String>),
}

impl TextMatch {
    fn matches(&self, text: &str) -> bool {
        if text.is_empty() {
            return false;
        }
        let lower = lowered(text);
        match self {
            TextMatch::Patterns(patterns) => patterns.iter().any(|p| p.matches(&lower)),
            TextMatch::Among(wanted) => wanted.contains(lower.as_ref()),
        }
    }

    /// Whether a text made of these bytes (lower-cased) could match.
    fn may_match(&self, bytes: &ByteSet) -> bool {
        match self {
            TextMatch::Patterns(patterns) => patterns.iter().any(|p| p.needs().is_none_or(|needed| needed.iter().all(|n| bytes.has_all(n.as_bytes())))),
            TextMatch::Among(wanted) => wanted.iter().any(|w| bytes.has_all(w.as_bytes())),
        }
    }
}

impl EventStore {
    /// The error `filter` would give for the query, found without running
    /// it: the page checks a query before applying it and then filters
    /// once (running it twice cost a second pass over a million rows).
    /// Its only error, a field the store does not know, comes from
    /// compiling the terms.
    pub fn check(&self, query: &Query, ctx: &EvalContext) -> Result<(), QueryError> {
        for term in &query.terms {
            if !matches!(term.kind, TermKind::After(_) | TermKind::Before(_) | TermKind::Between { .. }) {
                self.compile(&term.kind, term.position, ctx)?;
            }
        }
        Ok(())
    }

    /// Rows (in time order) that match every term of the query.
    pub fn filter(&self, query: &Query, ctx: &EvalContext) -> Result<Vec<u32>, QueryError> {
        let (mut lo, mut hi) = (0usize, self.len());
        let mut tests = Vec::new();
        for term in &query.terms {
            let range = match term.kind {
                TermKind::After(t) => Some((t, TimeMs::MAX)),
                TermKind::Before(t) => Some((TimeMs::MIN, t)),
                TermKind::Between { start, end } => Some((start.unwrap_or(TimeMs::MIN), end.unwrap_or(TimeMs::MAX))),
                _ => None,
            };
            match range {
                Some((start, end)) if !term.negated => {
                    lo = lo.max(self.time.partition_point(|&t| t < start));
                    hi = hi.min(self.time.partition_point(|&t| t < end));
                }
                Some((start, end)) => tests.push((Test::Time(start, end), true)),
                None => tests.push((self.compile(&term.kind, term.position, ctx)?, term.negated)),
            }
        }
        if lo >= hi {
            return Ok(Vec::new());
        }
        // Cheapest and most selective first: later passes only see the rows kept.
        tests.sort_by(|a, b| self.run_order(a).partial_cmp(&self.run_order(b)).unwrap_or(std::cmp::Ordering::Equal));
        let mut rows: Option<Vec<u32>> = None;
        for (test, negated) in &tests {
            match test {
                Test::Always(all) => {
                    if *all == *negated {
                        return Ok(Vec::new());
                    }
                }
                Test::Source(mask) => narrow(&mut rows, lo, hi, *negated, |r| mask & (1u32 << self.source[r]) != 0),
                Test::Outcome(mask) => narrow(&mut rows, lo, hi, *negated, |r| mask & (1 << self.outcome[r]) != 0),
                Test::File(ids) => narrow(&mut rows, lo, hi, *negated, |r| ids.contains(&(self.file.at(r) as u16))),
                Test::Time(start, end) => narrow(&mut rows, lo, hi, *negated, |r| (*start..*end).contains(&self.time[r])),
                Test::Located { column, set, ips } => {
                    let (values, ip) = (&self.text[*column].rows, &self.text[TextColumn::Ip.index()].rows);
                    narrow(&mut rows, lo, hi, *negated, |r| set.contains(values.at(r)) || (ips.contains(ip.at(r)) && !self.log_has_location(r)))
                }
                Test::Ips(ips) => {
                    let ip = &self.text[TextColumn::Ip.index()].rows;
                    narrow(&mut rows, lo, hi, *negated, |r| ips.contains(ip.at(r)))
                }
                Test::Rows(wanted) => narrow(&mut rows, lo, hi, *negated, |r| wanted.binary_search(&(r as u32)).is_ok()),
                Test::Text { columns, attrs: None } if columns.len() == 1 => {
                    let (column, set) = &columns[0];
                    let symbols = &self.text[*column].rows;
                    let keep = |sym: u32| set.contains(sym) != *negated;
                    rows = Some(match rows.take() {
                        None => symbols.select(lo..hi, keep),
                        Some(kept) => symbols.select(kept.into_iter().map(|r| r as usize), keep),
                    });
                }
                Test::Text { columns, attrs } => {
                    let hits = self.column_hits(columns, rows.as_deref(), lo, hi);
                    match attrs {
                        None => narrow_marked(&mut rows, lo, hi, *negated, &hits, |_| false),
                        Some(attr) => narrow_marked(&mut rows, lo, hi, *negated, &hits, |r| self.attr_matches(r as u32, attr)),
                    }
                }
            }
        }
        Ok(rows.unwrap_or_else(|| (lo as u32..hi as u32).collect()))
    }

    /// (cost class, estimated share of rows kept): constant tests, then
    /// one-column tests by how few rows they keep, then attribute scans.
    /// The share is guessed from the share of the column's distinct values
    /// that match, which is cheap and good at telling `user:bob` from `op:Send`.
    fn run_order(&self, (test, negated): &(Test, bool)) -> (u8, f64) {
        let (class, kept) = match test {
            Test::Always(_) => (0, 0.0),
            Test::Source(_) | Test::Outcome(_) | Test::Time(..) | Test::File(_) => (1, 0.5),
            Test::Text { columns, attrs } => {
                let kept: f64 = columns.iter().map(|(c, set)| set.count() as f64 / self.text[*c].dict.len().max(1) as f64).sum();
                (if attrs.is_some() { 2 } else { 1 }, kept.min(1.0))
            }
            Test::Located { column, set, ips } => {
                let ip_share = ips.count() as f64 / self.text[TextColumn::Ip.index()].dict.len().max(1) as f64;
                (1, (set.count() as f64 / self.text[*column].dict.len().max(1) as f64 + ip_share).min(1.0))
            }
            Test::Ips(ips) => (1, ips.count() as f64 / self.text[TextColumn::Ip.index()].dict.len().max(1) as f64),
            Test::Rows(wanted) => (0, wanted.len() as f64 / self.len().max(1) as f64),
        };
        (class, if *negated { 1.0 - kept } else { kept })
    }

    /// For each candidate row (`rows`, or `lo..hi` before any test ran):
    /// whether one of `columns` holds a symbol of that column's set. Column
    /// by column, so each loop reads one column in its own width.
    fn column_hits(&self, columns: &[(usize, SymSet)], rows: Option<&[u32]>, lo: usize, hi: usize) -> Vec<bool> {
        let mut hits = vec![false; rows.map_or(hi - lo, <[u32]>::len)];
        for (column, set) in columns {
            let mark = |i: usize, sym: u32| {
                if set.contains(sym) {
                    if let Some(hit) = hits.get_mut(i) {
                        *hit = true;
                    }
                }
            };
            let symbols = &self.text[*column].rows;
            match rows {
                None => symbols.each(lo..hi, mark),
                Some(kept) => symbols.each(kept.iter().map(|&r| r as usize), mark),
            }
        }
        hits
    }

    fn attr_matches(&self, row: u32, test: &AttrTest) -> bool {
        self.attrs.row_matches(row as usize, &test.plan, |_, v| match v {
            AttrValue::Sym(sym) => test.values.contains(sym),
            AttrValue::Text(text) => test.text.matches(text),
        })
    }

    fn attr_test(&self, keys: Option<SymSet>, values: SymSet, text: TextMatch) -> AttrTest {
        let plan = self.attrs.scan_plan(
            |k, v| values.contains(v) && key_allowed(keys.as_ref(), k),
            |k| !values.is_empty() && key_allowed(keys.as_ref(), k),
            |k, bytes| key_allowed(keys.as_ref(), k) && text.may_match(bytes),
        );
        AttrTest { keys, values, plan, text }
    }

    fn column_sets(&self, columns: &[TextColumn], patterns: &[Pattern]) -> Vec<(usize, SymSet)> {
        columns
            .iter()
            .map(|c| (c.index(), matching_symbols(&self.text[c.index()].dict, patterns)))
            .filter(|(_, set)| !set.is_empty())
            .collect()
    }

    fn compile(&self, kind: &TermKind, position: usize, ctx: &EvalContext) -> Result<Test, QueryError> {
        let text_test = |columns: Vec<(usize, SymSet)>, attrs: Option<AttrTest>| {
            let attrs = attrs.filter(|a| (!a.values.is_empty() || self.attrs.has_text()) && !a.keys.as_ref().is_some_and(SymSet::is_empty));
            if columns.is_empty() && attrs.is_none() {
                Test::Always(false)
            } else {
                Test::Text { columns, attrs }
            }
        };
        Ok(match kind {
            TermKind::Text(values) => {
                let patterns: Vec<Pattern> = values.iter().map(|v| Pattern::general(v)).collect();
                let columns = self.column_sets(&TextColumn::ALL, &patterns);
                let values = matching_symbols(&self.attrs.values, &patterns);
                text_test(columns, Some(self.attr_test(None, values, TextMatch::Patterns(patterns))))
            }
            TermKind::Ioc => {
                let wanted: HashSet<String> = ctx.indicators.iter().map(|i| i.trim().to_lowercase()).filter(|i| !i.is_empty()).collect();
                let in_set = |dict: &Interner| {
                    let mut set = SymSet::with_capacity(dict.len());
                    if !wanted.is_empty() {
                        dict.iter_lower().filter(|(s, t)| *s != EMPTY && wanted.contains(*t)).for_each(|(s, _)| set.insert(s));
                    }
                    set
                };
                let cols = [TextColumn::Ip, TextColumn::Actor, TextColumn::Target, TextColumn::UserAgent, TextColumn::App];
                let columns = cols.iter().map(|c| (c.index(), in_set(&self.text[c.index()].dict))).filter(|(_, s)| !s.is_empty()).collect();
                let values = in_set(&self.attrs.values);
                text_test(columns, Some(self.attr_test(None, values, TextMatch::Among(wanted))))
            }
            TermKind::Bookmarked => annotated_rows(ctx, |a| a.bookmarked),
            TermKind::Match { field: Field::Tag, values } => {
                let patterns: Vec<Pattern> = values.iter().map(|v| Pattern::general(v)).collect();
                annotated_rows(ctx, |a| a.tags.iter().any(|t| patterns.iter().any(|p| p.matches(&t.to_lowercase()))))
            }
            TermKind::Match { field: Field::Note, values } => {
                let patterns: Vec<Pattern> = values.iter().map(|v| Pattern::general(v)).collect();
                annotated_rows(ctx, |a| !a.note.is_empty() && patterns.iter().any(|p| p.matches(&a.note.to_lowercase())))
            }
            TermKind::Match { field, values } => match field {
                Field::Source => {
                    let mask = values.iter().filter_map(|v| Source::from_key(v)).fold(0u32, |m, s| m | 1 << s.index());
                    Test::Source(mask)
                }
                Field::Outcome => {
                    let mask = values.iter().filter_map(|v| Outcome::from_key(v)).fold(0u8, |m, o| m | 1 << o.index());
                    Test::Outcome(mask)
                }
                Field::File => {
                    let patterns: Vec<Pattern> = values.iter().map(|v| Pattern::general(v)).collect();
                    let ids: Vec<u16> = self.files.iter().filter(|f| patterns.iter().any(|p| p.matches(&f.report.file.to_lowercase()))).map(|f| f.id.0).collect();
                    if ids.is_empty() {
                        Test::Always(false)
                    } else {
                        Test::File(ids)
                    }
                }
                Field::Country | Field::City if !self.enrichment().is_empty() => {
                    let column = if *field == Field::Country { TextColumn::Country } else { TextColumn::City };
                    let patterns: Vec<Pattern> = values.iter().map(|v| Pattern::general(v)).collect();
                    let set = matching_symbols(&self.text[column.index()].dict, &patterns);
                    let ips = self.ips_placed(|place| {
                        let text = if column == TextColumn::Country { place.country } else { place.city };
                        !text.is_empty() && patterns.iter().any(|p| p.matches(&text.to_lowercase()))
                    });
                    if set.is_empty() && ips.is_empty() {
                        Test::Always(false)
                    } else {
                        Test::Located { column: column.index(), set, ips }
                    }
                }
                Field::Asn => {
                    let numbers: Vec<u32> = values.iter().filter_map(|v| as_number(v)).collect();
                    let patterns: Vec<Pattern> = values.iter().filter(|v| as_number(v).is_none()).map(|v| Pattern::general(v)).collect();
                    let ips = self.ips_in_network(|n| numbers.contains(&n.asn) || patterns.iter().any(|p| p.matches(&n.org.to_lowercase())));
                    if ips.is_empty() {
                        Test::Always(false)
                    } else {
                        Test::Ips(ips)
                    }
                }
                Field::Attr(key) => {
                    let key_lower = key.to_lowercase();
                    let mut keys = SymSet::with_capacity(self.attrs.keys.len());
                    self.attrs.keys.iter_lower().filter(|(s, k)| *s != EMPTY && *k == key_lower).for_each(|(s, _)| keys.insert(s));
                    if keys.is_empty() {
                        return Err(self.unknown_field(key, position));
                    }
                    let patterns: Vec<Pattern> = values.iter().map(|v| Pattern::general(v)).collect();
                    let values = matching_symbols(&self.attrs.values, &patterns);
                    text_test(Vec::new(), Some(self.attr_test(Some(keys), values, TextMatch::Patterns(patterns))))
                }
                _ => {
                    let columns: &[TextColumn] = match field {
                        Field::User => &[TextColumn::Actor, TextColumn::Target],
                        Field::Actor => &[TextColumn::Actor],
                        Field::Target => &[TextColumn::Target],
                        Field::Ip => &[TextColumn::Ip],
                        Field::Op => &[TextColumn::Operation],
                        Field::Country => &[TextColumn::Country],
                        Field::City => &[TextColumn::City],
                        Field::App => &[TextColumn::App],
                        _ => &[TextColumn::UserAgent],
                    };
                    let patterns: Vec<Pattern> =
                        values.iter().map(|v| if *field == Field::Ip { Pattern::ip(v) } else { Pattern::general(v) }).collect();
                    text_test(self.column_sets(columns, &patterns), None)
                }
            },
            TermKind::After(_) | TermKind::Before(_) | TermKind::Between { .. } => Test::Always(true),
        })
    }

    fn unknown_field(&self, name: &str, position: usize) -> QueryError {
        let mut attrs: Vec<&str> = self.attr_key_names().collect();
        attrs.sort_unstable_by_key(|k| k.to_lowercase());
        let attr_hint = match attrs.len() {
            0 => "no loaded event has attributes".to_string(),
            n if n <= 12 => format!("or an attribute of the loaded events: {}", attrs.join(", ")),
            n => format!("or an attribute of the loaded events such as {} (and {} more)", attrs[..10].join(", "), n - 10),
        };
        QueryError { message: format!("unknown field '{name}'; known fields: {}; {attr_hint}", KNOWN_FIELDS.join(", ")), position }
    }
}

/// `64500` or `AS64500` as a number; anything else is a network name.
fn as_number(value: &str) -> Option<u32> {
    let v = value.trim();
    let digits = v.get(..2).filter(|p| p.eq_ignore_ascii_case("as")).map_or(v, |_| &v[2..]);
    digits.parse().ok()
}

/// Whether an attribute key passes: any key when no key set is given.
fn key_allowed(keys: Option<&SymSet>, sym: u32) -> bool {
    match keys {
        None => true,
        Some(set) => set.contains(sym),
    }
}

/// `narrow` for a test worked out partly beforehand: candidate `i` passes
/// when `hits[i]` or `test(row)`.
fn narrow_marked(rows: &mut Option<Vec<u32>>, lo: usize, hi: usize, negated: bool, hits: &[bool], test: impl Fn(usize) -> bool) {
    let passes = |i: usize, r: usize| hits.get(i).copied().unwrap_or(false) || test(r);
    match rows {
        Some(kept) => {
            let mut i = 0;
            kept.retain(|&r| {
                i += 1;
                passes(i - 1, r as usize) != negated
            });
        }
        None => *rows = Some((lo..hi).enumerate().filter(|&(i, r)| passes(i, r) != negated).map(|(_, r)| r as u32).collect()),
    }
}

/// Keep the candidate rows for which `test(row) != negated`; before any
/// test has run, the candidates are `lo..hi`.
#[inline]
fn narrow(rows: &mut Option<Vec<u32>>, lo: usize, hi: usize, negated: bool, test: impl Fn(usize) -> bool) {
    match rows {
        Some(kept) => kept.retain(|&r| test(r as usize) != negated),
        None => *rows = Some((lo..hi).filter(|&r| test(r) != negated).map(|r| r as u32).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_whole_text() {
        let p = Pattern::general("*@EVIL.example");
        assert!(p.matches("bob@evil.example"));
        assert!(!p.matches("bob@evil.example.com"));
        let p = Pattern::general("a*b*c");
        assert!(p.matches("abc") && p.matches("a-b-c") && !p.matches("a-c-b"));
        assert!(Pattern::general("*").matches("anything"));
        assert!(Pattern::general("ab*").matches("abc") && !Pattern::general("ab*").matches("cab"));
    }

    #[test]
    fn ip_patterns() {
        assert!(Pattern::ip("203.0.113.0/24").matches("203.0.113.250"));
        assert!(!Pattern::ip("203.0.113.0/24").matches("203.0.114.1"));
        assert!(Pattern::ip("203.0.113.0/24").matches("203.0.113.9:443"));
        assert!(Pattern::ip("2001:db8::/32").matches("2001:db8:1::5"));
        assert!(Pattern::ip("2001:db8::/32").matches("[2001:db8::5]:443"));
        assert!(!Pattern::ip("2001:db8::/32").matches("2001:db9::5"));
        assert!(Pattern::ip("0.0.0.0/0").matches("8.8.8.8"));
        assert!(Pattern::ip("10.1.").matches("10.1.2.3") && !Pattern::ip("10.1.").matches("110.1.2.3"));
        assert!(Pattern::ip("10.1.2.3").matches("10.1.2.3") && !Pattern::ip("10.1.2.3").matches("10.1.2.30"));
        assert!(Pattern::ip("10.*.3").matches("10.1.2.3"));
    }
}
