//! IP database figures: parse speed and memory for a generated DB-IP "IP to
//! City Lite"-shaped CSV, then lookups per second. Not a test.
//!
//! ```text
//! cargo run --release --example ipdb_bench -- [--rows N] [--dir bench-data]
//! ```
//!
//! The file (`<dir>/ipdb_city_<N>.csv`, reused by later runs) has the real
//! layout and a real-like mix: about one row in six is IPv6, names are
//! quoted when they hold a space, and ~60,000 distinct places repeat over
//! the ranges as they do in the real file.

use loupe::enrich::{DbParser, Enrichment};
use std::fs;
use std::io::{BufWriter, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;
use std::time::Instant;

/// SplitMix64, so the file and the probe addresses are the same every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const PLACES: u64 = 60_000;
const CONTINENTS: [&str; 6] = ["AF", "AS", "EU", "NA", "OC", "SA"];

fn place(n: u64) -> (String, String, String, f64, f64) {
    let country = format!("{}{}", char::from(b'A' + (n % 26) as u8), char::from(b'A' + (n / 26 % 10) as u8));
    let region = format!("Region {}", n % 3000);
    let city = if n % 3 == 0 { format!("Town{n}") } else { format!("Saint Town {n}") };
    let lat = (n % 17_000) as f64 / 100.0 - 85.0;
    let lon = (n % 35_000) as f64 / 100.0 - 175.0;
    (country, region, city, lat, lon)
}

fn quoted(s: &str) -> String {
    if s.contains([' ', ',']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn generate(path: &PathBuf, rows: u64) -> std::io::Result<()> {
    let mut out = BufWriter::new(fs::File::create(path)?);
    let mut rng = Rng(7);
    let v6_rows = rows / 6;
    let v4_rows = rows - v6_rows;
    // Spread the IPv4 rows over the whole space in ascending, disjoint ranges.
    let step = (u64::from(u32::MAX) / v4_rows.max(1)).max(2);
    for i in 0..v4_rows {
        let start = i * step;
        let end = start + 1 + rng.below(step - 1);
        let (a, b) = (Ipv4Addr::from(start as u32), Ipv4Addr::from(end.min(u64::from(u32::MAX)) as u32));
        let (country, region, city, lat, lon) = place(rng.below(PLACES));
        let continent = CONTINENTS[(rng.below(6)) as usize];
        writeln!(out, "{a},{b},{continent},{country},{},{},{lat:.4},{lon:.4}", quoted(&region), quoted(&city))?;
    }
    let base: u128 = 0x2001_0000_0000_0000_0000_0000_0000_0000;
    for i in 0..u128::from(v6_rows) {
        let start = base + (i << 80);
        let end = start + (1u128 << 79) + u128::from(rng.next());
        let (country, region, city, lat, lon) = place(rng.below(PLACES));
        let continent = CONTINENTS[(rng.below(6)) as usize];
        writeln!(out, "{},{},{continent},{country},{},{},{lat:.4},{lon:.4}", Ipv6Addr::from(start), Ipv6Addr::from(end), quoted(&region), quoted(&city))?;
    }
    out.flush()
}

fn vm_mb(key: &str) -> Option<f64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    Some(line.split_whitespace().nth(1)?.parse::<f64>().ok()? / 1024.0)
}

/// CPU seconds this process has used (user + system), from /proc: on a
/// shared machine wall time says more about the neighbours than about us.
fn cpu_s() -> f64 {
    let stat = fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest.split_whitespace().map(|x| x.parse().unwrap_or(0.0)).collect();
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / 100.0
}

fn main() -> std::io::Result<()> {
    let mut rows: u64 = 3_000_000;
    let mut dir = PathBuf::from("bench-data");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--rows", Some(v)) => rows = v.replace('_', "").parse().unwrap_or(rows),
            ("--dir", Some(v)) => dir = PathBuf::from(v),
            _ => {
                eprintln!("usage: ipdb_bench [--rows N] [--dir bench-data]");
                std::process::exit(2);
            }
        }
    }
    if cfg!(debug_assertions) {
        eprintln!("note: debug build; run with --release for meaningful figures");
    }
    fs::create_dir_all(&dir)?;
    let path = dir.join(format!("ipdb_city_{rows}.csv"));
    if !path.exists() {
        let t = Instant::now();
        generate(&path, rows)?;
        println!("generated {} in {:.1} s", path.display(), t.elapsed().as_secs_f64());
    }
    let bytes = fs::read(&path)?;
    let size_mb = bytes.len() as f64 / 1048576.0;
    let rss_before = vm_mb("VmRSS:").unwrap_or(0.0);

    let (t, cpu) = (Instant::now(), cpu_s());
    let parser = match DbParser::open("ipdb_city.csv", bytes) {
        Ok(p) => p,
        Err(why) => {
            eprintln!("{why}");
            std::process::exit(1);
        }
    };
    let db = parser.finish();
    let parse_s = t.elapsed().as_secs_f64();
    let parse_cpu = cpu_s() - cpu;
    let r = db.report().clone();
    println!("file               {size_mb:.1} MB, {rows} rows");
    println!("parse + build      {parse_s:.2} s wall, {parse_cpu:.2} s CPU: {:.1} MB/s, {:.0} rows/s (per CPU second)", size_mb / parse_cpu.max(0.01), r.rows_ok as f64 / parse_cpu.max(0.01));
    println!("rows ok / bad      {} / {}; ranges v4 {} v6 {}", r.rows_ok, r.rows_bad, r.ranges_v4, r.ranges_v6);
    println!("database heap      {:.1} MB ({:.1} bytes/range)", db.heap_bytes() as f64 / 1048576.0, db.heap_bytes() as f64 / (r.ranges_v4 + r.ranges_v6).max(1) as f64);
    if let (Some(hwm), Some(rss)) = (vm_mb("VmHWM:"), vm_mb("VmRSS:")) {
        println!("peak memory        {hwm:.0} MB (file bytes {size_mb:.0} MB included; resident before parse {rss_before:.0} MB, after {rss:.0} MB)");
    }

    let mut enrichment = Enrichment::new();
    enrichment.add(db);
    let mut rng = Rng(99);
    let probes: Vec<IpAddr> = (0..1_000_000)
        .map(|i| if i % 6 == 0 { IpAddr::V6(Ipv6Addr::from(0x2001u128 << 112 | u128::from(rng.next()) << 64)) } else { IpAddr::V4(Ipv4Addr::from(rng.next() as u32)) })
        .collect();
    let (t, cpu) = (Instant::now(), cpu_s());
    let found = probes.iter().filter(|ip| enrichment.answer(**ip).place.is_some()).count();
    let (wall, secs) = (t.elapsed().as_secs_f64(), (cpu_s() - cpu).max(0.01));
    println!(
        "lookups            {:.1} M/s per CPU second, {:.0} ns each ({wall:.2} s wall for {} probes, {found} placed)",
        probes.len() as f64 / secs / 1e6,
        secs * 1e9 / probes.len() as f64,
        probes.len()
    );
    Ok(())
}
