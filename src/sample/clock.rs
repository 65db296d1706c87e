//! The incident's calendar and the time formats each export writes.
//!
//! All generated times are UTC milliseconds. The window is fixed (30 days
//! from Monday 2026-02-02) so documentation and tests can name dates; the
//! seed moves everything inside it.

use chrono::{DateTime, Datelike, Timelike, Utc};

pub const SECOND: i64 = 1_000;
pub const MINUTE: i64 = 60 * SECOND;
pub const HOUR: i64 = 60 * MINUTE;
pub const DAY: i64 = 24 * HOUR;

/// Days of ordinary activity in every sample.
pub const DAYS: i64 = 30;

/// 2026-02-02T00:00:00Z, a Monday.
pub const WINDOW_START: i64 = 1_769_990_400_000;
pub const WINDOW_END: i64 = WINDOW_START + DAYS * DAY;

fn utc(ms: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

/// `2026-02-24T03:21:07Z` (sign-in downloads and Graph sign-ins).
pub fn iso_seconds(ms: i64) -> String {
    utc(ms).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `2026-02-24T03:21:07.1234567Z` (Graph directory audits carry 7 digits);
/// `ticks` fills the digits below the millisecond.
pub fn iso_ticks(ms: i64, ticks: u32) -> String {
    let t = utc(ms);
    format!("{}.{:03}{:04}Z", t.format("%Y-%m-%dT%H:%M:%S"), t.timestamp_subsec_millis(), ticks % 10_000)
}

/// `2026-02-24T03:21:07` (UAL AuditData `CreationTime`: UTC without a zone).
pub fn ual_creation_time(ms: i64) -> String {
    utc(ms).format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// `2/23/2026 10:21:07 PM`: how PowerShell on an en-US machine whose clock
/// is `offset_hours` from UTC writes a DateTime into CSV.
pub fn en_us_local(ms: i64, offset_hours: i64) -> String {
    let t = utc(ms + offset_hours * HOUR);
    let (pm, hour12) = t.hour12();
    format!("{}/{}/{} {}:{:02}:{:02} {}", t.month(), t.day(), t.year(), hour12, t.minute(), t.second(), if pm { "PM" } else { "AM" })
}

/// Day of the week at a local offset: 0 = Monday … 6 = Sunday.
pub fn local_weekday(ms: i64, offset_hours: i64) -> u32 {
    utc(ms + offset_hours * HOUR).weekday().num_days_from_monday()
}

/// UTC time of local midnight that starts window day `day` at `offset_hours`.
pub fn local_midnight(day: i64, offset_hours: i64) -> i64 {
    WINDOW_START + day * DAY - offset_hours * HOUR
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_starts_on_a_monday() {
        assert_eq!(iso_seconds(WINDOW_START), "2026-02-02T00:00:00Z");
        assert_eq!(local_weekday(WINDOW_START, 0), 0);
        assert_eq!(iso_seconds(WINDOW_END), "2026-03-04T00:00:00Z");
    }

    #[test]
    fn formats_match_the_exports() {
        let t = WINDOW_START + 22 * DAY + 3 * HOUR + 21 * MINUTE + 7 * SECOND + 250;
        assert_eq!(iso_seconds(t), "2026-02-24T03:21:07Z");
        assert_eq!(iso_ticks(t, 1234), "2026-02-24T03:21:07.2501234Z");
        assert_eq!(ual_creation_time(t), "2026-02-24T03:21:07");
        assert_eq!(en_us_local(t, -5), "2/23/2026 10:21:07 PM");
        assert_eq!(en_us_local(WINDOW_START, 0), "2/2/2026 12:00:00 AM");
        assert_eq!(local_midnight(1, -5), WINDOW_START + DAY + 5 * HOUR);
    }
}
