//! What several test files share (each `tests/*.rs` is its own crate, so
//! they take this in with `mod common;`).

use std::path::{Path, PathBuf};

/// Every log fixture: the top-level files of tests/fixtures, sorted, but
/// the pinned digests of `ingest_equivalence`.
pub fn log_fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "ingest_digests.json"))
        .collect();
    paths.sort();
    paths
}

/// A fixture's file name.
pub fn name_of(path: &Path) -> String {
    path.file_name().and_then(|n| n.to_str()).expect("file name").to_string()
}
