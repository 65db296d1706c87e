//! Facets: the most frequent values of a field among some rows, counted by
//! symbol id so no string work happens per row.

use super::event_store::{EventStore, TextColumn};
use super::query::Field;
use crate::model::{Outcome, Source};

/// A field the timeline offers as a facet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FacetField {
    /// The actor.
    User,
    Ip,
    Country,
    Operation,
    Source,
    App,
    Outcome,
}

impl FacetField {
    pub const ALL: [FacetField; 7] =
        [FacetField::User, FacetField::Ip, FacetField::Country, FacetField::Operation, FacetField::Source, FacetField::App, FacetField::Outcome];

    pub fn label(self) -> &'static str {
        match self {
            FacetField::User => "User",
            FacetField::Ip => "IP address",
            FacetField::Country => "Country",
            FacetField::Operation => "Operation",
            FacetField::Source => "Source",
            FacetField::App => "App",
            FacetField::Outcome => "Outcome",
        }
    }

    /// The query field a facet value filters on (for `Query::with_term`).
    pub fn query_field(self) -> Field {
        match self {
            FacetField::User => Field::Actor,
            FacetField::Ip => Field::Ip,
            FacetField::Country => Field::Country,
            FacetField::Operation => Field::Op,
            FacetField::Source => Field::Source,
            FacetField::App => Field::App,
            FacetField::Outcome => Field::Outcome,
        }
    }

    fn column(self) -> Option<TextColumn> {
        match self {
            FacetField::User => Some(TextColumn::Actor),
            FacetField::Ip => Some(TextColumn::Ip),
            FacetField::Country => Some(TextColumn::Country),
            FacetField::Operation => Some(TextColumn::Operation),
            FacetField::App => Some(TextColumn::App),
            FacetField::Source | FacetField::Outcome => None,
        }
    }
}

/// One facet value and how many of the rows have it. For Source and
/// Outcome the value is the query key (`signin`, `failure`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FacetCount {
    pub value: String,
    pub count: u32,
}

impl EventStore {
    /// The `top` most frequent values of `field` among `rows`, most frequent
    /// first (ties by value). Rows where the log gave no value are not counted.
    pub fn facets(&self, rows: &[u32], field: FacetField, top: usize) -> Vec<FacetCount> {
        let mut counts: Vec<(String, u32)> = match field.column() {
            Some(column) => {
                let col = &self.text[column.index()];
                let mut by_symbol = vec![0u32; col.dict.len()];
                let len = self.len();
                // Width matched once, not per row: this runs over every
                // row shown on each redraw of a million-row timeline.
                col.rows.each(rows.iter().map(|&r| r as usize).filter(|&r| r < len), |_, sym| {
                    if let Some(n) = by_symbol.get_mut(sym as usize) {
                        *n += 1;
                    }
                });
                let mut found: Vec<(u32, u32)> = by_symbol
                    .iter()
                    .enumerate()
                    .skip(1) // the empty string
                    .filter(|(_, &n)| n > 0)
                    .map(|(sym, &n)| (sym as u32, n))
                    .collect();
                // Only the values that can make the top need their text
                // (thousands of addresses or record ids would each be copied).
                if found.len() > top && top > 0 {
                    found.select_nth_unstable_by(top - 1, |a, b| b.1.cmp(&a.1));
                    let least = found[top - 1].1;
                    found.retain(|&(_, n)| n >= least);
                }
                found.into_iter().map(|(sym, n)| (col.dict.resolve(sym).to_string(), n)).collect()
            }
            None => {
                let (column, keys): (&[u8], Vec<&str>) = if field == FacetField::Source {
                    (&self.source, Source::ALL.iter().map(|s| s.key()).collect())
                } else {
                    (&self.outcome, Outcome::ALL.iter().map(|o| o.key()).collect())
                };
                // As many counters as values: a fixed eight dropped the ninth source.
                let mut by_index = vec![0u32; keys.len()];
                for &row in rows {
                    if let Some(n) = column.get(row as usize).and_then(|&i| by_index.get_mut(i as usize)) {
                        *n += 1;
                    }
                }
                keys.iter().zip(by_index).filter(|(_, n)| *n > 0).map(|(k, n)| (k.to_string(), n)).collect()
            }
        };
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        counts.truncate(top);
        counts.into_iter().map(|(value, count)| FacetCount { value, count }).collect()
    }
}
