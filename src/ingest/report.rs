//! The ingest report each file gets: what it was read as, what was kept, and
//! every rejected row counted (the first ones listed with line and reason).

use super::Format;
use crate::model::{format_utc, TimeMs};
use serde::{Serialize, Serializer};
use sha2::{Digest, Sha256};

/// How many rejected rows (and warnings) are listed; all are counted.
pub const MAX_LISTED_ISSUES: usize = 100;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowIssue {
    pub line: u32,
    pub reason: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct IngestReport {
    pub file: String,
    pub bytes: u64,
    pub sha256: String,
    /// Detected layout; `None` when the file could not be read.
    #[serde(serialize_with = "format_label")]
    pub format: Option<Format>,
    pub encoding: String,
    pub delimiter: Option<char>,
    pub rows_ok: u64,
    pub rows_rejected: u64,
    /// Records dropped because an identical record (same id) was already loaded.
    pub duplicates: u64,
    /// Records kept although their id was already read with different
    /// content; each is also a warning with its line. Left out of the
    /// report's JSON when none, as reports were before it was counted.
    #[serde(skip_serializing_if = "is_zero")]
    pub conflicting_ids: u64,
    #[serde(serialize_with = "opt_time")]
    pub first: Option<TimeMs>,
    #[serde(serialize_with = "opt_time")]
    pub last: Option<TimeMs>,
    /// Distinct accounts (UPNs) seen as actor or target.
    pub accounts: Vec<String>,
    /// The first rejected rows.
    pub errors: Vec<RowIssue>,
    pub warnings_total: u64,
    /// The first rows kept with a caveat.
    pub warnings: Vec<RowIssue>,
    /// Assumptions made while reading (date order, encoding, time zone).
    pub notes: Vec<String>,
    /// Why the file could not be read at all.
    pub unreadable: Option<String>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Lower-case hex, as `sha256sum` prints it.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn format_label<S: Serializer>(format: &Option<Format>, s: S) -> Result<S::Ok, S::Error> {
    match format {
        Some(f) => s.serialize_str(&f.label()),
        None => s.serialize_none(),
    }
}

fn opt_time<S: Serializer>(t: &Option<TimeMs>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&format_utc(*t)),
        None => s.serialize_none(),
    }
}

impl IngestReport {
    pub fn new(file_name: &str, bytes: &[u8]) -> IngestReport {
        let mut hasher = Sha256::new();
        // Fed in 64 KiB pieces: in a browser one huge `update` stays in the
        // engine's slow tier (measured 10 s for 200 MB against under 1 s).
        for piece in bytes.chunks(64 * 1024) {
            hasher.update(piece);
        }
        IngestReport::with_hash(file_name, bytes.len(), hex(&hasher.finalize()))
    }

    /// A report for a file whose SHA-256 (lower-case hex) is already known.
    pub fn with_hash(file_name: &str, size: usize, sha256: String) -> IngestReport {
        IngestReport { file: file_name.to_string(), bytes: size as u64, sha256, ..IngestReport::default() }
    }

    pub fn reject(&mut self, line: u32, reason: impl Into<String>) {
        self.rows_rejected += 1;
        if self.errors.len() < MAX_LISTED_ISSUES {
            self.errors.push(RowIssue { line, reason: reason.into() });
        }
    }

    pub fn warn(&mut self, line: u32, reason: impl Into<String>) {
        self.warnings_total += 1;
        if self.warnings.len() < MAX_LISTED_ISSUES {
            self.warnings.push(RowIssue { line, reason: reason.into() });
        }
    }

    /// One line for lists: "signin.csv: Entra sign-in log (admin center CSV), 1,204 rows, 2 rejected".
    pub fn headline(&self) -> String {
        match (&self.unreadable, &self.format) {
            (Some(why), _) => why.clone(),
            (None, Some(f)) => format!(
                "{}: {}, {} rows kept, {} rejected{}{}",
                self.file,
                f.label(),
                self.rows_ok,
                self.rows_rejected,
                if self.duplicates > 0 { format!(", {} duplicates removed", self.duplicates) } else { String::new() },
                if self.conflicting_ids > 0 { format!(", {} kept with an id read before with other content", self.conflicting_ids) } else { String::new() }
            ),
            (None, None) => format!("{}: not read", self.file),
        }
    }
}
