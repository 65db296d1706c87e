//! The place of every sign-in row of a store, resolved once per store
//! rather than once per filter.
//!
//! Reading a row's place (its country, city and coordinates, or the IP
//! databases' when the log has none) and finding it among the places was
//! most of the map's cost: over a million rows, 60–200 ms in the browser on
//! every change of filter. A place does not depend on the filter, so each
//! row's is worked out once, in slices of rows the page spreads over tasks,
//! and a filter then only counts (`PlaceTally`).

use super::signin_map::Located;
use super::world::{country_at, country_index};
use crate::model::Source;
use crate::store::{EventStore, TextColumn, EMPTY_TEXT_ID};
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

/// Coordinates closer than this share a place (0.1°: about 11 km, finer
/// than an address's geolocation is right).
const PLACE_GRID_PER_DEGREE: f64 = 10.0;

/// What a row is to the map, by place number.
pub(super) const NOT_A_SIGNIN: u32 = u32::MAX;
/// A sign-in with no place (no location, or a country the bundled table
/// does not know).
pub(super) const UNPLACED: u32 = u32::MAX - 1;
/// A row not resolved yet (beyond `RowPlaces::resolved`).
const UNRESOLVED: u32 = u32::MAX - 2;

/// One place where sign-ins happened, before any filter counts them.
#[derive(Clone, Debug, PartialEq)]
pub struct PlaceSpot {
    pub lat: f64,
    pub lon: f64,
    pub located: Located,
    /// As the log (or IP database) wrote them, from the first sign-in here
    /// in row order; no city for a country's centroid.
    pub city: String,
    pub country: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum PlaceKey {
    /// Latitude and longitude in grid steps.
    Grid(i32, i32),
    /// Index in the bundled country table.
    Country(usize),
}

/// Per store row, the place it happened at (an index in `spots`), or
/// `NOT_A_SIGNIN` / `UNPLACED`.
#[derive(Clone, Debug, Default)]
pub struct RowPlaces {
    place_of_row: Vec<u32>,
    /// Rows `0..resolved` are worked out.
    resolved: usize,
    spots: Vec<PlaceSpot>,
    index: BTreeMap<PlaceKey, u32>,
    /// Country texts to the bundled table, once per distinct text.
    countries: HashMap<String, Option<usize>>,
}

impl RowPlaces {
    /// Nothing resolved yet for a store of `rows` rows.
    pub fn new(rows: usize) -> RowPlaces {
        RowPlaces { place_of_row: vec![UNRESOLVED; rows], ..RowPlaces::default() }
    }

    /// Every row of `store` resolved in one go (native callers and tests).
    pub fn of(store: &EventStore) -> RowPlaces {
        let mut places = RowPlaces::new(store.len());
        places.resolve(store, store.len());
        places
    }

    /// Rows worked out so far, from the first.
    pub fn resolved(&self) -> usize {
        self.resolved
    }

    /// Rows of the store this was made for.
    pub fn len(&self) -> usize {
        self.place_of_row.len()
    }

    pub fn is_empty(&self) -> bool {
        self.place_of_row.is_empty()
    }

    pub fn is_complete(&self) -> bool {
        self.resolved == self.place_of_row.len()
    }

    pub fn spots(&self) -> &[PlaceSpot] {
        &self.spots
    }

    /// The place number of `row`, `NOT_A_SIGNIN` or `UNPLACED`.
    pub(super) fn place_of(&self, row: u32) -> u32 {
        self.place_of_row.get(row as usize).copied().unwrap_or(NOT_A_SIGNIN)
    }

    /// Work out up to `rows` more rows, from where the last call stopped.
    /// `store` must be the one (same rows) this was made for.
    pub fn resolve(&mut self, store: &EventStore, rows: usize) {
        let end = self.resolved.saturating_add(rows).min(self.place_of_row.len()).min(store.len());
        let range: Range<usize> = self.resolved..end;
        for row in range {
            let place = self.place_of_store_row(store, row as u32);
            if let Some(slot) = self.place_of_row.get_mut(row) {
                *slot = place;
            }
        }
        self.resolved = end;
    }

    fn place_of_store_row(&mut self, store: &EventStore, row: u32) -> u32 {
        if store.source(row) != Source::SignIn {
            return NOT_A_SIGNIN;
        }
        // The log's own place, read column by column; the IP databases'
        // (`EventStore::location`) only when the log has none.
        let (country_id, city_id, geo) = (store.text_id(row, TextColumn::Country), store.text_id(row, TextColumn::City), store.geo(row));
        let (country, city, geo) = if country_id != EMPTY_TEXT_ID || city_id != EMPTY_TEXT_ID || geo.is_some() {
            (store.text_of_id(TextColumn::Country, country_id), store.text_of_id(TextColumn::City, city_id), geo)
        } else {
            match store.location(row) {
                Some(location) => (location.country, location.city, location.geo),
                None => return UNPLACED,
            }
        };
        let key = match geo {
            Some((lat, lon)) if lat.is_finite() && lon.is_finite() => {
                PlaceKey::Grid((lat * PLACE_GRID_PER_DEGREE).round() as i32, (lon * PLACE_GRID_PER_DEGREE).round() as i32)
            }
            _ => {
                let known = match self.countries.get(country) {
                    Some(known) => *known,
                    None => *self.countries.entry(country.to_string()).or_insert_with(|| country_index(country)),
                };
                match known {
                    Some(i) => PlaceKey::Country(i),
                    None => return UNPLACED,
                }
            }
        };
        if let Some(&place) = self.index.get(&key) {
            return place;
        }
        let (lat, lon, located) = match (key, geo) {
            (PlaceKey::Grid(..), Some((lat, lon))) => (lat, lon, Located::Coordinates),
            (PlaceKey::Country(i), _) => {
                let (lat, lon) = country_at(i).map(|c| c.centroid).unwrap_or_default();
                (lat, lon, Located::CountryCentroid)
            }
            (PlaceKey::Grid(..), None) => (0.0, 0.0, Located::CountryCentroid),
        };
        let city = if located == Located::Coordinates { city.to_string() } else { String::new() };
        self.spots.push(PlaceSpot { lat, lon, located, city, country: country.to_string() });
        let place = self.spots.len() as u32 - 1;
        self.index.insert(key, place);
        place
    }
}
