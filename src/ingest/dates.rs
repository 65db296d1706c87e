//! Timestamps as real exports write them: ISO 8601 with or without a zone and
//! with up to 7 fractional digits (Log Analytics), and locale dates such as
//! `3/1/2026 4:05:06 PM` (Search-UnifiedAuditLog on an en-US machine) or
//! `01.03.2026 16:05:06`. A locale date does not say whether it is day- or
//! month-first, so the order is inferred from a whole column (`infer_order`).
//! Times without a zone are taken as UTC; callers say so in the ingest report.

use crate::model::TimeMs;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};

/// Order of day and month in a locale date with a 2-digit first field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DateOrder {
    #[default]
    MonthFirst,
    DayFirst,
}

/// What `infer_order` concluded from a column of dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrderGuess {
    pub order: DateOrder,
    /// No value settled it (every day and month were 12 or less).
    pub ambiguous: bool,
    /// Whether any locale (non-ISO) date was seen at all.
    pub saw_locale_dates: bool,
}

/// Parse one timestamp to UTC milliseconds.
pub fn parse_time(s: &str, order: DateOrder) -> Option<TimeMs> {
    let s = s.trim().trim_matches('"').trim();
    if s.is_empty() {
        return None;
    }
    if s.as_bytes().get(4) == Some(&b'-') {
        return parse_iso(s);
    }
    parse_locale(s, order).map(|t| t.and_utc().timestamp_millis())
}

/// Whether a value is ISO 8601 (which needs no inferred order).
pub fn is_iso(s: &str) -> bool {
    let s = s.trim();
    s.len() >= 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[..4].iter().all(u8::is_ascii_digit)
}

/// Look at every locale date of a column and decide day/month order.
pub fn infer_order<'a>(values: impl IntoIterator<Item = &'a str>) -> OrderGuess {
    let mut evidence = DateEvidence::default();
    values.into_iter().for_each(|v| evidence.add(v));
    evidence.guess()
}

/// Day/month evidence gathered one date at a time: how many locale dates
/// only read as day first, how many only as month first, and whether any
/// locale date was seen at all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DateEvidence {
    day_first: u32,
    month_first: u32,
    saw_locale_dates: bool,
}

impl DateEvidence {
    pub fn add(&mut self, value: &str) {
        if is_iso(value) {
            return;
        }
        if let Some((a, b, _)) = date_fields(value.trim().split([' ', 'T', ',']).next().unwrap_or("")) {
            self.saw_locale_dates = true;
            if a > 12 && b <= 12 {
                self.day_first = self.day_first.saturating_add(1);
            } else if b > 12 && a <= 12 {
                self.month_first = self.month_first.saturating_add(1);
            }
        }
    }

    pub fn guess(&self) -> OrderGuess {
        let order = if self.day_first > self.month_first { DateOrder::DayFirst } else { DateOrder::MonthFirst };
        OrderGuess { order, ambiguous: self.day_first == 0 && self.month_first == 0, saw_locale_dates: self.saw_locale_dates }
    }
}

fn parse_iso(s: &str) -> Option<TimeMs> {
    // BigQuery writes its TIMESTAMPs as `2026-03-01 17:10:44.518 UTC`.
    let s = match s.strip_suffix(" UTC") {
        // No zone of its own: a sign after the date part would be an offset.
        Some(bare) if !bare.ends_with('Z') && bare.rfind(['+', '-']).is_none_or(|at| at <= 10) => format!("{bare}Z"),
        _ => s.to_string(),
    };
    let normalised = trim_fraction(&s.replacen(' ', "T", 1));
    if let Ok(t) = DateTime::parse_from_rfc3339(&normalised) {
        return Some(t.with_timezone(&Utc).timestamp_millis());
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(&normalised, fmt) {
            return Some(t.and_utc().timestamp_millis());
        }
    }
    NaiveDate::parse_from_str(&normalised, "%Y-%m-%d").ok().map(|d| d.and_time(NaiveTime::MIN).and_utc().timestamp_millis())
}

/// chrono reads at most 9 fractional digits; some exports write more.
fn trim_fraction(s: &str) -> String {
    let Some(dot) = s.find('.') else { return s.to_string() };
    let digits = s[dot + 1..].bytes().take_while(u8::is_ascii_digit).count();
    if digits <= 9 {
        return s.to_string();
    }
    format!("{}{}", &s[..dot + 10], &s[dot + 1 + digits..])
}

/// Split `a/b/c`, `a.b.c` or `a-b-c` into numbers.
fn date_fields(date: &str) -> Option<(u32, u32, u32)> {
    let mut parts = date.split(['/', '.', '-']).map(|p| p.trim().parse::<u32>().ok());
    let fields = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(fields)
}

fn parse_locale(s: &str, order: DateOrder) -> Option<NaiveDateTime> {
    let (date_part, rest) = match s.find([' ', 'T']) {
        Some(i) => (&s[..i], s[i + 1..].trim()),
        None => (s, ""),
    };
    let date_part = date_part.trim_end_matches(',');
    let (a, b, c) = date_fields(date_part)?;
    let date = if date_part.len() >= 4 && date_part.as_bytes()[4].is_ascii_punctuation() && a > 31 {
        NaiveDate::from_ymd_opt(a as i32, b, c)?
    } else {
        let year = if c < 100 { 2000 + c } else { c } as i32;
        match order {
            DateOrder::MonthFirst => NaiveDate::from_ymd_opt(year, a, b)?,
            DateOrder::DayFirst => NaiveDate::from_ymd_opt(year, b, a)?,
        }
    };
    Some(date.and_time(parse_clock(rest)?))
}

/// `16:05`, `4:05:06 PM`, `4:05:06.123 PM`, `16:05:06,123`.
fn parse_clock(s: &str) -> Option<NaiveTime> {
    let s = s.trim();
    if s.is_empty() {
        return Some(NaiveTime::MIN);
    }
    let upper = s.to_ascii_uppercase();
    let (clock, meridiem) = if let Some(c) = upper.strip_suffix("PM") {
        (c.trim(), Some(true))
    } else if let Some(c) = upper.strip_suffix("AM") {
        (c.trim(), Some(false))
    } else {
        (upper.as_str(), None)
    };
    let clock = clock.trim_end_matches('Z').trim();
    let mut parts = clock.split(':');
    let mut hour: u32 = parts.next()?.trim().parse().ok()?;
    let minute: u32 = parts.next()?.trim().parse().ok()?;
    let (second, milli) = match parts.next() {
        Some(sec) => {
            let mut sp = sec.split(['.', ',']);
            let whole: u32 = sp.next()?.parse().ok()?;
            let frac = sp.next().unwrap_or("");
            let milli = format!("{frac:0<3}").get(..3).and_then(|f| f.parse::<u32>().ok()).unwrap_or(0);
            (whole, milli)
        }
        None => (0, 0),
    };
    if parts.next().is_some() {
        return None;
    }
    match meridiem {
        Some(pm) if (1..=12).contains(&hour) => hour = hour % 12 + if pm { 12 } else { 0 },
        Some(_) => return None,
        None => {}
    }
    NaiveTime::from_hms_milli_opt(hour, minute, second, milli)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::format_utc;

    fn iso(s: &str, order: DateOrder) -> String {
        parse_time(s, order).map(format_utc).unwrap_or_else(|| "none".into())
    }

    #[test]
    fn reads_iso_variants() {
        let m = DateOrder::MonthFirst;
        assert_eq!(iso("2026-03-01T16:05:06Z", m), "2026-03-01T16:05:06.000Z");
        assert_eq!(iso("2026-03-01T16:05:06.1234567Z", m), "2026-03-01T16:05:06.123Z");
        assert_eq!(iso("2026-03-01T17:05:06+01:00", m), "2026-03-01T16:05:06.000Z");
        assert_eq!(iso("2026-03-01 16:05:06", m), "2026-03-01T16:05:06.000Z");
        assert_eq!(iso("2026-03-01T16:05:06.5", m), "2026-03-01T16:05:06.500Z");
        assert_eq!(iso("2026-03-01", m), "2026-03-01T00:00:00.000Z");
        assert_eq!(iso("2026-03-01 16:05:06.518372 UTC", m), "2026-03-01T16:05:06.518Z");
    }

    #[test]
    fn reads_locale_dates_in_either_order() {
        assert_eq!(iso("3/1/2026 4:05:06 PM", DateOrder::MonthFirst), "2026-03-01T16:05:06.000Z");
        assert_eq!(iso("3/1/2026 4:05:06 PM", DateOrder::DayFirst), "2026-01-03T16:05:06.000Z");
        assert_eq!(iso("3/1/2026, 12:05:06.250 AM", DateOrder::MonthFirst), "2026-03-01T00:05:06.250Z");
        assert_eq!(iso("01.03.2026 16:05:06", DateOrder::DayFirst), "2026-03-01T16:05:06.000Z");
        assert_eq!(iso("2026/03/01 16:05", DateOrder::DayFirst), "2026-03-01T16:05:00.000Z");
    }

    #[test]
    fn rejects_nonsense() {
        for bad in ["", "yesterday", "13/13/2026 1:00", "3/1/2026 25:00", "2026-02-30T00:00:00Z", "3/1/2026 13:00 PM"] {
            assert_eq!(parse_time(bad, DateOrder::MonthFirst), None, "{bad}");
        }
    }

    #[test]
    fn infers_order_from_the_whole_column() {
        let guess = infer_order(["3/1/2026 1:00 PM", "3/14/2026 1:00 PM"]);
        assert_eq!((guess.order, guess.ambiguous), (DateOrder::MonthFirst, false));
        let guess = infer_order(["03/01/2026 13:00", "14/03/2026 13:00"]);
        assert_eq!((guess.order, guess.ambiguous), (DateOrder::DayFirst, false));
        let guess = infer_order(["03/01/2026 13:00", "2026-03-01T00:00:00Z"]);
        assert!(guess.ambiguous && guess.saw_locale_dates);
        assert!(!infer_order(["2026-03-01T00:00:00Z"]).saw_locale_dates);
    }
}

/// Infer day/month order from every locale date anywhere in a file's text
/// (`d/d/dddd` or `d.d.dddd`), without parsing its records. One byte pass.
pub fn infer_order_in_text(text: &str) -> OrderGuess {
    let bytes = text.as_bytes();
    let (mut day_first, mut month_first, mut saw) = (0u64, 0u64, false);
    let mut i = 0;
    while i < bytes.len() {
        // Eight bytes at a time past text with no separator, which is most of it.
        if let Some(word) = bytes.get(i..i + 8) {
            let word = u64::from_le_bytes([word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7]]);
            if !has_byte(word, b'/') && !has_byte(word, b'.') {
                i += 8;
                continue;
            }
        }
        let b = bytes[i];
        if (b == b'/' || b == b'.') && i > 0 {
            if let Some((a, m, next)) = locale_date_at(bytes, i) {
                saw = true;
                if a > 12 && m <= 12 {
                    day_first += 1;
                } else if m > 12 && a <= 12 {
                    month_first += 1;
                }
                i = next;
                continue;
            }
        }
        i += 1;
    }
    let order = if day_first > month_first { DateOrder::DayFirst } else { DateOrder::MonthFirst };
    OrderGuess { order, ambiguous: day_first == 0 && month_first == 0, saw_locale_dates: saw }
}

/// Whether any of the eight bytes of `word` is `byte` (the classic
/// "has zero byte" test on `word ^ byte…`; exact, no false positives).
fn has_byte(word: u64, byte: u8) -> bool {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let x = word ^ (LOW * u64::from(byte));
    (x.wrapping_sub(LOW) & !x & HIGH) != 0
}

/// At a separator `sep` at `i`, match `D{1,2} sep D{1,2} sep DDDD` around it.
fn locale_date_at(bytes: &[u8], i: usize) -> Option<(u32, u32, usize)> {
    let sep = bytes[i];
    let digits_before = bytes[..i].iter().rev().take_while(|b| b.is_ascii_digit()).count();
    if !(1..=2).contains(&digits_before) {
        return None;
    }
    let start = i - digits_before;
    if start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == sep) {
        return None;
    }
    let first = number(&bytes[start..i]);
    let second_len = bytes[i + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
    if !(1..=2).contains(&second_len) || bytes.get(i + 1 + second_len) != Some(&sep) {
        return None;
    }
    let second = number(&bytes[i + 1..i + 1 + second_len]);
    let year_at = i + 2 + second_len;
    let year_len = bytes[year_at..].iter().take_while(|b| b.is_ascii_digit()).count();
    let end = year_at + 4;
    (year_len == 4 && clock_follows(&bytes[end..])).then_some((first, second, end))
}

/// A timestamp's date is followed by its time (`, 4:05` or ` 16:05`); this
/// keeps version numbers such as `Chrome 96.0.4664` out of the inference.
fn clock_follows(rest: &[u8]) -> bool {
    let rest = rest.strip_prefix(b",").unwrap_or(rest);
    let spaces = rest.iter().take_while(|&&b| b == b' ' || b == b'T').count();
    let rest = &rest[spaces..];
    let hour_len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    spaces > 0 && (1..=2).contains(&hour_len) && rest.get(hour_len) == Some(&b':')
}

fn number(digits: &[u8]) -> u32 {
    digits.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0'))
}

#[cfg(test)]
mod text_tests {
    use super::*;

    #[test]
    fn infers_order_from_text() {
        let g = infer_order_in_text("CreationDate,x\n3/1/2026 4:05:06 PM,1\n3/14/2026 4:05:06 PM,\"{\"\"t\"\":\"\"2026-03-14T16:05:06\"\"}\"\n");
        assert_eq!((g.order, g.ambiguous, g.saw_locale_dates), (DateOrder::MonthFirst, false, true));
        let g = infer_order_in_text("x\n14.03.2026 16:05\n01.03.2026 16:05\n");
        assert_eq!((g.order, g.ambiguous), (DateOrder::DayFirst, false));
        let g = infer_order_in_text("version 1.2.3, ip 10.1.2.3, 2026-03-01, Chrome 96.0.4664,Windows10, 14.03.2026");
        assert!(!g.saw_locale_dates);
    }

    #[test]
    fn word_at_a_time_scan_finds_every_date_the_byte_scan_finds() {
        // Dates at every offset against the 8-byte words, next to each
        // other, after separators that are no date, and at the very end.
        for pad in 0..17 {
            let lead = "x".repeat(pad);
            let text = format!("{lead}3/14/2026 4:05 PM, 1.2.3 a/b 13/1/2026 16:05\n14.03.2026 16:05,{lead}3/1/2026 4:05");
            let g = infer_order_in_text(&text);
            assert!(g.saw_locale_dates, "{text}");
            assert_eq!((g.order, g.ambiguous), (DateOrder::DayFirst, false), "{text}");
        }
        // Random text made of the pieces dates are made of, against the
        // byte-by-byte scan.
        let bytewise = |bytes: &[u8]| {
            let (mut day_first, mut month_first, mut saw, mut i) = (0, 0, false, 0);
            while i < bytes.len() {
                if (bytes[i] == b'/' || bytes[i] == b'.') && i > 0 {
                    if let Some((a, m, next)) = locale_date_at(bytes, i) {
                        saw = true;
                        day_first += u32::from(a > 12 && m <= 12);
                        month_first += u32::from(m > 12 && a <= 12);
                        i = next;
                        continue;
                    }
                }
                i += 1;
            }
            (day_first > month_first, day_first == 0 && month_first == 0, saw)
        };
        let tokens = ["3/14/2026", "14.03.2026", "1/1/2026", "13/1/2026", "2/3/20260", " ", " 4:05", ", 16:05", "T16:05", "x", "1.2.3", "/", ".", "\n", "7", "2026"];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut with_dates = 0;
        for _ in 0..3000 {
            let text: String = (0..24)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    tokens[(state % tokens.len() as u64) as usize]
                })
                .collect();
            let g = infer_order_in_text(&text);
            assert_eq!((g.order == DateOrder::DayFirst, g.ambiguous, g.saw_locale_dates), bytewise(text.as_bytes()), "{text}");
            with_dates += usize::from(g.saw_locale_dates);
        }
        assert!(with_dates > 30, "{with_dates} texts with dates");
        for word in [0u64, u64::MAX, 0x2f2f_2f2f_2f2f_2f2f, 0x8080_8080_8080_802e] {
            for byte in [b'/', b'.', 0x80, 0xff] {
                assert_eq!(has_byte(word, byte), word.to_le_bytes().contains(&byte), "{word:x} {byte:x}");
            }
        }
    }
}
