//! Where sign-ins came from: the rows of a timeline filter gathered into
//! places (one per rounded coordinate, or per country when a log gives only
//! the country), with what happened there, and the impossible-travel hops
//! between places. Each row's place is resolved once per store
//! (`row_places`); a filter's map is then one counting pass (`tally`).

use super::row_places::RowPlaces;
use super::tally::PlaceTally;
use super::world::{country_at, country_index};
use crate::detect::impossible_travel::{self, impossible_hop};
use crate::detect::{Context, Finding};
use crate::model::{Outcome, Source, TimeMs};
use crate::store::EventStore;
use crate::store::{Field, Query, Term, TermKind, TextColumn};
use std::collections::HashMap;

/// A place with more addresses than this is filtered by country instead of
/// by a list of addresses (a query box holding hundreds helps nobody).
const ADDRESSES_IN_QUERY: usize = 40;

/// Sign-ins at one place by outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutcomeCounts {
    pub success: u32,
    pub failure: u32,
    pub interrupted: u32,
    pub unknown: u32,
}

impl OutcomeCounts {
    pub(super) fn add(&mut self, outcome: Outcome) {
        let count = match outcome {
            Outcome::Success => &mut self.success,
            Outcome::Failure => &mut self.failure,
            Outcome::Interrupted => &mut self.interrupted,
            Outcome::Unknown => &mut self.unknown,
        };
        *count = count.saturating_add(1);
    }

    pub fn total(&self) -> u32 {
        self.success.saturating_add(self.failure).saturating_add(self.interrupted).saturating_add(self.unknown)
    }

    /// The most common outcome; a tie goes to the more alarming one
    /// (failure, then interrupted, then success).
    pub fn dominant(&self) -> Outcome {
        [(self.failure, Outcome::Failure), (self.interrupted, Outcome::Interrupted), (self.success, Outcome::Success), (self.unknown, Outcome::Unknown)]
            .into_iter()
            .fold((0, Outcome::Unknown), |best, (n, o)| if n > best.0 { (n, o) } else { best })
            .1
    }
}

/// How a place got its position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Located {
    /// The log's (or an IP database's) latitude and longitude.
    Coordinates,
    /// Only a country was known: the country's centroid.
    CountryCentroid,
}

/// One point of the map.
#[derive(Clone, Debug, PartialEq)]
pub struct MapPlace {
    pub lat: f64,
    pub lon: f64,
    pub located: Located,
    /// As the log (or IP database) wrote them, from the first sign-in here.
    pub city: String,
    pub country: String,
    /// ISO alpha-2 code when the country is known to the bundled table,
    /// else the country text as written.
    pub country_code: String,
    pub counts: OutcomeCounts,
    /// Sorted.
    pub addresses: Vec<String>,
    pub accounts: Vec<String>,
    /// The addresses here that the case marks as indicators.
    pub marked_addresses: Vec<String>,
}

impl MapPlace {
    /// "Lagos, NG", or "Nigeria (country only)" for a centroid.
    pub fn label(&self) -> String {
        match self.located {
            Located::CountryCentroid => format!("{} (country only)", country_name(&self.country)),
            Located::Coordinates if self.city.is_empty() && self.country.is_empty() => format!("{:.1}, {:.1}", self.lat, self.lon),
            Located::Coordinates if self.city.is_empty() => self.country.clone(),
            Located::Coordinates if self.country.is_empty() => self.city.clone(),
            Located::Coordinates => format!("{}, {}", self.city, self.country),
        }
    }

    pub fn is_marked(&self) -> bool {
        !self.marked_addresses.is_empty()
    }

    /// The timeline terms that show this place's sign-ins: its addresses
    /// (few enough to list), else its country.
    pub fn query_terms(&self) -> Vec<Term> {
        let term = |field: Field, values: Vec<String>| Term { negated: false, kind: TermKind::Match { field, values }, position: 0 };
        let place = if !self.addresses.is_empty() && self.addresses.len() <= ADDRESSES_IN_QUERY {
            term(Field::Ip, self.addresses.clone())
        } else {
            term(Field::Country, vec![self.country.clone()])
        };
        vec![term(Field::Source, vec![Source::SignIn.key().to_string()]), place]
    }
}

/// The query text that narrows `current` to a place: earlier place terms
/// (source, addresses, country, city) make way for the new ones, the rest
/// (time range, user, free text) stays.
pub fn place_query(current: &Query, place: &MapPlace) -> String {
    let replaced = |t: &Term| !t.negated && matches!(&t.kind, TermKind::Match { field: Field::Source | Field::Ip | Field::Country | Field::City, .. });
    let mut terms: Vec<Term> = current.terms.iter().filter(|t| !replaced(t)).cloned().collect();
    terms.extend(place.query_terms());
    Query { terms }.to_string()
}

/// The display name of a country text: the bundled table's name for a code
/// or a known name, else the text as written.
fn country_name(text: &str) -> String {
    country_index(text).and_then(country_at).map(|c| c.name().to_string()).unwrap_or_else(|| text.to_string())
}

/// Impossible travel between two places, from the detector's findings.
#[derive(Clone, Debug, PartialEq)]
pub struct TravelLine {
    /// Indexes in `SigninMap::places`.
    pub from: usize,
    pub to: usize,
    pub account: String,
    /// The first hop between the two places.
    pub km: f64,
    pub elapsed_ms: TimeMs,
    /// Infinite when both sign-ins happened at the same moment.
    pub kmh: f64,
    /// Hops between these two places in all, either way.
    pub hops: usize,
}

impl TravelLine {
    /// "5,230 km in 1 h 05 min, 4,828 km/h".
    pub fn label(&self) -> String {
        let speed = if self.kmh.is_finite() { format!("{} km/h", crate::report::document::thousands(self.kmh.round() as u64)) } else { "at the same moment".to_string() };
        let hops = if self.hops > 1 { format!(" ({} hops)", self.hops) } else { String::new() };
        format!("{} km in {}, {speed}{hops}", crate::report::document::thousands(self.km.round() as u64), duration(self.elapsed_ms))
    }
}


/// "under a minute", "40 min", "3 h 05 min", "2 d 4 h".
fn duration(ms: TimeMs) -> String {
    let minutes = ms.max(0) / 60_000;
    match minutes {
        0 => "under a minute".to_string(),
        m if m < 60 => format!("{m} min"),
        m if m < 48 * 60 => format!("{} h {:02} min", m / 60, m % 60),
        m => format!("{} d {} h", m / (24 * 60), m / 60 % 24),
    }
}

/// The sign-in map of a set of rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SigninMap {
    /// Busiest first.
    pub places: Vec<MapPlace>,
    pub lines: Vec<TravelLine>,
    /// Sign-ins among the rows with no place (no location, or a country
    /// the bundled table does not know).
    pub unplaced: u32,
}

impl SigninMap {
    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    /// The map of the sign-in rows among `rows`. `marked` holds the case's
    /// indicator values (compared to addresses, any case); travel lines
    /// come from `findings` of the impossible-travel detector, judged
    /// with `ctx` as the detector judged them, and are drawn only when
    /// both sign-ins of a hop are among `rows`.
    pub fn build(store: &EventStore, rows: &[u32], marked: &[String], findings: &[Finding], ctx: &Context) -> SigninMap {
        SigninMap::build_with(store, rows, marked, &TravelHops::of(store, ctx, findings))
    }

    /// `build` with the findings' hops worked out already: the page keeps
    /// them while the findings stay. Every row's place is resolved here;
    /// the page keeps those too (`RowPlaces`), and on a change of filter
    /// only counts (`of_places`).
    pub fn build_with(store: &EventStore, rows: &[u32], marked: &[String], hops: &TravelHops) -> SigninMap {
        SigninMap::of_places(store, &RowPlaces::of(store), rows, marked, hops)
    }

    /// The map of `rows` with every row's place resolved already (`places`
    /// for all of `store`'s rows): one pass of a few column reads per row.
    pub fn of_places(store: &EventStore, places: &RowPlaces, rows: &[u32], marked: &[String], hops: &TravelHops) -> SigninMap {
        let mut tally = PlaceTally::new(store, places, hops);
        tally.add(store, places, hops, rows);
        tally.finish(store, places, marked, hops)
    }
}

/// One impossible hop a travel finding cites: consecutive sign-ins of
/// one account, judged as the detector judged them.
#[derive(Clone, Debug, PartialEq)]
struct Hop {
    /// Positions in `TravelHops::rows`.
    from: usize,
    to: usize,
    account: String,
    km: f64,
    elapsed_ms: TimeMs,
    kmh: f64,
}

/// `TravelHops::of` a few findings at a time (the page paints between:
/// thousands of travel findings took one task of about 50 ms in wasm).
#[derive(Default)]
pub struct TravelHopsBuilder {
    pairs: Vec<(u32, u32, impossible_travel::Hop)>,
}

impl TravelHopsBuilder {
    /// Judge the hops of the travel findings among `findings` (slices of
    /// the findings, in order).
    pub fn add(&mut self, store: &EventStore, ctx: &Context, findings: &[Finding]) {
        for finding in findings.iter().filter(|f| f.detector == impossible_travel::DEF.id) {
            let mut rows = finding.rows.clone();
            rows.sort_by_key(|&r| (store.time(r), r));
            rows.dedup();
            for pair in rows.windows(2) {
                let [from, to] = [pair[0], pair[1]];
                if store.text_id(from, TextColumn::Actor) != store.text_id(to, TextColumn::Actor) {
                    continue;
                }
                if let Some(hop) = impossible_hop(store, ctx, from, to) {
                    self.pairs.push((from, to, hop));
                }
            }
        }
    }

    pub fn finish(self, store: &EventStore) -> TravelHops {
        let mut rows: Vec<u32> = self.pairs.iter().flat_map(|&(from, to, _)| [from, to]).collect();
        rows.sort_unstable();
        rows.dedup();
        let at = |row: u32| rows.binary_search(&row).unwrap_or_default();
        let hops = self
            .pairs
            .iter()
            .map(|(from, to, hop)| Hop { from: at(*from), to: at(*to), account: store.actor(*to).to_string(), km: hop.km, elapsed_ms: store.time(*to) - store.time(*from), kmh: hop.kmh })
            .collect();
        TravelHops { rows, hops }
    }
}

/// The hops of the impossible-travel findings, in the order they
/// happened finding by finding: what travel lines are drawn from, worked
/// out once per set of findings (sorting each finding's rows and judging
/// each pair) rather than on every change of filter.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TravelHops {
    /// The rows of every hop, sorted, once each.
    pub(super) rows: Vec<u32>,
    hops: Vec<Hop>,
}

impl TravelHops {
    pub fn of(store: &EventStore, ctx: &Context, findings: &[Finding]) -> TravelHops {
        let mut hops = TravelHopsBuilder::default();
        hops.add(store, ctx, findings);
        hops.finish(store)
    }

    /// One line per pair of places a hop joins (either way), in the order
    /// the hops happened; the first hop's numbers label it. `place_of_row`
    /// holds 1 + the place of each of `rows` (0: not in the filter),
    /// `drawn_at` the index in the map's places of each place number.
    pub(super) fn lines(&self, place_of_row: &[u32], drawn_at: &[Option<usize>]) -> Vec<TravelLine> {
        let mut lines: Vec<TravelLine> = Vec::new();
        let mut line_of: HashMap<(usize, usize), usize> = HashMap::new();
        let place = |i: usize| place_of_row.get(i).filter(|&&p| p > 0).and_then(|&p| drawn_at.get(p as usize - 1).copied().flatten());
        for hop in &self.hops {
            let (Some(a), Some(b)) = (place(hop.from), place(hop.to)) else { continue };
            if a == b {
                continue;
            }
            // There and back is one line: two on top of each other would
            // hide each other's labels.
            match line_of.get(&(a.min(b), a.max(b))) {
                Some(&i) => {
                    if let Some(line) = lines.get_mut(i) {
                        line.hops += 1;
                    }
                }
                None => {
                    line_of.insert((a.min(b), a.max(b)), lines.len());
                    lines.push(TravelLine { from: a, to: b, account: hop.account.clone(), km: hop.km, elapsed_ms: hop.elapsed_ms, kmh: hop.kmh, hops: 1 });
                }
            }
        }
        lines
    }
}
