//! The story's time axis: a span of time cut into a fixed number of
//! columns (one per pixel or so of the drawing), and tick times at round
//! steps for its labels.

use crate::model::TimeMs;

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 60 * MINUTE_MS;
const DAY_MS: i64 = 24 * HOUR_MS;

/// Tick steps, smallest first; a step is the smallest that keeps the ticks
/// within the number asked for.
const TICK_STEPS: [i64; 14] = [
    MINUTE_MS,
    5 * MINUTE_MS,
    15 * MINUTE_MS,
    30 * MINUTE_MS,
    HOUR_MS,
    3 * HOUR_MS,
    6 * HOUR_MS,
    12 * HOUR_MS,
    DAY_MS,
    2 * DAY_MS,
    7 * DAY_MS,
    14 * DAY_MS,
    30 * DAY_MS,
    365 * DAY_MS,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Axis {
    /// First and last instant shown, inclusive; `end > start`.
    pub start: TimeMs,
    pub end: TimeMs,
    /// How many columns the span is cut into; at least 1.
    pub columns: u32,
}

impl Axis {
    /// An axis over `start..=end`; a span of one instant is widened to a
    /// minute each side so there is something to draw.
    pub fn new(start: TimeMs, end: TimeMs, columns: u32) -> Axis {
        let (start, end) = if end > start { (start, end) } else { (start.saturating_sub(MINUTE_MS), start.saturating_add(MINUTE_MS)) };
        Axis { start, end, columns: columns.max(1) }
    }

    fn span(&self) -> i128 {
        i128::from(self.end) - i128::from(self.start) + 1
    }

    /// The column a time falls in; times outside the span go to the edge.
    pub fn column(&self, time: TimeMs) -> u32 {
        let offset = (i128::from(time) - i128::from(self.start)).clamp(0, self.span() - 1);
        let column = offset * i128::from(self.columns) / self.span();
        u32::try_from(column).unwrap_or(self.columns - 1).min(self.columns - 1)
    }

    /// Where a time sits across the axis, 0.0 (start) to 1.0 (end).
    pub fn fraction(&self, time: TimeMs) -> f64 {
        let offset = (i128::from(time) - i128::from(self.start)).clamp(0, self.span() - 1);
        offset as f64 / (self.span() - 1).max(1) as f64
    }

    /// The first and last instant of a column.
    pub fn column_span(&self, column: u32) -> (TimeMs, TimeMs) {
        let at = |c: u32| i128::from(self.start) + i128::from(c) * self.span() / i128::from(self.columns);
        let first = at(column.min(self.columns - 1));
        let next = at(column.min(self.columns - 1) + 1);
        (clamp_time(first), clamp_time(next - 1))
    }

    /// Times at a round step (whole minutes, hours or days in UTC) inside
    /// the span, at most `max` of them (and at least one step's worth).
    pub fn ticks(&self, max: usize) -> Vec<TimeMs> {
        let max = max.max(1) as i128;
        let span = self.span();
        let step = TICK_STEPS.iter().copied().find(|&s| span / i128::from(s) <= max).unwrap_or(TICK_STEPS[TICK_STEPS.len() - 1]);
        let first = self.start.div_euclid(step).saturating_add(i64::from(self.start.rem_euclid(step) != 0)).saturating_mul(step);
        (0..).map(|i: i64| first.saturating_add(i.saturating_mul(step))).take_while(|&t| t <= self.end).take(max as usize + 1).collect()
    }
}

fn clamp_time(value: i128) -> TimeMs {
    TimeMs::try_from(value).unwrap_or(if value < 0 { TimeMs::MIN } else { TimeMs::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_fall_in_columns_that_cover_them() {
        let axis = Axis::new(0, 999, 10);
        assert_eq!((axis.column(0), axis.column(99), axis.column(100), axis.column(999)), (0, 0, 1, 9));
        assert_eq!((axis.column(-5), axis.column(5000)), (0, 9), "outside goes to the edges");
        for c in 0..10 {
            let (first, last) = axis.column_span(c);
            assert_eq!((axis.column(first), axis.column(last)), (c, c));
        }
        assert_eq!(axis.column_span(0).0, 0);
        assert_eq!(axis.column_span(9).1, 999);
        assert_eq!((axis.fraction(0), axis.fraction(999)), (0.0, 1.0));
    }

    #[test]
    fn one_instant_still_has_a_span() {
        let axis = Axis::new(5 * MINUTE_MS, 5 * MINUTE_MS, 0);
        assert!(axis.end > axis.start);
        assert_eq!(axis.columns, 1);
        assert_eq!(axis.column(5 * MINUTE_MS), 0);
    }

    #[test]
    fn ticks_are_round_and_few() {
        // 00:20 one day to 23:00 the next.
        let start = 20_500 * DAY_MS + 20 * MINUTE_MS;
        let axis = Axis::new(start, start + 2 * DAY_MS - 80 * MINUTE_MS, 500);
        let ticks = axis.ticks(6);
        assert!(!ticks.is_empty() && ticks.len() <= 7, "{ticks:?}");
        assert!(ticks.iter().all(|t| t % (6 * HOUR_MS) == 0 && (axis.start..=axis.end).contains(t)), "{ticks:?}");
        let short = Axis::new(0, 10 * MINUTE_MS, 100);
        assert_eq!(short.ticks(5), vec![0, 5 * MINUTE_MS, 10 * MINUTE_MS]);
    }
}
