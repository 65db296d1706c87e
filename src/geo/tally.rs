//! A filter's sign-ins counted by place, from the places every row was
//! resolved to (`RowPlaces`): per row, a place number read and a few column
//! reads (outcome, address, account). The rows can be given in slices, so
//! the page spreads a million of them over tasks; the tally owns all it
//! keeps (no borrow of the store between slices).

use super::row_places::{RowPlaces, NOT_A_SIGNIN, UNPLACED};
use super::signin_map::{MapPlace, OutcomeCounts, SigninMap, TravelHops};
use super::world::{country_at, country_index};
use crate::store::{EventStore, TextColumn};
use std::collections::{BTreeSet, HashSet};

/// Which places a dictionary value (an address, an account) was seen at,
/// without a set per place: nearly every address and account is at one
/// place of a filter, so a table by dictionary number holds the first place
/// and the rare others are listed apart, sorted once at the end. Two array
/// reads per row instead of two hash-set inserts.
struct SeenAt {
    /// Per dictionary number: 1 + the first place it was seen at, 0 if none.
    first: Vec<u32>,
    /// (place, dictionary number) for every value in order of first sight.
    pairs: Vec<(u32, u32)>,
    /// The other places values were seen at, possibly repeated.
    also: Vec<(u32, u32)>,
}

impl SeenAt {
    fn new(values: usize) -> SeenAt {
        SeenAt { first: vec![0; values], pairs: Vec::new(), also: Vec::new() }
    }

    fn note(&mut self, id: u32, place: u32) {
        match self.first.get_mut(id as usize) {
            Some(first) if *first == 0 => {
                *first = place + 1;
                self.pairs.push((place, id));
            }
            Some(first) if *first != place + 1 => self.also.push((place, id)),
            Some(_) => {}
            None => self.also.push((place, id)),
        }
    }

    /// The dictionary numbers seen at each of `places` places.
    fn by_place(mut self, places: usize) -> Vec<Vec<u32>> {
        self.also.sort_unstable();
        self.also.dedup();
        let mut by_place = vec![Vec::new(); places];
        for (place, id) in self.pairs.into_iter().chain(self.also) {
            if let Some(ids) = by_place.get_mut(place as usize) {
                ids.push(id);
            }
        }
        by_place
    }
}

/// One bit per store row.
struct RowBits(Vec<u64>);

impl RowBits {
    fn of(rows: impl Iterator<Item = u32>, len: usize) -> RowBits {
        let mut bits = vec![0u64; len.div_ceil(64)];
        for row in rows {
            if let Some(word) = bits.get_mut(row as usize / 64) {
                *word |= 1 << (row % 64);
            }
        }
        RowBits(bits)
    }

    fn has(&self, row: u32) -> bool {
        self.0.get(row as usize / 64).is_some_and(|word| word & (1 << (row % 64)) != 0)
    }
}

/// The sign-ins of a filter counted so far, by place number of `RowPlaces`.
pub struct PlaceTally {
    counts: Vec<OutcomeCounts>,
    addresses: SeenAt,
    accounts: SeenAt,
    unplaced: u32,
    /// The rows of the travel hops, to note which are in the filter.
    hop_rows: RowBits,
    /// Per entry of `TravelHops::rows`: 1 + its place, 0 while not among
    /// the rows counted.
    place_of_hop_row: Vec<u32>,
}

impl PlaceTally {
    /// An empty tally over `places` (resolved for all of `store`'s rows),
    /// noting the rows of `hops` as they come.
    pub fn new(store: &EventStore, places: &RowPlaces, hops: &TravelHops) -> PlaceTally {
        PlaceTally {
            counts: vec![OutcomeCounts::default(); places.spots().len()],
            addresses: SeenAt::new(store.text_id_count(TextColumn::Ip)),
            accounts: SeenAt::new(store.text_id_count(TextColumn::Actor)),
            unplaced: 0,
            hop_rows: RowBits::of(hops.rows.iter().copied(), store.len()),
            place_of_hop_row: vec![0; hops.rows.len()],
        }
    }

    /// Count `rows` (each once over all calls), with the same `store`,
    /// `places` and `hops` as `new`.
    pub fn add(&mut self, store: &EventStore, places: &RowPlaces, hops: &TravelHops, rows: &[u32]) {
        for &row in rows {
            let place = places.place_of(row);
            if place == NOT_A_SIGNIN {
                continue;
            }
            if place == UNPLACED {
                self.unplaced += 1;
                continue;
            }
            let Some(counts) = self.counts.get_mut(place as usize) else { continue };
            counts.add(store.outcome(row));
            self.addresses.note(store.text_id(row, TextColumn::Ip), place);
            self.accounts.note(store.text_id(row, TextColumn::Actor), place);
            if self.hop_rows.has(row) {
                if let Some(at) = hops.rows.binary_search(&row).ok().and_then(|i| self.place_of_hop_row.get_mut(i)) {
                    *at = place + 1;
                }
            }
        }
    }

    /// The map of the rows counted: places with at least one of them,
    /// busiest first, and the hops' lines between them. `marked` holds the
    /// case's indicator values (compared to addresses, any case).
    pub fn finish(self, store: &EventStore, places: &RowPlaces, marked: &[String], hops: &TravelHops) -> SigninMap {
        let marked: HashSet<String> = marked.iter().map(|m| m.trim().to_lowercase()).filter(|m| !m.is_empty()).collect();
        let texts = |column: TextColumn, ids: &[u32]| -> Vec<String> {
            let set: BTreeSet<&str> = ids.iter().map(|&id| store.text_of_id(column, id)).filter(|t| !t.is_empty()).collect();
            set.into_iter().map(str::to_string).collect()
        };
        let spots = places.spots();
        let (addresses, accounts) = (self.addresses.by_place(spots.len()), self.accounts.by_place(spots.len()));
        let mut kept: Vec<(usize, MapPlace)> = spots
            .iter()
            .zip(&self.counts)
            .zip(addresses.iter().zip(&accounts))
            .enumerate()
            .filter(|(_, ((_, counts), _))| counts.total() > 0)
            .map(|(i, ((spot, counts), (address_ids, account_ids)))| {
                let addresses = texts(TextColumn::Ip, address_ids);
                let marked_addresses = addresses.iter().filter(|a| marked.contains(&a.to_lowercase())).cloned().collect();
                let country_code = country_index(&spot.country).and_then(country_at).map(|c| c.code).filter(|c| !c.is_empty()).unwrap_or(&spot.country).to_string();
                let place = MapPlace {
                    lat: spot.lat,
                    lon: spot.lon,
                    located: spot.located,
                    city: spot.city.clone(),
                    country: spot.country.clone(),
                    country_code,
                    counts: *counts,
                    addresses,
                    accounts: texts(TextColumn::Actor, account_ids),
                    marked_addresses,
                };
                (i, place)
            })
            .collect();
        // Busiest first; ties in a fixed order so the drawing is stable.
        kept.sort_by(|(_, a), (_, b)| b.counts.total().cmp(&a.counts.total()).then_with(|| a.label().cmp(&b.label())));
        let mut drawn_at: Vec<Option<usize>> = vec![None; spots.len()];
        for (drawn, (spot, _)) in kept.iter().enumerate() {
            if let Some(slot) = drawn_at.get_mut(*spot) {
                *slot = Some(drawn);
            }
        }
        let lines = hops.lines(&self.place_of_hop_row, &drawn_at);
        SigninMap { places: kept.into_iter().map(|(_, p)| p).collect(), lines, unplaced: self.unplaced }
    }
}
