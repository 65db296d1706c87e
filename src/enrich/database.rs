//! One loaded IP database: its ranges (IPv4 and IPv6 apart), the distinct
//! records they point at, and the distinct strings those records use, so a
//! city database of millions of ranges holds each place name once.

use super::format::DbFormat;
use super::ranges::RangeTable;
use serde::Serialize;
use std::net::IpAddr;

/// How many bad rows are listed; all are counted.
pub const MAX_LISTED_BAD_ROWS: usize = 100;

/// A row that could not be read, with its 1-based line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BadRow {
    pub line: u64,
    pub reason: String,
}

/// What reading a database file found.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DbReport {
    pub file: String,
    pub format: String,
    pub bytes: u64,
    pub rows_ok: u64,
    pub rows_bad: u64,
    /// Rows that say "no data here" (iptoasn's AS 0, "Not routed").
    pub rows_skipped: u64,
    /// Ranges kept after sorting (and splitting overlaps).
    pub ranges_v4: u64,
    pub ranges_v6: u64,
    /// The first bad rows.
    pub errors: Vec<BadRow>,
}

impl DbReport {
    pub(super) fn bad(&mut self, line: u64, reason: impl Into<String>) {
        self.rows_bad += 1;
        if self.errors.len() < MAX_LISTED_BAD_ROWS {
            self.errors.push(BadRow { line, reason: reason.into() });
        }
    }
}

/// A record's fields as symbols into the database's strings; coordinates as
/// `f32` bits (NaN when the row had none) so records can be hashed and
/// shared by every range with the same answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) struct Record {
    pub country: u32,
    pub region: u32,
    pub city: u32,
    pub lat: u32,
    pub lon: u32,
    /// 0 when the database has no AS number.
    pub asn: u32,
    pub org: u32,
}

/// What a database says about an address.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Entry<'a> {
    pub country: &'a str,
    pub region: &'a str,
    pub city: &'a str,
    pub geo: Option<(f64, f64)>,
    pub asn: Option<u32>,
    pub as_org: &'a str,
}

impl Entry<'_> {
    /// Whether the entry places the address anywhere.
    pub fn has_place(&self) -> bool {
        !self.country.is_empty() || !self.city.is_empty() || self.geo.is_some()
    }
}

/// A parsed IP database, named after the file it was read from.
#[derive(Clone, PartialEq)]
pub struct IpDatabase {
    pub(super) format: DbFormat,
    pub(super) report: DbReport,
    pub(super) v4: RangeTable<u32>,
    pub(super) v6: RangeTable<u128>,
    pub(super) records: Vec<Record>,
    /// Symbol 0 is "".
    pub(super) strings: Vec<Box<str>>,
}

impl std::fmt::Debug for IpDatabase {
    // The tables run to millions of entries: show what was loaded instead.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IpDatabase").field("format", &self.format).field("report", &self.report).finish_non_exhaustive()
    }
}

impl IpDatabase {
    /// The file name, which is how the analyst sees where an answer came from.
    pub fn name(&self) -> &str {
        &self.report.file
    }

    pub fn format(&self) -> DbFormat {
        self.format
    }

    pub fn report(&self) -> &DbReport {
        &self.report
    }

    /// The record number of the range holding `ip` (IPv4-mapped IPv6
    /// addresses are looked up as IPv4).
    pub fn find(&self, ip: IpAddr) -> Option<u32> {
        match super::canonical(ip) {
            IpAddr::V4(v4) => self.v4.find(u32::from(v4)),
            IpAddr::V6(v6) => self.v6.find(u128::from(v6)),
        }
    }

    /// A record's fields.
    pub fn entry(&self, record: u32) -> Option<Entry<'_>> {
        let r = self.records.get(record as usize)?;
        let (lat, lon) = (f32::from_bits(r.lat), f32::from_bits(r.lon));
        Some(Entry {
            country: self.text(r.country),
            region: self.text(r.region),
            city: self.text(r.city),
            geo: (!lat.is_nan() && !lon.is_nan()).then_some((f64::from(lat), f64::from(lon))),
            asn: (r.asn != 0).then_some(r.asn),
            as_org: self.text(r.org),
        })
    }

    pub fn lookup(&self, ip: IpAddr) -> Option<Entry<'_>> {
        self.entry(self.find(ip)?)
    }

    fn text(&self, sym: u32) -> &str {
        self.strings.get(sym as usize).map_or("", |s| s)
    }

    /// Approximate heap bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.v4.heap_bytes()
            + self.v6.heap_bytes()
            + self.records.capacity() * std::mem::size_of::<Record>()
            + self.strings.capacity() * std::mem::size_of::<Box<str>>()
            + self.strings.iter().map(|s| s.len()).sum::<usize>()
    }
}
