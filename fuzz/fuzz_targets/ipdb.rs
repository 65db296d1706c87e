//! An IP database file (DB-IP CSV, iptoasn TSV): a database or a refusal,
//! and look-ups in whatever was built.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

fuzz_target!(|data: &[u8]| {
    let Ok(db) = loupe::enrich::parse_database("fuzz.csv", data.to_vec()) else { return };
    for ip in [IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), IpAddr::V4(Ipv4Addr::BROADCAST), IpAddr::V6(Ipv6Addr::LOCALHOST), IpAddr::V6(Ipv6Addr::from(u128::MAX))] {
        let _ = db.lookup(ip);
    }
});
