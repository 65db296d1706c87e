//! Reading an IP database file into an `IpDatabase`, a batch of rows at a
//! time so the browser can show progress between batches. A bad row is
//! counted and listed with its line; it never costs the rest of the file.

use super::database::{DbReport, IpDatabase, Record};
use super::format::{detect, DbFormat};
use super::ranges::RangeTable;
use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::Cursor;
use std::net::IpAddr;

/// Bits of an `f32` NaN: "no coordinates".
const NO_COORD: u32 = 0x7fc0_0000;

/// A multiply-rotate hasher (the FxHash scheme) for the builder's maps,
/// which hash several short keys per row over millions of rows. SipHash's
/// protection against crafted collisions buys nothing for a file the
/// analyst chose, and costs a good share of the parse time.
#[derive(Default, Clone, Copy)]
struct QuickHasher(u64);

impl QuickHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for QuickHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let mut tail = [0u8; 8];
        let rest = chunks.remainder();
        tail[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(tail) ^ ((rest.len() as u64) << 56));
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type QuickMap<K, V> = HashMap<K, V, BuildHasherDefault<QuickHasher>>;

/// Distinct strings and records, gathered while reading. The hash maps are
/// dropped when the database is finished; only the lists are kept.
#[derive(Default)]
struct Builder {
    strings: Vec<Box<str>>,
    string_ids: QuickMap<Box<str>, u32>,
    records: Vec<Record>,
    record_ids: QuickMap<Record, u32>,
    v4: Vec<(u32, u32, u32)>,
    v6: Vec<(u128, u128, u32)>,
}

impl Builder {
    fn new() -> Builder {
        let mut b = Builder::default();
        b.string("");
        b
    }

    fn string(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.string_ids.get(s) {
            return id;
        }
        let id = self.strings.len() as u32;
        self.strings.push(s.into());
        self.string_ids.insert(s.into(), id);
        id
    }

    fn record(&mut self, r: Record) -> u32 {
        let next = self.records.len() as u32;
        let id = *self.record_ids.entry(r).or_insert(next);
        if id == next {
            self.records.push(r);
        }
        id
    }
}

/// A database file being read.
pub struct DbParser {
    format: DbFormat,
    reader: csv::Reader<Cursor<Vec<u8>>>,
    row: csv::ByteRecord,
    total: u64,
    done: bool,
    build: Builder,
    report: DbReport,
}

impl DbParser {
    /// Start reading `bytes` as the database `name`. Err says why the file
    /// is not an IP database Loupe reads.
    pub fn open(name: &str, mut bytes: Vec<u8>) -> Result<DbParser, String> {
        let format = detect(&bytes).ok_or_else(|| {
            format!("{name} is not an IP database Loupe reads (DB-IP City, Country or ASN Lite CSV, or an iptoasn.com TSV)")
        })?;
        let report = DbReport { file: name.to_string(), format: format.label().to_string(), bytes: bytes.len() as u64, ..DbReport::default() };
        if bytes.starts_with(b"\xEF\xBB\xBF") {
            bytes.drain(..3);
        }
        let total = bytes.len().max(1) as u64;
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(format.delimiter())
            // iptoasn descriptions are not quoted and may hold a lone `"`.
            .quoting(format != DbFormat::IpToAsn)
            .from_reader(Cursor::new(bytes));
        Ok(DbParser { format, reader, row: csv::ByteRecord::new(), total, done: false, build: Builder::new(), report })
    }

    pub fn format(&self) -> DbFormat {
        self.format
    }

    /// Read up to `max_rows` more rows. Returns false once the file is done.
    pub fn step(&mut self, max_rows: usize) -> bool {
        for _ in 0..max_rows {
            if self.done {
                return false;
            }
            let before = self.reader.position().byte();
            match self.reader.read_byte_record(&mut self.row) {
                Ok(false) => self.done = true,
                Ok(true) => {
                    let line = self.row.position().map_or(0, |p| p.line());
                    if self.row.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
                        continue; // blank line
                    }
                    match self.read_row() {
                        Ok(true) => self.report.rows_ok += 1,
                        Ok(false) => self.report.rows_skipped += 1,
                        Err(why) => self.report.bad(line, why),
                    }
                }
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    self.report.bad(line, format!("not readable as CSV: {e}"));
                    // A reader that cannot move on would repeat the error forever.
                    if self.reader.position().byte() == before {
                        self.done = true;
                    }
                }
            }
        }
        !self.done
    }

    /// Share of the file read so far, 0.0 to 1.0.
    pub fn progress(&self) -> f64 {
        if self.done {
            1.0
        } else {
            self.reader.position().byte() as f64 / self.total as f64
        }
    }

    /// Read the rest and build the lookup tables.
    pub fn finish(mut self) -> IpDatabase {
        while self.step(usize::MAX) {}
        let Builder { strings, records, v4, v6, .. } = self.build;
        let (v4, v6) = (RangeTable::build(v4), RangeTable::build(v6));
        let mut report = self.report;
        report.ranges_v4 = v4.len() as u64;
        report.ranges_v6 = v6.len() as u64;
        let mut strings = strings;
        strings.shrink_to_fit();
        IpDatabase { format: self.format, report, v4, v6, records, strings }
    }

    /// Map the current row; Ok(false) for rows that carry no answer.
    fn read_row(&mut self) -> Result<bool, String> {
        let (format, width) = (self.format, self.format.width());
        if self.row.len() != width {
            return Err(format!("has {} fields; a {} row has {width}", self.row.len(), format.label()));
        }
        let (row, b) = (&self.row, &mut self.build);
        let field = |i: usize| -> Cow<'_, str> {
            match row.get(i).map(String::from_utf8_lossy) {
                Some(Cow::Borrowed(s)) => Cow::Borrowed(s.trim()),
                Some(Cow::Owned(s)) => Cow::Owned(s.trim().to_string()),
                None => Cow::Borrowed(""),
            }
        };
        let range = parse_range(&field(0), &field(1))?;
        let (country, region, city, lat, lon, asn, org) = match format {
            DbFormat::DbipCity => {
                let (lat, lon) = (coordinate(&field(6), "latitude", 90.0)?, coordinate(&field(7), "longitude", 180.0)?);
                (field(3), field(4), field(5), lat, lon, 0, Cow::Borrowed(""))
            }
            DbFormat::DbipCountry => (field(2), Cow::Borrowed(""), Cow::Borrowed(""), NO_COORD, NO_COORD, 0, Cow::Borrowed("")),
            DbFormat::DbipAsn => {
                let asn = as_number(&field(2))?;
                (Cow::Borrowed(""), Cow::Borrowed(""), Cow::Borrowed(""), NO_COORD, NO_COORD, asn, field(3))
            }
            DbFormat::IpToAsn => {
                let asn = as_number(&field(2))?;
                if asn == 0 {
                    return Ok(false); // "Not routed"
                }
                let country = field(3);
                let country = if country.eq_ignore_ascii_case("none") { Cow::Borrowed("") } else { country };
                (country, Cow::Borrowed(""), Cow::Borrowed(""), NO_COORD, NO_COORD, asn, field(4))
            }
        };
        let record = Record { country: b.string(&country), region: b.string(&region), city: b.string(&city), lat, lon, asn, org: b.string(&org) };
        let id = b.record(record);
        match range {
            Range::V4(first, last) => b.v4.push((first, last, id)),
            Range::V6(first, last) => b.v6.push((first, last, id)),
        }
        Ok(true)
    }
}

/// Read a whole database file at once.
pub fn parse_database(name: &str, bytes: Vec<u8>) -> Result<IpDatabase, String> {
    Ok(DbParser::open(name, bytes)?.finish())
}

enum Range {
    V4(u32, u32),
    V6(u128, u128),
}

fn parse_range(first: &str, last: &str) -> Result<Range, String> {
    let parse = |s: &str, which: &str| s.parse::<IpAddr>().map_err(|_| format!("{which} address '{}' is not an IP address", clip(s)));
    let range = match (parse(first, "first")?, parse(last, "last")?) {
        (IpAddr::V4(a), IpAddr::V4(b)) => Range::V4(a.into(), b.into()),
        (IpAddr::V6(a), IpAddr::V6(b)) => Range::V6(a.into(), b.into()),
        _ => return Err(format!("range {first} – {last} mixes IPv4 and IPv6")),
    };
    match range {
        Range::V4(a, b) if a > b => Err(format!("range {first} – {last} ends before it starts")),
        Range::V6(a, b) if a > b => Err(format!("range {first} – {last} ends before it starts")),
        ok => Ok(ok),
    }
}

/// A latitude or longitude as `f32` bits; empty means none.
fn coordinate(text: &str, what: &str, limit: f32) -> Result<u32, String> {
    if text.is_empty() {
        return Ok(NO_COORD);
    }
    match text.parse::<f32>() {
        Ok(v) if v.is_finite() && v.abs() <= limit => Ok(v.to_bits()),
        _ => Err(format!("{what} '{}' is not a number between -{limit} and {limit}", clip(text))),
    }
}

/// `13335` or `AS13335`.
fn as_number(text: &str) -> Result<u32, String> {
    let digits = text.strip_prefix("AS").or_else(|| text.strip_prefix("as")).unwrap_or(text);
    digits.parse().map_err(|_| format!("AS number '{}' is not a number", clip(text)))
}

/// Enough of a bad value to recognise it in a message.
fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(60).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("test address")
    }

    #[test]
    fn reads_a_city_database_with_quotes_and_ipv6() {
        let text = "1.0.0.0,1.0.0.255,OC,AU,Queensland,\"South Brisbane\",-27.4748,153.017\n\
                    \"2001:db8::\",\"2001:db8::ffff\",\"EU\",\"DE\",\"Berlin\",\"Berlin\",\"52.52\",\"13.405\"\n";
        let db = parse_database("city.csv", text.as_bytes().to_vec()).expect("a city db");
        assert_eq!(db.format(), DbFormat::DbipCity);
        assert_eq!((db.report().rows_ok, db.report().rows_bad, db.report().ranges_v4, db.report().ranges_v6), (2, 0, 1, 1));
        let e = db.lookup(ip("1.0.0.77")).expect("in range");
        assert_eq!((e.country, e.region, e.city), ("AU", "Queensland", "South Brisbane"));
        let (lat, lon) = e.geo.expect("coordinates");
        assert!((lat + 27.4748).abs() < 1e-4 && (lon - 153.017).abs() < 1e-4);
        assert_eq!(db.lookup(ip("2001:db8::42")).map(|e| e.city), Some("Berlin"));
        assert_eq!(db.lookup(ip("::ffff:1.0.0.1")).map(|e| e.country), Some("AU"));
        assert!(db.lookup(ip("1.0.1.0")).is_none());
    }

    #[test]
    fn bad_rows_are_counted_with_lines_and_good_rows_kept() {
        let text = "1.0.0.0,1.0.0.255,AU\n\
                    1.0.1.0,1.0.1.255,CN\n\
                    not-an-ip,1.0.2.255,XX\n\
                    1.0.3.255,1.0.3.0,XX\n\
                    1.0.4.0,2001:db8::,XX\n\
                    1.0.5.0,1.0.5.255\n\
                    \n\
                    1.0.6.0,1.0.6.255,JP\n";
        let db = parse_database("country.csv", text.as_bytes().to_vec()).expect("a country db");
        let r = db.report();
        assert_eq!((r.rows_ok, r.rows_bad), (3, 4));
        let lines: Vec<u64> = r.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [3, 4, 5, 6]);
        assert!(r.errors[0].reason.contains("not-an-ip"), "{:?}", r.errors[0]);
        assert!(r.errors[1].reason.contains("ends before it starts"));
        assert!(r.errors[2].reason.contains("mixes IPv4 and IPv6"));
        assert!(r.errors[3].reason.contains("fields"));
        assert_eq!(db.lookup(ip("1.0.6.1")).map(|e| e.country), Some("JP"));
    }

    #[test]
    fn iptoasn_skips_unrouted_space_and_keeps_registry_country() {
        let text = "0.0.0.0\t0.255.255.255\t0\tNone\tNot routed\n\
                    1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET\n\
                    2001:db8::\t2001:db8::ff\t64500\tNone\tEXAMPLE \"NET\"\n";
        let db = parse_database("ip2asn-combined.tsv", text.as_bytes().to_vec()).expect("an iptoasn db");
        assert_eq!(db.format(), DbFormat::IpToAsn);
        assert_eq!((db.report().rows_ok, db.report().rows_skipped, db.report().rows_bad), (2, 1, 0));
        assert!(db.lookup(ip("0.1.2.3")).is_none());
        let e = db.lookup(ip("1.0.0.1")).expect("routed");
        assert_eq!((e.asn, e.as_org, e.country), (Some(13335), "CLOUDFLARENET", "US"));
        let e = db.lookup(ip("2001:db8::1")).expect("routed v6");
        assert_eq!((e.asn, e.as_org, e.country), (Some(64500), "EXAMPLE \"NET\"", ""));
    }

    #[test]
    fn asn_database_and_shared_records() {
        let text = "1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"\n1.1.1.0,1.1.1.255,13335,\"Cloudflare, Inc.\"\n1.2.0.0,1.2.0.255,AS64501,Example\n";
        let db = parse_database("asn.csv", text.as_bytes().to_vec()).expect("an asn db");
        assert_eq!(db.lookup(ip("1.1.1.1")).map(|e| (e.asn, e.as_org)), Some((Some(13335), "Cloudflare, Inc.")));
        assert_eq!(db.lookup(ip("1.2.0.9")).and_then(|e| e.asn), Some(64501));
        assert_eq!(db.records.len(), 2, "the two Cloudflare rows share one record");
    }

    #[test]
    fn steps_report_progress_and_finish() {
        let text: String = (0..100).map(|i| format!("10.0.{i}.0,10.0.{i}.255,DE\n")).collect();
        let mut p = DbParser::open("c.csv", text.into_bytes()).expect("a country db");
        assert!(p.step(10));
        assert!(p.progress() > 0.0 && p.progress() < 1.0);
        while p.step(10) {}
        assert_eq!(p.progress(), 1.0);
        let db = p.finish();
        assert_eq!(db.report().rows_ok, 100);
        // Adjacent ranges with the same answer stay separate rows but share a record.
        assert_eq!(db.records.len(), 1);
    }

    #[test]
    fn not_a_database_says_so() {
        let err = DbParser::open("ual.csv", b"CreationDate,UserIds\n".to_vec()).err().expect("refused");
        assert!(err.contains("ual.csv") && err.contains("DB-IP"), "{err}");
    }
}
