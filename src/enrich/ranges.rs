//! Address ranges to record numbers: sorted, non-overlapping, searched by
//! binary search. Stored as three parallel vectors rather than a vector of
//! tuples because `(u128, u128, u32)` pads to 48 bytes and three vectors
//! take 36 per IPv6 range.
//!
//! Databases are normally sorted and disjoint, but a hand-made or merged
//! file may not be: building sorts, and where ranges overlap every address
//! gets the narrowest range covering it (the most specific answer), ties
//! going to the range that came first in the file.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// An address as a number: `u32` for IPv4, `u128` for IPv6.
pub trait Addr: Copy + Ord + Default + std::fmt::Debug {
    fn succ(self) -> Option<Self>;
    /// `self - 1`; only called on values above the smallest address.
    fn pred(self) -> Self;
    fn distance(self, to: Self) -> u128;
}

impl Addr for u32 {
    fn succ(self) -> Option<u32> {
        self.checked_add(1)
    }
    fn pred(self) -> u32 {
        self.saturating_sub(1)
    }
    fn distance(self, to: u32) -> u128 {
        u128::from(to.saturating_sub(self))
    }
}

impl Addr for u128 {
    fn succ(self) -> Option<u128> {
        self.checked_add(1)
    }
    fn pred(self) -> u128 {
        self.saturating_sub(1)
    }
    fn distance(self, to: u128) -> u128 {
        to.saturating_sub(self)
    }
}

/// Ranges `starts[i]..=ends[i]` map to `records[i]`; sorted and disjoint.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RangeTable<T> {
    starts: Vec<T>,
    ends: Vec<T>,
    records: Vec<u32>,
}

impl<T: Addr> RangeTable<T> {
    /// Build from `(first, last, record)` rows in file order (`first <= last`).
    pub fn build(mut rows: Vec<(T, T, u32)>) -> RangeTable<T> {
        // Stable: rows starting at the same address stay in file order.
        rows.sort_by_key(|r| r.0);
        let disjoint = rows.windows(2).all(|w| w[0].1 < w[1].0);
        let mut table = RangeTable::default();
        if disjoint {
            table.starts = rows.iter().map(|r| r.0).collect();
            table.ends = rows.iter().map(|r| r.1).collect();
            table.records = rows.iter().map(|r| r.2).collect();
        } else {
            table.flatten(&rows);
        }
        table
    }

    /// Split overlapping rows (sorted by start) into disjoint pieces, each
    /// taking the narrowest row covering it. Sweeps the points where the
    /// covering set changes, keeping the covering rows in a heap ordered by
    /// width; rows that ended are dropped lazily when they reach the top.
    fn flatten(&mut self, rows: &[(T, T, u32)]) {
        let mut cuts: Vec<T> = rows.iter().map(|r| r.0).chain(rows.iter().filter_map(|r| r.1.succ())).collect();
        cuts.sort_unstable();
        cuts.dedup();
        let mut heap = BinaryHeap::new();
        let mut next = 0;
        for (i, &cut) in cuts.iter().enumerate() {
            while let Some(&(start, end, record)) = rows.get(next).filter(|r| r.0 <= cut) {
                heap.push(Reverse((start.distance(end), next, end, record)));
                next += 1;
            }
            while heap.peek().is_some_and(|Reverse(top)| top.2 < cut) {
                heap.pop();
            }
            let Some(Reverse((_, _, end, record))) = heap.peek().copied() else { continue };
            // Every row's end + 1 is a cut, so the narrowest row covers at
            // least up to the next cut.
            let piece_end = cuts.get(i + 1).map_or(end, |n| n.pred());
            self.push_merged(cut, piece_end, record);
        }
    }

    /// Append a piece, joining it to the previous one when they touch and
    /// share a record.
    fn push_merged(&mut self, start: T, end: T, record: u32) {
        if let (Some(last_end), Some(&last_record)) = (self.ends.last_mut(), self.records.last()) {
            if last_record == record && last_end.succ() == Some(start) {
                *last_end = end;
                return;
            }
        }
        self.starts.push(start);
        self.ends.push(end);
        self.records.push(record);
    }

    /// The record of the range holding `addr`.
    pub fn find(&self, addr: T) -> Option<u32> {
        let i = self.starts.partition_point(|&s| s <= addr).checked_sub(1)?;
        (*self.ends.get(i)? >= addr).then(|| self.records.get(i).copied()).flatten()
    }

    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn heap_bytes(&self) -> usize {
        (self.starts.capacity() + self.ends.capacity()) * std::mem::size_of::<T>() + self.records.capacity() * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disjoint_unsorted_rows_are_found() {
        let t = RangeTable::build(vec![(20u32, 29, 2), (0, 9, 0), (10, 19, 1)]);
        assert_eq!(t.len(), 3);
        assert_eq!([t.find(0), t.find(9), t.find(10), t.find(29), t.find(30)], [Some(0), Some(0), Some(1), Some(2), None]);
    }

    #[test]
    fn gaps_answer_nothing() {
        let t = RangeTable::build(vec![(10u32, 19, 7), (30, 39, 8)]);
        assert_eq!([t.find(5), t.find(25), t.find(40)], [None, None, None]);
    }

    #[test]
    fn the_narrowest_overlapping_range_wins() {
        // A /8-like block with a more specific block inside it, and another
        // row overlapping the block's end.
        let t = RangeTable::build(vec![(0u32, 255, 1), (16, 31, 2), (250, 300, 3)]);
        assert_eq!(t.find(15), Some(1));
        assert_eq!(t.find(16), Some(2));
        assert_eq!(t.find(31), Some(2));
        assert_eq!(t.find(32), Some(1));
        // 250..=255 is covered by both; the second is 51 wide, the first 256.
        assert_eq!(t.find(250), Some(3));
        assert_eq!(t.find(300), Some(3));
        assert_eq!(t.find(301), None);
    }

    #[test]
    fn equal_ranges_keep_the_first_row() {
        let t = RangeTable::build(vec![(5u32, 9, 1), (5, 9, 2)]);
        assert_eq!(t.find(7), Some(1));
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn ranges_touching_the_top_address() {
        let t = RangeTable::build(vec![(0u128, u128::MAX, 1), (u128::MAX - 1, u128::MAX, 2)]);
        assert_eq!(t.find(0), Some(1));
        assert_eq!(t.find(u128::MAX), Some(2));
        let t = RangeTable::build(vec![(u32::MAX, u32::MAX, 4)]);
        assert_eq!(t.find(u32::MAX), Some(4));
    }

    #[test]
    fn pieces_of_one_range_split_by_a_nested_one_rejoin_nothing_else() {
        let t = RangeTable::build(vec![(0u32, 99, 1), (40, 59, 2)]);
        assert_eq!(t.len(), 3);
        assert_eq!([t.find(39), t.find(40), t.find(59), t.find(60)], [Some(1), Some(2), Some(2), Some(1)]);
    }
}
