//! `Packed`: a column of small unsigned integers, each kept in the fewest
//! bytes that hold the largest value so far. A column that has only held
//! zeros costs nothing; one byte per row up to 255, two up to 65,535, else
//! four. Widening rewrites the column once, so a column is widened at most
//! three times over its life.
//!
//! The store keeps its interned text columns this way (a column with a few
//! hundred distinct strings costs one or two bytes per row, a column the
//! log never fills costs none), and the file, line and record length.

/// Unsigned integers in the narrowest width that holds them all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Packed {
    /// This many zeros.
    Zero(usize),
    U8(Vec<u8>),
    U16(Vec<u16>),
    U32(Vec<u32>),
}

impl Default for Packed {
    fn default() -> Self {
        Packed::Zero(0)
    }
}

impl Packed {
    /// `len` copies of `value`.
    pub(super) fn filled(value: u32, len: usize) -> Packed {
        let mut column = Packed::Zero(0);
        column.widen_for(value);
        match &mut column {
            Packed::Zero(n) => *n = len,
            Packed::U8(v) => v.resize(len, value as u8),
            Packed::U16(v) => v.resize(len, value as u16),
            Packed::U32(v) => v.resize(len, value),
        }
        column
    }

    pub(super) fn len(&self) -> usize {
        match self {
            Packed::Zero(n) => *n,
            Packed::U8(v) => v.len(),
            Packed::U16(v) => v.len(),
            Packed::U32(v) => v.len(),
        }
    }

    pub(super) fn get(&self, i: usize) -> Option<u32> {
        match self {
            Packed::Zero(n) => (i < *n).then_some(0),
            Packed::U8(v) => v.get(i).map(|&x| u32::from(x)),
            Packed::U16(v) => v.get(i).map(|&x| u32::from(x)),
            Packed::U32(v) => v.get(i).copied(),
        }
    }

    /// The value at `i`, which must be a valid row (like slice indexing).
    #[inline]
    pub(super) fn at(&self, i: usize) -> u32 {
        match self {
            Packed::Zero(n) => {
                assert!(i < *n, "row {i} out of {n}");
                0
            }
            Packed::U8(v) => u32::from(v[i]),
            Packed::U16(v) => u32::from(v[i]),
            Packed::U32(v) => v[i],
        }
    }

    pub(super) fn push(&mut self, value: u32) {
        self.widen_for(value);
        match self {
            Packed::Zero(n) => *n += 1,
            Packed::U8(v) => v.push(value as u8),
            Packed::U16(v) => v.push(value as u16),
            Packed::U32(v) => v.push(value),
        }
    }

    /// Append every value of `values`.
    #[cfg(test)]
    pub(super) fn extend(&mut self, values: impl IntoIterator<Item = u32>) {
        for value in values {
            self.push(value);
        }
    }

    /// Append `count` copies of `value`, widening at most once.
    pub(super) fn push_n(&mut self, value: u32, count: usize) {
        self.widen_for(value);
        match self {
            Packed::Zero(n) => *n += count,
            Packed::U8(v) => v.resize(v.len() + count, value as u8),
            Packed::U16(v) => v.resize(v.len() + count, value as u16),
            Packed::U32(v) => v.resize(v.len() + count, value),
        }
    }

    /// Append `map` of every value of `other`; `map` never returns more
    /// than `largest`. The width is settled once, not checked per value as
    /// `extend` does: merging a loading file's part into the store appends
    /// hundreds of thousands of values per column.
    pub(super) fn append_mapped(&mut self, other: &Packed, largest: u32, map: impl Fn(u32) -> u32) {
        if other.len() == 0 {
            return;
        }
        self.widen_for(largest);
        match self {
            Packed::Zero(n) => *n += other.len(),
            Packed::U8(v) => other.append_to(v, |x| map(x) as u8),
            Packed::U16(v) => other.append_to(v, |x| map(x) as u16),
            Packed::U32(v) => other.append_to(v, map),
        }
    }

    /// Append every value of `other`.
    pub(super) fn append(&mut self, other: &Packed) {
        self.append_mapped(other, other.largest(), |x| x);
    }

    fn largest(&self) -> u32 {
        match self {
            Packed::Zero(_) => 0,
            Packed::U8(v) => v.iter().copied().max().map_or(0, u32::from),
            Packed::U16(v) => v.iter().copied().max().map_or(0, u32::from),
            Packed::U32(v) => v.iter().copied().max().unwrap_or(0),
        }
    }

    fn append_to<T>(&self, out: &mut Vec<T>, convert: impl Fn(u32) -> T) {
        out.reserve(self.len());
        match self {
            Packed::Zero(n) => out.extend((0..*n).map(|_| convert(0))),
            Packed::U8(v) => out.extend(v.iter().map(|&x| convert(u32::from(x)))),
            Packed::U16(v) => out.extend(v.iter().map(|&x| convert(u32::from(x)))),
            Packed::U32(v) => out.extend(v.iter().map(|&x| convert(x))),
        }
    }

    /// Call `f(n, value)` for the `n`th of `rows`, with the width matched
    /// once rather than per row (rows must be valid).
    #[inline]
    pub(super) fn each(&self, rows: impl Iterator<Item = usize>, mut f: impl FnMut(usize, u32)) {
        match self {
            Packed::Zero(_) => rows.enumerate().for_each(|(n, _)| f(n, 0)),
            Packed::U8(v) => rows.enumerate().for_each(|(n, r)| f(n, u32::from(v[r]))),
            Packed::U16(v) => rows.enumerate().for_each(|(n, r)| f(n, u32::from(v[r]))),
            Packed::U32(v) => rows.enumerate().for_each(|(n, r)| f(n, v[r])),
        }
    }

    /// The rows of `rows` whose value passes `keep`, in order (rows must
    /// be valid).
    #[inline]
    pub(super) fn select(&self, rows: impl Iterator<Item = usize>, keep: impl Fn(u32) -> bool) -> Vec<u32> {
        match self {
            Packed::Zero(_) => rows.filter(|_| keep(0)).map(|r| r as u32).collect(),
            Packed::U8(v) => rows.filter(|&r| keep(u32::from(v[r]))).map(|r| r as u32).collect(),
            Packed::U16(v) => rows.filter(|&r| keep(u32::from(v[r]))).map(|r| r as u32).collect(),
            Packed::U32(v) => rows.filter(|&r| keep(v[r])).map(|r| r as u32).collect(),
        }
    }

    #[cfg(test)]
    pub(super) fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.len()).map(move |i| self.at(i))
    }

    /// Keep the rows listed, in the order listed.
    /// Put the values from `start` on in `order` (positions counted from
    /// `start`), then move them in front of the others.
    pub(super) fn tail_to_front(&mut self, start: usize, order: &[u32]) {
        use super::event_store::tail_to_front;
        match self {
            Packed::Zero(_) => {}
            Packed::U8(v) => tail_to_front(v, start, order),
            Packed::U16(v) => tail_to_front(v, start, order),
            Packed::U32(v) => tail_to_front(v, start, order),
        }
    }

    /// Rotate the values in `range` left by `by`.
    pub(super) fn rotate_left_in(&mut self, range: std::ops::Range<usize>, by: usize) {
        match self {
            Packed::Zero(_) => {}
            Packed::U8(v) => v[range].rotate_left(by),
            Packed::U16(v) => v[range].rotate_left(by),
            Packed::U32(v) => v[range].rotate_left(by),
        }
    }

    pub(super) fn gather(&mut self, order: &[u32]) {
        fn pick<T: Copy>(v: &Vec<T>, order: &[u32]) -> Vec<T> {
            super::event_store::gathered(v, order, v.capacity())
        }
        *self = match self {
            Packed::Zero(_) => Packed::Zero(order.len()),
            Packed::U8(v) => Packed::U8(pick(v, order)),
            Packed::U16(v) => Packed::U16(pick(v, order)),
            Packed::U32(v) => Packed::U32(pick(v, order)),
        };
    }

    pub(super) fn reserve(&mut self, extra: usize) {
        match self {
            Packed::Zero(_) => {}
            Packed::U8(v) => v.reserve(extra),
            Packed::U16(v) => v.reserve(extra),
            Packed::U32(v) => v.reserve(extra),
        }
    }

    /// Room for exactly `extra` more values (no doubling past them).
    pub(super) fn reserve_exact(&mut self, extra: usize) {
        match self {
            Packed::Zero(_) => {}
            Packed::U8(v) => v.reserve_exact(extra),
            Packed::U16(v) => v.reserve_exact(extra),
            Packed::U32(v) => v.reserve_exact(extra),
        }
    }

    pub(super) fn shrink_to_fit(&mut self) {
        match self {
            Packed::Zero(_) => {}
            Packed::U8(v) => v.shrink_to_fit(),
            Packed::U16(v) => v.shrink_to_fit(),
            Packed::U32(v) => v.shrink_to_fit(),
        }
    }

    pub(super) fn heap_bytes(&self) -> usize {
        match self {
            Packed::Zero(_) => 0,
            Packed::U8(v) => v.capacity(),
            Packed::U16(v) => v.capacity() * 2,
            Packed::U32(v) => v.capacity() * 4,
        }
    }

    /// Rewrite the column in a width that holds `value`, if it does not yet.
    fn widen_for(&mut self, value: u32) {
        let needed = match value {
            0 => 0,
            1..=0xff => 1,
            0x100..=0xffff => 2,
            _ => 4,
        };
        let width = match self {
            Packed::Zero(_) => 0,
            Packed::U8(_) => 1,
            Packed::U16(_) => 2,
            Packed::U32(_) => 4,
        };
        if needed <= width {
            return;
        }
        let len = self.len();
        let old = std::mem::take(self);
        let values = (0..len).map(|i| old.at(i));
        // The room made for rows still to come (`reserve`) is kept: a
        // column widened to its exact length grew by doubling from there.
        let room = old.capacity().max(len);
        *self = match needed {
            1 => Packed::U8(with_room(values.map(|x| x as u8), room)),
            2 => Packed::U16(with_room(values.map(|x| x as u16), room)),
            _ => Packed::U32(with_room(values, room)),
        };
    }

    /// Values the column holds room for without growing.
    fn capacity(&self) -> usize {
        match self {
            Packed::Zero(n) => *n,
            Packed::U8(v) => v.capacity(),
            Packed::U16(v) => v.capacity(),
            Packed::U32(v) => v.capacity(),
        }
    }
}

fn with_room<T>(values: impl Iterator<Item = T>, room: usize) -> Vec<T> {
    let mut column = Vec::with_capacity(room);
    column.extend(values);
    column
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appending_a_column_widens_once_and_keeps_every_value() {
        let mut c = Packed::default();
        c.extend([0, 3]);
        let mut wide = Packed::default();
        wide.extend([70_000, 0, 5]);
        c.append(&wide);
        assert!(matches!(c, Packed::U32(_)));
        assert_eq!(c.iter().collect::<Vec<_>>(), vec![0, 3, 70_000, 0, 5]);
        c.append(&Packed::Zero(2));
        c.push_n(9, 2);
        assert_eq!(c.iter().skip(5).collect::<Vec<_>>(), vec![0, 0, 9, 9]);
        let mut narrow = Packed::default();
        narrow.append_mapped(&wide, 300, |x| if x == 70_000 { 300 } else { x });
        assert!(matches!(narrow, Packed::U16(_)));
        assert_eq!(narrow.iter().collect::<Vec<_>>(), vec![300, 0, 5]);
        let mut zeros = Packed::default();
        zeros.append(&Packed::Zero(3));
        assert_eq!((zeros.len(), zeros.heap_bytes()), (3, 0));
    }

    #[test]
    fn starts_free_and_widens_only_as_needed() {
        let mut c = Packed::default();
        c.extend([0, 0, 0]);
        assert_eq!((c.len(), c.heap_bytes()), (3, 0));
        c.push(200);
        assert!(matches!(c, Packed::U8(_)));
        c.push(70_000);
        assert!(matches!(c, Packed::U32(_)), "skips a width that would not hold the value");
        c.push(1);
        assert_eq!(c.iter().collect::<Vec<_>>(), vec![0, 0, 0, 200, 70_000, 1]);
        assert_eq!((c.get(4), c.get(6)), (Some(70_000), None));
    }

    #[test]
    fn every_width_keeps_its_values() {
        for max in [0u32, 9, 300, 65_535, 65_536, u32::MAX] {
            let values: Vec<u32> = (0..1000u32).map(|i| if i % 7 == 3 { max } else { i % 5 * (max / 5) }).collect();
            let mut c = Packed::default();
            c.extend(values.iter().copied());
            assert_eq!(c.iter().collect::<Vec<_>>(), values, "max {max}");
            let order: Vec<u32> = (0..1000u32).rev().step_by(3).collect();
            c.gather(&order);
            let expected: Vec<u32> = order.iter().map(|&r| values[r as usize]).collect();
            assert_eq!(c.iter().collect::<Vec<_>>(), expected, "gathered, max {max}");
        }
    }

    #[test]
    fn each_visits_the_rows_given() {
        for column in [Packed::Zero(5), Packed::filled(9, 5), Packed::filled(900, 5), Packed::filled(90_000, 5)] {
            let mut seen = Vec::new();
            column.each([4, 0, 2].into_iter(), |n, v| seen.push((n, v)));
            let v = column.at(0);
            assert_eq!(seen, vec![(0, v), (1, v), (2, v)]);
        }
    }

    #[test]
    fn select_keeps_rows_by_value() {
        let mut column = Packed::default();
        column.extend([0, 5, 300, 5, 0]);
        assert_eq!(column.select(0..5, |v| v == 5), vec![1, 3]);
        assert_eq!(column.select([4, 2, 0].into_iter(), |v| v != 5), vec![4, 2, 0]);
        assert_eq!(Packed::Zero(3).select(0..3, |v| v == 0), vec![0, 1, 2]);
    }

    #[test]
    fn filled_columns() {
        assert_eq!(Packed::filled(0, 4), Packed::Zero(4));
        assert_eq!(Packed::filled(7, 3), Packed::U8(vec![7, 7, 7]));
        assert_eq!(Packed::filled(300, 2).iter().collect::<Vec<_>>(), vec![300, 300]);
    }

    #[test]
    #[should_panic]
    fn at_checks_the_row_even_for_zeros() {
        Packed::Zero(2).at(2);
    }
}
