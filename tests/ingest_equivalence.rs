//! Ingest output pinned event by event: both training incidents (generated
//! afresh into a temporary folder) and every log fixture, read as the app
//! reads them, must give exactly the events and reports they gave when
//! `tests/fixtures/ingest_digests.json` was written. Guards rewrites of the
//! record mappers for speed (UAL AuditData without a JSON tree per record),
//! which must not change a single field.
//!
//! Each file is pinned by its event count and the SHA-256 of its events
//! (every field, as JSON lines, in file order) and of its ingest report.
//!
//! - `LOUPE_BLESS=1 cargo test --test ingest_equivalence` rewrites the
//!   digests after an intended change of output.
//! - `LOUPE_EQUIV_DUMP=DIR` also writes each file's events and report as
//!   JSON lines into DIR, to diff two builds' output; with it,
//!   `LOUPE_EQUIV_EXTRA=FILE[:FILE…]` dumps more files (not pinned), such
//!   as a `loupe-bench` export.

mod common;

use loupe::ingest::{ingest_bytes, Deduper, IngestReport};
use loupe::model::Event;
use loupe::sample::{generate_scenario, write_to_dir, Scenario, DEFAULT_SEED};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

const DIGESTS: &str = "tests/fixtures/ingest_digests.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct FileDigest {
    /// `scenario/file` for sample files, `fixtures/file` for fixtures.
    name: String,
    events: usize,
    rows_ok: u64,
    rows_rejected: u64,
    duplicates: u64,
    warnings_total: u64,
    events_sha256: String,
    report_sha256: String,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn event_lines(events: &[Event]) -> String {
    events.iter().map(|e| serde_json::to_string(e).expect("event as JSON") + "\n").collect()
}

fn digest(name: String, report: &IngestReport, events: &[Event], dump: Option<&Path>) -> FileDigest {
    let lines = event_lines(events);
    let report_json = serde_json::to_string(report).expect("report as JSON");
    if let Some(dir) = dump {
        let base = dir.join(name.replace('/', "__"));
        std::fs::write(base.with_extension("events.jsonl"), &lines).expect("dump events");
        std::fs::write(base.with_extension("report.json"), &report_json).expect("dump report");
    }
    FileDigest {
        name,
        events: events.len(),
        rows_ok: report.rows_ok,
        rows_rejected: report.rows_rejected,
        duplicates: report.duplicates,
        warnings_total: report.warnings_total,
        events_sha256: hex(&Sha256::digest(lines.as_bytes())),
        report_sha256: hex(&Sha256::digest(report_json.as_bytes())),
    }
}

/// A fresh, empty folder under the system temp dir.
fn temp_dir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("loupe-equivalence-{}-{label}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Both training incidents written to disk as `loupe sample` writes them,
/// their log files read back in manifest order into one de-duplicator per
/// incident (as the app loads an incident).
fn sample_digests(dump: Option<&Path>) -> Vec<FileDigest> {
    let mut out = Vec::new();
    for scenario in Scenario::ALL {
        let set = generate_scenario(scenario, DEFAULT_SEED);
        let dir = temp_dir(scenario.name());
        write_to_dir(&set, &dir).expect("write the sample");
        let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).expect("manifest")).expect("manifest JSON");
        let files: Vec<String> = manifest["files"].as_array().expect("manifest files").iter().map(|f| f.as_str().expect("file name").to_string()).collect();
        assert!(files.len() >= 4, "{files:?}");
        let mut dedupe = Deduper::default();
        for file in files {
            let bytes = std::fs::read(dir.join(&file)).expect("sample file");
            let (report, events, _) = ingest_bytes(&file, &bytes, &mut dedupe);
            assert!(report.unreadable.is_none() && !events.is_empty(), "{file}: {report:?}");
            out.push(digest(format!("{}/{file}", scenario.name()), &report, &events, dump));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    out
}

/// Every log fixture (top-level files of tests/fixtures), each on its own.
fn fixture_digests(dump: Option<&Path>) -> Vec<FileDigest> {
    common::log_fixtures()
        .iter()
        .map(|path| {
            let name = common::name_of(path);
            let bytes = std::fs::read(path).expect("fixture");
            let (report, events, _) = ingest_bytes(&name, &bytes, &mut Deduper::default());
            digest(format!("fixtures/{name}"), &report, &events, dump)
        })
        .collect()
}

#[test]
fn ingest_output_is_unchanged_event_by_event() {
    let dump = std::env::var_os("LOUPE_EQUIV_DUMP").map(PathBuf::from);
    if let Some(dir) = &dump {
        std::fs::create_dir_all(dir).expect("dump dir");
    }
    let mut got = sample_digests(dump.as_deref());
    got.extend(fixture_digests(dump.as_deref()));
    if let (Some(dir), Some(extra)) = (&dump, std::env::var_os("LOUPE_EQUIV_EXTRA")) {
        for path in std::env::split_paths(&extra) {
            let name = path.file_name().and_then(|n| n.to_str()).expect("file name").to_string();
            let bytes = std::fs::read(&path).expect("extra file");
            let (report, events, _) = ingest_bytes(&name, &bytes, &mut Deduper::default());
            digest(format!("extra/{name}"), &report, &events, Some(dir));
        }
    }

    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(DIGESTS);
    if std::env::var_os("LOUPE_BLESS").is_some() {
        let text: String = got.iter().map(|d| serde_json::to_string(d).expect("digest") + "\n").collect();
        std::fs::write(&path, text).expect("write digests");
        return;
    }
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}; write it with LOUPE_BLESS=1", path.display()));
    let want: Vec<FileDigest> = text.lines().map(|l| serde_json::from_str(l).expect("digest line")).collect();

    let mut problems = Vec::new();
    for w in &want {
        match got.iter().find(|g| g.name == w.name) {
            None => problems.push(format!("{}: no longer ingested", w.name)),
            Some(g) if g != w => problems.push(format!("{}: changed\n  was {w:?}\n  now {g:?}", w.name)),
            Some(_) => {}
        }
    }
    for g in got.iter().filter(|g| !want.iter().any(|w| w.name == g.name)) {
        problems.push(format!("{}: new file, not pinned (LOUPE_BLESS=1 to add it)", g.name));
    }
    assert!(
        problems.is_empty(),
        "ingest output differs from {DIGESTS} (diff two builds with LOUPE_EQUIV_DUMP=DIR):\n{}",
        problems.join("\n")
    );
    // Both incidents' UAL exports, the odd-AuditData fixture and the
    // Search-UnifiedAuditLog fixtures are among the pinned files.
    for name in ["mailbox-takeover/ual_search.csv", "compromised-admin/ual_search.csv", "fixtures/ual_search_odd_auditdata.csv", "fixtures/ual_search_odd_auditdata.json"] {
        assert!(want.iter().any(|w| w.name == name && w.events > 0), "{name} pinned with events");
    }
}

/// Every row of a store as (event, attributes), in store order.
fn rows_of(store: &loupe::store::EventStore) -> Vec<(Event, Vec<(String, String)>)> {
    (0..store.len() as u32).map(|r| (store.event(r), store.attrs(r).map(|(k, v)| (k.to_string(), v.to_string())).collect())).collect()
}

/// The way the browser's workers and the command line's threads hand
/// events over (numbered per slice, `ingest::stream::batch`) builds the
/// same store, row by row, and the same reports as the whole-file path.
#[test]
fn the_parallel_path_builds_the_same_store_as_the_whole_file_path() {
    use loupe::store::{EventStore, PendingFile};
    let mut checked = 0;
    for scenario in Scenario::ALL {
        let set = generate_scenario(scenario, DEFAULT_SEED);
        let dir = temp_dir(&format!("batches-{}", scenario.name()));
        write_to_dir(&set, &dir).expect("write the sample");
        let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).expect("manifest")).expect("manifest JSON");
        let (mut whole, mut parallel) = (EventStore::new(), EventStore::new());
        let (mut whole_dedupe, mut parallel_dedupe) = (Deduper::default(), Deduper::default());
        for file in manifest["files"].as_array().expect("manifest files").iter().filter_map(|f| f.as_str()) {
            let bytes = std::fs::read(dir.join(file)).expect("sample file");
            let (report, events, source) = ingest_bytes(file, &bytes, &mut whole_dedupe);
            let mut pending = PendingFile::new();
            pending.extend(events);
            whole.add_pending(report.clone(), source, pending);

            let mut pending = PendingFile::new();
            let (streamed, _, _) = loupe::ingest::stream::native::ingest_reader(&bytes[..], file, 2, &mut parallel_dedupe, |batch, keep| pending.push_batch(batch, keep)).expect("read");
            assert_eq!(serde_json::to_value(&streamed).unwrap(), serde_json::to_value(&report).unwrap(), "{file}: report");
            parallel.add_pending(streamed, loupe::ingest::FileSource::default(), pending);
            checked += 1;
        }
        let _ = std::fs::remove_dir_all(&dir);
        let (want, got) = (rows_of(&whole), rows_of(&parallel));
        assert_eq!(want.len(), got.len(), "{}", scenario.name());
        for (r, (w, g)) in want.iter().zip(&got).enumerate() {
            assert_eq!(w, g, "{} row {r}", scenario.name());
        }
    }
    assert!(checked >= 8);
}
