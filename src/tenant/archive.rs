//! A `.zip` of exported configuration files, opened in memory. Told by its
//! content (the local file header signature), not by its name. Only stored
//! and deflated entries are read; anything else is reported per entry.

use std::io::{Cursor, Read};

/// Largest entry inflated, so a zip bomb cannot exhaust the tab's memory.
pub const MAX_ENTRY_BYTES: u64 = 512 * 1024 * 1024;

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
/// archive itself cannot be opened.
pub fn entries(bytes: &[u8]) -> Result<Vec<Entry>, String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| format!("not a readable zip archive: {e}"))?;
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
        let content = if file.size() > MAX_ENTRY_BYTES {
            Err(format!("inflates to {} bytes, over the {} byte limit", file.size(), MAX_ENTRY_BYTES))
        } else {
            let mut buf = Vec::new();
            match (&mut file).take(MAX_ENTRY_BYTES + 1).read_to_end(&mut buf) {
                Ok(n) if n as u64 > MAX_ENTRY_BYTES => Err(format!("inflates to more than {MAX_ENTRY_BYTES} bytes")),
                Ok(_) => Ok(buf),
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
