//! How times and counts are written on screen. Everything is UTC, and says so.

use chrono::{DateTime, NaiveDateTime};
use crate::model::TimeMs;

/// `2026-03-01 16:05:06`, UTC.
pub fn seconds(ms: TimeMs) -> String {
    DateTime::from_timestamp_millis(ms).map_or_else(String::new, |t| t.format("%Y-%m-%d %H:%M:%S").to_string())
}

/// `2026-03-01 16:05 UTC`.
pub fn minutes_utc(ms: TimeMs) -> String {
    DateTime::from_timestamp_millis(ms).map_or_else(String::new, |t| t.format("%Y-%m-%d %H:%M UTC").to_string())
}

/// The value a `datetime-local` input shows for a UTC time.
pub fn datetime_local(ms: TimeMs) -> String {
    DateTime::from_timestamp_millis(ms).map_or_else(String::new, |t| t.format("%Y-%m-%dT%H:%M").to_string())
}

/// Read a `datetime-local` value as UTC.
pub fn parse_datetime_local(value: &str) -> Option<TimeMs> {
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(value, f).ok())
        .map(|t| t.and_utc().timestamp_millis())
}

pub use crate::report::document::thousands;

/// `1 row`, `2 rows`.
pub fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// The wall clock, for the case's timestamps.
pub fn now_ms() -> TimeMs {
    js_sys::Date::now() as TimeMs
}

/// Time since the incident start for the header clock: `42 min`, `3 h 05 min`, `2 d 4 h`.
pub fn elapsed(ms: i64) -> String {
    let minutes = ms.max(0) / 60_000;
    match minutes {
        0..=59 => format!("{minutes} min"),
        60..=2879 => format!("{} h {:02} min", minutes / 60, minutes % 60),
        _ => format!("{} d {} h", minutes / 1440, minutes / 60 % 24),
    }
}

/// Evidence text as the analyst sees it: bidirectional overrides written as
/// visible markers (`⟨RLO⟩`), so a name cannot reorder itself on screen.
/// Every view that shows a value from a log goes through it; the value
/// itself (for queries, marks and exports) is left as the log had it.
pub use crate::model::bidi::visible_string as evidence_text;
