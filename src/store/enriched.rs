//! The store's side of IP enrichment (`crate::enrich`): the databases' answer
//! for each distinct address, and each row's location with where it came
//! from. The IP column is interned, so a million events from a few thousand
//! addresses cost a few thousand lookups, and new files only look up the
//! addresses they add. The evidence columns are never written: a row whose
//! log gave a location keeps it; the databases only fill in the others.

use super::event_store::{EventStore, TextColumn};
use super::interner::{SymSet, EMPTY};
use crate::enrich::{Answer, Enrichment, Network, Place};
use crate::model::attr::STATE_PROVINCE;
use crate::model::Source;
use std::net::IpAddr;

/// The loaded databases and their answer per symbol of the IP column.
#[derive(Clone, Debug, Default)]
pub(super) struct IpAnswers {
    enrichment: Enrichment,
    answers: Vec<Answer>,
}

/// Where a row's location came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LocationSource<'a> {
    /// The log itself (sign-in logs carry one).
    Log(Source),
    /// A loaded IP database, by file name.
    Database(&'a str),
}

impl LocationSource<'_> {
    /// "from Entra sign-in log", "from dbip-city-lite-2026-11.csv".
    pub fn describe(&self) -> String {
        match self {
            LocationSource::Log(source) => format!("from {}", source.label()),
            LocationSource::Database(file) => format!("from {file}"),
        }
    }

    pub fn is_database(&self) -> bool {
        matches!(self, LocationSource::Database(_))
    }
}

/// A row's location as shown to the analyst.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Location<'a> {
    pub country: &'a str,
    pub region: &'a str,
    pub city: &'a str,
    pub geo: Option<(f64, f64)>,
    pub source: LocationSource<'a>,
}

/// An address as logs write it: bare, `1.2.3.4:port` or `[v6]:port`.
pub(super) fn parse_ip_loosely(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    if let Ok(ip) = text.parse() {
        return Some(ip);
    }
    if let Some(inner) = text.strip_prefix('[') {
        return inner.split_once(']').and_then(|(a, _)| a.parse().ok());
    }
    text.rsplit_once(':').and_then(|(a, _)| a.parse::<std::net::Ipv4Addr>().ok()).map(IpAddr::V4)
}

impl EventStore {
    /// Use these IP databases for every row's missing location and for
    /// networks (replacing any loaded before). Looks up each distinct
    /// address once.
    pub fn set_enrichment(&mut self, enrichment: Enrichment) {
        self.ip_answers = IpAnswers { enrichment, answers: Vec::new() };
        self.refresh_ip_answers();
    }

    /// The IP databases in use.
    pub fn enrichment(&self) -> &Enrichment {
        &self.ip_answers.enrichment
    }

    /// Look up the addresses interned since the last lookup.
    pub(super) fn refresh_ip_answers(&mut self) {
        let dict = &self.text[TextColumn::Ip.index()].dict;
        let answers = &mut self.ip_answers;
        if answers.enrichment.is_empty() {
            answers.answers.clear();
            return;
        }
        for sym in answers.answers.len() as u32..dict.len() as u32 {
            let answer = parse_ip_loosely(dict.resolve(sym)).map(|ip| answers.enrichment.answer(ip)).unwrap_or_default();
            answers.answers.push(answer);
        }
    }

    /// The IP column's dictionary was replaced: its answers no longer hold.
    pub(super) fn forget_ip_answers(&mut self) {
        self.ip_answers.answers.clear();
    }

    fn ip_answer(&self, row: u32) -> Answer {
        let sym = self.text[TextColumn::Ip.index()].rows.get(row as usize).unwrap_or(EMPTY);
        self.ip_answers.answers.get(sym as usize).copied().unwrap_or_default()
    }

    /// The row's location: the log's own when it gave one, else what the
    /// IP databases say about the row's address.
    pub fn location(&self, row: u32) -> Option<Location<'_>> {
        if self.log_has_location(row as usize) {
            return Some(Location {
                country: self.country(row),
                region: self.attr(row, STATE_PROVINCE).unwrap_or(""),
                city: self.city(row),
                geo: self.geo(row),
                source: LocationSource::Log(self.source(row)),
            });
        }
        let place: Place<'_> = self.ip_answers.enrichment.place(self.ip_answer(row).place?)?;
        Some(Location { country: place.country, region: place.region, city: place.city, geo: place.geo, source: LocationSource::Database(place.source) })
    }

    /// The autonomous system of the row's address, from the IP databases.
    pub fn network(&self, row: u32) -> Option<Network<'_>> {
        self.ip_answers.enrichment.network(self.ip_answer(row).network?)
    }

    /// Symbols of the IP column whose database place passes `test`.
    pub(super) fn ips_placed(&self, test: impl Fn(&Place<'_>) -> bool) -> SymSet {
        let answers = &self.ip_answers;
        let mut set = SymSet::with_capacity(answers.answers.len());
        for (sym, answer) in answers.answers.iter().enumerate() {
            if answer.place.and_then(|r| answers.enrichment.place(r)).is_some_and(|p| test(&p)) {
                set.insert(sym as u32);
            }
        }
        set
    }

    /// Symbols of the IP column whose database network passes `test`.
    pub(super) fn ips_in_network(&self, test: impl Fn(&Network<'_>) -> bool) -> SymSet {
        let answers = &self.ip_answers;
        let mut set = SymSet::with_capacity(answers.answers.len());
        for (sym, answer) in answers.answers.iter().enumerate() {
            if answer.network.and_then(|r| answers.enrichment.network(r)).is_some_and(|n| test(&n)) {
                set.insert(sym as u32);
            }
        }
        set
    }

    pub(super) fn ip_answers_heap_bytes(&self) -> usize {
        self.ip_answers.answers.capacity() * std::mem::size_of::<Answer>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::parse_database;
    use crate::ingest::IngestReport;
    use crate::model::Event;

    fn event(source: Source, ip: &str, country: &str) -> Event {
        Event { source, ip: ip.into(), country: country.into(), operation: "Op".into(), ..Event::default() }
    }

    fn enrichment() -> Enrichment {
        let mut e = Enrichment::new();
        let city = "203.0.113.0,203.0.113.255,EU,NL,North Holland,Amsterdam,52.37,4.89\n";
        e.add(parse_database("city.csv", city.as_bytes().to_vec()).expect("city db"));
        let asn = "203.0.113.0\t203.0.113.255\t64500\tNL\tEXAMPLE-AS\n";
        e.add(parse_database("asn.tsv", asn.as_bytes().to_vec()).expect("asn db"));
        e
    }

    #[test]
    fn log_locations_stay_and_database_fills_the_rest() {
        let mut store = EventStore::new();
        store.add_file(
            IngestReport::default(),
            crate::ingest::FileSource::default(),
            vec![event(Source::SignIn, "203.0.113.9", "FR"), event(Source::UnifiedAudit, "203.0.113.9:51234", ""), event(Source::UnifiedAudit, "", "")],
        );
        assert_eq!(store.location(1), None, "nothing to go on before a database is loaded");
        store.set_enrichment(enrichment());
        let signin = store.location(0).expect("log location");
        assert_eq!((signin.country, signin.source), ("FR", LocationSource::Log(Source::SignIn)));
        assert_eq!(signin.source.describe(), "from Entra sign-in log");
        let ual = store.location(1).expect("database location");
        assert_eq!((ual.country, ual.city, ual.source), ("NL", "Amsterdam", LocationSource::Database("city.csv")));
        assert_eq!(store.country(1), "", "the evidence column is not rewritten");
        assert_eq!(store.network(1).map(|n| (n.asn, n.source)), Some((64500, "asn.tsv")));
        assert_eq!(store.location(2), None);
    }

    #[test]
    fn files_added_after_the_database_are_enriched_too() {
        let mut store = EventStore::new();
        store.set_enrichment(enrichment());
        store.add_file(IngestReport::default(), crate::ingest::FileSource::default(), vec![event(Source::UnifiedAudit, "[::ffff:203.0.113.1]:443", "")]);
        assert_eq!(store.location(0).map(|l| l.city), Some("Amsterdam"));
        store.set_enrichment(Enrichment::new());
        assert_eq!(store.location(0), None);
    }

    #[test]
    fn loose_addresses() {
        assert_eq!(parse_ip_loosely("203.0.113.9:443"), "203.0.113.9".parse().ok());
        assert_eq!(parse_ip_loosely("[2001:db8::1]:443"), "2001:db8::1".parse().ok());
        assert_eq!(parse_ip_loosely(" 2001:db8::1 "), "2001:db8::1".parse().ok());
        assert_eq!(parse_ip_loosely("not an ip"), None);
    }
}
