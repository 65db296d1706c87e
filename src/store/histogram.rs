//! Event counts over time for the timeline chart, in "nice" bucket sizes
//! (1 min, 5 min, 15 min, 1 h, 6 h, 1 day …) aligned to UTC.

use super::event_store::EventStore;
use crate::model::TimeMs;

const SECOND: i64 = 1000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// Bucket sizes tried in order; past the last, whole multiples of 30 days.
const NICE_SIZES: &[i64] = &[
    SECOND,
    5 * SECOND,
    15 * SECOND,
    30 * SECOND,
    MINUTE,
    5 * MINUTE,
    15 * MINUTE,
    30 * MINUTE,
    HOUR,
    3 * HOUR,
    6 * HOUR,
    12 * HOUR,
    DAY,
    7 * DAY,
    30 * DAY,
];

/// Counts per bucket: bucket `i` covers `start + i*bucket_ms` up to (not
/// including) `start + (i+1)*bucket_ms`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Histogram {
    pub start: TimeMs,
    pub bucket_ms: i64,
    pub counts: Vec<u32>,
}

impl Histogram {
    /// Start and end (exclusive) of bucket `i`, e.g. for `Query::with_time_range`.
    pub fn bucket_span(&self, i: usize) -> (TimeMs, TimeMs) {
        let start = self.start.saturating_add(self.bucket_ms.saturating_mul(i as i64));
        (start, start.saturating_add(self.bucket_ms))
    }

    pub fn max_count(&self) -> u32 {
        self.counts.iter().copied().max().unwrap_or(0)
    }
}

/// The smallest nice bucket size giving at most `max_buckets` buckets over
/// `first..=last`, and the aligned start.
pub fn choose_buckets(first: TimeMs, last: TimeMs, max_buckets: usize) -> (TimeMs, i64) {
    let max_buckets = max_buckets.max(1) as i64;
    let fits = |size: i64| {
        let start = first.div_euclid(size).saturating_mul(size);
        let buckets = last.saturating_sub(start) / size + 1;
        (buckets <= max_buckets).then_some(start)
    };
    for &size in NICE_SIZES {
        if let Some(start) = fits(size) {
            return (start, size);
        }
    }
    let mut size = 60 * DAY;
    loop {
        if let Some(start) = fits(size) {
            return (start, size);
        }
        size = size.saturating_add(30 * DAY);
        if size == i64::MAX {
            return (first, size);
        }
    }
}

impl EventStore {
    /// How `rows` spread over time, in at most `max_buckets` nice buckets.
    /// No rows: an empty histogram starting at 0.
    pub fn histogram(&self, rows: &[u32], max_buckets: usize) -> Histogram {
        let times = rows.iter().filter_map(|&r| self.time.get(r as usize).copied());
        let Some((first, last)) = times.fold(None, |acc: Option<(TimeMs, TimeMs)>, t| Some(acc.map_or((t, t), |(a, b)| (a.min(t), b.max(t))))) else {
            return Histogram { start: 0, bucket_ms: MINUTE, counts: Vec::new() };
        };
        let (start, bucket_ms) = choose_buckets(first, last, max_buckets);
        let len = ((last - start) / bucket_ms + 1) as usize;
        let mut counts = vec![0u32; len];
        for &row in rows {
            if let Some(t) = self.time.get(row as usize) {
                if let Some(n) = counts.get_mut(((t - start) / bucket_ms) as usize) {
                    *n += 1;
                }
            }
        }
        Histogram { start, bucket_ms, counts }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_smallest_nice_size_that_fits() {
        // 10:07 to 11:52 — 1 h 45 min.
        let first = 10 * HOUR + 7 * MINUTE;
        let last = 11 * HOUR + 52 * MINUTE;
        assert_eq!(choose_buckets(first, last, 200), (first, MINUTE));
        assert_eq!(choose_buckets(first, last, 60), (10 * HOUR + 5 * MINUTE, 5 * MINUTE));
        assert_eq!(choose_buckets(first, last, 8), (10 * HOUR, 15 * MINUTE));
        assert_eq!(choose_buckets(first, last, 2), (10 * HOUR, HOUR));
        assert_eq!(choose_buckets(0, 40 * DAY, 10), (0, 7 * DAY));
        assert_eq!(choose_buckets(0, 3650 * DAY, 10), (0, 390 * DAY));
        assert_eq!(choose_buckets(5, 5, 0), (0, SECOND));
    }
}
