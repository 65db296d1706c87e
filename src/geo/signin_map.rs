//! Where sign-ins came from: the rows of a timeline filter gathered into
//! places (one per rounded coordinate, or per country when a log gives only
//! the country), with what happened there, and the impossible-travel hops
//! between places. One pass over the rows, so the map of a million events
//! costs what its few hundred places cost.

use super::world::{country_at, country_index};
use crate::detect::impossible_travel::{self, impossible_hop};
use crate::detect::{Context, Finding};
use crate::model::{Outcome, Source, TimeMs};
use crate::store::{Field, Query, Term, TermKind, TextColumn, EMPTY_TEXT_ID};
use crate::store::EventStore;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Coordinates closer than this share a place (0.1°: about 11 km, finer
/// than an address's geolocation is right).
const PLACE_GRID_PER_DEGREE: f64 = 10.0;
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
    fn add(&mut self, outcome: Outcome) {
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

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum PlaceKey {
    /// Latitude and longitude in grid steps.
    Grid(i32, i32),
    /// Index in the bundled country table.
    Country(usize),
}

/// A place while the rows are read: resolved to texts at the end.
struct Gathering<'s> {
    lat: f64,
    lon: f64,
    located: Located,
    city: &'s str,
    country: &'s str,
    counts: OutcomeCounts,
}

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
    /// them while the findings stay, and rebuilds only the places on a
    /// change of filter.
    ///
    /// One pass, with nothing but column reads and a lookup among the few
    /// places per row: the page rebuilds the map on every change of filter,
    /// over up to a million rows.
    pub fn build_with(store: &EventStore, rows: &[u32], marked: &[String], hops: &TravelHops) -> SigninMap {
        let hop_rows = RowBits::of(hops.rows.iter().copied(), store.len());
        // Per entry of `hops.rows`: 1 + its place, 0 while not among `rows`.
        let mut place_of_hop_row: Vec<u32> = vec![0; hops.rows.len()];
        let mut index: BTreeMap<PlaceKey, usize> = BTreeMap::new();
        let mut gathered: Vec<Gathering<'_>> = Vec::new();
        // Country texts to the bundled table, once per distinct text.
        let mut countries: HashMap<&str, Option<usize>> = HashMap::new();
        let mut addresses = SeenAt::new(store.text_id_count(TextColumn::Ip));
        let mut accounts = SeenAt::new(store.text_id_count(TextColumn::Actor));
        let mut unplaced = 0u32;
        for &row in rows {
            if store.source(row) != Source::SignIn {
                continue;
            }
            // The log's own place, read column by column; the IP
            // databases' (`EventStore::location`) only when the log has none.
            let (country_id, city_id, geo) = (store.text_id(row, TextColumn::Country), store.text_id(row, TextColumn::City), store.geo(row));
            let (country, city, geo) = if country_id != EMPTY_TEXT_ID || city_id != EMPTY_TEXT_ID || geo.is_some() {
                (store.text_of_id(TextColumn::Country, country_id), store.text_of_id(TextColumn::City, city_id), geo)
            } else {
                match store.location(row) {
                    Some(location) => (location.country, location.city, location.geo),
                    None => {
                        unplaced += 1;
                        continue;
                    }
                }
            };
            let key = match geo {
                Some((lat, lon)) if lat.is_finite() && lon.is_finite() => {
                    PlaceKey::Grid((lat * PLACE_GRID_PER_DEGREE).round() as i32, (lon * PLACE_GRID_PER_DEGREE).round() as i32)
                }
                _ => match *countries.entry(country).or_insert_with(|| country_index(country)) {
                    Some(i) => PlaceKey::Country(i),
                    None => {
                        unplaced += 1;
                        continue;
                    }
                },
            };
            let place = *index.entry(key).or_insert_with(|| {
                let (lat, lon, located) = match (key, geo) {
                    (PlaceKey::Grid(..), Some((lat, lon))) => (lat, lon, Located::Coordinates),
                    _ => {
                        let (lat, lon) = match key {
                            PlaceKey::Country(i) => country_at(i).map(|c| c.centroid).unwrap_or_default(),
                            PlaceKey::Grid(..) => (0.0, 0.0),
                        };
                        (lat, lon, Located::CountryCentroid)
                    }
                };
                gathered.push(Gathering { lat, lon, located, city: if located == Located::Coordinates { city } else { "" }, country, counts: OutcomeCounts::default() });
                gathered.len() - 1
            });
            let Some(g) = gathered.get_mut(place) else { continue };
            g.counts.add(store.outcome(row));
            addresses.note(store.text_id(row, TextColumn::Ip), place as u32);
            accounts.note(store.text_id(row, TextColumn::Actor), place as u32);
            if hop_rows.has(row) {
                if let Some(at) = hops.rows.binary_search(&row).ok().and_then(|i| place_of_hop_row.get_mut(i)) {
                    *at = place as u32 + 1;
                }
            }
        }

        let marked: HashSet<String> = marked.iter().map(|m| m.trim().to_lowercase()).filter(|m| !m.is_empty()).collect();
        let texts = |column: TextColumn, ids: &[u32]| -> Vec<String> {
            let set: BTreeSet<&str> = ids.iter().map(|&id| store.text_of_id(column, id)).filter(|t| !t.is_empty()).collect();
            set.into_iter().map(str::to_string).collect()
        };
        let (addresses, accounts) = (addresses.by_place(gathered.len()), accounts.by_place(gathered.len()));
        let mut places: Vec<(usize, MapPlace)> = gathered
            .iter()
            .zip(addresses.iter().zip(&accounts))
            .enumerate()
            .map(|(i, (g, (address_ids, account_ids)))| {
                let addresses = texts(TextColumn::Ip, address_ids);
                let marked_addresses = addresses.iter().filter(|a| marked.contains(&a.to_lowercase())).cloned().collect();
                let country_code = country_index(g.country).and_then(country_at).map(|c| c.code).filter(|c| !c.is_empty()).unwrap_or(g.country).to_string();
                let place = MapPlace {
                    lat: g.lat,
                    lon: g.lon,
                    located: g.located,
                    city: g.city.to_string(),
                    country: g.country.to_string(),
                    country_code,
                    counts: g.counts,
                    addresses,
                    accounts: texts(TextColumn::Actor, account_ids),
                    marked_addresses,
                };
                (i, place)
            })
            .collect();
        // Busiest first; ties in a fixed order so the drawing is stable.
        places.sort_by(|(_, a), (_, b)| b.counts.total().cmp(&a.counts.total()).then_with(|| a.label().cmp(&b.label())));
        let mut new_index = vec![0usize; places.len()];
        for (new, (old, _)) in places.iter().enumerate() {
            new_index[*old] = new;
        }
        let places: Vec<MapPlace> = places.into_iter().map(|(_, p)| p).collect();
        let lines = hops.lines(&place_of_hop_row, &new_index);
        SigninMap { places, lines, unplaced }
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

/// The hops of the impossible-travel findings, in the order they
/// happened finding by finding: what travel lines are drawn from, worked
/// out once per set of findings (sorting each finding's rows and judging
/// each pair) rather than on every change of filter.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TravelHops {
    /// The rows of every hop, sorted, once each.
    rows: Vec<u32>,
    hops: Vec<Hop>,
}

impl TravelHops {
    pub fn of(store: &EventStore, ctx: &Context, findings: &[Finding]) -> TravelHops {
        let mut pairs: Vec<(u32, u32, impossible_travel::Hop)> = Vec::new();
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
                    pairs.push((from, to, hop));
                }
            }
        }
        let mut rows: Vec<u32> = pairs.iter().flat_map(|&(from, to, _)| [from, to]).collect();
        rows.sort_unstable();
        rows.dedup();
        let at = |row: u32| rows.binary_search(&row).unwrap_or_default();
        let hops = pairs
            .iter()
            .map(|(from, to, hop)| Hop { from: at(*from), to: at(*to), account: store.actor(*to).to_string(), km: hop.km, elapsed_ms: store.time(*to) - store.time(*from), kmh: hop.kmh })
            .collect();
        TravelHops { rows, hops }
    }

    /// One line per pair of places a hop joins (either way), in the order
    /// the hops happened; the first hop's numbers label it. `place_of_row`
    /// holds 1 + the place of each of `rows` (0: not in the filter),
    /// `new_index` the places' order as drawn.
    fn lines(&self, place_of_row: &[u32], new_index: &[usize]) -> Vec<TravelLine> {
        let mut lines: Vec<TravelLine> = Vec::new();
        let mut line_of: HashMap<(usize, usize), usize> = HashMap::new();
        let place = |i: usize| place_of_row.get(i).filter(|&&p| p > 0).and_then(|&p| new_index.get(p as usize - 1)).copied();
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
