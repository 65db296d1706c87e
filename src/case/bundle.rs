//! The case with its evidence, as one `.zip` to hand to another responder:
//! `case.json` (the case document), `evidence/…` (each file's bytes as Loupe
//! read them: the file itself, or for gzipped exports the unpacked text) and
//! `bundle.json`, which names each evidence entry's original file and the
//! original's SHA-256. Opening the bundle imports the case and loads the
//! evidence under the original hashes, so marks and the file list line up.

use super::{persist, Case};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{Cursor, Write};

const KIND: &str = "loupe-bundle";
const VERSION: u64 = 1;
const MANIFEST: &str = "bundle.json";
const CASE: &str = "case.json";

/// One evidence file in a bundle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundledFile {
    /// Path inside the archive.
    pub entry: String,
    /// The original file's name.
    pub name: String,
    /// SHA-256 of the original file (what the case lists).
    pub sha256: String,
    /// SHA-256 of the text stored in the archive, to check it arrived whole.
    pub stored_sha256: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    kind: String,
    version: u64,
    note: String,
    files: Vec<BundledFile>,
}

/// Evidence to put in a bundle: original name, original SHA-256, bytes.
pub struct EvidenceText<'a> {
    pub name: &'a str,
    pub sha256: &'a str,
    pub bytes: &'a [u8],
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A file name safe as a zip entry on every system: no folders, no
/// characters Windows refuses, never empty.
fn entry_name(index: usize, name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') { '_' } else { c })
        .collect();
    let safe = safe.trim_matches(|c| c == '.' || c == ' ');
    format!("evidence/{:03}-{}", index + 1, if safe.is_empty() { "file" } else { safe })
}

/// The bundle's bytes.
pub fn write(case: &Case, evidence: &[EvidenceText]) -> Result<Vec<u8>, String> {
    use zip::write::SimpleFileOptions;
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).large_file(true);
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let mut files = Vec::new();
    let fail = |e: &dyn std::fmt::Display| format!("the bundle could not be written: {e}");
    for (index, file) in evidence.iter().enumerate() {
        let entry = entry_name(index, file.name);
        zip.start_file(entry.as_str(), options).map_err(|e| fail(&e))?;
        zip.write_all(file.bytes).map_err(|e| fail(&e))?;
        files.push(BundledFile { entry, name: file.name.to_string(), sha256: file.sha256.to_string(), stored_sha256: hex_sha256(file.bytes) });
    }
    zip.start_file(CASE, options).map_err(|e| fail(&e))?;
    zip.write_all(persist::to_json(case).as_bytes()).map_err(|e| fail(&e))?;
    let manifest = Manifest {
        kind: KIND.into(),
        version: VERSION,
        note: "evidence/ holds each file as Loupe read it (gzip files unpacked); sha256 is the original file's, stored_sha256 the bytes' here.".into(),
        files,
    };
    zip.start_file(MANIFEST, options).map_err(|e| fail(&e))?;
    zip.write_all(serde_json::to_string_pretty(&manifest).unwrap_or_default().as_bytes()).map_err(|e| fail(&e))?;
    zip.finish().map(Cursor::into_inner).map_err(|e| fail(&e))
}

/// A bundle opened: the case and each evidence file (or why it was not read).
#[derive(Debug)]
pub struct Opened {
    pub case: Case,
    pub files: Vec<(BundledFile, Result<Vec<u8>, String>)>,
}

/// Whether `bytes` are a Loupe bundle (a zip whose `bundle.json` says so).
pub fn is_bundle(bytes: &[u8]) -> bool {
    crate::tenant::archive::is_zip(bytes)
        && crate::tenant::archive::entries(bytes).is_ok_and(|entries| {
            entries.iter().any(|e| e.path == MANIFEST && e.content.as_ref().is_ok_and(|c| manifest_of(c).is_ok()))
        })
}

fn manifest_of(bytes: &[u8]) -> Result<Manifest, String> {
    let manifest: Manifest = serde_json::from_slice(bytes).map_err(|e| format!("its {MANIFEST} is damaged: {e}"))?;
    if manifest.kind != KIND {
        return Err(format!("its {MANIFEST} is not a Loupe bundle manifest"));
    }
    if manifest.version > VERSION {
        return Err(format!("it was written by a newer Loupe (bundle v{}); this build reads up to v{VERSION}", manifest.version));
    }
    Ok(manifest)
}

/// Read a bundle. A damaged entry is reported on its own; a missing or
/// unreadable case or manifest refuses the whole bundle.
pub fn open(bytes: &[u8]) -> Result<Opened, String> {
    let mut entries = crate::tenant::archive::entries_within(bytes, crate::tenant::archive::MAX_BUNDLE_UNPACKED_BYTES)?;
    let mut take = |path: &str| entries.iter_mut().find(|e| e.path == path).map(|e| std::mem::replace(&mut e.content, Err("read twice".into())));
    let manifest = take(MANIFEST).ok_or(format!("no {MANIFEST}"))?.and_then(|b| manifest_of(&b))?;
    let case_bytes = take(CASE).ok_or(format!("no {CASE}"))??;
    let case = persist::from_json(String::from_utf8_lossy(&case_bytes).trim_start_matches('\u{feff}'))?;
    let files = manifest
        .files
        .into_iter()
        .map(|file| {
            let content = match take(&file.entry) {
                None => Err(format!("{} is listed but not in the bundle", file.entry)),
                Some(Err(e)) => Err(e),
                Some(Ok(bytes)) if hex_sha256(&bytes) != file.stored_sha256 => Err(format!("{} does not match its recorded hash (damaged in transit?)", file.entry)),
                Some(Ok(bytes)) => Ok(bytes),
            };
            (file, content)
        })
        .collect();
    Ok(Opened { case, files })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_round_trips_the_case_and_the_evidence_under_the_original_hashes() {
        let case = Case { name: "IR-9".into(), notes: "see <b>".into(), ..Case::default() };
        let evidence = [
            EvidenceText { name: "signins.csv", sha256: "aa11", bytes: b"Date,User\n2026-03-01,ada\n" },
            EvidenceText { name: "../../evil\\name?.json", sha256: "bb22", bytes: b"[]" },
        ];
        let bytes = write(&case, &evidence).unwrap();
        assert!(is_bundle(&bytes));
        let opened = open(&bytes).unwrap();
        assert_eq!(opened.case, case);
        assert_eq!(opened.files.len(), 2);
        assert_eq!(opened.files[0].0.sha256, "aa11");
        assert_eq!(opened.files[0].1.as_deref(), Ok(evidence[0].bytes));
        assert_eq!(opened.files[1].0.entry, "evidence/002-_.._evil_name_.json", "no folder escapes the archive");
        assert_eq!(opened.files[1].0.name, "../../evil\\name?.json");
    }

    #[test]
    fn other_zips_and_damaged_bundles_are_told_apart() {
        let plain = crate::tenant::archive::tests::make_zip(&[("policies.json", "{}")]);
        assert!(!is_bundle(&plain));
        assert!(!is_bundle(b"not a zip"));
        let mut newer = crate::tenant::archive::tests::make_zip(&[(MANIFEST, r#"{"kind":"loupe-bundle","version":9,"note":"","files":[]}"#)]);
        assert!(open(&newer).unwrap_err().contains("newer Loupe"));
        newer.truncate(10);
        assert!(open(&newer).is_err());
    }
}
