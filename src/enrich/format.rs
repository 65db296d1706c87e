//! Recognising an IP database file from its first lines, never its name.
//!
//! Every layout Loupe reads is headerless text whose rows start with an
//! inclusive address range (`first,last,…`); what follows tells them apart.

use std::net::IpAddr;

/// A freely licensed IP database layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DbFormat {
    /// DB-IP "IP to City Lite" CSV:
    /// `first,last,continent,country,stateprov,city,latitude,longitude`.
    DbipCity,
    /// DB-IP "IP to Country Lite" CSV: `first,last,country`.
    DbipCountry,
    /// DB-IP "IP to ASN Lite" CSV: `first,last,asn,as_organization`.
    DbipAsn,
    /// iptoasn.com `ip2asn-*.tsv`:
    /// `first<TAB>last<TAB>asn<TAB>country<TAB>description`.
    IpToAsn,
}

impl DbFormat {
    pub fn label(self) -> &'static str {
        match self {
            DbFormat::DbipCity => "DB-IP IP to City Lite (CSV)",
            DbFormat::DbipCountry => "DB-IP IP to Country Lite (CSV)",
            DbFormat::DbipAsn => "DB-IP IP to ASN Lite (CSV)",
            DbFormat::IpToAsn => "iptoasn.com IP to ASN (TSV)",
        }
    }

    pub(super) fn delimiter(self) -> u8 {
        match self {
            DbFormat::IpToAsn => b'\t',
            _ => b',',
        }
    }

    /// Fields a row of this layout has.
    pub(super) fn width(self) -> usize {
        match self {
            DbFormat::DbipCity => 8,
            DbFormat::DbipCountry => 3,
            DbFormat::DbipAsn => 4,
            DbFormat::IpToAsn => 5,
        }
    }

    /// How much an answer from this layout says about where an address is:
    /// a city database beats a country one, and both beat the registry
    /// country iptoasn gives (where the network is registered, not used).
    pub(super) fn place_rank(self) -> u8 {
        match self {
            DbFormat::DbipCity => 3,
            DbFormat::DbipCountry => 2,
            DbFormat::IpToAsn => 1,
            DbFormat::DbipAsn => 0,
        }
    }
}

/// Lines looked at to recognise a file.
const SAMPLE_LINES: usize = 8;
/// Bytes looked at to recognise a file (a few rows is all it takes).
const SAMPLE_BYTES: usize = 64 * 1024;

/// The IP database layout of a file, if its first rows are one. Most of the
/// sampled rows must agree, so one odd line does not hide a database and a
/// log export that happens to start with two addresses is not taken for one.
pub fn detect(bytes: &[u8]) -> Option<DbFormat> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let sample = &bytes[..bytes.len().min(SAMPLE_BYTES)];
    let text = String::from_utf8_lossy(sample);
    let mut lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).take(SAMPLE_LINES + 1).collect();
    if sample.len() < bytes.len() && lines.len() > SAMPLE_LINES {
        lines.pop(); // may be cut off by the sample's end
    }
    lines.truncate(SAMPLE_LINES);
    let votes: Vec<Option<DbFormat>> = lines.iter().map(|l| classify_line(l)).collect();
    let best = [DbFormat::DbipCity, DbFormat::DbipCountry, DbFormat::DbipAsn, DbFormat::IpToAsn]
        .into_iter()
        .map(|f| (votes.iter().filter(|v| **v == Some(f)).count(), f))
        .max_by_key(|(n, _)| *n)?;
    (best.0 > 0 && best.0 * 2 > votes.len()).then_some(best.1)
}

/// The layout one row fits, if any.
fn classify_line(line: &str) -> Option<DbFormat> {
    let line = line.trim_end_matches('\r');
    if line.contains('\t') {
        let f: Vec<&str> = line.split('\t').collect();
        return (f.len() == 5 && is_range(f[0], f[1]) && f[2].trim().parse::<u32>().is_ok()).then_some(DbFormat::IpToAsn);
    }
    let f = split_csv_line(line);
    if f.len() < 3 || !is_range(&f[0], &f[1]) {
        return None;
    }
    match f.len() {
        3 => Some(DbFormat::DbipCountry),
        4 if f[2].trim().parse::<u32>().is_ok() => Some(DbFormat::DbipAsn),
        8 if is_coordinate(&f[6]) && is_coordinate(&f[7]) => Some(DbFormat::DbipCity),
        _ => None,
    }
}

fn is_range(first: &str, last: &str) -> bool {
    matches!((first.trim().parse::<IpAddr>(), last.trim().parse::<IpAddr>()), (Ok(a), Ok(b)) if a.is_ipv4() == b.is_ipv4())
}

fn is_coordinate(field: &str) -> bool {
    field.trim().is_empty() || field.trim().parse::<f64>().is_ok()
}

/// One CSV line's fields, with `"…"` quoting (`""` inside quotes is a quote).
/// Only for sniffing; the parser uses the csv crate.
fn split_csv_line(line: &str) -> Vec<String> {
    let (mut fields, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_each_layout_by_content() {
        assert_eq!(detect(b"1.0.0.0,1.0.0.255,OC,AU,Queensland,\"South Brisbane\",-27.4748,153.017\n"), Some(DbFormat::DbipCity));
        assert_eq!(detect(b"\"1.0.0.0\",\"1.0.0.255\",\"AU\"\n2001:200::,2001:200:ffff::,JP\n"), Some(DbFormat::DbipCountry));
        assert_eq!(detect(b"1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"\n"), Some(DbFormat::DbipAsn));
        assert_eq!(detect(b"1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET\n"), Some(DbFormat::IpToAsn));
        assert_eq!(detect(b"\xEF\xBB\xBF1.0.0.0,1.0.0.255,AU\r\n"), Some(DbFormat::DbipCountry));
    }

    #[test]
    fn evidence_and_junk_are_not_databases() {
        assert_eq!(detect(b"CreationDate,UserIds,Operations,AuditData\n2026-01-01,a@b.c,Send,{}\n"), None);
        assert_eq!(detect(b"[{\"ip\":\"1.2.3.4\"}]"), None);
        assert_eq!(detect(b""), None);
        // Mixed families in one range.
        assert_eq!(detect(b"1.0.0.0,2001::,AU\n"), None);
    }

    #[test]
    fn one_odd_row_does_not_hide_a_database() {
        let text = b"ip_start,ip_end,country\n1.0.0.0,1.0.0.255,AU\n1.0.1.0,1.0.3.255,CN\n";
        assert_eq!(detect(text), Some(DbFormat::DbipCountry));
    }
}
