//! Where a loaded file's original records are read back from, and how
//! they are decoded: events keep only a byte range (`RawSpan`), so the
//! detail pane, exports and the case bundle read the record again when
//! they need it instead of the file's text living in memory.

use super::stream::decode::decode_record;
use super::stream::ParsePlan;
use super::text::Encoding;
use crate::model::RawSpan;
use std::borrow::Cow;
use std::sync::Arc;

/// Reads byte ranges of a file that is not in memory (natively, a file on
/// disk read by offset).
pub trait ReadAt: Send + Sync {
    fn read_at(&self, start: u64, len: u32) -> Option<Vec<u8>>;
    /// The whole file, for the case bundle.
    fn read_all(&self) -> Option<Vec<u8>>;
}

/// The bytes behind a file's events.
#[derive(Clone, Default)]
pub enum Original {
    /// Not reachable from the core: in the browser the page reads the
    /// range from the `File` it keeps and hands the bytes in.
    #[default]
    Elsewhere,
    /// The file (unpacked, for gzip) in memory.
    Bytes(Arc<Vec<u8>>),
    Reader(Arc<dyn ReadAt>),
}

impl std::fmt::Debug for Original {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Original::Elsewhere => write!(f, "Elsewhere"),
            Original::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            Original::Reader(_) => write!(f, "Reader"),
        }
    }
}

impl Original {
    /// A record's bytes, when the core can reach them.
    pub fn read(&self, span: RawSpan) -> Option<Cow<'_, [u8]>> {
        match self {
            Original::Elsewhere => None,
            Original::Bytes(bytes) => {
                let start = usize::try_from(span.start).ok()?;
                bytes.get(start..start.checked_add(span.len as usize)?).map(Cow::Borrowed)
            }
            Original::Reader(reader) => reader.read_at(span.start, span.len).map(Cow::Owned),
        }
    }

    /// The whole file, when the core can reach it.
    pub fn whole(&self) -> Option<Cow<'_, [u8]>> {
        match self {
            Original::Elsewhere => None,
            Original::Bytes(bytes) => Some(Cow::Borrowed(bytes.as_slice())),
            Original::Reader(reader) => reader.read_all().map(Cow::Owned),
        }
    }
}

/// A loaded file's way back to its records: where the bytes are and how
/// to read them.
#[derive(Clone, Debug, Default)]
pub struct FileSource {
    pub original: Original,
    pub encoding: Option<Encoding>,
    /// CSV files: the header row, to show a row as named fields.
    pub header_line: String,
}

impl FileSource {
    pub fn new(original: Original, plan: Option<&ParsePlan>) -> FileSource {
        FileSource { original, encoding: plan.map(|p| p.encoding), header_line: plan.map(|p| p.header_line.clone()).unwrap_or_default() }
    }

    /// A record's text, decoded.
    pub fn record_text(&self, span: RawSpan) -> Option<String> {
        self.original.read(span).map(|bytes| self.decode(&bytes))
    }

    /// Decode bytes of this file (read by the core or handed in by the page).
    pub fn decode(&self, bytes: &[u8]) -> String {
        decode_record(self.encoding.unwrap_or(Encoding::Utf8), bytes)
    }

    /// The CSV header row: the one recorded at load, or read from the file.
    pub fn header_line(&self) -> Cow<'_, str> {
        if !self.header_line.is_empty() {
            return Cow::Borrowed(&self.header_line);
        }
        let Some(whole) = self.original.whole() else { return Cow::Borrowed("") };
        let head = &whole[..whole.len().min(1 << 20)];
        let text = self.decode(head);
        Cow::Owned(super::csv_header_line(&text).trim_start_matches('\u{feff}').to_string())
    }
}

/// Tests and builders hand a file's UTF-8 text.
impl From<Arc<String>> for FileSource {
    fn from(text: Arc<String>) -> FileSource {
        FileSource { original: Original::Bytes(Arc::new(text.as_bytes().to_vec())), encoding: Some(Encoding::Utf8), header_line: String::new() }
    }
}
