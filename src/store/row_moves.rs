//! Where rows went when the store took more rows in.
//!
//! Row numbers are positions in time order, so rows merged into the middle
//! push later rows down. A file that loads in parts does that several times
//! a second; whatever holds row numbers across a part (the findings on
//! screen, the selected row) follows its rows through these moves instead
//! of being thrown away and rebuilt. Only merges can be followed; removing
//! rows starts a new layout nothing older can be carried into.

use std::borrow::Cow;
use std::collections::VecDeque;

/// Merges kept: enough for a page that missed a few parts between renders.
/// Each costs 4 bytes per inserted row.
const MERGES_KEPT: usize = 4;

/// One merge: the rows of layout `from` became layout `from + 1` when
/// new rows were inserted among them.
#[derive(Clone, Debug)]
struct Merge {
    from: u64,
    /// For each inserted row, in order, how many of the earlier rows
    /// precede it (non-decreasing). Earlier rows kept their order, so an
    /// earlier row moved down by the inserted rows placed before it.
    inserted_after: Vec<u32>,
}

/// The store's row layouts and the merges between the recent ones.
#[derive(Clone, Debug, Default)]
pub struct RowMoves {
    layout: u64,
    merges: VecDeque<Merge>,
}

impl RowMoves {
    /// The current layout: row numbers handed out now are valid in it.
    pub fn layout(&self) -> u64 {
        self.layout
    }

    /// Rows were inserted among the existing ones (`inserted_after` as in
    /// `Merge`). A merge that moved nothing (rows added at the end) still
    /// starts a layout, so that "same layout" always means "same rows".
    pub fn merged(&mut self, inserted_after: Vec<u32>) {
        if self.merges.len() == MERGES_KEPT {
            self.merges.pop_front();
        }
        self.merges.push_back(Merge { from: self.layout, inserted_after });
        self.layout += 1;
    }

    /// Rows were removed or replaced: nothing older can be followed.
    pub fn rebuilt(&mut self) {
        self.merges.clear();
        self.layout += 1;
    }

    /// Where rows numbered in layout `since` are now; `None` when that
    /// layout is too old or was rebuilt since.
    pub fn since(&self, since: u64) -> Option<RowMover<'_>> {
        if since > self.layout {
            return None;
        }
        let first = self.merges.iter().position(|m| m.from == since);
        match first {
            Some(i) => Some(RowMover { merges: self.merges.range(i..).map(|m| Cow::Borrowed(m.inserted_after.as_slice())).collect() }),
            None if since == self.layout => Some(RowMover { merges: Vec::new() }),
            None => None,
        }
    }
}

/// Follows row numbers from an older layout to the current one.
pub struct RowMover<'m> {
    merges: Vec<Cow<'m, [u32]>>,
}

impl RowMover<'_> {
    /// A copy that does not hold the store (a few bytes per row merged),
    /// to follow many row numbers across tasks while the store changes.
    pub fn into_owned(self) -> RowMover<'static> {
        RowMover { merges: self.merges.into_iter().map(|m| Cow::Owned(m.into_owned())).collect() }
    }

    /// Nothing moved: every row number is still valid.
    pub fn is_identity(&self) -> bool {
        self.merges.iter().all(|inserted| inserted.is_empty())
    }

    pub fn row(&self, mut row: u32) -> u32 {
        for inserted_after in &self.merges {
            row += inserted_after.partition_point(|&earlier| earlier <= row) as u32;
        }
        row
    }

    /// Move every row number in `rows` (their order is kept: a merge never
    /// swaps two earlier rows).
    pub fn rows(&self, rows: &mut [u32]) {
        if !self.is_identity() {
            rows.iter_mut().for_each(|r| *r = self.row(*r));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_earlier_row_moves_down_by_the_rows_inserted_before_it() {
        let mut moves = RowMoves::default();
        let start = moves.layout();
        // Rows 0..4 were [a b c d]; x goes before a, y and z between c and d.
        moves.merged(vec![0, 3, 3]);
        let mover = moves.since(start).expect("one merge back");
        assert_eq!((0..4).map(|r| mover.row(r)).collect::<Vec<_>>(), vec![1, 2, 3, 6]);
    }

    #[test]
    fn moves_compose_over_several_merges_and_stop_at_a_rebuild() {
        let mut moves = RowMoves::default();
        let start = moves.layout();
        moves.merged(vec![1]); // [a x b]
        moves.merged(vec![0]); // [y a x b]
        let mover = moves.since(start).expect("two merges back");
        assert_eq!((mover.row(0), mover.row(1)), (1, 3));
        // A copy that outlives the moves follows rows the same way.
        let copied = {
            let short_lived = moves.clone();
            short_lived.since(start).expect("two merges back").into_owned()
        };
        let mut rows = [0, 1];
        copied.rows(&mut rows);
        assert_eq!(rows, [1, 3]);
        let middle = moves.layout() - 1;
        assert_eq!(moves.since(middle).map(|m| m.row(1)), Some(2));
        moves.rebuilt();
        assert!(moves.since(start).is_none());
        assert!(moves.since(moves.layout()).is_some_and(|m| m.is_identity()));
    }

    #[test]
    fn a_layout_older_than_the_merges_kept_cannot_be_followed() {
        let mut moves = RowMoves::default();
        let start = moves.layout();
        for _ in 0..MERGES_KEPT {
            moves.merged(Vec::new());
        }
        assert!(moves.since(start).is_some());
        moves.merged(Vec::new());
        assert!(moves.since(start).is_none());
        assert!(moves.since(moves.layout() + 1).is_none());
    }
}
