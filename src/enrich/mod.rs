//! Offline IP enrichment: where an address is and which network it belongs
//! to, from IP database files the analyst loads (DB-IP Lite CSVs,
//! iptoasn.com TSVs). Nothing is fetched; evidence is never rewritten: the
//! store keeps the log's own location and shows database answers beside it,
//! each labelled with the file it came from.
//!
//! - `format`: recognising a database file from its content.
//! - `parse`: reading one in batches, bad rows counted with their lines.
//! - `ranges`: sorted, disjoint address ranges and binary search.
//! - `database`: one loaded database (`IpDatabase`) and its report.
//!
//! `Enrichment` holds the loaded databases and combines their answers.

mod database;
mod format;
mod parse;
mod ranges;

pub use database::{BadRow, DbReport, Entry, IpDatabase, MAX_LISTED_BAD_ROWS};
pub use format::{detect, DbFormat};
pub use parse::{parse_database, DbParser};

use std::net::IpAddr;
use std::sync::Arc;

/// An address with IPv4-mapped IPv6 (`::ffff:1.2.3.4`) turned into IPv4,
/// the way the databases list them.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// A record of one loaded database.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RecordRef {
    pub database: u16,
    pub record: u32,
}

/// Where an address is, and which database said so.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Place<'a> {
    pub country: &'a str,
    pub region: &'a str,
    pub city: &'a str,
    pub geo: Option<(f64, f64)>,
    /// File name of the database.
    pub source: &'a str,
}

/// The autonomous system an address belongs to, and which database said so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Network<'a> {
    pub asn: u32,
    pub org: &'a str,
    pub source: &'a str,
}

/// The databases' combined answer for an address, as record references
/// (cheap to keep per distinct address).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Answer {
    pub place: Option<RecordRef>,
    pub network: Option<RecordRef>,
}

/// Everything known about one address.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct IpInfo<'a> {
    pub place: Option<Place<'a>>,
    pub network: Option<Network<'a>>,
}

/// The loaded databases, in load order. Cheap to clone.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Enrichment {
    databases: Vec<Arc<IpDatabase>>,
}

impl Enrichment {
    pub fn new() -> Enrichment {
        Enrichment::default()
    }

    /// Add a database; one with the same file name is replaced (a newer
    /// month's file of the same name, or the same file opened twice).
    pub fn add(&mut self, database: IpDatabase) {
        let database = Arc::new(database);
        match self.databases.iter_mut().find(|d| d.name() == database.name()) {
            Some(slot) => *slot = database,
            None => self.databases.push(database),
        }
    }

    /// Remove the database read from `name`; false when none was.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.databases.len();
        self.databases.retain(|d| d.name() != name);
        self.databases.len() != before
    }

    pub fn databases(&self) -> &[Arc<IpDatabase>] {
        &self.databases
    }

    pub fn is_empty(&self) -> bool {
        self.databases.is_empty()
    }

    /// Which records answer for `ip`. The place comes from the most precise
    /// database that places it (city, then country, then the registry
    /// country of an ASN file), the network from the first that names one;
    /// among equals, the database loaded first wins.
    pub fn answer(&self, ip: IpAddr) -> Answer {
        let ip = canonical(ip);
        let mut answer = Answer::default();
        let mut best_rank = 0;
        for (i, db) in self.databases.iter().enumerate() {
            let Some(record) = db.find(ip) else { continue };
            let Some(entry) = db.entry(record) else { continue };
            let here = RecordRef { database: i as u16, record };
            let rank = db.format().place_rank();
            if entry.has_place() && rank > best_rank {
                answer.place = Some(here);
                best_rank = rank;
            }
            if entry.asn.is_some() && answer.network.is_none() {
                answer.network = Some(here);
            }
        }
        answer
    }

    /// The place a record gives.
    pub fn place(&self, r: RecordRef) -> Option<Place<'_>> {
        let db = self.databases.get(usize::from(r.database))?;
        let e = db.entry(r.record)?;
        Some(Place { country: e.country, region: e.region, city: e.city, geo: e.geo, source: db.name() })
    }

    /// The network a record gives.
    pub fn network(&self, r: RecordRef) -> Option<Network<'_>> {
        let db = self.databases.get(usize::from(r.database))?;
        let e = db.entry(r.record)?;
        Some(Network { asn: e.asn?, org: e.as_org, source: db.name() })
    }

    /// Everything the databases say about `ip`.
    pub fn lookup(&self, ip: IpAddr) -> IpInfo<'_> {
        let answer = self.answer(ip);
        IpInfo { place: answer.place.and_then(|r| self.place(r)), network: answer.network.and_then(|r| self.network(r)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db(name: &str, text: &str) -> IpDatabase {
        parse_database(name, text.as_bytes().to_vec()).expect("a database")
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("test address")
    }

    #[test]
    fn city_and_asn_databases_answer_together_with_their_sources() {
        let mut e = Enrichment::new();
        e.add(db("asn.tsv", "203.0.113.0\t203.0.113.255\t64500\tNL\tEXAMPLE-AS\n"));
        e.add(db("city.csv", "203.0.113.0,203.0.113.127,EU,DE,Hesse,Frankfurt,50.11,8.68\n"));
        let info = e.lookup(ip("203.0.113.5"));
        let place = info.place.expect("placed");
        // The city database beats the ASN file's registry country.
        assert_eq!((place.country, place.city, place.source), ("DE", "Frankfurt", "city.csv"));
        let net = info.network.expect("network");
        assert_eq!((net.asn, net.org, net.source), (64500, "EXAMPLE-AS", "asn.tsv"));
        // Outside the city range only the registry country is known.
        let info = e.lookup(ip("203.0.113.200"));
        assert_eq!(info.place.map(|p| (p.country, p.source)), Some(("NL", "asn.tsv")));
        assert_eq!(e.lookup(ip("198.51.100.1")), IpInfo::default());
    }

    #[test]
    fn same_name_replaces_and_remove_forgets() {
        let mut e = Enrichment::new();
        e.add(db("c.csv", "10.0.0.0,10.0.0.255,DE\n"));
        e.add(db("c.csv", "10.0.0.0,10.0.0.255,FR\n"));
        assert_eq!(e.databases().len(), 1);
        assert_eq!(e.lookup(ip("10.0.0.1")).place.map(|p| p.country), Some("FR"));
        assert!(e.remove("c.csv"));
        assert!(!e.remove("c.csv"));
        assert!(e.is_empty());
    }
}
