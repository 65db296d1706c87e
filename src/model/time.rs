//! Time values: every event time is UTC milliseconds since the Unix epoch.

use chrono::{DateTime, SecondsFormat, Utc};

/// UTC milliseconds since 1970-01-01T00:00:00Z.
pub type TimeMs = i64;

/// RFC 3339 in UTC with millisecond precision, e.g. `2026-03-01T16:05:06.000Z`.
pub fn format_utc(ms: TimeMs) -> String {
    match DateTime::<Utc>::from_timestamp_millis(ms) {
        Some(t) => t.to_rfc3339_opts(SecondsFormat::Millis, true),
        None => format!("(invalid time {ms})"),
    }
}

/// Parse an RFC 3339 timestamp (any offset) to UTC milliseconds.
pub fn parse_rfc3339_utc(s: &str) -> Option<TimeMs> {
    DateTime::parse_from_rfc3339(s.trim()).ok().map(|t| t.with_timezone(&Utc).timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_rfc3339() {
        let ms = parse_rfc3339_utc("2026-03-01T17:05:06.250+01:00").unwrap();
        assert_eq!(format_utc(ms), "2026-03-01T16:05:06.250Z");
    }
}
