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
                for &row in rows {
                    if let Some(n) = col.rows.get(row as usize).and_then(|sym| by_symbol.get_mut(sym as usize)) {
                        *n += 1;
                    }
                }
                by_symbol
                    .iter()
                    .enumerate()
                    .skip(1) // the empty string
                    .filter(|(_, &n)| n > 0)
                    .map(|(sym, &n)| (col.dict.resolve(sym as u32).to_string(), n))
                    .collect()
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
