//! IP enrichment end to end: database fixtures parsed, combined, and laid
//! beside the sample incident's events without rewriting them.

use loupe::enrich::{parse_database, DbFormat, Enrichment, IpDatabase};
use loupe::ingest::{ingest_bytes, Deduper};
use loupe::model::Source;
use loupe::store::{parse, EvalContext, EventStore, LocationSource};
use std::net::IpAddr;
use std::path::Path;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)).expect("fixture exists")
}

fn database(name: &str) -> IpDatabase {
    parse_database(name, fixture(name)).expect("an IP database")
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("test address")
}

#[test]
fn city_lite_fixture_rows_bad_rows_overlap_and_ipv6() {
    let db = database("ipdb_dbip_city_lite_sample.csv");
    assert_eq!(db.format(), DbFormat::DbipCity);
    let r = db.report();
    assert_eq!((r.rows_ok, r.rows_bad), (7, 2));
    let bad: Vec<(u64, bool)> = r.errors.iter().map(|e| (e.line, e.reason.contains("not-an-address") || e.reason.contains("longitude"))).collect();
    assert_eq!(bad, [(7, true), (8, true)]);
    // The /26 inside the /24 (listed after it) answers for its addresses.
    assert_eq!(db.lookup(ip("203.0.113.61")).map(|e| e.city), Some("Bucharest"));
    assert_eq!(db.lookup(ip("203.0.113.206")).map(|e| e.city), Some("Singapore"));
    assert_eq!(db.lookup(ip("198.51.100.166")).map(|e| (e.country, e.city)), Some(("DE", "Frankfurt am Main")));
    let v6 = db.lookup(ip("2001:db8:1009:80a5::abc")).expect("IPv6 row");
    assert_eq!((v6.country, v6.region, v6.city), ("NL", "North Holland", "Amsterdam"));
    assert_eq!(db.lookup(ip("2001:db8:3000::1")).map(|e| e.region), Some("Île-de-France"));
    assert!(db.lookup(ip("2001:db8:2000::1")).is_none(), "the bad row is not half-kept");
    assert_eq!((r.ranges_v4, r.ranges_v6), (5, 2), "the /24 is cut where the /26 at its start ends");
}

#[test]
fn iptoasn_fixture_skips_unrouted_and_reports_the_cut_line() {
    let db = database("ipdb_iptoasn_v4v6.tsv");
    assert_eq!(db.format(), DbFormat::IpToAsn);
    let r = db.report();
    assert_eq!((r.rows_ok, r.rows_skipped, r.rows_bad), (4, 1, 1));
    assert_eq!(r.errors[0].line, 6);
    assert_eq!(db.lookup(ip("203.0.113.61")).and_then(|e| e.asn), Some(64511));
    assert_eq!(db.lookup(ip("2001:db8:1009:80a5::abc")).map(|e| e.as_org), Some("EXAMPLE-V6-NET"));
    assert!(db.lookup(ip("0.1.2.3")).is_none());
}

#[test]
fn country_and_asn_lite_fixtures() {
    let country = database("ipdb_dbip_country_lite_sample.csv");
    assert_eq!(country.format(), DbFormat::DbipCountry);
    assert_eq!(country.lookup(ip("2001:db8::5")).map(|e| e.country), Some("NL"));
    let asn = database("ipdb_dbip_asn_lite_sample.csv");
    assert_eq!(asn.format(), DbFormat::DbipAsn);
    assert_eq!(asn.lookup(ip("192.0.2.10")).map(|e| (e.asn, e.as_org)), Some((Some(64496), "Example Corp, Inc.")));
}

/// The sample incident's sign-ins and UAL, with the city and ASN fixtures.
fn enriched_sample() -> EventStore {
    let set = loupe::sample::generate(loupe::sample::DEFAULT_SEED);
    let mut store = EventStore::new();
    let mut dedupe = Deduper::default();
    for file in &set.files {
        let (report, events, text) = ingest_bytes(&file.name, &file.contents, &mut dedupe);
        assert!(report.unreadable.is_none(), "{}", report.headline());
        store.add_file(report, text, events);
    }
    let mut enrichment = Enrichment::new();
    enrichment.add(database("ipdb_dbip_city_lite_sample.csv"));
    enrichment.add(database("ipdb_iptoasn_v4v6.tsv"));
    store.set_enrichment(enrichment);
    store
}

fn rows(store: &EventStore, query: &str) -> Vec<u32> {
    store.filter(&parse(query).expect("query parses"), &EvalContext::default()).expect("query runs")
}

#[test]
fn ual_rows_get_database_locations_and_sign_ins_keep_their_own() {
    let store = enriched_sample();
    let attacker = rows(&store, "ip:203.0.113.61");
    assert!(!attacker.is_empty());
    for &row in &attacker {
        let loc = store.location(row).expect("every row from this address is placed");
        match store.source(row) {
            Source::SignIn => {
                assert_eq!(loc.source, LocationSource::Log(Source::SignIn));
                assert_eq!(loc.country, store.country(row));
            }
            _ => {
                assert_eq!((loc.country, loc.city), ("RO", "Bucharest"));
                assert_eq!(loc.source, LocationSource::Database("ipdb_dbip_city_lite_sample.csv"));
                assert_eq!(store.country(row), "", "evidence is not rewritten");
                assert_eq!(store.event(row).country, "");
            }
        }
        assert_eq!(store.network(row).map(|n| (n.asn, n.source)), Some((64511, "ipdb_iptoasn_v4v6.tsv")));
    }
}

#[test]
fn country_city_and_asn_queries_see_database_answers() {
    let store = enriched_sample();
    let ro = rows(&store, "country:RO");
    assert!(!ro.is_empty());
    // Audit and UAL rows from the attacker's address; its sign-ins say DE in the log.
    assert!(ro.iter().all(|&r| store.source(r) != Source::SignIn && store.ip(r) == "203.0.113.61"));
    assert!(ro.iter().any(|&r| store.source(r) == Source::UnifiedAudit) && ro.iter().any(|&r| store.source(r) == Source::DirectoryAudit));
    assert_eq!(rows(&store, "city:bucharest"), ro);
    // Log values still match as before.
    let signin_de = rows(&store, "country:DE source:signin");
    assert!(!signin_de.is_empty());
    // A negated location term keeps rows the databases place elsewhere.
    assert!(rows(&store, "-country:RO ip:203.0.113.61").iter().all(|&r| store.source(r) == Source::SignIn));
    let asn = rows(&store, "asn:AS64511");
    assert_eq!(asn, rows(&store, "ip:203.0.113.0/24"));
    assert_eq!(rows(&store, "asn:bulletproof"), asn);
    assert_eq!(rows(&store, "asn:64511,64499").len(), asn.len() + rows(&store, "ip:2001:db8::/32").len());
    assert!(rows(&store, "asn:nosuchnetwork").is_empty());
}

#[test]
fn without_databases_asn_matches_nothing_and_country_is_the_log_only() {
    let mut store = enriched_sample();
    store.set_enrichment(Enrichment::new());
    assert!(rows(&store, "asn:64511").is_empty());
    assert!(rows(&store, "country:RO").is_empty());
    assert!(store.location(rows(&store, "ip:203.0.113.61 source:ual")[0]).is_none());
}

#[test]
fn an_ip_database_given_as_evidence_is_named_not_rejected_as_unknown() {
    let (report, events, _) = ingest_bytes("dbip-city-lite-2026-11.csv", &fixture("ipdb_dbip_city_lite_sample.csv"), &mut Deduper::default());
    assert!(events.is_empty());
    let why = report.unreadable.expect("not evidence");
    assert!(why.contains("is an IP database (DB-IP IP to City Lite (CSV))") && why.contains("--ipdb"), "{why}");
}
