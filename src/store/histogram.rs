//! Event counts over time for the timeline chart, in "nice" bucket sizes
//! (1 min, 5 min, 15 min, 1 h, 6 h, 1 day …) aligned to UTC, each bucket
//! split by the log its events came from.

use super::event_store::EventStore;
use crate::model::{Source, TimeMs};

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

/// How bar heights follow counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Scale {
    #[default]
    Linear,
    /// Heights follow the logarithm of the count, so that quiet buckets
    /// still show beside a burst.
    Log,
}

impl Scale {
    /// How tall a bar of `count` events stands beside the tallest (`max`
    /// events), from 0.0 to 1.0.
    pub fn fraction(self, count: u32, max: u32) -> f64 {
        if max == 0 {
            return 0.0;
        }
        let ratio = match self {
            Scale::Linear => f64::from(count) / f64::from(max),
            Scale::Log => (1.0 + f64::from(count)).ln() / (1.0 + f64::from(max)).ln(),
        };
        ratio.clamp(0.0, 1.0)
    }
}

/// Events of each source, indexed like `Source::ALL`.
pub type SourceCounts = [u32; Source::ALL.len()];

/// Counts per bucket: bucket `i` covers `start + i*bucket_ms` up to (not
/// including) `start + (i+1)*bucket_ms`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Histogram {
    pub start: TimeMs,
    pub bucket_ms: i64,
    /// Events per bucket, every source together.
    pub counts: Vec<u32>,
    /// Events per bucket and source: `by_source[i]` splits `counts[i]`.
    pub by_source: Vec<SourceCounts>,
}

/// No rows: no buckets, starting at 0.
impl Default for Histogram {
    fn default() -> Histogram {
        Histogram { start: 0, bucket_ms: MINUTE, counts: Vec::new(), by_source: Vec::new() }
    }
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

    /// Start and end (exclusive) of the whole chart; `None` when it has no buckets.
    pub fn span(&self) -> Option<(TimeMs, TimeMs)> {
        let last = self.counts.len().checked_sub(1)?;
        Some((self.start, self.bucket_span(last).1))
    }

    /// Where `time` falls across the chart, 0.0 (its start) to 1.0 (its
    /// end); `None` outside it or when there are no buckets.
    pub fn position(&self, time: TimeMs) -> Option<f64> {
        let (start, end) = self.span()?;
        (start..=end).contains(&time).then(|| (time - start) as f64 / (end - start).max(1) as f64)
    }

    /// Bucket `i`'s sources with events, bottom to top, each with where its
    /// segment starts and ends as a share of the whole bar (0.0 to 1.0).
    /// Shares, not counts, so that a bar drawn on any scale splits the same.
    pub fn segments(&self, i: usize) -> impl Iterator<Item = (Source, f64, f64)> + '_ {
        let split = self.by_source.get(i);
        let total = f64::from(self.counts.get(i).copied().unwrap_or(0).max(1));
        let mut below = 0u32;
        Source::ALL.into_iter().zip(split.into_iter().flatten()).filter(|&(_, &n)| n > 0).map(move |(source, &n)| {
            let from = f64::from(below) / total;
            below += n;
            (source, from, f64::from(below) / total)
        })
    }

    /// The sources with events in the chart and how many each, in
    /// `Source::ALL` order.
    pub fn source_totals(&self) -> Vec<(Source, u64)> {
        let mut totals = [0u64; Source::ALL.len()];
        for bucket in &self.by_source {
            for (total, &n) in totals.iter_mut().zip(bucket) {
                *total += u64::from(n);
            }
        }
        Source::ALL.into_iter().zip(totals).filter(|&(_, n)| n > 0).collect()
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
            return Histogram::default();
        };
        let (start, bucket_ms) = choose_buckets(first, last, max_buckets);
        let len = ((last - start) / bucket_ms + 1) as usize;
        // One pass, nothing allocated per row: each row bumps one cell of a
        // small buckets × sources table; the totals are summed from it after.
        let mut by_source = vec![[0u32; Source::ALL.len()]; len];
        // Rows mostly come in time order, so a row usually falls in the
        // bucket of the row before: a division (slow in wasm, 2.8 million
        // of them took tens of ms) only when it does not.
        let (mut bucket, mut bucket_start, mut bucket_end) = (0usize, start, start);
        for &row in rows {
            let (Some(&t), Some(&source)) = (self.time.get(row as usize), self.source.get(row as usize)) else {
                continue;
            };
            if t < bucket_start || t >= bucket_end {
                bucket = ((t - start) / bucket_ms) as usize;
                bucket_start = start + bucket as i64 * bucket_ms;
                bucket_end = bucket_start + bucket_ms;
            }
            if let Some(n) = by_source.get_mut(bucket).and_then(|b| b.get_mut(source as usize)) {
                *n += 1;
            }
        }
        let counts = by_source.iter().map(|b| b.iter().sum()).collect();
        Histogram { start, bucket_ms, counts, by_source }
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

    fn store_of(events: &[(TimeMs, Source)]) -> EventStore {
        let mut store = EventStore::new();
        let events = events.iter().map(|&(time, source)| crate::model::Event { time, source, operation: "Op".into(), ..Default::default() }).collect();
        store.add_file(crate::ingest::IngestReport::default(), crate::ingest::FileSource::default(), events);
        store
    }

    /// What the chart counted before it was split by source: one total per bucket.
    fn totals_per_bucket(store: &EventStore, rows: &[u32], start: TimeMs, bucket_ms: i64, len: usize) -> Vec<u32> {
        let mut counts = vec![0u32; len];
        for &row in rows {
            counts[((store.time(row) - start) / bucket_ms) as usize] += 1;
        }
        counts
    }

    #[test]
    fn counts_each_bucket_per_source() {
        let store = store_of(&[
            (10 * MINUTE, Source::SignIn),
            (10 * MINUTE + 5 * SECOND, Source::UnifiedAudit),
            (10 * MINUTE + 30 * SECOND, Source::SignIn),
            (12 * MINUTE, Source::CloudTrail),
            (13 * MINUTE + 59 * SECOND, Source::RiskDetection),
        ]);
        let rows: Vec<u32> = (0..store.len() as u32).collect();
        let h = store.histogram(&rows, 4);
        assert_eq!((h.start, h.bucket_ms), (10 * MINUTE, MINUTE));
        let signin = Source::SignIn.index() as usize;
        let ual = Source::UnifiedAudit.index() as usize;
        let trail = Source::CloudTrail.index() as usize;
        let risk = Source::RiskDetection.index() as usize;
        assert_eq!(h.by_source.len(), 4);
        assert_eq!((h.by_source[0][signin], h.by_source[0][ual]), (2, 1));
        assert_eq!(h.by_source[1], [0; Source::ALL.len()]);
        assert_eq!(h.by_source[2][trail], 1);
        assert_eq!(h.by_source[3][risk], 1);
        assert_eq!(h.counts, vec![3, 0, 1, 1]);
        assert_eq!(h.max_count(), 3);
        assert_eq!(h.source_totals(), vec![(Source::SignIn, 2), (Source::UnifiedAudit, 1), (Source::CloudTrail, 1), (Source::RiskDetection, 1)]);
        assert_eq!(h.span(), Some((10 * MINUTE, 14 * MINUTE)));
    }

    #[test]
    fn totals_equal_the_counts_without_sources() {
        // A spread of times and every source, and a subset of rows as a query would give.
        let events: Vec<(TimeMs, Source)> =
            (0..2000i64).map(|i| (3 * HOUR + i * i * 37 % (9 * HOUR), Source::ALL[(i * 7 % Source::ALL.len() as i64) as usize])).collect();
        let store = store_of(&events);
        // Rows in time order, a subset, and rows in no order (each row in a bucket other than the last one's).
        let in_order: Vec<u32> = (0..store.len() as u32).collect();
        let subset = in_order.iter().copied().filter(|r| r % 3 == 1).collect();
        let shuffled = in_order.iter().map(|&r| (r * 7919) % store.len() as u32).collect();
        for rows in [in_order, subset, shuffled] {
            let h = store.histogram(&rows, 120);
            assert_eq!(h.counts, totals_per_bucket(&store, &rows, h.start, h.bucket_ms, h.counts.len()));
            for (total, split) in h.counts.iter().zip(&h.by_source) {
                assert_eq!(*total, split.iter().sum::<u32>());
            }
            let in_legend: u64 = h.source_totals().iter().map(|&(_, n)| n).sum();
            assert_eq!(in_legend, rows.len() as u64);
            assert_eq!(h.source_totals().len(), Source::ALL.len());
        }
    }

    #[test]
    fn segments_split_each_bar_by_source_share() {
        let store = store_of(&[(0, Source::SignIn), (1, Source::GraphActivity), (2, Source::GraphActivity), (3, Source::GraphActivity)]);
        let h = store.histogram(&[0, 1, 2, 3], 10);
        assert_eq!(h.segments(0).collect::<Vec<_>>(), vec![(Source::SignIn, 0.0, 0.25), (Source::GraphActivity, 0.25, 1.0)]);
        assert_eq!(h.segments(99).count(), 0, "no such bucket");
    }

    #[test]
    fn log_scale_lifts_small_bars_and_keeps_the_tallest_full() {
        assert_eq!(Scale::Linear.fraction(10, 1000), 0.01);
        assert_eq!(Scale::Log.fraction(1000, 1000), 1.0);
        assert_eq!(Scale::Log.fraction(0, 1000), 0.0);
        let log = Scale::Log.fraction(10, 1000);
        assert!((log - 11f64.ln() / 1001f64.ln()).abs() < 1e-12 && log > 0.3, "{log}");
        assert_eq!((Scale::Linear.fraction(0, 0), Scale::Log.fraction(0, 0)), (0.0, 0.0));
    }

    #[test]
    fn positions_across_the_span() {
        let store = store_of(&[(10 * MINUTE, Source::SignIn), (13 * MINUTE, Source::SignIn)]);
        let h = store.histogram(&[0, 1], 4);
        assert_eq!(h.span(), Some((10 * MINUTE, 14 * MINUTE)));
        assert_eq!(h.position(10 * MINUTE), Some(0.0));
        assert_eq!(h.position(11 * MINUTE), Some(0.25));
        assert_eq!(h.position(14 * MINUTE), Some(1.0));
        assert_eq!((h.position(9 * MINUTE), h.position(15 * MINUTE)), (None, None));
    }

    #[test]
    fn no_rows_no_buckets() {
        let store = store_of(&[(MINUTE, Source::SignIn)]);
        let h = store.histogram(&[], 120);
        assert!(h.counts.is_empty() && h.by_source.is_empty());
        assert_eq!((h.span(), h.max_count()), (None, 0));
        assert!(h.source_totals().is_empty());
    }
}
