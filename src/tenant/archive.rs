//! A `.zip` of exported configuration files, opened in memory. Told by its
//! content (the local file header signature), not by its name. Only stored
//! and deflated entries are read; anything else is reported per entry.

use std::io::{Cursor, Read};

/// Largest entry inflated, so a zip bomb cannot exhaust the tab's memory.
pub const MAX_ENTRY_BYTES: u64 = 512 * 1024 * 1024;
/// Most entries an archive may list (a tenant export is tens of files; a
/// bomb of empty entries is millions, each costing a report).
pub const MAX_ZIP_ENTRIES: usize = 10_000;
/// All entries of a configuration snapshot archive together, inflated.
pub const MAX_SNAPSHOT_UNPACKED_BYTES: u64 = 1024 * 1024 * 1024;
/// All entries of a case + evidence bundle together, inflated: the tab
/// could not hold more evidence than this beside its events anyway.
pub const MAX_BUNDLE_UNPACKED_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// Whether `bytes` start like a zip archive.
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// One file inside the archive: its path and bytes, or why it was skipped.
#[derive(Debug)]
pub struct Entry {
    pub path: String,
    pub content: Result<Vec<u8>, String>,
}

/// Every file entry (directories left out), in archive order; `Err` when the
/// archive itself cannot be opened or is over the snapshot limits.
pub fn entries(bytes: &[u8]) -> Result<Vec<Entry>, String> {
    entries_within(bytes, MAX_SNAPSHOT_UNPACKED_BYTES)
}

/// `entries`, with at most `max_total` bytes inflated from all entries
/// together. An archive that says it holds more is refused before anything
/// is inflated; one that lies about its sizes stops at the limit.
pub fn entries_within(bytes: &[u8], max_total: u64) -> Result<Vec<Entry>, String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| format!("not a readable zip archive: {e}"))?;
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(format!("the archive lists {} entries, over the {MAX_ZIP_ENTRIES} Loupe opens; unpack it and load the files you need", archive.len()));
    }
    let declared: u64 = (0..archive.len()).filter_map(|i| archive.by_index_raw(i).ok().map(|f| f.size())).fold(0, u64::saturating_add);
    if declared > max_total {
        return Err(format!("the archive inflates to {declared} bytes, over the {max_total} byte limit; unpack it and load the files you need"));
    }
    let mut budget = max_total;
    let mut out = Vec::new();
    for index in 0..archive.len() {
        let listed = archive.name_for_index(index).map_or_else(|| format!("entry {}", index + 1), str::to_string);
        let mut file = match archive.by_index(index) {
            Ok(file) => file,
            Err(e) => {
                out.push(Entry { path: listed, content: Err(format!("cannot be read: {e}")) });
                continue;
            }
        };
        if file.is_dir() {
            continue;
        }
        let path = file.name().to_string();
        let limit = MAX_ENTRY_BYTES.min(budget);
        let content = if file.size() > MAX_ENTRY_BYTES {
            Err(format!("inflates to {} bytes, over the {} byte limit", file.size(), MAX_ENTRY_BYTES))
        } else {
            let mut buf = Vec::new();
            match (&mut file).take(limit + 1).read_to_end(&mut buf) {
                Ok(n) if n as u64 > limit => Err(format!("inflates to more than {limit} bytes, more than it declared or than the archive's limit leaves")),
                Ok(n) => {
                    budget -= n as u64;
                    Ok(buf)
                }
                Err(e) => Err(format!("cannot be inflated: {e}")),
            }
        };
        out.push(Entry { path, content });
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    /// A small archive for tests (deflated entries).
    pub(crate) fn make_zip(files: &[(&str, &str)]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, text) in files {
            writer.start_file(*name, options).expect("start entry");
            writer.write_all(text.as_bytes()).expect("write entry");
        }
        writer.finish().expect("finish zip").into_inner()
    }

    #[test]
    fn reads_deflated_entries() {
        let bytes = make_zip(&[("a/policies.json", "{\"value\": []}"), ("b.json", "[]")]);
        assert!(is_zip(&bytes));
        let got = entries(&bytes).expect("opens");
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].path, "a/policies.json");
        assert_eq!(got[0].content.as_deref().ok(), Some(&b"{\"value\": []}"[..]));
    }

    #[test]
    fn broken_archive_is_an_error_not_a_panic() {
        assert!(entries(b"PK\x03\x04 not really a zip").is_err());
        let mut truncated = make_zip(&[("a.json", "{}")]);
        truncated.truncate(truncated.len() / 2);
        assert!(entries(&truncated).is_err() || entries(&truncated).is_ok());
    }
}
